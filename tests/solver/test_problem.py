"""Problem validation: contradictory preferences and malformed input fail up front, by name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver import Block, Busy, Day, PreferenceError, Preferences, ProblemError, solve, validate
from solver.problem import days_from_windows
from tests.solver.helpers import NINE_TO_FIVE, problem, week


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        (
            {"focus_block_min": 90, "focus_block_ideal": 90, "focus_block_max": 60},
            "focus_block_min",
        ),
        ({"focus_block_ideal": 200}, "focus_block_ideal"),  # 200 > max 180
        ({"focus_block_ideal": 45}, "focus_block_ideal"),  # 45 < min 60
        ({"focus_cap_per_day": 30}, "focus_cap_per_day"),  # 0 < 30 < min 60
        ({"daily_reserve": 481}, "daily_reserve"),  # every working day is 480 min long
        (
            {"focus_block_min": 56, "focus_block_ideal": 58, "focus_block_max": 58},
            "focus_block_max",
        ),
        ({"lunch_window": (720, 780), "lunch_length": 0}, "lunch_length"),
        ({"lunch_window": (720, 750), "lunch_length": 45}, "lunch_length"),
        ({"lunch_window": (780, 720), "lunch_length": 30}, "lunch_window"),
        ({"recovery_buffer": -5}, "recovery_buffer"),
        ({"reflection_day": 7}, "reflection_day"),
        ({"no_focus_days": frozenset({9})}, "no_focus_days"),
        ({"not_before": 2000}, "not_before"),
        ({"preferred_time": "evening"}, "preferred_time"),
    ],
)
def test_contradictory_preferences_name_the_setting(
    changes: dict[str, object], setting: str
) -> None:
    bad = replace(problem(days=week(5)), prefs=replace(Preferences(), **changes))  # type: ignore[arg-type]
    with pytest.raises(PreferenceError) as caught:
        solve(bad)
    assert caught.value.setting == setting
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"setting {setting}: ")


def test_reserve_equal_to_the_longest_working_day_is_allowed() -> None:
    # 480-min days, reserve 480: legal, and it leaves nothing to book.
    plan = solve(problem(days=week(2), daily_reserve=480, weekly_focus_goal=120))
    assert plan.blocks == ()
    assert plan.reserve_by_day == (480, 480)


def test_cap_zero_means_no_focus_rather_than_an_error() -> None:
    plan = solve(problem(weekly_focus_goal=120, focus_cap_per_day=0))
    assert plan.of_kind("focus") == ()
    assert plan.explanations[0] == "Mon: no focus block — the daily focus cap is 0"


@pytest.mark.parametrize(
    ("bad", "what"),
    [
        (lambda p: replace(p, days=()), "days"),
        (lambda p: replace(p, busy=(Busy(600, 600),)), "busy[0]"),
        (lambda p: replace(p, busy=(Busy(600, 660, "lunch"),)), "busy[0]"),  # type: ignore[arg-type]
        (lambda p: replace(p, previous=(Block(99_000, 99_060),)), "previous[0]"),
        (lambda p: replace(p, locked=(Block(600, 540),)), "locked[0]"),
        (lambda p: replace(p, time_limit_s=0), "time_limit_s"),
        (lambda p: replace(p, workers=0), "workers"),
        (
            lambda p: replace(p, days=(Day(0, 1440, 0, work_start=500, work_end=None),)),
            "days[0] (Mon)",
        ),
        (
            lambda p: replace(p, days=(Day(0, 1440, 0, work_start=1000, work_end=1500),)),
            "days[0] (Mon)",
        ),
        (lambda p: replace(p, days=(Day(0, 1440, 0), Day(1000, 2880, 1))), "days[1] (Tue)"),
    ],
)
def test_malformed_problems_name_the_input(bad, what: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ProblemError) as caught:
        validate(bad(problem()))
    assert caught.value.what == what


def test_days_from_windows_and_wall_clock_conversion() -> None:
    days = days_from_windows([NINE_TO_FIVE, None], first_weekday=4)
    # Friday 09:00-17:00, then Saturday off; day 2 starts at 1 * 1440.
    assert [(d.label, d.day_start, d.work_start, d.work_end) for d in days] == [
        ("Fri", 0, 540, 1020),
        ("Sat", 1440, None, None),
    ]
    # A spring-forward day is 1380 min long; daytime 12:00 is 720 - 60 = 660 min after midnight.
    dst = Day(day_start=1440, day_end=2820, weekday=6, clock_offset=-60)
    assert dst.at(720) == 1440 + 660
    assert dst.clock(1440 + 660) == 720
