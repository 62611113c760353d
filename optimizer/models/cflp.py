r"""Capacitated facility location from arrays, solved by the generic core.

The layered constructor under the siting model (as spopt's
``from_cost_matrix`` under ``from_geodataframe``): the OR-Library ``cap``
benchmarks and the domain model share :mod:`optimizer.engine.core`, so what the
benchmarks prove is what ``corridor solve`` runs.

Model (multi-source; single-source makes :math:`x` binary)
    .. math::
        \min \sum_i f_i y_i + \sum_i \sum_j c_{ij} x_{ij}

    (1) :math:`\sum_i x_{ij} = 1` for every customer :math:`j`;
    (2) :math:`\sum_j d_j x_{ij} \le s_i y_i` for every facility :math:`i`;
    (3) :math:`x_{ij} \le \min(1, s_i / d_j)\, y_i` (strong linking);
    (4) :math:`\sum_i s_i y_i \ge \sum_j d_j` (capacity cover cut);
    :math:`0 \le x \le 1`, :math:`y \in \{0, 1\}`.

Here :math:`c_{ij}` is the cost of serving *all* of customer :math:`j` from
:math:`i` (the OR-Library convention), so :math:`x_{ij}` is a share of the
demand, not a quantity.

Mapping onto the core: facility :math:`i` is a binary design arc with
``unit_capacity`` :math:`s_i` and ``unit_cost`` :math:`f_i`; customer
:math:`j` is a commodity with volume :math:`d_j`; each (customer, facility)
pair is a one-arc path whose extra cost per unit of volume is
:math:`c_{ij} / d_j` (the core multiplies path costs by the volume); (4) is a
:class:`~optimizer.engine.core.DesignConstraint`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from optimizer.engine.core import (
    Arcs,
    Commodities,
    DesignConstraint,
    DesignProblem,
    DesignResult,
    Paths,
    solve_design,
)
from optimizer.engine.lagrangian import (
    LagrangianBound,
    branch_and_bound,
    fixed_closed,
    lagrangian_bound,
    transport,
)
from optimizer.engine.solver import SolveOptions, SolveReport, relative_gap
from optimizer.errors import InputError

# Below this relative slack between total capacity and total demand the
# instance is reported infeasible before any solve.
_FEASIBILITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class FacilityLocationResult(SolveReport):
    """A facility location solution as plain arrays.

    Attributes
    ----------
    status
        ``optimal``, ``feasible`` (limit hit with a solution), ``infeasible``,
        ``no_solution`` or ``error``.
    objective, bound, gap
        Objective value, proven lower bound and relative gap (``None`` when absent).
    seconds
        Wall-clock time of the solve (model building included).
    solver
        Backend name.
    open_facilities
        Indices of the open facilities (0-based).
    assignment
        ``m x n`` share of customer ``j``'s demand served by facility ``i``.
    message
        Solver message or the reason for infeasibility.
    """

    open_facilities: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, int))
    assignment: np.ndarray | None = field(repr=False, default=None)
    message: str = ""

    @property
    def has_solution(self) -> bool:
        """Whether a solution (assignment) is available."""
        return self.assignment is not None


def _check_arrays(
    fixed_cost: np.ndarray, capacity: np.ndarray, demand: np.ndarray, cost: np.ndarray
) -> None:
    m, n = fixed_cost.size, demand.size
    if capacity.shape != (m,):
        msg = f"capacity has shape {capacity.shape}, expected ({m},) like fixed_cost"
        raise InputError(msg)
    if cost.shape != (m, n):
        msg = f"assignment_cost has shape {cost.shape}, expected ({m}, {n})"
        raise InputError(msg)
    if np.any(demand <= 0):
        msg = "every demand must be positive"
        raise InputError(msg)
    if np.any(capacity < 0) or np.any(fixed_cost < 0):
        msg = "capacities and fixed costs must be non-negative"
        raise InputError(msg)
    if not (np.all(np.isfinite(cost)) and np.all(np.isfinite(fixed_cost))):
        msg = "costs must be finite"
        raise InputError(msg)


def facility_location_problem(
    fixed_cost: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    assignment_cost: np.ndarray,
    *,
    single_source: bool = False,
    name: str = "cflp",
) -> DesignProblem:
    """Build the capacitated facility location model as a core :class:`DesignProblem`.

    Parameters
    ----------
    fixed_cost
        ``m``: cost of opening facility ``i``.
    capacity
        ``m``: capacity of facility ``i``.
    demand
        ``n``: demand of customer ``j`` (positive).
    assignment_cost
        ``m x n``: cost of serving *all* of customer ``j`` from facility ``i``.
    single_source
        Serve each customer from exactly one facility.
    name
        Model name.

    Returns
    -------
    DesignProblem
        Path form: one path per (customer, facility); path ``j * m + i``.

    Raises
    ------
    InputError
        Arrays of inconsistent shapes, a non-positive demand, negative
        capacities or costs.
    """
    fixed_cost = np.asarray(fixed_cost, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    demand = np.asarray(demand, dtype=float)
    cost = np.asarray(assignment_cost, dtype=float)
    _check_arrays(fixed_cost, capacity, demand, cost)
    m, n = fixed_cost.size, demand.size
    arcs = Arcs(
        ids=tuple(f"facility_{i + 1}" for i in range(m)),
        flow_cost=np.zeros(m),
        unit_capacity=capacity,
        unit_cost=fixed_cost,
        max_units=np.ones(m),
    )
    commodities = Commodities(
        ids=tuple(f"customer_{j + 1}" for j in range(n)),
        volume=demand,
        unsplittable=single_source,
    )
    customer = np.repeat(np.arange(n), m)
    facility = np.tile(np.arange(m), n)
    paths = Paths(
        commodity=customer,
        arc_ptr=np.arange(m * n + 1),
        arc_idx=facility,
        cost=cost.T.ravel() / demand[customer],
    )
    cover = DesignConstraint(
        name="capacity_cover",
        arcs=np.arange(m),
        coef=capacity,
        lo=float(demand.sum()),
    )
    return DesignProblem(
        arcs=arcs,
        commodities=commodities,
        paths=paths,
        constraints=(cover,),
        name=name,
    )


def infeasibility_reason(
    capacity: np.ndarray, demand: np.ndarray, *, single_source: bool = False
) -> str | None:
    """A reason why no facility plan can serve the demand, or ``None`` if none is evident.

    Parameters
    ----------
    capacity, demand
        As in :func:`facility_location_problem`.
    single_source
        Single sourcing: a customer larger than every facility cannot be served.

    Returns
    -------
    str or None
        A sentence in domain words and numbers.
    """
    capacity = np.asarray(capacity, dtype=float)
    demand = np.asarray(demand, dtype=float)
    total_capacity, total_demand = float(capacity.sum()), float(demand.sum())
    if total_capacity < total_demand * (1 - _FEASIBILITY_TOLERANCE):
        return (
            f"total capacity {total_capacity:g} of all {capacity.size} facilities is below "
            f"total demand {total_demand:g}"
        )
    if single_source and capacity.size:
        too_big = np.flatnonzero(demand > capacity.max())
        if too_big.size:
            j = int(too_big[0])
            return (
                f"customer {j + 1} demands {demand[j]:g}, more than the largest facility "
                f"capacity {capacity.max():g} (single sourcing)"
            )
    return None


# -- Large instances: a Lagrangian bound, a greedy start, then branch-and-bound or the MILP --
#
# The bound, the exact fixing tests and the Lagrangian branch-and-bound live
# in optimizer.engine.lagrangian; from LARGE_INSTANCE customer-facility pairs on
# they replace what the root LP would give (seconds, where the LP of a
# 100 x 1000 instance takes HiGHS a minute).

LARGE_INSTANCE = 20_000  # customer-facility pairs from which the bound and the start are used


def greedy_solution(
    fixed_cost: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    assignment_cost: np.ndarray,
    opening_value: np.ndarray | None = None,
    *,
    max_moves: int = 20,
) -> tuple[np.ndarray, np.ndarray] | None:
    """A single-source solution: open by opening value, assign by regret, improve by shifts.

    Facilities open in order of ``opening_value`` (a Lagrangian's g_i; default
    fixed cost per unit of capacity) until 5 % more capacity than demand is
    open; customers, largest regret first, go to their cheapest open facility
    with room (another facility opens if one does not fit); then customers
    move to a cheaper open facility with room while that lowers the cost;
    finally the best of opening one of the ten most promising closed
    facilities or closing an open one is taken, at most ``max_moves`` times,
    while it lowers the cost. Returns ``(open mask, m x n 0/1 assignment)``
    or ``None``.
    """
    f = np.asarray(fixed_cost, dtype=float)
    s = np.asarray(capacity, dtype=float)
    d = np.asarray(demand, dtype=float)
    c = np.asarray(assignment_cost, dtype=float)
    m, n = c.shape
    key = opening_value if opening_value is not None else f / np.maximum(s, 1e-12)
    rank = np.argsort(key, kind="stable")

    def assign(is_open: np.ndarray) -> np.ndarray | None:
        to = np.full(n, -1, dtype=np.int64)
        room = np.where(is_open, s, 0.0)
        cost = np.where(is_open[:, None], c, np.inf)
        two = np.sort(cost, axis=0)[: min(2, m)]
        regret = (two[-1] - two[0]) if m > 1 else two[0]
        for j in np.argsort(-np.where(np.isfinite(regret), regret, 1e300), kind="stable"):
            fits = np.flatnonzero((room >= d[j] - 1e-9) & is_open)
            if fits.size == 0:
                return None
            i = fits[np.argmin(c[fits, j])]
            to[j], room[i] = i, room[i] - d[j]
        improved = True
        while improved:  # shifts
            improved = False
            for j in range(n):
                here = to[j]
                fits = np.flatnonzero(is_open & (room >= d[j] - 1e-9))
                if fits.size == 0:
                    continue
                i = fits[np.argmin(c[fits, j])]
                if c[i, j] < c[here, j] - 1e-9:
                    room[here] += d[j]
                    room[i] -= d[j]
                    to[j], improved = i, True
        return to

    def total(is_open: np.ndarray, to: np.ndarray) -> float:
        return float(f[is_open].sum() + c[to, np.arange(n)].sum())

    is_open = np.zeros(m, dtype=bool)
    for i in rank:
        if s[is_open].sum() >= 1.05 * d.sum():
            break
        is_open[i] = True
    to = assign(is_open)
    while to is None and not is_open.all():
        is_open[rank[np.argmax(~is_open[rank])]] = True
        to = assign(is_open)
    if to is None:
        return None
    best = total(is_open, to)
    for _ in range(max_moves):  # open or close one facility while it pays
        closed = np.flatnonzero(~is_open)
        trials = list(closed[np.argsort(key[closed], kind="stable")][:10])
        trials += list(np.flatnonzero(is_open))
        move = None
        for i in trials:
            trial = is_open.copy()
            trial[i] = not trial[i]
            if s[trial].sum() < d.sum():
                continue
            moved = assign(trial)
            value = np.inf if moved is None else total(trial, moved)
            if value < best - 1e-9:
                move, best = (trial, moved), value
        if move is None:
            break
        is_open, to = move
    x = np.zeros((m, n))
    x[to, np.arange(n)] = 1.0
    return is_open, x


def solve_facility_location(
    fixed_cost: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    assignment_cost: np.ndarray,
    *,
    single_source: bool = False,
    options: SolveOptions | None = None,
    name: str = "cflp",
) -> FacilityLocationResult:
    """Solve a capacitated facility location instance through the core.

    Parameters
    ----------
    fixed_cost, capacity, demand, assignment_cost, single_source, name
        See :func:`facility_location_problem`.
    options
        Backend and limits; default :class:`~optimizer.engine.solver.SolveOptions`.

    Progress lines of long solves go to the ``logging`` loggers of the engine.

    Large instances (from :data:`LARGE_INSTANCE` customer-facility pairs)
    start from a Lagrangian bound and a greedy solution. Multi-source ones on
    the ``highspy`` backend are then solved by the Lagrangian
    branch-and-bound of :mod:`optimizer.engine.lagrangian` (transportation LPs by
    HiGHS). Single-source ones on that backend first take its bound (for up
    to 40 % of the limit) and a single-source plan on its open set as the
    start. The rest goes to the core's MILP on the facilities that the exact
    reduced-cost test leaves, in two phases.

    Returns
    -------
    FacilityLocationResult
        Status, objective, bound, gap, time, open facilities and the
        assignment shares. An instance that cannot be served is
        ``infeasible`` with the reason in ``message``.

    Raises
    ------
    InputError
        See :func:`facility_location_problem`.
    """
    started = time.perf_counter()
    opts = options or SolveOptions()
    problem = facility_location_problem(
        fixed_cost, capacity, demand, assignment_cost, single_source=single_source, name=name
    )
    reason = infeasibility_reason(capacity, demand, single_source=single_source)
    if reason is not None:
        return FacilityLocationResult(
            "infeasible", None, None, None, 0.0, opts.solver, message=reason
        )
    m, n = problem.arcs.count, problem.commodities.count
    if m * n < LARGE_INSTANCE:
        return facility_location_result(problem, solve_design(problem, opts, started=started))
    # Large instance: a Lagrangian bound and a greedy start first (seconds), then the MILP.
    f, s, d = (np.asarray(a, dtype=float) for a in (fixed_cost, capacity, demand))
    c = np.asarray(assignment_cost, dtype=float)
    first = greedy_solution(f, s, d, c, max_moves=0)
    lag = lagrangian_bound(f, s, d, c, upper=None if first is None else _cost(f, c, *first))
    greedy = greedy_solution(f, s, d, c, opening_value=lag.opening_value) or first
    greedy_cost = None if greedy is None else _cost(f, c, *greedy)
    if greedy_cost is not None:  # a second pass aimed at the better upper value
        again = lagrangian_bound(
            f, s, d, c, upper=greedy_cost, start=lag.multipliers, iterations=150
        )
        if again.bound > lag.bound:
            lag = again
    note = f"Lagrangian bound {lag.bound:,.2f}"
    if greedy_cost is not None:
        note += f", greedy start {greedy_cost:,.2f}"
        proven = _start_if_proven(greedy, greedy_cost, lag.bound, note, opts, started)
        if proven is not None:
            return proven
    if not single_source and opts.solver == "highspy":
        return _solve_by_branch_and_bound(f, s, d, c, lag, greedy, note, opts, started)

    def solve_on(
        keep: np.ndarray, start: tuple[np.ndarray, np.ndarray] | None, limit: float
    ) -> FacilityLocationResult:
        """The MILP over the facilities in ``keep``, mapped back to all ``m``."""
        sub = facility_location_problem(
            f[keep], s[keep], d, c[keep], single_source=single_source, name=name
        )
        hint = None if start is None else (start[1][keep].T.ravel(), start[0][keep].astype(float))
        # (the clock of the solve: progress lines and the limit count from its start)
        until = time.perf_counter() - started + max(limit, 0.1)
        res = facility_location_result(
            sub,
            solve_design(sub, replace(opts, time_limit_s=until), start=hint, started=started),
        )
        if res.assignment is not None:
            full = np.zeros((m, n))
            full[keep] = res.assignment
            res = replace(
                res, assignment=full, open_facilities=np.flatnonzero(keep)[res.open_facilities]
            )
        return res

    lower = lag.bound
    if single_source and opts.solver == "highspy":
        # The multi-source optimum bounds the single-source one from below
        # (by 0.001-0.01 % on capa/b/c), and its open set is where a good
        # single-source plan usually lies: the branch-and-bound gets 40 % of
        # the limit, a single-source MILP on its open set at most 20 s.
        relaxed = _solve_by_branch_and_bound(
            f,
            s,
            d,
            c,
            lag,
            greedy,
            "",
            replace(opts, time_limit_s=0.4 * opts.time_limit_s),
            started,
        )
        if relaxed.bound is not None and relaxed.bound > lower:
            lower = relaxed.bound
            note += f"; multi-source {relaxed.status} bound {lower:,.2f}"
        if relaxed.open_facilities.size:
            on = np.zeros(m, dtype=bool)
            on[relaxed.open_facilities] = True
            remaining = opts.time_limit_s - (time.perf_counter() - started)
            plan = solve_on(on, None, min(0.25 * remaining, 20.0))
            if (
                plan.objective is not None
                and plan.assignment is not None
                and (greedy_cost is None or plan.objective < greedy_cost)
            ):
                used = np.zeros(m, dtype=bool)
                used[plan.open_facilities] = True
                greedy, greedy_cost = (used, plan.assignment), _cost(f, c, used, plan.assignment)
                note += f", single-source plan on its open set {greedy_cost:,.2f}"
        proven = _start_if_proven(greedy, greedy_cost, lower, note, opts, started)
        if proven is not None:
            return proven
    keep = np.ones(m, dtype=bool)
    total_demand = float(d.sum())
    if greedy is not None and greedy_cost is not None:
        keep = ~fixed_closed(lag, s, total_demand, greedy_cost) | greedy[0]
        note += f", {m - int(keep.sum())} of {m} facilities closed by reduced costs"

    # Phase 1 gets half the time left. If it stops at the limit, its incumbent
    # (better than the greedy start) closes more facilities by the same exact
    # test, and phase 2 solves the smaller model from that incumbent (the same
    # model, restarted from it, when no more facilities close). A solution
    # outside a phase's facilities costs more than the value that closed them,
    # so phase 1's bound stays valid for the whole problem, and phase 2's
    # bound is valid up to phase 1's incumbent.
    remaining = opts.time_limit_s - (time.perf_counter() - started)
    result = solve_on(keep, greedy, 0.5 * remaining)
    if (
        result.status == "feasible"
        and result.objective is not None
        and (result.assignment is not None)
    ):
        incumbent = result.objective
        is_open = np.zeros(m, dtype=bool)
        is_open[result.open_facilities] = True
        keep2 = keep & (~fixed_closed(lag, s, total_demand, incumbent) | is_open)
        remaining = opts.time_limit_s - (time.perf_counter() - started)
        if remaining > 1.0:  # (on the same facilities when none more close: a restart)
            note += (
                f"; phase 2 from {incumbent:,.2f} on {int(keep2.sum())} facilities"
                f" (phase 1 bound {result.bound or lag.bound:,.2f})"
            )
            second = solve_on(keep2, (is_open, result.assignment), remaining)
            first_bound = result.bound if result.bound is not None else -np.inf
            if second.status == "optimal" and second.objective is not None:
                bound2 = second.objective if second.bound is None else second.bound
            else:
                bound2 = second.bound if second.bound is not None else -np.inf
            bound = max(first_bound, min(bound2, incumbent))
            if second.objective is not None and second.objective < incumbent:
                result = replace(second, bound=bound if np.isfinite(bound) else None)
            else:
                result = replace(result, bound=bound if np.isfinite(bound) else None)
            gap = relative_gap(result.objective, result.bound)
            status = "optimal" if gap is not None and gap <= opts.rel_gap else "feasible"
            result = replace(result, status=status, gap=gap, message=second.message)
    return _with_bound_and_start(
        result, lower, greedy, greedy_cost, note, time.perf_counter() - started, opts.rel_gap
    )


def _start_if_proven(
    start: tuple[np.ndarray, np.ndarray] | None,
    cost: float | None,
    bound: float,
    note: str,
    opts: SolveOptions,
    started: float,
) -> FacilityLocationResult | None:
    """The start as the optimal result when it is within the gap of ``bound``, else ``None``."""
    if (
        start is None
        or cost is None
        or (cost - bound > max(opts.rel_gap * abs(cost), opts.abs_gap))
    ):
        return None
    return FacilityLocationResult(
        "optimal",
        cost,
        bound,
        relative_gap(cost, bound),
        time.perf_counter() - started,
        opts.solver,
        open_facilities=np.flatnonzero(start[0]),
        assignment=start[1],
        message=f"{note}: the start is optimal",
    )


def _solve_by_branch_and_bound(
    f: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
    c: np.ndarray,
    lag: LagrangianBound,
    greedy: tuple[np.ndarray, np.ndarray] | None,
    note: str,
    opts: SolveOptions,
    started: float,
) -> FacilityLocationResult:
    """Multi-source: the Lagrangian branch-and-bound from the greedy start's open set."""
    is_open = greedy[0] if greedy is not None else np.ones(f.size, dtype=bool)
    priced = transport(f, s, d, c, is_open)
    incumbent = None if priced is None else (priced[0], is_open, priced[1])
    if priced is not None:
        note += f", its open set best assigned {priced[0]:,.2f}"
    found = branch_and_bound(
        f,
        s,
        d,
        c,
        lag,
        incumbent,
        deadline=started + opts.time_limit_s,
        rel_gap=opts.rel_gap,
        abs_gap=opts.abs_gap,
        started=started,
    )
    seconds = time.perf_counter() - started
    note += (
        f"; Lagrangian branch-and-bound: {found.closed_at_root} facilities closed and "
        f"{found.opened_at_root} opened at the root, {found.nodes} nodes"
    )
    if found.objective is None or found.is_open is None or found.assignment is None:
        return FacilityLocationResult(
            "no_solution", None, found.bound, None, seconds, opts.solver, message=note
        )
    gap = relative_gap(found.objective, found.bound)
    status = "optimal" if not found.timed_out else "feasible"
    if found.timed_out:
        note += f", {found.open_nodes} left open at the time limit"
    return FacilityLocationResult(
        status,
        found.objective,
        found.bound,
        gap,
        seconds,
        opts.solver,
        open_facilities=np.flatnonzero(found.is_open),
        assignment=found.assignment,
        message=note,
    )


def _cost(
    fixed_cost: np.ndarray, cost: np.ndarray, is_open: np.ndarray, assignment: np.ndarray
) -> float:
    return float(fixed_cost[is_open].sum() + (cost * assignment).sum())


def _with_bound_and_start(
    result: FacilityLocationResult,
    bound: float,
    greedy: tuple[np.ndarray, np.ndarray] | None,
    greedy_cost: float | None,
    note: str,
    seconds: float,
    rel_gap: float,
) -> FacilityLocationResult:
    """The MILP's result with the Lagrangian bound, or the start where the MILP did worse."""
    if result.status in ("infeasible", "error", "unbounded"):
        return result
    best_bound = max(bound, result.bound) if result.bound is not None else bound
    objective, open_facilities, assignment = (
        result.objective,
        result.open_facilities,
        result.assignment,
    )
    used_start = False
    if (
        greedy is not None
        and greedy_cost is not None
        and (objective is None or greedy_cost < objective)
    ):
        objective, open_facilities, assignment = greedy_cost, np.flatnonzero(greedy[0]), greedy[1]
        used_start = True
    if objective is None:
        return replace(
            result, bound=best_bound, seconds=seconds, message=f"{result.message}; {note}"
        )
    best_bound = min(best_bound, objective)
    status = result.status
    if status == "no_solution":
        status = "feasible"
    gap = relative_gap(objective, best_bound)
    if gap is not None and gap <= rel_gap:
        status = "optimal"
    return replace(
        result,
        status=status,
        objective=objective,
        bound=best_bound,
        gap=gap,
        seconds=seconds,
        open_facilities=open_facilities,
        assignment=assignment,
        message=f"{result.message}; {note}"
        + ("; the start is the best found" if used_start else ""),
    )


def facility_location_result(
    problem: DesignProblem, result: DesignResult
) -> FacilityLocationResult:
    """Turn a core :class:`DesignResult` of :func:`facility_location_problem` into arrays."""
    m, n = problem.arcs.count, problem.commodities.count
    message = result.message
    if result.status == "infeasible":
        message = "the solver proved that no facility plan serves every customer"
    if not result.has_solution:
        return FacilityLocationResult(
            result.status, None, result.bound, None, result.seconds, result.solver, message=message
        )
    assert result.share is not None and result.units is not None
    assignment = result.share.reshape(n, m).T.copy()
    return FacilityLocationResult(
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=result.seconds,
        solver=result.solver,
        open_facilities=np.flatnonzero(result.units > 0.5),
        assignment=assignment,
        message=message,
    )
