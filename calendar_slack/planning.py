"""The calendar side of the focus planner: canonical events + preferences -> a person's plan.

Why: `solver` is a pure optimisation model that counts whole minutes from a horizon start and
knows nothing of calendars, time zones or config files. This adapter is the one place where the
two worlds meet (and the only importer of `solver` in calendar_slack): it turns one person's
events, working hours and planner preferences into a `solver.Problem`, and the solver's `Plan`
back into UTC blocks the CLI, the HTML report and booking can use. Pure: no I/O, no clock
(`now` is an argument).

Decisions (DESIGN.md "Planner" leaves them to the adapter):
- Horizon: local midnight of `first` to local midnight after `last` in the person's zone; one
  solver Day per local date, 23 or 25 hours long on a DST change, with `clock_offset` set so
  that wall-clock 12:00 (and every daytime clock time) lands on the right instant.
- Busy: the person's rows of kind meeting, hold and ooo that are not ours, clipped to the
  horizon, start floored and end ceiled to whole minutes. focus and free rows are not busy.
- Focus time the person booked themselves (kind focus, not ours, not all-day) is passed as
  locked focus: it counts toward the weekly goal, nothing is planned over it, and it is not
  returned as a proposal (`protected_focus_min` counts proposed focus blocks only).
- Earlier blocks: rows with ours=True that start inside the horizon are passed as `previous`
  when the caller gives none. The canonical table has no block kind, so it is read from the
  title we book ("Recovery buffer" -> buffer, …); any other or no title (--redact) means focus.
  Caller-given `previous` / `locked` blocks that start outside the horizon are left out: they
  belong to another plan. An earlier block that overlaps a locked one is left out too (it is
  the same block, seen before the person changed it).
- `now` before the horizon is passed as a negative minute (nothing is in the past, and earlier
  blocks are fixed only within `no_move_hours` of `now`); after it, nothing new is planned.
- Explanations are the solver's, unchanged. Labels are weekday names ("Tue"); a horizon longer
  than a week labels days with their date as well ("Tue 2026-11-24"), so no two days share one.
- Contradictory or out-of-range preferences, from the config file or found by the solver,
  become one BadInputError naming the setting ("setting planner.focus_block_min").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

import solver
from calendar_slack import metrics
from calendar_slack.blocks import KIND_BY_TITLE, BlockKind, ShowAs
from calendar_slack.errors import BadInputError
from calendar_slack.prefs import Config, PlannerPrefs
from calendar_slack.workhours import (
    WEEKDAYS,
    WorkingHours,
    date_range,
    day_frame,
    local_instant,
    parse_clock,
    parse_span,
    zone,
)
from solver.problem import WEEKDAY_LABELS

#: (kind, start, end) of a block, as callers give earlier and locked blocks.
BlockSpan = tuple[str, pd.Timestamp, pd.Timestamp]
#: (kind, start UTC, end UTC, show_as) of a block in a PersonPlan.
PlannedBlock = tuple[BlockKind, pd.Timestamp, pd.Timestamp, ShowAs]

BUSY_KINDS: tuple[str, ...] = ("meeting", "hold", "ooo")
_NS_PER_MIN = 60_000_000_000
_NOON = 720


@dataclass(frozen=True)
class PersonPlan:
    """One person's plan for first..last, in calendar terms (UTC instants, local dates)."""

    person: str
    tz: str
    status: str
    solve_ms: float
    focus_goal_min: int
    focus_before_min: int  # the period's focus_min metric before any new block
    protected_focus_min: int  # focus minutes in the plan's blocks
    goal_met: bool
    reserve_min_by_day: dict[str, int]  # local date (ISO) -> unbooked free working minutes
    blocks: tuple[PlannedBlock, ...]
    explanations: tuple[str, ...]
    own_focus_min: int = 0  # focus time the person booked themselves (counts toward the goal)


def plan_week(
    events: pd.DataFrame,
    person: str,
    tz: str,
    config: Config,
    first: dt.date,
    last: dt.date,
    now: pd.Timestamp,
    previous: Sequence[BlockSpan] = (),
    locked: Sequence[BlockSpan] = (),
) -> PersonPlan:
    """Plan `person`'s local dates first..last in zone `tz` as of `now` (see module docstring).

    `events` is a canonical table (other people's rows are ignored). Raises BadInputError for a
    bad zone, period or preference, naming it.
    """
    where = zone(tz)
    dates = date_range(first, last)
    settings = config.person(person)
    hours = settings.hours()
    frame = day_frame(dates, where, hours)
    origin = pd.Timestamp(frame["day_start"].iloc[0])
    horizon_end = pd.Timestamp(frame["day_end"].iloc[-1])
    days = _days(frame, dates, where, origin)
    mine = events[events["person"] == person]
    if not previous:
        previous = earlier_blocks(mine)
    own = _blocks(own_focus(mine), origin, horizon_end)
    fixed = tuple(sorted(set(_blocks(locked, origin, horizon_end)) | set(own)))
    problem = solver.Problem(
        days=days,
        busy=_busy(mine, origin, horizon_end),
        prefs=solver_preferences(settings.planner, config),
        previous=tuple(
            block
            for block in _blocks(previous, origin, horizon_end)
            if not any(block.start < f.end and f.start < block.end for f in fixed)
        ),
        locked=fixed,
        now=_ceil_minutes(_utc(now, "now") - origin),
    )
    try:
        plan = solver.solve(problem)
    except solver.PreferenceError as exc:
        raise BadInputError(f"setting planner.{exc.setting}", exc.cause) from None
    except solver.ProblemError as exc:
        raise BadInputError(f"plan of {person}: {exc.what}", exc.cause) from None
    show_as = settings.planner.show_as
    blocks = tuple(
        (
            block.kind,
            origin + pd.Timedelta(minutes=block.start),
            origin + pd.Timedelta(minutes=block.end),
            show_as.get(block.kind, "busy"),
        )
        for block in plan.blocks
        if block not in own  # the person's own focus events are theirs, not proposals
    )
    return PersonPlan(
        person=person,
        tz=tz,
        status=plan.status,
        solve_ms=plan.solve_ms,
        focus_goal_min=settings.planner.weekly_focus_goal,
        focus_before_min=_focus_before(mine, person, tz, hours, config, first, last),
        protected_focus_min=plan.protected_focus_min - sum(b.length for b in own),
        goal_met=plan.goal_met,
        reserve_min_by_day={
            day.isoformat(): int(minutes)
            for day, minutes in zip(dates, plan.reserve_by_day, strict=True)
        },
        blocks=blocks,
        explanations=tuple(plan.explanations),
        own_focus_min=sum(b.length for b in own),
    )


def solver_preferences(prefs: PlannerPrefs, config: Config) -> solver.Preferences:
    """A person's PlannerPrefs (plus the metric thresholds) in the solver's terms."""
    return solver.Preferences(
        weekly_focus_goal=prefs.weekly_focus_goal,
        focus_block_min=prefs.focus_block_min,
        focus_block_ideal=prefs.focus_block_ideal,
        focus_block_max=prefs.focus_block_max,
        focus_cap_per_day=prefs.focus_cap_per_day,
        preferred_time=prefs.preferred_time,
        not_before=(
            parse_clock(prefs.not_before, "planner.not_before")
            if prefs.not_before is not None
            else None
        ),
        focus_days=(
            frozenset(WEEKDAYS.index(d) for d in prefs.focus_days)
            if prefs.focus_days is not None
            else None
        ),
        no_focus_days=frozenset(WEEKDAYS.index(d) for d in prefs.no_focus_days),
        recovery_after=config.metrics.recovery_after,
        b2b_gap=config.metrics.b2b_gap,
        recovery_buffer=prefs.recovery_buffer,
        prep_buffer=prefs.prep_buffer,
        lunch_window=parse_span(prefs.lunch_window, "planner.lunch_window"),
        lunch_length=prefs.lunch_length,
        reflection_length=prefs.reflection_length,
        reflection_day=WEEKDAYS.index(prefs.reflection_day),
        reflection_time=prefs.reflection_time,
        daily_reserve=prefs.daily_reserve,
        no_move_minutes=prefs.no_move_hours * 60,
    )


def earlier_blocks(events: pd.DataFrame) -> list[BlockSpan]:
    """Our own earlier blocks among `events` (rows with ours=True), kind read from the title."""
    ours = events[events["ours"].to_numpy(dtype=bool)]
    titles = ours["title"].astype("string").fillna("").str.strip().str.lower()
    return [
        (KIND_BY_TITLE.get(str(title), "focus"), pd.Timestamp(start), pd.Timestamp(end))
        for title, start, end in zip(titles, ours["start"], ours["end"], strict=True)
    ]


def own_focus(events: pd.DataFrame) -> list[BlockSpan]:
    """Focus time the person booked themselves (kind focus, not ours, not all-day).

    It goes to the solver as locked focus: it counts toward the weekly goal and nothing is
    planned on top of it; it is left out of the proposed blocks.
    """
    rows = events[
        (events["kind"] == "focus").to_numpy(dtype=bool)
        & ~events["ours"].to_numpy(dtype=bool)
        & ~events["all_day"].to_numpy(dtype=bool)
    ]
    return [
        ("focus", pd.Timestamp(start), pd.Timestamp(end))
        for start, end in zip(rows["start"], rows["end"], strict=True)
    ]


def _days(
    frame: pd.DataFrame, dates: Sequence[dt.date], where: ZoneInfo, origin: pd.Timestamp
) -> tuple[solver.Day, ...]:
    dated = len(dates) > 7
    days = []
    for day, start, end, work_start, work_end in zip(
        dates,
        frame["day_start"],
        frame["day_end"],
        frame["work_start"],
        frame["work_end"],
        strict=True,
    ):
        day_start = _floor_minutes(start - origin)
        noon = _floor_minutes(local_instant(day, _NOON, where) - origin)
        label = WEEKDAY_LABELS[day.weekday()]
        working = not pd.isna(work_start)
        days.append(
            solver.Day(
                day_start=day_start,
                day_end=_floor_minutes(end - origin),
                weekday=day.weekday(),
                label=f"{label} {day.isoformat()}" if dated else label,
                work_start=_ceil_minutes(work_start - origin) if working else None,
                work_end=_floor_minutes(work_end - origin) if working else None,
                clock_offset=noon - day_start - _NOON,
            )
        )
    return tuple(days)


def _busy(mine: pd.DataFrame, origin: pd.Timestamp, end: pd.Timestamp) -> tuple[solver.Busy, ...]:
    rows = mine[
        mine["kind"].isin(BUSY_KINDS).to_numpy(dtype=bool)
        & ~mine["ours"].to_numpy(dtype=bool)
        & (mine["end"] > origin).to_numpy(dtype=bool)
        & (mine["start"] < end).to_numpy(dtype=bool)
    ]
    limit = _ceil_minutes(end - origin)
    busy = set()
    for kind, start, stop in zip(rows["kind"], rows["start"], rows["end"], strict=True):
        lo = max(0, _floor_minutes(start - origin))
        hi = min(limit, _ceil_minutes(stop - origin))
        if hi > lo:
            busy.add(solver.Busy(lo, hi, str(kind)))  # type: ignore[arg-type]
    return tuple(sorted(busy))


def _blocks(
    spans: Sequence[BlockSpan], origin: pd.Timestamp, end: pd.Timestamp
) -> tuple[solver.Block, ...]:
    out = set()
    for kind, start, stop in spans:
        start, stop = _utc(start, "block start"), _utc(stop, "block end")
        if not origin <= start < end or stop <= start:
            continue
        if kind not in KIND_BY_TITLE.values():
            raise BadInputError(
                f"block {kind!r} at {start}", "is not focus, buffer, reflection or lunch"
            )
        lo, hi = _floor_minutes(start - origin), _ceil_minutes(stop - origin)
        out.add(solver.Block(lo, hi, kind))  # type: ignore[arg-type]
    return tuple(sorted(out))


def _focus_before(
    mine: pd.DataFrame,
    person: str,
    tz: str,
    hours: WorkingHours,
    config: Config,
    first: dt.date,
    last: dt.date,
) -> int:
    """The period's focus_min metric for `person`, from their own rows (`mine`)."""
    who = {person: metrics.PersonDays(tz, hours)}
    totals = metrics.week_totals(metrics.daily_metrics(mine, who, first, last, config.metrics))
    return int(totals["focus_min"].iloc[0])


def _utc(value: pd.Timestamp, what: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise BadInputError(f"{what} {stamp}", "has no time zone; give a UTC instant")
    return stamp.tz_convert("UTC")


def _floor_minutes(delta: pd.Timedelta) -> int:
    return int(delta.value // _NS_PER_MIN)


def _ceil_minutes(delta: pd.Timedelta) -> int:
    return int(-(-delta.value // _NS_PER_MIN))
