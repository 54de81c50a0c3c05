"""Data quality across forms and over time: warnings for the clerk, never rejections.

Two checks run over the warehouse's current figures of a district's period after each ingestion:

- **rules across forms** (``include/reference/quality_rules.yaml``): each rule compares a figure
  with bounds computed from other forms' figures (rice ≤ 15 kg × pupils × school months, …). The
  period's figures become one frame, a row per commune and one for the district, with the rule's
  value and bounds as columns; Great Expectations checks the frame with the suite generated from the
  rules (``expectations/quality_rules.json``), and each failing row is a warning;
- **outliers over time**: a commune's figure far from its own past (a modified z-score over the
  previous periods of the same half-year when there are enough, else the ratio to the same half of
  the previous year outside a band). A commune without history is never flagged.

A warning names the commune, the figure, its value and what was expected, the rule and its
explanation in both languages. The clerk verifies it, with a comment (the Submissions page); the
verification holds while the values it was given for stay the same (``signature``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median

import yaml

from .forms import Form
from .numbers import format_plain
from .periods import Period
from .sheets import save_workbook

log = logging.getLogger(__name__)
QUALITY_SUITE = "quality_rules"
UNIT = "_unit"  # the frame's row key: a commune code, or the district code for its row
FIGURE = re.compile(r"([a-z_]+)\.([a-z_0-9]+)(?:\[([a-z_0-9]+)\])?")  # form.indicator[category]


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    vi: str
    en: str
    value: str
    min: str | None = None
    max: str | None = None
    when_missing: str = "skip"

    def sides(self) -> dict[str, str]:
        return {k: v for k, v in (("value", self.value), ("min", self.min), ("max", self.max)) if v}


@dataclass(frozen=True)
class QualityRules:
    rules: tuple[Rule, ...]
    params: dict
    outliers: dict


@dataclass
class Warning_:
    """One doubtful figure (``Warning`` is Python's own name)."""

    district: str
    period: str
    rule: str
    org_unit: str
    subject: str  # what it is about: the rule's value expression, or form.indicator[category]
    value: float | None
    expected: str
    explanation_vi: str
    explanation_en: str
    severity: str = "warning"
    kind: str = "rule"  # rule | outlier | missing
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        key = "|".join((self.district, self.period, self.rule, self.org_unit, self.subject))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]

    @property
    def signature(self) -> str:
        """What a verification is given for: the value and what it was compared with."""
        return hashlib.sha256(f"{self.value!r}|{self.expected}".encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        return {**asdict(self), "id": self.id, "signature": self.signature}


# ---------------------------------------------------------------- the rules, as data


def load_rules(reference_dir: Path, forms: dict[str, Form]) -> QualityRules:
    path = Path(reference_dir) / "quality_rules.yaml"
    if not path.exists():
        return QualityRules((), {}, {})
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    params = data.get("params") or {}
    rules = tuple(Rule(**raw) for raw in data.get("rules") or [])
    seen = set()
    for rule in rules:
        if rule.code in seen:
            raise RuleError(f"quality rule {rule.code} appears twice")
        seen.add(rule.code)
        if not (rule.min or rule.max):
            raise RuleError(f"quality rule {rule.code} needs a min or a max")
        if rule.when_missing not in ("skip", "warn"):
            raise RuleError(f"quality rule {rule.code}: when_missing is skip or warn")
        for side in rule.sides().values():
            for _factor, names in parse_expression(side):
                for name in names:
                    _check_name(name, forms, params, rule.code)
    return QualityRules(rules, params, data.get("outliers") or {})


def parse_expression(text: str) -> list[tuple[float, list[str]]]:
    """``15 * a.b[c] * months + a.d`` → ``[(15.0, ["a.b[c]", "months"]), (1.0, ["a.d"])]``."""
    terms = []
    for term in text.split("+"):
        factor, names = 1.0, []
        for part in (p.strip() for p in term.split("*")):
            if not part:
                raise RuleError(f"empty factor in {text!r}")
            try:
                factor *= float(part)
            except ValueError:
                names.append(part)
        terms.append((factor, names))
    return terms


def _check_name(name: str, forms: dict[str, Form], params: dict, rule: str) -> None:
    if name in params:
        return
    match = FIGURE.fullmatch(name)
    if not match or match.group(1) not in forms:
        raise RuleError(f"quality rule {rule}: unknown figure or parameter {name!r}")
    form = forms[match.group(1)]
    if match.group(2) not in {c.code for c in form.figures}:
        raise RuleError(f"quality rule {rule}: form {form.code} has no figure {match.group(2)!r}")


def column(rule: Rule, side: str) -> str:
    return f"{rule.code}__{side}"


def suite_for(rules: QualityRules) -> dict:
    """The GX suite of the rules (JSON, like the forms' suites): value ≥ min and max ≥ value per row."""
    expectations = []
    for rule in rules.rules:
        for side, a, b in (("min", "value", "min"), ("max", "max", "value")):
            if getattr(rule, side) is None:
                continue
            expectations.append(
                {
                    "type": "expect_column_pair_values_a_to_be_greater_than_b",
                    "kwargs": {
                        "column_A": column(rule, a),
                        "column_B": column(rule, b),
                        "or_equal": True,
                        "ignore_row_if": "either_value_is_missing",
                    },
                    "meta": {"rule": rule.code, "side": side, "vi": rule.vi, "en": rule.en},
                }
            )
    return {"name": QUALITY_SUITE, "expectations": expectations}


def reviewed_suite(rules: QualityRules, directory: Path) -> dict:
    """The suite kept in ``expectations/quality_rules.json``, the one that runs. When the rules were edited
    since it was written, nothing runs: :class:`~giamngheo.validation.SuiteDrift` (``make suites`` writes it
    again, for review)."""
    from .validation import SuiteDrift

    path = Path(directory) / f"{QUALITY_SUITE}.json"
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    if kept != suite_for(rules):
        raise SuiteDrift(
            f"{path} không khớp quality_rules.yaml: chạy `make suites` rồi xem lại / does not match "
            "quality_rules.yaml: run `make suites` and review the change"
        )
    return kept


def write_suite(rules: QualityRules, directory: Path) -> Path:
    path = Path(directory) / f"{QUALITY_SUITE}.json"
    path.write_text(json.dumps(suite_for(rules), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- the frame of a period


def figure_name(row: dict) -> str:
    return f"{row['form']}.{row['indicator']}" + (f"[{row['category']}]" if row.get("category") else "")


def figures_by_unit(values: list[dict]) -> dict[str, dict[str, float]]:
    """``{commune: {"form.indicator[category]": value}}`` from the warehouse's per-commune values
    (items and attributes summed)."""
    out: dict[str, dict[str, float]] = {}
    for row in values:
        unit = out.setdefault(row["org_unit"], {})
        name = figure_name(row)
        unit[name] = unit.get(name, 0.0) + float(row["value"])
    return out


def evaluate_side(text: str, figures: dict[str, float], params: dict) -> float | None:
    total = 0.0
    for factor, names in parse_expression(text):
        product = factor
        for name in names:
            found = params.get(name) if name in params else figures.get(name)
            if found is None:
                return None
            product *= float(found)
        total += product
    return total


def rules_frame(rules: QualityRules, by_unit: dict[str, dict[str, float]], district: str, period: Period):
    """A row per commune and one for the district (the communes' sums): each rule's value and bounds."""
    import pandas as pd

    params = {k: (v.get(f"H{period.half}") if isinstance(v, dict) else v) for k, v in rules.params.items()}
    district_figures: dict[str, float] = {}
    for figures in by_unit.values():
        for name, value in figures.items():
            district_figures[name] = district_figures.get(name, 0.0) + value
    rows = []
    for unit, figures in [*sorted(by_unit.items()), (district, district_figures)]:
        row: dict = {UNIT: unit}
        for rule in rules.rules:
            for side, text in rule.sides().items():
                found = evaluate_side(text, figures, params)
                row[column(rule, side)] = float("nan") if found is None else round(found, 3)
        rows.append(row)
    return pd.DataFrame(rows)


class QualityChecker:
    """The GX context with the rules' suite, built once (like the forms' ``Validator``)."""

    def __init__(self, rules: QualityRules, suite: dict):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.expectations.registry import get_expectation_impl

        self.rules = rules
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        expectations = [get_expectation_impl(e["type"])(**e["kwargs"], meta=e["meta"]) for e in suite["expectations"]]
        gx_suite = self.context.suites.add(gx.ExpectationSuite(name=QUALITY_SUITE, expectations=expectations))
        batch = (
            self.context.data_sources.add_pandas("quality")
            .add_dataframe_asset(QUALITY_SUITE)
            .add_batch_definition_whole_dataframe(QUALITY_SUITE)
        )
        self.definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=QUALITY_SUITE, data=batch, suite=gx_suite)
        )

    def check(self, values: list[dict], district: str, period: Period, forms: dict[str, Form]) -> list[Warning_]:
        """The rules' warnings of a district's period (``values``: the warehouse's per-commune values)."""
        return self.check_many({district: values}, period, forms)[district]

    def check_many(
        self, values_by_district: dict[str, list[dict]], period: Period, forms: dict[str, Form]
    ) -> dict[str, list[Warning_]]:
        """The rules' warnings of several districts' period in one GX run (its cost is per run, not per
        row): one frame holding every district's communes and each district's own row."""
        import pandas as pd

        found: dict[str, list[Warning_]] = {district: [] for district in values_by_district}
        if not self.rules.rules or not values_by_district:
            return found
        frames, owner = [], {}
        for district, values in values_by_district.items():
            part = rules_frame(self.rules, figures_by_unit(values), district, period)
            owner.update(dict.fromkeys(part[UNIT], district))
            frames.append(part)
        frame = pd.concat(frames, ignore_index=True)
        rows = {row[UNIT]: row for row in frame.to_dict("records")}
        by_rule = {r.code: r for r in self.rules.rules}
        warnings: dict[tuple[str, str], Warning_] = {}
        if self.definition.suite.expectations:
            result = self.definition.run(
                batch_parameters={"dataframe": frame},
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [UNIT]},
            )
            for outcome in result.results:
                if outcome.success:
                    continue
                config = outcome.expectation_config
                assert config is not None and config.meta is not None
                rule = by_rule[config.meta["rule"]]
                for index in outcome.result.get("unexpected_index_list") or []:
                    unit = index[UNIT]
                    warnings[(rule.code, unit)] = _rule_warning(rule, rows[unit], owner[unit], period)
        for rule in self.rules.rules:  # a side the warehouse lacks
            if rule.when_missing != "warn":
                continue
            for unit, row in rows.items():
                present = [row[column(rule, side)] == row[column(rule, side)] for side in rule.sides()]
                if any(present) and not all(present) and (rule.code, unit) not in warnings:
                    warnings[(rule.code, unit)] = _rule_warning(rule, row, owner[unit], period, kind="missing")
        for warning in sorted(warnings.values(), key=lambda w: (w.rule, w.org_unit)):
            found[warning.district].append(warning)
        return found


def _rule_warning(rule: Rule, row, district: str, period: Period, kind: str = "rule") -> Warning_:
    def get(side: str) -> float | None:
        value = row.get(column(rule, side))
        return None if value is None or value != value else float(value)

    low, high = get("min"), get("max")
    if low is not None and high is not None and low == high:
        expected = f"= {format_plain(low)}"
    else:
        expected = " ".join(
            p
            for p in (f"≥ {format_plain(low)}" if low is not None else "", f"≤ {format_plain(high)}" if high else "")
            if p
        )
    if kind == "missing":
        expected = "thiếu số liệu để so sánh / a side of the comparison is missing"
    return Warning_(
        district=district,
        period=str(period),
        rule=rule.code,
        org_unit=row[UNIT],
        subject=rule.value,
        value=get("value"),
        expected=expected or "—",
        explanation_vi=rule.vi,
        explanation_en=rule.en,
        severity=rule.severity,
        kind=kind,
    )


# ---------------------------------------------------------------- outliers over time


def outliers(history: list[dict], current: list[dict], district: str, period: Period, settings: dict) -> list[Warning_]:
    """Current per-commune values far from their own past. ``history``: per-commune values of the
    earlier periods (``period`` column); ``current``: this period's."""
    min_history = int(settings.get("min_history", 3))
    threshold = float(settings.get("z_threshold", 3.5))
    low, high = (float(x) for x in settings.get("ratio_band", (0.2, 5.0)))
    small = float(settings.get("ignore_below", 10))
    past: dict[tuple[str, str], dict[str, float]] = {}
    for row in history:
        key = (row["org_unit"], figure_name(row))
        slot = past.setdefault(key, {})
        slot[row["period"]] = slot.get(row["period"], 0.0) + float(row["value"])
    now: dict[tuple[str, str], float] = {}
    for row in current:
        key = (row["org_unit"], figure_name(row))
        now[key] = now.get(key, 0.0) + float(row["value"])
    found = []
    same_half = f"-H{period.half}"
    last_year = str(Period(period.year - 1, period.half))
    for (unit, name), value in sorted(now.items()):
        earlier = {p: v for p, v in past.get((unit, name), {}).items() if p.endswith(same_half) and p < str(period)}
        if not earlier:
            continue  # no history: never flagged
        series = [earlier[p] for p in sorted(earlier)]
        if max([abs(value), *map(abs, series)]) < small:
            continue
        expected, flagged, extra = "", False, {}
        if len(series) >= min_history:
            middle = median(series)
            mad = median(abs(v - middle) for v in series)
            if mad > 0:
                score = 0.6745 * (value - middle) / mad
                flagged = abs(score) > threshold
                expected, extra = (
                    f"≈ {format_plain(middle)} (z = {score:.1f})",
                    {"median": middle, "z": round(score, 2)},
                )
            elif middle:
                ratio = value / middle
                flagged = not low <= ratio <= high
                expected, extra = (
                    f"≈ {format_plain(middle)} (× {ratio:.2f})",
                    {"median": middle, "ratio": round(ratio, 3)},
                )
        elif last_year in earlier and earlier[last_year]:
            ratio = value / earlier[last_year]
            flagged = not low <= ratio <= high
            expected = f"{format_plain(earlier[last_year])} cùng kỳ {last_year} (× {ratio:.2f})"
            extra = {"previous": earlier[last_year], "ratio": round(ratio, 3)}
        if flagged:
            found.append(
                Warning_(
                    district=district,
                    period=str(period),
                    rule="outlier",
                    org_unit=unit,
                    subject=name,
                    value=value,
                    expected=expected,
                    explanation_vi="Số liệu khác thường so với các kỳ trước của chính xã",
                    explanation_en="Far from the commune's own earlier values",
                    kind="outlier",
                    extra=extra,
                )
            )
    return found


def write_review_xlsx(warnings: list[dict], path: Path) -> Path:
    """The period's warnings for the data-quality review (``reports/<period>/canh-bao-<period>.xlsx``)."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Cảnh báo"
    sheet.append(
        [
            "Xã / commune",
            "Số liệu / figure",
            "Giá trị / value",
            "Mong đợi / expected",
            "Quy tắc / rule",
            "Giải thích",
            "Explanation",
            "Đã xác minh / verified by",
            "Ghi chú / comment",
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for w in warnings:
        sheet.append(
            [
                w["unit_name"],
                w["subject"],
                w["value"],
                w["expected"],
                w["rule"],
                w["explanation_vi"],
                w["explanation_en"],
                w["verified_by"] or "",
                w["verified_comment"] or "",
            ]
        )
    for letter, width in zip("ABCDEFGHI", (20, 40, 16, 30, 22, 60, 60, 18, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    save_workbook(book, path)
    return path
