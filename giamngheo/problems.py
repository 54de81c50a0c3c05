"""A problem found in a submission: which file, row, column, value, and rule.

Every message is written twice, for the clerk (Vietnamese) and for the data
team (English), so that a rejection can be forwarded to the unit as it is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    value: object
    rule: str
    message_vi: str
    message_en: str

    def _where(self, row_word: str, column_word: str, value_word: str, labels: dict[str, str] | None = None) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"{row_word} {self.row}")
        if self.column:
            label = (labels or {}).get(self.column)  # the header the clerk sees, then the code
            parts.append(f"{column_word} '{label}' ({self.column})" if label else f"{column_word} '{self.column}'")
        if self.value is not None and self.value != "":
            parts.append(f"{value_word} '{self.value}'")
        return ", ".join(parts)

    def text_vi(self, labels: dict[str, str] | None = None) -> str:
        return f"{self._where('dòng', 'cột', 'giá trị', labels)}: {self.message_vi} [{self.rule}]"

    def text_en(self, labels: dict[str, str] | None = None) -> str:
        return f"{self._where('row', 'column', 'value', labels)}: {self.message_en} [{self.rule}]"

    def format(self, labels: dict[str, str] | None = None) -> str:
        """Both languages; ``labels`` (column code → the form's label) names columns as the file's header does."""
        return f"{self.text_vi(labels)}\n    {self.text_en(labels)}"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["value"] = None if self.value is None else str(self.value)
        return data


def format_problems(file: str, problems: list[Problem], limit: int = 50, labels: dict[str, str] | None = None) -> str:
    """The rejection message: a headline, then one problem per line (columns by label and code)."""
    head = (
        f"Tệp bị từ chối / file rejected: {file} — {len(problems)} lỗi / problem(s). "
        "Không dữ liệu nào của tệp được nạp; hãy sửa và gửi lại tệp. / "
        "Nothing of the file was loaded; correct it and send it again."
    )
    lines = [head] + [f"  - {p.format(labels)}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  … và {len(problems) - limit} lỗi khác / and {len(problems) - limit} more")
    return "\n".join(lines)


class FilesNotLoaded(SystemExit):
    """Raised by a task when files were rejected: an expected outcome, not a crash.

    A ``SystemExit``, so that Airflow's task runner logs it as one line ("Task exited") after the
    rejection messages, without a traceback; the DAGs' retry policy fails it at once (a retry would
    read the same file again). ``code`` is the one-line summary.
    """

    def __init__(self, summary: str, details: str = ""):
        super().__init__(summary)
        self.summary, self.details = summary, details  # details: the messages, for the failure mail
