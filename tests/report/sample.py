"""A small report dict built by hand (through weekly.assemble) for the renderer tests."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from calendar_slack.metrics import PersonDays
from calendar_slack.report.model import Report
from calendar_slack.weekly import assemble
from tests.report.helpers import fake_daily, fake_totals

MON = dt.date(2026, 11, 23)


def sample_report() -> Report:
    """ana (Stockholm) with a week before, bob (New York) without; two days each.

    ana Mon: 480 working = 90 meeting + 0 hold + 240 focus + 150 fragmented; Tue day off.
    ana's week totals vs before: focus 240 vs 150 (up 1 h 30 min), meeting 90 vs 135 (down
    45 min), b2b 3 vs 0 (3 more), load 24 vs 30.5.
    """
    ana = fake_daily(
        "ana@x.example",
        MON,
        2,
        working_min=[480, 0],
        meeting_min=[90, 0],
        focus_min=[240, 0],
        fragmented_min=[150, 0],
        largest_free_block_min=[240, 0],
        meeting_count=[4, 0],
        b2b_count=[3, 0],
        longest_run_min=[90, 0],
        density=[0.1875, float("nan")],
        load_score=[24, None],
    )
    bob = fake_daily("bob@x.example", MON, 2, working_min=480, focus_min=480, density=0.0)
    totals = pd.concat(
        [
            fake_totals(
                "ana@x.example",
                working_min=480,
                meeting_min=90,
                focus_min=240,
                fragmented_min=150,
                largest_free_block_min=240,
                meeting_count=4,
                b2b_count=3,
                longest_run_min=90,
                density=0.1875,
                load_score=24.0,
            ),
            fake_totals("bob@x.example", working_min=960, focus_min=960, density=0.0),
        ],
        ignore_index=True,
    )
    previous = fake_totals(
        "ana@x.example",
        working_min=480,
        meeting_min=135,
        focus_min=150,
        fragmented_min=195,
        largest_free_block_min=240,
        meeting_count=4,
        longest_run_min=90,
        density=0.281,
        load_score=30.5,
    )
    people = {
        "ana@x.example": PersonDays("Europe/Stockholm"),
        "bob@x.example": PersonDays("America/New_York"),
    }
    return assemble("2026-11-23/2026-11-24", people, pd.concat([ana, bob]), totals, previous)
