"""The last steps every reading connector shares: event instances -> canonical rows.

Why: ICS, CalDAV, Google and Outlook each learn different things from their vendor, but once an
event instance is reduced to a person, an id, two instants and `EventFacts`, what happens next
must be identical, or the same calendar would give different numbers from different sources:

- times become UTC instants (`to_utc`: floating times and all-day dates are read in the
  person's zone; all-day dates span local midnights, end exclusive);
- instances that do not overlap the request window [start, end) are ignored;
- `classify` decides the kind; cancelled instances are dropped and counted (`cancelled`);
- zero-length instances occupy no time, so they are dropped and counted (`zero_length`);
- titles are dropped when the request says `redact` (after classification, which may use them);
- the rows become a validated canonical table in a content-based order (`schema.sort_canonical`).

A connector creates one `Collector` per load, `add`s its instances and asks for `loaded()`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from calendar_slack import schema
from calendar_slack.classify import EventFacts, Kind, classify
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.workhours import wall_clock

#: Keys of `Loaded.dropped` that the collector fills.
CANCELLED = "cancelled"
ZERO_LENGTH = "zero_length"


def to_utc(value: dt.datetime | dt.date, tz: ZoneInfo) -> dt.datetime:
    """An aware UTC datetime for an event time.

    Aware datetimes are converted; floating (naive) datetimes are wall-clock times in `tz`; a date
    means local midnight in `tz` at its start. Wall times that do not exist (the spring-forward
    gap) move forward by the gap and repeated ones take their first occurrence, as zoneinfo does.
    """
    if isinstance(value, dt.datetime):
        local = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return local.astimezone(dt.UTC)
    return wall_clock(value, 0, tz)


def utc_iso(value: dt.datetime) -> str:
    """'2026-11-23T09:00:00Z': the instant in UTC, to the second, for stable ids."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_line(value: object) -> str:
    """`value` as text on one line: every run of whitespace (newlines included) becomes one space.

    For error messages built from library exceptions, which often span several lines.
    """
    return " ".join(str(value).split())


def int_or_zero(value: Any) -> int:
    """`int(value)`, or 0 when it is missing or not a number (e.g. an ICS SEQUENCE)."""
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class Instance:
    """One event instance of one person, with its times already resolved to aware instants."""

    person: str
    calendar: str
    event_id: str
    start: dt.datetime
    end: dt.datetime
    facts: EventFacts
    series_id: str | None = None
    etag: str | None = None


class Collector:
    """Accumulates the canonical rows of one load (see the module docstring for the rules)."""

    def __init__(self, source: str, request: LoadRequest) -> None:
        self.source = source
        self.request = request
        self.dropped: Counter[str] = Counter()
        self._window = (
            request.start.to_pydatetime().astimezone(dt.UTC),
            request.end.to_pydatetime().astimezone(dt.UTC),
        )
        self._rules = request.rules
        self._rows: list[dict[str, Any]] = []

    def in_window(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether [start, end) overlaps the window; a zero-length instance must start in it."""
        lo, hi = self._window
        if end <= start:
            return lo <= start < hi
        return start < hi and end > lo

    def add(self, instance: Instance) -> Kind | None:
        """Classify and keep one instance; None when it is outside the window or dropped."""
        if not self.in_window(instance.start, instance.end):
            return None
        kind = classify(instance.facts, self._rules)
        if kind is None:
            self.dropped[CANCELLED] += 1
            return None
        if instance.end <= instance.start:
            self.dropped[ZERO_LENGTH] += 1
            return None
        facts = instance.facts
        self._rows.append(
            {
                "person": instance.person,
                "source": self.source,
                "calendar": instance.calendar,
                "event_id": instance.event_id,
                "series_id": instance.series_id,
                "start": pd.Timestamp(instance.start),
                "end": pd.Timestamp(instance.end),
                "all_day": facts.all_day,
                "kind": kind,
                "response": facts.response,
                "attendees": facts.attendees,
                "title": None if self.request.redact else facts.title,
                "ours": facts.ours,
                "etag": instance.etag,
            }
        )
        return kind

    def loaded(self, zones: dict[str, str]) -> Loaded:
        """The validated table, sorted by content, with the zones used and the drop counts."""
        events = schema.sort_canonical(schema.from_records(self._rows))
        return Loaded(events, dict(zones), Counter(self.dropped))
