"""The booking safety rules of DESIGN.md, each with its own test, run against every calendar.

The `harness` fixture yields a CalendarHarness: the in-memory calendar, and — registered in
tests/booking_harnesses.py — the Google and Graph fake servers and a real Radicale server.
Every test here runs against each of them unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_slack import booking
from calendar_slack.connectors.remote import BlockWrite, RemoteBlock
from calendar_slack.errors import ConflictError
from calendar_slack.store import Store
from tests.booking_harnesses import HARNESSES, open_harness
from tests.fakes.harness import CalendarHarness

TZ = ZoneInfo("Europe/Stockholm")
PERSON = "me@example.com"
SHOW = {"focus": "busy", "buffer": "busy", "reflection": "free", "lunch": "busy"}
WEEK_START = pd.Timestamp("2026-11-23T00:00", tz=TZ).tz_convert("UTC")
WEEK_END = WEEK_START + pd.Timedelta(days=7)


def local(day: int, hhmm: str) -> pd.Timestamp:
    """2026-11-(23+day) at hh:mm Stockholm time, as UTC."""
    return pd.Timestamp(f"2026-11-{23 + day}T{hhmm}", tz=TZ).tz_convert("UTC")


PLAN = [
    ("focus", local(0, "09:00"), local(0, "11:00")),
    ("buffer", local(0, "12:00"), local(0, "12:15")),
    ("focus", local(1, "13:00"), local(1, "15:00")),
    ("reflection", local(4, "15:00"), local(4, "15:30")),
]


@pytest.fixture(params=HARNESSES)
def harness(request: pytest.FixtureRequest) -> Iterator[CalendarHarness]:
    with open_harness(str(request.param)) as opened:
        yield opened


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.close()


def book(
    harness: CalendarHarness, store: Store, plan: list[tuple[str, pd.Timestamp, pd.Timestamp]]
) -> tuple[booking.Diff, booking.RunReport]:
    """One `calendar-slack book --apply` run for PLAN's week."""
    desired = booking.desired_blocks(PERSON, plan, TZ, SHOW)  # type: ignore[arg-type]
    remote = harness.writer.list_ours(WEEK_START, WEEK_END)
    diff = booking.compute_diff(desired, remote, store.block_states(PERSON, "test"))
    return diff, booking.apply(diff, harness.writer, store, PERSON, "test")


def ours(harness: CalendarHarness) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    return [(b.kind, b.start, b.end) for b in harness.writer.list_ours(WEEK_START, WEEK_END)]


def foreign(harness: CalendarHarness, ids: list[str]) -> dict[str, Any]:
    snap = harness.snapshot()
    return {rid: snap[rid] for rid in ids}


def test_dry_run_diff_changes_nothing_and_apply_creates_the_plan(
    harness: CalendarHarness, store: Store
) -> None:
    before = harness.snapshot()
    desired = booking.desired_blocks(PERSON, PLAN, TZ, SHOW)  # type: ignore[arg-type]
    diff = booking.compute_diff(desired, harness.writer.list_ours(WEEK_START, WEEK_END), {})
    assert [b.kind for b in diff.create] == ["focus", "buffer", "focus", "reflection"]
    assert harness.snapshot() == before  # computing a diff is a dry run
    _, report = book(harness, store, PLAN)
    assert len(report.created) == 4
    assert report.run_id is not None
    assert sorted(ours(harness), key=lambda b: b[1]) == PLAN


def test_second_run_changes_nothing(harness: CalendarHarness, store: Store) -> None:
    book(harness, store, PLAN)
    after_first = harness.snapshot()
    diff, report = book(harness, store, PLAN)
    assert diff.changes == 0
    assert report.run_id is None
    assert len(report.unchanged) == 4
    assert harness.snapshot() == after_first


def test_replanning_moves_our_block_by_update_not_duplicate(
    harness: CalendarHarness, store: Store
) -> None:
    book(harness, store, PLAN)
    moved = [PLAN[0], PLAN[1], ("focus", local(1, "14:00"), local(1, "16:00")), PLAN[3]]
    diff, _ = book(harness, store, moved)
    assert (len(diff.create), len(diff.update), len(diff.delete)) == (0, 1, 0)
    assert sorted(ours(harness), key=lambda b: b[1]) == moved


def test_foreign_events_are_never_touched(harness: CalendarHarness, store: Store) -> None:
    ids = [
        harness.add_foreign_event(local(0, "09:30"), local(0, "10:00"), "Stand-up", 4),
        harness.add_foreign_event(local(1, "13:00"), local(1, "15:00"), "Workshop", 6),
        harness.add_foreign_event(local(2, "10:00"), local(2, "11:00"), "Dentist", 0),
    ]
    untouched = foreign(harness, ids)
    run = book(harness, store, PLAN)[1]
    book(harness, store, PLAN[:1])  # deletes three of ours
    assert run.run_id is not None
    booking.undo(run.run_id, harness.writer, store)
    assert foreign(harness, ids) == untouched


def test_a_block_the_person_edited_is_locked_and_never_overwritten(
    harness: CalendarHarness, store: Store
) -> None:
    book(harness, store, PLAN)
    first = next(b for b in harness.writer.list_ours(WEEK_START, WEEK_END) if b.kind == "focus")
    harness.edit_as_person(first.remote_id, local(0, "08:00"), local(0, "10:00"))
    # The plan still wants 09:00-11:00, and later wants it gone: both must leave it alone.
    diff, report = book(harness, store, PLAN)
    assert [b.key for b in diff.locked] == [first.key]
    assert report.locked == [first.key]
    diff, _ = book(harness, store, PLAN[1:])
    assert [b.key for b in diff.locked] == [first.key]
    assert diff.delete == ()
    kept = harness.writer.get(first.key)
    assert kept is not None
    assert (kept.start, kept.end) == (local(0, "08:00"), local(0, "10:00"))


def test_a_block_the_person_deleted_is_not_recreated(
    harness: CalendarHarness, store: Store
) -> None:
    book(harness, store, PLAN)
    buffer = next(b for b in harness.writer.list_ours(WEEK_START, WEEK_END) if b.kind == "buffer")
    harness.delete_as_person(buffer.remote_id)
    diff, _ = book(harness, store, PLAN)
    assert [b.key for b in diff.skipped] == [buffer.key]
    assert diff.create == ()
    assert harness.writer.get(buffer.key) is None
    diff, _ = book(harness, store, PLAN)  # and still not on the run after
    assert diff.create == ()


def test_undo_leaves_the_calendar_exactly_as_it_was(harness: CalendarHarness, store: Store) -> None:
    harness.add_foreign_event(local(0, "11:00"), local(0, "12:00"), "Planning", 3)
    before = ours(harness)
    first = book(harness, store, PLAN)[1]
    after_first = sorted(ours(harness), key=lambda b: b[1])
    second = book(harness, store, [*PLAN[:2], ("focus", local(2, "09:00"), local(2, "11:00"))])[1]
    assert first.run_id is not None
    assert second.run_id is not None
    booking.undo(second.run_id, harness.writer, store)
    assert sorted(ours(harness), key=lambda b: b[1]) == after_first
    booking.undo(first.run_id, harness.writer, store)
    assert ours(harness) == before == []


class Crash(BaseException):
    """The process dies (kill -9, power cut) at a chosen moment."""


class CrashingWriter:
    """Wraps a writer and dies once, either just before or just after the calendar call."""

    def __init__(self, inner: Any, when: str) -> None:
        self.inner, self.when, self.crashed = inner, when, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def create(self, block: BlockWrite) -> RemoteBlock:
        if self.crashed:
            return self.inner.create(block)  # type: ignore[no-any-return]
        self.crashed = True
        if self.when == "before":
            raise Crash
        self.inner.create(block)
        raise Crash


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_crash_mid_run_is_completed_by_the_next_run_without_duplicates(
    harness: CalendarHarness, store: Store, when: str
) -> None:
    desired = booking.desired_blocks(PERSON, PLAN, TZ, SHOW)  # type: ignore[arg-type]
    diff = booking.compute_diff(desired, [], {})
    with pytest.raises(Crash):
        booking.apply(diff, CrashingWriter(harness.writer, when), store, PERSON, "test")
    assert len(store.pending(PERSON, "test")) == 1  # the ledger knows what was under way
    _, report = book(harness, store, PLAN)
    assert report.recovered == [desired[0].key]
    assert store.pending(PERSON, "test") == []
    assert sorted(ours(harness), key=lambda b: b[1]) == PLAN  # each block exactly once


def test_an_update_that_meets_a_concurrent_edit_locks_the_block(
    harness: CalendarHarness, store: Store
) -> None:
    book(harness, store, PLAN)
    stale = next(b for b in harness.writer.list_ours(WEEK_START, WEEK_END) if b.kind == "focus")
    harness.edit_as_person(stale.remote_id, local(0, "09:30"), local(0, "11:30"))
    with pytest.raises(ConflictError):
        harness.writer.update(stale, booking.desired_blocks(PERSON, PLAN, TZ, SHOW)[0])  # type: ignore[arg-type]
    moved = [("focus", local(0, "10:00"), local(0, "12:00")), *PLAN[1:]]
    diff = booking.compute_diff(
        booking.desired_blocks(PERSON, moved, TZ, SHOW),  # type: ignore[arg-type]
        [stale, *[b for b in harness.writer.list_ours(WEEK_START, WEEK_END) if b.key != stale.key]],
        {},
    )
    report = booking.apply(diff, harness.writer, store, PERSON, "test")
    assert report.locked == [stale.key]
    edited = harness.writer.get(stale.key)
    assert edited is not None
    assert (edited.start, edited.end) == (local(0, "09:30"), local(0, "11:30"))


slots = st.lists(
    st.tuples(
        st.sampled_from(["focus", "buffer", "reflection"]),
        st.integers(0, 4),
        st.integers(8, 16),
        st.sampled_from([15, 30, 60, 120]),
    ),
    max_size=6,
)


@pytest.mark.parametrize("calendar_name", HARNESSES)
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    foreign_events=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 22), st.integers(1, 180), st.integers(0, 5)),
        max_size=6,
    ),
    plans=st.lists(slots, min_size=1, max_size=3),
    undo_mask=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_property_book_and_undo_never_change_a_foreign_event(
    calendar_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    foreign_events: list[tuple[int, int, int, int]],
    plans: list[list[tuple[str, int, int, int]]],
    undo_mask: list[bool],
) -> None:
    with open_harness(calendar_name) as cal:
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('p') / 's.db'}")
        ids = [
            cal.add_foreign_event(
                local(day, f"{hour:02d}:00"),
                local(day, f"{hour:02d}:00") + pd.Timedelta(minutes=minutes),
                f"foreign {n}",
                people,
            )
            for n, (day, hour, minutes, people) in enumerate(foreign_events)
        ]
        untouched = foreign(cal, ids)
        for plan, do_undo in zip(plans, undo_mask, strict=False):
            blocks = [
                (
                    kind,
                    local(day, f"{hour:02d}:00"),
                    local(day, f"{hour:02d}:00") + pd.Timedelta(minutes=minutes),
                )
                for kind, day, hour, minutes in plan
            ]
            _, report = book(cal, store, blocks)
            assert foreign(cal, ids) == untouched
            again, _ = book(cal, store, blocks)
            assert again.changes == 0  # re-running changes nothing
            if do_undo and report.run_id:
                booking.undo(report.run_id, cal.writer, store)
            assert foreign(cal, ids) == untouched
        store.close()


def test_block_keys_are_deterministic_and_per_kind_day_and_slot() -> None:
    a = booking.block_key(PERSON, "focus", dt.date(2026, 11, 23), 0)
    assert a == booking.block_key("ME@example.com", "focus", dt.date(2026, 11, 23), 0)
    assert (
        len(
            {
                a,
                booking.block_key(PERSON, "focus", dt.date(2026, 11, 23), 1),
                booking.block_key(PERSON, "buffer", dt.date(2026, 11, 23), 0),
                booking.block_key(PERSON, "focus", dt.date(2026, 11, 24), 0),
            }
        )
        == 4
    )
