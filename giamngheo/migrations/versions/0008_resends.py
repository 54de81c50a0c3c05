"""A correct file sent again: ``submission_resend``.

A unit whose file was rejected may answer by sending again the very bytes it had sent before and that
were accepted (the old file, not a new correction). Each file is processed once, so that content is not
loaded again; the re-send is kept here instead, with its arrival, and it answers a rejection of the
same slices that arrived between the two, as a new accepted file would.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table submission_resend (
            submission_id text not null references submission (id),
            file_name text not null,
            file_path text not null,
            size_bytes integer not null,
            arrival_at text not null,
            received_at text not null,
            processed_by text,
            primary key (submission_id, arrival_at)
        )"""
    )


def downgrade() -> None:
    op.execute("drop table submission_resend")
