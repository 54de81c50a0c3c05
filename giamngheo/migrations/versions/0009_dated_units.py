"""Dated official units: the district key becomes the reporting unit, and units carry their dates.

- Every ``district`` column becomes ``unit`` (a reporting unit: an old district, a province of the new
  tree, or a commune reporting on itself).
- ``org_unit`` is keyed by (code, valid_from): a code alone is not a key, ``01969`` is thị trấn Phủ
  Thông until 30/6/2025 and xã Phủ Thông from 1/7/2025. It gains ``valid_from``, ``valid_to``,
  ``legal_ref`` and the periods read through it (``first_period``, ``last_period``: a period belongs to
  the units valid on its first day). ``fact`` no longer references it by code alone (its key is the
  period and the code).
- ``unit_member``: which communes each unit consolidates, and in which periods (derived from the
  reference data at every ``giamngheo init``); ``unit_transition``: predecessor -> successor edges.
- A warehouse written with the made-up codes of earlier versions (``061``, ``061-01``…) has each of
  its units matched to the official one by name (the district by its name, a commune by its name or a
  known spelling within it) and every code rewritten: ledger, slices, facts, templates, warnings
  (their ids recomputed), approvals, finals. Figures are untouched. The official units come from the
  deployment's reference data, handed over by :meth:`giamngheo.warehouse.Warehouse.migrate`.

Revision ID: 0009
Revises: 0008
"""

import hashlib
import json
import unicodedata

from alembic import context, op
from sqlalchemy import text

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UNIT_TABLES = (
    "submission",
    "unit_template",
    "quality_warning",
    "period_lock",
    "approval_request",
    "report_final",
    "held_submission",
    "audit_event",
    "quality_pending",
)
COMMUNE_COLUMNS = (
    ("fact", "org_unit"),
    ("fact_stage", "org_unit"),
    ("submission_slice", "org_unit"),
    ("unit_template", "org_unit"),
    ("quality_warning", "org_unit"),
)

FACT = """
    create table fact_dated (
        submission_id text not null references submission (id),
        period text not null,
        form text not null,
        org_unit text not null,
        indicator text not null,
        category text not null default '',
        item text not null default '',
        attribute text not null default '',
        value numeric(20, 3) not null,
        source_row integer not null,
        is_current boolean not null,
        superseded_by text references submission (id),
        primary key (submission_id, org_unit, indicator, category, item),
        foreign key (form, indicator) references indicator (form, code)
    )"""
FACT_INDEXES = (
    "create unique index fact_current_key on fact (period, form, org_unit, indicator, category, item) where is_current",
    "create index fact_slice on fact (period, form, org_unit)",
    "create index fact_unit on fact (org_unit, period)",
)


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", name).casefold())
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").replace("đ", "d")
    return " ".join(plain.split())


def match_legacy(legacy: list[dict], units) -> dict[str, str]:
    """Old code -> official code, by name: provinces and districts of the old tree by their names (a
    district within its matched province when the name repeats), communes by name or known spelling
    within their matched district. Offices (not administrative units) are left out."""
    old_tree = [u for u in units if u.valid_to is not None or u.valid_from is None]
    mapping: dict[str, str] = {}
    unmatched = []
    for level in ("province", "district", "commune"):
        for row in (r for r in legacy if r["level"] == level):
            wanted = _fold(row["name"])
            parent = mapping.get(row["parent_code"] or "")
            found = [
                u
                for u in old_tree
                if u.level == level
                and wanted in {_fold(n) for n in (u.name, *u.aliases, u.report_name) if n}
                and (parent is None or u.parent_code == parent)
            ]
            if len({u.code for u in found}) == 1:
                mapping[row["code"]] = found[0].code
            else:
                unmatched.append(f"{row['code']} {row['name']} ({level}): {len(found)} official units match")
    if unmatched:
        raise RuntimeError(
            "không khớp được đơn vị cũ với danh mục chính thức / cannot match these units to the official "
            "list (add the name to units.csv `aliases`, then run giamngheo init again): " + "; ".join(unmatched)
        )
    return mapping


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    for table in UNIT_TABLES:
        op.execute(f"alter table {table} rename column district to unit")
    legacy = [dict(r._mapping) for r in conn.execute(text("select code, name, level, kind, parent_code from org_unit"))]
    legacy = [r for r in legacy if r["level"] in ("province", "district", "commune")]

    # fact without its foreign key to org_unit (code): the unit is the period's
    if sqlite:
        op.execute(FACT)
        op.execute("insert into fact_dated select * from fact")
        op.execute("drop table fact")
        op.execute("alter table fact_dated rename to fact")
        for statement in FACT_INDEXES:
            op.execute(statement)
    else:
        op.execute("alter table fact drop constraint if exists fact_org_unit_fkey")
    op.execute("drop table org_unit" if sqlite else "drop table org_unit cascade")
    op.execute(
        """
        create table org_unit (
            code text not null,
            valid_from text not null default '',
            valid_to text,
            name text not null,
            level text not null,
            kind text not null,
            parent_code text,
            legal_ref text not null default '',
            first_period text not null,
            last_period text not null,
            primary key (code, valid_from)
        )"""
    )
    op.execute("create index org_unit_periods on org_unit (code, first_period, last_period)")
    op.execute(
        """
        create table unit_member (
            unit text not null,
            org_unit text not null,
            first_period text not null,
            last_period text not null,
            primary key (unit, org_unit, first_period)
        )"""
    )
    op.execute("create index unit_member_commune on unit_member (org_unit, first_period)")
    op.execute(
        """
        create table unit_transition (
            predecessor text not null,
            predecessor_from text not null,
            successor text not null,
            successor_from text not null,
            share text not null check (share in ('whole', 'part')),
            effective text not null,
            legal_ref text not null default '',
            primary key (predecessor, predecessor_from, successor, successor_from)
        )"""
    )

    if not legacy:
        return
    units = context.config.attributes.get("units")
    if not units:
        raise RuntimeError(
            "nâng cấp kho cần danh mục đơn vị / upgrading this warehouse needs the reference units: "
            "run `giamngheo init` (it hands them to the migration)"
        )
    mapping = {old: new for old, new in match_legacy(legacy, units).items() if old != new}
    for old, new in sorted(mapping.items()):
        params = {"old": old, "new": new}
        for table in UNIT_TABLES:
            conn.execute(text(f"update {table} set unit = :new where unit = :old"), params)
        for table, column in COMMUNE_COLUMNS:
            conn.execute(text(f"update {table} set {column} = :new where {column} = :old"), params)
    # a final keeps the document settings it was approved with: their unit code follows
    for row in conn.execute(text("select unit, period, version, inputs from report_final")).all():
        inputs = json.loads(row.inputs or "{}")
        doc = inputs.get("doc") or {}
        if doc.get("district_code") in mapping:
            doc["district_code"] = mapping[doc["district_code"]]
            conn.execute(
                text(
                    "update report_final set inputs = :inputs where unit = :unit and period = :period and version = :v"
                ),
                {
                    "inputs": json.dumps(inputs, ensure_ascii=False),
                    "unit": row.unit,
                    "period": row.period,
                    "v": row.version,
                },
            )
    # a warning's id is a digest of its unit, period, rule, commune and subject: recomputed on the new codes
    rows = conn.execute(text("select id, unit, period, rule, org_unit, subject from quality_warning")).all()
    for row in rows:
        key = "|".join((row.unit, row.period, row.rule, row.org_unit, row.subject))
        new_id = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
        if new_id != row.id:
            conn.execute(text("update quality_warning set id = :new where id = :old"), {"new": new_id, "old": row.id})


def downgrade() -> None:
    raise NotImplementedError("dated units cannot be undone: restore the backup taken before the upgrade")
