"""Reference data of a deployment: dated units and their transitions, who sends each form, category
codes, and the form registry (``include/reference/`` or ``GIAMNGHEO_REFERENCE_DIR``).

The units and names live in :mod:`giamngheo.units`; this module reads the files once per process and
hands every stage one :class:`ReferenceData`.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .periods import Period
from .units import (
    OrgUnit,
    Sender,
    UnitNameError,
    UnitResolver,
    UnitTree,
    is_total_label,
    loose_key,
    read_senders,
    read_transitions,
    read_units,
    split_kind,
    strip_diacritics,
)

__all__ = [
    "Category",
    "OrgUnit",
    "ReferenceData",
    "UnitNameError",
    "UnitResolver",
    "categories",
    "is_total_label",
    "loose_key",
    "org_units",
    "split_kind",
    "strip_diacritics",
    "unit_tree",
]


@dataclass(frozen=True)
class Category:
    dimension: str
    code: str
    label: str
    legal_basis: str


def load_categories(reference_dir: Path) -> list[Category]:
    with open(Path(reference_dir) / "categories.csv", encoding="utf-8", newline="") as fh:
        return [
            Category(**{k: unicodedata.normalize("NFC", v or "") for k, v in row.items()}) for row in csv.DictReader(fh)
        ]


@lru_cache(maxsize=4)
def org_units(reference_dir: Path) -> tuple[OrgUnit, ...]:
    """Every unit of the reference data, of every date."""
    return tuple(read_units(Path(reference_dir) / "units.csv"))


@lru_cache(maxsize=4)
def unit_tree(reference_dir: Path) -> UnitTree:
    return UnitTree(org_units(reference_dir), read_transitions(Path(reference_dir) / "transitions.csv"))


@lru_cache(maxsize=4)
def senders(reference_dir: Path) -> tuple[Sender, ...]:
    return tuple(read_senders(Path(reference_dir) / "senders.csv"))


@lru_cache(maxsize=4)
def categories(reference_dir: Path) -> tuple[Category, ...]:
    return tuple(load_categories(reference_dir))


@dataclass(frozen=True)
class ReferenceData:
    """What every step needs of the reference data."""

    forms: dict
    units: list[OrgUnit]
    categories: list[Category]
    tree: UnitTree
    senders: list[Sender]
    standards: list = field(default_factory=list)  # standards.PovertyStandard, dated

    @classmethod
    def load(cls, reference_dir: Path) -> ReferenceData:
        from .forms import registry
        from .standards import read_standards

        return cls(
            registry(reference_dir),
            list(org_units(reference_dir)),
            list(categories(reference_dir)),
            unit_tree(reference_dir),
            list(senders(reference_dir)),
            read_standards(Path(reference_dir) / "poverty_standards.csv"),
        )

    def communes_of(self, code: str, period: Period) -> list[OrgUnit]:
        """The communes unit ``code`` consolidates in ``period`` (empty: the unit does not exist then)."""
        return self.tree.communes_of(code, period)

    def unit(self, code: str, period: Period) -> OrgUnit | None:
        return self.tree.unit(code, period)

    def names_in(self, period: Period) -> dict[str, str]:
        """Code -> name of every unit valid in ``period``."""
        return {u.code: u.name for u in self.units if u.valid_in(period)}
