"""A load's quality check is owed until it has run: ``quality_pending``.

A load commits its facts and, in the same transaction, one row per (district, period) it touched; the
data-quality check of that (district, period) deletes the rows it saw, in its own transaction. A crash or
a retry between the two leaves the row: the next ingestion task of that district's period (a retry finds
its files unchanged) runs the check, and until then the report is a draft that says the check is owed.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table quality_pending (
            load_id text not null,
            district text not null,
            period text not null,
            loaded_at text not null,
            primary key (load_id, district, period)
        )"""
    )
    op.execute("create index quality_pending_district_period on quality_pending (district, period)")


def downgrade() -> None:
    op.execute("drop table quality_pending")
