"""
### Approve the report: from the complete draft to the signed final

When the report DAG renders a **complete** draft (nothing missing, nothing
rejected outstanding, no data-quality warning left unverified), it asks for
approval through the asset `giamngheo://reports/awaiting-approval`; this DAG
runs on it, one `approve` task per report, with Airflow's human-in-the-loop
operator. The approvers (`GIAMNGHEO_APPROVERS`) answer on the UI's
**Required Actions** page, where the draft's .docx, PDF and figures are linked:

* **Phê duyệt / Approve**, filling `so_van_ban` (e.g. `125/BC-UBND`) and
  `ngay_ky` (`YYYY-MM-DD`): `record_answer` writes the final (no DỰ THẢO, the
  number and date in the header) to `reports/<period>/final/v<N>/` as .docx and
  PDF with a `manifest.json` (who approved and when, the submissions and
  checksums it was built from, the outputs' SHA-256, the audit trail), and
  **locks** the period: files that arrive later are validated, archived and
  held, not published. The DAG `reopen_period` opens it again.
* **Trả lại / Send back**, with `ghi_chu`: the comment is recorded, the draft
  stays a draft, the office is told.

With no approver configured (`GIAMNGHEO_APPROVERS`) nobody may approve: the
task fails at once and says so. A malformed answer (a number or date in the
wrong form, no reason to send back) or one the four-eyes rule forbids (the
approver verified the period's data-quality warnings) is refused in the log and
asked again. A request whose figures, narrative, settings or template changed
before the answer is refused, and the new draft is put to the approvers; a
request whose draft is no longer complete (a file rejected meanwhile) is
withdrawn, and an answer to it is refused with the reason. Nobody answering
within `GIAMNGHEO_APPROVAL_REMIND_DAYS` sends a reminder (the task retries
`GIAMNGHEO_APPROVAL_REMINDERS` times), then the task fails and notifies. Every
step is a row of the warehouse's audit trail, shown on the Submissions page.
"""

from __future__ import annotations

import logging

from airflow.sdk import dag, get_current_context, task
from giamngheo_approval import ReportApprovalOperator
from giamngheo_dags import APPROVAL_REQUESTS, AWAITING_APPROVAL, START_DATE, default_args

log = logging.getLogger(__name__)


@dag(
    schedule=AWAITING_APPROVAL,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=16,  # each waits for people: one run's wait must not hold another report
    doc_md=__doc__,
    description=(
        "Phê duyệt dự thảo hoàn chỉnh (Required Actions), lập bản chính thức và khóa kỳ / "
        "approve a complete draft, write the final, lock the period"
    ),
    tags=["giamngheo", "approval"],
    default_args=default_args(),
)
def approve_report():
    @task
    def waiting_requests() -> list[dict]:
        """The requests of the drafts that triggered this run, still waiting, with what the approver sees."""
        from airflow.sdk.configuration import conf

        from giamngheo.approval import open_requests
        from giamngheo.config import get_settings

        context = get_current_context()
        ids = [
            request
            for events in (context.get("triggering_asset_events") or {}).values()
            for event in events
            for request in (event.extra or {}).get("requests", [])
        ]
        requests = open_requests(get_settings(), ids, conf.get("api", "base_url", fallback="") or "")
        for request in requests:
            print(f"{request['label']}: {request['subject']}")
        return requests

    @task(
        map_index_template="{{ answer_label | default(task.op_kwargs['answer']['label']) }}",
        outlets=[APPROVAL_REQUESTS],
    )
    def record_answer(answer: dict) -> dict:
        """Carry out the approver's answer: the final written and the period locked, or the draft sent back.
        An answer to a request that was withdrawn, or whose draft changed meanwhile, is refused (the trail
        says who and why); a changed draft is put to the approvers again."""
        from giamngheo_notify import notify_office

        from giamngheo.approval import answer_request
        from giamngheo.config import get_settings

        context = get_current_context()
        context["answer_label"] = answer["label"]  # type: ignore[typeddict-unknown-key]  # map_index_template's
        done = answer_request(
            get_settings(), answer["request"], answer["chosen_options"], answer["params_input"], answer["responded_by"]
        )
        if done["status"] == "approved":
            message = (
                f"Báo cáo chính thức v{done['version']} ({done['so_van_ban']}, ngày {done['ngay_ky']}) / final: "
                f"{done['docx']}\nPDF: {done['pdf'] or '—'}\nKỳ {done['period']} đã khóa / the period is locked"
            )
        elif done["status"] == "refused":
            message = (
                f"Câu trả lời của {answer['responded_by']} không được thực hiện / answer refused: {done['reason']}"
            )
            log.error("%s", message)
            if done["requests"]:  # what the approver saw changed: the new draft asks again
                context["outlet_events"][APPROVAL_REQUESTS].add(AWAITING_APPROVAL, extra={"requests": done["requests"]})
                message += "\nDự thảo mới đã được gửi phê duyệt / the new draft is put to approval"
        else:
            message = f"Trả lại / sent back by {answer['responded_by']}: {done['comment']}"
        print(message)
        notify_office(f"[giamngheo] {answer['label']}: {done['status']}", message)
        keep = ("status", "unit", "period", "version", "docx", "pdf", "reason")
        return {k: v for k, v in done.items() if k in keep}

    answers = ReportApprovalOperator.partial(task_id="approve", map_index_template="{{ task.request.label }}").expand(
        request=waiting_requests()
    )
    record_answer.expand(answer=answers.output)


approve_report()
