"""Re-planning keeps every earlier block that still fits: only collisions move."""

from __future__ import annotations

from dataclasses import replace

from solver import Preferences, Problem, solve
from tests.solver.helpers import block, meeting, spans, week

BUSY = (
    meeting(0, "09:30", "09:45"),
    meeting(0, "13:00", "14:30"),
    meeting(1, "09:30", "09:45"),
    meeting(1, "10:00", "11:00"),
    meeting(2, "09:30", "09:45"),
    meeting(2, "14:00", "16:00"),
    meeting(3, "09:30", "09:45"),
    meeting(4, "09:30", "09:45"),
    meeting(4, "11:00", "12:00"),
)


def _week() -> Problem:
    return Problem(
        days=week(5),
        busy=BUSY,
        prefs=Preferences(no_move_minutes=0),
        time_limit_s=20.0,
    )


def test_replanning_after_new_meetings_moves_only_the_colliding_blocks() -> None:
    first = solve(_week())
    monday, thursday = block(0, "09:45", "11:45"), block(3, "09:45", "11:45")
    assert {monday, thursday} <= set(first.blocks)
    # Two new 30-min meetings, each inside one planned focus block.
    again = replace(
        _week(),
        busy=(*BUSY, meeting(0, "10:30", "11:00"), meeting(3, "10:00", "10:30")),
        previous=first.blocks,
    )
    second = solve(again)
    assert set(first.blocks) - set(second.blocks) == {monday, thursday}
    assert spans(set(second.blocks) - set(first.blocks)) == [
        (0, "11:00-13:00", "focus"),
        (3, "10:30-12:30", "focus"),
    ]
    assert second.terms["stability"] == 240 * 1_000  # two moved 120-min blocks


def test_replanning_an_unchanged_week_changes_nothing() -> None:
    first = solve(_week())
    second = solve(replace(_week(), previous=first.blocks))
    assert second.blocks == first.blocks
    assert second.terms["stability"] == 0


def test_locked_block_stays_even_when_a_meeting_lands_on_it() -> None:
    locked = block(0, "09:45", "11:45")
    p = replace(_week(), busy=(*BUSY, meeting(0, "10:30", "11:00")), locked=(locked,))
    assert locked in solve(p).blocks


def test_blocks_inside_the_no_move_window_stay_put() -> None:
    first = solve(_week())
    monday = block(0, "09:45", "11:45")
    # now = Monday 00:00, no-move window 20 h: every Monday block is frozen, the rest may move.
    p = replace(
        _week(),
        busy=(*BUSY, meeting(0, "10:30", "11:00"), meeting(3, "10:00", "10:30")),
        previous=first.blocks,
        prefs=Preferences(no_move_minutes=1200),
    )
    second = solve(p)
    assert monday in second.blocks
    mondays = [b for b in first.blocks if b.start < 1440]
    assert all(b in second.blocks for b in mondays)
    assert block(3, "09:45", "11:45") not in second.blocks
