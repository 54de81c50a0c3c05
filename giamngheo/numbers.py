"""Vietnamese numbers: parsing what clerks type, formatting what the report prints.

Parsing goes through Babel's strict parser for the ``vi`` locale (``.`` groups
thousands, ``,`` marks decimals), so ``1,234.5`` is refused with a suggestion
instead of being read as something else. Formatting rounds half-up (the
report's convention) before Babel lays out the digits.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, parse_decimal

LOCALE = Locale.parse("vi")  # parsed once: Babel would parse a locale name on every call

# unit suffix as typed (case-folded) -> the column unit it denotes
UNIT_SUFFIXES: dict[str, str] = {
    "triệu đồng": "million_vnd",
    "triệu": "million_vnd",
    "tr.đ": "million_vnd",
    "trđ": "million_vnd",
    "đồng": "vnd",
    "vnđ": "vnd",
    "vnd": "vnd",
    "đ": "vnd",
    "%": "percent",
    "kg": "kg",
}
_SUFFIX_RE = re.compile(
    r"^(?P<number>.*?)\s*(?P<unit>"
    + "|".join(re.escape(u) for u in sorted(UNIT_SUFFIXES, key=len, reverse=True))
    + r")$"
)

UNIT_NAMES_VI = {
    "count": "số đếm",
    "vnd": "đồng",
    "million_vnd": "triệu đồng",
    "percent": "%",
    "kg": "kg",
}


@dataclass
class NumberProblem(Exception):
    """A cell that is not a number the column accepts."""

    value: object
    reason_vi: str
    reason_en: str
    rule: str = "number_format"

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.reason_vi} / {self.reason_en}"


def _clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").strip()
    return re.sub(r"\s+", " ", text)


# thousands grouped by spaces (non-breaking ones are spaces by now): "28 074 241", "1 245 200 000,5"
_SPACE_GROUPED = re.compile(r"^-?\d{1,3}(?: \d{3})+(?:,\d+)?$")
ACCOUNTING_ZERO = ("-", "–")  # Excel's accounting format writes 0 as a dash
# what most cells hold, read without Babel: "1234", "1.234.567", "12,5", "1.234,567" (groups of three
# after the first, as Babel's strict parse wants them; anything else goes to Babel, and its hints)
_PLAIN = re.compile(r"^-?(?:0|[1-9]\d*|[1-9]\d{0,2}(?:\.\d{3})+)(?:,\d+)?$")


def parse_number(cell: object, unit: str) -> Decimal:
    """Parse one cell of a figure column whose unit is ``unit``.

    ``cell`` is what the reader found: an int or float from an xlsx number
    cell, or text. Text follows the Vietnamese convention and may end with a
    unit suffix, which must agree with ``unit``; thousands may also be grouped
    by spaces or non-breaking spaces, and a lone dash is Excel's accounting
    zero. Raises NumberProblem.
    """
    if isinstance(cell, (bool, datetime, date, time)):
        raise NumberProblem(
            cell,
            "ô chứa ngày/giờ hoặc giá trị logic, không phải số",
            "the cell holds a date, time or boolean, not a number",
            "number_type",
        )
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        if math.isnan(cell) or math.isinf(cell):
            raise NumberProblem(cell, "giá trị không phải số", "not a number")
        # repr gives the shortest text that round-trips: 12.125 stays 12.125
        return Decimal(repr(cell))
    text = _clean_text(str(cell))
    match = _SUFFIX_RE.match(text.casefold())
    if match:
        found = UNIT_SUFFIXES[match.group("unit")]
        if found != unit:
            raise NumberProblem(
                cell,
                f"đơn vị '{match.group('unit')}' không khớp với đơn vị của cột ({UNIT_NAMES_VI.get(unit, unit)})",
                f"unit '{match.group('unit')}' contradicts the column's unit ({unit})",
                "unit_mismatch",
            )
        text = text[: len(match.group("number"))].strip()
    if not text:
        raise NumberProblem(cell, "ô trống", "empty cell", "required")
    if text in ACCOUNTING_ZERO:
        return Decimal(0)
    if _SPACE_GROUPED.match(text):
        text = text.replace(" ", "")
    if _PLAIN.match(text):
        return Decimal(text.replace(".", "").replace(",", "."))
    try:
        return parse_decimal(text, locale=LOCALE, strict=True)
    except NumberFormatError as err:
        hint_vi = hint_en = ""
        suggestions = getattr(err, "suggestions", None)
        if suggestions:
            hint_vi = f"; có phải là '{suggestions[-1]}'?"
            hint_en = f"; did you mean '{suggestions[-1]}'?"
        raise NumberProblem(
            cell,
            "số không đúng cách viết Việt Nam (dấu '.' phân cách hàng nghìn, dấu ',' phần thập phân)" + hint_vi,
            "not a number in Vietnamese notation ('.' groups thousands, ',' marks decimals)" + hint_en,
        ) from None
    except (InvalidOperation, ValueError):  # pragma: no cover - Babel wraps these
        raise NumberProblem(cell, "giá trị không phải số", "not a number") from None


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def round_half_up(value: Decimal | float | int, places: int) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def format_number(value: Decimal | float | int, places: int = 0) -> str:
    """``1245200000`` -> ``1.245.200.000``; ``65.4285`` (places=2) -> ``65,43``."""
    rounded = round_half_up(value, places)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(rounded, format=pattern, locale=LOCALE, decimal_quantization=False)


def format_plain(value: Decimal | float | int | None) -> str:
    """A figure as a clerk reads it: ``429341740.0`` -> ``429.341.740``, ``12.5`` -> ``12,5`` (up to two
    decimals, none for a whole number); never ``4.29342e+07``. None -> ``—``."""
    if value is None or value != value:
        return "—"
    rounded = round_half_up(value, 2)
    places = (
        0
        if rounded == rounded.to_integral_value()
        else (1 if (rounded * 10) == (rounded * 10).to_integral_value() else 2)
    )
    return format_number(rounded, places)


def format_count(value: int | Decimal, pad: bool = True) -> str:
    """Counts in running text: below ten with a leading zero (``04``)."""
    number = int(value)
    if pad and 0 <= number < 10:
        return f"{number:02d}"
    return format_number(number)
