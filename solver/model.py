"""The CP-SAT model: Problem -> Plan, optimising exactly `solver.score.score`.

Positions and lengths are counted in 5-minute steps. New blocks can only go into the free gaps
of a day (timeline.py), so the model is built per gap: a few optional focus intervals (as many
as minimum-length blocks fit the gap and the day's cap, ordered by start to break symmetry),
an optional interval per recovery / prep buffer place in the gap, an optional lunch interval
where the gap meets the lunch window, an optional reflection interval, and one AddNoOverlap
over them. Day rules (cap, reserve budget, one lunch) and week rules (goal, one reflection)
are linear constraints over the gaps. Each soft goal is a named integer term; the objective
is `potential - score`, so minimising it maximises the score (see score.py).

Why per gap and not per day: with per-day slots and the busy time as fixed intervals, every
slot could be anywhere in the day and CP-SAT needed 3-5x longer to prove the optimum; a
time-indexed model (a Boolean per 5 minutes and kind) was exact too but 10x slower to build
and presolve. See docs/planner.md for the measurements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.explain import explain
from solver.problem import FOCUS_BREAK, Block, BlockKind, Plan, Problem, validate
from solver.score import (
    W_BLOCK,
    W_BUFFER,
    W_EARLY,
    W_FOCUS,
    W_IDEAL,
    W_LUNCH,
    W_REFLECTION,
    W_REFLECTION_DAY,
    W_REFLECTION_TIME,
    W_STABILITY,
    W_TIME,
    block_terms,
    focus_gap_order,
    potential,
    reflection_terms,
    score,
)
from solver.timeline import (
    GRAIN,
    DayFacts,
    Facts,
    Interval,
    ceil_grain,
    facts,
    intersect,
    lunch_met,
    total,
)

LinearExpr = cp_model.LinearExpr | int
Var = cp_model.IntVar


@dataclass
class _Item:
    """A variable block: present when `present`, starting at step `start`, `length` steps."""

    kind: BlockKind
    present: Var
    start: Var | int
    length: Var | int


@dataclass
class Model:
    """A built model: the CP-SAT model plus what is needed to read a plan back."""

    model: cp_model.CpModel
    items: list[_Item] = field(default_factory=list)
    kept: list[tuple[Block, Var]] = field(default_factory=list)
    penalty: list[LinearExpr] = field(default_factory=list)
    constant: int = 0


@dataclass
class _Gap:
    """What one gap contributes to its day: intervals, booked minutes, focus minutes."""

    intervals: list[cp_model.IntervalVar] = field(default_factory=list)
    booked: list[LinearExpr] = field(default_factory=list)
    focus: list[LinearExpr] = field(default_factory=list)


def solve(problem: Problem) -> Plan:
    """Plan `problem`: CP-SAT to proven optimum (or the best plan found within the time limit).

    Raises PreferenceError / ProblemError (both ValueError) for contradictory preferences or
    malformed input. Same input, same plan: the seed is fixed and ties are broken by the
    earlier-start term.
    """
    validate(problem)
    f = facts(problem)
    built = build(f)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = problem.workers
    params.random_seed = problem.seed
    params.max_time_in_seconds = problem.time_limit_s
    # Probing in presolve costs more than it saves on models this small (measured on the bench:
    # median -4 to -12 ms, p95 unchanged).
    params.cp_model_probing_level = 0
    status = solver.solve(built.model)
    blocks: list[Block] = list(f.fixed)
    model_objective: int | None = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        blocks.extend(read(built, solver))
        model_objective = potential(f) - round(solver.objective_value)
    plan_blocks = tuple(sorted(set(blocks)))
    judged = score(problem, plan_blocks, f)
    focus = sum(b.length for b in plan_blocks if b.kind == "focus")
    before = sum(b.length for b in {*problem.previous, *problem.locked} if b.kind == "focus")
    reserve = tuple(
        day.free_min - total(intersect(day.free, ((b.start, b.end) for b in plan_blocks)))
        for day in f.days
    )
    return Plan(
        blocks=plan_blocks,
        status=solver.status_name(status),
        solve_ms=solver.wall_time * 1000.0,
        objective=judged.objective,
        terms=judged.terms,
        protected_focus_min=focus,
        focus_before_min=before,
        goal_met=focus >= problem.prefs.weekly_focus_goal,
        reserve_by_day=reserve,
        explanations=tuple(explain(f, plan_blocks)),
        model_objective=model_objective,
    )


def build(f: Facts) -> Model:
    """The CP-SAT model of `f`; its objective is `potential(f) - score` of the plan it encodes."""
    built = Model(cp_model.CpModel())
    model, prefs, lengths = built.model, f.problem.prefs, f.lengths
    previous: dict[int, list[Block]] = {}
    for block in f.movable_previous:
        index = f.day_of(block.start)
        if index is not None:
            previous.setdefault(index, []).append(block)
    buffer_vars: dict[Interval, Var] = {}
    week_focus: list[LinearExpr] = []
    reflections: list[Var] = []
    lunch_days: set[int] = set()

    for day in f.days:
        booked: list[LinearExpr] = []
        day_focus: list[LinearExpr] = []
        lunches: list[Var] = []
        prev = previous.get(day.index, [])
        slots_left = _day_slots(f, day)
        for gap in day.gaps:
            g = _Gap()
            for want in f.buffers:
                if want.status == "open" and gap[0] <= want.start and want.end <= gap[1]:
                    buffer_vars[want.span] = _buffer(built, want.span, g)
            _focus(built, f, day, gap, slots_left, prev, g)
            lunch = _lunch(built, f, day, gap, prev, g)
            if lunch is not None:
                lunches.append(lunch)
            if f.reflection_wanted and not f.fixed_reflection:
                r = _reflection(built, f, day, gap, prev, g)
                if r is not None:
                    reflections.append(r)
            if len(g.intervals) > 1:
                model.add_no_overlap(g.intervals)
                model.add(sum(g.booked) <= gap[1] - gap[0])
            booked.extend(g.booked)
            day_focus.extend(g.focus)
        if booked:
            model.add(sum(booked) <= day.budget)
        if day_focus:
            model.add(sum(day_focus) <= max(0, prefs.focus_cap_per_day - day.fixed_focus))
            week_focus.extend(day_focus)
        if lunches:
            model.add_at_most_one(lunches)
            lunch_days.add(day.index)
            built.penalty.append(W_LUNCH * lengths.lunch * (1 - sum(lunches)))

    # (1) recovery and prep buffers: a wanted place left empty costs its wanted minutes.
    for want in f.wants:
        if want.status == "fixed":
            continue
        placed = buffer_vars.get(want.span)
        minutes = want.end - want.start
        if placed is None:
            built.constant += W_BUFFER * minutes
        else:
            built.penalty.append(W_BUFFER * minutes * (1 - placed))
    # (2) lunch on days that want one but have no room for it.
    for day in f.days:
        if day.lunch_wanted and not day.fixed_lunch and day.index not in lunch_days:
            built.constant += W_LUNCH * lengths.lunch
    # (3) focus up to the weekly goal.
    fixed_focus = sum(b.length for b in f.fixed if b.kind == "focus")
    shortfall = model.new_int_var(0, max(0, prefs.weekly_focus_goal), "shortfall")
    model.add_max_equality(shortfall, [prefs.weekly_focus_goal - fixed_focus - sum(week_focus), 0])
    built.penalty.append(W_FOCUS * shortfall)
    # (4) the reflection slot, once a week.
    if f.reflection_wanted and not f.fixed_reflection:
        if reflections:
            model.add(sum(reflections) <= 1)
        built.penalty.append(W_REFLECTION * lengths.reflection * (1 - sum(reflections)))
    # (7) stability: earlier blocks that may be kept are rewarded, the others cost their minutes.
    kept = {block for block, _ in built.kept}
    for block in f.movable_previous:
        same = buffer_vars.get((block.start, block.end)) if block.kind == "buffer" else None
        if same is not None:
            built.kept.append((block, same))
            model.add_hint(same, 1)
        elif block not in kept:
            built.constant += W_STABILITY * block.length
    for block, keep in built.kept:
        built.penalty.append(W_STABILITY * block.length * (1 - keep))
    _fixed_terms(built, f)
    model.minimize(sum(built.penalty) + built.constant)
    return built


def _day_slots(f: Facts, day: DayFacts) -> int:
    """How many focus blocks the day could hold at most (cap and budget, minimum length)."""
    prefs = f.problem.prefs
    if day.focus_reason is not None:
        return 0
    cap_left = max(0, prefs.focus_cap_per_day - day.fixed_focus)
    return min(cap_left, day.budget) // f.lengths.focus_min


def _buffer(built: Model, span: Interval, g: _Gap) -> Var:
    model = built.model
    u = model.new_bool_var(f"buffer_{span[0]}")
    steps = (span[1] - span[0]) // GRAIN
    g.intervals.append(model.new_optional_fixed_size_interval_var(span[0] // GRAIN, steps, u, ""))
    g.booked.append((span[1] - span[0]) * u)
    built.items.append(_Item("buffer", u, span[0] // GRAIN, steps))
    return u


def _focus(
    built: Model,
    f: Facts,
    day: DayFacts,
    gap: Interval,
    slots: int,
    prev: Sequence[Block],
    g: _Gap,
) -> None:
    """Ordered optional focus intervals in the part of `gap` where focus may start."""
    model, prefs, lengths = built.model, f.problem.prefs, f.lengths
    if slots <= 0:
        return
    part = intersect([gap], [(day.focus_from, day.day.day_end)])
    if not part or part[0][1] - part[0][0] < lengths.focus_min:
        return
    a, b = part[0][0] // GRAIN, part[0][1] // GRAIN
    low, high = lengths.focus_min // GRAIN, min(lengths.focus_max // GRAIN, b - a)
    # Two focus blocks never touch (that would be one block longer than the maximum in all but
    # name): new slots are chained with the break; kept earlier blocks join them in a
    # no-overlap of intervals padded by the break.
    pad = FOCUS_BREAK // GRAIN
    order = focus_gap_order(f, part[0][0])
    padded: list[cp_model.IntervalVar] = []
    kept_here = 0
    # Earlier focus blocks in this part that still fit may be kept exactly as they were.
    for block in prev:
        if (
            block.kind == "focus"
            and block.start % GRAIN == 0
            and block.end % GRAIN == 0
            and a * GRAIN <= block.start
            and block.end <= b * GRAIN
            and prefs.focus_block_min <= block.length <= prefs.focus_block_max
        ):
            keep = model.new_bool_var(f"keep_{block.start}")
            steps = block.length // GRAIN
            g.intervals.append(
                model.new_optional_fixed_size_interval_var(block.start // GRAIN, steps, keep, "")
            )
            padded.append(
                model.new_optional_fixed_size_interval_var(
                    block.start // GRAIN, steps + pad, keep, ""
                )
            )
            kept_here += 1
            g.booked.append(block.length * keep)
            g.focus.append(block.length * keep)
            built.penalty.append(sum(block_terms(f, block).values()) * keep)
            built.items.append(_Item("focus", keep, block.start // GRAIN, steps))
            built.kept.append((block, keep))
            model.add_hint(keep, 1)
    noon = day.noon
    previous: tuple[Var, Var] | None = None
    for k in range(min(slots, (b - a) // low)):
        p = model.new_bool_var(f"focus_{a}_{k}")
        s = model.new_int_var(a, b - low, "")
        ln = model.new_int_var_from_domain(
            cp_model.Domain.from_intervals([[0, 0], [low, high]]), ""
        )
        e = model.new_int_var(a, b, "")
        model.add(e == s + ln)
        model.add(ln >= low).only_enforce_if(p)
        model.add(ln == 0).only_enforce_if(~p)
        model.add(s == a).only_enforce_if(~p)
        g.intervals.append(model.new_optional_interval_var(s, ln, e, p, ""))
        padded.append(model.new_optional_interval_var(s, ln + pad, e + pad, p, ""))
        if previous is not None:
            model.add_implication(p, previous[0])
            model.add(s >= previous[1] + pad).only_enforce_if(p)
        previous = (p, e)
        g.booked.append(GRAIN * ln)
        g.focus.append(GRAIN * ln)
        built.items.append(_Item("focus", p, s, ln))
        # (5) |length - ideal| when present, 0 when absent
        ideal = lengths.ideal
        dev = model.new_int_var(0, max(ideal, high * GRAIN), "")
        model.add_max_equality(dev, [GRAIN * ln - ideal, ideal * p - GRAIN * ln])
        built.penalty.append(W_IDEAL * dev)
        # (6) minutes outside the preferred half-day
        off = _off_time(model, prefs.preferred_time, s, ln, (a, b), noon)
        if off is not None:
            built.penalty.append(W_TIME * off)
        # (8) a cost per block; tie-break: the start step (s = a when absent)
        built.penalty.append((W_BLOCK + W_EARLY * a) * p + W_EARLY * (s - a) + W_EARLY * order * ln)
    if kept_here and len(padded) > 1:  # new slots are ordered with the break already
        model.add_no_overlap(padded)


def _off_time(
    model: cp_model.CpModel,
    preferred: str,
    start: Var,
    length: LinearExpr,
    bounds: tuple[int, int],
    noon: int,
) -> LinearExpr | None:
    """Minutes of [5 start, 5 (start + length)) outside the preferred half-day.

    Linear when the gap lies on one side of noon; an exact max/min otherwise. 0 when length is 0.
    """
    a, b = bounds[0] * GRAIN, bounds[1] * GRAIN
    if preferred == "none":
        return None
    before_noon = b <= noon
    after_noon = a >= noon
    if (preferred == "morning" and before_noon) or (preferred == "afternoon" and after_noon):
        return None
    if (preferred == "morning" and after_noon) or (preferred == "afternoon" and before_noon):
        return GRAIN * length
    begin, end = GRAIN * start, GRAIN * (start + length)
    off = model.new_int_var(0, b - a, "")
    cut = model.new_int_var(a, b, "")
    if preferred == "morning":
        model.add_max_equality(cut, [begin, noon])
        model.add_max_equality(off, [end - cut, 0])
    else:
        model.add_min_equality(cut, [end, noon])
        model.add_max_equality(off, [cut - begin, 0])
    return off


def _lunch(
    built: Model,
    f: Facts,
    day: DayFacts,
    gap: Interval,
    prev: Sequence[Block],
    g: _Gap,
) -> Var | None:
    """(2) an optional lunch interval where the gap meets the lunch window."""
    model, length = built.model, f.lengths.lunch
    if not day.lunch_wanted or day.fixed_lunch or day.lunch_range is None:
        return None
    part = intersect([gap], [day.lunch_range])
    if not part or part[0][1] - part[0][0] < length:
        return None
    lo, hi = ceil_grain(part[0][0]) // GRAIN, (part[0][1] - length) // GRAIN
    q = model.new_bool_var(f"lunch_{lo}")
    s = model.new_int_var(lo, hi, "")
    model.add(s == lo).only_enforce_if(~q)
    g.intervals.append(model.new_optional_fixed_size_interval_var(s, length // GRAIN, q, ""))
    g.booked.append(length * q)
    built.items.append(_Item("lunch", q, s, length // GRAIN))
    built.penalty.append(W_EARLY * lo * q + W_EARLY * (s - lo))
    _keep_start(built, prev, "lunch", length, q, s, (lo, hi))
    return q


def _reflection(
    built: Model,
    f: Facts,
    day: DayFacts,
    gap: Interval,
    prev: Sequence[Block],
    g: _Gap,
) -> Var | None:
    """(4) an optional reflection interval in this gap."""
    model, prefs, length = built.model, f.problem.prefs, f.lengths.reflection
    if gap[1] - gap[0] < length:
        return None
    lo, hi = gap[0] // GRAIN, (gap[1] - length) // GRAIN
    r = model.new_bool_var(f"reflection_{lo}")
    s = model.new_int_var(lo, hi, "")
    model.add(s == lo).only_enforce_if(~r)
    g.intervals.append(model.new_optional_fixed_size_interval_var(s, length // GRAIN, r, ""))
    g.booked.append(length * r)
    built.items.append(_Item("reflection", r, s, length // GRAIN))
    cost = W_EARLY * lo
    if day.day.weekday != prefs.reflection_day:
        cost += W_REFLECTION_DAY * length
    built.penalty.append(cost * r + W_EARLY * (s - lo))
    off = _off_time(
        model, prefs.reflection_time, s, (length // GRAIN) * r, (lo, gap[1] // GRAIN), day.noon
    )
    if off is not None:
        built.penalty.append(W_REFLECTION_TIME * off)
    _keep_start(built, prev, "reflection", length, r, s, (lo, hi))
    return r


def _keep_start(
    built: Model,
    prev: Sequence[Block],
    kind: str,
    length: int,
    present: Var,
    start: Var,
    bounds: tuple[int, int],
) -> None:
    """(7) an earlier lunch / reflection block is kept when the same start is chosen again."""
    model = built.model
    for block in prev:
        step = block.start // GRAIN
        if (
            block.kind != kind
            or block.length != length
            or block.start % GRAIN
            or not bounds[0] <= step <= bounds[1]
        ):
            continue
        keep = model.new_bool_var(f"keep_{kind}_{block.start}")
        model.add_implication(keep, present)
        model.add(start == step).only_enforce_if(keep)
        built.kept.append((block, keep))
        model.add_hint(keep, 1)
        model.add_hint(present, 1)
        model.add_hint(start, step)


def _fixed_terms(built: Model, f: Facts) -> None:
    """Constant terms: the fixed blocks' own terms and goals they settle or leave unmet."""
    prefs = f.problem.prefs
    for block in f.fixed:
        built.constant += sum(block_terms(f, block).values())
    for day in f.days:
        if (
            day.lunch_wanted
            and day.fixed_lunch
            and prefs.lunch_window is not None
            and not lunch_met(day, prefs.lunch_window, day.fixed)
        ):
            built.constant += W_LUNCH * f.lengths.lunch
    if f.reflection_wanted and f.fixed_reflection:
        options = [reflection_terms(f, b) for b in f.fixed if b.kind == "reflection"]
        built.constant += min(sum(t.values()) for t in options)


def read(built: Model, solver: cp_model.CpSolver) -> list[Block]:
    """The new (and kept) blocks of a solved model."""
    out = []
    for item in built.items:
        if solver.boolean_value(item.present):
            start = int(solver.value(item.start)) * GRAIN
            length = int(solver.value(item.length)) * GRAIN
            out.append(Block(start, start + length, item.kind))
    return out
