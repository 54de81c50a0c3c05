"""A unit's desk, without Airflow: the file's type read from its bytes, an upload delivered whole into
the unit's inbox folder with a receipt, the same intake as a dropped file (the ledger names the
uploader), what the desk then shows of each file, and what it refuses (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import date

import pytest

from bench.synthetic import COMMUNE_CODES
from giamngheo.inbox import RECEIPTS, discover, receipt_of
from giamngheo.periods import Period
from giamngheo.web.desk import Desk, DeskError, kind_of, open_period, shown_name
from tests.conftest import PERIOD, SAMPLE_INBOX
from tests.helpers import write_csv

H1 = Period.parse(PERIOD)
PHU_THONG = "01969"  # thị trấn Phủ Thông, huyện Bạch Thông, in 2022
SAMPLE_FILE = SAMPLE_INBOX / PERIOD / "commune" / "UBND_Phu_Thong_6T2022.xlsx"


def commune_csv(households: int, poor: int) -> bytes:
    """Phủ Thông's own form as CSV: ``poor`` above ``households`` breaks the rule poor ≤ households."""
    row = ["Thị trấn Phủ Thông", households, poor, 60, 12, 30, 10, 1, 2, 20, 1, 1, households - 80, 5, 85, 6, 10, 30]
    row.append(900000)
    out = io.StringIO()
    __import__("csv").writer(out, lineterminator="\n").writerows([["xa", *COMMUNE_CODES], row])
    return out.getvalue().encode("utf-8")


def zipped(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buf.getvalue()


def test_the_file_type_is_read_from_the_bytes_never_the_name():
    assert kind_of(SAMPLE_FILE.read_bytes()) == ".xlsx"
    assert kind_of(zipped("[Content_Types].xml", "xl/workbook.xml")) == ".xlsx"
    assert kind_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600) == ".xls"
    assert kind_of("xa,tong_so_ho\nPhủ Thông,1200\n".encode()) == ".csv"
    assert kind_of("xa\n".encode("utf-16")) == ".csv"  # text: the intake rejects it saying how to save it
    for content in (zipped("[Content_Types].xml", "word/document.xml"), b"%PDF-1.7\n\x00\x01\x02", b"MZ\x90\x00"):
        with pytest.raises(DeskError) as refused:
            kind_of(content)
        assert refused.value.status == 415 and " / " in str(refused.value)
    with pytest.raises(DeskError) as empty:
        kind_of(b"")
    assert empty.value.status == 422


def test_a_senders_file_name_is_shown_never_used_as_a_path():
    assert shown_name("..\\..\\C:\\bao cao\\UBND Phủ Thông.xlsx") == "UBND Phủ Thông.xlsx"
    assert shown_name("../../etc/passwd") == "passwd"
    assert shown_name("a\x00b\nc.csv") == "abc.csv"
    assert shown_name("") == "(không tên / unnamed)"


def test_the_open_period_is_the_one_still_being_reported_on():
    assert open_period(date(2026, 12, 7)) == Period.parse("2026-H2")
    assert open_period(date(2027, 1, 10)) == Period.parse("2026-H2")  # its files are still due
    assert open_period(date(2027, 1, 20)) == Period.parse("2027-H1")
    assert open_period(date(2026, 7, 5)) == Period.parse("2026-H1")


@pytest.fixture
def desk(pipeline, data_dir):
    """huyện Bạch Thông's 2022-H1 ingested, but for thị trấn Phủ Thông's own form, which is to come from
    its desk."""
    (data_dir / "inbox" / PERIOD / "commune" / SAMPLE_FILE.name).unlink()
    pipeline.ingest(pipeline.deployment.discover(H1))
    return Desk(pipeline.deployment, pipeline.warehouse, PHU_THONG, H1)


def ingest_new(pipeline) -> list:
    todo, _known = pipeline.needing_ingestion(pipeline.deployment.discover(H1))
    return pipeline.ingest(todo)


def test_an_upload_goes_through_the_inboxs_intake_and_the_desk_shows_what_became_of_it(pipeline, desk, data_dir):
    settings = pipeline.deployment.settings
    assert {f["code"] for f in desk.page()["forms"]} == {"commune", "models"}  # a commune's own forms
    [own] = [f for f in desk.page()["forms"] if f["code"] == "commune"]
    assert own["state"] == "missing" and own["due"] == "2022-07-05"

    wrong = desk.receive("commune", "C:\\Users\\ke toan\\bao cao.csv", commune_csv(1200, 1500), "a", settings)
    assert wrong["state"] == "received" and wrong["sent_name"] == "bao cao.csv"
    folder = data_dir / "inbox" / PERIOD / "commune"
    placed = folder / wrong["file"]
    assert placed.is_file() and wrong["file"].startswith("commune_01969_") and placed.suffix == ".csv"
    assert receipt_of(placed)["user"] == "a" and (folder / RECEIPTS / f"{placed.name}.json").is_file()
    assert [f["state"] for f in desk.page()["files"]] == ["received"]

    [rejected] = ingest_new(pipeline)
    assert rejected.status == "rejected" and rejected.submission_id == wrong["id"]
    [shown] = desk.page()["files"]
    assert shown["state"] == "rejected" and shown["uploaded_by"] == "a" and shown["feedback"]
    assert shown["timeliness"] == "late"  # sent today for 2022-H1, due 05/07/2022
    assert any("ho_ngheo_dau_nam" in r or "hộ nghèo" in r.lower() for r in shown["reasons"]), shown["reasons"]

    right = desk.receive("commune", SAMPLE_FILE.name, SAMPLE_FILE.read_bytes(), "a", settings)
    [accepted] = ingest_new(pipeline)
    assert accepted.status == "accepted" and accepted.submission_id == right["id"]
    files = desk.page()["files"]
    assert [(f["state"], f["sent_name"]) for f in files] == [
        ("accepted", SAMPLE_FILE.name),
        ("rejected", "bao cao.csv"),
    ]
    [own] = [f for f in desk.page()["forms"] if f["code"] == "commune"]
    assert own["state"] == "accepted"
    # the ledger names the uploader, the audit trail each upload
    rows = pipeline.warehouse.desk_files("063", PERIOD, PHU_THONG, ["commune"], [])
    assert {r["uploaded_by"] for r in rows if r["id"] in (wrong["id"], right["id"])} == {"a"}
    trail = [
        e for e in pipeline.warehouse.query("query/audit_trail", unit="063", period=PERIOD) if e["action"] == "uploaded"
    ]
    assert sorted((e["actor"], json.loads(e["details"])["submission_id"]) for e in trail) == sorted(
        [("a", wrong["id"]), ("a", right["id"])]
    )


def test_a_dropped_file_waits_to_settle_a_delivered_one_does_not(pipeline, desk, data_dir):
    desk.receive("commune", "x.xlsx", SAMPLE_FILE.read_bytes(), "a", pipeline.deployment.settings)
    write_csv(data_dir / "inbox" / PERIOD / "commune" / "tha_tay.csv", [["xa"], ["Phủ Thông"]])
    waiting: list[str] = []
    found = discover(data_dir / "inbox", H1, pipeline.deployment.forms, settle_seconds=30, waiting=waiting)
    assert [f.uploaded_by for f in found if f.name.startswith("commune_01969_")] == ["a"]
    assert waiting == [f"{PERIOD}/commune/tha_tay.csv"]


def test_the_desk_refuses_another_units_form_a_large_file_and_too_many_uploads(pipeline, desk):
    settings = pipeline.deployment.settings
    with pytest.raises(DeskError) as other_form:
        desk.receive("health", "ttyt.xlsx", SAMPLE_FILE.read_bytes(), "a", settings)
    assert other_form.value.status == 422
    with pytest.raises(DeskError) as large:
        desk.receive("commune", "big.csv", b"x" * 2048, "a", replace(settings, max_file_bytes=1024))
    assert large.value.status == 413
    limited = replace(settings, uploads_per_hour=1)
    desk.receive("commune", "a.xlsx", SAMPLE_FILE.read_bytes(), "a", limited)
    with pytest.raises(DeskError) as often:
        desk.receive("commune", "b.xlsx", SAMPLE_FILE.read_bytes(), "a", limited)
    assert often.value.status == 429
    desk.receive("commune", "c.xlsx", SAMPLE_FILE.read_bytes(), "b", limited)  # another user's own hour


def test_an_offices_desk_holds_the_sector_forms_for_every_commune(pipeline, desk):
    desk.receive("commune", "sai.csv", commune_csv(1200, 1500), "a", pipeline.deployment.settings)
    assert [o.status for o in ingest_new(pipeline)] == ["rejected"]  # a commune's rejection is not the office's
    office = Desk(pipeline.deployment, pipeline.warehouse, "063", H1)
    page = office.page()
    assert {f["code"] for f in page["forms"]} == {"health", "education", "bank"}
    assert all(f["state"] == "accepted" and f["received"] == f["communes"] == 14 for f in page["forms"])
    assert {f["form"] for f in page["files"]} == {"health", "education", "bank"}
    # by the form's deadline, in Vietnam's time: the commune form is due 05/07/2022, the health form 10/07
    assert desk._sent_in_time("commune", "2022-07-05T16:59:00+00:00")["timeliness"] == "on_time"
    assert desk._sent_in_time("commune", "2022-07-05T17:01:00+00:00")["timeliness"] == "late"
    assert office._sent_in_time("health", "2022-07-06T08:00:00+00:00")["timeliness"] == "on_time"
    with pytest.raises(DeskError) as elsewhere:
        Desk(pipeline.deployment, pipeline.warehouse, "02014", Period.parse("2026-H1"))  # not this deployment's
    assert elsewhere.value.status == 404
