"""Dated administrative units and the transitions between them, as the reference data holds them.

A unit is the official code *and* the dates it was valid: ``01969`` is thị trấn Phủ Thông of huyện
Bạch Thông until 30/6/2025 and xã Phủ Thông of tỉnh Thái Nguyên from 1/7/2025, two units. A period
is read through the units valid on its first day (:meth:`AdminUnit.valid_in`).

Files (``include/reference/``, written by ``giamngheo units import``, then editable by a deployment):

- ``units.csv``: ``code, valid_from, valid_to, name, kind, level, parent_code, legal_ref, aliases,
  email``; an empty ``valid_from`` is "since before the list" (the QĐ 124/2004 list names no start),
  an empty ``valid_to`` "still valid";
- ``transitions.csv``: ``predecessor, predecessor_from, successor, successor_from, share, effective,
  legal_ref``: ``share`` is ``whole`` (the predecessor went wholly into the successor) or ``part``
  (it was divided, this successor took a part of it).
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..periods import Period

KIND_LABEL = {
    "tinh": "Tỉnh",
    "thanh_pho_tw": "Thành phố",
    "huyen": "Huyện",
    "quan": "Quận",
    "thi_xa": "Thị xã",
    "thanh_pho": "Thành phố",
    "xa": "Xã",
    "phuong": "Phường",
    "thi_tran": "Thị trấn",
    "dac_khu": "Đặc khu",
}
LEVELS = ("province", "district", "commune")
OPEN_END = "9999-H2"  # the last period of a unit still valid

UNIT_COLUMNS = (
    "code",
    "valid_from",
    "valid_to",
    "name",
    "kind",
    "level",
    "parent_code",
    "legal_ref",
    "aliases",
    "report_name",
    "report_order",
    "email",
)
TRANSITION_COLUMNS = (
    "predecessor",
    "predecessor_from",
    "successor",
    "successor_from",
    "share",
    "effective",
    "legal_ref",
)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class OrgUnit:
    """One official unit over the dates it was valid (``valid_from``/``valid_to`` inclusive, None: open)."""

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    aliases: tuple[str, ...] = ()
    email: str = ""  # where mail for the unit goes (rejections of its files), optional
    valid_from: date | None = None
    valid_to: date | None = None
    legal_ref: str = ""
    report_name: str = ""  # the name the deployment's documents print, when not the official one
    report_order: int | None = None  # where its documents list it among its siblings (None: by code)

    @property
    def printed(self) -> str:
        """The name a report prints (``report_name``, else the official name)."""
        return self.report_name or self.name

    @property
    def listing_key(self) -> tuple[int, str]:
        """How documents order units: the deployment's ``report_order``, then the code."""
        return (self.report_order if self.report_order is not None else 1_000_000, self.code)

    @property
    def key(self) -> tuple[str, str]:
        """What tells two units with one code apart: the code and the first day."""
        return self.code, self.valid_from.isoformat() if self.valid_from else ""

    @property
    def kind_label(self) -> str:
        return KIND_LABEL.get(self.kind, "")

    @property
    def full_name(self) -> str:
        return f"{self.kind_label} {self.name}".strip()

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def valid_in(self, period: Period) -> bool:
        """A period belongs to the units valid on its first day."""
        return self.valid_on(period.start)

    @property
    def first_period(self) -> str:
        """The first period read through this unit (its first day on or after ``valid_from``)."""
        if self.valid_from is None:
            return "0000-H1"
        start = Period.containing(self.valid_from)
        return str(start if start.start >= self.valid_from else _next(start))

    @property
    def last_period(self) -> str:
        """The last period read through this unit (its first day on or before ``valid_to``)."""
        return OPEN_END if self.valid_to is None else str(Period.containing(self.valid_to))

    @property
    def ended_label(self) -> str:
        """ "01/7/2025": the first day it no longer holds, as a Vietnamese date."""
        if self.valid_to is None:
            return ""
        from datetime import timedelta

        after = self.valid_to + timedelta(days=1)
        return f"{after.day:02d}/{after.month}/{after.year}"


def _next(period: Period) -> Period:
    return Period(period.year, 2) if period.half == 1 else Period(period.year + 1, 1)


@dataclass(frozen=True)
class Transition:
    """One edge of a reorganisation: a predecessor went (wholly or in part) into a successor."""

    predecessor: tuple[str, str]  # (code, valid_from) of the unit that ended
    successor: tuple[str, str]  # (code, valid_from) of the unit that took it over
    share: str  # "whole" | "part"
    effective: date
    legal_ref: str = ""


def read_units(path: Path) -> list[OrgUnit]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            OrgUnit(
                code=row["code"].strip(),
                name=unicodedata.normalize("NFC", row["name"].strip()),
                level=row["level"],
                kind=row["kind"],
                parent_code=(row.get("parent_code") or "").strip() or None,
                aliases=tuple(
                    unicodedata.normalize("NFC", a.strip()) for a in (row.get("aliases") or "").split("|") if a.strip()
                ),
                email=(row.get("email") or "").strip(),
                valid_from=_day(row.get("valid_from")),
                valid_to=_day(row.get("valid_to")),
                legal_ref=(row.get("legal_ref") or "").strip(),
                report_name=unicodedata.normalize("NFC", (row.get("report_name") or "").strip()),
                report_order=int(row["report_order"]) if (row.get("report_order") or "").strip() else None,
            )
            for row in csv.DictReader(fh)
        ]


def write_units(path: Path, units: list[OrgUnit]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(UNIT_COLUMNS)
        for u in units:
            writer.writerow(
                [
                    u.code,
                    u.valid_from.isoformat() if u.valid_from else "",
                    u.valid_to.isoformat() if u.valid_to else "",
                    u.name,
                    u.kind,
                    u.level,
                    u.parent_code or "",
                    u.legal_ref,
                    "|".join(u.aliases),
                    u.report_name,
                    "" if u.report_order is None else u.report_order,
                    u.email,
                ]
            )


def read_transitions(path: Path) -> list[Transition]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Transition(
                predecessor=(row["predecessor"], row["predecessor_from"] or ""),
                successor=(row["successor"], row["successor_from"] or ""),
                share=row["share"],
                effective=date.fromisoformat(row["effective"]),
                legal_ref=row.get("legal_ref") or "",
            )
            for row in csv.DictReader(fh)
        ]


def write_transitions(path: Path, transitions: list[Transition]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(TRANSITION_COLUMNS)
        for t in transitions:
            writer.writerow([*t.predecessor, *t.successor, t.share, t.effective.isoformat(), t.legal_ref])
