"""Working hours, local days and ISO weeks: where a person's time zone meets UTC instants.

Everything inside calendar-slack is a UTC instant; local time appears only here, where a
person's IANA zone turns "Mon–Fri 09:00–17:00" and "2026-W48" into UTC intervals. Reads no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from calendar_slack.errors import BadInputError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

#: (start minute, end minute) after local midnight, or None for a day off.
Window = tuple[int, int] | None


@dataclass(frozen=True)
class WorkingHours:
    """One working window per weekday (Monday first); None marks a day off."""

    windows: tuple[Window, Window, Window, Window, Window, Window, Window] = (
        (540, 1020),
        (540, 1020),
        (540, 1020),
        (540, 1020),
        (540, 1020),
        None,
        None,
    )

    @classmethod
    def parse(cls, spec: dict[str, str | None], setting: str = "working_hours") -> WorkingHours:
        """Read {"mon": "09:00-17:00", "sat": "off", ...}; weekdays not named keep the default."""
        windows = list(cls().windows)
        for key, value in spec.items():
            day = key.strip().lower()[:3]
            if day not in WEEKDAYS:
                raise BadInputError(
                    f"setting {setting}.{key}", "is not a weekday (mon … sun)"
                ) from None
            windows[WEEKDAYS.index(day)] = parse_span(value, f"{setting}.{key}")
        return cls(tuple(windows))  # type: ignore[arg-type]

    def window(self, day: dt.date) -> Window:
        return self.windows[day.weekday()]


def parse_span(value: str | None, setting: str) -> Window:
    """'09:00-17:00' -> (540, 1020); 'off', '' or None -> None."""
    if value is None or value.strip().lower() in ("", "off", "none", "-"):
        return None
    match = _SPAN.match(value)
    if not match:
        raise BadInputError(
            f"setting {setting}", f"{value!r} is not HH:MM-HH:MM or 'off'"
        ) from None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if not (0 <= start < end <= 1440) or m1 >= 60 or m2 >= 60:
        raise BadInputError(
            f"setting {setting}", f"{value!r} must run forward within one day"
        ) from None
    return start, end


def parse_clock(value: str, setting: str) -> int:
    """'09:30' -> 570 minutes after midnight."""
    match = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", value)
    if not match or int(match.group(1)) > 24 or int(match.group(2)) >= 60:
        raise BadInputError(f"setting {setting}", f"{value!r} is not a time of day HH:MM") from None
    return int(match.group(1)) * 60 + int(match.group(2))


def zone(name: str) -> ZoneInfo:
    """An IANA time zone, or a one-line BadInputError naming it."""
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")):
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, IsADirectoryError):
        raise BadInputError(
            f"time zone {name!r}", "is not a known IANA zone (e.g. Europe/Stockholm)"
        ) from None


def parse_week(text: str) -> tuple[dt.date, dt.date]:
    """'2026-W48' -> (Monday, Sunday) of that ISO week."""
    match = _WEEK.match(text.strip())
    if not match:
        raise BadInputError(f"week {text!r}", "is not an ISO week like 2026-W48") from None
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BadInputError(f"week {text!r}", f"{year} has no ISO week {week}") from None
    return monday, monday + dt.timedelta(days=6)


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MINUTE = dt.timedelta(minutes=1)


def wall_clock(day: dt.date, minute: int, tz: ZoneInfo) -> dt.datetime:
    """UTC datetime of wall-clock `minute` after midnight on local `day` (1440 = next midnight).

    The one rule for local times: wall times that do not exist (the spring-forward gap) move
    forward by the gap, and repeated ones (fall-back) take their first occurrence, as zoneinfo
    does. Plain datetime, so hot loops (metrics) can call it cheaply.
    """
    if minute >= 1440:
        next_day = day + dt.timedelta(days=minute // 1440)
        return wall_clock(next_day, 0, tz) + dt.timedelta(minutes=minute % 1440)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tz).astimezone(dt.UTC)


def epoch_minute(day: dt.date, minute: int, tz: ZoneInfo) -> int:
    """`wall_clock` as whole minutes since the Unix epoch."""
    return (wall_clock(day, minute, tz) - _EPOCH) // _MINUTE


def local_midnight(day: dt.date, tz: ZoneInfo) -> pd.Timestamp:
    """The UTC instant at which local `day` begins in `tz`."""
    return pd.Timestamp(wall_clock(day, 0, tz))


def local_instant(day: dt.date, minute: int, tz: ZoneInfo) -> pd.Timestamp:
    """UTC instant of wall-clock `minute` after midnight on local `day` (see `wall_clock`)."""
    return pd.Timestamp(wall_clock(day, minute, tz))


def day_frame(dates: Sequence[dt.date], tz: ZoneInfo, hours: WorkingHours) -> pd.DataFrame:
    """Per local date: UTC bounds of the day and of its working window (NaT on a day off).

    Columns: date, day_start, day_end, work_start, work_end (datetime64[ns, UTC]).
    """
    rows = []
    for day in dates:
        window = hours.window(day)
        rows.append(
            (
                day,
                local_midnight(day, tz),
                local_midnight(day + dt.timedelta(days=1), tz),
                local_instant(day, window[0], tz) if window else pd.NaT,
                local_instant(day, window[1], tz) if window else pd.NaT,
            )
        )
    frame = pd.DataFrame(rows, columns=["date", "day_start", "day_end", "work_start", "work_end"])
    for column in ("day_start", "day_end", "work_start", "work_end"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[ns, UTC]")
    return frame


def date_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every date from `first` to `last`, inclusive."""
    if last < first:
        raise BadInputError(f"date range {first}..{last}", "ends before it starts") from None
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def utc_minutes(values: pd.Series) -> np.ndarray:
    """UTC timestamps -> int64 minutes since the epoch (floor)."""
    ns = values.astype("datetime64[ns, UTC]").array.asi8  # type: ignore[attr-defined]
    minutes: np.ndarray = np.floor_divide(ns, 60_000_000_000)
    return minutes
