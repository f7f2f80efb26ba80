"""The scheduler model (``sigmaq.export.splunk.schedule``): which runs read an event.

A model of Splunk's scheduler, not Splunk. The old stanza settings (an event-time slice
25 to 15 minutes back) are kept here as the case the new ones must beat: a record
indexed 40 minutes after its eventTime was read by no run; with index-time slices it is
read by exactly one.
"""

from __future__ import annotations

import pytest

from sigmaq.export.splunk.schedule import Schedule, cron_minutes, relative_offset

OLD = {
    "cron_schedule": "4,14,24,34,44,54 * * * *",
    "dispatch.earliest_time": "-25m@m",
    "dispatch.latest_time": "-15m@m",
}
NEW = {
    "cron_schedule": "4,14,24,34,44,54 * * * *",
    "dispatch.earliest_time": "-7d@m",
    "dispatch.latest_time": "+1h@m",
    "dispatch.index_earliest": "-11m@m",
    "dispatch.index_latest": "-1m@m",
}
CALL = 1_790_000_017.0  # 2026-09-21T13:33:37Z, an eventTime


def test_relative_times_and_cron() -> None:
    assert relative_offset("-25m@m") == -1500
    assert relative_offset("+1h@m") == 3600
    assert relative_offset("-7d@m") == -7 * 86400
    assert relative_offset("now") == relative_offset("@m") == 0
    for unknown in ("-1mon", "@d", "2026-01-01T00:00:00", "", "-30s@m"):
        with pytest.raises(ValueError):
            relative_offset(unknown)
    assert cron_minutes("4,14,24,34,44,54 * * * *") == (4, 14, 24, 34, 44, 54)
    with pytest.raises(ValueError):
        cron_minutes("*/10 * * * *")


def test_a_late_event_is_missed_by_the_old_settings_and_read_once_by_the_new() -> None:
    late = CALL + 40 * 60  # indexed 40 minutes after the call
    assert Schedule.from_settings(OLD).runs_reading(CALL, late) == []
    runs = Schedule.from_settings(NEW).runs_reading(CALL, late)
    assert len(runs) == 1 and 60 < runs[0] - late <= 11 * 60


def test_an_on_time_event_is_read_once_by_both_and_sooner_by_the_new() -> None:
    old = Schedule.from_settings(OLD).runs_reading(CALL, CALL + 5)
    new = Schedule.from_settings(NEW).runs_reading(CALL, CALL + 5)
    assert len(old) == len(new) == 1
    assert 15 * 60 < old[0] - CALL <= 25 * 60  # the old fixed wait
    assert 60 < new[0] - CALL <= 11 * 60
    assert new[0] < old[0]


@pytest.mark.parametrize("lateness", [0, 1, 59, 60, 61, 599, 600, 601, 3599, 86400, 6 * 86400])
def test_new_settings_read_every_lateness_exactly_once(lateness: int) -> None:
    schedule = Schedule.from_settings(NEW)
    for second in range(0, 3600, 37):  # every phase of the call against the schedule
        event_time = CALL + second
        assert len(schedule.runs_reading(event_time, event_time + lateness)) == 1


def test_old_settings_miss_what_is_more_than_15_minutes_late() -> None:
    schedule = Schedule.from_settings(OLD)
    counts = {
        lateness: len(schedule.runs_reading(CALL, CALL + lateness))
        for lateness in (0, 14 * 60, 26 * 60, 3600)
    }
    # 14 minutes late: read only if the run that owns its slice comes after it
    assert counts[0] == 1 and counts[14 * 60] <= 1
    assert counts[26 * 60] == 0 and counts[3600] == 0


def test_a_range_without_earliest_is_refused() -> None:
    schedule = Schedule.from_settings({"cron_schedule": "0 * * * *"})
    with pytest.raises(ValueError):
        schedule.runs_reading(CALL, CALL)
