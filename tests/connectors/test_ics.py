"""The ICS connector: the named edge-case calendars parse into the rows worked out by hand.

Every expected UTC time below is derived in a comment from the calendar's local time and its
zone's offset on that date (Europe/Stockholm: CET = UTC+1 in winter, CEST = UTC+2 from
2026-03-29 01:00 UTC; America/New_York: EDT = UTC-4 until 2026-11-01 06:00 UTC, then EST =
UTC-5). No test reads the clock or the machine's zone: windows and zones are passed explicitly.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from calendar_slack import schema
from calendar_slack.connectors import ics
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.errors import BadInputError
from calendar_slack.prefs import ClassifySettings, Config

CALENDARS = Path(__file__).parents[1] / "calendars"
ME = "me@example.com"
#: ISO week 2026-W48 in Stockholm: Mon 2026-11-23 00:00 CET = 2026-11-22T23:00Z, to the next
#: Monday 2026-11-30 00:00 CET = 2026-11-29T23:00Z.
W48 = (pd.Timestamp("2026-11-22T23:00Z"), pd.Timestamp("2026-11-29T23:00Z"))

Row = tuple[str, str, str, str, int]  # kind, start (UTC), end (UTC), response, attendees


def load(
    name: str, *, me: str | None = ME, window: tuple[pd.Timestamp, ...] = W48, **kw: object
) -> Loaded:
    start, end = window
    return ics.load(str(CALENDARS / name), LoadRequest(start, end, me=me, **kw))  # type: ignore[arg-type]


def text_request(
    start: str = "2026-11-22T23:00Z", end: str = "2026-11-29T23:00Z", **kw: object
) -> LoadRequest:
    return LoadRequest(pd.Timestamp(start), pd.Timestamp(end), **kw)  # type: ignore[arg-type]


def load_text(text: str, request: LoadRequest | None = None) -> Loaded:
    return ics.load_text(
        text,
        request or text_request(me=ME),
        what="calendar file t.ics",
        calendar="t.ics",
        owner="t",
    )


def rows(loaded: Loaded) -> list[Row]:
    schema.validate(loaded.events)
    return [
        (
            str(r.kind),
            f"{r.start:%Y-%m-%dT%H:%M}Z",
            f"{r.end:%Y-%m-%dT%H:%M}Z",
            str(r.response),
            int(r.attendees),  # type: ignore[arg-type]
        )
        for r in loaded.events.itertuples()
    ]


def column(loaded: Loaded, name: str) -> list[object]:
    return [None if pd.isna(v) else v for v in loaded.events[name].tolist()]


def vcalendar(*events: str, header: str = "X-WR-TIMEZONE:Europe/Stockholm\n") -> str:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\n{header}{body}END:VCALENDAR\n"


# --- the named edge-case calendars ------------------------------------------------------------


def test_dst_stockholm() -> None:
    # Local Sun 2026-03-29 00:00 CET = 03-28T23:00Z .. Mon 2026-04-06 00:00 CEST = 04-05T22:00Z.
    loaded = load(
        "dst_stockholm.ics",
        window=(pd.Timestamp("2026-03-28T23:00Z"), pd.Timestamp("2026-04-05T22:00Z")),
    )
    standup = [
        # 09:15-09:30 CEST (UTC+2) = 07:15-07:30Z on each weekday after the change; the series
        # began on 03-23 at 08:15Z (CET), and those earlier instances lie outside the window.
        ("meeting", f"2026-{day}T07:15Z", f"2026-{day}T07:30Z", "accepted", 1)
        for day in ("03-30", "03-31", "04-01", "04-02", "04-03")
    ]
    assert rows(loaded) == [
        # All-day, no DTEND -> one day: Sun 00:00 CET (03-28T23:00Z) to Mon 00:00 CEST
        # (03-29T22:00Z): a 23-hour day. Transparent -> free.
        ("free", "2026-03-28T23:00Z", "2026-03-29T22:00Z", "none", 0),
        # 01:30 CET = 00:30Z; 03:30 CEST = 01:30Z: one real hour across the gap.
        ("meeting", "2026-03-29T00:30Z", "2026-03-29T01:30Z", "accepted", 1),
        standup[0],
        # Written in UTC: 13:00-14:00Z (15:00-16:00 CEST); I organise, london@ is the other.
        ("meeting", "2026-03-30T13:00Z", "2026-03-30T14:00Z", "organizer", 1),
        *standup[1:],
    ]
    assert loaded.zones == {ME: "Europe/Stockholm"}
    assert (
        column(loaded, "series_id")
        == [None, None] + ["standup-sthlm@example.com"] + [None] + ["standup-sthlm@example.com"] * 4
    )
    assert column(loaded, "all_day") == [True] + [False] * 7


def test_dst_new_york() -> None:
    # Local Sun 2026-11-01 00:00 EDT = 04:00Z .. Sun 2026-11-08 00:00 EST = 05:00Z.
    loaded = load(
        "dst_new_york.ics",
        window=(pd.Timestamp("2026-11-01T04:00Z"), pd.Timestamp("2026-11-08T05:00Z")),
    )
    assert rows(loaded) == [
        # All-day Sun: 00:00 EDT (04:00Z) to Mon 00:00 EST (11-02T05:00Z), a 25-hour day.
        ("free", "2026-11-01T04:00Z", "2026-11-02T05:00Z", "none", 0),
        # 00:30 EDT = 04:30Z to 02:30 EST = 07:30Z: three real hours for two on the clock.
        ("meeting", "2026-11-01T04:30Z", "2026-11-01T07:30Z", "accepted", 1),
        # 14:00Z = 09:00 EST; I am TENTATIVE, colleague@ organises.
        ("meeting", "2026-11-02T14:00Z", "2026-11-02T15:00Z", "tentative", 1),
        # Election day, all-day Tue: 00:00 EST = 05:00Z to Wed 05:00Z.
        ("free", "2026-11-03T05:00Z", "2026-11-04T05:00Z", "none", 0),
        # Weekly 10:00 local, begun in EDT (14:00Z); on 11-04 10:00 EST = 15:00Z. pm@ + dev@.
        ("meeting", "2026-11-04T15:00Z", "2026-11-04T16:00Z", "accepted", 2),
    ]
    assert loaded.zones == {ME: "America/New_York"}
    assert column(loaded, "event_id")[-1] == "team-sync-nyc@example.com/2026-11-04T15:00:00Z"


def test_ooo_day() -> None:
    loaded = load("ooo_day.ics")
    assert rows(loaded) == [
        # Mon 10:00-11:00 CET = 09:00-10:00Z, boss@ organises.
        ("meeting", "2026-11-23T09:00Z", "2026-11-23T10:00Z", "accepted", 1),
        # Tue all-day with X-MICROSOFT-CDO-BUSYSTATUS:OOF: 00:00 CET Tue = 11-23T23:00Z.
        ("ooo", "2026-11-23T23:00Z", "2026-11-24T23:00Z", "none", 0),
        # Thu all-day titled "Vacation" (the OOO title pattern).
        ("ooo", "2026-11-25T23:00Z", "2026-11-26T23:00Z", "none", 0),
    ]
    assert column(loaded, "all_day") == [False, True, True]


def test_ooo_afternoon() -> None:
    assert rows(load("ooo_afternoon.ics")) == [
        # Wed 09:00-10:30 CET = 08:00-09:30Z, I organise, designer@ attends.
        ("meeting", "2026-11-25T08:00Z", "2026-11-25T09:30Z", "organizer", 1),
        # "Out of office: school play" 13:00-18:00 CET = 12:00-17:00Z.
        ("ooo", "2026-11-25T12:00Z", "2026-11-25T17:00Z", "none", 0),
    ]


def test_all_day_markers() -> None:
    expected = [
        # Mon, DATE without DTEND -> one day: 11-22T23:00Z .. 11-23T23:00Z.
        ("free", "2026-11-22T23:00Z", "2026-11-23T23:00Z", "none", 0),
        # Tue..Thu (DTEND Fri exclusive): 11-23T23:00Z .. 11-26T23:00Z.
        ("free", "2026-11-23T23:00Z", "2026-11-26T23:00Z", "none", 0),
        # Wed 14:00-15:00 CET = 13:00-14:00Z; pm@ and dev@.
        ("meeting", "2026-11-25T13:00Z", "2026-11-25T14:00Z", "accepted", 2),
        # Fri, DURATION:P1D: 11-26T23:00Z .. 11-27T23:00Z.
        ("free", "2026-11-26T23:00Z", "2026-11-27T23:00Z", "none", 0),
    ]
    loaded = load("all_day_markers.ics")
    assert rows(loaded) == expected
    assert column(loaded, "all_day") == [True, True, False, True]
    # With all_day_busy the markers are busy and alone: holds (rule 6 no longer applies).
    busy = Config(classify=ClassifySettings(all_day_busy=True))
    assert [r[0] for r in rows(load("all_day_markers.ics", config=busy))] == [
        "hold",
        "hold",
        "meeting",
        "hold",
    ]


def test_floating_read_in_calendar_zone() -> None:
    loaded = load("floating.ics")
    assert rows(loaded) == [
        # Floating Mon 09:00-10:00 read in Stockholm (X-WR-TIMEZONE): CET = 08:00-09:00Z.
        ("meeting", "2026-11-23T08:00Z", "2026-11-23T09:00Z", "accepted", 1),
        # Floating Tue 13:00-14:30 -> 12:00-13:30Z; alone -> hold.
        ("hold", "2026-11-24T12:00Z", "2026-11-24T13:30Z", "none", 0),
        # All-day Wed: Stockholm midnights 11-24T23:00Z .. 11-25T23:00Z.
        ("free", "2026-11-24T23:00Z", "2026-11-25T23:00Z", "none", 0),
    ]
    assert loaded.zones == {ME: "Europe/Stockholm"}


def test_floating_read_in_override_zone() -> None:
    # --tz America/New_York wins over the calendar's hint; New York's W48 is
    # Mon 00:00 EST = 11-23T05:00Z .. 11-30T05:00Z.
    window = (pd.Timestamp("2026-11-23T05:00Z"), pd.Timestamp("2026-11-30T05:00Z"))
    loaded = load("floating.ics", window=window, tz_override="America/New_York")
    assert rows(loaded) == [
        ("meeting", "2026-11-23T14:00Z", "2026-11-23T15:00Z", "accepted", 1),  # 09:00 EST
        ("hold", "2026-11-24T18:00Z", "2026-11-24T19:30Z", "none", 0),  # 13:00 EST
        ("free", "2026-11-25T05:00Z", "2026-11-26T05:00Z", "none", 0),  # EST midnights
    ]
    assert loaded.zones == {ME: "America/New_York"}


def test_floating_read_in_configured_zone() -> None:
    # The person's configured zone beats the calendar's hint: Asia/Tokyo is UTC+9 all year, so
    # floating Mon 09:00 is 00:00Z.
    config = Config(people={ME: {"tz": "Asia/Tokyo"}})
    window = (pd.Timestamp("2026-11-22T15:00Z"), pd.Timestamp("2026-11-29T15:00Z"))
    loaded = load("floating.ics", window=window, config=config)
    assert rows(loaded)[0] == ("meeting", "2026-11-23T00:00Z", "2026-11-23T01:00Z", "accepted", 1)
    assert loaded.zones == {ME: "Asia/Tokyo"}


def test_recurrence_exdate_moved() -> None:
    loaded = load("recurrence_exdate_moved.ics")
    assert rows(loaded) == [
        # Mon 11-23 10:00-10:30 CET = 09:00-09:30Z.
        ("meeting", "2026-11-23T09:00Z", "2026-11-23T09:30Z", "accepted", 1),
        # Wed 11-25 is an EXDATE; Fri 11-27's instance moved to Thu 15:00-15:30 CET = 14:00Z.
        ("meeting", "2026-11-26T14:00Z", "2026-11-26T14:30Z", "accepted", 1),
    ]
    assert column(loaded, "event_id") == [
        "one-on-one@example.com/2026-11-23T09:00:00Z",
        "one-on-one@example.com/2026-11-26T14:00:00Z",
    ]
    assert column(loaded, "series_id") == ["one-on-one@example.com"] * 2
    assert column(loaded, "title") == ["1:1 with Sam", "1:1 with Sam (moved)"]


def test_responses_with_me() -> None:
    assert rows(load("responses.ics")) == [
        # 09:00 CET = 08:00Z. Declined -> free; others: boss@ (organizer) + colleague@ = 2.
        ("free", "2026-11-23T08:00Z", "2026-11-23T09:00Z", "declined", 2),
        ("meeting", "2026-11-23T09:00Z", "2026-11-23T10:00Z", "tentative", 1),  # boss@
        # alice@ organises and is listed again as ALICE@ (same person), plus bob@: 2.
        ("meeting", "2026-11-23T10:00Z", "2026-11-23T11:00Z", "needs_action", 2),
        # Listed without PARTSTAT: the RFC default NEEDS-ACTION; carol@ organises.
        ("meeting", "2026-11-23T12:00Z", "2026-11-23T13:00Z", "needs_action", 1),
        # ORGANIZER ME@Example.com is me (case-insensitive); a@, b@; room and projector not.
        ("meeting", "2026-11-23T13:00Z", "2026-11-23T14:00Z", "organizer", 2),
        # I am not listed at all: response none; dave@ + erin@ = 2.
        ("meeting", "2026-11-23T14:30Z", "2026-11-23T15:00Z", "none", 2),
    ]


def test_responses_without_me() -> None:
    loaded = load("responses.ics", me=None)
    # No --me: the person is the file stem; counts are distinct individuals minus one (the owner):
    # {boss, me, colleague} 3-1=2; {boss, me} 1; {alice, me, bob} 2; {carol, me} 1;
    # {me, a, b} 2; {dave, erin} 1. Nobody is known to have declined, so Planning is a meeting.
    assert rows(loaded) == [
        ("meeting", "2026-11-23T08:00Z", "2026-11-23T09:00Z", "none", 2),
        ("meeting", "2026-11-23T09:00Z", "2026-11-23T10:00Z", "none", 1),
        ("meeting", "2026-11-23T10:00Z", "2026-11-23T11:00Z", "none", 2),
        ("meeting", "2026-11-23T12:00Z", "2026-11-23T13:00Z", "none", 1),
        ("meeting", "2026-11-23T13:00Z", "2026-11-23T14:00Z", "none", 2),
        ("meeting", "2026-11-23T14:30Z", "2026-11-23T15:00Z", "none", 1),
    ]
    assert set(loaded.events["person"]) == {"responses"}
    assert loaded.zones == {"responses": "Europe/Stockholm"}


def test_room_only_booking_is_a_hold() -> None:
    assert rows(load("room_only.ics")) == [
        # Tue 10:30-12:00 CET = 09:30-11:00Z; the only other attendee is a ROOM -> alone.
        ("hold", "2026-11-24T09:30Z", "2026-11-24T11:00Z", "organizer", 0),
        # 14:00-14:45 CET = 13:00-13:45Z; me (listed twice) and a RESOURCE -> alone.
        ("hold", "2026-11-24T13:00Z", "2026-11-24T13:45Z", "organizer", 0),
    ]


def test_overlapping() -> None:
    assert rows(load("overlapping.ics")) == [
        ("meeting", "2026-11-26T09:00Z", "2026-11-26T10:00Z", "accepted", 1),  # 10:00 CET
        ("meeting", "2026-11-26T09:30Z", "2026-11-26T10:30Z", "accepted", 1),  # 10:30 CET
        ("meeting", "2026-11-26T10:32Z", "2026-11-26T11:00Z", "accepted", 1),  # 11:32 CET
        ("meeting", "2026-11-26T13:00Z", "2026-11-26T14:00Z", "accepted", 1),  # 14:00 CET
        ("meeting", "2026-11-26T13:00Z", "2026-11-26T14:00Z", "tentative", 1),  # same slot
    ]


def test_cross_midnight() -> None:
    assert rows(load("cross_midnight.ics")) == [
        # Wed 22:00 CET = 21:00Z to Thu 02:00 CET = 01:00Z: one row, split only by metrics.
        ("meeting", "2026-11-25T21:00Z", "2026-11-26T01:00Z", "organizer", 1),
        ("meeting", "2026-11-26T08:00Z", "2026-11-26T09:00Z", "accepted", 1),  # Thu 09:00
    ]


def test_cross_midnight_event_overlapping_window_start_is_kept() -> None:
    # Window from Thu 00:00 CET (11-25T23:00Z): the launch call (21:00Z-01:00Z) overlaps it.
    window = (pd.Timestamp("2026-11-25T23:00Z"), pd.Timestamp("2026-11-26T23:00Z"))
    assert [r[1] for r in rows(load("cross_midnight.ics", window=window))] == [
        "2026-11-25T21:00Z",
        "2026-11-26T08:00Z",
    ]
    # Window ending exactly when the launch call starts (21:00Z): [start, end) excludes it.
    window = (pd.Timestamp("2026-11-24T23:00Z"), pd.Timestamp("2026-11-25T21:00Z"))
    assert rows(load("cross_midnight.ics", window=window)) == []


def test_zero_length() -> None:
    loaded = load("zero_length.ics")
    assert rows(loaded) == [
        # Mon 15:00-16:00 CET = 14:00-15:00Z.
        ("meeting", "2026-11-23T14:00Z", "2026-11-23T15:00Z", "accepted", 1),
        # Wed, DATE without DTEND: one day, not zero: 11-24T23:00Z .. 11-25T23:00Z.
        ("free", "2026-11-24T23:00Z", "2026-11-25T23:00Z", "none", 0),
    ]
    # DTEND = DTSTART, a DATE-TIME without DTEND, DURATION:PT0S: three zero-length instances.
    assert loaded.dropped == {"zero_length": 3}


def test_after_hours_weekend() -> None:
    assert rows(load("after_hours_weekend.ics")) == [
        ("meeting", "2026-11-24T07:00Z", "2026-11-24T08:30Z", "accepted", 1),  # Tue 08:00-09:30
        ("meeting", "2026-11-24T16:00Z", "2026-11-24T17:30Z", "organizer", 1),  # Tue 17:00-18:30
        ("meeting", "2026-11-28T09:00Z", "2026-11-28T10:00Z", "accepted", 1),  # Sat 10:00-11:00
        ("hold", "2026-11-29T09:00Z", "2026-11-29T11:00Z", "none", 0),  # Sun 10:00-12:00
    ]


def test_recovery_deficit() -> None:
    loaded = load("recovery_deficit.ics")
    assert rows(loaded) == [
        ("meeting", "2026-11-26T08:00Z", "2026-11-26T09:00Z", "accepted", 1),  # 09:00-10:00
        ("meeting", "2026-11-26T09:00Z", "2026-11-26T09:30Z", "accepted", 1),  # 10:00-10:30
        ("hold", "2026-11-26T09:30Z", "2026-11-26T10:00Z", "none", 0),  # 10:30-11:00, at once
        ("meeting", "2026-11-26T12:00Z", "2026-11-26T13:00Z", "accepted", 1),  # 13:00-14:00
        ("meeting", "2026-11-26T13:10Z", "2026-11-26T14:00Z", "accepted", 1),  # 14:10-15:00
        ("meeting", "2026-11-26T14:30Z", "2026-11-26T15:30Z", "accepted", 1),  # 15:30-16:30
        # Carries X-CALENDAR-SLACK-TAG: ours -> focus (its title matches no pattern).
        ("focus", "2026-11-26T15:30Z", "2026-11-26T16:00Z", "none", 0),
    ]
    assert column(loaded, "ours") == [False] * 6 + [True]


# --- columns every row shares -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in CALENDARS.glob("*.ics")))
def test_common_columns(name: str) -> None:
    loaded = load(
        name, window=(pd.Timestamp("2026-01-01T00:00Z"), pd.Timestamp("2027-01-01T00:00Z"))
    )
    events = loaded.events
    assert len(events) > 0
    assert set(events["person"]) == {ME}
    assert set(events["source"]) == {"ics"}
    assert set(events["calendar"]) == {name}
    assert events["etag"].isna().all()
    # event_id = UID + "/" + instance start in UTC, so it ends with the row's own start.
    for event_id, start in zip(events["event_id"], events["start"], strict=True):
        assert event_id.endswith(f"/{start:%Y-%m-%dT%H:%M:%S}Z")
    # Loading twice gives the same table: ids are stable.
    pd.testing.assert_frame_equal(
        events,
        load(
            name, window=(pd.Timestamp("2026-01-01T00:00Z"), pd.Timestamp("2027-01-01T00:00Z"))
        ).events,
    )


def test_redact_drops_titles_but_not_their_meaning() -> None:
    plain, redacted = load("ooo_day.ics"), load("ooo_day.ics", redact=True)
    assert column(plain, "title") == ["Planning", "Conference trip", "Vacation"]
    assert column(redacted, "title") == [None, None, None]
    # "Vacation" is still OOO: classification saw the title before it was dropped.
    assert rows(redacted) == rows(plain)


def test_window_keeps_only_overlapping_instances() -> None:
    # Only Mon 2026-03-30 (CEST): 03-29T22:00Z .. 03-30T22:00Z -> that day's standup and call.
    window = (pd.Timestamp("2026-03-29T22:00Z"), pd.Timestamp("2026-03-30T22:00Z"))
    assert [r[1] for r in rows(load("dst_stockholm.ics", window=window))] == [
        "2026-03-30T07:15Z",
        "2026-03-30T13:00Z",
    ]


# --- iCalendar features, one small calendar each ----------------------------------------------


def test_highest_sequence_wins_then_last_in_file() -> None:
    a = "UID:dup\nSUMMARY:v2\nSEQUENCE:2\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z"
    b = "UID:dup\nSUMMARY:v1\nSEQUENCE:1\nDTSTART:20261123T090000Z\nDTEND:20261123T093000Z"
    assert column(load_text(vcalendar(a, b)), "title") == ["v2"]
    assert column(load_text(vcalendar(b, a)), "title") == ["v2"]
    c = "UID:dup\nSUMMARY:first\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z"
    d = "UID:dup\nSUMMARY:last\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z"
    assert column(load_text(vcalendar(c, d)), "title") == ["last"]


def test_override_moved_onto_another_instance_keeps_one_row() -> None:
    # Daily 09:00Z x3; the 11-23 instance is moved onto 11-24 09:00Z (SEQUENCE 1), where the
    # series has its own instance (SEQUENCE 0): one row per (UID, start), the override wins.
    master = (
        "UID:s\nSUMMARY:daily\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z\n"
        "RRULE:FREQ=DAILY;COUNT=3"
    )
    moved = (
        "UID:s\nSUMMARY:moved\nSEQUENCE:1\nRECURRENCE-ID:20261123T090000Z\n"
        "DTSTART:20261124T090000Z\nDTEND:20261124T100000Z"
    )
    loaded = load_text(vcalendar(master, moved))
    assert column(loaded, "event_id") == ["s/2026-11-24T09:00:00Z", "s/2026-11-25T09:00:00Z"]
    assert column(loaded, "title") == ["moved", "daily"]


def test_cancelled_instances_are_dropped_and_counted() -> None:
    # Daily 09:00Z x3 (11-23..11-25), the 11-24 instance cancelled; plus a cancelled one-off.
    master = "UID:s\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z\nRRULE:FREQ=DAILY;COUNT=3"
    cancelled = (
        "UID:s\nRECURRENCE-ID:20261124T090000Z\nSTATUS:CANCELLED\n"
        "DTSTART:20261124T090000Z\nDTEND:20261124T100000Z"
    )
    one_off = "UID:o\nSTATUS:CANCELLED\nDTSTART:20261126T090000Z\nDTEND:20261126T100000Z"
    loaded = load_text(vcalendar(master, cancelled, one_off))
    assert [r[1] for r in rows(loaded)] == ["2026-11-23T09:00Z", "2026-11-25T09:00Z"]
    assert loaded.dropped == {"cancelled": 2}


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ("TRANSP:TRANSPARENT", "free"),
        ("X-MICROSOFT-CDO-BUSYSTATUS:FREE", "free"),
        ("X-MICROSOFT-CDO-BUSYSTATUS:OOF", "ooo"),
        ("X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "meeting"),
        ("X-CALENDAR-SLACK-TAG:focus-1", "focus"),
        ("STATUS:CONFIRMED", "meeting"),
    ],
)
def test_vendor_flags(extra: str, kind: str) -> None:
    event = (
        f"UID:f\nSUMMARY:Thing\n{extra}\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z\n"
        "ORGANIZER:mailto:boss@example.com\nATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.com"
    )
    assert [r[0] for r in rows(load_text(vcalendar(event)))] == [kind]


@pytest.mark.parametrize(
    ("partstat", "response", "kind"),
    [
        ("ACCEPTED", "accepted", "meeting"),
        ("TENTATIVE", "tentative", "meeting"),
        ("NEEDS-ACTION", "needs_action", "meeting"),
        ("DECLINED", "declined", "free"),
        ("DELEGATED", "declined", "free"),
        ("X-UNHEARD-OF", "none", "meeting"),
    ],
)
def test_partstat(partstat: str, response: str, kind: str) -> None:
    event = (
        "UID:p\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z\n"
        f"ORGANIZER:mailto:boss@example.com\nATTENDEE;PARTSTAT={partstat}:MAILTO:Me@Example.COM"
    )
    assert rows(load_text(vcalendar(event)))[0][0::3] == (kind, response)


def test_only_individuals_count_as_attendees() -> None:
    event = (
        "UID:c\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z\nORGANIZER:mailto:me@example.com\n"
        "ATTENDEE;CUTYPE=GROUP:mailto:team@example.com\n"
        "ATTENDEE;CUTYPE=ROOM:mailto:room@example.com\n"
        "ATTENDEE;CUTYPE=RESOURCE:mailto:beamer@example.com\n"
        "ATTENDEE;CUTYPE=UNKNOWN:mailto:who@example.com\n"
        "ATTENDEE;CUTYPE=INDIVIDUAL:mailto:ann@example.com\n"
        "ATTENDEE:mailto:bo@example.com"
    )
    # ann@ (INDIVIDUAL) and bo@ (no CUTYPE): 2.
    assert rows(load_text(vcalendar(event))) == [
        ("meeting", "2026-11-23T09:00Z", "2026-11-23T10:00Z", "organizer", 2)
    ]


def test_zone_hint_windows_name_and_unknown_hint() -> None:
    floating = "UID:f\nDTSTART:20261123T090000\nDTEND:20261123T100000"
    # "W. Europe Standard Time" is Windows' name for Europe/Berlin (CET, UTC+1): 08:00Z.
    windows = vcalendar(floating, header="X-WR-TIMEZONE:W. Europe Standard Time\n")
    loaded = load_text(windows)
    assert rows(loaded)[0][1] == "2026-11-23T08:00Z"
    assert loaded.zones == {ME: "Europe/Berlin"}
    # A hint that names no zone is ignored: the fallback (UTC here) reads 09:00 as 09:00Z.
    unknown = load_text(vcalendar(floating, header="X-WR-TIMEZONE:Middle/Earth\n"))
    assert rows(unknown)[0][1] == "2026-11-23T09:00Z"
    assert unknown.zones == {ME: "UTC"}


def test_bare_vevents_and_several_vcalendars() -> None:
    bare = "BEGIN:VEVENT\nUID:b\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z\nEND:VEVENT\n"
    assert [r[1] for r in rows(load_text(bare))] == ["2026-11-23T09:00Z"]
    two = vcalendar("UID:x\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z") + vcalendar(
        "UID:y\nDTSTART:20261124T090000Z\nDTEND:20261124T100000Z"
    )
    assert [r[1] for r in rows(load_text(two))] == ["2026-11-23T09:00Z", "2026-11-24T09:00Z"]


def test_event_without_uid_gets_a_stable_content_id() -> None:
    text = vcalendar("SUMMARY:No uid\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z")
    first, second = column(load_text(text), "event_id"), column(load_text(text), "event_id")
    assert first == second
    assert str(first[0]).startswith("nouid-")
    assert str(first[0]).endswith("/2026-11-23T09:00:00Z")


def test_all_day_with_dtend_equal_to_dtstart_lasts_one_day() -> None:
    text = vcalendar("UID:d\nDTSTART;VALUE=DATE:20261124\nDTEND;VALUE=DATE:20261124")
    # Tue in Stockholm: 11-23T23:00Z .. 11-24T23:00Z.
    assert rows(load_text(text)) == [("free", "2026-11-23T23:00Z", "2026-11-24T23:00Z", "none", 0)]


def test_rdate_and_duration() -> None:
    text = vcalendar(
        "UID:r\nDTSTART:20261123T090000Z\nDURATION:PT45M\nRDATE:20261125T130000Z,20261127T130000Z"
    )
    assert [r[1:3] for r in rows(load_text(text))] == [
        ("2026-11-23T09:00Z", "2026-11-23T09:45Z"),
        ("2026-11-25T13:00Z", "2026-11-25T13:45Z"),
        ("2026-11-27T13:00Z", "2026-11-27T13:45Z"),
    ]


def test_empty_calendar_gives_an_empty_table() -> None:
    loaded = load_text(vcalendar())
    assert len(loaded.events) == 0
    schema.validate(loaded.events)
    assert loaded.zones == {ME: "Europe/Stockholm"}


# --- bad input ---------------------------------------------------------------------------------

_GOOD_EVENT = "UID:g\nDTSTART:20261123T090000Z\nDTEND:20261123T100000Z"


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (b"", "is not an iCalendar file"),
        (b'{"events": []}', "is not an iCalendar file"),
        (b"BEGIN:VCARD\nFN:Ann\nEND:VCARD\n", "is not an iCalendar file"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n", "is incomplete"),
        (b"BEGIN:VCALENDAR\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n", "malformed content"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\xff\nEND:VEVENT\nEND:VCALENDAR\n", "not UTF-8"),
        (vcalendar(_GOOD_EVENT + "\nthis is no content line").encode(), "malformed content"),
        (vcalendar("UID:x\nDTSTART:2026-11-23").encode(), "DTSTART"),
        (vcalendar("UID:x\nSUMMARY:no start").encode(), "has no DTSTART in event 'x'"),
        (vcalendar(_GOOD_EVENT + "\nRRULE:FREQ=SOMETIMES").encode(), "bad RRULE"),
        (vcalendar(_GOOD_EVENT + "\nRRULE:COUNT=3").encode(), "bad RRULE"),
        (vcalendar(_GOOD_EVENT + "\nRRULE:FREQ=WEEKLY;BYDAY=XX").encode(), "bad RRULE"),
        (
            vcalendar("UID:x\nDTSTART:20261123T100000Z\nDTEND:20261123T090000Z").encode(),
            "DTEND before DTSTART",
        ),
        (
            vcalendar("UID:x\nDTSTART;VALUE=DATE:20261123\nDTEND:20261123T090000Z").encode(),
            "mix a DATE",
        ),
        (vcalendar("UID:x\nDTSTART:20261123T100000Z\nDURATION:-PT1H").encode(), "bad DURATION"),
        (vcalendar(_GOOD_EVENT + "\nDTSTART:20261124T090000Z").encode(), "DTSTART appears twice"),
        (
            vcalendar("UID:x\nDTSTART;TZID=Mars/Olympus:20261123T090000").encode(),
            "TZID='Mars/Olympus'",
        ),
        (
            vcalendar(
                "UID:x\nDTSTART:20261123T090000Z\nRRULE:FREQ=DAILY;COUNT=2\n"
                "EXDATE;TZID=Nowhere:20261124T090000"
            ).encode(),
            "TZID='Nowhere'",
        ),
        (
            b"BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Bad\nBEGIN:STANDARD\nDTSTART:19700101T000000\n"
            b"TZOFFSETFROM:+5328\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n",
            "malformed content",
        ),
    ],
)
def test_bad_files_raise_one_line_naming_the_file(
    tmp_path: Path, content: bytes, cause: str
) -> None:
    path = tmp_path / "bad.ics"
    path.write_bytes(content)
    with pytest.raises(BadInputError) as caught:
        ics.load(str(path), text_request(me=ME))
    message = str(caught.value)
    assert message.startswith(f"calendar file {path}: ")
    assert cause in message
    assert "\n" not in message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"calendar file .*nope\.ics: does not exist$"):
        ics.load(str(tmp_path / "nope.ics"), text_request())
    with pytest.raises(BadInputError, match=r"is a directory, not a calendar file$"):
        ics.load(str(tmp_path), text_request())
    with pytest.raises(BadInputError, match=r"^source ics: needs a file path or an http"):
        ics.load("  ", text_request())


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, for whom chmod 000 changes nothing: make the read itself fail.
    path = tmp_path / "locked.ics"
    path.write_text(vcalendar(_GOOD_EVENT))

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(BadInputError, match=r"locked\.ics: cannot be read \(Permission denied\)$"):
        ics.load(str(path), text_request())


def test_person_is_the_file_stem_without_me(tmp_path: Path) -> None:
    path = tmp_path / "Ana.Work.ics"
    path.write_text(vcalendar(_GOOD_EVENT))
    loaded = ics.load(str(path), text_request())
    assert set(loaded.events["person"]) == {"ana.work"}
    assert set(loaded.events["calendar"]) == {"Ana.Work.ics"}


# --- URLs: a real HTTP server on loopback ----------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def do_GET(self) -> None:
        if self.path.startswith("/cal/Team%20Calendar.ics"):
            self._send(200, (CALENDARS / "floating.ics").read_bytes())
        elif self.path == "/old.ics":
            self.send_response(301)
            self.send_header("Location", "/cal/Team%20Calendar.ics")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/latin1.ics":
            self._send(200, vcalendar("UID:x\nSUMMARY:Möte").encode("latin-1"))
        elif self.path == "/slow.ics":
            self.release.wait(5)
            self._send(200, b"")
        else:
            self._send(404, b"not here")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    _Handler.release.clear()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        _Handler.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_url_loads_like_a_file(server: str) -> None:
    url = f"{server}/cal/Team%20Calendar.ics?token=secret"
    loaded = ics.load(url, text_request())
    # Same rows as floating.ics from disk; the person is the URL path's stem, lower-cased.
    assert rows(loaded) == rows(load("floating.ics", me=None))
    assert set(loaded.events["person"]) == {"team calendar"}
    assert set(loaded.events["calendar"]) == {"Team Calendar.ics"}
    # Redirects are followed.
    assert rows(ics.load(f"{server}/old.ics", text_request())) == rows(loaded)


def test_url_errors_name_the_url(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        BadInputError, match=r"^calendar URL .*/missing\.ics: answered HTTP 404 Not Found$"
    ):
        ics.load(f"{server}/missing.ics", text_request())
    with pytest.raises(BadInputError, match=r"^calendar URL .*/latin1\.ics: is not UTF-8 text"):
        ics.load(f"{server}/latin1.ics", text_request())
    monkeypatch.setattr(ics, "FETCH_TIMEOUT_S", 0.2)
    with pytest.raises(
        BadInputError, match=r"^calendar URL .*/slow\.ics: did not answer within 0\.2 s$"
    ):
        ics.load(f"{server}/slow.ics", text_request())


def test_url_connection_refused() -> None:
    with socket.socket() as probe:  # a loopback port that nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(
        BadInputError, match=rf"^calendar URL http://127\.0\.0\.1:{port}/x\.ics: cannot be fetched"
    ):
        ics.load(f"http://127.0.0.1:{port}/x.ics", text_request())


def test_webcal_is_fetched_over_https(server: str) -> None:
    # webcal:// means https://; our loopback server speaks plain HTTP, so TLS fails - and the
    # message names the https URL we tried.
    port = server.rsplit(":", 1)[1]
    with pytest.raises(
        BadInputError, match=rf"^calendar URL https://127\.0\.0\.1:{port}/cal/x\.ics: "
    ):
        ics.load(f"webcal://127.0.0.1:{port}/cal/x.ics", text_request())
