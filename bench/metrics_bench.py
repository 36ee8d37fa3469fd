"""Benchmark of calendar_slack.metrics.daily_metrics on a synthetic organisation.

DESIGN.md sets the targets: 10,000 people x 13 weeks (~3.25M events) at >= 3M events/s end to
end on a 2-core machine, >= 4x a straightforward pandas baseline timed in the same run, peak
memory <= 250 bytes per event, and results identical to the slow reference kept in the tests.
This measures all four, prints a table and writes bench/results/metrics.json. Run it with
`python -m bench.metrics_bench` (or `make bench`); it is not a test and asserts nothing.

The baseline is a pandas groupby-apply over (person, local date), with numpy inside each group,
and is timed on a sample of people; its events/s is extrapolated per event to the whole table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from rich.console import Console
from rich.table import Table

from bench import synthetic_org
from calendar_slack import schema
from calendar_slack.metrics import METRICS, PersonDays, daily_metrics
from calendar_slack.prefs import MetricSettings
from calendar_slack.workhours import date_range, day_frame, utc_minutes, zone
from tests.metrics_reference import reference_daily_metrics

RESULTS = Path(__file__).parent / "results" / "metrics.json"
TARGET_EVENTS_PER_S = 3_000_000
TARGET_RATIO = 4.0
TARGET_BYTES_PER_EVENT = 250
NS_PER_MIN = 60_000_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=13)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of daily_metrics")
    parser.add_argument("--baseline-people", type=int, default=100)
    parser.add_argument("--reference-people", type=int, default=50)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    console = Console(width=120)
    load_before = os.getloadavg()

    started = time.perf_counter()
    org = synthetic_org.build(people=args.people, weeks=args.weeks)
    build_s = time.perf_counter() - started
    events, people = org.events, org.people
    n = len(events)
    schema.validate(synthetic_org.build(people=20, weeks=1).events)  # the generator's shape
    console.print(f"synthetic org: {len(people)} people, {n:,} events, built in {build_s:.1f} s")

    daily_metrics(synthetic_org.build(people=5, weeks=1).events, people, org.first, org.first)
    timed = _time(lambda: daily_metrics(events, people, org.first, org.last), args.runs)
    result = timed.pop("result")
    shuffled_events = events.sample(frac=1.0, random_state=1).reset_index(drop=True)
    shuffled = _time(lambda: daily_metrics(shuffled_events, people, org.first, org.last), 2)
    same_when_shuffled = shuffled.pop("result").equals(result)
    memory = _memory(lambda: daily_metrics(events, people, org.first, org.last), n)

    names = sorted(people)
    sample = names[:: max(1, len(names) // args.baseline_people)][: args.baseline_people]
    baseline = _baseline_timing(events, people, sample, org.first, org.last, result)
    reference = _reference_check(events, people, names, args.reference_people, org, result)

    rate = n / timed["best_s"]
    ratio = rate / baseline["events_per_s"]
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "pyarrow": pa.__version__,
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "org": {
            "people": len(people),
            "weeks": args.weeks,
            "person_days": len(result),
            "events": n,
            "events_by_kind": {str(k): int(v) for k, v in events["kind"].value_counts().items()},
            "build_s": round(build_s, 3),
        },
        "daily_metrics": {**timed, "events_per_s": round(rate)},
        "daily_metrics_shuffled_rows": {
            **shuffled,
            "events_per_s": round(n / shuffled["best_s"]),
            "identical_to_canonical_order": same_when_shuffled,
        },
        "baseline": baseline,
        "ratio_vs_baseline": round(ratio, 1),
        "memory": memory,
        "reference_check": reference,
        "targets": {
            "events_per_s": [TARGET_EVENTS_PER_S, rate >= TARGET_EVENTS_PER_S],
            "ratio_vs_baseline": [TARGET_RATIO, ratio >= TARGET_RATIO],
            "peak_bytes_per_event": [
                TARGET_BYTES_PER_EVENT,
                memory["peak_bytes_per_event"] <= TARGET_BYTES_PER_EVENT,
            ],
            "identical_to_reference": [True, reference["identical"]],
        },
    }
    _print(console, report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {args.out}")


def _time(call: Any, runs: int) -> dict[str, Any]:
    """Wall and CPU seconds of `runs` calls; keeps the last result."""
    walls, cpus = [], []
    result = None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return {
        "runs": runs,
        "best_s": round(min(walls), 4),
        "median_s": round(statistics.median(walls), 4),
        "cpu_best_s": round(min(cpus), 4),
        "result": result,
    }


def _memory(call: Any, events: int) -> dict[str, Any]:
    """Peak memory of one call: numpy/pandas allocations (tracemalloc) plus pyarrow's pool."""
    proxy = pa.proxy_memory_pool(pa.default_memory_pool())
    previous = pa.default_memory_pool()
    pa.set_memory_pool(proxy)
    try:
        tracemalloc.start()
        call()
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        pa.set_memory_pool(previous)
    arrow = proxy.max_memory()
    peak = traced + arrow  # both peaks added: an upper bound on the true joint peak
    return {
        "tracemalloc_peak_bytes": traced,
        "arrow_pool_peak_bytes": arrow,
        "peak_bytes": peak,
        "peak_bytes_per_event": round(peak / events, 1),
    }


def _reference_check(
    events: pd.DataFrame,
    people: Mapping[str, PersonDays],
    names: list[str],
    count: int,
    org: synthetic_org.Org,
    result: pd.DataFrame,
) -> dict[str, Any]:
    sample = names[:: max(1, len(names) // count)][:count]
    mine = events[events["person"].isin(sample)]
    started = time.perf_counter()
    want = reference_daily_metrics(mine, {p: people[p] for p in sample}, org.first, org.last)
    seconds = time.perf_counter() - started
    got = result[result["person"].isin(sample)].reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(got, want)
        identical, difference = True, None
    except AssertionError as exc:
        identical, difference = False, str(exc)[:500]
    return {
        "people": len(sample),
        "person_days": len(want),
        "events": len(mine),
        "identical": identical,
        "difference": difference,
        "reference_s": round(seconds, 2),
    }


# --- the baseline: a straightforward pandas groupby-apply per person-day -----------------------


def _baseline_timing(
    events: pd.DataFrame,
    people: Mapping[str, PersonDays],
    sample: list[str],
    first: dt.date,
    last: dt.date,
    result: pd.DataFrame,
) -> dict[str, Any]:
    mine = events[events["person"].isin(sample)].reset_index(drop=True)
    chosen = {p: people[p] for p in sample}
    started = time.perf_counter()
    got = baseline_daily_metrics(mine, chosen, first, last)
    seconds = time.perf_counter() - started
    want = result[result["person"].isin(sample)].reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(got, want)
        same = True
    except AssertionError:
        same = False
    return {
        "how": "pandas groupby([person, date]).apply, numpy per group; timed on a sample "
        "of people and extrapolated per event",
        "people": len(sample),
        "events": len(mine),
        "seconds": round(seconds, 3),
        "events_per_s": round(len(mine) / seconds),
        "extrapolated_full_s": round(len(events) / (len(mine) / seconds), 1),
        "identical_to_daily_metrics": same,
    }


def baseline_daily_metrics(
    events: pd.DataFrame,
    people: Mapping[str, PersonDays],
    first: dt.date,
    last: dt.date,
    settings: MetricSettings | None = None,
) -> pd.DataFrame:
    """The obvious pandas way: cut events into (person, local date) parts, then groupby-apply."""
    settings = settings or MetricSettings()
    dates = date_range(first, last)
    days = {}
    for person, who in people.items():
        frame = day_frame(dates, zone(who.tz), who.hours)
        frame["person"] = person
        days[person] = frame
    grid = pd.concat(days.values(), ignore_index=True)
    for column in ("day_start", "day_end"):
        grid[column] = utc_minutes(grid[column])
    works = grid["work_start"].notna()
    for column in ("work_start", "work_end"):
        grid[column] = np.where(
            works, utc_minutes(grid[column].fillna(pd.Timestamp(0, tz="UTC"))), 0
        )

    counted = events[events["kind"].isin(["meeting", "hold", "ooo"])].copy()
    counted["s"] = utc_minutes(counted["start"])
    end_ns = np.asarray(counted["end"].array.asi8)  # type: ignore[attr-defined]
    counted["e"] = np.maximum(-(-end_ns // NS_PER_MIN), counted["s"].to_numpy() + 1)
    parts = counted.merge(grid[["person", "date", "day_start", "day_end"]], on="person")
    parts = parts[(parts["s"] < parts["day_end"]) & (parts["e"] > parts["day_start"])]
    parts = parts.assign(
        lo=np.maximum(parts["s"], parts["day_start"]),
        hi=np.minimum(parts["e"], parts["day_end"]),
        opens=(parts["s"] >= parts["day_start"]) & (parts["s"] < parts["day_end"]),
    )
    bounds = grid.set_index(["person", "date"])
    groups: Any = parts.groupby(["person", "date"], sort=True)
    per_day = groups.apply(lambda g: _one_day(g, bounds.loc[g.name], settings))
    rows = []
    empty = parts.iloc[:0]
    for key, row in bounds.iterrows():
        rows.append(per_day.loc[key] if key in per_day.index else _one_day(empty, row, settings))
    out = pd.DataFrame(rows).reset_index(drop=True)
    out.insert(0, "date", [key[1] for key in bounds.index])
    out.insert(0, "person", pd.Series([key[0] for key in bounds.index], dtype=pd.StringDtype()))
    out = out.sort_values(["person", "date"], kind="stable").reset_index(drop=True)
    dtypes: dict[str, Any] = {"density": np.float64, "load_score": pd.Int64Dtype()}
    for column in METRICS:
        out[column] = out[column].astype(dtypes.get(column, np.int64))
    out["date"] = out["date"].astype(object)
    return out


def _one_day(parts: pd.DataFrame, day: pd.Series, settings: MetricSettings) -> pd.Series:
    start, end = int(day["day_start"]), int(day["day_end"])
    length = end - start
    window = np.zeros(length, bool)
    window[int(day["work_start"]) - start : int(day["work_end"]) - start] = True
    meetings = np.zeros(length, np.int64)
    hold = np.zeros(length, bool)
    ooo = np.zeros(length, bool)
    spans = []
    count = 0
    columns = (parts["lo"], parts["hi"], parts["kind"], parts["opens"])
    for lo, hi, kind, opens in zip(*columns, strict=True):
        a, b = lo - start, hi - start
        if kind == "meeting":
            meetings[a:b] += 1
            spans.append((lo, hi))
            count += int(opens)
        elif kind == "hold":
            hold[a:b] = True
        else:
            ooo[a:b] = True
    available = window & ~ooo
    busy = meetings > 0
    free = available & ~busy & ~hold
    edges = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8), [0]])))
    stretches = edges[1::2] - edges[::2]
    working = int(available.sum())
    meeting_min = int((busy & available).sum())
    fragmented = int(stretches[stretches < settings.focus_min_block].sum())
    after = int((busy & ~window).sum())
    runs: list[list[int]] = []
    for lo, hi in sorted(spans):
        if runs and lo - runs[-1][1] < settings.b2b_gap:
            runs[-1][1] = max(runs[-1][1], hi)
        else:
            runs.append([lo, hi])
    deficits = 0
    w0, w1 = int(day["work_start"]), int(day["work_end"])
    for lo, hi in runs:
        if hi - lo >= settings.recovery_after and w0 < hi <= w1:
            t = hi - start
            while t < length and free[t]:
                t += 1
            deficits += int(
                t < length and available[t] and t - (hi - start) < settings.recovery_min
            )
    b2b = len(spans) - len(runs)
    w = max(working, 1)
    numerator = 200 * meeting_min + 80 * fragmented + w * (15 * min(b2b, 4) + min(after, 60))
    score = None if working == 0 and not spans else _half_even(numerator, 4 * w)
    return pd.Series(
        {
            "working_min": working,
            "meeting_min": meeting_min,
            "hold_min": int((hold & available & ~busy).sum()),
            "focus_min": int(stretches[stretches >= settings.focus_min_block].sum()),
            "fragmented_min": fragmented,
            "largest_free_block_min": int(stretches.max(initial=0)),
            "after_hours_meeting_min": after,
            "conflict_min": int((meetings >= 2).sum()),
            "meeting_count": count,
            "b2b_count": b2b,
            "longest_run_min": max((hi - lo for lo, hi in runs), default=0),
            "recovery_deficits": deficits,
            "density": meeting_min / working if working else np.nan,
            "load_score": score,
        },
        dtype=object,
    )


def _half_even(numerator: int, denominator: int) -> int:
    """min(100, numerator / denominator rounded half to even): Python's round of a Fraction."""
    return min(100, round(Fraction(numerator, denominator)))


# --- output ------------------------------------------------------------------------------------


def _print(console: Console, report: dict[str, Any]) -> None:
    table = Table(title="daily_metrics: synthetic organisation")
    for column in ("what", "events", "seconds", "events/s", "vs baseline"):
        table.add_column(column, justify="left" if column == "what" else "right")
    base = report["baseline"]
    for label, key in (
        ("daily_metrics, canonical row order (best)", "daily_metrics"),
        ("daily_metrics, shuffled rows (best)", "daily_metrics_shuffled_rows"),
    ):
        run = report[key]
        table.add_row(
            label,
            f"{report['org']['events']:,}",
            f"{run['best_s']:.3f} (median {run['median_s']:.3f}, cpu {run['cpu_best_s']:.3f})",
            f"{run['events_per_s']:,}",
            f"{run['events_per_s'] / base['events_per_s']:.0f}x",
        )
    table.add_row(
        f"baseline groupby-apply ({base['people']} people, extrapolated)",
        f"{base['events']:,}",
        f"{base['seconds']:.2f} (full ~{base['extrapolated_full_s']:.0f})",
        f"{base['events_per_s']:,}",
        "1x",
    )
    console.print(table)
    memory, reference = report["memory"], report["reference_check"]
    console.print(
        f"peak memory of one call: {memory['peak_bytes_per_event']} bytes/event "
        f"(tracemalloc {memory['tracemalloc_peak_bytes']:,} B + pyarrow pool "
        f"{memory['arrow_pool_peak_bytes']:,} B)"
    )
    console.print(
        f"reference check on {reference['people']} people ({reference['person_days']} "
        f"person-days): {'identical' if reference['identical'] else 'DIFFERENT'}; baseline "
        f"identical: {base['identical_to_daily_metrics']}; shuffled identical: "
        f"{report['daily_metrics_shuffled_rows']['identical_to_canonical_order']}"
    )
    machine = report["machine"]
    console.print(
        f"{machine['cpus']} CPUs, load average {machine['load_average_before'][0]:.1f} before, "
        f"{machine['load_average_after'][0]:.1f} after"
    )
    for name, (target, met) in report["targets"].items():
        console.print(f"  {'met' if met else 'MISSED'}: {name} (target {target})")


if __name__ == "__main__":
    main()
