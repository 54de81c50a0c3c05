"""From a complete draft to the signed report: requests, approval, send-back, the period's lock, reopen.

The way DHIS2 approves data, per district and period:

* a **complete draft** (nothing missing, nothing rejected outstanding, nothing to review) becomes an
  approval request (:meth:`Approvals.request`), named by a digest of the submissions its figures came
  from; a newer draft supersedes the requests still waiting;
* **approve** (:meth:`Approvals.approve`) renders the final with its number and signing date (no DỰ
  THẢO) into ``reports/<period>/final/v<N>/`` with its PDF and a ``manifest.json``, and **locks** the
  period: a later file is validated and archived but held, not published; a final is never overwritten;
* **send back** (:meth:`Approvals.send_back`) records the comment and leaves the draft;
* **reopen** (:meth:`Approvals.reopen`) unlocks the period and publishes what was held, in the order it
  arrived; the next approval writes the next final;
* every step is a row of ``audit_event`` (who, when, why), listed in the final's manifest;
* :meth:`Approvals.rerender` renders a past final again from the warehouse alone (the submissions it
  was built from, kept with it): its text equals the approved one.

Nothing here knows about Airflow: the DAGs ask the approvers with Airflow's human-in-the-loop
operators and hand their answers to this module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import Connection

from .config import Settings
from .inbox import archive_copy, sha256_of
from .periods import Period, local_time
from .report import DOCUMENT_STEM, ReportBuilder, Signing, convert_to_pdf
from .warehouse import Warehouse

APPROVE = "Phê duyệt / Approve"
SEND_BACK = "Trả lại / Send back"
OPTIONS = [APPROVE, SEND_BACK]
SO_VAN_BAN = re.compile(r"^\d+/[A-ZĐ]+(-[A-ZĐ]+)*$")  # 125/BC-UBND (NĐ 30/2020: number/type-issuer)
FINAL_DIR = "final"
log = logging.getLogger(__name__)


class ApprovalError(ValueError):
    """An answer that cannot be carried out: the message says why, in Vietnamese and English."""


class DraftChanged(ApprovalError):
    """What the approver saw is no longer what would be signed: the request is superseded."""


WITHDRAWN = "rút lại: dự thảo không còn đủ điều kiện / withdrawn: the draft is no longer complete"
NO_APPROVERS = (
    "chưa cấu hình người phê duyệt (GIAMNGHEO_APPROVERS, hoặc quyền phe_duyet trên đơn vị): không ai được phê "
    "duyệt / no approver is configured (GIAMNGHEO_APPROVERS, or a phe_duyet grant on the unit): nobody may approve"
)
NO_REVIEWERS = (
    "chưa cấu hình người rà soát (GIAMNGHEO_REVIEWERS): không ai được xác minh cảnh báo / no reviewer is "
    "configured (GIAMNGHEO_REVIEWERS): nobody may verify a warning"
)


def template_copy_name(sha256: str) -> str:
    """The name of the template's copy kept in a final's folder (not a report: no ``.docx`` suffix)."""
    return f"mau-bao-cao-{sha256[:12]}.docx.mau"


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def digest_of(sources: list[dict], inputs: dict, template_sha256: str) -> str:
    """The identity of everything a report is built from: the submissions (and their content) its figures
    came from, the staff's narrative and the document's settings (``ReportBuilder.inputs``), and the
    template's SHA-256. An answer is carried out only while this is what the approver was asked about."""
    keys = sorted(f"{s['period']}|{s['form']}|{s['file_name']}|{s['sha256']}" for s in sources)
    rest = json.dumps(
        {"inputs": {k: inputs[k] for k in ("narrative", "doc")}, "template": template_sha256},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256("\n".join([*keys, rest]).encode()).hexdigest()


def check_signing(so_van_ban: str | None, ngay_ky: str | None, period: Period) -> Signing:
    """The approver's two fields, checked: ``so_van_ban`` like ``125/BC-UBND``, ``ngay_ky`` a date
    (``YYYY-MM-DD``) after the period began and not in the future."""
    number = (so_van_ban or "").strip()
    if not SO_VAN_BAN.match(number):
        raise ApprovalError(
            f"so_van_ban '{number}': số văn bản phải có dạng 125/BC-UBND / "
            "the document number must look like 125/BC-UBND"
        )
    try:
        signed = date.fromisoformat((ngay_ky or "").strip())
    except ValueError:
        raise ApprovalError(
            f"ngay_ky '{ngay_ky}': ngày ký phải có dạng YYYY-MM-DD / the signing date must be YYYY-MM-DD"
        ) from None
    if signed < period.start or signed > date.today():
        raise ApprovalError(
            f"ngay_ky {signed}: ngày ký phải sau khi kỳ {period} bắt đầu và không ở tương lai / "
            f"the signing date must be after {period} began and not in the future"
        )
    return Signing(number, signed)


class Approvals:
    """A deployment's approval state, on its warehouse."""

    def __init__(self, settings: Settings, warehouse: Warehouse | None = None):
        self.settings = settings
        self.warehouse = warehouse or Warehouse(settings.warehouse_url, settings.sql_dir)

    # ---------------------------------------------------------------- state

    def lock_state(self, district: str, period: Period | str) -> dict:
        rows = self.warehouse.query("query/period_lock", unit=district, period=str(period))
        return rows[0] if rows else {"locked": False, "final_version": 0, "changed_at": None, "changed_by": None}

    def is_locked(self, district: str, period: Period | str) -> bool:
        return bool(self.lock_state(district, period)["locked"])

    def requests(self, district: str, period: Period | str) -> list[dict]:
        return self.warehouse.query("query/approval_requests", unit=district, period=str(period))

    def finals(self, district: str, period: Period | str) -> list[dict]:
        return self.warehouse.query("query/report_finals", unit=district, period=str(period))

    def held(self, district: str, period: Period | str) -> list[dict]:
        return self.warehouse.query("query/held_submissions", unit=district, period=str(period))

    def trail(self, district: str, period: Period | str) -> list[dict]:
        rows = self.warehouse.query("query/audit_trail", unit=district, period=str(period))
        return [{**r, "details": json.loads(r["details"] or "{}")} for r in rows]

    def get_request(self, request_id: str) -> dict:
        rows = self.warehouse.query("query/approval_request", id=request_id)
        if not rows:
            raise ApprovalError(f"{request_id}: không có yêu cầu phê duyệt này / no such approval request")
        return rows[0]

    def template_in_archive(self, template: Path) -> tuple[str, Path]:
        """The report template's SHA-256 and its content-addressed copy in the archive: a final names the
        template it was rendered with, and is rendered again with that copy."""
        return archive_copy(template, self.settings.archive_dir / "templates")

    def archived_template(self, sha256: str) -> Path:
        found = sorted((self.settings.archive_dir / "templates" / sha256[:2]).glob(f"{sha256}.*"))
        if not found:
            raise ApprovalError(
                f"không còn mẫu báo cáo {sha256[:12]} trong kho lưu / the template {sha256[:12]} is not in the archive"
            )
        return found[0]

    def current_digest(self, conn: Connection, district: str, period: Period, builder: ReportBuilder) -> tuple:
        """The digest of what the period's report would be built from now, with the inputs and the
        template's SHA-256 it covers."""
        inputs = builder.inputs(period)
        template_sha = sha256_of(builder.settings.template_path)
        return digest_of(self.current_sources(conn, district, period), inputs, template_sha), inputs, template_sha

    def current_sources(self, conn: Connection, district: str, period: Period) -> list[dict]:
        """The submissions the period's report is built from now (the report's own half-years)."""
        from .figures import report_periods

        first, last = report_periods(period)
        params = {"unit": district, "first_period": str(first), "last_period": str(last)}
        return [dict(r._mapping) for r in conn.execute(self.warehouse.sql("query/report_lineage"), params)]

    def approvers(self, unit: str | None = None, period: Period | None = None) -> list[str]:
        """Who may approve, send back or reopen ``unit``'s period: the configured approvers
        (``GIAMNGHEO_APPROVERS``) and the users granted ``phe_duyet`` (or ``quan_tri``) on the unit then
        (``giamngheo access``)."""
        configured = list(self.settings.approvers)
        if unit is None or period is None:
            return configured
        from .access import Access, Grant
        from .reference import unit_tree

        grants = [Grant(**row) for row in self.warehouse.grants()]
        tree = unit_tree(self.settings.reference_dir)
        users = sorted({g.user_name for g in grants})
        granted = [user for user in users if Access(tree, user, grants).may(unit, period, "approve")]
        return list(dict.fromkeys([*configured, *granted]))

    def check_approver(self, user: str | None, unit: str | None = None, period: Period | None = None) -> None:
        """Only an approver of the unit (:meth:`approvers`) may approve, send back or reopen; with none
        configured or granted nobody may (the gate fails closed)."""
        allowed = self.approvers(unit, period)
        if not allowed:
            raise ApprovalError(NO_APPROVERS)
        if user not in allowed:
            raise ApprovalError(
                f"'{user}' không có quyền phê duyệt (GIAMNGHEO_APPROVERS: {', '.join(self.settings.approvers)}; "
                f"hoặc quyền phe_duyet trên đơn vị) / '{user}' is not an approver"
            )

    def check_four_eyes(self, district: str, period: Period | str, user: str) -> None:
        """Who verified a period's data-quality warnings does not approve it too (``GIAMNGHEO_FOUR_EYES``)."""
        if not self.settings.four_eyes:
            return
        warnings = self.warehouse.query("query/quality_warnings", unit=district, period=str(period))
        if any(w["verified_by"] == user for w in warnings):
            raise ApprovalError(
                f"'{user}' đã xác minh cảnh báo số liệu của kỳ {period}, nên không phê duyệt kỳ này (nguyên tắc bốn "
                f"mắt; GIAMNGHEO_FOUR_EYES) / '{user}' verified this period's data-quality warnings and may not "
                "also approve it (four eyes)"
            )

    def check_reviewer(self, user: str) -> None:
        """Only a configured reviewer (``GIAMNGHEO_REVIEWERS``) may verify; with none configured nobody may."""
        if not self.settings.reviewers:
            raise ApprovalError(NO_REVIEWERS)
        if user not in self.settings.reviewers:
            raise ApprovalError(
                f"'{user}' không có quyền xác minh cảnh báo (GIAMNGHEO_REVIEWERS) / '{user}' is not a reviewer"
            )

    def verify_warning(self, warning_id: str, user: str, comment: str, granted: bool = False) -> dict:
        """A reviewer verified a data-quality warning (which unlocks approval): a configured reviewer, or one
        ``granted`` the reviewer's role on its unit (``giamngheo access``), with a comment; recorded with the
        user and time, and a row of the audit trail."""
        if not granted:
            self.check_reviewer(user)
        comment = (comment or "").strip()[:500]
        if len(comment) < 3:
            raise ApprovalError("ghi chú: hãy ghi đã xác minh thế nào / comment: say how it was verified")
        verified = self.warehouse.verify_quality_warning(warning_id, user, comment)
        if verified is None:
            raise LookupError(f"{warning_id}: không có cảnh báo / no such warning")
        return verified

    # ------------------------------------------------------------ requests

    def request(self, district: str, period: Period, document: str) -> dict | None:
        """Put a complete draft to the approvers, unless its period is locked or the newest request
        (waiting or approved) is for the same inputs. Earlier waiting requests are superseded."""
        builder = ReportBuilder(self.settings.for_district(district), self.warehouse)
        with self.warehouse.engine.begin() as conn:
            lock = conn.execute(
                self.warehouse.sql("query/period_lock"), {"unit": district, "period": str(period)}
            ).first()
            if lock is not None and lock.locked:
                return None
            digest, _, _ = self.current_digest(conn, district, period, builder)
            newest = conn.execute(
                self.warehouse.sql("query/approval_requests"), {"unit": district, "period": str(period)}
            ).first()
            if newest is not None and newest.digest == digest and newest.status in ("waiting", "approved"):
                return None
            request = {
                "id": uuid.uuid4().hex,
                "unit": district,
                "period": str(period),
                "digest": digest,
                "document": str(document),
                "requested_at": now_utc(),
            }
            conn.execute(self.warehouse.sql("load/insert_approval_request"), request)
            conn.execute(self.warehouse.sql("load/supersede_waiting_requests"), request)
            self.warehouse.audit(conn, district, str(period), "requested", "giamngheo", "", {"request": request["id"]})
        return request

    # ------------------------------------------------------------- answers

    def answer(self, request_id: str, chosen: list[str], params: dict, user: str) -> dict:
        """Carry out an approver's answer (the HITL task's): approve or send back."""
        if chosen == [APPROVE]:
            return self.approve(request_id, params.get("so_van_ban"), params.get("ngay_ky"), user)
        if chosen == [SEND_BACK]:
            return self.send_back(request_id, params.get("ghi_chu") or "", user)
        raise ApprovalError(f"{chosen}: không phải {OPTIONS} / not one of the options")

    def send_back(self, request_id: str, comment: str, user: str) -> dict:
        """Record the comment; the draft stays a draft."""
        request = self.get_request(request_id)
        self.check_approver(user, request["unit"], Period.parse(request["period"]))
        if not comment.strip():
            raise ApprovalError("ghi_chu: hãy ghi lý do trả lại / say why the draft is sent back")
        with self.warehouse.engine.begin() as conn:
            done = conn.execute(
                self.warehouse.sql("load/answer_approval_request"),
                {
                    "id": request_id,
                    "status": "sent_back",
                    "answered_by": user,
                    "answered_at": now_utc(),
                    "comment": comment,
                },
            ).rowcount
            if not done:
                raise ApprovalError(self._not_waiting(request))
            self.warehouse.audit(
                conn, request["unit"], request["period"], "sent_back", user, comment, {"request": request_id}
            )
        return {"status": "sent_back", "unit": request["unit"], "period": request["period"], "comment": comment}

    def record_refusal(self, request: dict, user: str, reason: str) -> None:
        """An answer that was not carried out: a row of the trail names who gave it and why."""
        with self.warehouse.engine.begin() as conn:
            self.warehouse.audit(
                conn, request["unit"], request["period"], "answer_refused", user, reason, {"request": request["id"]}
            )

    def withdraw(self, district: str, period: Period | str, reason: str) -> list[str]:
        """The period's waiting requests, when its draft is no longer complete (a rejected file, a new
        warning): withdrawn, each with a row of the trail; an answer to one is refused and says why."""
        comment = f"{WITHDRAWN}: {reason}"
        withdrawn = []
        with self.warehouse.engine.begin() as conn:
            rows = conn.execute(
                self.warehouse.sql("query/approval_requests"), {"unit": district, "period": str(period)}
            ).all()
            for row in rows:
                if row.status != "waiting":
                    continue
                answered = {"id": row.id, "status": "superseded", "answered_by": "giamngheo"}
                conn.execute(
                    self.warehouse.sql("load/answer_approval_request"),
                    {**answered, "answered_at": now_utc(), "comment": comment},
                )
                self.warehouse.audit(conn, district, str(period), "withdrawn", "giamngheo", reason, {"request": row.id})
                withdrawn.append(row.id)
        return withdrawn

    def _not_waiting(self, request: dict) -> str:
        why = f" — {request['comment']}" if request.get("comment") else ""
        return (
            f"yêu cầu {request['id'][:8]} ({request['period']}) không còn chờ: {request['status']}{why} / "
            f"the request is no longer waiting: {request['status']}"
        )

    def approve(self, request_id: str, so_van_ban: str | None, ngay_ky: str | None, user: str) -> dict:
        """Render the final (number, date, no DỰ THẢO), lock the period, keep the final under
        ``final/v<N>/`` with its manifest. The draft's inputs must be unchanged since the request.
        Safe to repeat: an approved request's final is returned (rendered again if its files are gone)."""
        request = self.get_request(request_id)
        district, period = request["unit"], Period.parse(request["period"])
        self.check_approver(user, district, period)
        if request["status"] == "approved":
            final = next(f for f in self.finals(district, period) if f["request_id"] == request_id)
            return self.ensure_final_files(final)
        if request["status"] != "waiting":
            raise ApprovalError(self._not_waiting(request))
        signing = check_signing(so_van_ban, ngay_ky, period)
        self.check_four_eyes(district, period, user)
        district_settings = self.settings.for_district(district)
        builder = ReportBuilder(district_settings, self.warehouse)
        with self.warehouse.engine.connect() as conn:
            digest, inputs, template_sha = self.current_digest(conn, district, period, builder)
        if digest != request["digest"]:
            raise self._changed(request, user)
        template_sha, template = self.template_in_archive(district_settings.template_path)
        inputs = {**inputs, "template_sha256": template_sha}
        finals_dir = district_settings.reports_dir / str(period) / FINAL_DIR
        finals_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=finals_dir, prefix=".staging-"))
        try:
            result = builder.render(
                period, pdf=False, signing=signing, inputs=inputs, out_dir=staging, template=template
            )
            shutil.copy2(template, staging / template_copy_name(template_sha))
            approved_at = now_utc()
            with self.warehouse.engine.begin() as conn:
                self.warehouse.turns_of_period(conn, district, str(period), builder.forms)  # no load meanwhile
                lock = conn.execute(
                    self.warehouse.sql("query/period_lock"), {"unit": district, "period": str(period)}
                ).first()
                if lock is not None and lock.locked:
                    raise ApprovalError(f"{period}: kỳ đã được phê duyệt / the period is approved already")
                current = digest_of(self.current_sources(conn, district, period), inputs, template_sha)
                changed = current != request["digest"]
                if not changed:
                    version = int(lock.final_version if lock is not None else 0) + 1
                    folder = finals_dir / f"v{version}"
                    self._record_final(conn, request, signing, inputs, user, approved_at, version, folder)
            if changed:
                raise self._changed(request, user)
            os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        final = next(f for f in self.finals(district, period) if f["version"] == version)
        return self.finish_final(final, Path(result.docx).name)

    def _changed(self, request: dict, user: str) -> DraftChanged:
        """The draft's figures, narrative, settings or template changed after it was put to approval: the
        request is superseded, and the caller drafts again (a new request asks the approvers)."""
        self._supersede(request, user)
        return DraftChanged(
            f"{request['period']}: số liệu, nội dung, thiết lập hoặc mẫu báo cáo đã thay đổi sau khi gửi dự thảo; "
            "câu trả lời không được thực hiện, dự thảo mới sẽ được gửi phê duyệt / the figures, narrative, "
            "settings or template changed since this draft was put to approval: the answer is refused and a new "
            "draft is put to approval"
        )

    def _record_final(
        self,
        conn: Connection,
        request: dict,
        signing: Signing,
        inputs: dict,
        user: str,
        approved_at: str,
        version: int,
        folder: Path,
    ) -> None:
        """The approval in one transaction: the request answered, the period locked at this version,
        the final's row with what it was built from, the trail."""
        district, period = request["unit"], request["period"]
        sources = [
            dict(r._mapping)
            for r in conn.execute(self.warehouse.sql("query/final_sources"), {"unit": district, "period": period})
        ]
        conn.execute(
            self.warehouse.sql("load/answer_approval_request"),
            {"id": request["id"], "status": "approved", "answered_by": user, "answered_at": approved_at, "comment": ""},
        )
        conn.execute(
            self.warehouse.sql("load/upsert_period_lock"),
            {
                "unit": district,
                "period": period,
                "locked": True,
                "final_version": version,
                "changed_at": approved_at,
                "changed_by": user,
            },
        )
        fields = {"so_van_ban": signing.so_van_ban, "ngay_ky": signing.ngay_ky.isoformat()}
        conn.execute(
            self.warehouse.sql("load/insert_report_final"),
            {
                "unit": district,
                "period": period,
                "version": version,
                "request_id": request["id"],
                **fields,
                "approved_by": user,
                "approved_at": approved_at,
                "sources": json.dumps(sources, ensure_ascii=False),
                "inputs": json.dumps(inputs, ensure_ascii=False, default=str),
                "folder": str(folder),
            },
        )
        self.warehouse.audit(
            conn, district, period, "approved", user, "", {"request": request["id"], "version": version, **fields}
        )
        self.warehouse.audit(conn, district, period, "locked", user, "", {"version": version})

    def _supersede(self, request: dict, user: str) -> None:
        """A request whose figures changed before it was approved: done with; the new draft asks again."""
        with self.warehouse.engine.begin() as conn:
            conn.execute(
                self.warehouse.sql("load/answer_approval_request"),
                {
                    "id": request["id"],
                    "status": "superseded",
                    "answered_by": user,
                    "answered_at": now_utc(),
                    "comment": "số liệu đã thay đổi / the figures changed",
                },
            )
            self.warehouse.audit(
                conn, request["unit"], request["period"], "superseded", user, "", {"request": request["id"]}
            )

    def finish_final(self, final: dict, docx_name: str) -> dict:
        """The final's PDF and manifest (who approved and when, the submissions and checksums it was
        built from, the outputs' SHA-256, the trail), then its files made read-only."""
        folder = Path(final["folder"])
        docx = folder / docx_name
        pdf, pdf_message = convert_to_pdf(docx)
        outputs = {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != "manifest.json"}
        manifest = {
            "unit": final["unit"],
            "period": final["period"],
            "version": final["version"],
            "so_van_ban": final["so_van_ban"],
            "ngay_ky": final["ngay_ky"],
            "approved_by": final["approved_by"],
            "approved_at": final["approved_at"],
            "request": final["request_id"],
            "sources": [
                {
                    k: s[k]
                    for k in ("id", "period", "form", "file_name", "sha256", "arrival_at", "version", "archive_path")
                }
                for s in json.loads(final["sources"])
            ],
            "outputs": outputs,
            "template": self._template_entry(final),
            "pdf": pdf_message if pdf is None else pdf.name,
            "audit": self.trail(final["unit"], final["period"]),
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for path in folder.iterdir():
            path.chmod(0o444)  # a final is never overwritten
        return final_summary(final, docx, pdf)

    def _template_entry(self, final: dict) -> dict:
        """The template a final was rendered with: its SHA-256 and the copies kept of it."""
        sha = json.loads(final["inputs"]).get("template_sha256")
        if not sha:
            return {
                "sha256": None,
                "note": "bản chính thức trước khi lưu mẫu / a final from before templates were kept",
            }
        return {
            "sha256": sha,
            "copy": template_copy_name(sha),
            "archive_path": str(self.archived_template(sha)),
        }

    def ensure_final_files(self, final: dict) -> dict:
        """An approved final whose folder is missing (a crash right after the approval committed) is
        rendered again from the warehouse."""
        folder = Path(final["folder"])
        if not (folder / "manifest.json").is_file():
            staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".staging-"))
            try:
                docx = self.rerender(final["unit"], final["period"], final["version"], staging)
                shutil.rmtree(folder, ignore_errors=True)
                os.replace(staging, folder)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            return self.finish_final(final, docx.name)
        return final_summary(final, next(folder.glob(f"{DOCUMENT_STEM}-*.docx")), next(folder.glob("*.pdf"), None))

    # --------------------------------------------------------------- reopen

    def reopen(self, district: str, period: Period, reason: str, user: str, ingestor=None) -> dict:
        """Unlock an approved period and publish what was held, in the order it arrived (through the
        ingestor: each held file is read again from the archive). The finals stay; the next approval
        writes the next one."""
        self.check_approver(user, district, period)
        if len((reason or "").strip()) < 5:
            raise ApprovalError("reason: hãy ghi lý do mở lại kỳ / say why the period is reopened")
        from .reference import ReferenceData

        forms = ReferenceData.load(self.settings.reference_dir).forms
        with self.warehouse.engine.begin() as conn:
            self.warehouse.turns_of_period(conn, district, str(period), forms)
            lock = conn.execute(
                self.warehouse.sql("query/period_lock"), {"unit": district, "period": str(period)}
            ).first()
            if lock is None or not lock.locked:
                raise ApprovalError(f"{period}: kỳ chưa bị khóa / the period is not locked")
            conn.execute(
                self.warehouse.sql("load/upsert_period_lock"),
                {
                    "unit": district,
                    "period": str(period),
                    "locked": False,
                    "final_version": lock.final_version,
                    "changed_at": now_utc(),
                    "changed_by": user,
                },
            )
            self.warehouse.audit(conn, district, str(period), "reopened", user, reason, {"version": lock.final_version})
        released = []
        if ingestor is not None:
            released = ingestor.release_held(district, period, user)
        return {"unit": district, "period": str(period), "reason": reason, "released": released}

    # ------------------------------------------------------------- rerender

    def rerender(self, district: str, period: Period | str, version: int, out_dir: Path) -> Path:
        """Render a past final again from the warehouse alone: a scratch warehouse holds the figures of
        the submissions it was built from, as they stood (per slice, the latest of them), and the final's
        narrative, settings, number and date. Returns the .docx (its text equals the approved one)."""
        from .reference import ReferenceData

        period = Period.parse(str(period))
        final = next((f for f in self.finals(district, period) if f["version"] == int(version)), None)
        if final is None:
            raise ApprovalError(f"{district}/{period}: không có bản chính thức v{version} / no final v{version}")
        ids = [s["id"] for s in json.loads(final["sources"])]
        reference = ReferenceData.load(self.settings.reference_dir)
        with tempfile.TemporaryDirectory(prefix="giamngheo-final-") as scratch_dir:
            scratch = Warehouse(f"sqlite:///{Path(scratch_dir) / 'final.sqlite'}", self.settings.sql_dir)
            try:
                scratch.initialise(reference.units, reference.categories, reference.forms)
                self._copy_as_of(ids, scratch)
                settings = self.settings.for_district(district)
                builder = ReportBuilder(settings, scratch)
                signing = Signing(final["so_van_ban"], date.fromisoformat(final["ngay_ky"]))
                inputs = json.loads(final["inputs"])
                template = self.archived_template(inputs["template_sha256"]) if inputs.get("template_sha256") else None
                result = builder.render(
                    period, pdf=False, signing=signing, inputs=inputs, out_dir=Path(out_dir), template=template
                )
            finally:
                scratch.dispose()
        return Path(result.docx)

    def _copy_as_of(self, ids: list[str], scratch: Warehouse) -> None:
        """The ledger rows, slices and facts of ``ids`` into ``scratch``; a fact is current there when its
        submission is the latest of ``ids`` (arrival, then file name) covering its slice."""
        from sqlalchemy import MetaData, Table, insert

        submissions = self.warehouse.query_ids("query/submissions_by_id", ids)
        slices = self.warehouse.query_ids("query/slices_of_submissions", ids)
        facts = self.warehouse.query_ids("query/facts_of_submissions", ids)
        winner: dict[tuple, tuple] = {}
        for s in slices:
            key = (s["period"], s["form"], s["org_unit"])
            winner[key] = max(winner.get(key, ("", "", "")), (s["arrival_at"], s["file_name"], s["submission_id"]))
        for fact in facts:
            fact["is_current"] = (
                winner.get((fact["period"], fact["form"], fact["org_unit"]), ("", "", ""))[2] == fact["submission_id"]
            )
            fact["superseded_by"] = None
        metadata = MetaData()
        with scratch.engine.begin() as conn:
            for name, rows in (
                ("submission", submissions),
                (
                    "submission_slice",
                    [{"submission_id": s["submission_id"], "org_unit": s["org_unit"]} for s in slices],
                ),
                ("fact", facts),
            ):
                if rows:
                    table = Table(name, metadata, autoload_with=conn)
                    conn.execute(insert(table), [{c.name: r.get(c.name) for c in table.columns} for r in rows])


def final_summary(final: dict, docx: Path, pdf: Path | None) -> dict:
    """What the approval task logs and returns of a final (small JSON)."""
    return {
        "status": "approved",
        "unit": final["unit"],
        "period": final["period"],
        "version": final["version"],
        "folder": final["folder"],
        "docx": str(docx),
        "pdf": str(pdf) if pdf else None,
        "so_van_ban": final["so_van_ban"],
        "ngay_ky": final["ngay_ky"],
    }


def document_text(path: Path) -> list[str]:
    """A .docx's text, paragraph by paragraph (tables' cells included), for comparing two renders."""
    from docx import Document

    document = Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return lines


# ----------------------------------------------------------------- the DAGs' steps


def draft_reports(settings: Settings, items: list[dict], pdf: bool = True) -> dict:
    """The report DAG's step: render the batch's (period, district) drafts, except locked periods (their
    final stands), and put each complete draft to the approvers. Small JSON for XCom."""
    from .report import render_reports

    approvals = Approvals(settings)
    try:
        open_items, locked = [], []
        for item in items:
            state = approvals.lock_state(item["unit"] or settings.district_code, item["period"])
            if state["locked"]:
                locked.append({**item, "final_version": state["final_version"]})
            else:
                open_items.append(item)
        results = render_reports(settings, open_items, pdf)
        requests = []
        for item, result in zip(open_items, results, strict=True):
            district, period = item["unit"] or settings.district_code, Period.parse(item["period"])
            if result.draft:  # a request still waiting asks about a draft that is no longer complete
                approvals.withdraw(district, period, result.draft_reason)
                continue
            made = approvals.request(district, period, result.docx)
            if made:
                requests.append(made["id"])
    finally:
        approvals.warehouse.dispose()
    return {"results": results, "locked": locked, "requests": requests}


def describe_request(settings: Settings, request: dict, ui_base: str) -> dict:
    """What the approver is shown: subject, and a body (Markdown) linking the draft in the UI."""
    from .reference import unit_tree
    from .submissions import PAGE_PREFIX, report_link

    district, period = request["unit"], Period.parse(request["period"])
    unit = unit_tree(settings.reference_dir).unit(district, period)
    names = {district: unit.name} if unit is not None else {}
    folder = settings.for_district(district).reports_dir / str(period)
    docx = Path(request["document"]).name
    links = [f"[{docx}]({report_link(ui_base, district, str(period), docx)})"]
    for name, label in ((Path(docx).with_suffix(".pdf").name, "PDF"), (f"so-lieu-{period}.xlsx", "số liệu theo xã")):
        if (folder / name).is_file():
            links.append(f"[{label}]({report_link(ui_base, district, str(period), name)})")
    page = f"{ui_base.rstrip('/')}{PAGE_PREFIX}/?period={period}&district={district}"
    place = names.get(district, district)
    body = "\n".join(
        [
            f"**{place} — {period.label_vi}**: dự thảo đã đủ số liệu / the draft is complete.",
            "",
            f"- Dự thảo / draft: {' · '.join(links)}",
            f"- Trang nộp báo cáo / Submissions page: [{period}]({page})",
            "",
            "**Phê duyệt / Approve**: điền `so_van_ban` (vd. 125/BC-UBND) và `ngay_ky` (YYYY-MM-DD); báo cáo chính "
            "thức được lập, kỳ báo cáo bị khóa / fill the document number and the signing date: the final is "
            "written and the period locked.",
            "",
            "**Trả lại / Send back**: ghi lý do ở `ghi_chu` / say why in `ghi_chu`.",
            "",
            f"Yêu cầu / request `{request['id'][:8]}`, {local_time(request['requested_at'])} (giờ Việt Nam)",
        ]
    )
    return {
        "id": request["id"],
        "unit": district,
        "period": str(period),
        "label": f"{district}/{period}",
        "subject": f"Phê duyệt báo cáo giảm nghèo {period.label_vi} — {place} / approve the {period} report",
        "body": body,
    }


def open_requests(settings: Settings, request_ids: list[str], ui_base: str) -> list[dict]:
    """The requests of an approval run still waiting (a newer draft supersedes an older one), described."""
    approvals = Approvals(settings)
    try:
        waiting = []
        for request_id in dict.fromkeys(request_ids):
            try:
                request = approvals.get_request(request_id)
            except ApprovalError:  # another deployment's (another data folder's) event: not ours to ask
                log.warning(
                    "yêu cầu %s không có trong kho dữ liệu này (%s), bỏ qua / request unknown to this warehouse, "
                    "skipped",
                    request_id,
                    settings.warehouse_url.split("@")[-1],
                )
                continue
            if request["status"] == "waiting":
                waiting.append(request)
        return [describe_request(settings, r, ui_base) for r in waiting]
    finally:
        approvals.warehouse.dispose()


def answer_refusal(settings: Settings, request_id: str, chosen: list[str], params: dict, user: str) -> str | None:
    """Why an answer to a waiting request cannot be carried out (None: it can), checked before the
    approval task accepts it, so that the approvers are asked again instead of the task failing: the
    options, the fields of the option chosen, the approver and the four-eyes rule. A request that is no
    longer waiting is left to :func:`answer_request` (it says so and writes the trail)."""
    approvals = Approvals(settings)
    try:
        request = approvals.get_request(request_id)
        if request["status"] != "waiting":
            return None
        period = Period.parse(request["period"])
        approvals.check_approver(user, request["unit"], period)
        if chosen == [APPROVE]:
            check_signing(params.get("so_van_ban"), params.get("ngay_ky"), period)
            approvals.check_four_eyes(request["unit"], period, user)
        elif chosen == [SEND_BACK]:
            if not str(params.get("ghi_chu") or "").strip():
                raise ApprovalError("ghi_chu: hãy ghi lý do trả lại / say why the draft is sent back")
        else:
            raise ApprovalError(f"{chosen}: hãy chọn một trong {OPTIONS} / choose one of the options")
    except ApprovalError as err:
        return str(err)
    finally:
        approvals.warehouse.dispose()
    return None


def answer_request(settings: Settings, request_id: str, chosen: list[str], params: dict, user: str) -> dict:
    """The approval DAG's step: carry out an answer. An answer that cannot be carried out is refused, not
    failed: the trail names who answered and why it was refused. When what the approver saw changed
    (figures, narrative, settings, template), the report is drafted again and its new request returned
    (``requests``), for the DAG to put to the approvers."""
    approvals = Approvals(settings)
    try:
        request = approvals.get_request(request_id)
        place = {"unit": request["unit"], "period": request["period"]}
        try:
            return approvals.answer(request_id, chosen, params, user)
        except DraftChanged as err:
            drafted = draft_reports(settings, [dict(place)])
            return {"status": "refused", "reason": str(err), **place, "requests": drafted["requests"]}
        except ApprovalError as err:
            approvals.record_refusal(request, user, str(err))
            return {"status": "refused", "reason": str(err), **place, "requests": []}
    finally:
        approvals.warehouse.dispose()


def reopen_period(settings: Settings, period: Period, district: str | None, reason: str, user: str) -> dict:
    """The reopen DAG's step: unlock, publish what was held, draft again and put it to the approvers."""
    from .ingest import Ingestor

    district = district or settings.district_code
    ingestor = Ingestor.from_settings(settings)
    approvals = Approvals(settings, ingestor.warehouse)
    try:
        done = approvals.reopen(district, period, reason, user, ingestor)
    finally:
        ingestor.warehouse.dispose()
    drafted = draft_reports(settings, [{"period": str(period), "unit": district}])
    return {
        "unit": district,
        "period": str(period),
        "released": [o.file for o in done["released"]],
        "draft": drafted["results"][0].docx if drafted["results"] else None,
        "requests": drafted["requests"],
    }
