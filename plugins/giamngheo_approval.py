"""The approval step the DAGs share: Airflow's human-in-the-loop operator, asking for one report.

``ReportApprovalOperator`` is mapped over the waiting approval requests: each instance asks the
approvers (``GIAMNGHEO_APPROVERS``, Airflow user names, and the users granted ``phe_duyet`` on the
report's unit: only they may answer, others get 403) to
approve the draft, filling ``so_van_ban`` and ``ngay_ky``, or to send it back with ``ghi_chu``. It is
answered on the UI's Required Actions page or through the REST API (``hitlDetails``). With no approver
configured the task fails at once and says so (nobody may sign). An answer that cannot be carried out
(a malformed number or date, no reason to send back, the approver verified the period's warnings) is
refused with its reason in the log and a notice, and the approvers are asked again; a field left out of
a script's answer is taken as empty.

Nobody answering within ``GIAMNGHEO_APPROVAL_REMIND_DAYS`` ends the wait; the task retries
(``GIAMNGHEO_APPROVAL_REMINDERS`` times), and each new wait sends the notice again as a reminder.
After the last one the task fails, and the failure notifier says so: it never fails silently.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import BaseNotifier, Param

APPROVE = "Phê duyệt / Approve"  # the same words as giamngheo.approval (not imported: parsing stays light)
SEND_BACK = "Trả lại / Send back"


def remind_after() -> timedelta:
    """How long an approval waits before a reminder (``Settings.approval_remind_days``)."""
    from giamngheo.config import get_settings

    return timedelta(days=get_settings().approval_remind_days)


def reminders() -> int:
    """How many reminders before the approval task fails (``Settings.approval_reminders``)."""
    from giamngheo.config import get_settings

    return get_settings().approval_reminders


class ApprovalNotice(BaseNotifier):
    """Tells the office a report waits for approval; on a retry (nobody answered) it is a reminder."""

    template_fields = ()

    def notify(self, context) -> None:
        from giamngheo_notify import notify_office

        ti = context["ti"]
        task = context["task"]
        tries = int(getattr(ti, "try_number", 1) or 1)
        subject = task.subject if tries <= 1 else f"Nhắc lần {tries - 1} / reminder {tries - 1}: {task.subject}"
        url = getattr(ti, "log_url", "") or ""
        wait = f"{remind_after().total_seconds() / 86400:g}"
        body = (
            f"{task.body}\n\nTrả lời tại trang Required Actions của Airflow / answer on Airflow's Required Actions "
            f"page{': ' + url if url else ''}\nKhông ai trả lời sau {wait} ngày sẽ có nhắc nhở / "
            f"a reminder follows after {wait} day(s) without an answer."
        )
        notify_office(subject, body)


class ReportApprovalOperator(HITLOperator):
    """Asks the approvers about one report (``request``: :func:`giamngheo.approval.describe_request`)."""

    def __init__(self, *, request: dict | None = None, **kwargs) -> None:
        kwargs.setdefault("subject", "Phê duyệt báo cáo / approve the report")
        kwargs.setdefault("options", [APPROVE, SEND_BACK])
        kwargs.setdefault(
            "params",
            {
                "so_van_ban": Param(
                    None,
                    type=["null", "string"],
                    title="Số văn bản / document number",
                    description="Khi phê duyệt / to approve: 125/BC-UBND",
                ),
                "ngay_ky": Param(
                    None,
                    type=["null", "string"],
                    format="date",
                    title="Ngày ký / signing date",
                    description="Khi phê duyệt / to approve: YYYY-MM-DD",
                ),
                "ghi_chu": Param(
                    None,
                    type=["null", "string"],
                    title="Ghi chú / comment",
                    description="Khi trả lại: lý do / to send back: why",
                ),
            },
        )
        kwargs.setdefault("notifiers", [ApprovalNotice()])
        kwargs.setdefault("response_timeout", remind_after())
        kwargs.setdefault("retries", reminders())
        kwargs.setdefault("retry_delay", timedelta(seconds=0))
        kwargs.setdefault("retry_exponential_backoff", False)
        super().__init__(**kwargs)
        self.request = request or {}

    def execute(self, context):
        from giamngheo.approval import NO_APPROVERS, ApprovalError, Approvals
        from giamngheo.config import get_settings
        from giamngheo.periods import Period

        approvals = Approvals(get_settings())  # the configured approvers and those granted phe_duyet on the unit
        try:
            unit, period = self.request.get("unit"), self.request.get("period")
            approvers = approvals.approvers(unit, Period.parse(period) if period else None)
        finally:
            approvals.warehouse.dispose()
        if not approvers:  # the gate fails closed: nobody may answer, and the task says why (no retry)
            self.log.error("%s", NO_APPROVERS)
            raise ApprovalError(NO_APPROVERS)
        self.assigned_users = [{"id": name, "name": name} for name in approvers]
        self.subject = self.request.get("subject") or self.subject
        self.body = self.request.get("body") or self.body
        self.log.info("%s\n%s", self.subject, self.body)
        return super().execute(context)

    def complete_params(self, given: dict | None) -> dict:
        """An answer's fields as the operator's ``params`` name them: a field left out (a script's answer
        without the optional ``ghi_chu``) is empty, an unknown one dropped with a warning."""
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            self.log.warning("bỏ qua trường không biết / unknown answer field(s) ignored: %s", ", ".join(unknown))
        return {key: given.get(key) for key in self.params}

    def execute_complete(self, context, event):
        from giamngheo.approval import answer_refusal
        from giamngheo.config import get_settings

        if "error" not in event:
            event = {**event, "params_input": self.complete_params(event.get("params_input"))}
            user = event["responded_by_user"]
            refusal = answer_refusal(
                get_settings(),
                self.request.get("id", ""),
                list(event["chosen_options"] or []),
                event["params_input"],
                user["id"] if isinstance(user, dict) else str(user),
            )
            if refusal:  # a malformed or disallowed answer: refused with its reason, and asked again
                from giamngheo_notify import notify_office

                self.log.error("Câu trả lời bị từ chối, hỏi lại / answer refused, asking again: %s", refusal)
                notify_office(f"[giamngheo] {self.request.get('label', '')}: câu trả lời bị từ chối / refused", refusal)
                return self.execute(context)
        payload = super().execute_complete(context, event)
        user = payload["responded_by_user"]
        return {
            "request": self.request.get("id"),
            "label": self.request.get("label", ""),
            "chosen_options": list(payload["chosen_options"]),
            "params_input": dict(payload["params_input"] or {}),
            "responded_by": user["id"] if isinstance(user, dict) else str(user),
            "responded_at": payload["responded_at"].isoformat(),
        }
