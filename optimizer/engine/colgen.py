r"""Column generation over a complete path catalogue: an LP bound for every route of the network.

The path form of :mod:`optimizer.engine.core` is exact only over the paths
it is given. Here the problem holds the *complete* catalogue :math:`P_k` of a
commodity's admissible paths (for the domain model: every simple route
within the delivery promise, :mod:`optimizer.models.routes`), and the
restricted master LP works on a subset :math:`R_k \subseteq P_k`: the other
path columns are held at 0 by their bounds. One round:

1. solve the restricted LP (the relaxation of the MILP, every row present)
   and read the reduced cost :math:`\bar{c}_p = c_p - a_p^\top \pi` of every
   path column, those held at 0 included;
2. the Lagrangian (Farley) bound
   :math:`z_{LP}(R) + \sum_k \min(0, \min_{p \in P_k} \bar{c}_p)` is a lower
   bound of the LP over *all* paths, since each commodity's shares sum to at
   most 1 (constraint (1));
3. free the ``per_commodity`` paths of most negative reduced cost of each
   commodity and repeat, until no reduced cost is negative: the restricted LP
   is then the LP over the whole catalogue, and its value a bound valid for
   every route of the network.

Pricing is an exact scan of the catalogue (HiGHS computes every column's
reduced cost after each solve), which is cheaper than a label-setting search
as long as the catalogue fits in memory (about 100,000 routes for the
bundled network). The simplex restarts from the last basis in every round.

:func:`fixed_design_flows` solves the LP that is left once the integer
design (units, tiers) is fixed: the cheapest routing over every path of the
catalogue for that design. Price-and-branch (the MILP over the generated
paths) uses it to check that its solution routes optimally over the whole
network, and to add the paths that improve it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from optimizer.engine.core import (
    BuiltModel,
    DesignProblem,
    DesignResult,
    build_model,
    extract,
    start_point,
)
from optimizer.engine.solver import (
    SolveOptions,
    SolverResult,
    highs_col_bounds,
    highs_lp,
    new_highs,
    relative_gap,
    solve_milp,
)

if TYPE_CHECKING:
    import highspy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Generation:
    """What column generation found."""

    active: np.ndarray  # bool per path: in the restricted master at the end
    rounds: int
    lp_bound: float  # a lower bound of the LP over all paths (= its value when converged)
    converged: bool  # no path had a negative reduced cost: lp_bound is the full LP's value
    seconds: float  # the rounds' own time


def _tolerance(value: float) -> float:
    return 1e-10 * max(1.0, abs(value))


def relaxed_lp(built: BuiltModel) -> highspy.HighsLp:
    """The LP relaxation of ``built`` for HiGHS, built once for pricing and repricing.

    :func:`generate` and :func:`fixed_design_flows` set their own column
    bounds on a copy passed to HiGHS, so one such LP serves both.
    """
    return highs_lp(built.model, relax=True)


def generate(
    problem: DesignProblem,
    built: BuiltModel,
    initial: np.ndarray,
    options: SolveOptions | None = None,
    *,
    per_commodity: int = 5,
    max_rounds: int = 100,
    started: float | None = None,
    lp: highspy.HighsLp | None = None,
) -> Generation:
    """Price paths against the LP duals until none has a negative reduced cost.

    ``initial`` (bool per path) is the starting subset; the time limit of
    ``options`` (from ``started``) stops the rounds early, and the result then
    says ``converged=False`` with the Lagrangian bound of the last round.
    ``lp``: :func:`relaxed_lp` of ``built``, when the caller has it already.
    """
    import highspy

    options = options or SolveOptions()
    began = time.perf_counter()
    started = began if started is None else started
    paths = problem.paths
    if paths is None:
        msg = "column generation needs a path-form problem"
        raise ValueError(msg)
    active = np.asarray(initial, dtype=bool).copy()
    h = new_highs(options)
    lp = relaxed_lp(built) if lp is None else lp
    lo, ub = highs_col_bounds(built.model)
    cols = built.flow
    ub[cols[~active]] = 0.0
    lp.col_lower_, lp.col_upper_ = lo, ub
    h.passModel(lp)  # (HiGHS keeps its own copy)
    com = paths.commodity
    n_com = problem.commodities.count
    rounds = 0
    bound = -np.inf
    value = np.nan
    converged = False
    while rounds < max_rounds:
        rounds += 1
        remaining = options.time_limit_s - (time.perf_counter() - started)
        h.setOptionValue("time_limit", max(0.1, remaining))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            log.warning("route generation: LP %s", h.modelStatusToString(h.getModelStatus()))
            break
        value = float(h.getInfo().objective_function_value)
        rc = np.asarray(h.getSolution().col_dual, dtype=float)[cols]
        tol = _tolerance(value)
        cand = ~active & (rc < -tol)
        best = np.zeros(n_com)
        np.minimum.at(best, com[cand], rc[cand])
        bound = max(bound, value + float(best.sum()))
        log.info(
            "route generation round %d: LP %.6g, bound %.6g, %d routes, %d priced negative",
            rounds,
            value,
            bound,
            int(active.sum()),
            int(cand.sum()),
        )
        if not cand.any():
            converged = True
            bound = value
            break
        if remaining < 1.0:
            break
        take = _most_negative(com, rc, cand, per_commodity)
        active[take] = True
        h.changeColsBounds(
            take.size, cols[take].astype(np.int32), np.zeros(take.size), np.ones(take.size)
        )
    return Generation(
        active=active,
        rounds=rounds,
        lp_bound=float(bound),
        converged=converged,
        seconds=time.perf_counter() - began,
    )


def _most_negative(com: np.ndarray, rc: np.ndarray, cand: np.ndarray, k: int) -> np.ndarray:
    """Indices of up to ``k`` candidates of most negative reduced cost per commodity."""
    idx = np.flatnonzero(cand)
    order = idx[np.lexsort((rc[idx], com[idx]))]  # by commodity, then reduced cost
    c = com[order]
    first = np.r_[0, np.flatnonzero(np.diff(c)) + 1]
    rank = np.arange(order.size) - np.repeat(first, np.diff(np.r_[first, order.size]))
    return np.sort(order[rank < k])


def fixed_design_flows(
    built: BuiltModel,
    values: np.ndarray,
    options: SolveOptions | None = None,
    *,
    lp: highspy.HighsLp | None = None,
) -> tuple[np.ndarray, float] | None:
    """The best flows over every path for the integer design in ``values``.

    Fixes every integer variable at its rounded value in ``values`` (a full
    solution vector of ``built``) and solves the LP that is left. Returns
    ``(values, objective)``, or ``None`` when that LP does not solve.
    ``lp``: :func:`relaxed_lp` of ``built``, when the caller has it already.
    """
    import highspy

    options = options or SolveOptions()
    model = built.model
    h = new_highs(options)
    lp = relaxed_lp(built) if lp is None else lp
    ints = np.flatnonzero(model.integer)
    lo, hi = highs_col_bounds(built.model)
    fixed = np.round(np.asarray(values, dtype=float)[ints])
    lo[ints] = fixed
    hi[ints] = fixed
    lp.col_lower_, lp.col_upper_ = lo, hi
    h.passModel(lp)
    h.setOptionValue("time_limit", max(1.0, options.time_limit_s))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    out = np.asarray(h.getSolution().col_value, dtype=float)
    out[ints] = fixed
    return out, model.objective_value(out)


Start = tuple[np.ndarray, np.ndarray, np.ndarray]  # (path shares, units per arc, loose A x C)


@dataclass(frozen=True)
class PriceAndBranch:
    """The MILP over the generated paths, and how they were generated."""

    active: np.ndarray  # bool per path of the catalogue: in the final MILP
    problem: DesignProblem  # the catalogue restricted to ``active``
    built: BuiltModel
    result: DesignResult
    generation: Generation
    repriced: bool  # repricing the chosen design over every path added paths


def restrict(problem: DesignProblem, keep: np.ndarray) -> DesignProblem:
    """The problem over the paths where ``keep`` is true."""
    assert problem.paths is not None
    return replace(problem, paths=problem.paths.subset(keep))


def price_and_branch(
    problem: DesignProblem,
    initial: np.ndarray,
    options: SolveOptions | None = None,
    *,
    start: Start | None = None,
    started: float | None = None,
) -> PriceAndBranch:
    """Column generation at the root, then the MILP over the generated paths.

    ``problem`` holds the complete path catalogue, ``initial`` (bool per
    path) the starting subset; a ``start`` over the catalogue adds its paths
    to it and is the MIP start. After the MILP, :func:`fixed_design_flows`
    reprices every path for the design it chose; where paths outside the
    generated ones route that design cheaper, they join the model and the
    solution takes the better flows (same design, lower cost). The MILP's
    bound is valid for the paths it was solved over; ``generation.lp_bound``
    for every path of the catalogue.
    """
    options = options or SolveOptions()
    started = time.perf_counter() if started is None else started
    built_full = build_model(problem)
    lp = relaxed_lp(built_full)
    first = np.asarray(initial, dtype=bool)
    if start is not None:
        first = first | (np.asarray(start[0]) > 1e-12)
    gen = generate(problem, built_full, first, options, started=started, lp=lp)
    active = gen.active
    sub = restrict(problem, active)
    built = build_model(sub)
    hint = None
    if start is not None:
        hint = start_point(sub, built, start[0][active], start[1], start[2])
    raw = solve_milp(built.model, options, hint=hint, started=started)
    better = None
    if raw.values is not None and raw.objective is not None:
        better = _repriced(problem, built_full, lp, built, raw, active, options, started)
        if better is not None:
            active, sub, built, raw = better
    return PriceAndBranch(
        active=active,
        problem=sub,
        built=built,
        result=extract(sub, built, raw),
        generation=gen,
        repriced=better is not None,
    )


def _repriced(
    problem: DesignProblem,
    built_full: BuiltModel,
    lp: highspy.HighsLp,
    built: BuiltModel,
    raw: SolverResult,
    active: np.ndarray,
    options: SolveOptions,
    started: float,
) -> tuple[np.ndarray, DesignProblem, BuiltModel, SolverResult] | None:
    """The MILP's design routed at least cost over every path, if that is cheaper."""
    assert raw.values is not None and raw.objective is not None
    x_full = np.zeros(built_full.model.num_vars)
    d = built.units >= 0
    x_full[built_full.units[d]] = raw.values[built.units[d]]
    if built.choices.size:
        x_full[built_full.choices] = raw.values[built.choices]
    remaining = max(5.0, options.time_limit_s - (time.perf_counter() - started))
    best = fixed_design_flows(built_full, x_full, replace(options, time_limit_s=remaining), lp=lp)
    if best is None or best[1] >= raw.objective - 1e-9 * max(1.0, abs(raw.objective)):
        return None
    values = best[0]
    new = (values[built_full.flow] > 1e-9) & ~active
    if not new.any():
        return None
    keep = active | new
    sub = restrict(problem, keep)
    sub_built = build_model(sub)
    units = np.where(built_full.units >= 0, values[np.maximum(built_full.units, 0)], 0.0)
    loose = np.where(built_full.loose >= 0, values[np.maximum(built_full.loose, 0)], 0.0)
    x = start_point(sub, sub_built, values[built_full.flow][keep], units, loose)
    objective = sub_built.model.objective_value(x)
    if sub_built.model.max_violation(x) > 1e-6 or objective >= raw.objective:
        return None
    log.info(
        "repricing the chosen design over every route: %d route(s) added, %.6g -> %.6g",
        int(new.sum()),
        raw.objective,
        objective,
    )
    bound = None if raw.bound is None else min(raw.bound, objective)
    return (
        keep,
        sub,
        sub_built,
        replace(
            raw,
            values=x,
            objective=objective,
            bound=bound,
            gap=relative_gap(objective, bound),
            seconds=time.perf_counter() - started,
        ),
    )
