"""Benchmark of the planner (solver.solve) on realistic random person-weeks.

DESIGN.md sets the targets: one person-week to proven optimum in <= 50 ms median and <= 200 ms
p95 with 2 workers, 100 person-weeks in <= 10 s, and an objective >= 5% above the greedy
baseline on the same inputs. This generates 100 person-weeks from a fixed seed (meeting density
30-60%, daily stand-ups, 1:1s, one back-to-back day, some out-of-office days and holds), plans
each with CP-SAT and with both baselines, prints a table and writes bench/results/planner.json.
It then plans the same weeks once more with buffers, lunch and reflection switched off, so that
CP-SAT and greedy book focus only: the objective ratio above is dominated by the recovery and
prep buffers (the top priority) that greedy never books, the focus-only ratio is not.
Run it with `python -m bench.planner_bench`; it is not a test and asserts nothing.

Times are wall-clock times of the whole `solve` call (validation, model building, CP-SAT,
scoring, explanations) after one untimed warm-up solve. The machine's load average is recorded
next to them: other processes on a 2-core machine slow CP-SAT's two workers down directly.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import random
import statistics
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from solver import (
    Block,
    Busy,
    Plan,
    Preferences,
    Problem,
    days_from_windows,
    fixed_blocks,
    greedy_blocks,
    score,
    solve,
    violations,
)
from solver.score import TERMS
from solver.timeline import Facts, facts

RESULTS = Path(__file__).parent / "results" / "planner.json"
TARGET_MEDIAN_MS = 50.0
TARGET_P95_MS = 200.0
TARGET_TOTAL_S = 10.0
TARGET_OBJECTIVE_RATIO = 1.05


def person_week(rng: random.Random) -> Problem:
    """One realistic person-week: Monday first, weekend off, 8-hour working days."""
    start = rng.choice([480, 510, 540, 540, 540])
    window = (start, start + 480)
    days = days_from_windows([window] * 5 + [None, None])
    density = rng.uniform(0.30, 0.60)
    back_to_back = rng.randrange(5)
    ooo_day = rng.randrange(5) if rng.random() < 0.15 else None
    half_ooo = rng.randrange(5) if rng.random() < 0.10 else None
    one_on_ones = set(rng.sample(range(5), 2))
    busy: list[Busy] = []
    for d in range(5):
        base = d * 1440
        if d == ooo_day:
            busy.append(Busy(base, base + 1440, "ooo"))
            continue
        day = _Day(base + window[0], base + window[1])
        if d == half_ooo:
            day.add(day.start + 240, day.end, "ooo")
        day.add(day.start + 30, day.start + 45)  # stand-up
        if d in one_on_ones:
            lo = day.start + 60 + 15 * rng.randrange(0, 24)
            day.add(lo, lo + 30)
        if d == back_to_back:
            lo = day.start + rng.choice([60, 90, 120])
            for _ in range(rng.randint(3, 5)):
                length = rng.choice([30, 45, 60])
                day.add(lo, lo + length)
                lo += length
        for _ in range(200):
            if day.booked() >= density * 480:
                break
            length = rng.choice([30, 30, 45, 60, 60, 90])
            lo = day.start + 15 * rng.randrange(0, (480 - length) // 15 + 1)
            day.add(lo, lo + length, "hold" if rng.random() < 0.1 else "meeting")
        busy.extend(day.busy)
    lunch = rng.random() < 0.5
    prefs = Preferences(
        weekly_focus_goal=rng.choice([480, 600, 600, 720]),
        preferred_time=rng.choice(["morning", "morning", "afternoon", "none"]),  # type: ignore[arg-type]
        not_before=600 if rng.random() < 0.15 else None,
        lunch_window=(690, 810) if lunch else None,
        lunch_length=30 if lunch else 0,
        prep_buffer=10 if rng.random() < 0.25 else 0,
    )
    return Problem(days=days, busy=tuple(busy), prefs=prefs, now=0)


class _Day:
    """One working day being filled with non-overlapping busy time."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end
        self.busy: list[Busy] = []

    def add(self, lo: int, hi: int, kind: str = "meeting") -> None:
        free = all(hi <= b.start or lo >= b.end for b in self.busy)
        if self.start <= lo and hi <= self.end and free:
            self.busy.append(Busy(lo, hi, kind))  # type: ignore[arg-type]

    def booked(self) -> int:
        return sum(b.end - b.start for b in self.busy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    console = Console(width=120)
    rng = random.Random(args.seed)
    problems = [person_week(rng) for _ in range(args.weeks)]
    load_before = os.getloadavg()
    solve(problems[0])  # warm-up: loads OR-Tools' native code once

    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for problem in problems:
        t0 = time.perf_counter()
        plan = solve(problem)
        wall_ms = (time.perf_counter() - t0) * 1000.0
        rows.append(_row(problem, plan, wall_ms))
    total_s = time.perf_counter() - started
    # The same weeks with buffers, lunch and reflection switched off: both planners then book
    # focus only, which compares the quality of the focus plans themselves.
    focus_only = []
    for problem in problems:
        bare = replace(
            problem,
            prefs=replace(
                problem.prefs,
                recovery_buffer=0,
                prep_buffer=0,
                lunch_window=None,
                lunch_length=0,
                reflection_length=0,
            ),
        )
        plan = solve(bare)
        known = facts(bare)
        focus_only.append(
            {
                "cpsat": _judge(bare, plan.blocks, known),
                "greedy": _judge(bare, greedy_blocks(bare, known=known), known),
            }
        )
    load_after = os.getloadavg()

    times = sorted(r["wall_ms"] for r in rows)
    median_ms = statistics.median(times)
    p95_ms = _percentile(times, 95)
    goal_total = sum(p.prefs.weekly_focus_goal for p in problems)
    summary: dict[str, Any] = {
        "weeks": len(rows),
        "workers": problems[0].workers,
        "median_ms": round(median_ms, 1),
        "p95_ms": round(p95_ms, 1),
        "max_ms": round(times[-1], 1),
        "total_s": round(total_s, 2),
        "person_weeks_per_s": round(len(rows) / total_s, 1),
        "status": dict(Counter(r["status"] for r in rows)),
        "goal_met_share": {k: _share(rows, k, "goal_met") for k in ("cpsat", "greedy", "fixed")},
        "focus_vs_goal": {
            k: round(sum(r[k]["focus_min"] for r in rows) / goal_total, 3)
            for k in ("cpsat", "greedy", "fixed")
        },
        "objective_ratio": {
            "vs_greedy": _ratio(rows, "objective", "greedy"),
            "vs_fixed": _ratio(rows, "objective", "fixed"),
        },
        "focus_ratio": {
            "vs_greedy": _ratio(rows, "focus_min", "greedy"),
            "vs_fixed": _ratio(rows, "focus_min", "fixed"),
        },
        "mean_terms": {
            k: {t: round(statistics.fmean(r[k]["terms"][t] for r in rows)) for t in TERMS}
            for k in ("cpsat", "greedy", "fixed")
        },
        "focus_only": {
            "objective_vs_greedy": _ratio(focus_only, "objective", "greedy"),
            "focus_vs_greedy": _ratio(focus_only, "focus_min", "greedy"),
            "goal_met_share": {k: _share(focus_only, k, "goal_met") for k in ("cpsat", "greedy")},
            "mean_terms": {
                k: {t: round(statistics.fmean(r[k]["terms"][t] for r in focus_only)) for t in TERMS}
                for k in ("cpsat", "greedy")
            },
        },
        "weeks_with_violations": {
            k: sum(1 for r in rows if r[k]["violations"]) for k in ("cpsat", "greedy", "fixed")
        },
    }
    targets = {
        "median_ms": median_ms <= TARGET_MEDIAN_MS,
        "p95_ms": p95_ms <= TARGET_P95_MS,
        "total_s": total_s <= TARGET_TOTAL_S * len(rows) / 100,
        "objective_vs_greedy": summary["objective_ratio"]["vs_greedy"] >= TARGET_OBJECTIVE_RATIO,
    }
    report = {
        "benchmark": "planner",
        "seed": args.seed,
        "summary": summary,
        "targets": {
            "median_ms": TARGET_MEDIAN_MS,
            "p95_ms": TARGET_P95_MS,
            "total_s_per_100_weeks": TARGET_TOTAL_S,
            "objective_vs_greedy": TARGET_OBJECTIVE_RATIO,
            "met": targets,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg_before": [round(x, 2) for x in load_before],
            "load_avg_after": [round(x, 2) for x in load_after],
            "python": platform.python_version(),
            "ortools": importlib.metadata.version("ortools"),
        },
        "weeks_detail": [_brief(r) for r in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _print(console, summary, targets, report["machine"], args.out)


def _row(problem: Problem, plan: Plan, wall_ms: float) -> dict[str, Any]:
    known = facts(problem)
    greedy = greedy_blocks(problem, known=known)
    fixed = fixed_blocks(problem, known=known)
    return {
        "wall_ms": round(wall_ms, 2),
        "solver_ms": round(plan.solve_ms, 2),
        "status": plan.status,
        "goal": problem.prefs.weekly_focus_goal,
        "cpsat": _judge(problem, plan.blocks, known),
        "greedy": _judge(problem, greedy, known),
        "fixed": _judge(problem, fixed, known),
    }


def _judge(problem: Problem, blocks: tuple[Block, ...], known: Facts) -> dict[str, Any]:
    judged = score(problem, blocks, known=known)
    focus = sum(b.length for b in blocks if b.kind == "focus")
    return {
        "objective": judged.objective,
        "focus_min": focus,
        "goal_met": focus >= problem.prefs.weekly_focus_goal,
        "violations": len(violations(problem, blocks, known=known)),
        "terms": dict(judged.terms),
    }


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    """A week's row for the JSON file: the term breakdown is summarised, not repeated."""
    return {
        k: ({t: x for t, x in v.items() if t != "terms"} if isinstance(v, dict) else v)
        for k, v in row.items()
    }


def _percentile(values: list[float], q: int) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _share(rows: list[dict[str, Any]], planner: str, key: str) -> float:
    return round(sum(1 for r in rows if r[planner][key]) / len(rows), 3)


def _ratio(rows: list[dict[str, Any]], key: str, baseline: str) -> float:
    ours = statistics.fmean(r["cpsat"][key] for r in rows)
    theirs = statistics.fmean(r[baseline][key] for r in rows)
    return round(ours / theirs, 3) if theirs else float("inf")


def _print(
    console: Console,
    summary: dict[str, Any],
    targets: dict[str, bool],
    machine: dict[str, Any],
    out: Path,
) -> None:
    def mark(ok: bool) -> str:
        return "[green]met[/green]" if ok else "[red]missed[/red]"

    table = Table(title=f"Planner: {summary['weeks']} person-weeks, {summary['workers']} workers")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("", justify="left")
    table.add_row(
        "median solve",
        f"{summary['median_ms']} ms",
        f"<= {TARGET_MEDIAN_MS:g} ms",
        mark(targets["median_ms"]),
    )
    table.add_row(
        "p95 solve",
        f"{summary['p95_ms']} ms",
        f"<= {TARGET_P95_MS:g} ms",
        mark(targets["p95_ms"]),
    )
    table.add_row("max solve", f"{summary['max_ms']} ms", "", "")
    table.add_row(
        "all weeks",
        f"{summary['total_s']} s",
        f"<= {TARGET_TOTAL_S:g} s / 100",
        mark(targets["total_s"]),
    )
    table.add_row("person-weeks/s", f"{summary['person_weeks_per_s']}", "", "")
    table.add_row("status", ", ".join(f"{k} {v}" for k, v in summary["status"].items()), "", "")
    ratio = summary["objective_ratio"]
    table.add_row(
        "objective vs greedy",
        f"{ratio['vs_greedy']}x",
        f">= {TARGET_OBJECTIVE_RATIO:g}x",
        mark(targets["objective_vs_greedy"]),
    )
    table.add_row("objective vs fixed 09-11", f"{ratio['vs_fixed']}x", "", "")
    focus = summary["focus_ratio"]
    table.add_row("focus minutes vs greedy", f"{focus['vs_greedy']}x", "", "")
    table.add_row("focus minutes vs fixed 09-11", f"{focus['vs_fixed']}x", "", "")
    for planner in ("cpsat", "greedy", "fixed"):
        table.add_row(
            f"{planner}: goal met / focus vs goal",
            f"{summary['goal_met_share'][planner]:.0%} / {summary['focus_vs_goal'][planner]:.0%}",
            "",
            "",
        )
    bare = summary["focus_only"]
    table.add_row(
        "focus only: objective / focus vs greedy",
        f"{bare['objective_vs_greedy']}x / {bare['focus_vs_greedy']}x",
        "",
        "",
    )
    table.add_row(
        "focus only: goal met cpsat / greedy",
        f"{bare['goal_met_share']['cpsat']:.0%} / {bare['goal_met_share']['greedy']:.0%}",
        "",
        "",
    )
    table.add_row(
        "weeks with rule violations",
        " / ".join(f"{k} {v}" for k, v in summary["weeks_with_violations"].items()),
        "",
        "",
    )
    load = machine["load_avg_before"]
    table.add_row("load average before", f"{load[0]} {load[1]} {load[2]}", "", "")
    console.print(table)
    console.print(f"Wrote {out}")


if __name__ == "__main__":
    main()
