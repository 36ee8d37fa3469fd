"""The terminal table: one panel per person, day rows, totals, and the wins / worse lists."""

from __future__ import annotations

import io

from rich.console import Console

from calendar_slack.report.table import render_table, table_text
from tests.report.sample import sample_report


def test_table_shows_days_totals_and_spoken_minutes() -> None:
    text = table_text(sample_report())
    lines = text.splitlines()
    assert lines[0] == "Calendar load 2026-11-23/2026-11-24"
    assert "ana@x.example · Europe/Stockholm" in text
    assert "bob@x.example · America/New_York" in text
    monday = next(line for line in lines if "Mon 23 Nov" in line)
    # ana Monday: 480 working -> "8 h", 90 meeting -> "1 h 30 min", 150 -> "2 h 30 min",
    # density 0.188 -> "18.8%", load 24.
    for cell in ("8 h", "1 h 30 min", "4 h", "2 h 30 min", "18.8%", "24"):
        assert cell in monday
    tuesday = next(line for line in lines if "Tue 24 Nov" in line)
    assert tuesday.count("–") == 2  # density and load are null on a day off
    week = next(line for line in lines if "│  Week" in line)
    assert "1 h 30 min" in week and "24" in week
    before = next(line for line in lines if "│  Before" in line)
    assert "2 h 15 min" in before and "30.5" in before  # 135 min, load 30.5


def test_table_lists_wins_before_worse() -> None:
    text = table_text(sample_report())
    wins, worse = text.index("Wins"), text.index("Worse")
    assert wins < worse
    assert text.index("• focus time up 1 h 30 min") < worse
    assert text.index("• meeting time down 45 min") < worse
    assert text.index("• load score 30.5 -> 24") < worse
    assert text.index("• 3 more back-to-back meetings") > worse


def test_table_says_when_there_is_nothing_to_compare() -> None:
    text = table_text(sample_report())
    bob = text[text.index("bob@x.example") :]
    assert "No events in the period before: nothing to compare." in bob


def test_render_table_prints_to_the_given_console() -> None:
    buffer = io.StringIO()
    render_table(sample_report(), Console(file=buffer, width=170, color_system=None))
    assert buffer.getvalue() == table_text(sample_report())


def test_a_narrow_terminal_gets_two_stacked_tables_and_no_cut_cells() -> None:
    wide, narrow = table_text(sample_report(), width=170), table_text(sample_report(), width=90)
    assert "…" not in wide and "…" not in narrow
    assert max(len(line) for line in narrow.splitlines()) <= 90
    # one header row with both Working and Conflicts when wide; two separate ones when narrow
    assert any("Working" in line and "Conflicts" in line for line in wide.splitlines())
    assert not any("Working" in line and "Conflicts" in line for line in narrow.splitlines())
    assert narrow.count("Mon 23 Nov") == 2 * wide.count("Mon 23 Nov")
