"""Benchmark of the pipeline's steps beside their floors (``make bench``).

Size ``district`` (the default, and the only one implemented so far) ingests one
district's half-year: the 20 files of the sample inbox, copied ``--copies`` times
under new names so that per-file medians rest on enough files. For each step it
reports the median time per file beside the floor of that step, and the ratio:

| step      | what is timed                                   | floor                                      |
|-----------|-------------------------------------------------|--------------------------------------------|
| read      | ``read_submission`` (parse, types, names)       | calamine / csv module reading the same file |
| validate  | one GX run per form over all its files, per file | (none: GX setup is reported on its own)   |
| load      | ``Warehouse.publish`` (one transaction per file) | sqlite3 ``executemany`` of the same rows in one transaction |
| parse     | importing each DAG file after ``airflow.sdk``    | ``import airflow.sdk`` alone               |
| render    | one district's report (.docx, no PDF)           |                                            |

Results are printed as a table and written as JSON (``--out``). Timings are medians of
``--repeat`` runs where a step is repeated. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "include" / "sample" / "inbox"
PERIOD = "2022-H1"


def median(values):
    return statistics.median(values) if values else float("nan")


def parse_costs(repeat: int) -> dict:
    probe = ("import importlib.util, sys, time; t0 = time.perf_counter(); import airflow.sdk; t1 = time.perf_counter();"
             "spec = importlib.util.spec_from_file_location('d', sys.argv[1]) if len(sys.argv) > 1 else None;"
             "m = spec and importlib.util.module_from_spec(spec); spec and spec.loader.exec_module(m);"
             "print(t1 - t0, time.perf_counter() - t1)")
    env = {**os.environ, "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
           "PYTHONPATH": str(ROOT / "plugins")}
    out = {}
    for dag in sorted((ROOT / "dags").glob("*.py")):
        sdk, extra = [], []
        for _ in range(repeat):
            result = subprocess.run([sys.executable, "-c", probe, str(dag)], env=env, capture_output=True, text=True,
                                    check=True)
            a, b = map(float, result.stdout.split())
            sdk.append(a)
            extra.append(b)
        out[dag.name] = {"airflow_sdk_s": median(sdk), "dag_file_extra_s": median(extra)}
    return out


def bare_read(path: Path) -> int:
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258")
    return sum(1 for _ in csv.reader(text.splitlines()))


def bare_insert(rows: list[dict], db: Path) -> float:
    conn = sqlite3.connect(db)
    conn.execute("create table if not exists floor (a text, b text, c text, d text, e text, f text, v real, r int)")
    started = time.perf_counter()
    with conn:
        conn.executemany("insert into floor values (?, ?, ?, ?, ?, ?, ?, ?)",
                         [(r["load_id"], r["org_unit"], r["indicator"], r["category"], r["item"], r["attribute"],
                           r["value"], r["source_row"]) for r in rows])
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def district(copies: int, repeat: int, work: Path) -> dict:
    os.environ.update({"GIAMNGHEO_DATA_DIR": str(work), "GIAMNGHEO_SETTLE_SECONDS": "0",
                       "GIAMNGHEO_PROJECT_DIR": str(ROOT), "GX_ANALYTICS_ENABLED": "False"})
    os.environ.pop("GIAMNGHEO_WAREHOUSE_URL", None)
    inbox = work / "inbox" / PERIOD
    for copy in range(copies):  # each copy a new file name: a new submission of the same slices
        for src in (SAMPLE / PERIOD).rglob("*"):
            if src.is_file() and src.suffix in (".xlsx", ".csv"):
                dst = inbox / src.parent.name / f"c{copy:03d}_{src.name}"
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
                os.utime(dst, (src.stat().st_mtime + copy, src.stat().st_mtime + copy))

    from giamngheo.config import get_settings
    from giamngheo.ingest import Pipeline
    from giamngheo.reading import read_submission, sha256_of
    from giamngheo.validation import Validator
    from giamngheo.warehouse import stage_rows

    started = time.perf_counter()
    pipeline = Pipeline(get_settings())
    pipeline.initialise()
    setup_pipeline = time.perf_counter() - started
    started = time.perf_counter()
    validator = Validator(pipeline.settings.expectations_dir, pipeline.forms)
    setup_gx = time.perf_counter() - started
    files = pipeline.discover(PERIOD)

    read_times, floor_read_times, reads = [], [], []
    for file in files:
        t0 = time.perf_counter()
        reads.append(read_submission(file.path, pipeline.forms[file.form], pipeline.resolver, pipeline.categories,
                                     file.label, pipeline.forms))
        read_times.append(time.perf_counter() - t0)
        floor = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            bare_read(file.path)
            floor.append(time.perf_counter() - t0)
        floor_read_times.append(median(floor))

    validate_per_file = []
    by_form: dict[str, list[int]] = {}
    for index, file in enumerate(files):
        by_form.setdefault(file.form, []).append(index)
    for form, indexes in by_form.items():
        t0 = time.perf_counter()
        checks = validator.validate(form, [reads[i] for i in indexes])
        elapsed = time.perf_counter() - t0
        assert all(not c.problems for c in checks), [c.problems for c in checks if c.problems][:1]
        validate_per_file += [elapsed / len(indexes)] * len(indexes)

    load_times, floor_load_times = [], []
    floor_db = work / "floor.sqlite"
    for file, read in zip(files, reads):
        sha = sha256_of(file.path)
        rows = list(stage_rows(pipeline.forms[file.form], read.frame, "bench"))
        t0 = time.perf_counter()
        pipeline.warehouse.publish(file, sha, pipeline.forms[file.form], read.frame)
        load_times.append(time.perf_counter() - t0)
        floor_load_times.append(bare_insert(rows, floor_db))

    from giamngheo.report import render_report

    render = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        render_report(pipeline.settings, PERIOD, pdf=False)
        render.append(time.perf_counter() - t0)

    total = sum(read_times) + sum(validate_per_file) + sum(load_times)
    steps = {
        "read": (median(read_times), median(floor_read_times)),
        "validate": (median(validate_per_file), None),
        "load": (median(load_times), median(floor_load_times)),
    }
    return {
        "files": len(files),
        "setup_s": {"pipeline": setup_pipeline, "great_expectations": setup_gx},
        "per_file_s": {k: {"median": v, "floor": f, "ratio": (v / f if f else None)} for k, (v, f) in steps.items()},
        "files_per_second_after_setup": len(files) / total if total else None,
        "render_s": median(render),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["district"], default="district")
    parser.add_argument("--copies", type=int, default=5, help="copies of the sample inbox (default 5: 100 files)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "size": args.size,
            "parse": parse_costs(args.repeat),
            "district": district(args.copies, args.repeat, Path(tmp)),
        }
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.out.write_text(json.dumps(result, indent=1))
    d = result["district"]
    ms = 1000
    print(f"{'step':<30}{'median ms':>12}{'floor ms':>12}{'ratio':>9}")
    for name, dag in result["parse"].items():
        print(f"{'parse ' + name:<30}{dag['dag_file_extra_s'] * ms:>12.1f}{dag['airflow_sdk_s'] * ms:>12.1f}"
              f"{dag['dag_file_extra_s'] / dag['airflow_sdk_s']:>8.2f}x  (floor: import airflow.sdk)")
    for step, v in d["per_file_s"].items():
        floor = f"{v['floor'] * ms:>12.3f}" if v["floor"] else f"{'—':>12}"
        ratio = f"{v['ratio']:>8.1f}x" if v["ratio"] else f"{'':>9}"
        print(f"{step + ' (per file)':<30}{v['median'] * ms:>12.3f}{floor}{ratio}")
    print(f"{'GX setup (once per task)':<30}{d['setup_s']['great_expectations'] * ms:>12.0f}")
    print(f"{'render (one district, no PDF)':<30}{d['render_s'] * ms:>12.0f}")
    print(f"files: {d['files']}, {d['files_per_second_after_setup']:.1f} files/s after setup; "
          f"peak RSS {result['peak_rss_mb']:.0f} MB; JSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
