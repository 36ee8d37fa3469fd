"""The slow, obviously-correct reference for calendar_slack.metrics.daily_metrics.

It exists so that the fast, vectorised implementation has something to be checked against: one
person and one local day at a time, one minute at a time, with python datetime and zoneinfo and
nothing shared with the code under test except the settings and the output column names.
Conventions are those of the metrics module docstring (minutes: floor(start), ceil(end)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from calendar_slack.metrics import METRICS, PersonDays
from calendar_slack.prefs import MetricSettings

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
COUNTED = ("meeting", "hold", "ooo")


def minute_of(moment: dt.datetime) -> int:
    """Whole minutes since the epoch (floor) of an aware datetime."""
    return (moment - EPOCH) // dt.timedelta(minutes=1)


def wall_minute(day: dt.date, minute: int, tz: ZoneInfo) -> int:
    """Epoch minute of wall-clock `minute` after midnight of local `day` (1440 = next midnight)."""
    if minute == 1440:
        return wall_minute(day + dt.timedelta(days=1), 0, tz)
    wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)
    return minute_of(wall)


def event_minutes(events: pd.DataFrame, person: str) -> list[tuple[int, int, str]]:
    """(start minute, end minute, kind) of one person's counted events: [floor, ceil)."""
    out = []
    for who, start, end, kind in zip(
        events["person"], events["start"], events["end"], events["kind"], strict=True
    ):
        if who != person or kind not in COUNTED:
            continue
        start_ns, end_ns = pd.Timestamp(start).value, pd.Timestamp(end).value
        first = start_ns // 60_000_000_000
        stop = -(-end_ns // 60_000_000_000)
        out.append((first, max(stop, first + 1), str(kind)))
    return out


def one_day(
    mine: list[tuple[int, int, str]],
    day: dt.date,
    who: PersonDays,
    settings: MetricSettings,
) -> dict[str, Any]:
    tz = ZoneInfo(who.tz)
    day_start = wall_minute(day, 0, tz)
    day_end = wall_minute(day, 1440, tz)
    minutes = range(day_start, day_end)
    span = who.hours.windows[day.weekday()]
    window = (
        set(range(wall_minute(day, span[0], tz), wall_minute(day, span[1], tz))) if span else set()
    )
    meetings_at = {t: 0 for t in minutes}
    hold: set[int] = set()
    ooo: set[int] = set()
    parts = []
    meeting_count = 0
    for start, end, kind in mine:
        covered = range(max(start, day_start), min(end, day_end))
        if kind == "meeting":
            for t in covered:
                meetings_at[t] += 1
            if covered:
                parts.append((covered.start, covered.stop))
            if day_start <= start < day_end:
                meeting_count += 1
        elif kind == "hold":
            hold.update(covered)
        else:
            ooo.update(covered)

    available = {t for t in window if t not in ooo}
    meeting = {t for t in minutes if meetings_at[t] > 0}
    free = {t for t in available if t not in meeting and t not in hold}
    stretches = []
    length = 0
    for t in minutes:
        if t in free:
            length += 1
        elif length:
            stretches.append(length)
            length = 0
    if length:
        stretches.append(length)
    focus = sum(s for s in stretches if s >= settings.focus_min_block)
    working = len(available)
    meeting_min = len(meeting & available)
    fragmented = sum(s for s in stretches if s < settings.focus_min_block)
    after_hours = len(meeting - window)

    runs: list[list[int]] = []  # [first start, latest end]
    for start, end in sorted(parts):
        if runs and start - runs[-1][1] < settings.b2b_gap:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    deficits = 0
    for run_start, run_end in runs:
        if run_end - run_start < settings.recovery_after or not span:
            continue
        if not wall_minute(day, span[0], tz) < run_end <= wall_minute(day, span[1], tz):
            continue
        t = run_end
        while t in free:
            t += 1
        # The stretch ended at minute t: a deficit when t is a meeting or hold inside W.
        if t in available and t - run_end < settings.recovery_min:
            deficits += 1

    b2b = len(parts) - len(runs)
    raw = Fraction(15, 100) * min(Fraction(1), Fraction(b2b, 4))
    raw += Fraction(15, 100) * min(Fraction(1), Fraction(after_hours, 60))
    if working:
        raw += Fraction(1, 2) * Fraction(meeting_min, working)
        raw += Fraction(1, 5) * Fraction(fragmented, working)
    score = None if working == 0 and not parts else round(100 * min(Fraction(1), raw))
    return {
        "working_min": working,
        "meeting_min": meeting_min,
        "hold_min": len((hold & available) - meeting),
        "focus_min": focus,
        "fragmented_min": fragmented,
        "largest_free_block_min": max(stretches, default=0),
        "after_hours_meeting_min": after_hours,
        "conflict_min": sum(1 for t in minutes if meetings_at[t] >= 2),
        "meeting_count": meeting_count,
        "b2b_count": b2b,
        "longest_run_min": max((end - start for start, end in runs), default=0),
        "recovery_deficits": deficits,
        "density": meeting_min / working if working else np.nan,
        "load_score": score,
    }


def reference_daily_metrics(
    events: pd.DataFrame,
    people: Mapping[str, PersonDays],
    first: dt.date,
    last: dt.date,
    settings: MetricSettings | None = None,
) -> pd.DataFrame:
    """Same signature and output as daily_metrics, computed person by person, day by day."""
    settings = settings or MetricSettings()
    rows = []
    for person in sorted(people):
        mine = event_minutes(events, person)
        day = first
        while day <= last:
            rows.append(
                {"person": person, "date": day, **one_day(mine, day, people[person], settings)}
            )
            day += dt.timedelta(days=1)
    frame = pd.DataFrame(rows, columns=["person", "date", *METRICS])
    frame["person"] = frame["person"].astype(pd.StringDtype())
    frame["date"] = frame["date"].astype(object)
    for column in METRICS:
        if column == "density":
            frame[column] = frame[column].astype(np.float64)
        elif column == "load_score":
            frame[column] = frame[column].astype("Int64")
        else:
            frame[column] = frame[column].astype(np.int64)
    return frame
