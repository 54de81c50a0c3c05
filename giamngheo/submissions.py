"""What the Submissions page shows: units × forms for a period, from the ledger and the facts.

Everything comes from the ledger's slices (see :mod:`giamngheo.completeness`).
A cell (commune × form) is **accepted** (the latest accepted file covering the
slice, its version and arrival; earlier versions it **superseded** are
counted), or **missing**, and is flagged while a rejection of that slice is
outstanding. Rejected files, which load no rows, are listed with the communes
they cover, their messages, whether a later accepted file answered them, and
what the unit must do. Every file links to the Airflow task instance that
processed it.

**Completeness at a glance**: per form, how many of the expected submissions
(one per commune, or one file for ``expected: one_file``) have an accepted
file, and whether the first accepted file of each arrived by the form's
deadline (``due_days`` after the period's last day, in forms.yaml): on time
or late; a slice still missing after its deadline is overdue.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from .completeness import UNREADABLE, rejections
from .forms import Form
from .numbers import format_plain
from .periods import Period, local_date, local_time, local_today
from .reference import OrgUnit

PAGE_PREFIX = "/giamngheo"  # where Airflow's API server mounts the Submissions page (plugins/submissions_view.py)

STATES = {  # a cell's state, Vietnamese first
    "accepted": "đã nhận / accepted",
    "missing": "chưa nộp / missing",
    "none": "—",
}
TIMELINESS = {
    "on_time": "đúng hạn / on time",
    "late": "nộp muộn / late",
    "overdue": "quá hạn / overdue",
    "awaited": "chưa đến hạn / not yet due",
    None: "",
}


def submission_links(ui_base: str, submission_id: str) -> dict[str, str]:
    """The addresses, in the Airflow UI, of a received file as sent and of its Data Docs page."""
    root = f"{ui_base.rstrip('/')}{PAGE_PREFIX}"
    return {
        "archive": f"{root}/archive/{submission_id}",
        "docs": f"{root}/docs/{submission_id}",
        "feedback": f"{root}/feedback/{submission_id}",
    }


def report_link(ui_base: str, district: str, period: str, relative: str) -> str:
    """The address, in the Airflow UI, of a file under the district's ``reports/<period>/``."""
    return f"{ui_base.rstrip('/')}{PAGE_PREFIX}/reports/{period}/{relative}?district={district}"


class UnknownDistrict(LookupError):
    pass


def page_data(deployment, warehouse, period: str | None = None, district: str | None = None) -> dict:
    """What the page shows: the periods in the ledger, the deployment's districts (a selector when it runs
    several), and the matrix of the chosen (or newest) period for the chosen (or first) district."""
    if district is not None and district not in deployment.districts:
        raise UnknownDistrict(f"không có huyện / no such district: {district}")
    district = district or deployment.districts[0]
    chosen = Period.parse(period) if period is not None else None  # PeriodError for a bad query
    page: dict = {"periods": [], "period": None, "districts": deployment.districts, "unit": district}
    page["matrix"], page["templates"], page["warnings"] = None, [], []
    if warehouse.revision() is None:  # no warehouse yet: nothing received (any other error is raised)
        return page
    page["periods"] = periods(warehouse)
    if chosen is None and page["periods"]:
        chosen = Period.parse(page["periods"][0])
    if chosen is None:
        return page
    page["period"] = str(chosen)
    page["unit_names"] = {
        code: (unit.full_name if (unit := deployment.reference.unit(code, chosen)) else f"{code} (không có trong kỳ)")
        for code in deployment.districts
    }
    folder = "inbox/" + (f"{district}/" if deployment.settings.keyed else "") + "{period}/{form}/"
    page["matrix"] = submissions_matrix(
        warehouse,
        deployment.forms,
        deployment.communes_of(district, chosen),
        chosen,
        inbox_folder=folder,
        district=district,
    )
    # since the reform each commune compiles its own report: a link from its row once it is drafted
    unit_settings = deployment.district_settings(district)
    for row in page["matrix"]["units"]:
        own = unit_settings.for_district(row["code"], commune_of=district).reports_dir / str(chosen)
        drafted = sorted(own.glob("*.docx")) if row["code"] != district else []
        row["report"] = drafted[0].name if drafted else ""
    page["warnings"] = [
        {
            **w,
            "subject_label": subject_label(w["subject"], deployment.forms),
            "value_text": format_plain(w["value"]),
            "verified_at_local": local_time(w["verified_at"]) if w["verified_at"] else "",
        }
        for w in warehouse.query("query/quality_warnings", unit=district, period=chosen)
    ]
    page["templates"] = [
        {
            "form": t["form"],
            "form_label": deployment.forms[t["form"]].label if t["form"] in deployment.forms else t["form"],
            "unit": t["unit_name"] or "",
            "name": Path(t["file_path"]).name,
        }
        for t in warehouse.query("query/unit_templates", unit=district, period=chosen)
    ]
    page["approval"] = approval_state(warehouse, district, chosen)
    return page


ACTIONS = {
    "requested": "gửi phê duyệt / put to approval",
    "approved": "phê duyệt / approved",
    "sent_back": "trả lại / sent back",
    "superseded": "yêu cầu thay thế (số liệu đổi) / request superseded (figures changed)",
    "locked": "khóa kỳ / period locked",
    "held": "giữ tệp (kỳ đã khóa) / file held (period locked)",
    "reopened": "mở lại kỳ / period reopened",
    "released": "đưa tệp giữ lại vào số liệu / held file published",
}


def approval_state(warehouse, district: str, period: Period) -> dict:
    """The period's approval: locked or open, the request waiting, the finals (with their files, relative to
    ``reports/<period>/``), the files held and the audit trail, times in Vietnam's."""
    import json

    from .periods import local_time

    def rows(name: str) -> list[dict]:  # an error is raised: the page must not say "not locked" when unsure
        return warehouse.query(name, unit=district, period=period)

    lock = rows("query/period_lock")
    requests = rows("query/approval_requests")
    finals = []
    for final in rows("query/report_finals"):
        folder = Path(final["folder"])
        files = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        finals.append(
            {
                "version": final["version"],
                "so_van_ban": final["so_van_ban"],
                "ngay_ky": final["ngay_ky"],
                "approved_by": final["approved_by"],
                "approved_at": local_time(final["approved_at"]),
                "files": [f"final/{folder.name}/{name}" for name in files],
            }
        )
    return {
        "locked": bool(lock and lock[0]["locked"]),
        "waiting": [{**r, "requested_at": local_time(r["requested_at"])} for r in requests if r["status"] == "waiting"],
        "last_answer": next(
            ({**r, "answered_at": local_time(r["answered_at"])} for r in requests if r["status"] == "sent_back"), None
        ),
        "finals": finals,
        "held": [
            {
                **h,
                "arrival": local_time(h["arrival_at"]),
                "released": local_time(h["released_at"]) if h["released_at"] else "",
            }
            for h in rows("query/held_submissions")
        ],
        "trail": [
            {
                **e,
                "at": local_time(e["at"]),
                "label": ACTIONS.get(e["action"], e["action"]),
                "details": json.loads(e["details"] or "{}"),
            }
            for e in rows("query/audit_trail")
        ],
    }


def subject_label(subject: str, forms: dict[str, Form]) -> str:
    """``health.the_bhyt_ho_ngheo`` as the clerk reads it: the column's label (terms joined by +)."""
    from .quality import FIGURE

    def label(match) -> str:
        form, code, category = match.group(1), match.group(2), match.group(3)
        try:
            text = forms[form].column(code).label
        except KeyError:
            return match.group(0)
        return f"{text} ({category})" if category else text

    return FIGURE.sub(label, subject)


def periods(warehouse) -> list[str]:
    return [row["period"] for row in warehouse.query("query/periods")]


def timeliness(first_arrival_iso: str | None, due: date | None, today: date) -> str | None:
    """``on_time``/``late`` for a received slice (its first accepted file against the deadline),
    ``overdue``/``awaited`` for a missing one; None when the form has no deadline."""
    if due is None:
        return None
    if first_arrival_iso is None:
        return "overdue" if today > due else "awaited"
    return "on_time" if local_date(first_arrival_iso) <= due else "late"


def what_to_do(rejected: dict, form: Form, inbox_folder: str) -> str:
    """The next step for a rejected file, Vietnamese then English."""
    if not rejected["outstanding"]:
        return (
            f"Không cần làm gì: đã được thay bằng {', '.join(rejected['answered_by'])}. / "
            "Nothing to do: a later accepted file answered it."
        )
    unreadable = [c for c in rejected["outstanding"] if c == UNREADABLE]
    named = [c for c in rejected["outstanding"] if c != UNREADABLE]
    if named:
        send_vi, send_en = f"gửi lại tệp cho {', '.join(named)}", f"sends the file for {', '.join(named)} again"
    else:  # nothing in the file could be read: the whole file is sent again
        send_vi, send_en = f"gửi lại tệp {rejected['file']}", f"sends the file {rejected['file']} again"
    marked_vi = marked_en = ""
    cells = any(p.get("row") is not None for p in json.loads(rejected.get("messages") or "[]"))
    if rejected.get("feedback_path") and cells and not unreadable:
        marked_vi = " (có thể sửa ngay các ô tô đỏ, có ghi chú, trong tệp đánh dấu lỗi rồi gửi lại tệp đó)"
        marked_en = " (the red cells of the marked-up file, with their comments, can be corrected in place)"
    return (
        f"{form.label} sửa các lỗi nêu dưới đây{marked_vi} rồi {send_vi} vào {inbox_folder}; "
        "tệp đúng gửi sau sẽ thay thế tệp này. / "
        f"The sender corrects the problems below{marked_en} and {send_en} to "
        f"{inbox_folder}; a later accepted file answers this rejection."
    )


def problem_text(problem: dict, labels: dict[str, str]) -> str:
    """One problem as the page shows it: both languages, the column by the label the clerk sees."""
    text = f"{problem.get('message_vi')} / {problem.get('message_en')}"
    if problem.get("row") is not None or problem.get("column"):
        where = []
        if problem.get("row") is not None:
            where.append(f"dòng/row {problem['row']}")
        if problem.get("column"):
            column = problem["column"]
            where.append(f"cột/column '{labels[column]}' ({column})" if column in labels else f"cột/column {column}")
        if problem.get("value") not in (None, ""):
            where.append(f"giá trị/value '{problem['value']}'")
        text += f" ({', '.join(where)})"
    return text


def submissions_matrix(
    warehouse,
    forms: dict[str, Form],
    communes: list[OrgUnit],
    period: Period,
    inbox_folder: str = "inbox/{period}/{form}/",
    today: date | None = None,
    district: str | None = None,
) -> dict:
    """The page's data for one reporting unit's period (``communes``: its communes valid then).
    ``inbox_folder`` is where its units put their files (with ``{period}`` and ``{form}`` to fill in);
    ``today`` (Vietnam) decides overdue."""
    today = today or local_today()
    if district is None:  # communes of one parent: that parent
        parents = {u.parent_code for u in communes}
        if len(parents) != 1 or None in parents:
            raise ValueError("submissions_matrix: name the reporting unit (its communes have several parents)")
        district = str(parents.pop())
    cells = {
        (r["form"], r["org_unit"]): r for r in warehouse.query("query/submission_cells", period=period, unit=district)
    }
    received = rejections(warehouse, period, district)
    flagged = {(r["form"], code) for r in received for code in r["outstanding_codes"]}
    due = {code: (period.due(f.due_days) if f.due_days is not None else None) for code, f in forms.items()}
    units: list[dict] = []
    for unit in sorted(communes, key=lambda u: u.listing_key):
        row_cells: dict[str, dict] = {}
        row = {"code": unit.code, "name": unit.full_name, "cells": row_cells}
        for form in forms.values():
            found = cells.get((form.code, unit.code))
            if found is None:  # a form expected once per period (models) is not missing per commune
                state = "missing" if form.expected == "each_commune" else "none"
                cell: dict = {
                    "state": state,
                    "timeliness": timeliness(None, due[form.code], today) if state == "missing" else None,
                }
            else:
                cell = {
                    "state": "accepted",
                    "id": found["submission_id"],
                    "archived": bool(found["archive_path"]),
                    "file": found["file_name"],
                    "version": found["version"],
                    "arrival": local_time(found["arrival_at"]),
                    "first_arrival_at": found["first_arrival_at"],
                    "timeliness": timeliness(found["first_arrival_at"], due[form.code], today),
                    "link": found["processed_by"],
                    "superseded": int(found["superseded"]),
                }
            cell["state_text"] = STATES[cell["state"]]
            cell["timeliness_text"] = TIMELINESS[cell["timeliness"]]
            cell["rejection_outstanding"] = (form.code, unit.code) in flagged
            row_cells[form.code] = cell
        units.append(row)
    rejected = []
    for r in received:
        form = forms[r["form"]]
        labels = {c.code: c.label for c in form.columns}
        folder = inbox_folder.format(period=period, form=form.code)
        problems = json.loads(r["messages"] or "[]")
        rejected.append(
            {
                "id": r["id"],
                "form": r["form"],
                "form_label": form.label,
                "file": r["file"],
                "version": r["version"],
                "archived": bool(r["archive_path"]),
                "docs": bool(r["docs_path"]),
                "feedback": bool(r["feedback_path"]),
                "arrival": local_time(r["arrival_at"]),
                "link": r["processed_by"],
                "communes": r["communes"],
                "outstanding": r["outstanding"],
                "answered_by": r["answered_by"],
                "to_do": what_to_do(r, form, folder),
                "messages": [problem_text(p, labels) for p in problems],
            }
        )
    completeness = form_completeness(forms, units, due, flagged, today)
    counts = {"accepted": 0, "missing": 0, "none": 0}
    for unit_row in units:
        for cell in unit_row["cells"].values():
            counts[cell["state"]] += 1
    outstanding = sum(1 for r in rejected if r["outstanding"])
    return {
        "period": str(period),
        "unit": district,
        "today": today.isoformat(),
        "forms": [
            {
                "code": f.code,
                "label": f.label,
                "title": f.title,
                "due": _day(due[f.code]),
            }
            for f in forms.values()
        ],
        "units": units,
        "rejected": rejected,
        "completeness": completeness,
        "counts": {
            **counts,
            "rejected": len(rejected),
            "outstanding": outstanding,
            "expected": sum(c["expected"] for c in completeness),
            "received": sum(c["received"] for c in completeness),
            "on_time": sum(c["on_time"] for c in completeness),
            "late": sum(c["late"] for c in completeness),
        },
    }


def form_completeness(forms: dict[str, Form], units: list[dict], due: dict, flagged: set, today: date) -> list[dict]:
    """Per form: x of y expected submissions received, how many on time and late, and overdue."""
    summary = []
    for form in forms.values():
        cells = [u["cells"][form.code] for u in units]
        accepted = [c for c in cells if c["state"] == "accepted"]
        if form.expected == "one_file":  # one accepted file is the whole expectation
            expected, received = 1, min(1, len(accepted))
            first = min((c["first_arrival_at"] for c in accepted), default=None)
            state = timeliness(first, due[form.code], today)
            on_time, late, overdue = int(state == "on_time"), int(state == "late"), int(state == "overdue")
        else:
            expected, received = len(cells), len(accepted)
            on_time = sum(1 for c in accepted if c["timeliness"] == "on_time")
            late = sum(1 for c in accepted if c["timeliness"] == "late")
            overdue = sum(1 for c in cells if c["timeliness"] == "overdue")
        summary.append(
            {
                "form": form.code,
                "label": form.label,
                "due": _day(due[form.code]),
                "expected": expected,
                "received": received,
                "on_time": on_time,
                "late": late,
                "overdue": overdue,
                "flagged": sum(1 for f, _ in flagged if f == form.code),
            }
        )
    return summary


def _day(day: date | None) -> str | None:
    return day.strftime("%d/%m/%Y") if day else None
