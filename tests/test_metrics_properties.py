"""Properties of daily_metrics that must hold for every calendar.

Hand-worked cases pin single days; these check invariants over many random calendars (the same
generator as the reference cross-check in test_metrics.py): the four parts of working time always
add up, adding a meeting never lowers a load score, and the row order of the input never matters.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_slack import schema
from calendar_slack.metrics import METRICS, PersonDays, daily_metrics
from calendar_slack.prefs import MetricSettings
from tests.test_metrics import calendars, metric_settings

Calendar = tuple[pd.DataFrame, dict[str, PersonDays], dt.date, dt.date]
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(calendar=calendars(), options=metric_settings)
def test_four_parts_always_make_up_working_time(
    calendar: Calendar, options: MetricSettings
) -> None:
    frame = daily_metrics(*calendar, options)
    parts = frame[["meeting_min", "hold_min", "focus_min", "fragmented_min"]]
    assert (parts.sum(axis=1) == frame["working_min"]).all()
    assert (parts >= 0).all().all()
    # Other bounds that follow from the definitions.
    free = frame["focus_min"] + frame["fragmented_min"]
    assert (frame["largest_free_block_min"] <= free).all()
    assert (
        (frame["focus_min"] == 0) | (frame["largest_free_block_min"] >= options.focus_min_block)
    ).all()
    assert (frame["b2b_count"] >= 0).all() and (frame["recovery_deficits"] >= 0).all()
    score = frame["load_score"]
    assert ((score.isna()) | ((score >= 0) & (score <= 100))).all()


@st.composite
def with_extra_meeting(draw: st.DrawFn) -> tuple[Calendar, pd.DataFrame]:
    """A calendar and the same calendar with one more meeting for one of its people."""
    events, people, first, last = draw(calendars())
    person = draw(st.sampled_from(sorted(people)))
    start = pd.Timestamp(first.isoformat(), tz="UTC") + pd.Timedelta(
        minutes=draw(st.integers(-12 * 60, ((last - first).days + 1) * 1440))
    )
    length = pd.Timedelta(minutes=draw(st.sampled_from([1, 15, 30, 60, 120, 600, 2000])))
    extra = schema.from_records(
        [
            {
                "person": person,
                "source": "demo",
                "calendar": "extra",
                "event_id": "added",
                "start": start,
                "end": start + length,
                "all_day": False,
                "kind": "meeting",
                "response": "accepted",
                "attendees": 2,
                "ours": False,
            }
        ]
    )
    more = pd.concat([events, extra], ignore_index=True) if len(events) else extra
    return (events, people, first, last), more


@FAST
@given(case=with_extra_meeting(), options=metric_settings)
def test_adding_a_meeting_never_lowers_a_load_score(
    case: tuple[Calendar, pd.DataFrame], options: MetricSettings
) -> None:
    (events, people, first, last), more = case
    before = daily_metrics(events, people, first, last, options)["load_score"]
    after = daily_metrics(more, people, first, last, options)["load_score"]
    scored = before.notna().to_numpy()
    # A day that had a score keeps one, and it does not fall.
    assert after[scored].notna().all()
    assert (after[scored].to_numpy(np.int64) >= before[scored].to_numpy(np.int64)).all()


@FAST
@given(calendar=calendars(), options=metric_settings, seed=st.integers(0, 2**32 - 1))
def test_row_order_never_changes_the_output(
    calendar: Calendar, options: MetricSettings, seed: int
) -> None:
    events, people, first, last = calendar
    want = daily_metrics(events, people, first, last, options)
    shuffled = events.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(daily_metrics(shuffled, people, first, last, options), want)
    # Nor does the order in which people are listed.
    reversed_people = dict(reversed(list(people.items())))
    pd.testing.assert_frame_equal(
        daily_metrics(events, reversed_people, first, last, options), want
    )
    assert list(want.columns) == ["person", "date", *METRICS]
