"""Google Calendar connector: what the CLI and the store call (login, load, open_writer).

Why: one small front door over the Google modules — google_client (the real API client, built
offline, and the error mapping), google_sync (incremental sync into a cache), google_map (event
JSON -> facts) and google_writer (tagged blocks). The source spec is `google` or
`google:CAL1,CAL2` (calendar ids; default `[google] calendars`, i.e. the primary calendar).
Settings: `[google] endpoint` or CALENDAR_SLACK_GOOGLE_ENDPOINT, a static access token in
CALENDAR_SLACK_GOOGLE_TOKEN (or the credentials JSON that `login_google` returns). See
docs/connectors.md, "Google Calendar".
"""

from __future__ import annotations

from pathlib import Path

from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.google_client import GoogleClient, open_client
from calendar_slack.connectors.google_map import to_instance
from calendar_slack.connectors.google_sync import (
    EventCache,
    MemoryEventCache,
    SyncResult,
    Window,
    sync_calendar,
    sync_key,
)
from calendar_slack.connectors.google_writer import GoogleBlockWriter
from calendar_slack.connectors.ingest import Collector
from calendar_slack.connectors.remote import MemorySyncState, SyncState
from calendar_slack.errors import AuthError, BadInputError
from calendar_slack.prefs import GoogleSettings
from calendar_slack.workhours import zone

__all__ = [
    "READ_SCOPE",
    "WRITE_SCOPE",
    "GoogleBlockWriter",
    "GoogleClient",
    "calendars_for",
    "load",
    "load_person",
    "login_google",
    "open_client",
    "open_writer",
    "scopes_for",
]

READ_SCOPE = "https://www.googleapis.com/auth/calendar.events.readonly"
WRITE_SCOPE = "https://www.googleapis.com/auth/calendar.events.owned"
SOURCE = "google"


def scopes_for(booking: bool) -> list[str]:
    """Least privilege: read-only events, plus write access to owned events only for booking."""
    return [READ_SCOPE, WRITE_SCOPE] if booking else [READ_SCOPE]


def login_google(
    client_secrets: str | Path, *, booking: bool = False, port: int = 0, open_browser: bool = True
) -> str:
    """Installed-app OAuth in the browser; returns the credentials' JSON for the store to keep
    (encrypted). Writes no file. `client_secrets` is the OAuth client JSON from Google Cloud."""
    path = Path(client_secrets)
    if not path.is_file():
        raise BadInputError(f"Google client secrets {path}", "is not a readable file")
    from google_auth_oauthlib.flow import InstalledAppFlow  # only needed here

    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(path), scopes=scopes_for(booking))
    except ValueError as exc:
        raise BadInputError(f"Google client secrets {path}", str(exc)) from None
    try:
        creds = flow.run_local_server(port=port, open_browser=open_browser)
    except Exception as exc:  # oauthlib / requests failures: all mean "not signed in"
        raise AuthError(f"Google sign-in did not complete ({exc}).") from None
    text: str = creds.to_json()
    return text


def calendars_for(argument: str, settings: GoogleSettings) -> tuple[str, ...]:
    """Calendar ids from `google:CAL1,CAL2`, else from `[google] calendars`."""
    named = tuple(part.strip() for part in argument.split(",") if part.strip())
    calendars = named or settings.calendars
    if not calendars:
        raise BadInputError("source google", "names no calendar (try google:primary)")
    return tuple(dict.fromkeys(calendars))


def load(argument: str, request: LoadRequest) -> Loaded:
    """The `google[:CALENDARS]` source: a one-shot full read of the request window."""
    settings = request.config.google
    client = open_client(endpoint=settings.endpoint)
    return load_person(client, request, calendars=calendars_for(argument, settings))


def load_person(
    client: GoogleClient,
    request: LoadRequest,
    *,
    calendars: tuple[str, ...] = ("primary",),
    person: str | None = None,
    state: SyncState | None = None,
    cache: EventCache | None = None,
) -> Loaded:
    """One person's calendars as the canonical table, syncing incrementally when `state` and
    `cache` hold an earlier sync (store.py passes persistent ones; the default is one-shot).

    The person is `person`, else `request.me`, else the owner of the primary calendar.
    """
    state = state if state is not None else MemorySyncState()
    cache = cache if cache is not None else MemoryEventCache()
    who = (person or request.me or whoami(client)).strip().lower()
    window = Window(request.start.tz_convert("UTC"), request.end.tz_convert("UTC"))
    if window.end <= window.start:
        raise BadInputError(f"load window {window.dump()}", "ends before it starts")
    results: dict[str, SyncResult] = {
        calendar: sync_calendar(client, who, calendar, window, state, cache)
        for calendar in calendars
    }
    hint = next((r.time_zone for r in results.values() if r.time_zone), None)
    zone_name = request.zone_name_for(who, hint)
    tz = zone(zone_name)
    collector = Collector(SOURCE, request)
    for calendar in calendars:
        for event in cache.events(sync_key(who, calendar)):
            instance = to_instance(event, who, calendar, tz)
            if instance is not None:
                collector.add(instance)
    return collector.loaded({who: zone_name})


def whoami(client: GoogleClient) -> str:
    """The owner of the primary calendar (its summary is the owner's e-mail address).

    Uses events.list, which the read-only events scope allows (calendars.get would not).
    """
    answer = client.call(
        lambda s: s.events().list(calendarId="primary", maxResults=1, singleEvents=True),
        "finding whose calendar this is",
    )
    summary = str(answer.get("summary") or "")
    if "@" not in summary:
        raise BadInputError(
            "source google", "cannot tell whose calendar this is; name the person with --me"
        )
    return summary


def open_writer(
    client: GoogleClient,
    calendar: str = "primary",
    *,
    person: str | None = None,
    state: SyncState | None = None,
) -> GoogleBlockWriter:
    """The BlockWriter for one calendar (booking needs the write scope: login with booking)."""
    return GoogleBlockWriter(
        client, calendar, person=person.strip().lower() if person else None, state=state
    )
