"""Data quality across forms and over time: the rules, the outliers, the clerk's verifications."""

from __future__ import annotations

import copy
import shutil

import pytest

from giamngheo.periods import Period
from giamngheo.quality import QualityChecker, load_rules, outliers, suite_for
from tests.conftest import PERIOD, ROOT
from tests.helpers import HEALTH_HEADER, health_row, write_csv

H1 = Period.parse(PERIOD)


@pytest.fixture(scope="module")
def checker(forms):
    rules = load_rules(ROOT / "include" / "reference", forms)
    return QualityChecker(rules, suite_for(rules))


def test_the_suite_in_expectations_matches_the_rules(forms):
    import json

    rules = load_rules(ROOT / "include" / "reference", forms)
    kept = json.loads((ROOT / "expectations" / "quality_rules.json").read_text(encoding="utf-8"))
    assert kept == suite_for(rules), "expectations/quality_rules.json is stale: run `make suites`"
    assert len(rules.rules) >= 5


def set_value(values: list[dict], unit: str, form: str, indicator: str, category: str, value: float) -> list[dict]:
    changed = copy.deepcopy(values)
    rows = [
        r
        for r in changed
        if (r["org_unit"], r["form"], r["indicator"], r["category"] or "") == (unit, form, indicator, category)
    ]
    assert rows, (unit, form, indicator, category)
    for row in rows[1:]:
        row["value"] = 0
    rows[0]["value"] = value
    return changed


# each rule: a figure of Vi Hương (01975) set so that the rule fails there
CASES = {
    "gao_ban_tru": ("education", "gao_kg", "ban_tru_gao", 99_999),  # > 15 kg × pupils × 5 months
    "ho_tro_sinh_con": ("health", "ho_tro_sinh_con_kinh_phi", "", 1_500_000),  # ≠ 2,000,000 × 1 woman
    "the_bhyt_ho_ngheo": ("health", "the_bhyt_ho_ngheo", "", 50),  # < the 127 poor households
    "vay_ho_ngheo": ("bank", "luot_vay", "ho_ngheo", 400),  # > 127 poor households
    "viec_lam_vuot_chi_tieu": ("commune", "viec_lam_moi_trong_nuoc", "", 300),  # > 2 × the target of 42
}


def test_each_rule_fires_on_its_case_and_stays_quiet_on_the_sample(pipeline, checker):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    values = pipeline.warehouse.report_values(H1, H1, "063")
    assert checker.check(values, "063", H1, pipeline.deployment.forms) == []
    assert {r.code for r in checker.rules.rules} == set(CASES)
    for rule, (form, indicator, category, value) in CASES.items():
        crafted = set_value(values, "01975", form, indicator, category, value)
        found = checker.check(crafted, "063", H1, pipeline.deployment.forms)
        assert {w.rule for w in found} == {rule}, (rule, [(w.rule, w.org_unit) for w in found])
        assert "01975" in {w.org_unit for w in found}
        [at_commune] = [w for w in found if w.org_unit == "01975"]
        assert at_commune.value == pytest.approx(value if rule != "viec_lam_vuot_chi_tieu" else value + 2)
        assert at_commune.explanation_vi and at_commune.explanation_en and at_commune.expected


def test_outliers_against_the_communes_own_past():
    def row(unit, period, value, indicator="chi_phi_kham_ho_ngheo"):
        where = {"form": "health", "indicator": indicator, "category": ""}
        return {**where, "org_unit": unit, "period": period, "value": value}

    settings = {"min_history": 3, "z_threshold": 3.5, "ratio_band": [0.2, 5.0], "ignore_below": 10}
    period = Period.parse("2023-H1")
    history = [row("01975", "2022-H1", 1_000_000), row("01990", "2022-H1", 1_000_000), row("01990", "2022-H2", 9)]
    current = [row("01975", "2023-H1", 10_500_000), row("01990", "2023-H1", 1_200_000), row("01993", "2023-H1", 9e9)]
    [flagged] = outliers(history, current, "063", period, settings)
    assert (flagged.org_unit, flagged.subject) == ("01975", "health.chi_phi_kham_ho_ngheo")  # 10.5× last year
    assert flagged.extra["ratio"] == pytest.approx(10.5)  # 01990 is normal, 01993 has no history

    # with three earlier first halves: a modified z-score
    longer = [row("01975", f"{y}-H1", v) for y, v in ((2019, 100), (2020, 110), (2021, 105), (2022, 98))]
    [z] = outliers(longer, [row("01975", "2023-H1", 400)], "063", period, settings)
    assert z.extra["z"] > 3.5
    assert outliers(longer, [row("01975", "2023-H1", 104)], "063", period, settings) == []


def second_year(data_dir, period: str = "2023-H1"):
    """The sample again for another period (the same files, as if sent a year later)."""
    shutil.copytree(data_dir / "inbox" / PERIOD, data_dir / "inbox" / period)
    return data_dir / "inbox" / period


def luc_binh(cost: int) -> list:
    """Lục Bình's 2022-H1 health row with another clinic cost."""
    return health_row(
        "Lục Bình", the_bhyt=2143, poor=356, visits=920, poor_visits=214, cost=cost, infants=31, vaccinated=6
    )


def test_a_planted_outlier_is_flagged_verified_kept_and_cleared_when_the_value_changes(pipeline, data_dir):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    inbox = second_year(data_dir)
    later = Period.parse("2023-H1")
    latest = max(f.arrival for f in pipeline.deployment.discover(later))
    planted = write_csv(  # Lục Bình types its clinic costs ten times over (50.365.088 in 2022-H1)
        inbox / "health" / "dinh_chinh_luc_binh.csv",
        [HEALTH_HEADER, luc_binh(cost=503_650_880)],
        arrival=latest + 60,
    )
    pipeline.ingest(pipeline.deployment.discover(later))
    before = {
        r["indicator"]: float(r["value"])
        for r in pipeline.warehouse.report_values(H1, H1, "063")
        if r["org_unit"] == "01990" and r["form"] == "health"
    }
    assert pipeline.check_quality(later)["063"]["found"] >= 1
    warnings = pipeline.warehouse.query("query/quality_warnings", unit="063", period=later)
    outlier = [w for w in warnings if w["kind"] == "outlier"]
    # flagged with its commune and figure; the other figures and communes, which repeat 2022's, are not
    assert [(w["org_unit"], w["subject"]) for w in outlier] == [("01990", "health.chi_phi_kham_ho_ngheo")]
    assert before["chi_phi_kham_ho_ngheo"] == 50_365_088
    assert (data_dir / "reports" / "2023-H1" / "canh-bao-2023-H1.xlsx").exists()
    assert pipeline.check_quality(H1)["063"]["found"] == 0  # no history before 2022-H1: nothing flagged

    # the draft says so in its appendix, the count computed from the warehouse
    from docx import Document

    from giamngheo.report import ReportBuilder

    builder = ReportBuilder(pipeline.deployment.settings, pipeline.warehouse)
    text = "\n".join(p.text for p in Document(builder.render(later, pdf=False).docx).paragraphs)
    assert "DỰ THẢO" in text and "01 cảnh báo chất lượng số liệu chưa xác minh" in text

    target = next(w for w in outlier if w["subject"] == "health.chi_phi_kham_ho_ngheo")
    assert pipeline.warehouse.verify_quality_warning(target["id"], "admin", "đã gọi điện xác nhận")
    pipeline.check_quality(later)  # a re-run: same values, the verification stays
    kept = {w["id"]: w for w in pipeline.warehouse.query("query/quality_warnings", unit="063", period=later)}
    assert kept[target["id"]]["verified_by"] == "admin"
    assert kept[target["id"]]["verified_comment"] == "đã gọi điện xác nhận"

    write_csv(  # the value changes (still doubtful): the verification is cleared
        planted.with_name("dinh_chinh_2.csv"),
        [HEALTH_HEADER, luc_binh(cost=1_007_301_760)],
        arrival=latest + 120,
    )
    pipeline.ingest(pipeline.deployment.discover(later))
    pipeline.check_quality(later)
    again = {w["id"]: w for w in pipeline.warehouse.query("query/quality_warnings", unit="063", period=later)}
    assert target["id"] in again and again[target["id"]]["verified_by"] is None


def test_review_workbooks_written_at_once_by_many_tasks_all_land(tmp_path):
    """Two ingestion tasks of one district write its review workbook at the same moment (the benchmark
    caught it): each writer stages under its own name, so none renames another's file away."""
    from concurrent.futures import ThreadPoolExecutor

    import openpyxl

    from giamngheo.quality import write_review_xlsx

    target = tmp_path / "reports" / "2022-H1" / "canh-bao-2022-H1.xlsx"
    with ThreadPoolExecutor(max_workers=8) as pool:
        written = list(pool.map(lambda _: write_review_xlsx([], target), range(32)))
    assert written == [target] * 32
    assert openpyxl.load_workbook(target).sheetnames == ["Cảnh báo"]
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no staged file left behind
