"""The weekly report as ONE self-contained HTML file: tables, wins, timeline and heatmap.

Everything is inline (CSS, SVG charts); nothing is fetched from the network, so the file can be
mailed, archived or opened offline. The timeline can also draw proposed planner blocks
(hatched) so the same page can show a plan before it is booked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape
from importlib import resources

import pandas as pd

from calendar_slack.metrics import METRICS
from calendar_slack.prefs import Config
from calendar_slack.report import charts
from calendar_slack.report.model import HEADERS, PersonReport, Report, format_value, meanings
from calendar_slack.report.timeline import (
    Block,
    day_windows,
    meeting_minutes_by_hour,
    segments,
)
from calendar_slack.weekly import compare


def render_html(
    report: Report,
    events: pd.DataFrame,
    config: Config,
    *,
    blocks: Iterable[Block] = (),
    note: str | None = None,
) -> str:
    """The report page. `events` is the canonical table the report was measured from;
    `blocks` are proposed (person, kind, start, end) blocks to draw hatched on the timeline."""
    planned = list(blocks)
    people = report["people"]
    sections = "\n".join(
        _person_section(i, person, events, config, planned) for i, person in enumerate(people)
    )
    dates = [str(day["date"]) for person in people for day in person["days"]]
    span = f"{_pretty(min(dates))} – {_pretty(max(dates), year=True)}" if dates else ""
    count = f"{len(people)} {'person' if len(people) == 1 else 'people'}"
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    toc = "".join(
        f'<li><a href="#person-{i}">{escape(p["person"])}</a></li>' for i, p in enumerate(people)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Calendar load {escape(report["week"])}</title>
<style>
{_css()}
</style>
</head>
<body>
<header>
<h1>Calendar load <span class="period">{escape(report["week"])}</span></h1>
<p class="sub">{escape(span)} · {escape(count)} · compared with the period just before</p>
{note_html}
{f'<nav><ul class="toc">{toc}</ul></nav>' if len(people) > 1 else ""}
</header>
<main>
{sections}
{_legend(config)}
</main>
<footer>Made by calendar-slack. Titles of events are never shown or needed.</footer>
</body>
</html>
"""


def _person_section(
    index: int, person: PersonReport, events: pd.DataFrame, config: Config, blocks: list[Block]
) -> str:
    name = person["person"]
    settings = config.person(name)
    dates = [dt.date.fromisoformat(str(day["date"])) for day in person["days"]]
    pieces = segments(
        events,
        name,
        person["tz"],
        settings.hours(),
        dates,
        config.metrics.focus_min_block,
        blocks,
    )
    windows = day_windows(settings.hours(), dates)
    hours = charts.hour_range(pieces, windows)
    timeline = charts.timeline_svg(pieces, windows, hours, f"t{index}")
    grid = meeting_minutes_by_hour(pieces, dates)
    heatmap = charts.heatmap_svg(grid, dates, hours, f"h{index}")
    return f"""<section class="person" id="person-{index}">
<h2>{escape(name)} <span class="tz">{escape(person["tz"])}</span></h2>
{_headline(person)}
{_changes(person)}
<div class="scroll">{_table(person)}</div>
<h3>Where the time went</h3>
<figure>{timeline}</figure>
<h3>Meeting load by hour</h3>
<figure>{heatmap}</figure>
</section>"""


def _headline(person: PersonReport) -> str:
    totals = person["week_totals"]
    cards = [
        ("Focus time", format_value("focus_min", totals["focus_min"])),
        ("Meetings", format_value("meeting_min", totals["meeting_min"])),
        ("Fragmented", format_value("fragmented_min", totals["fragmented_min"])),
        ("Load score", format_value("load_score", totals["load_score"])),
    ]
    items = "".join(
        f'<div class="card"><div class="value">{escape(v)}</div>'
        f'<div class="label">{escape(k)}</div></div>'
        for k, v in cards
    )
    return f'<div class="cards">{items}</div>'


def _changes(person: PersonReport) -> str:
    previous = person["previous_week_totals"]
    if previous is None:
        return '<p class="muted">No events in the period before, so nothing to compare with.</p>'
    result = compare(person["week_totals"], previous)
    if not result.sentences():
        return '<p class="muted">Same numbers as the period before.</p>'
    blocks = []
    for title, css, lines in (
        ("Wins", "wins", result.wins),
        ("Worse", "worse", result.worse),
        ("Also changed", "notes", result.notes),
    ):
        if lines:
            items = "".join(f"<li>{escape(line)}</li>" for line in lines)
            blocks.append(f'<div class="{css}"><h4>{title}</h4><ul>{items}</ul></div>')
    return f'<div class="changes">{"".join(blocks)}</div>'


def _table(person: PersonReport) -> str:
    head = "".join(
        f'<th scope="col">{escape(HEADERS[m]).replace(" ", "<br>")}</th>' for m in METRICS
    )
    rows = []
    for day in person["days"]:
        cells = "".join(_cell(m, day[m]) for m in METRICS)
        rows.append(f'<tr><th scope="row">{escape(_pretty(str(day["date"])))}</th>{cells}</tr>')
    foot = [("Week", "total", person["week_totals"])]
    if person["previous_week_totals"] is not None:
        foot.append(("Before", "previous", person["previous_week_totals"]))
    foot_rows = "".join(
        f'<tr class="{css}"><th scope="row">{label}</th>'
        + "".join(_cell(m, values[m]) for m in METRICS)
        + "</tr>"
        for label, css, values in foot
    )
    return (
        f'<table><thead><tr><th scope="col">Day</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody><tfoot>{foot_rows}</tfoot></table>"
    )


def _cell(metric: str, value: str | int | float | None) -> str:
    """A table cell; zeros and nulls are dimmed so that the numbers that matter stand out."""
    dim = value is None or value == 0
    css = ' class="dim"' if dim else ""
    return f"<td{css}>{escape(format_value(metric, value))}</td>"


def _legend(config: Config) -> str:
    items = "".join(
        f"<dt>{escape(HEADERS[m])}</dt><dd>{escape(text)}</dd>"
        for m, text in meanings(config.metrics).items()
    )
    return f"""<section class="legend">
<h2>What the numbers mean</h2>
<dl>{items}</dl>
<p class="muted">Week rows add the days up; "Largest free" and "Longest run" take the week's
longest; density is the week's meeting time over its working time; load is the mean of the days
that have one. "Before" is the period of the same length just before.</p>
</section>"""


def _pretty(iso: str, *, year: bool = False) -> str:
    return dt.date.fromisoformat(iso).strftime("%a %d %b %Y" if year else "%a %d %b")


def _css() -> str:
    return resources.files("calendar_slack.report").joinpath("report.css").read_text("utf-8")
