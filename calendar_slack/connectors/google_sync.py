"""Incremental sync of one Google calendar into a local event cache.

Why: re-reading every event on every run is slow and burns quota. Google's answer is a sync
token: a full listing of a window ends with `nextSyncToken`; the next listing with that token
returns only what changed since (updates, new events and deletions as status=cancelled). To apply
such deltas we need the previous events, so they live in an `EventCache` (raw Google JSON per
event id; MemoryEventCache here, store.py persists later) and the tokens in a `SyncState`.

Keys, per (person, calendar), in the SyncState (`sync_key`):
  google:<person>:<calendar>         the sync token of the last completed listing
  google:<person>:<calendar>:window  "<start>/<end>" (UTC ISO) that the cached full sync covers
  google:<person>:<calendar>:page    the page token of a listing in progress (resume point)
The page token is saved after EVERY page, so an interrupted sync resumes where it stopped.
A 410 (token no longer valid) clears that calendar's token, page and cache and runs a full sync
of that calendar only. A request window outside the cached one also starts a full sync.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from calendar_slack.connectors.google_client import GoogleClient
from calendar_slack.connectors.ingest import utc_iso
from calendar_slack.connectors.remote import SyncState
from calendar_slack.errors import SyncResetError


class EventCache(Protocol):
    """Raw Google events per scope (a sync key), by event id."""

    def get(self, scope: str, event_id: str) -> dict[str, Any] | None: ...

    def put(self, scope: str, event: Mapping[str, Any]) -> None: ...

    def events(self, scope: str) -> list[dict[str, Any]]: ...

    def clear(self, scope: str) -> None: ...


class MemoryEventCache:
    """An EventCache in a dict (copies in and out, as a persistent store would)."""

    def __init__(self) -> None:
        self.scopes: dict[str, dict[str, dict[str, Any]]] = {}

    def get(self, scope: str, event_id: str) -> dict[str, Any] | None:
        event = self.scopes.get(scope, {}).get(event_id)
        return copy.deepcopy(event) if event is not None else None

    def put(self, scope: str, event: Mapping[str, Any]) -> None:
        self.scopes.setdefault(scope, {})[str(event["id"])] = copy.deepcopy(dict(event))

    def events(self, scope: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(e) for _, e in sorted(self.scopes.get(scope, {}).items())]

    def clear(self, scope: str) -> None:
        self.scopes.pop(scope, None)


@dataclass(frozen=True)
class Window:
    """A UTC window [start, end)."""

    start: pd.Timestamp
    end: pd.Timestamp

    def covers(self, other: Window) -> bool:
        return self.start <= other.start and other.end <= self.end

    def dump(self) -> str:
        return f"{utc_iso(self.start)}/{utc_iso(self.end)}"

    @staticmethod
    def parse(text: str | None) -> Window | None:
        if not text or "/" not in text:
            return None
        try:
            first, last = text.split("/", 1)
            return Window(
                pd.Timestamp(first).tz_convert("UTC"), pd.Timestamp(last).tz_convert("UTC")
            )
        except (ValueError, TypeError):
            return None


@dataclass(frozen=True)
class SyncResult:
    """What one calendar's sync did: its mode, pages read, and what Google said of the calendar."""

    mode: str  # "full" or "incremental"
    pages: int
    time_zone: str | None
    summary: str | None
    reset: bool = False  # a 410 forced a full resync


def sync_key(person: str, calendar: str) -> str:
    """The SyncState key of the sync token of `person`'s `calendar` (see module docstring)."""
    return f"google:{person}:{calendar}"


def sync_calendar(
    client: GoogleClient,
    person: str,
    calendar: str,
    window: Window,
    state: SyncState,
    cache: EventCache,
) -> SyncResult:
    """Bring the cache of one calendar up to date for `window` (full or incremental)."""
    key = sync_key(person, calendar)
    stored = Window.parse(state.get(key + ":window"))
    covered = stored is not None and stored.covers(window)
    token = state.get(key) if covered else None
    resuming = covered and state.get(key + ":page") is not None
    if token is None and not resuming:
        _start_full(key, window, state, cache)
        stored = window
    assert stored is not None
    try:
        return _listing(client, key, calendar, stored, token, state, cache)
    except SyncResetError:
        if token is None and not resuming:
            raise  # a fresh full listing was refused: nothing more to try
    _start_full(key, window, state, cache)
    result = _listing(client, key, calendar, window, None, state, cache)
    return SyncResult(result.mode, result.pages, result.time_zone, result.summary, reset=True)


def _start_full(key: str, window: Window, state: SyncState, cache: EventCache) -> None:
    state.put(key, None)
    state.put(key + ":page", None)
    cache.clear(key)
    state.put(key + ":window", window.dump())


def _listing(
    client: GoogleClient,
    key: str,
    calendar: str,
    window: Window,
    token: str | None,
    state: SyncState,
    cache: EventCache,
) -> SyncResult:
    params: dict[str, Any] = {
        "calendarId": calendar,
        "singleEvents": True,
        "showDeleted": True,
        "maxResults": client.page_size,
    }
    if token is not None:
        params["syncToken"] = token
    else:
        params["timeMin"] = utc_iso(window.start)
        params["timeMax"] = utc_iso(window.end)
    page = state.get(key + ":page")
    pages = 0
    what = f"listing events of calendar {calendar!r}"
    while True:
        query = {**params, "pageToken": page} if page else params
        answer = client.call(list_events(query), what)
        pages += 1
        for item in answer.get("items") or []:
            _apply(cache, key, item)
        page = answer.get("nextPageToken")
        if page:
            state.put(key + ":page", page)
            continue
        state.put(key, answer.get("nextSyncToken"))
        state.put(key + ":page", None)
        return SyncResult(
            "incremental" if token is not None else "full",
            pages,
            answer.get("timeZone"),
            answer.get("summary"),
        )


def list_events(query: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A request builder for events.list with these parameters (for GoogleClient.call)."""

    def build(service: Any) -> Any:
        return service.events().list(**query)

    return build


def _apply(cache: EventCache, key: str, item: Mapping[str, Any]) -> None:
    """Upsert one listed event; a cancellation keeps the times we knew (as a tombstone)."""
    if "id" not in item:
        return
    event = dict(item)
    if event.get("status") == "cancelled":
        known = cache.get(key, str(event["id"]))
        if known is not None:
            event = {**known, **event}
    cache.put(key, event)
