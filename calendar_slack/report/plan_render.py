"""Renderers of a focus plan: terminal table, JSON and an .ics file any calendar can import.

Why: `calendar-slack plan` shows people what the planner would book before anything is booked,
and lets them take the plan elsewhere: JSON for scripts, iCalendar for any calendar app. The
input is a list of `planning.PersonPlan`; nothing here plans, loads or reads the clock.

Decisions:
- JSON times are ISO 8601 in the person's own zone ("2026-11-23T09:00:00+01:00"); solve_ms is
  rounded to 0.1 ms.
- The .ics holds one VEVENT per block, in UTC, written exactly as the CalDAV writer writes our
  blocks: the same deterministic key as booking (person, kind, local date, slot: booking.py's
  `desired_blocks`), UID derived from that key, `X-CALENDAR-SLACK-TAG;X-KIND=<kind>:<key>` (so
  every connector reads the blocks back as ours, and booking recognises them), SUMMARY and
  DESCRIPTION as booking writes them, TRANSP from show_as. DTSTAMP / CREATED / LAST-MODIFIED
  are `now`, so the same plan and `now` give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

import icalendar
import pandas as pd
from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calendar_slack.planning import PersonPlan
from calendar_slack.report.model import format_minutes
from calendar_slack.workhours import zone

#: Width used when the output is not a terminal (a pipe or a file).
FILE_WIDTH = 120
PRODID = "-//calendar-slack//focus plan export//EN"
#: The words the table uses for each block kind.
KIND_WORDS: dict[str, str] = {
    "focus": "Focus",
    "buffer": "Recovery buffer",
    "reflection": "Reflection",
    "lunch": "Lunch",
}


# --- JSON ----------------------------------------------------------------------------------


def plan_dict(week: str, plans: Sequence[PersonPlan]) -> dict[str, Any]:
    """The plan in its JSON shape: {"week", "people": [{"person", "tz", …, "blocks", …}]}."""
    return {"week": week, "people": [_person_dict(plan) for plan in plans]}


def to_json(week: str, plans: Sequence[PersonPlan]) -> str:
    return json.dumps(plan_dict(week, plans), indent=2, ensure_ascii=False) + "\n"


def _person_dict(plan: PersonPlan) -> dict[str, Any]:
    where = zone(plan.tz)
    return {
        "person": plan.person,
        "tz": plan.tz,
        "status": plan.status,
        "solve_ms": round(plan.solve_ms, 1),
        "focus_goal_min": plan.focus_goal_min,
        "focus_before_min": plan.focus_before_min,
        "protected_focus_min": plan.protected_focus_min,
        "goal_met": plan.goal_met,
        "reserve_min_by_day": dict(plan.reserve_min_by_day),
        "blocks": [
            {
                "kind": kind,
                "start": start.tz_convert(where).isoformat(),
                "end": end.tz_convert(where).isoformat(),
                "show_as": show_as,
            }
            for kind, start, end, show_as in plan.blocks
        ],
        "explanations": list(plan.explanations),
    }


# --- terminal table ------------------------------------------------------------------------


def render_table(week: str, plans: Sequence[PersonPlan], console: Console) -> None:
    """Print each person's proposed blocks, the before / after numbers and the explanations."""
    console.print(Text(f"Focus plan {week}", style="bold"))
    if not plans:
        console.print("No people in the loaded calendars.")
    for plan in plans:
        console.print(_panel(plan))


def table_text(week: str, plans: Sequence[PersonPlan], width: int = FILE_WIDTH) -> str:
    """The table as plain text (no colours), e.g. for --out FILE."""
    buffer = io.StringIO()
    render_table(week, plans, Console(file=buffer, width=width, color_system=None, emoji=False))
    return buffer.getvalue()


def _panel(plan: PersonPlan) -> Panel:
    parts: list[RenderableType] = [_blocks_table(plan), _summary(plan), _reserve(plan)]
    if plan.explanations:
        parts.append(Text("Why not more:", style="bold"))
        parts.extend(Text(f" • {sentence}") for sentence in plan.explanations)
    return Panel(
        Group(*parts),
        title=f"[bold]{plan.person}[/bold] · {plan.tz}",
        title_align="left",
        expand=False,
    )


def _blocks_table(plan: PersonPlan) -> RenderableType:
    if not plan.blocks:
        return Text("No blocks proposed.", style="italic")
    where = zone(plan.tz)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for header in ("Day", "Block", "Time"):
        table.add_column(header)
    table.add_column("Length", justify="right")
    for kind, start, end, _show_as in plan.blocks:
        local_start, local_end = start.tz_convert(where), end.tz_convert(where)
        length = int((end - start) / pd.Timedelta(minutes=1))
        table.add_row(
            f"{local_start:%a %d %b}",
            KIND_WORDS.get(kind, kind),
            f"{local_start:%H:%M}–{local_end:%H:%M}",
            format_minutes(length),
        )
    return table


def _summary(plan: PersonPlan) -> RenderableType:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("What", style="bold")
    table.add_column("Value")
    table.add_row("Focus time before", format_minutes(plan.focus_before_min))
    table.add_row("Protected focus after", format_minutes(plan.protected_focus_min))
    if plan.own_focus_min:
        table.add_row("Your own focus time", format_minutes(plan.own_focus_min))
    table.add_row("Weekly focus goal", format_minutes(plan.focus_goal_min))
    table.add_row("Goal met", "yes" if plan.goal_met else "no")
    table.add_row("Solver", f"{plan.status} in {plan.solve_ms:.0f} ms")
    return table


def _reserve(plan: PersonPlan) -> RenderableType:
    """The unbooked free working time kept per day: one column per local date."""
    table = Table(
        title="Reserve kept free for the unplanned",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for day in plan.reserve_min_by_day:
        table.add_column(f"{dt.date.fromisoformat(day):%a %d}", justify="right")
    table.add_row(*(format_minutes(m) for m in plan.reserve_min_by_day.values()))
    return table


# --- iCalendar -----------------------------------------------------------------------------


def to_ics(plans: Sequence[PersonPlan], now: dt.datetime, name: str = "") -> str:
    """Every proposed block as a VEVENT of one VCALENDAR (see the module docstring)."""
    from calendar_slack.booking import desired_blocks
    from calendar_slack.connectors.caldav_writer import KIND_PARAM, block_uid, tag_value
    from calendar_slack.connectors.remote import TAG

    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    for plan in plans:
        spans = [(kind, start, end) for kind, start, end, _ in plan.blocks]
        show_as = {kind: show for kind, _, _, show in plan.blocks}
        for block in desired_blocks(plan.person, spans, zone(plan.tz), show_as):
            event = icalendar.Event()
            event.add("uid", block_uid(block.key))
            event.add("dtstamp", stamp)
            event.add("created", stamp)
            event.add("last-modified", stamp)
            event.add("dtstart", block.start.tz_convert("UTC").to_pydatetime())
            event.add("dtend", block.end.tz_convert("UTC").to_pydatetime())
            event.add("summary", block.title)
            event.add("description", block.description)
            event.add("transp", "TRANSPARENT" if block.show_as == "free" else "OPAQUE")
            event.add(TAG, tag_value(block.key), parameters={KIND_PARAM: block.kind})
            calendar.add_component(event)
    return str(calendar.to_ical().decode("utf-8"))
