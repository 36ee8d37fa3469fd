"""The CalDAV connector: `--source caldav:URL` -> canonical rows, and `open_writer` for booking.

Why: CalDAV is the open standard behind Fastmail, iCloud, Nextcloud, Radicale, SOGo and many
self-hosted calendars, so one connector reaches all of them. (The module shares its name with
the `caldav` library; with absolute imports that is no clash: `import caldav` here is always
the library, and callers import this module as `calendar_slack.connectors.caldav`.)

Reading: URL is a calendar collection (read that calendar) or a principal / calendar home (read
every calendar under it, or those named in config [caldav] calendars, matched by display name,
URL or last path segment). Each calendar is read with one time-range REPORT asking the server to
expand recurrences (`calendar.search(..., expand=True, server_expand=True)`). A server that does
not expand sends the series back with its RRULE, and one that fails on expansion (400/500/501;
Radicale does for floating series) is asked again without it: such objects are expanded on the
client with recurring-ical-events by the ICS connector's reading (`ics.load_text`), which turns
the objects' VCALENDAR text into canonical rows — the same rules as an .ics file, so a calendar
gives the same numbers whichever way it is read. source "caldav", calendar = the calendar URL,
etag = the object's etag from the server. Incremental reading: connectors/caldav_sync.py.

The person is `--me` when given; otherwise the CalDAV user name (lower-cased). When that user
name is an e-mail address it is also matched against ATTENDEE / ORGANIZER like `--me`.

Credentials, URL rules, retries and error mapping: connectors/caldav_http.py. Writing:
connectors/caldav_writer.py. Settings and environment variables: docs/connectors.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast
from urllib.parse import unquote, urlsplit

import pandas as pd
from caldav.collection import Calendar, CalendarSet, Principal
from caldav.elements import dav
from caldav.lib import error as dav_error

from calendar_slack import schema
from calendar_slack.connectors import ics
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.caldav_http import (
    DEFAULT_TIMEOUT_S,
    Connection,
    Credentials,
    classify_error,
    credentials,
    resolve_url,
)
from calendar_slack.connectors.caldav_writer import CalDAVWriter
from calendar_slack.connectors.retry import RetryPolicy
from calendar_slack.errors import BadInputError
from calendar_slack.prefs import CalDAVSettings

SOURCE: Final = "caldav"
_log = logging.getLogger(__name__)
_CALENDAR_TYPE: Final = "{urn:ietf:params:xml:ns:caldav}calendar"
_PRINCIPAL_TYPE: Final = "{DAV:}principal"
#: Ask the server for one more day each side: all-day and floating events are placed in the
#: person's zone afterwards, and only instances overlapping the exact window are kept.
_MARGIN: Final = pd.Timedelta(days=1)


@dataclass(frozen=True)
class CalendarObject:
    """One calendar object resource: its href, iCalendar text, etag and the UIDs inside."""

    href: str
    ics: str
    etag: str | None
    uids: tuple[str, ...]


@dataclass(frozen=True)
class CalendarRef:
    """One calendar collection found on the server."""

    url: str
    name: str | None


def connect(
    argument: str,
    settings: CalDAVSettings | None = None,
    *,
    env: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Connection:
    """A connection for `caldav:ARGUMENT`: URL checked, credentials from env / config."""
    settings = settings or CalDAVSettings()
    url = resolve_url(argument, settings, env)
    return Connection(url, credentials(settings, env), policy=policy, timeout_s=timeout_s)


def discover(connection: Connection, wanted: Sequence[str] = ()) -> list[CalendarRef]:
    """The calendars at the connection's URL: itself if it is a calendar, else those under it.

    `wanted` (display names, URLs or last path segments) narrows a principal's calendars; a
    name that matches nothing is a BadInputError listing what exists.
    """
    client = connection.client
    url = connection.url
    props = _properties(connection, url, [dav.ResourceType(), dav.DisplayName()])
    types = _as_list(props.get(dav.ResourceType.tag))
    if _CALENDAR_TYPE in types:
        return [CalendarRef(_slash(url), _text(props.get(dav.DisplayName.tag)))]
    if _PRINCIPAL_TYPE in types:
        found = connection.call(lambda: Principal(client=client, url=url).get_calendars())
    else:
        found = connection.call(lambda: CalendarSet(client=client, url=url).get_calendars())
    refs = [
        CalendarRef(_slash(str(c.url)), _text(connection.call(c.get_display_name)))
        for c in cast("list[Any]", found)
    ]
    if not wanted:
        if not refs:
            raise BadInputError(f"CalDAV URL {url}", "holds no calendars")
        return refs
    chosen: list[CalendarRef] = []
    for name in wanted:
        match = [ref for ref in refs if _matches(ref, name)]
        if not match:
            known = ", ".join(ref.name or _segment(ref.url) for ref in refs) or "none"
            raise BadInputError(
                f"setting caldav.calendars {name!r}", f"matches no calendar at {url} ({known})"
            )
        chosen.extend(ref for ref in match if ref not in chosen)
    return chosen


def load(
    argument: str,
    request: LoadRequest,
    *,
    env: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Loaded:
    """Read every chosen calendar at `caldav:ARGUMENT` over the request window."""
    settings = request.config.caldav
    connection = connect(argument, settings, env=env, policy=policy, timeout_s=timeout_s)
    try:
        person, reading = person_for(request, connection.creds, connection.url)
        parts = [
            read_calendar(connection, ref, reading, owner=person)
            for ref in discover(connection, settings.calendars)
        ]
    finally:
        connection.close()
    loaded = Loaded.combine(parts)
    zone = reading.zone_name_for(person)
    loaded.zones.setdefault(person, zone)
    return loaded


def read_calendar(
    connection: Connection, ref: CalendarRef, request: LoadRequest, *, owner: str
) -> Loaded:
    """One calendar's instances overlapping the request window (etag = its object's etag)."""
    calendar = Calendar(client=connection.client, url=ref.url)
    start = (request.start - _MARGIN).to_pydatetime()
    end = (request.end + _MARGIN).to_pydatetime()

    def search(server_expand: bool) -> list[Any]:
        found: Any = calendar.search(
            start=start,
            end=end,
            event=True,
            expand=server_expand,
            server_expand=server_expand,
            split_expanded=False,
            post_filter=False,
        )
        return list(cast("list[Any]", found))

    try:
        objects = connection.call(lambda: search(True), _expansion_refused)
    except _CannotExpand as refusal:
        # Some servers fail on <C:expand> (Radicale answers 500 for floating series): read
        # the objects as they are and let ics.load_text expand them on the client.
        _log.debug(
            "CalDAV server refused to expand %s (%s); expanding on the client", ref.url, refusal
        )
        objects = connection.call(lambda: search(False))
    found: list[CalendarObject] = []
    for obj in objects:
        url = str(obj.url)
        # A server may send a series itself; ics.load_text expands it on the client
        # (recurring-ical-events) over the window, with the same rules as an .ics file.
        vcalendar = _vcalendar(obj, url)
        etag = getattr(obj, "etag", None)
        found.append(
            CalendarObject(
                href=url,
                ics=vcalendar.to_ical().decode("utf-8"),
                etag=str(etag) if etag else None,
                uids=uids_of(vcalendar),
            )
        )
    return rows_from_objects(found, ref, request, owner=owner)


def rows_from_objects(
    objects: Sequence[CalendarObject], ref: CalendarRef, request: LoadRequest, *, owner: str
) -> Loaded:
    """Canonical rows of one calendar's objects over the request window, via ics.load_text.

    Each row's etag is its object's etag (found through the UID: event_id = UID/start).
    """
    etags = {uid: obj.etag for obj in objects if obj.etag for uid in obj.uids}
    what = f"CalDAV calendar {ref.url}"
    text = "".join(obj.ics for obj in objects)
    if not text:
        return Loaded(schema.empty_frame())
    try:
        # One read for the whole calendar: building the table once is what costs.
        loaded = ics.load_text(
            text, request, what=what, calendar=ref.url, owner=owner, source=SOURCE
        )
    except BadInputError:
        for obj in objects:  # name the object that is bad
            ics.load_text(
                obj.ics,
                request,
                what=f"CalDAV object {obj.href}",
                calendar=ref.url,
                owner=owner,
                source=SOURCE,
            )
        raise
    if len(loaded.events):
        uids = loaded.events["event_id"].str.rsplit("/", n=1).str[0]
        loaded.events["etag"] = uids.map(etags).astype("string")
    return loaded


def uids_of(vcalendar: Any) -> tuple[str, ...]:
    """The distinct UIDs of a parsed VCALENDAR's events, in order."""
    seen: dict[str, None] = {}
    for event in vcalendar.walk("VEVENT"):
        if event.get("UID") is not None:
            seen.setdefault(str(event["UID"]), None)
    return tuple(seen)


class _CannotExpand(Exception):
    """The server failed on a time-range REPORT that asked it to expand recurrences."""


def _expansion_refused(exc: BaseException) -> BaseException:
    """classify_error, except that a 400 / 500 / 501 answer means "read without expansion"."""
    status = getattr(exc, "status", None)
    if (
        isinstance(exc, dav_error.DAVError)
        and not isinstance(exc, dav_error.RateLimitError)
        and status in (400, 500, 501)
    ):
        return _CannotExpand(f"HTTP {status}")
    return classify_error(exc)


def server_expanded(vcalendar: Any) -> bool:
    """Whether a VCALENDAR's events are already single instances (no RRULE / RDATE left)."""
    return not any(
        name in event for event in vcalendar.walk("VEVENT") for name in ("RRULE", "RDATE")
    )


def open_writer(
    calendar_url: str,
    settings: CalDAVSettings | None = None,
    *,
    env: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    now: Callable[[], dt.datetime] | None = None,
) -> CalDAVWriter:
    """The BlockWriter for one calendar collection (checked to be a calendar).

    `calendar_url` follows the `caldav:` source rules (absolute, or relative to the endpoint).
    """
    connection = connect(calendar_url, settings, env=env, policy=policy, timeout_s=timeout_s)
    try:
        props = _properties(connection, connection.url, [dav.ResourceType()])
        if _CALENDAR_TYPE not in _as_list(props.get(dav.ResourceType.tag)):
            raise BadInputError(
                f"CalDAV URL {connection.url}",
                "is not a calendar collection; booking needs the URL of one calendar",
            )
    except BaseException:
        connection.close()
        raise
    if now is None:
        return CalDAVWriter(connection, _slash(connection.url))
    return CalDAVWriter(connection, _slash(connection.url), now=now)


def login(
    argument: str,
    settings: CalDAVSettings | None = None,
    *,
    env: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[CalendarRef]:
    """Check the URL and credentials by listing the calendars there (CalDAV has no OAuth)."""
    settings = settings or CalDAVSettings()
    connection = connect(argument, settings, env=env, policy=policy, timeout_s=timeout_s)
    try:
        return discover(connection, settings.calendars)
    finally:
        connection.close()


def person_for(request: LoadRequest, creds: Credentials, url: str) -> tuple[str, LoadRequest]:
    """(person id, the request to read with): --me, else the user name, else the URL's owner."""
    if request.me:
        return request.me.strip().lower(), request
    name = (creds.username or "").strip().lower()
    if "@" in name:
        return name, dataclasses.replace(request, me=name)
    if not name:
        segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
        name = segments[0].lower() if segments else (urlsplit(url).hostname or "caldav")
    return name, request


def _properties(connection: Connection, url: str, names: list[Any]) -> dict[str, Any]:
    """PROPFIND (depth 0) of `names` on `url`, under the retry policy."""
    calendar = Calendar(client=connection.client, url=url)
    return cast("dict[str, Any]", connection.call(lambda: calendar.get_properties(names)))


def _vcalendar(obj: Any, url: str) -> Any:
    try:
        return obj.icalendar_instance
    except ValueError as exc:
        raise BadInputError(f"CalDAV object {url}", f"is not valid iCalendar ({exc})") from None


def _matches(ref: CalendarRef, wanted: str) -> bool:
    wanted = wanted.strip()
    return (
        (ref.name is not None and ref.name.strip().lower() == wanted.lower())
        or _slash(ref.url) == _slash(wanted)
        or _segment(ref.url) == wanted.strip("/")
    )


def _segment(url: str) -> str:
    parts = [s for s in unquote(urlsplit(url).path).split("/") if s]
    return parts[-1] if parts else url


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
