"""The desk in Chromium, as reporter ``a`` of thị trấn Phủ Thông, on `make airflow` (the real API server,
scheduler, triggerer and its inbox watcher): log in, download the blank template, upload a wrong file,
read why it was rejected and download the marked-up copy, upload the corrected file, see it accepted.
Nobody triggers anything: the upload lands in the inbox and the watcher starts its ingestion.
Screenshots are kept in test-artifacts/desk/."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from bench.standalone import standalone
from giamngheo.ingest import Ingestor
from giamngheo.periods import Period
from tests.conftest import PERIOD, ROOT, SAMPLE_INBOX, log_in, make_airflow_env, settings_for
from tests.web.test_desk import SAMPLE_FILE, commune_csv

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "test-artifacts" / "desk"


def file_state(page, name: str) -> str | None:
    """The state the desk shows for the file sent as ``name`` (None while it is not listed)."""
    row = page.locator("#files tr", has_text=name)
    return row.first.get_attribute("data-state") if row.count() else None


def wait_for_state(server, page, name: str, wanted: str, timeout: float = 240) -> None:
    def shown() -> bool:
        page.reload()
        return file_state(page, name) == wanted

    server.wait(f"{name} {wanted} on the desk", shown, timeout=timeout, every=2)


def test_a_reporter_walks_the_desk_from_a_wrong_file_to_an_accepted_one(browser, tmp_path, validator):
    SHOTS.mkdir(parents=True, exist_ok=True)
    data_dir = tmp_path / "data"
    shutil.copytree(SAMPLE_INBOX, data_dir / "inbox")
    (data_dir / "inbox" / PERIOD / "commune" / SAMPLE_FILE.name).unlink()  # Phủ Thông's comes from its desk
    own = Ingestor.from_settings(settings_for(data_dir))
    own._validator = validator
    own.initialise()
    own.ingest(own.deployment.discover(Period.parse(PERIOD)))
    own.write_blank_forms(Period.parse(PERIOD))
    own.warehouse.add_grant("a", "01969", "", "bao_cao", "admin")  # thị trấn Phủ Thông, until 30/6/2025
    own.warehouse.dispose()
    wrong = tmp_path / "bao cao sai.csv"
    wrong.write_bytes(commune_csv(1200, 1500))

    home = tmp_path / "airflow"
    env = make_airflow_env(home, data_dir)
    command = ["make", "-s", "airflow", f"DATA_DIR={data_dir}", "AIRFLOW_USERS=admin:admin,a:viewer"]
    with standalone(command, home, data_dir, env, ROOT, {"ingest_submissions"}) as server:
        server.api("PATCH", "/dags/ingest_submissions", json={"is_paused": False})
        server.wait("the inbox watcher", lambda: (data_dir / ".watch" / "inbox.json").exists(), timeout=300)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        log_in(page, server, "a")
        page.goto(f"{server.base}/giamngheo/desk?period={PERIOD}")
        page.wait_for_selector("#forms", timeout=60_000)
        assert "Thị trấn Phủ Thông" in page.inner_text("h1")
        row = page.locator('#forms tr[data-form="commune"]')
        assert "05/07/2022" in row.inner_text()
        page.screenshot(path=str(SHOTS / "1-desk.png"), full_page=True)

        with page.expect_download(timeout=60_000) as download:
            row.locator("a.template").click()
        template = tmp_path / "template.xlsx"
        download.value.save_as(template)
        assert openpyxl.load_workbook(template).sheetnames  # the blank form, a workbook

        row.locator("input[type=file]").set_input_files(str(wrong))
        row.locator("button[type=submit]").click()
        page.wait_for_selector("#notice", timeout=60_000)
        assert file_state(page, wrong.name) == "received"
        wait_for_state(server, page, wrong.name, "rejected")
        reasons = page.locator("#files tr", has_text=wrong.name).locator(".reasons").inner_text()
        assert "Tổng số hộ" in reasons and "1500" in reasons, reasons
        page.screenshot(path=str(SHOTS / "2-rejected.png"), full_page=True)
        with page.expect_download(timeout=60_000) as download:
            page.locator("#files tr", has_text=wrong.name).locator("a.feedback").click()
        marked = tmp_path / "marked.xlsx"
        download.value.save_as(marked)
        assert openpyxl.load_workbook(marked).sheetnames

        row = page.locator('#forms tr[data-form="commune"]')
        row.locator("input[type=file]").set_input_files(str(SAMPLE_FILE))
        row.locator("button[type=submit]").click()
        page.wait_for_selector("#notice", timeout=60_000)
        wait_for_state(server, page, SAMPLE_FILE.name, "accepted")
        assert "đã nhận / accepted" in page.locator('#forms tr[data-form="commune"]').inner_text()
        page.screenshot(path=str(SHOTS / "3-accepted.png"), full_page=True)
        page.close()
