r"""Lagrangian bounds and a Lagrangian branch-and-bound for capacitated facility location.

Relax the demand rows :math:`\sum_i x_{ij} = 1` with multipliers :math:`u_j`
(Beasley 1988; Görtz and Klose 2012). For facility :math:`i` what is left is
a continuous knapsack

.. math::
    V_i(u) = \min \sum_j (c_{ij} - u_j) x_{ij}
    \;\text{s.t.}\; \sum_j d_j x_{ij} \le s_i,\; 0 \le x_{ij} \le 1,

opening costs :math:`g_i = f_i + V_i(u)`, and the capacity cover
:math:`\sum_i s_i y_i \ge D` keeps enough capacity open:

.. math::
    L(u) = \sum_j u_j + \min\{ g y : s y \ge D,\; y \in \{0,1\}^m \}.

The inner problem is solved exactly when all capacities are equal (the
OR-Library sets: open the ``ceil(D/s)`` cheapest, or more while they pay) and
by its LP otherwise; either way :math:`L(u)` is a lower bound of the
multi-source optimum, and so of the single-source one, for every :math:`u`.
Subgradient steps on :math:`u` raise it to the LP bound or above.

**Branch-and-bound** (multi-source; after Görtz and Klose 2012). A node fixes
some facilities open (:math:`O`) and some closed (:math:`Z`); its bound is
:math:`L(u)` with those :math:`y_i` fixed, raised by a few subgradient steps
from its parent's multipliers. Given the open set, the best multi-source
assignment is a transportation LP: the open sets of the node's two best
Lagrangian solutions are priced that way (a Lagrangian heuristic; upper
bounds). At every node exact reduced-cost tests close a
free facility when the bound with it forced open exceeds the incumbent, and
open one when the bound with it forced closed does. Nodes are taken best
bound first; a node whose bound reaches the incumbent (within the gap) is
pruned; branching is on the free facility whose averaged Lagrangian
:math:`y` is nearest 1/2. The lowest bound of the open nodes is a proven
bound at every moment, so a time limit returns the incumbent with a valid
gap.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from optimizer.engine.milp import MilpModel
from optimizer.engine.solver import SolveOptions, solve_milp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LagrangianBound:
    """A lower bound of the CFLP and what it was computed from."""

    bound: float
    multipliers: np.ndarray = field(repr=False)
    opening_value: np.ndarray = field(repr=False)  # g_i = f_i + V_i(u)
    iterations: int = 0


def _knapsacks(
    cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``V_i(u)`` for every facility and the knapsack shares as triples (row, col, share).

    Only pairs with ``c_ij < u_j`` can enter a knapsack; they are few once
    ``u`` is near its optimum, so the work is one comparison of the ``m x n``
    costs and a sort of those pairs (by facility, then value per unit of
    demand, then customer index: deterministic).
    """
    m = cost.shape[0]
    gain = cost - u[None, :]
    rows, cols = np.nonzero(gain < 0)
    value = np.zeros(m)
    if rows.size == 0:
        return value, rows, cols, np.zeros(0)
    gv = gain[rows, cols]
    order = np.lexsort((cols, gv / demand[cols], rows))
    rows, cols, gv = rows[order], cols[order], gv[order]
    dd = demand[cols]
    csum = np.cumsum(dd)
    first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    offset = np.repeat(csum[first] - dd[first], np.diff(np.r_[first, rows.size]))
    before = csum - dd - offset
    share = np.clip((capacity[rows] - before) / dd, 0.0, 1.0)
    value += np.bincount(rows, weights=share * gv, minlength=m)
    return value, rows, cols, share


def _cover(g: np.ndarray, capacity: np.ndarray, total: float) -> np.ndarray:
    """min g y s.t. capacity y >= total over y in {0, 1} when all capacities are equal
    (exact: the cheapest ``ceil(total / s)`` or more), else over 0 <= y <= 1 (its LP)."""
    y = (g < 0).astype(float)
    if g.size and np.ptp(capacity) == 0 and capacity[0] > 0:
        need = max(0, int(np.ceil(total / capacity[0] - 1e-9)) - int(y.sum()))
        if need:
            rest = np.flatnonzero(g >= 0)
            y[rest[np.argsort(g[rest], kind="stable")[:need]]] = 1.0
        return y
    short = total - float(capacity @ y)
    if short > 0:
        rest = np.flatnonzero(g >= 0)
        rest = rest[np.argsort(g[rest] / np.maximum(capacity[rest], 1e-12), kind="stable")]
        for i in rest:
            take = min(1.0, short / capacity[i]) if capacity[i] > 0 else 0.0
            y[i] = take
            short -= take * capacity[i]
            if short <= 1e-9:
                break
    return y


def _fixed_cover(
    g: np.ndarray, capacity: np.ndarray, total: float, state: np.ndarray
) -> np.ndarray:
    """:func:`_cover` with ``state`` 1 (open), 0 (closed) or -1 (free) per facility."""
    y = (state == 1).astype(float)
    free = np.flatnonzero(state == -1)
    if free.size:
        y[free] = _cover(g[free], capacity[free], total - float(capacity @ y))
    return y


def _subgradient(
    f: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
    c: np.ndarray,
    u: np.ndarray,
    *,
    upper: float,
    iterations: int,
    step: float,
    patience: int,
    min_step: float,
    state: np.ndarray | None = None,
    stop_above: float = np.inf,
    deadline: float = np.inf,
    visit: Callable[[np.ndarray, float], None] | None = None,
) -> tuple[LagrangianBound, np.ndarray]:
    """Subgradient ascent of L(u) (with ``state`` fixings): the best bound and the averaged y.

    ``visit(y, value)`` sees every y with its Lagrangian value (for an
    integral y, a lower bound of that open set's cost); the ascent stops early once the
    bound passes ``stop_above`` or ``deadline`` (a :func:`time.perf_counter`
    value) is reached.
    """
    total = float(d.sum())
    fixings = np.full(f.size, -1) if state is None else state
    best, best_u, best_g = -np.inf, u.copy(), f.copy()
    average: np.ndarray | None = None
    stall = done = 0
    for done in range(1, iterations + 1):  # noqa: B007 - the count is reported
        value, rows, cols, share = _knapsacks(c, d, s, u)
        g = f + value
        y = _fixed_cover(g, s, total, fixings)
        bound = float(u.sum() + g @ y)
        average = y if average is None else 0.8 * average + 0.2 * y
        if visit is not None:
            visit(y, bound)
        if not np.isfinite(best) or bound > best + 1e-9 * max(1.0, abs(best)):
            best, best_u, best_g, stall = bound, u.copy(), g, 0
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        if best >= stop_above or time.perf_counter() >= deadline:
            break
        sub = 1.0 - np.bincount(cols, weights=share * y[rows], minlength=d.size)
        norm = float(sub @ sub)
        if norm < 1e-12 or step < min_step:
            break
        u = u + step * max(upper - bound, 1e-9 * abs(upper)) / norm * sub
    assert average is not None
    return LagrangianBound(best, best_u, best_g, done), average


def lagrangian_bound(
    fixed_cost: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    assignment_cost: np.ndarray,
    *,
    upper: float | None = None,
    iterations: int = 300,
    start: np.ndarray | None = None,
) -> LagrangianBound:
    """A lower bound of the facility location optimum by subgradient optimisation.

    Parameters
    ----------
    fixed_cost, capacity, demand, assignment_cost
        As in :func:`optimizer.models.cflp.facility_location_problem`.
    upper
        A known objective value (steers the step length); default: a rough one.
    iterations
        Subgradient steps.
    start
        Multipliers to start from (default: each customer's cheapest cost).

    Returns
    -------
    LagrangianBound
        The best bound found, its multipliers and the facilities' opening values.
    """
    f = np.asarray(fixed_cost, dtype=float)
    s = np.asarray(capacity, dtype=float)
    d = np.asarray(demand, dtype=float)
    c = np.asarray(assignment_cost, dtype=float)
    u = c.min(axis=0).copy() if start is None else np.asarray(start, dtype=float).copy()
    target = upper if upper is not None else float(u.sum() + f.max(initial=0.0) * 2)
    lag, _ = _subgradient(
        f, s, d, c, u, upper=target, iterations=iterations, step=2.0, patience=15, min_step=1e-4
    )
    return lag


def _probe(
    lag: LagrangianBound,
    capacity: np.ndarray,
    total_demand: float,
    state: np.ndarray,
    upper: float,
    *,
    opens: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Free facilities closed, and open, in every solution below ``upper`` (two masks).

    With free facility i forced open the bound becomes
    ``sum u + g(O) + g_i + min{g y : s y >= D - s(O) - s_i}`` over the other
    free facilities; when that exceeds ``upper`` no solution below ``upper``
    opens i. Forced closed, likewise (skipped when ``opens`` is false: the
    second mask is then all false). (Reduced-cost fixing: exact.)
    """
    g, s = lag.opening_value, np.asarray(capacity, dtype=float)
    base = float(lag.multipliers.sum()) + float(g[state == 1].sum())
    rest = total_demand - float(s[state == 1].sum())
    free = np.flatnonzero(state == -1)
    close = np.zeros(g.size, dtype=bool)
    open_ = np.zeros(g.size, dtype=bool)
    for k, i in enumerate(free):
        others = np.delete(free, k)
        y = _cover(g[others], s[others], rest - s[i])
        close[i] = base + g[i] + float(g[others] @ y) > upper
        if not opens:
            continue
        if float(s[others].sum()) < rest - 1e-9:
            open_[i] = True  # the others cannot cover the demand
            continue
        y = _cover(g[others], s[others], rest)
        open_[i] = base + float(g[others] @ y) > upper
    return close, open_


def fixed_closed(
    lag: LagrangianBound, capacity: np.ndarray, total_demand: float, upper: float
) -> np.ndarray:
    """Facilities that are closed in every solution cheaper than ``upper``.

    With facility i forced open, the Lagrangian bound becomes
    ``sum u + g_i + min{g y : s y >= D - s_i}`` over the other facilities; when
    that exceeds ``upper`` no solution better than ``upper`` opens i
    (reduced-cost fixing, exact).
    """
    state = np.full(lag.opening_value.size, -1)
    close, _ = _probe(lag, capacity, total_demand, state, upper * (1 + 1e-9) + 1e-9, opens=False)
    return close


def transport(
    fixed_cost: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    assignment_cost: np.ndarray,
    is_open: np.ndarray,
) -> tuple[float, np.ndarray] | None:
    """The best multi-source assignment to the open facilities (a transportation LP).

    Returns ``(objective including fixed costs, m x n shares)``, or ``None``
    when the open capacity cannot serve the demand.
    """
    s = np.asarray(capacity, dtype=float)
    d = np.asarray(demand, dtype=float)
    c = np.asarray(assignment_cost, dtype=float)
    opened = np.flatnonzero(is_open)
    k, n = opened.size, d.size
    if float(s[opened].sum()) < float(d.sum()) * (1 - 1e-12):
        return None
    model = MilpModel(name="transport")
    share_var = model.add_vars(k * n, ub=1.0, cost=c[opened].T.ravel())  # j * k + a
    customer = np.repeat(np.arange(n), k)
    facility = np.tile(np.arange(k), n)
    model.add_rows(n, customer, share_var, 1.0, lb=1.0, ub=1.0)
    model.add_rows(k, facility, share_var, d[customer], ub=s[opened])
    lp = solve_milp(model, SolveOptions(solver="highspy"))
    if lp.status != "optimal" or lp.values is None:
        return None
    share = np.clip(lp.values.reshape(n, k).T, 0.0, 1.0)
    x = np.zeros(c.shape)
    x[opened] = share
    return float(np.asarray(fixed_cost, dtype=float)[opened].sum() + (c * x).sum()), x


@dataclass
class BranchAndBoundResult:
    """What :func:`branch_and_bound` found."""

    objective: float | None
    bound: float
    is_open: np.ndarray | None
    assignment: np.ndarray | None
    nodes: int
    open_nodes: int
    closed_at_root: int
    opened_at_root: int
    timed_out: bool


@dataclass
class _Incumbent:
    """The best solution so far (objective ``inf`` and no arrays before the first)."""

    objective: float = np.inf
    is_open: np.ndarray | None = None
    assignment: np.ndarray | None = None


@dataclass(order=True)
class _Node:
    bound: float
    seq: int
    state: np.ndarray = field(compare=False)
    multipliers: np.ndarray = field(compare=False)


def branch_and_bound(
    fixed_cost: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    assignment_cost: np.ndarray,
    root: LagrangianBound,
    incumbent: tuple[float, np.ndarray, np.ndarray] | None,
    *,
    deadline: float,
    rel_gap: float = 1e-9,
    abs_gap: float = 1e-6,
    node_iterations: int = 60,
    started: float | None = None,
) -> BranchAndBoundResult:
    """Multi-source CFLP by Lagrangian branch-and-bound from a root bound and an incumbent.

    Parameters
    ----------
    fixed_cost, capacity, demand, assignment_cost
        As in :func:`optimizer.models.cflp.facility_location_problem`.
    root
        A root Lagrangian bound (its multipliers start every node).
    incumbent
        ``(objective, open mask, m x n shares)`` of a known solution, or ``None``.
    deadline
        A :func:`time.perf_counter` value: the search stops there with the
        incumbent and the lowest open bound.
    rel_gap, abs_gap
        A node is pruned when its bound is within these of the incumbent.
    node_iterations
        Subgradient steps per node (from the parent's multipliers).
    log
        Receives a progress line every few seconds.
    started
        The :func:`time.perf_counter` value the progress lines count from
        (default: the call).

    Returns
    -------
    BranchAndBoundResult
        Incumbent, proven bound, node counts and how many facilities the root tests fixed.
    """
    f = np.asarray(fixed_cost, dtype=float)
    s = np.asarray(capacity, dtype=float)
    d = np.asarray(demand, dtype=float)
    c = np.asarray(assignment_cost, dtype=float)
    m = f.size
    total = float(d.sum())
    best = _Incumbent(*incumbent) if incumbent is not None else _Incumbent()
    priced: set[bytes] = set()

    def tolerance() -> float:
        return max(rel_gap * abs(best.objective), abs_gap) if np.isfinite(best.objective) else 0.0

    def price(y: np.ndarray, value: float) -> None:
        """Price an integral open set whose Lagrangian value is below the incumbent."""
        if value >= best.objective - tolerance():
            return
        is_open = y > 1e-9  # (a fractional cover, with unequal capacities, rounded up)
        key = np.packbits(is_open).tobytes()
        if key in priced:
            return
        priced.add(key)
        found = transport(f, s, d, c, is_open)
        if found is not None and found[0] < best.objective - 1e-9:
            best.objective, best.is_open, best.assignment = found[0], is_open, found[1]

    state = np.full(m, -1)
    close, open_ = _probe(root, s, total, state, best.objective - tolerance())
    state[close], state[open_ & ~close] = 0, 1
    closed_at_root, opened_at_root = int(close.sum()), int((open_ & ~close).sum())
    heap = [_Node(root.bound, 0, state, root.multipliers)]
    seq, nodes = 1, 0
    pruned = np.inf  # the lowest bound of a node pruned within the gap
    last_log = time.perf_counter()
    began = last_log if started is None else started
    timed_out = False
    while heap:
        if time.perf_counter() >= deadline:
            timed_out = True
            break
        node = heapq.heappop(heap)
        if node.bound >= best.objective - tolerance():
            pruned = min(pruned, node.bound)
            continue
        nodes += 1
        state = node.state
        if float(s[state != 0].sum()) < total * (1 - 1e-12):
            continue  # the facilities not closed cannot cover the demand
        active = np.flatnonzero(state != 0)
        sub_state = state[active]
        seen: list[tuple[np.ndarray, float]] = []

        def visit(y: np.ndarray, value: float, seen: list[tuple[np.ndarray, float]] = seen) -> None:
            if not seen or value > seen[-1][1]:
                seen.append((y.copy(), value))
                del seen[:-2]

        lag, average = _subgradient(
            f[active],
            s[active],
            d,
            c[active],
            node.multipliers.copy(),
            upper=best.objective if np.isfinite(best.objective) else node.bound * 1.01 + 1.0,
            iterations=node_iterations,
            step=0.5,
            patience=5,
            min_step=0.01,
            state=sub_state,
            stop_above=best.objective - tolerance(),
            deadline=deadline,
            visit=visit,
        )
        for y, value in seen:  # the Lagrangian heuristic: price the node's best open sets
            price(_spread(y, active, m), value)
        bound = max(lag.bound, node.bound)
        if bound >= best.objective - tolerance():
            pruned = min(pruned, bound)
            continue
        free = np.flatnonzero(sub_state == -1)
        if free.size == 0:  # every facility fixed: the leaf's open set is priced exactly
            price(_spread((sub_state == 1).astype(float), active, m), -np.inf)
            continue
        close, open_ = _probe(lag, s[active], total, sub_state, best.objective - tolerance())
        child = state.copy()
        child[active[close]] = 0
        child[active[open_ & ~close]] = 1
        free = np.flatnonzero(child[active] == -1)
        if free.size == 0 or close.any() or open_.any():
            # fixed by the tests: evaluate again (a stronger bound) before branching
            heapq.heappush(heap, _Node(bound, seq, child, lag.multipliers))
            seq += 1
            continue
        pick = active[free[np.argmin(np.abs(average[free] - 0.5))]]
        for value in (1, 0):
            branch = child.copy()
            branch[pick] = value
            heapq.heappush(heap, _Node(bound, seq, branch, lag.multipliers))
            seq += 1
        if time.perf_counter() - last_log >= 5.0 and log.isEnabledFor(logging.INFO):
            last_log = time.perf_counter()
            low = heap[0].bound if heap else bound
            log.info(
                "... %.0f s: branch-and-bound, %d nodes, %d open, bound %s, incumbent %s",
                last_log - began,
                nodes,
                len(heap),
                f"{low:,.2f}",
                f"{best.objective:,.2f}",
            )
    lower = min([best.objective, pruned] + [n.bound for n in heap])
    return BranchAndBoundResult(
        objective=float(best.objective) if np.isfinite(best.objective) else None,
        bound=float(lower),
        is_open=best.is_open,
        assignment=best.assignment,
        nodes=nodes,
        open_nodes=len(heap),
        closed_at_root=closed_at_root,
        opened_at_root=opened_at_root,
        timed_out=timed_out,
    )


def _spread(y: np.ndarray, active: np.ndarray, m: int) -> np.ndarray:
    out = np.zeros(m)
    out[active] = y
    return out
