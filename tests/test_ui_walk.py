"""The first run in the UI of docs/OPERATIONS.md, step by step, in headless Chromium on a non-default port.

`make inbox` puts the sample in a fresh data directory and `make airflow AIRFLOW_PORT=<free port>` runs
Airflow's real components on it, as docs/OPERATIONS.md says. The browser (Debian's Chromium, driven by
Playwright) logs in, unpauses both DAGs, triggers the ingestion with a period from the trigger form,
sees the mapped task instances by their names, opens the Submissions page; then a wrong file lands
in the inbox (the guide's `cp`), the watcher's run fails, and the browser opens the failed task's log
(its first lines are the reason), the file's Data Docs and the file as sent from the Submissions page;
then the correction lands and the page shows the rejection answered. A screenshot of every step is
kept in test-artifacts/ui-walk/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from bench.standalone import standalone
from tests.conftest import PERIOD, ROOT, make_airflow_env

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "test-artifacts" / "ui-walk"
CORRECTIONS = ROOT / "include" / "sample" / "corrections" / PERIOD / "commune"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The guide's order: `make demo` first (its own data folder), then `make inbox` and `make airflow` on a
    fresh one, each with the Airflow home the Makefile gives its data folder (no AIRFLOW_HOME set): the
    demo's runs and asset events (its approval request among them) stay in the demo's home."""
    demo_dir = tmp_path_factory.mktemp("ui_walk_demo")
    data_dir = tmp_path_factory.mktemp("ui_walk_data")
    home = data_dir / "airflow"  # the Makefile's default for this DATA_DIR
    env = make_airflow_env(home, data_dir)
    del env["AIRFLOW_HOME"]
    env["AIRFLOW_AUTH"] = "fab"  # the guide's: make airflow's default, FAB's login page
    env["GIAMNGHEO_APPROVERS"] = "admin"
    demo = subprocess.run(
        ["make", "-s", "demo", f"DATA_DIR={demo_dir}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert (demo_dir / "airflow" / "airflow.db").is_file() and not home.exists()
    inbox = subprocess.run(
        ["make", "-s", "inbox", f"DATA_DIR={data_dir}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert inbox.returncode == 0, inbox.stderr
    with standalone(
        ["make", "-s", "airflow", f"DATA_DIR={data_dir}"],
        home,
        data_dir,
        env,
        ROOT,
        {"ingest_submissions", "draft_report", "approve_report"},
        log_copy=SHOTS / "airflow-standalone.log",
    ) as running:
        assert running.port != 8080
        yield running


def runs(server, dag_id: str, run_type: str | None = None) -> list[dict]:
    found = server.api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "-start_date"})["dag_runs"]
    return [r for r in found if run_type is None or r["run_type"] == run_type]


def finished(run: dict) -> bool:
    return run["state"] in ("success", "failed")


def new_run(server, dag_id: str, run_type: str, known: set[str]):
    """Wait for a run of ``run_type`` not among ``known`` to finish; return it."""

    def done():
        fresh = [r for r in runs(server, dag_id, run_type) if r["dag_run_id"] not in known]
        return fresh and all(finished(r) for r in fresh) and fresh[0]

    return server.wait(f"a new {run_type} run of {dag_id}", done, timeout=420)


def reports_settled(server) -> bool:
    """Every run of the report DAG has finished (asset events may start several)."""
    return all(finished(r) for r in runs(server, "draft_report"))


def land(source, target) -> None:
    """The guide's `cp`: a unit's file lands in the inbox (a new modification time, like a copy)."""
    shutil.copyfile(source, target)
    now = time.time()
    os.utime(target, (now, now))


def test_the_readme_walk_in_a_browser(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = server.base
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    shot = 0

    def snap(name: str) -> None:
        nonlocal shot
        shot += 1
        page.screenshot(path=str(SHOTS / f"{shot:02d}-{name}.png"), full_page=True)

    # log in
    page.goto(f"{base}/")
    page.wait_for_selector("input[name=username]", timeout=60_000)
    snap("login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", server.password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)

    # 1. unpause the DAGs (approve_report too: complete drafts are put to approval)
    for dag_id in ("draft_report", "approve_report", "ingest_submissions"):
        page.goto(f"{base}/dags/{dag_id}")
        toggle = page.get_by_test_id("toggle-pause").first
        toggle.wait_for(timeout=60_000)
        if toggle.get_attribute("data-state") != "checked":
            toggle.click()
        server.wait(f"{dag_id} unpaused", lambda d=dag_id: not server.api("GET", f"/dags/{d}")["is_paused"])
    snap("unpaused")

    # 2. trigger the ingestion with the period, from the trigger form
    manual_before = {r["dag_run_id"] for r in runs(server, "ingest_submissions", "manual")}
    page.get_by_test_id("trigger-dag-button").first.click()
    period_field = page.locator("#element_period")
    period_field.wait_for(timeout=30_000)
    period_field.fill(PERIOD)
    snap("trigger-form")
    page.get_by_test_id("trigger-dag-submit").click()
    run = new_run(server, "ingest_submissions", "manual", manual_before)
    assert run["state"] == "success" and run["conf"] == {"period": PERIOD}

    # ... and its mapped task instances by their names
    page.goto(f"{base}/dags/ingest_submissions/runs/{run['dag_run_id']}/tasks/ingest_files/mapped")
    page.get_by_text(f"{PERIOD}/commune (14 tệp / files)").first.wait_for(timeout=60_000)
    page.get_by_text(f"{PERIOD}/health/TTYT_bao_cao_6thang_2022.xlsx").first.wait_for(timeout=30_000)
    snap("mapped-task-names")

    # 3. the report follows by itself; 4. the Submissions page: everything received
    server.wait("the report runs", lambda: runs(server, "draft_report", "asset_triggered") and reports_settled(server))
    assert (server.data_dir / "reports" / PERIOD / f"bao-cao-giam-ngheo-{PERIOD}.docx").exists()
    page.goto(f"{base}/giamngheo/?period={PERIOD}")
    page.wait_for_selector("#completeness", timeout=60_000)
    assert "57/57" in page.inner_text("#summary")
    assert "Xã Vi Hương" in page.inner_text("#matrix")
    snap("submissions")

    # 5. Vi Hương sends a wrong file: the watcher's run fails on it. The watcher starts in the triggerer
    # once the unpaused DAG is parsed, and its first look is the inbox as it is then: a file that lands
    # before it, lands unseen (the daily run takes it). It keeps its listing of the inbox here:
    server.wait("the inbox watcher to start", lambda: (server.data_dir / ".watch" / "inbox.json").exists())
    watched_before = {r["dag_run_id"] for r in runs(server, "ingest_submissions", "asset_triggered")}
    reports_before = {r["dag_run_id"] for r in runs(server, "draft_report")}
    target = server.data_dir / "inbox" / PERIOD / "commune" / "vi_huong.csv"
    land(CORRECTIONS / "vi_huong.1-rejected.csv", target)
    failed_run = new_run(server, "ingest_submissions", "asset_triggered", watched_before)
    assert failed_run["state"] == "failed"
    tis = server.api(
        "GET", f"/dags/ingest_submissions/dagRuns/{failed_run['dag_run_id']}/taskInstances", params={"limit": 100}
    )["task_instances"]
    [failed_ti] = [t for t in tis if t["task_id"] == "ingest_files"]
    assert failed_ti["state"] == "failed" and failed_ti["try_number"] == 1  # not retried
    assert failed_ti["rendered_map_index"] == f"{PERIOD}/commune/vi_huong.csv"  # named by its file in the grid
    log_path = (
        f"/dags/ingest_submissions/dagRuns/{failed_run['dag_run_id']}/taskInstances/ingest_files/logs/1"
        f"?map_index={failed_ti['map_index']}&full_content=true"
    )
    events = [e.get("event", "") for e in server.api("GET", log_path)["content"] if isinstance(e, dict)]
    ours = [e for e in events if not e.startswith("::")]  # after Airflow's own group markers
    first = next(i for i, e in enumerate(ours) if "vi_huong.csv" in e)
    assert ours[first].startswith("Tệp bị từ chối / file rejected: 2022-H1/commune/vi_huong.csv"), ours[: first + 1]
    assert "'Hộ sử dụng nước hợp vệ sinh' (ho_dung_nuoc_hop_ve_sinh)" in ours[first] and "573" in ours[first]
    assert f"{base}/giamngheo/docs/" in ours[first] and f"{base}/giamngheo/archive/" in ours[first]
    assert not any("Traceback" in e for e in events)

    page.goto(
        f"{base}/dags/ingest_submissions/runs/{failed_run['dag_run_id']}/tasks/ingest_files/mapped/{failed_ti['map_index']}"
    )
    page.get_by_text("Tệp bị từ chối / file rejected").first.wait_for(timeout=60_000)
    snap("rejected-task-log")

    # the report is re-drafted as DỰ THẢO
    server.wait(
        "the re-drafted report",
        lambda: set(r["dag_run_id"] for r in runs(server, "draft_report")) - reports_before and reports_settled(server),
    )

    # 6. the Submissions page flags Vi Hương and lists the file, with what to do
    page.goto(f"{base}/giamngheo/?period={PERIOD}")
    page.wait_for_selector("#rejected", timeout=60_000)
    rejected = page.inner_text("#rejected")
    assert "vi_huong.csv" in rejected and "chưa được thay / outstanding: Vi Hương" in rejected, rejected
    assert "gửi lại tệp cho Vi Hương" in rejected
    assert "rejection outstanding" in page.inner_text("#matrix")
    snap("submissions-rejected")

    # ... its Data Docs
    page.locator("#rejected").get_by_text("kết quả kiểm tra / Data Docs").first.click()
    page.wait_for_url(lambda url: "/giamngheo/validation/" in url, timeout=60_000)
    page.wait_for_load_state("load")
    body = page.inner_text("body")
    assert "Hộ sử dụng nước hợp vệ sinh (ho_dung_nuoc_hop_ve_sinh)" in body and "573" in body
    assert "Kết quả kiểm tra dữ liệu" in body  # Vietnamese first, columns by their header
    served = page.request.get(page.url)
    assert served.headers["content-security-policy"].startswith("sandbox")  # nothing in it runs
    snap("data-docs")

    # ... and the file as sent
    page.goto(f"{base}/giamngheo/?period={PERIOD}")
    page.wait_for_selector("#rejected", timeout=60_000)
    with page.expect_download() as download:
        page.locator("#rejected").get_by_text("tệp đã gửi / file sent").first.click()
    sent = download.value
    assert sent.suggested_filename == "vi_huong.csv"
    assert sent.path().read_bytes() == (CORRECTIONS / "vi_huong.1-rejected.csv").read_bytes()

    # 7. the correction: the rejection is answered, Vi Hương's commune form is at version 2
    watched_before = {r["dag_run_id"] for r in runs(server, "ingest_submissions", "asset_triggered")}
    approvals_before = {r["dag_run_id"] for r in runs(server, "approve_report")}
    land(CORRECTIONS / "vi_huong.2-corrected.csv", target)
    assert new_run(server, "ingest_submissions", "asset_triggered", watched_before)["state"] == "success"
    server.wait("the reports", lambda: reports_settled(server))
    page.goto(f"{base}/giamngheo/?period={PERIOD}")
    page.wait_for_selector("#rejected", timeout=60_000)
    rejected = page.inner_text("#rejected")
    assert "đã được thay bởi / answered by vi_huong.csv" in rejected and "outstanding:" not in rejected
    assert "rejection outstanding" not in page.inner_text("#matrix")
    vi_huong = page.locator("#matrix tr", has_text="Xã Vi Hương").inner_text()
    assert "v2" in vi_huong
    snap("submissions-answered")

    # the complete draft is put to approval in this deployment (the demo's request is not in its home)
    server.wait(
        "the approval asked",
        lambda: any(
            ti["task_id"] == "approve" and ti["state"] == "awaiting_input"
            for run in runs(server, "approve_report")
            if run["dag_run_id"] not in approvals_before
            for ti in server.api("GET", f"/dags/approve_report/dagRuns/{run['dag_run_id']}/taskInstances")[
                "task_instances"
            ]
        ),
        timeout=300,
    )
    page.goto(f"{base}/giamngheo/?period={PERIOD}")
    page.wait_for_selector("#matrix", timeout=60_000)
    assert "chờ phê duyệt" in page.inner_text("body")
    snap("approval-asked")

    # the navigation entry
    page.goto(f"{base}/")
    page.get_by_text("Browse").first.click()
    page.get_by_text("Submissions").first.wait_for(timeout=30_000)
    snap("browse-menu")
