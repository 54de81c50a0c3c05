"""Drive a real `airflow standalone` (API server, scheduler with the LocalExecutor, DAG processor,
triggerer) through its REST API v2. Used by the end-to-end tests and by the benchmark."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx


def password_written(home: Path) -> bool:
    """Whether Airflow's admin password is there: the simple auth manager's generated file, or the FAB
    admin's (``make airflow``)."""
    return (home / "simple_auth_manager_passwords.json.generated").exists() or (home / "admin-password").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AirflowServer:
    def __init__(self, home: Path, data_dir: Path, port: int, process: subprocess.Popen, log: Path):
        self.home, self.data_dir, self.port, self.process, self.log = home, data_dir, port, process, log
        self.base = f"http://127.0.0.1:{port}"
        self.client = httpx.Client(base_url=self.base, timeout=60)

    @property
    def password(self) -> str:
        return self.password_of("admin")

    def password_of(self, user: str) -> str:
        """A user's password: the FAB admin's file (``make airflow``'s default), else the simple auth
        manager's generated ones (``AIRFLOW_AUTH=simple``, ``airflow standalone``)."""
        if user == "admin" and (self.home / "admin-password").is_file():
            return (self.home / "admin-password").read_text(encoding="utf-8").splitlines()[0].strip()
        return json.loads((self.home / "simple_auth_manager_passwords.json.generated").read_text())[user]

    def client_of(self, user: str) -> httpx.Client:
        """A client with ``user``'s token (the simple auth manager's users: ``make airflow AIRFLOW_USERS=…``)."""
        response = self.client.post("/auth/token", json={"username": user, "password": self.password_of(user)})
        response.raise_for_status()
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return httpx.Client(base_url=self.base, timeout=60, headers=headers)

    def login(self) -> None:
        response = self.client.post("/auth/token", json={"username": "admin", "password": self.password})
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def api(self, method: str, path: str, **kwargs) -> dict:
        response = self.client.request(method, f"/api/v2{path}", **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def wait(self, what: str, check, timeout: float = 420, every: float = 2):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"airflow standalone exited: {self.log.read_text()[-3000:]}")
            result = check()
            if result:
                return result
            time.sleep(every)
        raise AssertionError(f"timed out waiting for {what}; log tail:\n{self.log.read_text()[-3000:]}")

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 420) -> str:
        return self.wait(
            f"{dag_id} {run_id}", lambda: (s := self.run_state(dag_id, run_id)) in ("success", "failed") and s, timeout
        )

    def healthy(self) -> bool:
        try:
            return self.client.get("/api/v2/monitor/health").status_code == 200
        except httpx.HTTPError:
            return False

    def dags_parsed(self, dag_ids: set[str]) -> bool:
        response = self.client.get("/api/v2/dags")
        return response.status_code == 200 and {d["dag_id"] for d in response.json()["dags"]} >= dag_ids

    def trigger_and_time(self, dag_id: str, conf: dict | None = None, timeout: float = 3600) -> dict:
        """Unpause, trigger, wait; the run's duration as Airflow recorded it (start to end). Unpausing a
        DAG with a watcher may start a run of its own that takes the work: ``wall_s`` is from the
        trigger until no run of the DAG is queued or running, and ``runs`` how many ran meanwhile."""
        started_at = time.monotonic()
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        run = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        state = self.wait_run(dag_id, run["dag_run_id"], timeout)
        self.wait(f"{dag_id}: every run ended", lambda: not self._active_runs(dag_id), timeout)
        wall = time.monotonic() - started_at
        done = self.api("GET", f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}")
        started, ended = (datetime.fromisoformat(done[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
        runs = self.api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]
        return {
            "run_id": run["dag_run_id"],
            "state": state,
            "seconds": (ended - started).total_seconds(),
            "wall_s": wall,
            "runs": len(runs),
        }

    def _active_runs(self, dag_id: str) -> list:
        runs = self.api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]
        return [r for r in runs if r["state"] in ("queued", "running")]


@contextmanager
def standalone(
    command: list[str],
    home: Path,
    data_dir: Path,
    env: dict[str, str],
    cwd: Path,
    dag_ids: set[str],
    log_copy: Path | None = None,
):
    """Start ``command`` (``airflow standalone`` or ``make airflow``) on a free port; yield a logged-in
    :class:`AirflowServer` once the given DAGs are parsed; stop every component afterwards."""
    port = free_port()
    if command[0] != "make":  # `make airflow AIRFLOW_PORT=…` sets the port and base URL itself
        env = {**env, "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}", "AIRFLOW__API__PORT": str(port)}
    log = home / "standalone.log"
    home.mkdir(parents=True, exist_ok=True)  # `make airflow` without AIRFLOW_HOME: <DATA_DIR>/airflow
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*command, f"AIRFLOW_PORT={port}"] if command[0] == "make" else command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = AirflowServer(home, data_dir, port, process, log)
    try:
        server.wait("the API server", server.healthy, timeout=240)
        server.wait("the password file", lambda: password_written(home))
        server.login()
        server.wait("the DAGs to be parsed", lambda: server.dags_parsed(dag_ids), timeout=240)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
        with contextlib.suppress(ProcessLookupError):  # whatever of the group outlived its parent (a worker)
            os.killpg(process.pid, signal.SIGKILL)
        if log_copy is not None:
            log_copy.parent.mkdir(parents=True, exist_ok=True)
            log_copy.write_bytes(log.read_bytes())


def shared_airflow_settings(root: Path) -> dict[str, str]:
    """``deploy/airflow.env``: the settings docker-compose.yml and scripts/cluster.sh share."""
    lines = (root / "deploy" / "airflow.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


class _ClusterProcess:
    """What :class:`AirflowServer` asks of its process, for the cluster: whether its API server still runs."""

    def __init__(self, pid_file: Path):
        self.pid_file = pid_file

    def poll(self) -> int | None:
        try:
            os.kill(int(self.pid_file.read_text()), 0)
        except (OSError, ValueError):
            return 1
        return None


@contextmanager
def cluster(root: Path, cluster_dir: Path, data_dir: Path, env: dict[str, str], dag_ids: set[str], ports: tuple):
    """Start the project's Celery cluster (``scripts/cluster.sh``: Redis, PostgreSQL, API server, scheduler,
    DAG processor, triggerer, two Celery workers) on ``ports`` (API, PostgreSQL, Redis); yield a logged-in
    :class:`AirflowServer` once the given DAGs are parsed; stop the cluster afterwards."""
    api, pg, redis = ports
    env = {
        **env,
        "CLUSTER_DIR": str(cluster_dir),
        "CLUSTER_API_PORT": str(api),
        "CLUSTER_PG_PORT": str(pg),
        "CLUSTER_REDIS_PORT": str(redis),
    }
    script = str(root / "scripts" / "cluster.sh")
    cluster_dir.mkdir(parents=True, exist_ok=True)
    for folder in (cluster_dir, *cluster_dir.parents):  # PostgreSQL runs as its own user: it must get through
        mode = folder.stat().st_mode
        if folder.stat().st_uid == os.getuid() and not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)  # traverse only (a private temporary folder is 0700)
    try:
        subprocess.run([script, "start"], env=env, check=True, timeout=900)
        home = cluster_dir / "airflow"
        server = AirflowServer(
            home,
            data_dir,
            api,
            _ClusterProcess(cluster_dir / "pids" / "api-server.pid"),
            cluster_dir / "logs" / "scheduler.log",
        )  # type: ignore[arg-type]
        server.wait("the password file", lambda: password_written(home))
        server.login()
        server.wait("the DAGs to be parsed", lambda: server.dags_parsed(dag_ids), timeout=240)
        yield server
    finally:
        subprocess.run([script, "stop"], env=env, timeout=300)
