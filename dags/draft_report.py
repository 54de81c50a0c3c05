"""
### Draft the half-year poverty-reduction report

Builds the report the district sends to the province, as a Word document
ready to sign, from the warehouse: every figure is computed by SQL in
`include/sql/`, the staff-written sections come from the period's
`inbox/<period>/narrative.yaml`, the layout from
`include/templates/bao_cao_giam_ngheo.docx`.

When it runs:

* **at period end**: on a half-year timetable (plugin `half_year_timetable`);
  the data interval is the half-year, the run comes 15 days after it closes,
  when the units' submission deadline has passed;
* **when late or corrected submissions are loaded**: it follows the ingestion
  DAG's asset alias `giamngheo-warehouse-loads` and re-drafts each period that
  received data;
* **on demand**: trigger it with a `period` (`YYYY-H1` / `YYYY-H2`).

A deployment running several districts drafts one report per district (the
districts named by the asset events, or all of them), batched so that a run
never maps more than `GIAMNGHEO_MAX_TASKS` task instances.

Output in `<data dir>/reports/<period>/` (`reports/<district>/<period>/` when
the deployment runs several districts): one current `.docx` (earlier drafts
move to `history/`), its PDF when LibreOffice is installed, and an `.xlsx` of all
figures by commune. While any expected submission is missing or rejected, the
document is marked **DỰ THẢO** and an appendix lists what is outstanding and why.

A complete draft is put to the approvers (asset
`giamngheo://reports/awaiting-approval`, DAG `approve_report`). An approved
period is locked: it is not drafted again until an approver reopens it (DAG
`reopen_period`).
"""

from __future__ import annotations

from airflow.sdk import AssetAlias, AssetOrTimeSchedule, dag, get_current_context, task
from giamngheo_dags import APPROVAL_REQUESTS, AWAITING_APPROVAL, LOCAL_TZ, START_DATE, default_args, period_param
from half_year_timetable import HalfYearTimetable


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=HalfYearTimetable(delay_days=15, timezone=LOCAL_TZ),  # type: ignore[arg-type]  # core's Timetable
        assets=AssetAlias("giamngheo-warehouse-loads"),
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    description=(
        "Lập dự thảo báo cáo khi có số liệu mới và 15 ngày sau mỗi kỳ / "
        "draft the report when data changes and 15 days after each half-year"
    ),
    tags=["giamngheo", "report"],
    default_args=default_args(max_retry_delay_minutes=10),
    params={
        "period": period_param("YYYY-H1 (6 tháng đầu năm) or YYYY-H2 (báo cáo năm); empty: the run's own half-year")
    },
)
def draft_report():
    @task
    def reports_to_draft() -> list[dict]:
        """The reports this run drafts: the chosen period, or the periods and districts that got data,
        or the run's half-year; one task per report while they fit, else batches of districts."""
        from giamngheo.config import get_settings
        from giamngheo.report import plan_reports

        context = get_current_context()
        extras = [
            event.extra or {} for events in (context.get("triggering_asset_events") or {}).values() for event in events
        ]
        start = context.get("data_interval_start")
        batches = plan_reports(
            get_settings(),
            context["params"].get("period"),
            extras,
            start.in_timezone(LOCAL_TZ).date() if start else None,
        )
        print(f"{sum(len(b['items']) for b in batches)} report(s) in {len(batches)} task(s)")
        return batches

    @task(
        map_index_template="{{ report_label | default(task.op_kwargs['batch']['label']) }}", outlets=[APPROVAL_REQUESTS]
    )
    def render(batch: dict) -> list[dict]:
        """Render the batch's reports and publish them in the reports folder; put each complete draft
        to the approvers (DAG `approve_report`). A locked (approved) period is not drafted again."""
        from giamngheo.approval import draft_reports
        from giamngheo.config import get_settings

        context = get_current_context()
        context["report_label"] = batch["label"]  # type: ignore[typeddict-unknown-key]  # map_index_template's
        drafted = draft_reports(get_settings(), batch["items"])
        for item in drafted["locked"]:
            print(
                f"{item['period']} · {item['unit']}: kỳ đã phê duyệt và khóa (bản chính thức "
                f"v{item['final_version']}), không lập lại dự thảo / approved and locked: not drafted again"
            )
        for result in drafted["results"]:
            print(f"Báo cáo / report: {result.docx}")
            print(f"Số liệu theo xã / figures by commune: {result.xlsx}")
            print(result.pdf_message)
            if result.draft:
                print(f"DỰ THẢO: {result.draft_reason} — {result.missing} biểu thiếu, {result.rejected} tệp bị từ chối")
        if drafted["requests"]:
            print(f"{len(drafted['requests'])} dự thảo hoàn chỉnh chờ phê duyệt / complete draft(s) put to approval")
            context["outlet_events"][APPROVAL_REQUESTS].add(AWAITING_APPROVAL, extra={"requests": drafted["requests"]})
        return [{"period": r.period, "docx": r.docx, "draft": r.draft} for r in drafted["results"]]

    render.expand(batch=reports_to_draft())


draft_report()
