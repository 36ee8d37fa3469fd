"""The weekly report as a flat table (CSV, Parquet): one row per person-day.

Columns: person, tz, date, then every metric in metrics.METRICS order. Nulls stay null (empty in
CSV). Both writers are atomic: a temporary file beside the target, then os.replace.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from calendar_slack.metrics import METRICS
from calendar_slack.report.atomic import atomic_path, write_text
from calendar_slack.report.model import Report, person_day_rows

COLUMNS: tuple[str, ...] = ("person", "tz", "date", *METRICS)


def to_frame(report: Report) -> pd.DataFrame:
    """person/tz strings, date as a date, minutes and counts int64, density Float64, load Int64."""
    rows = person_day_rows(report)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    out: dict[str, pd.Series] = {
        "person": frame["person"].astype("string"),
        "tz": frame["tz"].astype("string"),
        "date": pd.Series([dt.date.fromisoformat(str(d)) for d in frame["date"]], dtype="object"),
    }
    for metric in METRICS:
        if metric == "density":
            out[metric] = frame[metric].astype("Float64")
        elif metric == "load_score":
            out[metric] = frame[metric].astype("Int64")
        else:
            out[metric] = frame[metric].astype("int64")
    return pd.DataFrame(out)


def to_csv(report: Report) -> str:
    """CSV text with a header row; dates as YYYY-MM-DD, nulls empty."""
    return to_frame(report).to_csv(index=False, lineterminator="\n")


def write_csv(report: Report, path: Path) -> None:
    write_text(path, to_csv(report))


def write_parquet(report: Report, path: Path) -> None:
    """Parquet (pyarrow): date is a date32 column, nulls are real nulls."""
    frame = to_frame(report)
    with atomic_path(path) as temp:
        frame.to_parquet(temp, index=False, engine="pyarrow")
