"""Several districts on one deployment: inbox and reports keyed by district, one warehouse.

Input is the benchmark's synthetic generator (bench/synthetic.py): three districts of
14 communes with made-up names, in the messy shapes of the forms contract.
"""

import json
import shutil

import pytest

from bench.synthetic import write_deployment
from giamngheo.inbox import InboxFile
from giamngheo.ingest import Ingestor, find_work
from giamngheo.report import plan_reports, render_reports
from tests.conftest import PERIOD, run_dag_test, settings_for
from tests.helpers import HEALTH_HEADER, health_row, write_csv


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    out = tmp_path_factory.mktemp("three_districts")
    made = write_deployment(out, districts=3, period=PERIOD)
    return out, made


def env_of(deployment, **extra) -> dict:
    out, made = deployment
    return {"GIAMNGHEO_UNIT": "all", "GIAMNGHEO_REFERENCE_DIR": str(made["reference"]), **extra}


@pytest.fixture
def data(deployment, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(deployment[0] / "inbox", data_dir / "inbox")
    return data_dir


def pipeline_for(deployment, data_dir, validator, **extra):
    pipe = Ingestor.from_settings(settings_for(data_dir, **env_of(deployment, **extra)))
    pipe._validator = validator
    pipe.initialise()
    return pipe


def test_every_synthetic_file_is_accepted_and_lands_in_its_own_district(deployment, data, validator):
    pipe = pipeline_for(deployment, data, validator)
    assert pipe.deployment.districts == ["001", "002", "003"] and pipe.deployment.settings.keyed
    files = pipe.deployment.discover(PERIOD)
    assert {f.district for f in files} == {"001", "002", "003"}
    assert all(f.label.startswith(f"{f.district}/{PERIOD}/") for f in files)
    outcomes = pipe.ingest(files)
    assert [o.file for o in outcomes if o.status != "accepted"] == []
    households = {}
    for district in pipe.deployment.districts:
        totals = {
            (r["form"], r["indicator"]): float(r["total"]) for r in pipe.warehouse.district_totals(PERIOD, district)
        }
        assert totals[("commune", "tong_so_ho")] > 0
        households[district] = totals[("commune", "tong_so_ho")]
        ledger = pipe.warehouse.ledger(PERIOD, district)
        assert {r["status"] for r in ledger} == {"accepted"}
        assert len(ledger) == sum(f.district == district for f in files)
    assert len(set(households.values())) == 3  # three districts, three different totals

    # nothing left to do; a re-run changes nothing
    todo, loaded = pipe.needing_ingestion(pipe.deployment.discover(PERIOD))
    assert todo == [] and len(loaded) == len(files)
    checksum = pipe.warehouse.checksum()
    assert {o.status for o in pipe.ingest(pipe.deployment.discover(PERIOD))} == {"unchanged"}
    assert pipe.warehouse.checksum() == checksum

    # the Submissions page: a selector of the three districts, each district's own communes and inbox
    from giamngheo.submissions import UnknownDistrict, page_data

    first = page_data(pipe.deployment, pipe.warehouse)
    assert first["districts"] == ["001", "002", "003"] and first["unit"] == "001" and first["period"] == PERIOD
    second = page_data(pipe.deployment, pipe.warehouse, PERIOD, "002")
    communes = {u.code for u in pipe.deployment.communes_of("002", PERIOD)}
    assert {u["code"] for u in second["matrix"]["units"]} == communes
    assert second["matrix"]["counts"]["received"] == second["matrix"]["counts"]["expected"]
    with pytest.raises(UnknownDistrict):
        page_data(pipe.deployment, pipe.warehouse, PERIOD, "999")

    # data quality: the three districts checked in one GX run, each warning stored under its own district
    from giamngheo.periods import Period

    checked = pipe.check_quality(Period.parse(PERIOD))
    assert set(checked) == {"001", "002", "003"}
    for district in checked:
        stored = pipe.warehouse.query("query/quality_warnings", unit=district, period=PERIOD)
        assert len(stored) == checked[district]["found"]
        own = {u.code for u in pipe.deployment.communes_of(district, PERIOD)} | {district}
        assert {w["org_unit"] for w in stored} <= own


def test_a_file_naming_another_districts_commune_is_rejected(deployment, data, validator):
    pipe = pipeline_for(deployment, data, validator)
    other = pipe.deployment.communes_of("002", PERIOD)[0]
    path = write_csv(
        data / "inbox" / "001" / PERIOD / "health" / "nham_huyen.csv", [HEALTH_HEADER, health_row(other.name)]
    )
    [file] = [f for f in pipe.deployment.discover(PERIOD) if f.path == path]
    [outcome] = pipe.ingest([file])
    assert outcome.status == "rejected"
    assert other.name in outcome.message and "001/2022-H1/health/nham_huyen.csv" in outcome.message
    assert pipe.warehouse.district_totals(PERIOD, "002") == []  # nothing reached either district


def test_reports_per_district_named_from_the_reference_data(deployment, data, validator, tmp_path):
    from docx import Document

    pipe = pipeline_for(deployment, data, validator)
    pipe.ingest(pipe.deployment.discover(PERIOD))
    plan = plan_reports(
        pipe.deployment.settings, None, [{"period": PERIOD, "form": "health", "districts": ["002"]}], None
    )
    assert plan == [{"label": f"{PERIOD} · 002", "items": [{"period": PERIOD, "unit": "002"}]}]
    everyone = plan_reports(pipe.deployment.settings, PERIOD, [], None)
    assert [i["unit"] for b in everyone for i in b["items"]] == ["001", "002", "003"]
    results = render_reports(pipe.deployment.settings, [i for b in everyone for i in b["items"]], pdf=False)
    for district, result in zip(["001", "002", "003"], results, strict=True):
        assert f"/reports/{district}/{PERIOD}/" in result.docx
        document = Document(result.docx)
        text = "\n".join(
            [p.text for p in document.paragraphs]
            + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        )
        name = next(u.name for u in pipe.deployment.units if u.code == district)
        assert f"HUYỆN {name.upper()}" in text and f"huyện {name}" in text and "Bạch Thông" not in text
        cards = {(r["form"], r["indicator"]): r["total"] for r in pipe.warehouse.district_totals(PERIOD, district)}[
            ("health", "the_bhyt")
        ]
        from giamngheo.numbers import format_number

        assert f"cấp {format_number(cards)} thẻ BHYT" in text  # the district's own figure


def test_the_ingestion_dag_batches_whole_groups(deployment, data, airflow_home):
    extra = env_of(deployment, GIAMNGHEO_MAX_TASKS="2", GIAMNGHEO_MIN_FILES_PER_TASK="10")
    result = run_dag_test(airflow_home, data, "ingest_submissions", json.dumps({"period": PERIOD}), extra_env=extra)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    import sqlite3

    with sqlite3.connect(airflow_home / "airflow.db") as conn:
        labels = sorted(
            r[0]
            for r in conn.execute(
                "select rendered_map_index from task_instance where task_id = 'ingest_files' and run_id in "
                "(select run_id from dag_run where dag_id = 'ingest_submissions' order by id desc limit 1)"
            )
        )
    # form by form (bank, commune, … in one; the rest in the other), named by forms and districts
    assert len(labels) == 2 and all(" · 001–003 (" in label and "tệp / files" in label for label in labels)
    pipe = Ingestor.from_settings(settings_for(data, **env_of(deployment)))
    assert all(pipe.warehouse.district_totals(PERIOD, d) for d in ("001", "002", "003"))


def test_find_work_skips_loaded_files_and_follows_the_watchers_periods(deployment, data, validator):
    from datetime import date

    pipe = pipeline_for(deployment, data, validator, GIAMNGHEO_MAX_TASKS="2", GIAMNGHEO_MIN_FILES_PER_TASK="10")
    assert find_work(None, date(2026, 11, 29), [], pipe) == {"periods": ["2026-H1", "2026-H2"], "batches": []}
    # the watcher's asset events carry its trigger's payload: the periods and districts that got files
    batches = find_work(None, date(2026, 11, 29), [{"from_trigger": True, "payload": {"periods": [PERIOD]}}], pipe)[
        "batches"
    ]
    assert len(batches) == 2 and sum(len(b["items"]) for b in batches) == len(pipe.deployment.discover(PERIOD))
    arrived = {"from_trigger": True, "payload": {"periods": [PERIOD], "districts": ["002"]}}
    batches = find_work(None, date(2026, 11, 29), [arrived], pipe)["batches"]
    assert {f["unit"] for b in batches for f in b["items"]} == {"002"}
    pipe.ingest(pipe.deployment.discover(PERIOD))
    assert find_work(PERIOD, date(2026, 11, 29), [], pipe)["batches"] == []


def test_the_inbox_watcher_sees_arrivals_and_their_places(tmp_path):
    import os
    import sys

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        from inbox_watch import arrivals, inbox_listing, where
    finally:
        sys.path.remove(str(ROOT / "plugins"))
    inbox = tmp_path / "inbox"
    (inbox / "063" / PERIOD / "health").mkdir(parents=True)
    first = inbox / "063" / PERIOD / "health" / "a.xlsx"
    first.write_bytes(b"x")
    (inbox / "063" / PERIOD / "health" / "~$a.xlsx").write_bytes(b"lock")
    before = inbox_listing(inbox)
    assert list(before) == [os.path.join("063", PERIOD, "health", "a.xlsx")]
    assert arrivals(before, before) == []
    second = inbox / "063" / PERIOD / "health" / "b.csv"
    second.write_text("x")
    first.write_bytes(b"xy")  # re-sent, another size
    assert arrivals(before, inbox_listing(inbox)) == sorted(
        [os.path.join("063", PERIOD, "health", "a.xlsx"), os.path.join("063", PERIOD, "health", "b.csv")]
    )
    assert where(os.path.join("063", PERIOD, "health", "b.csv")) == (PERIOD, "063")
    assert where(os.path.join(PERIOD, "health", "b.csv")) == (PERIOD, None)
    assert where("stray.csv") == (None, None)


def test_the_inbox_watcher_announces_a_file_at_once_and_a_long_copy_once(tmp_path):
    """A new file is announced as soon as it is listed (``early``: its run waits for it to settle); while
    it is still being written it is not announced again; once it has settled after changing, it is."""
    import sys

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        from inbox_watch import announcement
    finally:
        sys.path.remove(str(ROOT / "plugins"))
    settle, t0 = 10.0, 1_000_000.0
    nothing: dict[str, list[float]] = {}
    landing = {"2022-H1/health/a.xlsx": [100, t0, t0]}
    assert announcement(nothing, landing, set(), t0 + 1, settle) == (["2022-H1/health/a.xlsx"], True, set(landing))
    growing = {"2022-H1/health/a.xlsx": [200, t0 + 2, t0 + 2]}
    assert announcement(landing, growing, set(landing), t0 + 3, settle) is None  # the same copy: no new run
    assert announcement(landing, growing, set(landing), t0 + 13, settle) == (["2022-H1/health/a.xlsx"], False, set())
    other = {**growing, "2022-H1/bank/b.csv": [50, t0 + 4, t0 + 4]}  # another file during the copy
    assert announcement(landing, other, set(landing), t0 + 5, settle) == (sorted(other), True, set(other))
    assert announcement(growing, growing, set(), t0 + 20, settle) is None  # nothing changed
    settled_long_ago = {"2022-H1/health/a.xlsx": [100, t0 - 60, t0 - 60]}  # copied in with an old time
    assert announcement(nothing, settled_long_ago, set(), t0, settle) == (["2022-H1/health/a.xlsx"], False, set())


def test_an_early_announcement_ingests_a_file_once_it_has_settled(deployment, data, validator):
    """A run started by the watcher's early event takes a file still being written and waits for it to
    settle before reading it; a run without it leaves the file to a later run."""
    import os
    import time
    from datetime import date

    pipe = pipeline_for(deployment, data, validator, GIAMNGHEO_SETTLE_SECONDS="3")
    fresh = next(f for f in pipe.deployment.discover(PERIOD, settling=True) if f.district == "002")
    os.utime(fresh.path, None)  # just written
    payload = {"periods": [PERIOD], "districts": ["002"]}
    late = find_work(None, date(2026, 11, 29), [{"payload": payload}], pipe)["batches"]
    assert fresh.path.name not in {os.path.basename(f["path"]) for b in late for f in b["items"]}
    early = find_work(None, date(2026, 11, 29), [{"payload": {**payload, "early": True}}], pipe)["batches"]
    [item] = [f for b in early for f in b["items"] if f["path"] == str(fresh.path)]
    started = time.time()
    [outcome] = pipe.ingest([InboxFile.from_dict(item)])
    assert outcome.status == "accepted" and time.time() - started >= 2  # read once settled, not before
