"""The Google connector against the wire-level fake Calendar v3 server, through the real client.

Why: reading (paged full sync, incremental sync, 410 resync), the field mapping, the tagged-block
writer (idempotent create, etag safety, focusTime fallback, never touching foreign events) and
every fault path must hold against real HTTP, yet no test may leave 127.0.0.1 or really sleep.
Times: the week 2026-W48 (Mon 2026-11-23), calendars in Europe/Stockholm (UTC+1 in November).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_slack.connectors import google
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.google_client import GoogleClient, base_url, credentials
from calendar_slack.connectors.google_sync import MemoryEventCache, sync_key
from calendar_slack.connectors.google_writer import ForeignEventError, event_id_for
from calendar_slack.connectors.remote import BlockWrite, MemorySyncState, RemoteBlock
from calendar_slack.connectors.retry import RetryPolicy
from calendar_slack.errors import (
    AuthError,
    BadInputError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
)
from calendar_slack.prefs import Config, GoogleSettings
from tests.fakes.google_harness import GoogleHarness, discovery_document, google_harness
from tests.fakes.google_server import FakeGoogleCalendar, Fault
from tests.fakes.harness import CalendarHarness

PERSON = "ada@example.com"
TEAM = "team@example.com"
PRIMARY_KEY = sync_key(PERSON, "primary")
TEAM_KEY = sync_key(PERSON, TEAM)
WEEK_START = pd.Timestamp("2026-11-23T00:00:00Z")
WEEK_END = pd.Timestamp("2026-11-30T00:00:00Z")
T9 = pd.Timestamp("2026-11-23T09:00:00Z")
HOUR = pd.Timedelta(hours=1)


# -- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every test: any name lookup or connection other than 127.0.0.1 fails the test."""
    seen: list[str] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        seen.append(host)
        if host != "127.0.0.1":
            raise AssertionError(f"a test tried to reach {address!r}")
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "127.0.0.1":
            raise AssertionError(f"a test tried to look up {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


@pytest.fixture
def server() -> Iterator[FakeGoogleCalendar]:
    with FakeGoogleCalendar(owner=PERSON, time_zone="Europe/Stockholm") as fake:
        fake.add_calendar(TEAM, time_zone="Europe/Stockholm")
        yield fake


def connect(
    server: FakeGoogleCalendar,
    *,
    page_size: int = 250,
    timeout_s: float = 5.0,
    max_attempts: int = 6,
    token: str | None = None,
) -> tuple[GoogleClient, list[float]]:
    """The real client on the fake server; the list records every wait instead of sleeping."""
    waits: list[float] = []
    client = google.open_client(
        endpoint=server.root_url,
        token=token or server.token,
        discovery=discovery_document(),
        policy=RetryPolicy(max_attempts=max_attempts, sleep=waits.append),
        timeout_s=timeout_s,
        page_size=page_size,
    )
    return client, waits


def week(me: str | None = PERSON, **kwargs: Any) -> LoadRequest:
    return LoadRequest(WEEK_START, WEEK_END, me=me, **kwargs)


def timed(event_id: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    """A timed event owned by someone else, no attendees (a 'hold' unless extra says more)."""
    return {
        "id": event_id,
        "summary": f"event {event_id}",
        "start": {"dateTime": start},
        "end": {"dateTime": end},
        "organizer": {"email": "boss@example.com"},
        **extra,
    }


def seed_weekdays(server: FakeGoogleCalendar, calendar: str, prefix: str, count: int) -> None:
    """`count` holds, one a day from Monday 23 Nov, 09:00-10:00 UTC, ids prefix1..prefixN."""
    for day in range(count):
        date = f"2026-11-{23 + day}"
        server.put_event(
            calendar, timed(f"{prefix}{day + 1}", f"{date}T09:00:00Z", f"{date}T10:00:00Z")
        )


def fresh(client: GoogleClient, calendars: tuple[str, ...] = ("primary",)) -> Loaded:
    """A full sync from nothing: the reference an incremental result must equal."""
    return google.load_person(client, week(), calendars=calendars)


def list_calls(server: FakeGoogleCalendar, calendar: str, since: int = 0) -> list[dict[str, Any]]:
    return [
        {"query": r.query, "status": r.status}
        for r in server.requests[since:]
        if r.route == "list" and r.calendar == calendar
    ]


def assert_same(left: Loaded, right: Loaded) -> None:
    pd.testing.assert_frame_equal(left.events, right.events)
    assert left.dropped == right.dropped
    assert left.zones == right.zones


class RecordingState(MemorySyncState):
    """A SyncState that remembers every put, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.puts: list[tuple[str, str | None]] = []

    def put(self, key: str, value: str | None) -> None:
        self.puts.append((key, value))
        super().put(key, value)


def block(key: str, start: pd.Timestamp, hours: int = 2, **kwargs: Any) -> BlockWrite:
    return BlockWrite(
        key, kwargs.pop("kind", "focus"), start, start + hours * HOUR, "Focus", **kwargs
    )


# -- reading: full, incremental, 410 ---------------------------------------------------------


def test_full_sync_reads_three_pages_and_saves_after_every_page(
    server: FakeGoogleCalendar,
) -> None:
    seed_weekdays(server, PERSON, "e", 5)
    client, _ = connect(server, page_size=2)
    state = RecordingState()
    loaded = google.load_person(client, week(), state=state, cache=MemoryEventCache())
    # 5 events, 2 per page -> pages of 2, 2, 1.
    calls = list_calls(server, "primary")
    assert len(calls) == 3
    assert "pageToken" not in calls[0]["query"] and calls[0]["query"]["timeMin"] == [
        "2026-11-23T00:00:00Z"
    ]
    assert all("pageToken" in c["query"] for c in calls[1:])
    page_puts = [v for k, v in state.puts if k == PRIMARY_KEY + ":page" and v is not None]
    assert len(page_puts) == 2  # saved after page 1 and page 2; page 3 ends with the token
    assert state.get(PRIMARY_KEY) is not None
    assert state.get(PRIMARY_KEY + ":page") is None
    assert state.get(PRIMARY_KEY + ":window") == "2026-11-23T00:00:00Z/2026-11-30T00:00:00Z"
    events = loaded.events
    assert list(events["event_id"]) == ["e1", "e2", "e3", "e4", "e5"]
    assert set(events["kind"]) == {"hold"}
    assert list(events["start"]) == [
        pd.Timestamp(f"2026-11-{d}T09:00:00Z") for d in (23, 24, 25, 26, 27)
    ]
    assert loaded.zones == {PERSON: "Europe/Stockholm"}  # the calendar's zone, as a hint


def test_incremental_sync_applies_update_delete_and_new_event(server: FakeGoogleCalendar) -> None:
    seed_weekdays(server, PERSON, "e", 5)
    client, _ = connect(server, page_size=2)
    state, cache = MemorySyncState(), MemoryEventCache()
    google.load_person(client, week(), state=state, cache=cache)
    server.edit_event(
        PERSON,
        "e2",
        {
            "start": {"dateTime": "2026-11-24T13:00:00Z"},
            "end": {"dateTime": "2026-11-24T14:00:00Z"},
        },
    )
    server.delete_event(PERSON, "e3")
    server.put_event(
        PERSON,
        timed(
            "e6",
            "2026-11-25T15:00:00Z",
            "2026-11-25T16:00:00Z",
            attendees=[
                {"email": PERSON, "self": True, "responseStatus": "accepted"},
                {"email": "b@x.org"},
            ],
        ),
    )
    mark = len(server.requests)
    after = google.load_person(client, week(), state=state, cache=cache)
    calls = list_calls(server, "primary", mark)
    # 3 changes (e2, e3, e6), 2 per page -> 2 incremental pages, none with a time window.
    assert len(calls) == 2
    assert all("syncToken" in c["query"] and "timeMin" not in c["query"] for c in calls)
    events = after.events.set_index("event_id")
    assert list(events.index) == ["e1", "e2", "e6", "e4", "e5"]  # Mon, Tue 13:00, Wed, Thu, Fri
    assert events.loc["e2", "start"] == pd.Timestamp("2026-11-24T13:00:00Z")
    assert events.loc["e6", "kind"] == "meeting" and events.loc["e6", "attendees"] == 1
    assert after.dropped["cancelled"] == 1  # e3, deleted on Wednesday
    other, _ = connect(server)
    assert_same(after, fresh(other))


def test_410_in_the_middle_of_a_paged_sync_resyncs_that_calendar_only(
    server: FakeGoogleCalendar,
) -> None:
    seed_weekdays(server, PERSON, "p", 5)
    seed_weekdays(server, TEAM, "t", 3)
    client, _ = connect(server, page_size=2)
    calendars = ("primary", TEAM)

    class InvalidateBetweenPages(MemorySyncState):
        armed = False

        def put(self, key: str, value: str | None) -> None:
            super().put(key, value)
            if self.armed and key == PRIMARY_KEY + ":page" and value is not None:
                self.armed = False
                server.invalidate_sync_tokens(PERSON)  # the token dies between page 1 and 2

    state, cache = InvalidateBetweenPages(), MemoryEventCache()
    google.load_person(client, week(), calendars=calendars, state=state, cache=cache)
    team_token, primary_token = state.get(TEAM_KEY), state.get(PRIMARY_KEY)
    for event_id, day in (("p1", 23), ("p2", 24), ("p4", 26)):
        server.edit_event(PERSON, event_id, {"summary": f"moved {day}"})
    state.armed = True
    mark = len(server.requests)
    after = google.load_person(client, week(), calendars=calendars, state=state, cache=cache)
    primary = list_calls(server, "primary", mark)
    # incremental page 1 (2 of 3 changes), page 2 -> 410; then a full sync: 5 events = 3 pages.
    assert [c["status"] for c in primary] == [200, 410, 200, 200, 200]
    assert all("syncToken" in c["query"] for c in primary[:2])
    assert all("timeMin" in c["query"] and "syncToken" not in c["query"] for c in primary[2:])
    team = list_calls(server, TEAM, mark)
    assert len(team) == 1 and "syncToken" in team[0]["query"]
    assert state.get(TEAM_KEY) == team_token  # untouched
    assert state.get(PRIMARY_KEY) not in (None, primary_token)
    other, _ = connect(server)
    reference = fresh(other, calendars)
    assert_same(after, reference)
    assert len(after.events) == 8  # 5 + 3: nothing lost, nothing twice
    titles = after.events.set_index("event_id")["title"]
    assert titles["p4"] == "moved 26"


def test_a_sync_interrupted_after_a_page_resumes_from_the_saved_page(
    server: FakeGoogleCalendar,
) -> None:
    seed_weekdays(server, PERSON, "e", 5)
    client, _ = connect(server, page_size=2)

    class CrashAfterFirstPage(MemorySyncState):
        def put(self, key: str, value: str | None) -> None:
            super().put(key, value)
            if key.endswith(":page") and value is not None:
                raise KeyboardInterrupt("killed after saving page 1")

    crashing, cache = CrashAfterFirstPage(), MemoryEventCache()
    with pytest.raises(KeyboardInterrupt):
        google.load_person(client, week(), state=crashing, cache=cache)
    state = MemorySyncState()
    state.values = dict(crashing.values)  # what store.py would have persisted
    mark = len(server.requests)
    resumed = google.load_person(client, week(), state=state, cache=cache)
    calls = list_calls(server, "primary", mark)
    assert len(calls) == 2 and all("pageToken" in c["query"] for c in calls)  # pages 2 and 3
    assert_same(resumed, fresh(client))


def test_a_window_outside_the_synced_one_starts_a_full_sync(server: FakeGoogleCalendar) -> None:
    server.put_event(PERSON, timed("next", "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z"))
    client, _ = connect(server)
    state, cache = MemorySyncState(), MemoryEventCache()
    first = google.load_person(client, week(), state=state, cache=cache)
    assert len(first.events) == 0
    mark = len(server.requests)
    later = LoadRequest(
        pd.Timestamp("2026-11-30T00:00:00Z"), pd.Timestamp("2026-12-07T00:00:00Z"), me=PERSON
    )
    second = google.load_person(client, later, state=state, cache=cache)
    calls = list_calls(server, "primary", mark)
    assert len(calls) == 1 and calls[0]["query"]["timeMin"] == ["2026-11-30T00:00:00Z"]
    assert list(second.events["event_id"]) == ["next"]


def test_a_narrower_window_reuses_the_cache_incrementally(server: FakeGoogleCalendar) -> None:
    seed_weekdays(server, PERSON, "e", 5)
    client, _ = connect(server)
    state, cache = MemorySyncState(), MemoryEventCache()
    google.load_person(client, week(), state=state, cache=cache)
    mark = len(server.requests)
    # Tue 00:00 to Thu 00:00 UTC holds e2 (Tue) and e3 (Wed) only.
    tue_wed = LoadRequest(
        pd.Timestamp("2026-11-24T00:00:00Z"), pd.Timestamp("2026-11-26T00:00:00Z"), me=PERSON
    )
    loaded = google.load_person(client, tue_wed, state=state, cache=cache)
    calls = list_calls(server, "primary", mark)
    assert len(calls) == 1 and "syncToken" in calls[0]["query"]
    assert list(loaded.events["event_id"]) == ["e2", "e3"]


OPS = st.lists(
    st.tuples(st.sampled_from(["move", "delete", "add", "decline"]), st.integers(0, 9)),
    max_size=6,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=OPS, second=OPS)
def test_incremental_always_equals_a_fresh_full_sync(
    first: list[tuple[str, int]], second: list[tuple[str, int]]
) -> None:
    with FakeGoogleCalendar(owner=PERSON) as fake:
        seed_weekdays(fake, PERSON, "e", 4)
        client, _ = connect(fake, page_size=3)
        state, cache = MemorySyncState(), MemoryEventCache()
        google.load_person(client, week(), state=state, cache=cache)
        for batch in (first, second):
            for number, (op, n) in enumerate(batch):
                _apply_op(fake, op, n, number)
            incremental = google.load_person(client, week(), state=state, cache=cache)
        assert_same(incremental, fresh(client))


def _apply_op(fake: FakeGoogleCalendar, op: str, n: int, number: int) -> None:
    live = sorted(fake.live_events(PERSON))
    if op == "add" or not live:
        day, hour = 23 + n % 7, 8 + n
        fake.put_event(
            PERSON,
            timed(
                f"n{n}x{number}x{len(fake.events(PERSON))}",
                f"2026-11-{day}T{hour:02d}:00:00Z",
                f"2026-11-{day}T{hour + 1:02d}:30:00Z",
            ),
        )
    elif op == "move":  # out of the week for odd n (Wed 9 Dec), else to Sat 28 Nov 10:00
        date = "2026-12-09" if n % 2 else "2026-11-28"
        fake.edit_event(
            PERSON,
            live[n % len(live)],
            {"start": {"dateTime": f"{date}T10:00:00Z"}, "end": {"dateTime": f"{date}T11:00:00Z"}},
        )
    elif op == "delete":
        fake.delete_event(PERSON, live[n % len(live)])
    else:
        fake.edit_event(
            PERSON,
            live[n % len(live)],
            {"attendees": [{"email": PERSON, "self": True, "responseStatus": "declined"}]},
        )


# -- mapping ---------------------------------------------------------------------------------


def _me(status: str) -> dict[str, Any]:
    return {"email": PERSON, "self": True, "responseStatus": status}


SELF_ORGANIZER = {"email": PERSON, "self": True}
TUE = "2026-11-24"


def mapping_events() -> list[dict[str, Any]]:
    bob = {"email": "bob@example.com", "responseStatus": "accepted"}
    carol = {"email": "carol@example.com", "responseStatus": "needsAction"}
    room = {"email": "room-1@resource.example.com", "resource": True, "responseStatus": "accepted"}
    tag = {"calendarSlack": "1", "calendarSlackKey": "k-ours", "calendarSlackKind": "focus"}
    return [
        timed(
            "ooo",
            f"{TUE}T08:00:00Z",
            f"{TUE}T16:00:00Z",
            eventType="outOfOffice",
            organizer=SELF_ORGANIZER,
        ),
        timed(
            "focus",
            f"{TUE}T08:00:00Z",
            f"{TUE}T10:00:00Z",
            eventType="focusTime",
            organizer=SELF_ORGANIZER,
        ),
        timed(
            "tent",
            f"{TUE}T10:00:00Z",
            f"{TUE}T11:00:00Z",
            attendees=[_me("tentative"), bob, carol, room],
        ),
        timed("needs", f"{TUE}T11:00:00Z", f"{TUE}T12:00:00Z", attendees=[_me("needsAction"), bob]),
        timed("decl", f"{TUE}T12:00:00Z", f"{TUE}T13:00:00Z", attendees=[_me("declined"), bob]),
        timed(
            "org",
            f"{TUE}T13:00:00Z",
            f"{TUE}T14:00:00Z",
            organizer=SELF_ORGANIZER,
            attendees=[{**_me("accepted"), "organizer": True}, bob],
        ),
        timed("transp", f"{TUE}T14:00:00Z", f"{TUE}T15:00:00Z", transparency="transparent"),
        {
            "id": "allday",
            "summary": "Team day",
            "start": {"date": "2026-11-25"},
            "end": {"date": "2026-11-26"},
            "organizer": SELF_ORGANIZER,
        },
        timed("cancel", f"{TUE}T15:00:00Z", f"{TUE}T16:00:00Z", status="cancelled"),
        timed(
            "ours",
            f"{TUE}T16:00:00Z",
            f"{TUE}T17:00:00Z",
            organizer=SELF_ORGANIZER,
            extendedProperties={"private": tag},
        ),
        timed(
            "inst",
            "2026-11-26T10:00:00+01:00",
            "2026-11-26T10:30:00+01:00",
            recurringEventId="series1",
        ),
        timed("wl", f"{TUE}T07:00:00Z", f"{TUE}T17:00:00Z", eventType="workingLocation"),
        timed("outside", "2026-12-03T09:00:00Z", "2026-12-03T10:00:00Z"),
    ]


def test_mapping_of_every_field(server: FakeGoogleCalendar) -> None:
    for event in mapping_events():
        server.put_event(PERSON, event)
    client, _ = connect(server)
    loaded = google.load_person(client, week())
    rows = loaded.events.set_index("event_id")
    expected = {  # id: (kind, response, attendees)
        "ooo": ("ooo", "organizer", 0),
        "focus": ("focus", "organizer", 0),
        "tent": ("meeting", "tentative", 2),  # bob + carol; me and the room do not count
        "needs": ("meeting", "needs_action", 1),
        "decl": ("free", "declined", 1),
        "org": ("meeting", "organizer", 1),
        "transp": ("free", "none", 0),
        "allday": ("free", "organizer", 0),  # all-day, not OOO, all_day_busy off
        "ours": ("focus", "organizer", 0),
        "inst": ("hold", "none", 0),
        "wl": ("free", "none", 0),  # working location never blocks time
    }
    assert set(rows.index) == set(expected)  # cancelled dropped, December outside the window
    for event_id, (kind, response, attendees) in expected.items():
        assert (
            rows.loc[event_id, "kind"],
            rows.loc[event_id, "response"],
            rows.loc[event_id, "attendees"],
        ) == (kind, response, attendees), event_id
    assert loaded.dropped["cancelled"] == 1
    assert bool(rows.loc["ours", "ours"]) and not rows.drop(index="ours")["ours"].any()
    # All-day 25 Nov in Stockholm (UTC+1): 24 Nov 23:00 UTC to 25 Nov 23:00 UTC, end exclusive.
    assert rows.loc["allday", "start"] == pd.Timestamp("2026-11-24T23:00:00Z")
    assert rows.loc["allday", "end"] == pd.Timestamp("2026-11-25T23:00:00Z")
    assert bool(rows.loc["allday", "all_day"]) and not rows.drop(index="allday")["all_day"].any()
    # 10:00+01:00 is 09:00 UTC.
    assert rows.loc["inst", "start"] == pd.Timestamp("2026-11-26T09:00:00Z")
    assert rows.loc["inst", "end"] == pd.Timestamp("2026-11-26T09:30:00Z")
    assert rows.loc["inst", "series_id"] == "series1"
    assert rows["series_id"].isna()["tent"]
    assert rows.loc["tent", "title"] == "event tent"
    assert rows.loc["tent", "etag"] == server.events(PERSON)["tent"]["etag"]
    assert set(loaded.events["source"]) == {"google"} and set(loaded.events["calendar"]) == {
        "primary"
    }
    assert set(loaded.events["person"]) == {PERSON}


def test_all_day_events_span_the_persons_own_zone(server: FakeGoogleCalendar) -> None:
    server.put_event(PERSON, mapping_events()[7])
    client, _ = connect(server)
    loaded = google.load_person(client, week(tz_override="America/New_York"))
    row = loaded.events.iloc[0]
    # 25 Nov in New York (UTC-5): 05:00 UTC to 26 Nov 05:00 UTC.
    assert (row["start"], row["end"]) == (
        pd.Timestamp("2026-11-25T05:00:00Z"),
        pd.Timestamp("2026-11-26T05:00:00Z"),
    )
    assert loaded.zones == {PERSON: "America/New_York"}


def test_redact_drops_titles_after_classifying_by_them(server: FakeGoogleCalendar) -> None:
    server.put_event(
        PERSON, {**timed("v", f"{TUE}T09:00:00Z", f"{TUE}T10:00:00Z"), "summary": "Vacation"}
    )
    client, _ = connect(server)
    loaded = google.load_person(client, week(redact=True))
    assert loaded.events["title"].isna().all()
    assert list(loaded.events["kind"]) == ["ooo"]  # the title pattern still decided the kind


def test_the_person_defaults_to_the_primary_calendars_owner(server: FakeGoogleCalendar) -> None:
    seed_weekdays(server, PERSON, "e", 1)
    client, _ = connect(server)
    assert set(google.load_person(client, week(me=None)).events["person"]) == {PERSON}
    assert set(google.load_person(client, week(me=" Ada@Example.COM ")).events["person"]) == {
        PERSON
    }


def test_load_entry_point_reads_env_and_several_calendars(
    server: FakeGoogleCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_weekdays(server, PERSON, "p", 2)
    seed_weekdays(server, TEAM, "t", 1)
    monkeypatch.setenv("CALENDAR_SLACK_GOOGLE_ENDPOINT", server.root_url)
    monkeypatch.setenv("CALENDAR_SLACK_GOOGLE_TOKEN", server.token)
    loaded = google.load(f"primary, {TEAM}", week())
    assert sorted(zip(loaded.events["calendar"], loaded.events["event_id"], strict=True)) == [
        ("primary", "p1"),
        ("primary", "p2"),
        (TEAM, "t1"),
    ]


def test_calendars_come_from_the_argument_else_the_settings() -> None:
    settings_ = GoogleSettings(calendars=("primary", "x@example.com"))
    assert google.calendars_for("", settings_) == ("primary", "x@example.com")
    assert google.calendars_for("a@b.c, a@b.c,d@e.f", settings_) == ("a@b.c", "d@e.f")
    with pytest.raises(BadInputError, match="names no calendar"):
        google.calendars_for(" , ", GoogleSettings(calendars=()))


# -- writing ---------------------------------------------------------------------------------


@pytest.fixture
def harness() -> Iterator[GoogleHarness]:
    with google_harness(person=PERSON) as h:
        yield h


def inserts(h: GoogleHarness) -> list[int]:
    return [r.status for r in h.server.routes("insert")]


def test_harness_satisfies_the_booking_protocol(harness: GoogleHarness) -> None:
    generic: CalendarHarness = harness
    foreign = generic.add_foreign_event(T9, T9 + HOUR, "1:1", attendees=2)
    ours = generic.writer.create(block("k1", T9 + 2 * HOUR))
    generic.edit_as_person(ours.remote_id, T9 + 3 * HOUR, T9 + 5 * HOUR)
    snap = generic.snapshot()
    assert set(snap) == {foreign, ours.remote_id}
    assert snap[ours.remote_id]["start"] == {"dateTime": "2026-11-23T12:00:00Z"}  # 09:00 + 3 h
    assert snap[ours.remote_id]["etag"] != ours.etag
    assert len(snap[foreign]["attendees"]) == 3  # the person and two guests
    generic.delete_as_person(ours.remote_id)
    assert generic.writer.get("k1") is None


def test_create_writes_a_tagged_block_with_a_deterministic_id(harness: GoogleHarness) -> None:
    made = harness.writer.create(
        block("plan-1/focus/mon", T9, description="Deep work", show_as="free", kind="buffer")
    )
    event = harness.snapshot()[made.remote_id]
    assert made.remote_id == event_id_for("plan-1/focus/mon")
    assert event["extendedProperties"]["private"] == {
        "calendarSlack": "1",
        "calendarSlackKey": "plan-1/focus/mon",
        "calendarSlackKind": "buffer",
    }
    assert event["transparency"] == "transparent" and made.show_as == "free"
    assert event["eventType"] == "default"  # only focus blocks become focusTime
    assert (event["start"], event["end"]) == (
        {"dateTime": "2026-11-23T09:00:00Z"},
        {"dateTime": "2026-11-23T11:00:00Z"},
    )
    assert (made.key, made.kind, made.start, made.end, made.title) == (
        "plan-1/focus/mon",
        "buffer",
        T9,
        T9 + 2 * HOUR,
        "Focus",
    )


def test_create_is_idempotent(harness: GoogleHarness) -> None:
    first = harness.writer.create(block("k1", T9))
    second = harness.writer.create(block("k1", T9))
    assert second == first
    assert len(harness.server.live_events(PERSON)) == 1
    assert inserts(harness) == [200, 409]  # the second insert found the id taken


def test_focus_blocks_use_focus_time_where_allowed(harness: GoogleHarness) -> None:
    made = harness.writer.create(block("k1", T9))
    assert harness.snapshot()[made.remote_id]["eventType"] == "focusTime"
    loaded = google.load_person(harness.client, week())
    row = loaded.events.iloc[0]
    assert (row["kind"], bool(row["ours"])) == ("focus", True)


def test_focus_time_refused_falls_back_to_a_tagged_busy_event_and_is_remembered() -> None:
    with google_harness(person=PERSON, focus_time_allowed=False) as h:
        first = h.writer.create(block("k1", T9))
        second = h.writer.create(block("k2", T9 + 3 * HOUR))
        snap = h.snapshot()
        assert [snap[b.remote_id]["eventType"] for b in (first, second)] == ["default", "default"]
        assert all(snap[b.remote_id]["transparency"] == "opaque" for b in (first, second))
        assert snap[first.remote_id]["extendedProperties"]["private"]["calendarSlack"] == "1"
        # k1: focusTime 400, then plain 200; k2: plain at once (the refusal was remembered).
        assert inserts(h) == [400, 200, 200]
        state = h.state
        assert state.get(f"google:{PERSON}:primary:focus_time") == "0"
        again = google.open_writer(h.client, "primary", person=PERSON, state=state)
        again.create(block("k3", T9 + 6 * HOUR))
        assert inserts(h) == [400, 200, 200, 200]  # a new writer reads the remembered refusal


def test_focus_time_only_on_the_primary_calendar() -> None:
    with google_harness(person=PERSON, calendar=TEAM) as h:
        made = h.writer.create(block("k1", T9))
        assert h.snapshot()[made.remote_id]["eventType"] == "default"
        assert inserts(h) == [200]


def test_update_changes_our_block_and_its_etag(harness: GoogleHarness) -> None:
    made = harness.writer.create(block("k1", T9))
    moved = harness.writer.update(made, block("k1", T9 + HOUR, hours=1))
    assert (moved.start, moved.end) == (T9 + HOUR, T9 + 2 * HOUR)  # 10:00-11:00, 1 h long
    assert moved.etag != made.etag and moved.remote_id == made.remote_id
    assert harness.server.routes("patch")[0].if_match == made.etag
    assert harness.writer.get("k1") == moved


def test_update_with_a_stale_etag_is_a_conflict(harness: GoogleHarness) -> None:
    made = harness.writer.create(block("k1", T9))
    harness.edit_as_person(made.remote_id, T9 + 4 * HOUR, T9 + 5 * HOUR)
    with pytest.raises(ConflictError, match="changed"):
        harness.writer.update(made, block("k1", T9 + HOUR))
    event = harness.snapshot()[made.remote_id]
    assert event["start"] == {"dateTime": "2026-11-23T13:00:00Z"}  # the person's 09:00+4 h stays
    assert harness.server.routes("patch") == []


def test_a_412_from_google_is_a_conflict_and_changes_nothing(harness: GoogleHarness) -> None:
    made = harness.writer.create(block("k1", T9))
    harness.server.fail("patch", 412, reason="conditionNotMet")
    with pytest.raises(ConflictError, match="412"):
        harness.writer.update(made, block("k1", T9 + HOUR))
    assert harness.snapshot()[made.remote_id]["etag"] == made.etag
    assert harness.waits == []  # a conflict is never retried


def test_delete_sends_the_etag_and_a_second_delete_finds_nothing(harness: GoogleHarness) -> None:
    made = harness.writer.create(block("k1", T9))
    harness.writer.delete(made)
    assert harness.snapshot()[made.remote_id]["status"] == "cancelled"
    assert harness.server.routes("delete")[0].if_match == made.etag
    assert harness.writer.get("k1") is None
    with pytest.raises(NotFoundError):
        harness.writer.delete(made)


def test_delete_after_the_person_edited_is_a_conflict(harness: GoogleHarness) -> None:
    made = harness.writer.create(block("k1", T9))
    harness.edit_as_person(made.remote_id, T9, T9 + 3 * HOUR)
    with pytest.raises(ConflictError):
        harness.writer.delete(made)
    assert harness.snapshot()[made.remote_id]["status"] == "confirmed"


def test_a_410_on_delete_means_already_gone(harness: GoogleHarness) -> None:
    made = harness.writer.create(block("k1", T9))
    harness.server.fail("delete", 410, reason="deleted")
    with pytest.raises(NotFoundError):
        harness.writer.delete(made)


def test_foreign_events_are_never_changed_or_deleted(harness: GoogleHarness) -> None:
    foreign = harness.add_foreign_event(T9, T9 + HOUR, "Board meeting", attendees=3)
    before = harness.snapshot()
    event = before[foreign]
    pretend = RemoteBlock(
        "k1", foreign, "focus", T9, T9 + HOUR, "Board meeting", "busy", event["etag"]
    )
    with pytest.raises(ForeignEventError, match="does not carry the calendar-slack tag"):
        harness.writer.update(pretend, block("k1", T9 + HOUR))
    with pytest.raises(ForeignEventError):
        harness.writer.delete(pretend)
    assert harness.snapshot() == before
    assert harness.server.routes("patch") == [] and harness.server.routes("delete") == []
    assert harness.writer.list_ours(WEEK_START, WEEK_END) == []


def test_list_ours_pages_filters_by_tag_and_window() -> None:
    with google_harness(person=PERSON) as h:
        h.writer.create(block("late", T9 + 24 * HOUR))
        h.writer.create(block("early", T9))
        gone = h.writer.create(block("gone", T9 + 48 * HOUR))
        h.delete_as_person(gone.remote_id)
        h.writer.create(block("december", pd.Timestamp("2026-12-07T09:00:00Z")))
        h.add_foreign_event(T9, T9 + HOUR, "1:1")
        small = google.open_writer(
            google.open_client(
                endpoint=h.server.root_url,
                token=h.server.token,
                discovery=discovery_document(),
                page_size=1,
            ),
            "primary",
        )
        listed = small.list_ours(WEEK_START, WEEK_END)
        assert [b.key for b in listed] == ["early", "late"]
        calls = h.server.routes("list")
        assert calls[-1].query["privateExtendedProperty"] == ["calendarSlack=1"]
        assert len(calls) == 3  # page size 1: early, late, then an empty last page


def test_create_restores_a_block_the_person_deleted(harness: GoogleHarness) -> None:
    made = harness.writer.create(block("k1", T9))
    harness.delete_as_person(made.remote_id)
    again = harness.writer.create(block("k1", T9))
    assert again.remote_id == made.remote_id
    assert harness.snapshot()[made.remote_id]["status"] == "confirmed"
    assert len(harness.snapshot()) == 1


def test_a_block_must_have_aware_times_in_order(harness: GoogleHarness) -> None:
    with pytest.raises(BadInputError, match="ends before it starts"):
        harness.writer.create(BlockWrite("k", "focus", T9, T9 - HOUR, "x"))
    with pytest.raises(BadInputError, match="no time zone"):
        harness.writer.create(BlockWrite("k", "focus", pd.Timestamp("2026-11-23T09:00"), T9, "x"))
    assert harness.server.routes("insert") == []


# -- faults: nothing lost, nothing duplicated ----------------------------------------------


def test_a_429_storm_honours_retry_after_then_reads_everything(server: FakeGoogleCalendar) -> None:
    seed_weekdays(server, PERSON, "e", 5)
    client, waits = connect(server, page_size=2)
    server.script(
        "list",
        Fault(),
        Fault(429, retry_after="7"),
        Fault(429, retry_after="7"),
        Fault(429, retry_after="7"),
    )
    loaded = google.load_person(client, week())
    assert len(waits) == 3 and all(7.0 <= w <= 30.0 for w in waits)  # never sooner than told
    assert list(loaded.events["event_id"]) == ["e1", "e2", "e3", "e4", "e5"]


def test_a_429_storm_on_create_still_makes_exactly_one_block(harness: GoogleHarness) -> None:
    harness.server.fail("insert", 429, retry_after="3", times=4)
    made = harness.writer.create(block("k1", T9))
    assert len(harness.waits) == 4 and all(w >= 3.0 for w in harness.waits)
    assert list(harness.server.live_events(PERSON)) == [made.remote_id]


def test_endless_429s_end_in_rate_limited_error(server: FakeGoogleCalendar) -> None:
    client, waits = connect(server, max_attempts=3)
    server.fail("list", 429, retry_after="11", times=3)
    with pytest.raises(RateLimitedError) as caught:
        google.load_person(client, week())
    assert caught.value.retry_after_s == 11.0
    assert len(waits) == 2  # 3 attempts, 2 waits between them


def test_503s_are_retried_without_duplicates(harness: GoogleHarness) -> None:
    harness.server.fail("insert", 503, times=2)
    made = harness.writer.create(block("k1", T9))
    harness.server.fail("patch", 503, times=2)
    moved = harness.writer.update(made, block("k1", T9 + HOUR))
    assert len(harness.waits) == 4
    assert list(harness.server.live_events(PERSON)) == [made.remote_id]
    assert harness.snapshot()[made.remote_id]["etag"] == moved.etag


def test_endless_503s_end_in_service_error(server: FakeGoogleCalendar) -> None:
    client, waits = connect(server, max_attempts=4)
    server.fail("list", 503, times=4)
    with pytest.raises(ServiceError, match="after 4 attempts"):
        google.load_person(client, week())
    assert len(waits) == 3


def test_a_timeout_on_list_is_retried(server: FakeGoogleCalendar) -> None:
    seed_weekdays(server, PERSON, "e", 2)
    client, waits = connect(server, timeout_s=0.5)
    server.slow("list", 1.2)
    loaded = google.load_person(client, week())
    assert len(waits) == 1
    assert list(loaded.events["event_id"]) == ["e1", "e2"]


def test_a_timeout_after_google_stored_the_insert_does_not_duplicate() -> None:
    with google_harness(person=PERSON, timeout_s=0.5) as h:
        h.server.slow("insert", 1.2)  # stored, but the answer comes after the client gave up
        made = h.writer.create(block("k1", T9))
        assert list(h.server.live_events(PERSON)) == [made.remote_id]
        assert inserts(h) == [200, 409] and len(h.waits) == 1


def test_a_rate_limit_403_is_retried_but_a_forbidden_403_is_not(server: FakeGoogleCalendar) -> None:
    seed_weekdays(server, PERSON, "e", 1)
    client, waits = connect(server)
    server.fail("list", 403, reason="userRateLimitExceeded", retry_after="2")
    assert len(google.load_person(client, week()).events) == 1
    assert len(waits) == 1 and waits[0] >= 2.0
    server.fail("list", 403, reason="forbidden", message="The caller does not have permission")
    with pytest.raises(AuthError, match="403"):
        google.load_person(client, week())
    assert len(waits) == 1  # no retry for a real refusal


def test_a_401_is_an_auth_error_with_a_clear_message(server: FakeGoogleCalendar) -> None:
    client, waits = connect(server, token="expired-token")
    with pytest.raises(AuthError) as caught:
        google.load_person(client, week())
    message = str(caught.value)
    assert (
        "401" in message and "CALENDAR_SLACK_GOOGLE_TOKEN" in message and "sign in again" in message
    )
    assert waits == []
    assert [r.status for r in server.requests] == [401]


def test_an_unknown_calendar_is_not_found(server: FakeGoogleCalendar) -> None:
    client, _ = connect(server)
    with pytest.raises(NotFoundError, match=r"nope@example\.com"):
        google.load_person(client, week(), calendars=("nope@example.com",))


def test_another_4xx_fails_at_once_as_bad_input(server: FakeGoogleCalendar) -> None:
    client, waits = connect(server)
    server.fail("list", 400, reason="badRequest", message="Bad Request")
    with pytest.raises(BadInputError, match="400"):
        google.load_person(client, week())
    assert waits == []


# -- small pure parts and the fake itself -------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_event_ids_are_valid_google_ids_and_deterministic(key: str) -> None:
    event_id = event_id_for(key)
    assert re.fullmatch(r"[a-v0-9]{5,1024}", event_id)
    assert len(event_id) == 54  # "cs" + 52 base32hex characters of a 256-bit digest
    assert event_id_for(key) == event_id
    assert event_id_for(key + "x") != event_id


def test_scopes_are_least_privilege() -> None:
    assert google.scopes_for(False) == ["https://www.googleapis.com/auth/calendar.events.readonly"]
    assert google.scopes_for(True) == [
        "https://www.googleapis.com/auth/calendar.events.readonly",
        "https://www.googleapis.com/auth/calendar.events.owned",
    ]


def test_login_needs_a_client_secrets_file(tmp_path: Any) -> None:
    with pytest.raises(BadInputError, match="client secrets"):
        google.login_google(tmp_path / "missing.json")


def test_endpoint_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALENDAR_SLACK_GOOGLE_ENDPOINT", raising=False)
    assert base_url() == "https://www.googleapis.com/calendar/v3/"
    assert base_url("http://127.0.0.1:9/") == "http://127.0.0.1:9/calendar/v3/"
    assert base_url("http://proxy:8080/calendar/v3") == "http://proxy:8080/calendar/v3/"
    monkeypatch.setenv("CALENDAR_SLACK_GOOGLE_ENDPOINT", "http://127.0.0.1:7/x")
    assert base_url() == "http://127.0.0.1:7/x/calendar/v3/"
    with pytest.raises(BadInputError, match="http"):
        base_url("ftp://nowhere")


def test_no_credentials_is_an_auth_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALENDAR_SLACK_GOOGLE_TOKEN", raising=False)
    with pytest.raises(AuthError, match="CALENDAR_SLACK_GOOGLE_TOKEN"):
        credentials()
    with pytest.raises(AuthError, match="cannot be read"):
        credentials(credentials_json="{not json")
    assert credentials(token=" abc ").token == "abc"


def test_fake_freebusy_merges_busy_time(server: FakeGoogleCalendar) -> None:
    server.put_event(PERSON, timed("a", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z"))
    server.put_event(PERSON, timed("b", "2026-11-23T09:30:00Z", "2026-11-23T11:00:00Z"))
    server.put_event(
        PERSON,
        timed("c", "2026-11-23T12:00:00Z", "2026-11-23T13:00:00Z", transparency="transparent"),
    )
    client, _ = connect(server)
    answer = client.call(
        lambda s: s.freebusy().query(
            body={
                "timeMin": "2026-11-23T00:00:00Z",
                "timeMax": "2026-11-24T00:00:00Z",
                "items": [{"id": PERSON}],
            }
        ),
        "free/busy",
    )
    # a and b overlap -> one busy stretch 09:00-11:00; c is transparent.
    assert answer["calendars"][PERSON]["busy"] == [
        {"start": "2026-11-23T09:00:00Z", "end": "2026-11-23T11:00:00Z"}
    ]


def test_no_test_leaves_loopback(server: FakeGoogleCalendar, loopback_only: list[str]) -> None:
    client, _ = connect(server)
    google.load_person(client, week())
    assert loopback_only and set(loopback_only) == {"127.0.0.1"}
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(AssertionError, match="tried to reach"),
    ):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: refused by the guard before any packet
    assert Config().google.endpoint is None  # nothing configured points anywhere else
