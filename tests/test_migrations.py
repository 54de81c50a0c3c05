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

from giamngheo.reference import ReferenceData, org_units
from giamngheo.warehouse import Warehouse
from tests.conftest import PERIOD, ROOT

FIXTURES = Path(__file__).parent / "fixtures"
TABLES = ("category", "indicator", "submission", "fact")
# the made-up codes of earlier versions and the official ones (QĐ 124/2004/QĐ-TTg) they must become
OFFICIAL = {
    "061": "063",
    "061-01": "01969",
    "061-02": "01975",
    "061-03": "01990",
    "061-04": "01993",
    "061-05": "02005",
    "061-06": "02008",
    "061-07": "01999",
    "061-08": "02011",
    "061-09": "02002",
    "061-10": "02017",
    "061-11": "02014",
    "061-12": "01981",
    "061-13": "01978",
    "061-14": "01984",
}


def row_counts(warehouse: Warehouse) -> dict:
    with warehouse.engine.connect() as conn:
        return {t: conn.execute(text(f"select count(*) from {t}")).scalar() for t in TABLES}


def facts(warehouse: Warehouse, codes: dict[str, str] | None = None) -> list:
    """Every fact, its commune's code mapped through ``codes`` (the old codes, before the upgrade)."""
    with warehouse.engine.connect() as conn:
        rows = conn.execute(
            text(
                "select org_unit, submission_id, period, form, indicator, category, item, value, is_current "
                "from fact order by submission_id, org_unit, indicator, category, item"
            )
        ).all()
    return sorted((codes.get(r[0], r[0]) if codes else r[0], *r[1:7], float(r[7]), bool(r[8])) for r in rows)


def upgrade_and_check(url: str) -> None:
    warehouse = Warehouse(url, ROOT / "include" / "sql")
    try:
        assert warehouse.revision() is None  # written before migrations: tables, no alembic_version
        counts, before = row_counts(warehouse), facts(warehouse, OFFICIAL)
        assert counts["submission"] == 22 and counts["fact"] > 600
        assert {f[0] for f in before} == set(OFFICIAL.values()) - {"063"}
        units = list(org_units(ROOT / "include" / "reference"))
        assert warehouse.migrate(units) == warehouse.head_revision() == warehouse.revision()
        assert row_counts(warehouse) == counts  # every row kept
        assert facts(warehouse) == before  # every figure kept, on its commune's official code
        with warehouse.engine.connect() as conn:
            assert set(conn.execute(text("select distinct unit from submission")).scalars()) == {"063"}
        reference = ReferenceData.load(ROOT / "include" / "reference")
        warehouse.load_reference(units, reference.categories, reference.forms)  # what `giamngheo init` does next
        totals = {
            (r["form"], r["indicator"], r["category"]): float(r["total"])
            for r in warehouse.district_totals(PERIOD, "063")
        }
        current = {}
        for _code, _sid, period, form, indicator, category, _item, value, is_current in before:
            if is_current and period == PERIOD:
                current[(form, indicator, category)] = current.get((form, indicator, category), 0.0) + value
        assert totals == {k: round(v, 3) for k, v in current.items()}  # the district's sums, on the new tree
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
        [rejection] = [r for r in warehouse.query("query/rejected_slices", period=PERIOD, unit="063")]
        assert rejection["file_name"] == "dinh_chinh_vi_huong.csv" and rejection["answered_by"] is None
        warehouse.migrate(units)  # again: nothing to do
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


def test_a_final_approved_before_the_dated_units_renders_again_to_its_approved_text(tmp_path):
    """``final-8302a27.tar.gz`` (tests/fixtures/make_final_fixture.py): the 2022-H1 sample approved by the
    code of commit 8302a27, with the made-up codes. Upgraded, the final re-renders to the approved text."""
    import tarfile

    from giamngheo.approval import Approvals, document_text
    from giamngheo.ingest import Ingestor
    from tests.conftest import settings_for

    with tarfile.open(FIXTURES / "final-8302a27.tar.gz") as tar:
        tar.extractall(tmp_path / "data", filter="data")
    settings = settings_for(tmp_path / "data", GIAMNGHEO_APPROVERS="pho_chu_tich")
    ingestor = Ingestor.from_settings(settings)
    try:
        assert ingestor.warehouse.revision() == "0008"
        ingestor.initialise()  # revision 0009: official codes
        approvals = Approvals(settings, ingestor.warehouse)
        [final] = approvals.finals("063", PERIOD)
        assert final["so_van_ban"] == "125/BC-UBND" and approvals.is_locked("063", PERIOD)
        again = approvals.rerender("063", PERIOD, 1, tmp_path / "again")
        approved = document_text(tmp_path / "data" / "approved.docx")
        assert document_text(again) == approved
        assert any("Nguyễn Phúc" in line for line in approved)  # the district's spelling, kept
    finally:
        ingestor.warehouse.dispose()
