"""One deployment across the 2025 reform (``GIAMNGHEO_UNIT=063,19``): huyện Bạch Thông's 2025-H1 files
read through the old tree, tỉnh Thái Nguyên's 2026-H1 files through the new one (92 communes), in one
warehouse; a 2026 file naming a commune that no longer exists is refused naming its successor."""

import json
import shutil
import subprocess
import sys

import pytest

from bench.synthetic import COMMUNE_CODES
from giamngheo.completeness import check_completeness
from giamngheo.ingest import Ingestor
from giamngheo.periods import Period
from tests.conftest import ROOT, SAMPLE_INBOX, settings_for
from tests.helpers import HEALTH_HEADER, health_row, write_csv

OLD, NEW = "2025-H1", "2026-H1"
COMMUNE_HEADER = ["xa", *COMMUNE_CODES]  # the commune form's columns, as the contract orders them


def commune_row(name: str, i: int) -> list:
    households = 1000 + 37 * i
    return [name, households, 90 + i, 60, 12, 30, 10 + i % 7, 1, 2, 20, 1, 1, households - 80, 5, 85, 6, 10, 30, 900000]


@pytest.fixture(scope="module")
def across(tmp_path_factory, validator_module):
    data_dir = tmp_path_factory.mktemp("across")
    env = {"GIAMNGHEO_UNIT": "063,19"}
    # huyện Bạch Thông, 2025-H1: its units' files (the sample's), named as the old tree names them
    for form in ("health", "education", "bank", "commune", "models"):
        shutil.copytree(SAMPLE_INBOX / "2022-H1" / form, data_dir / "inbox" / "063" / OLD / form)
    pipe = Ingestor.from_settings(settings_for(data_dir, **env))
    pipe._validator = validator_module
    pipe.initialise()
    communes = pipe.deployment.communes_of("19", NEW)
    inbox = data_dir / "inbox" / "19" / NEW
    for i, unit in enumerate(communes):
        # a commune's own file names it as clerks do: the full name, or the bare one
        write_csv(
            inbox / "commune" / f"{unit.code}.csv",
            [COMMUNE_HEADER, commune_row(unit.full_name if i % 2 else unit.name, i)],
        )
    write_csv(
        inbox / "health" / "so_y_te.csv",
        [HEALTH_HEADER] + [health_row(u.name, the_bhyt=100 + i) for i, u in enumerate(communes)],
    )
    write_csv(inbox / "commune" / "zz_vi_huong.csv", [COMMUNE_HEADER, commune_row("Xã Vi Hương", 0)])
    outcomes = []
    for period in (OLD, NEW):
        todo, _known = pipe.needing_ingestion(pipe.deployment.discover(Period.parse(period)))
        outcomes += pipe.ingest(todo)
    yield {"pipe": pipe, "data_dir": data_dir, "env": env, "outcomes": outcomes, "communes": communes}
    pipe.warehouse.dispose()


@pytest.fixture(scope="module")
def validator_module(forms, tmp_path_factory):
    from giamngheo.validation import Validator

    return Validator(ROOT / "expectations", forms, tmp_path_factory.mktemp("docs"))


def totals(across, unit: str, period: str) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "giamngheo", "totals", "--unit", unit, "--period", period, "--json"],
        capture_output=True,
        text=True,
        env={**dict(__import__("os").environ), "GIAMNGHEO_DATA_DIR": str(across["data_dir"]), **across["env"]},
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    return {(r["form"], r["indicator"], r["category"]): r for r in json.loads(run.stdout)}


def test_each_unit_lands_in_its_own_period_and_tree(across):
    by_status: dict[str, list] = {}
    for o in across["outcomes"]:
        by_status.setdefault(o.status, []).append(o)
    assert {(o.district, o.period) for o in by_status["accepted"]} == {("063", OLD), ("19", NEW)}
    assert len([o for o in by_status["accepted"] if o.district == "19"]) == 93  # 92 communes' files + health
    [refused] = by_status["rejected"]
    assert refused.file.endswith("zz_vi_huong.csv")
    assert "Vi Hương không còn từ 01/7/2025; nay thuộc xã Phủ Thông (01969)" in refused.message
    assert "it is now part of xã Phủ Thông (01969)" in refused.message


def test_totals_of_the_province_are_the_sums_of_its_92_communes(across):
    got = totals(across, "19", NEW)
    rows = [commune_row(u.name, i) for i, u in enumerate(across["communes"])]
    households = got[("commune", "tong_so_ho", "")]
    assert float(households["total"]) == sum(r[1] for r in rows) and households["units"] == 92
    assert float(got[("commune", "ho_ngheo_dau_nam", "")]["total"]) == sum(r[2] for r in rows)
    assert float(got[("health", "the_bhyt", "")]["total"]) == sum(100 + i for i in range(92))
    # and the district's 2025-H1, read through the old tree: its 14 communes
    old = totals(across, "063", OLD)
    assert old[("commune", "tong_so_ho", "")]["units"] == 14
    assert ("commune", "tong_so_ho", "") not in totals(across, "19", OLD)  # old Thái Nguyên sent nothing


def test_completeness_counts_the_units_and_senders_valid_in_the_period(across):
    pipe = across["pipe"]
    reference = pipe.deployment.reference
    new = check_completeness(
        pipe.warehouse,
        Period.parse(NEW),
        pipe.deployment.forms,
        pipe.deployment.communes_of("19", NEW),
        "19",
        reference.senders,
    )
    missing = {m["form"]: m for m in new.missing}
    assert set(missing) == {"education", "bank", "models"}  # the 92 communes' own form and health are in
    assert len(missing["education"]["units"]) == 92
    assert missing["education"]["senders"] == ["Sở Giáo dục và Đào tạo tỉnh"]  # the post-reform roster
    assert [r["file"] for r in new.rejected] == ["zz_vi_huong.csv"]
    old = check_completeness(
        pipe.warehouse,
        Period.parse(OLD),
        pipe.deployment.forms,
        pipe.deployment.communes_of("063", OLD),
        "063",
        reference.senders,
    )
    assert old.complete  # the sample's files cover 2025-H1 as they covered 2022-H1
    # a form nobody sends in the period is not expected of it
    education_ends = [s for s in reference.senders if s.form != "education" or s.valid_to is not None]
    fewer = check_completeness(
        pipe.warehouse,
        Period.parse(NEW),
        pipe.deployment.forms,
        pipe.deployment.communes_of("19", NEW),
        "19",
        education_ends,
    )
    assert {m["form"] for m in fewer.missing} == {"bank", "models"}


def test_the_district_is_not_drafted_after_the_reform_and_the_communes_are(across):
    from giamngheo.report import plan_reports

    settings = settings_for(across["data_dir"], **across["env"])
    plan = plan_reports(settings, None, [{"period": OLD}, {"period": NEW}], None)
    items = [(i["period"], i["unit"], i.get("commune_of", "")) for b in plan for i in b["items"]]
    # 19 in 2025-H1 is the old tỉnh Thái Nguyên (a unit then too, of three tiers: no commune reports);
    # huyện Bạch Thông ended on 30/6/2025; today's province and each of its 92 communes report
    assert items == [
        (OLD, "063", ""),
        (OLD, "19", ""),
        (NEW, "19", ""),
        *((NEW, u.code, "19") for u in across["communes"]),
    ]
    assert len(plan) <= settings.max_tasks
    named = plan_reports(settings, None, [{"period": NEW, "districts": ["063", "19"]}], None)
    assert [(i["period"], i["unit"]) for b in named for i in b["items"]][:2] == [(NEW, "19"), (NEW, "01840")]


def test_a_commune_report_is_drafted_in_its_folder_with_its_narrative_and_its_own_gaps(across):
    import yaml

    from giamngheo.report import render_reports
    from tests.test_report import document_text

    settings = settings_for(across["data_dir"], **across["env"])
    folder = across["data_dir"] / "inbox" / "19" / NEW / "narrative"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "01969.yaml").write_text(
        yaml.safe_dump({"leadership": ["Đảng ủy xã Phủ Thông ban hành nghị quyết về giảm nghèo bền vững."]}),
        encoding="utf-8",
    )
    [phu_thong, bach_thong] = render_reports(
        settings,
        [{"period": NEW, "unit": "01969", "commune_of": "19"}, {"period": NEW, "unit": "02014", "commune_of": "19"}],
        pdf=False,
    )
    assert phu_thong.docx == str(
        across["data_dir"] / "reports" / "19" / "xa" / "01969" / NEW / f"bao-cao-giam-ngheo-{NEW}.docx"
    )
    text = document_text(phu_thong.docx)
    assert "Đảng ủy xã Phủ Thông ban hành nghị quyết về giảm nghèo bền vững." in text
    assert "Đảng ủy xã" not in document_text(bach_thong.docx)  # each commune its own narrative
    # the health file covers every commune; no education or bank file came: missing, for the commune alone
    assert phu_thong.draft
    assert "- Chưa nhận biểu 'education' (Phòng Giáo dục và Đào tạo) của: Xã Phủ Thông." in text
    assert "Chưa nhận biểu 'health'" not in text
    assert phu_thong.rejected == 0


@pytest.mark.integration
def test_the_ingestion_dag_runs_the_province_of_today(across, airflow_home, tmp_path):
    """The same 2026-H1 inbox through ``airflow dags test``: the province's files land, the one naming
    Vi Hương is refused with its successor in the task's log, and the draft of 2026-H1 is the province's."""
    from tests.conftest import run_dag_test

    data_dir = tmp_path / "data"
    shutil.copytree(across["data_dir"] / "inbox" / "19", data_dir / "inbox" / "19")
    run = run_dag_test(airflow_home, data_dir, "ingest_submissions", json.dumps({"period": NEW}), None, across["env"])
    log = run.stdout + run.stderr
    assert run.returncode != 0  # a rejected file fails its task, without a retry
    assert "nay thuộc xã Phủ Thông (01969)" in log, log[-3000:]
    pipe = Ingestor.from_settings(settings_for(data_dir, **across["env"]))
    try:
        ledger = pipe.warehouse.ledger(Period.parse(NEW), "19")
        assert sum(r["status"] == "accepted" for r in ledger) == 93
        assert [r["file_name"] for r in ledger if r["status"] == "rejected"] == ["zz_vi_huong.csv"]
        assert pipe.warehouse.ledger(Period.parse(NEW), "063") == []
    finally:
        pipe.warehouse.dispose()


def report_context(across, unit: str):
    from giamngheo.report import ReportBuilder

    builder = ReportBuilder(settings_for(across["data_dir"], GIAMNGHEO_UNIT=unit), across["pipe"].warehouse)
    period = Period.parse(NEW)
    return builder.context(period, builder.values(period))


def cards_of(across, period: str, codes) -> float:
    from sqlalchemy import bindparam, text

    statement = text(
        "select sum(value) from fact where is_current and form = 'health' and indicator = 'the_bhyt' "
        "and period = :period and org_unit in :codes"
    ).bindparams(bindparam("codes", expanding=True))
    with across["pipe"].warehouse.engine.connect() as conn:
        return float(conn.execute(statement, {"period": period, "codes": list(codes)}).scalar())


def test_phu_thong_compares_with_its_four_communes_of_2025_summed(across):
    from decimal import Decimal

    from giamngheo.figures import change_text

    context = report_context(across, "01969")
    before = cards_of(across, OLD, ["01969", "01975", "01990", "01993"])  # Phủ Thông, Vi Hương, Lục Bình, Tân Tú
    now = cards_of(across, NEW, ["01969"])
    assert before > now > 0  # four communes' cards of 2025 against one commune's of 2026
    expected = change_text(Decimal(str(now)), Decimal(str(before)), Period.parse(OLD))
    assert context["compare"]["cards"] == expected and "giảm" in expected
    assert context["restated"]["text"] == "Số liệu 6 tháng đầu năm 2025 quy đổi theo địa giới mới"
    assert context["doc"]["unit_kind"] == "xã"


def test_outliers_of_today_are_measured_against_the_restated_past(across):
    from giamngheo.numbers import format_plain

    pipe = across["pipe"]
    pipe.check_quality(Period.parse(NEW), ["19"])
    found = [w for w in pipe.warehouse.query("query/quality_warnings", unit="19", period=NEW) if w["kind"] == "outlier"]
    # only the communes that can be compared have a past: the three made wholly of Bạch Thông's 14
    assert found and {w["org_unit"] for w in found} <= {"01969", "01981", "02008"}
    # Phủ Thông's cards of 2026 (one commune's, ~100) against its four communes' of 2025 summed (~8,000)
    [cards] = [w for w in found if (w["org_unit"], w["subject"]) == ("01969", "health.the_bhyt")]
    before = cards_of(across, OLD, ["01969", "01975", "01990", "01993"])
    assert cards["expected"].startswith(f"{format_plain(before)} cùng kỳ {OLD} (×")
    assert cards["value"] == cards_of(across, NEW, ["01969"])


def test_the_trend_shows_an_earlier_half_restated_only_when_every_commune_compares(across):
    from giamngheo.report import ReportBuilder

    def trend(unit: str) -> dict:
        builder = ReportBuilder(settings_for(across["data_dir"], GIAMNGHEO_UNIT=unit), across["pipe"].warehouse)
        return builder.key_figures_by_period(Period.parse(NEW))

    phu_thong = trend("01969")  # its four communes of 2025 summed, as its comparison
    assert sorted(phu_thong) == [OLD, NEW]
    assert float(phu_thong[OLD]["cards"]) == cards_of(across, OLD, ["01969", "01975", "01990", "01993"])
    assert sorted(trend("19")) == [NEW]  # 3 of the province's 92 communes compare: no earlier point
    assert sorted(trend("02014")) == [NEW]  # Đồng Thắng's figures are missing


def test_bach_thong_gives_no_comparison_and_names_dong_thang(across):
    context = report_context(across, "02014")
    assert set(context["compare"].values()) == {""}
    assert context["restated"]["text"] == (
        "Không so sánh với 6 tháng đầu năm 2025; Xã Bạch Thông: chưa có số liệu của Xã Đồng Thắng (02059)"
    )


def test_the_province_compares_the_communes_that_can_be(across):
    import csv

    note = report_context(across, "19")["restated"]
    # read from the transitions file: today's communes made wholly of huyện Bạch Thông's 14 communes
    old_communes = {u.code for u in across["pipe"].deployment.communes_of("063", Period.parse(OLD))}
    edges: dict[str, list[tuple[str, str]]] = {}
    with open(ROOT / "include" / "reference" / "transitions.csv", encoding="utf-8") as fh:
        for edge in csv.DictReader(fh):
            edges.setdefault(edge["successor"], []).append((edge["predecessor"], edge["share"]))
    expected = sorted(
        code
        for code, came in edges.items()
        if code in {u.code for u in across["communes"]}
        and all(p in old_communes and share == "whole" for p, share in came)
    )
    # Bạch Thông's 14 went into 5 of today's communes: xã Bạch Thông also took Đồng Thắng of Chợ Đồn,
    # and 01984 went into 01849 with communes of another district
    assert len(old_communes) == 14 and expected == ["01969", "01981", "02008"]
    assert (note["units"], note["comparable"]) == (92, len(expected))
    assert note["text"].startswith(
        f"Số liệu 6 tháng đầu năm 2025 quy đổi theo địa giới mới; so sánh được {len(expected)}/92 đơn vị cấp xã"
    )
    assert "Xã Bạch Thông: chưa có số liệu của Xã Đồng Thắng (02059)" in note["not_comparable"]


def test_the_province_report_is_headed_for_the_province(across):
    from giamngheo.report import ReportBuilder
    from tests.test_report import document_text

    context = report_context(across, "19")
    assert context["doc"]["unit_kind"] == "tỉnh" and context["doc"]["district"] == "Thái Nguyên"
    assert context["compare"]["cards"]  # compared on the communes that can be
    builder = ReportBuilder(
        settings_for(across["data_dir"], **across["env"]).for_district("19"), across["pipe"].warehouse
    )
    text = document_text(builder.render(Period.parse(NEW), pdf=False).docx)
    assert "ỦY BAN NHÂN DÂN\nTỈNH THÁI NGUYÊN" in text or ("ỦY BAN NHÂN DÂN" in text and "TỈNH THÁI NGUYÊN" in text)
    assert "Thái Nguyên, ngày" in text and "Ủy ban nhân dân tỉnh Thái Nguyên báo cáo" in text
    # the settings file's block for unit 19: its recipients, the drafting office last
    assert "- Bộ Nông nghiệp và Môi trường (B/cáo);" in text and "- Lưu VT, NNMT." in text
    assert "Nguyễn Duy Luân" not in text  # the district's signer is not the province's


def test_the_commune_report_of_phu_thong_reads_as_a_commune_and_says_it_is_restated(across):
    from giamngheo.report import ReportBuilder
    from tests.test_report import document_text

    builder = ReportBuilder(settings_for(across["data_dir"], GIAMNGHEO_UNIT="01969"), across["pipe"].warehouse)
    result = builder.render(Period.parse(NEW), pdf=False)
    text = document_text(result.docx)
    assert "Ủy ban nhân dân xã Phủ Thông báo cáo tình hình thực hiện công tác giảm nghèo" in text
    assert "(Số liệu 6 tháng đầu năm 2025 quy đổi theo địa giới mới.)" in text
    assert "so với cùng kỳ năm 2025" in text
    assert "theo chuẩn nghèo quy định tại Nghị định số 07/2021/NĐ-CP (sửa đổi, bổ sung bởi Nghị định số 30/2025" in text
    assert "của UBND xã Phủ Thông./." in text


def test_the_submissions_page_links_each_drafted_commune_report(across):
    import jinja2

    from giamngheo.deployment import Deployment
    from giamngheo.report import render_reports
    from giamngheo.submissions import page_data

    settings = settings_for(across["data_dir"], **across["env"])
    render_reports(settings, [{"period": NEW, "unit": "01981", "commune_of": "19"}], pdf=False)
    page = page_data(Deployment(settings), across["pipe"].warehouse, NEW, "19")
    rows = {row["code"]: row for row in page["matrix"]["units"]}
    assert rows["01981"]["report"] == f"bao-cao-giam-ngheo-{NEW}.docx"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROOT / "include" / "templates")), autoescape=True)
    html = env.get_template("submissions.html").render(**page)
    link = f'href="reports/{NEW}/bao-cao-giam-ngheo-{NEW}.docx?district=19&amp;commune=01981"'
    assert link in html
    undrafted = [code for code, row in rows.items() if not row["report"]]
    assert undrafted and all(f"commune={code}" not in html for code in undrafted)
    # the link resolves to the commune's own folder, as the page's route reads it
    own = settings.for_district("19").for_district("01981", commune_of="19").reports_dir / NEW
    assert (own / f"bao-cao-giam-ngheo-{NEW}.docx").is_file()


def test_a_communes_own_file_redrafts_its_report_and_the_provinces_only(across):
    from giamngheo.report import plan_reports

    settings = across["pipe"].deployment.settings
    landed = [{"period": NEW, "form": "commune", "districts": ["19"], "communes": {"19": ["01969"]}}]
    items = [
        (i["period"], i["unit"], i.get("commune_of"))
        for b in plan_reports(settings, None, landed, None)
        for i in b["items"]
    ]
    assert items == [(NEW, "19", None), (NEW, "01969", "19")]
    # on demand (a period chosen in the trigger form): the province's and all 92 communes' reports
    everything = [i for b in plan_reports(settings, NEW, landed, None) for i in b["items"]]
    assert len(everything) == 93


@pytest.mark.e2e
def test_a_browser_opens_a_communes_report_from_the_submissions_page(across, browser, tmp_path):
    """Airflow's own UI on the deployment of today (`make airflow`), in Chromium: the Submissions page of
    tỉnh Thái Nguyên links xã Phủ Thông's own report, and the link gives that report."""
    from bench.standalone import standalone
    from giamngheo.report import render_reports
    from tests.conftest import log_in, make_airflow_env
    from tests.test_report import document_text

    data_dir = across["data_dir"]
    settings = settings_for(data_dir, **across["env"])
    render_reports(settings, [{"period": NEW, "unit": "01969", "commune_of": "19"}], pdf=False)
    home = tmp_path / "airflow"
    env = {**make_airflow_env(home, data_dir), **across["env"]}
    dags = {"ingest_submissions", "draft_report"}
    with standalone(["make", "-s", "airflow", f"DATA_DIR={data_dir}"], home, data_dir, env, ROOT, dags) as server:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        log_in(page, server)
        page.goto(f"{server.base}/giamngheo/?period={NEW}&district=19")
        page.wait_for_selector("#matrix", timeout=60_000)
        link = page.locator('#matrix a[href*="commune=01969"]')
        assert link.count() == 1
        with page.expect_download(timeout=60_000) as download:
            link.click()
        saved = tmp_path / "phu-thong.docx"
        download.value.save_as(saved)
        page.close()
    text = document_text(saved)
    assert "ỦY BAN NHÂN DÂN" in text and "XÃ PHỦ THÔNG" in text and "Phủ Thông, ngày" in text


def test_the_2025_year_report_of_a_new_commune_takes_its_first_half_restated(across, tmp_path):
    """2025-H2 is the new tree's first half-year; its year report's first half is the old tree's: xã Phủ
    Thông's 2025 flows are its own of H2 plus its four communes' of H1, and the report says so."""
    from giamngheo.report import ReportBuilder

    data_dir = tmp_path / "data"  # a copy of the deployment: the other tests keep theirs as it was
    shutil.copytree(across["data_dir"], data_dir)
    pipe = Ingestor.from_settings(settings_for(data_dir, **across["env"]))
    pipe._validator = across["pipe"]._validator
    communes = pipe.deployment.communes_of("19", Period.parse("2025-H2"))
    write_csv(
        data_dir / "inbox" / "19" / "2025-H2" / "health" / "so_y_te.csv",
        [HEALTH_HEADER] + [health_row(u.name, the_bhyt=70) for u in communes],
    )
    outcomes = pipe.ingest(pipe.deployment.discover(Period.parse("2025-H2")))
    assert {o.status for o in outcomes} == {"accepted"}, [o.message for o in outcomes]
    year = Period.parse("2025-H2")

    def builder(unit: str) -> ReportBuilder:
        return ReportBuilder(settings_for(data_dir, GIAMNGHEO_UNIT=unit), pipe.warehouse)

    phu_thong = builder("01969")
    before = cards_of(across, OLD, ["01969", "01975", "01990", "01993"])
    assert float(phu_thong.values(year).total("health", "the_bhyt")) == 70 + before
    assert phu_thong.year_note(year) == "Số liệu 6 tháng đầu năm 2025 quy đổi theo địa giới mới"
    bach_thong = builder("02014")  # Đồng Thắng's first half is missing: its own second half only
    assert float(bach_thong.values(year).total("health", "the_bhyt")) == 70
    assert "chưa có số liệu của Xã Đồng Thắng (02059)" in bach_thong.year_note(year)
    assert builder("01969").year_note(Period.parse(NEW)) == ""  # a first half-year needs no restating
    pipe.warehouse.dispose()
