"""Great Expectations over submission frames.

One suite per form, kept as reviewable JSON in ``expectations/`` and derived
from the form registry (``python -m giamngheo suites`` rewrites them; a test
fails when they drift). Every rule about the *values* of a file's rows is an
expectation there, with its message to the clerk in Vietnamese and English in
``meta``, and every expectation can fail (``tests/test_expectations.py``
mutates good data to make each one fire).

What stays in Python, in the reader (:mod:`giamngheo.reading`), and why:

- **the header** (required, unknown and repeated columns): GX sees one frame
  for a batch of files, built with every column of the form, so it cannot tell
  that one file of the batch lacked a column; the reader sees each file's header;
- **communes** (known, required): a name is resolved to a code by matching the
  district's communes loosely ("X. Vi Hương", "vi huong") and, when nothing
  matches, the message names the closest ones; a code GX could check afterwards
  comes from that same list, so an expectation on it could never fail;
- **the total row** against the sum of the rows above, **row counts** (no data
  rows, more than ``MAX_DATA_ROWS``), and **number notation and units**: these
  are facts of the file as written (the total row is not a data row; a file
  with no rows is no rows in the frame; ``1.234,5`` must be parsed before GX
  sees a number).

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
from .reading import ReadResult
from .reference import Category

log = logging.getLogger(__name__)

FILE_INDEX = "_file"
ROW = "_row"


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


def write_suites(forms: dict[str, Form], categories: list[Category], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for form in forms.values():
        path = directory / f"{form.code}.json"
        text = json.dumps(suite_for(form, categories), ensure_ascii=False, indent=2) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def load_suite(directory: Path, form_code: str) -> dict:
    return json.loads((Path(directory) / f"{form_code}.json").read_text(encoding="utf-8"))


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
    """A GX context with one suite and validation definition per form, built once."""

    def __init__(self, expectations_dir: Path, forms: dict[str, Form], docs_dir: Path | None = None):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.expectations.registry import get_expectation_impl

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
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
        datasource = self.context.data_sources.add_pandas("submissions")
        self.suites: dict[str, dict] = {}
        self._definitions = {}
        self._checkpoints = {}
        for code in forms:
            spec = load_suite(expectations_dir, code)
            self.suites[code] = spec
            expectations = [
                get_expectation_impl(e["type"])(
                    **e["kwargs"], meta=e["meta"], notes=f"{e['meta']['vi']} / {e['meta']['en']}"
                )
                for e in spec["expectations"]
            ]
            suite = self.context.suites.add(gx.ExpectationSuite(name=spec["name"], expectations=expectations))
            batch_definition = datasource.add_dataframe_asset(code).add_batch_definition_whole_dataframe(code)
            definition = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=code, data=batch_definition, suite=suite)
            )
            self._definitions[code] = definition
            if self.docs_dir:
                self._checkpoints[code] = self.context.checkpoints.add(
                    gx.Checkpoint(
                        name=f"{code}_docs",
                        validation_definitions=[definition],
                        actions=[gx.checkpoint.UpdateDataDocsAction(name="docs", site_names=["submissions"])],
                        result_format={"result_format": "COMPLETE"},
                    )
                )

    def _batch(self, form: Form, reads: list[ReadResult]):
        """One frame for all files' records, each row tagged with its file's index."""
        from .reading import typed_frame

        records, files = [], []
        for index, read in enumerate(reads):
            if read.records is not None:
                records += read.records
                files += [index] * len(read.records)
        return add_derived_columns(typed_frame(records, form, {FILE_INDEX: files}), form)

    def validate(self, form_code: str, reads: list[ReadResult]) -> list[FileValidation]:
        """Validate files of one form in one GX run; the reading problems come first."""
        form = self.forms[form_code]
        out = [FileValidation(list(read.problems)) for read in reads]
        readable = [read for read in reads if read.records is not None]
        if not readable:
            return out
        batch = self._batch(form, reads)
        definition = self._definitions[form_code]
        # a pass/fail run first (half the cost); the failing rows are only looked for when something failed
        result = definition.run(batch_parameters={"dataframe": batch}, result_format={"result_format": "BOOLEAN_ONLY"})
        if not result.success:
            result = definition.run(
                batch_parameters={"dataframe": batch},
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [FILE_INDEX, ROW]},
            )
        seen: set[tuple] = set()
        for item in result.results:
            if item.success:
                continue
            for index, problem in self._problems_of(item, form, reads):
                key = (index, problem.row, problem.column, problem.rule)
                if key in seen or (problem.row, problem.column) in reads[index].reported:
                    continue
                seen.add(key)
                out[index].problems.append(problem)
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
