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
        for r in pipeline.warehouse.district_totals(PERIOD, "063")
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

    assert outstanding_rejections(pipeline.warehouse, Period.parse(PERIOD), "063") == []


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


def sample_records(deployment) -> dict:
    """The sample's rows by form, keyed by (commune, category or item): what the units would type."""
    from giamngheo.reading import read_submission

    found: dict = {}
    for file in deployment.discover(PERIOD):
        form = deployment.forms[file.form]
        read = read_submission(
            file.path,
            form,
            deployment.resolver_for(file.district, file.period),
            deployment.categories,
            display_name=file.label,
        )
        assert read.ok, read.problems
        for record in read.records:
            key_column = form.category_column or form.item_column
            key = (record["xa"], record[key_column.code] if key_column else None)
            found.setdefault(file.form, {})[key] = record
    return found


def fill_template(path, form, records: dict, deployment) -> None:
    """Type the sample's figures into a blank template, as a clerk would (0 where the unit had nothing)."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 20) if sheet.cell(r, 1).value == form.columns[0].label)
    columns = {c.code: i for i, c in enumerate(form.columns, start=1)}
    resolver = deployment.resolver_for("063", PERIOD)
    labels = {(c.dimension, c.label): c.code for c in deployment.categories}
    category_labels = {(c.dimension, c.code): c.label for c in deployment.categories}
    if form.item_column is not None:  # the unit names its own rows: one per record
        for offset, record in enumerate(records.values()):
            for col in form.columns:
                value = record.get(col.code)
                if col.type == "unit":
                    value = next(u.full_name for u in deployment.units if u.code == value)
                elif col.type == "category" and value is not None:
                    value = category_labels[(col.dimension, value)]
                sheet.cell(header + 1 + offset, columns[col.code], value)
        book.save(path)
        return
    row = header + 1
    while sheet.cell(row, 1).value not in (None, "Tổng cộng"):
        commune = resolver.resolve(sheet.cell(row, 1).value)
        category = form.category_column
        typed = sheet.cell(row, columns[category.code]).value if category else None
        key = (commune, labels[(category.dimension, typed)] if category else None)
        record = records.get(key, {})
        for col in form.figures:
            value = record.get(col.code)
            excluded = any(
                (key[1] in codes) != (rule == "only_for")
                for rule in ("only_for", "empty_for")
                for codes in (col.rules.get(rule) or {}).values()
            )
            if value is None and not excluded:
                value = 0
            if value is not None:
                sheet.cell(row, columns[col.code], int(value) if float(value).is_integer() else value)
        row += 1
    book.save(path)


def test_blank_templates_carry_their_validations_and_filled_give_the_samples_figures(pipeline, data_dir, tmp_path):
    from giamngheo.periods import Period
    from tests.seed_figures import SEED_2022_H1

    records = sample_records(pipeline.deployment)
    written = pipeline.write_blank_forms(Period.parse(PERIOD))
    assert len(written) == 4 + 14  # a template per form, the communes' own form once per commune
    assert pipeline.write_blank_forms(Period.parse(PERIOD)) == []  # once per period
    recorded = pipeline.warehouse.query("query/unit_templates", unit="063", period=PERIOD)
    assert {(r["form"], r["org_unit"]) for r in recorded} == {(t.form, t.org_unit) for t in written}

    filled = tmp_path / "filled"
    shutil.rmtree(data_dir / "inbox" / PERIOD)  # the units send the filled templates instead
    for template in written:
        form = pipeline.deployment.forms[template.form]
        book = openpyxl.load_workbook(template.path)
        sheet = book.worksheets[0]
        assert book.sheetnames[:2] == ["Biểu", "Hướng dẫn"] and sheet.protection.sheet
        validated = {str(cell) for v in sheet.data_validations.dataValidation for cell in v.sqref.ranges}
        assert len(validated) == sum(1 for c in form.columns if c.type != "text" or "max_length" in c.rules)
        guide = [row[1] for row in book["Hướng dẫn"].iter_rows(min_row=2, values_only=True) if row[1]]
        assert guide == [c.code for c in form.columns]
        target = filled / template.form / template.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template.path, target)
        wanted = records[template.form]
        if template.org_unit:
            wanted = {k: v for k, v in wanted.items() if k[0] == template.org_unit}
        fill_template(target, form, wanted, pipeline.deployment)

    def ingest_from(folder):
        inbox = data_dir / "inbox" / PERIOD
        shutil.rmtree(inbox, ignore_errors=True)
        shutil.copytree(folder, inbox)
        for path in inbox.rglob("*.xlsx"):
            os.utime(path, (ingest_from.arrival, ingest_from.arrival))
        ingest_from.arrival += 60
        outcomes = pipeline.ingest(pipeline.needing_ingestion(pipeline.deployment.discover(PERIOD))[0])
        assert outcomes and {o.status for o in outcomes} == {"accepted"}, [
            o.message for o in outcomes if o.status != "accepted"
        ]
        totals = {
            (r["form"], r["indicator"], r["category"]): float(r["total"])
            for r in pipeline.warehouse.district_totals(PERIOD, "063")
        }
        for key, expected in SEED_2022_H1.items():
            assert totals.get(key) == expected, key

    ingest_from.arrival = 1.7e9
    ingest_from(filled)

    # the same files opened and saved again by LibreOffice Calc (its total rows now hold values)
    resaved = tmp_path / "resaved"
    for path in filled.rglob("*.xlsx"):
        (resaved / path.parent.name).mkdir(parents=True, exist_ok=True)
        convert(path, resaved / path.parent.name, "xlsx")
    health = openpyxl.load_workbook(next((resaved / "health").glob("*.xlsx")), data_only=True).worksheets[0]
    totals_row = next(row for row in health.iter_rows(values_only=True) if row[0] == "Tổng cộng")
    assert totals_row[1] == SEED_2022_H1[("health", "the_bhyt", "")]
    ingest_from(resaved)


@pytest.mark.integration
def test_each_rejection_is_mailed_to_its_unit_with_the_feedback_attached(airflow_home, data_dir, tmp_path):
    """A real SMTP server on loopback (aiosmtpd); the ingestion DAG run by `airflow dags test` with
    GIAMNGHEO_MAIL_UNITS on: one mail per rejected file, to the unit that sent it, feedback attached."""
    import csv
    import email
    import email.header
    import json

    from aiosmtpd.controller import Controller

    from bench.standalone import free_port
    from tests.conftest import run_dag_test

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
            return "250 OK"

    reference = tmp_path / "reference"
    shutil.copytree(ROOT / "include" / "reference", reference)
    for name, unit_level in (("units.csv", "level"), ("senders.csv", None)):
        with open(reference / name, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:  # every commune and every sender of the old tree gets an address
            if unit_level is None or row[unit_level] == "commune":
                row["email"] = f"{row.get('code') or row['form']}@bachthong.example"
        with open(reference / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    inbox = data_dir / "inbox" / PERIOD
    shutil.copyfile(CORRECTIONS / "vi_huong.1-rejected.csv", inbox / "commune" / "vi_huong.csv")
    write_csv(inbox / "health" / "sai.csv", [HEALTH_HEADER, health_row("Lục Bình", the_bhyt=1, poor=5)])
    received = Inbox()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        extra = {
            "GIAMNGHEO_REFERENCE_DIR": str(reference),
            "GIAMNGHEO_MAIL_UNITS": "true",
            "AIRFLOW_CONN_GIAMNGHEO_SMTP": json.dumps(
                {
                    "conn_type": "smtp",
                    "host": "127.0.0.1",
                    "port": port,
                    "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "giamngheo@bachthong.example"},
                }
            ),
        }
        run = run_dag_test(airflow_home, data_dir, "ingest_submissions", json.dumps({"period": PERIOD}), None, extra)
    finally:
        controller.stop()
    assert run.returncode != 0  # two files rejected
    log = run.stdout + run.stderr
    assert log.count("1 mail(s) to units") == 2, log[-4000:]  # one per task: the commune form's, the health form's

    def subject(message) -> str:  # a non-ASCII subject travels MIME-encoded
        return str(email.header.make_header(email.header.decode_header(message["Subject"])))

    to_units = [(to, m) for to, m in received.messages if "file rejected:" in subject(m)]
    # Vi Hương's own form to the commune; the health form to its sender of 2022-H1, Trung tâm Y tế huyện
    assert sorted(tuple(to) for to, _ in to_units) == [("01975@bachthong.example",), ("health@bachthong.example",)]
    for _to, message in to_units:
        attachments = [part.get_filename() for part in message.walk() if part.get_filename()]
        assert len(attachments) == 1 and ".sua-loi." in attachments[0], attachments
        body = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True)
        assert "Tệp bị từ chối / file rejected" in body.decode("utf-8")
