"""Benchmark: all reports of a province of today through Airflow (``make bench-province``).

Runs ``make demo PERIOD=2026-H1`` on a fresh data directory (huyện Bạch Thông's 2025-H1, then tỉnh
Thái Nguyên's 2026-H1: 92 communes), then times ``airflow dags test draft_report`` for 2026-H1 again
on its own, ``--repeat`` times: the province's report and the 92 communes' own, each with its PDF
(LibreOffice, when installed), drafted from the warehouse. Then (``--freshness``) it starts ``airflow
standalone`` on the same deployment and lets corrected files of xã Phủ Thông land, nobody triggering
anything (see :func:`freshness`): from its desk, and dropped in the inbox (the watcher's settle time
included); the seconds until the ledger has each and until Phủ Thông's own report is re-drafted, and
which reports were drafted again. Prints and writes JSON (``--out``); it asserts no time. Figures:
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PERIOD = "2026-H1"


def environment(data_dir: Path) -> dict[str, str]:
    """What the Makefile exports for ``make demo PERIOD=2026-H1`` (so that the timed run is the same)."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(data_dir / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "GX_ANALYTICS_ENABLED": "False",
        "GIAMNGHEO_DATA_DIR": str(data_dir),
        "GIAMNGHEO_UNIT": "063,19",
    }


def count(folder: Path, suffix: str) -> int:
    return sum(1 for path in folder.rglob(f"*{suffix}") if "history" not in path.parts and "final" not in path.parts)


def freshness(data_dir: Path, env: dict[str, str], settle: float) -> dict:
    """Corrected files of xã Phủ Thông land, nobody triggering anything: the seconds until the ledger has
    each and Phủ Thông's own report is re-drafted, and which reports were drafted again.

    A first landing warms up: Airflow's first asset-triggered run of ``draft_report`` takes every asset
    event ever recorded (those of ``make demo`` too), so it drafts every report. Then, as a unit sends
    in steady state, ``desk``: the file is sent from Phủ Thông's desk (the JSON API), delivered whole
    (no settle wait); ``inbox``: the file is dropped in the shared inbox and waited for until it has not
    changed for the settle time."""
    sys.path.insert(0, str(ROOT))
    import random

    from bench.standalone import standalone
    from bench.synthetic import COMMUNE_CODES, commune_values, sample

    airflow_env = {
        **env,
        "GIAMNGHEO_SETTLE_SECONDS": str(settle),
        "AIRFLOW__CORE__EXECUTOR": "giamngheo_executor.WarmLocalExecutor",  # as `make airflow`
        "AIRFLOW__CORE__PARALLELISM": str(2 * (os.cpu_count() or 1)),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    reports = data_dir / "reports" / "19"
    own = reports / "xa" / "01969" / PERIOD / f"bao-cao-giam-ngheo-{PERIOD}.docx"
    home = Path(env["AIRFLOW_HOME"])
    ids = {"ingest_submissions", "draft_report"}
    rng = random.Random(2026)

    def corrected() -> bytes:
        values = commune_values(rng)
        row = ["Xã Phủ Thông", *[sample.vn(values[c], 2 if values[c] % 1 else 0) for c in COMMUNE_CODES]]
        folder = Path(tempfile.mkdtemp())
        sample.write_csv(folder / "x.csv", ["xa", *COMMUNE_CODES], [row], encoding="utf-8-sig")
        return (folder / "x.csv").read_bytes()

    with standalone([str(BIN / "airflow"), "standalone"], home, data_dir, airflow_env, ROOT, ids) as server:
        for dag in sorted(ids):
            server.api("PATCH", f"/dags/{dag}", json={"is_paused": False})

        def runs() -> list[dict]:
            return [
                r for dag in ids for r in server.api("GET", f"/dags/{dag}/dagRuns", params={"limit": 100})["dag_runs"]
            ]

        def idle() -> bool:
            return all(r["state"] in ("success", "failed") for r in runs())

        def settled() -> bool:  # the runs that unpausing started have ended, and no other began since
            before = len(runs())
            time.sleep(15)
            return idle() and len(runs()) == before

        def in_ledger(name: str) -> bool:
            import sqlite3

            with sqlite3.connect(data_dir / "warehouse.sqlite") as conn:
                row = conn.execute("select status from submission where file_name = ?", (name,)).fetchone()
            return bool(row and row[0] == "accepted")

        def land(how: str) -> dict:
            landed = time.time()
            content = corrected()
            if how == "desk":
                response = server.client.post(
                    "/giamngheo/api/units/01969/submissions",
                    params={"period": PERIOD, "form": "commune"},
                    files={"file": ("phu_thong_dinh_chinh.csv", content, "text/csv")},
                )
                assert response.status_code == 202, response.text
                name = response.json()["file"]
            else:
                name = f"phu_thong_dinh_chinh_{int(landed)}.csv"
                (data_dir / "inbox" / "19" / PERIOD / "commune" / name).write_bytes(content)
            server.wait(f"{name} in the ledger", lambda: in_ledger(name), timeout=600, every=0.25)
            to_ledger = time.time() - landed
            server.wait("Phủ Thông's report", lambda: own.stat().st_mtime > landed, timeout=600, every=0.25)
            to_report = time.time() - landed
            server.wait("the report run to end", idle, timeout=600, every=1)
            redrafted = sorted(
                str(path.relative_to(reports))
                for path in reports.rglob("*.docx")
                if path.stat().st_mtime > landed and "history" not in path.parts and "final" not in path.parts
            )
            settled_wait = settle if how == "inbox" else 0.0
            return {
                "to_ledger_s": to_ledger,
                "to_commune_report_s": to_report,
                "settle_s": settled_wait,
                "docx_redrafted": len(redrafted),
                "redrafted": redrafted,
            }

        server.wait("the inbox watcher", lambda: (data_dir / ".watch" / "inbox.json").exists(), timeout=300)
        server.wait("the runs unpausing started", settled, timeout=1800, every=1)
        warm_up = land("inbox")
        server.wait("the warm-up's runs", settled, timeout=600, every=1)
        desk = land("desk")
        server.wait("the desk landing's runs", settled, timeout=600, every=1)
        inbox = land("inbox")
    return {"settle_s": settle, "warm_up": warm_up, "desk": desk, "inbox": inbox}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results-province-reports.json")
    parser.add_argument(
        "--freshness",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time a commune's report re-drafted after its file lands (airflow standalone)",
    )
    parser.add_argument("--settle", type=float, default=10.0, help="GIAMNGHEO_SETTLE_SECONDS (the product's: 10)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        env = environment(data_dir)
        started = time.perf_counter()
        demo = subprocess.run(
            ["make", "-s", "demo", f"PERIOD={PERIOD}", f"DATA_DIR={data_dir}"],
            cwd=ROOT,
            env={k: v for k, v in env.items() if not k.startswith(("AIRFLOW", "GIAMNGHEO"))},
            capture_output=True,
            text=True,
        )
        demo_s = time.perf_counter() - started
        if not (data_dir / "reports" / "19" / PERIOD).is_dir():
            print(demo.stdout[-3000:], demo.stderr[-3000:], file=sys.stderr)
            return 1
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run = subprocess.run(
                [str(BIN / "airflow"), "dags", "test", "draft_report", "--conf", json.dumps({"period": PERIOD})],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            runs.append(time.perf_counter() - started)
            if run.returncode != 0:
                print(run.stdout[-3000:], run.stderr[-3000:], file=sys.stderr)
                return 1
        reports = data_dir / "reports" / "19"
        result = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "period": PERIOD,
            "make_demo_s": demo_s,
            "draft_report_s": runs,
            "docx": count(reports, ".docx"),
            "pdf": count(reports, ".pdf"),
            "commune_reports": sum(1 for _ in (reports / "xa").iterdir()),
        }
        if args.freshness:
            result["freshness"] = freshness(data_dir, env, args.settle)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
