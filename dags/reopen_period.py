"""
### Reopen an approved period

An approved period is locked: files that arrive for it are validated,
archived and **held**, and the Submissions page lists them. To correct the
report, an approver (`GIAMNGHEO_APPROVERS`) triggers this DAG with the
`period`, the `district` (empty: the deployment's first) and a `reason`:

1. the period is unlocked (the audit trail keeps who, when and why),
2. the held files are published in the order they arrived,
3. a new draft is rendered and, when complete, put to approval again
   (DAG `approve_report`); the next approval writes the next final
   (`final/v<N+1>/`), the earlier finals stay as they were.

A user who is not an approver gets a failed run that says so; nothing changes.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task
from giamngheo_dags import APPROVAL_REQUESTS, AWAITING_APPROVAL, START_DATE, default_args


@dag(
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    doc_md=__doc__,
    description=(
        "Mở lại kỳ đã phê duyệt (người phê duyệt, có lý do) / reopen an approved period (an approver, with a reason)"
    ),
    tags=["giamngheo", "approval"],
    default_args=default_args(),
    params={
        "period": Param("", type="string", pattern=r"^\d{4}-H[12]$", title="Kỳ báo cáo / period"),
        "unit": Param(
            None, type=["null", "string"], title="Đơn vị / reporting unit", description="its code; empty: the first"
        ),
        "reason": Param("", type="string", minLength=5, title="Lý do mở lại / why reopen"),
    },
)
def reopen_period():
    @task(outlets=[APPROVAL_REQUESTS], retries=0)
    def reopen() -> dict:
        """Unlock the period, publish what was held, draft again and ask for approval."""
        from giamngheo_notify import notify_office

        from giamngheo.approval import reopen_period as reopen_it
        from giamngheo.config import get_settings
        from giamngheo.periods import Period

        context = get_current_context()
        params = context["params"]
        user = getattr(context["dag_run"], "triggering_user_name", None) or ""
        done = reopen_it(get_settings(), Period.parse(params["period"]), params.get("unit"), params["reason"], user)
        print(f"Kỳ {done['period']} mở lại bởi / reopened by {user}: {params['reason']}")
        for name in done["released"]:
            print(f"  đã đưa vào số liệu / published: {name}")
        if done["requests"]:
            context["outlet_events"][APPROVAL_REQUESTS].add(AWAITING_APPROVAL, extra={"requests": done["requests"]})
        notify_office(
            f"[giamngheo] {done['unit']}/{done['period']}: mở lại / reopened",
            f"{user}: {params['reason']}\n{len(done['released'])} tệp đã đưa vào / file(s) published\n{done['draft']}",
        )
        return done

    reopen()


reopen_period()
