"""Small canonical event tables and fake metric frames for the report tests, built by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from calendar_slack import schema
from calendar_slack.metrics import METRICS

STOCKHOLM = "Europe/Stockholm"


def local(text: str, tz: str = STOCKHOLM) -> pd.Timestamp:
    """'2026-11-23 10:00' wall clock in `tz` -> UTC timestamp."""
    return pd.Timestamp(text, tz=tz).tz_convert("UTC")


def event(
    person: str,
    start: str,
    end: str,
    kind: str = "meeting",
    *,
    tz: str = STOCKHOLM,
    event_id: str | None = None,
    attendees: int | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """One canonical row; start/end are wall-clock times in `tz`."""
    return {
        "person": person,
        "source": "demo",
        "calendar": "test",
        "event_id": event_id or f"{person}/{start}/{end}/{kind}",
        "start": local(start, tz),
        "end": local(end, tz),
        "all_day": False,
        "kind": kind,
        "response": "accepted",
        "attendees": (1 if kind == "meeting" else 0) if attendees is None else attendees,
        "title": title,
        "ours": False,
    }


def table(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    return schema.from_records(rows)


def fake_daily(person: str, first: dt.date, days: int, **values: Any) -> pd.DataFrame:
    """A daily_metrics-shaped frame: every metric 0 (density NaN, load null) unless given.

    A value given as a list sets each day in turn; a scalar sets every day.
    """
    rows = []
    for i in range(days):
        row: dict[str, Any] = {"person": person, "date": first + dt.timedelta(days=i)}
        for metric in METRICS:
            default: Any = float("nan") if metric == "density" else None
            if metric not in ("density", "load_score"):
                default = 0
            given = values.get(metric, default)
            row[metric] = given[i] if isinstance(given, list) else given
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["person", "date", *METRICS])
    frame["person"] = frame["person"].astype("string")
    frame["density"] = frame["density"].astype(float)
    frame["load_score"] = frame["load_score"].astype("Int64")
    return frame


def fake_totals(person: str, **values: Any) -> pd.DataFrame:
    """A week_totals-shaped frame with one row for `person` (0 / NaN / null unless given)."""
    row: dict[str, Any] = {"person": person}
    for metric in METRICS:
        default: Any = float("nan") if metric in ("density", "load_score") else 0
        row[metric] = values.get(metric, default)
    frame = pd.DataFrame([row], columns=["person", *METRICS])
    frame["person"] = frame["person"].astype("string")
    return frame
