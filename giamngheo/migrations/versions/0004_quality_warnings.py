"""Data-quality warnings of a district's period, and the clerk's verifications.

``quality_warning`` holds the warnings the last check of a period found (rules across forms,
outliers over time), keyed by a stable id (district, period, rule, commune, subject). ``signature``
digests the values the warning was raised for; a verification (who, when, comment) holds while the
signature stays the same, and is cleared when the values change.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        create table quality_warning (
            id text primary key,
            district text not null,
            period text not null,
            rule text not null,
            kind text not null,
            severity text not null,
            org_unit text not null,
            subject text not null,
            value double precision,
            expected text not null,
            explanation_vi text not null,
            explanation_en text not null,
            signature text not null,
            found_at text not null,
            verified_by text,
            verified_at text,
            verified_comment text,
            verified_signature text
        )""")
    op.execute("create index quality_warning_period on quality_warning (district, period)")


def downgrade() -> None:
    op.execute("drop table quality_warning")
