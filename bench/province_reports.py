"""Benchmark: all reports of a province of today through Airflow (``make bench-province``).

Runs ``make demo PERIOD=2026-H1`` on a fresh data directory (huyện Bạch Thông's 2025-H1, then tỉnh
Thái Nguyên's 2026-H1: 92 communes), then times ``airflow dags test draft_report`` for 2026-H1 again
on its own, ``--repeat`` times: the province's report and the 92 communes' own, each with its PDF
(LibreOffice, when installed), drafted from the warehouse. Prints and writes JSON (``--out``); it
asserts no time. Figures: docs/PERFORMANCE.md.
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results-province-reports.json")
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
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
