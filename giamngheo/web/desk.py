"""A unit's own desk (``/giamngheo/desk``): the forms it sends for a period with their deadlines and
blank templates, an upload, what became of each of its files, and its own report.

An upload is handed to the same intake as a file dropped in the inbox: the desk checks what it can
before anything is kept (who may send, the unit's form, the size, the file's type by its bytes, how
often the user uploads), then :func:`giamngheo.inbox.deliver` puts it whole into the unit's inbox
folder under a name the desk makes (the sender's name is only shown), with a receipt naming the
uploader. The inbox watcher starts its ingestion: archived, checked, loaded or rejected with its
feedback workbook, as any file. Until the ledger has it, the desk shows it as received.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ..inbox import RECEIPTS, InboxFile, deliver
from ..periods import Period, local_time, local_today
from ..sheets import OLE2_MAGIC
from ..submissions import STATES, TIMELINESS, problem_text, submissions_matrix, timeliness

FILE_STATES = {  # a file's state on the desk, Vietnamese first (and whether it came late: ``timeliness``)
    "received": "đã nhận, đang kiểm tra / received, being checked",
    "accepted": "đã nạp / accepted",
    "superseded": "đã được thay bằng tệp sau / replaced by a later file",
    "rejected": "bị từ chối / rejected",
    "held": "giữ lại (kỳ đã khóa) / held (the period is locked)",
}


class DeskError(Exception):
    """What the desk refuses, with the HTTP status the route answers and the reason in both languages."""

    def __init__(self, status: int, message_vi: str, message_en: str):
        super().__init__(f"{message_vi} / {message_en}")
        self.status, self.message_vi, self.message_en = status, message_vi, message_en


def kind_of(content: bytes) -> str:
    """The file's type as its bytes say (never its name): ``.xlsx`` (an Office Open XML workbook),
    ``.xls`` (an OLE2 compound file) or ``.csv`` (text). The intake reads it further and rejects with
    its reason what it cannot read; what is no spreadsheet at all is refused here."""
    if not content:
        raise DeskError(422, "tệp rỗng", "the file is empty")
    if content.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except zipfile.BadZipFile:
            raise DeskError(415, "tệp nén bị hỏng, không phải bảng tính", "a damaged zip, not a workbook") from None
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return ".xlsx"
        raise DeskError(
            415,
            "tệp không phải bảng tính Excel (có thể là Word hoặc tệp nén); hãy gửi .xlsx, .xls hoặc .csv",
            "not an Excel workbook (a Word document or an archive?); send .xlsx, .xls or .csv",
        )
    if content.startswith(OLE2_MAGIC):
        return ".xls"
    head = content[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head:
        return ".csv"  # text (a UTF-16 CSV too: the intake rejects it with how to save it)
    raise DeskError(
        415,
        "tệp không phải bảng tính (.xlsx, .xls) hay văn bản CSV",
        "the file is neither a workbook (.xlsx, .xls) nor CSV text",
    )


def shown_name(name: str) -> str:
    """The sender's file name as the desk shows it: its last part, without control characters, at most
    120 characters (it is never used as a path)."""
    last = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", last)[:120] or "(không tên / unnamed)"


def open_period(today: date) -> Period:
    """The period a unit is reporting on: the half-year of today, or the one before while its
    submissions are still due (until 15 days after it ended)."""
    current = Period.containing(today)
    return current.previous if today <= current.previous.due(15) else current


class Desk:
    """One unit's desk in one period: ``code`` is a commune (it sends its own forms) or a reporting unit
    of the deployment (its offices send the sector forms for every commune)."""

    def __init__(self, deployment, warehouse, code: str, period: Period):
        self.deployment, self.warehouse, self.period = deployment, warehouse, period
        unit = deployment.reference.unit(code, period)
        if unit is None:
            raise DeskError(
                404, f"không có đơn vị mã {code} trong kỳ {period}", f"no unit has the code {code} in {period}"
            )
        self.unit = unit
        if code in deployment.districts:
            self.district, self.commune = code, ""
        else:
            self.district = next(
                (d for d in deployment.districts if any(c.code == code for c in deployment.communes_of(d, period))),
                "",
            )
            self.commune = code
        if not self.district:
            raise DeskError(
                404,
                f"{unit.full_name} ({code}) không thuộc đơn vị báo cáo nào của triển khai này kỳ {period}",
                f"{unit.full_name} ({code}) belongs to none of this deployment's reporting units in {period}",
            )
        sender = "commune" if self.commune else "office"
        self.forms = {c: f for c, f in deployment.forms.items() if f.sender == sender}

    @property
    def code(self) -> str:
        return self.commune or self.district

    def folder(self, form: str) -> Path:
        return self.deployment.district_settings(self.district).inbox_dir / str(self.period) / form

    # ------------------------------------------------------------ upload

    def receive(
        self, form: str, sent_name: str, content: bytes, user: str, settings, now: datetime | None = None
    ) -> dict:
        """Check an upload and deliver it to the unit's inbox folder (see the module's text): the file as
        the desk lists it, ``received``, with the ledger id it will have."""
        from ..warehouse import submission_id

        if form not in self.forms:
            raise DeskError(
                422,
                f"biểu '{form}' không phải biểu {self.unit.full_name} gửi",
                f"'{form}' is not a form {self.unit.full_name} sends",
            )
        if len(content) > settings.max_file_bytes:
            limit = settings.max_file_bytes // (1024 * 1024)
            raise DeskError(413, f"tệp lớn hơn {limit} MB", f"the file is larger than {limit} MB")
        suffix = kind_of(content)
        now = now or datetime.now(UTC)
        since = (now - timedelta(hours=1)).isoformat(timespec="microseconds")
        if self.warehouse.uploads_since(user, since) >= settings.uploads_per_hour:
            raise DeskError(
                429,
                f"đã gửi {settings.uploads_per_hour} tệp trong một giờ; hãy chờ rồi gửi lại",
                f"{settings.uploads_per_hour} files sent within an hour; wait, then send again",
            )
        name = f"{form}_{self.code}_{now:%Y%m%dT%H%M%S}_{secrets.token_hex(3)}{suffix}"
        folder = self.folder(form)
        keyed = self.deployment.settings.keyed
        digest = hashlib.sha256(content).hexdigest()
        placed = InboxFile(folder / name, str(self.period), form, name, 0, len(content), self.district, keyed)
        receipt = {
            "user": user,
            "unit": self.code,
            "form": form,
            "period": str(self.period),
            "sent_name": shown_name(sent_name),
            "uploaded_at": now.isoformat(timespec="microseconds"),
            "submission_id": submission_id(placed, digest),
            "sha256": digest,
        }
        self.warehouse.record_upload(self.district, str(self.period), user, receipt)
        deliver(folder, name, content, receipt)
        return self._received(receipt, name)

    def _sent_in_time(self, form: str, arrival_iso: str) -> dict:
        """Whether a file arrived by its form's deadline (``on_time``/``late``; None: no deadline)."""
        days = self.deployment.forms[form].due_days
        when = timeliness(arrival_iso, self.period.due(days), local_today()) if days is not None else None
        return {"timeliness": when, "timeliness_text": TIMELINESS[when]}

    def _received(self, receipt: dict, name: str) -> dict:
        return {
            **self._sent_in_time(receipt["form"], receipt["uploaded_at"]),
            "id": receipt["submission_id"],
            "form": receipt["form"],
            "form_label": self.forms[receipt["form"]].label if receipt["form"] in self.forms else receipt["form"],
            "file": name,
            "sent_name": receipt.get("sent_name", name),
            "uploaded_by": receipt.get("user", ""),
            "arrival": local_time(receipt["uploaded_at"]),
            "sort_at": receipt["uploaded_at"],
            "state": "received",
            "state_text": FILE_STATES["received"],
            "reasons": [],
            "feedback": False,
            "archived": False,
        }

    def receipts(self) -> dict[str, tuple[dict, str]]:
        """The desk's uploads for this unit still in the inbox: ``submission id -> (receipt, file name)``."""
        found: dict[str, tuple[dict, str]] = {}
        for form in self.forms:
            for path in sorted((self.folder(form) / RECEIPTS).glob("*.json")):
                try:
                    receipt = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if receipt.get("unit") == self.code and receipt.get("submission_id"):
                    found[receipt["submission_id"]] = (receipt, path.name.removesuffix(".json"))
        return found

    # ------------------------------------------------------------ page

    def page(self, today: date | None = None) -> dict:
        """What the desk shows (and its JSON twin returns)."""
        today = today or local_today()
        uploads = self.receipts()
        rows = self.warehouse.desk_files(self.district, str(self.period), self.commune, list(self.forms), list(uploads))
        held = {
            r["id"]: r
            for r in self.warehouse.query("query/held_submissions", unit=self.district, period=str(self.period))
            if r["released_at"] is None and (r["id"] in uploads or (not self.commune and r["form"] in self.forms))
        }
        files = [self._file(row, uploads.get(row["id"], ({}, ""))[0]) for row in rows if row["id"] not in held]
        files += [self._held(row, uploads.get(sid, ({}, ""))[0]) for sid, row in held.items()]
        known = {f["id"] for f in files}
        files += [self._received(receipt, name) for sid, (receipt, name) in uploads.items() if sid not in known]
        files.sort(key=lambda f: f.get("sort_at", ""), reverse=True)
        communes = (
            [self.deployment.reference.unit(self.commune, self.period)]
            if self.commune
            else self.deployment.communes_of(self.district, self.period)
        )
        matrix = submissions_matrix(  # every form's (the unit's rejections may name any), the desk's shown
            self.warehouse, self.deployment.forms, communes, self.period, today=today, district=self.district
        )
        templates = {
            t["form"]: Path(t["file_path"]).name
            for t in self.warehouse.query("query/unit_templates", unit=self.district, period=str(self.period))
            if t["form"] in self.forms and (t["org_unit"] or "") in ((self.commune,) if self.commune else ("", None))
        }
        forms = []
        for form in self.forms.values():
            due = self.period.due(form.due_days) if form.due_days is not None else None
            cells = [row["cells"][form.code] for row in matrix["units"]]
            received = sum(1 for c in cells if c["state"] == "accepted")
            first = min((c["first_arrival_at"] for c in cells if c.get("first_arrival_at")), default=None)
            state = (
                "accepted"
                if received and (received == len(cells) or form.expected != "each_commune")
                else ("missing" if form.expected == "each_commune" else "none")
            )
            when = timeliness(first, due, today) if state == "accepted" or state == "missing" else None
            forms.append(
                {
                    "code": form.code,
                    "label": form.label,
                    "title": form.title,
                    "due": due.isoformat() if due else None,
                    "due_text": f"{due:%d/%m/%Y}" if due else "",
                    "state": state,
                    "state_text": STATES[state],
                    "communes": len(cells),
                    "received": received,
                    "timeliness": when,
                    "timeliness_text": TIMELINESS[when],
                    "template": templates.get(form.code, ""),
                }
            )
        return {
            "unit": self.code,
            "unit_name": self.unit.full_name,
            "district": self.district,
            "period": str(self.period),
            "today": today.isoformat(),
            "forms": forms,
            "files": files,
            "report": self.own_report(),
        }

    def _file(self, row: dict, receipt: dict) -> dict:
        """A file of the ledger as the desk lists it: accepted (or replaced since), or rejected with why."""
        form = self.deployment.forms[row["form"]]
        labels = {c.code: c.label for c in form.columns}
        state = row["status"]
        if state == "accepted" and not row["is_current"]:
            state = "superseded"
        if state not in FILE_STATES:
            state = "rejected"
        problems = json.loads(row["messages"] or "[]") if state == "rejected" else []
        return {
            **self._listed(row, receipt, state, row["uploaded_by"] or ""),
            "version": row["version"],
            "reasons": [problem_text(p, labels) for p in problems],
            "feedback": bool(row["feedback_path"]),
        }

    def _held(self, row: dict, receipt: dict) -> dict:
        """A file of a locked period, held until the period is reopened."""
        return self._listed(row, receipt, "held", receipt.get("user", ""))

    def _listed(self, row: dict, receipt: dict, state: str, uploaded_by: str) -> dict:
        return {
            **self._sent_in_time(row["form"], row["arrival_at"]),
            "id": row["id"],
            "form": row["form"],
            "form_label": self.deployment.forms[row["form"]].label,
            "file": row["file_name"],
            "sent_name": receipt.get("sent_name") or row["file_name"],
            "uploaded_by": uploaded_by,
            "arrival": local_time(row["arrival_at"]),
            "sort_at": row["arrival_at"],
            "state": state,
            "state_text": FILE_STATES[state],
            "reasons": [],
            "feedback": False,
            "archived": bool(row["archive_path"]),
        }

    def own_report(self) -> str:
        """The file name of the unit's own current report of the period ('' while none is drafted)."""
        settings = self.deployment.district_settings(self.district)
        if self.commune:
            settings = settings.for_district(self.commune, commune_of=self.district)
        drafted = sorted((settings.reports_dir / str(self.period)).glob("*.docx"))
        return drafted[0].name if drafted else ""
