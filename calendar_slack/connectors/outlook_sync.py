"""Reading one Outlook calendar: a full calendarView read, or an incremental delta sync.

Why: re-reading every event on every run is slow and spends Graph's throttling budget. Graph's
answer is calendarView/delta: a first round lists the window, ends with `@odata.deltaLink`, and
that link later returns only what changed (changed events whole, removed ones as `@removed`).
Applying those changes needs the previous events, so they are kept with the link, in ONE
SyncState value per (person, calendar) (key `outlook:<person>:<calendar>`), JSON:

    {"window": ["<start>", "<end>"], "link": "<nextLink or deltaLink>", "done": bool,
     "events": {"<id>": <pruned Graph event>}}

It is saved after EVERY page (a nextLink page too), so an interrupted sync resumes where it
stopped and the link never runs ahead of the events. A 410 / syncStateNotFound drops that one
calendar's value and runs a fresh round for it only. A different window starts a fresh round.

Delta pages cannot `$expand` extended properties, so after a delta round the ids of our tagged
blocks in the window are read with one filtered calendarView query (`tagged`). Graph v1.0 offers
delta on the default calendar only; a named calendar whose first delta request is refused
(400 / 404) is read in full instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pandas as pd

from calendar_slack.connectors.ingest import utc_iso
from calendar_slack.connectors.outlook_graph import GraphClient, Json
from calendar_slack.connectors.outlook_map import EXPAND_TAG, KEPT_FIELDS, prune, tag_filter, tag_of
from calendar_slack.connectors.remote import SyncState
from calendar_slack.errors import BadInputError, NotFoundError, ServiceError, SyncResetError

DEFAULT_CALENDAR = "default"
#: $select of a calendarView read (id and the expanded tag come anyway).
SELECT = ",".join(
    f
    for f in KEPT_FIELDS
    if not f.startswith("@") and f not in ("id", "singleValueExtendedProperties")
)


@dataclass(frozen=True)
class CalendarRef:
    """One calendar of one person: `/me` or `/users/<id>`, and a calendar id or "default"."""

    person: str
    user_path: str
    calendar: str = DEFAULT_CALENDAR

    @property
    def root(self) -> str:
        """The calendar's own path (events, calendarView live under it)."""
        if self.calendar == DEFAULT_CALENDAR:
            return f"{self.user_path}/calendar"
        return f"{self.user_path}/calendars/{quote(self.calendar, safe='')}"

    @property
    def delta_path(self) -> str:
        if self.calendar == DEFAULT_CALENDAR:
            return f"{self.user_path}/calendarView/delta"
        return f"{self.root}/calendarView/delta"

    @property
    def state_key(self) -> str:
        return f"outlook:{self.person}:{self.calendar}"


@dataclass
class Events:
    """Events read from one calendar, with our tags when they were learnt apart."""

    events: list[Json]
    tags: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    mode: str = "full"  # "full" (calendarView), "delta-initial", "delta"
    pages: int = 0
    reset: bool = False


def window_params(start: pd.Timestamp, end: pd.Timestamp) -> dict[str, str]:
    return {"startDateTime": utc_iso(start), "endDateTime": utc_iso(end)}


def read_calendar(
    client: GraphClient, ref: CalendarRef, start: pd.Timestamp, end: pd.Timestamp
) -> Events:
    """Every event overlapping [start, end), paged (calendarView expands recurrences)."""
    params = {
        **window_params(start, end),
        "$select": SELECT,
        "$expand": EXPAND_TAG,
    }
    events: list[Json] = []
    pages = 0
    for page in client.pages(f"{ref.root}/calendarView", params):
        pages += 1
        events.extend(prune(e) for e in _values(page))
    return Events(events, mode="full", pages=pages)


def tagged(
    client: GraphClient, ref: CalendarRef, start: pd.Timestamp, end: pd.Timestamp
) -> list[Json]:
    """Our tagged events overlapping [start, end), with the tag expanded."""
    params = {**window_params(start, end), "$filter": tag_filter(), "$expand": EXPAND_TAG}
    found: list[Json] = []
    for page in client.pages(f"{ref.root}/calendarView", params):
        found.extend(e for e in _values(page) if tag_of(e) is not None)
    return found


def sync_calendar(
    client: GraphClient,
    ref: CalendarRef,
    start: pd.Timestamp,
    end: pd.Timestamp,
    state: SyncState,
) -> Events:
    """Bring the cached events of one calendar up to date through delta (see module docstring)."""
    saved = _Saved.load(state.get(ref.state_key), start, end)
    mode = "delta" if saved.done else "delta-initial"
    fresh = saved.link is None
    try:
        pages = _round(client, ref, saved, state)
        reset = False
    except (BadInputError, NotFoundError):
        if not fresh or saved.read or ref.calendar == DEFAULT_CALENDAR:
            raise
        # Graph v1.0 offers calendarView/delta on the default calendar only: where a named
        # calendar's first delta request is refused, read it in full (nothing is saved).
        return read_calendar(client, ref, start, end)
    except SyncResetError:
        # The link died (before or in the middle of the round): start this calendar over once;
        # a second refusal propagates.
        state.put(ref.state_key, None)
        saved = _Saved.fresh(start, end)
        pages = _round(client, ref, saved, state)
        mode, reset = "delta-initial", True
    tags = {str(e["id"]): tag for e in tagged(client, ref, start, end) if (tag := tag_of(e))}
    events = [saved.events[k] for k in sorted(saved.events)]
    return Events(events, tags, mode, pages, reset)


@dataclass
class _Saved:
    window: tuple[str, str]
    link: str | None = None
    done: bool = False
    events: dict[str, Json] = field(default_factory=dict)
    read: int = 0  # pages read by this run (not saved)

    @staticmethod
    def fresh(start: pd.Timestamp, end: pd.Timestamp) -> _Saved:
        return _Saved((utc_iso(start), utc_iso(end)))

    @staticmethod
    def load(text: str | None, start: pd.Timestamp, end: pd.Timestamp) -> _Saved:
        window = (utc_iso(start), utc_iso(end))
        if not text:
            return _Saved(window)
        try:
            data = json.loads(text)
            saved = _Saved(
                (str(data["window"][0]), str(data["window"][1])),
                str(data["link"]) if data.get("link") else None,
                bool(data.get("done")),
                {str(k): dict(v) for k, v in dict(data.get("events") or {}).items()},
            )
        except (ValueError, KeyError, TypeError, IndexError):
            return _Saved(window)  # unreadable state: a fresh round rebuilds it
        return saved if saved.window == window else _Saved(window)

    def dump(self) -> str:
        return json.dumps(
            {
                "window": list(self.window),
                "link": self.link,
                "done": self.done,
                "events": self.events,
            },
            separators=(",", ":"),
            sort_keys=True,
        )


def _round(client: GraphClient, ref: CalendarRef, saved: _Saved, state: SyncState) -> int:
    """Follow one delta round to its deltaLink, saving after every page; returns pages read."""
    if saved.link is None:
        start, end = (pd.Timestamp(t) for t in saved.window)
        pages = client.pages(ref.delta_path, window_params(start, end))
        saved.events = {}
    else:
        pages = client.pages(saved.link)
    count = 0
    for page in pages:
        count += 1
        saved.read += 1
        for item in _values(page):
            _apply(saved.events, item)
        next_link, delta_link = page.get("@odata.nextLink"), page.get("@odata.deltaLink")
        if not next_link and not delta_link:
            raise ServiceError(f"Microsoft Graph ended a delta page of {ref.root} without a link.")
        saved.link = str(next_link or delta_link)
        saved.done = not next_link
        state.put(ref.state_key, saved.dump())
    return count


def _apply(events: dict[str, Json], item: Mapping[str, Any]) -> None:
    if "id" not in item:
        return
    event_id = str(item["id"])
    if "@removed" in item:
        events.pop(event_id, None)
    else:
        events[event_id] = prune(item)


def _values(page: Mapping[str, Any]) -> list[Json]:
    value = page.get("value")
    if not isinstance(value, list):
        raise ServiceError("Microsoft Graph sent a page without a value list.")
    return [dict(v) for v in value if isinstance(v, Mapping)]
