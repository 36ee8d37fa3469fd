"""The canonical event table: dtypes, coercion and validation messages that name the problem."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from calendar_slack import schema
from calendar_slack.errors import BadInputError


def row(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "person": "me@example.com",
        "source": "ics",
        "calendar": "work.ics",
        "event_id": "uid-1",
        "start": pd.Timestamp("2026-11-23T09:00Z"),
        "end": pd.Timestamp("2026-11-23T10:00Z"),
        "all_day": False,
        "kind": "meeting",
        "response": "accepted",
        "attendees": 2,
        "ours": False,
    }
    base.update(overrides)
    return base


def test_from_records_gives_every_column_in_order_with_canonical_dtypes() -> None:
    frame = schema.from_records([row(), row(event_id="uid-2", title="Stand-up")])
    assert list(frame.columns) == list(schema.COLUMNS)
    for name, dtype in schema.COLUMNS.items():
        assert frame[name].dtype == dtype, name
    assert frame["title"].isna().tolist() == [True, False]
    assert frame["title"].tolist()[1] == "Stand-up"
    assert (frame["end"] - frame["start"]).tolist() == [pd.Timedelta(hours=1)] * 2


def test_empty_frame_validates() -> None:
    assert len(schema.validate(schema.empty_frame())) == 0


def test_non_utc_times_are_converted_to_utc() -> None:
    frame = schema.from_records([row(start="2026-11-23T10:00+01:00", end="2026-11-23T11:00+01:00")])
    assert frame["start"].tolist() == [pd.Timestamp("2026-11-23T09:00Z")]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end": pd.Timestamp("2026-11-23T09:00Z")}, "end is not after start in row(s) 1"),
        ({"kind": "party"}, "column 'kind' has unknown value 'party' in row(s) 1"),
        ({"attendees": -1}, "attendees is negative in row(s) 1"),
        ({"event_id": "uid-1"}, "repeats in row(s) 1"),
    ],
)
def test_validate_names_the_bad_rows(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(BadInputError) as caught:
        schema.from_records([row(), row(**{"event_id": "uid-2", **overrides})])
    assert message in str(caught.value)


def test_validate_names_a_missing_column_and_a_wrong_dtype() -> None:
    frame = schema.from_records([row()])
    with pytest.raises(BadInputError, match=r"missing column.*etag"):
        schema.validate(frame.drop(columns=["etag"]))
    with pytest.raises(BadInputError, match="column 'attendees' has dtype int64"):
        schema.validate(frame.astype({"attendees": "int64"}))


def test_coerce_names_the_column_that_cannot_be_read() -> None:
    frame = pd.DataFrame([row(start="not a time")])
    for name in ("series_id", "title", "etag"):
        frame[name] = None
    with pytest.raises(BadInputError, match="column 'start' cannot be read"):
        schema.coerce(frame)


def test_sort_canonical_is_independent_of_input_order() -> None:
    rows = [
        row(
            event_id=f"e{i}",
            start=pd.Timestamp(f"2026-11-23T0{i}:00Z"),
            end=pd.Timestamp(f"2026-11-23T0{i}:30Z"),
        )
        for i in range(1, 6)
    ]
    forward = schema.sort_canonical(schema.from_records(rows))
    backward = schema.sort_canonical(schema.from_records(list(reversed(rows))))
    pd.testing.assert_frame_equal(forward, backward)
    assert forward["event_id"].tolist() == ["e1", "e2", "e3", "e4", "e5"]
