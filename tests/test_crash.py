"""Crash safety and concurrency, with real processes: SIGKILL in the middle, two loads at once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import text

from giamngheo.ingest import Ingestor
from giamngheo.periods import Period
from tests.conftest import PERIOD, ROOT, SAMPLE_INBOX
from tests.helpers import HEALTH_HEADER, health_row, write_csv

INGEST = (
    "from giamngheo.ingest import Ingestor; from giamngheo.periods import Period; p = Ingestor(); p.initialise(); "
    "p.ingest(p.deployment.discover(Period.parse('{period}')))"
)
RENDER = (
    "from giamngheo.report import render_report; from giamngheo.periods import Period; "
    "render_report(Period.parse('{period}'), pdf=False)"
)


def env_for(data_dir: Path, url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIAMNGHEO")}
    env.update(
        {
            "GIAMNGHEO_DATA_DIR": str(data_dir),
            "GIAMNGHEO_WAREHOUSE_URL": url,
            "GIAMNGHEO_PROJECT_DIR": str(ROOT),
            "GIAMNGHEO_SETTLE_SECONDS": "0",
            "GX_ANALYTICS_ENABLED": "False",
            **extra,
        }
    )
    return env


def start(code: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code.format(period=PERIOD)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_at_pause_point(code: str, data_dir: Path, url: str, point: str, tmp_path: Path) -> None:
    marker = tmp_path / f"paused-at-{point}"
    process = start(code, env_for(data_dir, url, GIAMNGHEO_PAUSE_AT=point, GIAMNGHEO_PAUSE_MARKER=str(marker)))
    deadline = time.monotonic() + 180
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the process never reached the pause point"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def counts(pipeline) -> dict:
    with pipeline.warehouse.engine.connect() as conn:
        return {
            table: conn.execute(text(f"select count(*) from {table}")).scalar()
            for table in ("submission", "fact", "submission_slice")
        }


def test_sigkill_while_publishing_leaves_the_previous_state(pipeline, data_dir, warehouse_url, tmp_path):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    before, before_counts = pipeline.warehouse.checksum(), counts(pipeline)
    latest = max(f.arrival for f in pipeline.deployment.discover(PERIOD))
    write_csv(
        data_dir / "inbox" / PERIOD / "health" / "dinh_chinh.csv",
        [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=5555, poor=55)],
        arrival=latest + 60,
    )

    kill_at_pause_point(INGEST, data_dir, warehouse_url, "publish", tmp_path)
    pipeline.warehouse.dispose()  # fresh connections see what the database kept
    assert pipeline.warehouse.checksum() == before
    assert counts(pipeline) == before_counts

    outcomes = pipeline.ingest(pipeline.deployment.discover(PERIOD))  # the re-run completes the load
    assert [o.status for o in outcomes if o.file.endswith("dinh_chinh.csv")] == ["accepted"]
    with pipeline.warehouse.engine.connect() as conn:
        value = conn.execute(
            text(
                "select value from fact where is_current and form = 'health' and "
                "org_unit = '01975' and indicator = 'the_bhyt'"
            )
        ).scalar()
    assert float(value) == 5555


def test_sigkill_while_rendering_keeps_the_previous_report(pipeline, data_dir, warehouse_url, tmp_path):
    from giamngheo.report import ReportBuilder

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    builder = ReportBuilder(pipeline.deployment.settings)
    document = Path(builder.render(Period.parse(PERIOD), pdf=False).docx)
    before = "\n".join(p.text for p in Document(document).paragraphs)
    latest = max(f.arrival for f in pipeline.deployment.discover(PERIOD))
    write_csv(
        data_dir / "inbox" / PERIOD / "health" / "dinh_chinh.csv",
        [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=5555, poor=55)],
        arrival=latest + 60,
    )
    pipeline.ingest(pipeline.deployment.discover(PERIOD))

    kill_at_pause_point(RENDER, data_dir, warehouse_url, "render", tmp_path)
    assert "\n".join(p.text for p in Document(document).paragraphs) == before  # whole, and still the old one
    assert not (document.parent / "history").exists()
    assert list(document.parent.glob(".render-*"))  # the killed render's staging folder

    after = builder.render(Period.parse(PERIOD), pdf=False)  # the next render completes and tidies up
    builder.warehouse.dispose()
    assert "\n".join(p.text for p in Document(after.docx).paragraphs) != before
    assert not list(document.parent.glob(".render-*"))
    assert len(list((document.parent / "history").glob("*.docx"))) == 1


def test_two_ingestions_of_the_same_period_at_once(pipeline, data_dir, warehouse_url, tmp_path, validator):
    import shutil

    env = env_for(data_dir, warehouse_url)
    first, second = start(INGEST, env), start(INGEST, env)
    for process in (first, second):
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]

    # the same period loaded once, sequentially, into a separate SQLite warehouse
    alone = tmp_path / "alone"
    shutil.copytree(SAMPLE_INBOX, alone / "inbox")
    from tests.conftest import settings_for

    sequential = Ingestor.from_settings(settings_for(alone))
    sequential._validator = validator
    sequential.initialise()
    sequential.ingest(sequential.deployment.discover(PERIOD))
    try:
        assert (
            counts(pipeline)
            == counts(sequential)
            == {
                "submission": 20,
                "fact": counts(sequential)["fact"],
                "submission_slice": counts(sequential)["submission_slice"],
            }
        )
        query = "select form, indicator, category, org_unit, value from fact where is_current order by 1, 2, 3, 4"
        with pipeline.warehouse.engine.connect() as a, sequential.warehouse.engine.connect() as b:
            rows_a = [(*r[:4], float(r[4])) for r in a.execute(text(query))]
            rows_b = [(*r[:4], float(r[4])) for r in b.execute(text(query))]
        assert rows_a == rows_b  # no duplicate, no lost fact
    finally:
        sequential.warehouse.dispose()


def test_a_load_does_not_wait_for_another_forms_open_load(pipeline, data_dir, warehouse_url, tmp_path):
    """PostgreSQL: each load stages into a temporary table of its own session, so a load of another
    (district, period, form) runs to its commit while the first holds its transaction open (paused
    before its commit). Through one shared staging table the second would wait, at its ``analyze``, for
    the first to commit."""
    import threading

    if not warehouse_url.startswith("postgresql"):
        pytest.skip("SQLite takes one writer at a time")
    files = pipeline.deployment.discover(PERIOD)
    health = [f for f in files if f.form == "health"]
    education = [f for f in files if f.form == "education"]
    pipeline.validator  # noqa: B018 — built here, not in two threads at once
    armed, marker = tmp_path / "armed", tmp_path / "paused"
    armed.touch()
    paused = {"GIAMNGHEO_PAUSE_AT": "publish", "GIAMNGHEO_PAUSE_ARMED": str(armed)}
    paused |= {"GIAMNGHEO_PAUSE_MARKER": str(marker), "GIAMNGHEO_PAUSE_SECONDS": "15"}
    finished: dict[str, list] = {}
    with pytest.MonkeyPatch.context() as env:
        for key, value in paused.items():
            env.setenv(key, value)
        first = threading.Thread(target=lambda: finished.setdefault("health", pipeline.ingest(health)))
        first.start()
        deadline = time.monotonic() + 120
        while not marker.exists():  # the first load has staged, analysed and published, and waits to commit
            assert first.is_alive() and time.monotonic() < deadline, "the first load never paused"
            time.sleep(0.1)
        finished["education"] = pipeline.ingest(education)  # the pause is taken: this one goes on
        assert "health" not in finished, "the second load waited for the first one's commit"
        first.join(timeout=120)
    assert {o.status for outcomes in finished.values() for o in outcomes} == {"accepted"}
    assert counts(pipeline)["submission"] == len(health) + len(education)


def test_a_crash_between_the_load_and_its_quality_check_is_finished_by_the_retry(
    pipeline, data_dir, warehouse_url, tmp_path
):
    """The load commits and owes its check (``quality_pending``) in the same transaction; killed before the
    check, the draft says the check is owed, the run's planner gives the owed check a task of its own, and
    a retry of the task (its files unchanged) runs the check: the outlier's warning is stored."""
    from datetime import date

    from giamngheo.ingest import find_work
    from giamngheo.report import ReportBuilder
    from tests.test_quality import luc_binh, second_year

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    inbox = second_year(data_dir)
    later = Period.parse("2023-H1")
    latest = max(f.arrival for f in pipeline.deployment.discover(later))
    write_csv(
        inbox / "health" / "dinh_chinh_luc_binh.csv", [HEALTH_HEADER, luc_binh(cost=503_650_880)], arrival=latest + 60
    )

    kill_at_pause_point(INGEST.replace("{period}", str(later)), data_dir, warehouse_url, "before_quality", tmp_path)
    pipeline.warehouse.dispose()
    assert [(e["unit"], e["period"]) for e in pipeline.warehouse.quality_owed([later])] == [("063", "2023-H1")]
    assert pipeline.warehouse.query("query/quality_warnings", unit="063", period=later) == []
    builder = ReportBuilder(pipeline.deployment.settings, pipeline.warehouse)
    context = builder.context(later, builder.values(later))
    assert context["draft"] and "chưa kiểm tra chất lượng" in context["draft_reason"]

    work = find_work(str(later), date.today(), None, pipeline)  # every file is known: only the owed check
    assert [(b["items"], b["quality"]) for b in work["batches"]] == [([], [{"unit": "063", "period": "2023-H1"}])]

    outcomes = pipeline.ingest(pipeline.deployment.discover(later))  # the retry: nothing new to load
    assert {o.status for o in outcomes} == {"unchanged"}
    warnings = pipeline.warehouse.query("query/quality_warnings", unit="063", period=later)
    assert [(w["org_unit"], w["subject"]) for w in warnings if w["kind"] == "outlier"] == [
        ("01990", "health.chi_phi_kham_ho_ngheo")
    ]
    assert pipeline.warehouse.quality_owed([later]) == []
    assert "chưa kiểm tra chất lượng" not in builder.context(later, builder.values(later))["draft_reason"]
