"""Timeline segments (where the time went) and the meeting-minutes-per-hour grid."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_slack.metrics import PersonDays, daily_metrics
from calendar_slack.report.timeline import (
    Segment,
    day_windows,
    meeting_minutes_by_hour,
    segments,
)
from calendar_slack.workhours import WorkingHours
from tests.report.helpers import STOCKHOLM, event, local, table

ANA = "ana@x.example"
MON, TUE, WED, THU, FRI = (dt.date(2026, 11, d) for d in range(23, 28))


def _week() -> list[Segment]:
    events = table(
        [
            event(ANA, "2026-11-23 10:00", "2026-11-23 11:00"),
            event(ANA, "2026-11-23 11:00", "2026-11-23 11:30", "hold"),
            event(ANA, "2026-11-23 13:00", "2026-11-23 15:00"),
            event(ANA, "2026-11-24 23:00", "2026-11-25 01:00"),  # crosses midnight
            event(ANA, "2026-11-26 00:00", "2026-11-27 00:00", "ooo"),
            event("bob@x.example", "2026-11-23 09:00", "2026-11-23 17:00"),  # not ana's
        ]
    )
    blocks = [
        (ANA, "focus", local("2026-11-27 09:00"), local("2026-11-27 11:00")),
        ("bob@x.example", "focus", local("2026-11-27 09:00"), local("2026-11-27 11:00")),
    ]
    return segments(events, ANA, STOCKHOLM, WorkingHours(), [MON, TUE, WED, THU, FRI], 120, blocks)


def _on(day: dt.date) -> list[tuple[str, float, float]]:
    return [(s.kind, s.start, s.end) for s in _week() if s.date == day]


def test_monday_partitions_working_hours_like_the_metrics() -> None:
    # Working 09:00–17:00 = minutes 540–1020. Busy: meeting 600–660, hold 660–690, meeting
    # 780–900. Free: 540–600 (60) and 690–780 (90) are fragmented; 900–1020 (120) is focus.
    assert _on(MON) == [
        ("focus", 900, 1020),
        ("fragmented", 540, 600),
        ("fragmented", 690, 780),
        ("hold", 660, 690),
        ("meeting", 600, 660),
        ("meeting", 780, 900),
    ]


def test_a_meeting_across_midnight_is_clipped_to_each_day() -> None:
    # Tue 23:00–24:00 = 1380–1440; Wed 00:00–01:00 = 0–60; both days keep 09–17 free (480).
    assert _on(TUE) == [("focus", 540, 1020), ("meeting", 1380, 1440)]
    assert _on(WED) == [("focus", 540, 1020), ("meeting", 0, 60)]


def test_out_of_office_removes_the_free_time_and_shows_the_whole_day() -> None:
    assert _on(THU) == [("ooo", 0, 1440)]


def test_proposed_blocks_of_the_person_are_drawn_on_top() -> None:
    # Friday 09:00–11:00 proposed (540–660); the whole day is still free time underneath.
    friday = [s for s in _week() if s.date == FRI]
    assert [(s.kind, s.start, s.end, s.label) for s in friday] == [
        ("focus", 540, 1020, ""),
        ("proposed", 540, 660, "focus"),
    ]


def test_wall_clock_positions_hold_on_a_25_hour_dst_day() -> None:
    # Sun 2026-10-25 Stockholm falls back 03:00 -> 02:00: the day lasts 25 h. Working
    # 00:00–12:00 (13 real hours); a meeting 10:00–11:00 still sits at wall minutes 600–660.
    sunday = dt.date(2026, 10, 25)
    hours = WorkingHours.parse({"sun": "00:00-12:00"})
    events = table([event(ANA, "2026-10-25 10:00", "2026-10-25 11:00")])
    got = segments(events, ANA, STOCKHOLM, hours, [sunday], 120)
    # free 00:00–10:00 is 11 real hours (focus); 11:00–12:00 is 60 min (fragmented).
    assert [(s.kind, s.start, s.end) for s in got] == [
        ("focus", 0, 600),
        ("fragmented", 660, 720),
        ("meeting", 600, 660),
    ]


def test_day_windows_give_working_hours_per_date() -> None:
    saturday = dt.date(2026, 11, 28)
    windows = day_windows(WorkingHours(), [FRI, saturday])
    assert [(w.date, w.work) for w in windows] == [(FRI, (540, 1020)), (saturday, None)]


def test_meeting_minutes_by_hour() -> None:
    grid = meeting_minutes_by_hour(
        [
            Segment(MON, "meeting", 615, 705),  # 10:15–11:45: 45 in hour 10, 45 in hour 11
            Segment(MON, "meeting", 780, 900),  # 13:00–15:00: 60 in hours 13 and 14
            Segment(MON, "hold", 540, 600),  # not a meeting: ignored
            Segment(TUE, "meeting", 1380, 1440),  # 23:00–24:00: 60 in hour 23
            Segment(WED, "meeting", 0, 30),  # a date not asked for: ignored
        ],
        [MON, TUE],
    )
    assert len(grid) == 2 and all(len(row) == 24 for row in grid)
    assert {h: m for h, m in enumerate(grid[0]) if m} == {10: 45, 11: 45, 13: 60, 14: 60}
    assert {h: m for h, m in enumerate(grid[1]) if m} == {23: 60}


_SLOT = st.tuples(
    st.integers(min_value=0, max_value=95),  # start: quarter hours after midnight
    st.integers(min_value=1, max_value=16),  # length: 15 min .. 4 h
    st.sampled_from(["meeting", "hold", "ooo", "focus"]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_SLOT, max_size=8))
def test_timeline_agrees_with_the_metrics(slots: list[tuple[int, int, str]]) -> None:
    """Focus and fragmented bars add up to the metrics' focus_min and fragmented_min."""
    rows = []
    for i, (start, length, kind) in enumerate(slots):
        begin = local("2026-11-23 00:00") + pd.Timedelta(minutes=15 * start)
        rows.append(
            {
                **event(ANA, "2026-11-23 00:00", "2026-11-23 00:15", kind, event_id=f"e{i}"),
                "start": begin,
                "end": begin + pd.Timedelta(minutes=15 * length),
            }
        )
    events = table(rows)
    got = segments(events, ANA, STOCKHOLM, WorkingHours(), [MON], 120)
    daily = daily_metrics(events, {ANA: PersonDays(STOCKHOLM)}, MON, MON)
    for kind, metric in (("focus", "focus_min"), ("fragmented", "fragmented_min")):
        drawn = sum(s.end - s.start for s in got if s.kind == kind)
        assert drawn == daily[metric].tolist()[0]
    free = [s.end - s.start for s in got if s.kind in ("focus", "fragmented")]
    assert max(free, default=0) == daily["largest_free_block_min"].tolist()[0]
