"""`calendar-slack plan` and `report --with-plan`: formats, preferences, errors, the demo.

The calendars are .ics files written here by hand (the ICS connector reads them like a user's
file), the clock is pinned with --now and every zone is explicit, so nothing depends on today
or on the machine. Expected blocks are worked out in comments from the solver's priorities
(DESIGN.md "Planner"): buffers, focus up to the goal, ideal length, preferred half-day, earliest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from calendar_slack.cli import app
from calendar_slack.connectors import demo

ME = "me@example.com"
STOCKHOLM = "Europe/Stockholm"
BEFORE = "2026-11-20T12:00:00+00:00"  # the Friday before ISO week 2026-W48 (Mon 23 - Sun 29 Nov)
W48 = ["--week", "2026-W48"]
TEAM = sorted(m.person for m in demo.TEAM)

#: (local start, local end, kind) of the hand-built week (same as tests/test_planning.py):
#: recovery buffers go after Mon 09-10, Tue 10-11:30, Wed 09-10 and 14-15, Thu 11-12, Fri 12-13.
WEEK: list[tuple[str, str, str]] = [
    ("2026-11-23 09:00", "2026-11-23 10:00", "meeting"),
    ("2026-11-23 13:00", "2026-11-23 13:30", "meeting"),
    ("2026-11-24 10:00", "2026-11-24 11:30", "meeting"),
    ("2026-11-24 15:00", "2026-11-24 16:00", "hold"),
    ("2026-11-25 09:00", "2026-11-25 09:30", "meeting"),
    ("2026-11-25 09:30", "2026-11-25 10:00", "meeting"),
    ("2026-11-25 14:00", "2026-11-25 15:00", "meeting"),
    ("2026-11-26 11:00", "2026-11-26 12:00", "meeting"),
    ("2026-11-26 16:00", "2026-11-26 17:00", "meeting"),
    ("2026-11-27 09:00", "2026-11-27 09:45", "meeting"),
    ("2026-11-27 12:00", "2026-11-27 13:00", "meeting"),
]
BUFFERS = [
    ("2026-11-23T10:00:00+01:00", "2026-11-23T10:15:00+01:00"),
    ("2026-11-24T11:30:00+01:00", "2026-11-24T11:45:00+01:00"),
    ("2026-11-25T10:00:00+01:00", "2026-11-25T10:15:00+01:00"),
    ("2026-11-25T15:00:00+01:00", "2026-11-25T15:15:00+01:00"),
    ("2026-11-26T12:00:00+01:00", "2026-11-26T12:15:00+01:00"),
    ("2026-11-27T13:00:00+01:00", "2026-11-27T13:15:00+01:00"),
]
#: Monday's first 120-min afternoon block, for the afternoon preference.
MONDAY_PM = ("2026-11-23T13:30:00+01:00", "2026-11-23T15:30:00+01:00")
#: One 120-min block meets the goal; no reflection slot.
SMALL = "[planner]\nweekly_focus_goal = 120\nreflection_length = 0\n"


def ics_calendar(events: Sequence[tuple[str, str, str]], tz: str = STOCKHOLM) -> str:
    """VEVENTs in UTC; meetings have an organizer and me as attendee, holds nobody, and an
    "ooo" row becomes an all-day "Vacation" (start and end are then dates)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//plan//EN"]
    for i, (start, end, kind) in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:e{i}@tests", "DTSTAMP:20261101T000000Z"]
        if kind == "ooo":
            lines += [
                f"DTSTART;VALUE=DATE:{start.replace('-', '')}",
                f"DTEND;VALUE=DATE:{end.replace('-', '')}",
                "SUMMARY:Vacation",
            ]
        else:
            for name, value in (("DTSTART", start), ("DTEND", end)):
                utc = pd.Timestamp(value, tz=tz).tz_convert("UTC")
                lines.append(f"{name}:{utc:%Y%m%dT%H%M%SZ}")
            lines.append(f"SUMMARY:{kind} {i}")
        if kind == "meeting":
            lines += [
                "ORGANIZER:mailto:boss@example.com",
                f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ME}",
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:boss@example.com",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No real config, a pinned clock, and a machine zone nobody uses, so nothing leaks in."""
    config = tmp_path / "empty.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("CALENDAR_SLACK_CONFIG", str(config))
    monkeypatch.setenv("CALENDAR_SLACK_NOW", BEFORE)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: would shift any local-zone leak
    monkeypatch.chdir(tmp_path)
    yield


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def plan_json(tmp_path: Path, *extra: str, events: Sequence[tuple[str, str, str]] = WEEK) -> dict:  # type: ignore[type-arg]
    source = write(tmp_path / "week.ics", ics_calendar(events))
    result = run(
        "plan", "--source", f"ics:{source}", "--me", ME, "--tz", STOCKHOLM, *W48, "-f", "json",
        *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data: dict = json.loads(result.stdout)  # type: ignore[type-arg]
    return data


def kind_spans(person: dict, kind: str) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(b["start"], b["end"]) for b in person["blocks"] if b["kind"] == kind]


# --- JSON and table -----------------------------------------------------------------------


def test_json_has_exactly_the_contract_keys_and_values(tmp_path: Path) -> None:
    config = write(tmp_path / "small.toml", SMALL)
    data = plan_json(tmp_path, "--config", config)
    assert list(data) == ["week", "people"]
    assert data["week"] == "2026-W48"
    [person] = data["people"]
    assert list(person) == [
        "person",
        "tz",
        "status",
        "solve_ms",
        "focus_goal_min",
        "focus_before_min",
        "protected_focus_min",
        "goal_met",
        "reserve_min_by_day",
        "blocks",
        "explanations",
    ]
    for block in person["blocks"]:
        assert list(block) == ["kind", "start", "end", "show_as"]
    assert person["person"] == ME and person["tz"] == STOCKHOLM
    assert person["status"] == "OPTIMAL" and person["solve_ms"] >= 0
    # Thu 09:00-11:00 is the one all-morning 120-min gap earliest in the week (Mon and Wed
    # 10:15-12:15 run 15 min past noon); the six recovery buffers all fit.
    assert kind_spans(person, "focus") == [
        ("2026-11-26T09:00:00+01:00", "2026-11-26T11:00:00+01:00")
    ]
    assert kind_spans(person, "buffer") == BUFFERS
    assert [b["show_as"] for b in person["blocks"]] == ["busy"] * 7
    # focus before: stretches >= 120 min: Mon 180+210, Tue 210, Wed 240+120, Thu 120+240,
    # Fri 135+240 = 1695 min
    assert person["focus_before_min"] == 1695
    assert (person["focus_goal_min"], person["protected_focus_min"]) == (120, 120)
    assert person["goal_met"] is True
    # free working time minus booked: Mon 390-15, Tue 330-15, Wed 360-30, Thu 360-15-120,
    # Fri 375-15; no hours at the weekend
    assert person["reserve_min_by_day"] == {
        "2026-11-23": 375,
        "2026-11-24": 315,
        "2026-11-25": 330,
        "2026-11-26": 225,
        "2026-11-27": 360,
        "2026-11-28": 0,
        "2026-11-29": 0,
    }
    assert person["explanations"] == []


def test_table_shows_blocks_before_after_reserve_and_explanations(tmp_path: Path) -> None:
    source = write(tmp_path / "week.ics", ics_calendar(WEEK))
    config = write(tmp_path / "small.toml", SMALL)
    result = run(
        "plan", "--source", f"ics:{source}", "--me", ME, "--tz", STOCKHOLM, *W48,
        "--config", config,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = [" ".join(line.strip("│ ").split()) for line in result.stdout.splitlines()]
    assert "Focus plan 2026-W48" in rows
    assert any(row.startswith(f"╭─ {ME} · {STOCKHOLM}") for row in rows)
    # one row per block, in time order: (Day, Block, Time, Length), local wall clock
    assert "Mon 23 Nov Recovery buffer 10:00–10:15 15 min" in rows
    assert "Thu 26 Nov Focus 09:00–11:00 2 h" in rows
    assert "Fri 27 Nov Recovery buffer 13:00–13:15 15 min" in rows
    assert "Focus time before 28 h 15 min" in rows  # 1695 min
    assert "Protected focus after 2 h" in rows
    assert "Weekly focus goal 2 h" in rows
    assert "Goal met yes" in rows
    # reserve per day (see the JSON test): 375, 315, 330, 225, 360, 0, 0 min
    assert "Reserve kept free for the unplanned" in rows
    header = rows.index("Mon 23 Tue 24 Wed 25 Thu 26 Fri 27 Sat 28 Sun 29")
    assert rows[header + 2] == "6 h 15 min 5 h 15 min 5 h 30 min 3 h 45 min 6 h 0 min 0 min"
    assert not any(row.startswith("Why not more") for row in rows)


def test_table_lists_explanations_as_bullets(tmp_path: Path) -> None:
    busy = [(f"2026-11-{d} 09:00", f"2026-11-{d} 17:00", "meeting") for d in range(23, 28)]
    source = write(tmp_path / "busy.ics", ics_calendar(busy))
    result = run("plan", "--source", f"ics:{source}", "--me", ME, "--tz", STOCKHOLM, *W48)
    assert result.exit_code == 0, result.stderr
    assert "No blocks proposed." in result.stdout
    rows = [" ".join(line.strip("│ ").split()) for line in result.stdout.splitlines()]
    assert "Goal met no" in rows
    assert "Why not more:" in rows
    assert any(row.startswith("• Week: 0 of 600 focus minutes") for row in rows)


# --- preferences from the config file change the plan -------------------------------------


def test_preferred_afternoon_moves_focus_after_noon(tmp_path: Path) -> None:
    config = write(tmp_path / "pm.toml", SMALL + 'preferred_time = "afternoon"\n')
    [person] = plan_json(tmp_path, "--config", config)["people"]
    # The earliest 120-min gap wholly after 12:00: Mon 13:30-17:00 -> 13:30-15:30.
    assert kind_spans(person, "focus") == [
        ("2026-11-23T13:30:00+01:00", "2026-11-23T15:30:00+01:00")
    ]


def test_no_focus_days_keep_wednesday_free_of_focus(tmp_path: Path) -> None:
    default = plan_json(tmp_path)["people"][0]
    wednesday = [s for s, _ in kind_spans(default, "focus") if s.startswith("2026-11-25")]
    assert wednesday  # with the defaults, Wednesday gets focus time ...
    config = write(tmp_path / "nowed.toml", '[planner]\nno_focus_days = ["wed"]\n')
    person = plan_json(tmp_path, "--config", config)["people"][0]
    # ... and none when Wednesday is a no-focus day; the goal is still met on other days.
    assert not [s for s, _ in kind_spans(person, "focus") if s.startswith("2026-11-25")]
    assert person["goal_met"] is True


def test_per_person_preferences_override_the_planner_section(tmp_path: Path) -> None:
    text = SMALL + f'\n[people."{ME}".planner]\npreferred_time = "afternoon"\n'
    config = write(tmp_path / "person.toml", text)
    [person] = plan_json(tmp_path, "--config", config)["people"]
    assert kind_spans(person, "focus") == [
        ("2026-11-23T13:30:00+01:00", "2026-11-23T15:30:00+01:00")
    ]


# --- contradictions: one line, exit 2 -----------------------------------------------------


@pytest.mark.parametrize(
    ("planner", "words"),
    [
        ("focus_block_min = 200\nfocus_block_ideal = 190\n", "focus_block_min (200) is above "
         "focus_block_max (180)"),
        ("focus_cap_per_day = 30\n", "focus_cap_per_day (30) is below focus_block_min (60)"),
        # 09:00-17:00 is 480 min: a 600-min reserve cannot be kept on any day
        ("daily_reserve = 600\n", "setting planner.daily_reserve: 600 min is longer than every "
         "working day (longest 480 min)"),
    ],
)  # fmt: skip
def test_contradictory_preferences_exit_2_with_one_line(
    tmp_path: Path, planner: str, words: str
) -> None:
    config = write(tmp_path / "bad.toml", "[planner]\n" + planner)
    source = write(tmp_path / "week.ics", ics_calendar(WEEK))
    result = run("plan", "--source", f"ics:{source}", "--me", ME, *W48, "--config", config)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("calendar-slack: error: ")
    assert words in lines[0]


# --- nothing to plan: still a plan, with reasons ------------------------------------------


def test_a_fully_booked_week_gives_an_empty_plan_with_reasons(tmp_path: Path) -> None:
    busy = [(f"2026-11-{d} 09:00", f"2026-11-{d} 17:00", "meeting") for d in range(23, 28)]
    [person] = plan_json(tmp_path, events=busy)["people"]
    assert person["blocks"] == []
    assert person["protected_focus_min"] == 0 and person["goal_met"] is False
    assert person["focus_before_min"] == 0
    assert set(person["reserve_min_by_day"].values()) == {0}
    assert person["explanations"]
    assert any("600" in sentence for sentence in person["explanations"])  # the goal, unmet


def test_an_ooo_week_gives_an_empty_plan_with_reasons(tmp_path: Path) -> None:
    # all-day "Vacation" Mon 23 .. Fri 27 (DTEND 28 exclusive)
    [person] = plan_json(tmp_path, events=[("2026-11-23", "2026-11-28", "ooo")])["people"]
    assert person["blocks"] == []
    assert person["goal_met"] is False and person["protected_focus_min"] == 0
    assert person["focus_before_min"] == 0  # no available working time at all
    assert person["explanations"]


# --- the week and the clock ---------------------------------------------------------------


def test_a_week_already_over_is_planned_as_of_its_monday_with_a_note() -> None:
    # --now is in W48; W40 (Mon 28 Sep - Sun 4 Oct 2026) is over, so it is planned as of
    # Mon 28 Sep 00:00 local: the whole week gets blocks.
    result = run("plan", "--source", "demo", "--me", "ana@demo.example", "--week", "2026-W40",
                 "-f", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (
        "note: 2026-W40 is already over, so it is planned as of its Monday 00:00 local time"
        in result.stderr
    )
    [person] = json.loads(result.stdout)["people"]
    assert person["blocks"] and person["blocks"][0]["start"].startswith("2026-09-28")


def test_the_default_week_is_the_current_one_and_the_past_is_left_alone(tmp_path: Path) -> None:
    # --now Wed 25 Nov 12:00 CET (11:00Z): W48, and nothing starts before now.
    source = write(tmp_path / "week.ics", ics_calendar(WEEK))
    config = write(tmp_path / "small.toml", SMALL)
    result = run(
        "plan", "--source", f"ics:{source}", "--me", ME, "--tz", STOCKHOLM, "-f", "json",
        "--config", config, "--now", "2026-11-25T11:00:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["week"] == "2026-W48"
    [person] = data["people"]
    assert min(b["start"] for b in person["blocks"]) >= "2026-11-25T12:00:00+01:00"
    # buffers before now (Mon, Tue, Wed 10:00) are gone; the rest stay
    assert kind_spans(person, "buffer") == BUFFERS[3:]


@pytest.mark.parametrize(
    ("now", "week"),
    [
        ("2026-11-26T16:00:00Z", "2026-W48"),  # Thu 17:00 CET: this week still has Friday
        ("2026-11-27T07:00:00Z", "2026-W49"),  # Fri 08:00 CET: from Friday on, next week
        ("2026-11-29T22:30:00Z", "2026-W49"),  # Sun 23:30 CET
        ("2026-11-29T23:30:00Z", "2026-W49"),  # Mon 00:30 CET: the new week itself
    ],
)
def test_the_default_week_looks_ahead_from_friday(tmp_path: Path, now: str, week: str) -> None:
    source = write(tmp_path / "week.ics", ics_calendar(WEEK))
    result = run(
        "plan", "--source", f"ics:{source}", "--me", ME, "--tz", STOCKHOLM, "-f", "json",
        "--now", now,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["week"] == week


def test_ics_format_writes_plan_ics_by_default_reproducibly(tmp_path: Path) -> None:
    source = write(tmp_path / "week.ics", ics_calendar(WEEK))
    args = ["plan", "--source", f"ics:{source}", "--me", ME, "--tz", STOCKHOLM, *W48, "-f", "ics"]
    first = run(*args)
    assert first.exit_code == 0, first.stderr
    assert "Wrote plan.ics" in first.stderr
    text = (tmp_path / "plan.ics").read_bytes()
    assert run(*args).exit_code == 0
    assert (tmp_path / "plan.ics").read_bytes() == text  # same plan, same now: same bytes
    assert text.count(b"BEGIN:VEVENT") > 0


def test_out_to_a_missing_folder_fails_before_loading(tmp_path: Path) -> None:
    result = run("plan", "--source", "demo", *W48, "--out", str(tmp_path / "no" / "plan.json"))
    assert result.exit_code == 2
    assert "folder" in result.stderr and "does not exist" in result.stderr


def test_with_plan_needs_the_html_format() -> None:
    result = run("report", "--source", "demo", *W48, "--with-plan", "-f", "json")
    assert result.exit_code == 2
    assert "--with-plan" in result.stderr and "html" in result.stderr


def test_with_plan_needs_a_week_at_most() -> None:
    result = run("report", "--source", "demo", "--from", "2026-11-02", "--to", "2026-11-15",
                 "--with-plan", "-f", "html")  # fmt: skip
    assert result.exit_code == 2
    assert "at most 7 days" in result.stderr


# --- `make demo`: the demo team, its report, plan and the page with the plan drawn in -------


def test_make_demo_commands_work_on_the_demo_team(tmp_path: Path) -> None:
    report = run("report", "--source", "demo", *W48)
    assert report.exit_code == 0, report.stderr
    assert "Calendar load 2026-W48" in report.stdout

    plan = run("plan", "--source", "demo", *W48, "-f", "json")
    assert plan.exit_code == 0, plan.stderr
    people = json.loads(plan.stdout)["people"]
    assert [p["person"] for p in people] == TEAM
    assert all(p["status"] == "OPTIMAL" and p["blocks"] for p in people)
    zones = {p["person"]: p["tz"] for p in people}
    assert zones["hana@demo.example"] == "America/New_York"
    assert people[TEAM.index("hana@demo.example")]["blocks"][0]["start"].endswith("-05:00")

    table = run("plan", "--source", "demo", *W48)
    assert table.exit_code == 0, table.stderr
    assert all(person in table.stdout for person in TEAM)

    page = run("report", "--source", "demo", *W48, "-f", "html", "--with-plan", "--out",
               "report.html")  # fmt: skip
    assert page.exit_code == 0, page.stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    # one timeline per person, each with the hatched "Proposed block" legend entry
    assert html.count("Proposed block") == len(TEAM)
