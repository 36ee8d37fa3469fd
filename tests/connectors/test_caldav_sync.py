"""Incremental CalDAV sync (RFC 6578) against a real Radicale, with faults through a proxy.

A sync after a delta must give the same table as a fresh full read; a token the server rejects
(410, or Radicale's 403 valid-sync-token) resets that calendar only; truncated answers are
followed page by page with the token saved after each; a 503 mid-way loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from calendar_slack.connectors import caldav as connector
from calendar_slack.connectors.caldav import CalendarObject, CalendarRef
from calendar_slack.connectors.caldav_http import ENV_PASSWORD, ENV_USERNAME
from calendar_slack.connectors.caldav_sync import (
    MemoryObjectCache,
    parse_sync_page,
    sync,
    sync_calendar,
    sync_key,
)
from calendar_slack.connectors.remote import MemorySyncState
from calendar_slack.errors import ServiceError
from tests.connectors.conftest import OTHER_PASSWORD, OTHER_USER, PASSWORD, USER
from tests.connectors.test_caldav import (
    DECLINED,
    ENV,
    ME,
    OOO,
    SERIES,
    Waits,
    fill,
    policy,
    request,
    rows,
    through,
    utc,
)
from tests.fakes.caldav_harness import make_calendar, put_raw
from tests.fakes.radicale_server import Fault, FaultProxy, RadicaleServer

BOB_ENV = {ENV_USERNAME: OTHER_USER, ENV_PASSWORD: OTHER_PASSWORD}
# A new event: the dentist, Thu 2026-11-26 15:00Z–16:00Z, alone (a hold).
DENTIST = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:new-1
DTSTAMP:20261101T000000Z
DTSTART:20261126T150000Z
DTEND:20261126T160000Z
SUMMARY:Dentist
END:VEVENT
END:VCALENDAR
"""
# The budget review moved from Tue 13:00 to Wed 13:00 Stockholm (12:00Z–13:00Z on the 25th).
DECLINED_MOVED = DECLINED.replace("20261124T130000", "20261125T130000").replace(
    "20261124T140000", "20261125T140000"
)


class RecordingState(MemorySyncState):
    """A SyncState that records every put, with how many objects the cache held at that time."""

    def __init__(self, cache: MemoryObjectCache) -> None:
        super().__init__()
        self.cache = cache
        self.puts: list[tuple[str, str | None, int]] = []

    def put(self, key: str, value: str | None) -> None:
        held = sum(len(objects) for objects in self.cache.calendars.values())
        self.puts.append((key, value, held))
        super().put(key, value)


class CountingCache(MemoryObjectCache):
    """A MemoryObjectCache that counts the objects written per calendar."""

    def __init__(self) -> None:
        super().__init__()
        self.written: dict[str, int] = {}

    def put(self, calendar: str, obj: CalendarObject) -> None:
        self.written[calendar] = self.written.get(calendar, 0) + 1
        super().put(calendar, obj)


def etags_of(events: Any) -> list[Any]:
    return list(events.sort_values(["start", "event_id"])["etag"])


def test_sync_after_a_delta_equals_a_fresh_full_read(calendar_url: str) -> None:
    fill(calendar_url)
    state, cache = MemorySyncState(), MemoryObjectCache()
    first = sync(calendar_url, request(), state, cache, env=ENV, policy=policy())
    direct = connector.load(calendar_url, request(), env=ENV, policy=policy())
    assert rows(first.events) == rows(direct.events)
    assert etags_of(first.events) == etags_of(direct.events)
    assert first.zones == {ME: "Europe/Stockholm"}
    # The cache holds every object of the calendar (5 were put), not only this week's.
    assert len(cache.objects(calendar_url)) == 5
    key = sync_key(ME, calendar_url)
    token = state.get(key)
    assert token
    with httpx.Client(auth=(USER, PASSWORD), timeout=10) as http:
        assert http.delete(f"{calendar_url}ooo-1.ics").status_code in (200, 204)
        put_raw(http, f"{calendar_url}declined-1.ics", DECLINED_MOVED)
        put_raw(http, f"{calendar_url}new-1.ics", DENTIST)
    connection = connector.connect(calendar_url, env=ENV, policy=policy())
    report = sync_calendar(connection, CalendarRef(calendar_url, None), state, cache, key=key)
    connection.close()
    # Incremental: the moved meeting and the new event fetched, the deleted OOO removed.
    assert (report.full, report.reset, report.pages, report.fetched, report.removed) == (
        False,
        False,
        1,
        2,
        1,
    )
    assert state.get(key) != token
    after = sync(calendar_url, request(), state, cache, env=ENV, policy=policy())
    fresh = sync(
        calendar_url, request(), MemorySyncState(), MemoryObjectCache(), env=ENV, policy=policy()
    )
    reread = connector.load(calendar_url, request(), env=ENV, policy=policy())
    assert rows(after.events) == rows(fresh.events) == rows(reread.events)
    assert etags_of(after.events) == etags_of(reread.events)
    # 4 standups (Mon, Tue, Thu moved, Fri) + the budget review now Wed 12:00Z (declined) +
    # the dentist Thu 15:00Z–16:00Z (alone: hold); the OOO is gone.
    assert sorted(after.events["event_id"]) == sorted(
        [
            "series-1/2026-11-23T09:00:00Z",
            "series-1/2026-11-24T09:00:00Z",
            "series-1/2026-11-26T13:00:00Z",
            "series-1/2026-11-27T09:00:00Z",
            "declined-1/2026-11-25T12:00:00Z",
            "new-1/2026-11-26T15:00:00Z",
        ]
    )
    dentist = after.events[after.events["event_id"] == "new-1/2026-11-26T15:00:00Z"].iloc[0]
    assert (dentist["kind"], dentist["start"], dentist["end"]) == (
        "hold",
        utc("2026-11-26T15:00Z"),
        utc("2026-11-26T16:00Z"),
    )


def test_410_resets_that_calendar_only(radicale: RadicaleServer, proxy: FaultProxy) -> None:
    auth = (OTHER_USER, OTHER_PASSWORD)
    home = make_calendar(radicale, OTHER_USER, OTHER_PASSWORD, "Home")
    work = make_calendar(radicale, OTHER_USER, OTHER_PASSWORD, "Work")
    with httpx.Client(auth=auth, timeout=10) as http:
        put_raw(http, f"{home}ooo-1.ics", OOO)
        put_raw(http, f"{work}series-1.ics", SERIES)
        put_raw(http, f"{work}declined-1.ics", DECLINED)
    principal = through(proxy, radicale.principal_url(OTHER_USER), radicale)
    home_via, work_via = through(proxy, home, radicale), through(proxy, work, radicale)
    cache = CountingCache()
    state = MemorySyncState()
    sync(principal, request(me=None), state, cache, env=BOB_ENV, policy=policy())
    home_key, work_key = sync_key("bob", home_via), sync_key("bob", work_via)
    home_token, work_token = state.get(home_key), state.get(work_key)
    assert home_token and work_token
    with httpx.Client(auth=auth, timeout=10) as http:
        put_raw(http, f"{home}new-1.ics", DENTIST)
        put_raw(http, f"{work}declined-1.ics", DECLINED_MOVED)
    cache.written.clear()
    work_path = urlsplit(work).path
    proxy.script(Fault(410, methods=frozenset({"REPORT"}), path=work_path, match=b"sync-token"))
    result = sync(principal, request(me=None), state, cache, env=BOB_ENV, policy=policy())
    assert ("REPORT", work_path, 410) in proxy.log
    # Home synced incrementally (1 new object); Work was reset and read in full (2 objects).
    assert cache.written == {home_via: 1, work_via: 2}
    assert state.get(home_key) not in (None, home_token)
    assert state.get(work_key) not in (None, work_token)
    fresh = sync(
        principal,
        request(me=None),
        MemorySyncState(),
        MemoryObjectCache(),
        env=BOB_ENV,
        policy=policy(),
    )
    assert rows(result.events) == rows(fresh.events)
    assert sorted(set(result.events["calendar"])) == sorted([home_via, work_via])
    # Home: OOO Fri + dentist Thu; Work: 4 standups + the moved review = 7 rows.
    assert len(result.events) == 7


def test_token_rejected_by_the_server_means_full_resync(calendar_url: str) -> None:
    fill(calendar_url)
    state, cache = MemorySyncState(), MemoryObjectCache()
    key = sync_key(ME, calendar_url)
    connection = connector.connect(calendar_url, env=ENV, policy=policy())
    ref = CalendarRef(calendar_url, None)
    first = sync_calendar(connection, ref, state, cache, key=key)
    assert (first.full, first.fetched) == (True, 5)
    stale = CalendarObject(f"{calendar_url}gone.ics", OOO, '"old"', ("gone",))
    cache.put(calendar_url, stale)  # something the server no longer has
    state.put(key, "http://radicale.org/ns/sync/not-a-token")  # Radicale answers 403
    report = sync_calendar(connection, ref, state, cache, key=key)
    connection.close()
    assert (report.reset, report.full, report.fetched) == (True, True, 5)
    assert f"{calendar_url}gone.ics" not in cache.objects(calendar_url)
    assert len(cache.objects(calendar_url)) == 5


def multistatus(token: str, responses: Sequence[tuple[str, str | None]], more: str | None) -> bytes:
    parts = [
        f'<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token>'
    ]
    for href, etag in responses:
        if etag is None:
            parts.append(
                f"<D:response><D:href>{href}</D:href><D:status>HTTP/1.1 404 Not Found</D:status>"
                "</D:response>"
            )
        else:
            parts.append(
                f"<D:response><D:href>{href}</D:href><D:propstat><D:prop><D:getetag>{etag}"
                "</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
                "</D:response>"
            )
    if more:
        parts.append(
            f"<D:response><D:href>{more}</D:href>"
            "<D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response>"
        )
    parts.append("</D:multistatus>")
    return "".join(parts).encode()


def test_truncated_sync_is_followed_page_by_page(
    calendar_url: str, proxy: FaultProxy, radicale: RadicaleServer
) -> None:
    etags = fill(calendar_url)
    body = (
        b'<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token/>'
        b"<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
    )
    with httpx.Client(auth=(USER, PASSWORD), timeout=10) as http:
        answer = http.request("REPORT", calendar_url, content=body, headers={"Depth": "0"})
    real = parse_sync_page(answer.text, calendar_url)
    path = urlsplit(calendar_url).path
    # A server that answers in two pages: 3 objects, then 2 more with the real token.
    first = [(f"{path}{uid}.ics", etags[uid]) for uid in ("series-1", "ooo-1", "declined-1")]
    second = [(f"{path}{uid}.ics", etags[uid]) for uid in ("cancelled-1", "later-1")]
    page_token = "urn:test:page-1"
    xml = "application/xml; charset=utf-8"
    proxy.script(
        Fault(
            207,
            methods=frozenset({"REPORT"}),
            match=b"<D:sync-token></D:sync-token>",
            body=multistatus(page_token, first, path),
            content_type=xml,
        ),
        Fault(
            207,
            methods=frozenset({"REPORT"}),
            match=page_token.encode(),
            body=multistatus(real.token, second, None),
            content_type=xml,
        ),
    )
    url = through(proxy, calendar_url, radicale)
    cache = MemoryObjectCache()
    state = RecordingState(cache)
    result = sync(url, request(), state, cache, env=ENV, policy=policy())
    key = sync_key(ME, url)
    # The token is saved after each page, once that page's objects are in the cache.
    assert state.puts == [(key, page_token, 3), (key, real.token, 5)]
    direct = connector.load(calendar_url, request(), env=ENV, policy=policy())
    assert rows(result.events) == rows(direct.events)
    connection = connector.connect(url, env=ENV, policy=policy())
    again = sync_calendar(connection, CalendarRef(url, None), state, cache, key=key)
    connection.close()
    assert (again.full, again.pages, again.fetched, again.removed) == (False, 1, 0, 0)


def test_503_during_multiget_loses_nothing(
    calendar_url: str, proxy: FaultProxy, radicale: RadicaleServer
) -> None:
    fill(calendar_url)
    proxy.script(
        Fault(503, retry_after="3", methods=frozenset({"REPORT"}), match=b"calendar-multiget")
    )
    waits = Waits()
    url = through(proxy, calendar_url, radicale)
    cache = MemoryObjectCache()
    result = sync(url, request(), MemorySyncState(), cache, env=ENV, policy=policy(waits), batch=2)
    # 5 objects in batches of 2 -> 3 multigets, the first answered 503 once, then retried.
    multigets = [s for m, p, s in proxy.log if m == "REPORT" and s in (207, 503)]
    assert waits.seconds == [3.0]
    assert multigets.count(503) == 1
    assert len(cache.objects(url)) == 5
    direct = connector.load(calendar_url, request(), env=ENV, policy=policy())
    assert rows(result.events) == rows(direct.events)


def test_parse_sync_page_reads_changes_removals_and_truncation() -> None:
    base = "http://dav.example/alice/work/"
    text = multistatus(
        "tok-2",
        [
            ("/alice/work/a.ics", '"e1"'),
            ("/alice/work/b%20c.ics", '"e2"'),
            ("/alice/work/gone.ics", None),
        ],
        "/alice/work/",
    ).decode()
    page = parse_sync_page(text, base)
    assert page.token == "tok-2"
    assert page.changed == {f"{base}a.ics": '"e1"', f"{base}b%20c.ics": '"e2"'}
    assert page.removed == (f"{base}gone.ics",)
    assert page.truncated
    with pytest.raises(ServiceError, match="without a sync token"):
        parse_sync_page('<D:multistatus xmlns:D="DAV:"/>', base)
    with pytest.raises(ServiceError, match="cannot read"):
        parse_sync_page("not xml", base)
