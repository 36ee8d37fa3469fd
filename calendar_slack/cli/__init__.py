"""The `calendar-slack` command: a thin Typer shell over sources, metrics, planner and booking.

One module per group of commands registers on the shared `app`; `common` holds what they share.
"""

from __future__ import annotations

from calendar_slack.cli import booking as _booking  # noqa: F401  (registers its commands)
from calendar_slack.cli import plan as _plan  # noqa: F401  (registers its commands)
from calendar_slack.cli import report as _report  # noqa: F401  (registers its commands)
from calendar_slack.cli.app import app
from calendar_slack.cli.report import EXAMPLE_CONFIG


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["EXAMPLE_CONFIG", "app", "main"]
