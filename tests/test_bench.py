"""A smoke run of the benchmark (make bench): it runs and reports every step. No time is asserted."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "benchmark.py"), "--copies", "1", "--repeat", "1",
                             "--out", str(out)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert set(data["parse"]) == {"draft_report.py", "ingest_submissions.py"}
    district = data["district"]
    assert district["files"] == 20
    assert set(district["per_file_s"]) == {"read", "validate", "load"}
    assert district["per_file_s"]["load"]["floor"] > 0 and district["render_s"] > 0
    assert "files/s after setup" in result.stdout
