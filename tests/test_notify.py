"""Failure notifications: a log line when no SMTP connection is configured."""

import logging
import sys
from types import SimpleNamespace

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "plugins"))
from giamngheo_notify import FailureNotifier  # noqa: E402


def test_without_smtp_connection_a_failure_is_logged(caplog, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_GIAMNGHEO_SMTP", raising=False)
    ti = SimpleNamespace(
        dag_id="ingest_submissions",
        task_id="ingest_file",
        run_id="manual__1",
        rendered_map_index="2022-H1/health/ttyt.xlsx",
    )
    context = {"ti": ti, "exception": RuntimeError("Tệp bị từ chối / file rejected: 2022-H1/health/ttyt.xlsx")}
    with caplog.at_level(logging.WARNING, logger="giamngheo.notify"):
        FailureNotifier().notify(context)
    [record] = caplog.records
    assert "ingest_submissions.ingest_file [2022-H1/health/ttyt.xlsx] thất bại / failed" in record.getMessage()
    assert "file rejected" in record.getMessage() and "giamngheo_smtp" in record.getMessage()
