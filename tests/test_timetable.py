"""The half-year timetable of the report DAG: intervals and run dates."""

import sys

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "plugins"))
from half_year_timetable import GiamNgheoTimetablePlugin, HalfYearTimetable  # noqa: E402

TZ = "Asia/Ho_Chi_Minh"


def at(*args):
    return pendulum.datetime(*args, tz=TZ)


def test_first_run_covers_the_first_whole_half_year_and_waits_for_the_deadline():
    tt = HalfYearTimetable(delay_days=15)
    info = tt.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=at(2022, 1, 1), latest=None, catchup=True),
    )
    assert info.data_interval == DataInterval(at(2022, 1, 1), at(2022, 7, 1))
    assert info.run_after == at(2022, 7, 16)


def test_a_start_date_inside_a_half_year_begins_with_the_next_one():
    tt = HalfYearTimetable(delay_days=0)
    info = tt.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=at(2022, 3, 5), latest=None, catchup=True),
    )
    assert info.data_interval == DataInterval(at(2022, 7, 1), at(2023, 1, 1))
    assert info.run_after == at(2023, 1, 1)


def test_intervals_follow_each_other():
    tt = HalfYearTimetable(delay_days=20)
    restriction = TimeRestriction(earliest=at(2022, 1, 1), latest=None, catchup=True)
    last, seen = None, []
    for _ in range(4):
        info = tt.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        seen.append((info.data_interval.start.date().isoformat(), info.run_after.date().isoformat()))
        last = info.data_interval
    assert seen == [
        ("2022-01-01", "2022-07-21"),
        ("2022-07-01", "2023-01-21"),
        ("2023-01-01", "2023-07-21"),
        ("2023-07-01", "2024-01-21"),
    ]


def test_without_catchup_missed_half_years_are_skipped():
    tt = HalfYearTimetable(delay_days=15)
    info = tt.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=at(2020, 1, 1), latest=None, catchup=False),
    )
    assert info.run_after >= pendulum.now(TZ).subtract(days=190)
    assert info.data_interval.end - info.data_interval.start >= pendulum.duration(days=181)


def test_end_date_stops_the_schedule():
    tt = HalfYearTimetable()
    info = tt.next_dagrun_info(
        last_automated_data_interval=DataInterval(at(2022, 1, 1), at(2022, 7, 1)),
        restriction=TimeRestriction(earliest=at(2022, 1, 1), latest=at(2022, 6, 1), catchup=True),
    )
    assert info is None


@pytest.mark.parametrize(
    "run_after, start, end",
    [
        (at(2022, 7, 20), at(2022, 1, 1), at(2022, 7, 1)),
        (at(2023, 2, 1), at(2022, 7, 1), at(2023, 1, 1)),
    ],
)
def test_a_manual_run_drafts_the_half_year_that_closed_last(run_after, start, end):
    assert HalfYearTimetable().infer_manual_data_interval(run_after=run_after) == DataInterval(start, end)


def test_serialises_and_registers_as_a_plugin():
    tt = HalfYearTimetable(delay_days=10)
    assert HalfYearTimetable.deserialize(tt.serialize()).serialize() == {"delay_days": 10, "timezone": TZ}
    assert HalfYearTimetable in GiamNgheoTimetablePlugin.timetables
    from airflow.exceptions import AirflowTimetableInvalid

    with pytest.raises(AirflowTimetableInvalid, match="delay_days"):
        HalfYearTimetable(delay_days=-1).validate()
    assert "10" in tt.summary
