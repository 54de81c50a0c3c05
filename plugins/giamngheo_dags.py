"""What the project's DAGs share: time zone, start date, default arguments, the period parameter.

Kept in plugins/ because Airflow puts that folder on the path of every component.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, AssetAlias, Param
from airflow.sdk.definitions.retry_policy import ExceptionRetryPolicy, RetryAction, RetryRule
from giamngheo_notify import FailureNotifier

LOCAL_TZ = "Asia/Ho_Chi_Minh"
# a complete draft put to the approvers: the report DAG emits it, the approval DAG runs on it
AWAITING_APPROVAL = Asset(name="giamngheo_awaiting_approval", uri="giamngheo://reports/awaiting-approval")
# the tasks' outlet: an event only when a draft was put to approval (an alias emits nothing unless told)
APPROVAL_REQUESTS = AssetAlias("giamngheo-approval-requests")
START_DATE = pendulum.datetime(2022, 1, 1, tz=LOCAL_TZ)


def default_args(max_retry_delay_minutes: int = 15) -> dict:
    return {
        "owner": "data-team",
        "on_failure_callback": [FailureNotifier()],
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=max_retry_delay_minutes),
        # a rejected file is an answer, not an accident: the task fails at once, without retrying
        "retry_policy": ExceptionRetryPolicy(
            rules=[
                RetryRule(
                    exception="giamngheo.problems.FilesNotLoaded",
                    action=RetryAction.FAIL,
                    reason="tệp bị từ chối: đơn vị phải gửi lại / file rejected: the unit must send it again",
                ),
                RetryRule(
                    exception="giamngheo.approval.ApprovalError",
                    action=RetryAction.FAIL,
                    reason="câu trả lời không thực hiện được / the answer cannot be carried out",
                ),
            ]
        ),
    }


def period_param(description: str) -> Param:
    """The trigger form's period field: YYYY-H1 or YYYY-H2, or empty for the run's own."""
    return Param(
        None, type=["null", "string"], pattern=r"^\d{4}-H[12]$", title="Kỳ báo cáo / period", description=description
    )
