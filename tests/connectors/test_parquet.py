"""Parquet export and source: round trip, window cut, atomic writes, one-line bad-input errors."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from calendar_slack import schema
from calendar_slack.connectors import demo, parquet
from calendar_slack.connectors.base import LoadRequest
from calendar_slack.errors import BadInputError

UTC = "UTC"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def request(start: str, end: str, redact: bool = False) -> LoadRequest:
    return LoadRequest(start=ts(start), end=ts(end), redact=redact)


def row(event_id: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "person": "me@example.org",
        "source": "ics",
        "calendar": "work",
        "event_id": event_id,
        "series_id": None,
        "start": ts(start),
        "end": ts(end),
        "all_day": False,
        "kind": "meeting",
        "response": "accepted",
        "attendees": 2,
        "title": f"Meeting {event_id}",
        "ours": False,
        "etag": None,
    }
    return {**base, **extra}


def small_table() -> pd.DataFrame:
    return schema.from_records(
        [
            row("a", "2026-11-23 09:00", "2026-11-23 10:00"),
            row("b", "2026-11-23 09:30", "2026-11-23 10:30"),
            row("c", "2026-11-23 11:59", "2026-11-23 13:00"),
            row("d", "2026-11-23 12:00", "2026-11-23 13:00"),
        ]
    )


def assert_one_line_naming(caught: pytest.ExceptionInfo[BadInputError], path: Path) -> str:
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    return message


def test_demo_round_trip_gives_an_identical_frame(tmp_path: Path) -> None:
    window = request("2026-11-23", "2026-12-28")
    events = demo.load("", window).events
    path = tmp_path / "team.parquet"
    parquet.save(events, path)
    loaded = parquet.load(str(path), window)
    pd.testing.assert_frame_equal(loaded.events, events)
    assert loaded.zones == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team.parquet"]  # no temp file left


def test_load_keeps_only_rows_overlapping_the_window(tmp_path: Path) -> None:
    path = tmp_path / "small.parquet"
    parquet.save(small_table(), path)
    # Window [10:00, 12:00): a ends at 10:00 and d starts at 12:00, so neither overlaps;
    # b (09:30-10:30) and c (11:59-13:00) each overlap by 30 and 1 minutes.
    loaded = parquet.load(str(path), request("2026-11-23 10:00", "2026-11-23 12:00"))
    assert loaded.events["event_id"].tolist() == ["b", "c"]
    assert loaded.events.index.tolist() == [0, 1]
    schema.validate(loaded.events)


def test_redact_drops_titles_on_load(tmp_path: Path) -> None:
    path = tmp_path / "small.parquet"
    parquet.save(small_table(), path)
    loaded = parquet.load(str(path), request("2026-11-23", "2026-11-24", redact=True))
    assert len(loaded.events) == 4
    assert loaded.events["title"].isna().all()
    assert loaded.events["title"].dtype == schema.COLUMNS["title"]


def test_foreign_dtypes_are_coerced_to_canonical_ones(tmp_path: Path) -> None:
    canonical = small_table()
    plain = canonical.astype(
        {"source": object, "kind": object, "response": object, "attendees": "int64"}
    )
    plain["start"] = plain["start"].dt.tz_convert("Europe/Stockholm")  # same instants
    path = tmp_path / "plain.parquet"
    plain.to_parquet(path, index=False)
    loaded = parquet.load(str(path), request("2026-11-23", "2026-11-24"))
    pd.testing.assert_frame_equal(loaded.events, canonical)


def test_save_gives_the_file_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    parquet.save(small_table(), path)
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"")  # created with the process umask, as any file the user writes
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    parquet.save(small_table(), path)
    parquet.save(small_table().iloc[:1], path)
    loaded = parquet.load(str(path), request("2026-11-23", "2026-11-24"))
    assert loaded.events["event_id"].tolist() == ["a"]


def test_a_failed_save_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.parquet"
    parquet.save(small_table(), path)

    def half_write(self: pd.DataFrame, target: Path, **_: Any) -> None:
        Path(target).write_bytes(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_write)
    with pytest.raises(BadInputError) as caught:
        parquet.save(small_table().iloc[:1], path)
    message = assert_one_line_naming(caught, path)
    assert "No space left on device" in message
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.parquet"]
    loaded = parquet.load(str(path), request("2026-11-23", "2026-11-24"))
    assert loaded.events["event_id"].tolist() == ["a", "b", "c", "d"]


def test_save_refuses_a_table_that_is_not_canonical(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    with pytest.raises(BadInputError) as caught:
        parquet.save(small_table().drop(columns="kind"), path)
    assert "kind" in assert_one_line_naming(caught, path)
    assert not path.exists()


def test_save_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "events.parquet"
    with pytest.raises(BadInputError) as caught:
        parquet.save(small_table(), path)
    assert "does not exist" in assert_one_line_naming(caught, path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.parquet"
    with pytest.raises(BadInputError) as caught:
        parquet.load(str(path), request("2026-11-23", "2026-11-24"))
    assert "does not exist" in assert_one_line_naming(caught, path)


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as caught:
        parquet.load(str(tmp_path), request("2026-11-23", "2026-11-24"))
    assert "is not a file" in assert_one_line_naming(caught, tmp_path)


def test_a_file_that_is_not_parquet(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    path.write_text("person,start,end\nme,2026-11-23,2026-11-24\n", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        parquet.load(str(path), request("2026-11-23", "2026-11-24"))
    assert "not a readable Parquet file" in assert_one_line_naming(caught, path)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    small_table().drop(columns=["kind", "etag"]).to_parquet(path, index=False)
    with pytest.raises(BadInputError) as caught:
        parquet.load(str(path), request("2026-11-23", "2026-11-24"))
    assert "missing column(s) kind, etag" in assert_one_line_naming(caught, path)


def test_unexpected_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    small_table().assign(colour="red").to_parquet(path, index=False)
    with pytest.raises(BadInputError) as caught:
        parquet.load(str(path), request("2026-11-23", "2026-11-24"))
    assert "unexpected column(s) colour" in assert_one_line_naming(caught, path)


def write_raw(path: Path, **changes: Any) -> None:
    """The small table with some columns replaced by raw (non-canonical) values."""
    frame = small_table().astype({"kind": object, "attendees": object, "person": object})
    for name, values in changes.items():
        frame[name] = values
    frame.to_parquet(path, index=False)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"kind": ["meeting", "party", "hold", "free"]},
            "column 'kind' has unknown value(s) 'party'",
        ),
        ({"attendees": ["2", "many", "1", "0"]}, "column 'attendees' cannot be read as int32"),
        ({"person": ["me", None, "me", "me"]}, "column 'person' is empty in row(s) 1"),
        ({"attendees": [2, -1, 1, 0]}, "attendees is negative in row(s) 1"),
        (
            {"end": [ts("2026-11-23 08:00"), *[ts("2026-11-23 13:00")] * 3]},
            "end is not after start in row(s) 0",
        ),
        ({"event_id": ["a", "a", "c", "d"]}, "repeats in row(s) 1"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, changes: dict[str, Any], expected: str) -> None:
    path = tmp_path / "events.parquet"
    write_raw(path, **changes)
    with pytest.raises(BadInputError) as caught:
        parquet.load(str(path), request("2026-11-23", "2026-11-24"))
    assert expected in assert_one_line_naming(caught, path)


def test_no_file_named() -> None:
    with pytest.raises(BadInputError) as caught:
        parquet.load("  ", request("2026-11-23", "2026-11-24"))
    assert "parquet:" in str(caught.value)
