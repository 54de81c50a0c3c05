"""End to end through Airflow's real components (API server, scheduler, DAG processor, triggerer).

`make airflow` (the README's command: `airflow standalone`) runs them on a free port with a
fresh AIRFLOW_HOME. The test drives
them only through the REST API v2 with a token from /auth/token, as an operator's script
would: trigger the ingestion, wait for the asset-triggered report, re-send one file and let
the inbox watcher ingest it and the report follow (the time it takes is written to
test-artifacts/freshness.json), then clear that file's mapped task instance: nothing changes.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import httpx
import pytest

from bench.standalone import standalone
from giamngheo.ingest import Ingestor
from giamngheo.numbers import format_number
from tests.conftest import PERIOD, ROOT, SAMPLE_INBOX, make_airflow_env, settings_for
from tests.seed_figures import SEED_2022_H1

pytestmark = pytest.mark.e2e
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def airflow_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("standalone_home")
    data_dir = tmp_path_factory.mktemp("standalone_data")
    shutil.copytree(SAMPLE_INBOX, data_dir / "inbox", dirs_exist_ok=True)
    env = make_airflow_env(home, data_dir)
    with standalone(
        ["make", "-s", "airflow", f"DATA_DIR={data_dir}"],
        home,
        data_dir,
        env,
        ROOT,
        {"ingest_submissions", "draft_report"},
        log_copy=ARTIFACTS / "airflow-standalone.log",
    ) as server:
        yield server


def warehouse_totals(data_dir: Path) -> dict:
    warehouse = Ingestor.from_settings(settings_for(data_dir)).warehouse
    try:
        return {
            (r["form"], r["indicator"], r["category"]): float(r["total"])
            for r in warehouse.district_totals(PERIOD, "063")
        }
    finally:
        warehouse.dispose()


def report_text(data_dir: Path) -> str:
    from docx import Document

    return "\n".join(
        p.text for p in Document(data_dir / "reports" / PERIOD / f"bao-cao-giam-ngheo-{PERIOD}.docx").paragraphs
    )


def test_anonymous_requests_are_refused(airflow_server):
    anonymous = httpx.Client(base_url=airflow_server.base, timeout=30)
    assert anonymous.get("/api/v2/dags").status_code == 401
    page = anonymous.get("/giamngheo/")  # a browser is sent to the login page, and back afterwards
    assert page.status_code == 303 and "login" in page.headers["location"]
    assert anonymous.get("/giamngheo/api/submissions").status_code == 401
    assert anonymous.post("/auth/token", json={"username": "admin", "password": "wrong"}).status_code == 401


def test_ingest_report_and_rerun_one_file_through_the_scheduler(airflow_server):
    server = airflow_server
    for dag_id in ("ingest_submissions", "draft_report"):
        server.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    run = server.api(
        "POST", "/dags/ingest_submissions/dagRuns", json={"logical_date": None, "conf": {"period": PERIOD}}
    )
    assert server.wait_run("ingest_submissions", run["dag_run_id"]) == "success"
    totals = warehouse_totals(server.data_dir)
    for key, expected in SEED_2022_H1.items():
        assert totals.get(key) == expected, key

    # the report follows the ingestion's asset events, without being triggered
    def reports_idle(at_least: int):
        """Asset events may trigger several report runs; wait until all of them have finished."""
        runs = server.api("GET", "/dags/draft_report/dagRuns", params={"limit": 100})["dag_runs"]
        triggered = [r for r in runs if r["run_type"] == "asset_triggered"]
        done = all(r["state"] in ("success", "failed") for r in runs)
        return len(triggered) >= at_least and done and triggered

    def drafted(figure: str) -> bool:
        try:
            return figure in report_text(server.data_dir)
        except Exception:  # not written yet
            return False

    first_reports = server.wait(
        "the asset-triggered report with every file", lambda: drafted("cấp 30.447 thẻ BHYT") and reports_idle(1)
    )
    assert {r["state"] for r in first_reports} == {"success"}

    # the mapped ingestion tasks: one per form, named by the form, or by the file when it is the form's only one
    tis = server.api(
        "GET",
        f"/dags/ingest_submissions/dagRuns/{run['dag_run_id']}/taskInstances",
        params={"task_id": "ingest_files", "limit": 100},
    )["task_instances"]
    tis = [t for t in tis if t["task_id"] == "ingest_files"]
    by_file = {t["rendered_map_index"]: t for t in tis}
    health_label = f"{PERIOD}/health/TTYT_bao_cao_6thang_2022.xlsx"
    assert len(by_file) == 5 and health_label in by_file and f"{PERIOD}/commune (14 tệp / files)" in by_file

    # the Health Center re-sends its file under the same name: Vi Hương corrected
    import openpyxl

    path = server.data_dir / "inbox" / PERIOD / "health" / "TTYT_bao_cao_6thang_2022.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.active
    for row in sheet.iter_rows():
        if row[1].value == "Xã Vi Hương":
            row[2].value += 1000
        if row[1].value == "Tổng cộng":
            row[2].value += 1000
    # the watcher runs in the triggerer once the DAG is parsed; it keeps its listing of the inbox here
    server.wait("the inbox watcher to start", lambda: (server.data_dir / ".watch" / "inbox.json").exists())
    book.save(path)
    landed = time.time()
    os.utime(path, (landed, landed))

    # nobody triggers anything: the inbox watcher (an event trigger in the triggerer) starts the
    # ingestion, whose asset event re-drafts the report; the previous draft moves to history/
    corrected = SEED_2022_H1[("health", "the_bhyt", "")] + 1000
    server.wait(
        "the watcher's ingestion to load the re-sent file",
        lambda: warehouse_totals(server.data_dir)[("health", "the_bhyt", "")] == corrected,
        timeout=300,
    )
    validated = time.time() - landed
    later_reports = server.wait(
        "the re-drafted report",
        lambda: drafted(f"cấp {format_number(corrected)} thẻ BHYT") and reports_idle(len(first_reports) + 1),
        timeout=300,
    )
    redrafted = time.time() - landed
    assert {r["state"] for r in later_reports} == {"success"}
    assert len(list((server.data_dir / "reports" / PERIOD / "history").glob("*.docx"))) >= 1
    arrivals = server.api("GET", "/dags/ingest_submissions/dagRuns", params={"limit": 100})["dag_runs"]
    assert any(r["run_type"] == "asset_triggered" and r["state"] == "success" for r in arrivals)
    ARTIFACTS.mkdir(exist_ok=True)  # freshness, measured here with the real scheduler (docs/PERFORMANCE.md)
    (ARTIFACTS / "freshness.json").write_text(
        json.dumps(
            {
                "settle_seconds": 2,
                "file_to_loaded_s": round(validated, 1),
                "file_to_redrafted_report_s": round(redrafted, 1),
            }
        )
    )
    print(f"freshness: loaded after {validated:.1f} s, report re-drafted after {redrafted:.1f} s")

    # an operator re-runs the file's task instance (with its downstream tasks, the UI's default):
    # safe, the file is recognised as loaded and nothing changes
    checksum = Ingestor.from_settings(settings_for(server.data_dir)).warehouse.checksum()
    health_ti = by_file[health_label]
    ti_path = (
        f"/dags/ingest_submissions/dagRuns/{run['dag_run_id']}/taskInstances/ingest_files/{health_ti['map_index']}"
    )
    server.api(
        "POST",
        "/dags/ingest_submissions/clearTaskInstances",
        json={
            "dry_run": False,
            "dag_run_id": run["dag_run_id"],
            "only_failed": False,
            "reset_dag_runs": True,
            "task_ids": [["ingest_files", health_ti["map_index"]]],
            "include_downstream": True,
        },
    )

    def rerun_finished():
        ti = server.api("GET", ti_path)
        return ti["try_number"] > health_ti["try_number"] and ti["state"] in ("success", "failed") and ti

    assert server.wait("the cleared task instance to run again", rerun_finished)["state"] == "success"
    assert server.wait_run("ingest_submissions", run["dag_run_id"]) == "success"
    assert Ingestor.from_settings(settings_for(server.data_dir)).warehouse.checksum() == checksum
    assert warehouse_totals(server.data_dir)[("health", "the_bhyt", "")] == corrected

    # the Submissions API shows the new version of the Health Center's file
    matrix = server.client.get("/giamngheo/api/submissions", params={"period": PERIOD}).json()["matrix"]
    vi_huong = next(u for u in matrix["units"] if u["name"] == "Xã Vi Hương")
    assert vi_huong["cells"]["health"]["version"] == 2 and vi_huong["cells"]["health"]["superseded"] == 1
