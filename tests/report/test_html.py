"""The HTML report: one self-contained file with tables, wins, timeline and heatmap."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from calendar_slack.prefs import Config
from calendar_slack.report.charts import hour_range
from calendar_slack.report.html import render_html
from calendar_slack.report.model import HEADERS, Report
from calendar_slack.report.timeline import DayWindow, Segment
from calendar_slack.weekly import build_report
from tests.report.helpers import event, local, table

ANA = "o'neil&ana@x.example"
MON, SUN = dt.date(2026, 11, 23), dt.date(2026, 11, 29)  # 2026-W48
EVENTS = table(
    [
        event(ANA, "2026-11-23 10:00", "2026-11-23 11:00"),
        event(ANA, "2026-11-17 10:00", "2026-11-17 12:00"),
        event(ANA, "2026-11-25 12:00", "2026-11-25 12:30", "hold"),
    ]
)


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report(EVENTS, {ANA: "Europe/Stockholm"}, Config(), MON, SUN)


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return render_html(report, EVENTS, Config())


@pytest.fixture(scope="module")
def planned(report: Report) -> str:
    block = (ANA, "focus", local("2026-11-24 09:00"), local("2026-11-24 11:00"))
    return render_html(report, EVENTS, Config(), blocks=[block])


def test_page_is_one_self_contained_file(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page and "<script" not in page and "@import" not in page
    # CSS / SVG url() only ever points inside the page (clip paths, hatch patterns).
    assert not re.search(r"url\(\s*['\"]?(?!#)", page)
    assert page.count("<svg") == 2  # the timeline and the heatmap of the one person
    assert "<style>" in page


def test_page_has_the_table_the_wins_and_a_legend_of_every_metric(page: str) -> None:
    # Meeting 60 vs 120 the week before -> "meeting time down 1 h". Focus this week: Mon 360
    # (11–17) + Tue, Thu, Fri 480 each + Wed 180 + 270 (a 12:00–12:30 hold splits the day)
    # = 2250; the week before: Tue 300 (12–17) + 4·480 = 2220 -> "focus time up 30 min".
    assert "<h4>Wins</h4>" in page
    assert "<li>meeting time down 1 h</li>" in page
    assert "<li>focus time up 30 min</li>" in page
    assert "What the numbers mean" in page
    for header in HEADERS.values():
        assert f"<dt>{header}</dt>" in page
    assert "<td>1 h</td>" in page  # Monday's 60 meeting minutes


def test_person_names_are_escaped(page: str) -> None:
    assert "o&#x27;neil&amp;ana@x.example" in page
    assert "o'neil&ana" not in page


def test_proposed_blocks_are_drawn_hatched(page: str, planned: str) -> None:
    assert "<pattern" not in page  # matplotlib writes hatches as SVG patterns
    assert "<pattern" in planned
    assert "Proposed block" in planned and "Proposed block" not in page


def test_the_same_report_renders_to_the_same_bytes(report: Report, page: str) -> None:
    assert render_html(report, EVENTS, Config()) == page


def test_a_note_is_shown_escaped(report: Report) -> None:
    page = render_html(report, EVENTS, Config(), note="demo <team>")
    assert '<p class="note">demo &lt;team&gt;</p>' in page


def test_hour_range_covers_working_hours_and_meetings_at_least_8_to_18() -> None:
    windows = [DayWindow(MON, (540, 1020))]
    assert hour_range([], windows) == (8, 18)
    late = [Segment(MON, "meeting", 1200, 1290)]  # 20:00–21:30 -> up to hour 22
    early = [Segment(MON, "hold", 420, 450)]  # 07:00 -> from hour 7
    assert hour_range(late + early, windows) == (7, 22)
    ooo = [Segment(MON, "ooo", 0, 1440)]  # out of office does not widen the view
    assert hour_range(ooo, windows) == (8, 18)


def test_element_ids_are_unique_and_every_reference_resolves(planned: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', planned)
    assert len(ids) == len(set(ids))
    references = re.findall(r'(?:href="#|url\(#)([^")]+)', planned)
    assert references and set(references) <= set(ids)
