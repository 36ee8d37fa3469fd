"""Explanations: one plain sentence per unmet goal, naming the day and the cause."""

from __future__ import annotations

from solver import Busy, solve
from tests.solver.helpers import NINE_TO_FIVE, clock, meeting, problem, week


def _why(*busy: Busy, **prefs: object) -> tuple[str, ...]:
    days = prefs.pop("days", week(5))
    return solve(problem(busy, days=days, **prefs)).explanations  # type: ignore[arg-type]


def test_short_gaps_below_the_minimum_block() -> None:
    # Tuesday: free 09:00-09:45 only (45 min); the rest is meetings.
    got = _why(meeting(0, "09:45", "17:00"), days=week(1), weekly_focus_goal=120)
    assert got == (
        "Mon: longest free gap is 45 min, shorter than the 60-min minimum block",
        "Week: 0 of 120 focus minutes planned — working time is booked",
    )


def test_free_time_below_the_reserve() -> None:
    # Wednesday free 09:00-09:50: 50 min < 60-min reserve.
    got = _why(meeting(0, "09:50", "17:00"), days=week(1), weekly_focus_goal=60, daily_reserve=60)
    assert got == (
        "Mon: no focus block — free time (50 min) is below the 60-min daily reserve",
        "Week: 0 of 60 focus minutes planned — working time is booked",
    )


def test_partial_week() -> None:
    # Each day 09:00-11:00 free (120 min), goal 600: 5 x 120 = 600 fits; with Friday fully
    # booked only 480 can be planned.
    busy = [meeting(d, "11:00", "17:00") for d in range(5)] + [meeting(4, "09:00", "11:00")]
    got = _why(*busy, weekly_focus_goal=600)
    assert got == (
        "Fri: no focus block — the working day is fully booked",
        "Week: 480 of 600 focus minutes planned — working time is booked",
    )


def test_missing_recovery_buffer_names_the_run_and_the_cause() -> None:
    got = _why(
        meeting(3, "10:00", "11:30"), meeting(3, "11:35", "12:00"), days=week(4), recovery_buffer=15
    )
    assert got == (
        "Thu: no room for a 15-min recovery buffer after the 10:00–11:30 run — "
        "a meeting starts at 11:35",
    )


def test_missing_prep_buffer_at_the_start_of_the_day() -> None:
    got = _why(meeting(0, "09:05", "10:00"), days=week(1), prep_buffer=10)
    assert got == (
        "Mon: no room for a 10-min prep buffer before the 09:05 run — "
        "it would start before the working day",
    )


def test_no_focus_and_not_a_focus_day() -> None:
    got = _why(
        weekly_focus_goal=1200, no_focus_days=frozenset({4}), focus_days=frozenset({0, 1, 2, 4})
    )
    assert got == (
        "Thu: not one of your focus days",
        "Fri: no-focus day",
        "Week: 720 of 1200 focus minutes planned — the 240-min daily cap is reached on "
        "Mon, Tue, Wed",
    )


def test_lunch_window_booked() -> None:
    got = _why(
        meeting(1, "11:30", "13:30"),
        days=week(2),
        lunch_window=(clock("11:30"), clock("13:30")),
        lunch_length=30,
    )
    assert got == (
        "Tue: no room for a 30-min lunch between 11:30 and 13:30 — the window is booked",
    )


def test_reflection_on_another_day() -> None:
    got = _why(meeting(4, "09:00", "17:00"), reflection_length=30)
    assert got == ("Week: reflection slot on Mon, not Fri — Fri has no free 30 min",)


def test_reflection_with_no_room_at_all() -> None:
    full = [meeting(d, "09:00", "17:00") for d in range(5)]
    assert _why(*full, reflection_length=30) == (
        "Week: no room for the 30-min reflection slot — no free 30 min",
    )


def test_reflection_in_the_other_half_of_the_day() -> None:
    # Friday afternoon is booked, Friday morning is free.
    got = _why(meeting(4, "12:00", "17:00"), reflection_length=30)
    assert got == (
        "Fri: reflection slot in the morning, not the afternoon — no free 30 min in the afternoon",
    )


def test_day_without_working_hours_between_working_days() -> None:
    days = week(windows=[NINE_TO_FIVE, None, NINE_TO_FIVE, None, None])
    got = _why(days=days, weekly_focus_goal=600)
    # Tue lies between working days and is named; the weekend-like Thu/Fri at the end are not.
    assert got == (
        "Tue: no working hours",
        "Week: 480 of 600 focus minutes planned — the 240-min daily cap is reached on Mon, Wed",
    )


def test_buffer_left_out_for_the_reserve() -> None:
    # Free 10:00-10:30 only (30 min) with a 30-min reserve: nothing can be booked (budget 0).
    got = _why(
        meeting(0, "09:00", "10:00"),
        meeting(0, "10:30", "17:00"),
        days=week(1),
        recovery_buffer=15,
        daily_reserve=30,
    )
    assert got == (
        "Mon: no 15-min recovery buffer after the 09:00–10:00 run — the rest of the free time "
        "is kept as the 30-min daily reserve",
    )
