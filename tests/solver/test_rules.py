"""The hard-rule checker finds every kind of broken rule (and accepts a valid plan)."""

from __future__ import annotations

from dataclasses import replace

from solver import Block, Preferences, Problem, days_from_windows, violations
from tests.solver.helpers import at, block, meeting, problem, week


def test_a_valid_plan_has_no_violations() -> None:
    p = problem([meeting(0, "10:00", "11:00")], daily_reserve=60)
    # Two focus blocks with the 15-min break between them.
    assert violations(p, [block(0, "11:00", "13:00"), block(0, "13:15", "14:45")]) == []


def test_each_hard_rule_is_checked() -> None:
    p = problem(
        [meeting(0, "10:00", "11:00")],
        days=week(2),
        focus_cap_per_day=180,
        daily_reserve=200,
        no_focus_days=frozenset({1}),
        not_before=600,
        lunch_window=(720, 780),
        lunch_length=30,
    )
    found = violations(
        p,
        [
            block(0, "08:00", "09:00"),  # before working hours
            block(0, "10:30", "11:30"),  # overlaps the meeting (starts after 10:00: fine)
            block(0, "11:30", "14:40"),  # 190 min: above the 180-min max; day cap 180 exceeded
            block(0, "15:00", "15:20", "buffer"),  # 20 min is no buffer length (buffers are off)
            block(0, "16:00", "16:30", "lunch"),  # outside the 12:00-13:00 lunch window
            block(1, "09:00", "10:00"),  # Tuesday is a no-focus day; also before 10:00
        ],
    )
    assert found == [
        "Mon 08:00–09:00 focus: outside working hours",
        "Mon 08:00–09:00 focus: starts before not_before",
        "Mon 10:30–11:30 focus: overlaps a meeting at 600–660",
        "Mon 11:30–14:40 focus: length 190 min is outside the block bounds",
        "Mon 15:00–15:20 buffer: length 20 min is not a buffer length",
        "Mon 16:00–16:30 lunch: outside the lunch window",
        "Tue 09:00–10:00 focus: focus not allowed (no-focus day)",
        # Mon focus 60 + 60 + 190 = 310 > 180
        "Mon: 310 focus minutes exceed the daily cap",
        # Mon free 480 - 60 = 420, minus the 200-min reserve: 220 bookable. Booked inside free
        # time: 0 (08:00-09:00) + 30 (11:00-11:30) + 190 + 20 + 30 = 270 > 220.
        "Mon: new blocks book 270 min, leaving less than the 200-min daily reserve",
        # 10:30-11:30 (630-690) and 11:30-14:40 (690-880) touch: no break between them
        "Mon: focus blocks 630–690 and 690–880 are less than 15 min apart",
    ]


def test_overlapping_blocks_and_missing_fixed_blocks() -> None:
    locked = Block(at(0, "09:00"), at(0, "10:00"))
    p = replace(problem(), locked=(locked,))
    found = violations(p, [block(0, "09:30", "10:30"), block(0, "10:00", "11:00")])
    assert found == [
        "fixed focus block 540–600 is missing",
        "Mon 09:30–10:30 focus: overlaps the focus block 600–660",
    ]
    assert violations(p, [locked, block(0, "09:30", "10:30")]) == [
        "Mon 09:30–10:30 focus: overlaps the focus block 540–600",
    ]


def test_two_new_focus_blocks_must_leave_a_break() -> None:
    # Mon 09:00-17:00 free; 09:30-11:30 and 11:30-13:30 touch: one 4-h block in all but name.
    problem = Problem(days=days_from_windows([(540, 1020)]), prefs=Preferences(daily_reserve=0))
    touching = [Block(570, 690, "focus"), Block(690, 810, "focus")]
    assert violations(problem, touching) == [
        "Mon: focus blocks 570–690 and 690–810 are less than 15 min apart"
    ]
    apart = [Block(570, 690, "focus"), Block(705, 825, "focus")]  # 15 min between them
    assert violations(problem, apart) == []
