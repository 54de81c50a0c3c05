from decimal import Decimal

import pytest

from giamngheo.numbers import NumberProblem, decimal_places, format_count, format_number, parse_number


@pytest.mark.parametrize(
    "cell, unit, expected",
    [
        ("1.245.200.000", "vnd", Decimal("1245200000")),
        ("8.000.000 đồng", "vnd", Decimal("8000000")),
        ("517.000.000đ", "vnd", Decimal("517000000")),
        ("66.363 triệu", "million_vnd", Decimal("66363")),
        ("4.740,214 triệu đồng", "million_vnd", Decimal("4740.214")),
        ("65,42%", "percent", Decimal("65.42")),
        ("62.955 kg", "kg", Decimal("62955")),
        ("  30.447 ", "count", Decimal("30447")),
        (452, "count", Decimal("452")),
        (452.0, "count", Decimal("452")),
        (66.363, "million_vnd", Decimal("66.363")),
    ],
)
def test_parses_vietnamese_notation(cell, unit, expected):
    assert parse_number(cell, unit) == expected


def test_english_notation_is_refused_with_a_suggestion():
    with pytest.raises(NumberProblem) as err:
        parse_number("1,234.5", "vnd")
    assert err.value.rule == "number_format"
    assert "1.234,5" in err.value.reason_vi and "1.234,5" in err.value.reason_en


@pytest.mark.parametrize("cell", ["abc", "12.34", "1.2345", "--5"])
def test_garbage_is_refused(cell):
    with pytest.raises(NumberProblem):
        parse_number(cell, "count")


def test_unit_contradicting_the_column_is_refused():
    with pytest.raises(NumberProblem) as err:
        parse_number("5.000 đồng", "million_vnd")
    assert err.value.rule == "unit_mismatch"
    assert "đồng" in err.value.reason_vi


def test_dates_are_not_numbers():
    from datetime import datetime

    with pytest.raises(NumberProblem) as err:
        parse_number(datetime(2022, 1, 1), "count")
    assert err.value.rule == "number_type"


def test_decimal_places():
    assert decimal_places(Decimal("66.363")) == 3
    assert decimal_places(Decimal("452.0")) == 0
    assert decimal_places(Decimal("1E+3")) == 0


def test_formatting_rounds_half_up_unlike_babel():
    # 458 / 700 = 65,428571…%: the seed truncated to 65,42; rounding gives 65,43
    assert format_number(Decimal(458) / Decimal(700) * 100, 2) == "65,43"
    assert format_number(Decimal("65.425"), 2) == "65,43"  # Babel alone rounds half-even: 65,42
    assert format_number(Decimal("0.125"), 2) == "0,13"
    assert format_number(1245200000) == "1.245.200.000"


def test_counts_in_running_text_are_zero_padded_below_ten():
    assert format_count(4) == "04"
    assert format_count(0) == "00"
    assert format_count(10) == "10"
    assert format_count(30447) == "30.447"


@pytest.mark.parametrize(
    "text", ["0", "7", "1234", "-12", "1.234", "1.234.567", "12,5", "1.234,567", "0,25", "-1.000,5"]
)
def test_plain_numbers_read_without_babel_as_babel_reads_them(text):
    from babel.numbers import parse_decimal

    assert parse_number(text, "count") == parse_decimal(text, locale="vi", strict=True)


def test_figures_as_a_clerk_reads_them():
    from giamngheo.numbers import format_plain

    assert format_plain(429341740.0) == "429.341.740"
    assert format_plain(4.29342e07) == "42.934.200"
    assert format_plain(12.5) == "12,5" and format_plain(65.4285) == "65,43" and format_plain(None) == "—"
