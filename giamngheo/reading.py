"""Reading submissions: a file's grid in, typed records with their source row numbers out.

Handles everything FORMS.md allows: xlsx with title rows above the header,
CSV in UTF-8 (with or without BOM) or Windows-1258, codes or labels in the
header in any case and Unicode form, a row-number column, a closing total row,
numbers as text in Vietnamese notation with unit suffixes, and commune name
variants. What cannot be read becomes a :class:`Problem`, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .forms import Form, header_key
from .numbers import NumberProblem, decimal_places, parse_number
from .problems import Problem
from .reference import Category, UnitNameError, UnitResolver, is_total_label, loose_key
from .sheets import FileProblem, raw_rows

HEADER_SEARCH_ROWS = 30
MAX_DATA_ROWS = 5000
_IGNORED_HEADERS = {"stt", "tt", "so tt", "so thu tu", "ghi chu"}


@dataclass
class ReadResult:
    file: str
    form: str
    # one dict per data row: ``_row``, the form's column codes, ``<figure>__dp`` (decimal places)
    records: list[dict] | None = None
    problems: list[Problem] = field(default_factory=list)
    raw: dict[tuple[int, str], object] = field(default_factory=dict)  # (row, column) -> cell as written
    reported: set[tuple[int, str]] = field(default_factory=set)  # cells a problem already names
    # what the file suites check (expectations/files.json, file_columns.json): the header's columns,
    # the number of data rows (len(records)), the total row's stated figures
    columns: set[str] = field(default_factory=set)
    header_row: int | None = None
    total_row: int | None = None
    stated_totals: dict[str, float] = field(default_factory=dict)
    stated_raw: dict[str, object] = field(default_factory=dict)  # the total row's cells as written
    positions: dict[str, int] = field(default_factory=dict)  # column code -> its 0-based place in the header
    spec: Form | None = field(default=None, repr=False)
    _frame: object = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_total_row(self) -> bool:
        return self.total_row is not None

    @property
    def frame(self):
        """The rows as a typed pandas frame with a ``_row`` column (built on first use: validation
        builds one frame for a whole batch of files from the records instead)."""
        if self.records is None or self.spec is None:
            return None
        if self._frame is None:
            self._frame = typed_frame(self.records, self.spec)
        return self._frame


def typed_frame(records: list[dict], form: Form, extra: dict[str, list] | None = None):
    """Records of ``form`` as one frame: figures as float64 (NaN when empty), decimal places as
    float64, the other columns as read; ``extra`` adds columns (the validator's file index)."""
    import numpy as np
    import pandas as pd

    columns: dict[str, object] = {"_row": [r["_row"] for r in records]}
    for col in form.columns:
        if col.is_figure:
            for code in (col.code, f"{col.code}__dp"):
                columns[code] = np.array([np.nan if r.get(code) is None else r[code] for r in records], dtype="float64")
        else:
            columns[col.code] = [r.get(col.code) for r in records]
    columns.update(extra or {})
    return pd.DataFrame(columns)


def _header_lookup(form: Form) -> dict[str, str]:
    lookup = {}
    for col in form.columns:
        lookup[header_key(col.code)] = col.code
        lookup[header_key(col.label)] = col.code
    return lookup


def _match_header(cells: list, lookup: dict[str, str]) -> dict[int, str]:
    return {i: lookup[header_key(c)] for i, c in enumerate(cells) if c is not None and header_key(c) in lookup}


def find_header(rows: list[tuple[int, list]], form: Form) -> int | None:
    """Index in ``rows`` of the first row whose cells name the unit column and another column."""
    lookup = _header_lookup(form)
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        matched = set(_match_header(cells, lookup).values())
        if "xa" in matched and len(matched) >= 2:
            return index
    return None


def _category_lookup(categories: list[Category]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for cat in categories:
        table = out.setdefault(cat.dimension, {})
        table[loose_key(cat.code)] = cat.code
        table[loose_key(cat.label)] = cat.code
    return out


def _split_table(body: list[tuple[int, list]]):
    """Split the rows below the header into table rows, the total row, and the footer.

    The table ends at its total row (``Tổng cộng`` …) or at the first blank row
    after data; what stands below (signatures, notes) is the footer.
    """
    table: list[tuple[int, list]] = []
    for position, (row_no, cells) in enumerate(body):
        blank = all(c is None for c in cells)
        if blank:
            if table:
                return table, None, body[position + 1 :]
            continue
        if any(is_total_label(c) for c in cells if isinstance(c, str)):
            return table, (row_no, cells), body[position + 1 :]
        table.append((row_no, cells))
    return table, None, []


def as_written(value: object) -> object:
    """A number as the clerk wrote it: 200, not 200.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_submission(
    path: Path,
    form: Form,
    resolver: UnitResolver,
    categories: list[Category],
    display_name: str | None = None,
    all_forms: dict[str, Form] | None = None,
) -> ReadResult:
    """Read one file of ``form`` into typed records, or say precisely why not."""
    name = display_name or Path(path).name
    result = ReadResult(file=name, form=form.code, spec=form)

    def problem(row, column, value, rule, vi, en):
        result.problems.append(Problem(name, row, column, as_written(value), rule, vi, en))

    try:
        rows = raw_rows(path)
    except FileProblem as err:
        problem(None, None, None, err.rule, err.message_vi, err.message_en)
        return result
    if not any(any(c is not None for c in cells) for _, cells in rows):
        problem(None, None, None, "empty_file", "tệp rỗng, không có dữ liệu", "the file is empty")
        return result

    header_index = find_header(rows, form)
    if header_index is None:
        hint_vi = hint_en = ""
        for other in (all_forms or {}).values():
            if other.code != form.code and find_header(rows, other) is not None:
                hint_vi = f"; tệp có vẻ là biểu '{other.code}' ({other.label}), đặt nhầm thư mục?"
                hint_en = f"; the file looks like form '{other.code}' — put in the wrong folder?"
                break
        expected = "; ".join(f"'{c.label}'" for c in form.columns if not c.optional)
        widest_no, widest = max(rows, key=lambda r: sum(1 for c in r[1] if c not in (None, "")))
        found = " | ".join(str(c).strip() for c in widest if c not in (None, ""))[:300]
        problem(
            widest_no,
            None,
            found,
            "header_not_found",
            f"không tìm thấy dòng tiêu đề của biểu {form.label} (cần các cột {expected}); dòng {widest_no} "
            f"của tệp ghi: {found}{hint_vi}",
            f"no header row of the form {form.label} found (expected the columns {expected}); row "
            f"{widest_no} of the file reads: {found}{hint_en}",
        )
        return result

    header_row_no, header_cells = rows[header_index]
    lookup = _header_lookup(form)
    table, total, footer = _split_table(rows[header_index + 1 :])
    positions: dict[str, int] = {}
    valid_columns = ", ".join(c.code for c in form.columns)
    for index, cell in enumerate(header_cells):
        if cell is None:
            if any(index < len(cells) and cells[index] is not None for _, cells in table):
                problem(
                    header_row_no,
                    None,
                    None,
                    "unknown_column",
                    f"cột thứ {index + 1} có dữ liệu nhưng không có tiêu đề",
                    f"column {index + 1} holds data but has no header",
                )
            continue
        code = lookup.get(header_key(cell))
        if code is None:
            if loose_key(cell) in _IGNORED_HEADERS:
                continue
            problem(
                header_row_no,
                None,
                cell,
                "unknown_column",
                f"cột '{cell}' không thuộc biểu '{form.code}'; các cột hợp lệ: {valid_columns}",
                f"column '{cell}' is not part of form '{form.code}'; valid columns: {valid_columns}",
            )
        elif code in positions:
            problem(
                header_row_no,
                code,
                cell,
                "duplicate_column",
                f"cột '{code}' xuất hiện hai lần",
                f"column '{code}' appears twice",
            )
        else:
            positions[code] = index
    result.columns, result.header_row = set(positions), header_row_no  # a missing column: the file-columns suite
    result.positions = positions
    if "xa" in positions:
        for row_no, cells in footer:
            cell = cells[positions["xa"]] if positions["xa"] < len(cells) else None
            try:
                resolver.resolve(cell, suggest=False)
            except UnitNameError:
                continue
            problem(
                row_no,
                "xa",
                cell,
                "row_after_table_end",
                "dòng dữ liệu nằm sau dòng trống hoặc dòng tổng cộng; hãy xóa dòng trống trong bảng",
                "a data row stands below a blank row or the total row; remove blank rows inside the table",
            )
    if result.problems:
        return result

    category_lookup = _category_lookup(categories)
    records: list[dict] = []
    for row_no, cells in table:
        values = {code: (cells[i] if i < len(cells) else None) for code, i in positions.items()}
        record: dict = {"_row": row_no}
        for col in form.columns:
            cell = values.get(col.code)
            if cell is not None:
                result.raw[(row_no, col.code)] = as_written(cell)
            if col.type == "unit":
                try:
                    record[col.code] = resolver.resolve(cell)
                except UnitNameError as err:
                    record[col.code] = None
                    problem(row_no, col.code, cell, "unknown_unit", err.reason_vi, err.reason_en)
                    result.reported.add((row_no, col.code))
            elif col.type == "category":
                codes = category_lookup.get(col.dimension or "", {})
                record[col.code] = None if cell is None else codes.get(loose_key(cell), str(cell))
            elif col.type == "text":
                record[col.code] = None if cell is None else str(as_written(cell))
            else:
                record[col.code], record[f"{col.code}__dp"] = None, None
                if cell is None:
                    continue
                try:
                    number = parse_number(cell, col.type)
                except NumberProblem as err:
                    problem(row_no, col.code, cell, err.rule, err.reason_vi, err.reason_en)
                    result.reported.add((row_no, col.code))
                    continue
                record[col.code] = float(number)
                record[f"{col.code}__dp"] = decimal_places(number)
        records.append(record)

    result.records = records  # none, or more than MAX_DATA_ROWS: the files suite says so

    if total is not None:
        total_row, total_cells = total
        result.total_row = total_row
        total_values = {code: (total_cells[i] if i < len(total_cells) else None) for code, i in positions.items()}
        for col in form.figures:
            cell = total_values.get(col.code)
            if cell is None:
                continue
            try:
                stated = float(parse_number(cell, col.type))
            except NumberProblem as err:
                problem(
                    total_row,
                    col.code,
                    cell,
                    err.rule,
                    "dòng tổng cộng: " + err.reason_vi,
                    "total row: " + err.reason_en,
                )
                continue
            result.stated_totals[col.code] = stated  # against the sum of the rows: the file-columns suite
            result.stated_raw[col.code] = as_written(cell)
    return result
