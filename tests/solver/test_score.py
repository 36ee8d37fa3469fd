"""The one scoring function, checked against hand-worked arithmetic."""

from __future__ import annotations

from dataclasses import replace

from solver import Block, Problem, score
from solver.score import off_time
from tests.solver.helpers import at, block, meeting, problem, week


def _day_problem() -> Problem:
    # Mon 09:00-17:00, a 10:00-11:00 meeting (a 60-min run -> recovery buffer 11:00-11:15 wanted),
    # goal 300, ideal 120, morning, lunch 11:30-13:30 x 30, reflection Mon afternoon x 30.
    return problem(
        [meeting(0, "10:00", "11:00")],
        weekly_focus_goal=300,
        preferred_time="morning",
        recovery_buffer=15,
        lunch_window=(690, 810),
        lunch_length=30,
        reflection_length=30,
        reflection_day=0,
        reflection_time="afternoon",
    )


def test_empty_plan_scores_zero() -> None:
    # potential = 1e9*15 (buffer) + 1e8*30 (lunch) + 1e7*300 (focus) + 1e6*30 (reflection)
    #           = 15e9 + 3e9 + 3e9 + 3e7 = 21_030_000_000, and every goal is missed in full.
    result = score(_day_problem(), [])
    assert result.potential == 21_030_000_000
    assert result.objective == 0
    assert result.terms["recovery_buffer"] == 15_000_000_000
    assert result.terms["focus_goal"] == 3_000_000_000


def test_a_plan_scores_goals_met_minus_penalties() -> None:
    plan = [
        block(0, "09:00", "10:00"),  # 60 min: |60-120| = 60 -> 6e6; step 540/5 = 108
        block(0, "11:00", "11:15", "buffer"),  # the wanted recovery buffer
        block(0, "11:15", "12:45"),  # 90 min: |90-120| = 30 -> 3e6; 45 min after noon -> 4.5e5
        block(0, "12:45", "13:15", "lunch"),  # inside 11:30-13:30; step 765/5 = 153
        block(0, "13:15", "13:45", "reflection"),  # Monday afternoon as preferred; step 159
    ]
    result = score(_day_problem(), plan)
    # focus 150 of 300 -> 150 * 1e7 = 1.5e9 short; count 2 * 1e4; tie-break 108+135+153+159
    # = 555 for the starts, plus focus-gap order x length in steps: the first block is in gap 0
    # (09:00-10:00, 0 x 12), the second in gap 1 (after the 10:00 meeting, 1 x 18): 573
    assert result.terms == {
        "recovery_buffer": 0,
        "prep_buffer": 0,
        "lunch": 0,
        "focus_goal": 1_500_000_000,
        "reflection_missing": 0,
        "reflection_day": 0,
        "reflection_time": 0,
        "ideal_length": 9_000_000,
        "time_of_day": 450_000,
        "stability": 0,
        "block_count": 20_000,
        "earlier_start": 573,
    }
    # 21_030_000_000 - (1_500_000_000 + 9_000_000 + 450_000 + 20_000 + 573)
    assert result.objective == 19_520_529_427


def test_reflection_on_another_day_and_half_costs_less_than_none() -> None:
    p = replace(_day_problem(), days=week(2))
    tuesday_morning = [block(1, "09:00", "09:30", "reflection")]
    terms = score(p, tuesday_morning).terms
    assert terms["reflection_missing"] == 0
    assert terms["reflection_day"] == 30 * 500_000  # 1.5e7
    assert terms["reflection_time"] == 30 * 200_000  # 6e6, all 30 min before noon
    assert score(p, []).terms["reflection_missing"] == 30 * 1_000_000  # 3e7 > 1.5e7 + 6e6


def test_moving_an_earlier_block_costs_its_minutes() -> None:
    # A movable earlier block (now 0, no-move 0) 14:00-15:00 that the plan drops: 60 * 1e3.
    earlier = Block(at(0, "14:00"), at(0, "15:00"))
    p = problem(no_move_minutes=0)
    p = replace(p, previous=(earlier,))
    assert score(p, []).potential == 60_000
    assert score(p, []).terms["stability"] == 60_000
    assert score(p, [earlier]).terms["stability"] == 0


def test_off_time_is_the_part_outside_the_preferred_half() -> None:
    noon = 720
    assert off_time("morning", 660, 780, noon) == 60  # 11:00-13:00: 60 min after noon
    assert off_time("afternoon", 660, 780, noon) == 60  # 60 min before noon
    assert off_time("morning", 800, 860, noon) == 60  # all of it
    assert off_time("afternoon", 800, 860, noon) == 0
    assert off_time("none", 660, 780, noon) == 0
