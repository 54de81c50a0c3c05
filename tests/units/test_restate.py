"""A past period restated on today's units: whole mergers summed, a predecessor without figures or
a divided one named and left without comparison (the bundled official units, no warehouse)."""

import pytest

from giamngheo.periods import Period
from giamngheo.reference import unit_tree
from giamngheo.units.restate import origins, restate, restated_rows
from tests.conftest import ROOT

THEN, NOW = Period.parse("2025-H1"), Period.parse("2026-H1")
BACH_THONG_2025 = {u.code for u in unit_tree(ROOT / "include" / "reference").communes_of("063", THEN)}


@pytest.fixture(scope="module")
def tree():
    return unit_tree(ROOT / "include" / "reference")


def test_phu_thong_is_its_four_communes_of_2025_summed(tree):
    phu_thong = tree.unit("01969", NOW)
    found = origins(tree, phu_thong, THEN)
    assert sorted((o.unit.full_name, o.unit.code, o.whole) for o in found) == [
        ("Thị trấn Phủ Thông", "01969", True),
        ("Xã Lục Bình", "01990", True),
        ("Xã Tân Tú", "01993", True),
        ("Xã Vi Hương", "01975", True),
    ]
    [r] = restate(tree, [phu_thong], THEN, BACH_THONG_2025)
    assert r.comparable and r.restated and r.why_not == ""
    rows_of = {
        code: [{"form": "commune", "indicator": "poor", "category": "", "org_unit": code, "value": n}]
        for code, n in (("01969", 10), ("01975", 20), ("01990", 30), ("01993", 40), ("01972", 99))
    }
    rows = restated_rows(rows_of, [r])
    assert {row["org_unit"] for row in rows} == {"01969"} and sum(row["value"] for row in rows) == 100


def test_bach_thong_names_dong_thang_of_cho_don_as_missing(tree):
    [r] = restate(tree, [tree.unit("02014", NOW)], THEN, BACH_THONG_2025)
    assert {o.unit.code for o in r.origins} == {"02014", "02017", "02059"}
    assert not r.comparable and [u.code for u in r.missing] == ["02059"]
    assert r.why_not == "Xã Bạch Thông: chưa có số liệu của Xã Đồng Thắng (02059)"
    rows_of = {code: [{"org_unit": code, "value": 1}] for code in ("02014", "02017")}
    assert restated_rows(rows_of, [r]) == []  # never a partial sum


def test_a_divided_commune_leaves_both_successors_without_comparison(tree):
    held = {"05443", "05461", "05467", "05500"}
    found = {r.unit.code: r for r in restate(tree, [tree.unit("05443", NOW), tree.unit("05467", NOW)], THEN, held)}
    assert [u.code for u in found["05443"].split] == ["05461"]
    assert "Phường Gia Sàng (05461) nhập một phần" in found["05443"].why_not
    assert not found["05467"].comparable and not found["05443"].comparable


def test_a_unit_that_did_not_change_is_itself_and_not_restated(tree):
    unit = tree.unit("063", THEN)
    [r] = restate(tree, [unit], Period.parse("2024-H1"), {"063"})
    assert r.comparable and not r.restated
