"""The warehouse: SQLAlchemy over the SQL files of ``include/sql/``.

SQLite (a file in the data directory) by default, PostgreSQL in production;
the same statements run on both. The schema is managed by Alembic
(``giamngheo/migrations/``): :meth:`Warehouse.migrate` upgrades any earlier
warehouse in place. A load (a task's accepted files) is one transaction of
set-based statements: the submissions' ledger rows and the slices they cover,
versions numbered, their rows checked and written straight into ``fact`` (one
COPY on PostgreSQL), older slices superseded; any failure leaves nothing behind.
A rejection is one transaction too: its ledger row and slices, no facts.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path

from sqlalchemy import Engine, String, bindparam, create_engine, event, text
from sqlalchemy.engine import Connection

from .faults import pause_point
from .forms import Form
from .inbox import InboxFile
from .periods import Period
from .problems import Problem
from .reference import Category, OrgUnit
from .units import Transition

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# the revision every warehouse written before migrations existed is at (its tables, no alembic_version)
BASELINE_REVISION = "0001"


class LoadCheckError(RuntimeError):
    """A load's rows failed the checks that run before publishing."""


@lru_cache(maxsize=256)
def _read_sql(sql_dir: Path, name: str) -> str:
    return (sql_dir / f"{name}.sql").read_text(encoding="utf-8")


def iso_utc(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="microseconds")


def submission_id(file: InboxFile, sha256: str) -> str:
    key = f"{file.district}|{file.period}|{file.form}|{file.name}|{sha256}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 120})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("pragma foreign_keys = on")
            cursor.execute("pragma journal_mode = wal")
            cursor.execute(
                "pragma synchronous = normal"
            )  # WAL: consistent after a crash; the inbox can replay the rest
            cursor.execute("pragma busy_timeout = 120000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # take the write lock up front: concurrent loads queue instead of deadlocking
            conn.exec_driver_sql("begin immediate")

        return engine
    # psycopg prepares a statement after five runs and keeps its generic plan, made while the fact table
    # was small (a sequential scan): every load would then scan the whole table. Plan each statement anew.
    return create_engine(url, pool_pre_ping=True, connect_args={"prepare_threshold": None})


@dataclass
class LoadResult:
    submission_id: str
    status: str  # accepted | rejected | unchanged | held (its period is locked: kept, not published)
    version: int = 0
    rows: int = 0
    facts: int = 0
    superseded: int = 0
    twin_of: str | None = None
    slices: list[str] | None = None


@dataclass
class Accepted:
    """A file that passed validation, to be published: its rows are records (or a frame of them)."""

    file: InboxFile
    sha256: str
    form: Form
    rows: list
    processed_by: str | None = None
    archive_path: Path | None = None


class Warehouse:
    def __init__(self, url: str, sql_dir: Path):
        self.url = url
        self.sql_dir = Path(sql_dir)
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(url)

    def sql(self, name: str):
        return text(_read_sql(self.sql_dir, name))

    def dispose(self) -> None:
        self.engine.dispose()

    def analyse(self) -> None:
        """Refresh the query planner's statistics after loads. SQLite has none until asked and then
        reads a whole period to find one district's facts; PostgreSQL's autovacuum gets there later."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql("analyze")

    # ------------------------------------------------------------ schema and reference data

    def _alembic_config(self, connection: Connection | None = None):
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        return config

    def head_revision(self) -> str:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(self._alembic_config()).get_current_head()
        if head is None:
            raise RuntimeError(f"no migrations in {MIGRATIONS_DIR}")
        return head

    def revision(self) -> str | None:
        """The schema revision the warehouse is at (None: empty, or written before migrations)."""
        from sqlalchemy import inspect

        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("select version_num from alembic_version").scalar()

    def migrate(self, units: list[OrgUnit] | None = None) -> str:
        """Bring the schema to the newest revision, in one transaction that concurrent callers take
        in turn (SQLite: ``begin immediate``; PostgreSQL: an advisory lock). A warehouse written
        before migrations (tables, no ``alembic_version``) is stamped at the baseline first, and keeps
        every row. ``units`` (the reference data's) let revision 0009 match the made-up unit codes of
        earlier versions to the official ones. Cheap when already up to date: one query."""
        from alembic import command
        from sqlalchemy import inspect

        head = self.head_revision()
        if self.revision() == head:
            return head
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.exec_driver_sql("select pg_advisory_xact_lock(hashtext('giamngheo-migrate'))")
            config = self._alembic_config(conn)
            config.attributes["units"] = units
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables and "submission" in tables:
                command.stamp(config, BASELINE_REVISION)
            command.upgrade(config, "head")
        return head

    def load_reference(
        self,
        units: list[OrgUnit],
        categories: list[Category],
        forms: dict[str, Form],
        transitions: list[Transition] | None = None,
    ) -> None:
        """Upsert the dated units (and which communes each consolidates, in which periods), the
        transitions, category codes and the indicator catalogue (idempotent)."""
        from .units import UnitTree

        tree = UnitTree(units, transitions or ())
        with self.engine.begin() as conn:
            conn.execute(
                self.sql("load/upsert_org_unit"),
                [
                    {
                        "code": u.code,
                        "valid_from": u.key[1],
                        "valid_to": u.valid_to.isoformat() if u.valid_to else None,
                        "name": u.name,
                        "level": u.level,
                        "kind": u.kind,
                        "parent_code": u.parent_code,
                        "legal_ref": u.legal_ref,
                        "first_period": u.first_period,
                        "last_period": u.last_period,
                    }
                    for u in units
                ],
            )
            conn.execute(self.sql("load/delete_unit_members"))
            members = unit_members(tree)
            if members:
                conn.execute(self.sql("load/insert_unit_member"), members)
            if transitions:
                conn.execute(
                    self.sql("load/upsert_unit_transition"),
                    [
                        {
                            "predecessor": t.predecessor[0],
                            "predecessor_from": t.predecessor[1],
                            "successor": t.successor[0],
                            "successor_from": t.successor[1],
                            "share": t.share,
                            "effective": t.effective.isoformat(),
                            "legal_ref": t.legal_ref,
                        }
                        for t in transitions
                    ],
                )
            conn.execute(
                self.sql("load/upsert_category"),
                [
                    {"dimension": c.dimension, "code": c.code, "label": c.label, "legal_basis": c.legal_basis}
                    for c in categories
                ],
            )
            conn.execute(
                self.sql("load/upsert_indicator"),
                [
                    {
                        "form": form.code,
                        "code": col.code,
                        "label": col.label,
                        "unit_type": col.type,
                        "kind": col.kind or "flow",
                        "position": position,
                    }
                    for form in forms.values()
                    for position, col in enumerate(form.columns)
                    if col.is_figure
                ],
            )

    def initialise(self, units, categories, forms, transitions=None) -> None:
        self.migrate(units)
        self.load_reference(units, categories, forms, transitions)

    # ------------------------------------------------------------ the ledger

    def find_known(self, file: InboxFile, sha256: str) -> dict | None:
        """A submission of the same district, period and form with the same content, accepted or
        rejected: that content was processed before."""
        with self.engine.connect() as conn:
            row = conn.execute(
                self.sql("load/find_known_content"),
                {"unit": file.district, "period": file.period, "form": file.form, "sha256": sha256},
            ).first()
        return dict(row._mapping) if row else None

    def record_resend(self, file: InboxFile, known: dict, processed_by: str | None) -> None:
        """An accepted file's content sent again: kept with its arrival (it answers a rejection of the same
        slices that arrived in between, see ``query/rejected_slices``)."""
        with self.engine.begin() as conn:
            conn.execute(
                self.sql("load/insert_resend"),
                {
                    "submission_id": known["id"],
                    "file_name": file.name,
                    "file_path": str(file.path),
                    "size_bytes": file.size,
                    "arrival_at": iso_utc(file.arrival),
                    "received_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "processed_by": processed_by,
                },
            )

    def _find(self, conn: Connection, file: InboxFile, sha256: str):
        """The ledger row of this very file (name and content), if it was seen before."""
        return conn.execute(
            self.sql("load/find_submission"),
            {
                "unit": file.district,
                "period": file.period,
                "form": file.form,
                "file_name": file.name,
                "sha256": sha256,
            },
        ).first()

    def _ledger_row(self, existing, file: InboxFile, sha256: str, **values) -> dict:
        sid = submission_id(file, sha256)
        row = {
            "id": sid,
            "unit": file.district,
            "period": file.period,
            "form": file.form,
            "file_name": file.name,
            "file_path": str(file.path),
            "sha256": sha256,
            "size_bytes": file.size,
            "arrival_at": iso_utc(file.arrival),
            "received_at": existing.received_at if existing else datetime.now(UTC).isoformat(timespec="seconds"),
            "docs_path": None,
            "messages": "[]",
            "row_count": 0,
            "processed_by": None,
            "archive_path": None,
            "uploaded_by": file.uploaded_by or None,
        }
        row.update(values)
        return row

    def _lock(self, conn: Connection, file: InboxFile) -> None:
        self._lock_key(conn, file.district, file.period, file.form)

    def _lock_key(self, conn: Connection, district: str, period: str, form: str) -> None:
        """Serialise loads of one (district, period, form): SQLite's BEGIN IMMEDIATE does; PostgreSQL takes a lock."""
        if self.engine.dialect.name == "postgresql":
            conn.execute(self.sql("load/lock_form_period"), {"lock_key": f"giamngheo|{district}|{period}|{form}"})

    def _record_slices(
        self, conn: Connection, communes_of: dict[str, Iterable[str]], seen: set[str] | None = None
    ) -> dict[str, list[str]]:
        """The (form, period, unit, commune) slices each submission covers (``id -> communes``), in one
        statement; ``''`` for a file whose communes could not be read. The submissions not in ``seen``
        have no slice yet (they are new): theirs are copied, the others' added where missing."""
        slices = {sid: sorted(set(communes)) or [""] for sid, communes in communes_of.items()}
        rows = [{"submission_id": sid, "org_unit": unit} for sid, units in slices.items() for unit in units]
        if seen is not None:
            self._insert(
                conn, "submission_slice", [r for r in rows if r["submission_id"] not in seen], "load/insert_slice"
            )
            rows = [r for r in rows if r["submission_id"] in seen]
        if rows:
            conn.execute(self.sql("load/insert_slice"), rows)
        return slices

    def record_rejection(
        self,
        file: InboxFile,
        sha256: str,
        problems: list[Problem],
        communes=(),
        docs_path: Path | None = None,
        processed_by: str | None = None,
        archive_path: Path | None = None,
    ) -> LoadResult:
        """Record a rejected file in the ledger with the slices it covers (the communes it names that
        could be read): a rejection of a slice stays outstanding until a later accepted file covers it."""
        with self.engine.begin() as conn:
            self._lock(conn, file)
            earlier = conn.execute(
                self.sql("load/count_earlier_rejections"),
                {
                    "unit": file.district,
                    "period": file.period,
                    "form": file.form,
                    "file_name": file.name,
                    "arrival_at": iso_utc(file.arrival),
                    "sha256": sha256,
                },
            ).scalar_one()
            row = self._ledger_row(
                self._find(conn, file, sha256),
                file,
                sha256,
                status="rejected",
                version=int(earlier) + 1,
                messages=json.dumps([p.to_dict() for p in problems], ensure_ascii=False),
                docs_path=str(docs_path) if docs_path else None,
                processed_by=processed_by,
                archive_path=str(archive_path) if archive_path else None,
            )
            conn.execute(self.sql("load/upsert_submission"), row)
            slices = self._record_slices(conn, {row["id"]: communes})[row["id"]]
        return LoadResult(row["id"], "rejected", version=row["version"], slices=slices)

    def record_templates(self, district: str, period: Period, written: list) -> None:
        """Record the blank templates written for a district's period (``blank_forms.BlankForm``)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [
            {
                "unit": district,
                "period": str(period),
                "form": t.form,
                "org_unit": t.org_unit,
                "file_path": str(t.path),
                "sha256": t.sha256,
                "written_at": now,
            }
            for t in written
        ]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(self.sql("load/upsert_template"), rows)

    def check_quality(
        self, districts: list[str], period: Period, evaluate, history_of, on_stored=None
    ) -> dict[str, dict]:
        """Check districts' period and store their warnings in one transaction, checks of the same
        (district, period) taking turns (SQLite: ``begin immediate``; PostgreSQL: advisory locks, taken
        in order): the figures are read inside the transaction, so the last check to run sees every load
        committed before it, and concurrent ingestion tasks cannot leave an older check's warnings.
        ``evaluate(values, history)`` maps each district's per-commune ``values`` of the period and
        ``history`` of the earlier periods to its warnings (``quality.Warning_``); districts without
        figures are left out. ``history_of(district, facts_of)`` gives a district's history, reading
        ``facts_of(codes, periods)`` (the communes' current values then, in the same transaction).
        ``on_stored(district, warnings)`` gets each district's stored warnings while its turn is still
        held, so what it writes (the review workbook) is never older than another's."""
        summary: dict[str, dict] = {}
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                for district in sorted(districts):
                    conn.execute(
                        self.sql("load/lock_form_period"), {"lock_key": f"giamngheo|quality|{district}|{period}"}
                    )
            # the loads this check answers for, read before their figures: a load that commits later keeps
            # its own row, and the next check runs for it
            owed = [
                dict(r._mapping)
                for district in districts
                for r in conn.execute(self.sql("query/quality_pending"), {"unit": district, "period": str(period)})
            ]
            if owed:
                conn.execute(self.sql("load/delete_quality_pending"), owed)
            values, history = {}, {}
            for district in districts:
                params = {"unit": district, "first_period": str(period), "last_period": str(period)}
                rows = [dict(r._mapping) for r in conn.execute(self.sql("query/report_values"), params)]
                if rows:
                    values[district] = rows
                    history[district] = history_of(district, partial(self._facts_of, conn))
            if not values:
                return summary
            for district, warnings in evaluate(values, history).items():
                summary[district] = self._store_quality(conn, district, period, warnings)
                if on_stored is not None:
                    params = {"unit": district, "period": str(period)}
                    stored = [dict(r._mapping) for r in conn.execute(self.sql("query/quality_warnings"), params)]
                    on_stored(district, stored)
        return summary

    def _facts_of(self, conn: Connection, codes, periods) -> list[dict]:
        """The current values of communes ``codes`` in ``periods``, summed per figure."""
        if not codes or not periods:
            return []
        statement = self.sql("query/commune_facts_of_periods").bindparams(
            bindparam("codes", expanding=True), bindparam("periods", expanding=True)
        )
        params = {"codes": sorted(set(codes)), "periods": sorted({str(p) for p in periods})}
        return [dict(r._mapping) for r in conn.execute(statement, params)]

    # ------------------------------------------------------------ access grants

    def grants(self, user: str | None = None) -> list[dict]:
        """Every grant of a role on a unit (``access_grant``), or one user's."""
        return self.query("access/grants", user_name=user)

    def add_grant(self, user: str, unit_code: str, unit_valid_from: str, role: str, by: str) -> bool:
        """Grant ``role`` on a dated unit; False when it was already granted. A row of the audit trail."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        row = {
            "user_name": user,
            "unit_code": unit_code,
            "unit_valid_from": unit_valid_from,
            "role": role,
            "granted_by": by,
            "granted_at": now,
        }
        with self.engine.begin() as conn:
            added = bool(conn.execute(self.sql("access/insert_grant"), row).rowcount)
            if added:
                self.audit(conn, unit_code, "", "granted", by, role, {"user": user, "valid_from": unit_valid_from})
        return added

    def remove_grant(self, user: str, unit_code: str, role: str | None, by: str) -> int:
        """Withdraw a user's grants on ``unit_code`` (of ``role``, or all); how many went. Audited."""
        params = {"user_name": user, "unit_code": unit_code, "unit_valid_from": None, "role": role}
        with self.engine.begin() as conn:
            removed = conn.execute(self.sql("access/delete_grant"), params).rowcount
            if removed:
                self.audit(conn, unit_code, "", "revoked", by, role or "", {"user": user})
        return removed

    def quality_owed(self, periods) -> list[dict]:
        """The (district, period)s whose latest loads have not been checked yet (``quality_pending``)."""
        periods = sorted({str(p) for p in periods})
        if not periods:
            return []
        statement = self.sql("query/quality_pending_all").bindparams(bindparam("periods", expanding=True))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(statement, {"periods": periods})]

    def store_quality_warnings(self, district: str, period: Period, warnings: list) -> dict:
        """Replace a district's period's warnings by these (``quality.Warning_``)."""
        with self.engine.begin() as conn:
            return self._store_quality(conn, district, period, warnings)

    def _store_quality(self, conn: Connection, district: str, period: Period, warnings: list) -> dict:
        """A warning found again keeps its row and its verification, which holds while its values are the
        same; a warning no longer found is removed."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [
            {
                key: value
                for key, value in {**w.to_dict(), "found_at": now}.items()
                if key not in ("extra", "unit", "period")
            }
            | {"unit": district, "period": str(period)}
            for w in warnings
        ]
        existing = {
            r.id for r in conn.execute(self.sql("query/quality_warnings"), {"unit": district, "period": str(period)})
        }
        gone = existing - {r["id"] for r in rows}
        if gone:
            conn.execute(self.sql("load/delete_quality_warning"), [{"id": i} for i in sorted(gone)])
        if rows:
            conn.execute(self.sql("load/upsert_quality_warning"), rows)
        return {"found": len(rows), "new": len({r["id"] for r in rows} - existing), "gone": len(gone)}

    def verify_quality_warning(self, warning_id: str, user_name: str, comment: str) -> dict | None:
        """Record a reviewer's verification of a warning, for the values it was raised for, with its row of
        the audit trail in the same transaction. The warning verified (None: no such warning)."""
        with self.engine.begin() as conn:
            warning = conn.execute(self.sql("query/quality_warning"), {"id": warning_id}).first()
            if warning is None:
                return None
            conn.execute(
                self.sql("load/verify_quality_warning"),
                {
                    "id": warning_id,
                    "user_name": user_name,
                    "comment": comment,
                    "verified_at": datetime.now(UTC).isoformat(timespec="seconds"),
                },
            )
            details = {"warning": warning_id, "rule": warning.rule, "org_unit": warning.org_unit}
            self.audit(conn, warning.unit, warning.period, "verified", user_name, comment, details)
        return dict(warning._mapping)

    def set_feedback(self, submission_id: str, path: Path) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.sql("load/set_feedback"), {"submission_id": submission_id, "feedback_path": str(path)})

    # ------------------------------------------------------------ publishing

    def publish(
        self,
        file: InboxFile,
        sha256: str,
        form: Form,
        rows,
        processed_by: str | None = None,
        archive_path: Path | None = None,
    ) -> LoadResult:
        """Load one accepted file's rows (records, or a frame): :meth:`publish_many` of one file."""
        return self.publish_many([Accepted(file, sha256, form, rows, processed_by, archive_path)])[0]

    def publish_many(self, loads: list[Accepted]) -> list[LoadResult]:
        """Load accepted files in one transaction, set-based: their ledger rows and slices, their rows
        checked and published together (one COPY on PostgreSQL), the older submissions' rows of their
        slices superseded, each statement once for all of them.

        The result is the same as publishing the files one by one in any order: within a slice the
        latest file (arrival, then name) is current and each earlier one is superseded by the next
        newer one. A file already accepted is ``unchanged``; a file of a locked period is held. The
        (district, period, form) turns of every file are taken first, in one order for everybody."""
        results: list[LoadResult | None] = [None] * len(loads)
        if not loads:
            return []
        load_id = uuid.uuid4().hex
        ids = [submission_id(load.file, load.sha256) for load in loads]
        with self.engine.begin() as conn:
            for key in sorted({(x.file.district, x.file.period, x.file.form) for x in loads}):
                self._lock_key(conn, *key)
            known = {r.id: r for r in conn.execute(self._ids_statement("query/submissions_by_id"), {"ids": ids})}
            locked = {
                (district, period)
                for district, period in {(x.file.district, x.file.period) for x in loads}
                if self._locked(conn, district, period)
            }
            todo: dict[str, int] = {}
            for index, (load, sid) in enumerate(zip(loads, ids, strict=True)):
                existing = known.get(sid)
                if existing is not None and existing.status == "accepted" or sid in todo:
                    version = existing.version if existing is not None else 0
                    results[index] = LoadResult(sid, "unchanged", version=version, twin_of=sid)
                elif (load.file.district, load.file.period) in locked:
                    results[index] = self._hold(
                        conn, load.file, load.sha256, len(load.rows), load.processed_by, load.archive_path
                    )
                else:
                    todo[sid] = index
            if todo:
                results_of = self._publish_load(
                    conn, load_id, {sid: (loads[i], known.get(sid)) for sid, i in todo.items()}
                )
                for sid, index in todo.items():
                    results[index] = results_of[sid]
                pause_point("publish")  # crash tests kill the process here, before the commit
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]

    def _publish_load(self, conn: Connection, load_id: str, loads: dict[str, tuple[Accepted, object]]):
        """Publish the files of a load: ledger rows and slices, versions, the older current rows of
        their slices superseded, then their rows checked and written straight into ``fact`` (one COPY
        on PostgreSQL), each current unless a newer accepted file of its slice is already in."""
        ids = list(loads)
        records_of = {
            sid: load.rows if isinstance(load.rows, list) else load.rows.to_dict("records")
            for sid, (load, _) in loads.items()
        }
        ledger = [
            self._ledger_row(
                existing,
                load.file,
                load.sha256,
                status="accepted",
                version=1,
                row_count=len(records_of[sid]),
                processed_by=load.processed_by,
                archive_path=str(load.archive_path) if load.archive_path else None,
            )
            for sid, (load, existing) in loads.items()
        ]
        seen = {sid for sid, (_, existing) in loads.items() if existing is not None}
        self._insert(conn, "submission", [row for row in ledger if row["id"] not in seen], "load/upsert_submission")
        if seen:
            conn.execute(self.sql("load/upsert_submission"), [row for row in ledger if row["id"] in seen])
        slices_of = self._record_slices(
            conn, {sid: (r["xa"] for r in records if r.get("xa")) for sid, records in records_of.items()}, seen
        )
        versions, newer = self._order_in_slices(conn, loads)
        params = {"ids": ids}
        # before the load's own rows are in: the statement then reads only the older ones
        superseded = Counter(r[0] for r in conn.execute(self._ids_statement("load/supersede_by_load"), params))
        published: Counter[str] = Counter()
        superseded_in_load: Counter[str] = Counter()
        facts = self._checked_facts(conn, loads, records_of, newer, published, superseded_in_load)
        self._insert(conn, "fact", facts, "load/insert_fact")
        results = {
            sid: LoadResult(
                sid,
                "accepted",
                version=versions[sid],
                rows=len(records_of[sid]),
                facts=published[sid],
                superseded=superseded[sid] + superseded_in_load[sid],
                slices=slices_of[sid],
            )
            for sid in ids
        }
        # the check across forms is owed in the same transaction: a crash or a retry after this commit
        # finds it still owed (see check_quality)
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        owed = sorted({(load.file.district, load.file.period) for load, _ in loads.values()})
        conn.execute(
            self.sql("load/insert_quality_pending"),
            [{"load_id": load_id, "unit": d, "period": p, "loaded_at": now} for d, p in owed],
        )
        return results

    def _order_in_slices(self, conn: Connection, loads: dict[str, tuple[Accepted, object]]):
        """Each submission's version (1 + the earlier accepted submissions covering one of its slices)
        and, per slice, the nearest newer accepted one (``(id, commune) -> id``), from one statement."""
        earlier: dict[str, set[str]] = {sid: set() for sid in loads}
        nearest: dict[tuple[str, str], tuple] = {}
        for r in conn.execute(self._ids_statement("load/slice_peers_of_load"), {"ids": list(loads)}):
            own, peer, key = (r.arrival_at, r.file_name), (r.peer_arrival_at, r.peer_file_name), (r.id, r.org_unit)
            if peer < own:
                earlier[r.id].add(r.peer_id)
            elif peer > own and (key not in nearest or peer < nearest[key][0]):
                nearest[key] = (peer, r.peer_id)
        versions = {sid: 1 + len(peers) for sid, peers in earlier.items()}
        changed = [{"id": sid, "version": v} for sid, v in versions.items() if v != 1]
        if changed:
            conn.execute(self.sql("load/set_version"), changed)
        return versions, {key: peer_id for key, (_, peer_id) in nearest.items()}

    def _checked_facts(self, conn: Connection, loads, records_of, newer, published, superseded_in_load):
        """The load's fact rows, made as they are written: each current unless ``newer`` holds a newer
        submission of its slice, counted into ``published`` and ``superseded_in_load``. A row that would
        break the warehouse stops the load, naming its file: a commune that is not one of the file's
        period, an indicator its form does not have, a cell given twice. Validation refuses these first;
        this holds whatever reached the load."""
        codes = sorted({r.get("xa") or "" for records in records_of.values() for r in records})
        spans: dict[str, list[tuple[str, str]]] = {}
        statement = self.sql("load/communes_of_load").bindparams(bindparam("codes", expanding=True))
        for r in conn.execute(statement, {"codes": codes}) if codes else ():
            spans.setdefault(r.code, []).append((r.first_period, r.last_period))
        forms = sorted({load.file.form for load, _ in loads.values()})
        statement = self.sql("load/indicators_of_load").bindparams(bindparam("forms", expanding=True))
        known = {(r.form, r.code) for r in conn.execute(statement, {"forms": forms})}
        # the queries above run now, the rows below as the COPY takes them
        return self._fact_stream(loads, records_of, newer, published, superseded_in_load, spans, known)

    @staticmethod
    def _fact_stream(loads, records_of, newer, published, superseded_in_load, spans, known):
        valid_in: dict[str, set[str]] = {}
        for sid, (load, _) in loads.items():
            period, form, label = load.file.period, load.file.form, load.file.label
            if period not in valid_in:  # a load's files are of one period or a few: once each
                valid_in[period] = {c for c, s in spans.items() if any(first <= period <= last for first, last in s)}
            valid = valid_in[period]
            cells: set[tuple] = set()
            for org_unit, indicator, category, item, attribute, value, source_row in fact_rows(
                load.form, records_of[sid]
            ):
                cell = (org_unit, indicator, category, item)
                problem = None
                if org_unit not in valid:
                    problem = f"commune {org_unit!r} is not a commune of {period}"
                elif (form, indicator) not in known:
                    problem = f"indicator {indicator!r} is not one of form {form}"
                elif cell in cells:
                    problem = f"cell {indicator!r} of {org_unit!r} ({category!r}, {item!r}) is given twice"
                if problem:
                    raise LoadCheckError(f"rows of {label} failed the pre-publish check: {problem} (row {source_row})")
                cells.add(cell)
                by = newer.get((sid, org_unit))
                if by is not None:
                    superseded_in_load[by] += 1
                published[sid] += 1
                yield (sid, period, form, *cell, attribute, value, source_row, by is None, by)

    COLUMNS = {
        "submission": (
            "id",
            "unit",
            "period",
            "form",
            "file_name",
            "file_path",
            "sha256",
            "size_bytes",
            "arrival_at",
            "received_at",
            "status",
            "version",
            "row_count",
            "messages",
            "docs_path",
            "processed_by",
            "archive_path",
            "uploaded_by",
        ),
        "submission_slice": ("submission_id", "org_unit"),
        "fact": (
            "submission_id",
            "period",
            "form",
            "org_unit",
            "indicator",
            "category",
            "item",
            "attribute",
            "value",
            "source_row",
            "is_current",
            "superseded_by",
        ),
    }

    def _insert(self, conn: Connection, table: str, rows, statement: str) -> None:
        """New rows into a table, in the same transaction: one COPY on PostgreSQL (psycopg 3), streamed
        as ``rows`` (dicts, or tuples in ``COLUMNS[table]`` order) are made; elsewhere one executemany
        of ``statement``."""
        columns = self.COLUMNS[table]
        if self.engine.dialect.name == "postgresql":
            driver = conn.connection.driver_connection
            assert driver is not None  # an open transaction holds its DBAPI connection
            with driver.cursor().copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns] if isinstance(row, dict) else row)
            return
        batch = [row if isinstance(row, dict) else dict(zip(columns, row, strict=True)) for row in rows]
        if batch:
            conn.execute(self.sql(statement), batch)

    def _locked(self, conn: Connection, district: str, period: str) -> bool:
        """Whether the period is approved and locked. Read after the form's turn is taken: an approval
        takes every form's turn before it locks, so a load either lands before it or is held after it."""
        row = conn.execute(self.sql("query/period_lock"), {"unit": district, "period": period}).first()
        return bool(row and row.locked)

    def _hold(
        self, conn: Connection, file: InboxFile, sha256: str, rows: int, processed_by, archive_path
    ) -> LoadResult:
        """A validated file of a locked period: kept in ``held_submission`` (and the audit trail) until
        the period is reopened, its rows not published."""
        sid = submission_id(file, sha256)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = self._ledger_row(
            None, file, sha256, row_count=rows, processed_by=processed_by, archive_path=str(archive_path or "")
        )
        keep = ("id", "unit", "period", "form", "file_name", "file_path", "sha256", "size_bytes", "arrival_at")
        held = {k: row[k] for k in keep} | {
            "received_at": now,
            "archive_path": row["archive_path"],
            "processed_by": processed_by,
            "row_count": rows,
        }
        if conn.execute(self.sql("load/insert_held_submission"), held).rowcount:
            self.audit(conn, file.district, file.period, "held", processed_by or "giamngheo", file.name, {"id": sid})
        return LoadResult(sid, "held", rows=rows)

    def audit(
        self, conn: Connection, district: str, period: str, action: str, actor: str, reason: str = "", details=None
    ) -> None:
        """One row of the period's approval trail."""
        conn.execute(
            self.sql("load/insert_audit_event"),
            {
                "id": uuid.uuid4().hex,
                "unit": district,
                "period": str(period),
                "action": action,
                "actor": actor,
                "at": datetime.now(UTC).isoformat(timespec="microseconds"),
                "reason": reason or "",
                "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
            },
        )

    def _ids_statement(self, name: str):
        """A statement of ``include/sql/`` whose ``:ids`` is a list (an ``in`` over its items)."""
        return self.sql(name).bindparams(bindparam("ids", expanding=True))

    def query_ids(self, name: str, ids, **params) -> list[dict]:
        """Rows of a query of ``include/sql/`` whose ``:ids`` is a list."""
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(self._ids_statement(name), {"ids": list(ids), **params})]

    def desk_files(self, unit: str, period: str, commune: str, forms: list[str], ids: list[str]) -> list[dict]:
        """The files of a unit's desk (``query/desk_files``): of its ``forms``, covering ``commune`` ('' for
        an office: all), or sent from its desk (``ids``)."""
        statement = self.sql("query/desk_files").bindparams(
            bindparam("ids", expanding=True, type_=String), bindparam("forms", expanding=True, type_=String)
        )  # typed: an empty list is an empty set of text on PostgreSQL
        params = {"unit": unit, "period": period, "commune": commune, "forms": forms, "ids": ids}
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(statement, params)]

    def uploads_since(self, user: str, since_iso: str) -> int:
        """How many files ``user`` has uploaded from the desk since then (the audit trail's ``uploaded``)."""
        with self.engine.connect() as conn:
            return int(conn.execute(self.sql("query/uploads_since"), {"actor": user, "since": since_iso}).scalar_one())

    def record_upload(self, unit: str, period: str, user: str, receipt: dict) -> None:
        """A desk upload, a row of the audit trail naming the user (before the file reaches the inbox)."""
        with self.engine.begin() as conn:
            self.audit(conn, unit, period, "uploaded", user, receipt.get("sent_name", ""), receipt)

    def turns_of_period(self, conn: Connection, district: str, period: str, forms) -> None:
        """Take every form's turn of a district's period (PostgreSQL; SQLite's ``begin immediate`` is one
        turn for everything), in order: no load of that period runs while this transaction is open."""
        for form in sorted(forms):
            self._lock_key(conn, district, period, form)

    # ------------------------------------------------------------ queries

    def query(self, name: str, **params) -> list[dict]:
        """Rows of a query of ``include/sql/``; a :class:`Period` is bound as its text (``2022-H1``)."""
        params = {key: str(value) if isinstance(value, Period) else value for key, value in params.items()}
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(self.sql(name), params)]

    def district_totals(self, period: Period, district: str) -> list[dict]:
        return self.query("query/unit_totals", period=str(period), unit=district)

    def ledger(self, period: Period, district: str) -> list[dict]:
        return self.query("query/ledger", period=str(period), unit=district)

    def report_values(self, first_period: Period, last_period: Period, district: str) -> list[dict]:
        """Per-commune values of a report: flows over first..last, stocks of last."""
        return self.query(
            "query/report_values", first_period=str(first_period), last_period=str(last_period), unit=district
        )

    def report_lineage(self, first_period: Period, last_period: Period, district: str) -> list[dict]:
        return self.query(
            "query/report_lineage", first_period=str(first_period), last_period=str(last_period), unit=district
        )

    def checksum(self) -> str:
        """A digest of the ledger and facts (ids, statuses, values), for re-run checks."""
        digest = hashlib.sha256()
        with self.engine.connect() as conn:
            for table, order in (("submission", "id"), ("fact", "submission_id, org_unit, indicator, category, item")):
                for row in conn.execute(text(f"select * from {table} order by {order}")):
                    digest.update(repr(tuple(_normal(v) for v in row)).encode("utf-8"))
        return digest.hexdigest()


def _normal(value):
    """Make SQLite and PostgreSQL values compare alike (Decimal vs float, bool vs int)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        return f"{float(value):.3f}"
    return value


def unit_members(tree) -> list[dict]:
    """Which communes each unit consolidates, and in which periods: a row per (unit, commune, span),
    the span being the periods both are valid (a commune is also its own member: it may report)."""
    rows = []
    for commune in (u for u in tree.units if u.level == "commune"):
        rows.append(
            {
                "unit": commune.code,
                "org_unit": commune.code,
                "first_period": commune.first_period,
                "last_period": commune.last_period,
            }
        )
        day = commune.valid_to or commune.valid_from
        child, seen = commune, 0
        while child.parent_code and seen < 5:
            parent = tree.unit_on(child.parent_code, day) if day else next(iter(tree.versions(child.parent_code)), None)
            if parent is None:
                break
            rows.append(
                {
                    "unit": parent.code,
                    "org_unit": commune.code,
                    "first_period": max(commune.first_period, parent.first_period),
                    "last_period": min(commune.last_period, parent.last_period),
                }
            )
            child, seen = parent, seen + 1
    return rows


def fact_rows(form: Form, rows):
    """One row per filled figure cell of a file's read rows (records, or a frame of them): org_unit,
    indicator, category, item, attribute, value, source_row."""
    category = form.category_column
    item = form.item_column
    attributes = form.attribute_columns
    for record in rows if isinstance(rows, list) else rows.to_dict("records"):
        for col in form.figures:
            value = record.get(col.code)
            if value is None or value != value:  # empty cells carry no fact
                continue
            yield (
                record["xa"],
                col.code,
                record.get(category.code) or "" if category else "",
                record.get(item.code) or "" if item else "",
                "|".join(str(record.get(a.code) or "") for a in attributes),
                round(float(value), 3),
                int(record["_row"]),
            )
