"""The schema as it stood before migrations (commit f391ce2): reference data, ledger, facts.

A warehouse written by that version has these tables without an ``alembic_version``
table; :meth:`Warehouse.migrate` stamps it at this revision before upgrading.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATEMENTS = [
    """
    create table if not exists org_unit (
        code text primary key,
        name text not null,
        level text not null,
        kind text not null,
        parent_code text references org_unit (code)
    )""",
    """
    create table if not exists category (
        dimension text not null,
        code text not null,
        label text not null,
        legal_basis text not null default '',
        primary key (dimension, code)
    )""",
    """
    create table if not exists indicator (
        form text not null,
        code text not null,
        label text not null,
        unit_type text not null,
        kind text not null check (kind in ('flow', 'stock')),
        position integer not null,
        primary key (form, code)
    )""",
    """
    create table if not exists submission (
        id text primary key,
        district text not null,
        period text not null,
        form text not null,
        file_name text not null,
        file_path text not null,
        sha256 text not null,
        size_bytes integer not null,
        arrival_at text not null,
        received_at text not null,
        status text not null check (status in ('accepted', 'rejected')),
        version integer not null,
        row_count integer not null default 0,
        messages text not null default '[]',
        docs_path text,
        processed_by text,
        unique (district, period, form, file_name, sha256)
    )""",
    """
    create table if not exists fact (
        submission_id text not null references submission (id),
        period text not null,
        form text not null,
        org_unit text not null references org_unit (code),
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
    )""",
    """
    create unique index if not exists fact_current_key
        on fact (period, form, org_unit, indicator, category, item)
        where is_current""",
    "create index if not exists fact_slice on fact (period, form, org_unit)",
    """
    create table if not exists fact_stage (
        load_id text not null,
        org_unit text not null,
        indicator text not null,
        category text not null default '',
        item text not null default '',
        attribute text not null default '',
        value numeric(20, 3) not null,
        source_row integer not null
    )""",
    "create index if not exists fact_unit on fact (org_unit, period)",
    "create index if not exists org_unit_parent on org_unit (parent_code)",
    "create index if not exists submission_slot on submission (district, period, form, status)",
    "create index if not exists fact_stage_load on fact_stage (load_id)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in ("fact_stage", "fact", "submission", "indicator", "category", "org_unit"):
        op.execute(f"drop table if exists {table}")
