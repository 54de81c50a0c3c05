"""Who may see and do what, per unit: ``access_grant``.

A grant ties an Airflow user to a dated unit (code and ``valid_from``: codes are reused across the 2025
reform) and a role: ``bao_cao`` (a reporting commune or office), ``ra_soat`` (reviewer), ``phe_duyet``
(approver), ``quan_tri`` (the data team). A grant on a province or district covers its communes.
Granting and revoking are rows of ``audit_event`` too.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table access_grant (
            user_name text not null,
            unit_code text not null,
            unit_valid_from text not null default '',
            role text not null,
            granted_by text not null,
            granted_at text not null,
            primary key (user_name, unit_code, unit_valid_from, role)
        )"""
    )


def downgrade() -> None:
    op.execute("drop table access_grant")
