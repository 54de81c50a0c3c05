"""Asks Airflow's real API server app (``create_app``, the plugin mounted in it) what the desk tests need,
one step at a time: ``python desk_probe.py STEP STATE.json`` reads what earlier steps left in STATE and
writes back what this one saw. Run by tests/web/test_desk_routes.py between real ingestion runs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from airflow.api_fastapi.app import create_app, get_auth_manager
from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

PERIOD = "2022-H1"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
REPORT = f"bao-cao-giam-ngheo-{PERIOD}.docx"

client = TestClient(create_app(), follow_redirects=False)


def headers(user: str, role: str = "viewer") -> dict:
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=user, role=role))
    return {"Authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    return found.group(1) if found else ""


def upload(user: str, unit: str, form: str, name: str, content: bytes, token: str, extra: dict | None = None):
    data = {"unit": unit, "period": PERIOD, "form": form, "csrf": token}
    files = {"file": (name, content, "application/octet-stream")}
    return client.post("/giamngheo/desk/upload", data=data, files=files, headers={**headers(user), **(extra or {})})


def send_wrong(state: dict) -> dict:
    """Reporter A opens its desk and uploads a wrong file through the page's form; what is refused first."""
    a = headers("a")
    page = client.get("/giamngheo/desk", params={"period": PERIOD}, headers=a)
    token = csrf_of(page.text)
    wrong = Path(state["wrong"]).read_bytes()
    sent = upload("a", "01969", "commune", "bao cao sai.csv", wrong, token, SAME_ORIGIN)
    return {
        "page": [page.status_code, page.text],
        "sent": [sent.status_code, sent.headers.get("location", "")],
        "no_token": upload("a", "01969", "commune", "x.csv", wrong, "", SAME_ORIGIN).status_code,
        "cross_site": upload(
            "a", "01969", "commune", "x.csv", wrong, token, {"Sec-Fetch-Site": "cross-site"}
        ).status_code,
        "pdf": client.post(
            "/giamngheo/api/units/01969/submissions",
            params={"period": PERIOD, "form": "commune"},
            files={"file": ("bao_cao.xlsx", b"%PDF-1.7\n\x00\x01", "application/pdf")},
            headers=a,
        ).status_code,
        "b_on_a": [
            client.get(
                "/giamngheo/api/units/01969/submissions", params={"period": PERIOD}, headers=headers("b")
            ).status_code,
            client.post(
                "/giamngheo/api/units/01969/submissions",
                params={"period": PERIOD, "form": "commune"},
                files={"file": ("x.csv", wrong, "text/csv")},
                headers=headers("b"),
            ).status_code,
        ],
        "after": client.get("/giamngheo/api/units/01969/submissions", params={"period": PERIOD}, headers=a).json(),
    }


def send_right(state: dict) -> dict:
    """A reads why its file was rejected, fetches the marked-up copy, and sends the right file by the API."""
    a = headers("a")
    seen = client.get("/giamngheo/api/units/01969/submissions", params={"period": PERIOD}, headers=a).json()
    rejected = next(f for f in seen["files"] if f["state"] == "rejected")
    feedback = client.get(f"/giamngheo/feedback/{rejected['id']}", headers=a)
    sent = client.post(
        "/giamngheo/api/units/01969/submissions",
        params={"period": PERIOD, "form": "commune"},
        files={"file": ("UBND_Phu_Thong_6T2022.xlsx", Path(state["right"]).read_bytes(), "application/vnd.ms-excel")},
        headers=a,
    )
    return {
        "seen": seen,
        "feedback": [feedback.status_code, len(feedback.content)],
        "sent": [sent.status_code, sent.json()],
    }


def others(state: dict) -> dict:
    """After the right file is in: A sees it accepted; B, the reviewer and an outsider ask for A's things."""
    a, b, r, o = headers("a"), headers("b"), headers("r"), headers("o")
    seen = client.get("/giamngheo/api/units/01969/submissions", params={"period": PERIOD}, headers=a).json()
    accepted = next(f for f in seen["files"] if f["state"] == "accepted")
    rejected = next(f for f in seen["files"] if f["state"] == "rejected")
    docs_link = client.get(f"/giamngheo/docs/{rejected['id']}", headers=headers("admin", "admin"))
    docs_path = "/giamngheo/validation/" + docs_link.headers["location"].split("validation/", 1)[1]
    own = {
        "archive": client.get(f"/giamngheo/archive/{accepted['id']}", headers=a).status_code,
        "docs": client.get(f"/giamngheo/docs/{rejected['id']}", headers=a).status_code,
        "template": client.get(f"/giamngheo/templates/{PERIOD}/{seen['forms'][0]['template']}", headers=a).status_code,
    }
    b_sees = {
        "archive": client.get(f"/giamngheo/archive/{accepted['id']}", headers=b).status_code,
        "feedback": client.get(f"/giamngheo/feedback/{rejected['id']}", headers=b).status_code,
        "docs": client.get(f"/giamngheo/docs/{rejected['id']}", headers=b).status_code,
        "own_desk": client.get(
            "/giamngheo/api/units/01975/submissions", params={"period": PERIOD}, headers=b
        ).status_code,
    }
    # the reviewer (ra_soat on huyện Bạch Thông) verifies the period's warning through the page's form
    page = client.get("/giamngheo/", params={"period": PERIOD}, headers=r)
    [warning] = client.get("/giamngheo/api/submissions", params={"period": PERIOD}, headers=r).json()["warnings"]
    a_token = csrf_of(client.get("/giamngheo/desk", params={"period": PERIOD}, headers=a).text)
    by_reporter = client.post(  # a reporter sees its commune's warning but may not verify it
        f"/giamngheo/quality/{warning['id']}/verify",
        data={"comment": "tự xác minh", "csrf": a_token},
        headers={**a, **SAME_ORIGIN},
    ).status_code
    verified = client.post(
        f"/giamngheo/quality/{warning['id']}/verify",
        data={"comment": "đã đối chiếu với NHCSXH", "csrf": csrf_of(page.text)},
        headers={**r, **SAME_ORIGIN},
    ).status_code
    after = client.get("/giamngheo/api/submissions", params={"period": PERIOD}, headers=r).json()["warnings"][0]
    # every route of the plugin, asked by a logged-in user with no grant, on things that exist
    # the outsider reports for xã Cao Sơn: its own desk opens, with its own form token
    desk_page = client.get("/giamngheo/desk", params={"period": PERIOD}, headers=o)
    outsider_token = csrf_of(desk_page.text)
    asks = {
        "GET /": ("GET", "/giamngheo/", {"params": {"period": PERIOD}}),
        "GET /archive/{submission_id}": ("GET", f"/giamngheo/archive/{accepted['id']}", {}),
        "POST /quality/{warning_id}/verify": (
            "POST",
            f"/giamngheo/quality/{warning['id']}/verify",
            {"data": {"comment": "người ngoài", "csrf": outsider_token}, "headers": SAME_ORIGIN},
        ),
        "GET /templates/{period}/{name}": ("GET", f"/giamngheo/templates/{PERIOD}/{seen['forms'][0]['template']}", {}),
        "GET /reports/{period}/{path:path}": ("GET", f"/giamngheo/reports/{PERIOD}/{REPORT}", {}),
        "GET /feedback/{submission_id}": ("GET", f"/giamngheo/feedback/{rejected['id']}", {}),
        "GET /docs/{submission_id}": ("GET", f"/giamngheo/docs/{rejected['id']}", {}),
        "GET /validation/{path:path}": ("GET", docs_path, {}),
        "GET /api/submissions": ("GET", "/giamngheo/api/submissions", {"params": {"period": PERIOD}}),
        "GET /desk": ("GET", "/giamngheo/desk", {"params": {"unit": "01969", "period": PERIOD}}),
        "POST /desk/upload": (
            "POST",
            "/giamngheo/desk/upload",
            {
                "data": {"unit": "01969", "period": PERIOD, "form": "commune", "csrf": outsider_token},
                "files": {"file": ("x.csv", b"xa\n", "text/csv")},
                "headers": SAME_ORIGIN,
            },
        ),
        "GET /api/units/{code}/submissions": (
            "GET",
            "/giamngheo/api/units/01969/submissions",
            {"params": {"period": PERIOD}},
        ),
        "POST /api/units/{code}/submissions": (
            "POST",
            "/giamngheo/api/units/01969/submissions",
            {"params": {"period": PERIOD, "form": "commune"}, "files": {"file": ("x.csv", b"xa\n", "text/csv")}},
        ),
    }
    from submissions_view import app

    routes = sorted(f"{m} {route.path}" for route in app.routes if isinstance(route, APIRoute) for m in route.methods)
    outsider = {}
    for key, (method, url, kwargs) in asks.items():
        extra = kwargs.pop("headers", {})
        outsider[key] = client.request(method, url, headers={**o, **extra}, **kwargs).status_code
    # the data team's desk with no period asked: huyện Bạch Thông's newest period in the ledger (the
    # district ended with the 2025 reform, so today's period has no desk of it)
    admin_desk = client.get("/giamngheo/desk", headers=headers("admin", "admin"))
    return {
        "admin_desk": [admin_desk.status_code, f'<option value="{PERIOD}" selected>' in admin_desk.text],
        "seen": seen,
        "own": own,
        "b": b_sees,
        "verify": [by_reporter, verified, after["verified_by"]],
        "routes": routes,
        "outsider": outsider,
        "outsider_desk": [desk_page.status_code, bool(outsider_token), "Cao Sơn" in desk_page.text],
    }


if __name__ == "__main__":
    step, state_path = sys.argv[1], Path(sys.argv[2])
    state = json.loads(state_path.read_text(encoding="utf-8"))
    state[step] = {"send_wrong": send_wrong, "send_right": send_right, "others": others}[step](state)
    state_path.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
