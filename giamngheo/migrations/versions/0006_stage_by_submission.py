"""Staged rows name their submission: a task's accepted files are staged together and published
with a few set-based statements (one COPY on PostgreSQL), instead of one transaction per file.

``fact_stage.submission_id`` says which file of the load a staged row came from. The staging table
is empty between loads, so nothing is backfilled.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table fact_stage add column submission_id text not null default ''")


def downgrade() -> None:
    op.execute("alter table fact_stage drop column submission_id")
