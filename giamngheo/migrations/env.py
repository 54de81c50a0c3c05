"""Alembic environment: runs on the connection the warehouse hands over.

:meth:`giamngheo.warehouse.Warehouse.migrate` opens a transaction (SQLite: ``begin
immediate``; PostgreSQL: an advisory lock), passes its connection in
``config.attributes["connection"]`` and the whole upgrade runs inside it, so that
concurrent tasks starting at once apply each revision exactly once.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the warehouse always passes one
    raise RuntimeError("run migrations through giamngheo.warehouse.Warehouse.migrate (giamngheo init)")

context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
