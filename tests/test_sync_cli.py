"""`calendar-slack sync`: every source fetched, incrementally across runs (tokens in the store),
and one source's failure reported while the others still complete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from calendar_slack.cli import app
from calendar_slack.connectors.caldav_http import ENV_PASSWORD, ENV_USERNAME
from calendar_slack.store import Store
from tests.fakes.caldav_harness import DEFAULT_PASSWORD, DEFAULT_USER, CalDAVHarness, caldav_harness
from tests.fakes.radicale_server import free_port

NOW = "2026-11-25T12:00:00+00:00"


@pytest.fixture
def calendar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CalDAVHarness]:
    monkeypatch.setenv("CALENDAR_SLACK_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("CALENDAR_SLACK_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("CALENDAR_SLACK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text('[defaults]\ntz = "Europe/Stockholm"\n')
    monkeypatch.setenv(ENV_USERNAME, DEFAULT_USER)
    monkeypatch.setenv(ENV_PASSWORD, DEFAULT_PASSWORD)
    with caldav_harness() as harness:
        start = pd.Timestamp("2026-11-24T10:00", tz="Europe/Stockholm")
        harness.add_foreign_event(start, start + pd.Timedelta(hours=1), "Planning", 2)
        yield harness


def test_one_failing_source_is_reported_and_the_others_complete(
    calendar: CalDAVHarness, tmp_path: Path
) -> None:
    dead = f"caldav:http://127.0.0.1:{free_port()}/nobody/calendar/"
    good = f"caldav:{calendar.calendar_url}"
    result = CliRunner().invoke(app, ["sync", "--source", dead, "--source", good, "--now", NOW])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"calendar-slack: error: {dead}: ")
    assert f"{good}: 1 events of 1 people" in result.stderr  # the good source still completed
    store = Store()  # the good source's sync token is kept for the next, incremental run
    assert store.get(f"caldav|{DEFAULT_USER}|{calendar.calendar_url}")
    store.close()


def test_a_second_sync_is_incremental_and_sees_new_events(calendar: CalDAVHarness) -> None:
    good = f"caldav:{calendar.calendar_url}"
    first = CliRunner().invoke(app, ["sync", "--source", good, "--now", NOW])
    assert first.exit_code == 0, first.stderr
    assert f"{good}: 1 events of 1 people" in first.stderr
    start = pd.Timestamp("2026-11-26T14:00", tz="Europe/Stockholm")
    calendar.add_foreign_event(start, start + pd.Timedelta(minutes=30), "1:1", 1)
    second = CliRunner().invoke(app, ["sync", "--source", good, "--now", NOW])
    assert second.exit_code == 0, second.stderr
    assert f"{good}: 2 events of 1 people" in second.stderr
