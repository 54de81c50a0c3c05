"""The ledger is the period's state: rejections are answered slice by slice, each file is processed once.

The scenario of the issue, on SQLite and PostgreSQL: A a later file for commune X is rejected; B a valid
correction for commune Y lands; C a valid correction for X lands; D a re-run with nothing new.
"""

import os
import subprocess
from pathlib import Path

import pytest

from giamngheo.completeness import outstanding_rejections, rejections
from giamngheo.periods import Period
from giamngheo.report import ReportBuilder
from tests.conftest import BIN, PERIOD, ROOT
from tests.helpers import HEALTH_HEADER, health_row, write_csv
from tests.test_report import document_text

X, Y = ("01975", "Vi Hương"), ("01990", "Lục Bình")

H1 = Period.parse(PERIOD)


def health_cards(pipeline, unit: str) -> float:
    rows = pipeline.warehouse.query("query/report_values", first_period=PERIOD, last_period=PERIOD, unit="063")
    return next(
        float(r["value"])
        for r in rows
        if r["form"] == "health" and r["indicator"] == "the_bhyt" and r["org_unit"] == unit
    )


def ingest_new(pipeline):
    """What a DAG run does: only the files the ledger does not hold reach ``ingest``."""
    todo, _known = pipeline.needing_ingestion(pipeline.deployment.discover(PERIOD))
    return pipeline.ingest(todo)


def render(pipeline):
    builder = ReportBuilder(pipeline.deployment.settings)
    try:
        result = builder.render(Period.parse(PERIOD), pdf=False)
    finally:
        builder.warehouse.dispose()
    return result, document_text(result.docx)


def test_rejections_are_answered_slice_by_slice(pipeline, data_dir):
    assert {o.status for o in ingest_new(pipeline)} == {"accepted"}
    result, _ = render(pipeline)
    assert not result.draft
    before = {unit: health_cards(pipeline, unit) for unit in (X[0], Y[0])}
    inbox = data_dir / "inbox" / PERIOD / "health"
    latest = max(p.stat().st_mtime for p in inbox.iterdir())

    # A: a later file for X is rejected: the report is re-drafted as DỰ THẢO naming it, figures unchanged
    write_csv(
        inbox / "dinh_chinh_vi_huong.csv", [HEALTH_HEADER, health_row(X[1], the_bhyt=10, poor=20)], arrival=latest + 60
    )
    [a] = ingest_new(pipeline)
    assert (a.status, a.slices) == ("rejected", [X[0]])
    result, text = render(pipeline)
    assert result.draft and result.rejected == 1
    assert "dinh_chinh_vi_huong.csv (biểu 'health', Vi Hương" in text
    assert {unit: health_cards(pipeline, unit) for unit in before} == before

    # B: a valid correction for Y lands: still DỰ THẢO naming X's file; Y's figures updated
    write_csv(
        inbox / "dinh_chinh_luc_binh.csv",
        [HEALTH_HEADER, health_row(Y[1], the_bhyt=2500, poor=300)],
        arrival=latest + 120,
    )
    [b] = ingest_new(pipeline)
    assert (b.status, b.slices) == ("accepted", [Y[0]])
    result, text = render(pipeline)
    assert result.draft and result.rejected == 1 and "dinh_chinh_vi_huong.csv" in text
    assert health_cards(pipeline, Y[0]) == 2500 and health_cards(pipeline, X[0]) == before[X[0]]
    [outstanding] = outstanding_rejections(pipeline.warehouse, H1, "063")
    assert outstanding["file"] == "dinh_chinh_vi_huong.csv" and outstanding["outstanding_codes"] == [X[0]]

    # C: a valid correction for X lands: the report is final, X's figures updated, nothing outstanding
    write_csv(
        inbox / "dinh_chinh_vi_huong_lan_2.csv",
        [HEALTH_HEADER, health_row(X[1], the_bhyt=3100, poor=310)],
        arrival=latest + 180,
    )
    [c] = ingest_new(pipeline)
    assert c.status == "accepted"
    result, text = render(pipeline)
    assert not result.draft and "DỰ THẢO" not in text
    assert health_cards(pipeline, X[0]) == 3100
    assert outstanding_rejections(pipeline.warehouse, H1, "063") == []
    [answered] = rejections(pipeline.warehouse, H1, "063")
    assert answered["answered_by"] == ["dinh_chinh_vi_huong_lan_2.csv"]
    assert (inbox / "dinh_chinh_vi_huong.csv").exists()  # the rejected file is still in the inbox

    # D: a re-run with nothing new reads no file (not even to hash it) and changes nothing
    checksum = pipeline.warehouse.checksum()
    import giamngheo.ingest as ingest_module

    def no_reading(path):
        raise AssertionError(f"{path} was read again")

    original = ingest_module.sha256_of
    ingest_module.sha256_of = no_reading
    try:
        todo, known = pipeline.needing_ingestion(pipeline.deployment.discover(PERIOD))
    finally:
        ingest_module.sha256_of = original
    assert todo == [] and len(known) == len(pipeline.deployment.discover(PERIOD))
    assert pipeline.warehouse.checksum() == checksum


def test_a_known_rejected_file_is_not_read_again_even_renamed(pipeline, data_dir):
    ingest_new(pipeline)
    bad = write_csv(
        data_dir / "inbox" / PERIOD / "health" / "sai.csv",
        [HEALTH_HEADER, health_row(Y[1], the_bhyt=1, poor=5)],
        arrival=9e9,
    )
    [first] = ingest_new(pipeline)
    assert first.status == "rejected"
    checksum = pipeline.warehouse.checksum()
    assert ingest_new(pipeline) == []  # the same file: no work at all
    copy = bad.with_name("sai_gui_lai.csv")
    copy.write_bytes(bad.read_bytes())  # the same content under another name: hashed, not read
    todo, known = pipeline.needing_ingestion(pipeline.deployment.discover(PERIOD))
    assert todo == [] and copy.name in {f.name for f in known}
    [outcome] = pipeline.ingest([f for f in known if f.name == copy.name])  # a task handed it anyway
    assert (outcome.status, outcome.known_status) == ("unchanged", "rejected")
    assert pipeline.warehouse.checksum() == checksum


def test_a_rejection_whose_communes_cannot_be_read_is_answered_by_the_same_name(pipeline, data_dir):
    ingest_new(pipeline)
    folder = data_dir / "inbox" / PERIOD / "commune"
    broken = folder / "vi_huong.csv"
    good = broken.read_bytes()
    broken.write_text("không phải một bảng\n", encoding="utf-8")
    import os

    os.utime(broken, (9e9, 9e9))
    [rejected] = ingest_new(pipeline)
    assert (rejected.status, rejected.slices) == ("rejected", [""])
    [entry] = outstanding_rejections(pipeline.warehouse, H1, "063")
    assert entry["outstanding_codes"] == [""]
    # another commune's file does not answer it
    other = folder / "my_thanh.csv"
    other.write_bytes(other.read_bytes() + b"\n")
    os.utime(other, (9.1e9, 9.1e9))
    assert [o.status for o in ingest_new(pipeline)] == ["accepted"]
    assert len(outstanding_rejections(pipeline.warehouse, H1, "063")) == 1
    # the unit re-sends the file under the same name: answered
    broken.write_bytes(good + b"\n")
    os.utime(broken, (9.2e9, 9.2e9))
    assert [o.status for o in ingest_new(pipeline)] == ["accepted"]
    assert outstanding_rejections(pipeline.warehouse, H1, "063") == []


def test_every_received_file_is_archived_by_its_content(pipeline, data_dir):
    import hashlib

    bad = write_csv(
        data_dir / "inbox" / PERIOD / "health" / "sai.csv",
        [HEALTH_HEADER, health_row(Y[1], the_bhyt=1, poor=5)],
        arrival=9e9,
    )
    outcomes = ingest_new(pipeline)
    ledger = {r["file_name"]: r for r in pipeline.warehouse.ledger(PERIOD, "063")}
    assert len(ledger) == len(outcomes) and ledger["sai.csv"]["status"] == "rejected"
    for row in ledger.values():
        archived = Path(row["archive_path"])
        assert archived.parent == data_dir / "archive" / row["sha256"][:2]
        assert archived.stem == row["sha256"] and archived.suffix == Path(row["file_name"]).suffix.lower()
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == row["sha256"]
    bad.unlink()  # the inbox is cleaned: the archive still holds what the unit sent
    assert Path(ledger["sai.csv"]["archive_path"]).read_bytes().startswith(b"xa,the_bhyt")


@pytest.mark.integration
def test_giamngheo_outstanding_exits_non_zero_while_a_rejection_is_outstanding(pipeline, data_dir):
    ingest_new(pipeline)
    env = {
        "GIAMNGHEO_DATA_DIR": str(data_dir),
        "GIAMNGHEO_PROJECT_DIR": str(ROOT),
        "GIAMNGHEO_WAREHOUSE_URL": pipeline.deployment.settings.warehouse_url,
        "PATH": str(BIN),
    }
    command = [str(BIN / "giamngheo"), "outstanding", "--period", PERIOD]
    assert subprocess.run(command, env=env, capture_output=True, text=True).returncode == 0
    write_csv(
        data_dir / "inbox" / PERIOD / "health" / "sai.csv",
        [HEALTH_HEADER, health_row(Y[1], the_bhyt=1, poor=5)],
        arrival=9e9,
    )
    ingest_new(pipeline)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "2022-H1/health/sai.csv — Lục Bình" in done.stdout


def test_a_correct_file_sent_again_answers_the_rejection_it_matches(pipeline, data_dir):
    """Vi Hương's accepted file, then a wrong one at the same path (rejected), then the accepted bytes
    again: not loaded twice, but recorded as a re-send that answers the rejection, and said so."""
    import shutil

    from giamngheo.completeness import outstanding_rejections
    from tests.conftest import SAMPLE_INBOX

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    target = data_dir / "inbox" / PERIOD / "commune" / "vi_huong.csv"
    original = target.read_bytes()
    base = target.stat().st_mtime
    shutil.copyfile(
        ROOT / "include" / "sample" / "corrections" / PERIOD / "commune" / "vi_huong.1-rejected.csv", target
    )
    os.utime(target, (base + 100, base + 100))
    [rejected] = [o for o in pipeline.ingest(pipeline.deployment.discover(PERIOD)) if o.status != "unchanged"]
    assert rejected.status == "rejected"
    assert [e["file"] for e in outstanding_rejections(pipeline.warehouse, H1, "063")] == ["vi_huong.csv"]

    target.write_bytes(original)
    os.utime(target, (base + 200, base + 200))
    todo, _ = pipeline.needing_ingestion(pipeline.deployment.discover(PERIOD))
    assert [f.name for f in todo] == ["vi_huong.csv"]  # known content, but it may answer the rejection
    [resent] = pipeline.ingest(todo)
    assert resent.status == "resent" and "answering the rejection of vi_huong.csv" in resent.message
    assert outstanding_rejections(pipeline.warehouse, H1, "063") == []
    todo, _ = pipeline.needing_ingestion(pipeline.deployment.discover(PERIOD))
    assert todo == []  # the re-send is in the ledger: not looked at again
    assert (SAMPLE_INBOX / PERIOD / "commune" / "vi_huong.csv").read_bytes() == original
