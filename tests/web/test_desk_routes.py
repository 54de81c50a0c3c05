"""Each unit's desk through Airflow's real API server (``create_app``, the plugin mounted in it) and real
ingestion runs (``airflow dags test``), on huyện Bạch Thông's 2022-H1.

Reporter ``a`` of thị trấn Phủ Thông (01969) sends a wrong file from the desk's form, reads why it was
rejected and fetches the marked-up copy, then sends the right one by the JSON API and sees it accepted.
Reporter ``b`` of xã Vi Hương (01975) gets 403 on a's unit and 404 on a's files; the reviewer ``r``
(``ra_soat`` on the district) verifies a warning a reporter may not; and every route of the plugin,
asked by ``o`` (a reporter of xã Cao Sơn) about a's things, refuses.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from giamngheo.periods import Period
from giamngheo.quality import Warning_
from giamngheo.warehouse import Warehouse
from tests.conftest import BIN, PERIOD, ROOT, SAMPLE_INBOX, airflow_env, run_dag_test, settings_for
from tests.web.test_desk import SAMPLE_FILE, commune_csv

PROBE = ROOT / "tests" / "web" / "desk_probe.py"
GRANTS = [("a", "01969", "bao_cao"), ("b", "01975", "bao_cao"), ("r", "063", "ra_soat"), ("o", "02002", "bao_cao")]


def test_each_unit_works_from_its_own_desk_and_nobody_sees_what_is_not_theirs(airflow_home, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(SAMPLE_INBOX, data_dir / "inbox")
    (data_dir / "inbox" / PERIOD / "commune" / SAMPLE_FILE.name).unlink()  # Phủ Thông's comes from its desk
    env = airflow_env(airflow_home, data_dir, extra={"AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin"})

    def ingest(rejects: bool = False) -> None:
        """A real ingestion run; one that rejects a file fails (the unit must send it again), saying so."""
        run = run_dag_test(airflow_home, data_dir, "ingest_submissions", json.dumps({"period": PERIOD}))
        assert (run.returncode != 0) == rejects, run.stdout[-3000:] + run.stderr[-3000:]
        assert not rejects or "file rejected: the unit must send it again" in run.stdout

    def probe(step: str) -> dict:
        done = subprocess.run(
            [sys.executable, str(PROBE), step, str(state_path)], env=env, capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return json.loads(state_path.read_text(encoding="utf-8"))[step]

    ingest()
    for user, unit, role in GRANTS:
        grant = ["access", "grant", user, "--unit", unit, "--role", role, "--on", "2022-01-01", "--by", "admin"]
        subprocess.run([str(BIN / "giamngheo"), *grant], env=env, check=True, capture_output=True)
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(commune_csv(1200, 1500))
    state_path = tmp_path / "state.json"
    state_path.write_text(json.dumps({"wrong": str(wrong), "right": str(SAMPLE_FILE)}), encoding="utf-8")

    first = probe("send_wrong")
    assert first["page"][0] == 200 and "Thị trấn Phủ Thông" in first["page"][1]
    assert 'name="file"' in first["page"][1] and "05/07/2022" in first["page"][1]  # the form and its deadline
    assert first["sent"][0] == 303 and "sent=" in first["sent"][1]
    assert first["no_token"] == 403 and first["cross_site"] == 403  # a forged post is refused
    assert first["pdf"] == 415  # a PDF named .xlsx: its bytes say what it is
    assert first["b_on_a"] == [403, 403]
    assert [f["state"] for f in first["after"]["files"]] == ["received"]

    ingest(rejects=True)
    second = probe("send_right")
    [rejected] = second["seen"]["files"]
    assert rejected["state"] == "rejected" and rejected["reasons"] and rejected["uploaded_by"] == "a"
    assert rejected["sent_name"] == "bao cao sai.csv"
    assert second["feedback"][0] == 200 and second["feedback"][1] > 0
    assert second["sent"][0] == 202 and second["sent"][1]["state"] == "received"

    ingest()
    # a doubtful figure of Phủ Thông's for the reviewer (each ingestion run computes the period's anew)
    warehouse = Warehouse(settings_for(data_dir).warehouse_url, settings_for(data_dir).sql_dir)
    doubtful = Warning_("063", PERIOD, "vay_ho_ngheo", "01969", "bank.luot_vay[ho_ngheo]", 400.0, "≤ 127", "vi", "en")
    warehouse.store_quality_warnings("063", Period.parse(PERIOD), [doubtful])
    warehouse.dispose()
    third = probe("others")
    assert [(f["state"], f["uploaded_by"]) for f in third["seen"]["files"]] == [("accepted", "a"), ("rejected", "a")]
    assert third["seen"]["forms"][0]["state"] == "accepted"
    assert third["own"] == {"archive": 200, "docs": 303, "template": 200}
    assert third["b"] == {"archive": 404, "feedback": 404, "docs": 404, "own_desk": 200}
    assert third["verify"] == [403, 303, "r"]
    # one test for every route: a new route must be added to the probe's list, and refuse an outsider
    assert third["routes"] == sorted(third["outsider"]), third["routes"]
    assert all(code in (403, 404) for code in third["outsider"].values()), third["outsider"]
    assert third["outsider_desk"] == [200, True, True]
    assert third["admin_desk"] == [200, True]
