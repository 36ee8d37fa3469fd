"""The CalDAV connector against a real Radicale server on loopback (one per module).

Reading (time-range REPORT, recurrences, all-day OOO, declined invites, principal discovery),
the BlockWriter (idempotent create, etag-guarded update / delete, foreign events never touched),
error mapping (auth, credentials in the URL, unreachable server) and the fault tests through a
fault-injecting proxy: 429 storm, 503s, timeouts, 412 — each ending with nothing lost and
nothing duplicated. Retry waits are recorded, never slept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import icalendar
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_slack.connectors import caldav as connector
from calendar_slack.connectors import caldav_http, caldav_writer, retry
from calendar_slack.connectors.base import LoadRequest
from calendar_slack.connectors.caldav_http import (
    ENV_ENDPOINT,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_USERNAME,
)
from calendar_slack.connectors.caldav_writer import CalDAVWriter, block_uid
from calendar_slack.connectors.remote import TAG, BlockWrite, BlockWriter, RemoteBlock, matches
from calendar_slack.errors import (
    AuthError,
    BadInputError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
)
from calendar_slack.prefs import CalDAVSettings, Config
from tests.connectors.conftest import OTHER_PASSWORD, OTHER_USER, PASSWORD, USER
from tests.fakes.caldav_harness import (
    CalDAVHarness,
    caldav_harness,
    make_calendar,
    no_sleep,
    put_raw,
)
from tests.fakes.harness import CalendarHarness
from tests.fakes.radicale_server import (
    Fault,
    FaultProxy,
    RadicaleServer,
    free_port,
)

ENV = {ENV_USERNAME: USER, ENV_PASSWORD: PASSWORD}
ME = "alice@example.com"
ZONE = "Europe/Stockholm"
# ISO week 2026-W48 in Stockholm (CET, UTC+1 in November): Mon 2026-11-23 00:00 local is
# 2026-11-22 23:00Z, and the week ends at Mon 2026-11-30 00:00 local = 2026-11-29 23:00Z.
WEEK_START = pd.Timestamp("2026-11-22T23:00Z")
WEEK_END = pd.Timestamp("2026-11-29T23:00Z")


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def request(**changes: Any) -> LoadRequest:
    base: dict[str, Any] = {"start": WEEK_START, "end": WEEK_END, "me": ME, "tz_override": ZONE}
    base.update(changes)
    return LoadRequest(**base)


class Waits:
    """A RetryPolicy sleep that records every wait instead of sleeping."""

    def __init__(self, before: Callable[[], None] | None = None) -> None:
        self.seconds: list[float] = []
        self.before = before

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self.before is not None:
            self.before()


def policy(waits: Waits | None = None, attempts: int = 5) -> retry.RetryPolicy:
    return retry.RetryPolicy(max_attempts=attempts, sleep=waits if waits is not None else no_sleep)


@pytest.fixture
def harness(radicale: RadicaleServer) -> Iterator[CalDAVHarness]:
    with caldav_harness(radicale, user=USER, password=PASSWORD) as h:
        yield h


@pytest.fixture
def closing() -> Iterator[contextlib.ExitStack]:
    """Writers opened by a test are closed when it ends."""
    with contextlib.ExitStack() as stack:
        yield stack


def through(proxy: FaultProxy, url: str, radicale: RadicaleServer) -> str:
    """The same URL, reached through the proxy."""
    return proxy.url + url.removeprefix(radicale.url)


def block(key: str = "w48/focus/wed", **changes: Any) -> BlockWrite:
    # Wed 2026-11-25 09:00–11:00 Stockholm = 08:00Z–10:00Z.
    base: dict[str, Any] = {
        "key": key,
        "kind": "focus",
        "start": utc("2026-11-25T08:00Z"),
        "end": utc("2026-11-25T10:00Z"),
        "title": "Focus",
    }
    base.update(changes)
    return BlockWrite(**base)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll until `condition` holds (a synchronisation helper, not a timing assertion)."""
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


# --- the calendar the reading tests use ---------------------------------------------------

SERIES = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:series-1
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Stockholm:20261123T100000
DTEND;TZID=Europe/Stockholm:20261123T103000
RRULE:FREQ=DAILY;COUNT=5
EXDATE;TZID=Europe/Stockholm:20261125T100000
SUMMARY:Standup
ORGANIZER:mailto:bob@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com
END:VEVENT
BEGIN:VEVENT
UID:series-1
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Stockholm:20261126T100000
DTSTART;TZID=Europe/Stockholm:20261126T140000
DTEND;TZID=Europe/Stockholm:20261126T143000
SUMMARY:Standup (moved)
ORGANIZER:mailto:bob@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com
END:VEVENT
END:VCALENDAR
"""
OOO = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:ooo-1
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:20261127
DTEND;VALUE=DATE:20261128
SUMMARY:Out of office
END:VEVENT
END:VCALENDAR
"""
DECLINED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:declined-1
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Stockholm:20261124T130000
DTEND;TZID=Europe/Stockholm:20261124T140000
SUMMARY:Budget review
ORGANIZER:mailto:carol@example.com
ATTENDEE;PARTSTAT=DECLINED:mailto:alice@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:dave@example.com
END:VEVENT
END:VCALENDAR
"""
CANCELLED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:cancelled-1
DTSTAMP:20261101T000000Z
DTSTART:20261125T140000Z
DTEND:20261125T150000Z
STATUS:CANCELLED
SUMMARY:Called off
END:VEVENT
END:VCALENDAR
"""
LATER = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:later-1
DTSTAMP:20261101T000000Z
DTSTART:20261202T100000Z
DTEND:20261202T110000Z
SUMMARY:Next week
END:VEVENT
END:VCALENDAR
"""


def fill(calendar_url: str) -> dict[str, str]:
    """Put the reading calendar on the server; return etag by UID."""
    etags = {}
    with httpx.Client(auth=(USER, PASSWORD), timeout=10) as http:
        for uid, text in [
            ("series-1", SERIES),
            ("ooo-1", OOO),
            ("declined-1", DECLINED),
            ("cancelled-1", CANCELLED),
            ("later-1", LATER),
        ]:
            etags[uid] = put_raw(http, f"{calendar_url}{uid}.ics", text)
    return etags


def rows(events: pd.DataFrame) -> list[tuple[Any, ...]]:
    columns = [
        "event_id",
        "start",
        "end",
        "kind",
        "response",
        "attendees",
        "all_day",
        "series_id",
        "ours",
        "title",
    ]
    out = []
    for record in events.sort_values(["start", "event_id"])[columns].itertuples(index=False):
        out.append(tuple(None if pd.isna(v) else v for v in record))
    return out


def expected_rows(focus_uid: str) -> list[tuple[Any, ...]]:
    # Standup: daily 10:00–10:30 Stockholm (09:00Z–09:30Z) Mon 23 … Fri 27, Wed 25 excluded,
    # Thu 26 moved to 14:00–14:30 local (13:00Z–13:30Z). bob organises; alice accepted, so the
    # response is "accepted" and the other people are {bob} -> 1 attendee -> meeting.
    # Budget review Tue 24 13:00–14:00 local (12:00Z–13:00Z): declined -> free; others carol
    # (organizer) and dave -> 2 attendees. Out of office Fri 27 all day: local midnights
    # 2026-11-27 00:00 CET = 26th 23:00Z to 2026-11-28 00:00 CET = 27th 23:00Z -> ooo.
    # Our focus block Wed 25 08:00Z–10:00Z -> ours, focus. Cancelled: dropped; later: outside.

    def standup(event_id: str, start: str, end: str, title: str) -> tuple[Any, ...]:
        meeting = ("meeting", "accepted", 1, False, "series-1", False)
        return (event_id, utc(start), utc(end), *meeting, title)

    return [
        standup(
            "series-1/2026-11-23T09:00:00Z", "2026-11-23T09:00Z", "2026-11-23T09:30Z", "Standup"
        ),
        standup(
            "series-1/2026-11-24T09:00:00Z", "2026-11-24T09:00Z", "2026-11-24T09:30Z", "Standup"
        ),
        (
            "declined-1/2026-11-24T12:00:00Z",
            utc("2026-11-24T12:00Z"),
            utc("2026-11-24T13:00Z"),
            "free",
            "declined",
            2,
            False,
            None,
            False,
            "Budget review",
        ),
        (
            f"{focus_uid}/2026-11-25T08:00:00Z",
            utc("2026-11-25T08:00Z"),
            utc("2026-11-25T10:00Z"),
            "focus",
            "none",
            0,
            False,
            None,
            True,
            "Focus",
        ),
        standup(
            "series-1/2026-11-26T13:00:00Z",
            "2026-11-26T13:00Z",
            "2026-11-26T13:30Z",
            "Standup (moved)",
        ),
        (
            "ooo-1/2026-11-26T23:00:00Z",
            utc("2026-11-26T23:00Z"),
            utc("2026-11-27T23:00Z"),
            "ooo",
            "none",
            0,
            True,
            None,
            False,
            "Out of office",
        ),
        standup(
            "series-1/2026-11-27T09:00:00Z", "2026-11-27T09:00Z", "2026-11-27T09:30Z", "Standup"
        ),
    ]


# --- reading --------------------------------------------------------------------------------


def test_reads_series_ooo_and_declined_with_server_etags(
    calendar_url: str, closing: contextlib.ExitStack
) -> None:
    etags = fill(calendar_url)
    writer = connector.open_writer(calendar_url, env=ENV, policy=policy())
    closing.enter_context(writer)
    ours = writer.create(block())
    loaded = connector.load(calendar_url, request(), env=ENV, policy=policy())
    events = loaded.events
    assert rows(events) == expected_rows(block_uid("w48/focus/wed"))
    assert set(events["person"]) == {ME}
    assert set(events["source"]) == {"caldav"}
    assert set(events["calendar"]) == {calendar_url}
    assert loaded.zones == {ME: ZONE}
    assert loaded.dropped["cancelled"] == 1  # the one cancelled event in the window
    by_uid = {
        eid.split("/")[0]: etag
        for eid, etag in zip(events["event_id"], events["etag"], strict=True)
    }
    assert by_uid["series-1"] == etags["series-1"]  # every instance carries its object's etag
    assert by_uid["ooo-1"] == etags["ooo-1"]
    assert by_uid["declined-1"] == etags["declined-1"]
    assert by_uid[block_uid("w48/focus/wed")] == ours.etag
    assert events.loc[events["ours"], "etag"].tolist() == [ours.etag]


def test_redact_drops_titles(calendar_url: str) -> None:
    fill(calendar_url)
    loaded = connector.load(calendar_url, request(redact=True), env=ENV, policy=policy())
    # 4 standups + declined + ooo = 6 rows in the week (no block written here).
    assert len(loaded.events) == 6
    assert loaded.events["title"].isna().all()


def test_server_that_does_not_expand_gives_the_same_rows(
    calendar_url: str, proxy: FaultProxy, radicale: RadicaleServer
) -> None:
    fill(calendar_url)
    direct = connector.load(calendar_url, request(), env=ENV, policy=policy())
    expand = re.compile(rb"<[A-Za-z0-9_]*:?expand\b[^>]*/>")
    seen: list[bytes] = []

    def drop_expand(method: str, body: bytes) -> bytes:
        if method == "REPORT":
            seen.append(body)
            return expand.sub(b"", body)
        return body

    proxy.rewrite_requests(drop_expand)
    url = through(proxy, calendar_url, radicale)
    raw = connector.load(url, request(), env=ENV, policy=policy())
    assert seen and all(expand.search(body) for body in seen)  # we did ask for expansion
    assert rows(raw.events) == rows(direct.events)
    assert raw.events["etag"].tolist() == direct.events["etag"].tolist()
    assert raw.dropped == direct.dropped


FLOATING = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:float-1
DTSTAMP:20261101T000000Z
DTSTART:20261123T100000
DTEND:20261123T110000
RRULE:FREQ=DAILY;COUNT=2
SUMMARY:Floating
END:VEVENT
END:VCALENDAR
"""


def test_server_failing_to_expand_falls_back_to_client_expansion(calendar_url: str) -> None:
    # Radicale answers 500 when asked to expand a floating series: we read it unexpanded and
    # expand on the client, in the person's zone: 10:00 Stockholm (CET) = 09:00Z, Mon and Tue.
    fill(calendar_url)
    put_raw((USER, PASSWORD), f"{calendar_url}float-1.ics", FLOATING)
    loaded = connector.load(calendar_url, request(), env=ENV, policy=policy())
    is_floating = loaded.events["event_id"].str.startswith("float-1/")
    floating = loaded.events[is_floating]
    assert floating[["event_id", "start", "end"]].values.tolist() == [
        ["float-1/2026-11-23T09:00:00Z", utc("2026-11-23T09:00Z"), utc("2026-11-23T10:00Z")],
        ["float-1/2026-11-24T09:00:00Z", utc("2026-11-24T09:00Z"), utc("2026-11-24T10:00Z")],
    ]
    # The rest of the calendar reads exactly as with server expansion (6 rows, see above).
    others = loaded.events[~is_floating]
    assert len(others) == 6


def test_detects_unexpanded_objects() -> None:
    def parsed(text: str) -> Any:
        return icalendar.Calendar.from_ical(text)

    assert not connector.server_expanded(parsed(SERIES))  # the master still has its RRULE
    assert connector.server_expanded(parsed(OOO))
    expanded = SERIES.replace("RRULE:FREQ=DAILY;COUNT=5\n", "")
    assert connector.server_expanded(parsed(expanded))


def test_principal_url_reads_every_calendar_or_the_configured_ones(
    radicale: RadicaleServer,
) -> None:
    env = {ENV_USERNAME: OTHER_USER, ENV_PASSWORD: OTHER_PASSWORD}
    auth = (OTHER_USER, OTHER_PASSWORD)
    home = make_calendar(radicale, OTHER_USER, OTHER_PASSWORD, "Home")
    work = make_calendar(radicale, OTHER_USER, OTHER_PASSWORD, "Work")
    put_raw(auth, f"{home}ooo-1.ics", OOO)
    put_raw(auth, f"{work}declined-1.ics", DECLINED)
    principal = radicale.principal_url(OTHER_USER)
    both = connector.load(principal, request(me=None), env=env, policy=policy())
    # No --me: the person is the user name; one row from each calendar.
    assert sorted(zip(both.events["calendar"], both.events["event_id"], strict=True)) == sorted(
        [(home, "ooo-1/2026-11-26T23:00:00Z"), (work, "declined-1/2026-11-24T12:00:00Z")]
    )
    assert set(both.events["person"]) == {"bob"}
    config = Config(caldav=CalDAVSettings(calendars=("work",)))  # display name, any case
    only = connector.load(principal, request(me=None, config=config), env=env, policy=policy())
    assert only.events["calendar"].tolist() == [work]
    config = Config(caldav=CalDAVSettings(calendars=("Holidays",)))
    with pytest.raises(BadInputError, match=r"Holidays.*matches no calendar") as caught:
        connector.load(principal, request(config=config), env=env, policy=policy())
    assert "Home" in str(caught.value) and "Work" in str(caught.value)


def test_relative_source_resolves_against_the_endpoint(
    calendar_url: str, radicale: RadicaleServer
) -> None:
    fill(calendar_url)
    env = {**ENV, ENV_ENDPOINT: radicale.url}
    relative = calendar_url.removeprefix(radicale.url)  # "alice/cal-…/"
    loaded = connector.load(relative, request(), env=env, policy=policy())
    assert len(loaded.events) == 6  # 4 standups + declined + ooo, as above


# --- writing --------------------------------------------------------------------------------


def test_create_is_idempotent(harness: CalDAVHarness) -> None:
    first = harness.writer.create(block())
    again = harness.writer.create(block(title="Another title"))
    assert again == first  # the block that exists is returned unchanged
    snapshot = harness.snapshot()
    assert list(snapshot) == [first.remote_id]
    assert first.remote_id == f"{harness.calendar_url}{block_uid('w48/focus/wed')}.ics"
    event = icalendar.Calendar.from_ical(snapshot[first.remote_id]).walk("VEVENT")[0]
    assert str(event["UID"]) == block_uid("w48/focus/wed")
    assert str(event[TAG]) == "w48/focus/wed"
    assert event[TAG].params["X-KIND"] == "focus"
    assert str(event["TRANSP"]) == "OPAQUE"
    assert str(event["SUMMARY"]) == "Focus"
    assert harness.writer.get("w48/focus/wed") == first
    assert first.start == utc("2026-11-25T08:00Z") and first.end == utc("2026-11-25T10:00Z")


def test_update_moves_the_block_and_bumps_the_etag(harness: CalDAVHarness) -> None:
    created = harness.writer.create(block())
    moved = block(start=utc("2026-11-25T12:00Z"), end=utc("2026-11-25T13:30Z"), show_as="free")
    updated = harness.writer.update(created, moved)
    assert updated.etag != created.etag
    assert harness.writer.get("w48/focus/wed") == updated
    assert (updated.start, updated.end, updated.show_as) == (
        utc("2026-11-25T12:00Z"),
        utc("2026-11-25T13:30Z"),
        "free",
    )
    event = icalendar.Calendar.from_ical(harness.snapshot()[created.remote_id]).walk("VEVENT")[0]
    assert str(event["SEQUENCE"]) == "1"
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_update_with_a_stale_etag_is_a_conflict(harness: CalDAVHarness) -> None:
    created = harness.writer.create(block())
    harness.edit_as_person(created.remote_id, utc("2026-11-25T14:00Z"), utc("2026-11-25T15:00Z"))
    edited = harness.snapshot()
    with pytest.raises(ConflictError, match="changed since we last read it"):
        harness.writer.update(created, block(title="Deep work"))
    assert harness.snapshot() == edited  # the person's edit stands
    now = harness.writer.get("w48/focus/wed")
    assert now is not None and now.start == utc("2026-11-25T14:00Z")


def test_delete_with_a_stale_etag_is_a_conflict_then_works_when_fresh(
    harness: CalDAVHarness,
) -> None:
    created = harness.writer.create(block())
    harness.edit_as_person(created.remote_id, utc("2026-11-25T14:00Z"), utc("2026-11-25T15:00Z"))
    with pytest.raises(ConflictError):
        harness.writer.delete(created)
    assert list(harness.snapshot()) == [created.remote_id]
    fresh = harness.writer.get("w48/focus/wed")
    assert fresh is not None
    harness.writer.delete(fresh)
    assert harness.snapshot() == {}
    assert harness.writer.get("w48/focus/wed") is None
    with pytest.raises(NotFoundError):
        harness.writer.delete(fresh)


def test_list_ours_never_returns_foreign_events(harness: CalDAVHarness) -> None:
    wed = harness.writer.create(block())
    thu = harness.writer.create(
        block(
            "w48/buffer/thu",
            kind="buffer",
            start=utc("2026-11-26T10:00Z"),
            end=utc("2026-11-26T10:15Z"),
        )
    )
    next_week = harness.writer.create(
        block("w49/focus/mon", start=utc("2026-11-30T08:00Z"), end=utc("2026-11-30T10:00Z"))
    )
    # Foreign events, one even called "Focus" at the same time as ours.
    harness.add_foreign_event(utc("2026-11-25T08:00Z"), utc("2026-11-25T10:00Z"), "Focus", 0)
    harness.add_foreign_event(utc("2026-11-24T09:00Z"), utc("2026-11-24T10:00Z"), "1:1", 1)
    listed = harness.writer.list_ours(WEEK_START, WEEK_END)
    assert listed == [wed, thu]  # by start; next week's block lies outside the window
    assert harness.writer.list_ours(WEEK_START, utc("2026-12-07T00:00Z")) == [wed, thu, next_week]
    assert listed[1].kind == "buffer"
    assert len(harness.snapshot()) == 5  # 3 blocks + 2 foreign events


def test_foreign_events_are_refused_never_touched(harness: CalDAVHarness) -> None:
    foreign = harness.add_foreign_event(utc("2026-11-24T09:00Z"), utc("2026-11-24T10:00Z"), "1:1")
    before = harness.snapshot()
    forged = RemoteBlock(
        key="w48/focus/wed",
        remote_id=foreign,
        kind="focus",
        start=utc("2026-11-24T09:00Z"),
        end=utc("2026-11-24T10:00Z"),
        title="1:1",
        show_as="busy",
        etag=None,
    )
    with pytest.raises(BadInputError, match="refusing"):
        harness.writer.update(forged, block())
    with pytest.raises(BadInputError, match="refusing"):
        harness.writer.delete(forged)
    # An untagged event sitting at a block's own URL is not ours either.
    squatter = harness.writer.object_url("w48/focus/thu")
    text = SERIES.replace("series-1", block_uid("w48/focus/thu"))
    put_raw(harness.http, squatter, text)
    before = harness.snapshot()
    assert harness.writer.get("w48/focus/thu") is None
    with pytest.raises(BadInputError, match="not a calendar-slack block"):
        harness.writer.create(block("w48/focus/thu"))
    squatting = RemoteBlock(
        key="w48/focus/thu",
        remote_id=squatter,
        kind="focus",
        start=utc("2026-11-26T08:00Z"),
        end=utc("2026-11-26T10:00Z"),
        title="Focus",
        show_as="busy",
        etag=None,
    )
    with pytest.raises(BadInputError, match="not a calendar-slack block"):
        harness.writer.delete(squatting)
    assert harness.snapshot() == before
    assert harness.writer.list_ours(WEEK_START, WEEK_END) == []


def test_keys_with_awkward_characters_round_trip(harness: CalDAVHarness) -> None:
    key = 'plan 7; "focus", tue: 09:00\\ å'
    created = harness.writer.create(block(key, kind="reflection", title="Reflect; look back, ok"))
    assert harness.writer.get(key) == created
    assert harness.writer.list_ours(WEEK_START, WEEK_END) == [created]
    assert created.kind == "reflection" and created.title == "Reflect; look back, ok"


def test_writer_rejects_bad_blocks(harness: CalDAVHarness) -> None:
    with pytest.raises(BadInputError, match="ends before it starts"):
        harness.writer.create(block(end=utc("2026-11-25T08:00Z")))
    with pytest.raises(BadInputError, match="no time zone"):
        harness.writer.create(block(start=pd.Timestamp("2026-11-25T08:00")))
    assert harness.snapshot() == {}


def test_open_writer_needs_a_calendar(radicale: RadicaleServer) -> None:
    with pytest.raises(BadInputError, match="not a calendar collection"):
        connector.open_writer(radicale.principal_url(USER), env=ENV, policy=policy())


# --- credentials, URLs, errors ----------------------------------------------------------------


def test_wrong_password_is_an_auth_error(calendar_url: str) -> None:
    env = {ENV_USERNAME: USER, ENV_PASSWORD: "wrong"}
    with pytest.raises(AuthError) as caught:
        connector.load(calendar_url, request(), env=env, policy=policy())
    message = str(caught.value)
    assert "HTTP 401" in message and ENV_USERNAME in message and ENV_PASSWORD in message
    assert "wrong" not in message
    with pytest.raises(AuthError, match="HTTP 401"):
        connector.open_writer(calendar_url, env=env, policy=policy())


def test_another_users_calendar_is_forbidden(calendar_url: str) -> None:
    env = {ENV_USERNAME: OTHER_USER, ENV_PASSWORD: OTHER_PASSWORD}
    with pytest.raises(AuthError, match="HTTP 403"):
        connector.load(calendar_url, request(), env=env, policy=policy())


def test_credentials_in_the_url_are_refused(radicale: RadicaleServer) -> None:
    url = radicale.url.replace("http://", f"http://{USER}:{PASSWORD}@") + "alice/"
    with pytest.raises(BadInputError) as caught:
        connector.load(url, request(), env={}, policy=policy())
    message = str(caught.value)
    assert ENV_USERNAME in message and ENV_PASSWORD in message and "environment" in message
    assert PASSWORD not in message  # the URL is shown with its credentials masked
    with pytest.raises(BadInputError, match="credentials"):
        connector.open_writer(url, env={}, policy=policy())


def test_unreachable_server_fails_quickly_and_clearly() -> None:
    port = free_port()  # nothing listens there
    waits = Waits()
    with pytest.raises(ServiceError) as caught:
        connector.load(
            f"http://127.0.0.1:{port}/alice/work/",
            request(),
            env=ENV,
            policy=policy(waits, attempts=2),
            timeout_s=2,
        )
    message = str(caught.value)
    assert "cannot reach the CalDAV server" in message and f"127.0.0.1:{port}" in message
    assert "after 2 attempts" in message
    assert len(waits.seconds) == 1  # two attempts, one wait between them


def test_urls_and_credentials_come_from_env_then_config() -> None:
    settings = CalDAVSettings(url="https://dav.example.com/dav/", username="cfg", password="pw")
    assert caldav_http.resolve_url("", settings, {}) == "https://dav.example.com/dav/"
    assert caldav_http.resolve_url("alice/work", settings, {}) == (
        "https://dav.example.com/dav/alice/work"
    )
    env = {ENV_ENDPOINT: "http://127.0.0.1:9/proxy/"}
    assert caldav_http.resolve_url("alice/", settings, env) == "http://127.0.0.1:9/proxy/alice/"
    assert caldav_http.resolve_url("https://other.example/x/", settings, env) == (
        "https://other.example/x/"
    )
    with pytest.raises(BadInputError, match="needs the URL"):
        caldav_http.resolve_url("", CalDAVSettings(), {})
    with pytest.raises(BadInputError, match="not an http"):
        caldav_http.resolve_url("ftp://dav.example.com/", CalDAVSettings(), {})
    assert caldav_http.credentials(settings, {}) == caldav_http.Credentials("cfg", "pw")
    from_env = caldav_http.credentials(settings, {ENV_USERNAME: "env", ENV_PASSWORD: "pw2"})
    assert (from_env.username, from_env.password) == ("env", "pw2")
    assert "pw2" not in repr(from_env)
    with pytest.raises(BadInputError, match=ENV_PASSWORD):
        caldav_http.credentials(CalDAVSettings(), {ENV_USERNAME: "env"})
    token = caldav_http.credentials(CalDAVSettings(), {ENV_TOKEN: "t0k"})
    connection = caldav_http.Connection("https://dav.example.com/", token)
    assert connection.client.auth is not None
    assert connection.client.auth.password == "t0k"  # sent as "Authorization: Bearer t0k"


def test_person_is_me_else_the_user_name() -> None:
    creds = caldav_http.Credentials("Carol@Example.com", "pw")
    person, reading = connector.person_for(request(me=None), creds, "https://d.example/x/")
    assert person == "carol@example.com" and reading.me == "carol@example.com"
    person, reading = connector.person_for(request(me="Me@Example.com"), creds, "https://d/x/")
    assert person == "me@example.com"
    person, reading = connector.person_for(
        request(me=None), caldav_http.Credentials(), "https://d/dan/c/"
    )
    assert person == "dan" and reading.me is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (410, NotFoundError),
        (409, ConflictError),
        (412, ConflictError),
        (400, BadInputError),
        (429, retry.Retry),
        (500, retry.Retry),
        (503, retry.Retry),
    ],
)
def test_status_classification(status: int, expected: type[BaseException]) -> None:
    verdict = caldav_http.classify_error(
        caldav_http.HTTPStatusError("PUT", "http://127.0.0.1:1/a/b.ics", status, "4")
    )
    assert isinstance(verdict, expected)
    if isinstance(verdict, retry.Retry):
        assert verdict.retry_after_s == 4.0
        assert verdict.rate_limited == (status == 429)


def test_bugs_are_not_swallowed() -> None:
    bug = KeyError("x")
    assert caldav_http.classify_error(bug) is bug


# --- faults: nothing lost, nothing duplicated -------------------------------------------------


def test_429_storm_then_success_honours_retry_after(
    calendar_url: str, proxy: FaultProxy, radicale: RadicaleServer
) -> None:
    fill(calendar_url)
    direct = connector.load(calendar_url, request(), env=ENV, policy=policy())
    proxy.script(*[Fault(429, retry_after="7", methods=frozenset({"REPORT"}))] * 3)
    waits = Waits()
    url = through(proxy, calendar_url, radicale)
    loaded = connector.load(url, request(), env=ENV, policy=policy(waits, attempts=6))
    # Jittered backoff is at most 0.5·2^n ≤ 4 s for the first three waits, below Retry-After 7.
    assert waits.seconds == [7.0, 7.0, 7.0]
    assert [status for method, _, status in proxy.log if method == "REPORT"] == [429, 429, 429, 207]
    assert rows(loaded.events) == rows(direct.events)  # nothing lost, nothing duplicated


def test_rate_limit_that_never_ends_is_reported(
    calendar_url: str, proxy: FaultProxy, radicale: RadicaleServer
) -> None:
    proxy.script(*[Fault(429, retry_after="1", methods=frozenset({"REPORT"}))] * 3)
    waits = Waits()
    with pytest.raises(RateLimitedError, match="after 3 attempts") as caught:
        connector.load(
            through(proxy, calendar_url, radicale), request(), env=ENV, policy=policy(waits, 3)
        )
    assert caught.value.retry_after_s == 1.0
    assert waits.seconds == [1.0, 1.0]


def test_503s_on_create_then_one_block(
    harness: CalDAVHarness,
    proxy: FaultProxy,
    radicale: RadicaleServer,
    closing: contextlib.ExitStack,
) -> None:
    waits = Waits()
    writer = connector.open_writer(
        through(proxy, harness.calendar_url, radicale), env=ENV, policy=policy(waits)
    )
    closing.enter_context(writer)
    proxy.script(
        Fault(503, retry_after="2", methods=frozenset({"PUT"})),
        Fault(503, methods=frozenset({"PUT"})),
    )
    created = writer.create(block())
    assert [status for method, _, status in proxy.log if method == "PUT"] == [503, 503, 201]
    assert len(waits.seconds) == 2 and waits.seconds[0] == 2.0  # Retry-After 2 > jitter ≤ 0.5
    snapshot = harness.snapshot()
    assert list(snapshot) == [harness.writer.object_url("w48/focus/wed")]
    direct = dataclasses.replace(created, remote_id=harness.writer.object_url("w48/focus/wed"))
    assert harness.writer.get("w48/focus/wed") == direct


def test_502_during_read_is_retried(
    calendar_url: str, proxy: FaultProxy, radicale: RadicaleServer
) -> None:
    fill(calendar_url)
    proxy.script(Fault(502, methods=frozenset({"REPORT"})))
    waits = Waits()
    loaded = connector.load(
        through(proxy, calendar_url, radicale), request(), env=ENV, policy=policy(waits)
    )
    assert len(waits.seconds) == 1
    assert len(loaded.events) == 6  # 4 standups + declined + ooo


def forwarded(proxy: FaultProxy, method: str, ok: set[int]) -> Callable[[], None]:
    """A wait hook: block until the proxy has forwarded a `method` that the server accepted."""

    def hook() -> None:
        wait_for(
            lambda: any(m == method and s in ok for m, _, s in proxy.log),
            f"the delayed {method} to reach the server",
        )

    return hook


def test_timeout_on_create_whose_put_landed_returns_the_block(
    harness: CalDAVHarness,
    proxy: FaultProxy,
    radicale: RadicaleServer,
    closing: contextlib.ExitStack,
) -> None:
    # The first PUT is held 1.0 s, longer than the 0.5 s client timeout, then reaches the
    # server anyway. The retry waits until it has, gets 412 (exists) and reads the block back.
    waits = Waits(before=forwarded(proxy, "PUT", {201}))
    url = through(proxy, harness.calendar_url, radicale)
    writer = connector.open_writer(url, env=ENV, policy=policy(waits), timeout_s=0.5)
    closing.enter_context(writer)
    proxy.script(Fault(delay_s=1.0, methods=frozenset({"PUT"})))
    created = writer.create(block())
    assert [status for method, _, status in proxy.log if method == "PUT"] == [201, 412]
    assert len(waits.seconds) == 1
    snapshot = harness.snapshot()
    assert len(snapshot) == 1  # nothing duplicated
    fetched = harness.writer.get("w48/focus/wed")
    assert fetched is not None and created.etag == fetched.etag
    assert (created.start, created.end, created.title) == (fetched.start, fetched.end, "Focus")


def test_timeout_on_update_whose_put_landed_is_success(
    harness: CalDAVHarness,
    proxy: FaultProxy,
    radicale: RadicaleServer,
    closing: contextlib.ExitStack,
) -> None:
    created = harness.writer.create(block())
    waits = Waits(before=forwarded(proxy, "PUT", {200, 201, 204}))
    url = through(proxy, harness.calendar_url, radicale)
    writer = connector.open_writer(url, env=ENV, policy=policy(waits), timeout_s=0.5)
    closing.enter_context(writer)
    remote = writer.get("w48/focus/wed")
    assert remote is not None and remote.etag == created.etag
    proxy.script(Fault(delay_s=1.0, methods=frozenset({"PUT"})))
    moved = block(start=utc("2026-11-25T12:00Z"), end=utc("2026-11-25T14:00Z"))
    updated = writer.update(remote, moved)
    # First PUT landed late (2xx, answer lost); the retry's If-Match no longer matches (412),
    # and the block on the server is exactly what we wanted: success, one object, one change.
    statuses = [status for method, _, status in proxy.log if method == "PUT"]
    assert statuses[1] == 412 and statuses[0] in (200, 201, 204)
    assert (updated.start, updated.end) == (utc("2026-11-25T12:00Z"), utc("2026-11-25T14:00Z"))
    direct = dataclasses.replace(updated, remote_id=harness.writer.object_url("w48/focus/wed"))
    assert harness.writer.get("w48/focus/wed") == direct
    assert len(harness.snapshot()) == 1


def test_timeout_on_delete_whose_delete_landed_is_success(
    harness: CalDAVHarness,
    proxy: FaultProxy,
    radicale: RadicaleServer,
    closing: contextlib.ExitStack,
) -> None:
    harness.writer.create(block())
    waits = Waits(before=forwarded(proxy, "DELETE", {200, 204}))
    url = through(proxy, harness.calendar_url, radicale)
    writer = connector.open_writer(url, env=ENV, policy=policy(waits), timeout_s=0.5)
    closing.enter_context(writer)
    remote = writer.get("w48/focus/wed")
    assert remote is not None
    proxy.script(Fault(delay_s=1.0, methods=frozenset({"DELETE"})))
    writer.delete(remote)
    statuses = [status for method, _, status in proxy.log if method == "DELETE"]
    assert statuses[0] in (200, 204) and statuses[1] in (404, 412)
    assert harness.snapshot() == {}


def test_412_on_update_is_a_conflict_and_changes_nothing(
    harness: CalDAVHarness,
    proxy: FaultProxy,
    radicale: RadicaleServer,
    closing: contextlib.ExitStack,
) -> None:
    created = harness.writer.create(block())
    before = harness.snapshot()
    waits = Waits()
    writer = connector.open_writer(
        through(proxy, harness.calendar_url, radicale), env=ENV, policy=policy(waits)
    )
    closing.enter_context(writer)
    proxy.script(Fault(412, methods=frozenset({"PUT"})))
    with pytest.raises(ConflictError):
        writer.update(created, block(title="Deep work"))
    assert waits.seconds == []  # a conflict is never retried
    assert harness.snapshot() == before


# --- the harness itself (the booking suite relies on it) ---------------------------------------


def test_harness_plays_the_person_and_other_apps(harness: CalDAVHarness) -> None:
    contract: CalendarHarness = harness  # mypy checks the protocols structurally
    writer: BlockWriter = contract.writer
    assert writer is harness.writer
    foreign = harness.add_foreign_event(
        utc("2026-11-24T09:00Z"), utc("2026-11-24T10:00Z"), "1:1", 2
    )
    event = icalendar.Calendar.from_ical(harness.snapshot()[foreign]).walk("VEVENT")[0]
    assert TAG not in event
    assert len(event.get("ATTENDEE")) == 3  # the person + 2 others
    created = harness.writer.create(block())
    harness.edit_as_person(created.remote_id, utc("2026-11-25T14:00Z"), utc("2026-11-25T15:00Z"))
    moved = harness.writer.get("w48/focus/wed")
    assert moved is not None and moved.etag != created.etag
    assert (moved.start, moved.end) == (utc("2026-11-25T14:00Z"), utc("2026-11-25T15:00Z"))
    harness.delete_as_person(created.remote_id)
    assert list(harness.snapshot()) == [foreign]


# --- pure: the tag and UID round trip ------------------------------------------------------------


@functools.cache
def offline_writer() -> CalDAVWriter:
    """A writer whose server is never contacted (only its ICS building is used)."""
    return CalDAVWriter(
        caldav_http.Connection("http://127.0.0.1:1/", caldav_http.Credentials()),
        "http://127.0.0.1:1/alice/work/",
        now=lambda: dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )


# Keys and titles are printable text (newlines included); control characters never occur.
TEXT = st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n")


@settings(max_examples=60, deadline=None)
@given(
    key=st.text(TEXT, min_size=1, max_size=40).filter(lambda k: k.strip() != ""),
    title=st.text(TEXT, max_size=40),
    kind=st.sampled_from(["focus", "buffer", "reflection", "lunch"]),
    show_as=st.sampled_from(["busy", "free"]),
    minutes=st.integers(min_value=5, max_value=600),
)
def test_block_ics_round_trips(key: str, title: str, kind: str, show_as: str, minutes: int) -> None:
    start = utc("2026-11-25T08:00Z")
    wanted = BlockWrite(
        key=key,
        kind=kind,  # type: ignore[arg-type]
        start=start,
        end=start + pd.Timedelta(minutes=minutes),
        title=title,
        show_as=show_as,  # type: ignore[arg-type]
    )
    writer = offline_writer()
    text = writer._ics(wanted, sequence=0)
    stored = caldav_writer._stored(writer.object_url(key), text, '"e1"')
    assert stored is not None and stored.tagged
    back = caldav_writer._remote_block(stored)
    assert matches(back, wanted)  # key, kind, times, title and show-as survive
    assert back.key == key and back.etag == '"e1"'
    assert re.fullmatch(r"calendar-slack-[0-9a-f-]{36}", block_uid(key))
