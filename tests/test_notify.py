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


def test_an_office_notice_is_mailed_to_the_connections_to(monkeypatch):
    """The approval's notices (a draft waiting, a reminder, a final, a held file) reach a real SMTP server
    (aiosmtpd on loopback) at the connection's ``to``; without it they are a log line."""
    import email
    import email.header
    import json

    from aiosmtpd.controller import Controller
    from giamngheo_notify import notify_office

    from bench.standalone import free_port

    received = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
            return "250 OK"

    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        connection = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": port,
            "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "giamngheo@bachthong.example"},
        }
        monkeypatch.setenv("AIRFLOW_CONN_GIAMNGHEO_SMTP", json.dumps(connection))
        assert notify_office("held", "no to: logged only") is False
        connection["extra"]["to"] = "vanphong@bachthong.example"
        monkeypatch.setenv("AIRFLOW_CONN_GIAMNGHEO_SMTP", json.dumps(connection))
        assert notify_office("[giamngheo] 063/2022-H1: tệp được giữ lại / held", "kỳ đã khóa / locked") is True
    finally:
        controller.stop()
    [(to, message)] = received
    assert to == ["vanphong@bachthong.example"]
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "[giamngheo] 063/2022-H1: tệp được giữ lại / held"
