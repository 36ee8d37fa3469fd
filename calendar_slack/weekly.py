"""The weekly report pipeline: canonical events -> the report dict, and week-over-week sentences.

Pure: no I/O, no clock. The CLI loads the sources and picks the period; this module measures the
period and the same-length period just before it (metrics.daily_metrics / week_totals), shapes
the numbers into DESIGN.md's JSON contract, and says in plain words what moved, wins first.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from calendar_slack import metrics
from calendar_slack.errors import BadInputError
from calendar_slack.metrics import METRICS, PersonDays
from calendar_slack.prefs import Config
from calendar_slack.report.model import (
    LABELS,
    MINUTE_METRICS,
    Metrics,
    PersonReport,
    Report,
    format_minutes,
    format_number,
    format_percent,
)
from calendar_slack.workhours import date_range, iso_week, local_midnight, zone


def period_label(first: dt.date, last: dt.date) -> str:
    """'2026-W48' for exactly one ISO week (Mon–Sun), else '2026-11-02/2026-11-15'."""
    if first.weekday() == 0 and last - first == dt.timedelta(days=6):
        return iso_week(first)
    return f"{first.isoformat()}/{last.isoformat()}"


def previous_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length that ends the day before `first`."""
    length = (last - first).days + 1
    return first - dt.timedelta(days=length), first - dt.timedelta(days=1)


def build_report(
    events: pd.DataFrame,
    zones: Mapping[str, str],
    config: Config,
    first: dt.date,
    last: dt.date,
    *,
    people: Sequence[str] | None = None,
    label: str | None = None,
) -> Report:
    """Measure first..last (local dates) for every person in `zones` (or only `people`).

    `zones` maps each person to the IANA zone the source resolved (--tz / config / source);
    working hours come from config.person(p).hours(). previous_week_totals covers the period
    of the same length just before, and is None for a person without any event in it.
    """
    date_range(first, last)  # raises BadInputError when last < first
    chosen = sorted(zones) if people is None else sorted(dict.fromkeys(people))
    unknown = [p for p in chosen if p not in zones]
    if unknown:
        raise BadInputError(f"person {unknown[0]}", "has no time zone (not in the sources)")
    who = {p: PersonDays(zones[p], config.person(p).hours()) for p in chosen}
    prev_first, prev_last = previous_period(first, last)
    daily = metrics.daily_metrics(events, who, first, last, config.metrics)
    totals = metrics.week_totals(daily)
    earlier = within_period(events, {p: who[p].tz for p in chosen}, prev_first, prev_last)
    had_events = set(earlier["person"])
    before = {p: days for p, days in who.items() if p in had_events}
    previous = (
        metrics.week_totals(
            metrics.daily_metrics(events, before, prev_first, prev_last, config.metrics)
        )
        if before
        else None
    )
    return assemble(label or period_label(first, last), who, daily, totals, previous)


def assemble(
    label: str,
    people: Mapping[str, PersonDays],
    daily: pd.DataFrame,
    totals: pd.DataFrame,
    previous: pd.DataFrame | None,
) -> Report:
    """Frames from metrics (daily_metrics, week_totals, previous week_totals) -> the report dict.

    People missing from `previous` get previous_week_totals None.
    """
    by_person_days = {p: frame for p, frame in daily.groupby("person", sort=False)}
    total_rows = {str(row["person"]): row for _, row in totals.iterrows()}
    previous_rows = (
        {str(row["person"]): row for _, row in previous.iterrows()} if previous is not None else {}
    )
    out: list[PersonReport] = []
    for person in sorted(people):
        frame = by_person_days.get(person, daily.iloc[0:0]).sort_values("date", kind="mergesort")
        days: list[dict[str, str | int | float | None]] = []
        for _, row in frame.iterrows():
            day: dict[str, str | int | float | None] = {"date": _iso_date(row["date"])}
            day.update(_values(row, week=False))
            days.append(day)
        prev_row = previous_rows.get(person)
        out.append(
            {
                "person": person,
                "tz": people[person].tz,
                "days": days,
                "week_totals": _values(total_rows[person], week=True),
                "previous_week_totals": (
                    _values(prev_row, week=True) if prev_row is not None else None
                ),
            }
        )
    return {"week": label, "people": out}


def _values(row: pd.Series, *, week: bool) -> Metrics:
    """One metrics row -> JSON numbers: ints, density 3 decimals, load int (week: 1 decimal)."""
    values: Metrics = {}
    for metric in METRICS:
        raw: Any = row[metric]
        missing = raw is None or raw is pd.NA or (isinstance(raw, float) and math.isnan(raw))
        if metric == "density":
            values[metric] = None if missing else round(float(raw), 3)
        elif metric == "load_score":
            if missing:
                values[metric] = None
            else:
                values[metric] = round(float(raw), 1) if week else round(float(raw))
        else:
            values[metric] = int(raw)
    return values


def _iso_date(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


def within_period(
    events: pd.DataFrame, zones: Mapping[str, str], first: dt.date, last: dt.date
) -> pd.DataFrame:
    """Events of the people in `zones` that overlap their own local dates first..last.

    One vectorised pass: each row gets its person's local period bounds, other people get NaT
    (which compares False).
    """
    bounds = {
        p: (local_midnight(first, zone(z)), local_midnight(last + dt.timedelta(days=1), zone(z)))
        for p, z in zones.items()
    }
    person = events["person"].astype(object)
    start = pd.to_datetime(person.map({p: b[0] for p, b in bounds.items()}), utc=True)
    end = pd.to_datetime(person.map({p: b[1] for p, b in bounds.items()}), utc=True)
    keep = ((events["end"] > start) & (events["start"] < end)).to_numpy(dtype=bool)
    return events[keep].reset_index(drop=True)


# --- week over week -----------------------------------------------------------------------

#: +1: more is better; -1: less is better; 0: neither (shown as a plain note).
DIRECTION: Final[dict[str, int]] = {
    "working_min": 0,
    "meeting_min": -1,
    "hold_min": 0,
    "focus_min": +1,
    "fragmented_min": -1,
    "largest_free_block_min": +1,
    "after_hours_meeting_min": -1,
    "conflict_min": -1,
    "meeting_count": -1,
    "b2b_count": -1,
    "longest_run_min": -1,
    "recovery_deficits": -1,
    "density": -1,
    "load_score": -1,
}

#: The order sentences appear in within each group: what people care about most first.
ORDER: Final[tuple[str, ...]] = (
    "focus_min",
    "largest_free_block_min",
    "recovery_deficits",
    "meeting_min",
    "meeting_count",
    "b2b_count",
    "longest_run_min",
    "fragmented_min",
    "after_hours_meeting_min",
    "conflict_min",
    "density",
    "load_score",
    "hold_min",
    "working_min",
)


@dataclass(frozen=True)
class Comparison:
    """What moved between two periods: wins, things that got worse, and neutral notes."""

    wins: list[str] = field(default_factory=list)
    worse: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def sentences(self) -> list[str]:
        """Every sentence, wins first, then what got worse, then the neutral notes."""
        return [*self.wins, *self.worse, *self.notes]


def compare(
    current: Mapping[str, float | None], previous: Mapping[str, float | None] | None
) -> Comparison:
    """Week-over-week sentences for every metric that moved, each phrased so good news reads
    as good news ("focus time up 1 h 30 min", "2 fewer recovery deficits").

    Less meeting, fragmented, after-hours, conflict, back-to-back, run length, deficit, density
    and load is a win; more focus time and a larger free block is a win; working time and hold
    time are neutral notes. No previous period -> nothing to compare.
    """
    result = Comparison()
    if previous is None:
        return result
    for metric in ORDER:
        now, before = current.get(metric), previous.get(metric)
        if now is None or before is None or now == before:
            continue
        sentence = _sentence(metric, now, before)
        sign = DIRECTION[metric] * (1 if now > before else -1)
        {1: result.wins, -1: result.worse, 0: result.notes}[sign].append(sentence)
    return result


def _sentence(metric: str, now: float, before: float) -> str:
    label = LABELS[metric]
    if metric in MINUTE_METRICS:
        change = int(now) - int(before)
        return f"{label} {'up' if change > 0 else 'down'} {format_minutes(abs(change))}"
    if metric == "density":
        return f"{label} {format_percent(before)} -> {format_percent(now)}"
    if metric == "load_score":
        return f"{label} {format_number(before)} -> {format_number(now)}"
    change = int(now) - int(before)
    count = abs(change)
    return f"{count} {'more' if change > 0 else 'fewer'} {label}{'' if count == 1 else 's'}"
