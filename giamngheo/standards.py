"""The poverty standard (chuẩn nghèo) of a period: dated reference data, ``poverty_standards.csv``.

Who counts as a poor household depends on the standard in force: NĐ 07/2021/NĐ-CP (as amended by NĐ
30/2025/NĐ-CP) for 2022–2026, NĐ 351/2025/NĐ-CP for 2027–2030. A period is read under the standard in
force on its first day. A count of poor households compared across two standards compares unlike
things: the report names the standard and marks such a comparison.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .numbers import format_count
from .periods import Period


@dataclass(frozen=True)
class PovertyStandard:
    code: str
    valid_from: date
    valid_to: date | None
    legal: str  # how a document names it
    rural: int  # income per person per month, đồng, at or below which a rural household is poor
    urban: int
    legal_ref: str = ""

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def context(self) -> dict:
        """What the report prints: ``legal``, and the thresholds as ``1.500.000``."""
        return {
            "code": self.code,
            "legal": self.legal,
            "rural": format_count(self.rural),
            "urban": format_count(self.urban),
        }


def read_standards(path: Path) -> list[PovertyStandard]:
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            PovertyStandard(
                code=row["code"].strip(),
                valid_from=date.fromisoformat(row["valid_from"]),
                valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
                legal=row["legal"].strip(),
                rural=int(row["rural"]),
                urban=int(row["urban"]),
                legal_ref=(row.get("legal_ref") or "").strip(),
            )
            for row in csv.DictReader(fh)
        ]


def standard_of(standards: list[PovertyStandard], period: Period) -> PovertyStandard | None:
    """The standard in force on the period's first day (None: the reference data holds none)."""
    return next((s for s in standards if s.in_force(period.start)), None)


def standard_changed(standards: list[PovertyStandard], earlier: Period, period: Period) -> bool:
    """Whether two periods are read under different standards (both known, and not the same)."""
    a, b = standard_of(standards, earlier), standard_of(standards, period)
    return a is not None and b is not None and a.code != b.code
