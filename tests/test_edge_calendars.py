"""Daily metrics of the named edge-case calendars (tests/calendars/), worked out by hand.

Each calendar is read by the ICS connector for me@example.com and measured by
`metrics.daily_metrics` with the defaults: working hours Mon–Fri 09:00–17:00 local,
focus_min_block 120, b2b_gap 5, recovery_after 60, recovery_min 15 (DESIGN.md, "Metrics").
The arithmetic is in the comments, in local wall-clock time. load_score is
round(100 × min(1, 0.5·density + 0.2·fragmented/working + 0.15·min(1, b2b/4)
+ 0.15·min(1, after_hours/60))); no expected score sits on a .5 tie.

Also: shuffling the VEVENTs of a calendar changes neither its canonical table nor its metrics,
and a floating calendar read in another zone gives the same local numbers there.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_slack import schema
from calendar_slack.connectors import ics
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.metrics import METRICS, PersonDays, daily_metrics
from calendar_slack.workhours import local_midnight, zone

CALENDARS = Path(__file__).parent / "calendars"
ME = "me@example.com"
STOCKHOLM = "Europe/Stockholm"
NEW_YORK = "America/New_York"
W48 = dt.date(2026, 11, 23)  # Monday of ISO week 2026-W48


def day(
    working: int,
    *,
    meeting: int = 0,
    hold: int = 0,
    focus: int = 0,
    fragmented: int = 0,
    largest: int = 0,
    after_hours: int = 0,
    conflict: int = 0,
    count: int = 0,
    b2b: int = 0,
    longest_run: int = 0,
    deficits: int = 0,
    density: float | None,
    load: int | None,
) -> dict[str, Any]:
    assert meeting + hold + focus + fragmented == working, "the partition must sum"
    return {
        "working_min": working,
        "meeting_min": meeting,
        "hold_min": hold,
        "focus_min": focus,
        "fragmented_min": fragmented,
        "largest_free_block_min": largest,
        "after_hours_meeting_min": after_hours,
        "conflict_min": conflict,
        "meeting_count": count,
        "b2b_count": b2b,
        "longest_run_min": longest_run,
        "recovery_deficits": deficits,
        "density": density,
        "load_score": load,
    }


#: A working day with nothing on it: 480 free minutes in one stretch >= 120 -> all focus.
QUIET = day(480, focus=480, largest=480, density=0.0, load=0)
#: A day off with nothing on it: no working time, no meeting -> no density, no score.
OFF = day(0, density=None, load=None)


class Case:
    """A calendar, the local dates to measure, its zone, and the hand-worked days that differ
    from QUIET (working days) or OFF (weekends)."""

    def __init__(
        self, name: str, first: dt.date, tz: str, days: dict[dt.date, dict[str, Any]]
    ) -> None:
        self.name, self.first, self.tz, self.days = name, first, tz, days
        self.last = first + dt.timedelta(days=6)

    def expected(self, date: dt.date) -> dict[str, Any]:
        if date in self.days:
            return self.days[date]
        return QUIET if date.weekday() < 5 else OFF

    def request(self) -> LoadRequest:
        tz = zone(self.tz)
        start = local_midnight(self.first, tz)
        end = local_midnight(self.last + dt.timedelta(days=1), tz)
        return LoadRequest(start, end, me=ME)


def w48(offset: int) -> dt.date:
    return W48 + dt.timedelta(days=offset)


MON, TUE, WED, THU, FRI, SAT, SUN = (w48(i) for i in range(7))

CASES = [
    Case(
        "dst_stockholm.ics",
        dt.date(2026, 3, 29),  # Sun, the day the clocks go forward; measured through Sat 04-04
        STOCKHOLM,
        {
            # Sun 03-29: "Night deploy" 01:30 CET -> 03:30 CEST is 60 real minutes, all after
            # hours (a day off). One run of 60. Score: 0.15·min(1, 60/60) = 0.15 -> 15.
            dt.date(2026, 3, 29): day(
                0, after_hours=60, count=1, longest_run=60, density=None, load=15
            ),
            # Mon 03-30 (CEST): standup 09:15-09:30, London call 15:00-16:00 (13:00Z).
            # meeting 15 + 60 = 75. Free: 09:00-09:15 = 15 (frag), 09:30-15:00 = 330 (focus),
            # 16:00-17:00 = 60 (frag) -> focus 330, frag 75; 75+330+75 = 480.
            # Runs: two (gap 330) -> b2b 0; longest 60. The call's run (60 >= 60) is followed
            # by free time to the end of the window -> no deficit.
            # density 75/480 = 0.15625; score 0.078125 + 0.2·75/480 (0.03125) = 0.109375 -> 11.
            dt.date(2026, 3, 30): day(
                480,
                meeting=75,
                focus=330,
                fragmented=75,
                largest=330,
                count=2,
                longest_run=60,
                density=75 / 480,
                load=11,
            ),
            # Tue-Fri: standup 09:15-09:30 (07:15Z in CEST: still 09:15 local).
            # meeting 15; free 09:00-09:15 = 15 (frag), 09:30-17:00 = 450 (focus).
            # density 15/480 = 0.03125; score 0.015625 + 0.00625 = 0.021875 -> 2.
            **{
                dt.date(2026, 3, 31) + dt.timedelta(days=i): day(
                    480,
                    meeting=15,
                    focus=450,
                    fragmented=15,
                    largest=450,
                    count=1,
                    longest_run=15,
                    density=15 / 480,
                    load=2,
                )
                for i in range(4)
            },
        },
    ),
    Case(
        "dst_new_york.ics",
        dt.date(2026, 11, 1),  # Sun, the day the clocks go back; measured through Sat 11-07
        NEW_YORK,
        {
            # Sun 11-01: maintenance 00:30 EDT -> 02:30 EST is 180 real minutes, after hours.
            # The 25-hour all-day marker is free. Score: 0.15·min(1, 180/60) = 0.15 -> 15.
            dt.date(2026, 11, 1): day(
                0, after_hours=180, count=1, longest_run=180, density=None, load=15
            ),
            # Mon 11-02: the call written as 14:00Z is 09:00-10:00 EST. meeting 60, free
            # 10:00-17:00 = 420 (focus). Run 60 then free to the window's end -> no deficit.
            # density 60/480 = 0.125; score 0.0625 -> 6 (6.25).
            dt.date(2026, 11, 2): day(
                480,
                meeting=60,
                focus=420,
                largest=420,
                count=1,
                longest_run=60,
                density=60 / 480,
                load=6,
            ),
            # Tue 11-03: only the (free) Election day marker -> QUIET.
            # Wed 11-04: weekly sync 10:00-11:00 EST (the series began in EDT). Free:
            # 09:00-10:00 = 60 (frag), 11:00-17:00 = 360 (focus).
            # density 0.125; score 0.0625 + 0.2·60/480 (0.025) = 0.0875 -> 9 (8.75).
            dt.date(2026, 11, 4): day(
                480,
                meeting=60,
                focus=360,
                fragmented=60,
                largest=360,
                count=1,
                longest_run=60,
                density=60 / 480,
                load=9,
            ),
        },
    ),
    Case(
        "ooo_day.ics",
        W48,
        STOCKHOLM,
        {
            # Mon: Planning 10:00-11:00. Free 09:00-10:00 = 60 (frag), 11:00-17:00 = 360.
            # Run of 60 followed by 360 free to the window's end -> no deficit.
            # density 0.125; score 0.0625 + 0.025 = 0.0875 -> 9.
            MON: day(
                480,
                meeting=60,
                focus=360,
                fragmented=60,
                largest=360,
                count=1,
                longest_run=60,
                density=60 / 480,
                load=9,
            ),
            # Tue: all-day OOF -> W = 480 - 480 = 0; no meeting -> no score.
            TUE: day(0, density=None, load=None),
            # Thu: all-day "Vacation" (title pattern) -> likewise.
            THU: day(0, density=None, load=None),
        },
    ),
    Case(
        "ooo_afternoon.ics",
        W48,
        STOCKHOLM,
        {
            # Wed: OOO 13:00-18:00 leaves W = 09:00-13:00 = 240 (the part after 17:00 never
            # was working time). Design review 09:00-10:30 = 90; free 10:30-13:00 = 150 (focus).
            # The run (90) is followed by 150 free minutes -> no deficit.
            # density 90/240 = 0.375; score 0.1875 -> 19 (18.75).
            WED: day(
                240,
                meeting=90,
                focus=150,
                largest=150,
                count=1,
                longest_run=90,
                density=90 / 240,
                load=19,
            ),
        },
    ),
    Case(
        "all_day_markers.ics",
        W48,
        STOCKHOLM,
        {
            # The all-day markers are free (rule 6), so only Wed's demo 14:00-15:00 counts.
            # Free 09:00-14:00 = 300 and 15:00-17:00 = 120 (>= 120: focus) -> focus 420.
            # density 0.125; score 0.0625 -> 6 (6.25).
            WED: day(
                480,
                meeting=60,
                focus=420,
                largest=300,
                count=1,
                longest_run=60,
                density=60 / 480,
                load=6,
            ),
        },
    ),
    Case(
        "floating.ics",
        W48,
        STOCKHOLM,
        {
            # Mon: floating standup 09:00-10:00 -> free 10:00-17:00 = 420. score 6 (6.25).
            MON: day(
                480,
                meeting=60,
                focus=420,
                largest=420,
                count=1,
                longest_run=60,
                density=60 / 480,
                load=6,
            ),
            # Tue: dentist hold 13:00-14:30 = 90; free 09:00-13:00 = 240, 14:30-17:00 = 150,
            # both focus -> 390. No meeting: density 0, score 0.
            TUE: day(480, hold=90, focus=390, largest=240, density=0.0, load=0),
        },
    ),
    Case(
        "recurrence_exdate_moved.ics",
        W48,
        STOCKHOLM,
        {
            # Mon: 1:1 10:00-10:30. Free 09:00-10:00 = 60 (frag), 10:30-17:00 = 390 (focus).
            # density 30/480 = 0.0625; score 0.03125 + 0.025 = 0.05625 -> 6 (5.625).
            MON: day(
                480,
                meeting=30,
                focus=390,
                fragmented=60,
                largest=390,
                count=1,
                longest_run=30,
                density=30 / 480,
                load=6,
            ),
            # Wed: EXDATE -> QUIET. Fri's instance moved to Thu 15:00-15:30 (Fri QUIET).
            # Thu: free 09:00-15:00 = 360 (focus), 15:30-17:00 = 90 (frag).
            # score 0.03125 + 0.2·90/480 (0.0375) = 0.06875 -> 7 (6.875).
            THU: day(
                480,
                meeting=30,
                focus=360,
                fragmented=90,
                largest=360,
                count=1,
                longest_run=30,
                density=30 / 480,
                load=7,
            ),
        },
    ),
    Case(
        "responses.ics",
        W48,
        STOCKHOLM,
        {
            # Mon: declined 09:00-10:00 is free. Meetings 10-11 (tentative), 11-12 (unanswered),
            # 13-14, 14-15, 15:30-16:00 -> 60·4 + 30 = 270.
            # Free: 09-10 = 60, 12-13 = 60, 15:00-15:30 = 30, 16-17 = 60: all < 120 -> frag 210.
            # Runs: [10-12] (11:00 starts 0 min after 11:00), [13-15], [15:30-16] -> 3 runs,
            # b2b = 5 - 3 = 2; longest 120. Deficits: [10-12] is followed by 60 free,
            # [13-15] by 30 (>= 15), [15:30-16] lasts 30 (< 60) -> 0.
            # density 270/480 = 0.5625; score 0.28125 + 0.2·210/480 (0.0875)
            # + 0.15·2/4 (0.075) = 0.44375 -> 44.
            MON: day(
                480,
                meeting=270,
                fragmented=210,
                largest=60,
                count=5,
                b2b=2,
                longest_run=120,
                density=270 / 480,
                load=44,
            ),
        },
    ),
    Case(
        "room_only.ics",
        W48,
        STOCKHOLM,
        {
            # Tue: holds 10:30-12:00 (90) and 14:00-14:45 (45) -> 135.
            # Free 09:00-10:30 = 90 (frag), 12:00-14:00 = 120 (focus), 14:45-17:00 = 135
            # (focus) -> focus 255. No meeting. score 0.2·90/480 = 0.0375 -> 4 (3.75).
            TUE: day(480, hold=135, focus=255, fragmented=90, largest=135, density=0.0, load=4),
        },
    ),
    Case(
        "overlapping.ics",
        W48,
        STOCKHOLM,
        {
            # Thu: A 10:00-11:00, B 10:30-11:30, C 11:32-12:00, D and E both 14:00-15:00.
            # Union: 10:00-11:30 (90) + 11:32-12:00 (28) + 14:00-15:00 (60) = 178.
            # Conflict: 10:30-11:00 (A+B) 30 + 14:00-15:00 (D+E) 60 = 90.
            # Free: 09-10 = 60, 11:30-11:32 = 2 (frag 62), 12-14 = 120, 15-17 = 120 (focus 240).
            # Runs: B overlaps A, C starts 2 min (< 5) after 11:30 -> [10:00-12:00];
            # E overlaps D -> [14-15]. 2 runs, b2b = 5 - 2 = 3, longest 120.
            # Deficits: [10-12] then 120 free; [14-15] then free to the window's end -> 0.
            # density 178/480; score 0.5·178/480 (0.185417) + 0.2·62/480 (0.025833)
            # + 0.15·3/4 (0.1125) = 0.32375 -> 32.
            THU: day(
                480,
                meeting=178,
                focus=240,
                fragmented=62,
                largest=120,
                conflict=90,
                count=5,
                b2b=3,
                longest_run=120,
                density=178 / 480,
                load=32,
            ),
        },
    ),
    Case(
        "cross_midnight.ics",
        W48,
        STOCKHOLM,
        {
            # Wed: the launch call 22:00-24:00 (its first part) is after hours: 120.
            # It starts on Wed -> count 1. One run of 120, ending at midnight, outside working
            # hours -> no deficit. score 0.15·min(1, 120/60) = 0.15 -> 15.
            WED: day(
                480,
                focus=480,
                largest=480,
                after_hours=120,
                count=1,
                longest_run=120,
                density=0.0,
                load=15,
            ),
            # Thu: the call's second part 00:00-02:00 (120 after hours, not counted: it started
            # Wed) and the retro 09:00-10:00 -> 2 parts, 2 runs, b2b 0, longest 120.
            # Free 10:00-17:00 = 420 (focus). score 0.0625 + 0.15 = 0.2125 -> 21.
            THU: day(
                480,
                meeting=60,
                focus=420,
                largest=420,
                after_hours=120,
                count=1,
                longest_run=120,
                density=60 / 480,
                load=21,
            ),
        },
    ),
    Case(
        "zero_length.ics",
        W48,
        STOCKHOLM,
        {
            # Mon: the three zero-length events were dropped at ingest; budget 15:00-16:00.
            # Free 09:00-15:00 = 360 (focus), 16:00-17:00 = 60 (frag). score 0.0875 -> 9.
            MON: day(
                480,
                meeting=60,
                focus=360,
                fragmented=60,
                largest=360,
                count=1,
                longest_run=60,
                density=60 / 480,
                load=9,
            ),
            # Wed: the one-day "Payday" marker is free -> QUIET.
        },
    ),
    Case(
        "after_hours_weekend.ics",
        W48,
        STOCKHOLM,
        {
            # Tue: Tokyo 08:00-09:30 (60 after hours + 30 inside), Seattle 17:00-18:30 (90
            # after hours) -> meeting 30, after hours 150. Free 09:30-17:00 = 450 (focus).
            # Runs: two (gap 450), longest 90; the Tokyo run (90) ends at 09:30 and is followed
            # by free time to the window's end; Seattle's ends after hours -> 0 deficits.
            # density 30/480 = 0.0625; score 0.03125 + 0.15·min(1, 150/60) = 0.18125 -> 18.
            TUE: day(
                480,
                meeting=30,
                focus=450,
                largest=450,
                after_hours=150,
                count=2,
                longest_run=90,
                density=30 / 480,
                load=18,
            ),
            # Sat: kickoff 10:00-11:00, all after hours. score 0.15 -> 15.
            SAT: day(0, after_hours=60, count=1, longest_run=60, density=None, load=15),
            # Sun: a hold on a day off: no working time, no meeting -> OFF.
        },
    ),
    Case(
        "recovery_deficit.ics",
        W48,
        STOCKHOLM,
        {
            # Thu: meetings 09:00-10:00, 10:00-10:30, 13:00-14:00, 14:10-15:00, 15:30-16:30
            # -> 60 + 30 + 60 + 50 + 60 = 260; hold 10:30-11:00 = 30; our buffer 16:30-17:00
            # is focus (free). Free: 11:00-13:00 = 120 (focus), 14:00-14:10 = 10,
            # 15:00-15:30 = 30, 16:30-17:00 = 30 (frag 70). 260 + 30 + 120 + 70 = 480.
            # Runs: [09:00-10:30] (90), [13-14] (60; 14:10 is 10 >= 5 min later), [14:10-15]
            # (50), [15:30-16:30] (60) -> 4 runs, b2b = 5 - 4 = 1, longest 90.
            # Deficits: [09:00-10:30] is followed at once by the hold (free stretch 0 < 15);
            # [13-14] by 10 free minutes ending at a meeting -> 2. [15:30-16:30] is followed
            # by free time to the window's end (the buffer is free) -> no deficit.
            # density 260/480; score 0.270833 + 0.2·70/480 (0.029167) + 0.15·1/4 (0.0375)
            # = 0.3375 -> 34.
            THU: day(
                480,
                meeting=260,
                hold=30,
                focus=120,
                fragmented=70,
                largest=120,
                count=5,
                b2b=1,
                longest_run=90,
                deficits=2,
                density=260 / 480,
                load=34,
            ),
        },
    ),
]
CASE_IDS = [case.name for case in CASES]


def load_case(case: Case, text: str | None = None) -> Loaded:
    request = case.request()
    if text is None:
        return ics.load(str(CALENDARS / case.name), request)
    return ics.load_text(
        text,
        request,
        what=f"calendar file {case.name}",
        calendar=case.name,
        owner=Path(case.name).stem,
    )


def measure(case: Case, events: pd.DataFrame, tz: str | None = None) -> pd.DataFrame:
    return daily_metrics(events, {ME: PersonDays(tz or case.tz)}, case.first, case.last)


def actual_days(frame: pd.DataFrame) -> dict[dt.date, dict[str, Any]]:
    out: dict[dt.date, dict[str, Any]] = {}
    for record in frame.to_dict("records"):
        values: dict[str, Any] = {}
        for name in METRICS:
            value = record[name]
            if name == "density":
                values[name] = None if pd.isna(value) else float(value)
            elif name == "load_score":
                values[name] = None if pd.isna(value) else int(value)
            else:
                values[name] = int(value)
        out[pd.Timestamp(record["date"]).date()] = values
    return out


def assert_days_equal(actual: dict[str, Any], expected: dict[str, Any], label: str) -> None:
    got, want = dict(actual), dict(expected)
    got_density, want_density = got.pop("density"), want.pop("density")
    assert got == want, label
    if want_density is None:
        assert got_density is None, f"{label}: density"
    else:
        assert got_density is not None and math.isclose(got_density, want_density), label


def test_every_calendar_has_a_case() -> None:
    assert sorted(p.name for p in CALENDARS.glob("*.ics")) == sorted(CASE_IDS)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_daily_metrics_by_hand(case: Case) -> None:
    frame = measure(case, load_case(case).events)
    days = actual_days(frame)
    expected_dates = [case.first + dt.timedelta(days=i) for i in range(7)]
    assert list(days) == expected_dates
    assert set(frame["person"]) == {ME}
    for date in expected_dates:
        assert_days_equal(days[date], case.expected(date), f"{case.name} {date:%a %Y-%m-%d}")


# --- order and zone independence -------------------------------------------------------------

_VEVENT = re.compile(r"BEGIN:VEVENT\n.*?END:VEVENT\n", re.DOTALL)


def shuffled(text: str, order: list[int]) -> str:
    """The same calendar with its VEVENT blocks in `order` (they sit together at its end)."""
    blocks = _VEVENT.findall(text)
    first, last = text.index(blocks[0]), text.rindex(blocks[-1]) + len(blocks[-1])
    assert "".join(blocks) == text[first:last]
    return text[:first] + "".join(blocks[i] for i in order) + text[last:]


@functools.cache
def original(name: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """The file's text, its sorted table and its metrics: computed once per calendar."""
    case = next(c for c in CASES if c.name == name)
    events = schema.sort_canonical(load_case(case).events)
    return (CALENDARS / name).read_text(encoding="utf-8"), events, measure(case, events)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_shuffled_vevents_give_the_same_table_and_metrics(case: Case, data: st.DataObject) -> None:
    text, events, metrics = original(case.name)
    count = len(_VEVENT.findall(text))
    order = data.draw(st.permutations(list(range(count))), label="order")
    reordered = schema.sort_canonical(load_case(case, shuffled(text, order)).events)
    pd.testing.assert_frame_equal(reordered, events)
    pd.testing.assert_frame_equal(measure(case, reordered), metrics)


def test_floating_calendar_measures_the_same_in_another_zone() -> None:
    # floating.ics read with --tz America/New_York: its wall-clock times are New York's now,
    # so New York's local days show exactly the numbers Stockholm's did.
    case = next(c for c in CASES if c.name == "floating.ics")
    tz = zone(NEW_YORK)
    request = LoadRequest(
        local_midnight(case.first, tz),
        local_midnight(case.last + dt.timedelta(days=1), tz),
        me=ME,
        tz_override=NEW_YORK,
    )
    events = ics.load(str(CALENDARS / case.name), request).events
    in_new_york = actual_days(measure(case, events, NEW_YORK))
    in_stockholm = actual_days(measure(case, load_case(case).events))
    assert in_new_york == in_stockholm
    assert in_new_york[MON]["meeting_min"] == 60  # not vacuous: the standup is there
