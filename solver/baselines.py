"""Two simple planners kept for comparison (DESIGN.md "Planner", "Performance targets").

`greedy_blocks`: first-fit into the largest free gaps, honouring the same hard rules as the
model (block bounds, daily cap, daily reserve, working hours, focus days, not_before, now), and
stopping at the weekly goal. `fixed_blocks`: what a recurring 09:00–11:00 "focus" event gives,
clipped to free working time (pieces shorter than the minimum block dropped); it ignores the
cap, the reserve and focus days, as a recurring event would. Both books focus blocks only and
return whole plans (fixed blocks included) to be judged by `solver.score.score`.
"""

from __future__ import annotations

from solver.problem import FOCUS_BREAK, Block, Problem, validate
from solver.timeline import Facts, ceil_grain, facts, floor_grain, intersect, subtract


def greedy_blocks(problem: Problem, known: Facts | None = None) -> tuple[Block, ...]:
    """Greedy baseline: day by day, fill the largest free gap first with the longest block."""
    validate(problem)
    f = known or facts(problem)
    prefs, lengths = problem.prefs, f.lengths
    fixed_focus = sum(b.length for b in f.fixed if b.kind == "focus")
    goal_left = max(0, prefs.weekly_focus_goal - fixed_focus)
    out = list(f.fixed)
    for day in f.days:
        if day.focus_reason is not None or goal_left <= 0:
            continue
        cap_left = max(0, prefs.focus_cap_per_day - day.fixed_focus)
        budget = day.budget
        gaps = list(day.focus_gaps)
        while goal_left > 0:
            gaps.sort(key=lambda g: (-(g[1] - g[0]), g[0]))
            if not gaps:
                break
            start, end = gaps[0]
            want = max(lengths.focus_min, ceil_grain(goal_left))
            length = floor_grain(min(lengths.focus_max, end - start, cap_left, budget, want))
            if length < lengths.focus_min:
                break
            out.append(Block(start, start + length, "focus"))
            gaps[0] = (start + length + FOCUS_BREAK, end)
            cap_left -= length
            budget -= length
            goal_left -= length
    return tuple(sorted(set(out)))


def fixed_blocks(
    problem: Problem, start: int = 540, end: int = 660, known: Facts | None = None
) -> tuple[Block, ...]:
    """Fixed baseline: a daily [start, end) wall-clock focus block on every working day."""
    validate(problem)
    f = known or facts(problem)
    out = list(f.fixed)
    for day in f.days:
        if day.window is None:
            continue
        span = (day.day.at(start), day.day.at(end))
        for lo, hi in intersect(subtract(day.free, ((b.start, b.end) for b in day.fixed)), [span]):
            if hi - lo >= f.lengths.focus_min:
                out.append(Block(lo, hi, "focus"))
    return tuple(sorted(set(out)))
