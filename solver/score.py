"""The one scoring function: how good is ANY list of blocks for a problem?

The CP-SAT model optimises exactly this number (tests check that the solver's objective equals
`score` of its own plan) and the baselines are judged by it, so "better" means the same thing
everywhere. Every term is an integer; weights sit an order of magnitude apart in the priority
order of DESIGN.md "Planner". The objective is the weighted goals that were asked for
(`potential`) minus the named penalty terms: an empty plan scores 0 and a sensible plan scores
above 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from solver.problem import Block, Problem
from solver.timeline import GRAIN, DayFacts, Facts, facts, lunch_met, overlap

#: Weights, highest priority first, each an order of magnitude below the one before (per minute
#: unless the comment says otherwise).
W_BUFFER: Final = 1_000_000_000  # (1) recovery / prep buffer minutes missing
W_LUNCH: Final = 100_000_000  # (2) lunch minutes missing on a day that wants lunch
W_FOCUS: Final = 10_000_000  # (3) focus minutes short of the weekly goal
W_REFLECTION: Final = 1_000_000  # (4) reflection minutes missing
W_REFLECTION_DAY: Final = 500_000  # (4) reflection minutes on another day than the preferred one
W_REFLECTION_TIME: Final = 200_000  # (4) reflection minutes outside the preferred half-day
W_IDEAL: Final = 100_000  # (5) |focus block length - ideal length|
W_TIME: Final = 10_000  # (6) focus minutes outside the preferred half-day
W_STABILITY: Final = 1_000  # (7) minutes of earlier blocks not kept exactly where they were
W_BLOCK: Final = 10_000  # (8) per focus block
W_EARLY: Final = 1  # tie-break: per 5-minute step from the horizon start to a block's start

TERMS: Final = (
    "recovery_buffer",
    "prep_buffer",
    "lunch",
    "focus_goal",
    "reflection_missing",
    "reflection_day",
    "reflection_time",
    "ideal_length",
    "time_of_day",
    "stability",
    "block_count",
    "earlier_start",
)


@dataclass(frozen=True)
class Score:
    """`objective` = `potential` - sum(`terms`); terms are weighted penalties, by name."""

    objective: int
    potential: int
    terms: Mapping[str, int]


def score(problem: Problem, blocks: Iterable[Block], known: Facts | None = None) -> Score:
    """Score `blocks` (a whole plan: new, kept and locked blocks) against `problem`."""
    f = known or facts(problem)
    prefs = problem.prefs
    plan = sorted(set(blocks))
    present = set(plan)
    terms = dict.fromkeys(TERMS, 0)

    buffers = {(b.start, b.end) for b in plan if b.kind == "buffer"}
    for want in f.wants:
        if want.span not in buffers:
            terms[f"{want.source}_buffer"] += W_BUFFER * (want.end - want.start)

    for day in f.days:
        if (
            day.lunch_wanted
            and prefs.lunch_window is not None
            and not lunch_met(day, prefs.lunch_window, plan)
        ):
            terms["lunch"] += W_LUNCH * f.lengths.lunch

    focus_total = sum(b.length for b in plan if b.kind == "focus")
    terms["focus_goal"] = W_FOCUS * max(0, prefs.weekly_focus_goal - focus_total)

    if f.reflection_wanted:
        options = [reflection_terms(f, b) for b in plan if b.kind == "reflection"]
        if options:
            best = min(options, key=lambda t: (sum(t.values()), sorted(t.items())))
            for name, value in best.items():
                terms[name] += value
        else:
            terms["reflection_missing"] = W_REFLECTION * f.lengths.reflection

    for block in plan:
        for name, value in block_terms(f, block).items():
            terms[name] += value

    for block in f.movable_previous:
        if block not in present:
            terms["stability"] += W_STABILITY * block.length

    value = potential(f)
    return Score(objective=value - sum(terms.values()), potential=value, terms=terms)


def potential(f: Facts) -> int:
    """The weighted goals the problem asks for: what a plan meeting every goal would earn."""
    prefs = f.problem.prefs
    value = W_BUFFER * sum(w.end - w.start for w in f.wants)
    value += W_LUNCH * f.lengths.lunch * sum(1 for d in f.days if d.lunch_wanted)
    value += W_FOCUS * prefs.weekly_focus_goal
    if f.reflection_wanted:
        value += W_REFLECTION * f.lengths.reflection
    value += W_STABILITY * sum(b.length for b in f.movable_previous)
    return value


def block_terms(f: Facts, block: Block) -> dict[str, int]:
    """The terms one block adds on its own: ideal length, time of day, count, tie-break."""
    day = _day_of(f, block)
    out: dict[str, int] = {}
    if block.kind in ("focus", "lunch", "reflection"):
        out["earlier_start"] = W_EARLY * (block.start // GRAIN)
    if block.kind == "focus":  # and longer blocks in earlier gaps: plans that only swap
        # lengths between two gaps would tie on everything else
        order = focus_gap_order(f, block.start)
        out["earlier_start"] += W_EARLY * order * (block.length // GRAIN)
        prefs = f.problem.prefs
        out["ideal_length"] = W_IDEAL * abs(block.length - f.lengths.ideal)
        out["block_count"] = W_BLOCK
        noon = day.noon if day else block.start
        out["time_of_day"] = W_TIME * off_time(prefs.preferred_time, block.start, block.end, noon)
    return out


def focus_gap_order(f: Facts, minute: int) -> int:
    """Position (0, 1, …) of the focus gap holding `minute` among all the horizon's focus gaps,
    in time order; 0 when no gap holds it. Part of the tie-break only."""
    order = 0
    for day in f.days:
        for start, end in day.focus_gaps:
            if start <= minute < end:
                return order
            order += 1
    return 0


def reflection_terms(f: Facts, block: Block) -> dict[str, int]:
    """Day and time-of-day penalties of a reflection block (not counting the tie-break)."""
    prefs = f.problem.prefs
    day = _day_of(f, block)
    wrong_day = day is None or day.day.weekday != prefs.reflection_day
    noon = day.noon if day else block.start
    return {
        "reflection_day": W_REFLECTION_DAY * f.lengths.reflection if wrong_day else 0,
        "reflection_time": W_REFLECTION_TIME
        * off_time(prefs.reflection_time, block.start, block.end, noon),
    }


def off_time(preferred: str, start: int, end: int, noon: int) -> int:
    """Minutes of [start, end) outside the preferred half-day (split at local noon)."""
    if preferred == "morning":
        return overlap((start, end), (noon, max(end, noon)))
    if preferred == "afternoon":
        return overlap((start, end), (min(start, noon), noon))
    return 0


def _day_of(f: Facts, block: Block) -> DayFacts | None:
    index = f.day_of(block.start)
    return f.days[index] if index is not None else None
