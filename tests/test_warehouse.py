"""Loading into the warehouse: totals, history, supersede, rejection, idempotence (SQLite, no Airflow)."""

import os
import sqlite3

from giamngheo.reading import discover
from tests.conftest import PERIOD
from tests.helpers import HEALTH_HEADER, health_row, write_csv
from tests.seed_figures import SEED_2022_H1


def totals(pipeline) -> dict:
    return {(r["form"], r["indicator"], r["category"]): float(r["total"])
            for r in pipeline.warehouse.district_totals(PERIOD)}


def commune_slice(pipeline, form, unit) -> dict:
    with pipeline.warehouse.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "select indicator, category, value from fact where is_current and period = ? and form = ? "
            "and org_unit = ?", (PERIOD, form, unit)).all()
    return {(r[0], r[1]): float(r[2]) for r in rows}


def test_sample_inbox_reproduces_every_seed_figure(pipeline):
    outcomes = pipeline.ingest(pipeline.discover(PERIOD))
    assert {o.status for o in outcomes} == {"accepted"}
    got = totals(pipeline)
    for key, expected in SEED_2022_H1.items():
        assert got.get(key) == expected, key


def test_second_ingest_changes_nothing(pipeline):
    pipeline.ingest(pipeline.discover(PERIOD))
    before = pipeline.warehouse.checksum()
    outcomes = pipeline.ingest(pipeline.discover(PERIOD))
    assert {o.status for o in outcomes} == {"unchanged"}
    assert pipeline.warehouse.checksum() == before


def test_correction_supersedes_exactly_its_commune_slice(pipeline, data_dir):
    pipeline.ingest(pipeline.discover(PERIOD))
    before = {unit: commune_slice(pipeline, "health", unit) for unit in ("061-02", "061-03")}
    commune_before = commune_slice(pipeline, "commune", "061-02")
    latest = max(f.arrival for f in pipeline.discover(PERIOD))
    write_csv(data_dir / "inbox" / PERIOD / "health" / "ttyt_dinh_chinh_vi_huong.csv",
              [HEALTH_HEADER, health_row("Xã Vi Hương", the_bhyt=2345, poor=400)], arrival=latest + 60)
    [outcome] = [o for o in pipeline.ingest(pipeline.discover(PERIOD)) if o.status != "unchanged"]
    assert (outcome.status, outcome.version, outcome.superseded) == ("accepted", 2, 10)
    after = commune_slice(pipeline, "health", "061-02")
    assert after[("the_bhyt", "")] == 2345 and after != before["061-02"]
    assert commune_slice(pipeline, "health", "061-03") == before["061-03"]  # other communes stay
    assert commune_slice(pipeline, "commune", "061-02") == commune_before  # other forms stay
    with pipeline.warehouse.engine.connect() as conn:  # history kept
        old = conn.exec_driver_sql("select count(*) from fact where not is_current and org_unit = '061-02' "
                                   "and form = 'health' and superseded_by = ?", (outcome.submission_id,)).scalar()
    assert old == 10


def test_an_older_file_processed_late_does_not_override_a_newer_one(pipeline, data_dir):
    folder = data_dir / "inbox" / PERIOD / "health"
    newer = write_csv(folder / "newer.csv", [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=777)], arrival=5e9)
    older = write_csv(folder / "older.csv", [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=111)], arrival=4e9)
    files = {f.name: f for f in pipeline.discover(PERIOD)}
    pipeline.ingest([files[newer.name]])
    pipeline.ingest([files[older.name]])  # arrives in the warehouse second, but is older
    assert commune_slice(pipeline, "health", "061-02")[("the_bhyt", "")] == 777


def test_rejected_file_loads_nothing_and_neighbours_load(pipeline, data_dir):
    bad = write_csv(data_dir / "inbox" / PERIOD / "health" / "zz_bad.csv",
                    [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=10, poor=20)], arrival=6e9)
    outcomes = {o.file.rsplit("/", 1)[-1]: o for o in pipeline.ingest(pipeline.discover(PERIOD))}
    assert outcomes[bad.name].status == "rejected"
    assert "the_bhyt_ho_ngheo" in outcomes[bad.name].message and "dòng 2" in outcomes[bad.name].message
    assert all(o.status == "accepted" for name, o in outcomes.items() if name != bad.name)
    with pipeline.warehouse.engine.connect() as conn:
        loaded = conn.exec_driver_sql("select count(*) from fact f join submission s on s.id = f.submission_id "
                                      "where s.file_name = ?", (bad.name,)).scalar()
        ledger = conn.exec_driver_sql("select status, messages from submission where file_name = ?",
                                      (bad.name,)).one()
    assert loaded == 0
    assert ledger[0] == "rejected" and "subset_le_total" in ledger[1]
    assert totals(pipeline)[("health", "the_bhyt", "")] == SEED_2022_H1[("health", "the_bhyt", "")]
    assert outcomes[bad.name].docs and os.path.exists(outcomes[bad.name].docs)  # GX Data Docs kept


def test_identical_resend_under_another_name_changes_nothing(pipeline, data_dir):
    pipeline.ingest(pipeline.discover(PERIOD))
    before = pipeline.warehouse.checksum()
    source = next(f for f in pipeline.discover(PERIOD) if f.form == "health")
    copy = source.path.with_name("ban_sao.xlsx")
    copy.write_bytes(source.path.read_bytes())
    os.utime(copy, (9e9, 9e9))
    outcomes = pipeline.ingest([f for f in pipeline.discover(PERIOD) if f.name == copy.name])
    assert outcomes[0].status == "unchanged"
    assert pipeline.warehouse.checksum() == before


def test_the_database_refuses_two_current_values_for_one_cell(pipeline):
    pipeline.ingest(pipeline.discover(PERIOD))
    path = pipeline.warehouse.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        row = conn.execute("select * from fact where is_current limit 1").fetchone()
        try:
            conn.execute("insert into fact values (?,?,?,?,?,?,?,?,?,?,?,?)", ("other",) + row[1:])
        except sqlite3.IntegrityError as err:
            assert "UNIQUE" in str(err) or "FOREIGN KEY" in str(err)
        else:  # pragma: no cover
            raise AssertionError("a second current value was accepted")


def test_reference_data_is_loaded(pipeline):
    with pipeline.warehouse.engine.connect() as conn:
        levels = dict(conn.exec_driver_sql("select level, count(*) from org_unit group by level").all())
        indicators = conn.exec_driver_sql("select count(*) from indicator").scalar()
        categories = conn.exec_driver_sql("select count(*) from category").scalar()
    assert levels == {"province": 1, "district": 1, "commune": 14}
    assert indicators == sum(len(f.figures) for f in pipeline.forms.values())
    assert categories == 16
    assert discover  # imported for the fixture's inbox listing
