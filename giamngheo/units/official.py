"""Official units and the 2025 transitions, imported from the ``vietnamadminunits`` dataset.

``vietnamadminunits`` (PyPI, MIT) keeps the official lists: ``data/dataset.db`` holds
``admin_units_legacy`` (provinces, districts and communes of QĐ 124/2004/QĐ-TTg, as they stood on
30/6/2025) and ``admin_units`` (the 34 provinces and 3,321 communes of QĐ 19/2025/QĐ-TTg from
1/7/2025); ``data/converter_2025.json`` says which old communes went into each new one, wholly or
divided. Only its data files are read (its package is never imported).

:func:`import_provinces` gives, for today's provinces asked for, today's province and communes, every
old province that went into it with its districts and communes, and the edges between them.
``giamngheo units import --province 19`` writes them into a deployment's reference data
(:func:`write_reference`), keeping the deployment's own columns (aliases, report_name, report_order, email) and the
units of other provinces.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

from .model import OrgUnit, Transition, read_transitions, read_units, write_transitions, write_units

DATASET = "vietnamadminunits"
REFORM_DAY = date(2025, 7, 1)
LAST_OLD_DAY = date(2025, 6, 30)
OLD_LIST = "QĐ 124/2004/QĐ-TTg"
NEW_LIST = "QĐ 19/2025/QĐ-TTg"
PROVINCE_MERGER = "NQ 202/2025/QH15"
# the Standing Committee's resolution arranging each province's communes, where we have checked it;
# other provinces are referred to the list (QĐ 19/2025/QĐ-TTg) until a deployment fills theirs in
COMMUNE_RESOLUTIONS = {"19": "NQ 1683/NQ-UBTVQH15"}

_PROVINCE_KIND = {"Tỉnh": "tinh", "Thành phố": "thanh_pho_tw"}
_DISTRICT_KIND = {"Huyện": "huyen", "Quận": "quan", "Thị xã": "thi_xa", "Thành phố": "thanh_pho"}
_COMMUNE_KIND = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"}


class DatasetMissing(RuntimeError):
    pass


def dataset_dir() -> Path:
    """Where the installed ``vietnamadminunits`` keeps its data (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec(DATASET)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetMissing(
            "cần gói vietnamadminunits để nhập danh mục đơn vị / the vietnamadminunits package is needed: "
            "pip install 'giamngheo[units]'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def dataset_version() -> str:
    from importlib.metadata import version

    return version(DATASET)


def _province_kind(full: str) -> str:
    return next((k for prefix, k in _PROVINCE_KIND.items() if full.startswith(prefix)), "tinh")


def import_provinces(codes: list[str], data: Path | None = None) -> tuple[list[OrgUnit], list[Transition]]:
    """Today's provinces ``codes`` (e.g. ``["19"]``), their old provinces, and the edges between them."""
    data = data or dataset_dir()
    db = sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    units: list[OrgUnit] = []
    edges: list[Transition] = []
    try:
        for code in codes:
            new_rows = db.execute(
                "select * from admin_units where provinceCode = ? order by wardCode", (code,)
            ).fetchall()
            if not new_rows:
                raise ValueError(f"không có tỉnh, thành phố mã {code} / no province with code {code} in {DATASET}")
            head = new_rows[0]
            province = OrgUnit(
                code=code,
                name=head["provinceShort"],
                level="province",
                kind=_province_kind(head["province"]),
                parent_code=None,
                valid_from=REFORM_DAY,
                legal_ref=f"{NEW_LIST}; {PROVINCE_MERGER}",
            )
            units.append(province)
            commune_ref = COMMUNE_RESOLUTIONS.get(code, NEW_LIST)
            new_by_key = {}
            for row in new_rows:
                unit = OrgUnit(
                    code=row["wardCode"],
                    name=row["wardShort"],
                    level="commune",
                    kind=_COMMUNE_KIND[row["wardType"]],
                    parent_code=code,
                    valid_from=REFORM_DAY,
                    legal_ref=f"{NEW_LIST}; {commune_ref}",
                )
                new_by_key[row["wardKey"]] = unit
                units.append(unit)
            old_keys = converter["DICT_PROVINCE"][head["provinceKey"]]
            old_by_key: dict[str, OrgUnit] = {}
            marks = ",".join("?" * len(old_keys))
            old_rows = db.execute(
                f"select * from admin_units_legacy where provinceKey in ({marks}) order by provinceCode, districtCode, "
                "wardCode",
                old_keys,
            ).fetchall()
            seen: set[str] = set()
            for row in old_rows:
                if row["provinceCode"] not in seen:
                    seen.add(row["provinceCode"])
                    old_province = OrgUnit(
                        code=row["provinceCode"],
                        name=row["provinceShort"],
                        level="province",
                        kind=_province_kind(row["province"]),
                        parent_code=None,
                        valid_to=LAST_OLD_DAY,
                        legal_ref=OLD_LIST,
                    )
                    units.append(old_province)
                    edges.append(Transition(old_province.key, province.key, "whole", REFORM_DAY, PROVINCE_MERGER))
                if row["districtCode"] not in seen:
                    seen.add(row["districtCode"])
                    district = OrgUnit(
                        code=row["districtCode"],
                        name=row["districtShort"],
                        level="district",
                        kind=_DISTRICT_KIND[row["districtType"]],
                        parent_code=row["provinceCode"],
                        valid_to=LAST_OLD_DAY,
                        legal_ref=OLD_LIST,
                    )
                    units.append(district)
                    # an island district without communes went into a new unit as a whole (Bạch Long Vĩ)
                    old_by_key[f"{row['provinceKey']}_{row['districtKey']}_"] = district
                if not row["wardCode"]:
                    continue
                commune = OrgUnit(
                    code=row["wardCode"],
                    name=row["wardShort"],
                    level="commune",
                    kind=_COMMUNE_KIND[row["wardType"]],
                    parent_code=row["districtCode"],
                    valid_to=LAST_OLD_DAY,
                    legal_ref=OLD_LIST,
                )
                units.append(commune)
                old_by_key[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"] = commune
            divided = converter["DICT_PROVINCE_WARD_DIVIDED"].get(head["provinceKey"], {})
            pairs: dict[tuple, str] = {}
            for new_key, olds in converter["DICT_PROVINCE_WARD_NO_DIVIDED"][head["provinceKey"]].items():
                for old_key in olds:
                    pairs[(old_key, new_key)] = "part" if old_key in divided else "whole"
            for old_key, parts in divided.items():
                for part in parts:
                    pairs[(old_key, part["newWardKey"])] = "part"
            for (old_key, new_key), share in sorted(pairs.items()):
                old, new = old_by_key.get(old_key), new_by_key.get(new_key)
                if old is None or new is None:
                    raise ValueError(f"{DATASET}: converter names an unknown unit: {old_key} -> {new_key}")
                edges.append(Transition(old.key, new.key, share, REFORM_DAY, commune_ref))
    finally:
        db.close()
    return units, edges


def write_reference(reference_dir: Path, codes: list[str], data: Path | None = None) -> dict:
    """Import provinces ``codes`` into ``reference_dir`` (``units.csv``, ``transitions.csv``,
    ``units_source.txt``). Units of other provinces stay; the deployment's own columns of a unit it
    already had (aliases, report_name, report_order, email) are kept. Returns counts."""
    units, edges = import_provinces(codes, data)
    units_path, edges_path = reference_dir / "units.csv", reference_dir / "transitions.csv"
    existing = read_units(units_path) if units_path.is_file() else []
    kept_columns = {u.key: u for u in existing}
    imported = {u.key for u in units}
    merged = [
        replace(u, aliases=old.aliases, report_name=old.report_name, report_order=old.report_order, email=old.email)
        if (old := kept_columns.get(u.key)) is not None
        else u
        for u in units
    ]
    # units of provinces not imported this time stay, unless this import lists them anew
    others = [u for u in existing if u.key not in imported]
    all_units = sorted(merged + others, key=_order)
    write_units(units_path, _unique(all_units))
    new_edges = {(e.predecessor, e.successor) for e in edges}
    old_edges = [e for e in read_transitions(edges_path) if (e.predecessor, e.successor) not in new_edges]
    write_transitions(edges_path, sorted(edges + old_edges, key=lambda e: (e.successor, e.predecessor)))
    provinces = sorted({u.code for u in all_units if u.level == "province" and u.valid_to is None})
    (reference_dir / "units_source.txt").write_text(
        f"{DATASET} {dataset_version()} (PyPI, MIT): data/dataset.db (admin_units_legacy, admin_units), "
        f"data/converter_2025.json\n"
        f"lists: {OLD_LIST} (to 30/6/2025), {NEW_LIST} (from 1/7/2025)\n"
        f"provinces imported: {', '.join(provinces)}\n",
        encoding="utf-8",
    )
    return {"units": len(merged), "transitions": len(edges), "provinces": codes}


def _order(unit: OrgUnit) -> tuple:
    return (0 if unit.valid_to is not None else 1, ("province", "district", "commune").index(unit.level), unit.code)


def _unique(units: list[OrgUnit]) -> list[OrgUnit]:
    seen: set = set()
    out = []
    for unit in units:
        if unit.key not in seen:
            seen.add(unit.key)
            out.append(unit)
    return out
