"""`calendar-slack login`, `sync`, `book`, `undo` and `runs`: the write side, dry-run first.

`book` plans the week for one person, compares the plan with the blocks of ours already in the
calendar, prints the diff, and writes only with --apply (through calendar_slack.booking, which
keeps the ledger). `undo RUN_ID` reverts one applied run. Credentials never come from the
command line: the config file and the environment hold them (docs/connectors.md).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from calendar_slack import booking
from calendar_slack.cli import common
from calendar_slack.cli.app import app
from calendar_slack.cli.common import ConfigFile, Me, Now, Tz, Week
from calendar_slack.connectors.remote import BlockWrite, BlockWriter, RemoteBlock
from calendar_slack.errors import BadInputError, CalendarSlackError
from calendar_slack.prefs import Config, load_config
from calendar_slack.remote import open_target, sync_source
from calendar_slack.sources import scheme_of
from calendar_slack.store import Store
from calendar_slack.workhours import local_midnight, zone


class BookFormat(enum.StrEnum):
    table = "table"
    json = "json"


class Vendor(enum.StrEnum):
    google = "google"
    outlook = "outlook"
    caldav = "caldav"


BookSource = Annotated[
    str,
    typer.Option(
        "--source",
        "-s",
        metavar="SPEC",
        help="The calendar to book into: google[:CALENDAR], outlook[:CALENDAR] or caldav:URL "
        "(the URL of one calendar), e.g. --source caldav:https://dav.example.com/me/work/.",
    ),
]


@app.command()
def book(
    source: BookSource,
    me: Me = None,
    tz: Tz = None,
    week: Week = None,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Write the changes. Without it nothing is written: you see what would change.",
        ),
    ] = False,
    fmt: Annotated[
        BookFormat, typer.Option("--format", "-f", help="table or json (for scripts).")
    ] = BookFormat.table,
    config: ConfigFile = None,
    now: Now = None,
) -> None:
    """Plan the week and book its focus blocks, buffers and reflection slot into your calendar.

    Dry run by default: prints what would be created, updated, deleted, kept unchanged, or left
    alone because you edited it (locked). Only blocks calendar-slack created are ever changed.

    Example: calendar-slack book --source caldav:https://dav.example.com/me/work/ --apply
    """
    with common.errors():
        settings = load_config(config.expanduser() if config else None)
        period = common.resolve(
            settings,
            [source],
            me,
            tz,
            week,
            None,
            None,
            now,
            False,
            days_before=False,
            look_ahead=True,
        )
        moment = pd.Timestamp(common.parse_now(now))
        store = Store()
        loaded = common.load_events(period.specs, period.request, plan=True)
        zones = common.people_zones(loaded, period.request, period.me)
        if len(zones) != 1:
            raise BadInputError("--me", f"name whose calendar to book (one of {', '.join(zones)})")
        person, zone_name = next(iter(zones.items()))
        with open_target(source, settings, person, store) as target:
            diff = _diff(
                target.writer,
                store,
                target.source,
                person,
                zone_name,
                loaded.events,
                settings,
                period.first,
                period.last,
                moment,
            )
            report = None
            if apply:
                with Console(stderr=True).status("Writing to the calendar …") as status:
                    report = booking.apply(
                        diff,
                        target.writer,
                        store,
                        person,
                        target.source,
                        progress=lambda step: status.update(step),
                    )
        _print_book(diff, report, fmt, zone_name, apply)


@app.command()
def undo(
    run_id: Annotated[str, typer.Argument(help="The run to revert (see `calendar-slack runs`).")],
    fmt: Annotated[
        BookFormat, typer.Option("--format", "-f", help="table or json.")
    ] = BookFormat.table,
    config: ConfigFile = None,
) -> None:
    """Revert one applied `book --apply` run: created blocks go, moved ones go back, deleted ones
    return. Blocks you edited since are left as you left them.

    Example: calendar-slack undo 20261127T091500-1a2b3c4d
    """
    with common.errors():
        settings = load_config(config.expanduser() if config else None)
        store = Store()
        run = store.run(run_id)
        if run is None:
            raise BadInputError(f"run {run_id}", "is not in the ledger (see calendar-slack runs)")
        with open_target(run.source, settings, run.person, store) as target:
            report = booking.undo(run_id, target.writer, store)
        if fmt is BookFormat.json:
            sys.stdout.write(json.dumps(report.as_json(), indent=2) + "\n")
        else:
            common.say(
                f"Undid run {run_id}: {len(report.deleted)} removed, {len(report.updated)} "
                f"moved back, {len(report.created)} restored, {len(report.locked)} left alone "
                "(edited since)."
            )


@app.command()
def runs(config: ConfigFile = None) -> None:
    """List the newest booking runs (for `calendar-slack undo RUN_ID`)."""
    with common.errors():
        load_config(config.expanduser() if config else None)
        table = Table("run", "kind", "person", "calendar", "status", "started (UTC)")
        for run in Store().runs():
            table.add_row(
                run.run_id,
                run.kind,
                run.person,
                run.source,
                run.status,
                f"{run.started_at:%Y-%m-%d %H:%M}",
            )
        Console().print(table)


@app.command()
def sync(
    source: common.Sources = None,
    me: Me = None,
    tz: Tz = None,
    week: Week = None,
    config: ConfigFile = None,
    now: Now = None,
) -> None:
    """Fetch every configured calendar, incrementally where the service allows (sync tokens and
    delta links are kept between runs). One calendar's failure is reported; the rest complete.

    Example: calendar-slack sync --source google --source outlook
    """
    with common.errors():
        settings = load_config(config.expanduser() if config else None)
        specs = _split_people(list(source or settings.sources))
        if not specs:
            raise BadInputError("sync", "no --source given and no `sources` in the config")
        period = common.resolve(
            settings, specs, me, tz, week, None, None, now, False, days_before=True
        )
        store = Store()
        failures: list[str] = []
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=Console(stderr=True),
        )
        with progress:
            task = progress.add_task("Syncing", total=len(specs))
            for spec in specs:
                progress.update(task, description=f"Syncing {spec}")
                try:
                    loaded = sync_source(spec, period.request, store)
                    progress.console.print(
                        f"{spec}: {len(loaded.events)} events of {len(loaded.zones)} people"
                    )
                except CalendarSlackError as exc:
                    failures.append(f"{spec}: {' '.join(str(exc).split())}")
                progress.advance(task)
        for failure in failures:
            typer.echo(f"calendar-slack: error: {failure}", err=True)
        if failures:
            raise typer.Exit(common.EXIT_ERROR)


@app.command()
def login(
    vendor: Annotated[Vendor, typer.Argument(help="google, outlook or caldav.")],
    me: Me = None,
    config: ConfigFile = None,
) -> None:
    """Sign in to a calendar service. Tokens are stored encrypted (key in
    CALENDAR_SLACK_SECRET_KEY or the OS keyring). Booking needs `[VENDOR] booking = true` in the
    config before signing in, so that write access is asked for.

    Example: calendar-slack login outlook
    """
    with common.errors():
        settings = load_config(config.expanduser() if config else None)
        person = (me or settings.me or "default").strip().lower()
        if vendor is Vendor.google:
            _login_google(settings, person)
        elif vendor is Vendor.outlook:
            from calendar_slack.connectors.outlook_auth import login_outlook

            who = login_outlook(settings.outlook, prompt=common.say)
            common.say(f"Signed in to Outlook as {who or 'the account above'}.")
        else:
            from calendar_slack.connectors import caldav

            found = caldav.login("", settings.caldav)
            names = ", ".join(ref.name or ref.url for ref in found)
            common.say(f"CalDAV works; calendars: {names}")


def _login_google(settings: Config, person: str) -> None:
    from calendar_slack.connectors.google import login_google

    secrets_file = settings.google.client_secrets
    if not secrets_file:
        raise BadInputError(
            "setting google.client_secrets",
            "is not set: download an OAuth client (Desktop app) JSON from Google Cloud and set "
            '[google] client_secrets = "/path/to/client_secret.json"',
        )
    credentials = login_google(Path(secrets_file).expanduser(), booking=settings.google.booking)
    Store().save_secret("google", person, credentials.encode())
    common.say(f"Signed in to Google; credentials stored encrypted for {person}.")


def _diff(
    writer: BlockWriter,
    store: Store,
    source: str,
    person: str,
    zone_name: str,
    events: pd.DataFrame,
    config: Config,
    first: dt.date,
    last: dt.date,
    now: pd.Timestamp,
) -> booking.Diff:
    """Plan the week around what is in the calendar now, and compare with our blocks there."""
    from calendar_slack import planning

    tz = zone(zone_name)
    start = local_midnight(first, tz)
    end = local_midnight(last, tz) + pd.Timedelta(days=2)
    remote: list[RemoteBlock] = writer.list_ours(start, end)
    states = store.block_states(person, source)
    locked: list[RemoteBlock] = []
    kept: list[RemoteBlock] = []
    for block in remote:
        (locked if booking.is_locked(block, states) else kept).append(block)
    plan = planning.plan_week(
        events,
        person,
        zone_name,
        config,
        first,
        last,
        now,
        previous=[(b.kind, b.start, b.end) for b in kept],
        locked=[(b.kind, b.start, b.end) for b in locked],
    )
    held = {(b.kind, b.start, b.end) for b in locked}
    planned = [(k, s, e) for k, s, e, _show in plan.blocks if (k, s, e) not in held]
    show_as = config.person(person).planner.show_as
    desired = booking.desired_blocks(person, planned, tz, show_as, reserved=[b.key for b in locked])
    return booking.compute_diff(desired, remote, states)


def _print_book(
    diff: booking.Diff,
    report: booking.RunReport | None,
    fmt: BookFormat,
    zone_name: str,
    applied: bool,
) -> None:
    tz = zone(zone_name)

    changes: dict[str, list[BlockWrite | RemoteBlock]] = {
        "created": list(diff.create),
        "updated": [new for _, new in diff.update],
        "deleted": list(diff.delete),
        "unchanged": list(diff.unchanged),
        "locked": list(diff.locked),
    }
    if fmt is BookFormat.json:
        rows = {
            change: [
                {
                    "kind": b.kind,
                    "start": b.start.tz_convert(tz).isoformat(),
                    "end": b.end.tz_convert(tz).isoformat(),
                    "key": b.key,
                }
                for b in blocks
            ]
            for change, blocks in changes.items()
        }
        run_id = report.run_id if report else None
        sys.stdout.write(json.dumps({"run_id": run_id, **rows}, indent=2) + "\n")
        return
    table = Table("change", "kind", "day", "time")
    for change, blocks in changes.items():
        for b in blocks:
            start, end = b.start.tz_convert(tz), b.end.tz_convert(tz)
            table.add_row(change, b.kind, f"{start:%a %d %b}", f"{start:%H:%M}–{end:%H:%M}")
    console = Console()
    console.print(table)
    for gone in diff.skipped:
        console.print(
            f"not re-adding the {gone.kind} block of {gone.start.tz_convert(tz):%a %H:%M}"
            " (you deleted it)"
        )
    if not applied:
        console.print(f"Dry run: {diff.changes} change(s) to make. Add --apply to write them.")
    elif report is not None and report.run_id:
        console.print(
            f"Applied as run {report.run_id} (undo: calendar-slack undo {report.run_id})."
        )
    else:
        console.print("Nothing to change: the calendar already holds the plan.")


def _split_people(specs: list[str]) -> list[str]:
    """`outlook:a@x,b@y` -> one spec per person, so one person's failure spares the others."""
    out: list[str] = []
    for spec in specs:
        scheme, argument = scheme_of(spec)
        if scheme == "outlook" and "," in argument and "@" in argument:
            out.extend(f"outlook:{part.strip()}" for part in argument.split(",") if part.strip())
        else:
            out.append(spec)
    return out
