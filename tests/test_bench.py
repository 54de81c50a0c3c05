"""A smoke run of the benchmark (make bench): it runs and reports every section. No time is asserted."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    pg = os.environ.get("GIAMNGHEO_TEST_PG_URL")
    command = [
        sys.executable,
        str(ROOT / "bench" / "benchmark.py"),
        "--size",
        "district",
        "--repeat",
        "1",
        "--max-tasks",
        "4",
        "--out",
        str(out),
        *(["--postgres-url", pg] if pg else []),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert set(data["parse"]) == {p.name for p in (ROOT / "dags").glob("*.py")}  # every DAG file's cost
    assert data["districts"] == 1 and data["files"] == data["steps"]["files"] >= 17
    assert set(data["steps"]["per_file_s"]) == {"read", "validate", "load"}
    assert data["steps"]["per_file_s"]["load"]["floor"] > 0 and data["steps"]["per_file_s"]["read"]["floor"] > 0
    period = data["period"]["sqlite"]
    assert period["files"] == period["accepted"] == data["files"] and period["tasks"] <= 4
    assert data["reports"]["one_district_s"] > 0 and data["reports"]["all_districts"] == 1
    airflow = data["airflow"]  # the same period through airflow standalone, beside empty tasks
    assert (
        airflow["empty_tasks"]["state"] == airflow["ingest_run"]["state"] == airflow["report_run"]["state"] == "success"
    )
    if pg:
        assert data["steps"]["postgresql"]["psql_copy"]["rows"] == data["steps"]["rows"]
        assert data["period"]["postgresql"]["accepted"] == data["files"]
    assert "files/s" in result.stdout and "peak RSS" in result.stdout
