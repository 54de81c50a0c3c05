"""The units' side: the formats offices send (.xls), feedback workbooks on rejected files."""

from __future__ import annotations

import os
import shutil
import subprocess

import openpyxl
import pytest

from tests.conftest import PERIOD, ROOT
from tests.helpers import HEALTH_HEADER, health_row, write_csv

CORRECTIONS = ROOT / "include" / "sample" / "corrections" / PERIOD / "commune"


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed: CI must run this test (make system-deps installs it)")
        pytest.skip("LibreOffice is not installed (make system-deps installs it)")
    return found


def convert(source, target_dir, to: str):
    """LibreOffice Calc, headless, saves ``source`` as ``to`` (xls, xlsx) into ``target_dir``."""
    profile = target_dir / ".lo-profile"
    result = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(target_dir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    converted = target_dir / f"{source.stem}.{to}"
    assert converted.exists(), result.stdout + result.stderr
    return converted


def health_totals(pipeline) -> dict:
    return {
        r["indicator"]: float(r["total"])
        for r in pipeline.warehouse.district_totals(PERIOD, "061")
        if r["form"] == "health"
    }


def test_an_xls_workbook_gives_the_figures_of_the_same_xlsx(pipeline, data_dir, tmp_path):
    health = data_dir / "inbox" / PERIOD / "health"
    [sent] = list(health.iterdir())
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    as_xlsx = health_totals(pipeline)

    old = convert(sent, tmp_path, "xls")  # the Health Center's office saves as Excel 97-2003
    assert old.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    sent.unlink()
    target = health / old.name
    shutil.copyfile(old, target)
    os.utime(target, (sent_time := max(f.arrival for f in pipeline.deployment.discover(PERIOD)) + 60, sent_time))
    [outcome] = [o for o in pipeline.ingest(pipeline.deployment.discover(PERIOD)) if o.status != "unchanged"]
    assert outcome.status == "accepted" and outcome.file.endswith(".xls"), outcome.message
    assert outcome.superseded > 0  # it replaced the xlsx's figures, commune by commune
    assert health_totals(pipeline) == as_xlsx


def test_a_rejected_files_feedback_marks_exactly_its_failing_cells_and_the_corrected_copy_is_accepted(
    pipeline, data_dir
):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    inbox = data_dir / "inbox" / PERIOD
    latest = max(f.arrival for f in pipeline.deployment.discover(PERIOD))

    # two faults in cells of an xlsx, and a total row that does not add up
    wrong = inbox / "health" / "sai_hai_o.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["TRUNG TÂM Y TẾ HUYỆN BẠCH THÔNG"])
    sheet.append(HEALTH_HEADER)
    sheet.append(health_row("Vi Hương", the_bhyt=100, poor=500))  # of which > total: row 3
    sheet.append(health_row("Lục Bình", the_bhyt=100, poor=10, cost="12,5"))  # decimals in đồng: row 4
    book.save(wrong)
    os.utime(wrong, (latest + 60, latest + 60))
    [outcome] = [o for o in pipeline.ingest(pipeline.deployment.discover(PERIOD)) if o.status != "unchanged"]
    assert outcome.status == "rejected" and outcome.feedback
    assert "Tệp đánh dấu lỗi" in outcome.message.splitlines()[1]  # right below the headline

    feedback = openpyxl.load_workbook(outcome.feedback)
    assert feedback.sheetnames[-1] == "Lỗi" and feedback.sheetnames[0] != "Lỗi"
    data = feedback.worksheets[0]
    marked = {(c.row, c.column) for row in data.iter_rows() for c in row if c.comment is not None}
    header = [c.value for c in data[2]]
    column = {code: header.index(code) + 1 for code in HEALTH_HEADER}
    expected = {(p["row"], column[p["column"]]) for p in outcome.problems if p["row"] and p["column"] in column}
    assert marked == expected and {(3, column["the_bhyt_ho_ngheo"]), (4, column["chi_phi_kham_ho_ngheo"])} <= marked
    comment = data.cell(3, column["the_bhyt_ho_ngheo"]).comment.text
    assert "Trong đó: thẻ BHYT hộ nghèo" in comment and "'500'" in comment
    assert [c.value for c in data[3]][:3] == ["Vi Hương", 100, 500]  # the table as sent, where it was
    problems_sheet = [[c.value for c in row] for row in feedback["Lỗi"].iter_rows(min_row=2)]
    assert len(problems_sheet) == len(outcome.problems)

    # the unit corrects the marked cells in the copy and sends it back: accepted
    data.cell(3, column["the_bhyt_ho_ngheo"]).value = 50
    data.cell(4, column["chi_phi_kham_ho_ngheo"]).value = 12
    corrected = inbox / "health" / "sai_hai_o.sua-loi.xlsx"
    feedback.save(corrected)
    os.utime(corrected, (latest + 120, latest + 120))
    [answer] = [o for o in pipeline.ingest(pipeline.deployment.discover(PERIOD)) if o.status != "unchanged"]
    assert answer.status == "accepted", answer.message
    from giamngheo.completeness import outstanding_rejections
    from giamngheo.periods import Period

    assert outstanding_rejections(pipeline.warehouse, Period.parse(PERIOD), "061") == []


def test_file_level_problems_go_to_the_problems_sheet_only(pipeline, data_dir):
    inbox = data_dir / "inbox" / PERIOD
    path = write_csv(inbox / "health" / "thieu_cot.csv", [HEALTH_HEADER[:3], ["Vi Hương", "100", "10"]], arrival=9e9)
    [outcome] = pipeline.ingest([f for f in pipeline.deployment.discover(PERIOD) if f.name == path.name])
    assert outcome.status == "rejected" and outcome.feedback
    feedback = openpyxl.load_workbook(outcome.feedback)
    data = feedback.worksheets[0]
    assert not [c for row in data.iter_rows() for c in row if c.comment is not None]
    assert [c.value for c in data[1]] == HEALTH_HEADER[:3]  # the CSV's cells, in the rows they had
    rules = {row[5] for row in feedback["Lỗi"].iter_rows(min_row=2, values_only=True)}
    assert "missing_column" in rules
