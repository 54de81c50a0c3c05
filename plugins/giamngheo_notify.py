"""Failure notifications for the data team (imported by the DAGs; plugins/ is on Airflow's path).

``FailureNotifier`` mails through the SMTP connection ``giamngheo_smtp`` when
one is configured (``AIRFLOW_CONN_GIAMNGHEO_SMTP``, its extra holding
``{"to": "data-team@example.org", "from_email": "..."}``); without it, it
writes one log line, so a failure is never silent.
"""

from __future__ import annotations

import logging

from airflow.sdk import BaseNotifier

log = logging.getLogger("giamngheo.notify")
CONN_ID = "giamngheo_smtp"


class FailureNotifier(BaseNotifier):
    template_fields = ()

    def __init__(self, conn_id: str = CONN_ID):
        super().__init__()
        self.conn_id = conn_id

    @staticmethod
    def describe(context) -> tuple[str, str]:
        ti = context.get("ti") or context.get("task_instance")
        dag_id = getattr(ti, "dag_id", "?")
        task_id = getattr(ti, "task_id", "?")
        label = getattr(ti, "rendered_map_index", None) or ""
        run_id = getattr(ti, "run_id", "?")
        exception = context.get("exception")
        subject = f"[giamngheo] {dag_id}.{task_id}{f' [{label}]' if label else ''} thất bại / failed"
        body = f"DAG run: {run_id}\n\n{exception or 'no exception recorded'}"
        return subject, body

    def notify(self, context) -> None:
        subject, body = self.describe(context)
        try:
            from airflow.sdk import BaseHook

            connection = BaseHook.get_connection(self.conn_id)
        except Exception:  # no such connection: the log line is the notification
            log.warning("%s (no SMTP connection '%s': notification logged only)\n%s", subject, self.conn_id, body)
            return
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        extra = connection.extra_dejson
        SmtpNotifier(
            to=extra.get("to"),
            from_email=extra.get("from_email"),
            smtp_conn_id=self.conn_id,
            subject=subject,
            html_content=f"<pre>{body}</pre>",
        ).notify(context)
