"""Incremental CalDAV reading: RFC 6578 sync-collection, a local object cache, safe resets.

Why: re-reading every calendar in full on each run is slow for big calendars and heavy on the
server. A CalDAV server that supports sync-collection (Radicale, Nextcloud, Fastmail, iCloud,
SOGo, …) tells us, from a sync token, which objects changed or vanished; we fetch only those
(calendar-multiget, in batches) into an `ObjectCache`, keep the new token in `SyncState`, and
build the rows from the cache with the same reading as a full load (caldav.rows_from_objects),
so a sync after a delta gives the same table as a fresh full read.

Rules:
- the token is stored under `sync_key(person, calendar URL)` after EVERY page (a truncated
  answer — 507 on the collection itself — is followed up with the token it carries), and only
  after that page's changes are in the cache, so a crash re-fetches rather than loses;
- a token the server no longer accepts (403/409 with DAV:valid-sync-token, or 410) clears the
  token and the cache of THAT calendar only, which is then read in full; other calendars keep
  theirs;
- a full sync (no token) drops cached objects the server no longer lists.
The cache is a protocol; `MemoryObjectCache` keeps it in a dict (store.py will persist it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

import icalendar

from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.caldav import (
    CalendarObject,
    CalendarRef,
    connect,
    discover,
    person_for,
    rows_from_objects,
    uids_of,
)
from calendar_slack.connectors.caldav_http import (
    DEFAULT_TIMEOUT_S,
    Connection,
    HTTPStatusError,
    classify_error,
)
from calendar_slack.connectors.remote import SyncState
from calendar_slack.connectors.retry import RetryPolicy
from calendar_slack.errors import BadInputError, ServiceError, SyncResetError

#: How many objects one calendar-multiget asks for.
DEFAULT_BATCH: Final = 50
_DAV: Final = "{DAV:}"
_CALDAV: Final = "{urn:ietf:params:xml:ns:caldav}"
_XML: Final = {"Content-Type": "application/xml; charset=utf-8"}


class ObjectCache(Protocol):
    """The objects of each calendar as last synced, by href (store.py persists it)."""

    def objects(self, calendar: str) -> dict[str, CalendarObject]: ...

    def put(self, calendar: str, obj: CalendarObject) -> None: ...

    def remove(self, calendar: str, href: str) -> None: ...

    def clear(self, calendar: str) -> None: ...


class MemoryObjectCache:
    """An ObjectCache in a dict: for tests and one-shot runs."""

    def __init__(self) -> None:
        self.calendars: dict[str, dict[str, CalendarObject]] = {}

    def objects(self, calendar: str) -> dict[str, CalendarObject]:
        return dict(self.calendars.get(calendar, {}))

    def put(self, calendar: str, obj: CalendarObject) -> None:
        self.calendars.setdefault(calendar, {})[obj.href] = obj

    def remove(self, calendar: str, href: str) -> None:
        self.calendars.get(calendar, {}).pop(href, None)

    def clear(self, calendar: str) -> None:
        self.calendars.pop(calendar, None)


def sync_key(person: str, calendar_url: str) -> str:
    """Where a calendar's sync token lives in SyncState."""
    return f"caldav|{person}|{calendar_url}"


@dataclass
class SyncReport:
    """What one calendar's sync did (for logs and tests)."""

    full: bool = False
    reset: bool = False
    pages: int = 0
    fetched: int = 0
    removed: int = 0


@dataclass(frozen=True)
class SyncPage:
    """One sync-collection answer: the new token, what changed, what went, whether more follow."""

    token: str
    changed: dict[str, str | None] = field(default_factory=dict)  # object URL -> etag
    removed: tuple[str, ...] = ()
    truncated: bool = False


def sync(
    argument: str,
    request: LoadRequest,
    state: SyncState,
    cache: ObjectCache,
    *,
    env: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    batch: int = DEFAULT_BATCH,
) -> Loaded:
    """Bring the cache of every chosen calendar at `caldav:ARGUMENT` up to date; return rows."""
    settings = request.config.caldav
    connection = connect(argument, settings, env=env, policy=policy, timeout_s=timeout_s)
    try:
        person, reading = person_for(request, connection.creds, connection.url)
        parts = []
        for ref in discover(connection, settings.calendars):
            sync_calendar(connection, ref, state, cache, key=sync_key(person, ref.url), batch=batch)
            cached = cache.objects(ref.url)
            objects = [cached[href] for href in sorted(cached)]
            parts.append(rows_from_objects(objects, ref, reading, owner=person))
    finally:
        connection.close()
    loaded = Loaded.combine(parts)
    loaded.zones.setdefault(person, reading.zone_name_for(person))
    return loaded


def sync_calendar(
    connection: Connection,
    ref: CalendarRef,
    state: SyncState,
    cache: ObjectCache,
    *,
    key: str,
    batch: int = DEFAULT_BATCH,
) -> SyncReport:
    """Sync one calendar; a rejected token resets THIS calendar and reads it in full."""
    try:
        return _sync(connection, ref, state, cache, key=key, batch=batch)
    except SyncResetError:
        state.put(key, None)
        cache.clear(ref.url)
        report = _sync(connection, ref, state, cache, key=key, batch=batch)
        report.reset = True
        return report


def _sync(
    connection: Connection,
    ref: CalendarRef,
    state: SyncState,
    cache: ObjectCache,
    *,
    key: str,
    batch: int,
) -> SyncReport:
    token = state.get(key)
    report = SyncReport(full=token is None)
    listed: set[str] = set()
    while True:
        page = _sync_page(connection, ref.url, token or "")
        report.pages += 1
        for href in page.removed:
            cache.remove(ref.url, href)
            report.removed += 1
        known = cache.objects(ref.url)
        wanted = [
            href
            for href, etag in page.changed.items()
            if href not in known or etag is None or known[href].etag != etag
        ]
        for chunk in _chunks(wanted, batch):
            fetched = _multiget(connection, ref.url, chunk)
            for href in chunk:
                obj = fetched.get(href)
                if obj is None:  # gone between the two requests
                    cache.remove(ref.url, href)
                else:
                    cache.put(ref.url, obj)
                    report.fetched += 1
        listed.update(page.changed)
        state.put(key, page.token)  # after every page, once its changes are in the cache
        if not page.truncated:
            break
        if page.token == token:
            raise ServiceError(f"CalDAV: {ref.url} keeps sending the same truncated sync page")
        token = page.token
    if report.full:
        for href in set(cache.objects(ref.url)) - listed:
            cache.remove(ref.url, href)
            report.removed += 1
    return report


def _sync_page(connection: Connection, url: str, token: str) -> SyncPage:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<D:sync-collection xmlns:D="DAV:">'
        f"<D:sync-token>{escape(token)}</D:sync-token><D:sync-level>1</D:sync-level>"
        "<D:prop><D:getetag/></D:prop></D:sync-collection>"
    )
    answer = connection.request(
        "REPORT",
        url,
        body,
        {**_XML, "Depth": "0"},
        accept=frozenset({207, 403, 409, 410}),
    )
    if answer.status == 410 or (answer.status in (403, 409) and "valid-sync-token" in answer.text):
        raise SyncResetError(f"CalDAV: the server no longer accepts the sync token of {url}")
    if answer.status != 207:
        raise classify_error(HTTPStatusError("REPORT", url, answer.status))
    return parse_sync_page(answer.text, url)


def parse_sync_page(text: str, collection_url: str) -> SyncPage:
    """Read a sync-collection multistatus (RFC 6578): token, changed / removed objects, 507.

    Objects are named by absolute URL (hrefs resolved against the collection URL).
    """
    root = _xml(text, collection_url)
    own = _path(collection_url)
    token = (root.findtext(f"{_DAV}sync-token") or "").strip()
    if not token:
        raise ServiceError(f"CalDAV: {collection_url} answered a sync without a sync token")
    changed: dict[str, str | None] = {}
    removed: list[str] = []
    truncated = False
    for response in root.findall(f"{_DAV}response"):
        href = (response.findtext(f"{_DAV}href") or "").strip()
        if not href:
            continue
        status = _status(response.findtext(f"{_DAV}status"))
        if _path(href) == own:
            truncated = truncated or status == 507
            continue
        href = urljoin(collection_url, href)
        if status == 404:
            removed.append(href)
            continue
        etag: str | None = None
        for propstat in response.findall(f"{_DAV}propstat"):
            if _status(propstat.findtext(f"{_DAV}status")) == 200:
                etag = propstat.findtext(f"{_DAV}prop/{_DAV}getetag") or etag
        changed[href] = etag.strip() if etag else None
    return SyncPage(token, changed, tuple(removed), truncated)


def _multiget(connection: Connection, url: str, urls: Sequence[str]) -> dict[str, CalendarObject]:
    """calendar-multiget of `urls` (absolute): the objects found, keyed by the URL asked for."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
        + "".join(f"<D:href>{escape(urlsplit(u).path)}</D:href>" for u in urls)
        + "</C:calendar-multiget>"
    )
    answer = connection.request("REPORT", url, body, {**_XML, "Depth": "1"})
    root = _xml(answer.text, url)
    found: dict[str, CalendarObject] = {}
    for response in root.findall(f"{_DAV}response"):
        href = (response.findtext(f"{_DAV}href") or "").strip()
        for propstat in response.findall(f"{_DAV}propstat"):
            if _status(propstat.findtext(f"{_DAV}status")) != 200:
                continue
            data = propstat.findtext(f"{_DAV}prop/{_CALDAV}calendar-data")
            if not data:
                continue
            etag = propstat.findtext(f"{_DAV}prop/{_DAV}getetag")
            asked = _match(urljoin(url, href), urls)
            try:
                uids = uids_of(icalendar.Calendar.from_ical(data))
            except ValueError as exc:
                raise BadInputError(
                    f"CalDAV object {asked}", f"is not valid iCalendar ({exc})"
                ) from None
            found[asked] = CalendarObject(
                href=asked, ics=data, etag=etag.strip() if etag else None, uids=uids
            )
    return found


def _match(href: str, asked: Sequence[str]) -> str:
    """The URL as we asked for it (servers may answer with another spelling of the path)."""
    path = _path(href)
    return next((a for a in asked if _path(a) == path), href)


def _xml(text: str, url: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as exc:
        raise ServiceError(f"CalDAV: {url} answered XML we cannot read ({exc})") from None


def _status(line: str | None) -> int | None:
    parts = (line or "").split()
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    return None


def _path(url: str) -> str:
    return unquote(urlsplit(url).path).rstrip("/")


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    size = max(1, size)
    for index in range(0, len(items), size):
        yield list(items[index : index + size])
