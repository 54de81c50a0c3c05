"""The form registry, loaded from ``include/reference/forms.yaml``.

Readers, the GX suites and the warehouse's indicator catalogue are derived
from these definitions, so that a new column is added in one place.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

FIGURE_TYPES = ("count", "vnd", "million_vnd", "percent", "kg")
# digits after the decimal comma a figure type accepts unless the column says otherwise
DEFAULT_DECIMALS = {"count": 0, "vnd": 0, "million_vnd": 3, "percent": 2, "kg": 1}


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    type: str
    kind: str | None = None  # flow | stock, for figures
    dimension: str | None = None  # for categories
    rules: dict = field(default_factory=dict)

    @property
    def is_figure(self) -> bool:
        return self.type in FIGURE_TYPES

    @property
    def optional(self) -> bool:
        return bool(self.rules.get("optional")) or "only_for" in self.rules or "empty_for" in self.rules

    @property
    def max_decimals(self) -> int:
        return int(self.rules.get("max_decimals", DEFAULT_DECIMALS.get(self.type, 0)))


@dataclass(frozen=True)
class Form:
    code: str
    label: str
    title: str
    grain: tuple[str, ...]
    columns: tuple[Column, ...]
    expected: str = "each_commune"  # each_commune | one_file: what a complete period holds
    due_days: int | None = None  # the deadline: days after the period's last day (None: no deadline)
    sender: str = "office"  # commune | office: who sends it (a commune its own; an office for all communes)

    def column(self, code: str) -> Column:
        for col in self.columns:
            if col.code == code:
                return col
        raise KeyError(f"form {self.code} has no column {code}")

    @property
    def figures(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_figure)

    @property
    def category_column(self) -> Column | None:
        return next((c for c in self.columns if c.type == "category" and c.code in self.grain), None)

    @property
    def item_column(self) -> Column | None:
        return next((c for c in self.columns if c.type == "text" and c.code in self.grain), None)

    @property
    def attribute_columns(self) -> tuple[Column, ...]:
        """Category columns outside the grain (stored with each fact)."""
        return tuple(c for c in self.columns if c.type == "category" and c.code not in self.grain)


_RULE_KEYS = {
    "min",
    "gt",
    "max",
    "le",
    "le_difference",
    "zero_when_zero",
    "only_for",
    "empty_for",
    "optional",
    "max_length",
    "max_decimals",
}


def header_key(text: object) -> str:
    """How header cells are compared: NFC, case-folded, single spaces."""
    return _header_key(str(text))


@lru_cache(maxsize=1 << 14)
def _header_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _column(raw: dict) -> Column:
    rules = {k: v for k, v in raw.items() if k in _RULE_KEYS}
    unknown = set(raw) - _RULE_KEYS - {"code", "label", "type", "kind", "dimension"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} in column {raw.get('code')}")
    return Column(
        code=raw["code"],
        label=raw["label"],
        type=raw["type"],
        kind=raw.get("kind"),
        dimension=raw.get("dimension"),
        rules=rules,
    )


def load_forms(path: Path) -> dict[str, Form]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    forms = {}
    for code, raw in data["forms"].items():
        forms[code] = Form(
            code=code,
            label=raw["label"],
            title=raw.get("title", raw["label"]),
            grain=tuple(raw["grain"]),
            columns=tuple(_column(c) for c in raw["columns"]),
            expected=raw.get("expected", "each_commune"),
            due_days=int(raw["due_days"]) if raw.get("due_days") is not None else None,
            sender=raw.get("sender", "office"),
        )
        if forms[code].sender not in ("commune", "office"):
            raise ValueError(f"forms.yaml: {code}: sender must be commune or office, not {forms[code].sender!r}")
    return forms


@lru_cache(maxsize=4)
def registry(reference_dir: Path | None = None) -> dict[str, Form]:
    if reference_dir is None:
        from .config import get_settings

        reference_dir = get_settings().reference_dir
    return load_forms(Path(reference_dir) / "forms.yaml")
