"""Ingestion: inbox files -> read -> validated -> warehouse (or rejected, with reasons).

This is the step the ingestion DAG calls; nothing here knows about Airflow.
A :class:`Pipeline` holds what is costly to build (reference data, the GX
context, the engine) so that a task pays for it once however many files it
handles.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from .config import Settings, get_settings
from .periods import Period
from .problems import Problem, format_problems
from .reading import InboxFile, discover, read_submission, sha256_of, stray_entries
from .reference import ReferenceData, UnitResolver
from .warehouse import Warehouse

log = logging.getLogger(__name__)


@dataclass
class IngestOutcome:
    file: str
    form: str
    period: str
    status: str  # accepted | rejected | unchanged
    submission_id: str | None = None
    version: int = 0
    rows: int = 0
    facts: int = 0
    superseded: int = 0
    message: str = ""
    problems: list[dict] = field(default_factory=list)
    docs: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def periods_for(day: date) -> list[str]:
    """What a scheduled run ingests: the half-year containing ``day`` and the one before
    (late and corrected submissions for a closed period keep arriving)."""
    current = Period.containing(day)
    return [str(current.previous), str(current)]


class Pipeline:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        reference = ReferenceData.load(self.settings.reference_dir, self.settings.district_code)
        self.forms, self.units, self.categories = reference.forms, reference.units, reference.categories
        self.resolver = UnitResolver(reference.communes)
        self.warehouse = Warehouse(self.settings.warehouse_url, self.settings.sql_dir)
        self._validator = None

    @property
    def validator(self):
        if self._validator is None:
            from .validation import Validator

            self._validator = Validator(self.settings.expectations_dir, self.forms, self.settings.validation_dir)
        return self._validator

    def initialise(self) -> None:
        self.warehouse.initialise(self.units, self.categories, self.forms)

    def discover(self, period: str, waiting: list[str] | None = None) -> list[InboxFile]:
        return discover(self.settings.inbox_dir, period, self.forms, self.settings.settle_seconds, waiting=waiting)

    def check_inside_inbox(self, file: InboxFile) -> None:
        """A path that does not lie in its own inbox folder is refused (never read, never recorded)."""
        inbox = self.settings.inbox_dir.resolve()
        expected = inbox / file.period / file.form
        path = Path(file.path)
        if path.is_symlink() or path.resolve().parent != expected or path.name != file.name:
            raise PermissionError(f"{file.label}: đường dẫn ngoài hộp thư đến / path outside the inbox: {file.path}")

    def wait_until_settled(self, file: InboxFile) -> None:
        """A file being written (modified within the settle time) is waited for, then re-checked."""
        import time

        deadline = time.time() + 3 * self.settings.settle_seconds + 1
        while 0 <= time.time() - file.path.stat().st_mtime < self.settings.settle_seconds:
            if time.time() > deadline:
                raise TimeoutError(f"{file.label}: tệp vẫn đang được ghi / the file is still being written")
            time.sleep(min(1.0, self.settings.settle_seconds))

    def stray(self, period: str) -> list[str]:
        """Inbox entries of the period that are not in a form's folder (they are not ingested)."""
        return stray_entries(self.settings.inbox_dir, period, self.forms)

    def ingest(self, files: list[InboxFile], processed_by: str | None = None) -> list[IngestOutcome]:
        """Ingest files; each is accepted whole, rejected whole, or unchanged.

        ``processed_by`` is kept in the ledger (the DAG passes the path of its task instance in
        the Airflow UI, so that the Submissions page can link to it).
        """
        files = list(files)
        outcomes: dict[int, IngestOutcome] = {}
        pending: dict[str, list[tuple[int, InboxFile, str, object]]] = {}
        for index, file in enumerate(files):
            base = IngestOutcome(file.label, file.form, file.period, "unchanged")
            self.check_inside_inbox(file)
            if not file.path.is_file():
                raise FileNotFoundError(
                    f"{file.label}: tệp không còn trong hộp thư đến / the file is no longer in the inbox")
            self.wait_until_settled(file)
            file = files[index] = file.refreshed()
            sha = sha256_of(file.path)
            twin = self.warehouse.find_twin(file, sha)
            if twin is not None:
                base.submission_id = twin
                base.message = "đã nạp trước đó, không thay đổi / identical to an accepted submission: nothing changed"
                outcomes[index] = base
                continue
            if file.size > self.settings.max_file_bytes:
                problem = Problem(file.label, None, None, file.size, "file_too_large",
                                  f"tệp lớn hơn giới hạn {self.settings.max_file_bytes // (1024 * 1024)} MB",
                                  f"the file is larger than the {self.settings.max_file_bytes // (1024 * 1024)} MB limit")
                outcomes[index] = self._reject(file, sha, [problem], None, processed_by)
                continue
            read = read_submission(file.path, self.forms[file.form], self.resolver, self.categories,
                                   display_name=file.label, all_forms=self.forms)
            pending.setdefault(file.form, []).append((index, file, sha, read))

        for form_code, items in pending.items():
            checks = self.validator.validate(form_code, [read for *_, read in items])
            for (index, file, sha, read), check in zip(items, checks):
                if check.problems:
                    outcomes[index] = self._reject(file, sha, check.problems, check.docs, processed_by)
                else:
                    result = self.warehouse.publish(file, sha, self.forms[form_code], read.frame, processed_by)
                    outcomes[index] = IngestOutcome(
                        file.label, file.form, file.period, result.status, result.submission_id,
                        result.version, result.rows, result.facts, result.superseded)
        return [outcomes[i] for i in range(len(files))]

    def status_of(self, file: InboxFile) -> str:
        """What the ledger says of the file as it is now: accepted, rejected, unchanged or unseen."""
        if not file.path.is_file():
            return "missing"
        sha = sha256_of(file.path)
        row = self.warehouse.find_submission(file, sha)
        if row is not None:
            return row["status"]
        return "unchanged" if self.warehouse.find_twin(file, sha) else "unseen"

    def _reject(self, file: InboxFile, sha: str, problems: list[Problem], docs: Path | None,
                processed_by: str | None = None) -> IngestOutcome:
        result = self.warehouse.record_rejection(file, sha, problems, docs, processed_by)
        message = format_problems(file.label, problems)
        if docs:
            message += f"\nKết quả kiểm tra (GX Data Docs) / validation report: {docs}"
        return IngestOutcome(file.label, file.form, file.period, "rejected", result.submission_id, result.version,
                             message=message, problems=[p.to_dict() for p in problems],
                             docs=str(docs) if docs else None)
