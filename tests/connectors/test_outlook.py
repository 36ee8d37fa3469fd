"""The Outlook connector against the wire-level fake Graph server, through real msal and httpx.

Why: sign-in (device code, client credentials, the encrypted cache), reading (paged
calendarView, delta sync, 410 resync of one calendar), the field mapping, the tagged-block
writer (transactionId dedup, If-Match safety, never touching foreign events) and every fault
path must hold against real HTTP, yet no test may leave 127.0.0.1 or really sleep.
Times: the week 2026-W10 (Mon 2026-03-02) in Europe/Stockholm, which is UTC+1 that week
(summer time starts 2026-03-29), so local 09:00 is 08:00Z.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pandas as pd
import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_slack.connectors import outlook
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.outlook_auth import AuthSettings, login_outlook, token_source
from calendar_slack.connectors.outlook_graph import GraphClient, GraphError, TokenSource, classify
from calendar_slack.connectors.outlook_map import KEY_PROP, event_time, other_attendees
from calendar_slack.connectors.outlook_writer import transaction_id
from calendar_slack.connectors.remote import BlockWrite, MemorySyncState, RemoteBlock
from calendar_slack.connectors.retry import Retry, RetryPolicy
from calendar_slack.errors import (
    AuthError,
    BadInputError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
    SyncResetError,
)
from calendar_slack.prefs import Config, OutlookSettings
from calendar_slack.secrets import MemoryBlobStore
from tests.fakes.graph_harness import GraphHarness, graph_harness
from tests.fakes.graph_server import APP_PRINCIPAL, FakeGraph

PERSON = "ada@example.com"
TZ = ZoneInfo("Europe/Stockholm")
WEEK_START = pd.Timestamp("2026-03-02T00:00", tz=TZ).tz_convert("UTC")  # 2026-03-01T23:00Z
WEEK_END = WEEK_START + pd.Timedelta(days=7)
APP_ID = "calendar-slack-test"


def at(day: int, hhmm: str) -> dt.datetime:
    """Local Stockholm time on 2026-03-(02+day)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime(2026, 3, 2 + day, hour, minute, tzinfo=TZ)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def load_request(**changes: Any) -> LoadRequest:
    fields: dict[str, Any] = {"tz_override": "Europe/Stockholm", "config": Config()}
    fields.update(changes)
    return LoadRequest(WEEK_START, WEEK_END, **fields)


class RecordingState(MemorySyncState):
    """A SyncState that counts its writes (the sync must save after every page)."""

    def __init__(self) -> None:
        super().__init__()
        self.puts = 0

    def put(self, key: str, value: str | None) -> None:
        self.puts += 1
        super().put(key, value)


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        server.add_user(PERSON, calendars=("default", "work"))
        yield server
        assert server.errors == []


@pytest.fixture
def waits() -> list[float]:
    return []


def make_client(
    fake: FakeGraph, waits: list[float], token: str, *, app_only: bool = False, attempts: int = 4
) -> GraphClient:
    return GraphClient(
        fake.endpoint,
        TokenSource(lambda: token, app_only=app_only),
        policy=RetryPolicy(max_attempts=attempts, sleep=waits.append),
        timeout_s=0.5,
        page_size=2,
        verify=False,
    )


@pytest.fixture
def client(fake: FakeGraph, waits: list[float]) -> Iterator[GraphClient]:
    with make_client(fake, waits, fake.issue_token(PERSON, ("Calendars.Read",))) as opened:
        yield opened


def add(fake: FakeGraph, n: int, calendar: str = "default", day: int = 0) -> list[str]:
    """n half-hour events from local 08:00, one per hour."""
    return [
        fake.add_event(
            PERSON,
            calendar,
            start=at(day, f"{8 + i:02d}:00"),
            end=at(day, f"{8 + i:02d}:30"),
            subject=f"{calendar} {i}",
        )
        for i in range(n)
    ]


def same(a: Loaded, b: Loaded) -> None:
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.dropped == b.dropped


# -- sign-in (msal for real, against the fake authority over TLS) ----------------------------------


@pytest.fixture
def authority() -> Iterator[FakeGraph]:
    with FakeGraph(tls=True) as server:
        server.add_user(PERSON)
        yield server
        assert server.errors == []


def ca(server: FakeGraph) -> str:
    """The fake's throw-away CA bundle (TLS fakes only)."""
    assert server.ca_path is not None
    return server.ca_path


def auth_settings(server: FakeGraph, *, booking: bool = False) -> OutlookSettings:
    return OutlookSettings(client_id=APP_ID, authority=server.authority, booking=booking)


def test_device_code_login_keeps_an_encrypted_cache_that_later_reads_use(
    authority: FakeGraph,
) -> None:
    key = Fernet.generate_key()
    store = MemoryBlobStore()
    prompts: list[str] = []
    settings_ = auth_settings(authority)
    who = login_outlook(
        settings_, store=store, key=key, prompt=prompts.append, environ={}, verify=ca(authority)
    )
    assert who == PERSON
    assert len(prompts) == 1 and "enter the code" in prompts[0]
    # One poll answered authorization_pending, the second one signed in.
    polls = [r for r in authority.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert [r.status for r in polls] == [400, 200]
    asked = next(r for r in authority.requests if r.path.endswith("/devicecode")).body["scope"]
    assert "Calendars.Read" in asked.split() and "Calendars.ReadWrite" not in asked.split()
    # The cache is stored, encrypted: neither token appears in it.
    assert store.data is not None
    issued = [t for t, g in authority.grants.items() if g.principal == PERSON]
    assert len(issued) == 1
    assert issued[0].encode() not in store.data
    assert all(rt.encode() not in store.data for rt in authority.refresh)
    # A later run reads the cache silently (no new sign-in) and can call Graph over TLS.
    tokens = token_source(settings_, store=store, key=key, environ={}, verify=ca(authority))
    assert tokens() == issued[0]
    authority.add_event(PERSON, start=at(0, "09:00"), end=at(0, "10:00"), subject="1:1")
    with GraphClient(authority.endpoint, tokens, verify=ca(authority)) as graph:
        loaded = outlook.load_with(graph, "", load_request())
    assert list(loaded.events["title"]) == ["1:1"]
    assert list(loaded.events["person"]) == [PERSON]


def test_booking_asks_for_calendars_readwrite(authority: FakeGraph) -> None:
    login_outlook(
        auth_settings(authority, booking=True),
        store=MemoryBlobStore(),
        key=Fernet.generate_key(),
        prompt=lambda _: None,
        environ={},
        verify=ca(authority),
    )
    asked = next(r for r in authority.requests if r.path.endswith("/devicecode")).body["scope"]
    assert {"Calendars.Read", "Calendars.ReadWrite"} <= set(asked.split())


def test_the_cache_cannot_be_used_with_another_key(authority: FakeGraph) -> None:
    store = MemoryBlobStore()
    login_outlook(
        auth_settings(authority),
        store=store,
        key=Fernet.generate_key(),
        prompt=lambda _: None,
        environ={},
        verify=ca(authority),
    )
    with pytest.raises(AuthError, match="cannot be decrypted"):
        token_source(
            auth_settings(authority),
            store=store,
            key=Fernet.generate_key(),
            environ={},
            verify=ca(authority),
        )


def test_without_a_sign_in_reads_say_how_to_sign_in(authority: FakeGraph) -> None:
    with pytest.raises(AuthError, match="calendar-slack login outlook"):
        token_source(
            auth_settings(authority),
            store=MemoryBlobStore(),
            key=Fernet.generate_key(),
            environ={},
            verify=ca(authority),
        )


def test_client_credentials_get_an_app_token_and_read_named_people(authority: FakeGraph) -> None:
    authority.add_client("service-app", "s3cret")
    tenant = f"{authority.base}/contoso.example"  # services name their tenant, not /common
    settings_ = OutlookSettings(client_id="service-app", authority=tenant)
    env = {"CALENDAR_SLACK_OUTLOOK_CLIENT_SECRET": "s3cret"}
    tokens = token_source(settings_, environ=env, verify=ca(authority))
    assert tokens.app_only
    token = tokens()
    assert authority.grants[token].principal == APP_PRINCIPAL
    asked = next(r for r in authority.requests if r.path.endswith("/oauth2/v2.0/token")).body
    assert asked["grant_type"] == "client_credentials"
    assert asked["scope"] == "https://graph.microsoft.com/.default"
    authority.add_event(PERSON, start=at(1, "09:00"), end=at(1, "10:00"), subject="Review")
    with GraphClient(authority.endpoint, tokens, verify=ca(authority)) as graph:
        loaded = outlook.load_with(graph, PERSON, load_request())
        assert list(loaded.events["title"]) == ["Review"]
        assert authority.graph_requests("GET", f"/users/{PERSON}/calendar/calendarView")
        with pytest.raises(BadInputError, match="name the people"):
            outlook.load_with(graph, "", load_request())


def test_a_wrong_client_secret_is_an_auth_error(authority: FakeGraph) -> None:
    authority.add_client("service-app", "s3cret")
    settings_ = OutlookSettings(client_id="service-app", authority=f"{authority.base}/contoso")
    tokens = token_source(
        settings_,
        environ={"CALENDAR_SLACK_OUTLOOK_CLIENT_SECRET": "nope"},
        verify=ca(authority),
    )
    with pytest.raises(AuthError, match=r"refused the client credentials.*invalid_client"):
        tokens()


def test_a_static_token_from_the_environment_skips_msal() -> None:
    tokens = token_source(OutlookSettings(), environ={"CALENDAR_SLACK_OUTLOOK_TOKEN": "tok-1"})
    assert tokens() == "tok-1"
    assert not tokens.app_only


def test_settings_resolution_prefers_the_environment() -> None:
    settings_ = OutlookSettings(
        endpoint="http://config.invalid/v1.0", client_id="from-config", tenant="contoso"
    )
    assert outlook.endpoint_for(settings_, {}) == "http://config.invalid/v1.0"
    env = {
        "CALENDAR_SLACK_OUTLOOK_ENDPOINT": "http://127.0.0.1:9/v1.0",
        "CALENDAR_SLACK_OUTLOOK_CLIENT_ID": "from-env",
    }
    assert outlook.endpoint_for(settings_, env) == "http://127.0.0.1:9/v1.0"
    assert outlook.endpoint_for(OutlookSettings(), {}) == "https://graph.microsoft.com/v1.0"
    auth = AuthSettings.resolve(settings_, env)
    assert auth.client_id == "from-env"
    assert auth.authority == "https://login.microsoftonline.com/contoso"
    assert not auth.custom_authority
    assert AuthSettings.resolve(
        OutlookSettings(authority="https://127.0.0.1:9/t"), {}
    ).custom_authority


# -- reading ---------------------------------------------------------------------------------------


def test_paged_calendar_view_read_asks_for_utc_and_small_pages(
    fake: FakeGraph, client: GraphClient
) -> None:
    add(fake, 5)
    loaded = outlook.load_with(client, "", load_request())
    assert list(loaded.events["title"]) == [f"default {i}" for i in range(5)]
    # 5 events at 2 per page: pages of 2, 2 and 1 -> 3 requests.
    views = fake.graph_requests("GET", "/me/calendar/calendarView")
    assert len(views) == 3
    assert all('outlook.timezone="UTC"' in r.headers["prefer"] for r in views)
    assert all("odata.maxpagesize=2" in r.headers["prefer"] for r in views)
    assert views[0].query["startDateTime"] == "2026-03-01T23:00:00Z"
    assert "singleValueExtendedProperties" in views[0].query["$expand"]
    # Local 08:00 on Monday is 07:00Z (UTC+1).
    assert loaded.events["start"].iloc[0] == utc("2026-03-02T07:00")
    assert loaded.zones == {PERSON: "Europe/Stockholm"}


def test_every_field_is_mapped(fake: FakeGraph, client: GraphClient) -> None:
    room = {"type": "resource", "emailAddress": {"address": "room-4@example.com"}}
    bob = "bob@example.com"
    ids = {
        "Standup": fake.add_event(
            PERSON,
            start=at(0, "09:00"),
            end=at(0, "09:30"),
            subject="Standup",
            organizer=bob,
            attendees=[PERSON, "carol@example.com", room],
        ),
        "Away": fake.add_event(
            PERSON, start=at(0, "10:00"), end=at(0, "11:00"), subject="Away", show_as="oof"
        ),
        "Lunch walk": fake.add_event(
            PERSON, start=at(0, "12:00"), end=at(0, "13:00"), subject="Lunch walk", show_as="free"
        ),
        "Sync": fake.add_event(
            PERSON,
            start=at(0, "14:00"),
            end=at(0, "15:00"),
            subject="Sync",
            organizer=bob,
            attendees=[PERSON],
            response="declined",
        ),
        "Maybe": fake.add_event(
            PERSON,
            start=at(1, "09:00"),
            end=at(1, "10:00"),
            subject="Maybe",
            organizer=bob,
            attendees=[PERSON],
            response="tentativelyAccepted",
        ),
        "Unanswered": fake.add_event(
            PERSON,
            start=at(1, "10:00"),
            end=at(1, "11:00"),
            subject="Unanswered",
            organizer=bob,
            attendees=[PERSON],
            response="notResponded",
        ),
        "Dentist": fake.add_event(
            PERSON, start=at(1, "13:00"), end=at(1, "14:00"), subject="Dentist"
        ),
        "Conference": fake.add_event(
            PERSON,
            start=dt.date(2026, 3, 4),
            end=dt.date(2026, 3, 5),
            all_day=True,
            subject="Conference",
        ),
        "Called off": fake.add_event(
            PERSON, start=at(2, "09:00"), end=at(2, "10:00"), subject="Called off", cancelled=True
        ),
        "Deep block": fake.add_event(
            PERSON,
            start=at(3, "09:00"),
            end=at(3, "11:00"),
            subject="Deep block",
            tag=("k-thu-focus-0", "focus"),
        ),
        "Weekly": fake.add_event(
            PERSON,
            start=at(4, "09:00"),
            end=at(4, "09:45"),
            subject="Weekly",
            organizer=bob,
            attendees=[PERSON],
            series_master_id="SERIES-1",
        ),
    }
    loaded = outlook.load_with(client, "", load_request(me="Ada@Example.com"))
    rows = {row["title"]: row for row in loaded.events.to_dict("records")}
    assert loaded.dropped["cancelled"] == 1 and "Called off" not in rows
    assert len(rows) == 10

    def facts(title: str) -> tuple[Any, ...]:
        row = rows[title]
        return row["kind"], row["response"], row["attendees"], row["ours"], row["all_day"]

    # Standup: carol + organizer bob; the person and the room do not count -> 2 others.
    assert facts("Standup") == ("meeting", "accepted", 2, False, False)
    assert facts("Away") == ("ooo", "organizer", 0, False, False)  # showAs oof
    assert facts("Lunch walk") == ("free", "organizer", 0, False, False)  # showAs free
    assert facts("Sync") == ("free", "declined", 1, False, False)  # declined -> free
    assert facts("Maybe") == ("meeting", "tentative", 1, False, False)
    assert facts("Unanswered") == ("meeting", "needs_action", 1, False, False)
    assert facts("Dentist") == ("hold", "organizer", 0, False, False)  # alone, busy
    assert facts("Conference") == ("free", "organizer", 0, False, True)  # all-day, not busy
    assert facts("Deep block") == ("focus", "organizer", 0, True, False)  # our tag
    assert facts("Weekly") == ("meeting", "accepted", 1, False, False)
    # All-day Wed 2026-03-04 spans Stockholm midnights: 03-03T23:00Z .. 03-04T23:00Z.
    assert (rows["Conference"]["start"], rows["Conference"]["end"]) == (
        utc("2026-03-03T23:00"),
        utc("2026-03-04T23:00"),
    )
    # Thu 09:00-11:00 local is 08:00Z-10:00Z.
    assert (rows["Deep block"]["start"], rows["Deep block"]["end"]) == (
        utc("2026-03-05T08:00"),
        utc("2026-03-05T10:00"),
    )
    assert rows["Weekly"]["series_id"] == "SERIES-1"
    assert pd.isna(rows["Dentist"]["series_id"])
    assert rows["Dentist"]["event_id"] == ids["Dentist"]
    assert rows["Dentist"]["etag"] == fake.event(ids["Dentist"])["@odata.etag"]
    assert set(loaded.events["person"]) == {PERSON}  # --me is lower-cased
    assert set(loaded.events["calendar"]) == {"default"}
    assert set(loaded.events["source"]) == {"outlook"}
    redacted = outlook.load_with(client, "", load_request(redact=True))
    assert redacted.events["title"].isna().all()
    assert list(redacted.events["kind"]) == list(loaded.events["kind"])  # titles not needed


def test_event_times_in_other_zones_and_graphs_seven_digit_fractions() -> None:
    # 10:00 in Stockholm (UTC+1 on 2026-03-02) is 09:00Z; 7 fractional digits are accepted.
    value = {"dateTime": "2026-03-02T10:00:00.1234567", "timeZone": "Europe/Stockholm"}
    moment = event_time(value, False, TZ, "start")
    assert moment == dt.datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=dt.UTC)
    with pytest.raises(BadInputError, match="Pacific Standard Time"):
        event_time(
            {"dateTime": "2026-03-02T10:00:00", "timeZone": "Pacific Standard Time"}, False, TZ, "s"
        )
    with pytest.raises(BadInputError, match="no dateTime"):
        event_time({}, False, TZ, "start")


def test_attendees_count_people_once_and_never_rooms() -> None:
    event = {
        "isOrganizer": False,
        "organizer": {"emailAddress": {"address": "Bob@Example.com"}},
        "attendees": [
            {"type": "required", "emailAddress": {"address": "bob@example.com"}},
            {"type": "optional", "emailAddress": {"address": "ADA@example.com"}},
            {"type": "resource", "emailAddress": {"address": "room@example.com"}},
            {"type": "required", "emailAddress": {}},
        ],
    }
    # bob (listed and organizer: once) + one attendee without an address = 2.
    assert other_attendees(event, "ada@example.com") == 2


def test_several_calendars_and_people(fake: FakeGraph, waits: list[float]) -> None:
    fake.add_user("bo@example.com")
    add(fake, 2, "default")
    add(fake, 1, "work")
    fake.add_event("bo@example.com", start=at(0, "09:00"), end=at(0, "10:00"), subject="Bo's")
    with make_client(
        fake, waits, fake.issue_token(APP_PRINCIPAL, (".default",)), app_only=True
    ) as app:
        loaded = outlook.load_with(
            app, f"{PERSON}:default,{PERSON}:work,bo@example.com", load_request()
        )
    got = sorted(
        zip(loaded.events["person"], loaded.events["calendar"], loaded.events["title"], strict=True)
    )
    assert got == [
        (PERSON, "default", "default 0"),
        (PERSON, "default", "default 1"),
        (PERSON, "work", "work 0"),
        ("bo@example.com", "default", "Bo's"),
    ]
    assert loaded.zones == {PERSON: "Europe/Stockholm", "bo@example.com": "Europe/Stockholm"}


def test_targets_parse_people_and_calendars() -> None:
    cfg = OutlookSettings(calendars=("work", "team"))
    assert outlook.targets_for("", OutlookSettings()) == [("me", ("default",))]
    assert outlook.targets_for("", cfg) == [("me", ("work", "team"))]
    assert outlook.targets_for("Ann@x.com:A, ann@x.com:B ,bo@x.com,me:C,AAMkAD=", cfg) == [
        ("ann@x.com", ("A", "B")),
        ("bo@x.com", ("work", "team")),
        ("me", ("C", "AAMkAD=")),
    ]
    assert outlook.targets_for("work", cfg) == [("me", ("work",))]
    assert outlook.targets_for("me", cfg) == [("me", ("work", "team"))]


# -- delta sync ------------------------------------------------------------------------------------


def test_delta_sync_after_update_delete_add_equals_a_fresh_full_read(
    fake: FakeGraph, client: GraphClient
) -> None:
    ids = add(fake, 4)
    state = RecordingState()
    first = outlook.load_with(client, "", load_request(), state=state)
    same(first, outlook.load_with(client, "", load_request()))
    # 4 events at 2 per page: 2 delta pages, and the state was saved after each of them.
    assert state.puts == 2
    fake.edit_event(ids[0], start=at(1, "14:00"), end=at(1, "15:00"), subject="moved")
    fake.delete_event(ids[1])
    fake.add_event(PERSON, start=at(2, "09:00"), end=at(2, "10:00"), subject="new")
    fake.add_event(
        PERSON, start=at(3, "09:00"), end=at(3, "11:00"), subject="ours", tag=("k-1", "focus")
    )
    mark = len(fake.requests)
    second = outlook.load_with(client, "", load_request(), state=state)
    delta = [r for r in fake.requests[mark:] if "/calendarView/delta" in r.path]
    # 4 changes (edit, delete, 2 adds) at 2 per page: the delta link page, then one more.
    assert len(delta) == 2
    assert "$deltatoken" in delta[0].query and "startDateTime" not in delta[0].query
    assert state.puts == 4
    fresh = outlook.load_with(client, "", load_request())
    same(second, fresh)
    assert sorted(second.events["title"]) == ["default 2", "default 3", "moved", "new", "ours"]
    ours = second.events[second.events["title"] == "ours"].iloc[0]
    assert (ours["ours"], ours["kind"]) == (True, "focus")


def test_a_410_in_the_middle_of_a_paged_delta_resyncs_that_calendar_only(
    fake: FakeGraph, client: GraphClient
) -> None:
    add(fake, 2, "default")
    add(fake, 2, "work")
    state = MemorySyncState()
    target = "me:default,me:work"
    outlook.load_with(client, target, load_request(), state=state)
    fake.add_event(PERSON, "default", start=at(1, "09:00"), end=at(1, "10:00"), subject="d new")
    for hour in (9, 11, 13):  # 3 changes: a delta round of 2 pages in "work"
        fake.add_event(
            PERSON, "work", start=at(2, f"{hour}:00"), end=at(2, f"{hour}:30"), subject=f"w{hour}"
        )
    fault = fake.inject(
        status=410, code="syncStateNotFound", match="/work/calendarView/delta?$skip"
    )
    mark = len(fake.requests)
    loaded = outlook.load_with(client, target, load_request(), state=state)
    assert fault.times == 0  # the fault did fire, on the second page of the round
    seen = fake.requests[mark:]
    default = [r for r in seen if r.path == "/v1.0/me/calendarView/delta"]
    work = [r for r in seen if r.path == "/v1.0/me/calendars/work/calendarView/delta"]
    # default: one incremental request, never a fresh round.
    assert [("$deltatoken" in r.query, "startDateTime" in r.query) for r in default] == [
        (True, False)
    ]
    # work: delta link page (200), next page (410), then a fresh round of 5 events = 3 pages.
    assert [r.status for r in work] == [200, 410, 200, 200, 200]
    assert "startDateTime" in work[2].query
    same(loaded, outlook.load_with(client, target, load_request()))
    assert len(loaded.events) == 8  # 2 + 1 in default, 2 + 3 in work: nothing lost or doubled


def test_an_invalidated_delta_link_resyncs_that_calendar(
    fake: FakeGraph, client: GraphClient
) -> None:
    ids = add(fake, 3)
    state = MemorySyncState()
    outlook.load_with(client, "", load_request(), state=state)
    fake.invalidate_delta(PERSON)
    fake.delete_event(ids[2])
    loaded = outlook.load_with(client, "", load_request(), state=state)
    assert list(loaded.events["title"]) == ["default 0", "default 1"]
    statuses = [r.status for r in fake.graph_requests("GET", "calendarView/delta")]
    # first sync: 2 pages; second: the dead link (410), then a fresh round of 2 events.
    assert statuses == [200, 200, 410, 200]


def test_an_interrupted_sync_resumes_from_the_last_saved_page(
    fake: FakeGraph, client: GraphClient
) -> None:
    add(fake, 6)
    state = MemorySyncState()
    fake.inject(status=403, match="calendarView/delta?$skip", skip=1)  # the 3rd page fails
    with pytest.raises(AuthError):
        outlook.load_with(client, "", load_request(), state=state)
    saved = json.loads(state.get(f"outlook:{PERSON}:default") or "{}")
    # Two pages of 2 were applied and saved, with the link to page 3.
    assert len(saved["events"]) == 4 and saved["done"] is False
    assert "$skiptoken" in saved["link"]
    mark = len(fake.requests)
    loaded = outlook.load_with(client, "", load_request(), state=state)
    first = next(r for r in fake.requests[mark:] if "/calendarView" in r.path)
    assert "$skiptoken" in first.query  # resumed, not restarted
    same(loaded, outlook.load_with(client, "", load_request()))
    assert len(loaded.events) == 6


def test_a_named_calendar_without_delta_is_read_in_full(
    fake: FakeGraph, client: GraphClient
) -> None:
    fake.named_calendar_delta = False  # as Graph v1.0: delta on the default calendar only
    add(fake, 3, "work")
    state = MemorySyncState()
    loaded = outlook.load_with(client, "me:work", load_request(me=PERSON), state=state)
    same(loaded, outlook.load_with(client, "me:work", load_request(me=PERSON)))
    assert state.values == {}  # nothing to resume from
    refused = fake.graph_requests("GET", "/calendars/work/calendarView/delta")
    assert [r.status for r in refused] == [400]
    with pytest.raises(BadInputError):  # the default calendar has delta: its 400s are errors
        fake.inject(status=400, match="/me/calendarView/delta")
        outlook.load_with(client, "", load_request(me=PERSON), state=state)


def test_a_different_window_starts_a_fresh_round(fake: FakeGraph, client: GraphClient) -> None:
    add(fake, 1)
    add(fake, 1, day=7)  # next Monday
    state = MemorySyncState()
    outlook.load_with(client, "", load_request(), state=state)
    later = LoadRequest(
        WEEK_START + pd.Timedelta(days=7),
        WEEK_END + pd.Timedelta(days=7),
        tz_override="Europe/Stockholm",
    )
    loaded = outlook.load_with(client, "", later, state=state)
    # Mon 2026-03-09 local 08:00 = 07:00Z.
    assert list(loaded.events["start"]) == [utc("2026-03-09T07:00")]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rounds=st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["add", "move", "delete", "tag"]),
                st.integers(0, 9),
                st.integers(0, 6),
                st.integers(7, 18),
            ),
            max_size=5,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_property_delta_sync_always_equals_a_full_read(
    fake: FakeGraph, waits: list[float], rounds: list[list[tuple[str, int, int, int]]]
) -> None:
    person = f"p{len(fake.users)}@example.com"  # a fresh mailbox per example
    fake.add_user(person)
    token = fake.issue_token(APP_PRINCIPAL, (".default",))
    state = MemorySyncState()
    ids: list[str] = []
    with make_client(fake, waits, token, app_only=True) as app:
        for changes in rounds:
            for op, pick, day, hour in changes:
                start = at(day, f"{hour:02d}:00")
                if op in ("add", "tag") or not ids:
                    tag = (f"k{len(ids)}", "focus") if op == "tag" else None
                    ids.append(
                        fake.add_event(
                            person, start=start, end=start + dt.timedelta(minutes=45), tag=tag
                        )
                    )
                elif op == "move":
                    fake.edit_event(
                        ids[pick % len(ids)], start=start, end=start + dt.timedelta(hours=1)
                    )
                else:
                    fake.delete_event(ids.pop(pick % len(ids)))
            synced = outlook.load_with(app, person, load_request(), state=state)
            same(synced, outlook.load_with(app, person, load_request()))
            assert len(synced.events) == len(ids)


# -- writing ---------------------------------------------------------------------------------------


@pytest.fixture
def harness() -> Iterator[GraphHarness]:
    with graph_harness(timeout_s=0.5, max_attempts=4) as opened:
        yield opened


def block(
    key: str = "k-mon-focus-0",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    kind: str = "focus",
    show_as: str = "busy",
) -> BlockWrite:
    return BlockWrite(
        key=key,
        kind=kind,  # type: ignore[arg-type]
        start=pd.Timestamp(start or at(0, "09:00")).tz_convert("UTC"),
        end=pd.Timestamp(end or at(0, "11:00")).tz_convert("UTC"),
        title="Focus",
        show_as=show_as,  # type: ignore[arg-type]
    )


def test_create_is_idempotent_by_key_and_transaction_id(harness: GraphHarness) -> None:
    first = harness.writer.create(block())
    again = harness.writer.create(block())
    assert again.remote_id == first.remote_id
    assert len(harness.snapshot()) == 1
    posts = harness.server.graph_requests("POST")
    assert len(posts) == 1  # the second create found the block by its key
    assert posts[0].body["transactionId"] == transaction_id("k-mon-focus-0")
    assert transaction_id("k-mon-focus-0") != transaction_id("k-mon-focus-1")
    event = harness.snapshot()[first.remote_id]
    assert event["showAs"] == "busy"
    assert {"id": KEY_PROP, "value": "k-mon-focus-0"} in event["singleValueExtendedProperties"]
    # Mon local 09:00-11:00 = 08:00Z-10:00Z.
    assert (first.start, first.end) == (utc("2026-03-02T08:00"), utc("2026-03-02T10:00"))
    assert (first.key, first.kind, first.show_as) == ("k-mon-focus-0", "focus", "busy")


def test_graph_dedups_a_create_retried_after_a_timeout(harness: GraphHarness) -> None:
    # The first POST is applied but answered after the client's 0.5 s timeout.
    harness.server.inject(delay_s=1.5, match="POST ")
    made = harness.writer.create(block(show_as="free"))
    posts = harness.server.graph_requests("POST")
    assert len(posts) == 2
    assert posts[0].body["transactionId"] == posts[1].body["transactionId"]
    assert list(harness.snapshot()) == [made.remote_id]  # exactly one event
    assert made.show_as == "free"
    assert len(harness.waits) == 1


def test_list_ours_and_get_see_only_tagged_blocks(harness: GraphHarness) -> None:
    harness.add_foreign_event(pd.Timestamp(at(0, "13:00")), pd.Timestamp(at(0, "14:00")), "1:1")
    a = harness.writer.create(block("k-a", at(1, "09:00"), at(1, "10:00"), "buffer"))
    b = harness.writer.create(block("k-b", at(0, "09:00"), at(0, "10:00"), "reflection"))
    harness.writer.create(block("k-next-week", at(7, "09:00"), at(7, "10:00")))
    listed = harness.writer.list_ours(WEEK_START, WEEK_END)
    assert [(x.key, x.kind) for x in listed] == [("k-b", "reflection"), ("k-a", "buffer")]
    got = harness.writer.get("k-a")
    assert got is not None and got.remote_id == a.remote_id and got.etag == a.etag
    assert harness.writer.get("k-missing") is None
    assert b.remote_id in harness.snapshot()


def test_update_sends_if_match_and_a_stale_etag_is_a_conflict(harness: GraphHarness) -> None:
    made = harness.writer.create(block())
    moved = harness.writer.update(made, block(start=at(0, "10:00"), end=at(0, "12:00")))
    assert moved.etag != made.etag and moved.remote_id == made.remote_id
    assert (moved.start, moved.end) == (utc("2026-03-02T09:00"), utc("2026-03-02T11:00"))
    patch = harness.server.graph_requests("PATCH")[0]
    assert patch.headers["if-match"] == made.etag
    # The person moves it; our next update still holds the old etag.
    harness.edit_as_person(
        moved.remote_id, pd.Timestamp(at(0, "08:00")), pd.Timestamp(at(0, "09:00"))
    )
    before = harness.snapshot()
    with pytest.raises(ConflictError):
        harness.writer.update(moved, block(start=at(0, "13:00"), end=at(0, "15:00")))
    assert harness.snapshot() == before  # the person's edit stands
    assert harness.waits == []  # 412 is not retried


def test_an_update_retried_after_a_timeout_is_accepted_when_it_landed(
    harness: GraphHarness,
) -> None:
    made = harness.writer.create(block())
    harness.server.inject(delay_s=1.5, match="PATCH ")
    want = block(start=at(0, "13:00"), end=at(0, "15:00"))
    moved = harness.writer.update(made, want)
    # First PATCH applied (answer lost), the retry met 412 with our own new etag.
    assert [r.status for r in harness.server.graph_requests("PATCH")] == [200, 412]
    assert (moved.start, moved.end) == (want.start, want.end)
    assert len(harness.snapshot()) == 1


def test_delete_sends_if_match_and_a_second_delete_is_not_found(harness: GraphHarness) -> None:
    made = harness.writer.create(block())
    harness.writer.delete(made)
    assert harness.snapshot() == {}
    assert harness.server.graph_requests("DELETE")[0].headers["if-match"] == made.etag
    with pytest.raises(NotFoundError):
        harness.writer.delete(made)


def test_a_delete_retried_after_a_timeout_succeeds(harness: GraphHarness) -> None:
    made = harness.writer.create(block())
    harness.server.inject(delay_s=1.5, match="DELETE ")
    harness.writer.delete(made)
    assert [r.status for r in harness.server.graph_requests("DELETE")] == [204, 404]
    assert harness.snapshot() == {}


def test_a_delete_of_an_edited_block_is_a_conflict(harness: GraphHarness) -> None:
    made = harness.writer.create(block())
    harness.edit_as_person(
        made.remote_id, pd.Timestamp(at(0, "07:00")), pd.Timestamp(at(0, "08:00"))
    )
    with pytest.raises(ConflictError):
        harness.writer.delete(made)
    assert list(harness.snapshot()) == [made.remote_id]


def test_foreign_events_are_refused_and_never_touched(harness: GraphHarness) -> None:
    foreign = harness.add_foreign_event(
        pd.Timestamp(at(0, "09:00")), pd.Timestamp(at(0, "10:00")), "Board meeting", 5
    )
    before = harness.snapshot()
    pretend = RemoteBlock(
        key="k-x",
        remote_id=foreign,
        kind="focus",
        start=utc("2026-03-02T08:00"),
        end=utc("2026-03-02T09:00"),
        title="Board meeting",
        show_as="busy",
        etag=before[foreign]["@odata.etag"],
    )
    with pytest.raises(BadInputError, match="refusing"):
        harness.writer.update(pretend, block("k-x"))
    with pytest.raises(BadInputError, match="refusing"):
        harness.writer.delete(pretend)
    assert harness.snapshot() == before
    assert harness.server.graph_requests("PATCH") == []
    assert harness.server.graph_requests("DELETE") == []


def test_the_writer_needs_booking_enabled() -> None:
    with pytest.raises(BadInputError, match=r"booking = true"):
        outlook.open_writer(OutlookSettings(booking=False), client=None)


def test_a_read_only_token_cannot_write(fake: FakeGraph, client: GraphClient) -> None:
    writer = outlook.open_writer(OutlookSettings(booking=True), client=client)
    with pytest.raises(AuthError, match=r"Calendars\.ReadWrite"):
        writer.create(block())
    assert fake.snapshot(PERSON) == {}


# -- faults: each ends with nothing lost and nothing duplicated ------------------------------------


def test_a_429_storm_honours_retry_after_and_loses_nothing(
    fake: FakeGraph, client: GraphClient, waits: list[float]
) -> None:
    add(fake, 5)
    fake.inject(status=429, retry_after="7", times=3, match="calendarView", skip=1)
    loaded = outlook.load_with(client, "", load_request())
    assert list(loaded.events["title"]) == [f"default {i}" for i in range(5)]
    # Jittered backoff for attempts 1-3 is at most 0.5, 1 and 2 s: Retry-After (7 s) wins.
    assert waits == [7.0, 7.0, 7.0]


def test_a_429_storm_on_create_makes_one_block(harness: GraphHarness) -> None:
    harness.server.inject(status=429, retry_after="2", times=2, match="POST ")
    harness.writer.create(block())
    assert len(harness.snapshot()) == 1
    assert harness.waits == [2.0, 2.0]


def test_a_storm_longer_than_the_policy_is_rate_limited(
    fake: FakeGraph, client: GraphClient, waits: list[float]
) -> None:
    fake.inject(status=429, retry_after="7", times=10, match="calendarView")
    with pytest.raises(RateLimitedError) as caught:
        outlook.load_with(client, "", load_request(me=PERSON))
    assert caught.value.retry_after_s == 7.0
    assert waits == [7.0, 7.0, 7.0]  # 4 attempts, 3 waits


def test_503s_are_retried_with_bounded_backoff(
    fake: FakeGraph, client: GraphClient, waits: list[float]
) -> None:
    add(fake, 5)
    fake.inject(status=503, times=2, match="calendarView", skip=2)
    loaded = outlook.load_with(client, "", load_request())
    assert len(loaded.events) == 5 and loaded.events["event_id"].is_unique
    # Full jitter: attempt n waits uniformly in [0, 0.5 * 2**(n-1)] -> <= 0.5, then <= 1.0.
    assert len(waits) == 2
    assert 0 <= waits[0] <= 0.5 and 0 <= waits[1] <= 1.0


def test_a_503_storm_is_a_service_error(fake: FakeGraph, client: GraphClient) -> None:
    fake.inject(status=503, times=10, match="calendarView")
    with pytest.raises(ServiceError, match="4 attempts"):
        outlook.load_with(client, "", load_request(me=PERSON))


def test_a_read_timeout_is_retried_and_loses_nothing(
    fake: FakeGraph, client: GraphClient, waits: list[float]
) -> None:
    add(fake, 5)
    fake.inject(delay_s=1.5, match="calendarView", skip=1)  # page 2 answers after the timeout
    loaded = outlook.load_with(client, "", load_request())
    assert list(loaded.events["title"]) == [f"default {i}" for i in range(5)]
    assert len(waits) == 1


def test_401_is_an_auth_error_that_says_what_to_do(fake: FakeGraph, waits: list[float]) -> None:
    with (
        make_client(fake, waits, "expired-token") as bad,
        pytest.raises(AuthError, match=r"refused the access token.*login outlook"),
    ):
        outlook.load_with(bad, "", load_request())
    assert waits == []  # not retried
    assert fake.requests[-1].status == 401


def test_missing_calendars_and_bad_requests_are_our_errors(
    fake: FakeGraph, client: GraphClient
) -> None:
    with pytest.raises(NotFoundError):
        outlook.load_with(client, "me:nope", load_request(me=PERSON))
    with pytest.raises(BadInputError, match="400"):
        client.request("GET", "/me/calendar/calendarView")  # no window: Graph says 400


def test_links_to_another_host_are_refused(client: GraphClient) -> None:
    with pytest.raises(ServiceError, match="another host"):
        client.url("https://evil.example.com/v1.0/me/calendarView?$skiptoken=x")
    assert client.url("/me").endswith("/v1.0/me")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (GraphError(429, "TooManyRequests", "", "GET", "u", 3.0), Retry),
        (GraphError(500, "InternalServerError", "", "GET", "u"), Retry),
        (GraphError(401, "InvalidAuthenticationToken", "", "GET", "u"), AuthError),
        (GraphError(403, "ErrorAccessDenied", "", "GET", "u"), AuthError),
        (GraphError(404, "ErrorItemNotFound", "", "GET", "u"), NotFoundError),
        (GraphError(412, "ErrorIrresolvableConflict", "", "PATCH", "u"), ConflictError),
        (GraphError(410, "Gone", "", "GET", "u"), SyncResetError),
        (GraphError(400, "syncStateNotFound", "", "GET", "u"), SyncResetError),
        (GraphError(400, "BadRequest", "", "GET", "u"), BadInputError),
        (httpx.ReadTimeout("slow"), Retry),
        (httpx.ConnectError("refused"), Retry),
    ],
)
def test_classify_maps_every_graph_failure(error: BaseException, expected: type) -> None:
    assert isinstance(classify(error), expected)


def test_classify_marks_throttling_and_keeps_retry_after() -> None:
    throttled = classify(GraphError(429, "TooManyRequests", "", "GET", "u", 3.0))
    assert (
        isinstance(throttled, Retry) and throttled.rate_limited and throttled.retry_after_s == 3.0
    )
    busy = classify(GraphError(503, "ServiceUnavailable", "", "GET", "u", 5.0))
    assert isinstance(busy, Retry) and busy.rate_limited
    failed = classify(GraphError(502, "BadGateway", "", "GET", "u"))
    assert isinstance(failed, Retry) and not failed.rate_limited
    other = ValueError("a bug")
    assert classify(other) is other
