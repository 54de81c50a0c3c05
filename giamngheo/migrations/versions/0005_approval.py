"""Approval of a period's report: requests, finals, the period's lock, held files and the audit trail.

``approval_request`` is each complete draft put to the approvers (its ``digest`` names the submissions
its figures came from); ``report_final`` each approved version, with what it was built from so that it
can be rendered again from the warehouse alone. ``period_lock`` says whether a district's period is
locked (approved) and how many finals it has. A file that arrives for a locked period is validated and
archived, then held in ``held_submission`` instead of being published; reopening the period publishes
it. ``audit_event`` keeps every request, approval, send-back, lock, hold and reopen: who, when, why.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = {
    "period_lock": """
        create table period_lock (
            district text not null,
            period text not null,
            locked boolean not null,
            final_version integer not null default 0,
            changed_at text not null,
            changed_by text,
            primary key (district, period)
        )""",
    "approval_request": """
        create table approval_request (
            id text primary key,
            district text not null,
            period text not null,
            digest text not null,
            document text not null,
            requested_at text not null,
            status text not null check (status in ('waiting', 'approved', 'sent_back', 'superseded')),
            answered_by text,
            answered_at text,
            comment text
        )""",
    "report_final": """
        create table report_final (
            district text not null,
            period text not null,
            version integer not null,
            request_id text not null references approval_request (id),
            so_van_ban text not null,
            ngay_ky text not null,
            approved_by text not null,
            approved_at text not null,
            sources text not null,
            inputs text not null,
            folder text not null,
            primary key (district, period, version)
        )""",
    "held_submission": """
        create table held_submission (
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
            archive_path text not null,
            processed_by text,
            row_count integer not null,
            released_at text,
            released_by text
        )""",
    "audit_event": """
        create table audit_event (
            id text primary key,
            district text not null,
            period text not null,
            action text not null,
            actor text not null,
            at text not null,
            reason text not null default '',
            details text not null default '{}'
        )""",
}


def upgrade() -> None:
    for statement in TABLES.values():
        op.execute(statement)
    op.execute("create index approval_request_period on approval_request (district, period, status)")
    op.execute("create index held_submission_period on held_submission (district, period, released_at)")
    op.execute("create index audit_event_period on audit_event (district, period, at)")


def downgrade() -> None:
    for table in reversed(list(TABLES)):
        op.execute(f"drop table {table}")
