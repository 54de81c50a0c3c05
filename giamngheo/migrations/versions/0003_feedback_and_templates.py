"""What the units are given back: a rejected file's feedback workbook; the blank templates written.

``submission.feedback_path`` is the marked-up copy of a rejected file (``<data dir>/feedback/``).
``unit_template`` records each blank template written for a (district, period, form, commune):
its path and SHA-256, so that a template is written once and a later one is recognised.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table submission add column feedback_path text")
    op.execute("""
        create table unit_template (
            district text not null,
            period text not null,
            form text not null,
            org_unit text not null,
            file_path text not null,
            sha256 text not null,
            written_at text not null,
            primary key (district, period, form, org_unit)
        )""")


def downgrade() -> None:
    op.execute("drop table unit_template")
    op.execute("alter table submission drop column feedback_path")
