"""What the Submissions page shows: units × forms for a period, from the ledger and the facts.

A cell is **accepted** (the commune's rows of that form are current, from a
file of some version and arrival; earlier versions it **superseded** are
counted), or **missing**. Rejected files, which load no rows, are listed with
their messages. Every file links to the Airflow task instance that processed it.
"""

from __future__ import annotations

import json

from .forms import Form
from .reference import OrgUnit, district_of


def periods(warehouse) -> list[str]:
    return [row["period"] for row in warehouse.query("query/periods")]


def submissions_matrix(warehouse, forms: dict[str, Form], communes: list[OrgUnit], period: str) -> dict:
    district = district_of(communes)
    cells = {(r["form"], r["org_unit"]): r
             for r in warehouse.query("query/submission_cells", period=period, district=district)}
    units = []
    for unit in sorted(communes, key=lambda u: u.code):
        row = {"code": unit.code, "name": unit.full_name, "cells": {}}
        for form in forms.values():
            found = cells.get((form.code, unit.code))
            if found is None:  # a form expected once per period (models) is not missing per commune
                row["cells"][form.code] = {"state": "missing" if form.expected == "each_commune" else "none"}
            else:
                row["cells"][form.code] = {
                    "state": "accepted", "file": found["file_name"], "version": found["version"],
                    "arrival": found["arrival_at"][:16].replace("T", " "), "link": found["processed_by"],
                    "superseded": int(found["superseded"]),
                }
        units.append(row)
    rejected = []
    for r in warehouse.query("query/ledger_rejections", period=period, district=district):
        problems = json.loads(r["messages"] or "[]")
        rejected.append({"form": r["form"], "file": r["file_name"], "version": r["version"],
                         "arrival": r["arrival_at"][:16].replace("T", " "), "link": r["processed_by"],
                         "messages": [f"{p.get('message_vi')} / {p.get('message_en')}"
                                      + (f" (dòng/row {p['row']}, cột/column {p['column']}, giá trị/value '{p['value']}')"
                                         if p.get("row") is not None else "") for p in problems]})
    counts = {"accepted": 0, "missing": 0, "none": 0}
    for row in units:
        for cell in row["cells"].values():
            counts[cell["state"]] += 1
    return {"period": period, "forms": [{"code": f.code, "label": f.label} for f in forms.values()],
            "units": units, "rejected": rejected, "counts": {**counts, "rejected": len(rejected)}}
