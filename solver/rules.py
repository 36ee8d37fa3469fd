"""The hard rules as a checker: which rules does a list of blocks break?

The model enforces these rules by construction; this independent check lets tests (and the
benchmark, for the fixed-block baseline that ignores some of them) verify any plan. Locked blocks
and earlier blocks inside the no-move window are exempt: they stay as they are by rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from solver.problem import FOCUS_BREAK, Block, Problem
from solver.timeline import Facts, facts, intersect, overlap, span_text, total


def violations(problem: Problem, blocks: Iterable[Block], known: Facts | None = None) -> list[str]:
    """One sentence per broken hard rule; an empty list means the plan is valid."""
    f = known or facts(problem)
    prefs = problem.prefs
    plan = sorted(set(blocks))
    fixed = set(f.fixed)
    new = [b for b in plan if b not in fixed]
    out = [f"fixed {b.kind} block {b.start}–{b.end} is missing" for b in f.fixed if b not in plan]
    reflections = 0
    for block in new:
        index = f.day_of(block.start)
        day = f.days[index] if index is not None else None
        if day is None:
            out.append(f"{block.kind} block {block.start}–{block.end} lies outside every day")
            continue
        where = f"{day.day.label} {span_text(day.day, block.start, block.end)} {block.kind}"
        if block.end <= block.start:
            out.append(f"{where}: ends before it starts")
            continue
        if day.window is None or not (day.window[0] <= block.start and block.end <= day.window[1]):
            out.append(f"{where}: outside working hours")
        elif block.start < problem.now:
            out.append(f"{where}: starts before now")
        for busy in problem.busy:
            if overlap((block.start, block.end), (busy.start, busy.end)):
                out.append(f"{where}: overlaps a {busy.kind} at {busy.start}–{busy.end}")
                break
        for other in plan:
            if other != block and overlap((block.start, block.end), (other.start, other.end)):
                if other not in fixed and other < block:
                    continue  # reported once, from the earlier block's side
                out.append(f"{where}: overlaps the {other.kind} block {other.start}–{other.end}")
        if block.kind == "focus":
            if not prefs.focus_block_min <= block.length <= prefs.focus_block_max:
                out.append(f"{where}: length {block.length} min is outside the block bounds")
            if day.focus_reason is not None:
                out.append(f"{where}: focus not allowed ({day.focus_reason})")
            elif block.start < day.focus_from:
                out.append(f"{where}: starts before not_before")
        elif block.kind == "buffer":
            allowed = {x for x in (f.lengths.recovery, f.lengths.prep) if x > 0}
            if block.length not in allowed:
                out.append(f"{where}: length {block.length} min is not a buffer length")
        elif block.kind == "reflection":
            reflections += 1
            if block.length != f.lengths.reflection:
                out.append(f"{where}: length is not the reflection length")
        elif block.kind == "lunch":
            window = prefs.lunch_window
            if window is None or block.length != f.lengths.lunch:
                out.append(f"{where}: lunch is not configured with this length")
            elif not (day.day.at(window[0]) <= block.start and block.end <= day.day.at(window[1])):
                out.append(f"{where}: outside the lunch window")
    if reflections > (0 if f.fixed_reflection else 1):
        out.append(f"{reflections} new reflection blocks (at most one a week)")
    for day in f.days:
        mine = [b for b in new if f.day_of(b.start) == day.index]
        label = day.day.label
        focus = sum(b.length for b in mine if b.kind == "focus")
        if focus > max(0, prefs.focus_cap_per_day - day.fixed_focus):
            out.append(f"{label}: {focus + day.fixed_focus} focus minutes exceed the daily cap")
        booked = total(intersect(day.free, ((b.start, b.end) for b in mine)))
        if booked > day.budget:
            out.append(
                f"{label}: new blocks book {booked} min, leaving less than the "
                f"{prefs.daily_reserve}-min daily reserve"
            )
        planned = sorted(b for b in mine if b.kind == "focus")
        for before, after in itertools.pairwise(planned):
            if 0 <= after.start - before.end < FOCUS_BREAK:  # overlaps are reported above
                out.append(
                    f"{label}: focus blocks {before.start}–{before.end} and "
                    f"{after.start}–{after.end} are less than {FOCUS_BREAK} min apart"
                )
        lunches = sum(1 for b in mine if b.kind == "lunch")
        if lunches > (0 if day.fixed_lunch else 1):
            out.append(f"{label}: {lunches} new lunch blocks")
    return out
