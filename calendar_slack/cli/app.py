"""The Typer application every command module registers itself on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="calendar-slack",
    help="Measure how heavy and fragmented your calendar weeks are, and put air back into them: "
    "a weekly load report, a focus planner and safe booking into Google, Outlook and CalDAV.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
