"""Who sends each form, dated: the reference data's ``senders.csv``.

Up to 2025-H1 the district's offices sent the sector forms (Trung tâm Y tế huyện, Phòng GD&ĐT,
NHCSXH huyện) and each commune its own; after the reform the province's offices send them for the
province, and each commune its own form. The bundled post-reform rows are an assumption for the
deployment to confirm (their ``note`` says so).

Columns: ``form, unit, sender, valid_from, valid_to, email, note``. ``unit`` is the reporting unit the
sender reports to (a code), or ``*`` for any. A form is expected of a reporting unit in a period when
a sender of it is valid then; completeness counts only those.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..periods import Period


@dataclass(frozen=True)
class Sender:
    form: str
    unit: str  # the reporting unit's code, or "*"
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    email: str = ""
    note: str = ""

    def valid_in(self, period: Period) -> bool:
        day = period.start
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


def read_senders(path: Path) -> list[Sender]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Sender(
                form=row["form"].strip(),
                unit=row["unit"].strip() or "*",
                name=row["sender"].strip(),
                valid_from=date.fromisoformat(row["valid_from"]) if row.get("valid_from") else None,
                valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
                email=(row.get("email") or "").strip(),
                note=(row.get("note") or "").strip(),
            )
            for row in csv.DictReader(fh)
        ]


def senders_of(senders: list[Sender], form: str, unit: str, period: Period) -> list[Sender]:
    """The senders of ``form`` to reporting unit ``unit`` in ``period`` (a unit's own rows before ``*``)."""
    valid = [s for s in senders if s.form == form and s.valid_in(period)]
    own = [s for s in valid if s.unit == unit]
    return own or [s for s in valid if s.unit == "*"]
