"""Outlook (Microsoft Graph) connector: what the CLI and the store call.

Why: one small front door over the Outlook modules - outlook_auth (msal sign-in, encrypted token
cache), outlook_graph (httpx on Graph: retries, errors, paging), outlook_sync (calendarView and
delta sync), outlook_map (event JSON -> facts) and outlook_writer (tagged blocks).

Source spec: `outlook` (the signed-in person, calendars from `[outlook] calendars`, default the
default calendar) or `outlook:ENTRY,ENTRY...` where ENTRY is a CALENDAR_ID of the signed-in
person, or `PERSON[:CALENDAR_ID]` with PERSON `me` or an e-mail address (client credentials
have no "me": name the people). Settings: `[outlook] endpoint` or
CALENDAR_SLACK_OUTLOOK_ENDPOINT (default https://graph.microsoft.com/v1.0), and the sign-in
settings of outlook_auth. See docs/connectors.md, "Outlook (Microsoft Graph)".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote

from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.ingest import Collector
from calendar_slack.connectors.outlook_auth import (
    READ_SCOPES,
    WRITE_SCOPES,
    login_outlook,
    scopes_for,
    token_source,
)
from calendar_slack.connectors.outlook_graph import GRAPH_ENDPOINT, GraphClient, TokenSource
from calendar_slack.connectors.outlook_map import to_instance
from calendar_slack.connectors.outlook_sync import (
    DEFAULT_CALENDAR,
    CalendarRef,
    read_calendar,
    sync_calendar,
)
from calendar_slack.connectors.outlook_writer import OutlookBlockWriter
from calendar_slack.connectors.remote import SyncState
from calendar_slack.connectors.retry import RetryPolicy
from calendar_slack.errors import BadInputError
from calendar_slack.prefs import OutlookSettings
from calendar_slack.secrets import BlobStore
from calendar_slack.workhours import zone

__all__ = [
    "READ_SCOPES",
    "WRITE_SCOPES",
    "CalendarRef",
    "GraphClient",
    "OutlookBlockWriter",
    "load",
    "load_with",
    "login_outlook",
    "open_client",
    "open_writer",
    "scopes_for",
    "targets_for",
]

SOURCE = "outlook"
ENDPOINT_ENV = "CALENDAR_SLACK_OUTLOOK_ENDPOINT"


def endpoint_for(settings: OutlookSettings, environ: Mapping[str, str] | None = None) -> str:
    """CALENDAR_SLACK_OUTLOOK_ENDPOINT, else `[outlook] endpoint`, else Graph v1.0."""
    env = os.environ if environ is None else environ
    return env.get(ENDPOINT_ENV) or settings.endpoint or GRAPH_ENDPOINT


def open_client(
    settings: OutlookSettings,
    *,
    token: TokenSource | None = None,
    store: BlobStore | None = None,
    key: bytes | None = None,
    environ: Mapping[str, str] | None = None,
    verify: bool | str = True,
    policy: RetryPolicy | None = None,
    timeout_s: float = 30.0,
    page_size: int = 100,
) -> GraphClient:
    """A Graph client with tokens from `token`, else `outlook_auth.token_source` (env / cache)."""
    source = token or token_source(settings, store=store, key=key, environ=environ, verify=verify)
    return GraphClient(
        endpoint_for(settings, environ),
        source,
        policy=policy,
        timeout_s=timeout_s,
        page_size=page_size,
        verify=verify,
    )


def targets_for(argument: str, settings: OutlookSettings) -> list[tuple[str, tuple[str, ...]]]:
    """`outlook[:ENTRY,...]` -> [(person or "me", calendar ids)], in order, without repeats.

    ENTRY is `CALENDAR_ID` (the signed-in person's), `me[:CALENDAR_ID]` or
    `EMAIL[:CALENDAR_ID]` (Graph calendar ids never contain '@'; e-mail addresses always do).
    """
    default = tuple(settings.calendars) or (DEFAULT_CALENDAR,)
    wanted: dict[str, list[str]] = {}
    for entry in (part.strip() for part in argument.split(",")):
        if not entry:
            continue
        head, _, rest = entry.partition(":")
        if "@" in head or head.strip().lower() == "me":
            who, calendar = head.strip().lower(), rest
        else:
            who, calendar = "me", entry
        calendars = wanted.setdefault(who, [])
        if calendar.strip():
            calendars.append(calendar.strip())
    if not wanted:
        wanted["me"] = []
    return [(who, tuple(dict.fromkeys(cals)) or default) for who, cals in wanted.items()]


def load(argument: str, request: LoadRequest) -> Loaded:
    """The `outlook[:ENTRIES]` source: a one-shot full read of the request window."""
    with open_client(request.config.outlook) as client:
        return load_with(client, argument, request)


def load_with(
    client: GraphClient,
    argument: str,
    request: LoadRequest,
    *,
    state: SyncState | None = None,
) -> Loaded:
    """The canonical table of every target's calendars.

    Without `state`: full calendarView reads. With `state` (store.py's, or a MemorySyncState):
    incremental delta sync, saved after every page; a dead delta link resyncs that calendar only.
    """
    start, end = request.start.tz_convert("UTC"), request.end.tz_convert("UTC")
    if end <= start:
        raise BadInputError(f"load window {start}..{end}", "ends before it starts")
    collector = Collector(SOURCE, request)
    zones: dict[str, str] = {}
    for who, calendars in targets_for(argument, request.config.outlook):
        person, user_path = _resolve(client, who, request)
        zone_name = request.zone_name_for(person)
        tz = zone(zone_name)
        for calendar in calendars:
            ref = CalendarRef(person, user_path, calendar)
            if state is None:
                got = read_calendar(client, ref, start, end)
            else:
                got = sync_calendar(client, ref, start, end, state)
            for event in got.events:
                tag = got.tags.get(str(event.get("id")))
                collector.add(to_instance(event, person, calendar, tz, tag))
        zones[person] = zone_name
    return collector.loaded(zones)


def whoami(client: GraphClient) -> str:
    """The signed-in person's e-mail address (lower-cased), from GET /me."""
    me = client.request("GET", "/me", params={"$select": "mail,userPrincipalName"}) or {}
    address = str(me.get("mail") or me.get("userPrincipalName") or "").strip().lower()
    if not address:
        raise BadInputError("source outlook", "cannot tell who signed in; name the person (--me)")
    return address


def open_writer(
    settings: OutlookSettings,
    person: str = "me",
    calendar: str = DEFAULT_CALENDAR,
    *,
    client: GraphClient | None = None,
    environ: Mapping[str, str] | None = None,
) -> OutlookBlockWriter:
    """The BlockWriter of one calendar; refused unless `[outlook] booking = true` (which also
    makes sign-in ask for Calendars.ReadWrite)."""
    if not settings.booking:
        raise BadInputError(
            "setting outlook.booking",
            "is off: set [outlook] booking = true and sign in again (calendar-slack login "
            "outlook) to let calendar-slack write focus blocks",
        )
    graph = client or open_client(settings, environ=environ)
    who = person.strip().lower() or "me"
    if who == "me":
        if graph.app_only:
            raise BadInputError(
                "outlook writer", "client credentials have no 'me'; name the person"
            )
        return OutlookBlockWriter(graph, CalendarRef(whoami(graph), "/me", calendar))
    return OutlookBlockWriter(graph, CalendarRef(who, _user_path(who), calendar))


def _resolve(client: GraphClient, who: str, request: LoadRequest) -> tuple[str, str]:
    """(person id, Graph path of their mailbox) for a target."""
    if who != "me":
        return who, _user_path(who)
    if client.app_only:
        if request.me:
            person = request.me.strip().lower()
            return person, _user_path(person)
        raise BadInputError(
            "source outlook",
            "client credentials cannot read 'me'; name the people: outlook:alice@example.com",
        )
    return (request.me.strip().lower() if request.me else whoami(client)), "/me"


def _user_path(person: str) -> str:
    return f"/users/{quote(person, safe='@')}"
