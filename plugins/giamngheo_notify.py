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


def mail_connection(conn_id: str = CONN_ID):
    """The SMTP connection, or None when it is not defined. Any other error reading it (the secrets
    backend or the metadata DB failing) is raised: a notice must not be dropped as "no connection"."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


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
        details = getattr(exception, "details", "")  # FilesNotLoaded: the rejection messages
        body = f"DAG run: {run_id}\n\n{exception or 'no exception recorded'}" + (f"\n\n{details}" if details else "")
        return subject, body

    def notify(self, context) -> None:
        subject, body = self.describe(context)
        connection = mail_connection(self.conn_id)
        if connection is None:  # no such connection: the log line is the notification
            log.warning("%s (no SMTP connection '%s': notification logged only)\n%s", subject, self.conn_id, body)
            return
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        extra = connection.extra_dejson
        if not extra.get("to"):  # the connection serves the units' mails only: the data team reads the log
            log.warning("%s (SMTP connection '%s' names no 'to': logged only)\n%s", subject, self.conn_id, body)
            return
        SmtpNotifier(
            to=extra.get("to"),
            from_email=extra.get("from_email"),
            smtp_conn_id=self.conn_id,
            subject=subject,
            html_content=f"<pre>{body}</pre>",
        ).notify(context)


def send_unit_mails(mails: list, conn_id: str = CONN_ID) -> int:
    """Send ``giamngheo.unit_mail.UnitMail``s through the SMTP connection; return how many went out.
    Without the connection nothing is sent and one line says so."""
    if not mails:
        return 0
    if mail_connection(conn_id) is None:
        log.warning("%d mail(s) to units not sent: no SMTP connection '%s'", len(mails), conn_id)
        return 0
    import html

    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=conn_id) as hook:
        for mail in mails:
            hook.send_email_smtp(
                to=list(mail.to),
                subject=mail.subject,
                html_content=f"<pre>{html.escape(mail.body)}</pre>",
                files=list(mail.attachments),
            )
            log.info("mail to %s (%s): %s", ", ".join(mail.units), ", ".join(mail.to), mail.subject)
    return len(mails)


def notify_office(subject: str, body: str, conn_id: str = CONN_ID) -> bool:
    """Mail the office (the connection's ``to``) a notice: an approval waiting, a final written, a file held.
    Without the connection, or without its ``to``, the notice is one log line. True when mailed."""
    connection = mail_connection(conn_id)
    to = connection.extra_dejson.get("to") if connection is not None else None
    if not to:
        log.warning("%s (no SMTP connection '%s' with a 'to': logged only)\n%s", subject, conn_id, body)
        return False
    import html

    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=conn_id) as hook:
        hook.send_email_smtp(to=to, subject=subject, html_content=f"<pre>{html.escape(body)}</pre>")
    log.info("notice to %s: %s", to, subject)
    return True
