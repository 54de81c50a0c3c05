"""Dated official units: a code in each period, names resolved in their period, what became of the
communes that ended, and the import from the official dataset."""

import warnings
from datetime import date

import pytest

from giamngheo.config import get_settings
from giamngheo.periods import Period
from giamngheo.reference import unit_tree
from giamngheo.units import OrgUnit, UnitNameError, UnitResolver, UnitTree
from tests.conftest import ROOT

OLD, NEW = Period.parse("2022-H1"), Period.parse("2026-H1")
LAST_OLD, FIRST_NEW = Period.parse("2025-H1"), Period.parse("2025-H2")


@pytest.fixture(scope="module")
def tree() -> UnitTree:
    return unit_tree(ROOT / "include" / "reference")


def test_one_code_names_two_units_told_apart_by_the_period(tree):
    before, after = tree.unit("01969", OLD), tree.unit("01969", NEW)
    assert (before.full_name, before.parent_code, before.valid_to) == ("Thị trấn Phủ Thông", "063", date(2025, 6, 30))
    assert (after.full_name, after.parent_code, after.valid_from) == ("Xã Phủ Thông", "19", date(2025, 7, 1))
    assert before.key != after.key
    assert tree.unit("01969", LAST_OLD).key == before.key and tree.unit("01969", FIRST_NEW).key == after.key
    assert (before.first_period, before.last_period) == ("0000-H1", "2025-H1")
    assert (after.first_period, after.last_period) == ("2025-H2", "9999-H2")
    # and in a file: the code resolves to the unit of the file's period, also as Excel's number
    assert UnitResolver.for_unit(tree, "063", OLD).resolve("01969") == "01969"
    assert UnitResolver.for_unit(tree, "19", NEW).units[UnitResolver.for_unit(tree, "19", NEW).resolve(1969)] == after


def test_each_period_reads_its_own_tree(tree):
    old = tree.communes_of("063", LAST_OLD)
    assert len(old) == 14 and {u.parent_code for u in old} == {"063"}
    assert [u.printed for u in old][:3] == ["Phủ Thông", "Vi Hương", "Lục Bình"]  # the district's own order
    assert tree.communes_of("063", FIRST_NEW) == []  # no districts since 1/7/2025
    new = tree.communes_of("19", NEW)
    assert len(new) == 92 and {u.kind for u in new} == {"xa", "phuong"}
    assert sum(u.kind == "phuong" for u in new) == 15
    # province 19 before the merger was the old Thái Nguyên, through its districts
    assert len(tree.communes_of("19", LAST_OLD)) > 100 and not {u.code for u in tree.communes_of("19", LAST_OLD)} & {
        u.code for u in old
    }
    assert tree.communes_of("01969", NEW) == [tree.unit("01969", NEW)]  # a commune reports on itself


@pytest.mark.parametrize(
    ("unit", "period", "written", "code"),
    [
        ("063", OLD, "TT Phủ Thông", "01969"),
        ("063", OLD, "vi huong", "01975"),
        ("063", OLD, "Nguyễn Phúc", "01999"),  # the district's spelling of Nguyên Phúc
        ("063", OLD, "Xã Nguyên Phúc", "01999"),
        ("063", LAST_OLD, "Dương Phong", "02014"),
        ("19", NEW, "Xã Phủ Thông", "01969"),
        ("19", NEW, "BẠCH THÔNG", "02014"),
        ("19", NEW, "x. phong quang", "01849"),
        ("19", NEW, "Phường Đức Xuân", "01840"),
    ],
)
def test_a_name_resolves_in_its_period(tree, unit, period, written, code):
    assert UnitResolver.for_unit(tree, unit, period).resolve(written) == code


def test_a_commune_that_no_longer_exists_is_refused_naming_its_successor(tree):
    resolver = UnitResolver.for_unit(tree, "19", NEW)
    with pytest.raises(UnitNameError) as err:
        resolver.resolve("Vi Hương")
    assert err.value.reason_vi == "Vi Hương không còn từ 01/7/2025; nay thuộc xã Phủ Thông (01969)"
    assert "no longer exists since 01/7/2025; it is now part of xã Phủ Thông (01969)" in err.value.reason_en
    with pytest.raises(UnitNameError, match="nay thuộc xã Bạch Thông \\(02014\\)"):
        resolver.resolve("Xã Đồng Thắng")  # of huyện Chợ Đồn before


def test_a_district_in_a_period_after_the_reform_refuses_every_name(tree):
    with pytest.raises(UnitNameError, match="Huyện Bạch Thông \\(063\\) không còn từ 01/7/2025"):
        UnitResolver.for_unit(tree, "063", NEW).resolve("Vi Hương")


def test_transitions_follow_the_official_converter(tree):
    vi_huong = tree.unit("01975", OLD)
    assert [(s.code, e.share) for s, e in tree.successors(vi_huong)] == [("01969", "whole")]
    phu_thong = tree.unit("01969", NEW)
    assert sorted(p.code for p, _ in tree.predecessors(phu_thong)) == ["01969", "01975", "01990", "01993"]
    bach_thong = tree.unit("02014", NEW)
    came = {p.code: (p.parent_code, e.legal_ref) for p, e in tree.predecessors(bach_thong)}
    assert came == {
        "02014": ("063", "NQ 1683/NQ-UBTVQH15"),
        "02017": ("063", "NQ 1683/NQ-UBTVQH15"),
        "02059": ("064", "NQ 1683/NQ-UBTVQH15"),  # Đồng Thắng, of huyện Chợ Đồn
    }
    parts = [e for e in tree.transitions if e.share == "part"]
    assert parts and all(tree.by_key(e.predecessor).valid_to == date(2025, 6, 30) for e in parts)
    assert [(s.code, e.share) for s, e in tree.successors(tree.unit("06", OLD))] == [("19", "whole")]


def units(*names_and_kinds) -> list[OrgUnit]:
    return [OrgUnit(f"0000{i}", name, "commune", kind, "9") for i, (name, kind) in enumerate(names_and_kinds, 1)]


def test_an_exact_name_wins_over_a_folded_one_and_a_folded_tie_is_ambiguous():
    resolver = UnitResolver(units(("Phú Thịnh", "xa"), ("Phù Thịnh", "xa")))
    assert resolver.resolve("Phù Thịnh") == "00002"
    assert resolver.resolve("xã phú thịnh") == "00001"
    with pytest.raises(UnitNameError) as err:
        resolver.resolve("Phu Thinh")
    assert err.value.closest == ["xã Phú Thịnh (00001)", "xã Phù Thịnh (00002)"]
    assert "ghi đúng dấu hoặc ghi mã" in err.value.reason_vi


def test_a_type_prefix_is_kept_when_the_whole_name_is_a_units_name():
    resolver = UnitResolver(units(("Phong", "xa"), ("Xã Phong", "xa")))
    assert resolver.resolve("Xã Phong") == "00002"  # a unit is named so: the prefix is its name
    assert resolver.resolve("Phong") == "00001"
    assert resolver.resolve("X. Phong") == "00001"  # not a unit's name: the prefix is a prefix


def test_the_kind_prefix_tells_a_town_from_a_commune_of_the_same_name():
    resolver = UnitResolver(units(("Tân Tú", "xa"), ("Tân Tú", "thi_tran")))
    assert resolver.resolve("TT Tân Tú") == "00002" and resolver.resolve("Xã Tân Tú") == "00001"


def test_the_unit_setting_and_its_deprecated_name():
    assert get_settings({}).district_spec == "063"
    assert get_settings({"GIAMNGHEO_UNIT": "063,19"}).district_spec == "063,19"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert get_settings({"GIAMNGHEO_DISTRICT": "19"}).district_code == "19"
        # the made-up code earlier releases shipped for Bạch Thông (officially huyện Ba Bể's)
        assert get_settings({"GIAMNGHEO_DISTRICT": "061"}).district_code == "063"
    assert any("GIAMNGHEO_DISTRICT is deprecated" in str(w.message) for w in caught)
    assert get_settings({"GIAMNGHEO_UNIT": "061"}).district_code == "061"  # the new setting: Ba Bể
    tree = unit_tree(ROOT / "include" / "reference")
    assert get_settings({"GIAMNGHEO_UNIT": "063,19"}).unit_codes(tree) == ["063", "19"]
    assert "063" in get_settings({"GIAMNGHEO_UNIT": "all"}).unit_codes(tree)
    with pytest.raises(ValueError, match="no communes under 061-01"):
        get_settings({"GIAMNGHEO_UNIT": "063,061-01"}).unit_codes(tree)  # a made-up code of earlier versions


def test_a_province_is_imported_from_the_official_dataset_keeping_the_deployments_columns(tmp_path):
    from dataclasses import replace

    from giamngheo.units.model import read_transitions, read_units, write_units
    from giamngheo.units.official import dataset_version, write_reference

    ours = [
        replace(u, email="phuthong@example.vn") if u.code == "01969" and u.valid_from else u
        for u in read_units(ROOT / "include" / "reference" / "units.csv")
        if u.parent_code == "063" or u.code in ("01969",)
    ]
    write_units(tmp_path / "units.csv", ours)
    done = write_reference(tmp_path, ["19"])
    assert done["units"] == 392 and done["transitions"] == 285
    got = {u.key: u for u in read_units(tmp_path / "units.csv")}
    assert got[("01999", "")].report_name == "Nguyễn Phúc" and got[("01999", "")].report_order == 7
    assert got[("01969", "2025-07-01")].email == "phuthong@example.vn"
    assert sum(1 for k, u in got.items() if u.parent_code == "19" and u.valid_from) == 92
    assert {u.code for u in got.values() if u.level == "province"} == {"06", "19"}
    assert len(read_transitions(tmp_path / "transitions.csv")) == 285
    assert f"vietnamadminunits {dataset_version()}" in (tmp_path / "units_source.txt").read_text(encoding="utf-8")
    # the bundled reference data is this import (plus the district's own spelling and order)
    bundled = {u.key: u for u in read_units(ROOT / "include" / "reference" / "units.csv")}
    assert {k: (u.name, u.kind, u.parent_code, u.valid_to) for k, u in bundled.items()} == {
        k: (u.name, u.kind, u.parent_code, u.valid_to) for k, u in got.items()
    }


def test_two_communes_of_thai_nguyen_that_fold_to_one_name_stay_apart(tree):
    """xã Văn Lang and xã Văn Lăng are both communes of today's Thái Nguyên: with their diacritics each
    is itself; without, the name fits both and is refused as ambiguous, naming them."""
    resolver = UnitResolver.for_unit(tree, "19", NEW)
    lang = next(u for u in tree.communes_of("19", NEW) if u.name == "Văn Lang")
    lang_breve = next(u for u in tree.communes_of("19", NEW) if u.name == "Văn Lăng")
    assert resolver.resolve("Xã Văn Lang") == lang.code and resolver.resolve("VĂN LĂNG") == lang_breve.code
    with pytest.raises(UnitNameError) as err:
        resolver.resolve("van lang")
    assert sorted(err.value.closest) == sorted([f"xã Văn Lang ({lang.code})", f"xã Văn Lăng ({lang_breve.code})"])
