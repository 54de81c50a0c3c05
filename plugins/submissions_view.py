"""The "Submissions" page in the Airflow UI: units × forms for a period, behind Airflow's login.

A FastAPI app mounted by Airflow's API server at ``/giamngheo``; every route
depends on Airflow's ``GetUserDep``: an anonymous browser is sent to Airflow's
login page (and back after it), an anonymous API call gets 401. Every route
then checks the user's grants (``giamngheo access``; an Airflow administrator
is the data team): a unit outside them is 403, a file, page or warning of
another unit's is 404, as one that does not exist. The ``external_views``
entry puts the page in the UI's navigation.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

from airflow.api_fastapi.core_api.security import GetUserDep
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

app = FastAPI(title="giamngheo submissions", docs_url=None, redoc_url=None, openapi_url=None)
API_PATH = "/api/"  # routes under it answer machines: 401, never a redirect


@app.exception_handler(StarletteHTTPException)
async def send_browsers_to_login(request: Request, exc: StarletteHTTPException):
    """Not logged in: a page request goes to Airflow's login page and comes back after it; an API
    request gets its status. Any other error keeps FastAPI's JSON answer."""
    if exc.status_code == 401 and API_PATH not in request.url.path:
        from airflow.api_fastapi.app import get_auth_manager

        return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


def is_administrator(user) -> bool:
    """Whether Airflow calls the user an administrator (the simple auth manager's ``admin`` role, FAB's
    ``Admin``): the data team, who may see and do everything."""
    role = getattr(user, "role", None)
    if isinstance(role, str):
        return role.lower() == "admin"
    return any(getattr(r, "name", r) == "Admin" for r in getattr(user, "roles", None) or [])


def access_of(user):
    """The user's grants (``giamngheo access``), read through the dated tree (:class:`giamngheo.access.Access`)."""
    from giamngheo.access import Access, Grant
    from giamngheo.config import get_settings
    from giamngheo.reference import unit_tree
    from giamngheo.warehouse import Warehouse

    settings = get_settings()
    administrator = is_administrator(user)
    grants: list = []
    if not administrator:
        warehouse = Warehouse(settings.warehouse_url, settings.sql_dir)
        try:
            grants = [Grant(**row) for row in warehouse.grants(user.get_name())]
        finally:
            warehouse.dispose()
    return Access(unit_tree(settings.reference_dir), user.get_name(), grants, administrator)


def refuse(message_vi: str, message_en: str, status: int = 403) -> NoReturn:
    raise HTTPException(status_code=status, detail=f"{message_vi} / {message_en}")


def _matrix(period: str | None, district: str | None = None) -> dict:
    """The page's data (see :func:`giamngheo.submissions.page_data`); a bad query is a 4xx."""
    from sqlalchemy.exc import SQLAlchemyError

    from giamngheo.deployment import Deployment
    from giamngheo.periods import PeriodError
    from giamngheo.submissions import UnknownDistrict, page_data
    from giamngheo.warehouse import Warehouse

    deployment = Deployment()
    warehouse = Warehouse(deployment.settings.warehouse_url, deployment.settings.sql_dir)
    try:
        return page_data(deployment, warehouse, period, district)
    except PeriodError as err:
        raise HTTPException(status_code=422, detail=str(err)) from None
    except UnknownDistrict as err:
        raise HTTPException(status_code=404, detail=str(err)) from None
    except SQLAlchemyError as err:  # never "nothing received, not locked" when the state is unknown
        raise HTTPException(
            status_code=503,
            detail=f"không đọc được trạng thái kho dữ liệu / could not read the warehouse: {type(err).__name__}",
        ) from None
    finally:
        warehouse.dispose()


@app.get("/", response_class=HTMLResponse)
def submissions_page(user: GetUserDep, period: str | None = None, district: str | None = None) -> HTMLResponse:
    import jinja2

    from giamngheo.config import get_settings

    page = _allowed_matrix(user, period, district)
    template_dir = Path(get_settings().project_dir) / "include" / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir)), autoescape=True)
    return HTMLResponse(env.get_template("submissions.html").render(**page, csrf=csrf_token(user)))


def _served(path: str | None, root: Path) -> Path:
    """A file the ledger names, if it lies inside ``root`` (resolved: no way out through ``..`` or a link)."""
    if not path:
        raise HTTPException(status_code=404, detail="không có tệp / no such file")
    resolved, inside = Path(path).resolve(), root.resolve()
    if not resolved.is_file() or inside not in resolved.parents:
        raise HTTPException(status_code=404, detail="không có tệp / no such file")
    return resolved


def _submission_files(user, submission_id: str) -> dict:
    """A submission's files, if the user's grants cover its unit or one of its communes in its period;
    else, as for an id that does not exist, 404 (an id of another unit's file says nothing)."""
    from giamngheo.config import get_settings
    from giamngheo.periods import Period
    from giamngheo.warehouse import Warehouse

    settings = get_settings()
    warehouse = Warehouse(settings.warehouse_url, settings.sql_dir)
    try:
        rows = warehouse.query("query/submission_files", submission_id=submission_id)
    finally:
        warehouse.dispose()
    if rows:
        access, period = access_of(user), Period.parse(rows[0]["period"])
        if access.may(rows[0]["unit"], period) or access.may_any({r["org_unit"] for r in rows}, period):
            return rows[0]
    raise HTTPException(status_code=404, detail="không có bản ghi / no such submission")


@app.get("/archive/{submission_id}")
def archived_file(user: GetUserDep, submission_id: str):
    """The exact file a unit sent (its archived copy), under the name it was sent with."""
    from fastapi.responses import FileResponse

    from giamngheo.config import get_settings

    row = _submission_files(user, submission_id)
    path = _served(row["archive_path"], get_settings().archive_dir)
    return FileResponse(path, filename=row["file_name"])


def same_origin(request: Request) -> None:
    """A state-changing request must come from a page of this server: the browser's ``Sec-Fetch-Site``
    says so (``same-origin``; ``none`` for a typed address), else its ``Origin`` must be this server's.
    A post from another site, or from another port of this host, is refused (403). A script without
    either header (curl, a bearer token) is not a browser and carries no cookie to abuse."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:
        allowed = site in ("same-origin", "none")
    elif origin is not None:
        allowed = origin.rstrip("/") == f"{request.url.scheme}://{request.headers.get('host', '')}"
    else:
        allowed = True
    if not allowed:
        raise HTTPException(
            status_code=403,
            detail="yêu cầu từ trang khác bị từ chối / a request from another site is refused (cross-origin)",
        )


SameOrigin = Depends(same_origin)


@app.post("/quality/{warning_id}/verify", dependencies=[SameOrigin])
def verify_warning(user: GetUserDep, warning_id: str, request: Request, comment: str = Form(""), csrf: str = Form("")):
    """A reviewer verified a data-quality warning (``GIAMNGHEO_REVIEWERS``, with a comment; recorded with
    the user and time and a row of the audit trail), then back to the page."""
    from giamngheo.approval import ApprovalError, Approvals
    from giamngheo.config import get_settings
    from giamngheo.periods import Period

    check_csrf(user, csrf)

    approvals = Approvals(get_settings())
    found = approvals.warehouse.query("query/quality_warning", id=warning_id)
    if not found:
        approvals.warehouse.dispose()
        raise HTTPException(status_code=404, detail="không có cảnh báo / no such warning")
    access, period = access_of(user), Period.parse(found[0]["period"])
    if not access.may_any({found[0]["unit"], found[0]["org_unit"]}, period):
        approvals.warehouse.dispose()
        raise HTTPException(status_code=404, detail="không có cảnh báo / no such warning")
    granted = not access.administrator and access.may_any({found[0]["unit"], found[0]["org_unit"]}, period, "verify")
    try:
        approvals.verify_warning(warning_id, user.get_name(), comment, granted=granted)
    except ApprovalError as err:
        raise HTTPException(status_code=403, detail=str(err)) from None
    except LookupError:
        raise HTTPException(status_code=404, detail="không có cảnh báo / no such warning") from None
    finally:
        approvals.warehouse.dispose()
    back = request.headers.get("referer") or "../../"
    return RedirectResponse(back if back.startswith(str(request.base_url)) else "../../", status_code=303)


def _district_period(district: str | None, period: str):
    """The district's settings (the deployment's first when none is named) and the period, from a query;
    an unknown district is a 404, a bad period a 422."""
    from giamngheo.deployment import Deployment
    from giamngheo.periods import Period, PeriodError

    deployment = Deployment()
    if district is not None and district not in deployment.districts:
        raise HTTPException(status_code=404, detail=f"không có huyện / no such district: {district}")
    try:
        chosen = Period.parse(period)
    except PeriodError as err:
        raise HTTPException(status_code=422, detail=str(err)) from None
    return deployment.district_settings(district or deployment.districts[0]), chosen


def _check_unit(user, code: str, period, commune_in: str | None = None) -> None:
    """403 unless the user's grants cover ``code`` in ``period`` (or, for a blank form, the commune
    whose code its file name carries: ``mau_commune_01975_2022-H1.xlsx``)."""
    access = access_of(user)
    if access.may(code, period):
        return
    allowed = access.units(period) or set()
    if commune_in and any(f"_{c}_" in commune_in for c in allowed):
        return
    refuse(
        f"'{user.get_name()}' không được cấp quyền trên đơn vị {code} kỳ {period}",
        f"'{user.get_name()}' has no grant on unit {code} in {period}",
    )


@app.get("/templates/{period}/{name}")
def blank_template(user: GetUserDep, period: str, name: str, district: str | None = None):
    """A blank template of the forms (``giamngheo templates``, or the ingestion DAG once per period)."""
    from fastapi.responses import FileResponse

    settings, chosen = _district_period(district, period)
    _check_unit(user, settings.district_code, chosen, commune_in=name)
    root = settings.templates_dir
    path = _served(str(root / str(chosen) / name), root)
    return FileResponse(path, filename=path.name)


@app.get("/reports/{period}/{path:path}")
def report_file(user: GetUserDep, period: str, path: str, district: str | None = None, commune: str | None = None):
    """A report of the period: the current draft (.docx, .pdf, .xlsx) or an approved final under
    ``final/v<N>/`` with its manifest; the links of an approval request and of the page. ``commune``:
    that commune's own report (its files sent to ``district``)."""
    from fastapi.responses import FileResponse

    settings, chosen = _district_period(district, period)
    if commune:
        if not commune.isdigit() or len(commune) > 5:
            raise HTTPException(status_code=404, detail=f"không có xã / no such commune: {commune}")
        _check_unit(user, commune, chosen)
        settings = settings.for_district(commune, commune_of=settings.district_code)
    else:
        _check_unit(user, settings.district_code, chosen)
    root = settings.reports_dir / str(chosen)
    served = _served(str(root / path), root)
    if served.suffix not in (".docx", ".pdf", ".xlsx", ".json"):
        raise HTTPException(status_code=404, detail="không có tệp / no such file")
    return FileResponse(served, filename=served.name)


@app.get("/feedback/{submission_id}")
def feedback_file(user: GetUserDep, submission_id: str):
    """A rejected file's feedback workbook: the unit's table with its failing cells marked."""
    from fastapi.responses import FileResponse

    from giamngheo.config import get_settings

    row = _submission_files(user, submission_id)
    path = _served(row["feedback_path"], get_settings().data_dir / "feedback")
    return FileResponse(path, filename=path.name)


@app.get("/docs/{submission_id}")
def validation_docs(user: GetUserDep, submission_id: str):
    """The Great Expectations Data Docs page of a rejected file's validation: sent on to its place under
    ``validation/``, so that the page's own links (its style sheets, scripts) resolve there too."""
    from giamngheo.config import get_settings

    root = get_settings().data_dir / "validation"
    path = _served(_submission_files(user, submission_id)["docs_path"], root)
    return RedirectResponse(f"../validation/{path.relative_to(root.resolve()).as_posix()}", status_code=303)


# a validation page shows what a unit wrote: served sandboxed, so that even a page written by an older version
# (Great Expectations' own Data Docs, which printed cells unescaped and loaded scripts from CDNs) runs nothing
SANDBOXED = {
    "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _check_docs_page(user, served: Path) -> None:
    """A validation page is seen by whoever may see its submission's file (404 otherwise)."""
    if is_administrator(user):
        return
    from giamngheo.config import get_settings
    from giamngheo.warehouse import Warehouse

    settings = get_settings()
    warehouse = Warehouse(settings.warehouse_url, settings.sql_dir)
    try:
        owners = [r["id"] for r in warehouse.query("query/submission_of_docs", docs_path=str(served))]
        owners += [r["id"] for r in warehouse.query("query/submission_of_docs", docs_path=str(served.resolve()))]
    finally:
        warehouse.dispose()
    if not owners:
        raise HTTPException(status_code=404, detail="không có tệp / no such file")
    _submission_files(user, owners[0])


@app.get("/validation/{path:path}")
def validation_file(user: GetUserDep, path: str):
    """A rejected file's validation page under ``<data dir>/validation/`` (``Validator._write_page``: escaped,
    with its styles inline), served with a sandboxing Content-Security-Policy: no script runs in it."""
    from fastapi.responses import FileResponse

    from giamngheo.config import get_settings

    root = get_settings().data_dir / "validation"
    served = _served(str(root / path), root)
    _check_docs_page(user, served)
    if served.suffix != ".html":
        return FileResponse(served, headers=SANDBOXED)
    return HTMLResponse(served.read_text(encoding="utf-8"), headers=SANDBOXED)


@app.get("/api/submissions")
def submissions_api(user: GetUserDep, period: str | None = None, district: str | None = None) -> dict:
    return _allowed_matrix(user, period, district)


def _allowed_matrix(user, period: str | None, district: str | None) -> dict:
    """The page's data for a unit the user's grants cover in the period (a grant on the unit itself)."""
    from giamngheo.periods import Period

    page = _matrix(period, district)
    if page.get("period") is None:
        return page
    access, chosen = access_of(user), Period.parse(page["period"])
    if not access.may(page["unit"], chosen):
        refuse(
            f"'{user.get_name()}' không được cấp quyền xem đơn vị {page['unit']} kỳ {page['period']}",
            f"'{user.get_name()}' has no grant on unit {page['unit']} in {page['period']}",
        )
    page["districts"] = [d for d in page["districts"] if access.may(d, chosen)]  # the selector: the user's units
    return page


# ------------------------------------------------------------ a unit's desk


def csrf_token(user) -> str:
    """The token every form of these pages posts back (with :func:`same_origin`, the defence against a
    forged post): an HMAC of the user's name under the API server's secret, so each user has their own."""
    import hashlib
    import hmac

    return hmac.new(_secret(), f"giamngheo-form|{user.get_name()}".encode(), hashlib.sha256).hexdigest()[:40]


def _secret() -> bytes:
    global _SECRET
    if _SECRET is None:
        from airflow.configuration import conf

        configured = conf.get("api_auth", "jwt_secret", fallback="") or conf.get("api", "secret_key", fallback="")
        _SECRET = configured.encode() if configured else __import__("os").urandom(32)
    return _SECRET


_SECRET: bytes | None = None


def check_csrf(user, token: str) -> None:
    import hmac

    if not token or not hmac.compare_digest(token, csrf_token(user)):
        raise HTTPException(
            status_code=403,
            detail="biểu mẫu hết hạn hoặc giả mạo, hãy tải lại trang / the form is stale or forged: reload the page",
        )


def _desk(user, unit: str | None, period: str | None, action: str = "see"):
    """The desk of ``unit`` (the user's first when none is named) in ``period`` (the open one when none
    is), with the user's access: 403 for a unit outside their grants, before anything is looked up."""
    from giamngheo.deployment import Deployment
    from giamngheo.periods import Period, PeriodError, local_today
    from giamngheo.submissions import periods
    from giamngheo.warehouse import Warehouse
    from giamngheo.web.desk import Desk, DeskError, open_period

    try:
        chosen = Period.parse(period) if period else open_period(local_today())
    except PeriodError as err:
        raise HTTPException(status_code=422, detail=str(err)) from None
    deployment = Deployment()
    access = access_of(user)
    codes = deployment.districts if access.administrator else access.desks(chosen)
    unit = unit or (codes[0] if codes else None)
    if unit is None or not access.may(unit, chosen, action):
        refuse(
            f"'{user.get_name()}' không được cấp quyền {'gửi tệp cho' if action == 'send' else 'trên'} đơn vị "
            f"{unit or '(chưa có)'} kỳ {chosen}",
            f"'{user.get_name()}' has no grant to {'send for' if action == 'send' else 'see'} unit "
            f"{unit or '(none)'} in {chosen}",
        )
    warehouse = Warehouse(deployment.settings.warehouse_url, deployment.settings.sql_dir)
    try:
        if warehouse.revision() is None:  # never "nothing sent" when there is no ledger to say so
            raise DeskError(
                503,
                "kho dữ liệu chưa được khởi tạo (giamngheo init, hoặc một lượt nạp)",
                "the warehouse has no schema yet (giamngheo init, or an ingestion run)",
            )
        if period is None and deployment.reference.unit(unit, chosen) is None:
            # a unit of the old tree (huyện Bạch Thông): its newest period in the ledger, not today's
            held = [p for p in map(Period.parse, periods(warehouse)) if deployment.reference.unit(unit, p)]
            chosen = held[0] if held else chosen
            if not access.may(unit, chosen, action):
                raise DeskError(403, f"không được cấp quyền trên {unit} kỳ {chosen}", f"no grant on {unit} in {chosen}")
        desk = Desk(deployment, warehouse, unit, chosen)
    except DeskError as err:
        warehouse.dispose()
        raise HTTPException(status_code=err.status, detail=str(err)) from None
    return desk, access, codes


def _desk_page(user, desk, access, codes, sent: str | None = None, error: str = "", status: int = 200) -> HTMLResponse:
    """The desk's page; ``sent``: the id of the file just uploaded, named in a notice with its state."""
    import jinja2

    from giamngheo.config import get_settings
    from giamngheo.submissions import periods

    page = desk.page()
    found = next((f for f in page["files"] if f["id"] == sent), None) if sent else None
    notice = f"Đã nhận tệp {found['sent_name']}: {found['state_text']} / file received" if found else ""
    tree = desk.deployment.reference
    desks = [{"code": c, "name": u.full_name if (u := tree.unit(c, desk.period)) else c} for c in codes]
    if desk.code not in codes:
        desks.insert(0, {"code": desk.code, "name": page["unit_name"]})
    report_href = ""
    if page["report"]:
        report_href = f"reports/{page['period']}/{page['report']}?district={page['district']}"
        report_href += f"&commune={desk.commune}" if desk.commune else ""
    settings = get_settings()
    template_dir = Path(settings.project_dir) / "include" / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir)), autoescape=True)
    return HTMLResponse(
        env.get_template("desk.html").render(
            **page,
            desks=desks,
            periods=sorted({page["period"], *periods(desk.warehouse)}, reverse=True),
            user=user.get_name(),
            may_send=access.may(desk.code, desk.period, "send"),
            csrf=csrf_token(user),
            max_mb=settings.max_file_bytes // (1024 * 1024),
            notice=notice,
            error=error,
            report_href=report_href,
        ),
        status_code=status,
    )


@app.get("/desk", response_class=HTMLResponse)
def desk_page(user: GetUserDep, unit: str | None = None, period: str | None = None, sent: str | None = None):
    """A unit's own desk (Vietnamese first): its forms of the period with their deadlines and blank
    templates, an upload per form, what became of each file it sent, its own report."""
    desk, access, codes = _desk(user, unit, period)
    try:
        return _desk_page(user, desk, access, codes, sent=sent)
    finally:
        desk.warehouse.dispose()


async def _read_upload(file, limit: int) -> bytes:
    """The upload's bytes, reading no more than one byte past the limit (a larger file is refused)."""
    return await file.read(limit + 1)


@app.post("/desk/upload", dependencies=[SameOrigin])
async def desk_upload(
    user: GetUserDep,
    unit: str = Form(...),
    period: str = Form(...),
    form: str = Form(...),
    csrf: str = Form(""),
    file: UploadFile = File(...),
):
    """An upload from the desk's page: checked, delivered to the unit's inbox, then back to the desk
    (303) naming the file; a refusal is the desk again with its reason, under the refusal's status."""
    from urllib.parse import urlencode

    from giamngheo.config import get_settings
    from giamngheo.web.desk import DeskError

    check_csrf(user, csrf)
    desk, access, codes = _desk(user, unit, period, "send")
    try:
        settings = get_settings()
        content = await _read_upload(file, settings.max_file_bytes)
        try:
            received = desk.receive(form, file.filename or "", content, user.get_name(), settings)
        except DeskError as err:
            return _desk_page(user, desk, access, codes, error=str(err), status=err.status)
        query = urlencode({"unit": desk.code, "period": str(desk.period), "sent": received["id"]})
        return RedirectResponse(f"../desk?{query}", status_code=303)
    finally:
        desk.warehouse.dispose()


@app.get("/api/units/{code}/submissions")
def unit_submissions_api(user: GetUserDep, code: str, period: str | None = None) -> dict:
    """The desk as JSON, for scripts (a bearer token of Airflow's ``/auth/token``): the unit's forms and
    files of the period; 403 for a unit outside the caller's grants."""
    desk, _access, _codes = _desk(user, code, period)
    try:
        return desk.page()
    finally:
        desk.warehouse.dispose()


@app.post("/api/units/{code}/submissions", status_code=202, dependencies=[SameOrigin])
async def unit_upload_api(user: GetUserDep, code: str, period: str, form: str, file: UploadFile = File(...)) -> dict:
    """Send a file for a unit (multipart ``file``), as the desk's upload: 202 with the file as received
    (its ledger id; GET says what became of it), or the refusal's status and reason."""
    from giamngheo.config import get_settings
    from giamngheo.web.desk import DeskError

    desk, _access, _codes = _desk(user, code, period, "send")
    try:
        settings = get_settings()
        content = await _read_upload(file, settings.max_file_bytes)
        try:
            return desk.receive(form, file.filename or "", content, user.get_name(), settings)
        except DeskError as err:
            raise HTTPException(status_code=err.status, detail=str(err)) from None
    finally:
        desk.warehouse.dispose()


class SubmissionsPlugin(AirflowPlugin):
    name = "giamngheo_submissions"
    fastapi_apps = [{"app": app, "url_prefix": "/giamngheo", "name": "giamngheo submissions"}]
    external_views = [
        {
            "name": "Submissions",
            "href": "/giamngheo/",
            "destination": "nav",
            "category": "browse",
            "url_route": "giamngheo-submissions",
        },
        {
            "name": "Desk",
            "href": "/giamngheo/desk",
            "destination": "nav",
            "category": "browse",
            "url_route": "giamngheo-desk",
        },
    ]
