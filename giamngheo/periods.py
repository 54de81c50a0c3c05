"""Half-year reporting periods, written ``YYYY-H1`` or ``YYYY-H2``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PERIOD = re.compile(r"^(\d{4})-H([12])$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(str(text).strip().upper())
        if not match:
            raise PeriodError(f"Kỳ báo cáo không hợp lệ / invalid period {text!r}: dùng dạng YYYY-H1 hoặc YYYY-H2")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Period:
        return cls(day.year, 1 if day.month <= 6 else 2)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def due(self, days_after_end: int) -> date:
        """A deadline ``days_after_end`` days after the period's last day."""
        from datetime import timedelta

        return self.end + timedelta(days=days_after_end)

    @property
    def previous(self) -> Period:
        return Period(self.year - 1, 2) if self.half == 1 else Period(self.year, 1)

    @property
    def label_vi(self) -> str:
        """How the report names the period: the H2 run is the year report."""
        return f"6 tháng đầu năm {self.year}" if self.half == 1 else f"năm {self.year}"


LOCAL_TZ = "Asia/Ho_Chi_Minh"


def local_date(iso_utc: str) -> date:
    """The day, in Vietnam, of a ledger time (UTC, ISO 8601)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso_utc).astimezone(ZoneInfo(LOCAL_TZ)).date()


def local_today() -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(LOCAL_TZ)).date()


def local_time(iso_utc: str) -> str:
    """A ledger time (UTC, ISO 8601) as the clerk reads it: Vietnam's time, to the minute."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso_utc).astimezone(ZoneInfo(LOCAL_TZ)).strftime("%Y-%m-%d %H:%M")
