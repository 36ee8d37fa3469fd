"""Per-person, per-local-date load metrics, exactly as DESIGN.md "Metrics" defines them.

STUB: the signatures and column names below are the contract; the implementation is in progress.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from calendar_slack.prefs import MetricSettings
from calendar_slack.workhours import WorkingHours

#: Metric columns, in the order every output (JSON, CSV, tables) lists them.
METRICS: tuple[str, ...] = (
    "working_min",
    "meeting_min",
    "hold_min",
    "focus_min",
    "fragmented_min",
    "largest_free_block_min",
    "after_hours_meeting_min",
    "conflict_min",
    "meeting_count",
    "b2b_count",
    "longest_run_min",
    "recovery_deficits",
    "density",
    "load_score",
)


@dataclass(frozen=True)
class PersonDays:
    """Whose days to measure: one person's IANA zone and working hours."""

    tz: str
    hours: WorkingHours = WorkingHours()


def daily_metrics(
    events: pd.DataFrame,
    people: Mapping[str, PersonDays],
    first: dt.date,
    last: dt.date,
    settings: MetricSettings | None = None,
) -> pd.DataFrame:
    """One row per (person in `people`, local date in first..last): columns person, date, *METRICS.

    `events` is a canonical table (other people's rows are ignored). Integer minute columns are
    int64; density is float (NaN when working_min is 0); load_score is nullable Int64.
    Rows are sorted by person, date.
    """
    raise NotImplementedError


def week_totals(daily: pd.DataFrame) -> pd.DataFrame:
    """Per person: the week's totals of a `daily_metrics` frame (columns person, *METRICS).

    Sums minutes and counts; largest_free_block_min and longest_run_min take the week's maximum;
    density = sum(meeting_min) / sum(working_min); load_score = mean of the days that have one.
    """
    raise NotImplementedError
