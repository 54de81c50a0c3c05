"""`make airflow`: Airflow's components on this machine, listening on one address, stopped together.

What ``airflow standalone`` does, with three differences a local deployment needs:

* **Everything listens on** ``AIRFLOW__API__HOST`` (loopback unless told otherwise): the API server, and
  the two log servers, which ``airflow scheduler`` and ``airflow triggerer`` would otherwise open on every
  interface at the fixed ports 8793 and 8794. They are started here instead, on the API server's address,
  at its port + 1 (the workers' task logs) and + 2 (the triggerer's), so that two ``make airflow`` on
  different ``AIRFLOW_PORT`` do not clash. Task instances are recorded under that address
  (``GIAMNGHEO_WORKER_NAME``), which is where the UI then asks for a running task's log.
* **Ctrl-C or SIGTERM stops every component**, with its children (the executor's workers, the DAG
  processor's parsers): each runs in a process group of its own, is sent SIGTERM, and is killed when it
  has not stopped after ``--grace`` seconds.
* **Files are written private** (umask 077): the generated password file is readable by its owner only.

Airflow's own ``standalone`` forces the simple auth manager and a local executor; the Makefile sets both.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def components(host: str, port: int) -> dict[str, list[str]]:
    airflow = str(BIN / "airflow")
    logs = [str(BIN / "python"), "-m", "uvicorn", "airflow.utils.serve_logs.log_server:get_app", "--factory"]
    return {
        "api-server": [airflow, "api-server", "--host", host, "--port", str(port)],
        "scheduler": [airflow, "scheduler", "--skip-serve-logs"],
        "dag-processor": [airflow, "dag-processor"],
        "triggerer": [airflow, "triggerer", "--skip-serve-logs"],
        "task-logs": [*logs, "--host", host, "--port", str(port + 1), "--no-access-log"],
        "trigger-logs": [*logs, "--host", host, "--port", str(port + 2), "--no-access-log"],
    }


def environment(host: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", str(port + 1))
    env.setdefault("AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT", str(port + 2))
    # the address the UI asks for a running task's log: the one the log servers listen on
    env.setdefault("GIAMNGHEO_WORKER_NAME", "127.0.0.1" if host in ("0.0.0.0", "::") else host)
    env.setdefault("AIRFLOW__CORE__HOSTNAME_CALLABLE", "giamngheo.config.worker_hostname")
    return env


def stream(name: str, process: subprocess.Popen) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(f"{name:>13} | {line.decode('utf-8', 'replace')}")
        sys.stdout.flush()


def stop_all(running: dict[str, subprocess.Popen], grace: float) -> None:
    """SIGTERM to every component's process group, then SIGKILL to what is left after ``grace`` seconds."""
    for process in running.values():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(p.poll() is None for p in running.values()):
        time.sleep(0.2)
    for name, process in running.items():
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the group: workers a component left behind too
        except ProcessLookupError:
            continue
        if process.poll() is None:
            print(f"{name}: killed after {grace:g} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("AIRFLOW__API__HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW__API__PORT", "8080")))
    parser.add_argument("--grace", type=float, default=20.0, help="seconds to stop before being killed")
    args = parser.parse_args(argv)
    os.umask(0o077)
    env = environment(args.host, args.port)
    stopping = threading.Event()

    def on_signal(signum, _frame) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    running: dict[str, subprocess.Popen] = {}
    try:
        for name, command in components(args.host, args.port).items():
            running[name] = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
            )
            threading.Thread(target=stream, args=(name, running[name]), daemon=True).start()
        print(
            f"airflow: http://{args.host}:{args.port} (task logs :{args.port + 1}, triggerer logs "
            f":{args.port + 2}); Ctrl-C stops everything",
            flush=True,
        )
        while not stopping.wait(0.5):
            ended = [n for n, p in running.items() if p.poll() is not None]
            if ended:
                code = running[ended[0]].returncode
                print(f"{', '.join(ended)} stopped (exit {code}): stopping the rest", flush=True)
                return_code = 1
                break
        else:
            return_code = 0
    finally:
        print("stopping Airflow's components", flush=True)
        stop_all(running, args.grace)
    return return_code


if __name__ == "__main__":
    sys.exit(main())
