"""Feedback on a rejected file: the unit's own table back, with each failing cell marked.

For a rejected .xlsx, .xls or .csv this writes an .xlsx whose first sheet is the table as the unit
sent it (same rows and columns, so the clerk finds every cell where it was), each failing cell
filled and carrying a Vietnamese comment (the rule, the value found, what is allowed), and a last
sheet "Lỗi" listing every problem, those of the whole file (a missing column, an unknown commune,
the total row) first. The copy can be corrected in place and sent again: the reader takes the
first sheet, and comments and colours are not data.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .forms import Form
from .problems import Problem
from .sheets import FileProblem, raw_rows, save_workbook

PROBLEMS_SHEET = "Lỗi"
MARK = "FFF4B6B0"  # the fill of a failing cell


def feedback_name(file_name: str, submission_id: str) -> str:
    return f"{Path(file_name).stem}.sua-loi.{submission_id[:8]}.xlsx"


def write_feedback(
    sent: Path, problems: list[Problem], form: Form, positions: dict[str, int], out: Path
) -> tuple[Path, set[tuple[int, int]]]:
    """Write the feedback workbook of a rejected file to ``out``; return it and the marked cells
    (row, column), 1-based as in Excel. ``positions``: the form's column codes at their 0-based
    places in the file's header (what the reader found); ``sent``: the file as sent (the archive)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    labels = {c.code: c.label for c in form.columns}
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Dữ liệu"
    try:
        grid = raw_rows(sent)
    except FileProblem:  # unreadable: the problems sheet alone says why
        grid = []
    for row_no, cells in grid:
        for index, value in enumerate(cells):
            if value is not None:
                cell = data.cell(row=row_no, column=index + 1, value=_cell_value(value))
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text as sent, never a formula

    on_cell: dict[tuple[int, int], list[Problem]] = defaultdict(list)
    whole_file: list[Problem] = []
    for problem in problems:
        if grid and problem.row is not None and problem.column in positions:
            on_cell[(problem.row, positions[problem.column] + 1)].append(problem)
        else:
            whole_file.append(problem)
    fill = PatternFill(start_color=MARK, end_color=MARK, fill_type="solid")
    for (row, column), found in on_cell.items():
        cell = data.cell(row=row, column=column)
        cell.fill = fill
        text = "\n".join(_comment(p, labels) for p in found)
        cell.comment = Comment(text, "giamngheo", width=320, height=40 + 60 * len(found))

    sheet = book.create_sheet(PROBLEMS_SHEET)
    sheet.append(["Dòng / row", "Cột / column", "Giá trị / value", "Lỗi", "Problem", "Quy tắc / rule"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for problem in whole_file + [p for found in on_cell.values() for p in found]:
        column_name = labels.get(problem.column, problem.column) if problem.column else None
        value = None if problem.value is None else str(problem.value)
        sheet.append([problem.row, column_name, value, problem.message_vi, problem.message_en, problem.rule])
    for letter, width in zip("ABCDEF", (10, 30, 18, 60, 60, 22), strict=True):
        sheet.column_dimensions[letter].width = width

    save_workbook(book, out)
    return out, set(on_cell)


def _comment(problem: Problem, labels: dict[str, str]) -> str:
    column = labels.get(problem.column or "", problem.column)
    value = "" if problem.value is None else f" Giá trị: '{problem.value}'."
    return f"{column}: {problem.message_vi}.{value} [{problem.rule}]"


def _cell_value(value: object) -> object:
    """A cell as read, as openpyxl can write it (calamine gives dates and times as Python objects)."""
    if isinstance(value, (str, int, float)) or value is None:
        return value
    return value if hasattr(value, "isoformat") else str(value)
