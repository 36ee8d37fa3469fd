"""The two comparison planners: greedy first-fit and a fixed daily 09:00-11:00 block."""

from __future__ import annotations

from solver import fixed_blocks, greedy_blocks, score, solve, violations
from tests.solver.helpers import NINE_TO_FIVE, clock, meeting, problem, spans, week


def test_greedy_fills_the_largest_gap_first_up_to_the_cap() -> None:
    # Free 09:00-11:00 (120) and 12:00-17:00 (300). Largest first: 12:00-15:00 (max 180), then
    # the 120-min gaps tie (15:00-17:00 and 09:00-11:00): the earlier one gets the 60 min left
    # under the 240-min cap.
    p = problem([meeting(0, "11:00", "12:00")], weekly_focus_goal=600)
    got = greedy_blocks(p)
    assert spans(got) == [(0, "09:00-10:00", "focus"), (0, "12:00-15:00", "focus")]
    assert violations(p, got) == []


def test_greedy_stops_at_the_goal_and_honours_focus_rules() -> None:
    # Goal 200: Monday 09:00-12:00 (180), then after the 15-min break a minimum 60-min block
    # for the last 20 min.
    p = problem(days=week(2), weekly_focus_goal=200)
    assert spans(greedy_blocks(p)) == [(0, "09:00-12:00", "focus"), (0, "12:15-13:15", "focus")]
    later = problem(
        days=week(2), weekly_focus_goal=200, not_before=clock("10:00"), no_focus_days=frozenset({0})
    )
    assert spans(greedy_blocks(later)) == [(1, "10:00-13:00", "focus"), (1, "13:15-14:15", "focus")]


def test_greedy_keeps_the_reserve() -> None:
    # Free 09:00-11:30 (150), reserve 60: at most 90 min can be booked.
    p = problem([meeting(0, "11:30", "17:00")], weekly_focus_goal=600, daily_reserve=60)
    assert spans(greedy_blocks(p)) == [(0, "09:00-10:30", "focus")]


def test_fixed_block_is_clipped_where_busy_and_dropped_when_too_short() -> None:
    days = week(windows=[NINE_TO_FIVE, NINE_TO_FIVE, NINE_TO_FIVE, None])
    p = problem(
        [meeting(0, "10:00", "10:30"), meeting(1, "09:30", "10:30")],
        days=days,
        weekly_focus_goal=600,
    )
    # Mon: 09:00-10:00 kept, 10:30-11:00 (30 < 60) dropped; Tue: both halves 30 min: dropped;
    # Wed: the whole block; Thu: no working hours.
    assert spans(fixed_blocks(p)) == [(0, "09:00-10:00", "focus"), (2, "09:00-11:00", "focus")]


def test_the_model_never_scores_below_either_baseline() -> None:
    p = problem(
        [meeting(0, "11:00", "12:00"), meeting(1, "09:30", "10:30"), meeting(2, "13:00", "15:00")],
        days=week(3),
        weekly_focus_goal=480,
        preferred_time="morning",
        recovery_buffer=15,
        daily_reserve=60,
    )
    planned = score(p, solve(p).blocks).objective
    assert planned >= score(p, greedy_blocks(p)).objective
    assert planned >= score(p, fixed_blocks(p)).objective
