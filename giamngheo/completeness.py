"""Is a period complete? Every expected slice received, and no rejection outstanding.

The ledger records, for every received file, the slices it covers: (form,
period, district, commune). The rules, in ``include/sql/query/``:

- a slice is **covered** when an accepted file covers it (``covered_slices.sql``);
  ``expected`` in forms.yaml says which slices a complete period holds: every
  commune for the sector forms and each commune's own form, at least one
  accepted file for ``models``. The communes counted are those valid on the
  period's first day, and a form is expected only when a sender of it is valid
  then (``senders.csv``): the missing entry names that sender;
- a **rejection** of a slice is outstanding until a *later* accepted file
  covers that same slice (``rejected_slices.sql``); another commune's
  correction does not answer it. A file whose communes could not be read
  (unreadable, no header…) covers the slice ``''``: it is answered by a later
  accepted file of the same form with the same name (the unit re-sent it), or
  by one covering every commune of the district.

DỰ THẢO, the report's appendix, ``make run``'s exit status and the
Submissions page all read these two queries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .forms import Form
from .periods import Period, local_time
from .reference import OrgUnit
from .units import Sender, senders_of


@dataclass
class Completeness:
    missing: list[dict] = field(default_factory=list)  # {form, form_label, units: [names], senders: [names]}
    rejected: list[dict] = field(default_factory=list)  # outstanding: {form, file, arrival, communes, reasons}

    @property
    def complete(self) -> bool:
        return not self.missing and not self.rejected


UNREADABLE = "(chưa đọc được xã / communes unreadable)"  # a rejected file whose communes could not be read


def rejections(warehouse, period: Period, district: str) -> list[dict]:
    """Every rejected file of a district's period, newest first within a form, with its slices: which
    communes it covers, which are still outstanding, and the files that answered the others."""
    files: dict[str, dict] = {}
    for row in warehouse.query("query/rejected_slices", period=str(period), unit=district):
        entry = files.setdefault(
            row["id"],
            {
                "id": row["id"],
                "form": row["form"],
                "file": row["file_name"],
                "arrival_at": row["arrival_at"],
                "version": row["version"],
                "messages": row["messages"],
                "processed_by": row["processed_by"],
                "docs_path": row["docs_path"],
                "feedback_path": row["feedback_path"],
                "archive_path": row["archive_path"],
                "communes": [],
                "outstanding": [],
                "outstanding_codes": [],
                "answered_by": [],
            },
        )
        name = row["unit_name"] or UNREADABLE
        entry["communes"].append(name)
        if row["answered_by"] is None:
            entry["outstanding"].append(name)
            entry["outstanding_codes"].append(row["org_unit"])
        elif row["answered_by"] not in entry["answered_by"]:
            entry["answered_by"].append(row["answered_by"])
    for entry in files.values():
        entry["is_outstanding"] = bool(entry["outstanding"])
    return list(files.values())


def outstanding_rejections(warehouse, period: Period, district: str) -> list[dict]:
    return [entry for entry in rejections(warehouse, period, district) if entry["is_outstanding"]]


def check_completeness(
    warehouse,
    period: Period,
    forms: dict[str, Form],
    communes: list[OrgUnit],
    district: str,
    senders: list[Sender] | None = None,
    only_communes: bool = False,
) -> Completeness:
    """What a reporting unit's period lacks. ``communes`` are its communes valid in the period; with
    ``senders`` (the reference data's), a form nobody is to send in the period is not expected.
    ``only_communes``: a commune's own report, whose files are ``district``'s: only the rejections
    still outstanding for ``communes`` count."""
    covered: dict[str, set[str]] = {}
    for row in warehouse.query("query/covered_slices", period=str(period), unit=district):
        covered.setdefault(row["form"], set()).add(row["org_unit"])
    result = Completeness()
    ordered = sorted(communes, key=lambda u: u.listing_key)
    for form in forms.values():
        who = senders_of(senders, form.code, district, period) if senders is not None else None
        if who is not None and not who:
            continue  # nobody sends this form in this period
        named = [s.name for s in who or []]
        have = covered.get(form.code, set())
        if form.expected == "one_file":
            if not have:
                result.missing.append({"form": form.code, "form_label": form.label, "units": [], "senders": named})
            continue
        lacking = [u.full_name for u in ordered if u.code not in have]
        if lacking:
            result.missing.append({"form": form.code, "form_label": form.label, "units": lacking, "senders": named})
    codes = {u.code for u in communes}
    outstanding = [
        e
        for e in outstanding_rejections(warehouse, period, district)
        if not only_communes or codes & set(e["outstanding_codes"])
    ]
    for entry in sorted(outstanding, key=lambda e: (e["form"], e["arrival_at"], e["file"])):
        problems = json.loads(entry["messages"] or "[]")
        reasons = [_reason(p) for p in problems[:3]]
        if len(problems) > 3:
            reasons.append(f"… và {len(problems) - 3} lỗi khác")
        result.rejected.append(
            {
                "form": entry["form"],
                "form_label": forms[entry["form"]].label,
                "file": entry["file"],
                "arrival": local_time(entry["arrival_at"]),
                "communes": ", ".join(entry["outstanding"]),
                "reasons": reasons,
            }
        )
    return result


def _reason(problem: dict) -> str:
    where = []
    if problem.get("row") is not None:
        where.append(f"dòng {problem['row']}")
    if problem.get("column"):
        where.append(f"cột {problem['column']}")
    if problem.get("value") not in (None, ""):
        where.append(f"giá trị '{problem['value']}'")
    prefix = ", ".join(where)
    return f"{prefix}: {problem['message_vi']}" if prefix else problem["message_vi"]
