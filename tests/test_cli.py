"""The command line: every format on the demo team, defaults, export, and one-line errors."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from calendar_slack import schema
from calendar_slack.cli import EXAMPLE_CONFIG, app
from calendar_slack.connectors import demo
from calendar_slack.connectors.base import LoadRequest
from calendar_slack.metrics import METRICS
from calendar_slack.prefs import Config, load_config
from calendar_slack.weekly import build_report

NOW = "2026-11-25T12:00:00+00:00"  # a Wednesday of ISO week 2026-W48 (Mon 23 – Sun 29 Nov)
WEEK = ["--week", "2026-W48"]
TEAM = [m.person for m in demo.TEAM]
ANA = "ana@demo.example"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No real config, a pinned clock, and a machine zone nobody uses, so nothing leaks in."""
    config = tmp_path / "empty.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("CALENDAR_SLACK_CONFIG", str(config))
    monkeypatch.setenv("CALENDAR_SLACK_NOW", NOW)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: would shift any local-zone leak
    monkeypatch.chdir(tmp_path)
    yield


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- every format on the demo, week 2026-W48 ----------------------------------------------


@pytest.fixture(scope="module")
def demo_json() -> dict[str, object]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CALENDAR_SLACK_NOW", NOW)
        patch.setenv("CALENDAR_SLACK_CONFIG", "/dev/null")
        result = CliRunner().invoke(app, ["report", "--source", "demo", *WEEK, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_json_has_exactly_the_design_keys(demo_json: dict[str, object]) -> None:
    assert list(demo_json) == ["week", "people"]
    assert demo_json["week"] == "2026-W48"
    people = demo_json["people"]
    assert isinstance(people, list)
    assert [p["person"] for p in people] == sorted(TEAM)
    for person in people:
        assert list(person) == ["person", "tz", "days", "week_totals", "previous_week_totals"]
        assert [d["date"] for d in person["days"]] == [f"2026-11-{d}" for d in range(23, 30)]
        for day in person["days"]:
            assert list(day) == ["date", *METRICS]
            # the four parts of working time always add up (DESIGN.md, "Metrics")
            parts = ("meeting_min", "hold_min", "focus_min", "fragmented_min")
            assert sum(day[k] for k in parts) == day["working_min"]
        assert list(person["week_totals"]) == list(METRICS)
        assert list(person["previous_week_totals"]) == list(METRICS)  # the demo has history
    zones = {p["person"]: p["tz"] for p in people}
    assert zones["hana@demo.example"] == "America/New_York"
    assert zones[ANA] == "Europe/Stockholm"


def test_json_matches_the_pipeline_called_directly(demo_json: dict[str, object]) -> None:
    # The CLI fetches from the previous week's start minus a day to the end plus two days.
    request = LoadRequest(
        pd.Timestamp("2026-11-15", tz="UTC"), pd.Timestamp("2026-12-01", tz="UTC")
    )
    loaded = demo.load("", request)
    direct = build_report(
        loaded.events, loaded.zones, Config(), dt.date(2026, 11, 23), dt.date(2026, 11, 29)
    )
    assert demo_json == json.loads(json.dumps(direct))


def test_table_format(demo_json: dict[str, object]) -> None:
    result = run("report", "--source", "demo", *WEEK)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Calendar load 2026-W48"
    for person in TEAM:
        assert person in result.stdout
    assert "Mon 23 Nov" in result.stdout and "Week" in result.stdout
    assert result.stderr == ""  # --source given: no note; no spinner off a terminal


def test_table_and_json_to_a_file(tmp_path: Path, demo_json: dict[str, object]) -> None:
    assert run("report", "--source", "demo", *WEEK, "-f", "json", "--out", "r.json").exit_code == 0
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8")) == demo_json
    result = run("report", "--source", "demo", *WEEK, "--out", "r.txt")
    assert result.exit_code == 0
    assert result.stderr == "Wrote r.txt\n"
    text = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert text.startswith("Calendar load 2026-W48\n") and "\x1b[" not in text  # no colours


def test_csv_and_parquet_have_one_row_per_person_day(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        result = run("report", "--source", "demo", *WEEK, "-f", fmt, "--out", f"w.{fmt}")
        assert result.exit_code == 0, result.stderr
    csv = pd.read_csv(tmp_path / "w.csv")
    parquet = pd.read_parquet(tmp_path / "w.parquet")
    for frame in (csv, parquet):
        assert list(frame.columns) == ["person", "tz", "date", *METRICS]
        assert len(frame) == 8 * 7  # eight people × seven days
    assert csv["meeting_min"].tolist() == parquet["meeting_min"].tolist()
    assert files(tmp_path) == ["empty.toml", "w.csv", "w.parquet"]  # no temp files left


def test_html_defaults_to_report_html_and_is_self_contained(tmp_path: Path) -> None:
    result = run("report", "--source", "demo", "--me", ANA, *WEEK, "--format", "html")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "Wrote report.html\n"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert page.count("<svg") == 2  # one person: timeline and heatmap
    assert "ana@demo.example" in page and "ben@demo.example" not in page


# --- defaults -----------------------------------------------------------------------------


def test_without_a_source_the_demo_team_is_shown_with_a_note() -> None:
    result = run("report", *WEEK, "-f", "json")
    assert result.exit_code == 0
    assert result.stderr.startswith("note: no --source given and none in the config")
    assert len(json.loads(result.stdout)["people"]) == 8


def test_sources_and_me_come_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'sources = ["demo"]\nme = "{ANA}"\n', encoding="utf-8")
    result = run("report", "--config", str(config), *WEEK, "-f", "json")
    assert result.exit_code == 0
    assert result.stderr == ""  # sources configured: no demo note
    assert [p["person"] for p in json.loads(result.stdout)["people"]] == [ANA]


@pytest.mark.parametrize(
    ("now", "tz", "week"),
    [
        ("2026-11-25T12:00:00Z", "Europe/Stockholm", "2026-W48"),
        # Sun 29 Nov 23:30 UTC is already Mon 30 Nov 00:30 in Stockholm (week 49) ...
        ("2026-11-29T23:30:00Z", "Europe/Stockholm", "2026-W49"),
        # ... but still Sun 29 Nov 18:30 in New York (week 48).
        ("2026-11-29T23:30:00Z", "America/New_York", "2026-W48"),
    ],
)
def test_the_default_week_is_the_current_one_in_the_zone(now: str, tz: str, week: str) -> None:
    result = run("report", "--source", "demo", "--me", ANA, "--tz", tz, "--now", now, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["week"] == week


def test_a_from_to_range_is_labelled_by_its_dates() -> None:
    result = run(
        "report", "--source", "demo", "--me", ANA, "--from", "2026-11-02", "--to", "2026-11-15",
        "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["week"] == "2026-11-02/2026-11-15"
    assert len(data["people"][0]["days"]) == 14
    assert data["people"][0]["previous_week_totals"] is not None  # 2026-10-19 .. 11-01


def test_tz_overrides_the_source_zone() -> None:
    result = run("report", "--source", "demo", "--me", "hana@demo.example", "--tz", "UTC", *WEEK,
                 "-f", "json")  # fmt: skip
    assert result.exit_code == 0
    assert json.loads(result.stdout)["people"][0]["tz"] == "UTC"


def test_the_result_does_not_depend_on_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = []
    for machine in ("Pacific/Kiritimati", "America/Los_Angeles"):
        monkeypatch.setenv("TZ", machine)
        outputs.append(run("report", "--source", "demo", "--me", ANA, *WEEK, "-f", "json").stdout)
    assert outputs[0] == outputs[1]


# --- export and config-path ----------------------------------------------------------------


def test_export_writes_the_week_and_reads_back_as_a_source(tmp_path: Path) -> None:
    result = run("export", "--source", "demo", "--me", ANA, *WEEK, "--out", "events.parquet")
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(r"Wrote \d+ events of 1 people to events.parquet\n", result.stderr)
    events = pd.read_parquet(tmp_path / "events.parquet")
    assert set(events["person"]) == {ANA}
    # only events touching ana's local week: Mon 23 Nov 00:00 CET = 22 Nov 23:00 UTC ..
    # Mon 30 Nov 00:00 CET = 29 Nov 23:00 UTC
    assert (events["end"] > pd.Timestamp("2026-11-22 23:00", tz="UTC")).all()
    assert (events["start"] < pd.Timestamp("2026-11-29 23:00", tz="UTC")).all()
    schema.validate(schema.coerce(events))
    back = run("report", "--source", "parquet:events.parquet", "--tz", "Europe/Stockholm", *WEEK,
               "-f", "json")  # fmt: skip
    direct = run("report", "--source", "demo", "--me", ANA, *WEEK, "-f", "json")
    assert back.exit_code == 0, back.stderr
    days_back = json.loads(back.stdout)["people"][0]["days"]
    assert days_back == json.loads(direct.stdout)["people"][0]["days"]


def test_config_path_prints_the_path_and_a_valid_example(tmp_path: Path) -> None:
    result = run("config-path")
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0]
    assert first == f"{tmp_path / 'empty.toml'}  (exists)"
    assert EXAMPLE_CONFIG in result.stdout
    example = tmp_path / "example.toml"
    example.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    config = load_config(example)
    assert config.me == "you@example.com" and config.metrics.focus_min_block == 120


def test_help_explains_every_option_with_an_example() -> None:
    result = CliRunner().invoke(app, ["report", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--source", "--me", "--tz", "--week", "--from", "--to", "--format", "--out",
                   "--redact", "--config"):  # fmt: skip
        assert option in result.stdout
    assert "--now" not in result.stdout  # hidden
    assert result.stdout.count("e.g.") >= 8


# --- bad input: one line on stderr, exit 2, no traceback, no output file -----------------

BAD_ICS = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:1\nDTSTART:2026-11-23T10:00:00Z\n"
EMPTY_ICS = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nEND:VCALENDAR\n"


def _bad_parquet(path: Path) -> None:
    pd.DataFrame({"who": ["a"], "when": [1]}).to_parquet(path)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--source", "ics:missing.ics"], r"calendar file missing.ics: does not exist"),
        (["--source", "ics:folder"], r"calendar file folder: is a directory"),
        (["--source", "ics:bad.ics"], r"calendar file bad.ics: is incomplete"),
        (["--source", "ics:empty.ics"], r"source ics:empty.ics: has no events at all"),
        (["--source", "parquet:wrong.parquet"], r"Parquet file wrong.parquet: has unexpected"),
        (["--source", "nosuch:x"], r"source 'nosuch:x': unknown kind 'nosuch'"),
        (["--source", "demo", "--tz", "Mars/Olympus"], r"time zone 'Mars/Olympus': is not a known"),
        (["--source", "demo", "--week", "2026-W60"], r"week '2026-W60': 2026 has no ISO week 60"),
        (["--source", "demo", "--week", "soon"], r"week 'soon': is not an ISO week like 2026-W48"),
        (["--source", "demo", "--from", "soon", "--to", "2026-11-29"], r"--from 'soon': is not a"),
        (["--source", "demo", "--from", "2026-11-02"], r"--from: needs --to as well"),
        (["--source", "demo", "--week", "2026-W48", "--to", "2026-11-29"], r"give either a week"),
        (["--source", "demo", "--me", "zed@x.example"], r"--me zed@x.example: is not in the"),
        (["--source", "demo", "--now", "later"], r"--now / CALENDAR_SLACK_NOW 'later': is not"),
        (["--source", "demo", "--config", "nope.toml"], r"config file nope.toml: does not exist"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "bad.ics").write_text(BAD_ICS, encoding="utf-8")
    (tmp_path / "empty.ics").write_text(EMPTY_ICS, encoding="utf-8")
    _bad_parquet(tmp_path / "wrong.parquet")
    before = files(tmp_path)
    result = run("report", *args, "--format", "csv", "--out", "out.csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("calendar-slack: error: ")
    assert re.search(expected, lines[0]), lines[0]
    assert "Traceback" not in result.output
    assert files(tmp_path) == before  # no output file, no temp file


def test_out_into_a_missing_folder_fails_before_loading(tmp_path: Path) -> None:
    result = run("report", "--source", "demo", *WEEK, "-f", "html", "--out", "no/such/r.html")
    assert result.exit_code == 2
    assert result.stderr == (
        "calendar-slack: error: output file no/such/r.html: folder no/such does not exist\n"
    )
    assert files(tmp_path) == ["empty.toml"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_need_out(fmt: str) -> None:
    result = run("report", "--source", "demo", *WEEK, "--format", fmt)
    assert result.exit_code == 2
    assert result.stderr == (
        f"calendar-slack: error: --format {fmt}: needs --out FILE, e.g. --out week.{fmt}\n"
    )


def test_export_into_a_missing_folder(tmp_path: Path) -> None:
    result = run("export", "--source", "demo", *WEEK, "--out", "gone/e.parquet")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "folder gone does not exist" in result.stderr
    assert files(tmp_path) == ["empty.toml"]


def test_usage_errors_exit_2_without_traceback() -> None:
    result = run("report", "--format", "pdf")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "'pdf' is not one of" in result.stderr


def test_errors_carry_a_hint_where_the_message_alone_does_not_say_what_to_do() -> None:
    week = run("report", "--source", "demo", "--week", "2026-W60")
    assert week.stderr == (
        "calendar-slack: error: week '2026-W60': 2026 has no ISO week 60 "
        "(give an ISO week such as --week 2026-W48)\n"
    )
    missing = run("report", "--source", "ics:gone.ics", *WEEK)
    assert missing.stderr == (
        "calendar-slack: error: calendar file gone.ics: does not exist "
        "(check the path after --source)\n"
    )


def test_redact_drops_titles_at_ingest(tmp_path: Path) -> None:
    kept = run("export", "--source", "demo", "--me", ANA, *WEEK, "--out", "kept.parquet")
    gone = run("export", "--redact", "--source", "demo", "--me", ANA, *WEEK, "-o", "gone.parquet")
    assert kept.exit_code == 0 and gone.exit_code == 0
    titles_kept = pd.read_parquet(tmp_path / "kept.parquet")["title"]
    titles_gone = pd.read_parquet(tmp_path / "gone.parquet")["title"]
    assert titles_kept.notna().any()  # the demo team's events have titles ...
    assert titles_gone.isna().all()  # ... and --redact drops every one
    assert len(titles_kept) == len(titles_gone)


def test_the_demo_note_also_appears_in_the_html(tmp_path: Path) -> None:
    result = run("report", "--me", ANA, *WEEK, "-f", "html", "--out", "r.html")
    assert result.exit_code == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<p class="note">no --source given and none in the config, so this is the demo' in page
