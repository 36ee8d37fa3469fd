"""A synthetic organisation's calendars as a canonical event table, built fast and reproducibly.

The metrics benchmark needs millions of realistic events (10,000 people x 13 weeks, ~5 events per
working day) without reading anything from disk or the network, and the same table on every run:
everything here is drawn from one seeded numpy generator, fully vectorised (no per-event Python),
and the rows come out in canonical order (person, start), as `schema.sort_canonical` would leave
them.

The mix: mostly meetings (some overlapping, some back to back), holds, focus blocks, declined
invitations (free), half-day and multi-day ooo, a few early, late, weekend and cross-midnight
meetings; people spread over a few time zones and working-hours profiles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from calendar_slack import schema
from calendar_slack.metrics import PersonDays
from calendar_slack.workhours import WorkingHours, date_range, epoch_minute, zone

ZONES: tuple[tuple[str, float], ...] = (
    ("Europe/Stockholm", 0.4),
    ("America/New_York", 0.25),
    ("Europe/London", 0.15),
    ("Asia/Kolkata", 0.1),
    ("Asia/Tokyo", 0.1),
)
HOURS: tuple[tuple[WorkingHours, float], ...] = (
    (WorkingHours(), 0.7),
    (WorkingHours.parse({d: "08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")}), 0.2),
    (
        WorkingHours.parse(
            {
                "mon": "08:00-18:00",
                "tue": "08:00-18:00",
                "wed": "08:00-18:00",
                "thu": "08:00-18:00",
                "fri": "off",
            }
        ),
        0.1,
    ),
)
#: kind -> share of the ordinary (in-day) events.
KIND_MIX: tuple[tuple[str, float], ...] = (
    ("meeting", 0.66),
    ("hold", 0.12),
    ("focus", 0.1),
    ("free", 0.1),
    ("ooo", 0.02),
)
DURATIONS = np.array([15, 25, 30, 30, 30, 45, 50, 60, 60, 90, 120, 240])
NS_PER_MIN = 60_000_000_000

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Org:
    """A synthetic organisation: its canonical events, who its people are, and the dates."""

    events: pd.DataFrame
    people: dict[str, PersonDays]
    first: dt.date
    last: dt.date


def person_name(i: int) -> str:
    return f"person{i:05d}@example.org"


def build(
    people: int = 10_000,
    weeks: int = 13,
    first: dt.date = dt.date(2026, 3, 2),
    per_day: float = 5.0,
    seed: int = 20260302,
) -> Org:
    """`people` people over `weeks` weeks from Monday `first`, ~`per_day` events per working day."""
    rng = np.random.default_rng(seed)
    dates = date_range(first, first + dt.timedelta(days=7 * weeks - 1))
    ndays = len(dates)
    names = [person_name(i) for i in range(people)]
    zone_of = rng.choice(len(ZONES), size=people, p=[w for _, w in ZONES])
    hours_of = rng.choice(len(HOURS), size=people, p=[w for _, w in HOURS])
    roster = {
        name: PersonDays(ZONES[z][0], HOURS[h][0])
        for name, z, h in zip(names, zone_of, hours_of, strict=True)
    }
    # Local midnight of every date per zone, in epoch minutes.
    midnight = np.array(
        [[epoch_minute(day, 0, zone(tz)) for day in dates] for tz, _ in ZONES],
        dtype=np.int64,
    )
    weekday = np.array([day.weekday() for day in dates])

    # Ordinary events: Poisson(per_day) per working weekday, fewer at weekends.
    rate = np.where(weekday < 5, per_day, per_day * 0.02)
    counts = rng.poisson(np.broadcast_to(rate, (people, ndays))).ravel()
    total = int(counts.sum())
    slot = np.repeat(np.arange(people * ndays, dtype=np.int64), counts)
    person = slot // ndays
    day = slot % ndays
    del slot
    mix = np.array([schema.KINDS.index(name) for name, _ in KIND_MIX], dtype=np.int8)
    kind = mix[rng.choice(len(KIND_MIX), size=total, p=[w for _, w in KIND_MIX])]
    # Start: mostly 08:00-18:00, moved with the person's working hours, on a 5-minute grid (more
    # than half on the hour or half hour); some early or late meetings, a few past midnight.
    day_start = np.array([(h.windows[0] or (540, 0))[0] - 540 for h, _ in HOURS])
    local = rng.integers(8 * 12, 18 * 12, size=total) * 5 + day_start[hours_of[person]]
    on_grid = rng.random(total) < 0.6
    local[on_grid] = local[on_grid] // 30 * 30
    odd = rng.random(total)
    local[odd < 0.03] = rng.integers(6 * 60, 8 * 60, size=int((odd < 0.03).sum())) // 5 * 5
    late = odd > 0.97
    local[late] = rng.integers(18 * 60, 23 * 60 + 50, size=int(late.sum())) // 5 * 5
    length = rng.choice(DURATIONS, size=total)
    length[(odd > 0.995)] += 180  # some late ones run across midnight
    ooo = kind == schema.KINDS.index("ooo")
    half = ooo & (rng.random(total) < 0.9)
    local[half] = np.where(rng.random(int(half.sum())) < 0.5, 0, 12 * 60)  # half-day ooo
    length[half] = 12 * 60
    length[ooo & ~half] = rng.integers(2, 10, size=int((ooo & ~half).sum())) * 1440  # vacation
    local[ooo & ~half] = 0
    base = midnight[zone_of[person], day]
    start_min = base + local
    end_min = start_min + length
    del local, length, odd, on_grid, late, half, ooo, base, day

    # Canonical order: person, then start, then end.
    key = (
        (person << 40)
        | ((start_min - int(midnight.min())) << 12)
        | np.minimum(end_min - start_min, 4095)
    )
    order = np.argsort(key, kind="stable")
    del key
    person, kind = person[order], kind[order]
    start_min, end_min = start_min[order], end_min[order]
    del order
    events = _canonical(names, person, kind, start_min, end_min, rng)
    return Org(events, roster, dates[0], dates[-1])


def _canonical(
    names: list[str],
    person: I64,
    kind: npt.NDArray[np.int8],
    start_min: I64,
    end_min: I64,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = person.size
    meeting = kind == schema.KINDS.index("meeting")
    attendees = np.where(meeting, rng.integers(1, 12, size=n), 0).astype(np.int32)
    response = np.where(
        kind == schema.KINDS.index("free"),
        schema.RESPONSES.index("declined"),
        np.where(meeting, schema.RESPONSES.index("accepted"), schema.RESPONSES.index("organizer")),
    )
    person_strings = pa.array(names, type=pa.large_string()).take(pa.array(person))
    return pd.DataFrame(
        {
            "person": _strings(person_strings),
            "source": pd.Categorical.from_codes(
                np.zeros(n, np.int8), dtype=schema.COLUMNS["source"]
            ),
            "calendar": _strings(person_strings),
            "event_id": _strings(pa.array(np.arange(n)).cast(pa.large_string())),
            "series_id": _strings(pa.nulls(n, pa.large_string())),
            "start": _timestamps(start_min),
            "end": _timestamps(end_min),
            "all_day": np.zeros(n, bool),
            "kind": pd.Categorical.from_codes(kind, dtype=schema.COLUMNS["kind"]),
            "response": pd.Categorical.from_codes(response, dtype=schema.COLUMNS["response"]),
            "attendees": attendees,
            "title": _strings(pa.nulls(n, pa.large_string())),
            "ours": np.zeros(n, bool),
            "etag": _strings(pa.nulls(n, pa.large_string())),
        },
        copy=False,
    )


def _strings(values: pa.Array) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values])), copy=False)


def _timestamps(minutes: I64) -> pd.Series:
    ns = (minutes * NS_PER_MIN).view("datetime64[ns]")
    return pd.Series(pd.DatetimeIndex(ns).tz_localize("UTC"), copy=False).astype(schema.UTC_NS)
