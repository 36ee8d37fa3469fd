"""Small builders for planner tests: clock strings instead of raw horizon minutes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from solver import Block, Busy, Day, Plan, Preferences, Problem, days_from_windows

NINE_TO_FIVE = (540, 1020)
#: Preferences with every optional goal switched off, so a test can switch on the one it studies.
QUIET = Preferences(
    weekly_focus_goal=0,
    recovery_buffer=0,
    reflection_length=0,
    daily_reserve=0,
    preferred_time="none",
)


def clock(text: str) -> int:
    """'09:30' -> 570."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def at(day: int, text: str) -> int:
    """Horizon minute of clock `text` on day index `day` (1440-minute days)."""
    return day * 1440 + clock(text)


def meeting(day: int, start: str, end: str, kind: str = "meeting") -> Busy:
    return Busy(at(day, start), at(day, end), kind)  # type: ignore[arg-type]


def block(day: int, start: str, end: str, kind: str = "focus") -> Block:
    return Block(at(day, start), at(day, end), kind)  # type: ignore[arg-type]


def week(days: int = 5, windows: Sequence[tuple[int, int] | None] | None = None) -> tuple[Day, ...]:
    """Monday first; `days` working days 09:00-17:00 unless `windows` says otherwise."""
    return days_from_windows(list(windows) if windows is not None else [NINE_TO_FIVE] * days)


def problem(
    busy: Iterable[Busy] = (),
    days: tuple[Day, ...] | None = None,
    **prefs: Any,
) -> Problem:
    """A problem over `days` (default one Monday 09:00-17:00) with QUIET preferences + `prefs`."""
    return Problem(
        days=days if days is not None else week(1),
        busy=tuple(busy),
        prefs=replace(QUIET, **prefs),
        time_limit_s=20.0,
    )


def spans(plan: Plan | Iterable[Block], kind: str | None = None) -> list[tuple[int, str, str]]:
    """Blocks as (day index, 'HH:MM-HH:MM', kind), sorted, for readable assertions."""
    blocks = plan.blocks if isinstance(plan, Plan) else tuple(plan)
    out: list[tuple[int, str, str]] = []
    for b in sorted(blocks):
        if kind is None or b.kind == kind:
            day = b.start // 1440
            out.append((day, f"{_hm(b.start - day * 1440)}-{_hm(b.end - day * 1440)}", b.kind))
    return out


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
