"""CalendarHarness for Outlook: the fake Graph server plus the real connector's writer.

Why: the shared booking suite (tests/test_booking.py, written once against
tests/fakes/harness.py) must run unchanged against Outlook. This module gives it a harness whose
`writer` is the production OutlookBlockWriter, talking through real httpx to FakeGraph on
127.0.0.1 with a read-write token, under a retry policy that never really sleeps.

Usage:

    from tests.fakes.graph_harness import graph_harness

    with graph_harness() as harness:           # person ada@example.com, default calendar
        block = harness.writer.create(BlockWrite(...))
        harness.add_foreign_event(start, end, "1:1", attendees=1)
        before = harness.snapshot()            # raw Graph events by id (UTC, tags included)
        harness.edit_as_person(block.remote_id, new_start, new_end)
        harness.delete_as_person(block.remote_id)
        harness.server                         # the FakeGraph, for faults and knobs
        harness.waits                          # seconds the retry policy would have slept

Register it for the booking suite with `"outlook": graph_harness` in
tests/booking_harnesses.py; as a fixture: `with graph_harness() as h: yield h`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from calendar_slack.connectors.outlook import open_writer
from calendar_slack.connectors.outlook_graph import GraphClient, TokenSource
from calendar_slack.connectors.remote import BlockWriter
from calendar_slack.connectors.retry import RetryPolicy
from calendar_slack.prefs import OutlookSettings
from tests.fakes.graph_server import FakeGraph
from tests.fakes.harness import aware


@dataclass
class GraphHarness:
    """One person's calendar on the fake Graph server, and the writer booking would use on it."""

    server: FakeGraph
    client: GraphClient
    writer: BlockWriter
    person: str
    calendar: str
    waits: list[float] = field(default_factory=list)

    def add_foreign_event(
        self, start: pd.Timestamp, end: pd.Timestamp, title: str, attendees: int = 1
    ) -> str:
        guests = [f"guest{n}@example.com" for n in range(attendees)]
        return self.server.add_event(
            self.person,
            self.calendar,
            start=aware(start),
            end=aware(end),
            subject=title,
            attendees=guests,
        )

    def snapshot(self) -> dict[str, Any]:
        return self.server.snapshot(self.person, self.calendar)

    def edit_as_person(self, remote_id: str, start: pd.Timestamp, end: pd.Timestamp) -> None:
        self.server.edit_event(remote_id, start=aware(start), end=aware(end))

    def delete_as_person(self, remote_id: str) -> None:
        self.server.delete_event(remote_id)


@contextlib.contextmanager
def graph_harness(
    *,
    person: str = "ada@example.com",
    calendar: str = "default",
    timeout_s: float = 5.0,
    max_attempts: int = 6,
    page_size: int = 50,
) -> Iterator[GraphHarness]:
    """Start a fake Graph with `person`'s mailbox, yield a harness on `calendar`, stop it."""
    with FakeGraph() as server:
        calendars = ("default",) if calendar == "default" else ("default", calendar)
        server.add_user(person, calendars=calendars)
        token = server.issue_token(person, ("Calendars.Read", "Calendars.ReadWrite"))
        waits: list[float] = []
        client = GraphClient(
            server.endpoint,
            TokenSource(lambda: token),
            policy=RetryPolicy(max_attempts=max_attempts, sleep=waits.append),
            timeout_s=timeout_s,
            page_size=page_size,
        )
        try:
            writer = open_writer(OutlookSettings(booking=True), "me", calendar, client=client)
            yield GraphHarness(server, client, writer, person, calendar, waits)
        finally:
            client.close()
        assert not server.errors, server.errors
