"""Great Expectations over submission frames.

Two suites per form, kept as reviewable JSON in ``expectations/`` and derived
from the form registry (``python -m giamngheo suites`` rewrites them; a test
fails when they drift), each expectation with its message to the clerk in
Vietnamese and English in ``meta``; every expectation can fail
(``tests/test_expectations.py`` mutates good data to make each one fire):

- ``<form>.json``, the **rows**: one frame for all rows of a batch of files
  (ranges, whole numbers, subset ≤ total, "0 when …", "only for …", known codes,
  duplicates…);
- ``<form>_file.json``, the **files**: one row per file, with what the reader
  saw of it: which required columns its header has, how many data rows it
  holds (at least one, at most ``MAX_DATA_ROWS``), and its total row's figures
  beside the sums of the rows above.

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
:meth:`Validator.validate` then checks any number of files of a form in one
GX run (pass/fail only, the cheap result format) and, only when something
failed, a second run that maps each failing row back to its file, row, column
and value.
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

log = logging.getLogger(__name__)

FILE_INDEX = "_file"
ROW = "_row"
# columns of the file-level frame (one row per file)
DATA_ROWS = "_data_rows"
TOTAL_ROW = "_total_row"


def has_column(code: str) -> str:
    return f"_has__{code}"


def total_column(code: str) -> str:
    return f"_total__{code}"


def sum_column(code: str) -> str:
    return f"_sum__{code}"


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
    r = col.rules
    out: list[dict] = []
    if not col.optional:
        out.append(
            _exp(
                "expect_column_values_to_not_be_null",
                "required",
                "ô trống: cột này phải có số liệu",
                "empty cell: this column needs a figure",
                column=col.code,
            )
        )
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
    low, strict = (r["gt"], True) if "gt" in r else (r.get("min"), False)
    high = r.get("max")
    if low is not None or high is not None:
        if strict:
            vi, en = f"phải lớn hơn {low}", f"must be greater than {low}"
        elif high is None:
            vi, en = f"không được nhỏ hơn {low} (số âm)", f"must not be below {low}"
        else:
            vi, en = f"phải nằm trong khoảng {low}–{high}", f"must be between {low} and {high}"
        out.append(
            _exp(
                "expect_column_values_to_be_between",
                "range",
                vi,
                en,
                column=col.code,
                min_value=low,
                max_value=high,
                strict_min=strict,
            )
        )
    places = col.max_decimals
    out.append(
        _exp(
            "expect_column_values_to_be_between",
            "decimals",
            "phải là số nguyên" if places == 0 else f"tối đa {places} chữ số thập phân",
            "must be a whole number" if places == 0 else f"at most {places} decimal places",
            column=f"{col.code}__dp",
            min_value=0,
            max_value=places,
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


def file_suite_for(form: Form) -> dict:
    """The file-level suite of ``form``: one row per file (see :meth:`Validator._file_frame`)."""
    exps: list[dict] = []
    for col in header_columns(form):
        exps.append(
            _exp(
                "expect_column_values_to_be_in_set",
                "missing_column",
                f"thiếu cột '{col.code}' ({col.label})",
                f"column '{col.code}' ({col.label}) is missing",
                column=has_column(col.code),
                value_set=[1],
            )
        )
    exps.append(
        _exp(
            "expect_column_values_to_be_between",
            "no_data_rows",
            "tệp chỉ có tiêu đề, không có dòng dữ liệu",
            "the file has a header but no data rows",
            column=DATA_ROWS,
            min_value=1,
        )
    )
    exps.append(
        _exp(
            "expect_column_values_to_be_between",
            "too_many_rows",
            f"tệp có hơn {MAX_DATA_ROWS} dòng dữ liệu",
            f"the file has more than {MAX_DATA_ROWS} data rows",
            column=DATA_ROWS,
            max_value=MAX_DATA_ROWS,
        )
    )
    for col in form.figures:
        exps.append(
            _exp(
                "expect_column_pair_values_to_be_equal",
                "total_mismatch",
                "dòng tổng cộng không bằng tổng các dòng phía trên",
                "the total row does not equal the sum of the rows above",
                column_A=total_column(col.code),
                column_B=sum_column(col.code),
                ignore_row_if="either_value_is_missing",
            )
        )
    return {"name": f"{form.code}_file", "form": form.code, "expectations": exps}


def write_suites(forms: dict[str, Form], categories: list[Category], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for form in forms.values():
        for name, suite in ((form.code, suite_for(form, categories)), (f"{form.code}_file", file_suite_for(form))):
            path = directory / f"{name}.json"
            path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append(path)
    return written


def load_suite(directory: Path, name: str) -> dict:
    return json.loads((Path(directory) / f"{name}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- running GX


def add_derived_columns(frame, form: Form):
    """Columns some expectations compare against (``a - b`` limits)."""
    for col in form.figures:
        if "le_difference" in col.rules:
            a, b = col.rules["le_difference"]
            frame[limit_column(col.code)] = frame[a] - frame[b]
    return frame


@dataclass
class FileValidation:
    problems: list[Problem]
    docs: Path | None = None  # GX Data Docs page of a rejected file


class Validator:
    """A GX context; each form's suites and validation definitions are built when it is first validated."""

    def __init__(self, expectations_dir: Path, forms: dict[str, Form], docs_dir: Path | None = None):
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
        if self.docs_dir:
            self.context.add_data_docs_site(
                site_name="submissions",
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(self.docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        self.expectations_dir = Path(expectations_dir)
        self._datasource = self.context.data_sources.add_pandas("submissions")
        self._definitions: dict = {}
        self._checkpoints: dict = {}

    def _prepare(self, form_code: str) -> None:
        """A form's two suites (its rows, its files) and their validation definitions, built when the
        form is first validated: a task that validates one form does not pay for the others."""
        if form_code in self._definitions:
            return
        gx = self._gx
        from great_expectations.expectations.registry import get_expectation_impl

        for code in (f"{form_code}_file", form_code):
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
            if self.docs_dir and code == form_code:
                self._checkpoints[code] = self.context.checkpoints.add(
                    gx.Checkpoint(
                        name=f"{code}_docs",
                        validation_definitions=[definition],
                        actions=[gx.checkpoint.UpdateDataDocsAction(name="docs", site_names=["submissions"])],
                        result_format={"result_format": "COMPLETE"},
                    )
                )
            self._definitions[code] = definition

    def _batch(self, form: Form, reads: list[ReadResult]):
        """One frame for all files' records, each row tagged with its file's index."""
        from .reading import typed_frame

        records, files = [], []
        for index, read in enumerate(reads):
            if read.records is not None:
                records += read.records
                files += [index] * len(read.records)
        return add_derived_columns(typed_frame(records, form, {FILE_INDEX: files}), form)

    def _file_frame(self, form: Form, reads: list[ReadResult]):
        """One row per readable file: the header's required columns (1 present, 0 missing), the number
        of data rows, and the total row's figures beside the sums of the rows above (rounded alike)."""
        import pandas as pd

        rows = []
        for index, read in enumerate(reads):
            if read.records is None:
                continue
            row: dict = {FILE_INDEX: index, ROW: read.header_row or 0, TOTAL_ROW: read.total_row or 0}
            row[DATA_ROWS] = len(read.records)
            for col in header_columns(form):
                row[has_column(col.code)] = int(col.code in read.columns)
            for col in form.figures:
                stated = read.stated_totals.get(col.code)
                added = sum(r[col.code] for r in read.records if r.get(col.code) is not None)
                row[total_column(col.code)] = float("nan") if stated is None else round(stated, 3)
                row[sum_column(col.code)] = float("nan") if stated is None else round(float(added), 3)
            rows.append(row)
        return pd.DataFrame(rows)

    def _run(self, name: str, frame, index_columns: list[str]):
        """A pass/fail run first (half the cost); the failing rows are only looked for when something failed."""
        definition = self._definitions[name]
        result = definition.run(batch_parameters={"dataframe": frame}, result_format={"result_format": "BOOLEAN_ONLY"})
        if not result.success:
            result = definition.run(
                batch_parameters={"dataframe": frame},
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
            )
        return result

    def validate(self, form_code: str, reads: list[ReadResult]) -> list[FileValidation]:
        """Validate files of one form: one GX run over their rows, one over the files themselves;
        the reading problems come first."""
        form = self.forms[form_code]
        self._prepare(form_code)
        out = [FileValidation(list(read.problems)) for read in reads]
        readable = [read for read in reads if read.records is not None]
        if not readable:
            return out
        seen: set[tuple] = set()

        def add(index: int, problem: Problem) -> None:
            read = reads[index]
            key = (index, problem.row, problem.column, problem.rule)
            if key in seen or (problem.row, problem.column) in read.reported:
                return
            if problem.rule != "missing_column" and problem.column and problem.column not in read.columns:
                return  # the file lacks the column: one problem says so, not one per row
            seen.add(key)
            out[index].problems.append(problem)

        files = self._run(f"{form_code}_file", self._file_frame(form, reads), [FILE_INDEX])
        for item in files.results:
            if not item.success:
                for index, problem in self._file_problems_of(item, reads):
                    add(index, problem)
        batch = self._batch(form, reads)
        if len(batch):
            rows = self._run(form_code, batch, [FILE_INDEX, ROW])
            for item in rows.results:
                if not item.success:
                    for index, problem in self._problems_of(item, form, reads):
                        add(index, problem)
        if self.docs_dir:
            for index, read in enumerate(reads):
                if out[index].problems and read.records is not None:
                    out[index].docs = self._build_docs(form, read)
        return out

    def _problems_of(self, item, form: Form, reads: list[ReadResult]):
        config = item.expectation_config
        kwargs, meta = config.kwargs, config.meta or {}
        rule = meta.get("rule", config.type)
        if item.exception_info and item.exception_info.get("raised_exception"):
            for index, read in enumerate(reads):
                if read.records is not None:
                    yield (
                        index,
                        Problem(
                            read.file,
                            None,
                            kwargs.get("column"),
                            None,
                            rule,
                            f"lỗi khi kiểm tra: {meta.get('vi', '')}",
                            f"the check could not run: {item.exception_info.get('exception_message')}",
                        ),
                    )
            return
        if "column_B" in kwargs:
            column = kwargs["column_B"]
        elif "column_list" in kwargs:
            column = form.grain[-1]
        else:
            column = kwargs.get("column")
        column = column.removesuffix("__dp") if column else column
        entries = item.result.get("unexpected_index_list") or []
        if not entries:  # table-level failure (a column is missing)
            for index, read in enumerate(reads):
                if read.records is not None:
                    yield index, Problem(read.file, None, column, None, rule, meta.get("vi", ""), meta.get("en", ""))
            return
        for entry in entries:
            index, row = int(entry[FILE_INDEX]), int(entry[ROW])
            read = reads[index]
            value = read.raw.get((row, column), entry.get(column))
            if isinstance(value, float) and value != value:  # NaN: the cell was empty
                value = None
            yield index, Problem(read.file, row, column, value, rule, meta.get("vi", ""), meta.get("en", ""))

    def _file_problems_of(self, item, reads: list[ReadResult]):
        """Problems of the file-level suite: the whole file, its header, or its total row."""
        config = item.expectation_config
        kwargs, meta = config.kwargs, config.meta or {}
        rule = meta.get("rule", config.type)
        vi, en = meta.get("vi", ""), meta.get("en", "")
        for entry in item.result.get("unexpected_index_list") or []:
            index = int(entry[FILE_INDEX])
            read = reads[index]
            if rule == "missing_column":
                yield (
                    index,
                    Problem(read.file, read.header_row, kwargs["column"].removeprefix("_has__"), None, rule, vi, en),
                )
            elif rule == "total_mismatch":
                code = kwargs["column_A"].removeprefix("_total__")
                stated, added = as_written(entry.get(kwargs["column_A"])), as_written(entry.get(kwargs["column_B"]))
                yield (
                    index,
                    Problem(
                        read.file,
                        read.total_row,
                        code,
                        read.stated_raw.get(code),
                        rule,
                        f"dòng tổng cộng ghi {stated} nhưng tổng các dòng phía trên là {added}",
                        f"the total row says {stated} but the rows above add up to {added}",
                    ),
                )
            else:
                value = len(read.records or []) if rule == "too_many_rows" else None
                yield index, Problem(read.file, None, None, value, rule, vi, en)

    def _build_docs(self, form: Form, read: ReadResult) -> Path | None:
        from great_expectations.core.run_identifier import RunIdentifier

        run_name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in read.file)[-120:]
        batch = add_derived_columns(read.frame.assign(**{FILE_INDEX: 0}), form)
        try:
            self._checkpoints[form.code].run(
                batch_parameters={"dataframe": batch}, run_id=RunIdentifier(run_name=run_name)
            )
        except Exception:  # docs are a convenience; the rejection itself stands
            log.exception("could not build Data Docs for %s", read.file)
            return None
        assert self.docs_dir is not None  # only called when Data Docs are kept
        pages = sorted((self.docs_dir / "validations").glob(f"*/{run_name}/*/*.html"), key=lambda p: p.stat().st_mtime)
        return pages[-1] if pages else None
