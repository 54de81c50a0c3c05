"""Is a period complete? Every expected submission received and accepted.

Expectations come from the form registry (``expected`` in forms.yaml): the
district units' forms and each commune's own form must cover every commune;
``models`` needs at least one accepted file. Rejected files that no later
accepted file of the same form answered are outstanding too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .forms import Form
from .reference import OrgUnit, district_of


@dataclass
class Completeness:
    missing: list[dict] = field(default_factory=list)  # {form, form_label, units: [names]}
    rejected: list[dict] = field(default_factory=list)  # {form, file, arrival, reasons: [text]}

    @property
    def complete(self) -> bool:
        return not self.missing and not self.rejected


def check_completeness(warehouse, period: str, forms: dict[str, Form], communes: list[OrgUnit]) -> Completeness:
    district = district_of(communes)
    covered: dict[str, set[str]] = {}
    for row in warehouse.query("query/covered_units", period=str(period), district=district):
        covered.setdefault(row["form"], set()).add(row["org_unit"])
    result = Completeness()
    ordered = sorted(communes, key=lambda u: u.code)
    for form in forms.values():
        have = covered.get(form.code, set())
        if form.expected == "one_file":
            if not have:
                result.missing.append({"form": form.code, "form_label": form.label, "units": []})
            continue
        lacking = [u.full_name for u in ordered if u.code not in have]
        if lacking:
            result.missing.append({"form": form.code, "form_label": form.label, "units": lacking})
    for row in warehouse.query("query/outstanding_rejections", period=str(period), district=district):
        problems = json.loads(row["messages"] or "[]")
        reasons = [_reason(p) for p in problems[:3]]
        if len(problems) > 3:
            reasons.append(f"… và {len(problems) - 3} lỗi khác")
        result.rejected.append({"form": row["form"], "form_label": forms[row["form"]].label,
                                "file": row["file_name"], "arrival": row["arrival_at"][:16].replace("T", " "),
                                "reasons": reasons})
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
