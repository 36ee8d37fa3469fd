"""One plain sentence per unmet goal, naming the day and the cause.

Sentences are derived from the problem's facts (timeline.py) and the plan's blocks, never from
the solver's internals, so they hold for any block list: "Tue: longest free gap is 45 min,
shorter than the 60-min minimum block".
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.problem import WEEKDAY_LABELS, Block
from solver.timeline import (
    BufferWant,
    DayFacts,
    Facts,
    clock_text,
    intersect,
    lunch_met,
    overlap,
    span_text,
    start_ranges,
    subtract,
    total,
)


def explain(f: Facts, blocks: Sequence[Block]) -> list[str]:
    """Sentences for every goal `blocks` leaves unmet: buffers, lunch, focus, reflection."""
    plan = sorted(set(blocks))
    out: list[str] = []
    present = {(b.start, b.end) for b in plan if b.kind == "buffer"}
    seen: set[tuple[int, int, str]] = set()
    for want in f.wants:
        key = (want.start, want.end, want.source)
        if want.span not in present and key not in seen:
            seen.add(key)
            out.append(_buffer(f, want, plan))
    out.extend(_lunch(f, plan))
    out.extend(_focus(f, plan))
    out.extend(_reflection(f, plan))
    return out


def _new_blocks(f: Facts, day: DayFacts, plan: Sequence[Block]) -> list[Block]:
    fixed = set(f.fixed)
    return [b for b in plan if b not in fixed and f.day_of(b.start) == day.index]


def _booked_new(f: Facts, day: DayFacts, plan: Sequence[Block]) -> int:
    return sum(b.length for b in _new_blocks(f, day, plan))


def _reserve_cause(f: Facts, day: DayFacts, plan: Sequence[Block], need: int) -> str | None:
    """Why `need` more minutes cannot be booked on `day` without eating the reserve."""
    reserve = f.problem.prefs.daily_reserve
    if day.free_min < reserve:
        return f"free time ({day.free_min} min) is below the {reserve}-min daily reserve"
    if _booked_new(f, day, plan) + need > day.budget:
        return f"the rest of the free time is kept as the {reserve}-min daily reserve"
    return None


def _buffer(f: Facts, want: BufferWant, plan: Sequence[Block]) -> str:
    index = f.day_of(want.start)
    day = f.days[index] if index is not None else f.days[0]
    label = day.day.label
    length = want.end - want.start
    if want.source == "recovery":
        what = f"a {length}-min recovery buffer after the {span_text(day.day, *_run(want))} run"
    else:
        what = f"a {length}-min prep buffer before the {clock_text(day.day, want.run.start)} run"
    if want.status == "blocked":
        return f"{label}: no room for {what} — {_blocker(f, day, want)}"
    cause = _reserve_cause(f, day, plan, length)
    if cause is None:
        taken = [b for b in plan if overlap((b.start, b.end), want.span)]
        cause = (
            f"the {taken[0].kind} block at {clock_text(day.day, taken[0].start)} has that time"
            if taken
            else "it was not planned"
        )
    return f"{label}: no {what.removeprefix('a ')} — {cause}"


def _run(want: BufferWant) -> tuple[int, int]:
    return want.run.start, want.run.end


def _blocker(f: Facts, day: DayFacts, want: BufferWant) -> str:
    """What occupies (part of) a buffer's place."""
    window = day.window
    if window is None or want.end > window[1]:
        return "it would run past the end of the working day"
    if want.start < window[0]:
        return "it would start before the working day"
    for busy in sorted(f.problem.busy):
        if overlap((busy.start, busy.end), want.span):
            kind = {"meeting": "a meeting", "hold": "a hold", "ooo": "out of office"}[busy.kind]
            return f"{kind} starts at {clock_text(day.day, max(busy.start, day.day.day_start))}"
    for block in day.fixed:
        if overlap((block.start, block.end), want.span):
            return f"the kept {block.kind} block at {clock_text(day.day, block.start)} is there"
    return "the time is not free"


def _lunch(f: Facts, plan: Sequence[Block]) -> list[str]:
    prefs = f.problem.prefs
    out: list[str] = []
    if prefs.lunch_window is None:
        return out
    length = f.lengths.lunch
    for day in f.days:
        if not day.lunch_wanted:
            continue
        if lunch_met(day, prefs.lunch_window, plan):
            continue
        lo, hi = day.day.at(prefs.lunch_window[0]), day.day.at(prefs.lunch_window[1])
        label = day.day.label
        window = f"between {clock_text(day.day, lo)} and {clock_text(day.day, hi)}"
        room = day.lunch_range is not None and start_ranges(
            intersect(day.gaps, [day.lunch_range]), length
        )
        if not room:
            out.append(f"{label}: no room for a {length}-min lunch {window} — the window is booked")
            continue
        cause = _reserve_cause(f, day, plan, length) or "it was not planned"
        out.append(f"{label}: no {length}-min lunch {window} — {cause}")
    return out


def _focus(f: Facts, plan: Sequence[Block]) -> list[str]:
    prefs = f.problem.prefs
    goal = prefs.weekly_focus_goal
    planned = sum(b.length for b in plan if b.kind == "focus")
    if planned >= goal:
        return []
    working = [d for d in f.days if d.window is not None]
    out: list[str] = []
    capped: list[str] = []
    limited: list[DayFacts] = []
    for day in f.days:
        sentence = _focus_day(f, day, plan, working)
        if sentence == "capped":
            capped.append(day.day.label)
            continue
        if sentence:
            out.append(sentence)
        if day.window is not None and day.focus_reason is None:
            limited.append(day)
    if not working:
        cause = "there are no working hours in the horizon"
    elif all(d.focus_reason is not None for d in working):
        cause = "no working day is open for focus"
    elif capped and not limited:
        cause = f"the {prefs.focus_cap_per_day}-min daily cap is reached on {', '.join(capped)}"
    elif limited and all(d.open and not total(subtract([d.open], d.ooo)) for d in limited):
        cause = "you are out of office"
    else:
        cause = "working time is booked"
    out.append(f"Week: {planned} of {goal} focus minutes planned — {cause}")
    return out


def _focus_day(
    f: Facts, day: DayFacts, plan: Sequence[Block], working: Sequence[DayFacts]
) -> str | None:
    """Why `day` holds no (more) focus; "capped" when it is at the daily cap; None: no reason."""
    prefs, lengths = f.problem.prefs, f.lengths
    label = day.day.label
    focus = sum(b.length for b in plan if b.kind == "focus" and f.day_of(b.start) == day.index)
    if day.window is None:
        inner = working and working[0].index < day.index < working[-1].index
        return f"{label}: no working hours" if inner else None
    if day.focus_reason == "no-focus day":
        return f"{label}: no-focus day"
    if day.focus_reason == "not one of the focus days":
        return f"{label}: not one of your focus days"
    if day.focus_reason is not None:
        return f"{label}: no focus block — {day.focus_reason}"
    if focus + lengths.focus_min > prefs.focus_cap_per_day:
        return "capped"
    lead = f"{label}: no focus block" if not focus else f"{label}: no room for more focus"
    if day.open is None:
        return None if focus else f"{lead} — the working day is over"
    if not focus and total(subtract([day.open], day.ooo)) == 0:
        return f"{label}: out of office"
    if day.free_min == 0:
        return f"{lead} — the working day is fully booked"
    if day.free_min < prefs.daily_reserve:
        return (
            f"{lead} — free time ({day.free_min} min) is below the "
            f"{prefs.daily_reserve}-min daily reserve"
        )
    left = subtract(day.focus_gaps, ((b.start, b.end) for b in plan))
    longest = max((e - s for s, e in left), default=0)
    if focus and not longest:
        return None  # every free minute of the day is focus already
    if longest < lengths.focus_min:
        after = ""
        if prefs.not_before is not None and day.focus_from > day.open[0]:
            after = f" after {clock_text(day.day, day.focus_from)}"
        gap = "longest free gap" if not focus else "longest free gap left"
        return (
            f"{label}: {gap}{after} is {longest} min, shorter than the "
            f"{prefs.focus_block_min}-min minimum block"
        )
    booked = _booked_new(f, day, plan)
    if booked + lengths.focus_min > day.budget:
        if not booked:
            return (
                f"{lead} — a {prefs.focus_block_min}-min block would eat into the "
                f"{prefs.daily_reserve}-min daily reserve ({day.free_min} min free)"
            )
        return (
            f"{lead} — the rest of the free time is kept as the "
            f"{prefs.daily_reserve}-min daily reserve"
        )
    return None


def _reflection(f: Facts, plan: Sequence[Block]) -> list[str]:
    prefs, length = f.problem.prefs, f.lengths.reflection
    if not f.reflection_wanted:
        return []
    mine = [b for b in plan if b.kind == "reflection"]
    wanted_day = next((d for d in f.days if d.day.weekday == prefs.reflection_day), None)
    name = _weekday_name(f, prefs.reflection_day)
    if not mine:
        if any(start_ranges(d.gaps, length) for d in f.days):
            cause = f"the time above the {prefs.daily_reserve}-min daily reserve is used up"
            return [f"Week: no {length}-min reflection slot — {cause}"]
        return [f"Week: no room for the {length}-min reflection slot — no free {length} min"]
    block = mine[0]
    index = f.day_of(block.start)
    day = f.days[index] if index is not None else f.days[0]
    if day.day.weekday != prefs.reflection_day:
        if wanted_day is None or wanted_day.window is None:
            cause = f"{name} is not a working day"
        elif not start_ranges(wanted_day.gaps, length):
            cause = f"{name} has no free {length} min"
        else:
            cause = f"{name} has no room left above the {prefs.daily_reserve}-min daily reserve"
        return [f"Week: reflection slot on {day.day.label}, not {name} — {cause}"]
    if prefs.reflection_time != "none":
        half = (
            (day.day.day_start, day.noon)
            if prefs.reflection_time == "morning"
            else (day.noon, day.day.day_end)
        )
        if overlap((block.start, block.end), half) < block.length:
            other = "afternoon" if prefs.reflection_time == "morning" else "morning"
            return [
                f"{day.day.label}: reflection slot in the {other}, not the "
                f"{prefs.reflection_time} — no free {length} min in the {prefs.reflection_time}"
            ]
    return []


def _weekday_name(f: Facts, weekday: int) -> str:
    for day in f.days:
        if day.day.weekday == weekday:
            return day.day.label
    return WEEKDAY_LABELS[weekday]
