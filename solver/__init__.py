"""calendar-slack's planner: a pure OR-Tools CP-SAT model from `Problem` to `Plan`.

Knows nothing of calendars, pandas, connectors or the API; does no I/O and reads no clock (`now`
is an input). `calendar_slack.planning` is its only caller. See docs/planner.md.

    from solver import Day, Busy, Problem, Preferences, solve
    plan = solve(Problem(days=..., busy=..., prefs=Preferences(...), now=...))
"""

from solver.baselines import fixed_blocks, greedy_blocks
from solver.model import solve
from solver.problem import (
    Block,
    Busy,
    Day,
    Plan,
    PreferenceError,
    Preferences,
    Problem,
    ProblemError,
    days_from_windows,
    validate,
)
from solver.rules import violations
from solver.score import Score, score

__all__ = [
    "Block",
    "Busy",
    "Day",
    "Plan",
    "PreferenceError",
    "Preferences",
    "Problem",
    "ProblemError",
    "Score",
    "days_from_windows",
    "fixed_blocks",
    "greedy_blocks",
    "score",
    "solve",
    "validate",
    "violations",
]
