"""The weekly report in the terminal: per person a Rich panel, one row per day, then the totals.

Under each table the week-over-week "Wins" and "Worse" lists, so the good news is read first.
Minutes are spoken ("1 h 30 min"), density is a percentage and a missing value shows as "–".
"""

from __future__ import annotations

import datetime as dt
import io

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calendar_slack.metrics import METRICS
from calendar_slack.report.model import HEADERS, PersonReport, Report, format_value
from calendar_slack.weekly import compare

#: Width used when the output is not a terminal (a pipe or a file): wide enough for every column.
FILE_WIDTH = 170
_PANEL_EDGES = 4  # a panel's border and padding around its content


def render_table(report: Report, console: Console) -> None:
    """Print the report to `console`."""
    console.print(Text(f"Calendar load {report['week']}", style="bold"))
    if not report["people"]:
        console.print("No people in the loaded calendars.")
    for person in report["people"]:
        console.print(_panel(person, console))


def table_text(report: Report, width: int = FILE_WIDTH) -> str:
    """The report as plain text (no colours), e.g. for --out FILE."""
    buffer = io.StringIO()
    render_table(report, Console(file=buffer, width=width, color_system=None, emoji=False))
    return buffer.getvalue()


def _panel(person: PersonReport, console: Console) -> Panel:
    """All metrics in one table when the console is wide enough, else in two stacked tables
    (time, then counts and scores) so that no cell is ever cut short."""
    table = _table(person, METRICS)
    tables: list[RenderableType] = [table]
    if console.measure(table).maximum + _PANEL_EDGES > console.width:
        half = METRICS.index("conflict_min")
        tables = [_table(person, METRICS[:half]), _table(person, METRICS[half:])]
    parts = [*tables, *_changes(person)]
    return Panel(
        Group(*parts),
        title=f"[bold]{person['person']}[/bold] · {person['tz']}",
        title_align="left",
        expand=False,
    )


def _table(person: PersonReport, metrics: tuple[str, ...]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("Day", no_wrap=True)
    for metric in metrics:
        # Two-word headers on two lines: the values, not the headers, set the column widths.
        table.add_column(HEADERS[metric].replace(" ", "\n"), justify="right", no_wrap=True)
    for day in person["days"]:
        label = dt.date.fromisoformat(str(day["date"])).strftime("%a %d %b")
        table.add_row(label, *(format_value(m, day[m]) for m in metrics))
    table.add_section()
    totals = person["week_totals"]
    table.add_row("Week", *(format_value(m, totals[m]) for m in metrics), style="bold")
    previous = person["previous_week_totals"]
    if previous is not None:
        table.add_row("Before", *(format_value(m, previous[m]) for m in metrics), style="dim")
    return table


def _changes(person: PersonReport) -> list[RenderableType]:
    previous = person["previous_week_totals"]
    if previous is None:
        return [Text("No events in the period before: nothing to compare.", style="dim")]
    result = compare(person["week_totals"], previous)
    if not result.sentences():
        return [Text("Same numbers as the period before.", style="dim")]
    out: list[RenderableType] = []
    for title, style, lines in (
        ("Wins", "bold green", result.wins),
        ("Worse", "bold red", result.worse),
        ("Also changed", "bold", result.notes),
    ):
        if lines:
            out.append(Text(title, style=style))
            out.extend(Text(f"  • {line}") for line in lines)
    return out
