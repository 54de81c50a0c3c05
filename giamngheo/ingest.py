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


def outcome_counts(outcomes: list[IngestOutcome]) -> dict:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def find_work(period: str | None, day: date, arrivals: list[dict] | None = None,
              pipeline: "Pipeline | None" = None) -> list[dict]:
    """What an ingestion run does: the new or changed files of its periods, cut into task batches.

    Periods: the one asked for; else those the inbox watcher saw files land in (``arrivals``,
    the extras of its asset events, which carry the trigger's payload); else the half-year of
    ``day`` and the one before. The watcher's events also name the districts to look at."""
    from .batches import ingestion_batches

    pipeline = pipeline or Pipeline()
    pipeline.initialise()
    payloads = [extra.get("payload", extra) for extra in arrivals or []]
    payloads = [p for p in payloads if isinstance(p, dict)]
    landed = {p for payload in payloads for p in payload.get("periods") or []}
    districts = sorted({d for payload in payloads for d in payload.get("districts") or []} & set(pipeline.districts))
    if period:
        periods = [str(Period.parse(period))]
    else:
        periods = sorted(landed) if landed else periods_for(day)
    waiting: list[str] = []
    look_in = districts if (landed and districts and not period) else None
    files = [f for p in periods for f in pipeline.discover(p, waiting, look_in)]
    todo, loaded = pipeline.needing_ingestion(files)
    batches = ingestion_batches([f.to_dict() for f in todo], pipeline.settings.max_tasks)
    print(f"{len(files)} file(s) for {', '.join(periods)}: {len(loaded)} already loaded, "
          f"{len(todo)} to ingest in {len(batches)} task(s)")
    for label in waiting:
        log.warning("Tệp đang được ghi, để lần chạy sau / still being written, left for the next run: %s", label)
    for entry in (e for p in periods for e in pipeline.stray(p)):
        log.warning("Không thuộc biểu nào, không được nạp / not in a form's folder, not ingested: %s "
                    "(forms: %s)", entry, ", ".join(sorted(pipeline.forms)))
    return batches


class Pipeline:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        if not self.settings.district_code:  # GIAMNGHEO_DISTRICT=all: start on the first district
            from .reference import org_units

            units = org_units(self.settings.reference_dir)
            self.settings = self.settings.for_district(self.settings.district_codes(units)[0])
        self.reference = ReferenceData.load(self.settings.reference_dir, self.settings.district_code)
        reference = self.reference
        self.forms, self.units, self.categories = reference.forms, reference.units, reference.categories
        self.districts = self.settings.district_codes(self.units)
        self._resolvers: dict[str, UnitResolver] = {}
        self.resolver = self.resolver_for(self.settings.district_code)
        self.warehouse = Warehouse(self.settings.warehouse_url, self.settings.sql_dir)
        self._validator = None

    def resolver_for(self, district: str) -> UnitResolver:
        """Commune names of one district (a file names only its own district's communes)."""
        if district not in self._resolvers:
            self._resolvers[district] = UnitResolver(self.reference.communes_of(district))
        return self._resolvers[district]

    def district_settings(self, district: str) -> Settings:
        return self.settings.for_district(district)

    @property
    def validator(self):
        if self._validator is None:
            from .validation import Validator

            self._validator = Validator(self.settings.expectations_dir, self.forms, self.settings.validation_dir)
        return self._validator

    def initialise(self) -> None:
        self.warehouse.initialise(self.units, self.categories, self.forms)

    def discover(self, period: str, waiting: list[str] | None = None,
                 districts: list[str] | None = None) -> list[InboxFile]:
        """The period's files in the inbox of each district (all of the deployment's by default)."""
        found: list[InboxFile] = []
        for district in districts or self.districts:
            inbox = self.district_settings(district).inbox_dir
            found += discover(inbox, period, self.forms, self.settings.settle_seconds, waiting=waiting,
                              district=district, keyed=self.settings.keyed)
        return found

    def check_inside_inbox(self, file: InboxFile) -> None:
        """A path that does not lie in its own inbox folder is refused (never read, never recorded)."""
        inbox = self.district_settings(file.district).inbox_dir.resolve()
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
        return [f"{d}/{entry}" if self.settings.keyed else entry for d in self.districts
                for entry in stray_entries(self.district_settings(d).inbox_dir, period, self.forms)]

    def ingest(self, files: list[InboxFile], processed_by: str | None = None) -> list[IngestOutcome]:
        """Ingest files; each is accepted whole, rejected whole, or unchanged.

        ``processed_by`` is kept in the ledger (the DAG passes the path of its task instance in
        the Airflow UI, so that the Submissions page can link to it).
        """
        files = [self.placed(f) for f in files]
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
            read = read_submission(file.path, self.forms[file.form], self.resolver_for(file.district), self.categories,
                                   display_name=file.label, all_forms=self.forms)
            pending.setdefault(file.form, []).append((index, file, sha, read))

        for form_code, items in pending.items():
            districts = sorted({file.district for _, file, _, _ in items})
            communes = sorted(u.code for d in districts for u in self.reference.communes_of(d))
            checks = self.validator.validate(form_code, [read for *_, read in items], communes)
            for (index, file, sha, read), check in zip(items, checks):
                if check.problems:
                    outcomes[index] = self._reject(file, sha, check.problems, check.docs, processed_by)
                else:
                    result = self.warehouse.publish(file, sha, self.forms[form_code], read.records, processed_by)
                    outcomes[index] = IngestOutcome(
                        file.label, file.form, file.period, result.status, result.submission_id,
                        result.version, result.rows, result.facts, result.superseded)
        return [outcomes[i] for i in range(len(files))]

    def placed(self, file: InboxFile) -> InboxFile:
        """A file found without a district (by a bare ``discover``) belongs to the deployment's district."""
        if file.district:
            if file.district not in self.districts:
                raise PermissionError(f"{file.label}: huyện {file.district} không thuộc triển khai này / "
                                      f"district {file.district} is not one of this deployment's")
            return file
        from dataclasses import replace

        return replace(file, district=self.settings.district_code, keyed=self.settings.keyed)

    def needing_ingestion(self, files: list[InboxFile]) -> tuple[list[InboxFile], list[InboxFile]]:
        """Split files into (to ingest, already loaded): a file whose content is accepted for its
        district, period and form (under its name or another) needs no task."""
        todo, loaded = [], []
        digests: dict[str, tuple[set, set]] = {}
        for file in map(self.placed, files):
            if file.period not in digests:
                names, contents = set(), set()
                for row in self.warehouse.query("query/ledger_digest", period=file.period):
                    if row["status"] == "accepted":
                        names.add((row["district"], row["form"], row["file_name"], row["sha256"]))
                        contents.add((row["district"], row["form"], row["sha256"]))
                digests[file.period] = (names, contents)
            names, contents = digests[file.period]
            sha = sha256_of(file.path)
            if (file.district, file.form, file.name, sha) in names or (file.district, file.form, sha) in contents:
                loaded.append(file)
            else:
                todo.append(file)
        return todo, loaded

    def loads_to_announce(self, files: list[InboxFile]) -> list[dict]:
        """The (period, form) slices that files of a run loaded, with their districts: one asset
        event each tells the report DAG what to re-draft."""
        slices: dict[tuple[str, str], set[str]] = {}
        for file in map(self.placed, files):
            if file.path.is_file():
                row = self.warehouse.find_submission(file, sha256_of(file.path))
                if row is not None and row["status"] == "accepted":
                    slices.setdefault((file.period, file.form), set()).add(file.district)
        return [{"period": period, "form": form, "districts": sorted(districts)}
                for (period, form), districts in sorted(slices.items())]

    def status_of(self, file: InboxFile) -> str:
        """What the ledger says of the file as it is now: accepted, rejected, unchanged or unseen."""
        file = self.placed(file)
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
