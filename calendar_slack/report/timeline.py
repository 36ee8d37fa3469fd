"""Where each day's time went, as drawable pieces: meetings, holds, focus, fragments, OOO, plans.

The metrics give numbers; the HTML page also wants to show *where* in the day they sit. This
module cuts one person's events into per-day segments in local wall-clock minutes, clipped to
the day, using the same partition as DESIGN.md "Metrics": within the available working time,
free stretches of at least `focus_min_block` are focus time and shorter ones are fragmented.
It also counts meeting minutes per local hour for the heatmap. Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from calendar_slack.workhours import WorkingHours, day_frame, zone

#: (person, kind, start, end): a proposed block (e.g. from the planner), drawn hatched.
Block = tuple[str, str, pd.Timestamp, pd.Timestamp]

#: Segment kinds in drawing order (later ones are drawn on top).
KINDS: tuple[str, ...] = ("focus", "fragmented", "hold", "meeting", "ooo", "proposed")

_NS_PER_MIN = 60_000_000_000

Interval = tuple[int, int]  # UTC nanoseconds, [start, end)


@dataclass(frozen=True)
class Segment:
    """A piece of one local day: [start, end) in wall-clock minutes after local midnight."""

    date: dt.date
    kind: str
    start: float
    end: float
    label: str = ""  # proposed blocks: their kind (focus / buffer / reflection / lunch)


@dataclass(frozen=True)
class DayWindow:
    """A local day and its working window, in minutes after local midnight (None: day off)."""

    date: dt.date
    work: tuple[int, int] | None


def segments(
    events: pd.DataFrame,
    person: str,
    tz: str,
    hours: WorkingHours,
    dates: Sequence[dt.date],
    focus_min_block: int,
    blocks: Iterable[Block] = (),
) -> list[Segment]:
    """Every segment of `person`'s local `dates`, clipped to each day, in KINDS drawing order."""
    where = zone(tz)
    mine = events[events["person"] == person]
    by_kind: dict[str, list[Interval]] = {}
    for kind in ("meeting", "hold", "ooo"):
        rows = mine[mine["kind"] == kind]
        starts, ends = _ns(rows["start"]), _ns(rows["end"])
        by_kind[kind] = list(zip(starts, ends, strict=True))
    planned = [
        (kind, int(pd.Timestamp(s).value), int(pd.Timestamp(e).value))
        for who, kind, s, e in blocks
        if who == person
    ]
    out: list[Segment] = []
    frame = day_frame(list(dates), where, hours)
    columns = zip(
        dates,
        _ns(frame["day_start"]),
        _ns(frame["day_end"]),
        frame["work_start"].isna().tolist(),
        frame["work_start"].tolist(),
        frame["work_end"].tolist(),
        strict=True,
    )
    for date, day_start, day_end, day_off, work_start, work_end in columns:
        bounds = (day_start, day_end)
        meetings = _union(_clip(by_kind["meeting"], bounds))
        holds = _union(_clip(by_kind["hold"], bounds))
        ooo = _union(_clip(by_kind["ooo"], bounds))
        pieces: list[tuple[str, Interval, str]] = []
        if not day_off:
            work = (pd.Timestamp(work_start).value, pd.Timestamp(work_end).value)
            available = _subtract([work], ooo)
            free = _subtract(available, _union(meetings + holds))
            for stretch in free:
                long = stretch[1] - stretch[0] >= focus_min_block * _NS_PER_MIN
                pieces.append(("focus" if long else "fragmented", stretch, ""))
        pieces += [("hold", i, "") for i in holds]
        pieces += [("meeting", i, "") for i in meetings]
        pieces += [("ooo", i, "") for i in ooo]
        for kind, start, end in planned:
            for clipped in _clip([(start, end)], bounds):
                pieces.append(("proposed", clipped, kind))
        order = {kind: rank for rank, kind in enumerate(KINDS)}
        pieces.sort(key=lambda p: (order[p[0]], p[1]))
        for kind, (start, end), label in pieces:
            out.append(
                Segment(
                    date,
                    kind,
                    _wall(start, bounds[0], where, date),
                    _wall(end, bounds[0], where, date),
                    label,
                )
            )
    return out


def day_windows(hours: WorkingHours, dates: Sequence[dt.date]) -> list[DayWindow]:
    """The working window of each date as wall-clock minutes (for shading working hours)."""
    return [DayWindow(day, hours.window(day)) for day in dates]


def meeting_minutes_by_hour(
    meeting_segments: Iterable[Segment], dates: Sequence[dt.date]
) -> list[list[float]]:
    """Per date, 24 cells: minutes of meeting (union) in each local wall-clock hour."""
    row_of = {day: row for row, day in enumerate(dates)}
    grid = [[0.0] * 24 for _ in dates]
    for seg in meeting_segments:
        if seg.kind != "meeting" or seg.date not in row_of:
            continue
        for hour in range(int(seg.start // 60), min(24, int(-(-seg.end // 60)))):
            overlap = min(seg.end, (hour + 1) * 60) - max(seg.start, hour * 60)
            if overlap > 0:
                grid[row_of[seg.date]][hour] += overlap
    return grid


def _ns(values: pd.Series) -> list[int]:
    return [int(v) for v in values.astype("datetime64[ns, UTC]").array.asi8]  # type: ignore[attr-defined]


def _clip(intervals: Iterable[Interval], bounds: Interval) -> list[Interval]:
    lo, hi = bounds
    return [(max(s, lo), min(e, hi)) for s, e in intervals if e > lo and s < hi and e > s]


def _union(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(base: Iterable[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """`base` minus the union `cut` (both sorted, `cut` disjoint)."""
    out: list[Interval] = []
    for start, end in base:
        cursor = start
        for c_start, c_end in cut:
            if c_end <= cursor or c_start >= end:
                continue
            if c_start > cursor:
                out.append((cursor, c_start))
            cursor = max(cursor, c_end)
        if cursor < end:
            out.append((cursor, end))
    return out


def _wall(ns: int, day_start_ns: int, where: dt.tzinfo, day: dt.date) -> float:
    """UTC instant -> wall-clock minutes after local midnight of `day` (day end -> 1440).

    On a DST day the wall clock jumps; instants are placed where a clock on the wall shows them,
    which keeps working hours ("09:00") at the same x position every day.
    """
    if ns <= day_start_ns:
        return 0.0
    local = pd.Timestamp(ns, tz="UTC").tz_convert(where)
    if local.date() > day:
        return 1440.0
    return local.hour * 60 + local.minute + local.second / 60
