"""What a Problem means day by day: the facts that the model, the score, the baselines and the
explanations all read, worked out once so that they can never disagree.

Per day: the working window on the 5-minute grain (rounded inward; busy time rounded outward),
the part of it from `now` on, the free working time, the fixed blocks (locked, and earlier blocks
inside the no-move window), the gaps where new blocks may go, the daily booking budget that
keeps the reserve free, whether focus is allowed, the meeting runs with the recovery and prep
buffers they want, and the lunch range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from solver.problem import NOON, Block, Day, Preferences, Problem, day_index

GRAIN = 5

Interval = tuple[int, int]
BufferSource = Literal["recovery", "prep"]


def floor_grain(minute: int) -> int:
    return minute // GRAIN * GRAIN


def ceil_grain(minute: int) -> int:
    return -(-minute // GRAIN) * GRAIN


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of half-open intervals; touching intervals join."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(base: Iterable[Interval], cut: Iterable[Interval]) -> list[Interval]:
    """`base` minus `cut`, both any interval lists; the result is merged and sorted."""
    cuts = merge(cut)
    out: list[Interval] = []
    for start, end in merge(base):
        cursor = start
        for c_start, c_end in cuts:
            if c_end <= cursor or c_start >= end:
                continue
            if c_start > cursor:
                out.append((cursor, c_start))
            cursor = max(cursor, c_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    b_list = merge(b)
    for start, end in merge(a):
        for b_start, b_end in b_list:
            lo, hi = max(start, b_start), min(end, b_end)
            if lo < hi:
                out.append((lo, hi))
    return merge(out)


def total(intervals: Iterable[Interval]) -> int:
    return sum(end - start for start, end in intervals)


def overlap(a: Interval, b: Interval) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def inside(interval: Interval, pieces: Iterable[Interval]) -> bool:
    """True when `interval` lies within one of `pieces`."""
    return any(p[0] <= interval[0] and interval[1] <= p[1] for p in pieces)


def start_ranges(pieces: Iterable[Interval], length: int) -> list[Interval]:
    """Grid-aligned start ranges [lo, hi] (inclusive) of a `length` block inside `pieces`."""
    out = []
    for start, end in pieces:
        lo, hi = ceil_grain(start), floor_grain(end - length)
        if lo <= hi:
            out.append((lo, hi))
    return out


@dataclass(frozen=True)
class Lengths:
    """Block lengths on the grain: focus bounds rounded inward, the ideal to the nearest step,
    exact lengths (buffers, reflection, lunch) rounded up."""

    focus_min: int
    focus_max: int
    ideal: int
    recovery: int
    prep: int
    reflection: int
    lunch: int

    @staticmethod
    def of(prefs: Preferences) -> Lengths:
        return Lengths(
            focus_min=ceil_grain(prefs.focus_block_min),
            focus_max=floor_grain(prefs.focus_block_max),
            ideal=(prefs.focus_block_ideal + GRAIN // 2) // GRAIN * GRAIN,
            recovery=ceil_grain(prefs.recovery_buffer),
            prep=ceil_grain(prefs.prep_buffer),
            reflection=ceil_grain(prefs.reflection_length),
            lunch=ceil_grain(prefs.lunch_length) if prefs.lunch_window else 0,
        )


@dataclass(frozen=True)
class Run:
    """A run of back-to-back meetings (DESIGN.md "Metrics"): first start to latest end."""

    start: int
    end: int
    meetings: int


@dataclass(frozen=True)
class BufferWant:
    """A buffer the preferences ask for at a fixed place: after a run (recovery) or before one.

    `status` is "fixed" when a fixed buffer block already sits there, "open" when the place is
    free for a new block, "blocked" when it is not.
    """

    source: BufferSource
    start: int
    end: int
    run: Run
    status: Literal["fixed", "open", "blocked"]

    @property
    def span(self) -> Interval:
        return (self.start, self.end)


@dataclass(frozen=True)
class DayFacts:
    """Everything the planner needs to know about one day (all horizon minutes)."""

    index: int
    day: Day
    window: Interval | None  # working window on the grain (inward)
    open: Interval | None  # the part of `window` from `now` on
    busy: tuple[Interval, ...]  # busy time (grain, outward) inside the window
    ooo: tuple[Interval, ...]  # out-of-office time inside the window
    fixed: tuple[Block, ...]  # locked blocks and earlier blocks in the no-move window
    free: tuple[Interval, ...]  # open working time not under busy time
    free_min: int
    fixed_booked: int  # minutes of fixed blocks lying in `free`
    budget: int  # minutes new blocks may book without eating the reserve
    gaps: tuple[Interval, ...]  # `free` minus fixed blocks: where new blocks may go
    focus_reason: str | None  # why this day may hold no focus at all (None: it may)
    focus_from: int  # earliest start of a focus block (not_before)
    focus_gaps: tuple[Interval, ...]
    fixed_focus: int  # minutes of fixed focus blocks starting on this day
    noon: int
    runs: tuple[Run, ...]
    lunch_range: Interval | None  # the lunch window within this day's open working time
    lunch_wanted: bool
    fixed_lunch: bool


def lunch_met(day: DayFacts, window: Interval, blocks: Iterable[Block]) -> bool:
    """Whether one of `blocks` is a lunch block starting on `day` and lying inside the lunch
    `window` (wall-clock minutes of the day) there."""
    lo, hi = day.day.at(window[0]), day.day.at(window[1])
    return any(
        b.kind == "lunch"
        and lo <= b.start
        and b.end <= hi
        and day.day.day_start <= b.start < day.day.day_end
        for b in blocks
    )


@dataclass(frozen=True)
class Facts:
    """The whole horizon: per-day facts plus the week-level ones."""

    problem: Problem
    lengths: Lengths
    days: tuple[DayFacts, ...]
    fixed: tuple[Block, ...]
    movable_previous: tuple[Block, ...]
    wants: tuple[BufferWant, ...]  # every buffer asked for (recovery and prep may share a place)
    buffers: tuple[BufferWant, ...]  # one per distinct place
    reflection_wanted: bool
    fixed_reflection: bool

    def day_of(self, minute: int) -> int | None:
        return day_index(self.problem.days, minute)


def facts(problem: Problem) -> Facts:
    """Work out the per-day facts of a (validated) problem."""
    prefs = problem.prefs
    lengths = Lengths.of(prefs)
    no_move_until = problem.now + prefs.no_move_minutes
    fixed_set = set(problem.locked)
    fixed_set.update(b for b in problem.previous if b.start < no_move_until)
    fixed = tuple(sorted(fixed_set))
    movable = tuple(sorted({b for b in problem.previous if b not in fixed_set}))
    busy_all = [(b.start, b.end) for b in problem.busy]
    ooo_all = merge((b.start, b.end) for b in problem.busy if b.kind == "ooo")
    meetings = [(b.start, b.end) for b in problem.busy if b.kind == "meeting"]
    fixed_by_day: dict[int, list[Block]] = {}
    for block in fixed:
        index = day_index(problem.days, block.start)
        if index is not None:
            fixed_by_day.setdefault(index, []).append(block)

    days: list[DayFacts] = []
    all_wants: list[BufferWant] = []
    for index, day in enumerate(problem.days):
        day_fixed = tuple(fixed_by_day.get(index, ()))
        facts_of_day, wants = _day(
            problem, lengths, index, day, day_fixed, busy_all, ooo_all, meetings
        )
        days.append(facts_of_day)
        all_wants.extend(wants)
    fixed_reflection = any(b.kind == "reflection" for b in fixed)
    reflection_wanted = lengths.reflection > 0 and (
        fixed_reflection
        or any(
            e - s >= lengths.reflection
            for d in days
            if d.open is not None
            for s, e in subtract([d.open], d.ooo)
        )
    )
    return Facts(
        problem=problem,
        lengths=lengths,
        days=tuple(days),
        fixed=fixed,
        movable_previous=movable,
        wants=tuple(all_wants),
        buffers=tuple(
            {w.span: w for w in reversed(all_wants)}[span]
            for span in sorted({w.span for w in all_wants})
        ),
        reflection_wanted=reflection_wanted,
        fixed_reflection=fixed_reflection,
    )


def _day(
    problem: Problem,
    lengths: Lengths,
    index: int,
    day: Day,
    fixed: tuple[Block, ...],
    busy_all: Sequence[Interval],
    ooo_all: Sequence[Interval],
    meetings: Sequence[Interval],
) -> tuple[DayFacts, list[BufferWant]]:
    prefs = problem.prefs
    noon = day.at(NOON)
    window: Interval | None = None
    if day.work_start is not None and day.work_end is not None:
        lo, hi = ceil_grain(day.work_start), floor_grain(day.work_end)
        window = (lo, hi) if lo < hi else None
    open_: Interval | None = None
    if window is not None:
        lo = max(window[0], ceil_grain(problem.now))
        open_ = (lo, window[1]) if lo < window[1] else None
    win = [window] if window else []
    busy = tuple(intersect(((floor_grain(s), ceil_grain(e)) for s, e in busy_all), win))
    ooo = tuple(intersect(((floor_grain(s), ceil_grain(e)) for s, e in ooo_all), win))
    free = tuple(subtract([open_] if open_ else [], busy))
    free_min = total(free)
    fixed_spans = merge((floor_grain(b.start), ceil_grain(b.end)) for b in fixed)
    fixed_booked = total(intersect(free, ((b.start, b.end) for b in fixed)))
    budget = max(0, free_min - fixed_booked - prefs.daily_reserve)
    gaps = tuple(subtract(free, fixed_spans))

    reason: str | None = None
    if window is None:
        reason = "no working hours"
    elif day.weekday in prefs.no_focus_days:
        reason = "no-focus day"
    elif prefs.focus_days is not None and day.weekday not in prefs.focus_days:
        reason = "not one of the focus days"
    elif prefs.focus_cap_per_day == 0:
        reason = "the daily focus cap is 0"
    focus_from = ceil_grain(day.at(prefs.not_before)) if prefs.not_before is not None else 0
    focus_from = max(focus_from, window[0] if window else day.day_start)
    focus_gaps = tuple(intersect(gaps, [(focus_from, day.day_end)])) if reason is None else ()
    fixed_focus = sum(b.length for b in fixed if b.kind == "focus")

    runs = tuple(_runs(meetings, day, prefs.b2b_gap))
    wants: list[BufferWant] = []
    if window is not None and day.work_start is not None and day.work_end is not None:
        fixed_buffers = {(b.start, b.end) for b in fixed if b.kind == "buffer"}
        places: list[tuple[BufferSource, Interval, Run]] = []
        for run in runs:
            lasting = run.end - run.start >= prefs.recovery_after
            if lengths.recovery > 0 and lasting and day.work_start < run.end < day.work_end:
                start = ceil_grain(run.end)
                places.append(("recovery", (start, start + lengths.recovery), run))
            if lengths.prep > 0 and day.work_start < run.start < day.work_end:
                end = floor_grain(run.start)
                places.append(("prep", (end - lengths.prep, end), run))
        for source, span, run in places:
            if span[0] < problem.now or any(overlap(span, o) for o in ooo_all):
                continue
            if span in fixed_buffers:
                status: Literal["fixed", "open", "blocked"] = "fixed"
            elif inside(span, gaps):
                status = "open"
            else:
                status = "blocked"
            wants.append(BufferWant(source, span[0], span[1], run, status))

    lunch_range: Interval | None = None
    lunch_wanted = False
    fixed_lunch = any(b.kind == "lunch" for b in fixed)
    if prefs.lunch_window is not None and open_ is not None and lengths.lunch > 0:
        lo, hi = (
            max(day.at(prefs.lunch_window[0]), open_[0]),
            min(day.at(prefs.lunch_window[1]), open_[1]),
        )
        if lo < hi:
            lunch_range = (lo, hi)
            lunch_wanted = (
                any(e - s >= lengths.lunch for s, e in subtract([lunch_range], ooo)) or fixed_lunch
            )

    facts_of_day = DayFacts(
        index=index,
        day=day,
        window=window,
        open=open_,
        busy=busy,
        ooo=ooo,
        fixed=fixed,
        free=free,
        free_min=free_min,
        fixed_booked=fixed_booked,
        budget=budget,
        gaps=gaps,
        focus_reason=reason,
        focus_from=focus_from,
        focus_gaps=focus_gaps,
        fixed_focus=fixed_focus,
        noon=noon,
        runs=runs,
        lunch_range=lunch_range,
        lunch_wanted=lunch_wanted,
        fixed_lunch=fixed_lunch,
    )
    return facts_of_day, wants


def _runs(meetings: Sequence[Interval], day: Day, b2b_gap: int) -> list[Run]:
    """Meeting runs of one day (meetings crossing midnight are split there)."""
    clipped = sorted(
        (max(s, day.day_start), min(e, day.day_end))
        for s, e in meetings
        if s < day.day_end and e > day.day_start
    )
    runs: list[Run] = []
    for start, end in clipped:
        if runs and start < runs[-1].end + b2b_gap:
            last = runs[-1]
            runs[-1] = Run(last.start, max(last.end, end), last.meetings + 1)
        else:
            runs.append(Run(start, end, 1))
    return runs


def clock_text(day: Day, minute: int) -> str:
    """Wall-clock 'HH:MM' of horizon `minute` on `day` (24:00 at the end of the day)."""
    value = day.clock(minute)
    return f"{value // 60:02d}:{value % 60:02d}"


def span_text(day: Day, start: int, end: int) -> str:
    return f"{clock_text(day, start)}–{clock_text(day, end)}"
