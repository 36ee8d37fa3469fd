"""Every calendar of the shared khal corpus loads, or is refused with one line naming the file.

The corpus (../shared/corpus/ics-khal, next to this repository) holds real-world oddities:
floating times, missing and invented time zones, odd RRULEs, recurrence ids without a master,
bare VEVENTs. If the folder is missing these tests fail (they never skip). A few files' content
is checked value by value; the times are worked out in the comments.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from calendar_slack import schema
from calendar_slack.connectors import ics
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.errors import BadInputError

CORPUS = (Path(__file__).parents[2] / ".." / "shared" / "corpus" / "ics-khal").resolve()
FILES = sorted(CORPUS.glob("*.ics")) if CORPUS.is_dir() else []
#: Wide enough for every file (1965 .. 2023), so nothing is cut by the window.
EVERYTHING = (pd.Timestamp("1960-01-01T00:00Z"), pd.Timestamp("2030-01-01T00:00Z"))

#: The files we refuse, and the cause their one-line message must give.
REFUSED = {
    # TZID with no VTIMEZONE that is no IANA or Windows zone name: we cannot place the times.
    "event_dt_local_missing_tz.ics": "unknown time zone TZID='FOO'",
    "event_dtr_no_tz_exdatez.ics": "unknown time zone TZID='LOLOLOL'",
    "event_dtr_notz_untilz.ics": "unknown time zone TZID='GMT-05.00/-04.00'",
    "event_rrule_recuid_invalid_tzid.ics": "unknown time zone TZID='foo'",
    # A VTIMEZONE offset of +53:28.
    "invalid_tzoffset.ics": "malformed content (Offset must be less than 24 hours, was +5328)",
    # An alarm TRIGGER of PT-2H (the sign must come first: -PT2H).
    "non_dst_error.ics": "malformed content (Invalid iCalendar duration: PT-2H)",
}


def load(name: str, window: tuple[pd.Timestamp, pd.Timestamp] = EVERYTHING, **kw: object) -> Loaded:
    start, end = window
    request = LoadRequest(start, end, **kw)  # type: ignore[arg-type]
    return ics.load(str(CORPUS / name), request)


def spans(loaded: Loaded) -> list[tuple[str, str]]:
    return [
        (f"{r.start:%Y-%m-%dT%H:%M}Z", f"{r.end:%Y-%m-%dT%H:%M}Z")
        for r in loaded.events.itertuples()
    ]


def test_corpus_is_present() -> None:
    assert CORPUS.is_dir(), f"the shared ICS corpus is missing: expected the folder {CORPUS}"
    assert len(FILES) >= 50, f"the shared ICS corpus at {CORPUS} holds only {len(FILES)} files"
    assert set(REFUSED) <= {path.name for path in FILES}


@pytest.mark.parametrize(
    "path",
    FILES or [pytest.param(None, id="corpus-missing")],
    ids=lambda p: p.name if isinstance(p, Path) else str(p),
)
def test_file_loads_or_is_refused_naming_it(path: Path | None) -> None:
    assert path is not None, f"the shared ICS corpus is missing: expected the folder {CORPUS}"
    request = LoadRequest(*EVERYTHING, fallback_tz="Europe/Berlin")
    if path.name in REFUSED:
        with pytest.raises(BadInputError) as caught:
            ics.load(str(path), request)
        message = str(caught.value)
        assert message.startswith(f"calendar file {path}: ")
        assert REFUSED[path.name] in message
        assert "\n" not in message
        return
    loaded = ics.load(str(path), request)
    events = schema.validate(loaded.events)
    person = path.stem.lower()
    assert loaded.zones == {person: "Europe/Berlin"}
    assert set(events["person"]) <= {person}
    assert set(events["calendar"]) <= {path.name}
    assert (events["end"] > events["start"]).all()
    assert events["event_id"].is_unique


def test_floating_times_are_read_in_the_given_zone() -> None:
    # DTSTART:20140409T093000, DTEND 10:30, no zone. In New York (EDT since 2014-03-09, UTC-4):
    # 13:30Z-14:30Z. In Kolkata (UTC+5:30): 04:00Z-05:00Z.
    new_york = load("event_dt_floating.ics", tz_override="America/New_York")
    assert spans(new_york) == [("2014-04-09T13:30Z", "2014-04-09T14:30Z")]
    assert new_york.zones == {"event_dt_floating": "America/New_York"}
    kolkata = load("event_dt_floating.ics", fallback_tz="Asia/Kolkata")
    assert spans(kolkata) == [("2014-04-09T04:00Z", "2014-04-09T05:00Z")]


def test_daily_rule_is_expanded_only_inside_the_window() -> None:
    # FREQ=DAILY;COUNT=10 from floating 2014-04-09 09:30 (read in UTC): 04-09 .. 04-18.
    assert len(load("event_dt_rr.ics", tz_override="UTC").events) == 10
    # [04-12 00:00Z, 04-15 00:00Z) holds the instances of 04-12, 04-13 and 04-14.
    window = (pd.Timestamp("2014-04-12T00:00Z"), pd.Timestamp("2014-04-15T00:00Z"))
    loaded = load("event_dt_rr.ics", window, tz_override="UTC")
    assert spans(loaded) == [
        ("2014-04-12T09:30Z", "2014-04-12T10:30Z"),
        ("2014-04-13T09:30Z", "2014-04-13T10:30Z"),
        ("2014-04-14T09:30Z", "2014-04-14T10:30Z"),
    ]
    assert set(loaded.events["series_id"]) == {"V042MJ8B3SJNFXQOJL6P53OFMHJE8Z3VZWOU"}


def test_recurrence_id_without_master_is_one_instance() -> None:
    loaded = load("event_dt_recuid_no_master.ics", tz_override="UTC")
    assert spans(loaded) == [("2017-03-29T16:00Z", "2017-03-29T16:25Z")]
    assert loaded.events["event_id"].tolist() == ["406336/2017-03-29T16:00:00Z"]
    assert loaded.events["series_id"].tolist() == ["406336"]  # it belongs to a series


def test_moved_and_cancelled_overrides() -> None:
    # Weekly Mondays 07:00-12:00 Berlin (CEST, UTC+2 -> 05:00Z) from 06-30 until 08-06:
    # 06-30, 07-07, 07-14, 07-21, 07-28, 08-04. 07-07 is moved to 09:00-14:00 (07:00Z).
    moved = load("event_rrule_recuid.ics")
    assert spans(moved) == [
        ("2014-06-30T05:00Z", "2014-06-30T10:00Z"),
        ("2014-07-07T07:00Z", "2014-07-07T12:00Z"),
        ("2014-07-14T05:00Z", "2014-07-14T10:00Z"),
        ("2014-07-21T05:00Z", "2014-07-21T10:00Z"),
        ("2014-07-28T05:00Z", "2014-07-28T10:00Z"),
        ("2014-08-04T05:00Z", "2014-08-04T10:00Z"),
    ]
    # The same with 07-14 cancelled: five rows, one cancellation counted.
    cancelled = load("event_rrule_recuid_cancelled.ics")
    assert spans(cancelled) == spans(moved)[:2] + spans(moved)[3:]
    assert cancelled.dropped == {"cancelled": 1}


def test_duplicate_uid_keeps_the_last() -> None:
    loaded = load("event_dt_multi_uid.ics")
    assert loaded.events["title"].tolist() == ["Test original", "Test last"]


def test_partstat_and_attendee_count() -> None:
    # jdoe@ ACCEPTED; the others: hcabot, iamboss, jqpublic, another, tent (no ORGANIZER) = 5.
    jdoe = load("event_dt_partstat.ics", me="JDoe@Example.com")
    assert jdoe.events[["kind", "response", "attendees"]].values.tolist() == [
        ["meeting", "accepted", 5]
    ]
    another = load("event_dt_partstat.ics", me="another@example.com")
    assert another.events[["kind", "response"]].values.tolist() == [["free", "declined"]]
    # Without --me: 6 distinct people, minus the owner.
    assert load("event_dt_partstat.ics").events["attendees"].tolist() == [5]


def test_end_rules() -> None:
    # DATE-TIME start without end: zero length, dropped and counted.
    no_end = load("event_dt_no_end.ics")
    assert len(no_end.events) == 0
    assert no_end.dropped == {"zero_length": 1}
    # DATE start with DTEND = DTSTART: one day, Berlin midnights (CEST): 04-08T22:00Z ..
    same = load("event_d_same_start_end.ics", fallback_tz="Europe/Berlin")
    assert spans(same) == [("2014-04-08T22:00Z", "2014-04-09T22:00Z")]
    assert same.events["all_day"].tolist() == [True]
    # DURATION:PT1H0M0S from 09:30 Berlin (CEST): 07:30Z-08:30Z; only frank@ organises and,
    # without --me, he is taken as the owner: a hold.
    duration = load("event_dt_duration.ics")
    assert spans(duration) == [("2014-04-09T07:30Z", "2014-04-09T08:30Z")]
    assert duration.events[["kind", "attendees"]].values.tolist() == [["hold", 0]]


def test_yearly_since_1965_in_a_five_year_window() -> None:
    # All-day every 04-23 since 1965; [2020-01-01, 2025-01-01) in UTC holds 2020..2024.
    window = (pd.Timestamp("2020-01-01T00:00Z"), pd.Timestamp("2025-01-01T00:00Z"))
    loaded = load("event_r_past.ics", window, tz_override="UTC")
    assert spans(loaded) == [(f"{y}-04-23T00:00Z", f"{y}-04-24T00:00Z") for y in range(2020, 2025)]


def test_custom_vtimezones() -> None:
    # Start 09:30 in the file's own "Europe_Berlin" (CEST from 2014-03-30: 07:30Z), end 10:30
    # in its "America_New_York" (EDT from 2014-03-09: 14:30Z).
    loaded = load("cal_lots_of_timezones.ics")
    assert spans(loaded)[0] == ("2014-04-09T07:30Z", "2014-04-09T14:30Z")
    # A Windows zone name with its own VTIMEZONE: the file's definition (+01:00 since
    # 2019-10-27) is used, so 13:00 is 12:00Z.
    assert spans(load("tz_windows_format.ics")) == [("2019-11-20T12:00Z", "2019-11-20T13:30Z")]


def test_rdate_repeating_the_start_and_missing_uid() -> None:
    # RDATE lists the DTSTART date again: four days, not five (Berlin midnights, CEST).
    assert spans(load("event_d_rdate.ics", fallback_tz="Europe/Berlin")) == [
        (f"2015-08-{d:02d}T22:00Z", f"2015-08-{d + 1:02d}T22:00Z") for d in (11, 12, 13, 14)
    ]
    without_uid = load("without_uid.ics")
    assert len(without_uid.events) == 1
    assert str(without_uid.events["event_id"].iloc[0]).startswith("nouid-")
