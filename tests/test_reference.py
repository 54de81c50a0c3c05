import unicodedata

import pytest

from giamngheo.reference import OrgUnit, UnitNameError, UnitResolver, is_total_label


@pytest.mark.parametrize(
    "name",
    [
        "Xã Vi Hương",
        "Vi Hương",
        "vi huong",
        "VI HƯƠNG",
        "X. Vi Hương",
        "x.vi huong",
        unicodedata.normalize("NFD", "Xã Vi Hương"),
        "  Vi   Hương ",
    ],
)
def test_commune_name_variants_resolve(resolver, name):
    assert resolver.resolve(name) == "01975"


@pytest.mark.parametrize("name", ["TT Phủ Thông", "Thị trấn Phủ Thông", "tt. phu thong", "Phủ Thông"])
def test_town_variants_resolve(resolver, name):
    assert resolver.resolve(name) == "01969"


def test_d_with_stroke_resolves_without_diacritics(resolver):
    assert resolver.resolve("Don Phong") == resolver.resolve("Xã Đôn Phong") == "01984"


def test_unknown_name_names_the_closest_units(resolver):
    with pytest.raises(UnitNameError) as err:
        resolver.resolve("Tân Tiến")
    assert "Tân Tiến" in err.value.reason_vi
    assert "Xã Tân Tú" in err.value.closest
    assert "closest known" in err.value.reason_en


def test_ambiguous_name_is_refused_and_the_kind_prefix_disambiguates():
    units = [OrgUnit("1", "Tân Tú", "commune", "xa", "d"), OrgUnit("2", "Tân Tú", "commune", "thi_tran", "d")]
    resolver = UnitResolver(units)
    with pytest.raises(UnitNameError) as err:
        resolver.resolve("Tân Tú")
    assert set(err.value.closest) == {"xã Tân Tú (1)", "thị trấn Tân Tú (2)"}
    assert resolver.resolve("TT Tân Tú") == "2"
    assert resolver.resolve("Xã Tân Tú") == "1"


def test_every_commune_of_the_district_is_known(resolver):
    assert len(resolver.units) == 14


@pytest.mark.parametrize("label", ["Tổng cộng", "TỔNG", "Cộng", "Toàn huyện", "tong cong:"])
def test_total_labels(label):
    assert is_total_label(label)
    assert not is_total_label("Vi Hương")
