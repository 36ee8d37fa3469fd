"""The weekly pipeline: report shape and numbers, the previous period, and the sentences."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_slack.errors import BadInputError
from calendar_slack.metrics import METRICS, PersonDays
from calendar_slack.prefs import Config
from calendar_slack.weekly import (
    Comparison,
    assemble,
    build_report,
    compare,
    period_label,
    previous_period,
)
from tests.report.helpers import event, fake_daily, fake_totals, table

NY = "America/New_York"
MON = dt.date(2026, 11, 23)  # ISO week 2026-W48 runs Mon 23 Nov .. Sun 29 Nov 2026
SUN = dt.date(2026, 11, 29)


# --- periods ------------------------------------------------------------------------------


def test_period_label_is_the_iso_week_for_monday_to_sunday() -> None:
    assert period_label(MON, SUN) == "2026-W48"
    # 2027-01-01 is a Friday, so Mon 2026-12-28 .. Sun 2027-01-03 is ISO week 2026-W53.
    assert period_label(dt.date(2026, 12, 28), dt.date(2027, 1, 3)) == "2026-W53"


def test_period_label_is_a_range_otherwise() -> None:
    assert period_label(dt.date(2026, 11, 2), dt.date(2026, 11, 15)) == "2026-11-02/2026-11-15"
    # Tuesday .. Monday is 7 days but not an ISO week.
    assert period_label(dt.date(2026, 11, 24), dt.date(2026, 11, 30)) == "2026-11-24/2026-11-30"


def test_previous_period_has_the_same_length_and_ends_the_day_before() -> None:
    assert previous_period(MON, SUN) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    # 14 days 2026-11-02..15 -> the 14 days before: 2026-10-19..2026-11-01.
    assert previous_period(dt.date(2026, 11, 2), dt.date(2026, 11, 15)) == (
        dt.date(2026, 10, 19),
        dt.date(2026, 11, 1),
    )


# --- assemble: frames -> the JSON contract ------------------------------------------------


def test_assemble_gives_exactly_the_design_shape_with_json_numbers() -> None:
    daily = fake_daily(
        "ana@x.example",
        MON,
        2,
        working_min=[480, 0],
        meeting_min=[60, 0],
        density=[0.125, float("nan")],
        load_score=[9, None],
    )
    totals = fake_totals(
        "ana@x.example", working_min=480, meeting_min=60, density=0.125, load_score=9.0
    )
    people = {"ana@x.example": PersonDays("Europe/Stockholm")}
    report = assemble("2026-11-23/2026-11-24", people, daily, totals, None)

    assert list(report) == ["week", "people"]
    assert report["week"] == "2026-11-23/2026-11-24"
    person = report["people"][0]
    assert list(person) == ["person", "tz", "days", "week_totals", "previous_week_totals"]
    assert person["person"] == "ana@x.example"
    assert person["tz"] == "Europe/Stockholm"
    assert [list(day) for day in person["days"]] == [["date", *METRICS]] * 2
    assert list(person["week_totals"]) == list(METRICS)
    assert person["previous_week_totals"] is None
    monday, tuesday = person["days"]
    assert monday["date"] == "2026-11-23"
    assert monday["meeting_min"] == 60 and type(monday["meeting_min"]) is int
    assert monday["density"] == 0.125 and monday["load_score"] == 9
    assert type(monday["load_score"]) is int
    assert tuesday["density"] is None and tuesday["load_score"] is None
    assert person["week_totals"]["load_score"] == 9.0
    assert type(person["week_totals"]["load_score"]) is float
    json.dumps(report, allow_nan=False)  # no NaN, no numpy types


def test_assemble_rounds_density_to_three_decimals_and_week_load_to_one() -> None:
    # 100 / 480 = 0.208333… -> 0.208; a week load mean of 41.26 -> 41.3.
    daily = fake_daily("a", MON, 1, working_min=480, meeting_min=100, density=100 / 480)
    totals = fake_totals("a", working_min=480, meeting_min=100, density=100 / 480, load_score=41.26)
    previous = fake_totals("a", density=2 / 3, load_score=12.0)
    report = assemble("x", {"a": PersonDays("UTC")}, daily, totals, previous)
    person = report["people"][0]
    assert person["days"][0]["density"] == 0.208
    assert person["week_totals"]["density"] == 0.208
    assert person["week_totals"]["load_score"] == 41.3
    assert person["previous_week_totals"] is not None
    assert person["previous_week_totals"]["density"] == 0.667  # 2/3 = 0.6666… -> 0.667


def test_assemble_lists_people_sorted_with_previous_only_where_given() -> None:
    daily = pd.concat([fake_daily("b", MON, 1), fake_daily("a", MON, 1)], ignore_index=True)
    totals = pd.concat([fake_totals("b"), fake_totals("a")], ignore_index=True)
    people = {"b": PersonDays("UTC"), "a": PersonDays("UTC")}
    report = assemble("x", people, daily, totals, fake_totals("b", meeting_min=30))
    assert [p["person"] for p in report["people"]] == ["a", "b"]
    assert report["people"][0]["previous_week_totals"] is None
    previous_b = report["people"][1]["previous_week_totals"]
    assert previous_b is not None and previous_b["meeting_min"] == 30


# --- build_report: the real metrics on a hand-built calendar ------------------------------


def _calendar() -> pd.DataFrame:
    return table(
        [
            # ana (Stockholm): this week Mon 10–11, the week before Mon 10–12.
            event("ana@x.example", "2026-11-23 10:00", "2026-11-23 11:00"),
            event("ana@x.example", "2026-11-16 10:00", "2026-11-16 12:00"),
            # bob (New York): this week only, Tue 13:00–13:30 New York time.
            event("bob@x.example", "2026-11-24 13:00", "2026-11-24 13:30", tz=NY),
        ]
    )


def test_build_report_measures_each_person_in_their_own_zone() -> None:
    zones = {"ana@x.example": "Europe/Stockholm", "bob@x.example": NY}
    report = build_report(_calendar(), zones, Config(), MON, SUN)
    assert report["week"] == "2026-W48"
    ana, bob = report["people"]
    assert (ana["person"], ana["tz"]) == ("ana@x.example", "Europe/Stockholm")
    assert [d["date"] for d in ana["days"]] == [f"2026-11-{d}" for d in range(23, 30)]
    monday = ana["days"][0]
    # Working 09–17 = 480; meeting 10–11 = 60; free 09–10 (60, < 120: fragmented) and
    # 11–17 (360: focus). density 60/480 = 0.125; load = round(100·(0.5·0.125 + 0.2·60/480))
    # = round(8.75) = 9. One 60-min run ending 11:00, followed by 360 free min: no deficit.
    assert monday == {
        "date": "2026-11-23",
        "working_min": 480,
        "meeting_min": 60,
        "hold_min": 0,
        "focus_min": 360,
        "fragmented_min": 60,
        "largest_free_block_min": 360,
        "after_hours_meeting_min": 0,
        "conflict_min": 0,
        "meeting_count": 1,
        "b2b_count": 0,
        "longest_run_min": 60,
        "recovery_deficits": 0,
        "density": 0.125,
        "load_score": 9,
    }
    saturday = ana["days"][5]
    assert saturday["working_min"] == 0 and saturday["density"] is None
    assert saturday["load_score"] is None  # no working time and no meeting
    # Week: focus 360 + 4·480 = 2280; density 60/2400 = 0.025; load mean(9, 0, 0, 0, 0) = 1.8.
    assert ana["week_totals"]["focus_min"] == 2280
    assert ana["week_totals"]["largest_free_block_min"] == 480
    assert ana["week_totals"]["density"] == 0.025
    assert ana["week_totals"]["load_score"] == 1.8
    # Week before: Mon 10–12 -> meeting 120, focus 300 + 4·480 = 2220, density 120/2400 = 0.05,
    # Monday load round(100·(0.5·0.25 + 0.2·60/480)) = 15, mean over 5 days 3.0.
    before = ana["previous_week_totals"]
    assert before is not None
    assert (before["meeting_min"], before["focus_min"]) == (120, 2220)
    assert (before["density"], before["load_score"]) == (0.05, 3.0)
    # bob, New York: Tue meeting 30, free 09–13 (240) and 13:30–17 (210): both focus.
    tuesday = bob["days"][1]
    assert (tuesday["date"], tuesday["meeting_min"], tuesday["focus_min"]) == (
        "2026-11-24",
        30,
        450,
    )
    # load round(100·0.5·30/480) = round(3.125) = 3; week mean(0, 3, 0, 0, 0) = 0.6.
    assert tuesday["load_score"] == 3 and bob["week_totals"]["load_score"] == 0.6
    assert bob["previous_week_totals"] is None  # no event at all the week before


def test_previous_period_is_decided_by_local_dates() -> None:
    # Sun 22 Nov 20:00–21:00 in New York is Mon 23 Nov 01:00–02:00 UTC: a local Sunday of the
    # week before, so carl has a previous week (with 60 after-hours min: Sunday is off).
    events = table([event("carl@x.example", "2026-11-22 20:00", "2026-11-22 21:00", tz=NY)])
    report = build_report(events, {"carl@x.example": NY}, Config(), MON, SUN)
    carl = report["people"][0]
    before = carl["previous_week_totals"]
    assert before is not None
    assert before["meeting_min"] == 0  # no working time on a Sunday
    assert before["after_hours_meeting_min"] == 60
    assert carl["week_totals"]["meeting_count"] == 0


def test_people_restricts_the_report_and_working_hours_come_from_config() -> None:
    config = Config.model_validate(
        {"people": {"ana@x.example": {"working_hours": {"mon": "10:00-12:00"}}}}
    )
    zones = {"ana@x.example": "Europe/Stockholm", "bob@x.example": NY}
    report = build_report(_calendar(), zones, config, MON, MON, people=["ana@x.example"])
    assert [p["person"] for p in report["people"]] == ["ana@x.example"]
    monday = report["people"][0]["days"][0]
    # Working 10–12 = 120; meeting 10–11 = 60; free 11–12 = 60 (fragmented); density 0.5.
    assert (monday["working_min"], monday["meeting_min"], monday["fragmented_min"]) == (
        120,
        60,
        60,
    )
    assert monday["density"] == 0.5
    assert report["week"] == "2026-11-23/2026-11-23"


def test_build_report_rejects_a_period_that_ends_before_it_starts() -> None:
    with pytest.raises(BadInputError, match="ends before it starts"):
        build_report(_calendar(), {"ana@x.example": "UTC"}, Config(), SUN, MON)


def test_build_report_rejects_a_person_without_a_zone() -> None:
    with pytest.raises(BadInputError) as error:
        build_report(_calendar(), {"ana@x.example": "UTC"}, Config(), MON, SUN, people=["zed"])
    assert str(error.value) == "person zed: has no time zone (not in the sources)"


# --- week over week -----------------------------------------------------------------------

CURRENT = {
    "working_min": 2400,
    "meeting_min": 600,
    "hold_min": 60,
    "focus_min": 900,
    "fragmented_min": 840,
    "largest_free_block_min": 240,
    "after_hours_meeting_min": 0,
    "conflict_min": 15,
    "meeting_count": 12,
    "b2b_count": 5,
    "longest_run_min": 120,
    "recovery_deficits": 1,
    "density": 0.25,
    "load_score": 48.0,
}
PREVIOUS = {
    **CURRENT,
    "meeting_min": 645,
    "hold_min": 30,
    "focus_min": 810,
    "fragmented_min": 915,
    "largest_free_block_min": 180,
    "after_hours_meeting_min": 30,
    "b2b_count": 2,
    "longest_run_min": 90,
    "recovery_deficits": 3,
    "density": 0.269,
    "load_score": 62.0,
}


def test_compare_phrases_every_moved_metric_with_wins_first() -> None:
    # Both weeks partition 2400 working min: 600+60+900+840 and 645+30+810+915.
    result = compare(CURRENT, PREVIOUS)
    assert result.wins == [
        "focus time up 1 h 30 min",  # 900 - 810 = 90
        "largest free block up 1 h",  # 240 - 180 = 60
        "2 fewer recovery deficits",  # 1 vs 3
        "meeting time down 45 min",  # 600 - 645 = -45
        "fragmented time down 1 h 15 min",  # 840 - 915 = -75
        "after-hours meeting time down 30 min",  # 0 - 30
        "meeting density 26.9% -> 25%",
        "load score 62 -> 48",
    ]
    assert result.worse == [
        "3 more back-to-back meetings",  # 5 vs 2
        "longest meeting run up 30 min",  # 120 - 90
    ]
    assert result.notes == ["time on holds up 30 min"]  # neither good nor bad
    assert result.sentences() == [*result.wins, *result.worse, *result.notes]
    # unchanged: working_min, conflict_min, meeting_count -> no sentence about them
    assert not any("conflict" in s or "working" in s for s in result.sentences())


def test_compare_reverses_each_phrase_when_things_go_the_other_way() -> None:
    result = compare(PREVIOUS, CURRENT)
    assert result.wins == ["3 fewer back-to-back meetings", "longest meeting run down 30 min"]
    assert result.worse[:3] == [
        "focus time down 1 h 30 min",
        "largest free block down 1 h",
        "2 more recovery deficits",
    ]
    assert result.worse[-1] == "load score 48 -> 62"
    assert result.notes == ["time on holds down 30 min"]


def test_compare_uses_singular_for_one_and_decimals_for_scores() -> None:
    now = {**CURRENT, "meeting_count": 13, "recovery_deficits": 0, "load_score": 47.5}
    result = compare(now, CURRENT)
    assert "1 more meeting" in result.worse
    assert "1 fewer recovery deficit" in result.wins
    assert "load score 48 -> 47.5" in result.wins


def test_compare_with_nothing_before_or_nothing_moved_says_nothing() -> None:
    assert compare(CURRENT, None) == Comparison()
    assert compare(CURRENT, dict(CURRENT)).sentences() == []


def test_compare_skips_metrics_that_are_null_on_either_side() -> None:
    now = {**CURRENT, "density": None, "load_score": None}
    assert not any("density" in s or "load" in s for s in compare(now, PREVIOUS).sentences())


_VALUE = st.one_of(st.none(), st.integers(min_value=0, max_value=3000))


@settings(max_examples=60, deadline=None)
@given(
    st.fixed_dictionaries({m: _VALUE for m in METRICS}),
    st.fixed_dictionaries({m: _VALUE for m in METRICS}),
)
def test_compare_says_one_thing_per_moved_metric_and_mirrors_when_swapped(
    now: dict[str, float | None], before: dict[str, float | None]
) -> None:
    moved = [
        m for m in METRICS if now[m] is not None and before[m] is not None and now[m] != before[m]
    ]
    forward, backward = compare(now, before), compare(before, now)
    assert len(forward.sentences()) == len(moved)
    assert len(forward.wins) == len(backward.worse)
    assert len(forward.worse) == len(backward.wins)
    assert len(forward.notes) == len(backward.notes)
