"""Schema migrations: a warehouse written before Alembic (commit f391ce2) upgrades in place, on both backends.

``tests/fixtures/warehouse-f391ce2.sqlite`` and ``warehouse-f391ce2.pg.sql`` (pg_dump) were written by
that commit's code: the 2022-H1 sample, then a rejected correction for Vi Hương and an accepted one for
Lục Bình (see tests/fixtures/README.md).
"""

import glob
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text

from giamngheo.warehouse import Warehouse
from tests.conftest import PERIOD, ROOT

FIXTURES = Path(__file__).parent / "fixtures"
TABLES = ("org_unit", "category", "indicator", "submission", "fact")


def row_counts(warehouse: Warehouse) -> dict:
    with warehouse.engine.connect() as conn:
        return {t: conn.execute(text(f"select count(*) from {t}")).scalar() for t in TABLES}


def figures(warehouse: Warehouse) -> list:
    rows = warehouse.report_values(PERIOD, PERIOD, "061") + warehouse.district_totals(PERIOD, "061")
    return sorted(
        repr(sorted((k, float(v) if hasattr(v, "as_integer_ratio") else v) for k, v in r.items())) for r in rows
    )


def upgrade_and_check(url: str) -> None:
    warehouse = Warehouse(url, ROOT / "include" / "sql")
    try:
        assert warehouse.revision() is None  # written before migrations: tables, no alembic_version
        counts, before = row_counts(warehouse), figures(warehouse)
        assert counts["submission"] == 22 and counts["fact"] > 600
        assert warehouse.migrate() == warehouse.head_revision() == warehouse.revision()
        assert row_counts(warehouse) == counts  # every row kept
        assert figures(warehouse) == before  # the report's figures unchanged
        # slices backfilled: accepted files cover the communes of their facts, the rejected one ''
        with warehouse.engine.connect() as conn:
            slices = dict(
                conn.execute(
                    text(
                        "select s.status, count(*) from submission_slice sl "
                        "join submission s on s.id = sl.submission_id group by s.status"
                    )
                ).all()
            )
        assert slices["rejected"] == 1 and slices["accepted"] >= 21
        [rejection] = [r for r in warehouse.query("query/rejected_slices", period=PERIOD, district="061")]
        assert rejection["file_name"] == "dinh_chinh_vi_huong.csv" and rejection["answered_by"] is None
        warehouse.migrate()  # again: nothing to do
        assert row_counts(warehouse) == counts
    finally:
        warehouse.dispose()


def test_a_sqlite_warehouse_from_before_migrations_upgrades_in_place(tmp_path):
    path = tmp_path / "warehouse.sqlite"
    shutil.copy(FIXTURES / "warehouse-f391ce2.sqlite", path)
    upgrade_and_check(f"sqlite:///{path}")


def test_a_postgresql_warehouse_from_before_migrations_upgrades_in_place(postgres_url):
    psql = (sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) or [shutil.which("psql")])[-1]
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    restored = subprocess.run(
        [psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", plain, "-f", str(FIXTURES / "warehouse-f391ce2.pg.sql")],
        capture_output=True,
        text=True,
    )
    assert restored.returncode == 0, restored.stderr
    upgrade_and_check(postgres_url)


def test_a_new_warehouse_is_created_at_the_newest_revision(tmp_path):
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'new.sqlite'}", ROOT / "include" / "sql")
    try:
        assert warehouse.revision() is None
        warehouse.migrate()
        assert warehouse.revision() == warehouse.head_revision()
        assert row_counts(warehouse) == dict.fromkeys(TABLES, 0)
    finally:
        warehouse.dispose()
