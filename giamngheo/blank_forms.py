"""Blank templates of the forms, generated from the forms contract, for the units to fill in.

One .xlsx per form and period; for the communes' own form one per commune, its name filled in.
The first sheet is the form: a title block naming the unit, the form and the period (and its
deadline), the header in the Vietnamese labels the reader knows, the rows the form expects already
named (every commune, or every commune × category), a closing "Tổng cộng" row of SUM formulas for
the forms that list communes, Excel data validation on every column (whole numbers ≥ 0, decimals
where the form allows, percent 0–100, the lists of communes and of categories) with number formats,
and the title and header protected (the data cells are not). A second sheet "Hướng dẫn" explains
each column (meaning, unit, rules) from ``forms.yaml``; a hidden "Danh mục" holds the lists.

A filled template is an ordinary submission: the reader takes the first sheet, finds the header
below the title rows and stops at the total row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .forms import Column, Form
from .numbers import UNIT_NAMES_VI
from .periods import Period
from .reference import Category, OrgUnit
from .sheets import save_workbook

FORM_SHEET, GUIDE_SHEET, LISTS_SHEET = "Biểu", "Hướng dẫn", "Danh mục"
TOTAL_LABEL = "Tổng cộng"
FREE_ROWS = 30  # blank rows of a form whose rows the unit names itself (models)
TYPE_NAMES_VI = {"unit": "tên xã, thị trấn", "category": "chọn trong danh sách", "text": "chữ", **UNIT_NAMES_VI}
NUMBER_FORMATS = {"count": "#,##0", "vnd": "#,##0", "million_vnd": "#,##0.###", "percent": "0.##", "kg": "#,##0.#"}


@dataclass(frozen=True)
class BlankForm:
    form: str
    org_unit: str  # the commune a commune's own form is for; "" for the others
    path: Path
    sha256: str


def blank_form_name(form: Form, period: Period, unit: OrgUnit | None) -> str:
    suffix = f"_{unit.code}" if unit is not None else ""
    return f"mau_{form.code}{suffix}_{period}.xlsx"


def write_blank_forms(
    forms: dict[str, Form],
    period: Period,
    district_name: str,
    communes: list[OrgUnit],
    categories: list[Category],
    out_dir: Path,
) -> list[BlankForm]:
    """Every form's template for a district's period under ``out_dir``; the commune form once per commune."""
    written = []
    ordered = sorted(communes, key=lambda u: u.listing_key)
    for form in forms.values():
        units: list[OrgUnit | None] = list(ordered) if form.code == "commune" else [None]
        for unit in units:
            path = out_dir / blank_form_name(form, period, unit)
            write_blank_form(form, period, district_name, ordered, categories, path, unit)
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            written.append(BlankForm(form.code, unit.code if unit else "", path, sha))
    return written


def prefilled_rows(form: Form, communes: list[OrgUnit], categories: list[Category], unit: OrgUnit | None) -> list:
    """The rows the template names already: (commune, category label or None) pairs; [] when the unit
    names its own rows (models)."""
    if unit is not None:
        return [(unit, None)]
    if form.item_column is not None or form.expected != "each_commune":
        return []
    category = form.category_column
    if category is None:
        return [(c, None) for c in communes]
    labels = [c.label for c in categories if c.dimension == category.dimension]
    return [(c, label) for c in communes for label in labels]


def write_blank_form(
    form: Form,
    period: Period,
    district_name: str,
    communes: list[OrgUnit],
    categories: list[Category],
    path: Path,
    unit: OrgUnit | None = None,
) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = FORM_SHEET
    lists = book.create_sheet(LISTS_SHEET)
    guide = book.create_sheet(GUIDE_SHEET, 1)
    lists.sheet_state = "hidden"

    sender = f"UBND {unit.full_name}".upper() if unit is not None else form.label.upper()
    due = f" — hạn nộp {period.due(form.due_days):%d/%m/%Y}" if form.due_days is not None else ""
    title = [
        f"{sender} — HUYỆN {district_name.upper()}",
        form.title.upper(),
        f"Kỳ báo cáo: {period.label_vi} ({period}){due}",
    ]
    for row, text in enumerate(title, start=1):
        sheet.cell(row, 1, text).font = Font(bold=True)
    header_row = len(title) + 2  # a blank row between the title block and the header
    for index, col in enumerate(form.columns, start=1):
        cell = sheet.cell(header_row, index, col.label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill(start_color="FFE8E8E8", end_color="FFE8E8E8", fill_type="solid")
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    rows = prefilled_rows(form, communes, categories, unit)
    first = header_row + 1
    category = form.category_column
    for offset, (commune, label) in enumerate(rows):
        for index, col in enumerate(form.columns, start=1):
            if col.type == "unit":
                sheet.cell(first + offset, index, commune.full_name)
            elif category is not None and col.code == category.code:
                sheet.cell(first + offset, index, label)
    last = first + (len(rows) if rows else FREE_ROWS) - 1

    # the lists the validations point at (hidden sheet): communes, then each dimension's categories
    lists.append(["Xã, thị trấn"] + [c.full_name for c in communes])
    ranges = {"unit": f"'{LISTS_SHEET}'!$B$1:${get_column_letter(len(communes) + 1)}$1"}
    for col in form.columns:
        if col.type == "category":
            names = [c.label for c in categories if c.dimension == col.dimension]
            lists.append([col.label] + names)
            row = lists.max_row
            ranges[col.code] = f"'{LISTS_SHEET}'!$B${row}:${get_column_letter(len(names) + 1)}${row}"

    for index, col in enumerate(form.columns, start=1):
        letter = get_column_letter(index)
        area = f"{letter}{first}:{letter}{last}"
        validation = _validation(col, ranges, DataValidation)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(area)
        for row in range(first, last + 1):
            cell = sheet.cell(row, index)
            cell.protection = Protection(locked=False)
            if col.is_figure:
                cell.number_format = NUMBER_FORMATS.get(col.type, "General")
        sheet.column_dimensions[letter].width = 28 if col.type in ("unit", "category", "text") else 16

    if rows and form.grain[0] == "xa" and len(rows) > 1:  # the forms that list communes close with a total
        total_row = last + 1
        sheet.cell(total_row, 1, TOTAL_LABEL).font = Font(bold=True)
        for index, col in enumerate(form.columns, start=1):
            if col.is_figure:
                letter = get_column_letter(index)
                cell = sheet.cell(total_row, index, f"=SUM({letter}{first}:{letter}{last})")
                cell.number_format = NUMBER_FORMATS.get(col.type, "General")
                cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(first, 1)
    sheet.protection.sheet = True  # the title and the header; data cells are unlocked above
    sheet.protection.formatRows = sheet.protection.formatColumns = False  # widths, heights stay free

    guide.append(["Cột", "Mã", "Kiểu, đơn vị", "Quy tắc"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    labels = {c.code: c.label for c in form.columns}
    for col in form.columns:
        guide.append([col.label, col.code, TYPE_NAMES_VI.get(col.type, col.type), rules_vi(col, labels)])
    guide.append([])
    guide.append(
        [
            "Điền số theo cách viết Việt Nam hoặc gõ số trực tiếp; không thêm, xóa hay đổi tên cột; "
            "gửi tệp vào hộp thư của kỳ báo cáo, đúng biểu."
        ]
    )
    for letter, width in zip("ABCD", (45, 28, 22, 70), strict=True):
        guide.column_dimensions[letter].width = width

    save_workbook(book, path)
    return path


def _validation(col: Column, ranges: dict[str, str], DataValidation):  # noqa: N803 - openpyxl's class
    rules = col.rules
    message = rules_vi(col, {})
    if col.type == "unit":
        found = DataValidation(type="list", formula1=ranges["unit"], allow_blank=True)
    elif col.type == "category":
        found = DataValidation(type="list", formula1=ranges[col.code], allow_blank=True)
    elif col.type == "text":
        if "max_length" not in rules:
            return None
        found = DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1=str(rules["max_length"]), allow_blank=True
        )
    else:
        low = rules.get("min", 0)
        if "gt" in rules:
            low = rules["gt"] + (1 if col.max_decimals == 0 else 0)
        high = rules.get("max", 100 if col.type == "percent" else None)
        kind = "whole" if col.max_decimals == 0 else "decimal"
        if high is None:
            found = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(low), allow_blank=True)
        else:
            found = DataValidation(
                type=kind, operator="between", formula1=str(low), formula2=str(high), allow_blank=True
            )
    found.error = message or "Giá trị không hợp lệ"
    found.errorTitle = col.label[:32]
    found.showErrorMessage = True
    return found


def rules_vi(col: Column, labels: dict[str, str]) -> str:
    """A column's rules from forms.yaml, in Vietnamese."""
    rules, said = col.rules, []

    def name(code: str) -> str:
        return f"'{labels.get(code, code)}'"

    if col.is_figure:
        said.append("số nguyên" if col.max_decimals == 0 else f"tối đa {col.max_decimals} chữ số thập phân")
    if "min" in rules:
        said.append(f"không nhỏ hơn {rules['min']}")
    if "gt" in rules:
        said.append(f"lớn hơn {rules['gt']}")
    if "max" in rules:
        said.append(f"không lớn hơn {rules['max']}")
    if "le" in rules:
        said.append(f"không lớn hơn {name(rules['le'])}")
    if "le_difference" in rules:
        a, b = rules["le_difference"]
        said.append(f"không lớn hơn {name(a)} trừ {name(b)}")
    if "zero_when_zero" in rules:
        said.append(f"bằng 0 khi {name(rules['zero_when_zero'])} bằng 0")
    for column, codes in (rules.get("only_for") or {}).items():
        said.append(f"chỉ điền cho {name(column)} là {', '.join(codes)}")
    for column, codes in (rules.get("empty_for") or {}).items():
        said.append(f"để trống khi {name(column)} là {', '.join(codes)}")
    if "max_length" in rules:
        said.append(f"tối đa {rules['max_length']} ký tự")
    if col.type == "unit":
        said.append("một xã, thị trấn của huyện")
    said.append("có thể để trống" if col.optional else "bắt buộc")
    return "; ".join(said)
