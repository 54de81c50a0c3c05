"""Loads write straight into ``fact``: the staging table goes.

A load used to copy its rows into ``fact_stage``, check them there and insert-select them into
``fact``. It now checks its rows as it makes them and copies them into ``fact`` once (PostgreSQL's
COPY; one executemany on SQLite), which halves the work of a load on PostgreSQL. Nothing is kept in
the staging table between loads, so dropping it loses nothing.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("drop index if exists fact_stage_load")
    op.execute("drop table if exists fact_stage")


def downgrade() -> None:
    op.execute(
        """
        create table fact_stage (
            load_id text not null,
            org_unit text not null,
            indicator text not null,
            category text not null default '',
            item text not null default '',
            attribute text not null default '',
            value numeric(20, 3) not null,
            source_row integer not null,
            submission_id text not null default ''
        )"""
    )
    op.execute("create index fact_stage_load on fact_stage (load_id)")
