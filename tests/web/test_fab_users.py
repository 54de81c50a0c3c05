"""Under Airflow's FAB auth manager (``make airflow``, as docker-compose.yml): a grant
with ``--password-file`` creates the reporter's Airflow user, with a role holding no permission; the
user logs in (a bearer token of ``/auth/token``), works on its own desk through the real API server,
is refused another unit's and sees no DAG of Airflow's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from giamngheo.ingest import Ingestor
from giamngheo.periods import Period
from tests.conftest import BIN, PERIOD, ROOT, SAMPLE_INBOX, airflow_env, settings_for

FAB = "giamngheo_auth.FabAuthManagerByName"  # as make airflow and docker-compose.yml
PROBE = r"""
import json, sys
from fastapi.testclient import TestClient
from airflow.api_fastapi.app import create_app

client = TestClient(create_app(), follow_redirects=False)
password = open(sys.argv[1], encoding="utf-8").read().strip()
token = client.post("/auth/token", json={"username": "a", "password": password})
wrong = client.post("/auth/token", json={"username": "a", "password": "not-" + password})
headers = {"Authorization": f"Bearer {token.json().get('access_token', '')}"}
own = client.get("/giamngheo/api/units/01969/submissions", params={"period": "2022-H1"}, headers=headers)
other = client.get("/giamngheo/api/units/01975/submissions", params={"period": "2022-H1"}, headers=headers)
dags = client.get("/api/v2/dags", headers=headers)
# the approval task names its approvers by user name: the FAB user "a" (id 1) matches "a", not "b"
import asyncio
from airflow.api_fastapi.app import get_auth_manager
manager = get_auth_manager()
user = asyncio.run(manager.get_user_from_token(token.json()["access_token"]))
hitl = [manager.is_authorized_hitl_task(assigned_users={"a"}, user=user),
        manager.is_authorized_hitl_task(assigned_users={"b"}, user=user), user.get_id()]
print(json.dumps({"token": token.status_code, "wrong": wrong.status_code, "own": [own.status_code, own.json()],
                  "other": other.status_code, "dags": dags.status_code, "hitl": hitl}))
"""


def test_a_reporters_fab_user_works_on_its_desk_and_sees_no_dag(tmp_path, validator):
    data_dir = tmp_path / "data"
    shutil.copytree(SAMPLE_INBOX, data_dir / "inbox")
    own = Ingestor.from_settings(settings_for(data_dir))
    own._validator = validator
    own.initialise()
    own.ingest(own.deployment.discover(Period.parse(PERIOD)))
    own.warehouse.dispose()
    home = tmp_path / "airflow"
    env = airflow_env(home, data_dir, extra={"AIRFLOW__CORE__AUTH_MANAGER": FAB})
    for migrate in (["db", "migrate"], ["fab-db", "migrate"]):
        done = subprocess.run([str(BIN / "airflow"), *migrate], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    secret = tmp_path / "a.password"
    secret.write_text("mat-khau-cua-a-2026\n", encoding="utf-8")
    grant = [str(BIN / "giamngheo"), "access", "grant", "a", "--unit", "01969", "--role", "bao_cao"]
    grant += ["--on", "2022-01-01", "--by", "admin", "--password-file", str(secret)]
    first = subprocess.run(grant, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "role GiamNgheo" in first.stdout and "mat-khau" not in first.stdout
    again = subprocess.run(grant, env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "the Airflow user exists" in again.stdout
    short = tmp_path / "short.password"
    short.write_text("123\n", encoding="utf-8")
    refused = subprocess.run([*grant[:3], "b", *grant[4:-1], str(short)], env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "at least 8 characters" in refused.stderr

    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(secret)], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["token"] in (200, 201) and seen["wrong"] == 401
    assert seen["own"][0] == 200 and seen["own"][1]["unit_name"] == "Thị trấn Phủ Thông"
    assert seen["other"] == 403
    assert seen["dags"] == 403  # a reporter has no permission of Airflow's own
    assert seen["hitl"][:2] == [True, False] and seen["hitl"][2] != "a"  # matched by name, not by FAB's id
