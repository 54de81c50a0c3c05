"""
### Ingest the reporting units' submissions

Every morning during the submission window this DAG looks in the inbox
(`<data dir>/inbox/<period>/<form>/`) for the files the Health Center, the
Education office, the Social Policy Bank and the 14 communes sent, and for
each file, in its own task instance named after the file:

1. reads it (xlsx or CSV, the shapes of the forms contract),
2. checks it against the form's Great Expectations suite (`expectations/`),
3. loads it into the warehouse in one transaction, superseding the earlier
   rows of the same (form, period, commune), or **rejects it whole** with a
   message naming file, row, column, value and rule, in Vietnamese and English.

A scheduled run handles the current half-year and the previous one; trigger
it with a `period` (`YYYY-H1` / `YYYY-H2`) to ingest just that one.

**Re-running one file:** when a unit re-sends a rejected file under the same
name, clear that file's `ingest_file` task instance; a file re-sent under a new
name is picked up by the next run. Re-running anything is safe: an identical
file changes nothing.

Each accepted load emits an asset event `giamngheo://warehouse/<period>/<form>`
(through the alias `giamngheo-warehouse-loads`) for the report DAG to follow.
The last task fails the run when any file was rejected, listing which.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import Asset, AssetAlias, dag, get_current_context, task
from giamngheo_dags import LOCAL_TZ, START_DATE, default_args, period_param

log = logging.getLogger(__name__)
WAREHOUSE_LOADS = AssetAlias("giamngheo-warehouse-loads")


def warehouse_asset(period: str, form: str) -> Asset:
    return Asset(name=f"warehouse_{period}_{form}", uri=f"giamngheo://warehouse/{period}/{form}", group="giamngheo")


@dag(
    schedule="0 7 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["giamngheo", "ingest"],
    default_args=default_args(),
    params={"period": period_param("YYYY-H1 or YYYY-H2; empty: the current half-year and the previous one")},
)
def ingest_submissions():
    @task
    def find_files() -> list[dict]:
        """List the period's submission files (Excel lock files and hidden files are skipped)."""
        from giamngheo.ingest import Pipeline, periods_for

        context = get_current_context()
        period = context["params"].get("period")
        day = (context.get("logical_date") or pendulum.now(LOCAL_TZ)).in_timezone(LOCAL_TZ).date()
        pipeline = Pipeline()
        pipeline.initialise()
        periods = [period] if period else periods_for(day)
        waiting: list[str] = []
        files = [f.to_dict() for p in periods for f in pipeline.discover(p, waiting)]
        print(f"{len(files)} file(s) for {', '.join(periods)}")
        for label in waiting:
            log.warning("Tệp đang được ghi, để lần chạy sau / still being written, left for the next run: %s", label)
        for entry in (e for p in periods for e in pipeline.stray(p)):
            log.warning("Không thuộc biểu nào, không được nạp / not in a form's folder, not ingested: %s "
                        "(forms: %s)", entry, ", ".join(sorted(pipeline.forms)))
        return files

    @task(map_index_template="{{ submission_label }}", outlets=[WAREHOUSE_LOADS])
    def ingest_file(submission: dict) -> dict:
        """Read, validate and load one file; a rejected file fails this task (no retry)."""
        from airflow.sdk.exceptions import AirflowFailException
        from giamngheo.ingest import Pipeline
        from giamngheo.reading import InboxFile

        context = get_current_context()
        context["submission_label"] = submission["label"]
        ti = context["ti"]
        ui_path = f"/dags/{ti.dag_id}/runs/{ti.run_id}/tasks/{ti.task_id}/mapped/{ti.map_index}"
        outcome = Pipeline().ingest([InboxFile.from_dict(submission)], processed_by=ui_path)[0]
        if outcome.status == "rejected":
            log.error("%s", outcome.message)  # the rejection first in the log, before any traceback
            raise AirflowFailException(outcome.message)
        if outcome.status == "accepted":
            context["outlet_events"][WAREHOUSE_LOADS].add(
                warehouse_asset(outcome.period, outcome.form),
                extra={"period": outcome.period, "form": outcome.form, "submission_id": outcome.submission_id},
            )
        print(f"{outcome.status}: {outcome.file} (version {outcome.version}, {outcome.facts} facts, "
              f"{outcome.superseded} superseded)")
        return {k: v for k, v in outcome.to_dict().items() if k != "problems"}

    @task(trigger_rule="all_done", retries=0)
    def summarize(files: list[dict]) -> dict:
        """Tell what became of every file; fail the run if any was rejected."""
        from airflow.sdk.exceptions import AirflowFailException
        from giamngheo.ingest import Pipeline
        from giamngheo.reading import InboxFile

        pipeline = Pipeline()
        statuses: dict[str, list[str]] = {}
        for data in files:
            status = pipeline.status_of(InboxFile.from_dict(data))
            statuses.setdefault(status, []).append(data["label"])
        for status, labels in sorted(statuses.items()):
            print(f"{status}: {len(labels)}")
            for label in labels:
                print(f"  {label}")
        failed = statuses.get("rejected", []) + statuses.get("unseen", []) + statuses.get("missing", [])
        if failed:
            raise AirflowFailException(
                f"{len(failed)} tệp chưa được nạp / file(s) not loaded: {', '.join(failed)}")
        return {status: len(labels) for status, labels in statuses.items()}

    files = find_files()
    loaded = ingest_file.expand(submission=files)
    loaded >> summarize(files)


ingest_submissions()
