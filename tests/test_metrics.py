"""Hand-worked metric cases, and daily_metrics checked against the slow reference.

Every expected number below is worked out by hand in the comment above it. Unless a case says
otherwise the person is "ann" in UTC with the default hours (Mon-Fri 09:00-17:00), so local time
and UTC agree, and "load" gives 100 x score = (200 m + 80 f + w (15 min(b2b, 4) + min(after,
60))) / (4 w) before rounding half to even, with w = max(working_min, 1).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import synthetic_org
from calendar_slack import metrics, schema
from calendar_slack.errors import BadInputError
from calendar_slack.metrics import METRICS, PersonDays, daily_metrics, week_totals
from calendar_slack.prefs import MetricSettings
from calendar_slack.workhours import WorkingHours, day_frame, utc_minutes, zone
from tests.metrics_reference import reference_daily_metrics

MON = dt.date(2026, 3, 2)
UTC = {"ann": PersonDays("UTC")}
Row = tuple[str, str, str, str]


def table(*rows: Row) -> pd.DataFrame:
    """(person, start, end, kind) rows, instants as ISO strings with their offset."""
    return schema.from_records(
        {
            "person": person,
            "source": "demo",
            "calendar": "cal",
            "event_id": f"e{i}",
            "start": pd.Timestamp(start),
            "end": pd.Timestamp(end),
            "all_day": False,
            "kind": kind,
            "response": "accepted",
            "attendees": 1 if kind == "meeting" else 0,
            "ours": False,
        }
        for i, (person, start, end, kind) in enumerate(rows)
    )


def ann(day: str, start: str, end: str, kind: str, end_day: str | None = None) -> Row:
    return ("ann", f"{day}T{start}Z", f"{end_day or day}T{end}Z", kind)


def day(**values: Any) -> dict[str, Any]:
    """All metrics of one day: zero unless given; density NaN and no score unless given."""
    out: dict[str, Any] = {name: 0 for name in METRICS}
    out["density"] = math.nan
    out["load_score"] = None
    out.update(values)
    return out


def rows(frame: pd.DataFrame) -> dict[tuple[str, dt.date], dict[str, Any]]:
    out = {}
    for record in frame.to_dict("records"):
        values = {name: record[name] for name in METRICS}
        values["load_score"] = None if pd.isna(values["load_score"]) else int(values["load_score"])
        out[record["person"], record["date"]] = values
    return out


def check(got: dict[str, Any], want: dict[str, Any]) -> None:
    density = want["density"]
    assert (math.isnan(got["density"]) and math.isnan(density)) or got["density"] == density, (
        got,
        want,
    )
    assert {k: v for k, v in got.items() if k != "density"} == {
        k: v for k, v in want.items() if k != "density"
    }


def one(events: pd.DataFrame, when: dt.date, **kw: Any) -> dict[str, Any]:
    people = kw.pop("people", UTC)
    person = kw.pop("person", "ann")
    return rows(daily_metrics(events, people, when, when, **kw))[person, when]


# --- hand-worked days --------------------------------------------------------------------------


def test_plain_day_an_empty_day_and_a_day_off() -> None:
    events = table(
        ann("2026-03-02", "10:00", "11:00", "meeting"),
        ann("2026-03-02", "13:00", "13:30", "hold"),
        ann("2026-03-02", "15:00", "16:00", "focus"),  # a focus block is free time
        ann("2026-03-02", "16:30", "17:30", "meeting"),
    )
    got = rows(daily_metrics(events, UTC, MON, dt.date(2026, 3, 7)))
    # W = 09:00-17:00 = 480. Meetings inside W: 10-11 (60) + 16:30-17:00 (30) = 90; hold 30.
    # Free stretches 09-10 (60, fragmented), 11-13 (120, focus), 13:30-16:30 (180, focus):
    # focus 300, fragmented 60, 90 + 30 + 300 + 60 = 480. After hours 17:00-17:30 = 30.
    # Two runs of 60; the first ends at 11:00 followed by 120 free minutes: no deficit.
    # load = (200*90 + 80*60 + 480*(0 + 30)) / 1920 = 37200 / 1920 = 19.375 -> 19.
    check(
        got["ann", MON],
        day(
            working_min=480,
            meeting_min=90,
            hold_min=30,
            focus_min=300,
            fragmented_min=60,
            largest_free_block_min=180,
            after_hours_meeting_min=30,
            meeting_count=2,
            longest_run_min=60,
            density=90 / 480,
            load_score=19,
        ),
    )
    # Tuesday has no events: all 480 minutes are one focus stretch; load 0.
    check(
        got["ann", dt.date(2026, 3, 3)],
        day(working_min=480, focus_min=480, largest_free_block_min=480, density=0.0, load_score=0),
    )
    # Saturday: no working time and no meeting: density NaN, no score.
    check(got["ann", dt.date(2026, 3, 7)], day())


def test_overlapping_meetings_conflict() -> None:
    events = table(
        ann("2026-03-02", "10:00", "11:00", "meeting"),
        ann("2026-03-02", "10:30", "11:30", "meeting"),
        ann("2026-03-02", "10:45", "11:00", "meeting"),
    )
    # Union 10:00-11:30 = 90; two or more at once 10:30-11:00 = 30. One run of three meetings:
    # b2b = 3 - 1 = 2, longest 90. Free 09-10 (60, fragmented) and 11:30-17:00 (330, focus).
    # load = (200*90 + 80*60 + 480*(15*2 + 0)) / 1920 = 37200 / 1920 = 19.375 -> 19.
    check(
        one(events, MON),
        day(
            working_min=480,
            meeting_min=90,
            focus_min=330,
            fragmented_min=60,
            largest_free_block_min=330,
            conflict_min=30,
            meeting_count=3,
            b2b_count=2,
            longest_run_min=90,
            density=90 / 480,
            load_score=19,
        ),
    )


def test_back_to_back_run_then_a_hold_five_minutes_later_is_a_recovery_deficit() -> None:
    events = table(
        ann("2026-03-02", "13:00", "13:30", "meeting"),
        ann("2026-03-02", "13:30", "14:00", "meeting"),
        ann("2026-03-02", "14:00", "14:30", "meeting"),
        ann("2026-03-02", "14:35", "15:00", "hold"),
    )
    # One run 13:00-14:30 (90 >= 60), b2b = 3 - 1 = 2. After E = 14:30 the free stretch is
    # 14:30-14:35 = 5 < 15 and a hold ends it: one deficit. Free: 09-13 (240) and 15-17 (120)
    # are focus (360), 5 fragmented; 90 + 25 + 360 + 5 = 480.
    # load = (200*90 + 80*5 + 480*(15*2)) / 1920 = 32800 / 1920 = 17.08 -> 17.
    check(
        one(events, MON),
        day(
            working_min=480,
            meeting_min=90,
            hold_min=25,
            focus_min=360,
            fragmented_min=5,
            largest_free_block_min=240,
            meeting_count=3,
            b2b_count=2,
            longest_run_min=90,
            recovery_deficits=1,
            density=90 / 480,
            load_score=17,
        ),
    )
    # The same hold 20 minutes later leaves 20 >= 15 free minutes: no deficit.
    later = table(*[r for r in _rows(events)[:3]], ann("2026-03-02", "14:50", "15:15", "hold"))
    assert one(later, MON)["recovery_deficits"] == 0
    # With recovery_min 25 the 20 minutes are too few again.
    assert one(later, MON, settings=MetricSettings(recovery_min=25))["recovery_deficits"] == 1


def _rows(events: pd.DataFrame) -> list[Row]:
    return [
        (str(p), s.isoformat(), e.isoformat(), str(k))
        for p, s, e, k in zip(
            events["person"], events["start"], events["end"], events["kind"], strict=True
        )
    ]


def test_run_ending_at_the_end_of_the_window_is_no_deficit() -> None:
    events = table(
        ann("2026-03-02", "15:30", "16:15", "meeting"),
        ann("2026-03-02", "16:15", "17:00", "meeting"),
        ann("2026-03-02", "17:05", "17:30", "hold"),  # after hours: not inside W
    )
    # Run 15:30-17:00 = 90 ends at work_end; the stretch after it ends with the window, not at
    # the hold: no deficit. Free 09:00-15:30 = 390 (focus); the hold is outside W (hold_min 0).
    # load = (200*90 + 0 + 480*(15*1 + 0)) / 1920 = 25200 / 1920 = 13.125 -> 13.
    check(
        one(events, MON),
        day(
            working_min=480,
            meeting_min=90,
            focus_min=390,
            largest_free_block_min=390,
            meeting_count=2,
            b2b_count=1,
            longest_run_min=90,
            density=90 / 480,
            load_score=13,
        ),
    )


def test_run_ending_under_a_hold_has_no_free_stretch() -> None:
    events = table(
        ann("2026-03-02", "10:00", "10:30", "meeting"),
        ann("2026-03-02", "10:30", "11:00", "meeting"),
        ann("2026-03-02", "10:45", "11:30", "hold"),
    )
    # Run 10:00-11:00 = 60 >= 60 ends under the hold: free stretch 0 -> deficit. Hold not under a
    # meeting: 11:00-11:30 = 30. Free 09-10 (60, fragmented), 11:30-17:00 (330, focus).
    # load = (200*60 + 80*60 + 480*(15*1)) / 1920 = 24000 / 1920 = 12.5 -> 12 (half to even).
    check(
        one(events, MON),
        day(
            working_min=480,
            meeting_min=60,
            hold_min=30,
            focus_min=330,
            fragmented_min=60,
            largest_free_block_min=330,
            meeting_count=2,
            b2b_count=1,
            longest_run_min=60,
            recovery_deficits=1,
            density=60 / 480,
            load_score=12,
        ),
    )


def test_run_end_must_lie_after_work_start() -> None:
    events = table(
        ann("2026-03-02", "08:00", "08:30", "meeting"),
        ann("2026-03-02", "08:30", "09:00", "meeting"),
        ann("2026-03-02", "09:05", "09:30", "hold"),
    )
    # The run 08:00-09:00 (60) ends at work_start itself: not inside working hours, so the 5
    # free minutes before the hold are no deficit. Free 09:00-09:05 (5), 09:30-17:00 (450).
    # load = (0 + 80*5 + 480*(15*1 + 60)) / 1920 = 36400 / 1920 = 18.96 -> 19.
    check(
        one(events, MON),
        day(
            working_min=480,
            hold_min=25,
            focus_min=450,
            fragmented_min=5,
            largest_free_block_min=450,
            after_hours_meeting_min=60,
            meeting_count=2,
            b2b_count=1,
            longest_run_min=60,
            density=0.0,
            load_score=19,
        ),
    )
    # One minute later the run ends at 09:01, inside: 4 free minutes -> one deficit.
    later = table(
        ann("2026-03-02", "08:01", "08:31", "meeting"),
        ann("2026-03-02", "08:31", "09:01", "meeting"),
        ann("2026-03-02", "09:05", "09:30", "hold"),
    )
    assert one(later, MON)["recovery_deficits"] == 1


def test_back_to_back_means_less_than_b2b_gap_minutes_apart() -> None:
    # 10:35 is 5 minutes after 10:30: not less than b2b_gap 5, so a new run (b2b 0, longest 30).
    apart = table(
        ann("2026-03-02", "10:00", "10:30", "meeting"),
        ann("2026-03-02", "10:35", "11:00", "meeting"),
    )
    assert (one(apart, MON)["b2b_count"], one(apart, MON)["longest_run_min"]) == (0, 30)
    # 10:34 is 4 minutes after: the same run, 10:00-11:00 = 60.
    close = table(
        ann("2026-03-02", "10:00", "10:30", "meeting"),
        ann("2026-03-02", "10:34", "11:00", "meeting"),
    )
    assert (one(close, MON)["b2b_count"], one(close, MON)["longest_run_min"]) == (1, 60)
    # With b2b_gap 0 only overlapping meetings join a run: touching ones do not.
    touching = table(
        ann("2026-03-02", "10:00", "10:30", "meeting"),
        ann("2026-03-02", "10:30", "11:00", "meeting"),
    )
    assert one(touching, MON, settings=MetricSettings(b2b_gap=0))["b2b_count"] == 0
    assert one(touching, MON)["b2b_count"] == 1


def test_run_ending_as_ooo_ends_under_a_hold() -> None:
    events = table(
        ann("2026-03-02", "09:00", "10:00", "ooo"),
        ann("2026-03-02", "09:00", "10:00", "meeting"),  # during ooo: not in W
        ann("2026-03-02", "10:00", "10:30", "hold"),
    )
    # W = 10:00-17:00 = 420. The run ends at E = 10:00: ooo covers [09:00, 10:00), so minute
    # 10:00 is not under ooo but under the hold -> free stretch 0 -> one deficit.
    # Hold 30, free 10:30-17:00 = 390 (focus). load = 0.
    check(
        one(events, MON),
        day(
            working_min=420,
            hold_min=30,
            focus_min=390,
            largest_free_block_min=390,
            meeting_count=1,
            longest_run_min=60,
            recovery_deficits=1,
            density=0.0,
            load_score=0,
        ),
    )


def test_ooo_afternoon() -> None:
    events = table(
        ann("2026-03-02", "13:00", "17:00", "ooo"),
        ann("2026-03-02", "11:00", "11:30", "meeting"),
        ann("2026-03-02", "12:30", "13:30", "meeting"),
        ann("2026-03-02", "14:00", "15:00", "hold"),  # under ooo: not counted
    )
    # W = 09:00-13:00 = 240. Meetings in W: 30 + 12:30-13:00 30 = 60; the hold is outside W.
    # Free: 09-11 (120, focus), 11:30-12:30 (60, fragmented): 60 + 0 + 120 + 60 = 240.
    # 13:00-13:30 is inside working hours, so not after hours. The second run (12:30-13:30,
    # 60) ends under ooo: no deficit.
    # load = (200*60 + 80*60 + 240*0) / 960 = 16800 / 960 = 17.5 -> 18 (half to even).
    check(
        one(events, MON),
        day(
            working_min=240,
            meeting_min=60,
            focus_min=120,
            fragmented_min=60,
            largest_free_block_min=120,
            meeting_count=2,
            longest_run_min=60,
            density=60 / 240,
            load_score=18,
        ),
    )


def test_full_ooo_days() -> None:
    events = table(
        ann("2026-03-04", "00:00", "00:00", "ooo", end_day="2026-03-06"),  # Wed and Thu
        ann("2026-03-04", "10:00", "11:00", "meeting"),
    )
    got = rows(daily_metrics(events, UTC, dt.date(2026, 3, 4), dt.date(2026, 3, 6)))
    # Wednesday: no working time, but a meeting part: the score is 0 + 0 + 1*(0 + 0) = 0, not
    # null. The meeting is inside working hours (under ooo), so not after hours.
    check(got["ann", dt.date(2026, 3, 4)], day(meeting_count=1, longest_run_min=60, load_score=0))
    # Thursday: no working time, no meeting: no score.
    check(got["ann", dt.date(2026, 3, 5)], day())
    # Friday: back at work, nothing booked.
    check(
        got["ann", dt.date(2026, 3, 6)],
        day(working_min=480, focus_min=480, largest_free_block_min=480, density=0.0, load_score=0),
    )


def test_meeting_across_local_midnight_is_split() -> None:
    events = table(ann("2026-03-02", "23:00", "01:00", "meeting", end_day="2026-03-03"))
    got = rows(daily_metrics(events, UTC, MON, dt.date(2026, 3, 3)))
    # Monday part 23:00-24:00 (60), Tuesday part 00:00-01:00 (60): both after hours, each a run
    # of 60; only Monday counts the meeting. load = 480*(0 + 60) / 1920 = 15 on both days.
    free = {"working_min": 480, "focus_min": 480, "largest_free_block_min": 480, "density": 0.0}
    check(
        got["ann", MON],
        day(**free, after_hours_meeting_min=60, meeting_count=1, longest_run_min=60, load_score=15),
    )
    check(
        got["ann", dt.date(2026, 3, 3)],
        day(**free, after_hours_meeting_min=60, longest_run_min=60, load_score=15),
    )
    # Measured from Tuesday on, the meeting started before the range: still not counted.
    check(
        one(events, dt.date(2026, 3, 3)),
        day(**free, after_hours_meeting_min=60, longest_run_min=60, load_score=15),
    )


def test_weekend_and_after_hours_meetings() -> None:
    events = table(
        ann("2026-03-06", "07:30", "08:00", "meeting"),
        ann("2026-03-06", "17:00", "17:20", "meeting"),
        ann("2026-03-07", "10:00", "11:30", "meeting"),
    )
    got = rows(daily_metrics(events, UTC, dt.date(2026, 3, 6), dt.date(2026, 3, 7)))
    # Friday: 30 + 20 = 50 after hours; load = 480*50 / 1920 = 12.5 -> 12 (half to even).
    check(
        got["ann", dt.date(2026, 3, 6)],
        day(
            working_min=480,
            focus_min=480,
            largest_free_block_min=480,
            after_hours_meeting_min=50,
            meeting_count=2,
            longest_run_min=30,
            density=0.0,
            load_score=12,
        ),
    )
    # Saturday is a day off: all 90 minutes are after hours; load = 1*min(90, 60) / 4 = 15.
    check(
        got["ann", dt.date(2026, 3, 7)],
        day(after_hours_meeting_min=90, meeting_count=1, longest_run_min=90, load_score=15),
    )


def test_dst_spring_forward_in_stockholm() -> None:
    # 2026-03-29 (a Sunday) lasts 23 h in Stockholm: 02:00 CET jumps to 03:00 CEST (01:00Z).
    people = {
        "sven": PersonDays("Europe/Stockholm", WorkingHours.parse({"sun": "00:00-06:00"})),
        "stina": PersonDays("Europe/Stockholm"),
    }
    events = table(
        ("sven", "2026-03-29T00:30Z", "2026-03-29T01:30Z", "meeting"),  # 01:30 CET-03:30 CEST
        ("sven", "2026-03-29T18:00Z", "2026-03-29T19:00Z", "meeting"),  # 20:00-21:00 CEST
        ("stina", "2026-03-28T23:00Z", "2026-03-29T22:00Z", "meeting"),  # all of local Sunday
    )
    got = rows(daily_metrics(events, people, dt.date(2026, 3, 28), dt.date(2026, 3, 30)))
    sun = dt.date(2026, 3, 29)
    # sven's Sunday window 00:00 CET (23:00Z) - 06:00 CEST (04:00Z) is 300 minutes, not 360.
    # Meeting 60 inside; free 23:00Z-00:30Z (90, fragmented) and 01:30Z-04:00Z (150, focus);
    # 60 + 0 + 150 + 90 = 300. The 20:00 meeting is after hours (60).
    # load = (200*60 + 80*90 + 300*(0 + 60)) / 1200 = 37200 / 1200 = 31.
    check(
        got["sven", sun],
        day(
            working_min=300,
            meeting_min=60,
            focus_min=150,
            fragmented_min=90,
            largest_free_block_min=150,
            after_hours_meeting_min=60,
            meeting_count=2,
            longest_run_min=60,
            density=60 / 300,
            load_score=31,
        ),
    )
    # Monday 09:00-17:00 CEST (07:00Z-15:00Z) is an ordinary 480.
    check(
        got["sven", dt.date(2026, 3, 30)],
        day(working_min=480, focus_min=480, largest_free_block_min=480, density=0.0, load_score=0),
    )
    # stina's meeting covers her whole local Sunday: 23 h = 1380 minutes, all after hours;
    # load = 1*min(1380, 60) / 4 = 15. Saturday is untouched.
    check(
        got["stina", sun],
        day(after_hours_meeting_min=1380, meeting_count=1, longest_run_min=1380, load_score=15),
    )
    check(got["stina", dt.date(2026, 3, 28)], day())


def test_dst_fall_back_in_new_york() -> None:
    # 2026-11-01 (a Sunday) lasts 25 h in New York: 02:00 EDT goes back to 01:00 EST (06:00Z).
    people = {
        "nina": PersonDays("America/New_York", WorkingHours.parse({"sun": "00:00-24:00"})),
        "ned": PersonDays("America/New_York", WorkingHours.parse({"sun": "00:00-06:00"})),
    }
    events = table(
        ("nina", "2026-11-01T05:30Z", "2026-11-01T06:30Z", "meeting"),  # 01:30 EDT-01:30 EST
        ("nina", "2026-11-02T13:30Z", "2026-11-02T14:30Z", "meeting"),  # 08:30-09:30 EST
    )
    got = rows(daily_metrics(events, people, dt.date(2026, 11, 1), dt.date(2026, 11, 2)))
    sun, mon = dt.date(2026, 11, 1), dt.date(2026, 11, 2)
    # nina works all of Sunday: 04:00Z - 05:00Z next day = 1500 minutes. Free 04:00Z-05:30Z
    # (90, fragmented) and 06:30Z-05:00Z (1350, focus); 60 + 0 + 1350 + 90 = 1500.
    # load = (200*60 + 80*90 + 1500*0) / 6000 = 19200 / 6000 = 3.2 -> 3.
    check(
        got["nina", sun],
        day(
            working_min=1500,
            meeting_min=60,
            focus_min=1350,
            fragmented_min=90,
            largest_free_block_min=1350,
            meeting_count=1,
            longest_run_min=60,
            density=60 / 1500,
            load_score=3,
        ),
    )
    # Monday 09:00-17:00 EST is 14:00Z-22:00Z: 30 minutes of the meeting inside, 30 before.
    # load = (200*30 + 0 + 480*30) / 1920 = 20400 / 1920 = 10.625 -> 11.
    check(
        got["nina", mon],
        day(
            working_min=480,
            meeting_min=30,
            focus_min=450,
            largest_free_block_min=450,
            after_hours_meeting_min=30,
            meeting_count=1,
            longest_run_min=60,
            density=30 / 480,
            load_score=11,
        ),
    )
    # ned's window 00:00 EDT (04:00Z) - 06:00 EST (11:00Z) spans the change: 7 h = 420.
    check(
        got["ned", sun],
        day(working_min=420, focus_min=420, largest_free_block_min=420, density=0.0, load_score=0),
    )


def test_a_person_in_another_zone() -> None:
    people = {"ann": PersonDays("UTC"), "ravi": PersonDays("Asia/Kolkata")}
    events = table(
        *[
            row
            for who in people
            for row in (
                (who, "2026-03-02T03:00Z", "2026-03-02T04:00Z", "meeting"),  # 08:30 IST Monday
                (who, "2026-03-01T19:00Z", "2026-03-01T19:30Z", "meeting"),  # 00:30 IST Monday
            )
        ]
    )
    got = rows(daily_metrics(events, people, dt.date(2026, 3, 1), MON))
    # ravi (+05:30): both meetings fall on Monday. 09:00-17:00 IST = 03:30Z-11:30Z; meeting
    # minutes inside 30, after hours 30 + 30 = 60; free 09:30-17:00 = 450 (focus).
    # load = (200*30 + 0 + 480*(0 + 60)) / 1920 = 34800 / 1920 = 18.125 -> 18.
    check(
        got["ravi", MON],
        day(
            working_min=480,
            meeting_min=30,
            focus_min=450,
            largest_free_block_min=450,
            after_hours_meeting_min=60,
            meeting_count=2,
            longest_run_min=60,
            density=30 / 480,
            load_score=18,
        ),
    )
    check(got["ravi", dt.date(2026, 3, 1)], day())
    # ann (UTC): the 19:00 meeting is on Sunday (a day off): load = 1*30 / 4 = 7.5 -> 8.
    check(
        got["ann", dt.date(2026, 3, 1)],
        day(after_hours_meeting_min=30, meeting_count=1, longest_run_min=30, load_score=8),
    )
    # ...and the 03:00-04:00 one is before her Monday: load = 480*60 / 1920 = 15.
    check(
        got["ann", MON],
        day(
            working_min=480,
            focus_min=480,
            largest_free_block_min=480,
            after_hours_meeting_min=60,
            meeting_count=1,
            longest_run_min=60,
            density=0.0,
            load_score=15,
        ),
    )


def test_minutes_round_outwards() -> None:
    # 10:00:30-10:01:10 covers the minutes 10:00 and 10:01 (floor start, ceil end): 2 minutes.
    events = table(("ann", "2026-03-02T10:00:30Z", "2026-03-02T10:01:10Z", "meeting"))
    got = one(events, MON)
    assert (got["meeting_min"], got["longest_run_min"]) == (2, 2)
    # Free 09:00-10:00 (60) and 10:02-17:00 (418): 2 + 418 + 60 = 480.
    assert (got["focus_min"], got["fragmented_min"]) == (418, 60)


# --- week totals -------------------------------------------------------------------------------


def test_week_totals_by_hand() -> None:
    # person, then every metric in METRICS order (density NaN / score None where a day has none).
    nan = math.nan
    days = [
        ("b", 480, 120, 30, 240, 90, 200, 10, 5, 4, 1, 90, 1, 0.25, 41),
        ("b", 240, 0, 0, 240, 0, 240, 0, 0, 0, 0, 0, 0, 0.0, 42),
        ("b", 0, 0, 0, 0, 0, 0, 45, 0, 1, 0, 45, 0, nan, 11),
        ("a", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, nan, 12),
        ("a", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, nan, None),
        *[("c", 100, 0, 0, 100, 0, 100, 0, 0, 0, 0, 0, 0, 0.0, s) for s in (1, 1, 1, 2)],
    ]
    frame = pd.DataFrame(days, columns=["person", *METRICS])
    frame.insert(1, "date", MON)
    frame["person"] = frame["person"].astype(pd.StringDtype())
    frame["load_score"] = frame["load_score"].astype("Int64")
    totals = week_totals(frame)
    assert totals["person"].tolist() == ["a", "b", "c"]
    assert totals["person"].dtype == pd.StringDtype()
    assert list(totals.columns) == ["person", *METRICS]
    got = {r["person"]: r for r in totals.to_dict("records")}
    # b: sums 480+240+0 = 720 working, 120 meeting, 30 hold, 240+240 = 480 focus, 90 fragmented,
    # 10+45 = 55 after hours, 5 conflict, 4+1 = 5 meetings, 1 b2b, 1 deficit; maxima
    # largest max(200, 240, 0) = 240, longest max(90, 0, 45) = 90; density 120 / 720;
    # load mean (41 + 42 + 11) / 3 = 31.33 -> 31.3.
    b = got["b"]
    assert [b[m] for m in METRICS if m not in ("density", "load_score")] == [
        720, 120, 30, 480, 90, 240, 55, 5, 5, 1, 90, 1,
    ]  # fmt: skip
    assert b["density"] == 120 / 720
    assert b["load_score"] == 31.3
    # a: no working time -> density NaN; one day with a score: 12.0.
    assert math.isnan(got["a"]["density"]) and got["a"]["load_score"] == 12.0
    # c: (1 + 1 + 1 + 2) / 4 = 1.25 -> 1.2 (half to even, exactly); density 0 / 400 = 0.
    assert got["c"]["load_score"] == 1.2 and got["c"]["density"] == 0.0
    assert totals["load_score"].dtype == np.float64
    assert totals["working_min"].dtype == np.int64


def test_week_totals_of_a_measured_week() -> None:
    events = table(
        ann("2026-03-02", "10:00", "11:00", "meeting"),
        ann("2026-03-04", "13:00", "15:00", "meeting"),
        ann("2026-03-07", "10:00", "10:30", "meeting"),
    )
    week = daily_metrics(events, UTC, MON, dt.date(2026, 3, 8))
    totals = week_totals(week).to_dict("records")[0]
    # Five working days of 480 = 2400; meetings 60 + 120 = 180 inside, 30 on Saturday.
    # Mon: free 60 (fragmented) + 360 (focus); Wed: 240 + 120 (both focus); others 480 focus.
    # focus = 360 + 480 + 360 + 480 + 480 = 2160, fragmented 60; largest max = 480.
    # Scores: Mon (200*60 + 80*60) / 1920 = 8.75 -> 9; Wed 200*120 / 1920 = 12.5 -> 12;
    # Tue, Thu, Fri 0; Sat 30 / 4 = 7.5 -> 8; Sun none. Mean (9 + 12 + 0 + 0 + 0 + 8) / 6
    # = 29 / 6 = 4.83 -> 4.8.
    assert totals["working_min"] == 2400
    assert totals["meeting_min"] == 180
    assert (totals["focus_min"], totals["fragmented_min"]) == (2160, 60)
    assert totals["largest_free_block_min"] == 480
    assert totals["after_hours_meeting_min"] == 30
    assert (totals["meeting_count"], totals["longest_run_min"]) == (3, 120)
    assert totals["density"] == 180 / 2400
    assert totals["load_score"] == 4.8


def test_week_totals_missing_column() -> None:
    with pytest.raises(BadInputError, match="load_score"):
        week_totals(pd.DataFrame({"person": ["a"]}))


# --- shape, dtypes, inputs ---------------------------------------------------------------------


def test_frame_shape_and_dtypes() -> None:
    people = {"zoe": PersonDays("UTC"), "adam": PersonDays("Europe/Stockholm")}
    events = table(
        ("zoe", "2026-03-02T10:00Z", "2026-03-02T11:00Z", "meeting"),
        ("someone", "2026-03-02T10:00Z", "2026-03-02T11:00Z", "meeting"),  # not asked for
        ("zoe", "2026-03-03T10:00Z", "2026-03-03T11:00Z", "free"),  # declined: free time
    )
    frame = daily_metrics(events, people, MON, dt.date(2026, 3, 4))
    assert list(frame.columns) == ["person", "date", *METRICS]
    # 2 people x 3 dates, sorted by person then date, one row even for days without events.
    assert frame["person"].tolist() == ["adam"] * 3 + ["zoe"] * 3
    assert frame["date"].tolist() == [MON, dt.date(2026, 3, 3), dt.date(2026, 3, 4)] * 2
    assert all(type(d) is dt.date for d in frame["date"])
    assert frame["person"].dtype == pd.StringDtype()
    assert frame["date"].dtype == object
    for name in METRICS:
        want = {"density": np.float64, "load_score": pd.Int64Dtype()}.get(name, np.int64)
        assert frame[name].dtype == want, name
    assert frame["meeting_min"].tolist() == [0, 0, 0, 60, 0, 0]


def test_no_people_and_no_events() -> None:
    frame = daily_metrics(table(ann("2026-03-02", "10:00", "11:00", "meeting")), {}, MON, MON)
    assert frame.empty and list(frame.columns) == ["person", "date", *METRICS]
    empty = daily_metrics(schema.empty_frame(), UTC, MON, MON)
    assert empty["focus_min"].tolist() == [480]


@pytest.mark.parametrize(
    "dtype", ["category", object, "str", pd.StringDtype("python"), pd.StringDtype("pyarrow")]
)
def test_any_person_column_dtype_gives_the_same_numbers(dtype: Any) -> None:
    events = table(
        ann("2026-03-02", "10:00", "11:00", "meeting"),
        ("bo", "2026-03-02T12:00Z", "2026-03-02T13:00Z", "meeting"),
        ann("2026-03-02", "11:00", "12:00", "hold"),
    )
    people = {"ann": PersonDays("UTC"), "bo": PersonDays("UTC"), "cy": PersonDays("UTC")}
    want = daily_metrics(events, people, MON, MON)
    events["person"] = events["person"].astype(dtype)
    pd.testing.assert_frame_equal(daily_metrics(events, people, MON, MON), want)
    assert want["meeting_min"].tolist() == [60, 60, 0]


def test_tables_joined_from_several_sources() -> None:
    # pd.concat leaves the arrow-backed person column in several chunks; rows of a person
    # come in two separate runs.
    one_source = table(
        ann("2026-03-02", "10:00", "11:00", "meeting"),
        ("bo", "2026-03-02T10:00Z", "2026-03-02T12:00Z", "meeting"),
    )
    other = table(ann("2026-03-02", "10:30", "11:30", "meeting")).assign(source="ics")
    joined = pd.concat([one_source, other], ignore_index=True)
    assert joined["person"].array.__arrow_array__().num_chunks == 2
    people = {"ann": PersonDays("UTC"), "bo": PersonDays("UTC")}
    got = daily_metrics(joined, people, MON, MON)
    # ann: union 10:00-11:30 = 90 with 10:30-11:00 = 30 in conflict; bo: 120.
    assert got["meeting_min"].tolist() == [90, 120]
    assert got["conflict_min"].tolist() == [30, 0]


def test_bad_input() -> None:
    events = table(ann("2026-03-02", "10:00", "11:00", "meeting"))
    with pytest.raises(BadInputError, match="Mars/Base"):
        daily_metrics(events, {"ann": PersonDays("Mars/Base")}, MON, MON)
    with pytest.raises(BadInputError, match="ends before it starts"):
        daily_metrics(events, UTC, MON, dt.date(2026, 3, 1))
    with pytest.raises(BadInputError, match="missing column"):
        daily_metrics(events.drop(columns="kind"), UTC, MON, MON)
    wrong = events.assign(kind=pd.Series(["busy"], dtype=object))
    with pytest.raises(BadInputError, match="kind"):
        daily_metrics(wrong, UTC, MON, MON)
    naive = events.assign(start=events["start"].dt.tz_localize(None))
    with pytest.raises(BadInputError, match="start"):
        daily_metrics(naive, UTC, MON, MON)
    missing = events.assign(end=pd.Series([pd.NaT], dtype=schema.UTC_NS))
    with pytest.raises(BadInputError, match="empty"):
        daily_metrics(missing, UTC, MON, MON)


ZONES = (
    "UTC",
    "Europe/Stockholm",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # half-hour DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/Sao_Paulo",
)


@pytest.mark.parametrize("tz", ZONES)
def test_local_days_and_windows_are_those_of_day_frame(tz: str) -> None:
    # Working windows that start or end near the night-time clock changes, on every weekday.
    hours = WorkingHours(
        ((0, 1440), (90, 200), (120, 180), (150, 1440), (540, 1020), (0, 60), None)
    )
    first, last = dt.date(2026, 3, 25), dt.date(2026, 4, 12)  # March and April changes
    frames = [day_frame(list(_dates(first, last)), zone(tz), hours)]
    first2, last2 = dt.date(2026, 9, 20), dt.date(2026, 11, 8)  # September to November changes
    frames.append(day_frame(list(_dates(first2, last2)), zone(tz), hours))
    for frame, (a, b) in zip(frames, [(first, last), (first2, last2)], strict=True):
        # One meeting over the whole range: each date's part is its whole local day.
        start = frame["day_start"].iloc[0].isoformat()
        end = frame["day_end"].iloc[-1].isoformat()
        events = table(("p", start, end, "meeting"))
        got = daily_metrics(events, {"p": PersonDays(tz, hours)}, a, b)
        works = frame["work_start"].notna().to_numpy()
        window = np.zeros(len(frame), np.int64)
        window[works] = np.maximum(
            utc_minutes(frame["work_end"][works]) - utc_minutes(frame["work_start"][works]), 0
        )
        day_length = utc_minutes(frame["day_end"]) - utc_minutes(frame["day_start"])
        assert got["working_min"].tolist() == window.tolist()
        assert got["meeting_min"].tolist() == window.tolist()
        assert (got["meeting_min"] + got["after_hours_meeting_min"]).tolist() == day_length.tolist()


def _dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# --- against the reference ---------------------------------------------------------------------

REF_ZONES = (
    "UTC",
    "Europe/Stockholm",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Sao_Paulo",
)
REF_FIRSTS = (dt.date(2026, 3, 27), dt.date(2026, 10, 23), dt.date(2026, 10, 31), MON)
KINDS = ("meeting", "meeting", "meeting", "hold", "hold", "ooo", "focus", "free")


@st.composite
def calendars(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, PersonDays], dt.date, dt.date]:
    first = draw(st.sampled_from(REF_FIRSTS))
    last = first + dt.timedelta(days=draw(st.integers(0, 4)))
    names = [f"p{i}" for i in range(draw(st.integers(1, 3)))]
    span = st.tuples(
        st.sampled_from([0, 420, 480, 540, 600]) | st.integers(0, 1439),
        st.sampled_from([60, 240, 480, 600, 1440]) | st.integers(1, 1440),
    ).map(lambda w: (w[0], min(w[0] + w[1], 1440)))
    people = {}
    for name in names:
        windows = draw(st.lists(st.none() | span, min_size=7, max_size=7))
        hours = draw(st.sampled_from([WorkingHours(), WorkingHours(tuple(windows))]))  # type: ignore[arg-type]
        people[name] = PersonDays(draw(st.sampled_from(REF_ZONES)), hours)
    midnight = pd.Timestamp(first.isoformat(), tz="UTC")
    ndays = (last - first).days + 1

    def instant() -> pd.Timestamp:
        """Mostly office hours (in some zone), sometimes any time, now and then off the minute."""
        minute = draw(st.integers(5 * 60, 20 * 60) | st.integers(0, 1439))
        second = draw(st.sampled_from([0, 0, 0, 30]))
        when = pd.Timedelta(days=draw(st.integers(-1, ndays)), minutes=minute, seconds=second)
        return midnight + when

    records = []
    for i in range(draw(st.integers(0, 25))):
        start = instant()
        length = draw(
            st.sampled_from([15, 30, 30, 45, 60, 60, 90, 120, 240]).map(lambda m: m * 60)
            | st.sampled_from([1, 59, 61])
            | st.integers(1, 3 * 86_400)
        )
        who = draw(st.sampled_from([*names, "outsider"]))
        end = start + pd.Timedelta(seconds=length)
        records.append(_record(f"e{i}", who, start, end, draw(st.sampled_from(KINDS))))
    # Chains of back-to-back meetings with a hold or ooo soon after: runs, b2b and deficits.
    for c in range(draw(st.integers(0, 3))):
        at = instant().floor("5min")
        who = draw(st.sampled_from(names))
        for k in range(draw(st.integers(1, 4))):
            duration = pd.Timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60])))
            records.append(_record(f"c{c}m{k}", who, at, at + duration, "meeting"))
            at += duration + pd.Timedelta(minutes=draw(st.sampled_from([-15, 0, 0, 2, 5, 10])))
        if draw(st.booleans()):
            at += pd.Timedelta(minutes=draw(st.sampled_from([-10, 0, 3, 5, 14, 15, 16, 30])))
            end = at + pd.Timedelta(minutes=draw(st.sampled_from([15, 45, 90])))
            records.append(_record(f"c{c}x", who, at, end, draw(st.sampled_from(["hold", "ooo"]))))
    events = schema.from_records(records)
    if draw(st.booleans()):
        events = schema.sort_canonical(events)
    return events, people, first, last


def _record(
    event_id: str, person: str, start: pd.Timestamp, end: pd.Timestamp, kind: str
) -> dict[str, Any]:
    return {
        "person": person,
        "source": "demo",
        "calendar": "cal",
        "event_id": event_id,
        "start": start,
        "end": end,
        "all_day": False,
        "kind": kind,
        "response": "accepted",
        "attendees": 1,
        "ours": False,
    }


metric_settings = st.builds(
    MetricSettings,
    focus_min_block=st.sampled_from([1, 30, 120]),
    b2b_gap=st.sampled_from([0, 5, 30]),
    recovery_after=st.sampled_from([1, 30, 60]),
    recovery_min=st.sampled_from([0, 15, 120]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendar=calendars(), options=metric_settings, tiny_blocks=st.booleans())
def test_matches_the_reference_on_random_calendars(
    calendar: tuple[pd.DataFrame, dict[str, PersonDays], dt.date, dt.date],
    options: MetricSettings,
    tiny_blocks: bool,
) -> None:
    events, people, first, last = calendar
    want = reference_daily_metrics(events, people, first, last, options)
    if tiny_blocks:  # cut rows and person-days into blocks of a few, as big inputs are
        with mock.patch.object(metrics, "_ROWS", 3), mock.patch.object(metrics, "_BLOCK", 2):
            got = daily_metrics(events, people, first, last, options)
    else:
        got = daily_metrics(events, people, first, last, options)
    pd.testing.assert_frame_equal(got, want)


def test_matches_the_reference_on_a_small_synthetic_org() -> None:
    org = synthetic_org.build(people=12, weeks=2, seed=7)
    schema.validate(org.events)
    want = reference_daily_metrics(org.events, org.people, org.first, org.last)
    got = daily_metrics(org.events, org.people, org.first, org.last)
    pd.testing.assert_frame_equal(got, want)
    shuffled = org.events.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(daily_metrics(shuffled, org.people, org.first, org.last), want)
    # The org is not trivially empty: meetings, holds, ooo and conflicts all occur.
    assert (got["meeting_min"] > 0).any() and (got["hold_min"] > 0).any()
    assert (got["conflict_min"] > 0).any() and (got["working_min"] < 480).any()
