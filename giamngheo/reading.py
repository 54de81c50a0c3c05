"""Reading submissions: a file in, a typed frame with its source row numbers out.

Handles everything FORMS.md allows: xlsx with title rows above the header,
CSV in UTF-8 (with or without BOM) or Windows-1258, codes or labels in the
header in any case and Unicode form, a row-number column, a closing total row,
numbers as text in Vietnamese notation with unit suffixes, and commune name
variants. What cannot be read becomes a :class:`Problem`, never a guess.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .forms import Form, header_key
from .numbers import NumberProblem, decimal_places, parse_number
from .periods import Period, PeriodError
from .problems import Problem
from .reference import Category, UnitNameError, UnitResolver, is_total_label, loose_key

SUFFIXES = (".xlsx", ".csv")
HEADER_SEARCH_ROWS = 30
MAX_DATA_ROWS = 5000
_IGNORED_HEADERS = {"stt", "tt", "so tt", "so thu tu", "ghi chu"}


# ---------------------------------------------------------------- the inbox


@dataclass(frozen=True)
class InboxFile:
    """One file found in ``inbox/<period>/<form>/``."""

    path: Path
    period: str
    form: str
    name: str
    arrival: float  # modification time in the inbox (epoch seconds)
    size: int

    @property
    def label(self) -> str:
        """How the file is named to people: ``2022-H1/health/ttyt.xlsx``."""
        return f"{self.period}/{self.form}/{self.name}"

    def to_dict(self) -> dict:
        return {"path": str(self.path), "period": self.period, "form": self.form, "name": self.name,
                "arrival": self.arrival, "size": self.size, "label": self.label}

    def refreshed(self) -> "InboxFile":
        """The same path as it is now (a re-sent file has a new time and size)."""
        stat = self.path.stat()
        return InboxFile(self.path, self.period, self.form, self.name, stat.st_mtime, stat.st_size)

    @classmethod
    def from_dict(cls, data: dict) -> "InboxFile":
        return cls(Path(data["path"]), data["period"], data["form"], data["name"],
                   float(data["arrival"]), int(data["size"]))


def is_submission_name(name: str) -> bool:
    """Excel lock files (``~$…``) and hidden files are not submissions."""
    return not name.startswith(("~$", ".")) and name.lower().endswith(SUFFIXES)


def discover(inbox_dir: Path, period: Period | str, forms: dict[str, Form]) -> list[InboxFile]:
    """The period's submission files, oldest arrival first (then by name)."""
    period = str(Period.parse(str(period)))
    root = Path(inbox_dir) / period
    found: list[InboxFile] = []
    for form in sorted(forms):
        folder = root / form
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if not path.is_file() or path.is_symlink() or not is_submission_name(path.name):
                continue
            stat = path.stat()
            found.append(InboxFile(path, period, form, path.name, stat.st_mtime, stat.st_size))
    return sorted(found, key=lambda f: (f.arrival, f.name, f.form))


def stray_entries(inbox_dir: Path, period: Period | str, forms: dict[str, Form]) -> list[str]:
    """Folders of the period's inbox that name no form, and files lying outside any form folder
    (a misspelt ``helth/`` must not swallow a unit's file without a word)."""
    root = Path(inbox_dir) / str(Period.parse(str(period)))
    if not root.is_dir():
        return []
    stray = []
    for child in sorted(root.iterdir()):
        if child.name.startswith((".", "~$")) or child.name in forms:
            continue
        if child.is_dir() or child.name.lower().endswith(SUFFIXES):
            stray.append(f"{root.name}/{child.name}")
    return stray


def periods_in(inbox_dir: Path) -> list[str]:
    out = []
    for child in sorted(Path(inbox_dir).glob("*")):
        try:
            out.append(str(Period.parse(child.name)))
        except PeriodError:
            continue
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- raw grids


class FileProblem(Exception):
    def __init__(self, rule: str, message_vi: str, message_en: str):
        super().__init__(message_en)
        self.rule, self.message_vi, self.message_en = rule, message_vi, message_en


def _clean_cell(value: object) -> object:
    if isinstance(value, str):
        value = " ".join(unicodedata.normalize("NFC", value).replace("\u00a0", " ").split())
        return value or None
    return value


def _xlsx_rows(path: Path) -> list[tuple[int, list]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=False)
    except Exception as err:  # calamine raises its own error types
        raise FileProblem(
            "unreadable_xlsx",
            "không mở được tệp Excel (tệp hỏng, có mật khẩu hoặc không phải .xlsx); hãy lưu lại dạng Excel Workbook (.xlsx)",
            f"cannot open the Excel file (damaged, password-protected or not .xlsx): {type(err).__name__}",
        ) from None
    return [(index + 1, [_clean_cell(c) for c in row]) for index, row in enumerate(grid)]


def decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise FileProblem(
            "csv_encoding",
            "tệp CSV mã hóa UTF-16; hãy lưu dạng 'CSV UTF-8 (Comma delimited)'",
            "the CSV file is UTF-16 encoded; save it as 'CSV UTF-8 (Comma delimited)'",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError:
        raise FileProblem(
            "csv_encoding",
            "không đọc được bảng mã của tệp CSV (chỉ nhận UTF-8 hoặc Windows-1258)",
            "cannot decode the CSV file (UTF-8 or Windows-1258 expected)",
        ) from None


def _csv_rows(path: Path) -> list[tuple[int, list]]:
    text = unicodedata.normalize("NFC", decode_csv(Path(path).read_bytes()))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, [_clean_cell(c) for c in row]))
            start = reader.line_num + 1
    except csv.Error as err:
        raise FileProblem("csv_syntax", f"tệp CSV sai cú pháp: {err}", f"malformed CSV: {err}") from None
    return rows


def raw_rows(path: Path) -> list[tuple[int, list]]:
    """``(source row number, cells)`` of the table's sheet, numbered as the clerk sees them."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    raise FileProblem("file_type", f"loại tệp '{suffix}' không được nhận (chỉ .xlsx, .csv)",
                      f"file type '{suffix}' is not accepted (.xlsx or .csv only)")


# ---------------------------------------------------------------- typed frame


@dataclass
class ReadResult:
    file: str
    form: str
    frame: object | None = None  # pandas.DataFrame with a ``_row`` column
    problems: list[Problem] = field(default_factory=list)
    raw: dict[tuple[int, str], object] = field(default_factory=dict)  # (row, column) -> cell as written
    reported: set[tuple[int, str]] = field(default_factory=set)  # cells a problem already names
    has_total_row: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


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
                return table, None, body[position + 1:]
            continue
        if any(is_total_label(c) for c in cells if isinstance(c, str)):
            return table, (row_no, cells), body[position + 1:]
        table.append((row_no, cells))
    return table, None, []


def _display(value: object) -> object:
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
    """Read one file of ``form`` into a typed frame, or say precisely why not."""
    import pandas as pd

    name = display_name or Path(path).name
    result = ReadResult(file=name, form=form.code)

    def problem(row, column, value, rule, vi, en):
        result.problems.append(Problem(name, row, column, _display(value), rule, vi, en))

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
        problem(None, None, None, "header_not_found",
                f"không tìm thấy dòng tiêu đề của biểu '{form.code}' (cần cột 'xa' và các cột "
                f"{', '.join(c.code for c in form.columns[1:])}){hint_vi}",
                f"no header row of form '{form.code}' found (expected 'xa' and "
                f"{', '.join(c.code for c in form.columns[1:])}){hint_en}")
        return result

    header_row_no, header_cells = rows[header_index]
    lookup = _header_lookup(form)
    table, total, footer = _split_table(rows[header_index + 1:])
    positions: dict[str, int] = {}
    for index, cell in enumerate(header_cells):
        if cell is None:
            if any(index < len(cells) and cells[index] is not None for _, cells in table):
                problem(header_row_no, None, None, "unknown_column",
                        f"cột thứ {index + 1} có dữ liệu nhưng không có tiêu đề",
                        f"column {index + 1} holds data but has no header")
            continue
        code = lookup.get(header_key(cell))
        if code is None:
            if loose_key(cell) in _IGNORED_HEADERS:
                continue
            problem(header_row_no, None, cell, "unknown_column",
                    f"cột '{cell}' không thuộc biểu '{form.code}'; các cột hợp lệ: {', '.join(c.code for c in form.columns)}",
                    f"column '{cell}' is not part of form '{form.code}'; valid columns: {', '.join(c.code for c in form.columns)}")
        elif code in positions:
            problem(header_row_no, code, cell, "duplicate_column",
                    f"cột '{code}' xuất hiện hai lần", f"column '{code}' appears twice")
        else:
            positions[code] = index
    for col in form.columns:
        if col.code not in positions and not col.rules.get("optional"):
            problem(header_row_no, col.code, None, "missing_column",
                    f"thiếu cột '{col.code}' ({col.label})", f"column '{col.code}' ({col.label}) is missing")
    if "xa" in positions:
        for row_no, cells in footer:
            cell = cells[positions["xa"]] if positions["xa"] < len(cells) else None
            try:
                resolver.resolve(cell)
            except UnitNameError:
                continue
            problem(row_no, "xa", cell, "row_after_table_end",
                    "dòng dữ liệu nằm sau dòng trống hoặc dòng tổng cộng; hãy xóa dòng trống trong bảng",
                    "a data row stands below a blank row or the total row; remove blank rows inside the table")
    if result.problems:
        return result

    category_lookup = _category_lookup(categories)
    records: list[dict] = []
    for row_no, cells in table:
        values = {code: (cells[i] if i < len(cells) else None) for code, i in positions.items()}
        if len(records) >= MAX_DATA_ROWS:
            problem(row_no, None, None, "too_many_rows",
                    f"tệp có hơn {MAX_DATA_ROWS} dòng dữ liệu", f"the file has more than {MAX_DATA_ROWS} data rows")
            return result
        record: dict = {"_row": row_no}
        for col in form.columns:
            cell = values.get(col.code)
            if cell is not None:
                result.raw[(row_no, col.code)] = _display(cell)
            if col.type == "unit":
                try:
                    record[col.code] = resolver.resolve(cell)
                except UnitNameError as err:
                    record[col.code] = None
                    problem(row_no, col.code, cell, "unknown_unit", err.reason_vi, err.reason_en)
                    result.reported.add((row_no, col.code))
            elif col.type == "category":
                record[col.code] = None if cell is None else category_lookup.get(col.dimension, {}).get(
                    loose_key(cell), str(cell))
            elif col.type == "text":
                record[col.code] = None if cell is None else str(_display(cell))
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

    if not records:
        problem(None, None, None, "no_data_rows", "tệp chỉ có tiêu đề, không có dòng dữ liệu",
                "the file has a header but no data rows")
        return result

    frame = pd.DataFrame.from_records(records)
    for col in form.columns:
        if col.is_figure:
            frame[col.code] = pd.to_numeric(frame[col.code], errors="coerce").astype("float64")
            frame[f"{col.code}__dp"] = pd.to_numeric(frame[f"{col.code}__dp"], errors="coerce").astype("Int64")
        elif col.code not in frame:
            frame[col.code] = None
    result.frame = frame

    if total is not None:
        result.has_total_row = True
        total_row, total_cells = total
        total_values = {code: (total_cells[i] if i < len(total_cells) else None) for code, i in positions.items()}
        for col in form.figures:
            cell = total_values.get(col.code)
            if cell is None:
                continue
            try:
                stated = float(parse_number(cell, col.type))
            except NumberProblem as err:
                problem(total_row, col.code, cell, err.rule, "dòng tổng cộng: " + err.reason_vi,
                        "total row: " + err.reason_en)
                continue
            computed = float(frame[col.code].sum(skipna=True))
            if abs(stated - computed) > 1e-6 * max(1.0, abs(computed)):
                problem(total_row, col.code, cell, "total_mismatch",
                        f"dòng tổng cộng ghi {_display(stated)} nhưng tổng các dòng phía trên là {_display(computed)}",
                        f"the total row says {_display(stated)} but the rows above add up to {_display(computed)}")
    return result
