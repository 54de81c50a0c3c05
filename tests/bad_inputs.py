"""The catalogue of bad inputs: what a clerk may send, and what the pipeline must do with it.

Each case names the folder and file name it arrives under, how its bytes are made, and the
expected outcome: ``rejected`` (with the rule and a message fragment the clerk can act on),
``ignored`` (not a submission), ``waiting`` (still being written) or ``accepted`` (odd but
valid). docs/RELIABILITY.md lists every case; a test checks that it does.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl

HEALTH = [
    "xa",
    "the_bhyt",
    "the_bhyt_ho_ngheo",
    "luot_kham",
    "luot_kham_ho_ngheo",
    "chi_phi_kham_ho_ngheo",
    "ho_tro_sinh_con_nguoi",
    "ho_tro_sinh_con_kinh_phi",
    "tre_duoi_1_tuoi",
    "tre_tiem_chung_day_du",
    "vu_ngo_doc_thuc_pham",
]
GOOD = ["Vi Hương", 100, 10, 50, 5, 1000000, 0, 0, 10, 5, 0]


def row(**changes) -> list:
    values = dict(zip(HEALTH, GOOD, strict=True))
    values.update(changes)
    return [values[c] for c in HEALTH]


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], far_empty_row: int | None = None) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    if far_empty_row:  # a formatted but empty cell far below: the sheet's dimension spans it
        wb.active.cell(far_empty_row, 1).number_format = "0.00"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))  # 40 MB of zeros, ~40 KB packed
    return buf.getvalue()


def billion_laughs() -> bytes:
    good = io.BytesIO(xlsx_bytes([HEALTH, row()]))
    out = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = (
                    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>' + body
                )
            dst.writestr(item, data)
    return out.getvalue()


def formula_without_value() -> bytes:
    return xlsx_bytes([HEALTH, row(the_bhyt="=SUM(B3:B9)")])


def date_cell() -> bytes:
    from datetime import datetime

    return xlsx_bytes([HEALTH, row(luot_kham=datetime(2022, 3, 1))])


@dataclass
class Case:
    id: str
    form: str
    name: str
    make: Callable[[], bytes]
    outcome: str  # rejected | ignored | waiting | accepted
    rule: str | None = None
    fragments: tuple[str, ...] = ()
    settings: dict = field(default_factory=dict)
    fresh: bool = False  # modified just now (a file still being written)
    what: str = ""


def c(id, form, name, make, outcome, rule=None, fragments=(), what="", **kw) -> Case:
    return Case(id, form, name, make, outcome, rule, tuple(fragments), what=what, **kw)


CASES: list[Case] = [
    c("empty_file", "health", "rong.csv", lambda: b"", "rejected", "empty_file", ["tệp rỗng"], "an empty file"),
    c(
        "empty_xlsx",
        "health",
        "rong.xlsx",
        lambda: b"",
        "rejected",
        "empty_file",
        ["tệp rỗng (0 byte)"],
        "an empty .xlsx (0 bytes: not saved to the end), not called damaged",
    ),
    c(
        "header_only",
        "health",
        "chi_tieu_de.csv",
        lambda: csv_bytes([HEALTH]),
        "rejected",
        "no_data_rows",
        ["không có dòng dữ liệu"],
        "a header and no rows",
    ),
    c(
        "missing_column",
        "health",
        "thieu_cot.csv",
        lambda: csv_bytes([HEALTH[:-1], row()[:-1]]),
        "rejected",
        "missing_column",
        ["vu_ngo_doc_thuc_pham"],
        "a required column left out",
    ),
    c(
        "duplicated_column",
        "health",
        "trung_cot.csv",
        lambda: csv_bytes([HEALTH + ["the_bhyt"], row() + [100]]),
        "rejected",
        "duplicate_column",
        ["the_bhyt", "hai lần"],
        "the same column twice",
    ),
    c(
        "unknown_column",
        "health",
        "cot_la.csv",
        lambda: csv_bytes([HEALTH + ["so_ho_dan"], row() + [5]]),
        "rejected",
        "unknown_column",
        ["so_ho_dan", "các cột hợp lệ"],
        "a column the form does not have",
    ),
    c(
        "wrong_form_folder",
        "health",
        "giao_duc.csv",
        lambda: csv_bytes(
            [["xa", "chinh_sach", "so_hoc_sinh", "kinh_phi", "gao_kg"], ["Vi Hương", "ban_tru_gao", 1, "", 10]]
        ),
        "rejected",
        "header_not_found",
        ["education", "dòng 1 của tệp ghi: xa | chinh_sach", "'Số thẻ BHYT"],
        "an education file in the health folder",
    ),
    c(
        "unknown_commune",
        "health",
        "xa_la.csv",
        lambda: csv_bytes([HEALTH, row(xa="Tân Tiến")]),
        "rejected",
        "unknown_unit",
        ["Tân Tiến", "Xã Tân Tú"],
        "a commune no reference names, with the closest names",
    ),
    c(
        "empty_commune",
        "health",
        "thieu_xa.csv",
        lambda: csv_bytes([HEALTH, row(xa="")]),
        "rejected",
        "unknown_unit",
        ["thiếu tên xã"],
        "a row without its commune",
    ),
    c(
        "same_commune_twice",
        "health",
        "lap_xa.csv",
        lambda: csv_bytes([HEALTH, row(), row(xa="xã vi hương")]),
        "rejected",
        "duplicate_row",
        ["trùng lặp"],
        "one commune twice in a file",
    ),
    c(
        "negative_count",
        "health",
        "so_am.csv",
        lambda: csv_bytes([HEALTH, row(luot_kham=-5, luot_kham_ho_ngheo=0)]),
        "rejected",
        "range",
        ["không được nhỏ hơn 0"],
        "a negative count",
    ),
    c(
        "decimal_in_count",
        "health",
        "so_le.csv",
        lambda: csv_bytes([HEALTH, row(tre_duoi_1_tuoi="10,5")]),
        "rejected",
        "decimals",
        ["số nguyên"],
        "a decimal in a count",
    ),
    c(
        "subset_greater_than_total",
        "health",
        "con_lon_hon.csv",
        lambda: csv_bytes([HEALTH, row(the_bhyt=10, the_bhyt_ho_ngheo=20)]),
        "rejected",
        "subset_le_total",
        ["không được lớn hơn", "the_bhyt"],
        "'of which' greater than the total",
    ),
    c(
        "percent_over_100",
        "commune",
        "ty_le_qua_100.csv",
        lambda: csv_bytes(
            [
                [
                    "xa",
                    "tong_so_ho",
                    "ho_ngheo_dau_nam",
                    "ho_can_ngheo_dau_nam",
                    "chi_tieu_giam_ho_ngheo",
                    "chi_tieu_viec_lam_moi",
                    "viec_lam_moi_trong_nuoc",
                    "lao_dong_nuoc_ngoai",
                    "bo_doi_xuat_ngu_tu_van",
                    "luot_tu_van_lao_dong",
                    "nha_o_van_dong",
                    "nha_o_ho_tro_chuong_trinh",
                    "ho_dung_nuoc_hop_ve_sinh",
                    "dau_thu_truyen_hinh",
                    "ty_le_nghe_dai",
                    "so_bang_tin",
                    "so_thon",
                    "tien_dien_luot_ho",
                    "tien_dien_kinh_phi",
                ],
                ["Vi Hương", 500, 100, 80, 20, 40, 20, 1, 5, 40, 2, 2, 450, 70, "105%", 9, 9, 150, 1000],
            ]
        ),
        "rejected",
        "range",
        ["0–100"],
        "a percentage over 100",
    ),
    c(
        "garbage_number",
        "health",
        "chu_trong_so.csv",
        lambda: csv_bytes([HEALTH, row(luot_kham="khoảng 50")]),
        "rejected",
        "number_format",
        ["khoảng 50", "không đúng cách viết"],
        "text where a number belongs",
    ),
    c(
        "english_number_format",
        "health",
        "dinh_dang_anh.csv",
        lambda: csv_bytes([HEALTH, row(chi_phi_kham_ho_ngheo="1,234.5")]),
        "rejected",
        "number_format",
        ["1,234.5", "1.234,5"],
        "1,234.5 instead of 1.234,5, with the suggestion",
    ),
    c(
        "unit_contradicts_column",
        "bank",
        "sai_don_vi.csv",
        lambda: csv_bytes(
            [["xa", "chuong_trinh", "luot_vay", "so_tien_trieu_dong"], ["Vi Hương", "ho_ngheo", 2, "5.000.000 đồng"]]
        ),
        "rejected",
        "unit_mismatch",
        ["đồng", "triệu đồng"],
        "đồng in a triệu đồng column",
    ),
    c(
        "utf16_csv",
        "health",
        "utf16.csv",
        lambda: csv_bytes([HEALTH, row()], "utf-16"),
        "rejected",
        "csv_encoding",
        ["UTF-16", "CSV UTF-8"],
        "a CSV saved as UTF-16",
    ),
    c(
        "mojibake_csv",
        "health",
        "loi_font.csv",
        lambda: csv_bytes([HEALTH, row()]).decode("utf-8").encode("utf-8").decode("cp1252", "replace").encode("utf-8"),
        "rejected",
        "csv_encoding",
        ["mojibake"],
        "UTF-8 text saved again as Windows-1252",
    ),
    c(
        "xlsx_not_a_zip",
        "health",
        "khong_phai_excel.xlsx",
        lambda: b"this is not an Excel file at all",
        "rejected",
        "unreadable_xlsx",
        ["không phải Excel"],
        "a text file named .xlsx",
    ),
    c(
        "password_protected_xlsx",
        "health",
        "co_mat_khau.xlsx",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096,
        "rejected",
        "encrypted_xlsx",
        ["mật khẩu"],
        "an xlsx encrypted with a password (an OLE container)",
    ),
    c(
        "formula_without_cached_value",
        "health",
        "cong_thuc.xlsx",
        formula_without_value,
        "rejected",
        "required",
        ["ô trống"],
        "a formula saved without its value (not opened in Excel)",
    ),
    c(
        "date_in_number_cell",
        "health",
        "ngay_thang.xlsx",
        date_cell,
        "rejected",
        "number_type",
        ["ngày/giờ"],
        "Excel turned a number into a date",
    ),
    c(
        "over_size_limit",
        "health",
        "qua_lon.csv",
        lambda: csv_bytes([HEALTH, row()] + [row()] * 3000),
        "rejected",
        "file_too_large",
        ["giới hạn"],
        "a file over GIAMNGHEO_MAX_FILE_MB",
        settings={"GIAMNGHEO_MAX_FILE_MB": "0.01"},
    ),
    c(
        "xlsx_zip_bomb",
        "health",
        "bom_nen.xlsx",
        zip_bomb,
        "rejected",
        "xlsx_too_large",
        ["quá lớn"],
        "an xlsx that unpacks a thousand times its size",
    ),
    c(
        "xml_entity_bomb",
        "health",
        "bom_xml.xlsx",
        billion_laughs,
        "rejected",
        "xml_dtd",
        ["DTD"],
        "an xlsx whose XML declares entities (billion laughs)",
    ),
    c(
        "million_empty_rows",
        "health",
        "mot_trieu_dong.xlsx",
        lambda: xlsx_bytes([HEALTH, row()], far_empty_row=1_000_000),
        "accepted",
        None,
        (),
        "a sheet padded to a million empty rows: read in bounded time, the table accepted",
    ),
    c(
        "total_row_mismatch",
        "health",
        "tong_sai.csv",
        lambda: csv_bytes(
            [HEALTH, row(), row(xa="Lục Bình"), ["Tổng cộng", 999, 20, 100, 10, 2000000, 0, 0, 20, 10, 0]]
        ),
        "rejected",
        "total_mismatch",
        ["dòng tổng cộng", "200"],
        "a total row that is not the sum of the rows",
    ),
    c(
        "data_below_blank_row",
        "health",
        "dong_trong.csv",
        lambda: csv_bytes([HEALTH, row(), [], row(xa="Lục Bình")]),
        "rejected",
        "row_after_table_end",
        ["dòng trống"],
        "a blank row inside the table",
    ),
    c(
        "money_where_none_belongs",
        "education",
        "gao_co_tien.csv",
        lambda: csv_bytes(
            [
                ["xa", "chinh_sach", "so_hoc_sinh", "kinh_phi", "gao_kg"],
                ["Vi Hương", "ban_tru_gao", 10, "5.000.000", "100"],
            ]
        ),
        "rejected",
        "must_be_empty",
        ["để trống"],
        "money for the rice policy, which counts kilograms",
    ),
    c(
        "amount_without_borrowers",
        "bank",
        "vay_khong_ho.csv",
        lambda: csv_bytes([["xa", "chuong_trinh", "luot_vay", "so_tien_trieu_dong"], ["Vi Hương", "ho_ngheo", 0, "5"]]),
        "rejected",
        "zero_when_zero",
        ["bằng 0 khi luot_vay"],
        "a loan amount with no borrowers",
    ),
    c(
        "unknown_policy",
        "education",
        "chinh_sach_la.csv",
        lambda: csv_bytes(
            [["xa", "chinh_sach", "so_hoc_sinh", "kinh_phi", "gao_kg"], ["Vi Hương", "ho_tro_sach_vo", 10, "5.000", ""]]
        ),
        "rejected",
        "known_code",
        ["mien_giam_hoc_phi"],
        "a policy the district does not have, with the valid codes",
    ),
    c(
        "model_name_too_long",
        "models",
        "ten_dai.csv",
        lambda: csv_bytes(
            [
                ["xa", "ten_mo_hinh", "du_an", "so_ho_tham_gia", "kinh_phi"],
                ["Vi Hương", "Mô hình " + "rất " * 60, "DA2", 5, "1.000"],
            ]
        ),
        "rejected",
        "max_length",
        ["200 ký tự"],
        "a model name over 200 characters",
    ),
    c(
        "xls_not_ole2",
        "health",
        "bao_cao.xls",
        lambda: b"<html><table><tr><td>xa</td></tr></table></html>",
        "rejected",
        "unreadable_xls",
        [".xls", ".xlsx"],
        "an .xls that is not an Excel 97-2003 workbook (an HTML table renamed), with advice to save as .xlsx",
    ),
    c(
        "xls_damaged",
        "health",
        "bao_cao_hong.xls",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "rejected",
        "unreadable_xls",
        ["Excel", ".xlsx"],
        "a damaged Excel 97-2003 workbook (the right signature, nothing readable after it)",
    ),
    c(
        "space_grouped_and_dash_zero",
        "health",
        "so_cach_quang.csv",
        lambda: csv_bytes(
            [HEALTH, row(chi_phi_kham_ho_ngheo="1 000 000", luot_kham="50", vu_ngo_doc_thuc_pham="-")]
        ).replace(b"1 000 000", "1\u00a0000\u00a0000".encode()),
        "accepted",
        None,
        (),
        "thousands grouped by non-breaking spaces and Excel's accounting dash for zero",
    ),
    c(
        "excel_lock_file",
        "health",
        "~$TTYT.xlsx",
        lambda: b"owner file of an open workbook",
        "ignored",
        None,
        (),
        "Excel's lock file of an open workbook",
    ),
    c("hidden_file", "health", ".~lock.TTYT.csv#", lambda: b"x", "ignored", None, (), "a hidden file"),
    c(
        "hidden_csv",
        "health",
        ".ban_nhap.csv",
        lambda: csv_bytes([HEALTH, row()]),
        "ignored",
        None,
        (),
        "a hidden file that looks like a submission",
    ),
    c(
        "spaces_and_vietnamese_name",
        "health",
        "Báo cáo y tế (bản 2) – Vi Hương.csv",
        lambda: csv_bytes([HEALTH, row()]),
        "accepted",
        None,
        (),
        "spaces, Vietnamese letters and brackets",
    ),
    c(
        "dots_in_name",
        "health",
        "bao..cao...v2.csv",
        lambda: csv_bytes([HEALTH, row()]),
        "accepted",
        None,
        (),
        "dots that look like a parent folder",
    ),
    c(
        "very_long_name",
        "health",
        "bao_cao_" + "y_te_" * 45 + ".csv",
        lambda: csv_bytes([HEALTH, row()]),
        "accepted",
        None,
        (),
        "a 240-character name",
    ),
    c(
        "still_being_written",
        "health",
        "dang_ghi.csv",
        lambda: csv_bytes([HEALTH, row(xa="Lục Bình")]),
        "waiting",
        None,
        (),
        "a file modified a moment ago: left for the next run",
        settings={"GIAMNGHEO_SETTLE_SECONDS": "30"},
        fresh=True,
    ),
]
