"""The ingestion DAG run for real with `airflow dags test`."""

import json
import os
import sqlite3

import pytest

from giamngheo.ingest import Ingestor
from tests.conftest import PERIOD, run_dag_test, settings_for
from tests.helpers import HEALTH_HEADER, health_row, write_csv
from tests.seed_figures import SEED_2022_H1

pytestmark = pytest.mark.integration
CONF = json.dumps({"period": PERIOD})


def warehouse(data_dir, url=None):
    return Ingestor.from_settings(settings_for(data_dir, url)).warehouse


def totals(data_dir, url=None) -> dict:
    return {
        (r["form"], r["indicator"], r["category"]): float(r["total"])
        for r in warehouse(data_dir, url).district_totals(PERIOD, "063")
    }


def health_slice(data_dir, unit):
    with warehouse(data_dir).engine.connect() as conn:
        return dict(
            conn.exec_driver_sql(
                "select indicator, value from fact where is_current and form = 'health' and org_unit = ?", (unit,)
            ).all()
        )


def rendered_map_indexes(airflow_home, task_id="ingest_files"):
    with sqlite3.connect(airflow_home / "airflow.db") as conn:
        return {
            r[0] for r in conn.execute("select rendered_map_index from task_instance where task_id = ?", (task_id,))
        }


def asset_events(airflow_home) -> dict:
    with sqlite3.connect(airflow_home / "airflow.db") as conn:
        return dict(
            conn.execute(
                "select a.uri, count(*) from asset_event e join asset a on a.id = e.asset_id group by a.uri"
            ).fetchall()
        )


def new_events(airflow_home, before: dict) -> dict:
    return {uri: n - before.get(uri, 0) for uri, n in asset_events(airflow_home).items() if n != before.get(uri, 0)}


def test_sample_period_through_airflow(airflow_home, data_dir):
    before = asset_events(airflow_home)  # the Airflow home is shared by the session's DAG tests
    first = run_dag_test(airflow_home, data_dir, "ingest_submissions", CONF)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    got = totals(data_dir)
    for key, expected in SEED_2022_H1.items():
        assert got.get(key) == expected, key
    assert "2022-H1/health/TTYT_bao_cao_6thang_2022.xlsx" in rendered_map_indexes(airflow_home)
    # the run wrote the period's blank templates for the units, once
    assert len(list((data_dir / "templates" / PERIOD).glob("mau_*.xlsx"))) == 4 + 14
    events = new_events(airflow_home, before)  # one event per (period, form) that received data
    assert events == {
        f"giamngheo://warehouse/{PERIOD}/{form}": 1 for form in ("health", "education", "bank", "commune", "models")
    }

    checksum = warehouse(data_dir).checksum()
    second = run_dag_test(airflow_home, data_dir, "ingest_submissions", CONF)
    assert second.returncode == 0, second.stdout[-3000:]
    assert warehouse(data_dir).checksum() == checksum
    assert new_events(airflow_home, before) == events  # nothing loaded, nothing announced

    # a correction for one commune, and a bad file beside it
    before_other = health_slice(data_dir, "01990")
    inbox = data_dir / "inbox" / PERIOD / "health"
    latest = max(p.stat().st_mtime for p in inbox.iterdir())
    write_csv(
        inbox / "dinh_chinh_vi_huong.csv",
        [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=3000, poor=500)],
        arrival=latest + 60,
    )
    write_csv(
        inbox / "sai_dinh_dang.csv", [HEALTH_HEADER, health_row("Lục Bình", cost="1,234.5")], arrival=latest + 120
    )
    third = run_dag_test(airflow_home, data_dir, "ingest_submissions", CONF)
    output = third.stdout + third.stderr
    assert third.returncode != 0  # the run fails: a file was rejected
    assert "sai_dinh_dang.csv" in output and "1,234.5" in output and "1.234,5" in output
    assert health_slice(data_dir, "01975")["the_bhyt"] == 3000
    assert health_slice(data_dir, "01990") == before_other  # the rejected file touched nothing
    ledger = {r["file_name"]: r for r in warehouse(data_dir).ledger(PERIOD, "063")}
    assert ledger["sai_dinh_dang.csv"]["status"] == "rejected" and ledger["sai_dinh_dang.csv"]["facts"] == 0
    assert ledger["dinh_chinh_vi_huong.csv"]["version"] == 2
    assert os.path.exists(ledger["sai_dinh_dang.csv"]["docs_path"])
    third_events = new_events(airflow_home, before)
    assert third_events[f"giamngheo://warehouse/{PERIOD}/health"] == 2  # the correction and the rejection

    # the rejected file stays in the inbox: the next run does not read it again, and is green
    checksum = warehouse(data_dir).checksum()
    fourth = run_dag_test(airflow_home, data_dir, "ingest_submissions", CONF)
    output = fourth.stdout + fourth.stderr
    assert fourth.returncode == 0, output[-3000:]
    assert "0 to ingest in 0 task(s)" in output
    assert "rejections still outstanding: 1" in output and "sai_dinh_dang.csv — Lục Bình" in output
    assert warehouse(data_dir).checksum() == checksum
    assert new_events(airflow_home, before) == third_events  # nothing loaded or rejected, nothing announced

    # the report DAG drafts the period: a draft, since a file is rejected, listing it
    report = run_dag_test(airflow_home, data_dir, "draft_report", CONF)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    from docx import Document

    document = data_dir / "reports" / PERIOD / f"bao-cao-giam-ngheo-{PERIOD}.docx"
    text = "\n".join(p.text for p in Document(document).paragraphs)
    assert "DỰ THẢO" in text and "sai_dinh_dang.csv" in text
    from giamngheo.numbers import format_number

    cards = totals(data_dir)[("health", "the_bhyt", "")]  # the seed's total with Vi Hương corrected to 3.000
    assert cards != SEED_2022_H1[("health", "the_bhyt", "")]
    assert f"cấp {format_number(cards)} thẻ BHYT" in text
    assert "2022-H1" in rendered_map_indexes(airflow_home, "render")


def test_the_pipeline_on_a_postgresql_warehouse(airflow_home, data_dir, postgres_url):
    first = run_dag_test(airflow_home, data_dir, "ingest_submissions", CONF, postgres_url)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    got = totals(data_dir, postgres_url)
    for key, expected in SEED_2022_H1.items():
        assert got.get(key) == expected, key
    assert not (data_dir / "warehouse.sqlite").exists()  # nothing went to the default SQLite file
    checksum = warehouse(data_dir, postgres_url).checksum()
    assert run_dag_test(airflow_home, data_dir, "ingest_submissions", CONF, postgres_url).returncode == 0
    assert warehouse(data_dir, postgres_url).checksum() == checksum
    report = run_dag_test(airflow_home, data_dir, "draft_report", CONF, postgres_url)
    assert report.returncode == 0, report.stdout[-3000:]
    from docx import Document

    text = "\n".join(
        p.text for p in Document(data_dir / "reports" / PERIOD / f"bao-cao-giam-ngheo-{PERIOD}.docx").paragraphs
    )
    assert "cấp 30.447 thẻ BHYT" in text and "DỰ THẢO" not in text


def test_make_run_exits_non_zero_only_while_a_rejection_is_outstanding(airflow_home, data_dir):
    """Scenario A then C through the README's command: a refused correction for Vi Hương makes `make run`
    fail; once a later correction for Vi Hương is accepted it succeeds, the refused file still in the inbox."""
    import subprocess

    from tests.conftest import ROOT, airflow_env

    inbox = data_dir / "inbox" / PERIOD / "health"
    latest = max(p.stat().st_mtime for p in inbox.iterdir())
    write_csv(
        inbox / "sai_vi_huong.csv", [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=10, poor=20)], arrival=latest + 60
    )
    env = airflow_env(airflow_home, data_dir)
    command = ["make", "--no-print-directory", "run", f"PERIOD={PERIOD}", f"DATA_DIR={data_dir}"]
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode != 0, first.stdout[-3000:]
    assert "rejection outstanding: 2022-H1/health/sai_vi_huong.csv — Vi Hương" in first.stdout
    assert "DỰ THẢO" in first.stdout
    # the failed task instance is named by its files in the grid, not by its number
    assert "2022-H1/health (2 tệp / files)" in rendered_map_indexes(airflow_home)

    write_csv(
        inbox / "dung_vi_huong.csv",
        [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=3000, poor=500)],
        arrival=latest + 120,
    )
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "no rejection outstanding for 2022-H1" in second.stdout and "DỰ THẢO" not in second.stdout
    assert (inbox / "sai_vi_huong.csv").exists()
