"""Slices in the ledger, for accepted and rejected files alike; the archived copy of each file.

``submission_slice`` holds one row per (submission, commune) the file covers. A file whose
communes could not be read has one row with ``org_unit = ''``. ``submission.archive_path``
is the content-addressed copy under ``<data dir>/archive/``.

Backfill of a warehouse written before this revision: an accepted file covers the communes
of its facts; a rejected file's communes were never recorded, so it gets the ``''`` slice
(answered by a later accepted file of the same name, or one covering every commune).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        create table submission_slice (
            submission_id text not null references submission (id),
            org_unit text not null,
            primary key (submission_id, org_unit)
        )""")
    op.execute("create index submission_slice_unit on submission_slice (org_unit)")
    op.execute("alter table submission add column archive_path text")
    op.execute("""
        insert into submission_slice (submission_id, org_unit)
        select distinct f.submission_id, f.org_unit
        from fact as f
        inner join submission as s on s.id = f.submission_id
        where s.status = 'accepted'""")
    op.execute("""
        insert into submission_slice (submission_id, org_unit)
        select s.id, ''
        from submission as s
        where s.status = 'rejected'""")


def downgrade() -> None:
    op.execute("drop table submission_slice")
    op.execute("alter table submission drop column archive_path")
