"""Reading submissions: a file in, typed records with their source row numbers out.

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
from .periods import Period
from .problems import Problem
from .reference import Category, UnitNameError, UnitResolver, is_total_label, loose_key

SUFFIXES = (".xlsx", ".csv")
# spreadsheet formats a clerk may send by mistake: rejected with advice, never silently ignored
REFUSED_SUFFIXES = (".xls", ".xlsm", ".xlsb", ".ods", ".numbers")
HEADER_SEARCH_ROWS = 30
MAX_DATA_ROWS = 5000
# bounds on what an xlsx may unpack to: a zip bomb or a sheet of a million rows is refused or cut short
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XLSX_RATIO = 200  # uncompressed / compressed, over the whole archive
MAX_SCANNED_ROWS = 20000
MAX_BLANK_RUN = 1000  # this many blank rows after the table: the rest of the sheet is not read
_IGNORED_HEADERS = {"stt", "tt", "so tt", "so thu tu", "ghi chu"}


# ---------------------------------------------------------------- the inbox


@dataclass(frozen=True)
class InboxFile:
    """One file found in ``inbox/<period>/<form>/`` (``inbox/<district>/<period>/<form>/`` when keyed)."""

    path: Path
    period: str
    form: str
    name: str
    arrival: float  # modification time in the inbox (epoch seconds)
    size: int
    district: str = ""
    keyed: bool = False  # the inbox holds several districts, one folder each

    @property
    def label(self) -> str:
        """How the file is named to people: ``2022-H1/health/ttyt.xlsx`` (``061/2022-H1/…`` when keyed)."""
        label = f"{self.period}/{self.form}/{self.name}"
        return f"{self.district}/{label}" if self.keyed else label

    def to_dict(self) -> dict:
        return {"path": str(self.path), "period": self.period, "form": self.form, "name": self.name,
                "arrival": self.arrival, "size": self.size, "district": self.district, "keyed": self.keyed,
                "label": self.label}

    def refreshed(self) -> "InboxFile":
        """The same path as it is now (a re-sent file has a new time and size)."""
        stat = self.path.stat()
        return InboxFile(self.path, self.period, self.form, self.name, stat.st_mtime, stat.st_size,
                         self.district, self.keyed)

    @classmethod
    def from_dict(cls, data: dict) -> "InboxFile":
        return cls(Path(data["path"]), data["period"], data["form"], data["name"],
                   float(data["arrival"]), int(data["size"]), data.get("district", ""), bool(data.get("keyed")))


def is_submission_name(name: str) -> bool:
    """Excel lock files (``~$…``) and hidden files are not submissions."""
    return not name.startswith(("~$", ".")) and name.lower().endswith(SUFFIXES + REFUSED_SUFFIXES)


def discover(inbox_dir: Path, period: Period | str, forms: dict[str, Form], settle_seconds: float = 0,
             now: float | None = None, waiting: list[str] | None = None, district: str = "",
             keyed: bool = False) -> list[InboxFile]:
    """The period's submission files, oldest arrival first (then by name).

    A file modified less than ``settle_seconds`` ago may still be being written: it is left
    for a later run (its label goes to ``waiting``). ``inbox_dir`` is one district's inbox."""
    import time

    now = time.time() if now is None else now
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
            if 0 <= now - stat.st_mtime < settle_seconds:  # a future time (clock skew) is not "being written"
                if waiting is not None:
                    waiting.append(f"{district}/{period}/{form}/{path.name}" if keyed else f"{period}/{form}/{path.name}")
                continue
            found.append(InboxFile(path, period, form, path.name, stat.st_mtime, stat.st_size, district, keyed))
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


def double_encoded(text: str) -> bool:
    """UTF-8 that was read as Windows-1252 and saved again ("Vi HÆ°Æ¡ng"): it round-trips back.

    Genuine Vietnamese text holds letters Windows-1252 has not (ư, ơ, ạ…), so it never does."""
    if text.isascii():
        return False
    try:
        return text.encode("cp1252").decode("utf-8") != text
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False


def _check_text(text: str) -> None:
    """Replacement characters or double-encoded UTF-8 mean the file was saved in a wrong encoding."""
    if "\ufffd" in text or double_encoded(text):
        raise FileProblem("csv_encoding",
                          "chữ tiếng Việt trong tệp bị lỗi mã hóa (mojibake); hãy lưu dạng 'CSV UTF-8' từ Excel",
                          "the Vietnamese text is garbled (mojibake); save the file as 'CSV UTF-8' from Excel")


def check_xlsx_container(path: Path) -> None:
    """Refuse an xlsx that is not a zip, is encrypted, would unpack too far, or declares a DTD."""
    import zipfile

    from defusedxml import ElementTree as SafeET
    from defusedxml.common import DefusedXmlException

    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE container: Excel's encrypted (password) format
        raise FileProblem("encrypted_xlsx",
                          "tệp Excel có đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại",
                          "the Excel file is password-protected; remove the password and send it again")
    if not zipfile.is_zipfile(path):
        raise FileProblem("unreadable_xlsx",
                          "tệp không phải Excel .xlsx hợp lệ (có thể hỏng hoặc đổi đuôi); hãy lưu lại dạng Excel Workbook",
                          "not a valid .xlsx file (damaged or renamed); save it again as an Excel Workbook")
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if unpacked > MAX_XLSX_UNPACKED_BYTES or unpacked / packed > MAX_XLSX_RATIO:
            raise FileProblem("xlsx_too_large",
                              f"tệp Excel giải nén ra quá lớn ({unpacked // (1024 * 1024)} MB); chỉ gửi bảng số liệu",
                              f"the Excel file unpacks to too much ({unpacked // (1024 * 1024)} MB, ratio "
                              f"{unpacked / packed:.0f}); send the table only")
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(member) as fh:
                head = fh.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise FileProblem("xml_dtd", "tệp Excel chứa khai báo XML không được phép (DTD)",
                                  f"the Excel file declares an XML DTD ({member.filename}), which is refused")
            if member.file_size < 1024 * 1024 and not member.filename.startswith("xl/worksheets/"):
                try:
                    SafeET.fromstring(archive.read(member))
                except (DefusedXmlException, SafeET.ParseError) as err:
                    raise FileProblem("unreadable_xlsx", f"tệp Excel hỏng ({member.filename})",
                                      f"the Excel file is damaged ({member.filename}: {err})") from None


def _xlsx_rows(path: Path) -> list[tuple[int, list]]:
    from python_calamine import CalamineWorkbook

    check_xlsx_container(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows_iter = sheet.iter_rows()
    except Exception as err:  # calamine raises its own error types
        raise FileProblem(
            "unreadable_xlsx",
            "không mở được tệp Excel (tệp hỏng hoặc không phải .xlsx); hãy lưu lại dạng Excel Workbook (.xlsx)",
            f"cannot open the Excel file (damaged or not .xlsx): {type(err).__name__}",
        ) from None
    # iter_rows yields from the sheet's first row, leading empty rows included: Excel's numbering
    first_row = 1
    rows: list[tuple[int, list]] = []
    blank_run, seen_data = 0, False
    for offset, row in enumerate(rows_iter):
        cells = [_clean_cell(c) for c in row]
        if any(c is not None for c in cells):
            blank_run, seen_data = 0, True
        else:
            blank_run += 1
            if seen_data and blank_run >= MAX_BLANK_RUN:
                break  # a sheet padded with empty rows: what follows is not the table
        rows.append((first_row + offset, cells))
        if len(rows) >= MAX_SCANNED_ROWS:
            break
    return rows


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
    _check_text(text)
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
    raise FileProblem("file_type", f"loại tệp '{suffix}' không được nhận; hãy lưu lại dạng Excel Workbook (.xlsx) "
                                   "hoặc CSV UTF-8",
                      f"file type '{suffix}' is not accepted; save it as an Excel Workbook (.xlsx) or CSV UTF-8")


# ---------------------------------------------------------------- typed frame


@dataclass
class ReadResult:
    file: str
    form: str
    # one dict per data row: ``_row``, the form's column codes, ``<figure>__dp`` (decimal places)
    records: list[dict] | None = None
    problems: list[Problem] = field(default_factory=list)
    raw: dict[tuple[int, str], object] = field(default_factory=dict)  # (row, column) -> cell as written
    reported: set[tuple[int, str]] = field(default_factory=set)  # cells a problem already names
    has_total_row: bool = False
    spec: Form | None = field(default=None, repr=False)
    _frame: object = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def frame(self):
        """The rows as a typed pandas frame with a ``_row`` column (built on first use: validation
        builds one frame for a whole batch of files from the records instead)."""
        if self.records is None:
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
                columns[code] = np.array([np.nan if r.get(code) is None else r[code] for r in records],
                                         dtype="float64")
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
    """Read one file of ``form`` into typed records, or say precisely why not."""
    name = display_name or Path(path).name
    result = ReadResult(file=name, form=form.code, spec=form)

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

    result.records = records

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
            computed = float(sum(r[col.code] for r in records if r.get(col.code) is not None))
            if abs(stated - computed) > 1e-6 * max(1.0, abs(computed)):
                problem(total_row, col.code, cell, "total_mismatch",
                        f"dòng tổng cộng ghi {_display(stated)} nhưng tổng các dòng phía trên là {_display(computed)}",
                        f"the total row says {_display(stated)} but the rows above add up to {_display(computed)}")
    return result
