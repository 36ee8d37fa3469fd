"""The CP-SAT model: it optimises exactly `score`, deterministically, and never crashes on
hard calendars (fully booked, days off, out of office)."""

from __future__ import annotations

import random
from dataclasses import replace

from solver import Block, Busy, Day, Preferences, Problem, score, solve, violations
from tests.solver.helpers import NINE_TO_FIVE, at, meeting, problem, spans, week


def _busy_week(seed: int) -> Problem:
    """A realistic week: stand-ups, 1:1s and meetings of 30-90 min on a 5-minute grid."""
    rng = random.Random(seed)
    busy = []
    for d in range(5):
        busy.append(meeting(d, "09:30", "09:45"))
        for _ in range(4):
            start = at(d, "10:00") + 15 * rng.randrange(0, 24)
            busy.append(Busy(start, start + rng.choice([30, 45, 60, 90])))
    return Problem(
        days=week(5),
        busy=tuple(busy),
        prefs=Preferences(lunch_window=(690, 810), lunch_length=30, prep_buffer=10),
        time_limit_s=20.0,
    )


def test_objective_equals_the_score_of_its_own_plan() -> None:
    for seed in range(3):
        p = _busy_week(seed)
        plan = solve(p)
        assert plan.status == "OPTIMAL"
        assert plan.model_objective == plan.objective == score(p, plan.blocks).objective
        assert plan.terms == score(p, plan.blocks).terms
        assert violations(p, plan.blocks) == []


def test_same_input_same_plan() -> None:
    p = _busy_week(7)
    first, second = solve(p), solve(p)
    assert first.blocks == second.blocks
    assert first.objective == second.objective
    assert first.explanations == second.explanations


def test_plan_reports_focus_goal_and_reserve() -> None:
    # Goal 240 in a free Monday-Tuesday: two morning blocks, reserve = 480 - 120 per day.
    p = problem(days=week(2), weekly_focus_goal=240, preferred_time="morning", daily_reserve=60)
    plan = solve(p)
    assert spans(plan) == [(0, "09:00-11:00", "focus"), (1, "09:00-11:00", "focus")]
    assert plan.protected_focus_min == 240
    assert plan.goal_met is True
    assert plan.reserve_by_day == (360, 360)
    assert plan.focus_before_min == 0
    assert plan.explanations == ()
    assert plan.solve_ms >= 0


def test_earlier_and_locked_blocks_are_in_the_plan_and_counted_before() -> None:
    earlier = Block(at(0, "09:00"), at(0, "10:00"))
    locked = Block(at(1, "14:00"), at(1, "15:00"))
    p = replace(problem(days=week(2)), previous=(earlier,), locked=(locked,))
    plan = solve(p)  # goal 0: the earlier block is kept (no-move window), the locked one stays
    assert plan.blocks == (earlier, locked)
    assert plan.focus_before_min == 120
    assert plan.protected_focus_min == 120


def test_fully_booked_week_gives_an_empty_plan_with_reasons() -> None:
    full = [meeting(d, "09:00", "17:00") for d in range(5)]
    plan = solve(problem(full, days=week(5), weekly_focus_goal=600, reflection_length=30))
    assert plan.status == "OPTIMAL"
    assert plan.blocks == ()
    assert plan.goal_met is False
    assert plan.reserve_by_day == (0, 0, 0, 0, 0)
    assert plan.explanations == (
        "Mon: no focus block — the working day is fully booked",
        "Tue: no focus block — the working day is fully booked",
        "Wed: no focus block — the working day is fully booked",
        "Thu: no focus block — the working day is fully booked",
        "Fri: no focus block — the working day is fully booked",
        "Week: 0 of 600 focus minutes planned — working time is booked",
        "Week: no room for the 30-min reflection slot — no free 30 min",
    )


def test_a_day_without_working_hours_gets_nothing() -> None:
    days = week(windows=[NINE_TO_FIVE, NINE_TO_FIVE, None, NINE_TO_FIVE, NINE_TO_FIVE])
    plan = solve(problem(days=days, weekly_focus_goal=1200, preferred_time="morning"))
    assert {day for day, _, _ in spans(plan)} == {0, 1, 3, 4}
    assert plan.protected_focus_min == 4 * 240  # every working day at the 240-min cap
    assert plan.reserve_by_day[2] == 0
    assert plan.explanations == (
        "Wed: no working hours",
        "Week: 960 of 1200 focus minutes planned — the 240-min daily cap is reached on "
        "Mon, Tue, Thu, Fri",
    )


def test_an_out_of_office_week_gives_an_empty_plan() -> None:
    ooo = [Busy(0, 5 * 1440, "ooo")]
    plan = solve(
        problem(
            ooo,
            days=week(5),
            weekly_focus_goal=600,
            reflection_length=30,
            lunch_window=(690, 810),
            lunch_length=30,
            recovery_buffer=15,
        )
    )
    assert plan.blocks == ()
    assert plan.explanations == (
        "Mon: out of office",
        "Tue: out of office",
        "Wed: out of office",
        "Thu: out of office",
        "Fri: out of office",
        "Week: 0 of 600 focus minutes planned — you are out of office",
    )


def test_nothing_starts_before_now() -> None:
    # now = Mon 12:00: Monday morning is gone, the afternoon is still open.
    p = replace(
        problem(days=week(2), weekly_focus_goal=240, preferred_time="morning"), now=at(0, "12:00")
    )
    plan = solve(p)
    assert all(b.start >= at(0, "12:00") for b in plan.blocks)
    # Mon 12:00-14:00 would be 120 min after noon; Tue 11:15-13:15 (after the 15-min break)
    # only 75: both go to Tuesday.
    assert spans(plan) == [(1, "09:00-11:00", "focus"), (1, "11:15-13:15", "focus")]


def test_a_spring_forward_day_uses_local_clock_times() -> None:
    # Day 0 has 1380 minutes (clocks jump at 02:00), so local 09:00 is horizon minute 540 - 60.
    # Working 09:00-17:00 local = 480-960; local noon = 720 - 60 = 660.
    dst = Day(day_start=0, day_end=1380, weekday=0, work_start=480, work_end=960, clock_offset=-60)
    p = Problem(
        days=(dst,),
        busy=(Busy(690 - 60, 810 - 60),),  # a meeting over the whole 11:30-13:30 lunch window
        prefs=Preferences(
            weekly_focus_goal=120,
            preferred_time="afternoon",
            recovery_buffer=0,
            reflection_length=0,
            daily_reserve=0,
            lunch_window=(690, 810),
            lunch_length=30,
        ),
        time_limit_s=20.0,
    )
    plan = solve(p)
    assert plan.blocks == (Block(750, 870),)  # 13:30-15:30 local: the first afternoon room
    assert plan.explanations == (
        "Mon: no room for a 30-min lunch between 11:30 and 13:30 — the window is booked",
    )


def test_same_input_same_plan_across_processes() -> None:
    # Two CP-SAT workers race; with tied optima each process could return another plan. The
    # tie-break must make the optimum unique, so fresh interpreters agree with this one.
    import subprocess
    import sys

    code = (
        "from tests.solver.test_model import _busy_week\n"
        "from solver import solve\n"
        "print(repr(solve(_busy_week(7)).blocks))\n"
    )
    here = repr(solve(_busy_week(7)).blocks)
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        )
        assert out.stdout.strip() == here
