"""What the Submissions page shows: units × forms for a period, from the ledger and the facts.

Everything comes from the ledger's slices (see :mod:`giamngheo.completeness`).
A cell (commune × form) is **accepted** (the latest accepted file covering the
slice, its version and arrival; earlier versions it **superseded** are
counted), or **missing**, and is flagged while a rejection of that slice is
outstanding. Rejected files, which load no rows, are listed with the communes
they cover, their messages, and whether a later accepted file answered them.
Every file links to the Airflow task instance that processed it.
"""

from __future__ import annotations

import json

from .completeness import rejections
from .forms import Form
from .periods import Period, local_time
from .reference import OrgUnit, district_of


def periods(warehouse) -> list[str]:
    return [row["period"] for row in warehouse.query("query/periods")]


def submissions_matrix(warehouse, forms: dict[str, Form], communes: list[OrgUnit], period: Period) -> dict:
    district = district_of(communes)
    cells = {
        (r["form"], r["org_unit"]): r
        for r in warehouse.query("query/submission_cells", period=period, district=district)
    }
    received = rejections(warehouse, period, district)
    flagged = {(r["form"], code) for r in received for code in r["outstanding_codes"]}
    units: list[dict] = []
    for unit in sorted(communes, key=lambda u: u.code):
        row_cells: dict[str, dict] = {}
        row = {"code": unit.code, "name": unit.full_name, "cells": row_cells}
        for form in forms.values():
            found = cells.get((form.code, unit.code))
            if found is None:  # a form expected once per period (models) is not missing per commune
                cell: dict = {"state": "missing" if form.expected == "each_commune" else "none"}
            else:
                cell = {
                    "state": "accepted",
                    "id": found["submission_id"],
                    "archived": bool(found["archive_path"]),
                    "file": found["file_name"],
                    "version": found["version"],
                    "arrival": local_time(found["arrival_at"]),
                    "link": found["processed_by"],
                    "superseded": int(found["superseded"]),
                }
            cell["rejection_outstanding"] = (form.code, unit.code) in flagged
            row_cells[form.code] = cell
        units.append(row)
    rejected = []
    for r in received:
        problems = json.loads(r["messages"] or "[]")
        rejected.append(
            {
                "id": r["id"],
                "form": r["form"],
                "file": r["file"],
                "version": r["version"],
                "archived": bool(r["archive_path"]),
                "docs": bool(r["docs_path"]),
                "arrival": local_time(r["arrival_at"]),
                "link": r["processed_by"],
                "communes": r["communes"],
                "outstanding": r["outstanding"],
                "answered_by": r["answered_by"],
                "messages": [
                    f"{p.get('message_vi')} / {p.get('message_en')}"
                    + (
                        f" (dòng/row {p['row']}, cột/column {p['column']}, giá trị/value '{p['value']}')"
                        if p.get("row") is not None
                        else ""
                    )
                    for p in problems
                ],
            }
        )
    counts = {"accepted": 0, "missing": 0, "none": 0}
    for unit_row in units:
        for cell in unit_row["cells"].values():
            counts[cell["state"]] += 1
    outstanding = sum(1 for r in rejected if r["outstanding"])
    return {
        "period": str(period),
        "forms": [{"code": f.code, "label": f.label} for f in forms.values()],
        "units": units,
        "rejected": rejected,
        "counts": {**counts, "rejected": len(rejected), "outstanding": outstanding},
    }
