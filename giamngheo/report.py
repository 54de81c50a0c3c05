"""The report: warehouse figures + narrative + settings -> .docx (and PDF, xlsx).

``render_report(settings, period)`` is the step the report DAG calls. The
document is rendered from ``include/templates/bao_cao_giam_ngheo.docx`` with
docxtpl (``autoescape=True``: a name with ``&`` or ``<`` prints as written).
``<data dir>/reports/<period>/`` holds exactly one current document; an
earlier draft moves to ``history/`` under it. A period with missing or
rejected submissions, or narrative borrowed from an earlier period, is
rendered as a draft (DỰ THẢO) with an appendix saying what is outstanding.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import yaml

from .completeness import check_completeness
from .config import Settings, get_settings
from .faults import pause_point
from .figures import ReportValues, build_figures, comparisons, lower_first, report_periods
from .narrative import load_narrative
from .numbers import format_count
from .periods import Period
from .reference import ReferenceData
from .standards import standard_changed, standard_of
from .warehouse import Warehouse

DOCUMENT_STEM = "bao-cao-giam-ngheo"
FORMULA_PREFIXES = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Signing:
    """A final's document number (``125/BC-UBND``) and signing date, as the approver gave them."""

    so_van_ban: str
    ngay_ky: date

    def header(self) -> dict:
        """The NĐ 30/2020 header's fields: ``Số: 125/BC-UBND``, ``ngày 05 tháng 01 năm 2023`` (a day
        below 10 and a month below 3 written with a leading zero)."""
        number, _, symbol = self.so_van_ban.partition("/")
        day, month = self.ngay_ky.day, self.ngay_ky.month
        return {
            "number_text": number,
            "symbol": symbol,
            "day_text": f"{day:02d}" if day < 10 else str(day),
            "month": f"{month:02d}" if month < 3 else str(month),
            "year": self.ngay_ky.year,
        }


@dataclass
class ReportResult:
    period: str
    docx: str
    xlsx: str
    pdf: str | None
    pdf_message: str
    draft: bool
    draft_reason: str
    missing: int
    rejected: int

    def to_dict(self) -> dict:
        return asdict(self)


def load_report_settings(path: Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def document_date(period: Period, delay_days: int) -> date:
    """The draft is dated ``delay_days`` after the period closes (deterministic, not 'today')."""
    return period.end + timedelta(days=int(delay_days))


def period_context(period: Period) -> dict:
    h1 = period.half == 1
    return {
        "code": str(period),
        "year": period.year,
        "label": period.label_vi,
        "label_capitalised": period.label_vi[:1].upper() + period.label_vi[1:],
        "running_label": f"06 tháng đầu năm {period.year}" if h1 else f"năm {period.year}",
        "months": "06 tháng" if h1 else f"năm {period.year}",
        "months_capitalised": "06 tháng đầu năm" if h1 else f"Năm {period.year}",
        "outlook": f"ĐẾN CUỐI NĂM {period.year}" if h1 else f"NĂM {period.year + 1}",
    }


def document_settings(doc: dict, district) -> dict:
    """The document's settings for one unit. The settings file names one unit (``district_code``); any
    other unit is named from the reference data ("TỈNH THÁI NGUYÊN", its place), its signer left for
    the office to fill, then takes the file's ``communes:`` block (a commune's own report) and its own
    block under ``units: {<code>: …}`` (the province's drafting office, signer, recipients)."""
    base = {key: value for key, value in doc.items() if key not in ("units", "communes")}
    if str(doc.get("district_code") or district.code) == district.code:
        return base
    derived = {
        **base,
        "issuing_body": f"{district.kind_label.upper()} {district.name.upper()}",
        "district": district.name,
        "place": district.name,
        "signer": {**base.get("signer", {}), "name": ""},
    }
    blocks = [doc.get("communes") or {}] if district.level == "commune" else []
    blocks.append((doc.get("units") or {}).get(district.code) or {})
    for block in blocks:
        for key, value in block.items():
            derived[key] = {**derived.get(key, {}), **value} if isinstance(value, dict) else value
    return derived


@dataclass
class Comparison:
    """What a report compares with: the earlier period, its figures (None: nothing to compare), the
    current figures kept to the comparable communes, and what the report says of a restatement."""

    period: Period
    previous: ReportValues | None
    current: ReportValues | None
    note: dict = field(
        default_factory=lambda: {"restated": False, "comparable": 0, "units": 0, "not_comparable": [], "text": ""}
    )


def restatement_note(previous: Period, restatements: list) -> dict:
    """The report's words on a comparison across a merger: that the earlier figures are restated on
    today's units, how many communes compare, and why the others do not (naming the predecessors)."""
    restated = any(r.restated for r in restatements)
    comparable = [r for r in restatements if r.comparable]
    label = period_context(previous)["label"]
    parts = []
    if restated and comparable:
        parts.append(f"Số liệu {label} quy đổi theo địa giới mới")
        if len(restatements) > 1:
            parts.append(f"so sánh được {len(comparable)}/{len(restatements)} đơn vị cấp xã")
    elif restated:
        parts.append(f"Không so sánh với {label}")
    missing = [r.why_not for r in restatements if not r.comparable]
    return {
        "restated": restated,
        "comparable": len(comparable),
        "units": len(restatements),
        "not_comparable": missing,
        "text": "; ".join(parts + missing[:10]) + (f" và {len(missing) - 10} đơn vị khác" if len(missing) > 10 else "")
        if restated
        else "",
    }


class ReportBuilder:
    def __init__(self, settings: Settings | None = None, warehouse: Warehouse | None = None):
        self.settings = settings or get_settings()
        self.reference = ReferenceData.load(self.settings.reference_dir)
        self.forms, self.units = self.reference.forms, self.reference.units
        self.categories = self.reference.categories
        self.warehouse = warehouse or Warehouse(self.settings.warehouse_url, self.settings.sql_dir)

    @property
    def narrative_name(self) -> str:
        """The narrative file of a period's inbox folder: ``narrative.yaml``, or for a commune's own report
        ``narrative/<code>.yaml``."""
        return f"narrative/{self.settings.district_code}.yaml" if self.settings.commune_of else "narrative.yaml"

    def communes(self, period: Period) -> list:
        """The reporting unit's communes in ``period`` (valid on its first day)."""
        return self.reference.communes_of(self.settings.district_code, period)

    def district_unit(self, period: Period):
        """The reporting unit as it was in ``period``."""
        unit = self.reference.unit(self.settings.district_code, period)
        if unit is None:
            raise ValueError(
                f"đơn vị {self.settings.district_code} không tồn tại trong kỳ {period} / "
                f"unit {self.settings.district_code} does not exist in period {period}"
            )
        return unit

    def same_unit(self, earlier: Period, period: Period) -> bool:
        """Whether the reporting unit of ``earlier`` is the unit of ``period`` (not a code reused)."""
        then = self.reference.unit(self.settings.district_code, earlier)
        now = self.reference.unit(self.settings.district_code, period)
        return then is not None and now is not None and then.key == now.key

    def values(self, period: Period) -> ReportValues:
        """The period's figures. A year report whose first half belongs to another unit (2025: the
        first half under the old tree, the second under the new) takes that half's flows restated on
        today's communes (:meth:`restated`) and says so (:meth:`year_note`)."""
        first, last = report_periods(period)
        code = self.settings.district_code
        if first == last or self.same_unit(first, period):
            return ReportValues(self.warehouse.report_values(first, last, code), self.forms, self.categories)
        rows = self.warehouse.report_values(last, last, code)
        earlier, _ = self.restated((first, first), period)
        flows = [r for r in (earlier.rows if earlier else []) if self._kind(r["form"], r["indicator"]) == "flow"]
        return ReportValues(rows + flows, self.forms, self.categories)

    def _kind(self, form: str, indicator: str) -> str | None:
        return next((c.kind for c in self.forms[form].figures if c.code == indicator), None)

    def year_note(self, period: Period) -> str:
        """Words on a year report's first half restated on today's units ('' when it needs none)."""
        first, last = report_periods(period)
        if first == last or self.same_unit(first, period):
            return ""
        _, restatements = self.restated((first, first), period)
        label = period_context(first)["label"]
        complete = [r for r in restatements if r.comparable]
        text = f"Số liệu {label} quy đổi theo địa giới mới"
        if len(restatements) > 1:
            text += f", đủ số liệu {len(complete)}/{len(restatements)} đơn vị cấp xã"
        missing = [r.why_not for r in restatements if not r.comparable]
        more = f" và {len(missing) - 10} đơn vị khác" if len(missing) > 10 else ""
        return "; ".join([text, *missing[:10]]) + more

    def comparison(self, period: Period, values: ReportValues | None = None) -> Comparison:
        """The same half of the previous year, to compare with: the unit's own figures when it is the
        same unit then, else its communes' predecessors' figures restated on today's communes
        (:mod:`giamngheo.units.restate`), only for the communes that can be compared; ``values`` (the
        period's) are then kept to those communes too."""
        previous = Period(period.year - 1, period.half)
        if self.same_unit(previous, period):
            rows = self.warehouse.report_values(*report_periods(previous), self.settings.district_code)
            return Comparison(previous, ReportValues(rows, self.forms, self.categories) if rows else None, values)
        earlier, restatements = self.restated(report_periods(previous), period)
        comparable = {r.unit.code for r in restatements if r.comparable}
        note = restatement_note(previous, restatements)
        if earlier is None:
            return Comparison(previous, None, values, note)
        now = None
        if values is not None:
            now = ReportValues([r for r in values.rows if r["org_unit"] in comparable], self.forms, self.categories)
        return Comparison(previous, earlier, now, note)

    def restated(self, span: tuple[Period, Period], period: Period) -> tuple[ReportValues | None, list]:
        """The figures of ``span`` (first and last half-year) restated on the communes of ``period``,
        for those that can be compared (None when none can), and how each commune reads then."""
        from .units.restate import restate, restated_rows

        tree = self.reference.tree
        communes = self.communes(period)
        origins = [o.unit for r in restate(tree, communes, span[1], set()) for o in r.origins]
        rows_of: dict[str, list[dict]] = {}
        for parent in sorted({u.parent_code for u in origins if u.parent_code}):
            for row in self.warehouse.report_values(*span, parent):
                rows_of.setdefault(row["org_unit"], []).append(row)
        restatements = restate(tree, communes, span[1], set(rows_of))
        if not any(r.comparable for r in restatements):
            return None, restatements
        return ReportValues(restated_rows(rows_of, restatements), self.forms, self.categories), restatements

    def inputs(self, period: Period) -> dict:
        """What a report takes besides the warehouse's figures: the staff's narrative and the document's
        settings (kept with a final, so that it can be rendered again as it was approved)."""
        return {
            "narrative": asdict(load_narrative(self.settings.inbox_dir, period, self.narrative_name)),
            "doc": load_report_settings(self.settings.report_settings_path),
        }

    def context(
        self, period: Period, values: ReportValues, inputs: dict | None = None, signing: Signing | None = None
    ) -> dict:
        """The template's context. ``inputs`` (:meth:`inputs`) replace the narrative and settings files;
        ``signing`` makes it the signed final: its number and date in the header."""
        from .narrative import Narrative

        inputs = inputs or self.inputs(period)
        figures = build_figures(values, period, self.communes(period), self.categories)
        comparison = self.comparison(period, values)
        standards = self.reference.standards
        figures["compare"] = comparisons(
            comparison.current or values,
            comparison.previous,
            comparison.period,
            standard_changed(standards, comparison.period, period),
        )
        standard = standard_of(standards, period)
        unit = self.district_unit(period)
        doc = document_settings(dict(inputs["doc"]), unit)
        doc.setdefault("unit_kind", unit.kind_label.lower())
        when = document_date(period, doc.get("delay_days", 15))
        doc.update(
            {
                "number_text": doc.get("number") or "\u00a0" * 6,
                "day_text": "\u00a0" * 6,
                "month": when.month,
                "year": when.year,
            }
        )
        if signing is not None:
            doc.update(signing.header())
        narrative = Narrative(**inputs["narrative"])
        completeness = check_completeness(
            self.warehouse,
            period,
            self.forms,
            self.communes(period),
            self.settings.inbox_unit,
            self.reference.senders,
            only_communes=bool(self.settings.commune_of),
        )
        reasons = []
        if completeness.missing:
            reasons.append("còn thiếu biểu")
        if completeness.rejected:
            reasons.append("có tệp bị từ chối")
        if narrative.borrowed or narrative.missing:
            reasons.append("nội dung cần cập nhật")
        unverified = self.unverified_warnings(period)
        if unverified:
            reasons.append("còn cảnh báo số liệu chưa xác minh")
        if self.quality_owed(period):
            reasons.append("chưa kiểm tra chất lượng số liệu mới nạp")
        for entry in figures["education"]:
            entry["label_lower"] = lower_first(entry["label"])
        models_text = ", ".join(f"{m['name']} {m['place']}" for m in figures["models"])
        return {
            **figures,
            "period": {**figures["period"], **period_context(period)},
            "doc": doc,
            "narrative": narrative.texts,
            "narrative_flags": narrative.flags(),
            "completeness": {"missing": completeness.missing, "rejected": completeness.rejected},
            "quality": {
                "unverified": len(unverified),
                "unverified_text": format_count(len(unverified)),
                "review_file": f"canh-bao-{period}.xlsx",
            },
            "draft": bool(reasons),
            "draft_reason": ("Dự thảo: " + ", ".join(reasons) + " (xem phụ lục)") if reasons else "",
            "models_text": models_text,
            "restated": {
                **comparison.note,
                "text": "; ".join(filter(None, [self.year_note(period), comparison.note["text"]])),
            },
            "standard": standard.context() if standard else {"code": "", "legal": "", "rural": "", "urban": ""},
            "models_da1": [m for m in figures["models"] if m["project"] == "DA1"],
        }

    def key_figures_by_period(self, period: Period) -> dict[str, dict]:
        """The compared key figures (``figures.COMPARED``) of every half-year held up to ``period``, each
        half on its own (flows of that half, stocks at its end); a half before a merger restated on
        today's communes when every one of them can be compared, else left out."""
        from .figures import COMPARED

        held = [Period.parse(p["period"]) for p in self.warehouse.query("query/periods")]
        out: dict[str, dict] = {}
        for half in sorted(p for p in held if p <= period):
            if self.same_unit(half, period):
                rows = self.warehouse.report_values(half, half, self.settings.district_code)
                values = ReportValues(rows, self.forms, self.categories)
            else:  # a half of the old tree: restated on today's communes, shown only when all of them compare
                restated, restatements = self.restated((half, half), period)
                if restated is None or not all(r.comparable for r in restatements):
                    continue
                values = restated
            totals = {
                key: sum((values.total(form, i, category) for i in indicators), Decimal(0))
                for key, (form, indicators, category) in COMPARED.items()
                if any(values.by_unit(form, i, category) for i in indicators)
            }
            if totals:
                out[str(half)] = totals
        return out

    def unverified_warnings(self, period: Period) -> list[dict]:
        """The period's data-quality warnings no one has verified (for the current values). It guards
        completeness and signing, so it fails closed: an error reading them is raised, never "none"."""
        found = self.warehouse.query("query/quality_warnings", unit=self.settings.inbox_unit, period=period)
        if self.settings.commune_of:  # a commune's own report: the warnings on its rows
            found = [w for w in found if w["org_unit"] == self.settings.district_code]
        return [w for w in found if not w["verified_by"]]

    def quality_owed(self, period: Period) -> bool:
        """Whether a load of the period has not had its data-quality check yet: its warnings are unknown,
        so the draft is not complete (fails closed, like :meth:`unverified_warnings`)."""
        owed = self.warehouse.quality_owed([period])
        return any(e["unit"] == self.settings.inbox_unit for e in owed)

    def render(
        self,
        period: Period,
        pdf: bool = True,
        *,
        signing: Signing | None = None,
        inputs: dict | None = None,
        out_dir: Path | None = None,
        template: Path | None = None,
    ) -> ReportResult:
        """Render the period's report into ``reports/<period>/`` (the earlier one moves to ``history/``);
        with ``signing``, the signed final into ``out_dir`` (it must not be a draft); ``template`` instead
        of the deployment's (a final rendered again with the template it was approved with)."""
        from docx.shared import Mm
        from docxtpl import DocxTemplate, InlineImage

        from . import charts

        values = self.values(period)
        context = self.context(period, values, inputs, signing)
        if signing is not None and context["draft"]:
            raise ValueError(
                f"{period}: báo cáo chưa đủ điều kiện ký ({context['draft_reason']}) / "
                "the report is not complete, it cannot be signed"
            )
        out_dir = out_dir or self.settings.reports_dir / str(period)
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in out_dir.glob(".render-*"):  # left by a render that was killed (one render at a time)
            shutil.rmtree(stale, ignore_errors=True)
        final = out_dir / f"{DOCUMENT_STEM}-{period}.docx"
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".render-") as tmp:
            tmp_dir = Path(tmp)
            document = DocxTemplate(str(template or self.settings.template_path))
            drawn = {
                "jobs": charts.jobs_against_plan(values, self.communes(period), tmp_dir / "jobs.png"),
                "poverty": charts.poor_household_share(values, self.communes(period), tmp_dir / "poverty.png"),
                "trend": charts.key_figures_over_time(self.key_figures_by_period(period), tmp_dir / "trend.png"),
            }
            context["charts"] = {k: InlineImage(document, str(p), width=Mm(155)) if p else "" for k, p in drawn.items()}
            document.render(context, autoescape=True)
            staged = tmp_dir / final.name
            document.save(str(staged))
            xlsx_staged = tmp_dir / f"so-lieu-{period}.xlsx"
            write_figures_xlsx(values, self.forms, self.communes(period), self.categories, xlsx_staged)
            lineage_staged = tmp_dir / f"nguon-so-lieu-{period}.json"
            lineage = self.warehouse.report_lineage(*report_periods(period), self.settings.district_code)
            lineage_staged.write_text(
                json.dumps(
                    {"period": str(period), "document": final.name, "sources": lineage}, ensure_ascii=False, indent=1
                ),
                encoding="utf-8",
            )
            pause_point("render")  # crash tests kill the process here: the previous report must survive
            # publish: the previous document goes to history/, then the new one takes its place atomically
            if final.exists():
                history = out_dir / "history"
                history.mkdir(exist_ok=True)
                stamp = datetime.fromtimestamp(final.stat().st_mtime).strftime("%Y%m%dT%H%M%S")
                shutil.copy2(final, history / f"{final.stem}-{stamp}.docx")
            os.replace(staged, final)
            xlsx = out_dir / xlsx_staged.name
            os.replace(xlsx_staged, xlsx)
            os.replace(lineage_staged, out_dir / lineage_staged.name)
        pdf_path, pdf_message = convert_to_pdf(final) if pdf else (None, "PDF không được yêu cầu / PDF not requested")
        return ReportResult(
            str(period),
            str(final),
            str(xlsx),
            str(pdf_path) if pdf_path else None,
            pdf_message,
            context["draft"],
            context["draft_reason"],
            len(context["completeness"]["missing"]),
            len(context["completeness"]["rejected"]),
        )


def choose_periods(param: str | None, event_extras: list[dict], interval_start: date | None) -> list[Period]:
    """What a report run drafts: the period chosen in the trigger form; else every period that
    received data (asset events); else the half-year of the run's data interval."""
    if param:
        return [Period.parse(param)]
    periods = {Period.parse(extra["period"]) for extra in event_extras if extra.get("period")}
    if periods:
        return sorted(periods)
    if interval_start is None:
        raise ValueError("no period: choose one in the trigger form / chọn kỳ báo cáo")
    return [Period.containing(interval_start)]


def render_report(period: Period, settings: Settings | None = None, pdf: bool = True) -> ReportResult:
    builder = ReportBuilder(settings)
    try:
        return builder.render(period, pdf=pdf)
    finally:
        builder.warehouse.dispose()


def plan_reports(
    settings: Settings, param: str | None, event_extras: list[dict], interval_start: date | None
) -> list[dict]:
    """The report batches of a run: the periods of :func:`choose_periods`, for the districts whose
    data changed (asset events name them) or, on schedule or on demand, every district; of a
    province's communes' own reports, those whose figures changed (:func:`changed_communes`)."""
    from .batches import report_batches
    from .reference import unit_tree

    warehouse = Warehouse(settings.warehouse_url, settings.sql_dir)
    try:
        warehouse.migrate()  # the DAG's work starts on the current schema
    finally:
        warehouse.dispose()
    periods = choose_periods(param, event_extras, interval_start)
    tree = unit_tree(settings.reference_dir)
    everyone = settings.unit_codes(tree)
    named = {d for extra in event_extras for d in extra.get("districts") or []}
    districts = [d for d in everyone if d in named] if named and not param else everyone
    # a unit is drafted only for the periods it exists in (huyện Bạch Thông up to 2025-H1)
    active = {(str(p), d) for p in periods for d in districts if tree.communes_of(d, p)}
    # since the 2025 reform the province's communes compile their own report too, in the same run
    changed = {} if param else changed_communes(event_extras)
    communes: dict[tuple[str, str], list[str]] = {}
    for p in periods:
        for d in districts:
            if (str(p), d) in active:
                only = changed.get((str(p), d))
                own = own_reports(tree, d, p) if settings.commune_reports else []
                communes[str(p), d] = [c for c in own if only is None or c in only]
    return report_batches(
        [str(p) for p in periods],
        districts,
        settings.max_tasks,
        settings.keyed or any(communes.values()),
        active,
        communes,
    )


def changed_communes(event_extras: list[dict]) -> dict[tuple[str, str], set[str] | None]:
    """Per (period, unit) the asset events name, the communes whose figures changed (their own reports
    are re-drafted, the others kept); None when an event does not say (every commune's)."""
    changed: dict[tuple[str, str], set[str] | None] = {}
    for extra in event_extras:
        period, named = extra.get("period"), extra.get("communes")
        for unit in extra.get("districts") or []:
            key = (str(period), unit)
            codes = named.get(unit) if isinstance(named, dict) else None
            if key in changed and changed[key] is None:
                continue
            changed[key] = None if codes is None else (changed.get(key) or set()) | set(codes)
    return changed


def own_reports(tree, code: str, period: Period) -> list[str]:
    """The communes of unit ``code`` that compile their own report in ``period``: those of a province of
    two tiers (its communes directly under it, as from 1/7/2025); none under the old three tiers."""
    unit = tree.unit(code, period)
    if unit is None or unit.level != "province":
        return []
    communes = tree.communes_of(code, period)
    return [c.code for c in communes] if all(c.parent_code == code for c in communes) else []


def render_reports(settings: Settings, items: list[dict], pdf: bool = True) -> list[ReportResult]:
    """Render several (period, district) reports in one process, on one warehouse connection pool,
    and their PDF copies in one LibreOffice run."""
    warehouse = Warehouse(settings.warehouse_url, settings.sql_dir)
    try:
        results = [
            ReportBuilder(settings.for_district(item["unit"], item.get("commune_of", "")), warehouse).render(
                Period.parse(item["period"]),
                pdf=False,  # a batch from XCom: the period as text
            )
            for item in items
        ]
    finally:
        warehouse.dispose()
    if pdf and results:
        for result, (path, message) in zip(results, convert_many_to_pdf([Path(r.docx) for r in results]), strict=True):
            result.pdf, result.pdf_message = (str(path) if path else None), message
    return results


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(docx: Path) -> tuple[Path | None, str]:
    return convert_many_to_pdf([docx])[0]


def convert_many_to_pdf(documents: list[Path]) -> list[tuple[Path | None, str]]:
    """PDF copies beside the documents, from one LibreOffice process (its start costs more than a page)."""
    binary = libreoffice()
    if not binary:
        return [
            (
                None,
                "LibreOffice chưa được cài: bỏ qua bản PDF / LibreOffice is not installed: PDF skipped "
                "(apt-get install libreoffice-writer-nogui)",
            )
        ] * len(documents)
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as work:
        inputs = []
        for index, docx in enumerate(documents):  # documents of several districts share a name
            link = Path(work) / f"{index:05d}-{docx.name}"
            link.symlink_to(Path(docx).resolve())
            inputs.append(link)
        result = subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(Path(work) / "out"),
                *map(str, inputs),
            ],
            capture_output=True,
            text=True,
            timeout=300 + 30 * len(documents),
        )
        out: list[tuple[Path | None, str]] = []
        for docx, link in zip(documents, inputs, strict=True):
            made = Path(work) / "out" / link.with_suffix(".pdf").name
            if not made.exists():
                out.append(
                    (None, f"LibreOffice không chuyển được sang PDF / conversion failed: {result.stderr.strip()[:300]}")
                )
                continue
            pdf = Path(docx).with_suffix(".pdf")
            shutil.move(str(made), pdf)
            out.append((pdf, f"PDF: {pdf}"))
    return out


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_figures_xlsx(values: ReportValues, forms, communes, cats, path: Path) -> Path:
    """All consolidated figures by commune: one sheet per form, communes down, indicators across."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    labels = {(c.dimension, c.code): c.label for c in cats}
    units = sorted(communes, key=lambda u: u.listing_key)
    wb = Workbook()
    wb.remove(wb.active)
    for form in forms.values():
        columns = []
        for col in form.figures:
            if form.category_column is not None:
                dim = form.category_column.dimension
                for code in sorted({k[2] for k in values._cells if k[0] == form.code and k[1] == col.code}):
                    columns.append((col, code, f"{col.label} — {labels.get((dim, code), code)}"))
            else:
                columns.append((col, "", col.label))
        sheet = wb.create_sheet(form.code)
        sheet.append([safe_cell(v) for v in ["Mã", "Xã, thị trấn", *[c[2] for c in columns]]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for unit in units:
            row = [unit.code, unit.full_name]
            for col, category, _ in columns:
                value = values.by_unit(form.code, col.code, category).get(unit.code)
                row.append(None if value is None else float(value))
            sheet.append([safe_cell(v) for v in row])
        sheet.append(["", "Toàn huyện", *[float(values.total(form.code, c.code, cat)) for c, cat, _ in columns]])
        sheet.column_dimensions["B"].width = 22
    wb.save(path)
    return path
