"""Benchmark: all reports of a province of today through Airflow (``make bench-province``).

Runs ``make demo PERIOD=2026-H1`` on a fresh data directory (huyện Bạch Thông's 2025-H1, then tỉnh
Thái Nguyên's 2026-H1: 92 communes), then times ``airflow dags test draft_report`` for 2026-H1 again
on its own, ``--repeat`` times: the province's report and the 92 communes' own, each with its PDF
(LibreOffice, when installed), drafted from the warehouse. Then (``--freshness``) it starts ``airflow
standalone`` on the same deployment and lets a corrected file of xã Phủ Thông land in the inbox,
nobody triggering anything: the seconds until the ledger has it and until Phủ Thông's own report is
re-drafted (the watcher's settle time included), and which reports were drafted again. Prints and
writes JSON (``--out``); it asserts no time. Figures: docs/PERFORMANCE.md.
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
    """A corrected commune file lands; the seconds until the ledger has it and its report is re-drafted."""
    sys.path.insert(0, str(ROOT))
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
    with standalone([str(BIN / "airflow"), "standalone"], home, data_dir, airflow_env, ROOT, ids) as server:
        for dag in sorted(ids):
            server.api("PATCH", f"/dags/{dag}", json={"is_paused": False})

        def idle() -> bool:
            runs = [
                r for dag in ids for r in server.api("GET", f"/dags/{dag}/dagRuns", params={"limit": 100})["dag_runs"]
            ]
            return all(r["state"] in ("success", "failed") for r in runs)

        def count() -> int:
            return sum(len(server.api("GET", f"/dags/{dag}/dagRuns", params={"limit": 100})["dag_runs"]) for dag in ids)

        def settled() -> bool:  # the runs that unpausing started (the demo's queued asset events) have ended
            before = count()
            time.sleep(15)
            return idle() and count() == before

        server.wait("the inbox watcher", lambda: (data_dir / ".watch" / "inbox.json").exists(), timeout=300)
        server.wait("the runs unpausing started", settled, timeout=1800, every=1)
        before = {path: path.stat().st_mtime for path in reports.rglob("*.docx")}
        values = commune_values(__import__("random").Random(2026))
        landed = time.time()
        sample.write_csv(
            data_dir / "inbox" / "19" / PERIOD / "commune" / "phu_thong_dinh_chinh.csv",
            ["xa", *COMMUNE_CODES],
            [["Xã Phủ Thông", *[sample.vn(values[c], 2 if values[c] % 1 else 0) for c in COMMUNE_CODES]]],
            encoding="utf-8-sig",
        )
        ledger = data_dir / "warehouse.sqlite"

        def loaded() -> bool:
            import sqlite3

            with sqlite3.connect(ledger) as conn:
                row = conn.execute(
                    "select status from submission where file_name = 'phu_thong_dinh_chinh.csv'"
                ).fetchone()
            return bool(row and row[0] == "accepted")

        server.wait("the watcher's ingestion", loaded, timeout=600, every=0.25)
        to_ledger = time.time() - landed
        server.wait("Phủ Thông's report", lambda: own.stat().st_mtime > landed, timeout=600, every=0.25)
        to_report = time.time() - landed
        server.wait("the report run to end", idle, timeout=600, every=1)
        province = reports / PERIOD / f"bao-cao-giam-ngheo-{PERIOD}.docx"
        redrafted = sorted(
            str(path.relative_to(reports)) for path in reports.rglob("*.docx") if path.stat().st_mtime > landed
        )
    return {
        "settle_s": settle,
        "to_ledger_s": to_ledger,
        "to_commune_report_s": to_report,
        "province_redrafted": province.stat().st_mtime > landed,
        "docx_redrafted": len([p for p in redrafted if "history" not in p and "final" not in p]),
        "redrafted": redrafted,
        "docx_before": len(before),
    }


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
