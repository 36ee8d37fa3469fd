"""Parquet files of the canonical event table: `calendar-slack export` writes them, `--source
parquet:PATH` reads them back.

Why: a snapshot of calendars that can be re-analysed later, shared without any account, or
produced by another tool. Writing is atomic (a temp file in the same folder, then os.replace),
so a failure never leaves a half-written file; reading checks the file against the schema and
names the file and the column at fault.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa

from calendar_slack import schema
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.ingest import one_line
from calendar_slack.errors import BadInputError


def save(events: pd.DataFrame, path: Path) -> None:
    """Write a canonical event table to `path` atomically (validated first)."""
    what = f"Parquet file {path}"
    try:
        frame = schema.validate(events)
    except BadInputError as exc:
        raise BadInputError(what, f"not written: {exc.cause}") from None
    folder = path.parent
    if not folder.is_dir():
        raise BadInputError(what, f"cannot be written: folder {folder} does not exist")
    # A fresh name in the same folder (not mkstemp, whose 0600 mode would outlive the rename:
    # the export gets the usual permissions of the user's umask).
    temp = folder / f".{path.name}.{uuid.uuid4().hex}.tmp"
    renamed = False
    try:
        frame.reset_index(drop=True).to_parquet(temp, engine="pyarrow", index=False)
        os.replace(temp, path)
        renamed = True
    except OSError as exc:
        raise BadInputError(what, f"cannot be written ({exc.strerror or exc})") from None
    finally:
        if not renamed:
            with contextlib.suppress(OSError):
                temp.unlink()


def load(argument: str, request: LoadRequest) -> Loaded:
    """Events of the Parquet file `argument` that overlap the request's window."""
    text = argument.strip()
    if not text:
        raise BadInputError("source 'parquet:'", "name the file, e.g. parquet:events.parquet")
    path = Path(text).expanduser()
    what = f"Parquet file {path}"
    raw = _read(path, what)
    extra = [str(name) for name in raw.columns if name not in schema.COLUMNS]
    if extra:
        raise BadInputError(what, f"has unexpected column(s) {', '.join(extra)}")
    try:
        _check_categories(raw)
        events = schema.validate(schema.coerce(raw.reset_index(drop=True)))
    except BadInputError as exc:
        raise BadInputError(what, one_line(exc.cause)) from None
    start, end = request.start, request.end
    inside = ((events["start"] < end) & (events["end"] > start)).to_numpy()
    events = events[inside].reset_index(drop=True)
    if request.redact:
        events["title"] = pd.Series(pd.NA, index=events.index, dtype=schema.COLUMNS["title"])
    return Loaded(events)


def _read(path: Path, what: str) -> pd.DataFrame:
    if not path.exists():
        raise BadInputError(what, "does not exist")
    if not path.is_file():
        raise BadInputError(what, "is not a file")
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except (OSError, ValueError, TypeError, pa.ArrowException) as exc:
        raise BadInputError(
            what, f"is not a readable Parquet file ({one_line(str(exc))})"
        ) from None


def _check_categories(raw: pd.DataFrame) -> None:
    """Name values outside a category column's vocabulary (coerce would turn them into nulls)."""
    for name, allowed in schema.CATEGORIES.items():
        if name not in raw.columns:
            continue
        values = raw[name].dropna().astype("string")
        unknown = sorted(set(values[~values.isin(allowed)]))
        if unknown:
            shown = ", ".join(repr(v) for v in unknown[:5])
            expected = ", ".join(allowed)
            raise BadInputError(
                "event table", f"column {name!r} has unknown value(s) {shown}; expected {expected}"
            )
