"""CalendarHarness for Google: the fake Calendar v3 server plus the real connector's writer.

Why: the shared booking suite (written later, once, against tests/fakes/harness.py) must run
unchanged against Google. This module gives it a harness whose `writer` is the production
GoogleBlockWriter, talking through the real google-api-python-client to FakeGoogleCalendar on
127.0.0.1, with a retry policy that never really sleeps.

Usage:

    from tests.fakes.google_harness import google_harness

    with google_harness() as harness:          # person ada@example.com, calendar "primary"
        block = harness.writer.create(BlockWrite(...))
        harness.add_foreign_event(start, end, "1:1", attendees=1)
        before = harness.snapshot()            # raw events by id, cancelled ones included
        harness.edit_as_person(block.remote_id, new_start, new_end)
        harness.delete_as_person(block.remote_id)
        harness.server                         # the FakeGoogleCalendar, for faults and knobs
        harness.waits                          # seconds the retry policy would have slept
        harness.state                          # the writer's SyncState (focusTime refusals)

As a pytest fixture: `@pytest.fixture def harness(): with google_harness() as h: yield h`.

tests/fakes/google_discovery.json is a verbatim copy of the Calendar v3 discovery document that
google-api-python-client ships (googleapiclient/discovery_cache/documents/calendar.v3.json,
revision 20261030, client 2.202.0); to refresh it, copy that file again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from calendar_slack.connectors.google import open_client, open_writer
from calendar_slack.connectors.google_client import GoogleClient
from calendar_slack.connectors.remote import BlockWriter, MemorySyncState
from calendar_slack.connectors.retry import RetryPolicy
from tests.fakes.google_server import FakeGoogleCalendar
from tests.fakes.harness import aware

DISCOVERY = Path(__file__).with_name("google_discovery.json")


@dataclass
class GoogleHarness:
    """One person's calendar on the fake server, and the writer booking would use on it."""

    server: FakeGoogleCalendar
    client: GoogleClient
    writer: BlockWriter
    calendar: str
    waits: list[float] = field(default_factory=list)
    state: MemorySyncState = field(default_factory=MemorySyncState)

    def add_foreign_event(
        self, start: pd.Timestamp, end: pd.Timestamp, title: str, attendees: int = 1
    ) -> str:
        return self.server.add_foreign_event(
            self.calendar, aware(start), aware(end), title, attendees
        )

    def snapshot(self) -> dict[str, Any]:
        return dict(self.server.events(self.calendar))

    def edit_as_person(self, remote_id: str, start: pd.Timestamp, end: pd.Timestamp) -> None:
        self.server.edit_event(
            self.calendar,
            remote_id,
            {"start": {"dateTime": _iso(start)}, "end": {"dateTime": _iso(end)}},
        )

    def delete_as_person(self, remote_id: str) -> None:
        self.server.delete_event(self.calendar, remote_id)


def discovery_document() -> str:
    """The static Calendar v3 discovery document the tests build the client from."""
    return DISCOVERY.read_text(encoding="utf-8")


@contextlib.contextmanager
def google_harness(
    *,
    person: str = "ada@example.com",
    calendar: str = "primary",
    focus_time_allowed: bool = True,
    timeout_s: float = 5.0,
    max_attempts: int = 6,
) -> Iterator[GoogleHarness]:
    """Start a fake server owned by `person`, yield a harness on `calendar`, stop the server."""
    with FakeGoogleCalendar(owner=person, focus_time_allowed=focus_time_allowed) as server:
        if calendar not in ("primary", person):
            server.add_calendar(calendar)
        waits: list[float] = []
        client = open_client(
            endpoint=server.root_url,
            token=server.token,
            discovery=discovery_document(),
            policy=RetryPolicy(max_attempts=max_attempts, sleep=waits.append),
            timeout_s=timeout_s,
        )
        state = MemorySyncState()
        writer = open_writer(client, calendar, person=person, state=state)
        yield GoogleHarness(server, client, writer, calendar, waits, state)


def _iso(moment: pd.Timestamp) -> str:
    return aware(moment).strftime("%Y-%m-%dT%H:%M:%SZ")
