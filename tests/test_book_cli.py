"""`calendar-slack book` and `undo` end to end: the real CLI, the planner, the store, and a real
Radicale server. The issue's finish line: book --apply then undo leaves the calendar exactly as
it was, byte for byte, and foreign events are never touched on the way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from calendar_slack.cli import app
from calendar_slack.connectors.caldav_http import ENV_PASSWORD, ENV_USERNAME
from tests.fakes.caldav_harness import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    PERSON_EMAIL,
    CalDAVHarness,
    caldav_harness,
)

NOW = "2026-11-22T12:00:00+00:00"  # Sunday before the week booked: nothing is in the past
WEEK = "2026-W48"  # Mon 23 .. Sun 29 Nov 2026


def at(day: int, hhmm: str) -> pd.Timestamp:
    """Stockholm local time on 2026-11-(23+day) (CET, UTC+1)."""
    return pd.Timestamp(f"2026-11-{23 + day}T{hhmm}", tz="Europe/Stockholm")


@pytest.fixture
def calendar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CalDAVHarness]:
    monkeypatch.setenv("CALENDAR_SLACK_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("CALENDAR_SLACK_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("CALENDAR_SLACK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text('[defaults]\ntz = "Europe/Stockholm"\n')
    monkeypatch.setenv(ENV_USERNAME, DEFAULT_USER)
    monkeypatch.setenv(ENV_PASSWORD, DEFAULT_PASSWORD)
    with caldav_harness() as harness:
        harness.add_foreign_event(at(0, "10:00"), at(0, "11:00"), "Planning", 3)
        harness.add_foreign_event(at(1, "13:00"), at(1, "14:30"), "Workshop", 5)
        harness.add_foreign_event(at(2, "09:00"), at(2, "09:15"), "Stand-up", 4)
        yield harness


def run(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def book(calendar: CalDAVHarness, *extra: str) -> dict[str, object]:
    return run(
        "book",
        "--source",
        f"caldav:{calendar.calendar_url}",
        "--me",
        PERSON_EMAIL,
        "--week",
        WEEK,
        "--format",
        "json",
        *extra,
    )


def test_book_apply_then_undo_leaves_the_calendar_exactly_as_it_was(
    calendar: CalDAVHarness,
) -> None:
    before = calendar.snapshot()
    assert len(before) == 3

    dry = book(calendar)
    assert dry["run_id"] is None
    created = dry["created"]
    assert isinstance(created, list)
    assert created  # the week has room: the planner proposes blocks
    assert calendar.snapshot() == before  # a dry run writes nothing

    applied = book(calendar, "--apply")
    run_id = applied["run_id"]
    assert isinstance(run_id, str)
    assert applied["created"] == created  # exactly what the dry run showed
    after = calendar.snapshot()
    assert len(after) == 3 + len(created)
    assert {url: after[url] for url in before} == before  # foreign events untouched

    again = book(calendar, "--apply")
    assert again["run_id"] is None  # a second run changes nothing
    assert again["created"] == again["updated"] == again["deleted"] == []
    assert len(again["unchanged"]) == len(created)  # type: ignore[arg-type]
    assert calendar.snapshot() == after

    undone = run("undo", run_id, "--format", "json")
    assert undone["deleted"] == len(created)
    assert calendar.snapshot() == before  # exactly as it was


def test_booked_blocks_avoid_the_foreign_meetings(calendar: CalDAVHarness) -> None:
    applied = book(calendar, "--apply")
    blocks = applied["created"]
    assert isinstance(blocks, list)
    busy = [
        (at(0, "10:00"), at(0, "11:00")),
        (at(1, "13:00"), at(1, "14:30")),
        (at(2, "09:00"), at(2, "09:15")),
    ]
    for block in blocks:
        start, end = pd.Timestamp(block["start"]), pd.Timestamp(block["end"])
        assert all(end <= b_start or start >= b_end for b_start, b_end in busy), block
        assert start.tz_convert("Europe/Stockholm").hour >= 9
        assert end.tz_convert("Europe/Stockholm") <= at(
            (start.tz_convert("Europe/Stockholm").day - 23), "17:00"
        )


def test_book_into_a_file_source_is_refused_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["book", "--source", "demo", "--me", "ana@demo.example", "--now", NOW]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "calendar-slack: error: source 'demo': cannot be booked into; use google[:CALENDAR], "
        "outlook[:CALENDAR] or caldav:URL"
    ]
