"""Loading into the warehouse: totals, history, supersede, rejection, idempotence (SQLite, no Airflow)."""

import os

from sqlalchemy import text

from giamngheo.inbox import discover
from tests.conftest import PERIOD
from tests.helpers import HEALTH_HEADER, health_row, write_csv
from tests.seed_figures import SEED_2022_H1


def totals(pipeline) -> dict:
    return {
        (r["form"], r["indicator"], r["category"]): float(r["total"])
        for r in pipeline.warehouse.district_totals(PERIOD, "063")
    }


def q(pipeline, sql: str, **params) -> list:
    with pipeline.warehouse.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def commune_slice(pipeline, form, unit) -> dict:
    rows = q(
        pipeline,
        "select indicator, category, value from fact where is_current and period = :p and form = :f and org_unit = :u",
        p=PERIOD,
        f=form,
        u=unit,
    )
    return {(r[0], r[1]): float(r[2]) for r in rows}


def test_sample_inbox_reproduces_every_seed_figure(pipeline):
    outcomes = pipeline.ingest(pipeline.deployment.discover(PERIOD))
    assert {o.status for o in outcomes} == {"accepted"}
    got = totals(pipeline)
    for key, expected in SEED_2022_H1.items():
        assert got.get(key) == expected, key


def test_second_ingest_changes_nothing(pipeline):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    before = pipeline.warehouse.checksum()
    outcomes = pipeline.ingest(pipeline.deployment.discover(PERIOD))
    assert {o.status for o in outcomes} == {"unchanged"}
    assert pipeline.warehouse.checksum() == before


def test_correction_supersedes_exactly_its_commune_slice(pipeline, data_dir):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    before = {unit: commune_slice(pipeline, "health", unit) for unit in ("01975", "01990")}
    commune_before = commune_slice(pipeline, "commune", "01975")
    latest = max(f.arrival for f in pipeline.deployment.discover(PERIOD))
    write_csv(
        data_dir / "inbox" / PERIOD / "health" / "ttyt_dinh_chinh_vi_huong.csv",
        [HEALTH_HEADER, health_row("Xã Vi Hương", the_bhyt=2345, poor=400)],
        arrival=latest + 60,
    )
    [outcome] = [o for o in pipeline.ingest(pipeline.deployment.discover(PERIOD)) if o.status != "unchanged"]
    assert (outcome.status, outcome.version, outcome.superseded) == ("accepted", 2, 10)
    after = commune_slice(pipeline, "health", "01975")
    assert after[("the_bhyt", "")] == 2345 and after != before["01975"]
    assert commune_slice(pipeline, "health", "01990") == before["01990"]  # other communes stay
    assert commune_slice(pipeline, "commune", "01975") == commune_before  # other forms stay
    [(old,)] = q(
        pipeline,
        "select count(*) from fact where not is_current and org_unit = '01975' "
        "and form = 'health' and superseded_by = :s",
        s=outcome.submission_id,
    )  # history kept
    assert old == 10


def test_an_older_file_processed_late_does_not_override_a_newer_one(pipeline, data_dir):
    folder = data_dir / "inbox" / PERIOD / "health"
    newer = write_csv(folder / "newer.csv", [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=777)], arrival=5e9)
    older = write_csv(folder / "older.csv", [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=111)], arrival=4e9)
    files = {f.name: f for f in pipeline.deployment.discover(PERIOD)}
    pipeline.ingest([files[newer.name]])
    pipeline.ingest([files[older.name]])  # arrives in the warehouse second, but is older
    assert commune_slice(pipeline, "health", "01975")[("the_bhyt", "")] == 777


def test_rejected_file_loads_nothing_and_neighbours_load(pipeline, data_dir):
    bad = write_csv(
        data_dir / "inbox" / PERIOD / "health" / "zz_bad.csv",
        [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=10, poor=20)],
        arrival=6e9,
    )
    outcomes = {o.file.rsplit("/", 1)[-1]: o for o in pipeline.ingest(pipeline.deployment.discover(PERIOD))}
    assert outcomes[bad.name].status == "rejected"
    assert "the_bhyt_ho_ngheo" in outcomes[bad.name].message and "dòng 2" in outcomes[bad.name].message
    assert all(o.status == "accepted" for name, o in outcomes.items() if name != bad.name)
    [(loaded,)] = q(
        pipeline,
        "select count(*) from fact f join submission s on s.id = f.submission_id where s.file_name = :n",
        n=bad.name,
    )
    [ledger] = q(pipeline, "select status, messages from submission where file_name = :n", n=bad.name)
    assert loaded == 0
    assert ledger[0] == "rejected" and "subset_le_total" in ledger[1]
    assert totals(pipeline)[("health", "the_bhyt", "")] == SEED_2022_H1[("health", "the_bhyt", "")]
    assert outcomes[bad.name].docs and os.path.exists(outcomes[bad.name].docs)  # GX Data Docs kept


def test_identical_resend_under_another_name_changes_nothing(pipeline, data_dir):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    before = pipeline.warehouse.checksum()
    source = next(f for f in pipeline.deployment.discover(PERIOD) if f.form == "health")
    copy = source.path.with_name("ban_sao.xlsx")
    copy.write_bytes(source.path.read_bytes())
    os.utime(copy, (9e9, 9e9))
    outcomes = pipeline.ingest([f for f in pipeline.deployment.discover(PERIOD) if f.name == copy.name])
    assert outcomes[0].status == "unchanged"
    assert pipeline.warehouse.checksum() == before


def test_the_database_refuses_two_current_values_for_one_cell(pipeline):
    import pytest
    from sqlalchemy.exc import IntegrityError

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    [(sid,)] = q(pipeline, "select id from submission where form = 'health'")
    with pytest.raises(IntegrityError, match="(?i)unique"), pipeline.warehouse.engine.begin() as conn:
        # a second current value for a cell that already has one, from another (real) submission
        conn.execute(
            text(
                "insert into fact (submission_id, period, form, org_unit, indicator, category, item, attribute, "
                "value, source_row, is_current) select s2.id, f.period, f.form, f.org_unit, f.indicator, "
                "f.category, f.item, f.attribute, f.value + 1, f.source_row, true from fact f, submission s2 "
                "where f.submission_id = :sid and s2.id <> :sid and f.is_current limit 1"
            ),
            {"sid": sid},
        )


def test_reference_data_is_loaded(pipeline):
    levels = dict(q(pipeline, "select level, count(*) from org_unit group by level"))
    [(indicators,)] = q(pipeline, "select count(*) from indicator")
    [(categories,)] = q(pipeline, "select count(*) from category")
    # the bundled units: old Bắc Kạn and old Thái Nguyên (to 30/6/2025), today's tỉnh Thái Nguyên
    assert levels == {"province": 3, "district": 17, "commune": 372}
    ours = q(
        pipeline,
        "select org_unit from unit_member where unit = '063' and '2022-H1' between first_period and last_period",
    )
    assert len(ours) == 14
    [(today,)] = q(pipeline, "select count(*) from unit_member where unit = '19' and first_period = '2025-H2'")
    assert today == 92
    assert indicators == sum(len(f.figures) for f in pipeline.deployment.forms.values())
    assert categories == 16
    assert discover  # imported for the fixture's inbox listing


def test_one_batch_publishes_what_files_one_by_one_would(pipeline, data_dir, validator):
    """A task's accepted files go in as one set-based load; the ledger and every fact (current or
    history, and which file superseded it) come out as if the files had been published one at a time,
    here in the reverse of their arrival order (the hardest: each older file lands on a newer one)."""
    from giamngheo.ingest import Ingestor
    from tests.conftest import settings_for

    folder = data_dir / "inbox" / PERIOD / "health"
    latest = max(f.arrival for f in pipeline.deployment.discover(PERIOD))
    write_csv(
        folder / "sua_1.csv",
        [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=11), health_row("Tân Tú")],
        arrival=latest + 10,
    )
    write_csv(folder / "sua_2.csv", [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=22)], arrival=latest + 20)
    write_csv(folder / "sua_3.csv", [HEALTH_HEADER, health_row("Tân Tú", the_bhyt=33)], arrival=latest + 20)
    files = pipeline.deployment.discover(PERIOD)
    outcomes = {o.file.rsplit("/", 1)[-1]: o for o in pipeline.ingest(files)}  # one task: one load
    assert {o.status for o in outcomes.values()} == {"accepted"}
    assert (outcomes["sua_1.csv"].version, outcomes["sua_2.csv"].version, outcomes["sua_3.csv"].version) == (2, 3, 3)
    assert outcomes["sua_2.csv"].superseded == 10 and outcomes["sua_1.csv"].superseded == 20
    assert commune_slice(pipeline, "health", "01975")[("the_bhyt", "")] == 22

    one_by_one = Ingestor.from_settings(settings_for(data_dir, f"sqlite:///{data_dir / 'one_by_one.sqlite'}"))
    one_by_one._validator = validator
    one_by_one.initialise()
    for file in sorted(files, key=lambda f: (f.arrival, f.name), reverse=True):
        [single] = one_by_one.ingest([file])
        assert single.status == "accepted"

    def content(warehouse) -> tuple[list, list]:
        with warehouse.engine.connect() as conn:
            ledger = conn.execute(text("select id, status, row_count from submission order by id")).all()
            facts = conn.execute(
                text(
                    "select submission_id, org_unit, indicator, category, item, value, is_current, superseded_by "
                    "from fact order by submission_id, org_unit, indicator, category, item"
                )
            ).all()
        return (
            [tuple(r) for r in ledger],
            [(*r[:5], round(float(r[5]), 3), bool(r[6]), r[7]) for r in facts],
        )

    # versions count the earlier files present when a file is loaded: one by one in reverse, each came first
    assert content(pipeline.warehouse) == content(one_by_one.warehouse)
    one_by_one.warehouse.dispose()


def test_rows_the_warehouse_cannot_hold_stop_the_load_naming_the_file(pipeline):
    """The check before publishing (validation refuses these first): a cell given twice, a commune that
    is not one of the period, an indicator the form lacks. The load stops and nothing of it stays."""
    from dataclasses import replace

    import pytest

    from giamngheo.warehouse import Accepted, LoadCheckError

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    before = pipeline.warehouse.checksum()
    [file] = [f for f in pipeline.deployment.discover(PERIOD) if f.form == "health"][:1]
    form = pipeline.deployment.forms["health"]
    figure = form.figures[0].code
    cases = [
        ([{"xa": "01975", "_row": 3, figure: 1}, {"xa": "01975", "_row": 4, figure: 2}], "given twice \\(row 4\\)"),
        ([{"xa": "99999", "_row": 3, figure: 1}], "'99999' is not a commune of 2022-H1"),
    ]
    for records, words in cases:
        load = Accepted(file, "0" * 64, form, records)
        with pytest.raises(LoadCheckError, match=f"{file.label}.*{words}"):
            pipeline.warehouse.publish_many([load])
        assert pipeline.warehouse.checksum() == before
    odd = replace(form, columns=tuple(replace(c, code="not_a_figure") if c.code == figure else c for c in form.columns))
    assert [c.code for c in odd.figures][0] == "not_a_figure"
    records = [{"xa": "01975", "_row": 3, "not_a_figure": 1}]
    with pytest.raises(LoadCheckError, match="indicator 'not_a_figure' is not one of form health"):
        pipeline.warehouse.publish_many([Accepted(file, "0" * 64, odd, records)])
    assert pipeline.warehouse.checksum() == before
