"""What every `calendar-slack` command shares: options, period and zone resolution, loading,
rendering, and the rule that every CalendarSlackError becomes one line on stderr and exit 2.

This package is the only place that reads the clock (`now` can be pinned with the hidden `--now`
option or CALENDAR_SLACK_NOW, so tests and reruns are reproducible) and the only place that
prints. Every file is written atomically.

Decisions:
- The "current week" is the ISO week of `now` in --tz, else the config's zone for --me (or the
  [defaults] zone), else this computer's zone; each person is then measured in their own zone.
- Sources that hold no event at all in the fetch window (the period, the period before, and a
  day or two of margin) are bad input ("nothing to measure"): an empty calendar file, a wrong
  --me or a week far from the data. A period with events but no meetings is a valid report.
- Notes and progress go to stderr, so `--format json` on stdout stays clean for scripts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn

import pandas as pd
import typer
from rich.console import Console

from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.errors import (
    AuthError,
    BadInputError,
    CalendarSlackError,
    RateLimitedError,
    ServiceError,
)
from calendar_slack.prefs import Config
from calendar_slack.report.atomic import check_target, write_text
from calendar_slack.report.model import Report
from calendar_slack.sources import load_sources
from calendar_slack.workhours import parse_week, zone

EXIT_ERROR = 2
#: Weekday (Friday) from which `plan` and `book` default to the next week.
LOOK_AHEAD_FROM = 4
MAX_DAYS = 366


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    html = "html"
    csv = "csv"
    parquet = "parquet"


# --- options shared by the commands -------------------------------------------------------

Sources = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        "-s",
        metavar="SPEC",
        help="Where to read calendars; repeat for several. demo | ics:PATH | parquet:PATH, "
        "e.g. --source ics:work.ics --source ics:home.ics. Default: the config's `sources`, "
        "else the demo team.",
    ),
]
Me = Annotated[
    str | None,
    typer.Option(
        "--me",
        metavar="EMAIL",
        help="Whose calendar it is (ICS files), and whose report to show, e.g. "
        "--me ana@example.com. Default: the config's `me`; without it everyone loaded.",
    ),
]
Tz = Annotated[
    str | None,
    typer.Option(
        "--tz",
        metavar="ZONE",
        help="IANA time zone for local days and working hours, e.g. --tz Europe/Stockholm. "
        "Default: the config, else the calendar's own zone, else this computer's.",
    ),
]
Week = Annotated[
    str | None,
    typer.Option(
        "--week",
        metavar="YYYY-Www",
        help="ISO week to measure, e.g. --week 2026-W48. Default: the current week.",
    ),
]
From = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="DATE",
        help="First day of a custom period (with --to), e.g. --from 2026-11-02.",
    ),
]
To = Annotated[
    str | None,
    typer.Option(
        "--to",
        metavar="DATE",
        help="Last day of a custom period, inclusive (with --from), e.g. --to 2026-11-15.",
    ),
]
Redact = Annotated[
    bool,
    typer.Option(
        "--redact",
        help="Drop event titles as soon as they are read (metrics never need them).",
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Config file to use instead of the default (see `calendar-slack config-path`), "
        "e.g. --config ~/team.toml.",
    ),
]
Now = Annotated[
    str | None,
    typer.Option(
        "--now",
        hidden=True,
        envvar="CALENDAR_SLACK_NOW",
        help="Pretend it is this instant (ISO 8601), for reproducible runs and tests.",
    ),
]


# --- helpers ------------------------------------------------------------------------------


@contextlib.contextmanager
def errors() -> Iterator[None]:
    """Turn our exception family (and file-system errors) into one line on stderr, exit 2."""
    try:
        yield
    except CalendarSlackError as exc:
        fail(str(exc), hint(exc))
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        fail(f"{name}{exc.strerror or exc}")


def hint(exc: CalendarSlackError) -> str | None:
    """What to do next, where the message alone does not say it."""
    if isinstance(exc, BadInputError):
        if exc.what.startswith("week "):
            return "give an ISO week such as --week 2026-W48"
        if exc.what.startswith(("calendar file", "Parquet file")) and "exist" in exc.cause:
            return "check the path after --source"
        return None
    if isinstance(exc, AuthError):
        return "sign in to the calendar account again"
    if isinstance(exc, RateLimitedError | ServiceError):
        return "the service is busy; try again in a few minutes"
    return None


def fail(message: str, hint: str | None = None) -> NoReturn:
    line = " ".join(message.split())
    if hint:
        line += f" ({hint})"
    typer.echo(f"calendar-slack: error: {line}", err=True)
    raise typer.Exit(EXIT_ERROR)


def say(message: str) -> None:
    typer.echo(message, err=True)


def output_target(fmt: Format, out: Path | None) -> Path | None:
    """Where the report goes (None: stdout). Fails before any loading when it cannot work."""
    if out is None and fmt is Format.html:
        out = Path("report.html")
    if out is None and fmt in (Format.csv, Format.parquet):
        raise BadInputError(
            f"--format {fmt.value}", f"needs --out FILE, e.g. --out week.{fmt.value}"
        )
    if out is not None:
        check_target(out)
    return out


@dataclass(frozen=True)
class Period:
    """What a command will load and measure, resolved from options, config and clock."""

    request: LoadRequest
    first: dt.date
    last: dt.date
    specs: list[str]
    me: str | None
    note: str | None  # said when the demo team stands in for a missing --source


def resolve(
    config: Config,
    source: Sequence[str] | None,
    me: str | None,
    tz: str | None,
    week: str | None,
    from_: str | None,
    to: str | None,
    now_text: str | None,
    redact: bool,
    *,
    days_before: bool,
    look_ahead: bool = False,
) -> Period:
    """Resolve options and config into a LoadRequest, the period and the source specs.

    `look_ahead` (plan, book): without --week, from Friday on the default is next week, since
    the current one has too little left to plan.

    The fetch window runs from the start of the period before (when `days_before`) minus one
    day to the end of the period plus two days, in UTC, so every zone's local days and the
    week-over-week comparison are covered.
    """
    me_id = (me or config.me or "").strip().lower() or None
    if tz is not None:
        zone(tz)
    now = parse_now(now_text)
    week_zone = zone_for_week(tz, config, me_id)
    first, last = period_of(week, from_, to, now, week_zone, look_ahead=look_ahead)
    begin = first - dt.timedelta(days=(last - first).days + 1) if days_before else first
    start = pd.Timestamp(begin - dt.timedelta(days=1), tz="UTC")
    end = pd.Timestamp(last + dt.timedelta(days=2), tz="UTC")
    specs = list(source or config.sources)
    note = None
    if not specs:
        specs = ["demo"]
        note = (
            "no --source given and none in the config, so this is the demo team; "
            "try --source ics:calendar.ics"
        )
        say(f"note: {note}")
    request = LoadRequest(
        start=start,
        end=end,
        config=config,
        me=me_id,
        tz_override=tz,
        fallback_tz=local_zone(),
        redact=redact,
    )
    return Period(request, first, last, specs, me_id, note)


def parse_now(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInputError(
            f"--now / CALENDAR_SLACK_NOW {text!r}", "is not an ISO date-time like 2026-11-25T12:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def local_zone() -> str:
    """This computer's IANA zone name, or UTC when it cannot be told."""
    try:
        import tzlocal

        name = str(tzlocal.get_localzone_name())
        zone(name)
        return name
    except Exception:  # tzlocal raises a variety of errors on odd systems; UTC is a safe answer
        return "UTC"


def zone_for_week(tz: str | None, config: Config, me: str | None) -> str:
    """The zone whose calendar says which week is "current": --tz, config, then local."""
    configured = config.person(me).tz if me else config.defaults.tz
    name = tz or configured or local_zone()
    zone(name)
    return name


def period_of(
    week: str | None,
    from_: str | None,
    to: str | None,
    now: dt.datetime,
    tz: str,
    *,
    look_ahead: bool = False,
) -> tuple[dt.date, dt.date]:
    if week is not None and (from_ is not None or to is not None):
        raise BadInputError("--week with --from/--to", "give either a week or a date range")
    if week is not None:
        return parse_week(week)
    if from_ is None and to is None:
        today = now.astimezone(zone(tz)).date()
        monday = today - dt.timedelta(days=today.weekday())
        if look_ahead and today.weekday() >= LOOK_AHEAD_FROM:
            monday += dt.timedelta(days=7)
        return monday, monday + dt.timedelta(days=6)
    if from_ is None or to is None:
        given = "--from" if from_ is not None else "--to"
        missing = "--to" if from_ is not None else "--from"
        raise BadInputError(
            given, f"needs {missing} as well, e.g. --from 2026-11-02 --to 2026-11-15"
        )
    first, last = parse_date(from_, "--from"), parse_date(to, "--to")
    if last < first:
        raise BadInputError(f"--from {first} --to {last}", "the period ends before it starts")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadInputError(f"--from {first} --to {last}", f"is longer than {MAX_DAYS} days")
    return first, last


def parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInputError(f"{option} {text!r}", "is not a date like 2026-11-02") from None


def load_events(specs: Sequence[str], request: LoadRequest, *, plan: bool = False) -> Loaded:
    """Load every source with a spinner. Nothing at all to measure is bad input for a report;
    for a plan (`plan=True`), a person's empty week is a week wide open, so only a source that
    names nobody at all is refused."""
    console = Console(stderr=True)
    with console.status(f"Loading calendars from {', '.join(specs)} …"):
        loaded = load_sources(specs, request)
    if loaded.events.empty and not (plan and loaded.zones):
        window = f"{request.start.date()} and {request.end.date()}"
        raise BadInputError(
            f"source {', '.join(specs)}",
            f"has no events at all between {window} (UTC); nothing to measure — "
            "check the file, --me and the week",
        )
    return loaded


def people_zones(loaded: Loaded, request: LoadRequest, me: str | None) -> dict[str, str]:
    """Every person loaded -> zone (the source's, else --tz / config / local); only `me` if set."""
    people = set(loaded.zones) | {str(p) for p in loaded.events["person"].unique()}
    zones = {p: loaded.zones.get(p) or request.zone_name_for(p) for p in sorted(people)}
    if me is None:
        return zones
    if me not in zones:
        shown = ", ".join(sorted(zones)[:5]) + (" …" if len(zones) > 5 else "")
        raise BadInputError(f"--me {me}", f"is not in the loaded calendars (they hold {shown})")
    return {me: zones[me]}


def emit_report(
    report: Report,
    fmt: Format,
    target: Path | None,
    loaded: Loaded,
    config: Config,
    note: str | None,
    blocks: Sequence[tuple[str, str, pd.Timestamp, pd.Timestamp]] = (),
) -> None:
    """Render `report` in `fmt` to stdout (target None) or atomically to `target`.

    `blocks` are proposed (person, kind, start, end) blocks the HTML page draws hatched."""
    if fmt is Format.table:
        from calendar_slack.report.table import FILE_WIDTH, render_table, table_text

        if target is None:
            width = None if sys.stdout.isatty() else FILE_WIDTH
            render_table(report, Console(width=width))
            return
        write_text(target, table_text(report))
    elif fmt is Format.json:
        from calendar_slack.report.json_out import to_json

        text = to_json(report)
        if target is None:
            sys.stdout.write(text)
            return
        write_text(target, text)
    elif fmt is Format.html:
        from calendar_slack.report.html import render_html

        assert target is not None
        with Console(stderr=True).status("Drawing the charts …"):
            page = render_html(report, loaded.events, config, blocks=blocks, note=note)
        write_text(target, page)
    elif fmt is Format.csv:
        from calendar_slack.report.tabular import write_csv

        assert target is not None
        write_csv(report, target)
    else:
        from calendar_slack.report.tabular import write_parquet

        assert target is not None
        write_parquet(report, target)
    say(f"Wrote {target}")
