"""Every expectation in expectations/*.json can fail: good data is mutated to make each one fire.

For each form, the sample's rows of that form (one good file that passes every suite) are copied once
per expectation (and, for the shared suites, once per column of the form an expectation covers), and
each copy is changed just enough to break it: a row for the form's rows suite and the cells suite, or
what the reader saw of the file for the files and file-columns suites (its header, its row count, its
total row). All copies of a form are validated in one call, and each copy must come back with a
problem of its expectation's rule and column.
"""

import copy
import json
import re
from dataclasses import replace

import pytest

from giamngheo.inbox import discover
from giamngheo.reading import read_submission
from giamngheo.validation import limit_column
from tests.conftest import ROOT, SAMPLE_INBOX

CONDITION = re.compile(r"^(\w+) (not in|in) \[(.*)\]$")


def rows_where(records: list[dict], condition: str | None) -> list[dict]:
    if not condition:
        return records
    if "==" in condition:
        column, value = (part.strip() for part in condition.split("=="))
        return [r for r in records if r.get(column) == float(value)]
    column, operator, listed = CONDITION.match(condition).groups()
    codes = json.loads(f"[{listed}]")
    return [r for r in records if (r.get(column) in codes) == (operator == "in")]


def break_it(expectation: dict, records: list[dict], form) -> None:
    """Change ``records`` so that ``expectation`` fails (in place)."""
    kind, kw = expectation["type"], expectation["kwargs"]
    column = kw.get("column")
    if kind == "expect_column_values_to_not_be_null":
        row = rows_where(records, kw.get("row_condition"))[0]
        row[column] = None
        row[f"{column}__dp"] = None
    elif kind == "expect_column_values_to_be_null":
        row = rows_where(records, kw.get("row_condition"))[0]
        row[column], row[f"{column}__dp"] = 1.0, 0.0
    elif kind == "expect_column_values_to_be_between":
        row = records[0]
        if column.endswith("__dp"):
            row[column] = float(kw["max_value"] + 1)
        elif kw.get("min_value") is not None:
            row[column] = float(kw["min_value"]) if kw.get("strict_min") else float(kw["min_value"]) - 1
        else:
            row[column] = float(kw["max_value"]) + 1
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        row = next(r for r in records if r.get(kw["column_B"]) is not None)
        if kw["column_A"].startswith("_limit__"):
            a, b = form.column(kw["column_B"]).rules["le_difference"]
            row[kw["column_B"]] = row[a] - row[b] + 1
        else:
            row[kw["column_B"]] = row[kw["column_A"]] + 1
    elif kind == "expect_column_values_to_be_in_set" and expectation["meta"]["rule"] == "zero_when_zero":
        other = kw["row_condition"].split("==")[0].strip()
        row = records[0]
        row[other], row[column], row[f"{column}__dp"] = 0.0, 5.0, 0.0
    elif kind == "expect_column_values_to_be_in_set":
        records[0][column] = "khong_co_ma_nay"
    elif kind == "expect_column_value_lengths_to_be_between":
        records[0][column] = "x" * (kw["max_value"] + 1)
    elif kind == "expect_compound_columns_to_be_unique":
        twin = copy.deepcopy(records[0])
        twin["_row"] = max(r["_row"] for r in records) + 1
        records.append(twin)
    else:
        raise AssertionError(f"no mutation for {kind}: add one, or say in the suite why it cannot fail")


def expected_column(expectation: dict, form) -> str:
    kw = expectation["kwargs"]
    if "column_B" in kw:
        return kw["column_B"]
    if "column_list" in kw:
        return form.grain[-1]
    return kw["column"].removesuffix("__dp")


@pytest.fixture(scope="module")
def validator(forms):
    """A GX context without Data Docs: a hundred rejected mutants need no HTML pages."""
    from giamngheo.validation import Validator

    return Validator(ROOT / "expectations", forms)


def good_file(form_code, forms, resolver, cats):
    """The sample's files of the form, read and merged into one good file with every case in it."""
    form = forms[form_code]
    files = [f for f in discover(SAMPLE_INBOX, "2022-H1", forms) if f.form == form_code]
    reads = [read_submission(f.path, form, resolver, cats, display_name=f.name) for f in files]
    unique: dict[tuple, dict] = {}
    for record in (r for read in reads for r in read.records):  # each (grain) once, numbered apart
        unique.setdefault(tuple(record.get(c) for c in form.grain), record)
    records = list(unique.values())
    for number, record in enumerate(records, start=2):
        record["_row"] = number
    return replace(reads[0], records=records, file="good.csv", total_row=None, stated_totals={}, stated_raw={})


def break_the_file(expectation: dict, read, form):
    """A copy of ``read`` that breaks a file-level expectation."""
    kw, rule = expectation["kwargs"], expectation["meta"]["rule"]
    records = copy.deepcopy(read.records)
    if rule == "missing_column":
        code = kw["column"]
        for record in records:
            record.pop(code, None)
        return replace(read, records=records, columns=read.columns - {code})
    if rule == "no_data_rows":
        return replace(read, records=[])
    if rule == "too_many_rows":
        many = [dict(records[i % len(records)], _row=i + 2) for i in range(kw["max_value"] + 1)]
        return replace(read, records=many)
    if rule == "total_mismatch":
        code = kw["column"]
        added = sum(r[code] for r in records if r.get(code) is not None)
        return replace(read, total_row=len(records) + 2, stated_totals={code: added + 1}, stated_raw={code: added + 1})
    raise AssertionError(f"no mutation for the file rule {rule}")


def suite(name: str) -> list[dict]:
    return json.loads((ROOT / "expectations" / f"{name}.json").read_text(encoding="utf-8"))["expectations"]


def per_column(name: str, form_code: str) -> list[dict]:
    """A shared suite's expectations as one per column of the form they cover, written as if on that
    column (a ``decimals__…`` expectation on the column's decimal places)."""
    out = []
    for e in suite(name):
        for code in e["meta"].get("columns", {}).get(form_code, []):
            kwargs = dict(e["kwargs"])
            if e["meta"]["rule"] == "required":
                kind, kwargs = "expect_column_values_to_not_be_null", {}
            else:
                kind = e["type"]
            kwargs["column"] = f"{code}__dp" if e["meta"]["rule"] == "decimals" else code
            out.append({"type": kind, "kwargs": kwargs, "meta": e["meta"]})
    return out


@pytest.mark.parametrize("form_code", ["health", "education", "bank", "commune", "models"])
def test_every_expectation_can_fail(form_code, validator, forms, resolver, cats):
    form = forms[form_code]
    expectations = suite(form_code) + per_column("cells", form_code)
    keys = [(e["meta"]["rule"], expected_column(e, form)) for e in expectations]
    assert len(set(keys)) == len(keys), "two expectations of a form share a rule and column"
    assert not any(e["kwargs"].get("column", "").startswith(limit_column("")) for e in expectations)
    assert {c.code for c in form.figures if not c.optional} <= {c for r, c in keys if r == "required"}

    good = good_file(form_code, forms, resolver, cats)
    assert [c.problems for c in validator.validate(form_code, [good])] == [[]]

    broken = []
    for index, expectation in enumerate(expectations):
        records = copy.deepcopy(good.records)
        break_it(expectation, records, form)
        broken.append(replace(good, file=f"mutant-{index}.csv", records=records, raw={}, reported=set(), _frame=None))
    checks = validator.validate(form_code, broken)
    for expectation, key, check in zip(expectations, keys, checks, strict=True):
        fired = {(p.rule, p.column) for p in check.problems}
        assert key in fired, f"{form_code}: {expectation['type']} {expectation['kwargs']} did not fire ({fired})"
    print(f"{form_code}: {len(expectations)} expectations, each made to fail")


@pytest.mark.parametrize("form_code", ["health", "education", "bank", "commune", "models"])
def test_every_file_expectation_can_fail(form_code, validator, forms, resolver, cats):
    form = forms[form_code]
    expectations = suite("files") + per_column("file_columns", form_code)
    good = good_file(form_code, forms, resolver, cats)
    stated = {c.code: sum(r[c.code] for r in good.records if r.get(c.code) is not None) for c in form.figures}
    with_total = replace(good, total_row=len(good.records) + 2, stated_totals=stated, stated_raw=dict(stated))
    assert [c.problems for c in validator.validate(form_code, [good, with_total])] == [[], []]
    assert {c.code for c in form.figures} <= {
        e["kwargs"]["column"] for e in expectations if e["meta"]["rule"] == "total_mismatch"
    }

    def key(e):
        column = e["kwargs"]["column"]
        return e["meta"]["rule"], None if column == "_data_rows" else column

    broken = [break_the_file(e, good, form) for e in expectations]
    checks = validator.validate(form_code, broken)
    for expectation, check in zip(expectations, checks, strict=True):
        fired = {(p.rule, p.column) for p in check.problems}
        assert key(expectation) in fired, f"{form_code}: {expectation['kwargs']} did not fire ({fired})"
        if expectation["meta"]["rule"] == "missing_column":  # the message names the column and its label
            code = expectation["kwargs"]["column"]
            assert any(f"'{code}' ({form.column(code).label})" in p.message_vi for p in check.problems)


def test_a_suite_that_drifted_from_the_contract_does_not_run(forms, cats, tmp_path):
    """At run time the suites kept as JSON must be the ones forms.yaml gives (a forms.yaml from elsewhere,
    or a hand-edited suite, runs nothing nobody reviewed); the same for the quality rules."""
    import json
    import shutil

    from giamngheo.quality import load_rules, reviewed_suite
    from giamngheo.validation import SuiteDrift, Validator, check_suites

    check_suites(forms, cats, ROOT / "expectations")  # the kept ones are in sync
    shutil.copytree(ROOT / "expectations", tmp_path / "expectations")
    suite = json.loads((tmp_path / "expectations" / "health.json").read_text(encoding="utf-8"))
    suite["expectations"].pop()
    (tmp_path / "expectations" / "health.json").write_text(json.dumps(suite), encoding="utf-8")
    with pytest.raises(SuiteDrift, match="health.json"):
        Validator(tmp_path / "expectations", forms, None, cats)
    rules = load_rules(ROOT / "include" / "reference", forms)
    assert reviewed_suite(rules, ROOT / "expectations")["expectations"]
    quality = json.loads((tmp_path / "expectations" / "quality_rules.json").read_text(encoding="utf-8"))
    quality["expectations"][0]["kwargs"] = {**quality["expectations"][0]["kwargs"], "mostly": 0.5}
    (tmp_path / "expectations" / "quality_rules.json").write_text(json.dumps(quality), encoding="utf-8")
    with pytest.raises(SuiteDrift, match="quality_rules"):
        reviewed_suite(rules, tmp_path / "expectations")
