"""Report figures computed from the warehouse, checked against the hand-written 2022-H1 report."""

import shutil

from giamngheo.figures import ReportValues, build_figures, report_periods
from giamngheo.periods import Period
from tests.conftest import PERIOD, SAMPLE_INBOX


def figures_for(pipeline, period: str) -> dict:
    p = Period.parse(period)
    rows = pipeline.warehouse.report_values(*report_periods(p), pipeline.deployment.settings.district_code)
    communes = [u for u in pipeline.deployment.units if u.parent_code == pipeline.deployment.settings.district_code]
    return build_figures(
        ReportValues(rows, pipeline.deployment.forms, pipeline.deployment.categories),
        p,
        communes,
        pipeline.deployment.categories,
    )


def test_every_figure_of_the_2022_h1_report(pipeline):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    f = figures_for(pipeline, PERIOD)
    assert f["period"]["label"] == "6 tháng đầu năm 2022"
    assert (f["poverty"]["target_rate"], f["poverty"]["target_households"]) == ("4,73", "410")
    # "458/700 lao động, đạt 65,42%": the seed truncated; rounding half-up gives 65,43
    assert (f["jobs"]["total"], f["jobs"]["plan"], f["jobs"]["rate"]) == ("458", "700", "65,43")
    assert (f["jobs"]["home"], f["jobs"]["abroad"], f["jobs"]["demobilised_advised"]) == ("452", "06", "86")
    education = {e["code"]: e for e in f["education"]}
    assert (education["mien_giam_hoc_phi"]["pupils"], education["mien_giam_hoc_phi"]["amount"]) == (
        "3.514",
        "248.229.000",
    )  # the seed wrote "3514"
    assert education["chi_phi_hoc_tap"]["amount"] == "667.600.900"
    assert education["an_trua_mam_non"]["amount"] == "1.245.200.000"
    assert education["hoc_bong_khuyet_tat"]["amount"] == "740.256.000"
    assert education["ban_tru_tien_an_nha_o"]["amount"] == "2.672.595.000"
    assert (education["ban_tru_gao"]["pupils"], education["ban_tru_gao"]["rice_kg"]) == ("944", "62.955")
    assert (f["housing"]["mobilised"], f["housing"]["approved"]) == ("26", "28")
    h = f["health"]
    assert (h["cards"], h["cards_poor"], h["visits"], h["visits_poor"]) == ("30.447", "5.057", "13.066", "3.041")
    assert (h["cost_poor"], h["births"], h["births_amount"]) == ("715.679.649", "04", "8.000.000")
    assert (h["vaccinated"], h["infants"], h["vaccination_rate"], h["no_poisoning"]) == ("92", "446", "20,6", True)
    info = f["information"]
    assert (info["receiver_communes_count"], info["receivers"]) == ("08", "580")
    assert info["receiver_communes"] == (
        "Vi Hương, Lục Bình, Tân Tú, Quân Hà, Cẩm Giàng, Nguyễn Phúc, Mỹ Thanh, thị trấn Phủ Thông"
    )
    assert [g["label"] for g in info["radio_groups"]] == ["80% trở lên", "50%"]
    assert info["radio_groups"][1]["communes"] == "Lục Bình, Tân Tú, Cẩm Giàng, Nguyễn Phúc, Đôn Phong"
    assert (info["bulletin_boards"], info["villages"]) == ("147", "147")
    assert f["loans"]["ho_ngheo"] == {"label": "Cho vay hộ nghèo", "borrowers": "1.316", "million_vnd": "66.363"}
    assert (f["loans"]["ho_can_ngheo"]["borrowers"], f["loans"]["ho_can_ngheo"]["million_vnd"]) == ("1.229", "80.709")
    assert (f["loans"]["xuat_khau_lao_dong"]["borrowers"], f["loans"]["xuat_khau_lao_dong"]["million_vnd"]) == (
        "21",
        "1.418",
    )
    assert (f["electricity"]["amount"], f["electricity"]["households"]) == ("467.976.000", "3.026")
    assert (f["models_count"], f["models_amount"]) == ("03", "517.000.000")
    assert {(m["name"], m["place"]) for m in f["models"]} == {
        ("mô hình nuôi dê sinh sản", "xã Dương Phong"),
        ("mô hình trồng cây chè Trung du", "xã Quân Hà"),
        ("mô hình nuôi lợn sinh sản", "xã Cẩm Giàng"),
    }
    assert [m["amount_million"] for m in f["models"] if m["project"] == "DA1"] == ["207"]


def test_year_report_sums_flows_and_keeps_stocks(pipeline, data_dir):
    shutil.copytree(SAMPLE_INBOX / "2022-H1", data_dir / "inbox" / "2022-H2")
    pipeline.ingest(pipeline.deployment.discover("2022-H1") + pipeline.deployment.discover("2022-H2"))
    h1, year = figures_for(pipeline, "2022-H1"), figures_for(pipeline, "2022-H2")
    assert year["period"]["label"] == "năm 2022"
    assert year["health"]["cards"] == "60.894"  # flow: H1 + H2
    assert year["loans"]["ho_ngheo"]["million_vnd"] == "132.726"
    assert year["poverty"]["households"] == h1["poverty"]["households"] == "8.668"  # stock: the H2 value
    assert year["information"]["bulletin_boards"] == "147"
    assert year["poverty"]["target_rate"] == "4,73"  # target (stock) over households (stock)
    assert year["jobs"]["total"] == "916" and year["jobs"]["plan"] == "700"


def test_another_period_holds_none_of_the_2022_figures(pipeline, data_dir):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    f = figures_for(pipeline, "2023-H1")
    assert f["health"]["cards"] == "00" and f["models"] == [] and f["jobs"]["rate"] == "—"


def test_an_unknown_code_is_an_error_never_a_zero(forms, cats):
    import pytest

    from giamngheo.figures import UnknownCode

    values = ReportValues([], forms, cats)
    assert values.total("health", "the_bhyt") == 0  # a known indicator with no data is 0
    with pytest.raises(UnknownCode, match="the_bhty"):
        values.total("health", "the_bhty")
    with pytest.raises(UnknownCode, match="helth"):
        values.by_unit("helth", "the_bhyt")
    with pytest.raises(UnknownCode, match="gao"):
        values.total("education", "so_hoc_sinh", "gao")


def test_every_code_the_report_names_is_in_the_forms_contract(forms):
    """Figures and charts ask for (form, indicator) pairs by name: each must be in forms.yaml."""
    import re

    from tests.conftest import ROOT

    calls = re.compile(r"""(?:total|by_unit|check)\(\s*"(\w+)"(?:\s*,\s*"(\w+)")?""")
    found = set()
    for module in ("figures.py", "charts.py", "report.py"):
        found |= set(calls.findall((ROOT / "giamngheo" / module).read_text(encoding="utf-8")))
    assert len(found) > 20
    for form, indicator in found:
        assert form in forms, form
        assert not indicator or indicator in {c.code for c in forms[form].figures}, (form, indicator)


def test_the_change_from_last_year_is_rounded_half_up():
    from decimal import Decimal

    from giamngheo.figures import change_text
    from giamngheo.periods import Period

    before = Period.parse("2022-H1")
    assert change_text(Decimal(11225), Decimal(10000), before) == " (tăng 12,3% so với cùng kỳ năm 2022)"  # 12,25
    assert change_text(Decimal(9875), Decimal(10000), before) == " (giảm 1,3% so với cùng kỳ năm 2022)"  # 1,25
    assert change_text(Decimal(10000), Decimal(10000), before) == " (bằng cùng kỳ năm 2022)"
    assert change_text(Decimal(5), Decimal(0), before) == ""  # nothing to compare with
