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

Output in `<data dir>/reports/<period>/`: one current `.docx` (earlier drafts
move to `history/`), its PDF when LibreOffice is installed, and an `.xlsx` of all
figures by commune. While any expected submission is missing or rejected, the
document is marked **DỰ THẢO** and an appendix lists what is outstanding and why.
"""

from __future__ import annotations

from airflow.sdk import AssetAlias, AssetOrTimeSchedule, dag, get_current_context, task
from giamngheo_dags import LOCAL_TZ, START_DATE, default_args, period_param
from half_year_timetable import HalfYearTimetable


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=HalfYearTimetable(delay_days=15, timezone=LOCAL_TZ),
        assets=AssetAlias("giamngheo-warehouse-loads"),
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["giamngheo", "report"],
    default_args=default_args(max_retry_delay_minutes=10),
    params={"period": period_param("YYYY-H1 (6 tháng đầu năm) or YYYY-H2 (báo cáo năm); "
                                   "empty: the run's own half-year")},
)
def draft_report():
    @task
    def periods_to_draft() -> list[str]:
        """The periods this run drafts: the chosen one, the ones that got data, or the run's half-year."""
        from giamngheo.report import choose_periods

        context = get_current_context()
        extras = [event.extra or {} for events in (context.get("triggering_asset_events") or {}).values()
                  for event in events]
        start = context.get("data_interval_start")
        return choose_periods(context["params"].get("period"), extras,
                              start.in_timezone(LOCAL_TZ).date() if start else None)

    @task(map_index_template="{{ report_period }}")
    def render(period: str) -> dict:
        """Render the report of one period and publish it in the reports folder."""
        from giamngheo.report import render_report

        get_current_context()["report_period"] = period
        result = render_report(period=period)
        print(f"Báo cáo / report: {result.docx}")
        print(f"Số liệu theo xã / figures by commune: {result.xlsx}")
        print(result.pdf_message)
        if result.draft:
            print(f"DỰ THẢO: {result.draft_reason} — {result.missing} biểu thiếu, {result.rejected} tệp bị từ chối")
        return result.to_dict()

    render.expand(period=periods_to_draft())


draft_report()
