"""The Submissions page: its matrix, and the plugin behind Airflow's login."""

import json
import subprocess
import sys

from giamngheo.periods import Period
from giamngheo.submissions import periods, submissions_matrix
from tests.conftest import PERIOD, ROOT, airflow_env
from tests.helpers import HEALTH_HEADER, health_row, write_csv

H1 = Period.parse(PERIOD)


def matrix_for(pipeline):
    communes = [u for u in pipeline.deployment.units if u.level == "commune"]
    return submissions_matrix(pipeline.warehouse, pipeline.deployment.forms, communes, H1)


def test_matrix_of_units_and_forms(pipeline, data_dir):
    (data_dir / "inbox" / PERIOD / "commune" / "vi_huong.csv").unlink()
    latest = max(f.arrival for f in pipeline.deployment.discover(PERIOD))
    write_csv(
        data_dir / "inbox" / PERIOD / "health" / "dinh_chinh.csv",
        [HEALTH_HEADER, health_row("Lục Bình")],
        arrival=latest + 60,
    )
    write_csv(
        data_dir / "inbox" / PERIOD / "health" / "sai.csv",
        [HEALTH_HEADER, health_row("Lục Bình", the_bhyt=1, poor=5)],
        arrival=latest + 120,
    )
    pipeline.ingest(
        pipeline.deployment.discover(PERIOD), processed_by="/dags/ingest_submissions/runs/r1/tasks/ingest_file/mapped/0"
    )
    matrix = matrix_for(pipeline)
    assert periods(pipeline.warehouse) == [PERIOD]
    units = {u["code"]: u["cells"] for u in matrix["units"]}
    assert units["061-02"]["commune"] == {"state": "missing", "rejection_outstanding": False}
    lb = units["061-03"]["health"]
    assert (lb["state"], lb["file"], lb["version"], lb["superseded"]) == ("accepted", "dinh_chinh.csv", 2, 1)
    assert lb["link"].startswith("/dags/ingest_submissions/runs/")
    assert units["061-02"]["health"]["superseded"] == 0
    # models are expected once per period, not per commune
    assert units["061-02"]["models"] == {"state": "none", "rejection_outstanding": False}
    assert lb["rejection_outstanding"]  # sai.csv, later than the correction, is refused: Lục Bình is flagged
    assert not units["061-02"]["health"]["rejection_outstanding"]
    assert units["061-05"]["models"]["state"] == "accepted"
    [rejected] = matrix["rejected"]
    assert rejected["file"] == "sai.csv" and "the_bhyt_ho_ngheo" in rejected["messages"][0]
    assert rejected["communes"] == rejected["outstanding"] == ["Lục Bình"] and rejected["answered_by"] == []
    assert matrix["counts"] == {"accepted": 14 * 4 - 1 + 3, "missing": 1, "none": 11, "rejected": 1, "outstanding": 1}


PROBE = r"""
import json, sys
from fastapi.testclient import TestClient
from airflow.api_fastapi.app import create_app, get_auth_manager
from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

from fastapi.routing import APIRoute
from submissions_view import app

client = TestClient(create_app(), follow_redirects=False)
anonymous = client.get("/giamngheo/")
anonymous_api = client.get("/giamngheo/api/submissions")
# every route the plugin's app has, asked anonymously: a new route cannot skip the login
routes = {r.path: client.get("/giamngheo" + r.path).status_code for r in app.routes if isinstance(r, APIRoute)}
token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
headers = {"Authorization": f"Bearer {token}"}
page = client.get("/giamngheo/", params={"period": "2022-H1"}, headers=headers)
api = client.get("/giamngheo/api/submissions", headers=headers)
bad = client.get("/giamngheo/", params={"period": "2022-H3"}, headers=headers)
views = client.get("/api/v2/plugins", headers=headers).json()
[rejected] = api.json()["matrix"]["rejected"]
sent = client.get(f"/giamngheo/archive/{rejected['id']}", headers=headers)
docs = client.get(f"/giamngheo/docs/{rejected['id']}", headers=headers)
unknown = client.get("/giamngheo/archive/no-such-id", headers=headers)
files = {"sent": [sent.status_code, sent.text, sent.headers.get("content-disposition", "")],
         "docs": [docs.status_code, docs.text[:20000]], "unknown": unknown.status_code}
print(json.dumps({"anonymous": anonymous.status_code, "anonymous_api": anonymous_api.status_code,
                  "login": anonymous.headers.get("location"), "routes": routes, "files": files,
                  "page": page.status_code, "html": page.text, "api": api.json(), "bad": bad.status_code,
                  "plugins": views}))
"""


def test_the_page_requires_the_airflow_login_and_shows_the_matrix(pipeline, airflow_home, data_dir):
    from giamngheo.ingest import Ingestor

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    bad = write_csv(
        data_dir / "inbox" / PERIOD / "health" / "sai.csv",
        [HEALTH_HEADER, health_row("Lục Bình", the_bhyt=1, poor=5)],
        arrival=9e9,
    )
    own = Ingestor.from_settings(pipeline.deployment.settings)  # Data Docs in the data dir, as deployed
    [rejected] = own.ingest([f for f in own.deployment.discover(H1) if f.name == bad.name])
    own.warehouse.dispose()
    assert rejected.status == "rejected"
    env = airflow_env(airflow_home, data_dir, pipeline.deployment.settings.warehouse_url)
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = "admin:admin"
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    # a browser is sent to Airflow's login page and back; an API client gets 401; so does every route
    assert probe["anonymous"] == 303 and "login" in probe["login"] and "giamngheo" in probe["login"]
    assert probe["anonymous_api"] == 401
    assert probe["routes"] and all(
        code == (401 if "/api/" in path else 303) for path, code in probe["routes"].items()
    ), probe["routes"]
    assert probe["page"] == 200 and probe["bad"] == 422
    assert '<table id="matrix">' in probe["html"] and "Xã Vi Hương" in probe["html"]
    assert "TTYT_bao_cao_6thang_2022.xlsx" in probe["html"]
    assert probe["api"]["period"] == PERIOD and probe["api"]["matrix"]["counts"]["missing"] == 0
    # the exact file the unit sent, under its own name, and the Data Docs of its validation
    sent, docs = probe["files"]["sent"], probe["files"]["docs"]
    assert sent[0] == 200 and sent[1] == bad.read_text(encoding="utf-8") and "sai.csv" in sent[2]
    assert docs[0] == 200 and "the_bhyt_ho_ngheo" in docs[1]
    assert probe["files"]["unknown"] == 404
    assert 'href="archive/' in probe["html"] and 'href="docs/' in probe["html"]
    plugin = next(p for p in probe["plugins"]["plugins"] if p["name"] == "giamngheo_submissions")
    assert plugin["external_views"][0]["name"] == "Submissions"
