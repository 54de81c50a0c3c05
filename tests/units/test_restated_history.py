"""An outlier's history on today's units: each earlier first half restated through the transitions
(pure function over the bundled official units; the rows are given as the warehouse would give them)."""

from giamngheo.periods import Period
from giamngheo.reference import unit_tree
from giamngheo.units.restate import restated_history
from tests.conftest import ROOT


def test_the_past_of_todays_communes_is_their_predecessors_summed_and_only_when_comparable():
    tree = unit_tree(ROOT / "include" / "reference")
    asked = {}

    def facts_of(codes, periods):
        asked["codes"], asked["periods"] = set(codes), list(periods)
        # the 14 communes of huyện Bạch Thông in 2024-H1 and 2025-H1, 10 × their place in the list
        return [
            {"form": "health", "indicator": "the_bhyt", "category": "", "org_unit": u.code, "period": p, "value": v}
            for p in ("2024-H1", "2025-H1")
            for v, u in enumerate(tree.communes_of("063", Period.parse(p)), start=1)
        ]

    history = restated_history(tree, "19", Period.parse("2026-H1"), facts_of)
    assert asked["periods"][:2] == ["2025-H1", "2024-H1"] and len(asked["periods"]) == 10
    assert {"01969", "01975", "01990", "01993", "02059"} <= asked["codes"]  # Đồng Thắng (Chợ Đồn) asked too
    by = {}
    for row in history:
        by[(row["org_unit"], row["period"])] = by.get((row["org_unit"], row["period"]), 0) + row["value"]
    old = {u.code: v for v, u in enumerate(tree.communes_of("063", Period.parse("2025-H1")), start=1)}
    # Phủ Thông = thị trấn Phủ Thông + Vi Hương + Tân Tú + Lục Bình, both years
    assert (
        by[("01969", "2025-H1")]
        == by[("01969", "2024-H1")]
        == sum(old[c] for c in ("01969", "01975", "01990", "01993"))
    )
    # xã Bạch Thông lacks Đồng Thắng's figures: no past at all, never a partial sum
    assert not any(unit == "02014" for unit, _ in by)
    assert {unit for unit, _ in by} == {"01969", "01981", "02008"}


def test_a_district_of_the_old_tree_reads_its_own_communes_past():
    tree = unit_tree(ROOT / "include" / "reference")

    def facts_of(codes, periods):
        return [
            {"form": "health", "indicator": "the_bhyt", "category": "", "org_unit": c, "period": "2021-H1", "value": 5}
            for c in codes
        ]

    history = restated_history(tree, "063", Period.parse("2022-H1"), facts_of)
    assert {r["org_unit"] for r in history} == {u.code for u in tree.communes_of("063", Period.parse("2022-H1"))}
    assert all(r["value"] == 5 and r["period"] == "2021-H1" for r in history)
