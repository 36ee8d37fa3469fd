"""`calendar-slack report`, `export` and `config-path`: the weekly load report and its data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from calendar_slack.cli import common
from calendar_slack.cli.app import app
from calendar_slack.cli.common import (
    ConfigFile,
    Format,
    From,
    Me,
    Now,
    Redact,
    Sources,
    To,
    Tz,
    Week,
)
from calendar_slack.cli.plan import MAX_PLAN_DAYS, plan_people
from calendar_slack.errors import BadInputError
from calendar_slack.prefs import default_config_path, load_config
from calendar_slack.report.atomic import check_target
from calendar_slack.weekly import build_report, within_period


@app.command()
def report(
    source: Sources = None,
    me: Me = None,
    tz: Tz = None,
    week: Week = None,
    from_: From = None,
    to: To = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="table (terminal), json (stdout or --out), html (one self-contained file), "
            "csv or parquet (one row per person-day, need --out). E.g. --format html.",
        ),
    ] = Format.table,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write here instead of the terminal, e.g. --out week.html. html defaults to "
            "report.html; csv and parquet need it.",
        ),
    ] = None,
    redact: Redact = False,
    with_plan: Annotated[
        bool,
        typer.Option(
            "--with-plan",
            help="With --format html: plan each person's week (as `calendar-slack plan` does) "
            "and draw the proposed blocks hatched on the timeline.",
        ),
    ] = False,
    config: ConfigFile = None,
    now: Now = None,
) -> None:
    """Weekly load report: per person and day, meetings, focus time, fragmentation, load score,
    and what changed since the period before (wins first).

    Example: calendar-slack report --source ics:work.ics --me you@example.com --week 2026-W48
    """
    with common.errors():
        settings = load_config(config.expanduser() if config else None)
        if with_plan and fmt is not Format.html:
            raise BadInputError("--with-plan", "draws the plan on the page of --format html")
        target = common.output_target(fmt, out.expanduser() if out else None)
        plan = common.resolve(
            settings, source, me, tz, week, from_, to, now, redact, days_before=True
        )
        if with_plan and (plan.last - plan.first).days >= MAX_PLAN_DAYS:
            raise BadInputError(
                "--with-plan", f"plans at most {MAX_PLAN_DAYS} days at a time; give a --week"
            )
        loaded = common.load_events(plan.specs, plan.request)
        zones = common.people_zones(loaded, plan.request, plan.me)
        result = build_report(loaded.events, zones, settings, plan.first, plan.last)
        blocks: list[tuple[str, str, pd.Timestamp, pd.Timestamp]] = []
        if with_plan:
            plans = plan_people(
                loaded.events, zones, settings, plan.first, plan.last, common.parse_now(now)
            )
            blocks = [(p.person, k, s, e) for p in plans for k, s, e, _ in p.blocks]
        common.emit_report(result, fmt, target, loaded, settings, plan.note, blocks)


@app.command()
def export(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Parquet file to write, e.g. --out events.parquet (read it back with "
            "--source parquet:events.parquet).",
        ),
    ],
    source: Sources = None,
    me: Me = None,
    tz: Tz = None,
    week: Week = None,
    from_: From = None,
    to: To = None,
    redact: Redact = False,
    config: ConfigFile = None,
    now: Now = None,
) -> None:
    """Save the canonical event table of a period to Parquet, to analyse or share later.

    Example: calendar-slack export --source ics:work.ics --week 2026-W48 --out events.parquet
    """
    with common.errors():
        settings = load_config(config.expanduser() if config else None)
        out = out.expanduser()
        check_target(out)
        plan = common.resolve(
            settings, source, me, tz, week, from_, to, now, redact, days_before=False
        )
        loaded = common.load_events(plan.specs, plan.request)
        zones = common.people_zones(loaded, plan.request, plan.me)
        events = within_period(loaded.events, zones, plan.first, plan.last)
        from calendar_slack.connectors.parquet import save

        save(events, out)
        common.say(f"Wrote {len(events)} events of {len(zones)} people to {out}")


@app.command("config-path")
def config_path(config: ConfigFile = None) -> None:
    """Print where the config file is read from, and an example config to start from."""
    with common.errors():
        path = config or Path(os.environ.get("CALENDAR_SLACK_CONFIG") or default_config_path())
        state = "exists" if path.is_file() else "does not exist yet: all defaults apply"
        typer.echo(f"{path}  ({state})")
        typer.echo("")
        typer.echo("Example (every section is optional):")
        typer.echo("")
        typer.echo(EXAMPLE_CONFIG, nl=False)


EXAMPLE_CONFIG = """\
# Where to read calendars when --source is not given, and who "me" is.
sources = ["ics:/home/you/calendars/work.ics"]
me = "you@example.com"

[defaults]
tz = "Europe/Stockholm"

[defaults.working_hours]
mon = "09:00-17:00"
fri = "09:00-15:00"
sat = "off"

[metrics]
focus_min_block = 120   # minutes of free time that count as focus time
b2b_gap = 5             # a meeting starting sooner than this after another is back-to-back

[classify]
all_day_busy = false

[planner]
weekly_focus_goal = 600

[people."you@example.com"]
tz = "Europe/Stockholm"
"""
