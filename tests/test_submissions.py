"""The Submissions page: its matrix, and the plugin behind Airflow's login."""

import json
import os
import subprocess
import sys

from giamngheo.periods import Period
from giamngheo.submissions import periods, submissions_matrix
from tests.conftest import PERIOD, ROOT, airflow_env
from tests.helpers import HEALTH_HEADER, health_row, write_csv

H1 = Period.parse(PERIOD)


def matrix_for(pipeline, today=None):
    communes = pipeline.deployment.communes_of("063", H1)
    return submissions_matrix(pipeline.warehouse, pipeline.deployment.forms, communes, H1, today=today, district="063")


def ict(text: str) -> float:
    """An arrival time written in Vietnam's time, as the epoch seconds of a file's modification time."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()


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
    assert units["01975"]["commune"]["state"] == "missing" and not units["01975"]["commune"]["rejection_outstanding"]
    lb = units["01990"]["health"]
    assert (lb["state"], lb["file"], lb["version"], lb["superseded"]) == ("accepted", "dinh_chinh.csv", 2, 1)
    assert lb["link"].startswith("/dags/ingest_submissions/runs/")
    assert units["01975"]["health"]["superseded"] == 0
    # models are expected once per period, not per commune
    assert units["01975"]["models"]["state"] == "none" and units["01975"]["models"]["timeliness"] is None
    assert lb["rejection_outstanding"]  # sai.csv, later than the correction, is refused: Lục Bình is flagged
    assert not units["01975"]["health"]["rejection_outstanding"]
    assert units["02005"]["models"]["state"] == "accepted"
    [rejected] = matrix["rejected"]
    # columns by the label the clerk sees in the header, then the code; what the unit must do next
    assert (
        rejected["file"] == "sai.csv" and "'Trong đó: thẻ BHYT hộ nghèo' (the_bhyt_ho_ngheo)" in rejected["messages"][0]
    )
    assert rejected["communes"] == rejected["outstanding"] == ["Lục Bình"] and rejected["answered_by"] == []
    assert rejected["form_label"] == "Trung tâm Y tế huyện"
    assert "gửi lại tệp cho Lục Bình vào inbox/2022-H1/health/" in rejected["to_do"]
    counts = matrix["counts"]
    assert {k: counts[k] for k in ("accepted", "missing", "none", "rejected", "outstanding")} == {
        "accepted": 14 * 4 - 1 + 3,
        "missing": 1,
        "none": 11,
        "rejected": 1,
        "outstanding": 1,
    }
    # 4 forms × 14 communes and one models file expected; all but Vi Hương's commune form received
    assert (counts["expected"], counts["received"]) == (14 * 4 + 1, 14 * 4)
    by_form = {c["form"]: c for c in matrix["completeness"]}
    assert (by_form["commune"]["received"], by_form["commune"]["expected"]) == (13, 14)
    assert (by_form["models"]["received"], by_form["models"]["expected"]) == (1, 1)
    assert by_form["health"]["flagged"] == 1 and by_form["commune"]["flagged"] == 0


def test_completeness_on_time_late_and_overdue_against_each_forms_deadline(pipeline, data_dir):
    """health is due 10 days after 30/6 (10/7/2022), the communes' form 5 days after (5/7/2022), in Vietnam's
    time; a slice counts the arrival of its first accepted file, so a later correction does not make it late."""
    from datetime import date

    inbox = data_dir / "inbox" / PERIOD
    for path in inbox.rglob("*"):
        if path.is_file():  # every sample file arrives on 1/7/2022
            os.utime(path, (ict("2022-07-01T09:00"), ict("2022-07-01T09:00")))
    (inbox / "commune" / "vi_huong.csv").unlink()
    (inbox / "commune" / "my_thanh.csv").unlink()
    bank = next((inbox / "bank").iterdir())
    os.utime(bank, (ict("2022-07-11T00:30"), ict("2022-07-11T00:30")))  # half an hour after its due day
    health = next((inbox / "health").iterdir())
    os.utime(health, (ict("2022-07-10T23:30"), ict("2022-07-10T23:30")))  # the last half hour of its due day
    write_csv(  # a correction long after the deadline: Lục Bình stays on time
        inbox / "health" / "dinh_chinh.csv", [HEALTH_HEADER, health_row("Lục Bình")], arrival=ict("2022-08-01T08:00")
    )
    write_csv(  # My Thanh's commune form, after its deadline of 5/7
        inbox / "commune" / "my_thanh.csv",
        [
            ["xa"] + [c.code for c in pipeline.deployment.forms["commune"].columns[1:]],
            ["Mỹ Thanh", 520, 127, 81, 25, 42, 27, 2, 5, 43, 2, 2, 473, 70, "90%", 9, 9, 182, 1000],
        ],
        arrival=ict("2022-07-06T08:00"),
    )
    outcomes = pipeline.ingest(pipeline.deployment.discover(PERIOD))
    assert {o.status for o in outcomes} == {"accepted"}, [o.message for o in outcomes if o.status != "accepted"]

    matrix = matrix_for(pipeline, today=date(2022, 7, 4))  # before the communes' deadline
    units = {u["code"]: u["cells"] for u in matrix["units"]}
    assert units["01975"]["commune"]["timeliness"] == "awaited"  # Vi Hương, not yet due
    later = matrix_for(pipeline, today=date(2022, 7, 20))
    units = {u["code"]: u["cells"] for u in later["units"]}
    assert units["01975"]["commune"]["timeliness"] == "overdue"
    assert units["01975"]["commune"]["timeliness_text"] == "quá hạn / overdue"
    assert units["01990"]["health"]["timeliness"] == "on_time" and units["01990"]["health"]["version"] == 2
    assert {c["bank"]["timeliness"] for c in units.values()} == {"late"}
    by_form = {c["form"]: c for c in later["completeness"]}
    assert {k: by_form["health"][k] for k in ("received", "on_time", "late", "overdue", "due")} == {
        "received": 14,
        "on_time": 14,
        "late": 0,
        "overdue": 0,
        "due": "10/07/2022",
    }
    assert (by_form["bank"]["on_time"], by_form["bank"]["late"]) == (0, 14)
    assert {k: by_form["commune"][k] for k in ("expected", "received", "on_time", "late", "overdue", "due")} == {
        "expected": 14,
        "received": 13,
        "on_time": 12,
        "late": 1,
        "overdue": 1,
        "due": "05/07/2022",
    }
    assert (by_form["models"]["expected"], by_form["models"]["on_time"]) == (1, 1)
    assert (later["counts"]["expected"], later["counts"]["received"]) == (57, 56)


XSS = "<img src=x onerror=\"document.title='XSS-DOCS'\">"

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
routes = {f"{m} {r.path}": client.request(m, "/giamngheo" + r.path).status_code
          for r in app.routes if isinstance(r, APIRoute) for m in r.methods}
token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
headers = {"Authorization": f"Bearer {token}"}
page = client.get("/giamngheo/", params={"period": "2022-H1"}, headers=headers)
api = client.get("/giamngheo/api/submissions", headers=headers)
bad = client.get("/giamngheo/", params={"period": "2022-H3"}, headers=headers)
views = client.get("/api/v2/plugins", headers=headers).json()
[rejected] = api.json()["matrix"]["rejected"]
sent = client.get(f"/giamngheo/archive/{rejected['id']}", headers=headers)
docs_link = client.get(f"/giamngheo/docs/{rejected['id']}", headers=headers)
docs_at = "/giamngheo/docs/" + docs_link.headers["location"]  # relative to the link's own folder
from posixpath import normpath
docs = client.get(normpath(docs_at), headers=headers)
outside = client.get("/giamngheo/validation/..%2F..%2Fwarehouse.sqlite", headers=headers)
unknown = client.get("/giamngheo/archive/no-such-id", headers=headers)
template = client.get("/giamngheo/templates/2022-H1/mau_health_2022-H1.xlsx", headers=headers)
escape = client.get("/giamngheo/templates/2022-H1/..%2F..%2Fwarehouse.sqlite", headers=headers)
feedback = client.get(f"/giamngheo/feedback/{rejected['id']}", headers=headers)
report = client.get("/giamngheo/reports/2022-H1/bao-cao-giam-ngheo-2022-H1.docx", headers=headers)
report_escape = client.get("/giamngheo/reports/2022-H1/..%2F..%2Fwarehouse.sqlite", headers=headers)
report_elsewhere = client.get("/giamngheo/reports/2022-H1/bao-cao-giam-ngheo-2022-H1.docx",
                              params={"district": "999"}, headers=headers)
[warning] = api.json()["warnings"]
import re
csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # the page's form token
# a page of another site (or another port of this host) posts with the admin's cookie: refused
forged = [client.post(f"/giamngheo/quality/{warning['id']}/verify", data={"comment": "giả mạo", "csrf": csrf},
                      headers={**headers, **extra}).status_code
          for extra in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                        {"Origin": "http://127.0.0.1:9999"})]
# a same-origin post without the page's token (or with another user's) is refused too
forged += [client.post(f"/giamngheo/quality/{warning['id']}/verify", data={"comment": "giả mạo", "csrf": token_},
                       headers={**headers, "Sec-Fetch-Site": "same-origin"}).status_code
           for token_ in ("", "0" * 40)]
forged_after = client.get("/giamngheo/api/submissions", headers=headers).json()["warnings"][0]["verified_by"]
no_comment = client.post(f"/giamngheo/quality/{warning['id']}/verify", data={"comment": " ", "csrf": csrf},
                         headers={**headers, "Sec-Fetch-Site": "same-origin"}).status_code
verify = client.post(f"/giamngheo/quality/{warning['id']}/verify", data={"comment": "đã hỏi NHCSXH", "csrf": csrf},
                     headers={**headers, "Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"})
after = client.get("/giamngheo/api/submissions", headers=headers).json()["warnings"]
files = {"sent": [sent.status_code, sent.text, sent.headers.get("content-disposition", "")],
         "docs": [docs.status_code, docs.text[:60000], docs_link.status_code,
                  docs.headers.get("content-security-policy", "")],
         "outside": outside.status_code, "unknown": unknown.status_code,
         "template": [template.status_code, template.content[:2].decode("latin-1"), escape.status_code],
         "feedback": [feedback.status_code, feedback.headers.get("content-disposition", "")],
         "report": [report.status_code, report.content[:2].decode("latin-1"), report_escape.status_code,
                    report_elsewhere.status_code],
         "verify": [warning["verified_by"], verify.status_code, after[0]["verified_by"], after[0]["verified_comment"]],
         "forged": [forged, forged_after, no_comment]}
print(json.dumps({"anonymous": anonymous.status_code, "anonymous_api": anonymous_api.status_code,
                  "login": anonymous.headers.get("location"), "routes": routes, "files": files,
                  "page": page.status_code, "html": page.text, "api": api.json(), "bad": bad.status_code,
                  "plugins": views}))
"""


def test_the_page_requires_the_airflow_login_and_shows_the_matrix(pipeline, airflow_home, data_dir):
    from giamngheo.ingest import Ingestor

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    bad = write_csv(  # a cell that is markup: the page must show it as text, and run nothing
        data_dir / "inbox" / PERIOD / "health" / "sai.csv",
        [HEALTH_HEADER, health_row("Lục Bình", the_bhyt=1, poor=5, visits=XSS)],
        arrival=9e9,
    )
    own = Ingestor.from_settings(pipeline.deployment.settings)  # Data Docs in the data dir, as deployed
    [rejected] = own.ingest([f for f in own.deployment.discover(H1) if f.name == bad.name])
    own.write_blank_forms(H1)
    from giamngheo.report import ReportBuilder

    ReportBuilder(pipeline.deployment.settings).render(H1, pdf=False)  # the draft an approval request links
    from giamngheo.quality import Warning_

    doubtful = Warning_("063", PERIOD, "vay_ho_ngheo", "01975", "bank.luot_vay[ho_ngheo]", 400.0, "≤ 127", "vi", "en")
    own.warehouse.store_quality_warnings("063", H1, [doubtful])
    own.warehouse.dispose()
    assert rejected.status == "rejected"
    env = airflow_env(airflow_home, data_dir, pipeline.deployment.settings.warehouse_url)
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = "admin:admin"
    env["GIAMNGHEO_REVIEWERS"] = "admin"
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
    assert docs[2] == 303 and docs[0] == 200 and "the_bhyt_ho_ngheo" in docs[1]
    # its own page: the markup cell escaped, no script and nothing from elsewhere, served sandboxed
    assert "&lt;img src=x onerror=" in docs[1] and "<img" not in docs[1] and "<script" not in docs[1]
    assert "http://" not in docs[1] and "https://" not in docs[1]
    assert docs[3].startswith("sandbox") and "default-src 'none'" in docs[3]
    assert "Số thẻ BHYT" in docs[1] or "thẻ BHYT" in docs[1]  # columns by their header, in Vietnamese
    assert probe["files"]["outside"] == 404  # nothing outside the Data Docs folder
    assert probe["files"]["unknown"] == 404
    assert probe["files"]["template"] == [200, "PK", 404]  # an xlsx, and nothing outside the templates
    assert probe["files"]["report"] == [200, "PK", 404, 404]  # the draft; nothing outside reports/, no other district
    assert probe["files"]["feedback"][0] == 200 and "sai.sua-loi." in probe["files"]["feedback"][1]
    assert 'href="templates/2022-H1/mau_commune_01975_2022-H1.xlsx"' in probe["html"]
    assert 'href="feedback/' in probe["html"]
    # the data-quality review: the warning listed, verified by the logged-in user through the page's form
    assert '<table id="warnings">' in probe["html"] and "Lượt hộ (lao động) vay (ho_ngheo)" in probe["html"]
    # cross-origin refused, a post without the page's token too; a comment needed
    assert probe["files"]["forged"] == [[403, 403, 403, 403, 403], None, 403]
    assert probe["files"]["verify"] == [None, 303, "admin", "đã hỏi NHCSXH"]
    assert 'href="archive/' in probe["html"] and 'href="docs/' in probe["html"]
    plugin = next(p for p in probe["plugins"]["plugins"] if p["name"] == "giamngheo_submissions")
    assert plugin["external_views"][0]["name"] == "Submissions"


def test_what_to_do_for_a_file_whose_communes_could_not_be_read(forms):
    from giamngheo.completeness import UNREADABLE
    from giamngheo.submissions import what_to_do

    unreadable = {"outstanding": [UNREADABLE], "file": "rong.xlsx", "feedback_path": "x.xlsx", "messages": "[]"}
    text = what_to_do(unreadable, forms["health"], "inbox/2022-H1/health/")
    assert "gửi lại tệp rong.xlsx vào" in text and "sends the file rong.xlsx again" in text
    assert UNREADABLE not in text and "red cells" not in text and "tô đỏ" not in text
    cells = {"outstanding": ["Xã Vi Hương"], "file": "a.csv", "feedback_path": "x.xlsx", "messages": '[{"row": 5}]'}
    assert "tô đỏ" in what_to_do(cells, forms["health"], "inbox/") and "cho Xã Vi Hương" in what_to_do(
        cells, forms["health"], "inbox/"
    )
