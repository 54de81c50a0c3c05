"""The poverty standard of a period, and a comparison of poor-household counts across two standards."""

from giamngheo.figures import CHANGE_OF_STANDARD, ReportValues, comparisons
from giamngheo.periods import Period
from giamngheo.standards import read_standards, standard_changed, standard_of
from tests.conftest import ROOT

STANDARDS = read_standards(ROOT / "include" / "reference" / "poverty_standards.csv")


def test_each_period_is_read_under_the_standard_in_force_on_its_first_day():
    code = {
        p: getattr(standard_of(STANDARDS, Period.parse(p)), "code", None)
        for p in ("2021-H2", "2022-H1", "2026-H2", "2027-H1", "2030-H2", "2031-H1")
    }
    assert code == {
        "2021-H2": None,
        "2022-H1": "nd07_2021",
        "2026-H2": "nd07_2021",
        "2027-H1": "nd351_2025",
        "2030-H2": "nd351_2025",
        "2031-H1": None,
    }
    new = standard_of(STANDARDS, Period.parse("2027-H1"))
    assert new.context() == {
        "code": "nd351_2025",
        "legal": "Nghị định số 351/2025/NĐ-CP",
        "rural": "2.200.000",
        "urban": "2.800.000",
    }
    assert "30/2025/NĐ-CP" in standard_of(STANDARDS, Period.parse("2026-H1")).legal


def test_a_comparison_across_two_standards_marks_the_counts_of_poor_households(forms, reference_dir):
    from giamngheo.reference import load_categories

    categories = load_categories(reference_dir)

    def values(electricity, cards):
        rows = [
            {
                "form": "commune",
                "indicator": "tien_dien_luot_ho",
                "category": "",
                "org_unit": "01969",
                "value": electricity,
            },
            {"form": "health", "indicator": "the_bhyt", "category": "", "org_unit": "01969", "value": cards},
        ]
        return ReportValues(rows, forms, categories)

    before, after = Period.parse("2026-H1"), Period.parse("2027-H1")
    assert standard_changed(STANDARDS, before, after) and not standard_changed(
        STANDARDS, Period.parse("2025-H1"), before
    )
    marked = comparisons(values(125, 220), values(100, 200), before, standard_changed=True)
    assert marked["electricity"] == f" (tăng 25,0% so với cùng kỳ năm 2026; {CHANGE_OF_STANDARD})"
    assert marked["cards"] == " (tăng 10,0% so với cùng kỳ năm 2026)"  # cards count everyone, not the poor
    plain = comparisons(values(125, 220), values(100, 200), before)
    assert plain["electricity"] == " (tăng 25,0% so với cùng kỳ năm 2026)"
