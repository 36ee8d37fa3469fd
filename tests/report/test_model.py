"""Shared words and number formats of the report."""

from __future__ import annotations

from calendar_slack.metrics import METRICS
from calendar_slack.prefs import MetricSettings
from calendar_slack.report.model import (
    HEADERS,
    LABELS,
    MINUTE_METRICS,
    format_minutes,
    format_number,
    format_percent,
    format_value,
    meanings,
    person_day_rows,
)
from tests.report.sample import sample_report


def test_every_metric_has_a_header_a_label_and_a_meaning_in_metrics_order() -> None:
    assert tuple(HEADERS) == METRICS
    assert tuple(LABELS) == METRICS
    assert tuple(meanings()) == METRICS
    assert set(METRICS) >= MINUTE_METRICS
    assert all(text.endswith(".") for text in meanings().values())


def test_meanings_quote_the_thresholds_in_force() -> None:
    text = meanings(MetricSettings(focus_min_block=90, b2b_gap=10, recovery_min=20))
    assert (
        text["focus_min"] == "Free working time in uninterrupted stretches of at least 1 h 30 min."
    )
    assert "less than 10 min after" in text["b2b_count"]
    assert "less than 20 min free" in text["recovery_deficits"]


def test_format_minutes_speaks_hours_and_minutes() -> None:
    assert format_minutes(90) == "1 h 30 min"
    assert format_minutes(120) == "2 h"
    assert format_minutes(45) == "45 min"
    assert format_minutes(0) == "0 min"
    assert format_minutes(-75) == "-1 h 15 min"
    assert format_minutes(1125) == "18 h 45 min"  # 18·60 = 1080, + 45


def test_numbers_and_percentages_drop_a_pointless_point_zero() -> None:
    assert format_number(48.0) == "48"
    assert format_number(61.5) == "61.5"
    assert format_percent(0.25) == "25%"
    assert format_percent(0.469) == "46.9%"
    assert format_percent(0.0) == "0%"


def test_format_value_per_metric_kind() -> None:
    assert format_value("meeting_min", 90) == "1 h 30 min"
    assert format_value("meeting_count", 7) == "7"
    assert format_value("density", 0.406) == "40.6%"
    assert format_value("load_score", 39.8) == "39.8"
    assert format_value("load_score", 36) == "36"
    assert format_value("density", None) == "–"


def test_person_day_rows_flatten_people_and_days() -> None:
    rows = person_day_rows(sample_report())
    assert [(r["person"], r["date"]) for r in rows] == [
        ("ana@x.example", "2026-11-23"),
        ("ana@x.example", "2026-11-24"),
        ("bob@x.example", "2026-11-23"),
        ("bob@x.example", "2026-11-24"),
    ]
    assert list(rows[0]) == ["person", "tz", "date", *METRICS]
    assert rows[0]["meeting_min"] == 90 and rows[2]["tz"] == "America/New_York"
