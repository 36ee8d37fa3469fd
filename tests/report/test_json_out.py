"""JSON output: the report dict as it is, with the contract's key order."""

from __future__ import annotations

import json

from calendar_slack.report.json_out import to_json
from tests.report.sample import sample_report

#: The metric columns in contract order, written out rather than read from calendar_slack.metrics.
METRIC_NAMES = [
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
]


def test_json_round_trips_and_keeps_key_order() -> None:
    report = sample_report()
    text = to_json(report)
    assert text.endswith("}\n")
    assert text.startswith('{\n  "week": "2026-11-23/2026-11-24",\n  "people": [')
    data = json.loads(text)
    assert data == report
    person = data["people"][0]
    assert list(person) == ["person", "tz", "days", "week_totals", "previous_week_totals"]
    assert list(person["days"][0]) == ["date", *METRIC_NAMES]
    assert data["people"][1]["previous_week_totals"] is None
    assert '"density": null' in text  # ana's day off: null, never NaN
