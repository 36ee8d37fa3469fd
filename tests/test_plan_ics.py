"""The .ics export of a plan: exact VEVENTs, and every reader gets the same blocks back.

A plan is written with `plan_render.to_ics` (and through `calendar-slack plan -f ics`), then read
back three ways: with icalendar, with our own ICS connector, and from a real Radicale server
(the VEVENTs PUT with the caldav library, read through our CalDAV connector). Every way must
give the same blocks at the same UTC times, recognised as ours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pandas as pd
import pytest
from caldav.davclient import DAVClient
from typer.testing import CliRunner

from calendar_slack.booking import DESCRIPTION, block_key
from calendar_slack.cli import app
from calendar_slack.connectors import caldav as caldav_connector
from calendar_slack.connectors import ics
from calendar_slack.connectors.base import LoadRequest
from calendar_slack.connectors.caldav_http import ENV_PASSWORD, ENV_USERNAME
from calendar_slack.connectors.caldav_writer import block_uid
from calendar_slack.connectors.retry import RetryPolicy
from calendar_slack.planning import PersonPlan
from calendar_slack.report.plan_render import to_ics
from tests.fakes.caldav_harness import make_calendar, no_sleep
from tests.fakes.radicale_server import RadicaleServer, running_radicale
from tests.test_plan_cli import SMALL, STOCKHOLM, WEEK, ics_calendar

ME = "me@example.com"
USER, PASSWORD = "alice", "secret"
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
#: ISO week 2026-W48 in Stockholm: Mon 23 Nov 00:00 CET = 22 Nov 23:00Z .. 30 Nov 00:00 CET.
W48 = (pd.Timestamp("2026-11-22T23:00Z"), pd.Timestamp("2026-11-29T23:00Z"))

Span = tuple[str, pd.Timestamp, pd.Timestamp]


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def hand_plan(show_buffer: str = "busy") -> PersonPlan:
    """A plan written by hand (no solver): two focus blocks on one day, a buffer, a reflection."""
    blocks = (
        ("focus", utc("2026-11-23T09:00+01:00"), utc("2026-11-23T11:00+01:00"), "busy"),
        ("buffer", utc("2026-11-23T11:30+01:00"), utc("2026-11-23T11:45+01:00"), show_buffer),
        ("focus", utc("2026-11-23T14:00+01:00"), utc("2026-11-23T15:30+01:00"), "busy"),
        ("reflection", utc("2026-11-27T15:00+01:00"), utc("2026-11-27T15:30+01:00"), "busy"),
    )
    return PersonPlan(
        person=ME,
        tz=STOCKHOLM,
        status="OPTIMAL",
        solve_ms=12.5,
        focus_goal_min=600,
        focus_before_min=300,
        protected_focus_min=210,
        goal_met=False,
        reserve_min_by_day={"2026-11-23": 120},
        blocks=blocks,  # type: ignore[arg-type]
        explanations=(),
    )


def vevents(text: str) -> list[Any]:
    """The VEVENTs of `text` (typed Any: icalendar's property values are a wide union)."""
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def spans_of(events: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    rows = events.sort_values("start")
    return list(zip(rows["start"], rows["end"], strict=True))


# --- exact VEVENTs ------------------------------------------------------------------------


def test_every_block_is_an_exact_tagged_vevent_in_utc() -> None:
    text = to_ics([hand_plan()], NOW, name="calendar-slack plan 2026-W48")
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["PRODID"]) == "-//calendar-slack//focus plan export//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "calendar-slack plan 2026-W48"
    events = vevents(text)
    assert len(events) == 4
    # Keys as booking makes them: (person, kind, local date, n-th block of that kind that day).
    keys = [
        block_key(ME, "focus", dt.date(2026, 11, 23), 0),
        block_key(ME, "buffer", dt.date(2026, 11, 23), 0),
        block_key(ME, "focus", dt.date(2026, 11, 23), 1),
        block_key(ME, "reflection", dt.date(2026, 11, 27), 0),
    ]
    # 09:00 CET = 08:00Z, 11:30 CET = 10:30Z, 14:00 CET = 13:00Z, Fri 15:00 CET = 14:00Z
    expected = [
        ("Focus time", "20261123T080000Z", "20261123T100000Z"),
        ("Recovery buffer", "20261123T103000Z", "20261123T104500Z"),
        ("Focus time", "20261123T130000Z", "20261123T143000Z"),
        ("Weekly reflection", "20261127T140000Z", "20261127T143000Z"),
    ]
    for event, key, (summary, start, end) in zip(events, keys, expected, strict=True):
        assert str(event["UID"]) == block_uid(key)
        assert str(event["SUMMARY"]) == summary
        assert event["DTSTART"].to_ical().decode() == start
        assert event["DTEND"].to_ical().decode() == end
        assert event["DTSTART"].dt.tzinfo is not None and event["DTSTART"].dt.utcoffset() == (
            dt.timedelta(0)
        )
        assert event["DTSTAMP"].to_ical().decode() == "20261120T120000Z"  # from `now`
        assert str(event["TRANSP"]) == "OPAQUE"
        assert str(event["DESCRIPTION"]) == DESCRIPTION
        tag = event["X-CALENDAR-SLACK-TAG"]
        assert str(tag) == key
        assert tag.params["X-KIND"] == summary_kind(summary)
    assert len({str(e["UID"]) for e in events}) == 4


def summary_kind(summary: str) -> str:
    return {"Focus time": "focus", "Recovery buffer": "buffer", "Weekly reflection": "reflection"}[
        summary
    ]


def test_show_as_free_is_transparent_and_output_is_reproducible() -> None:
    text = to_ics([hand_plan(show_buffer="free")], NOW)
    transp = [str(e["TRANSP"]) for e in vevents(text)]
    assert transp == ["OPAQUE", "TRANSPARENT", "OPAQUE", "OPAQUE"]
    assert to_ics([hand_plan(show_buffer="free")], NOW) == text  # same plan + now, same text
    later = to_ics([hand_plan(show_buffer="free")], NOW + dt.timedelta(days=1))
    assert later != text and "DTSTAMP:20261121T120000Z" in later


def test_an_empty_plan_is_a_valid_empty_calendar() -> None:
    plan = hand_plan()
    empty = PersonPlan(**{**plan.__dict__, "blocks": ()})
    text = to_ics([empty], NOW)
    assert vevents(text) == []
    assert text.startswith("BEGIN:VCALENDAR") and text.rstrip().endswith("END:VCALENDAR")


# --- reading the exported plan back -------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Span]]:
    """`calendar-slack plan -f ics` on the hand-built week (tests/test_plan_cli.py), SMALL config.

    Expected: Thu 26 Nov 09:00-11:00 CET focus (08:00-10:00Z) and six 15-min recovery buffers
    after Mon 10:00, Tue 11:30, Wed 10:00, Wed 15:00, Thu 12:00 and Fri 13:00 CET (one hour
    earlier in UTC).
    """
    folder = tmp_path_factory.mktemp("export")
    (folder / "week.ics").write_text(ics_calendar(WEEK), encoding="utf-8")
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    out = folder / "plan.ics"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Pacific/Kiritimati")
        result = CliRunner().invoke(
            app,
            [
                "plan", "--source", f"ics:{folder / 'week.ics'}", "--me", ME, "--tz", STOCKHOLM,
                "--week", "2026-W48", "--config", str(folder / "small.toml"),
                "--now", NOW.isoformat(), "-f", "ics", "--out", str(out),
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    blocks: list[Span] = [("focus", utc("2026-11-26T08:00Z"), utc("2026-11-26T10:00Z"))]
    for start in ("23T09:00", "24T10:30", "25T09:00", "25T14:00", "26T11:00", "27T12:00"):
        begin = utc(f"2026-11-{start}Z")
        blocks.append(("buffer", begin, begin + pd.Timedelta(minutes=15)))
    return out, sorted(blocks, key=lambda b: b[1])


def test_icalendar_reads_the_exported_blocks(exported: tuple[Path, list[Span]]) -> None:
    path, blocks = exported
    events = vevents(path.read_text(encoding="utf-8"))
    got = sorted(
        (
            str(e["X-CALENDAR-SLACK-TAG"].params["X-KIND"]),
            pd.Timestamp(e["DTSTART"].dt),
            pd.Timestamp(e["DTEND"].dt),
        )
        for e in events
    )
    assert sorted(got, key=lambda b: b[1]) == blocks


def test_our_ics_connector_reads_them_back_as_our_focus_blocks(
    exported: tuple[Path, list[Span]],
) -> None:
    path, blocks = exported
    loaded = ics.load(str(path), LoadRequest(*W48, me=ME, tz_override=STOCKHOLM))
    events = loaded.events
    assert len(events) == len(blocks) == 7
    assert set(events["kind"]) == {"focus"}  # ours -> focus (classification rule 5)
    assert events["ours"].all()
    assert set(events["person"]) == {ME}
    assert spans_of(events) == [(s, e) for _, s, e in blocks]
    assert sorted(events["title"]) == ["Focus time"] + ["Recovery buffer"] * 6


# --- a real CalDAV server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def radicale() -> Iterator[RadicaleServer]:
    with running_radicale({USER: PASSWORD}) as server:
        yield server


def test_radicale_takes_the_export_and_our_caldav_connector_reads_it_back(
    radicale: RadicaleServer, exported: tuple[Path, list[Span]]
) -> None:
    path, blocks = exported
    calendar_url = make_calendar(radicale, USER, PASSWORD, "Plan")
    exported_events = vevents(path.read_text(encoding="utf-8"))
    with DAVClient(url=radicale.url, username=USER, password=PASSWORD) as dav:
        client: Any = dav  # the caldav library is untyped
        calendar = client.calendar(url=calendar_url)
        for event in exported_events:
            single = icalendar.Calendar()
            single.add("prodid", "-//tests//import//EN")
            single.add("version", "2.0")
            single.add_component(event)
            calendar.add_event(single.to_ical().decode("utf-8"))
        stored = calendar.events()
        assert len(stored) == len(blocks)
    loaded = caldav_connector.load(
        calendar_url,
        LoadRequest(*W48, me=ME, tz_override=STOCKHOLM),
        env={ENV_USERNAME: USER, ENV_PASSWORD: PASSWORD},
        policy=RetryPolicy(max_attempts=2, sleep=no_sleep),
    )
    events = loaded.events
    assert len(events) == 7
    assert set(events["kind"]) == {"focus"} and events["ours"].all()
    assert set(events["source"]) == {"caldav"}
    assert spans_of(events) == [(s, e) for _, s, e in blocks]
    # the UIDs survive the round trip: the event ids start with them
    uids = {str(e["UID"]) for e in exported_events}
    assert {str(i).split("/")[0] for i in events["event_id"]} == uids
