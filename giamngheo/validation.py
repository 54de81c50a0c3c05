"""Great Expectations over submission frames.

The suites are kept as reviewable JSON in ``expectations/`` and derived from
the form registry (``python -m giamngheo suites`` rewrites them; a test fails
when they drift), each expectation with its message to the clerk in Vietnamese
and English in ``meta``; every expectation can fail
(``tests/test_expectations.py`` mutates good data to make each one fire):

- ``<form>.json``, a form's **rows**, one frame for all rows of the form's files
  in a task: the rules that look across a row (subset ≤ total, "0 when …",
  "only for …"), known codes, text, duplicates;
- ``cells.json``, every form's **figure cells**, one row per cell: required,
  range, decimal places. Each rule with its bounds is one expectation, and its
  ``meta.columns`` names, per form, the columns it covers (the cells frame is
  built from that list: the suite is the contract);
- ``file_columns.json``, one row per file and column: the header has each
  required column (``meta.columns``), the total row's figure equals the sum of
  the rows above;
- ``files.json``, one row per file: at least one data row, at most
  ``MAX_DATA_ROWS``.

GX's cost is per expectation, not per row (a few milliseconds each, whatever
the frame's size): a rule written once for all the columns and forms it covers
costs once a task, where a rule per column cost once per column and form.

What stays in Python, in the reader (:mod:`giamngheo.reading`), and why:

- **finding the table**: the header row among title rows, unknown and repeated
  header cells, rows below the table's end: GX is handed a table, it cannot
  find one in a sheet;
- **communes**: a name is resolved to a code by matching the district's
  communes loosely ("X. Vi Hương", "vi huong") and, when nothing matches, the
  message names the closest ones; a code GX could check afterwards comes from
  that same list, so an expectation on it could never fail;
- **number notation and units** (``1.234,5``, ``triệu``): a cell must be parsed
  before GX sees a number.

A :class:`Validator` pays for importing GX and building its context once;
:meth:`Validator.validate_many` then checks any number of files of any forms
with one GX run per suite (pass/fail only, the cheap result format) and, only
when a suite failed, a second run of it that maps each failing row back to its
file, row, column and value.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from .forms import Column, Form
from .problems import Problem
from .reading import MAX_DATA_ROWS, ReadResult, as_written
from .reference import Category

# a rejected file's validation page (include/templates/, beside the package in a checkout and in the image)
PAGE_TEMPLATE = Path(__file__).resolve().parent.parent / "include" / "templates" / "validation.html"

log = logging.getLogger(__name__)

FILE_INDEX = "_file"
ROW = "_row"
COLUMN = "_column"  # the submission's column a row of a long frame is about
VALUE = "_value"  # the cell's figure, reported with a failing cell
# the shared suites (every form's files in one GX run each)
CELLS = "cells"
FILES = "files"
FILE_COLUMNS = "file_columns"
# columns of their frames
FILLED = "filled"  # 1 the cell has a figure, 0 it is empty
RANGE = "range"
DECIMALS = "decimals"
DATA_ROWS = "_data_rows"
PRESENT = "_present"  # 1 the file's header has the column, 0 it lacks it
STATED = "_stated"  # the total row's figure
ADDED = "_added"  # the sum of the rows above it


def header_columns(form: Form) -> list[Column]:
    """The columns a file's header must have (the unit column is how the header is found at all)."""
    return [c for c in form.columns if c.type != "unit" and not c.rules.get("optional")]


# ---------------------------------------------------------------- suites from the registry


def _exp(type_: str, rule: str, vi: str, en: str, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"rule": rule, "vi": vi, "en": en}}


def _row_in(column: str, codes: list[str], negate: bool = False) -> str:
    listed = ", ".join(json.dumps(c) for c in codes)
    return f"{column} {'not in' if negate else 'in'} [{listed}]"


def _figure_expectations(form: Form, col: Column) -> list[dict]:
    """A figure's rules that look at other columns of its row (the cell's own rules: :func:`cell_rules`)."""
    r = col.rules
    out: list[dict] = []
    if "only_for" in r or "empty_for" in r:
        ((other, codes),) = (r.get("only_for") or r["empty_for"]).items()
        filled_where = _row_in(other, codes, negate="empty_for" in r)
        empty_where = _row_in(other, codes, negate="only_for" in r)
        out.append(
            _exp(
                "expect_column_values_to_not_be_null",
                "required",
                f"ô trống: cột này phải có số liệu khi {filled_where}",
                f"empty cell: a figure is needed where {filled_where}",
                column=col.code,
                row_condition=filled_where,
                condition_parser="pandas",
            )
        )
        out.append(
            _exp(
                "expect_column_values_to_be_null",
                "must_be_empty",
                f"phải để trống khi {empty_where}",
                f"must stay empty where {empty_where}",
                column=col.code,
                row_condition=empty_where,
                condition_parser="pandas",
            )
        )
    if "le" in r:
        other = form.column(r["le"])
        out.append(
            _exp(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "subset_le_total",
                f"không được lớn hơn '{other.label}' ({other.code})",
                f"must not exceed '{other.code}' ({other.label})",
                column_A=other.code,
                column_B=col.code,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    if "le_difference" in r:
        a, b = r["le_difference"]
        out.append(
            _exp(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "subset_le_total",
                f"không được lớn hơn {a} − {b}",
                f"must not exceed {a} − {b}",
                column_A=limit_column(col.code),
                column_B=col.code,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    if "zero_when_zero" in r:
        other = r["zero_when_zero"]
        out.append(
            _exp(
                "expect_column_values_to_be_in_set",
                "zero_when_zero",
                f"phải bằng 0 khi {other} bằng 0",
                f"must be 0 where {other} is 0",
                column=col.code,
                value_set=[0],
                row_condition=f"{other} == 0",
                condition_parser="pandas",
            )
        )
    return out


def limit_column(code: str) -> str:
    return f"_limit__{code}"


def suite_for(form: Form, categories: list[Category]) -> dict:
    """The expectation suite of ``form`` as a JSON-able dict (see the module's docstring for the
    rules that stay in the reader: header, communes, total row, row counts, notation)."""
    exps: list[dict] = []
    for col in form.columns:
        if col.type == "unit":
            continue  # resolved (and refused, with the closest names) by the reader
        elif col.type == "category":
            codes = sorted(c.code for c in categories if c.dimension == col.dimension)
            if not col.optional:
                exps.append(
                    _exp(
                        "expect_column_values_to_not_be_null",
                        "required",
                        "ô trống: phải ghi mã hoặc tên",
                        "empty cell: a code or label is needed",
                        column=col.code,
                    )
                )
            exps.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    "known_code",
                    f"mã không hợp lệ; dùng một trong: {', '.join(codes)}",
                    f"unknown code; use one of: {', '.join(codes)}",
                    column=col.code,
                    value_set=codes,
                )
            )
        elif col.type == "text":
            exps.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    "required",
                    "ô trống: phải ghi nội dung",
                    "empty cell: text is needed",
                    column=col.code,
                )
            )
            if "max_length" in col.rules:
                n = col.rules["max_length"]
                exps.append(
                    _exp(
                        "expect_column_value_lengths_to_be_between",
                        "max_length",
                        f"dài quá {n} ký tự",
                        f"longer than {n} characters",
                        column=col.code,
                        min_value=1,
                        max_value=n,
                    )
                )
        else:
            exps.extend(_figure_expectations(form, col))
    grain = ", ".join(form.grain)
    exps.append(
        _exp(
            "expect_compound_columns_to_be_unique",
            "duplicate_row",
            f"trùng lặp: ({grain}) xuất hiện nhiều lần trong một tệp",
            f"duplicate: ({grain}) appears more than once in the file",
            column_list=[FILE_INDEX, *form.grain],
        )
    )
    return {"name": f"{form.code}_submission", "form": form.code, "expectations": exps}


def _number(value: float) -> str:
    return f"{value:g}".replace(".", "p").replace("-", "m")


def cell_rules(col: Column) -> list[tuple[str, dict]]:
    """A figure cell's own rules, as (column of the cells frame, expectation without ``meta.columns``):
    every cell under the same rule with the same bounds, of any form, is checked by one expectation."""
    r = col.rules
    out: list[tuple[str, dict]] = []
    if not col.optional:
        exp = _exp(
            "expect_column_values_to_be_in_set",
            "required",
            "ô trống: cột này phải có số liệu",
            "empty cell: this column needs a figure",
            value_set=[1],
        )
        out.append((FILLED, exp))
    low, strict = (r["gt"], True) if "gt" in r else (r.get("min"), False)
    high = r.get("max")
    if low is not None or high is not None:
        if strict:
            vi, en = f"phải lớn hơn {low}", f"must be greater than {low}"
        elif high is None:
            vi, en = f"không được nhỏ hơn {low} (số âm)", f"must not be below {low}"
        else:
            vi, en = f"phải nằm trong khoảng {low}–{high}", f"must be between {low} and {high}"
        bounds = [f"{'gt' if strict else 'ge'}_{_number(low)}"] if low is not None else []
        bounds += [f"le_{_number(high)}"] if high is not None else []
        exp = _exp(
            "expect_column_values_to_be_between",
            "range",
            vi,
            en,
            min_value=low,
            max_value=high,
            strict_min=strict,
        )
        out.append((f"{RANGE}__{'__'.join(bounds)}", exp))
    places = col.max_decimals
    exp = _exp(
        "expect_column_values_to_be_between",
        "decimals",
        "phải là số nguyên" if places == 0 else f"tối đa {places} chữ số thập phân",
        "must be a whole number" if places == 0 else f"at most {places} decimal places",
        min_value=0,
        max_value=places,
    )
    out.append((f"{DECIMALS}__{places}", exp))
    return out


def _grouped(name: str, entries) -> dict:
    """A cross-form suite: one expectation per frame column, ``meta.columns`` naming, per form, the
    columns of the submissions it checks (what the frames are built from: the suite is the contract)."""
    by_column: dict[str, dict] = {}
    for form, code, column, exp in entries:
        kept = by_column.setdefault(column, {**exp, "kwargs": {"column": column, **exp["kwargs"]}})
        kept["meta"].setdefault("columns", {}).setdefault(form.code, []).append(code)
    return {"name": name, "expectations": list(by_column.values())}


def cells_suite(forms: dict[str, Form]) -> dict:
    """The figure cells of every form, one row per cell (see :meth:`Validator.frames`): required,
    range and decimal places, each rule and bound once for every column of every form it covers."""
    return _grouped(
        CELLS,
        (
            (form, col.code, column, exp)
            for form in forms.values()
            for col in form.figures
            for column, exp in cell_rules(col)
        ),
    )


def file_columns_suite(forms: dict[str, Form]) -> dict:
    """One row per (file, column): the header has the required columns; the total row, where there is
    one, equals the sum of the rows above."""
    missing = _exp(
        "expect_column_values_to_be_in_set",
        "missing_column",
        "thiếu cột '{column}' ({label})",
        "column '{column}' ({label}) is missing",
        value_set=[1],
    )
    total = _exp(
        "expect_column_pair_values_to_be_equal",
        "total_mismatch",
        "dòng tổng cộng không bằng tổng các dòng phía trên",
        "the total row does not equal the sum of the rows above",
        column_A=STATED,
        column_B=ADDED,
        ignore_row_if="either_value_is_missing",
    )
    entries = []
    for form in forms.values():
        entries += [(form, col.code, PRESENT, missing) for col in header_columns(form)]
    suite = _grouped(FILE_COLUMNS, entries)
    total["meta"]["columns"] = {form.code: [col.code for col in form.figures] for form in forms.values()}
    suite["expectations"].append(total)
    return suite


def files_suite() -> dict:
    """One row per file, of any form: it has data rows, and not too many."""
    return {
        "name": FILES,
        "expectations": [
            _exp(
                "expect_column_values_to_be_between",
                "no_data_rows",
                "tệp chỉ có tiêu đề, không có dòng dữ liệu",
                "the file has a header but no data rows",
                column=DATA_ROWS,
                min_value=1,
            ),
            _exp(
                "expect_column_values_to_be_between",
                "too_many_rows",
                f"tệp có hơn {MAX_DATA_ROWS} dòng dữ liệu",
                f"the file has more than {MAX_DATA_ROWS} data rows",
                column=DATA_ROWS,
                max_value=MAX_DATA_ROWS,
            ),
        ],
    }


def all_suites(forms: dict[str, Form], categories: list[Category]) -> dict[str, dict]:
    """Every suite by its file name in ``expectations/``: each form's rows, then the three shared ones."""
    suites = {form.code: suite_for(form, categories) for form in forms.values()}
    suites[CELLS] = cells_suite(forms)
    suites[FILE_COLUMNS] = file_columns_suite(forms)
    suites[FILES] = files_suite()
    return suites


def write_suites(forms: dict[str, Form], categories: list[Category], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, suite in all_suites(forms, categories).items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def load_suite(directory: Path, name: str) -> dict:
    return json.loads((Path(directory) / f"{name}.json").read_text(encoding="utf-8"))


class SuiteDrift(RuntimeError):
    """A suite in ``expectations/`` is not the one the contract (``forms.yaml``) gives: the checks that would
    run are not the reviewed ones. Run ``make suites`` and review the difference."""


def check_suites(forms: dict[str, Form], categories: list[Category], directory: Path) -> None:
    """The suites kept as JSON are the ones ``forms.yaml`` gives (``make suites``), else :class:`SuiteDrift`:
    a deployment whose forms.yaml comes from elsewhere does not run checks nobody reviewed."""
    stale = [
        name
        for name, suite in all_suites(forms, categories).items()
        if not (Path(directory) / f"{name}.json").is_file() or load_suite(directory, name) != suite
    ]
    if stale:
        raise SuiteDrift(
            f"expectations/{', '.join(f'{n}.json' for n in stale)} không khớp forms.yaml: chạy `make suites` rồi "
            f"xem lại / do not match forms.yaml ({directory}): run `make suites` and review the change"
        )


# ---------------------------------------------------------------- running GX


def add_derived_columns(frame, form: Form):
    """Columns some expectations compare against (``a - b`` limits)."""
    for col in form.figures:
        if "le_difference" in col.rules:
            a, b = col.rules["le_difference"]
            frame[limit_column(col.code)] = frame[a] - frame[b]
    return frame


def _as_written(read: ReadResult, row: int, column: str, seen_by_gx: object) -> object:
    """A failing cell's value for the message: as the clerk wrote it, else as GX saw it (NaN: empty)."""
    value = read.raw.get((row, column), seen_by_gx)
    return None if isinstance(value, float) and value != value else value


@dataclass
class FileValidation:
    problems: list[Problem]
    docs: Path | None = None  # GX Data Docs page of a rejected file


class Validator:
    """A GX context; each suite and its validation definition is built when it is first run."""

    def __init__(
        self,
        expectations_dir: Path,
        forms: dict[str, Form],
        docs_dir: Path | None = None,
        categories: list[Category] | None = None,
    ):
        """``categories`` given: the suites are first checked against the contract (:func:`check_suites`)."""
        if categories is not None:
            check_suites(forms, categories, expectations_dir)
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        # GX's own logging, warnings only, set before the import (it logs ~200 INFO lines while importing):
        # a task's log must start with what the operator needs, a rejection's message
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        for name in list(logging.root.manager.loggerDict):  # some of GX's modules set their own level
            if name.startswith("great_expectations"):
                logging.getLogger(name).setLevel(logging.WARNING)

        self._gx = gx
        self.forms = forms
        self.docs_dir = Path(docs_dir) if docs_dir else None
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.expectations_dir = Path(expectations_dir)
        self._datasource = self.context.data_sources.add_pandas("submissions")
        self._definitions: dict = {}
        # what the shared suites say each form's columns are checked for: {(form, column): [(frame column, rule)]}
        self._cell_columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._cells_frame_columns: list[str] = []
        for exp in load_suite(self.expectations_dir, CELLS)["expectations"]:
            self._cells_frame_columns.append(exp["kwargs"]["column"])
            for form_code, codes in exp["meta"]["columns"].items():
                for code in codes:
                    self._cell_columns.setdefault((form_code, code), []).append(
                        (exp["kwargs"]["column"], exp["meta"]["rule"])
                    )
        self._header_columns: dict[str, list[str]] = {}
        self._total_columns: dict[str, list[str]] = {}
        for exp in load_suite(self.expectations_dir, FILE_COLUMNS)["expectations"]:
            kept = self._header_columns if exp["meta"]["rule"] == "missing_column" else self._total_columns
            for form_code, codes in exp["meta"]["columns"].items():
                kept.setdefault(form_code, []).extend(codes)

    def _prepare(self, code: str) -> None:
        """The suite ``expectations/<code>.json`` and its validation definition, built when first run:
        a task that validates one form does not pay for the others."""
        if code in self._definitions:
            return
        gx = self._gx
        from great_expectations.expectations.registry import get_expectation_impl

        spec = load_suite(self.expectations_dir, code)
        expectations = [
            get_expectation_impl(e["type"])(
                **e["kwargs"], meta=e["meta"], notes=f"{e['meta']['vi']} / {e['meta']['en']}"
            )
            for e in spec["expectations"]
        ]
        suite = self.context.suites.add(gx.ExpectationSuite(name=spec["name"], expectations=expectations))
        batch_definition = self._datasource.add_dataframe_asset(code).add_batch_definition_whole_dataframe(code)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=code, data=batch_definition, suite=suite)
        )
        self._definitions[code] = definition

    # ------------------------------------------------------------ the frames GX sees

    def frames(self, items: list[tuple[str, ReadResult]]) -> dict:
        """Every suite's frame over these files, their rows tagged with the file's index in ``items``:
        each form's rows (one frame a form), and, for all forms together, their figure cells (one row
        a cell), their files (one row a file) and their columns (one row per file and column)."""
        import pandas as pd

        from .reading import typed_frame

        by_form: dict[str, list[tuple[int, ReadResult, list[dict]]]] = {}
        for index, (form_code, read) in enumerate(items):
            if read.records is not None:
                by_form.setdefault(form_code, []).append((index, read, read.records))
        frames: dict = {}
        cells: list = []
        files: list[dict] = []
        columns: list[dict] = []
        for form_code, readable in by_form.items():
            form = self.forms[form_code]
            records: list[dict] = []
            tags: list[int] = []
            for index, read, rows_read in readable:
                records += rows_read
                tags += [index] * len(rows_read)
                files.append({FILE_INDEX: index, DATA_ROWS: len(rows_read)})
                columns += self._file_columns(form, index, read)
            rows = add_derived_columns(typed_frame(records, form, {FILE_INDEX: tags}), form)
            if len(rows):
                frames[form_code] = rows
                cells += self._cells(form, rows)
        frames[FILES] = pd.DataFrame(files, columns=[FILE_INDEX, DATA_ROWS])
        frames[FILE_COLUMNS] = pd.DataFrame(columns, columns=[FILE_INDEX, COLUMN, PRESENT, STATED, ADDED]).astype(
            {PRESENT: float, STATED: float, ADDED: float}
        )
        if cells:
            frames[CELLS] = pd.concat(cells, ignore_index=True).reindex(
                columns=[FILE_INDEX, ROW, COLUMN, VALUE, *self._cells_frame_columns]
            )
        return frames

    def _cells(self, form: Form, rows) -> list:
        """One block per figure column of the form: its cells, each under the cells suite's columns
        that check it (``filled``, ``range__…``, ``decimals__…``), blank under the others."""
        import pandas as pd

        blocks = []
        for col in form.figures:
            checked_by = self._cell_columns.get((form.code, col.code))
            if not checked_by:
                continue
            block = {FILE_INDEX: rows[FILE_INDEX].to_numpy(), ROW: rows[ROW].to_numpy(), COLUMN: col.code}
            block[VALUE] = rows[col.code].to_numpy()
            for column, rule in checked_by:
                if rule == "required":  # 1 filled, 0 empty
                    block[column] = rows[col.code].notna().to_numpy(dtype="float64")
                elif rule == "decimals":  # the cell's decimal places, as the reader counted them
                    block[column] = rows[f"{col.code}__dp"].to_numpy()
                else:  # the figure itself
                    block[column] = rows[col.code].to_numpy()
            blocks.append(pd.DataFrame(block))
        return blocks

    def _file_columns(self, form: Form, index: int, read: ReadResult) -> list[dict]:
        """The file's required header columns (present or not) and its total row's figures beside the
        sums of the rows above (rounded alike), one row per column."""
        nan = float("nan")
        out: dict[str, dict] = {}
        for code in self._header_columns.get(form.code, []):
            out[code] = {FILE_INDEX: index, COLUMN: code, PRESENT: float(code in read.columns), STATED: nan, ADDED: nan}
        for code in self._total_columns.get(form.code, []):
            stated = read.stated_totals.get(code)
            if stated is None:
                continue
            added = sum(r[code] for r in read.records or [] if r.get(code) is not None)
            row = out.setdefault(code, {FILE_INDEX: index, COLUMN: code, PRESENT: nan})
            row[STATED], row[ADDED] = round(stated, 3), round(float(added), 3)
        return list(out.values())

    # ------------------------------------------------------------ running the suites

    INDEX_COLUMNS = {FILES: [FILE_INDEX], FILE_COLUMNS: [FILE_INDEX, COLUMN], CELLS: [FILE_INDEX, ROW, COLUMN, VALUE]}

    def _run(self, code: str, frame):
        """A pass/fail run first (half the cost); the failing rows are only looked for when something
        failed. The batch validates the suite itself: the results are read here, not stored."""
        self._prepare(code)
        definition = self._definitions[code]
        batch = definition.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(definition.suite, result_format={"result_format": "BOOLEAN_ONLY"})
        if not result.success:
            index_columns = self.INDEX_COLUMNS.get(code, [FILE_INDEX, ROW])
            result = batch.validate(
                definition.suite,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
            )
        return result

    def validate(self, form_code: str, reads: list[ReadResult]) -> list[FileValidation]:
        """Validate files of one form (see :meth:`validate_many`)."""
        return self.validate_many([(form_code, read) for read in reads])

    def validate_many(self, items: list[tuple[str, ReadResult]]) -> list[FileValidation]:
        """Validate files of any forms, given as (form, read): one GX run over their files, one over
        their columns, one over their figure cells, and one per form over its rows, whatever the
        number of files; the reading problems come first."""
        out = [FileValidation(list(read.problems)) for _, read in items]
        found: dict[int, list[Problem]] = {}
        seen: set[tuple] = set()
        # what each file's page shows: per suite, how many expectations ran and which failed, with cells
        suites_of: dict[int, dict[str, dict]] = {}

        def add(index: int, problem: Problem) -> bool:
            read = items[index][1]
            key = (index, problem.row, problem.column, problem.rule)
            if key in seen or (problem.row, problem.column) in read.reported:
                return False
            if problem.rule != "missing_column" and problem.column and problem.column not in read.columns:
                return False  # the file lacks the column: one problem says so, not one per row
            seen.add(key)
            found.setdefault(index, []).append(problem)
            return True

        for code, frame in self.frames(items).items():
            if not len(frame):
                continue
            result = self._run(code, frame)
            for index in {int(i) for i in frame[FILE_INDEX]}:
                suites_of.setdefault(index, {})[code] = {"evaluated": len(result.results), "failed": {}}
            for item in result.results:
                if not item.success:
                    config = item.expectation_config
                    for index, problem in self._problems_of(code, item, items, frame):
                        if add(index, problem):
                            failed = suites_of[index][code]["failed"]
                            failed.setdefault((config.type, problem.rule, problem.message_vi), []).append(problem)
        for index, problems in found.items():  # the whole file first, then row by row
            out[index].problems += sorted(problems, key=lambda p: -1 if p.row is None else p.row)
        if self.docs_dir:  # every rejected file gets its own page, kept for as long as its rejection is listed
            for index, item in enumerate(items):
                if out[index].problems:
                    out[index].docs = self._write_page(item, suites_of.get(index, {}), out[index].problems)
        return out

    def _problems_of(self, code: str, item, items: list[tuple[str, ReadResult]], frame):
        """The problems a failed expectation names, each with its file's index in ``items``."""
        config = item.expectation_config
        kwargs, meta = config.kwargs, config.meta or {}
        rule = meta.get("rule", config.type)
        vi, en = meta.get("vi", ""), meta.get("en", "")
        in_frame = sorted({int(i) for i in frame[FILE_INDEX]})
        if item.exception_info and item.exception_info.get("raised_exception"):
            for index in in_frame:
                message = item.exception_info.get("exception_message")
                column = kwargs.get("column")
                yield (
                    index,
                    Problem(
                        items[index][1].file,
                        None,
                        column,
                        None,
                        rule,
                        f"lỗi khi kiểm tra: {vi}",
                        f"the check could not run: {message}",
                    ),
                )
            return
        entries = item.result.get("unexpected_index_list") or []
        if code in (CELLS, FILE_COLUMNS, FILES):
            for entry in entries:
                index = int(entry[FILE_INDEX])
                yield index, self._shared_problem(code, rule, kwargs, vi, en, entry, items[index])
            return
        form = self.forms[code]
        if "column_B" in kwargs:
            column = kwargs["column_B"]
        elif "column_list" in kwargs:
            column = form.grain[-1]
        else:
            column = kwargs.get("column")
        if not entries:  # table-level failure (a column is missing)
            for index in in_frame:
                yield index, Problem(items[index][1].file, None, column, None, rule, vi, en)
            return
        for entry in entries:
            index, row = int(entry[FILE_INDEX]), int(entry[ROW])
            read = items[index][1]
            yield (
                index,
                Problem(read.file, row, column, _as_written(read, row, column, entry.get(column)), rule, vi, en),
            )

    def _shared_problem(self, code: str, rule: str, kwargs, vi: str, en: str, entry, item) -> Problem:
        """A problem of the shared suites: a figure cell, a column of the file, or the whole file."""
        form_code, read = item
        if code == CELLS:
            row, column = int(entry[ROW]), entry[COLUMN]
            return Problem(read.file, row, column, _as_written(read, row, column, entry.get(VALUE)), rule, vi, en)
        if rule == "missing_column":
            column = entry[COLUMN]
            label = self.forms[form_code].column(column).label
            return Problem(
                read.file,
                read.header_row,
                column,
                None,
                rule,
                vi.format(column=column, label=label),
                en.format(column=column, label=label),
            )
        if rule == "total_mismatch":
            column = entry[COLUMN]
            stated, added = as_written(entry.get(STATED)), as_written(entry.get(ADDED))
            return Problem(
                read.file,
                read.total_row,
                column,
                read.stated_raw.get(column),
                rule,
                f"dòng tổng cộng ghi {stated} nhưng tổng các dòng phía trên là {added}",
                f"the total row says {stated} but the rows above add up to {added}",
            )
        value = len(read.records or []) if rule == "too_many_rows" else None
        return Problem(read.file, None, None, value, rule, vi, en)

    def _write_page(self, item: tuple[str, ReadResult], suites: dict[str, dict], problems: list[Problem]) -> Path:
        """A rejected file's validation page, from GX's results for that file: each suite it ran through,
        its failed expectations and their cells (rows as in the file, columns by their header), and what
        reading found. Rendered by Jinja with autoescaping (a cell is text, never markup) into a page of
        its own that is never rewritten: ``<docs>/<YYYY-MM-DD>/<time>-<id>-<file>.html``."""
        import uuid
        from datetime import datetime
        from zoneinfo import ZoneInfo

        import jinja2

        from .periods import LOCAL_TZ

        assert self.docs_dir is not None  # only called when pages are kept
        form_code, read = item
        form = self.forms[form_code]
        labels = {c.code: c.label for c in form.columns}

        def cell(problem: Problem) -> dict:
            column = problem.column or ""
            return {
                "row": problem.row,
                "column_label": f"{labels[column]} ({column})" if column in labels else column or "—",
                "value": "" if problem.value is None else str(problem.value),
                "message_vi": problem.message_vi,
                "message_en": problem.message_en,
                "rule": problem.rule,
            }

        from_gx = {id(p) for suite in suites.values() for cells in suite["failed"].values() for p in cells}
        shown = [
            {
                "name": code,
                "evaluated": suite["evaluated"],
                "failed": len(suite["failed"]),
                "expectations": [
                    {
                        "type": gx_type,
                        "rule": rule,
                        "vi": vi,
                        "en": cells[0].message_en,
                        "cells": [cell(p) for p in cells],
                    }
                    for (gx_type, rule, vi), cells in suite["failed"].items()
                ],
            }
            for code, suite in suites.items()
        ]
        now = datetime.now(ZoneInfo(LOCAL_TZ))
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PAGE_TEMPLATE.parent)), autoescape=True)
        html = env.get_template(PAGE_TEMPLATE.name).render(
            file=read.file,
            form=form_code,
            form_label=form.label,
            checked_at=now.strftime("%d/%m/%Y %H:%M:%S"),
            problems=problems,
            reading=[cell(p) for p in problems if id(p) not in from_gx],
            suites=shown,
            gx_version=getattr(self._gx, "__version__", ""),
        )
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in read.file)[-100:]
        folder = self.docs_dir / now.strftime("%Y-%m-%d")
        folder.mkdir(parents=True, exist_ok=True)
        page = folder / f"{now.strftime('%H%M%S')}-{uuid.uuid4().hex[:8]}-{safe}.html"
        page.write_text(html, encoding="utf-8")
        return page
