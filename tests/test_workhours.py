"""Working hours, ISO weeks and the UTC bounds of local days, across DST changes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from calendar_slack.errors import BadInputError
from calendar_slack.workhours import (
    WorkingHours,
    date_range,
    day_frame,
    epoch_minute,
    iso_week,
    parse_span,
    parse_week,
    wall_clock,
    zone,
)


def test_default_hours_are_mon_to_fri_nine_to_five() -> None:
    hours = WorkingHours()
    assert hours.window(dt.date(2026, 11, 23)) == (540, 1020)  # Monday
    assert hours.window(dt.date(2026, 11, 28)) is None  # Saturday


def test_parse_overrides_named_days_only() -> None:
    hours = WorkingHours.parse({"fri": "08:00-12:30", "Saturday": "off"})
    assert hours.windows[4] == (480, 750)
    assert hours.windows[0] == (540, 1020)
    assert hours.windows[5] is None


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ("9-5", "is not HH:MM-HH:MM"),
        ("17:00-09:00", "must run forward"),
        ("09:70-10:00", "forward"),
    ],
)
def test_bad_spans_name_the_setting(value: str, cause: str) -> None:
    with pytest.raises(BadInputError, match=f"setting working_hours.mon: .*{cause}"):
        WorkingHours.parse({"mon": value})


def test_parse_span_reads_off_as_no_window() -> None:
    assert parse_span("off", "x") is None
    assert parse_span("00:00-24:00", "x") == (0, 1440)


def test_iso_weeks() -> None:
    assert parse_week("2026-W48") == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert parse_week("2026-W53")[0] == dt.date(2026, 12, 28)  # 2026 has 53 ISO weeks
    assert iso_week(dt.date(2027, 1, 1)) == "2026-W53"
    with pytest.raises(BadInputError, match="2027 has no ISO week 53"):
        parse_week("2027-W53")
    with pytest.raises(BadInputError, match="week 'soon': is not an ISO week"):
        parse_week("soon")


def test_unknown_zone_is_one_line() -> None:
    with pytest.raises(BadInputError) as caught:
        zone("Mars/Olympus")
    assert str(caught.value) == (
        "time zone 'Mars/Olympus': is not a known IANA zone (e.g. Europe/Stockholm)"
    )


def test_day_frame_across_spring_forward_in_stockholm() -> None:
    # 2026-03-29: clocks go 02:00 CET -> 03:00 CEST. The local day is 23 h long; 09:00 local is
    # 07:00 UTC (CEST, +2) while on Saturday 28th 00:00 local was 23:00 UTC the day before (+1).
    tz = zone("Europe/Stockholm")
    frame = day_frame([dt.date(2026, 3, 29), dt.date(2026, 3, 30)], tz, WorkingHours())
    sunday, monday = frame.iloc[0], frame.iloc[1]
    assert sunday["day_start"] == pd.Timestamp("2026-03-28T23:00Z")
    assert sunday["day_end"] == pd.Timestamp("2026-03-29T22:00Z")
    assert sunday["day_end"] - sunday["day_start"] == pd.Timedelta(hours=23)
    assert pd.isna(sunday["work_start"])  # Sunday: no working window
    assert monday["work_start"] == pd.Timestamp("2026-03-30T07:00Z")
    assert monday["work_end"] == pd.Timestamp("2026-03-30T15:00Z")


def test_day_frame_across_fall_back_in_new_york() -> None:
    # 2026-11-01: 02:00 EDT -> 01:00 EST; the local Sunday lasts 25 h (04:00Z to 05:00Z next day).
    tz = zone("America/New_York")
    frame = day_frame([dt.date(2026, 11, 1), dt.date(2026, 11, 2)], tz, WorkingHours())
    assert frame.iloc[0]["day_end"] - frame.iloc[0]["day_start"] == pd.Timedelta(hours=25)
    assert frame.iloc[1]["work_start"] == pd.Timestamp("2026-11-02T14:00Z")  # 09:00 EST = -5


def test_date_range_inclusive_and_checked() -> None:
    assert len(date_range(dt.date(2026, 11, 23), dt.date(2026, 11, 29))) == 7
    with pytest.raises(BadInputError, match="ends before it starts"):
        date_range(dt.date(2026, 11, 29), dt.date(2026, 11, 23))


# Epoch minutes below, worked by hand: 1970-01-01 to 2026-01-01 is 56 years with 14 leap days
# (1972 ... 2024), so 56 * 365 + 14 = 20454 days. Day of year counts days before the date.
_UTC = dt.UTC


@pytest.mark.parametrize(
    ("name", "day", "minute", "expected", "epoch"),
    [
        # 2026-03-29, 02:00 CET -> 03:00 CEST: 02:30 does not exist, moves forward by the gap to
        # 03:30 CEST (+2) = 01:30Z. Days before 29 Mar: 31 + 28 + 28 = 87, so day 20454 + 87 =
        # 20541; 20541 * 1440 + 90 = 29_579_040 + 90.
        (
            "Europe/Stockholm",
            dt.date(2026, 3, 29),
            150,
            dt.datetime(2026, 3, 29, 1, 30, tzinfo=_UTC),
            29_579_130,
        ),
        # 2026-10-25, 03:00 CEST -> 02:00 CET: 02:30 happens twice; the first is CEST (+2) =
        # 00:30Z. Days before 25 Oct: 273 (Jan-Sep) + 24 = 297; (20454 + 297) * 1440 + 30 =
        # 20751 * 1440 + 30 = 29_881_440 + 30.
        (
            "Europe/Stockholm",
            dt.date(2026, 10, 25),
            150,
            dt.datetime(2026, 10, 25, 0, 30, tzinfo=_UTC),
            29_881_470,
        ),
        # 2026-11-01, 02:00 EDT -> 01:00 EST: 01:30 happens twice; the first is EDT (-4) =
        # 05:30Z. Days before 1 Nov: 304; (20454 + 304) * 1440 + 330 = 20758 * 1440 + 330 =
        # 29_891_520 + 330.
        (
            "America/New_York",
            dt.date(2026, 11, 1),
            90,
            dt.datetime(2026, 11, 1, 5, 30, tzinfo=_UTC),
            29_891_850,
        ),
        # Minute 1440 is the next local midnight: 2026-03-30 00:00 CEST (+2) = 2026-03-29 22:00Z,
        # 23 h after that day began; 20541 * 1440 + 22 * 60 = 29_579_040 + 1320.
        (
            "Europe/Stockholm",
            dt.date(2026, 3, 29),
            1440,
            dt.datetime(2026, 3, 29, 22, 0, tzinfo=_UTC),
            29_580_360,
        ),
    ],
)
def test_wall_clock_and_epoch_minute_at_clock_changes(
    name: str, day: dt.date, minute: int, expected: dt.datetime, epoch: int
) -> None:
    tz = zone(name)
    assert wall_clock(day, minute, tz) == expected
    assert epoch_minute(day, minute, tz) == epoch
