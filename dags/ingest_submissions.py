"""
### Ingest the reporting units' submissions

Every morning during the submission window this DAG looks in the inbox
(`<data dir>/inbox/<period>/<form>/`, or `inbox/<district>/<period>/<form>/`
when the deployment runs several districts) for the files the Health Center,
the Education office, the Social Policy Bank and the communes sent, and for
each new or changed file:

1. reads it (xlsx or CSV, the shapes of the forms contract),
2. checks it against the form's Great Expectations suite (`expectations/`),
3. loads it into the warehouse in one transaction, superseding the earlier
   rows of the same (form, period, commune), or **rejects it whole** with a
   message naming file, row, column, value and rule, in Vietnamese and English.

Files already loaded (same content) are skipped before any task starts. Each
`ingest_files` task instance takes whole (district, period, form) groups, so
that a task's files are checked together (one GX run per suite) and the GX setup
is paid once per task: one district gets one task per form (named after the form, or after
the file when the form has one); a province or the country gets at most
`GIAMNGHEO_MAX_TASKS` (32) batches, named by their districts.

A scheduled run handles the current half-year and the previous one; trigger
it with a `period` (`YYYY-H1` / `YYYY-H2`) to ingest just that one. It also runs
within seconds of a file landing: the asset `giamngheo://inbox` is watched by
an event trigger (plugin `inbox_watch`) in Airflow's triggerer, and a run it
starts ingests the periods that received files.

**Each file is processed once.** Every received file is archived and recorded
in the ledger, accepted or rejected; a file whose content the ledger holds is
not read again, so a known rejected file does not fail every run. A file for
an approved (locked) period is validated and archived, then **held**: not
published until an approver reopens the period (DAG `reopen_period`); the
task log, a notice and the Submissions page say so. A run fails
(and notifies) only for what it newly rejected; a scheduled run with nothing
new is green. Rejections still outstanding are listed by `summarize`, in the
report's appendix and on the Submissions page until a later accepted file
covers the same commune of the same form.

**Re-running a file:** a re-sent file is picked up within seconds by the
inbox watcher. To re-run by hand, clear the `ingest_files` task instance that
holds it, with its downstream tasks (the default): files already processed are
skipped, so only the re-sent one is read. Re-running anything is safe: an
identical file changes nothing.

After loading, each `ingest_files` task checks its districts' periods across
forms and over time (`include/reference/quality_rules.yaml`, a Great
Expectations run over the warehouse's figures, and outliers against each
commune's own past; checks of one district's period take turns, so the last
sees every load): its warnings never reject a file; the clerk reviews them on
the Submissions page.

Each `ingest_files` task returns what became of its files (submission ids and
statuses, XCom key `outcomes`); the tasks after it use that, never the inbox.
`announce_loads` emits one asset event per (period, form) that received an
accepted or a newly rejected file, `giamngheo://warehouse/<period>/<form>`
through the alias `giamngheo-warehouse-loads`, naming the districts, for the
report DAG to re-draft. `summarize` fails the run when a file was newly
rejected, listing which and why.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import Asset, AssetAlias, AssetOrTimeSchedule, AssetWatcher, dag, get_current_context, task
from airflow.timetables.trigger import CronTriggerTimetable
from giamngheo_dags import LOCAL_TZ, START_DATE, default_args, period_param
from inbox_watch import InboxArrivalTrigger

log = logging.getLogger(__name__)
WAREHOUSE_LOADS = AssetAlias("giamngheo-warehouse-loads")
INBOX = Asset(
    name="giamngheo_inbox",
    uri="giamngheo://inbox",
    group="giamngheo",
    watchers=[AssetWatcher(name="giamngheo_inbox_arrivals", trigger=InboxArrivalTrigger())],
)


def warehouse_asset(period: str, form: str) -> Asset:
    return Asset(name=f"warehouse_{period}_{form}", uri=f"giamngheo://warehouse/{period}/{form}", group="giamngheo")


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 7 * * *", timezone=LOCAL_TZ),  # type: ignore[arg-type]  # core's timetable
        assets=[INBOX],
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    description=(
        "Hằng ngày 07:00 (giờ Việt Nam) và ngay khi có tệp mới trong hộp thư đến: đọc, kiểm tra, nạp hoặc từ chối / "
        "daily at 07:00 Vietnam time and as soon as a file lands: read, check, load or reject"
    ),
    tags=["giamngheo", "ingest"],
    default_args=default_args(),
    params={"period": period_param("YYYY-H1 or YYYY-H2; empty: the current half-year and the previous one")},
)
def ingest_submissions():
    @task
    def find_files() -> list[dict]:
        """List the period's new or changed submission files and cut them into task batches; the
        periods looked at are pushed as XCom `periods` (for the summary of outstanding rejections)."""
        from giamngheo.ingest import find_work

        context = get_current_context()
        day = (context.get("logical_date") or pendulum.now(LOCAL_TZ)).in_timezone(LOCAL_TZ).date()
        arrivals = [
            event.extra or {} for events in (context.get("triggering_asset_events") or {}).values() for event in events
        ]
        work = find_work(context["params"].get("period"), day, arrivals)
        context["ti"].xcom_push(key="periods", value=work["periods"])
        return work["batches"]

    # first in the queue: at national size a new period's templates take minutes (700 districts' forms), and
    # queued behind the ingestion tasks they would end the run minutes after the last file is loaded
    @task(priority_weight=1000, weight_rule="absolute")
    def write_templates() -> list[str]:
        """The blank templates of the periods looked at, for the units: written once per period
        (``<data dir>/templates/<period>/``), served by the Submissions page."""
        from giamngheo.ingest import Ingestor
        from giamngheo.periods import Period

        periods = get_current_context()["ti"].xcom_pull(task_ids="find_files", key="periods") or []
        ingestor = Ingestor()
        written = [t for p in periods for t in ingestor.write_blank_forms(Period.parse(p))]
        print(f"{len(written)} mẫu biểu đã tạo / blank template(s) written")
        return [str(t.path) for t in written[:50]]

    # the batch's label from its argument, rendered before the task runs: a task failed by a rejected file
    # (FilesNotLoaded ends it without the runner's post-execute rendering) is still named by its file
    @task(map_index_template="{{ batch_label | default(task.op_kwargs['batch']['label']) }}")
    def ingest_files(batch: dict) -> list[str | None]:
        """Read, validate and load a batch of files; a rejected file fails this task (no retry), after
        every other file of the batch is loaded and what became of each is pushed (XCom `outcomes`)."""
        from airflow.sdk.configuration import conf

        from giamngheo.inbox import InboxFile
        from giamngheo.ingest import Ingestor, outcome_counts
        from giamngheo.problems import FilesNotLoaded

        context = get_current_context()
        context["batch_label"] = batch["label"]  # type: ignore[typeddict-unknown-key]  # map_index_template's
        ti = context["ti"]
        ui_path = f"/dags/{ti.dag_id}/runs/{ti.run_id}/tasks/{ti.task_id}/mapped/{ti.map_index}"
        ui_base = conf.get("api", "base_url", fallback="") or ""  # links in the log: the UI's own addresses
        files = [InboxFile.from_dict(f) for f in batch["items"]]
        ingestor = Ingestor()
        outcomes = ingestor.ingest(files, processed_by=ui_path, ui_base=ui_base, check_quality=False)
        ti.xcom_push(key="outcomes", value=[o.summary() for o in outcomes])
        owed = batch.get("quality")  # a batch of checks still owed by earlier loads, without files
        for period, districts in ingestor.check_quality_after(outcomes, owed).items():  # GX is loaded already
            for district, counts in districts.items():
                print(f"{period}/{district}: {counts['found']} cảnh báo số liệu / data-quality warning(s)")
        rejected = [o for o in outcomes if o.status == "rejected"]
        for outcome in rejected:
            log.error("%s", outcome.message)  # the rejections first in the log
        held = [o for o in outcomes if o.status == "held"]
        if held:  # valid files of an approved period: kept, not published, until an approver reopens it
            from giamngheo_notify import notify_office

            for outcome in held:
                log.warning("%s", outcome.message)
            notify_office(
                f"[giamngheo] {len(held)} tệp được giữ lại, kỳ đã khóa / file(s) held: the period is locked",
                "\n\n".join(o.message for o in held[:20]) + "\n\nMở lại kỳ / to reopen: DAG reopen_period",
            )
        for outcome in outcomes:
            print(
                f"{outcome.status}: {outcome.file} (version {outcome.version}, {outcome.facts} facts, "
                f"{outcome.superseded} superseded){' — ' + outcome.message if outcome.status == 'unchanged' else ''}"
            )
        print(outcome_counts(outcomes))
        if rejected and ingestor.deployment.settings.mail_units:  # GIAMNGHEO_MAIL_UNITS: tell the senders
            from giamngheo_notify import send_unit_mails

            from giamngheo.unit_mail import rejection_mails

            print(f"{send_unit_mails(rejection_mails(rejected, ingestor.deployment.reference))} mail(s) to units")
        if rejected:  # an expected outcome: the task fails without a traceback and without retrying
            raise FilesNotLoaded(
                f"{len(rejected)} tệp bị từ chối / file(s) rejected: {rejected[0].file}",
                "\n\n".join(o.message for o in rejected[:20]),
            )
        return [o.submission_id for o in outcomes]  # what became of each file is in the ledger, by these ids

    @task(trigger_rule="all_done", outlets=[WAREHOUSE_LOADS])
    def announce_loads() -> list[dict]:
        """One asset event per (period, form) that received an accepted or a newly rejected file."""
        from giamngheo.ingest import announcements

        context = get_current_context()
        events = context["outlet_events"][WAREHOUSE_LOADS]
        loads = announcements(task_outcomes(context["ti"]))
        if any("accepted" in load["statuses"] for load in loads):
            from giamngheo.config import get_settings
            from giamngheo.warehouse import Warehouse

            settings = get_settings()  # the planner's statistics, before the reports query the new data
            Warehouse(settings.warehouse_url, settings.sql_dir).analyse()
        for load in loads:
            events.add(warehouse_asset(load["period"], load["form"]), extra=load)
            print(
                f"{load['period']}/{load['form']}: {', '.join(load['statuses'])}, {len(load['districts'])} district(s)"
            )
        return loads

    @task(trigger_rule="all_done", retries=0)
    def summarize(batches: list[dict]) -> dict:
        """Tell what became of every file, the files not loaded first with their reasons; fail the run if
        a file was newly rejected or not processed. Rejections still outstanding from earlier runs are
        listed, without failing the run."""
        from giamngheo.ingest import Ingestor, outstanding_in, run_summary
        from giamngheo.problems import FilesNotLoaded

        ti = get_current_context()["ti"]
        statuses = run_summary(batches, task_outcomes(ti))
        failed = statuses.get("rejected", []) + statuses.get("not_processed", [])
        if failed:
            log.error(
                "%d tệp chưa được nạp / file(s) not loaded:\n%s",
                len(failed),
                "\n\n".join(o["message"] or o["file"] for o in failed[:50]),
            )
        periods = ti.xcom_pull(task_ids="find_files", key="periods") or []
        for status, outcomes in sorted(statuses.items()):
            print(f"{status}: {len(outcomes)}")
            for outcome in outcomes[:200]:
                print(f"  {outcome['file']}")
        outstanding = outstanding_in(Ingestor(), periods)
        if outstanding:
            print(f"Tệp bị từ chối chưa được thay / rejections still outstanding: {len(outstanding)}")
            for entry in outstanding[:200]:
                print(f"  {entry['label']} — {entry['communes']}")
        if failed:
            raise FilesNotLoaded(f"{len(failed)} tệp chưa được nạp / file(s) not loaded")
        return {status: len(outcomes) for status, outcomes in statuses.items()}

    batches = find_files()
    batches >> write_templates()
    loaded = ingest_files.expand(batch=batches)
    loaded >> announce_loads() >> summarize(batches)  # type: ignore[arg-type]  # an XComArg at parse time


def task_outcomes(ti) -> list[dict]:
    """The outcomes every ``ingest_files`` task instance of this run pushed (one list per instance)."""
    pulled = ti.xcom_pull(task_ids="ingest_files", key="outcomes")
    if not pulled:
        return []
    lists = pulled if pulled and isinstance(pulled[0], list) else [pulled]
    return [outcome for outcomes in lists if outcomes for outcome in outcomes]


ingest_submissions()
