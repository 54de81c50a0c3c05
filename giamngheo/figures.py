"""The report's figures, derived from warehouse values and written the Vietnamese way.

Every number the report prints is computed here from the rows of
``include/sql/query/report_values.sql``: a sum over communes, a ratio of two
sums, or a list of communes chosen by a rule. Nothing is typed in.

Precision of each ratio (rounded half-up):

| figure                                  | digits after the comma |
|-----------------------------------------|------------------------|
| poverty reduction target rate           | 2                      |
| new jobs against the plan               | 2                      |
| full immunisation of infants            | 1                      |
| households using clean water            | 1                      |
| radio coverage groups                   | as submitted (0–2)     |
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .forms import Form
from .numbers import format_count, format_number, round_half_up
from .periods import Period
from .reference import Category, OrgUnit

RADIO_HIGH = Decimal(80)  # the report names communes at 80% and above together


class UnknownCode(KeyError):
    """A figure asked for a form, indicator or category the forms contract does not name."""


@dataclass
class ReportValues:
    """Per-commune values of one report (flows over its half-years, stocks at its end).

    ``forms`` (and ``categories``) are the contract every code asked for is checked against: a
    typo in an indicator code is an error, never a 0 in the report."""

    rows: list[dict]
    forms: dict[str, Form]
    categories: list[Category] = field(default_factory=list)

    def __post_init__(self):
        self._cells: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for row in self.rows:
            key = (row["form"], row["indicator"], row.get("category") or "")
            self._cells[key][row["org_unit"]] += Decimal(str(row["value"]))

    def check(self, form: str, indicator: str | None = None, category: str = "") -> None:
        spec = self.forms.get(form)
        if spec is None:
            raise UnknownCode(f"no form {form!r} in forms.yaml")
        if indicator is not None and indicator not in {c.code for c in spec.figures}:
            raise UnknownCode(f"form {form!r} has no figure {indicator!r} in forms.yaml")
        if category:
            dimension = spec.category_column.dimension if spec.category_column else None
            if (dimension, category) not in {(c.dimension, c.code) for c in self.categories}:
                raise UnknownCode(f"form {form!r} has no category {category!r} (categories.csv)")

    def by_unit(self, form: str, indicator: str, category: str = "") -> dict[str, Decimal]:
        self.check(form, indicator, category)
        return dict(self._cells.get((form, indicator, category), {}))

    def total(self, form: str, indicator: str, category: str = "") -> Decimal:
        return sum(self.by_unit(form, indicator, category).values(), Decimal(0))

    def has(self, form: str) -> bool:
        self.check(form)
        return any(key[0] == form for key in self._cells)

    def items(self, form: str) -> list[dict]:
        """Rows of an item form (``models``), one dict per (commune, item) with its indicators."""
        self.check(form)
        out: dict[tuple, dict] = {}
        for row in self.rows:
            if row["form"] != form:
                continue
            key = (row["org_unit"], row["item"])
            entry = out.setdefault(
                key, {"org_unit": row["org_unit"], "item": row["item"], "attribute": row.get("attribute") or ""}
            )
            entry[row["indicator"]] = Decimal(str(row["value"]))
        return list(out.values())


def report_periods(period: Period) -> tuple[Period, Period]:
    """The half-years a report covers: H1 alone; H1 and H2 for the year report."""
    return (Period(period.year, 1), period)


def percent(part: Decimal, whole: Decimal, places: int) -> str:
    if not whole:
        return "—"
    return format_number(part * 100 / whole, places)


def count(value: Decimal | int) -> str:
    """A count in running text: 04, 86, 12.345."""
    return format_count(int(value))


def money(value: Decimal, places: int = 0) -> str:
    text = format_number(value, places)
    return text.rstrip("0").rstrip(",") if places else text


def unit_names(codes, units: dict[str, OrgUnit]) -> str:
    """Communes as the report lists them: xã in the deployment's order (then by code), then the town."""
    chosen = [units[c] for c in codes]
    communes = sorted((u for u in chosen if u.kind != "thi_tran"), key=lambda u: u.listing_key)
    towns = sorted((u for u in chosen if u.kind == "thi_tran"), key=lambda u: u.listing_key)
    names = [u.printed for u in communes] + [f"thị trấn {u.printed}" for u in towns]
    return ", ".join(names)


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def build_figures(values: ReportValues, period: Period, communes: list[OrgUnit], categories: list[Category]) -> dict:
    """Everything the template prints, as formatted text (plus the raw numbers charts need)."""
    units = {u.code: u for u in communes}
    cat = {(c.dimension, c.code): c for c in categories}
    total = values.total

    households = total("commune", "tong_so_ho")
    target = total("commune", "chi_tieu_giam_ho_ngheo")
    jobs_home = total("commune", "viec_lam_moi_trong_nuoc")
    jobs_abroad = total("commune", "lao_dong_nuoc_ngoai")
    jobs_plan = total("commune", "chi_tieu_viec_lam_moi")
    infants = total("health", "tre_duoi_1_tuoi")
    vaccinated = total("health", "tre_tiem_chung_day_du")

    education = []
    for policy in (c for c in categories if c.dimension == "policy"):
        pupils = total("education", "so_hoc_sinh", policy.code)
        entry = {
            "code": policy.code,
            "label": policy.label,
            "legal_basis": policy.legal_basis,
            "pupils": count(pupils),
            "amount": money(total("education", "kinh_phi", policy.code)),
            "rice_kg": money(total("education", "gao_kg", policy.code)),
        }
        education.append(entry)

    loans = {}
    for programme in (c for c in categories if c.dimension == "programme"):
        loans[programme.code] = {
            "label": programme.label,
            "borrowers": count(total("bank", "luot_vay", programme.code)),
            "million_vnd": money(total("bank", "so_tien_trieu_dong", programme.code), 3),
        }

    receivers = {u: v for u, v in values.by_unit("commune", "dau_thu_truyen_hinh").items() if v > 0}
    radio = values.by_unit("commune", "ty_le_nghe_dai")
    radio_groups = []
    high = [u for u, v in radio.items() if v >= RADIO_HIGH]
    if high:
        radio_groups.append({"label": f"{format_number(RADIO_HIGH)}% trở lên", "communes": unit_names(high, units)})
    for level in sorted({v for v in radio.values() if v < RADIO_HIGH}, reverse=True):
        codes = [u for u, v in radio.items() if v == level]
        places = 2 if level % 1 else 0
        radio_groups.append({"label": f"{money(level, places)}%", "communes": unit_names(codes, units)})

    models = []
    values.check("models", "so_ho_tham_gia")
    values.check("models", "kinh_phi")
    for entry in sorted(values.items("models"), key=lambda e: (units[e["org_unit"]].code, e["item"])):
        unit = units[entry["org_unit"]]
        place = f"thị trấn {unit.printed}" if unit.kind == "thi_tran" else f"xã {unit.printed}"
        project = entry["attribute"].split("|")[0] if entry["attribute"] else ""
        joined, spent = Decimal(entry.get("so_ho_tham_gia", 0)), Decimal(entry.get("kinh_phi", 0))
        models.append(
            {
                "name": lower_first(entry["item"]),
                "place": place,
                "project": project,
                "project_label": cat[("project", project)].label if ("project", project) in cat else "",
                "households": count(joined),
                "amount": money(spent),
                "amount_million": money(spent / 1_000_000, 3),
            }
        )

    return {
        "period": {
            "code": str(period),
            "label": period.label_vi,
            "year": period.year,
            "half": period.half,
            "months": "06 tháng" if period.half == 1 else "12 tháng",
        },
        "communes": {"count": count(len(communes))},
        "poverty": {
            "target_households": count(target),
            "target_rate": percent(target, households, 2),
            "households": count(households),
        },
        "jobs": {
            "total": count(jobs_home + jobs_abroad),
            "plan": count(jobs_plan),
            "rate": percent(jobs_home + jobs_abroad, jobs_plan, 2),
            "home": count(jobs_home),
            "abroad": count(jobs_abroad),
            "demobilised_advised": count(total("commune", "bo_doi_xuat_ngu_tu_van")),
            "workers_advised": count(total("commune", "luot_tu_van_lao_dong")),
        },
        "education": education,
        "housing": {
            "mobilised": count(total("commune", "nha_o_van_dong")),
            "approved": count(total("commune", "nha_o_ho_tro_chuong_trinh")),
        },
        "water": {"rate": percent(total("commune", "ho_dung_nuoc_hop_ve_sinh"), households, 1)},
        "health": {
            "cards": count(total("health", "the_bhyt")),
            "cards_poor": count(total("health", "the_bhyt_ho_ngheo")),
            "visits": count(total("health", "luot_kham")),
            "visits_poor": count(total("health", "luot_kham_ho_ngheo")),
            "cost_poor": money(total("health", "chi_phi_kham_ho_ngheo")),
            "births": count(total("health", "ho_tro_sinh_con_nguoi")),
            "births_amount": money(total("health", "ho_tro_sinh_con_kinh_phi")),
            "vaccinated": count(vaccinated),
            "infants": count(infants),
            "vaccination_rate": percent(vaccinated, infants, 1),
            "poisoning": count(total("health", "vu_ngo_doc_thuc_pham")),
            "no_poisoning": total("health", "vu_ngo_doc_thuc_pham") == 0,
        },
        "information": {
            "receivers": count(sum(receivers.values(), Decimal(0))),
            "receiver_communes_count": count(len(receivers)),
            "receiver_communes": unit_names(receivers, units),
            "radio_groups": radio_groups,
            "bulletin_boards": count(total("commune", "so_bang_tin")),
            "villages": count(total("commune", "so_thon")),
        },
        "loans": loans,
        "electricity": {
            "households": count(total("commune", "tien_dien_luot_ho")),
            "amount": money(total("commune", "tien_dien_kinh_phi")),
        },
        "models": models,
        "models_count": count(len(models)),
        "models_amount": money(values.total("models", "kinh_phi")),
    }


# the key figures a report compares with the same half of the previous year: (form, indicators, category)
COMPARED = {
    "jobs": ("commune", ("viec_lam_moi_trong_nuoc", "lao_dong_nuoc_ngoai"), ""),
    "cards": ("health", ("the_bhyt",), ""),
    "visits": ("health", ("luot_kham",), ""),
    "cost_poor": ("health", ("chi_phi_kham_ho_ngheo",), ""),
    "poor_loans": ("bank", ("luot_vay",), "ho_ngheo"),
    "electricity": ("commune", ("tien_dien_luot_ho",), ""),
}


def change_text(current: Decimal, previous: Decimal, previous_period: Period) -> str:
    """`` (tăng 12,5% so với cùng kỳ năm 2022)``: the change in percent, rounded half-up to one digit."""
    year = f"cùng kỳ năm {previous_period.year}"
    if previous == 0:
        return ""
    change = round_half_up((current - previous) * 100 / previous, 1)
    if change == 0:
        return f" (bằng {year})"
    word = "tăng" if change > 0 else "giảm"
    return f" ({word} {format_number(abs(change), 1)}% so với {year})"


# the compared figures that count poor households: across two poverty standards they count unlike things
POOR_COUNTS = frozenset({"cost_poor", "poor_loans", "electricity"})
CHANGE_OF_STANDARD = "chuẩn nghèo hai kỳ khác nhau"


def comparisons(
    current: ReportValues, previous: ReportValues | None, previous_period: Period, standard_changed: bool = False
) -> dict[str, str]:
    """For each key figure, the change from the same half of the previous year, or ``""`` when the
    warehouse holds no figure for it then, or none now (a report without history reads as before).
    When the two periods are read under different poverty standards, a figure counting poor households
    says so: `` (tăng 4,0% so với cùng kỳ năm 2026; chuẩn nghèo hai kỳ khác nhau)``."""
    out = dict.fromkeys(COMPARED, "")
    if previous is None:
        return out
    for key, (form, indicators, category) in COMPARED.items():
        if not any(previous.by_unit(form, i, category) for i in indicators):
            continue
        if not any(current.by_unit(form, i, category) for i in indicators):
            continue
        now = sum((current.total(form, i, category) for i in indicators), Decimal(0))
        before = sum((previous.total(form, i, category) for i in indicators), Decimal(0))
        text = change_text(now, before, previous_period)
        if text and standard_changed and key in POOR_COUNTS:
            text = f"{text[:-1]}; {CHANGE_OF_STANDARD})"
        out[key] = text
    return out
