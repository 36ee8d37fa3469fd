"""Day facts: the grain, free time, gaps, the reserve budget, meeting runs and buffer places."""

from __future__ import annotations

from dataclasses import replace

from solver import Block, Busy
from solver.timeline import facts, intersect, merge, start_ranges, subtract
from tests.solver.helpers import at, meeting, problem, week


def test_interval_helpers() -> None:
    assert merge([(5, 10), (0, 3), (3, 4), (8, 12)]) == [(0, 4), (5, 12)]
    assert subtract([(0, 100)], [(10, 20), (15, 30), (90, 120)]) == [(0, 10), (30, 90)]
    assert intersect([(0, 50), (60, 100)], [(40, 70)]) == [(40, 50), (60, 70)]
    # starts of a 30-min block inside [0, 100) and [103, 140): 0..70 and 105..110 (grain 5)
    assert start_ranges([(0, 100), (103, 140)], 30) == [(0, 70), (105, 110)]


def test_busy_time_rounds_outward_and_working_windows_inward() -> None:
    # Working 09:02-16:58 becomes 09:05-16:55; a 10:03-10:57 meeting blocks 10:00-11:00.
    days = week(windows=[(542, 1018)])
    day = facts(problem([Busy(at(0, "10:00") + 3, at(0, "10:57"))], days=days)).days[0]
    assert day.window == (545, 1015)
    assert day.free == ((545, 600), (660, 1015))
    assert day.free_min == 55 + 355


def test_now_cuts_the_day_and_the_budget_keeps_the_reserve() -> None:
    # now = 13:02 -> open from 13:05; free 13:05-17:00 minus a 14:00-15:00 meeting = 175 min.
    p = replace(problem([meeting(0, "14:00", "15:00")], daily_reserve=60), now=at(0, "13:00") + 2)
    day = facts(p).days[0]
    assert day.open == (785, 1020)
    assert day.free_min == 175
    assert day.budget == 175 - 60


def test_fixed_blocks_count_as_booked_and_close_their_time() -> None:
    # A locked 09:00-10:00 block and a previous 10:00-11:00 block inside the no-move window.
    p = replace(
        problem(daily_reserve=60),
        locked=(Block(at(0, "09:00"), at(0, "10:00")),),
        previous=(Block(at(0, "10:00"), at(0, "11:00")), Block(at(1, "09:00"), at(1, "10:00"))),
        days=week(2),
    )
    p = replace(p, prefs=replace(p.prefs, no_move_minutes=24 * 60))  # until Tue 00:00
    f = facts(p)
    mon = f.days[0]
    assert mon.fixed_booked == 120
    assert mon.gaps == ((660, 1020),)
    assert mon.budget == 480 - 120 - 60  # 300
    assert f.movable_previous == (Block(at(1, "09:00"), at(1, "10:00")),)


def test_runs_join_meetings_less_than_b2b_gap_apart() -> None:
    # 09:00-10:00 and 10:04-10:30 join (4 < 5); 10:35 starts 5 min after: a new run.
    p = problem(
        [meeting(0, "09:00", "10:00"), meeting(0, "10:04", "10:30"), meeting(0, "10:35", "11:00")]
    )
    runs = facts(p).days[0].runs
    assert [(r.start, r.end, r.meetings) for r in runs] == [(540, 630, 2), (635, 660, 1)]


def test_buffer_places_after_long_runs_and_before_runs() -> None:
    # Run 10:00-11:30 (90 >= 60) ends inside working hours -> recovery 11:30-11:45, blocked by
    # nothing; run 14:00-14:30 wants a 10-min prep at 13:50-14:00; the 16:30-17:00 run ends at
    # the end of the working day: no recovery buffer is wanted there.
    p = problem(
        [meeting(0, "10:00", "11:30"), meeting(0, "14:00", "14:30"), meeting(0, "16:00", "17:00")],
        recovery_buffer=15,
        prep_buffer=10,
    )
    wants = sorted(facts(p).wants, key=lambda w: w.start)
    assert [(w.source, w.start, w.end, w.status) for w in wants] == [
        ("prep", 590, 600, "open"),
        ("recovery", 690, 705, "open"),
        ("prep", 830, 840, "open"),
        ("prep", 950, 960, "open"),
    ]


def test_a_buffer_place_under_a_hold_is_blocked() -> None:
    p = problem(
        [meeting(0, "10:00", "11:00"), meeting(0, "11:00", "11:30", "hold")], recovery_buffer=15
    )
    [want] = facts(p).wants
    assert (want.start, want.end, want.status) == (660, 675, "blocked")


def test_lunch_is_wanted_only_where_the_window_is_working_time() -> None:
    # Tue is out of office over lunch: no lunch wanted there.
    p = problem(
        [Busy(at(1, "11:00"), at(1, "14:00"), "ooo")],
        days=week(2),
        lunch_window=(690, 810),
        lunch_length=30,
    )
    f = facts(p)
    assert [d.lunch_wanted for d in f.days] == [True, False]
    assert f.days[0].lunch_range == (690, 810)
