"""A half-year timetable: the data interval is one half-year, the run comes after it closes.

``HalfYearTimetable(delay_days=15)`` schedules the run for 1 Jan – 1 Jul
(H1) on 16 Jul, and for 1 Jul – 1 Jan (H2) on 16 Jan of the next year: the
report is drafted once the units' submission deadline has passed. Intervals
are aligned in the district's time zone (Asia/Ho_Chi_Minh by default).
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.exceptions import AirflowTimetableInvalid
from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable


def half_year_start(moment: pendulum.DateTime, tz: str) -> pendulum.DateTime:
    local = pendulum.instance(moment).in_timezone(tz)
    return pendulum.datetime(local.year, 1 if local.month <= 6 else 7, 1, tz=tz)


def next_half_year_start(start: pendulum.DateTime, tz: str) -> pendulum.DateTime:
    return (
        pendulum.datetime(start.year, 7, 1, tz=tz)
        if start.month == 1
        else pendulum.datetime(start.year + 1, 1, 1, tz=tz)
    )


def previous_half_year_start(start: pendulum.DateTime, tz: str) -> pendulum.DateTime:
    return (
        pendulum.datetime(start.year - 1, 7, 1, tz=tz)
        if start.month == 1
        else pendulum.datetime(start.year, 1, 1, tz=tz)
    )


class HalfYearTimetable(Timetable):
    def __init__(self, delay_days: int = 15, timezone: str = "Asia/Ho_Chi_Minh") -> None:
        self.delay_days = int(delay_days)
        self.timezone = timezone
        self.description = (
            f"Mỗi nửa năm, {self.delay_days} ngày sau khi kỳ kết thúc / "
            f"every half-year, {self.delay_days} days after it closes"
        )

    @property
    def summary(self) -> str:
        return f"half-year + {self.delay_days}d"

    def serialize(self) -> dict[str, Any]:
        return {"delay_days": self.delay_days, "timezone": self.timezone}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> HalfYearTimetable:
        return cls(**data)

    def validate(self) -> None:
        if not 0 <= self.delay_days <= 180:
            raise AirflowTimetableInvalid("delay_days must be between 0 and 180")

    def run_after(self, interval_end: pendulum.DateTime) -> pendulum.DateTime:
        return interval_end.add(days=self.delay_days)

    def infer_manual_data_interval(self, *, run_after: pendulum.DateTime) -> DataInterval:
        """A manual run drafts the half-year that closed most recently."""
        end = half_year_start(run_after, self.timezone)
        return DataInterval(start=previous_half_year_start(end, self.timezone), end=end)

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        tz = self.timezone
        if last_automated_data_interval is not None:
            start = half_year_start(last_automated_data_interval.end, tz)
        else:
            if restriction.earliest is None:
                return None
            start = half_year_start(restriction.earliest, tz)
            if start < restriction.earliest:  # the first whole half-year on or after start_date
                start = next_half_year_start(start, tz)
        if not restriction.catchup:  # the next report still to come; missed ones are not drafted
            upcoming = half_year_start(pendulum.now(tz).subtract(days=self.delay_days), tz)
            start = max(start, upcoming)
        if restriction.latest is not None and start > restriction.latest:
            return None
        end = next_half_year_start(start, tz)
        return DagRunInfo(run_after=self.run_after(end), data_interval=DataInterval(start=start, end=end))


class GiamNgheoTimetablePlugin(AirflowPlugin):
    name = "giamngheo_timetables"
    timetables = [HalfYearTimetable]
