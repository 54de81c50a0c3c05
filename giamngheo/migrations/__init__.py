"""Alembic migrations of the warehouse schema (see :func:`giamngheo.warehouse.Warehouse.migrate`)."""
