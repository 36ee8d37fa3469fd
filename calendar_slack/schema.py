"""The canonical event table: the one place that says which columns an event has.

Every connector produces this table and everything downstream (metrics, planning, reports,
booking) reads only this table. One row per event instance per person, recurrences expanded.
See DESIGN.md, "The canonical event table".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from calendar_slack.errors import BadInputError

KINDS: Final = ("meeting", "hold", "focus", "ooo", "free")
RESPONSES: Final = ("accepted", "tentative", "needs_action", "declined", "organizer", "none")
SOURCES: Final = ("demo", "ics", "caldav", "google", "outlook")

UTC_NS: Final = pd.DatetimeTZDtype(unit="ns", tz="UTC")

#: column name -> pandas dtype, in table order.
COLUMNS: Final[dict[str, Any]] = {
    "person": pd.StringDtype(),
    "source": pd.CategoricalDtype(list(SOURCES)),
    "calendar": pd.StringDtype(),
    "event_id": pd.StringDtype(),
    "series_id": pd.StringDtype(),
    "start": UTC_NS,
    "end": UTC_NS,
    "all_day": np.dtype(bool),
    "kind": pd.CategoricalDtype(list(KINDS)),
    "response": pd.CategoricalDtype(list(RESPONSES)),
    "attendees": np.dtype("int32"),
    "title": pd.StringDtype(),
    "ours": np.dtype(bool),
    "etag": pd.StringDtype(),
}

NULLABLE: Final = frozenset({"series_id", "title", "etag"})
CATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    "source": SOURCES,
    "kind": KINDS,
    "response": RESPONSES,
}


def empty_frame() -> pd.DataFrame:
    """A table with every canonical column and no rows."""
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in COLUMNS.items()})


def from_records(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build a canonical table from row dicts (missing nullable columns become null).

    Raises BadInputError (via `validate`) when a row does not fit the schema.
    """
    rows = list(records)
    if not rows:
        return empty_frame()
    data: dict[str, Any] = {}
    for name in COLUMNS:
        if name in NULLABLE:
            data[name] = [row.get(name) for row in rows]
        else:
            data[name] = [row[name] for row in rows]
    raw = pd.DataFrame(data)
    return validate(coerce(raw))


def coerce(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the columns of `frame` to the canonical dtypes (in canonical order).

    Missing columns and values that cannot be cast raise BadInputError naming the column.
    """
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise BadInputError("event table", f"missing column(s) {', '.join(missing)}") from None
    out: dict[str, pd.Series] = {}
    for name, dtype in COLUMNS.items():
        column = frame[name]
        try:
            if dtype == UTC_NS:
                column = pd.to_datetime(column, utc=True).astype(UTC_NS)
            elif name in CATEGORIES:
                text = column.astype("string")
                unknown = (text.notna() & ~text.isin(CATEGORIES[name])).to_numpy()
                if unknown.any():
                    first = text[unknown].iloc[0]
                    raise BadInputError(
                        "event table",
                        f"column {name!r} has unknown value {first!r} in row(s) "
                        f"{_positions(unknown)}; expected one of {', '.join(CATEGORIES[name])}",
                    )
                column = text.astype(dtype)
            else:
                column = column.astype(dtype)
        except (TypeError, ValueError) as exc:
            raise BadInputError(
                "event table", f"column {name!r} cannot be read as {dtype}: {exc}"
            ) from None
        out[name] = column
    return pd.DataFrame(out, index=frame.index)


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Check that `frame` is a canonical event table; return it unchanged when it is.

    Raises BadInputError naming the first bad column, or the bad rows (by position).
    """
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise BadInputError("event table", f"missing column(s) {', '.join(missing)}") from None
    for name, dtype in COLUMNS.items():
        if frame[name].dtype != dtype:
            raise BadInputError(
                "event table", f"column {name!r} has dtype {frame[name].dtype}, expected {dtype}"
            )
    for name in COLUMNS:
        if name in NULLABLE:
            continue
        nulls = frame[name].isna().to_numpy()
        if nulls.any():
            raise BadInputError(
                "event table", f"column {name!r} is empty in row(s) {_positions(nulls)}"
            )
    bad_span = (frame["end"] <= frame["start"]).to_numpy()
    if bad_span.any():
        raise BadInputError(
            "event table", f"end is not after start in row(s) {_positions(bad_span)}"
        ) from None
    negative = (frame["attendees"] < 0).to_numpy()
    if negative.any():
        raise BadInputError(
            "event table", f"attendees is negative in row(s) {_positions(negative)}"
        ) from None
    keys = frame[["person", "source", "calendar", "event_id"]]
    duplicated = keys.duplicated().to_numpy()
    if duplicated.any():
        raise BadInputError(
            "event table",
            f"(person, source, calendar, event_id) repeats in row(s) {_positions(duplicated)}",
        )
    return frame


def sort_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """A stable, content-based row order, so that input order never changes any output."""
    return frame.sort_values(
        ["person", "start", "end", "source", "calendar", "event_id"], kind="mergesort"
    ).reset_index(drop=True)


def _positions(mask: np.ndarray, limit: int = 5) -> str:
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")
