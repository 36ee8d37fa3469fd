"""CSV and Parquet: one row per person-day, atomic writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from calendar_slack.errors import BadInputError
from calendar_slack.report.tabular import COLUMNS, to_csv, to_frame, write_csv, write_parquet
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
EXPECTED_COLUMNS = ("person", "tz", "date", *METRIC_NAMES)


def test_frame_has_one_typed_row_per_person_day() -> None:
    frame = to_frame(sample_report())
    assert tuple(frame.columns) == COLUMNS == EXPECTED_COLUMNS
    assert len(frame) == 4  # 2 people × 2 days
    assert frame["meeting_min"].dtype == "int64"
    assert frame["density"].dtype == "Float64"
    assert frame["load_score"].dtype == "Int64"
    assert frame.loc[0, "date"] == dt.date(2026, 11, 23)
    assert frame.loc[1, "density"] is pd.NA and frame.loc[1, "load_score"] is pd.NA


def test_csv_text() -> None:
    lines = to_csv(sample_report()).splitlines()
    assert lines[0] == ",".join(EXPECTED_COLUMNS)
    # ana Monday: 480 working, 90 meeting, 0 hold, 240 focus, 150 fragmented, 240 largest,
    # 0 after hours, 0 conflict, 4 meetings, 3 b2b, 90 run, 0 deficits, density 0.188, load 24.
    assert lines[1] == (
        "ana@x.example,Europe/Stockholm,2026-11-23,480,90,0,240,150,240,0,0,4,3,90,0,0.188,24"
    )
    assert lines[2] == "ana@x.example,Europe/Stockholm,2026-11-24,0,0,0,0,0,0,0,0,0,0,0,0,,"
    assert len(lines) == 5


def test_write_csv_and_parquet_round_trip_and_leave_no_temp_files(tmp_path: Path) -> None:
    csv_path, parquet_path = tmp_path / "week.csv", tmp_path / "week.parquet"
    write_csv(sample_report(), csv_path)
    write_parquet(sample_report(), parquet_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week.csv", "week.parquet"]
    assert csv_path.read_text(encoding="utf-8") == to_csv(sample_report())
    back = pd.read_parquet(parquet_path)
    assert tuple(back.columns) == EXPECTED_COLUMNS
    assert back["meeting_min"].tolist() == [90, 0, 0, 0]
    assert back["date"].tolist() == [dt.date(2026, 11, 23), dt.date(2026, 11, 24)] * 2
    assert back["density"].isna().tolist() == [False, True, False, False]  # ana's day off
    assert back["load_score"].isna().tolist() == [False, True, True, True]  # bob: no load


def test_writing_into_a_missing_folder_names_the_file_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "week.parquet"
    with pytest.raises(BadInputError, match=r"folder .*nope does not exist"):
        write_parquet(sample_report(), target)
    assert list(tmp_path.iterdir()) == []
