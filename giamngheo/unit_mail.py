"""Mail to a unit whose file was rejected: the message, what to do, and its feedback workbook.

Who gets it comes from the reference data (``org_units.csv``, column ``email``): for the communes'
forms (``commune``, ``models``) the communes the file names; for the district offices' forms the
office whose ``kind`` is the form (level ``office``, e.g. ``061-YT,Trung tâm Y tế huyện,office,health``).
A unit without an address gets no mail (the Submissions page still lists the rejection). The mails
are composed here and sent by the DAG through its SMTP connection (``plugins/giamngheo_notify.py``),
only when ``GIAMNGHEO_MAIL_UNITS`` is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reference import OrgUnit

COMMUNE_FORMS = ("commune", "models")  # sent by the communes themselves


@dataclass(frozen=True)
class UnitMail:
    to: tuple[str, ...]
    units: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[str, ...] = field(default_factory=tuple)
    submission_id: str | None = None


def recipients(form: str, district: str, communes: list[str], units: list[OrgUnit]) -> list[OrgUnit]:
    """The units a rejection of ``form`` is mailed to: the file's communes, or the district office."""
    if form in COMMUNE_FORMS:
        wanted = set(communes)
        return [u for u in units if u.code in wanted and u.email]
    return [u for u in units if u.level == "office" and u.kind == form and u.parent_code == district and u.email]


def rejection_mails(outcomes: list, units: list[OrgUnit], district_names: dict[str, str]) -> list[UnitMail]:
    """One mail per newly rejected file (``IngestOutcome``) with a unit to write to."""
    mails = []
    for outcome in outcomes:
        if outcome.status != "rejected":
            continue
        found = recipients(outcome.form, outcome.district, [c for c in outcome.slices if c], units)
        if not found:
            continue
        district = district_names.get(outcome.district, outcome.district)
        marked_vi = " (tệp đính kèm đánh dấu từng ô lỗi, có ghi chú; có thể sửa ngay trên tệp đó)"
        marked_en = " (the attached copy marks each failing cell, with a comment)"
        body = (
            f"Kính gửi {', '.join(u.full_name for u in found)},\n\n"
            f"Tệp {outcome.file} gửi cho kỳ báo cáo {outcome.period} (huyện {district}) đã bị từ chối; "
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
