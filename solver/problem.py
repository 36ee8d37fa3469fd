"""The planner's input and output: plain frozen dataclasses, integer minutes, no calendar types.

Everything here is measured in whole minutes from the horizon start, which is local midnight of
the first day. `calendar_slack.planning` converts events, working hours and the person's
preferences into a `Problem` (time zones and DST included) and reads the `Plan` back, so that
`solver` never needs to know what a calendar is. See DESIGN.md, "Planner", and docs/planner.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

BusyKind = Literal["meeting", "hold", "ooo"]
BlockKind = Literal["focus", "buffer", "reflection", "lunch"]
TimeOfDay = Literal["morning", "afternoon", "none"]

WEEKDAY_LABELS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BUSY_KINDS: tuple[str, ...] = ("meeting", "hold", "ooo")
BLOCK_KINDS: tuple[str, ...] = ("focus", "buffer", "reflection", "lunch")
TIMES_OF_DAY: tuple[str, ...] = ("morning", "afternoon", "none")
#: Wall-clock minute that splits a day into morning and afternoon.
NOON = 720
#: Least break between two new focus blocks: two touching blocks would be one block longer
#: than focus_block_max in all but name.
FOCUS_BREAK = 15


class ProblemError(ValueError):
    """A `Problem` that cannot be planned as given: `what` names the input, `cause` says why."""

    def __init__(self, what: str, cause: str) -> None:
        self.what = what
        self.cause = cause
        super().__init__(f"{what}: {cause}")


class PreferenceError(ProblemError):
    """Preferences that contradict each other; `setting` names the one to change."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting = setting
        super().__init__(f"setting {setting}", message)


@dataclass(frozen=True)
class Day:
    """One local day of the horizon, in horizon minutes.

    `day_start`/`day_end` bound the local day (1380 or 1500 minutes long on a DST change).
    `work_start`/`work_end` is the working window, or both None on a day off. `clock_offset` is
    what to add to `day_start + minute_of_day` to reach a daytime wall-clock time on this day:
    0 on an ordinary day, -60 on a spring-forward day, +60 on a fall-back day (the change
    happens at night, so the offset holds for every daytime clock time the planner uses:
    not_before, noon, lunch window).
    """

    day_start: int
    day_end: int
    weekday: int
    label: str = ""
    work_start: int | None = None
    work_end: int | None = None
    clock_offset: int = 0

    def __post_init__(self) -> None:
        if not self.label and 0 <= self.weekday <= 6:
            object.__setattr__(self, "label", WEEKDAY_LABELS[self.weekday])

    @property
    def working(self) -> bool:
        return self.work_start is not None and self.work_end is not None

    def at(self, minute_of_day: int) -> int:
        """Horizon minute of the daytime wall-clock `minute_of_day` on this day."""
        return self.day_start + minute_of_day + self.clock_offset

    def clock(self, minute: int) -> int:
        """Daytime wall-clock minute of day of horizon `minute` (inverse of `at`)."""
        return minute - self.day_start - self.clock_offset


@dataclass(frozen=True, order=True)
class Busy:
    """Time the person cannot give to a block: a meeting, a hold or out of office."""

    start: int
    end: int
    kind: BusyKind = "meeting"


@dataclass(frozen=True, order=True)
class Block:
    """A block the planner books (or booked earlier): focus, buffer, reflection or lunch."""

    start: int
    end: int
    kind: BlockKind = "focus"

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Preferences:
    """One person's planner settings in solver terms. Minutes unless the name says otherwise.

    Clock times (`not_before`, `lunch_window`) are minutes after local midnight; weekdays are
    0 = Monday … 6 = Sunday. `focus_days=None` means every working day may hold focus.
    """

    weekly_focus_goal: int = 600
    focus_block_min: int = 60
    focus_block_ideal: int = 120
    focus_block_max: int = 180
    focus_cap_per_day: int = 240
    preferred_time: TimeOfDay = "morning"
    not_before: int | None = None
    focus_days: frozenset[int] | None = None
    no_focus_days: frozenset[int] = frozenset()
    recovery_after: int = 60
    b2b_gap: int = 5
    recovery_buffer: int = 15
    prep_buffer: int = 0
    lunch_window: tuple[int, int] | None = None
    lunch_length: int = 0
    reflection_length: int = 30
    reflection_day: int = 4
    reflection_time: TimeOfDay = "afternoon"
    daily_reserve: int = 60
    no_move_minutes: int = 1200


@dataclass(frozen=True)
class Problem:
    """One person's planning horizon: days, busy time, preferences and earlier blocks.

    `previous` are the blocks the planner booked last time (kept where possible, and fixed
    when they start before `now + no_move_minutes`); `locked` are blocks the person moved or
    edited, which never move. Both end up in the plan. `now` is a horizon minute: nothing new
    starts before it. `seed` fixes the solver's randomness so the same input gives the same plan.
    """

    days: tuple[Day, ...]
    busy: tuple[Busy, ...] = ()
    prefs: Preferences = field(default_factory=Preferences)
    previous: tuple[Block, ...] = ()
    locked: tuple[Block, ...] = ()
    now: int = 0
    time_limit_s: float = 2.0
    workers: int = 2
    seed: int = 20260101


@dataclass(frozen=True)
class Plan:
    """The planner's answer.

    `blocks` holds every block of the plan, sorted: new ones, kept earlier ones and locked ones.
    `objective` is `score(problem, blocks).objective` (higher is better) and `terms` its named,
    weighted penalty terms; `model_objective` is what CP-SAT reported (equal when OPTIMAL).
    `protected_focus_min` counts focus minutes in the plan, `focus_before_min` those of the
    earlier plan (`previous` + `locked`). `reserve_by_day[i]` is the free working time of
    `problem.days[i]` from `now` on that stays unbooked. `explanations` has one sentence per
    unmet goal. `solve_ms` is the solver's own wall time.
    """

    blocks: tuple[Block, ...]
    status: str
    solve_ms: float
    objective: int
    terms: Mapping[str, int]
    protected_focus_min: int
    focus_before_min: int
    goal_met: bool
    reserve_by_day: tuple[int, ...]
    explanations: tuple[str, ...]
    model_objective: int | None = None

    def of_kind(self, kind: BlockKind) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind == kind)


def days_from_windows(
    windows: Sequence[tuple[int, int] | None], first_weekday: int = 0
) -> tuple[Day, ...]:
    """Consecutive 1440-minute days with working windows given as (start, end) minutes of day.

    A convenience for tests, benchmarks and zones without DST in the horizon.
    """
    days = []
    for i, window in enumerate(windows):
        start = i * 1440
        days.append(
            Day(
                day_start=start,
                day_end=start + 1440,
                weekday=(first_weekday + i) % 7,
                work_start=start + window[0] if window else None,
                work_end=start + window[1] if window else None,
            )
        )
    return tuple(days)


def validate(problem: Problem) -> None:
    """Raise ProblemError / PreferenceError when `problem` cannot be planned as given."""
    _validate_days(problem.days)
    for i, busy in enumerate(problem.busy):
        if busy.end <= busy.start:
            raise ProblemError(f"busy[{i}]", f"ends ({busy.end}) at or before it starts")
        if busy.kind not in BUSY_KINDS:
            raise ProblemError(f"busy[{i}]", f"kind {busy.kind!r} is not one of {BUSY_KINDS}")
    for name, blocks in (("previous", problem.previous), ("locked", problem.locked)):
        for i, block in enumerate(blocks):
            if block.end <= block.start:
                raise ProblemError(f"{name}[{i}]", f"ends ({block.end}) at or before it starts")
            if block.kind not in BLOCK_KINDS:
                raise ProblemError(f"{name}[{i}]", f"kind {block.kind!r} is not a block kind")
            if day_index(problem.days, block.start) is None:
                raise ProblemError(f"{name}[{i}]", f"starts ({block.start}) outside every day")
    if not problem.time_limit_s > 0:
        raise ProblemError("time_limit_s", "must be above 0")
    if problem.workers < 1:
        raise ProblemError("workers", "must be at least 1")
    validate_preferences(problem.prefs, problem.days)


def validate_preferences(prefs: Preferences, days: Sequence[Day] = ()) -> None:
    """Raise PreferenceError naming the first setting that is out of range or contradictory."""
    for name in (
        "weekly_focus_goal",
        "focus_block_min",
        "focus_block_ideal",
        "focus_block_max",
        "focus_cap_per_day",
        "recovery_after",
        "b2b_gap",
        "recovery_buffer",
        "prep_buffer",
        "lunch_length",
        "reflection_length",
        "daily_reserve",
        "no_move_minutes",
    ):
        if getattr(prefs, name) < 0:
            raise PreferenceError(name, "must not be negative")
    if prefs.focus_block_min < 5:
        raise PreferenceError("focus_block_min", "must be at least 5 minutes (the grain)")
    if prefs.focus_block_min > prefs.focus_block_max:
        raise PreferenceError(
            "focus_block_min",
            f"{prefs.focus_block_min} min is above focus_block_max ({prefs.focus_block_max} min)",
        )
    if -(-prefs.focus_block_min // 5) > prefs.focus_block_max // 5:
        raise PreferenceError(
            "focus_block_max",
            f"no multiple of 5 minutes lies between focus_block_min ({prefs.focus_block_min}) "
            f"and focus_block_max ({prefs.focus_block_max})",
        )
    if not prefs.focus_block_min <= prefs.focus_block_ideal <= prefs.focus_block_max:
        raise PreferenceError(
            "focus_block_ideal",
            f"{prefs.focus_block_ideal} min lies outside [focus_block_min, focus_block_max] = "
            f"[{prefs.focus_block_min}, {prefs.focus_block_max}]",
        )
    if 0 < prefs.focus_cap_per_day < prefs.focus_block_min:
        raise PreferenceError(
            "focus_cap_per_day",
            f"{prefs.focus_cap_per_day} min is below focus_block_min ({prefs.focus_block_min} "
            "min): no block could ever fit (use 0 for no focus at all)",
        )
    for name in ("preferred_time", "reflection_time"):
        if getattr(prefs, name) not in TIMES_OF_DAY:
            raise PreferenceError(name, f"must be one of {', '.join(TIMES_OF_DAY)}")
    for name in ("focus_days", "no_focus_days"):
        value = getattr(prefs, name)
        if value is not None and any(not 0 <= d <= 6 for d in value):
            raise PreferenceError(name, "weekdays are 0 (Monday) … 6 (Sunday)")
    if not 0 <= prefs.reflection_day <= 6:
        raise PreferenceError("reflection_day", "weekdays are 0 (Monday) … 6 (Sunday)")
    if prefs.not_before is not None and not 0 <= prefs.not_before <= 1440:
        raise PreferenceError("not_before", "must be a minute of the day (0 … 1440)")
    if prefs.lunch_window is not None:
        lo, hi = prefs.lunch_window
        if not 0 <= lo < hi <= 1440:
            raise PreferenceError("lunch_window", "must run forward within one day")
        if prefs.lunch_length <= 0:
            raise PreferenceError(
                "lunch_length", "set a lunch length in minutes when a lunch window is set"
            )
        if -(-prefs.lunch_length // 5) * 5 > hi - lo:
            raise PreferenceError(
                "lunch_length",
                f"{prefs.lunch_length} min does not fit the {hi - lo}-min lunch window",
            )
    longest = max(
        (d.work_end - d.work_start for d in days if d.work_start is not None and d.work_end),
        default=None,
    )
    if longest is not None and prefs.daily_reserve > longest:
        raise PreferenceError(
            "daily_reserve",
            f"{prefs.daily_reserve} min is longer than every working day (longest {longest} min)",
        )


def day_index(days: Sequence[Day], minute: int) -> int | None:
    """Index of the day holding horizon `minute`, or None."""
    for i, day in enumerate(days):
        if day.day_start <= minute < day.day_end:
            return i
    return None


def _validate_days(days: Sequence[Day]) -> None:
    if not days:
        raise ProblemError("days", "the horizon has no days")
    for i, day in enumerate(days):
        where = f"days[{i}] ({day.label})"
        if day.day_end <= day.day_start:
            raise ProblemError(where, "day_end is not after day_start")
        if not 0 <= day.weekday <= 6:
            raise ProblemError(where, "weekday must be 0 (Monday) … 6 (Sunday)")
        if (day.work_start is None) != (day.work_end is None):
            raise ProblemError(where, "give both work_start and work_end, or neither")
        if (
            day.work_start is not None
            and day.work_end is not None
            and not day.day_start <= day.work_start < day.work_end <= day.day_end
        ):
            raise ProblemError(where, "the working window must lie inside the day")
        if i and day.day_start < days[i - 1].day_end:
            raise ProblemError(where, "days overlap or are out of order")
