"""The weekly report's shape and its words: what every renderer shares.

The report is a plain dict (DESIGN.md, "JSON shape"), so the JSON renderer and the API can hand
it out as it is. This module names that shape as TypedDicts, gives each metric a human label and
a one-line meaning, and formats minutes the way people say them ("1 h 30 min"), so that the
terminal table, the HTML page and the week-over-week sentences all use the same words.
"""

from __future__ import annotations

from typing import Final, TypedDict

from calendar_slack.metrics import METRICS
from calendar_slack.prefs import MetricSettings

#: A metric name -> its value: int minutes/counts, float density, int/float load score, or None.
Metrics = dict[str, int | float | None]


class PersonReport(TypedDict):
    """One person's block of the report; `days` rows are {"date": "YYYY-MM-DD", **metrics}."""

    person: str
    tz: str
    days: list[dict[str, str | int | float | None]]
    week_totals: Metrics
    previous_week_totals: Metrics | None


class Report(TypedDict):
    """The whole report: the period label ("2026-W48" or "2026-11-02/2026-11-15") and people."""

    week: str
    people: list[PersonReport]


#: Metrics measured in minutes (shown as "1 h 30 min"): by the naming rule, those ending in _min.
MINUTE_METRICS: Final = frozenset(name for name in METRICS if name.endswith("_min"))

#: Short column headers (tables) for every metric, in METRICS order.
HEADERS: Final[dict[str, str]] = {
    "working_min": "Working",
    "meeting_min": "Meetings",
    "hold_min": "Holds",
    "focus_min": "Focus",
    "fragmented_min": "Fragmented",
    "largest_free_block_min": "Largest free",
    "after_hours_meeting_min": "After hours",
    "conflict_min": "Conflicts",
    "meeting_count": "#Mtg",
    "b2b_count": "B2B",
    "longest_run_min": "Longest run",
    "recovery_deficits": "Deficits",
    "density": "Density",
    "load_score": "Load",
}

#: The words a sentence uses for each metric ("focus time up 1 h 30 min").
LABELS: Final[dict[str, str]] = {
    "working_min": "available working time",
    "meeting_min": "meeting time",
    "hold_min": "time on holds",
    "focus_min": "focus time",
    "fragmented_min": "fragmented time",
    "largest_free_block_min": "largest free block",
    "after_hours_meeting_min": "after-hours meeting time",
    "conflict_min": "double-booked meeting time",
    "meeting_count": "meeting",
    "b2b_count": "back-to-back meeting",
    "longest_run_min": "longest meeting run",
    "recovery_deficits": "recovery deficit",
    "density": "meeting density",
    "load_score": "load score",
}


def meanings(settings: MetricSettings | None = None) -> dict[str, str]:
    """One line per metric for the "what the numbers mean" legend, with the thresholds in force."""
    s = settings or MetricSettings()
    block, gap = format_minutes(s.focus_min_block), s.b2b_gap
    run, rest = format_minutes(s.recovery_after), format_minutes(s.recovery_min)
    return {
        "working_min": "Working hours of the day minus time out of office.",
        "meeting_min": "Time in meetings with at least one other person (overlaps counted once).",
        "hold_min": "Busy time on your own ('prep', 'dentist') that is not under a meeting.",
        "focus_min": f"Free working time in uninterrupted stretches of at least {block}.",
        "fragmented_min": f"Free working time in stretches shorter than {block}: too short to "
        "dig in.",
        "largest_free_block_min": "The longest uninterrupted free stretch in working hours.",
        "after_hours_meeting_min": "Meeting time outside working hours (all of it on days off).",
        "conflict_min": "Time covered by two or more meetings at once (double-booked).",
        "meeting_count": "Meetings that start that day.",
        "b2b_count": f"Meetings that start less than {gap} min after the previous one ended.",
        "longest_run_min": "The longest chain of back-to-back meetings, first start to last end.",
        "recovery_deficits": f"Meeting runs of {run} or more followed by less than {rest} free "
        "before the next commitment.",
        "density": "Share of working time spent in meetings.",
        "load_score": "0–100: meeting share, fragmentation, back-to-backs and after-hours "
        "meetings combined (higher is heavier).",
    }


def format_minutes(minutes: int) -> str:
    """75 -> '1 h 15 min', 120 -> '2 h', 45 -> '45 min', 0 -> '0 min' (sign kept)."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min"


def format_number(value: float) -> str:
    """48.0 -> '48', 61.5 -> '61.5': a score without a pointless '.0'."""
    return f"{value:.1f}".removesuffix(".0")


def format_percent(fraction: float) -> str:
    """0.456 -> '45.6%', 0.45 -> '45%'."""
    return format_number(round(fraction * 100, 1)) + "%"


def format_value(metric: str, value: int | float | str | None) -> str:
    """A metric value as a table cell: minutes spoken, density in percent, '–' for null."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if metric in MINUTE_METRICS:
        return format_minutes(int(value))
    if metric == "density":
        return format_percent(float(value))
    if metric == "load_score":
        return format_number(float(value))
    return str(int(value))


def person_day_rows(report: Report) -> list[dict[str, str | int | float | None]]:
    """One flat row per person-day: person, tz, date, *METRICS (for CSV and Parquet)."""
    rows: list[dict[str, str | int | float | None]] = []
    for person in report["people"]:
        for day in person["days"]:
            row: dict[str, str | int | float | None] = {
                "person": person["person"],
                "tz": person["tz"],
                "date": day["date"],
            }
            row.update({metric: day[metric] for metric in METRICS})
            rows.append(row)
    return rows
