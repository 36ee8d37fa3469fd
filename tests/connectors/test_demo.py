"""The demo team: deterministic for any window, eight people, every pattern the reports show."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_slack import schema
from calendar_slack.connectors import demo
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.errors import BadInputError
from calendar_slack.prefs import Config

UTC = "UTC"
TEAM = {
    "ana@demo.example",
    "ben@demo.example",
    "carl@demo.example",
    "dana@demo.example",
    "erik@demo.example",
    "farah@demo.example",
    "gus@demo.example",
    "hana@demo.example",
}


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def request(start: str, end: str, **kwargs: object) -> LoadRequest:
    return LoadRequest(start=ts(start), end=ts(end), **kwargs)  # type: ignore[arg-type]


@cache
def four_weeks(seed: str = "") -> Loaded:
    # ISO weeks 2026-W48 … 2026-W51: Mon 2026-11-23 00:00 UTC to Mon 2026-12-21 00:00 UTC.
    return demo.load(seed, request("2026-11-23", "2026-12-21"))


def local_hour(events: pd.DataFrame, column: str, zone: str) -> list[int]:
    return [stamp.tz_convert(zone).hour for stamp in events[column]]


def rows(events: pd.DataFrame, person: str, event_id: str) -> pd.DataFrame:
    return events[(events["person"] == person) & (events["event_id"] == event_id)]


def test_same_window_twice_gives_identical_frames() -> None:
    first = demo.load("", request("2026-11-23", "2026-12-21"))
    again = demo.load("", request("2026-11-23", "2026-12-21"))
    pd.testing.assert_frame_equal(first.events, again.events)
    assert first.zones == again.zones
    assert first.dropped == again.dropped


def test_sub_window_equals_slice_of_larger_window() -> None:
    big = four_weeks().events
    sub = demo.load("", request("2026-11-25 13:37", "2026-12-02 08:00")).events
    inside = big[(big["start"] < ts("2026-12-02 08:00")) & (big["end"] > ts("2026-11-25 13:37"))]
    pd.testing.assert_frame_equal(sub, inside.reset_index(drop=True))
    assert len(sub) > 0


@settings(max_examples=25, deadline=None)
@given(
    offset=st.integers(min_value=0, max_value=27 * 24 * 60),
    length=st.integers(min_value=1, max_value=7 * 24 * 60),
)
def test_any_sub_window_agrees_with_the_larger_window(offset: int, length: int) -> None:
    start = ts("2026-11-23") + pd.Timedelta(minutes=offset)
    end = min(start + pd.Timedelta(minutes=length), ts("2026-12-21"))
    big = four_weeks().events
    sub = demo.load("", LoadRequest(start=start, end=end)).events
    inside = big[(big["start"] < end) & (big["end"] > start)].reset_index(drop=True)
    pd.testing.assert_frame_equal(sub, inside)


def test_the_team_has_eight_people_and_hana_lives_in_new_york() -> None:
    loaded = four_weeks()
    assert set(loaded.events["person"]) == TEAM
    assert set(loaded.zones) == TEAM
    assert loaded.zones["hana@demo.example"] == "America/New_York"
    assert {z for p, z in loaded.zones.items() if p != "hana@demo.example"} == {"Europe/Stockholm"}


def test_zone_overrides_come_from_the_request() -> None:
    config = Config.model_validate({"people": {"carl@demo.example": {"tz": "Europe/London"}}})
    loaded = demo.load("", request("2026-11-23", "2026-11-30", config=config))
    assert loaded.zones["carl@demo.example"] == "Europe/London"
    assert loaded.zones["hana@demo.example"] == "America/New_York"
    forced = demo.load("", request("2026-11-23", "2026-11-30", tz_override="Asia/Tokyo"))
    assert set(forced.zones.values()) == {"Asia/Tokyo"}


def test_all_rows_are_valid_canonical_rows() -> None:
    events = four_weeks().events
    pd.testing.assert_frame_equal(schema.validate(events), events)
    assert list(events.columns) == list(schema.COLUMNS)
    assert set(events["source"]) == {"demo"}
    assert set(events["calendar"]) == {"demo"}
    assert not events.duplicated(["person", "event_id"]).any()
    assert not events["ours"].any()
    # Every row overlaps the window.
    assert (events["start"] < ts("2026-12-21")).all()
    assert (events["end"] > ts("2026-11-23")).all()
    pd.testing.assert_frame_equal(events, schema.sort_canonical(events))


def after_hours(events: pd.DataFrame, zones: dict[str, str]) -> pd.DataFrame:
    """Meetings starting before 09:00 or at/after 17:00 local, or on a weekend."""
    flags = []
    for _, row in events.iterrows():
        start = row["start"].tz_convert(zones[row["person"]])
        minute = start.hour * 60 + start.minute
        flags.append(
            row["kind"] == "meeting"
            and (start.weekday() >= 5 or minute < 9 * 60 or minute >= 17 * 60)
        )
    return events[flags]


@pytest.mark.parametrize("seed", ["", "1", "7"])
@pytest.mark.parametrize("monday", ["2026-11-23", "2027-03-01", "2027-06-07", "2028-01-03"])
def test_every_pattern_appears_in_any_four_week_window(seed: str, monday: str) -> None:
    start = ts(monday)
    loaded = demo.load(seed, LoadRequest(start=start, end=start + pd.Timedelta(weeks=4)))
    events = loaded.events
    declined = events[events["response"] == "declined"]
    assert len(declined) > 0
    assert set(declined["kind"]) == {"free"}  # rule 2: declined -> free
    ooo = events[events["kind"] == "ooo"]
    assert len(ooo) > 0
    assert ooo["all_day"].all()
    assert set(ooo["title"]) == {"Vacation"}
    tentative = events[events["response"] == "tentative"]
    assert (tentative["kind"] == "meeting").any()  # rule 7: tentative still counts as a meeting
    holds = events[events["kind"] == "hold"]
    assert len(holds) > 0
    assert (holds["attendees"] == 0).all()
    focus = events[events["kind"] == "focus"]
    assert "Focus time" in set(focus["title"])
    assert len(after_hours(events, loaded.zones)) > 0
    standups = events[events["series_id"] == "demo-standup"]
    # 20 working days, stand-ups for the 7 Stockholm people, a few declined on vacation days.
    assert standups["event_id"].nunique() == 20
    assert set(standups["person"]) == TEAM - {"hana@demo.example"}


def test_ben_has_a_back_to_back_afternoon_then_a_hold() -> None:
    events = four_weeks().events
    ben = events[events["person"] == "ben@demo.example"]
    tuesday = ben[
        (ben["start"] >= ts("2026-11-24 12:00")) & (ben["start"] < ts("2026-11-24 16:00"))
    ].reset_index(drop=True)
    # Tue 2026-11-24, Stockholm on CET (UTC+1): 13:00 local = 12:00 UTC. Three meetings in a row,
    # each 30, 45 or 60 minutes, then "Write up notes" starting the minute the last one ends.
    meetings = tuesday[tuesday["event_id"].str.startswith("b2b")]
    assert len(meetings) == 3
    assert meetings["start"].iloc[0] == ts("2026-11-24 12:00")
    assert (meetings["start"].iloc[1:].to_numpy() == meetings["end"].iloc[:-1].to_numpy()).all()
    lengths = ((meetings["end"] - meetings["start"]).dt.total_seconds() // 60).astype(int)
    assert set(lengths) <= {30, 45, 60}
    assert 90 <= lengths.sum() <= 180  # a run of at least recovery_after (60) minutes
    write_up = rows(ben, "ben@demo.example", "write-up-20261124")
    assert write_up["kind"].tolist() == ["hold"]
    assert write_up["start"].iloc[0] == meetings["end"].iloc[-1]


def test_hanas_meetings_land_in_her_morning_and_after_her_hours() -> None:
    events = four_weeks().events
    # Team meeting Wed 2026-11-25 15:00 Stockholm (UTC+1) = 14:00 UTC = 09:00 New York (UTC-5).
    team = rows(events, "hana@demo.example", "team-20261125")
    assert team["start"].tolist() == [ts("2026-11-25 14:00")]
    assert team["attendees"].tolist() == [7]  # the other seven of the team
    # APAC partner sync Tue 2026-11-24 17:30-18:15 New York = 22:30-23:15 UTC: after her hours.
    apac = rows(events, "hana@demo.example", "apac-20261124")
    assert apac["start"].tolist() == [ts("2026-11-24 22:30")]
    assert apac["end"].tolist() == [ts("2026-11-24 23:15")]
    assert apac["kind"].tolist() == ["meeting"]


def test_team_meetings_stay_on_stockholm_time_when_new_york_changes_clocks_first() -> None:
    # 2026: New York springs forward on 8 March, Stockholm on 29 March. Wed 2026-03-11 15:00 CET
    # (UTC+1) = 14:00 UTC = 10:00 EDT (UTC-4) for hana, an hour later than in winter.
    events = demo.load("", request("2026-03-09", "2026-03-16")).events
    team = rows(events, "hana@demo.example", "team-20260311")
    assert team["start"].tolist() == [ts("2026-03-11 14:00")]
    assert local_hour(team, "start", "America/New_York") == [10]


def test_vacation_is_all_day_and_shared_meetings_are_auto_declined() -> None:
    events = four_weeks().events
    # Seed 0: week index of Mon 2026-11-30 is (2026-11-30 - 2001-01-01) // 7 = 9464 // 7 = 1352,
    # and 1352 % 4 == 0, so erik takes Friday 2026-12-04 off. Stockholm is UTC+1 in December:
    # local midnight 2026-12-04 00:00 = 2026-12-03 23:00 UTC.
    vacation = rows(events, "erik@demo.example", "vacation-20261204")
    assert vacation["start"].tolist() == [ts("2026-12-03 23:00")]
    assert vacation["end"].tolist() == [ts("2026-12-04 23:00")]
    assert vacation["kind"].tolist() == ["ooo"]
    assert vacation["all_day"].tolist() == [True]
    standup = rows(events, "erik@demo.example", "standup-20261204")
    assert standup["response"].tolist() == ["declined"]
    assert standup["kind"].tolist() == ["free"]


def test_all_day_events_follow_the_reported_zone_and_timed_events_do_not_move() -> None:
    stockholm = demo.load("", request("2026-11-30", "2026-12-07")).events
    forced = demo.load("", request("2026-11-30", "2026-12-07", tz_override=UTC)).events
    vacation = rows(forced, "erik@demo.example", "vacation-20261204")
    # In UTC the local day 2026-12-04 runs from 00:00 to the next midnight.
    assert vacation["start"].tolist() == [ts("2026-12-04 00:00")]
    assert vacation["end"].tolist() == [ts("2026-12-05 00:00")]
    timed = stockholm[~stockholm["all_day"]].reset_index(drop=True)
    forced_timed = forced[~forced["all_day"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(timed, forced_timed)


def test_every_one_on_one_is_either_in_the_calendar_or_counted_as_cancelled() -> None:
    loaded = four_weeks()
    ana = loaded.events[loaded.events["person"] == "ana@demo.example"]
    held = ana["series_id"].str.startswith("demo-1on1-").sum()
    # 7 reports x 4 weeks = 28 slots; a cancelled 1:1 is dropped from both calendars.
    assert held < 28  # ana's vacation week (Mon 2026-11-30, (1352 + 0) % 13 == 0) cancels 7
    assert loaded.dropped == {"cancelled": 2 * (28 - held)}


def test_load_varies_between_weeks_with_wins_and_losses() -> None:
    events = four_weeks().events
    meetings = events[events["kind"] == "meeting"]
    minutes = (meetings["end"] - meetings["start"]).dt.total_seconds() / 60
    week = (meetings["start"] - ts("2026-11-23")).dt.days // 7
    table = minutes.groupby([meetings["person"], week]).sum().unstack(fill_value=0)
    change = table.diff(axis=1).iloc[:, 1:]
    assert (change > 0).to_numpy().any()  # someone had a heavier week than the one before
    assert (change < 0).to_numpy().any()  # and someone a lighter one


def test_redact_drops_titles_after_classification() -> None:
    plain = four_weeks().events
    redacted = demo.load("", request("2026-11-23", "2026-12-21", redact=True)).events
    assert redacted["title"].isna().all()
    pd.testing.assert_frame_equal(redacted.drop(columns="title"), plain.drop(columns="title"))


def test_a_seed_gives_another_team_history_with_the_same_people() -> None:
    other = four_weeks("7").events
    assert set(other["person"]) == TEAM
    assert not other[["person", "event_id", "start"]].equals(
        four_weeks().events[["person", "event_id", "start"]]
    )


def test_a_bad_seed_is_a_one_line_bad_input_error() -> None:
    with pytest.raises(BadInputError) as caught:
        demo.load("seven", request("2026-11-23", "2026-11-30"))
    message = str(caught.value)
    assert "demo:seven" in message
    assert "\n" not in message


def test_an_empty_window_gives_an_empty_table() -> None:
    loaded = demo.load("", request("2026-11-23", "2026-11-23"))
    pd.testing.assert_frame_equal(loaded.events, schema.empty_frame())
    assert set(loaded.zones) == TEAM


def test_date_by_date_generation_does_not_depend_on_the_window_start() -> None:
    # The same local date seen from windows that start a week apart holds the same rows.
    day = (ts("2026-12-09 00:00"), ts("2026-12-10 00:00"))
    a = demo.load("", request("2026-12-01", "2026-12-12")).events
    b = demo.load("", request("2026-12-08", "2026-12-19")).events
    pick = [(x[(x["start"] < day[1]) & (x["end"] > day[0])]).reset_index(drop=True) for x in (a, b)]
    pd.testing.assert_frame_equal(pick[0], pick[1])
    assert len(pick[0]) > 0
    assert dt.date(2026, 12, 9).weekday() == 2  # a Wednesday: the team meeting is in it
    assert (pick[0]["series_id"] == "demo-team").sum() == 8
