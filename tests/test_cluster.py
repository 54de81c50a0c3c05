"""The production shape, run for real: a Celery cluster with Redis and PostgreSQL (`make test-cluster`).

`scripts/cluster.sh` runs Airflow's API server, scheduler, DAG processor and triggerer and two Celery
workers as separate processes, with a synthetic province of 8 districts (bench/synthetic.py). The test
starts from an empty warehouse and data directory, ingests the province's period through the REST
API, kills (SIGKILL) the worker running an ingestion task in the middle of it, brings the worker back,
and checks that the run still ends with every file loaded exactly once: the warehouse's current facts
digest equals a sequential ingestion's, without Airflow. Tasks ran on both workers; every district's
report is drafted. `make test-cluster` runs it twice on the same cluster.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PERIOD, ROOT, settings_for

pytestmark = pytest.mark.cluster
CLUSTER_DIR = Path(os.environ.get("CLUSTER_DIR", "/tmp/giamngheo-cluster"))
WORKERS = ("worker-1", "worker-2")


class Cluster:
    def __init__(self):
        self.port = int(os.environ.get("CLUSTER_API_PORT", "28080"))
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            line.split("=", 1)
            for line in subprocess.run(
                [str(ROOT / "scripts" / "cluster.sh"), "env"], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if "=" in line
        )
        self.data_dir = Path(self.env["GIAMNGHEO_DATA_DIR"])
        self.warehouse_url = self.env["GIAMNGHEO_WAREHOUSE_URL"]
        self.reference = Path(self.env["GIAMNGHEO_REFERENCE_DIR"])
        passwords = Path(self.env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
        import json

        token = httpx.post(
            f"{self.base}/auth/token",
            json={"username": "admin", "password": json.loads(passwords.read_text())["admin"]},
        ).json()["access_token"]
        self.client = httpx.Client(base_url=self.base, timeout=60, headers={"Authorization": f"Bearer {token}"})

    def api(self, method: str, path: str, **kwargs) -> dict:
        response = self.client.request(method, f"/api/v2{path}", **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def wait(self, what: str, check, timeout: float = 600, every: float = 1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(every)
        logs = CLUSTER_DIR / "logs"
        tails = {p.name: p.read_text(errors="replace")[-1500:] for p in sorted(logs.glob("*.log"))}
        raise AssertionError(
            f"timed out waiting for {what}; logs:\n" + "\n".join(f"== {k}\n{v}" for k, v in tails.items())
        )

    def worker_pid(self, name: str) -> int:
        return int((CLUSTER_DIR / "pids" / f"{name}.pid").read_text())


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    if not (CLUSTER_DIR / "pids" / "scheduler.pid").exists():
        pytest.skip("no cluster: `make test-cluster` starts one")
    return Cluster()


def kill_session(sid: int) -> None:
    """SIGKILL every process of a session (a worker started by `setsid`; its task processes have process
    groups of their own but stay in its session)."""
    listing = subprocess.run(["ps", "-eo", "pid=,sid="], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        pid, session = (int(v) for v in line.split())
        if session == sid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def ingest_runs(cluster: Cluster) -> list[dict]:
    return cluster.api("GET", "/dags/ingest_submissions/dagRuns", params={"limit": 100})["dag_runs"]


def task_instances(cluster: Cluster, run_id: str) -> list[dict]:
    return cluster.api("GET", f"/dags/ingest_submissions/dagRuns/{run_id}/taskInstances", params={"limit": 200})[
        "task_instances"
    ]


def facts_digest(warehouse) -> str:
    """The current figures, whatever their submission ids: equal for the same files loaded once."""
    from decimal import Decimal

    rows = warehouse.query("query/current_facts_digest")
    text = "\n".join(
        "|".join([*(str(r[k]) for k in list(r)[:-1]), str(Decimal(str(r["value"])).quantize(Decimal("0.001")))])
        for r in rows
    )
    return hashlib.sha256(text.encode()).hexdigest()


def reset(cluster: Cluster) -> None:
    """An empty warehouse and data directory, then the province's inbox (fresh modification times)."""
    from sqlalchemy import create_engine, text

    admin = create_engine(cluster.warehouse_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("drop database if exists warehouse with (force)"))
        conn.execute(text("create database warehouse"))
    admin.dispose()
    for child in cluster.data_dir.iterdir() if cluster.data_dir.exists() else []:
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(cluster.reference.parent / "inbox", cluster.data_dir / "inbox")


def test_each_worker_imported_the_pipeline_libraries_before_its_tasks(cluster):
    """plugins/giamngheo_celery.py (the cluster's Celery configuration, from deploy/airflow.env): each
    worker imports pandas, GX and docxtpl once as it starts, so the tasks it forks start with them."""
    for worker in WORKERS:
        log = (CLUSTER_DIR / "logs" / f"{worker}.log").read_text(errors="replace")
        assert re.search(r"worker \d+ preloaded 9 module\(s\)", log), f"{worker}: no preload in its log"
        assert "could not preload" not in log, worker


def test_a_province_on_two_celery_workers_survives_a_killed_worker(cluster, tmp_path):
    from giamngheo.ingest import Ingestor
    from giamngheo.periods import Period
    from giamngheo.warehouse import Warehouse

    armed, marker = Path(cluster.env["GIAMNGHEO_PAUSE_ARMED"]), Path(cluster.env["GIAMNGHEO_PAUSE_MARKER"])
    marker.unlink(missing_ok=True)
    armed.write_text("publish")  # the first publish on either worker stops there, in its transaction
    known = {r["dag_run_id"] for r in ingest_runs(cluster)}
    reset(cluster)
    for dag_id in ("ingest_submissions", "draft_report"):
        cluster.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    cluster.api("POST", "/dags/ingest_submissions/dagRuns", json={"logical_date": None, "conf": {"period": PERIOD}})

    # the worker in the middle of a publish is killed (SIGKILL), then started again
    paused = cluster.wait("a publish paused on a worker", marker.exists, timeout=300, every=0.2)
    assert paused
    worker = marker.read_text().split()[-1]
    assert worker in WORKERS, marker.read_text()
    kill_session(cluster.worker_pid(worker))  # as a machine dies: the worker and every task process it started
    killed_at = time.monotonic()
    subprocess.run([str(ROOT / "scripts" / "cluster.sh"), "start"], check=True, capture_output=True, timeout=300)

    def settled() -> list[dict] | None:
        runs = [r for r in ingest_runs(cluster) if r["dag_run_id"] not in known]
        return runs if runs and all(r["state"] in ("success", "failed") for r in runs) else None

    runs = cluster.wait("the ingestion runs to end", settled, timeout=900, every=2)
    recovered = time.monotonic() - killed_at
    assert {r["state"] for r in runs} == {"success"}, runs
    tis = [t for r in runs for t in task_instances(cluster, r["dag_run_id"]) if t["task_id"] == "ingest_files"]
    ran = [t for t in tis if t["state"] != "skipped"]  # a run that found nothing new maps no ingestion task
    assert ran and {t["state"] for t in ran} == {"success"}, ran
    assert [t for t in ran if t["try_number"] >= 2], "the killed task was not tried again"
    assert {t["hostname"] for t in ran} == set(WORKERS), [t["hostname"] for t in ran]

    # every file once; the same figures as a sequential ingestion without Airflow
    warehouse = Warehouse(cluster.warehouse_url, ROOT / "include" / "sql")
    try:
        ledger = warehouse.query("query/ledger_digest", period=PERIOD)
        cluster_digest = facts_digest(warehouse)
    finally:
        warehouse.dispose()
    sequential_data = tmp_path / "sequential"
    shutil.copytree(cluster.data_dir / "inbox", sequential_data / "inbox")
    settings = settings_for(sequential_data, GIAMNGHEO_REFERENCE_DIR=str(cluster.reference), GIAMNGHEO_UNIT="all")
    ingestor = Ingestor.from_settings(settings)
    ingestor.initialise()
    outcomes = ingestor.ingest(ingestor.deployment.discover(Period.parse(PERIOD)))
    assert {o.status for o in outcomes} == {"accepted"}
    files = len(outcomes)
    assert len(ledger) == files and {r["status"] for r in ledger} == {"accepted"}, len(ledger)  # each file once
    assert len({(r["unit"], r["form"], r["file_name"]) for r in ledger}) == files
    assert facts_digest(ingestor.warehouse) == cluster_digest
    ingestor.warehouse.dispose()

    # every district's report, drafted by the asset-triggered report runs on the workers
    districts = sorted(p.name for p in (cluster.data_dir / "inbox").iterdir() if p.is_dir())
    cluster.wait(
        "every district's report",
        lambda: (
            all(
                (cluster.data_dir / "reports" / d / PERIOD / f"bao-cao-giam-ngheo-{PERIOD}.docx").exists()
                for d in districts
            )
            and all(
                r["state"] in ("success", "failed")
                for r in cluster.api("GET", "/dags/draft_report/dagRuns", params={"limit": 100})["dag_runs"]
            )
        ),
        timeout=600,
        every=2,
    )
    print(f"{files} files on {len(WORKERS)} workers; recovered from the killed worker in {recovered:.0f} s")
