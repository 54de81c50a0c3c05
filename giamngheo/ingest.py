"""Ingestion: inbox files -> archived -> read -> validated -> warehouse (or rejected, with reasons).

This is the step the ingestion DAG calls; nothing here knows about Airflow.
A :class:`~giamngheo.deployment.Deployment` knows the districts, their
reference data and inboxes; an :class:`Ingestor` reads, validates and loads
their files, holding what is costly to build (the GX context, the engine) so
that a task pays for it once however many files it handles.

Each file is processed once: its content (SHA-256) is recorded in the ledger,
accepted or rejected, and a file whose content the ledger holds for its
district, period and form is never read again. What a task did is returned
as :class:`IngestOutcome` records (submission ids, statuses); the DAG's later
tasks use those, never the inbox.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .deployment import Deployment
from .faults import pause_point
from .inbox import InboxFile, archive_copy, sha256_of
from .periods import Period
from .problems import Problem, format_problems
from .reading import ReadResult, read_submission
from .submissions import submission_links
from .warehouse import Accepted, Warehouse, iso_utc

if TYPE_CHECKING:
    from .quality import QualityChecker  # the same: GX, only when a period is checked
    from .validation import Validator  # importing GX costs seconds: only when a task validates

log = logging.getLogger(__name__)


@dataclass
class IngestOutcome:
    file: str
    form: str
    period: str
    # accepted | rejected (newly, by this call) | unchanged (content already in the ledger) | held (a locked
    # period's) | resent (an accepted file's content sent again, answering a rejection in between)
    status: str
    submission_id: str | None = None
    version: int = 0
    rows: int = 0
    facts: int = 0
    superseded: int = 0
    message: str = ""
    problems: list[dict] = field(default_factory=list)
    docs: str | None = None
    district: str = ""
    slices: list[str] = field(default_factory=list)  # the communes the file covers ('' : none could be read)
    known_status: str | None = None  # for "unchanged": what the ledger says of that content
    feedback: str | None = None  # a rejected file's feedback workbook

    def to_dict(self) -> dict:
        """For XCom: the reporting unit under the warehouse's name, ``unit``."""
        out = asdict(self)
        out["unit"] = out.pop("district")
        return out

    @classmethod
    def of_load(cls, file: InboxFile, result) -> IngestOutcome:
        """What became of a file the warehouse loaded (``warehouse.LoadResult``): accepted, or held."""
        return cls(
            file.label,
            file.form,
            file.period,
            result.status,
            result.submission_id,
            result.version,
            result.rows,
            result.facts,
            result.superseded,
            district=file.district,
            slices=result.slices or [],
            message=held_message(file.label, file.period) if result.status == "held" else "",
        )

    def summary(self) -> dict:
        """What later tasks need (small enough for XCom): no problem list, the message's first lines."""
        data = {k: v for k, v in self.to_dict().items() if k != "problems"}
        lines = self.message.splitlines()
        data["message"] = "\n".join(lines[:12]) + (f"\n… ({len(lines) - 12} more lines)" if len(lines) > 12 else "")
        return data


def periods_for(day: date) -> list[Period]:
    """What a scheduled run ingests: the half-year containing ``day`` and the one before
    (late and corrected submissions for a closed period keep arriving)."""
    current = Period.containing(day)
    return [current.previous, current]


def held_message(label: str, period: str) -> str:
    return (
        f"{label}: kỳ {period} đã được phê duyệt và khóa; tệp hợp lệ, được lưu và giữ lại, chưa đưa vào số liệu "
        f"cho đến khi người phê duyệt mở lại kỳ / period {period} is approved and locked: the file is valid, "
        "archived and held, not published until an approver reopens the period"
    )


def outcome_counts(outcomes: list[IngestOutcome]) -> dict:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def find_work(
    period: str | None, day: date, arrivals: list[dict] | None = None, ingestor: Ingestor | None = None
) -> dict:
    """What an ingestion run does: the new or changed files of its periods, cut into task batches
    (``{"periods": ["2022-H1", …], "batches": [...]}``, small JSON for XCom).

    Periods: the one asked for; else those the inbox watcher saw files land in (``arrivals``,
    the extras of its asset events, which carry the trigger's payload); else the half-year of
    ``day`` and the one before. The watcher's events also name the districts to look at.
    Files the ledger already holds (accepted or rejected) get no task."""
    from .batches import ingestion_batches

    ingestor = ingestor or Ingestor()
    ingestor.initialise()
    deployment = ingestor.deployment
    payloads = [extra.get("payload", extra) for extra in arrivals or []]
    payloads = [p for p in payloads if isinstance(p, dict)]
    landed = sorted({Period.parse(p) for payload in payloads for p in payload.get("periods") or []})
    districts = sorted({d for payload in payloads for d in payload.get("districts") or []} & set(deployment.districts))
    periods = [Period.parse(period)] if period else (landed or periods_for(day))
    waiting: list[str] = []
    look_in = districts if (landed and districts and not period) else None
    # the watcher announces a file as soon as it appears: its task starts (and loads its libraries) while
    # the file settles, and waits for it before reading it
    settling = bool(landed) and not period and any(payload.get("early") for payload in payloads)
    files = [f for p in periods for f in deployment.discover(p, waiting, look_in, settling=settling)]
    todo, known = ingestor.needing_ingestion(files)
    batches = ingestion_batches(
        [f.to_dict() for f in todo], deployment.settings.max_tasks, deployment.settings.min_files_per_task
    )
    # a load whose quality check never ran (its task died after the commit) and that no batch will look at
    covered = {(f.district, f.period) for f in todo}
    owed = [
        e
        for e in ingestor.warehouse.quality_owed(periods)
        if e["unit"] in deployment.districts and (e["unit"], e["period"]) not in covered
    ]
    if owed:
        batches.append(quality_batch(owed))
    print(
        f"{len(files)} file(s) for {', '.join(map(str, periods))}: {len(known)} already processed, "
        f"{len(todo)} to ingest in {len(batches)} task(s)"
    )
    for label in waiting:
        log.warning("Tệp đang được ghi, để lần chạy sau / still being written, left for the next run: %s", label)
    for entry in (e for p in periods for e in deployment.stray(p)):
        log.warning(
            "Không thuộc biểu nào, không được nạp / not in a form's folder, not ingested: %s (forms: %s)",
            entry,
            ", ".join(sorted(deployment.forms)),
        )
    return {"periods": [str(p) for p in periods], "batches": batches}


def quality_batch(owed: list[dict]) -> dict:
    """A batch with no file: the data-quality checks still owed by earlier loads."""
    places = sorted({f"{e['period']}/{e['unit']}" for e in owed})
    return {
        "label": f"kiểm tra chất lượng còn nợ / quality check owed: {', '.join(places[:3])}"
        + (f" (+{len(places) - 3})" if len(places) > 3 else ""),
        "items": [],
        "quality": [{"unit": e["unit"], "period": e["period"]} for e in owed],
    }


def outstanding_in(ingestor: Ingestor, periods: list[Period], districts: list[str] | None = None) -> list[dict]:
    """Rejections of these periods that no later accepted file has answered, in every district."""
    from .completeness import outstanding_rejections

    deployment = ingestor.deployment
    found = []
    for district in districts or deployment.districts:
        for period in periods:
            for entry in outstanding_rejections(ingestor.warehouse, period, district):
                label = f"{period}/{entry['form']}/{entry['file']}"
                found.append(
                    {
                        **entry,
                        "unit": district,
                        "period": str(period),
                        "label": f"{district}/{label}" if deployment.settings.keyed else label,
                        "communes": ", ".join(entry["outstanding"]),
                    }
                )
    return found


def announcements(outcomes: list[dict]) -> list[dict]:
    """The (period, form) slices whose report must be re-drafted, with their districts: every file this
    run accepted or newly rejected (a refused correction turns the draft DỰ THẢO). ``communes``: per
    district, the communes its files covered (a commune's own report is re-drafted only when one of
    them is it); a district is left out of it when a file's communes could not be read (all of them)."""
    slices: dict[tuple[str, str], dict] = {}
    for outcome in outcomes:
        if outcome["status"] in ("accepted", "rejected", "resent"):
            entry = slices.setdefault(
                (outcome["period"], outcome["form"]), {"districts": set(), "statuses": set(), "communes": {}}
            )
            entry["districts"].add(outcome["unit"])
            entry["statuses"].add(outcome["status"])
            covered = [c for c in outcome.get("slices") or [] if c]
            known = entry["communes"].setdefault(outcome["unit"], set())
            if known is not None:
                entry["communes"][outcome["unit"]] = known | set(covered) if covered else None
    return [
        {
            "period": period,
            "form": form,
            "districts": sorted(entry["districts"]),
            "statuses": sorted(entry["statuses"]),
            "communes": {d: sorted(c) for d, c in sorted(entry["communes"].items()) if c is not None},
        }
        for (period, form), entry in sorted(slices.items())
    ]


def run_summary(batches: list[dict], outcomes: list[dict]) -> dict:
    """What became of every file a run handed to its tasks, from the tasks' outcomes (no second look
    at the inbox). ``not_processed``: files of a task that failed before saying what became of them."""
    by_label = {o["file"]: o for o in outcomes}
    statuses: dict[str, list[dict]] = {}
    for item in (f for b in batches for f in b["items"]):
        outcome = by_label.get(item["label"]) or {
            "file": item["label"],
            "status": "not_processed",
            "message": f"{item['label']}: chưa được xử lý, tác vụ của tệp dừng trước khi xong (xem log của tác vụ) / "
            "not processed: its task stopped before finishing (see the task's log)",
        }
        statuses.setdefault(outcome["status"], []).append(outcome)
    return statuses


class Ingestor:
    """Reads, validates and loads a deployment's files into the warehouse. Holds what is costly to
    build (the GX context, the engine) so that a task pays for it once however many files it handles."""

    def __init__(self, deployment: Deployment | None = None, warehouse: Warehouse | None = None):
        self.deployment = deployment or Deployment()
        self._quality: QualityChecker | None = None
        settings = self.deployment.settings
        self.warehouse = warehouse or Warehouse(settings.warehouse_url, settings.sql_dir)
        self._validator: Validator | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Ingestor:
        return cls(Deployment(settings))

    @property
    def validator(self) -> Validator:
        if self._validator is None:
            from .validation import Validator

            settings = self.deployment.settings
            self._validator = Validator(
                settings.expectations_dir, self.deployment.forms, settings.validation_dir, self.deployment.categories
            )
        return self._validator

    def initialise(self) -> None:
        """The warehouse at the newest schema revision, with the deployment's reference data."""
        d = self.deployment
        self.warehouse.initialise(d.units, d.categories, d.forms, d.tree.transitions)

    def ingest(
        self,
        files: list[InboxFile],
        processed_by: str | None = None,
        ui_base: str | None = None,
        check_quality: bool = True,
    ) -> list[IngestOutcome]:
        """Ingest files; each is accepted whole, rejected whole, or unchanged (its content is in the
        ledger already, accepted or rejected: it is not read again).

        Each file is copied into the archive first (read once, hashed on the way) and read from that
        copy. ``processed_by`` is kept in the ledger (the DAG passes the path of its task instance in
        the Airflow UI, so that the Submissions page can link to it). With ``ui_base`` (the UI's address,
        ``""`` for a path on the same host) a rejection message links to the file's Data Docs and to the
        file as sent, served by the Submissions page; without it, it names their paths on this machine.

        The loads' data-quality checks (:meth:`check_quality_after`) run at the end, unless
        ``check_quality`` is false (the DAG's task runs them itself, to log what they found). A load owes
        its check in the warehouse until the check has run, so a crash between the two is finished later.
        """
        files = [self.deployment.placed(f) for f in files]
        if any(self.deployment.settling(f) for f in files):
            self.validator  # noqa: B018 — GX is loaded while the files settle, not after
        outcomes: dict[int, IngestOutcome] = {}
        pending: list[tuple[int, InboxFile, str, Path, ReadResult]] = []
        for index, file in enumerate(files):
            self.deployment.check_inside_inbox(file)
            if not file.path.is_file():
                raise FileNotFoundError(
                    f"{file.label}: tệp không còn trong hộp thư đến / the file is no longer in the inbox"
                )
            self.deployment.wait_until_settled(file)
            file = files[index] = file.refreshed()
            # the one read of the inbox file: copied to the archive, hashed on the way
            sha, archived = archive_copy(file.path, self.deployment.settings.archive_dir)
            known = self.warehouse.find_known(file, sha)
            if known is not None:
                answers = self._answered_by_resend(file, known) if known["status"] == "accepted" else []
                if answers:
                    self.warehouse.record_resend(file, known, processed_by)
                    outcomes[index] = self._resent(file, known, answers)
                else:
                    outcomes[index] = self._unchanged(file, known)
                continue
            if file.size > self.deployment.settings.max_file_bytes:
                limit = self.deployment.settings.max_file_bytes // (1024 * 1024)
                problem = Problem(
                    file.label,
                    None,
                    None,
                    file.size,
                    "file_too_large",
                    f"tệp lớn hơn giới hạn {limit} MB",
                    f"the file is larger than the {limit} MB limit",
                )
                outcomes[index] = self._reject(file, sha, [problem], (), None, processed_by, archived, ui_base)
                continue
            read = read_submission(
                archived,
                self.deployment.forms[file.form],
                self.deployment.resolver_for(file.district, file.period),
                self.deployment.categories,
                display_name=file.label,
                all_forms=self.deployment.forms,
            )
            pending.append((index, file, sha, archived, read))

        # every read file of the task, whatever its form, validated together: a few GX runs in all
        accepted: list[tuple[int, Accepted]] = []
        checks = self.validator.validate_many([(file.form, read) for _, file, _, _, read in pending]) if pending else []
        for (index, file, sha, archived, read), check in zip(pending, checks, strict=True):
            if check.problems:
                covered = [r["xa"] for r in read.records or [] if r.get("xa")]
                outcomes[index] = self._reject(
                    file, sha, check.problems, covered, check.docs, processed_by, archived, ui_base, read
                )
            else:
                form = self.deployment.forms[file.form]
                accepted.append((index, Accepted(file, sha, form, read.records or [], processed_by, archived)))
        # every accepted file of the task in one set-based load
        results = self.warehouse.publish_many([load for _, load in accepted])
        for (index, load), result in zip(accepted, results, strict=True):
            outcomes[index] = IngestOutcome.of_load(load.file, result)
        done = [outcomes[i] for i in range(len(files))]
        if check_quality:
            self.check_quality_after(done)
        return done

    @property
    def quality_checker(self) -> QualityChecker:
        if self._quality is None:
            from .quality import QualityChecker, load_rules, reviewed_suite

            rules = load_rules(self.deployment.settings.reference_dir, self.deployment.forms)
            self._quality = QualityChecker(rules, reviewed_suite(rules, self.deployment.settings.expectations_dir))
        return self._quality

    def check_quality(self, period: Period, districts: list[str] | None = None) -> dict:
        """Check a period's current figures (rules across forms, outliers over time) for each district;
        store the warnings (verifications of unchanged values kept) and write the review workbook
        ``reports/<period>/canh-bao-<period>.xlsx``. Checks of one district's period take turns."""
        from .quality import outliers, write_review_xlsx
        from .units.restate import restated_history

        checker = self.quality_checker

        def evaluate(values: dict, history: dict) -> dict:
            found = checker.check_many(values, period, self.deployment.forms)  # one GX run for all
            for district in values:
                found[district] += outliers(
                    history[district], values[district], district, period, checker.rules.outliers
                )
            return found

        def write_review(district: str, stored: list[dict]) -> None:
            out = self.deployment.district_settings(district).reports_dir / str(period)
            write_review_xlsx(stored, out / f"canh-bao-{period}.xlsx")

        def history_of(district: str, facts_of) -> list[dict]:
            return restated_history(self.deployment.tree, district, period, facts_of)

        return self.warehouse.check_quality(
            districts or self.deployment.districts, period, evaluate, history_of, write_review
        )

    def release_held(self, district: str, period: Period, user: str) -> list[IngestOutcome]:
        """Publish a reopened period's held files, in the order they arrived, read again from the archive
        (they passed validation when they came); each is then an accepted version of the ledger."""
        from datetime import UTC, datetime

        from .warehouse import iso_utc

        released = []
        for held in self.warehouse.query("query/held_submissions", unit=district, period=period):
            if held["released_at"]:
                continue
            arrival = datetime.fromisoformat(held["arrival_at"]).timestamp()
            file = InboxFile(
                Path(held["file_path"]),
                held["period"],
                held["form"],
                held["file_name"],
                arrival,
                int(held["size_bytes"]),
                district,
                self.deployment.settings.keyed,
            )
            assert iso_utc(file.arrival) == held["arrival_at"], "arrival time must survive the round trip"
            read = read_submission(
                Path(held["archive_path"]),
                self.deployment.forms[file.form],
                self.deployment.resolver_for(district, period),
                self.deployment.categories,
                display_name=file.label,
                all_forms=self.deployment.forms,
            )
            if read.problems:  # the reader changed since: it stays held, and says why
                raise RuntimeError(f"{file.label}: {format_problems(file.label, read.problems)}")
            result = self.warehouse.publish(
                file,
                held["sha256"],
                self.deployment.forms[file.form],
                read.records,
                held["processed_by"],
                Path(held["archive_path"]),
            )
            with self.warehouse.engine.begin() as conn:
                conn.execute(
                    self.warehouse.sql("load/release_held_submission"),
                    {
                        "id": held["id"],
                        "released_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "released_by": user,
                    },
                )
                self.warehouse.audit(
                    conn,
                    district,
                    str(period),
                    "released",
                    user,
                    file.name,
                    {"id": result.submission_id, "version": result.version},
                )
            released.append(IngestOutcome.of_load(file, result))
        if released:
            self.check_quality(period, [district])
        return released

    def check_quality_after(self, outcomes: list[IngestOutcome], owed: list[dict] | None = None) -> dict:
        """Check the (period, district)s that accepted a file among ``outcomes`` (an ingestion task's), and
        those of its files whose check is still owed (``quality_pending``: a load committed, then the task
        died or was retried before its check; a retry finds its files unchanged and still runs it).
        ``owed`` adds (district, period)s to check without a file (``find_work``'s quality-only batch)."""
        pause_point("before_quality")  # crash tests kill the process here: the load is committed, the check not
        loaded: dict[str, set[str]] = {}
        for outcome in outcomes:
            if outcome.status == "accepted":
                loaded.setdefault(outcome.period, set()).add(outcome.district)
        touched = {(o.district, o.period) for o in outcomes}
        for entry in self.warehouse.quality_owed({p for _, p in touched}):
            if (entry["unit"], entry["period"]) in touched:
                loaded.setdefault(entry["period"], set()).add(entry["unit"])
        for entry in owed or []:
            loaded.setdefault(entry["period"], set()).add(entry["unit"])
        return {p: self.check_quality(Period.parse(p), sorted(d)) for p, d in sorted(loaded.items())}

    def write_blank_forms(self, period: Period, districts: list[str] | None = None, force: bool = False) -> list:
        """The blank templates of each district's period (``<templates>/<period>/``), written once and
        recorded in the warehouse; ``force`` writes them again (after a change of ``forms.yaml``)."""
        from .blank_forms import write_blank_forms

        written = []
        names = self.deployment.names_in(period)
        for district in districts or self.deployment.districts:
            if not self.deployment.active(district, period):
                continue  # the unit does not exist in this period (a district after 30/6/2025)
            known = self.warehouse.query("query/unit_templates", unit=district, period=period)
            if known and not force and all(Path(t["file_path"]).is_file() for t in known):
                continue
            out = self.deployment.district_settings(district).templates_dir / str(period)
            made = write_blank_forms(
                self.deployment.forms,
                period,
                names.get(district, district),
                self.deployment.communes_of(district, period),
                self.deployment.categories,
                out,
            )
            self.warehouse.record_templates(district, period, made)
            written += made
        return written

    def needing_ingestion(self, files: list[InboxFile]) -> tuple[list[InboxFile], list[InboxFile]]:
        """Split files into (to ingest, already processed). A file the ledger holds, accepted or
        rejected, needs no task: known by its content for its district, period and form, or, without
        reading it, by the same path, modification time and size as a ledger row."""
        todo, known = [], []
        digests: dict[str, tuple[set, dict, dict]] = {}
        for file in map(self.deployment.placed, files):
            if file.period not in digests:
                seen: set[tuple] = set()
                contents: dict[tuple, tuple[str, str]] = {}  # content -> its first (arrival, status)
                rejected: dict[tuple, list[str]] = {}  # (district, form) -> arrivals of rejected files
                for row in self.warehouse.query("query/ledger_digest", period=file.period):
                    seen.add((row["file_path"], row["arrival_at"], int(row["size_bytes"])))
                    key = (row["unit"], row["form"], row["sha256"])
                    contents[key] = min(
                        contents.get(key, (row["arrival_at"], row["status"])), (row["arrival_at"], row["status"])
                    )
                    if row["status"] == "rejected":
                        rejected.setdefault((row["unit"], row["form"]), []).append(row["arrival_at"])
                digests[file.period] = (seen, contents, rejected)
            seen, contents, rejected = digests[file.period]
            if (str(file.path), iso_utc(file.arrival), file.size) in seen:
                known.append(file)
                continue
            sha = sha256_of(file.path)
            first = contents.get((file.district, file.form, sha))
            # an accepted file's content sent again after a rejection of its form may answer that rejection
            resend = (
                first is not None
                and first[1] == "accepted"
                and any(first[0] < at < iso_utc(file.arrival) for at in rejected.get((file.district, file.form), []))
            )
            if first is not None and not resend:
                known.append(file)
            else:
                todo.append(file)
        return todo, known

    def _answered_by_resend(self, file: InboxFile, known: dict) -> list[dict]:
        """The outstanding rejections that a re-send of an accepted file's content answers: of the same
        form, arrived after that file and before this one, covering one of its communes (or, communes
        unreadable, under the same file name)."""
        from .completeness import outstanding_rejections

        arrival = iso_utc(file.arrival)
        covered = {s["org_unit"] for s in self.warehouse.query_ids("query/slices_of_submissions", [known["id"]])}
        return [
            entry
            for entry in outstanding_rejections(self.warehouse, Period.parse(file.period), file.district)
            if entry["form"] == file.form
            and known["arrival_at"] < entry["arrival_at"] < arrival
            and (
                set(entry["outstanding_codes"]) & covered
                or ("" in entry["outstanding_codes"] and entry["file"] == file.name)
            )
        ]

    def _resent(self, file: InboxFile, known: dict, answers: list[dict]) -> IngestOutcome:
        rejected = ", ".join(sorted({a["file"] for a in answers}))
        return IngestOutcome(
            file.label,
            file.form,
            file.period,
            "resent",
            known["id"],
            int(known["version"]),
            message=f"gửi lại đúng nội dung đã nhận ({known['file_name']}, phiên bản {known['version']}): không đọc "
            f"lại, được ghi nhận là trả lời tệp bị từ chối {rejected} / the content of an accepted file sent "
            f"again (version {known['version']}): not read again, recorded as answering the rejection of {rejected}",
            district=file.district,
            known_status="accepted",
        )

    def _unchanged(self, file: InboxFile, known: dict) -> IngestOutcome:
        word = {
            "accepted": "đã nạp trước đó / already accepted",
            "rejected": "đã bị từ chối trước đó / already rejected",
            "held": "đang giữ lại vì kỳ đã khóa / held: the period is locked",
        }[known["status"]]
        return IngestOutcome(
            file.label,
            file.form,
            file.period,
            "unchanged",
            known["id"],
            int(known["version"]),
            message=f"{word}: {known['file_name']} — nội dung giống hệt, không đọc lại / "
            "identical content, not read again",
            district=file.district,
            known_status=known["status"],
        )

    def _reject(
        self,
        file: InboxFile,
        sha: str,
        problems: list[Problem],
        communes,
        docs: Path | None,
        processed_by: str | None,
        archived: Path | None,
        ui_base: str | None = None,
        read: ReadResult | None = None,
    ) -> IngestOutcome:
        result = self.warehouse.record_rejection(file, sha, problems, communes, docs, processed_by, archived)
        form = self.deployment.forms[file.form]
        feedback = None
        if read is not None and archived is not None and result.submission_id:
            feedback = self._feedback(file, result.submission_id, archived, problems, read)
        message = format_problems(file.label, problems, labels={c.code: c.label for c in form.columns})
        docs_at: str | None = str(docs) if docs else None
        archived_at: str | None = str(archived) if archived else None
        feedback_at: str | None = str(feedback) if feedback else None
        if ui_base is not None and result.submission_id:
            ui = submission_links(ui_base, result.submission_id)
            docs_at, archived_at = (ui["docs"] if docs else None), ui["archive"]
            feedback_at = ui["feedback"] if feedback else None
        links: list[str] = []  # right below the headline, so that a shortened message keeps them
        if feedback_at:
            links.append(f"Tệp đánh dấu lỗi, sửa và gửi lại / the file with its faults marked: {feedback_at}")
        if docs_at:
            links.append(f"Kết quả kiểm tra (GX Data Docs) / validation report: {docs_at}")
        if archived_at:
            links.append(f"Tệp đã gửi / the file as sent: {archived_at}")
        headline, _, details = message.partition("\n")
        message = "\n".join([headline, *links, details] if details else [headline, *links])
        return IngestOutcome(
            file.label,
            file.form,
            file.period,
            "rejected",
            result.submission_id,
            result.version,
            message=message,
            problems=[p.to_dict() for p in problems],
            docs=str(docs) if docs else None,
            district=file.district,
            slices=result.slices or [],
            feedback=str(feedback) if feedback else None,
        )

    def _feedback(
        self, file: InboxFile, submission_id: str, archived: Path, problems: list[Problem], read: ReadResult
    ) -> Path | None:
        """The unit's table back with its failing cells marked (``<feedback>/<period>/<form>/``), recorded
        in the ledger. A failure to write it is logged: the rejection stands without it."""
        from .feedback import feedback_name, write_feedback

        folder = self.deployment.district_settings(file.district).feedback_dir / file.period / file.form
        try:
            path, _ = write_feedback(
                archived,
                problems,
                self.deployment.forms[file.form],
                read.positions,
                folder / feedback_name(file.name, submission_id),
            )
        except (OSError, ValueError, TypeError):  # the disk, or a cell openpyxl refuses (an illegal character)
            log.exception("could not write the feedback workbook of %s", file.label)
            return None
        self.warehouse.set_feedback(submission_id, path)
        return path
