"""`calendar-slack plan`: propose focus blocks, buffers, a reflection slot and a daily reserve.

The command loads the calendars like `report`, plans each person's week (planning.plan_week)
and shows the plan as a table, JSON or an .ics file to import anywhere. Nothing is booked:
that is `calendar-slack book`. `plan_people` is shared with `report --with-plan`.

Decisions:
- The planner plans as of the CLI's `now` (the clock, or the hidden --now), so nothing is
  planned in the past. A week that is already over for a person is planned as of its first
  day's 00:00 in that person's zone, and a note on stderr says so (the plan then shows what the
  planner would have proposed at the start of that week).
- `--format ics` writes a file (default plan.ics, atomically); table and json go to stdout
  unless --out is given.
- Several people get a progress bar on stderr (transient, so it never mixes with the output).
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from calendar_slack.cli import common
from calendar_slack.cli.app import app
from calendar_slack.cli.common import ConfigFile, Me, Now, Sources, Tz, Week
from calendar_slack.prefs import Config, load_config
from calendar_slack.report.atomic import check_target, write_text
from calendar_slack.weekly import period_label
from calendar_slack.workhours import local_midnight, zone

if TYPE_CHECKING:  # the planner (OR-Tools) is imported only when a plan is made
    from calendar_slack.planning import PersonPlan


class PlanFormat(enum.StrEnum):
    table = "table"
    json = "json"
    ics = "ics"


DEFAULT_ICS = Path("plan.ics")
#: `report --with-plan` plans one horizon of at most this many days (the planner's unit is a week).
MAX_PLAN_DAYS = 7


@app.command()
def plan(
    source: Sources = None,
    me: Me = None,
    tz: Tz = None,
    week: Week = None,
    fmt: Annotated[
        PlanFormat,
        typer.Option(
            "--format",
            "-f",
            help="table (terminal), json (stdout or --out) or ics (a calendar file any app can "
            "import; default plan.ics). E.g. --format ics --out plan.ics.",
        ),
    ] = PlanFormat.table,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write here instead of the terminal, e.g. --out plan.json.",
        ),
    ] = None,
    config: ConfigFile = None,
    now: Now = None,
) -> None:
    """Propose focus blocks, recovery buffers, a weekly reflection and a daily reserve for each
    person's week, fitted to their preferences; shows focus time before and after. Books
    nothing.

    Example: calendar-slack plan --source ics:work.ics --me you@example.com --week 2026-W48
    """
    with common.errors():
        settings = load_config(config.expanduser() if config else None)
        target = out.expanduser() if out else (DEFAULT_ICS if fmt is PlanFormat.ics else None)
        if target is not None:
            check_target(target)
        instant = common.parse_now(now)
        period = common.resolve(
            settings,
            source,
            me,
            tz,
            week,
            None,
            None,
            instant.isoformat(),
            False,
            days_before=False,
            look_ahead=True,
        )
        loaded = common.load_events(period.specs, period.request, plan=True)
        zones = common.people_zones(loaded, period.request, period.me)
        plans = plan_people(loaded.events, zones, settings, period.first, period.last, instant)
        emit_plan(period_label(period.first, period.last), plans, fmt, target, instant)


def plan_people(
    events: pd.DataFrame,
    zones: Mapping[str, str],
    config: Config,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
) -> list[PersonPlan]:
    """plan_week for every person in `zones` (sorted), as of `now` (see the module docstring)."""
    from calendar_slack.planning import plan_week

    people = sorted(zones)
    over = False
    plans: list[PersonPlan] = []
    console = Console(stderr=True)
    with Progress(
        TextColumn("Planning {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=len(people) < 2,
    ) as progress:
        task = progress.add_task("", total=len(people))
        for person in people:
            progress.update(task, description=person)
            where = zone(zones[person])
            as_of = pd.Timestamp(now).tz_convert("UTC")
            if as_of >= local_midnight(last + dt.timedelta(days=1), where):
                as_of = local_midnight(first, where)
                over = True
            plans.append(plan_week(events, person, zones[person], config, first, last, as_of))
            progress.advance(task)
    if over:
        common.say(
            f"note: {period_label(first, last)} is already over, so it is planned as of its "
            f"{first:%A} 00:00 local time"
        )
    return plans


def emit_plan(
    week: str, plans: list[PersonPlan], fmt: PlanFormat, target: Path | None, now: dt.datetime
) -> None:
    """Render `plans` in `fmt` to stdout (target None) or atomically to `target`."""
    from calendar_slack.report import plan_render

    if fmt is PlanFormat.table:
        if target is None:
            width = None if sys.stdout.isatty() else plan_render.FILE_WIDTH
            plan_render.render_table(week, plans, Console(width=width))
            return
        text = plan_render.table_text(week, plans)
    elif fmt is PlanFormat.json:
        text = plan_render.to_json(week, plans)
        if target is None:
            sys.stdout.write(text)
            return
    else:
        text = plan_render.to_ics(plans, now, name=f"calendar-slack plan {week}")
    assert target is not None
    write_text(target, text)
    common.say(f"Wrote {target}")
