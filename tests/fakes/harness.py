"""What the shared booking test suite needs from each connector's test double or test server.

Each connector's tests provide a `CalendarHarness` (Google: the fake Calendar v3 server; Outlook:
the fake Graph server; CalDAV: a real Radicale server). The booking suite is written once against
this protocol and runs against all three.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import pandas as pd

from calendar_slack.connectors.remote import BlockWriter


class CalendarHarness(Protocol):
    @property
    def writer(self) -> BlockWriter:
        """The connector's BlockWriter for the calendar under test (an attribute is fine)."""
        ...

    def add_foreign_event(
        self, start: pd.Timestamp, end: pd.Timestamp, title: str, attendees: int = 1
    ) -> str:
        """Create an event that is NOT ours (no tag), as another app would; return its id."""
        ...

    def snapshot(self) -> dict[str, Any]:
        """Every event of the calendar, keyed by remote id, as raw vendor data (to compare)."""
        ...

    def edit_as_person(self, remote_id: str, start: pd.Timestamp, end: pd.Timestamp) -> None:
        """The person moves one of our blocks in their calendar app (its etag changes)."""
        ...

    def delete_as_person(self, remote_id: str) -> None:
        """The person deletes one of our blocks in their calendar app."""
        ...


def aware(moment: pd.Timestamp) -> dt.datetime:
    """A harness time as a UTC datetime; naive times are a test bug and raise ValueError."""
    if moment.tzinfo is None:
        raise ValueError("harness times must be time-zone aware")
    stamp: dt.datetime = moment.tz_convert("UTC").to_pydatetime()
    return stamp
