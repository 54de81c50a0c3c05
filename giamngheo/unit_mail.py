"""Mail to a unit whose file was rejected: the message, what to do, and its feedback workbook.

Who gets it comes from the reference data: for the communes' forms (``commune``, ``models``) the
communes the file names, valid in its period (``units.csv``, column ``email``); for the sector forms
the senders of the form valid in the period (``senders.csv``, column ``email``). A unit without an
address gets no mail (the Submissions page still lists the rejection). The mails
are composed here and sent by the DAG through its SMTP connection (``plugins/giamngheo_notify.py``),
only when ``GIAMNGHEO_MAIL_UNITS`` is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .periods import Period
from .reference import ReferenceData
from .units import senders_of

COMMUNE_FORMS = ("commune", "models")  # sent by the communes themselves


@dataclass(frozen=True)
class UnitMail:
    to: tuple[str, ...]
    units: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[str, ...] = field(default_factory=tuple)
    submission_id: str | None = None


@dataclass(frozen=True)
class Recipient:
    code: str  # the commune's code, or the form's code for a sender
    name: str
    email: str


def recipients(
    form: str, district: str, period: Period, communes: list[str], reference: ReferenceData
) -> list[Recipient]:
    """Who a rejection of ``form`` is mailed to: the file's communes, or the form's senders, of its period."""
    if form in COMMUNE_FORMS:
        wanted = set(communes)
        return [
            Recipient(u.code, u.full_name, u.email)
            for u in reference.units
            if u.code in wanted and u.level == "commune" and u.valid_in(period) and u.email
        ]
    return [Recipient(form, s.name, s.email) for s in senders_of(reference.senders, form, district, period) if s.email]


def rejection_mails(outcomes: list, reference: ReferenceData) -> list[UnitMail]:
    """One mail per newly rejected file (``IngestOutcome``) with a unit to write to."""
    mails = []
    for outcome in outcomes:
        if outcome.status != "rejected":
            continue
        period = Period.parse(outcome.period)
        found = recipients(outcome.form, outcome.district, period, [c for c in outcome.slices if c], reference)
        if not found:
            continue
        unit = reference.unit(outcome.district, period)
        district = unit.full_name if unit else outcome.district
        marked_vi = " (tệp đính kèm đánh dấu từng ô lỗi, có ghi chú; có thể sửa ngay trên tệp đó)"
        marked_en = " (the attached copy marks each failing cell, with a comment)"
        body = (
            f"Kính gửi {', '.join(u.name for u in found)},\n\n"
            f"Tệp {outcome.file} gửi cho kỳ báo cáo {outcome.period} ({district}) đã bị từ chối; "
            "không số liệu nào của tệp được nạp. Xin sửa các lỗi dưới đây"
            + (marked_vi if outcome.feedback else "")
            + " rồi gửi lại tệp vào hộp thư của kỳ báo cáo.\n\n"
            f"The file {outcome.file} sent for {outcome.period} was rejected and nothing of it was loaded. "
            "Please correct the problems below"
            + (marked_en if outcome.feedback else "")
            + " and send the file again.\n\n"
            f"{outcome.message}\n"
        )
        mails.append(
            UnitMail(
                to=tuple(u.email for u in found),
                units=tuple(u.code for u in found),
                subject=f"[{district}] Tệp bị từ chối / file rejected: {outcome.file}",
                body=body,
                attachments=(outcome.feedback,) if outcome.feedback else (),
                submission_id=outcome.submission_id,
            )
        )
    return mails
