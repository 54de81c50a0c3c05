"""Raw grids: a submission file's first sheet as ``(row number, cells)``, numbered as the clerk sees them;
and the one way the package writes a workbook it hands out (``save_workbook``).

Opening a file is where hostile or broken input is met: an xlsx is checked as a container
first (not a zip, encrypted, a zip bomb, XML with a DTD), an Excel 97-2003 .xls must be an OLE2
compound file (both are read by calamine, within the same row limits), a CSV is decoded as UTF-8 (with or
without BOM) or Windows-1258 and refused when it is UTF-16 or garbled (mojibake). Cells come
out NFC-normalised, with runs of spaces collapsed.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import unicodedata
from pathlib import Path

MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XLSX_RATIO = 200  # uncompressed / compressed, over the whole archive
MAX_SCANNED_ROWS = 20000
MAX_BLANK_RUN = 1000  # this many blank rows after the table: the rest of the sheet is not read


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
        raise FileProblem(
            "csv_encoding",
            "chữ tiếng Việt trong tệp bị lỗi mã hóa (mojibake); hãy lưu dạng 'CSV UTF-8' từ Excel",
            "the Vietnamese text is garbled (mojibake); save the file as 'CSV UTF-8' from Excel",
        )


def check_xlsx_container(path: Path) -> None:
    """Refuse an xlsx that is not a zip, is encrypted, would unpack too far, or declares a DTD."""
    import zipfile

    with open(path, "rb") as fh:
        magic = fh.read(8)
    if not magic:
        raise FileProblem(
            "empty_file",
            "tệp rỗng (0 byte): có thể lưu chưa xong; hãy mở lại trong Excel, lưu rồi gửi lại",
            "the file is empty (0 bytes), perhaps not saved to the end: open it in Excel, save and send it again",
        )
    if magic.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE container: Excel's encrypted (password) format
        raise FileProblem(
            "encrypted_xlsx",
            "tệp Excel có đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại",
            "the Excel file is password-protected; remove the password and send it again",
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(
            "unreadable_xlsx",
            "tệp không phải Excel .xlsx hợp lệ (có thể hỏng hoặc đổi đuôi); hãy lưu lại dạng Excel Workbook",
            "not a valid .xlsx file (damaged or renamed); save it again as an Excel Workbook",
        ) from None
    with archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if unpacked > MAX_XLSX_UNPACKED_BYTES or unpacked / packed > MAX_XLSX_RATIO:
            raise FileProblem(
                "xlsx_too_large",
                f"tệp Excel giải nén ra quá lớn ({unpacked // (1024 * 1024)} MB); chỉ gửi bảng số liệu",
                f"the Excel file unpacks to too much ({unpacked // (1024 * 1024)} MB, ratio "
                f"{unpacked / packed:.0f}); send the table only",
            )
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            if member.file_size < 1024 * 1024 and not member.filename.startswith("xl/worksheets/"):
                _check_xml(archive.read(member), member.filename)  # expat refuses a DTD or an entity
                continue
            with archive.open(member) as fh:  # a sheet or a large part: its head only
                head = fh.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise FileProblem(
                    "xml_dtd",
                    "tệp Excel chứa khai báo XML không được phép (DTD)",
                    f"the Excel file declares an XML DTD ({member.filename}), which is refused",
                )


def _check_xml(data: bytes, name: str) -> None:
    """Refuse XML that is not well-formed or declares a DTD or an entity (expat alone, building no tree)."""
    from xml.parsers import expat

    def refuse(*_args) -> int:
        raise FileProblem(
            "xml_dtd",
            "tệp Excel chứa khai báo XML không được phép (DTD)",
            f"the Excel file declares an XML DTD ({name}), which is refused",
        )

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        raise FileProblem(
            "unreadable_xlsx",
            f"tệp Excel hỏng ({name})",
            f"the Excel file is damaged ({name}: {expat.ErrorString(err.code)}, line {err.lineno})",
        ) from None


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Excel 97-2003 workbook is an OLE2 compound file


def check_xls_container(path: Path) -> None:
    """Refuse an .xls that is not an OLE2 compound file (a renamed file, an HTML "xls" export)."""
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if not magic:
        raise FileProblem(
            "empty_file",
            "tệp rỗng (0 byte): có thể lưu chưa xong; hãy mở lại trong Excel, lưu rồi gửi lại",
            "the file is empty (0 bytes), perhaps not saved to the end: open it in Excel, save and send it again",
        )
    if magic != OLE2_MAGIC:
        raise FileProblem(
            "unreadable_xls",
            "tệp không phải Excel 97-2003 (.xls) hợp lệ (có thể hỏng hoặc đổi đuôi); "
            "hãy lưu lại dạng Excel Workbook (.xlsx)",
            "not a valid Excel 97-2003 (.xls) file (damaged or renamed); save it again as an Excel Workbook (.xlsx)",
        )


def _workbook_rows(path: Path) -> list[tuple[int, list]]:
    """The first sheet of an .xlsx or an .xls (both read by calamine), after the container's checks."""
    from python_calamine import CalamineWorkbook

    old = Path(path).suffix.lower() == ".xls"
    check_xls_container(path) if old else check_xlsx_container(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows_iter = sheet.iter_rows()
    except Exception as err:  # calamine raises its own error types (an encrypted .xls among them)
        kind = ".xls" if old else ".xlsx"
        raise FileProblem(
            "unreadable_xls" if old else "unreadable_xlsx",
            f"không mở được tệp Excel (tệp hỏng, có mật khẩu hoặc không phải {kind}); "
            "hãy lưu lại dạng Excel Workbook (.xlsx)",
            f"cannot open the Excel file (damaged, password-protected or not {kind}): {type(err).__name__}",
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
    if suffix in (".xlsx", ".xls"):
        return _workbook_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    raise FileProblem(
        "file_type",
        f"loại tệp '{suffix}' không được nhận; hãy lưu lại dạng Excel Workbook (.xlsx) hoặc CSV UTF-8",
        f"file type '{suffix}' is not accepted; save it as an Excel Workbook (.xlsx) or CSV UTF-8",
    )


def save_workbook(book, path: Path) -> Path:
    """Save an openpyxl workbook under a temporary name, then rename it: a reader (the Submissions page,
    a mail being attached) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")  # one per writer
    os.close(fd)
    try:
        os.chmod(name, 0o644)  # mkstemp's 0600 would hide it from the web server's user
        book.save(name)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return path
