"""The approval end to end, through Airflow's real scheduler, REST API and UI.

`make airflow` runs with three users: `admin`, the approver `pho_chu_tich` (granted `phe_duyet` on huyện
Bạch Thông with `giamngheo access grant`, no GIAMNGHEO_APPROVERS) and the clerk `van_thu`. The complete
2022-H1 sample is ingested; the report DAG puts its complete draft to approval; the approval waits
unanswered until its first reminder goes out; the Required Actions page shows the draft's links
(screenshot kept in test-artifacts/approval/); a malformed answer without the optional `ghi_chu` is
refused and asked again; the clerk's answer is refused (403); the approver approves with `so_van_ban`
and `ngay_ky` through the REST API and the final appears with them, without DỰ THẢO. A correction then
lands: it is held (final and figures unchanged); the clerk cannot reopen; the approver reopens with a
reason, the correction is published and a new draft waits for approval. The narrative then changes: the
approver's answer is refused, audited, and a new request is asked.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from bench.standalone import standalone
from giamngheo.approval import APPROVE, Approvals, document_text
from giamngheo.periods import Period
from tests.conftest import PERIOD, ROOT, log_in, make_airflow_env, settings_for
from tests.test_approval import correction

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "test-artifacts" / "approval"
USERS = "admin:admin,pho_chu_tich:op,van_thu:op"
REMIND_SECONDS = 25


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("approval_home")
    data_dir = tmp_path_factory.mktemp("approval_data")
    env = make_airflow_env(home, data_dir)
    env.update(
        {
            "GIAMNGHEO_APPROVAL_REMIND_DAYS": str(REMIND_SECONDS / 86400),
            "GIAMNGHEO_APPROVAL_REMINDERS": "20",  # the later steps must not outwait the reminders
        }
    )
    inbox = subprocess.run(
        ["make", "-s", "inbox", f"DATA_DIR={data_dir}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert inbox.returncode == 0, inbox.stderr
    granted = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "giamngheo"), "access", "grant", "pho_chu_tich", "--unit", "063"]
        + ["--role", "phe_duyet", "--on", "2022-01-01", "--by", "admin"],
        cwd=ROOT,
        env={**env, "GIAMNGHEO_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
    )
    assert granted.returncode == 0, granted.stderr
    with standalone(
        ["make", "-s", "airflow", f"DATA_DIR={data_dir}", f"AIRFLOW_USERS={USERS}"],
        home,
        data_dir,
        env,
        ROOT,
        {"ingest_submissions", "draft_report", "approve_report", "reopen_period"},
        log_copy=SHOTS / "airflow-standalone.log",
    ) as running:
        yield running


def approvals_of(data_dir: Path) -> Approvals:
    return Approvals(settings_for(data_dir))  # pho_chu_tich approves by the grant


def waiting_approval(server, known: set[str]) -> dict | None:
    """A run of approve_report not in ``known`` whose approve task waits for an answer."""
    runs = server.api("GET", "/dags/approve_report/dagRuns", params={"limit": 50})["dag_runs"]
    for run in runs:
        if run["dag_run_id"] in known:
            continue
        tis = server.api("GET", f"/dags/approve_report/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]
        for ti in tis:
            if ti["task_id"] == "approve" and ti["state"] == "awaiting_input":
                return {"run": run["dag_run_id"], "ti": ti}
    return None


def hitl_path(waiting: dict) -> str:
    return (
        f"/api/v2/dags/approve_report/dagRuns/{waiting['run']}/taskInstances/approve/"
        f"{waiting['ti']['map_index']}/hitlDetails"
    )


def test_approve_hold_and_reopen_through_the_scheduler(server, browser):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    for dag_id in ("ingest_submissions", "draft_report", "approve_report", "reopen_period"):
        server.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    run = server.api(
        "POST", "/dags/ingest_submissions/dagRuns", json={"logical_date": None, "conf": {"period": PERIOD}}
    )
    assert server.wait_run("ingest_submissions", run["dag_run_id"]) == "success"

    # the complete draft waits for approval; nobody answers: the first reminder goes out
    first = server.wait("the draft's approval request", lambda: waiting_approval(server, set()), timeout=420)
    server.wait(
        "the reminder after an unanswered wait",
        lambda: (w := waiting_approval(server, set())) and w["ti"]["try_number"] >= 2 and w,
        timeout=REMIND_SECONDS * 8,
    )
    first = waiting_approval(server, set())
    log = server.client.get(
        f"/api/v2/dags/approve_report/dagRuns/{first['run']}/taskInstances/approve/logs/{first['ti']['try_number']}",
        params={"map_index": first["ti"]["map_index"], "full_content": True},
        headers={"Accept": "application/json"},
    )
    assert log.status_code == 200 and "reminder 1" in log.text, log.text[-2000:]

    # the Required Actions page, as the approver sees it: the draft's links
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    log_in(page, server, "pho_chu_tich")
    page.goto(
        f"{server.base}/dags/approve_report/runs/{first['run']}/tasks/approve/mapped/"
        f"{first['ti']['map_index']}/required_actions"
    )
    docx_link = page.get_by_role("link", name=f"bao-cao-giam-ngheo-{PERIOD}.docx")
    docx_link.first.wait_for(timeout=60_000)
    page.get_by_text("so_van_ban").first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "01-required-actions.png"), full_page=True)
    href = docx_link.first.get_attribute("href")
    assert href and "/giamngheo/reports/" in href
    draft = page.request.get(href)
    assert draft.status == 200 and draft.body()[:2] == b"PK"  # the .docx, behind the login
    page.close()

    # a script's answer that leaves out the optional ghi_chu, with a malformed number: refused with the
    # reason in the log, and asked again (the task does not fail)
    malformed = {"chosen_options": [APPROVE], "params_input": {"so_van_ban": "125", "ngay_ky": "2022-07-15"}}
    assert server.client_of("pho_chu_tich").patch(hitl_path(first), json=malformed).status_code == 200

    def refused_and_asked_again():
        ti = server.api(
            "GET", f"/dags/approve_report/dagRuns/{first['run']}/taskInstances/approve/{first['ti']['map_index']}"
        )
        if ti["state"] != "awaiting_input":
            return None
        text = server.client.get(
            f"/api/v2/dags/approve_report/dagRuns/{first['run']}/taskInstances/approve/logs/{ti['try_number']}",
            params={"map_index": first["ti"]["map_index"], "full_content": True},
            headers={"Accept": "application/json"},
        ).text
        return "answer refused, asking again" in text and "125/BC-UBND" in text and ti

    again = server.wait("the malformed answer refused and asked again", refused_and_asked_again, timeout=180)
    assert again["state"] == "awaiting_input" and server.run_state("approve_report", first["run"]) == "running"

    answer = {"chosen_options": [APPROVE], "params_input": {"so_van_ban": "125/BC-UBND", "ngay_ky": "2022-07-15"}}
    clerk = server.client_of("van_thu").patch(hitl_path(first), json=answer)
    assert clerk.status_code == 403, clerk.text
    approver = server.client_of("pho_chu_tich").patch(hitl_path(first), json=answer)
    assert approver.status_code == 200, approver.text
    assert server.wait_run("approve_report", first["run"]) == "success"

    final = server.data_dir / "reports" / PERIOD / "final" / "v1" / f"bao-cao-giam-ngheo-{PERIOD}.docx"
    text = "\n".join(document_text(final))
    assert "Số: 125/BC-UBND" in text and "Bạch Thông, ngày 15 tháng 7 năm 2022" in text and "DỰ THẢO" not in text
    assert (final.with_suffix(".pdf")).is_file()
    manifest = json.loads((final.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["approved_by"] == "pho_chu_tich" and manifest["outputs"]
    approvals = approvals_of(server.data_dir)
    assert approvals.is_locked("063", PERIOD)
    final_sha = hashlib.sha256(final.read_bytes()).hexdigest()
    period = Period.parse(PERIOD)
    figures = approvals.warehouse.report_values(period, period, "063")

    # a correction lands: the watcher ingests it, and it is held
    server.wait("the inbox watcher to start", lambda: (server.data_dir / ".watch" / "inbox.json").exists())
    landed = correction(server.data_dir)
    now = time.time()
    os.utime(landed, (now, now))
    server.wait("the correction to be held", lambda: approvals.held("063", PERIOD), timeout=300)
    assert approvals.warehouse.report_values(period, period, "063") == figures
    assert hashlib.sha256(final.read_bytes()).hexdigest() == final_sha

    # the clerk cannot reopen; the approver can, and the correction is published, a new draft waits
    reopen = {"logical_date": None, "conf": {"period": PERIOD, "reason": "Cao Sơn sửa số lao động"}}
    refused = server.client_of("van_thu").post("/api/v2/dags/reopen_period/dagRuns", json=reopen).json()
    assert server.wait_run("reopen_period", refused["dag_run_id"]) == "failed"
    assert approvals.is_locked("063", PERIOD)
    opened = server.client_of("pho_chu_tich").post("/api/v2/dags/reopen_period/dagRuns", json=reopen).json()
    assert server.wait_run("reopen_period", opened["dag_run_id"]) == "success"
    assert not approvals.is_locked("063", PERIOD)
    assert approvals.warehouse.report_values(period, period, "063") != figures
    assert [h["released_by"] for h in approvals.held("063", PERIOD)] == ["pho_chu_tich"]
    second = server.wait("a new draft waiting for approval", lambda: waiting_approval(server, {first["run"]}))
    assert second["run"] != first["run"]
    assert hashlib.sha256(final.read_bytes()).hexdigest() == final_sha
    actions = [e["action"] for e in approvals.trail("063", PERIOD)]
    assert actions[:3] == ["requested", "approved", "locked"] and actions[-4:] == [
        "held",
        "reopened",
        "released",
        "requested",
    ]
    shutil.copy2(final.parent / "manifest.json", SHOTS / "manifest-v1.json")
    assert manifest["template"]["sha256"] and (final.parent / manifest["template"]["copy"]).is_file()

    # the narrative changes after the request: the answer is refused, audited, and a new request is asked
    narrative = server.data_dir / "inbox" / PERIOD / "narrative.yaml"
    narrative.write_text(narrative.read_text(encoding="utf-8").replace("110/KH-UBND", "111/KH-UBND", 1), "utf-8")
    answer = {"chosen_options": [APPROVE], "params_input": {"so_van_ban": "131/BC-UBND", "ngay_ky": "2022-08-05"}}
    assert server.client_of("pho_chu_tich").patch(hitl_path(second), json=answer).status_code == 200
    assert server.wait_run("approve_report", second["run"]) == "success"  # refused, not failed
    third = server.wait("the new draft asked", lambda: waiting_approval(server, {first["run"], second["run"]}))
    assert third["run"] not in (first["run"], second["run"])
    assert not approvals.is_locked("063", PERIOD) and len(approvals.finals("063", PERIOD)) == 1
    refused = [e for e in approvals.trail("063", PERIOD) if e["action"] == "superseded"]
    assert refused and refused[-1]["actor"] == "pho_chu_tich"
