"""Who sent a file from the desk: ``submission.uploaded_by``.

A file a unit's user uploads on the desk (``/giamngheo/desk``) goes through the same intake as one
dropped in the inbox, and its ledger row names the uploader (``NULL``: a dropped file). Each upload
is a row of ``audit_event`` too (``uploaded``), which also bounds how often a user may upload.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table submission add column uploaded_by text")
    op.execute("create index audit_event_by_actor on audit_event (action, actor, at)")


def downgrade() -> None:
    op.execute("drop index audit_event_by_actor")
    op.execute("alter table submission drop column uploaded_by")
