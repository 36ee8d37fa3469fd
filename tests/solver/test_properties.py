"""Property tests over random calendars: the CP-SAT plan keeps every hard rule and never scores
below the greedy baseline on the same input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import (
    Busy,
    Preferences,
    Problem,
    days_from_windows,
    greedy_blocks,
    score,
    solve,
    violations,
)

KINDS = ("meeting", "meeting", "meeting", "hold", "ooo")


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    windows: list[tuple[int, int] | None] = []
    for _ in range(5):
        if draw(st.integers(0, 9)) == 0:
            windows.append(None)
        else:
            start = draw(st.integers(420, 600))  # any minute: tests the rounding inward
            windows.append((start, start + draw(st.integers(240, 600))))
    days = days_from_windows(windows)
    busy = []
    for _ in range(draw(st.integers(0, 18))):
        day = draw(st.integers(0, 4))
        start = day * 1440 + draw(st.integers(400, 1100))
        kind = draw(st.sampled_from(KINDS))
        busy.append(Busy(start, start + draw(st.integers(5, 180)), kind))  # type: ignore[arg-type]
    low = draw(st.sampled_from([30, 45, 60, 90]))
    ideal = draw(st.sampled_from([low, low + 30, low + 60]))
    high = draw(st.sampled_from([ideal, ideal + 30, ideal + 60]))
    longest = max((w[1] - w[0] for w in windows if w), default=0)
    lunch = draw(st.booleans())
    prefs = Preferences(
        weekly_focus_goal=draw(st.integers(0, 30)) * 30,
        focus_block_min=low,
        focus_block_ideal=ideal,
        focus_block_max=high,
        focus_cap_per_day=draw(st.sampled_from([0, high, 2 * high, 240])),
        preferred_time=draw(st.sampled_from(["morning", "afternoon", "none"])),
        not_before=draw(st.sampled_from([None, 570, 600, 660])),
        no_focus_days=frozenset(draw(st.sets(st.integers(0, 6), max_size=2))),
        recovery_buffer=draw(st.sampled_from([0, 10, 15])),
        prep_buffer=draw(st.sampled_from([0, 0, 10])),
        lunch_window=(690, 810) if lunch else None,
        lunch_length=draw(st.sampled_from([30, 45])) if lunch else 0,
        reflection_length=draw(st.sampled_from([0, 30])),
        reflection_time=draw(st.sampled_from(["morning", "afternoon", "none"])),
        daily_reserve=min(longest, draw(st.sampled_from([0, 30, 60, 120]))),
    )
    now = draw(st.sampled_from([0, 0, 600, 1440 + 700]))
    return Problem(days=days, busy=tuple(busy), prefs=prefs, now=now, time_limit_s=30.0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_plan_keeps_the_hard_rules_and_beats_greedy(problem: Problem) -> None:
    plan = solve(problem)
    assert plan.status == "OPTIMAL"
    assert violations(problem, plan.blocks) == []
    for block in plan.blocks:  # an independent check of the two rules the issue names first
        assert not any(b.start < block.end and block.start < b.end for b in problem.busy)
        day = next(d for d in problem.days if d.day_start <= block.start < d.day_end)
        assert day.work_start is not None and day.work_end is not None
        assert day.work_start <= block.start and block.end <= day.work_end
        assert block.start >= problem.now
    assert plan.model_objective == plan.objective
    greedy = greedy_blocks(problem)
    assert violations(problem, greedy) == []
    assert plan.objective >= score(problem, greedy).objective


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_replanning_with_nothing_changed_keeps_the_plan(problem: Problem) -> None:
    first = solve(problem)
    again = solve(Problem(**{**problem.__dict__, "previous": first.blocks}))
    assert again.blocks == first.blocks
