"""Per-person, per-local-date load metrics, exactly as DESIGN.md "Metrics" defines them.

Reports, the team API and the planner's "before" numbers all read these metrics, so they live in
one pure module (no I/O, no clock) that is fast enough for a whole organisation at once.

Conventions (decided here where DESIGN.md is silent):

- Time is counted in whole minutes since the epoch: an event covers [floor(start), ceil(end)),
  so every event covers at least one minute (a zero-length row, should one slip in, too).
- Only the kinds meeting, hold and ooo matter; focus and free rows are free time.
- Each person's zone gives the local dates and working windows, by the rules of
  ``workhours.day_frame``: a local day may last 23 or 25 hours, and 09:00-17:00 is 480 minutes
  unless the window itself spans a clock change. An event crossing local midnight is split into
  one part per date.
- W, the available working time, is the working window minus the union of ooo coverage.
  meeting_min = union of meetings inside W; hold_min = union of holds inside W not under a
  meeting; the rest of W splits into maximal contiguous free stretches (a stretch also ends where
  W ends, e.g. at an ooo boundary): stretches of at least ``focus_min_block`` count to focus_min,
  shorter ones to fragmented_min; largest_free_block_min is the longest (0 if none).
- after_hours_meeting_min: the date's meeting union outside the working window (the window, not
  W: a meeting during ooo inside working hours is not after hours); on a day off, all of it.
- conflict_min: minutes of the local day covered by two or more meetings.
- meeting_count: meetings whose start falls on the date. Runs, b2b_count, longest_run_min and
  recovery_deficits use the date's meeting parts. A run's end E counts for a deficit only when
  work_start < E <= work_end and minute E is not under ooo; the free stretch after E runs to the
  next meeting or hold start or to the end of W, and is a deficit when shorter than
  ``recovery_min`` and ended by a meeting or hold (a stretch that starts under a hold is 0 long).
- density = meeting_min / working_min (NaN when working_min is 0).
- load_score rounds half to even, as Python's ``round`` and ``numpy.rint`` do, but is computed
  exactly in integers, so that no float error turns x.5 into x.4999 (or breaks "never falls
  when a meeting is added"): 100 x the score before rounding is
  (200 m + 80 f + w (15 min(b2b, 4) + min(after, 60))) / (4 w), with w = max(working_min, 1).
  Null (pd.NA) when working_min is 0 and the date has no meeting part.

How it is fast (numpy only; the Python loops run over distinct zones and (zone, working hours)
profiles, and over cache-sized blocks of rows and of person-days, never over people or days):

- Every (person, date) is a "slot" with its own stretch of one integer axis: minute t after the
  slot's local midnight sits at ``(slot << shift) + t``, and the stretches are wider than any day
  plus ``b2b_gap``. Each event becomes day parts packed into one int64 (axis start, length, kind),
  which sort with a plain ``np.sort`` (or, for input in canonical (person, start) order, need only
  a check and a merge of the parts after midnight).
- On the sorted parts, unions, free gaps, double cover and back-to-back runs are running maxima
  (``np.maximum.accumulate``) that cannot leak from one slot into the next, and per-slot figures
  are ``np.bincount`` sums; the blocks are cut at slot boundaries, where everything starts afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from calendar_slack.errors import BadInputError
from calendar_slack.prefs import MetricSettings
from calendar_slack.schema import UTC_NS
from calendar_slack.workhours import WorkingHours, date_range, epoch_minute, zone

#: Metric columns, in the order every output (JSON, CSV, tables) lists them.
METRICS: tuple[str, ...] = (
    "working_min",
    "meeting_min",
    "hold_min",
    "focus_min",
    "fragmented_min",
    "largest_free_block_min",
    "after_hours_meeting_min",
    "conflict_min",
    "meeting_count",
    "b2b_count",
    "longest_run_min",
    "recovery_deficits",
    "density",
    "load_score",
)

#: Columns that week_totals takes the maximum of (the other minutes and counts are summed).
WEEK_MAX: tuple[str, ...] = ("largest_free_block_min", "longest_run_min")

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]

_NS_PER_MIN = 60_000_000_000
_MEETING, _HOLD, _OOO = 0, 1, 2
_COUNTED = {"meeting": _MEETING, "hold": _HOLD, "ooo": _OOO}
_IGNORED = ("focus", "free")
_FAR = 1 << 62  # beyond any minute: "before everything" / "after everything"
_NAT = np.iinfo(np.int64).min
_REQUIRED = ("person", "start", "end", "kind")
_INT_METRICS = tuple(m for m in METRICS if m not in ("density", "load_score"))
_KIND = 3  # kind bits of a part's code: _MEETING, _HOLD or _OOO
_OPENS = 4  # flag bit of a part's code: its event starts there (inside the date range)
_CODE_BITS = 3


@dataclass(frozen=True)
class PersonDays:
    """Whose days to measure: one person's IANA zone and working hours."""

    tz: str
    hours: WorkingHours = field(default_factory=WorkingHours)


def daily_metrics(
    events: pd.DataFrame,
    people: Mapping[str, PersonDays],
    first: dt.date,
    last: dt.date,
    settings: MetricSettings | None = None,
) -> pd.DataFrame:
    """One row per (person in `people`, local date in first..last): columns person, date, *METRICS.

    `events` is a canonical table (other people's rows are ignored). Integer minute columns are
    int64; density is float (NaN when working_min is 0); load_score is nullable Int64.
    Rows are sorted by person, date.
    """
    settings = settings or MetricSettings()
    dates = date_range(first, last)
    names = sorted(people)
    grid = _Grid.build(names, people, dates, settings)
    parts = _event_parts(events, names, grid)
    return _frame(names, dates, _measure(parts, grid, settings))


def week_totals(daily: pd.DataFrame) -> pd.DataFrame:
    """Per person: the week's totals of a `daily_metrics` frame (columns person, *METRICS).

    Sums minutes and counts; largest_free_block_min and longest_run_min take the week's maximum;
    density = sum(meeting_min) / sum(working_min) (NaN when that is 0); load_score = mean of the
    days that have one, rounded to one decimal half to even, exactly (float; NaN when no day has
    one). Rows are sorted by person.
    """
    missing = [c for c in ("person", *METRICS) if c not in daily.columns]
    if missing:
        raise BadInputError("daily metrics", f"missing column(s) {', '.join(missing)}")
    counted = [c for c in _INT_METRICS if c not in WEEK_MAX]
    frame = daily[counted].astype(np.int64)
    score = daily["load_score"].astype("Int64")
    frame["score_total"] = score.fillna(0).astype(np.int64)
    frame["score_days"] = score.notna().astype(np.int64)
    person = daily["person"].astype(pd.StringDtype())
    totals = frame.groupby(person, sort=True).sum()
    totals[list(WEEK_MAX)] = daily[list(WEEK_MAX)].astype(np.int64).groupby(person).max()
    meeting = totals["meeting_min"].to_numpy(np.int64)
    working = totals["working_min"].to_numpy(np.int64)
    days = totals.pop("score_days").to_numpy(np.int64)
    tenths = _round_half_even(
        10 * totals.pop("score_total").to_numpy(np.int64), np.maximum(days, 1)
    )
    totals["density"] = np.divide(
        meeting, working, out=np.full(working.size, np.nan), where=working > 0
    )
    totals["load_score"] = np.where(days > 0, tenths / 10, np.nan)
    totals.index = totals.index.astype(pd.StringDtype())
    out = totals.rename_axis("person").reset_index()
    return out[["person", *METRICS]]


# --- local days and working windows ------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    """Local days and working windows of every person, on the slot axis.

    Slot `i * ndays + j` is person i (sorted order) on date j. Its stretch of the axis starts at
    `slot << shift`; minute t after that local midnight is `(slot << shift) + t`.
    """

    ndays: int
    npeople: int
    shift: int
    bounds: I64  # per zone, stride ndays + 3: [-FAR, start of date 0 .. of date ndays, +FAR]
    person_row: I64  # per person: offset of its zone's row in `bounds`
    win_start: I64  # per slot: axis position of the working window start
    win_end: I64  # per slot: axis position of the window end (== win_start on a day off)

    @classmethod
    def build(
        cls,
        names: Sequence[str],
        people: Mapping[str, PersonDays],
        dates: Sequence[dt.date],
        settings: MetricSettings,
    ) -> _Grid:
        ndays = len(dates)
        zones: dict[str, int] = {}
        profiles: dict[tuple[str, WorkingHours], int] = {}
        person_zone = np.empty(len(names), np.int64)
        person_profile = np.empty(len(names), np.int64)
        for i, name in enumerate(names):
            days = people[name]
            person_zone[i] = zones.setdefault(days.tz, len(zones))
            person_profile[i] = profiles.setdefault((days.tz, days.hours), len(profiles))
        bounds = np.empty((len(zones), ndays + 3), np.int64)
        bounds[:, 0], bounds[:, -1] = -_FAR, _FAR
        edges: dict[tuple[str, int], I64] = {}  # (zone, wall minute) -> UTC minute on each date
        for tz, z in zones.items():
            info = zone(tz)
            bounds[z, 1:-1] = [epoch_minute(day, 0, info) for day in dates] + [
                epoch_minute(dates[-1], 1440, info)
            ]
            wanted = {
                m for (t, hours) in profiles if t == tz for w in hours.windows if w for m in w
            }
            for minute in sorted(wanted):
                edges[tz, minute] = np.array([epoch_minute(d, minute, info) for d in dates])
        weekday = np.array([day.weekday() for day in dates], dtype=np.int64)
        starts = np.zeros((len(profiles), ndays), np.int64)
        ends = np.zeros((len(profiles), ndays), np.int64)
        for (tz, hours), p in profiles.items():  # one pass per distinct profile, not per person
            midnight = bounds[zones[tz], 1:-2]
            for w, window in enumerate(hours.windows):
                if window is not None:
                    on = weekday == w
                    starts[p, on] = edges[tz, window[0]][on] - midnight[on]
                    ends[p, on] = edges[tz, window[1]][on] - midnight[on]
        np.maximum(ends, starts, out=ends)  # a window made empty by a clock change stays empty
        longest_day = int(np.diff(bounds[:, 1:-1], axis=1).max(initial=1440))
        # A slot's stretch must hold its longest day plus a gap wider than b2b_gap, so that no
        # run, union or free stretch can reach from one slot into the next.
        shift = max(11, (longest_day + settings.b2b_gap + 2).bit_length())
        if (len(names) * ndays) << (2 * shift + _CODE_BITS) >= 1 << 63:
            raise BadInputError(
                f"{len(names)} people x {ndays} dates", "are too many for one call; split them"
            )
        slot_base = np.arange(len(names) * ndays, dtype=np.int64) << shift
        return cls(
            ndays=ndays,
            npeople=len(names),
            shift=shift,
            bounds=bounds.ravel(),
            person_row=person_zone * (ndays + 3),
            win_start=slot_base + starts[person_profile].ravel(),
            win_end=slot_base + ends[person_profile].ravel(),
        )

    def locate(self, minute: I64, row: I64, day: I64) -> tuple[I64, I64, I64]:
        """Local date index of each minute (-1 before the first date, ndays after the last),
        with the start of that date and of the next (epoch minutes).

        `day` is a first guess, corrected in place a day at a time; days last about 1440
        minutes, so a guess from the first midnight is right or one day off.
        """
        bounds = self.bounds
        np.clip(day, -1, self.ndays, out=day)
        at = row + day
        lo = bounds[at + 1]
        hi = bounds[at + 2]
        wrong = np.flatnonzero((minute < lo) | (minute >= hi))
        while wrong.size:
            m, at = minute[wrong], row[wrong] + day[wrong]
            step = (m >= bounds[at + 2]).astype(np.int64) - (m < bounds[at + 1])
            day[wrong] += step
            at += step
            lo[wrong] = bounds[at + 1]
            hi[wrong] = bounds[at + 2]
            wrong = wrong[step != 0]
        return day, lo, hi


# --- events -> sorted day parts ----------------------------------------------------------------

#: Rows per block when turning events into parts (a block's arrays stay in the CPU cache).
_ROWS = 1 << 16


def _event_parts(events: pd.DataFrame, names: Sequence[str], grid: _Grid) -> I64:
    """The counted events' day parts, packed into one int64 each and sorted by start.

    A part packs (axis start, length, code): ``start << (shift + 3) | length << 3 | code``, so a
    single plain int64 array carries it, sorts with ``np.sort`` and is read in blocks.
    """
    missing = [c for c in _REQUIRED if c not in events.columns]
    if missing:
        raise BadInputError("event table", f"missing column(s) {', '.join(missing)}")
    kinds = _kind_codes(events["kind"])
    person = _person_index(events["person"], names)
    start_ns = _nanoseconds(events["start"], "start")
    end_ns = _nanoseconds(events["end"], "end")
    firsts: list[I64] = []
    extras: list[I64] = []
    ordered = True
    previous = -1
    for r0 in range(0, len(kinds), _ROWS):
        at = slice(r0, r0 + _ROWS)
        first, extra, block_ordered = _block_parts(
            kinds[at], person[at], start_ns[at], end_ns[at], grid
        )
        if first.size:
            ordered = ordered and block_ordered and int(first[0]) >= previous
            previous = int(first[-1])
            firsts.append(first)
        if extra.size:
            extras.append(extra)
    packed = np.concatenate(firsts) if firsts else np.empty(0, np.int64)
    more = np.concatenate(extras) if extras else np.empty(0, np.int64)
    if ordered:  # canonical (person, start) input: merge the few extra parts in
        if more.size:
            more.sort()
            packed = np.insert(packed, np.searchsorted(packed, more), more)
        return packed
    packed = np.concatenate([packed, more]) if more.size else packed
    packed.sort()
    return packed


def _block_parts(
    kinds: I8,
    person: npt.NDArray[np.integer[Any]],
    start_ns: I64,
    end_ns: I64,
    grid: _Grid,
) -> tuple[I64, I64, bool]:
    """One block of rows -> (first parts in row order, further parts, whether the first parts
    came in start order)."""
    rows = np.flatnonzero((kinds >= 0) & (person >= 0))
    code = kinds[rows].astype(np.int64)
    pid = person[rows].astype(np.int64)
    first_ns, last_ns = start_ns[rows], end_ns[rows]
    if (first_ns == _NAT).any() or (last_ns == _NAT).any():
        raise BadInputError("event table", "start or end is empty in some rows")
    start = first_ns // _NS_PER_MIN
    end = -(-last_ns // _NS_PER_MIN)
    np.maximum(end, start + 1, out=end)
    del first_ns, last_ns, rows

    ndays, shift, bounds = grid.ndays, grid.shift, grid.bounds
    row = grid.person_row[pid]
    day, lo, hi = grid.locate(start, row, (start - bounds[row + 1]) // 1440)
    code[day >= 0] |= _OPENS
    early = np.flatnonzero(day < 0)  # started before the first date: its first part is on date 0
    if early.size:
        day[early] = 0
        lo[early] = bounds[row[early] + 1]
        hi[early] = bounds[row[early] + 2]
    inside = np.flatnonzero((day < ndays) & (end > lo))
    if inside.size < day.size:
        pid, row, day, code = pid[inside], row[inside], day[inside], code[inside]
        start, end, lo, hi = start[inside], end[inside], lo[inside], hi[inside]
    clipped = np.maximum(start, lo)
    axis = ((pid * ndays + day) << shift) + clipped - lo
    length = np.minimum(end, hi) - clipped
    ordered = _is_sorted(axis)
    first = _pack(axis, length, code, shift)
    more = np.flatnonzero(end > hi)  # events that go on past their first date
    extra = _further_parts(grid, pid[more], row[more], day[more], end[more], code[more] & _KIND)
    return first, extra, ordered


def _further_parts(grid: _Grid, pid: I64, row: I64, first: I64, end: I64, code: I64) -> I64:
    """Packed parts after the first one of events that cross local midnight (dates in range)."""
    ndays, bounds = grid.ndays, grid.bounds
    last = np.minimum(grid.locate(end - 1, row, first + 1)[0], ndays - 1)
    count = np.maximum(last - first, 0)
    each = np.repeat(np.arange(count.size), count)
    day = first[each] + 1 + np.arange(each.size) - np.repeat(np.cumsum(count) - count, count)
    at = row[each] + day
    length = np.minimum(end[each], bounds[at + 2]) - bounds[at + 1]
    return _pack((pid[each] * ndays + day) << grid.shift, length, code[each], grid.shift)


def _pack(axis: I64, length: I64, code: I64, shift: int) -> I64:
    packed = axis << (shift + _CODE_BITS)
    packed |= length << _CODE_BITS
    packed |= code
    return packed


def _kind_codes(column: pd.Series) -> I8:
    """Row -> 0 meeting, 1 hold, 2 ooo, -1 for a kind that does not count (focus, free)."""
    kinds = pd.Index([*_COUNTED, *_IGNORED], dtype=object)
    lookup = np.array([*_COUNTED.values(), *(-1 for _ in _IGNORED), -2], np.int8)  # -2: unknown
    if isinstance(column.dtype, pd.CategoricalDtype):
        per_category = lookup[kinds.get_indexer(column.cat.categories.astype(object))]
        codes = np.append(per_category, -2)[column.cat.codes.to_numpy()]
    else:
        codes = lookup[kinds.get_indexer(pd.Index(column.astype(object)))]
    if (codes < -1).any():
        raise BadInputError(
            "event table", "column 'kind' is empty or not one of meeting, hold, focus, ooo, free"
        )
    return np.asarray(codes, dtype=np.int8)


def _person_index(column: pd.Series, names: Sequence[str]) -> npt.NDArray[np.integer[Any]]:
    """Row -> position of its person in the sorted `names`, -1 for anybody else."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        known = pd.Index(list(names), dtype=object).get_indexer(dtype.categories.astype(object))
        return np.append(known, -1)[column.cat.codes.to_numpy()]
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        chunks = column.array.__arrow_array__().chunks
        wanted = pa.array(list(names), type=chunks[0].type) if chunks else None
        parts = [_arrow_index(chunk, wanted) for chunk in chunks if len(chunk)]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)
    return pd.Index(list(names), dtype=object).get_indexer(pd.Index(column.astype(object)))


def _arrow_index(values: Any, wanted: Any) -> npt.NDArray[np.integer[Any]]:
    """Positions of an arrow string array's values in `wanted` (-1 when absent)."""
    import pyarrow.compute as pc

    def lookup(strings: Any) -> npt.NDArray[np.integer[Any]]:
        return np.asarray(pc.index_in(strings, value_set=wanted).fill_null(-1).to_numpy(False))

    # Rows of one person usually come together (canonical order): then look each run up once.
    probe = values[:1000]
    if _run_heads(probe).size * 4 <= len(probe):
        heads = _run_heads(values)
        if heads.size * 4 <= len(values):
            return np.repeat(lookup(values.take(heads)), np.diff(np.append(heads, len(values))))
    return lookup(values)


def _run_heads(values: Any) -> I64:
    """Where each run of equal values starts in an arrow array (0 included)."""
    import pyarrow.compute as pc

    changed = pc.not_equal(values[1:], values[:-1]).fill_null(True)
    return np.append(0, np.flatnonzero(np.asarray(changed.to_numpy(False))) + 1)


def _nanoseconds(column: pd.Series, name: str) -> I64:
    """A UTC timestamp column as int64 nanoseconds since the epoch (NaT as int64 min)."""
    if column.dtype != UTC_NS:
        if not isinstance(column.dtype, pd.DatetimeTZDtype):
            raise BadInputError(
                "event table", f"column {name!r} has dtype {column.dtype}, expected {UTC_NS}"
            )
        column = column.astype(UTC_NS)
    return np.asarray(column.array.asi8)  # type: ignore[attr-defined]


def _is_sorted(values: I64) -> bool:
    return bool(values.size < 2 or (values[1:] >= values[:-1]).all())


# --- the metrics ------------------------------------------------------------------------------


def _shifted(values: I64) -> I64:
    """values moved one place right, with -FAR in front: "the running value before this one"."""
    out = np.empty_like(values)
    if values.size:
        out[0] = -_FAR
        out[1:] = values[:-1]
    return out


def _clip_len(lo: I64, hi: I64, win_lo: I64, win_hi: I64) -> I64:
    """Length of [lo, hi) inside [win_lo, win_hi), 0 when they do not meet."""
    out = np.minimum(hi, win_hi)
    out -= np.maximum(lo, win_lo)
    np.maximum(out, 0, out=out)
    return out


def _sums(slot: I64, fields: Sequence[I64], width: int, size: int) -> list[I64]:
    """Per-slot sums of several fields, each sum known to be below 2**width.

    Fields share one np.bincount when their packed sums stay exact in a float64 (53 bits).
    """
    per = max(1, 52 // width)
    out: list[I64] = []
    for at in range(0, len(fields), per):
        group = fields[at : at + per]
        packed = group[0].copy() if len(group) > 1 else group[0]
        for k, values in enumerate(group[1:], start=1):
            packed += values << (k * width)
        total = np.bincount(slot, weights=packed, minlength=size).astype(np.int64)
        for k in range(len(group)):
            out.append((total >> (k * width)) & ((1 << width) - 1))
    return out


def _count(slot: I64, size: int) -> I64:
    return np.bincount(slot, minlength=size).astype(np.int64)


def _last_of_each(slot: I64) -> I64:
    """Positions of the last element of each run of equal values in a sorted array."""
    if slot.size == 0:
        return np.empty(0, np.int64)
    return np.append(np.flatnonzero(slot[1:] != slot[:-1]), slot.size - 1)


#: Parts per block: the metrics run block by block (cut at slot boundaries, where every running
#: value starts afresh) so that a block's arrays stay in the CPU cache; memory stays small too.
_BLOCK = 1 << 15


def _measure(packed: I64, grid: _Grid, settings: MetricSettings) -> dict[str, Any]:
    size = grid.npeople * grid.ndays
    out: dict[str, Any] = {name: np.zeros(size, np.int64) for name in _INT_METRICS}
    out["density"] = np.full(size, np.nan)
    out["load_score"] = np.zeros(size, np.int64)
    out["no_score"] = np.zeros(size, np.bool_)
    slot_shift = 2 * grid.shift + _CODE_BITS  # packed >> slot_shift is the part's slot
    cut_slots = np.unique(packed[_BLOCK::_BLOCK] >> slot_shift)
    cut_slots = cut_slots[cut_slots > 0]
    cuts = np.searchsorted(packed, cut_slots << slot_shift)
    part_edges = [0, *cuts.tolist(), packed.size]
    slot_edges = [0, *cut_slots.tolist(), size]
    for p0, p1, s0, s1 in zip(
        part_edges[:-1], part_edges[1:], slot_edges[:-1], slot_edges[1:], strict=True
    ):
        _measure_block(packed[p0:p1], grid, s0, s1, settings, out)
    no_score = out.pop("no_score")
    out["load_score"] = pd.arrays.IntegerArray(out["load_score"], no_score)
    return out


def _measure_block(
    packed: I64, grid: _Grid, s0: int, s1: int, settings: MetricSettings, out: dict[str, Any]
) -> None:
    """Every metric of slots s0..s1-1, whose parts (and no others) are in `packed`."""
    size = s1 - s0
    shift = grid.shift
    low = (1 << shift) - 1
    start = packed >> (shift + _CODE_BITS)
    end = (packed >> _CODE_BITS) & low
    end += start
    code = packed & ((1 << _CODE_BITS) - 1)
    kind = code & _KIND
    slot = (start >> shift) - s0
    win_lo, win_hi = grid.win_start[s0:s1], grid.win_end[s0:s1]
    window = win_hi - win_lo

    # Everything busy (meeting, hold, ooo): the gaps between its merged intervals, cut to the
    # working window, are exactly the free stretches of W. The last one of a slot runs from its
    # last busy minute to the window's end (all of the window in a slot with nothing busy).
    reach = np.maximum.accumulate(end)
    gap = _clip_len(_shifted(reach), start, win_lo[slot], win_hi[slot])
    last = _last_of_each(slot)
    tail_slot = slot[last]
    tail = window.copy()
    tail[tail_slot] = _clip_len(
        reach[last], win_hi[tail_slot], win_lo[tail_slot], win_hi[tail_slot]
    )
    long_gap = np.where(gap >= settings.focus_min_block, gap, 0)
    free, focus = _sums(slot, [gap, long_gap], shift, size)
    del long_gap
    free += tail
    focus += np.where(tail >= settings.focus_min_block, tail, 0)
    largest = tail
    if last.size:  # the longest gap per slot: a running max of (slot, gap), read at slot ends
        gap |= start & ~low
        np.maximum.accumulate(gap, out=gap)
        largest[tail_slot] = np.maximum(largest[tail_slot], gap[last] & low)
    del gap, last, tail_slot

    # Meetings: their union (in the day, in the window), double cover, parts and runs.
    meetings = np.flatnonzero(kind == _MEETING)
    m_start, m_end = start[meetings], end[meetings]
    m_opens = (code[meetings] & _OPENS) != 0
    m_slot = slot[meetings]
    m_reach = np.maximum.accumulate(m_end)
    m_before = _shifted(m_reach)
    m_left = np.maximum(m_start, m_before)
    whole = m_reach - m_left
    in_window = _clip_len(m_left, m_reach, win_lo[m_slot], win_hi[m_slot])
    del m_left
    # Minutes under two meetings: meeting i overlaps the earlier ones on [start_i, min(end_i,
    # reach before i)); those pieces start in sorted order, so their union is one more running max.
    double = np.minimum(m_end, m_before)
    np.maximum(double, m_start, out=double)
    twice = _shifted(np.maximum.accumulate(double))
    np.maximum(twice, m_start, out=twice)
    np.subtract(double, twice, out=double)
    np.maximum(double, 0, out=double)
    del twice, m_end
    m_day, m_window, conflict = _sums(m_slot, [whole, in_window, double], shift, size)
    del whole, in_window, double
    parts_per_slot = _count(m_slot, size)
    meeting_count = _count(m_slot[m_opens], size)
    del m_opens

    opens = np.flatnonzero(m_start - m_before >= settings.b2b_gap)  # first meeting of each run
    del m_before
    run_slot = m_slot[opens]
    run_last = np.append(opens[1:] - 1, m_start.size - 1) if opens.size else opens
    run_end = m_reach[run_last]
    run_len = run_end - m_start[opens]
    runs_per_slot = _count(run_slot, size)
    longest = np.zeros(size, np.int64)
    if run_slot.size:
        ends = _last_of_each(run_slot)
        running = np.maximum.accumulate((run_slot << shift) | run_len)
        longest[run_slot[ends]] = running[ends] & low
    del m_start, m_reach, m_slot

    # Slots with ooo: W loses the ooo minutes; meeting and hold minutes are counted inside W.
    away = np.zeros(size, np.int64)
    away_or_meeting = m_window.copy()
    ooo = np.flatnonzero(kind == _OOO)
    o_start, o_reach = start[ooo], np.maximum.accumulate(end[ooo])
    if ooo.size:
        o_slot = slot[ooo]
        o_left = np.maximum(o_start, _shifted(o_reach))
        (away,) = _sums(
            o_slot, [_clip_len(o_left, o_reach, win_lo[o_slot], win_hi[o_slot])], shift, size
        )
        has_ooo = np.zeros(size, np.bool_)
        has_ooo[o_slot] = True
        sub = np.flatnonzero(has_ooo[slot])
        s_start, s_slot = start[sub], slot[sub]
        s_stop = np.where(kind[sub] == _HOLD, s_start, end[sub])  # holds made empty
        s_reach = np.maximum.accumulate(s_stop)
        s_left = np.maximum(s_start, _shifted(s_reach))
        (both,) = _sums(
            s_slot, [_clip_len(s_left, s_reach, win_lo[s_slot], win_hi[s_slot])], shift, size
        )
        away_or_meeting[has_ooo] = both[has_ooo]

    working = window - away
    meeting_min = away_or_meeting - away
    hold_min = (window - free) - away_or_meeting
    fragmented = free - focus

    # Recovery deficits: long runs ending inside working hours (E), then a free stretch shorter
    # than recovery_min that a meeting or hold inside W ends.
    cand = np.flatnonzero(
        (run_len >= settings.recovery_after)
        & (run_end > win_lo[run_slot])
        & (run_end < win_hi[run_slot])
    )
    e_at, e_slot = run_end[cand], run_slot[cand]
    k = np.searchsorted(start, e_at, side="right") - 1  # the last part starting at or before E
    following = np.where(k + 1 < start.size, start[np.minimum(k + 1, start.size - 1)], _FAR)
    blocker = np.where(reach[k] > e_at, e_at, following)  # the first busy minute from E on
    short = np.flatnonzero((blocker < win_hi[e_slot]) & (blocker - e_at < settings.recovery_min))
    blocker, e_slot = blocker[short], e_slot[short]
    o_k = np.searchsorted(o_start, blocker, side="right") - 1
    under_ooo = (o_k >= 0) & (np.append(o_reach, -_FAR)[o_k] > blocker)
    deficits = _count(e_slot[~under_ooo], size)

    # Scores.
    b2b = parts_per_slot - runs_per_slot
    after_hours = m_day - m_window
    work1 = np.maximum(working, 1)
    numerator = 200 * meeting_min + 80 * fragmented
    numerator += work1 * (15 * np.minimum(b2b, 4) + np.minimum(after_hours, 60))
    score = np.minimum(_round_half_even(numerator, 4 * work1), 100)
    at = slice(s0, s1)
    out["working_min"][at] = working
    out["meeting_min"][at] = meeting_min
    out["hold_min"][at] = hold_min
    out["focus_min"][at] = focus
    out["fragmented_min"][at] = fragmented
    out["largest_free_block_min"][at] = largest
    out["after_hours_meeting_min"][at] = after_hours
    out["conflict_min"][at] = conflict
    out["meeting_count"][at] = meeting_count
    out["b2b_count"][at] = b2b
    out["longest_run_min"][at] = longest
    out["recovery_deficits"][at] = deficits
    np.divide(meeting_min, working, out=out["density"][at], where=working > 0)
    out["load_score"][at] = score
    out["no_score"][at] = (working == 0) & (parts_per_slot == 0)


def _round_half_even(numerator: I64, denominator: I64) -> I64:
    """numerator / denominator rounded half to even, exactly (denominator > 0)."""
    quotient, remainder = np.divmod(numerator, denominator)
    twice = 2 * remainder
    up = (twice > denominator) | ((twice == denominator) & (quotient % 2 == 1))
    return np.asarray(quotient + up, dtype=np.int64)


def _frame(names: Sequence[str], dates: Sequence[dt.date], values: dict[str, Any]) -> pd.DataFrame:
    ndays = len(dates)
    person = np.repeat(np.arange(len(names), dtype=np.int64), ndays)
    date = np.empty(ndays, dtype=object)
    date[:] = list(dates)
    columns: dict[str, Any] = {
        "person": _strings(names, person),
        "date": np.tile(date, len(names)),
    }
    columns.update(values)
    return pd.DataFrame(columns, copy=False)


def _strings(names: Sequence[str], index: I64) -> pd.api.extensions.ExtensionArray:
    """names[index] as a pandas string array (the canonical `string` dtype)."""
    dtype = pd.StringDtype()
    if dtype.storage == "pyarrow":
        import pyarrow as pa

        taken = pa.array(list(names), type=pa.large_string()).take(pa.array(index))
        return pd.arrays.ArrowStringArray(pa.chunked_array([taken]))
    return pd.array(np.asarray(list(names), dtype=object)[index], dtype=dtype)
