r"""Robust demonstration warehouses: ``corridor robust``.

Choose :math:`P` warehouses that serve well across several scenarios: one
shared siting decision, the routing chosen per scenario. This is a
scenario-based two-stage model solved exactly as one MILP (the deterministic
equivalent).

Model
-----
For every scenario :math:`s` the domain model of :mod:`optimizer.models.design` is
built as usual (its own network, routes, rates and options) but without its
warehouse-count and budget limits, and with the warehouses' fixed costs moved
out of it. Its MILP (:func:`optimizer.engine.core.build_model`) has variables
:math:`x_s` and cost :math:`c_s^\top x_s`; :math:`y_{sw}` is its unit (open)
variable of warehouse :math:`w`. The blocks are stacked and linked by a
shared binary :math:`z_w` ("warehouse :math:`w` is in the set"):

(R1) :math:`y_{sw} \le z_w` for every scenario and warehouse (a scenario can
     use only chosen warehouses; forced-open ones force :math:`z_w = 1`);
(R2) :math:`\sum_w z_w = P`;
(R3) :math:`z_w = 0` for a candidate that any scenario closes (closed node or
     ``never_open``): it is not a candidate for a shared set.

The cost of scenario :math:`s` under the set is
:math:`C_s = c_s^\top x_s + F^\top z`, with :math:`F` the annual fixed costs.

``expected``
    :math:`\min \frac1S \sum_s c_s^\top x_s + F^\top z` (the mean cost over
    equally likely scenarios).
``regret``
    :math:`\min \theta + \varepsilon \frac1S \sum_s C_s` subject to
    :math:`C_s - C^*_s \le \theta` for every :math:`s`, where :math:`C^*_s` is
    scenario :math:`s`'s own optimum with exactly :math:`P` warehouses (solved
    first) and :math:`\varepsilon = 10^{-3}` only breaks ties between sets of
    equal worst regret (it keeps each scenario's routing cheapest). Its LP
    bound is weak, so the expected-cost model is solved first and its solution
    is the regret model's starting point.

Reading the solution, a scenario's unit variables of chosen warehouses are set
to 1 (valid: more capacity never violates a row), so each scenario's plan is a
complete design solution. It is read into a plain
:class:`~optimizer.results.solution.Solution` and checked by the independent checker
(:func:`optimizer.results.check.verify`) against the scenario's network with exactly
:math:`P` warehouses.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from optimizer.data.network import Network
from optimizer.data.scenario import load_scenario
from optimizer.engine.core import BuiltModel, DesignConstraint, build_model, extract, start_point
from optimizer.engine.milp import INF, MilpModel
from optimizer.engine.solver import SolveOptions, SolverResult, solve_milp
from optimizer.errors import InputError
from optimizer.models.design import (
    DesignOptions,
    DomainProblem,
    DomainSolve,
    completed_start,
    restricted,
    solve_problem,
)
from optimizer.models.incumbent import Incumbent, RouteKey, route_key
from optimizer.results.check import summarize, verify
from optimizer.results.files import records
from optimizer.results.solution import Solution, solution_from_solve
from optimizer.studies.moves import (
    MOVE_COLUMNS,
    WITHIN,
    lanes_with_other_boxes,
    moved_flows,
    slack,
)
from optimizer.studies.pipeline import design_options
from optimizer.studies.pipeline import prepare as prepare_scenario

log = logging.getLogger(__name__)

Criterion = Literal["expected", "regret"]
CRITERIA = ("expected", "regret")
TIE_BREAK = 1e-3


@dataclass(frozen=True)
class PreparedScenario:
    """One scenario ready for the robust model: its network, options and domain problem."""

    name: str
    network: Network
    options: DesignOptions  # the scenario's options without warehouse-count or budget limits
    problem: DomainProblem  # no warehouse-count or budget rows
    warehouse_arcs: np.ndarray  # one design arc per (site, owned tier): the options to choose
    usable: np.ndarray  # bool per option: the scenario may open it
    option_site: tuple[str, ...] = ()  # the site of each option
    option_label: tuple[str, ...] = ()  # "site" (one size) or "site:tier"
    forced: frozenset[str] = frozenset()  # sites the scenario forces open


@dataclass(frozen=True)
class RobustResult:
    """The robust set, its cost and regret in every scenario, and a row per candidate."""

    criterion: str
    warehouses: int
    chosen: tuple[str, ...]
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    scenarios: pd.DataFrame
    candidates: pd.DataFrame
    solutions: dict[str, Solution] = field(repr=False, default_factory=dict)
    optima: dict[str, Solution] = field(repr=False, default_factory=dict)
    model_size: dict[str, int] = field(default_factory=dict)
    moves: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    networks: dict[str, Network] = field(repr=False, default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json`` and ``robust.json``."""
        return {
            "criterion": self.criterion,
            "warehouses": self.warehouses,
            "chosen": list(self.chosen),
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "model_size": self.model_size,
            "scenarios": records(self.scenarios),
            "candidates": records(self.candidates),
        }


# -- preparing --------------------------------------------------------------------------------


def prepare(scenario_paths: Sequence[str | Path]) -> list[PreparedScenario]:
    """Load every scenario and build its domain problem without warehouse-count limits.

    The result can be solved for several ``P`` and criteria (:func:`solve_robust`).

    Raises
    ------
    InputError
        On a bad scenario file, no scenario, duplicate names, or scenarios
        with different candidate warehouses.
    """
    if not scenario_paths:
        msg = "give at least one scenario file"
        raise InputError(msg)
    scenarios = [load_scenario(p) for p in scenario_paths]
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        msg = f"scenario names must differ; repeated: {', '.join(dup)}"
        raise InputError(msg)
    out: list[PreparedScenario] = []
    wh_ids: list[str] | None = None
    for sc in scenarios:
        opts = dataclasses.replace(
            design_options(sc),
            max_warehouses=None,
            min_warehouses=None,
            exact_warehouses=None,
            budget_cny=None,
        )
        log.info("%s: building the model", sc.name)
        prep = prepare_scenario(sc, options=opts)
        net, problem = prep.network, prep.problem
        ids = list(net.warehouses.index)
        if wh_ids is None:
            wh_ids = ids
        elif ids != wh_ids:
            msg = (
                f"{sc.name}: its candidate warehouses differ from {scenarios[0].name}'s; "
                "a shared set needs the same candidates in every scenario"
            )
            raise InputError(msg)
        arcs = problem.tier_arcs
        usable = problem.core.arcs.max_units[arcs] > 0
        sites = [site.site for site in problem.sites.values() for _ in site.tier_arcs]
        labels = [
            site.site if len(site.tiers) == 1 else f"{site.site}:{t.tier}"
            for site in problem.sites.values()
            for t in site.tiers
        ]
        status = net.warehouses["status"].astype(str)
        forced = frozenset(
            str(w)
            for w in net.warehouses.index
            if (status.loc[w] == "existing" or w in opts.must_open)
            and bool(net.nodes.at[w, "open"])
            and w not in opts.never_open
        )
        out.append(
            PreparedScenario(
                name=sc.name,
                network=net,
                options=opts,
                problem=problem,
                warehouse_arcs=arcs,
                usable=usable,
                option_site=tuple(sites),
                option_label=tuple(labels),
                forced=forced,
            )
        )
    return out


def check_count(prepared: Sequence[PreparedScenario], warehouses: int) -> None:
    """Check that ``warehouses`` sites can be chosen.

    Raises
    ------
    InputError
        When ``warehouses`` is not between 1 and the number of candidates, or
        fewer than the warehouses some scenario forces open.
    """
    ids = list(prepared[0].network.warehouses.index)
    if not 1 <= warehouses <= len(ids):
        msg = f"--warehouses must be between 1 and {len(ids)} (the candidates), got {warehouses}"
        raise InputError(msg)
    forced: set[str] = set()
    for p in prepared:
        forced |= p.forced
    if len(forced) > warehouses:
        msg = (
            f"{len(forced)} warehouses are forced open ({', '.join(sorted(forced))}), "
            f"more than --warehouses {warehouses}"
        )
        raise InputError(msg)


def _with_core(problem: DomainProblem, **core_changes: Any) -> DomainProblem:
    return dataclasses.replace(problem, core=dataclasses.replace(problem.core, **core_changes))


def _exact(problem: DomainProblem, arcs: np.ndarray, count: int) -> DomainProblem:
    """The problem with exactly ``count`` sites open (its other design rows kept)."""
    con = DesignConstraint("warehouses_exact", arcs, np.ones(arcs.size), count, count)
    return _with_core(problem, constraints=(*problem.core.constraints, con))


def _as_prepared(
    scenarios: Sequence[str | Path] | Sequence[PreparedScenario],
) -> list[PreparedScenario]:
    """Prepared scenarios as given, or scenario files prepared."""
    ready = [x for x in scenarios if isinstance(x, PreparedScenario)]
    if scenarios and len(ready) == len(scenarios):
        return ready
    files = [x for x in scenarios if not isinstance(x, PreparedScenario)]
    if len(files) != len(scenarios):
        msg = "give scenario files or prepared scenarios, not a mix"
        raise TypeError(msg)
    return prepare(files)


def _objective(sol: Solution) -> float:
    """The objective of a scenario optimum (:func:`solve_robust` stops when one has none)."""
    assert sol.objective is not None
    return float(sol.objective)


def _solve_domain(problem: DomainProblem, name: str, options: SolveOptions) -> Solution:
    return solution_from_solve(solve_problem(problem, options), name)


def scenario_optimum(prep: PreparedScenario, warehouses: int, options: SolveOptions) -> Solution:
    """The scenario's own optimum with exactly ``warehouses`` open."""
    return _scenario_optimum(prep, warehouses, options)[0]


def _scenario_optimum(
    prep: PreparedScenario, warehouses: int, options: SolveOptions
) -> tuple[Solution, frozenset[RouteKey]]:
    """The scenario's own optimum and the routes its model chose among."""
    solved = solve_problem(_exact(prep.problem, prep.warehouse_arcs, warehouses), options)
    return solution_from_solve(solved, prep.name), frozenset(
        route_key(r) for r in solved.problem.routes
    )


def _on_routes(prep: PreparedScenario, keys: frozenset[RouteKey]) -> PreparedScenario:
    """The scenario with only the routes in ``keys`` (its route catalogue cut to them)."""
    keep = np.array([route_key(r) in keys for r in prep.problem.routes], dtype=bool)
    if keep.all():
        return prep
    return dataclasses.replace(prep, problem=restricted(prep.problem, keep))


def fixed_set_solution(
    prep: PreparedScenario, chosen: Sequence[str], options: SolveOptions
) -> Solution:
    """The scenario's best routing when exactly the warehouses ``chosen`` are open.

    ``chosen`` holds sites (any of their tiers) or ``site:tier`` options.

    Raises
    ------
    InputError
        When a chosen warehouse is unknown or closed in this scenario.
    """
    arcs = prep.problem.core.arcs
    lo, hi = arcs.min_units.copy(), arcs.max_units.copy()
    known = set(prep.option_site) | set(prep.option_label)
    unknown = set(chosen) - known
    if unknown:
        msg = f"unknown warehouses: {', '.join(sorted(unknown))}"
        raise InputError(msg)
    chosen_sites = {c.split(":")[0] for c in chosen}
    missing = prep.forced - chosen_sites
    if missing:
        msg = f"{prep.name}: warehouse {sorted(missing)[0]} is forced open but not in the set"
        raise InputError(msg)
    extra: list[DesignConstraint] = []
    for site in sorted(chosen_sites):
        options_here = [
            i
            for i, (w, label) in enumerate(zip(prep.option_site, prep.option_label, strict=True))
            if w == site and (site in chosen or label in chosen)
        ]
        if not any(prep.usable[i] for i in options_here):
            msg = f"{prep.name}: warehouse {site} is closed in this scenario"
            raise InputError(msg)
        idx = prep.warehouse_arcs[options_here]
        extra.append(DesignConstraint(f"in_set[{site}]", idx, np.ones(idx.size), lo=1.0))
    for i, (w, label) in enumerate(zip(prep.option_site, prep.option_label, strict=True)):
        if not (w in chosen or label in chosen):
            a = prep.warehouse_arcs[i]
            lo[a] = hi[a] = 0.0
    core = dataclasses.replace(
        prep.problem.core,
        arcs=dataclasses.replace(arcs, min_units=lo, max_units=hi),
        constraints=(*_without_open(prep.problem.core.constraints), *extra),
    )
    return _solve_domain(dataclasses.replace(prep.problem, core=core), prep.name, options)


def _without_open(constraints: Sequence[DesignConstraint]) -> tuple[DesignConstraint, ...]:
    """The design rows without the must-open rows (a fixed set states its own)."""
    return tuple(c for c in constraints if not c.name.startswith("open["))


# -- the robust model ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    built: BuiltModel
    index: np.ndarray  # global index of each of the scenario model's variables
    cost: np.ndarray  # scenario cost vector without warehouse fixed costs


def build_robust_model(
    prepared: Sequence[PreparedScenario],
    warehouses: int,
    criterion: Criterion,
    optima: Sequence[float] | None = None,
) -> tuple[MilpModel, list[_Block], np.ndarray, np.ndarray]:
    """Stack the scenario MILPs and link them by the shared choice (see the module docstring).

    Returns the model, the scenario blocks, the indices of the shared ``z``
    variables and the warehouses' fixed costs.

    Raises
    ------
    InputError
        For an unknown criterion, or ``regret`` without the scenario optima.
    """
    if criterion not in CRITERIA:
        msg = f"unknown criterion {criterion!r}; use one of {', '.join(CRITERIA)}"
        raise InputError(msg)
    if criterion == "regret" and (optima is None or len(optima) != len(prepared)):
        msg = "the regret criterion needs every scenario's own optimum"
        raise InputError(msg)
    n_s = len(prepared)
    first = prepared[0]
    fixed = first.problem.core.arcs.unit_cost[first.warehouse_arcs].copy()
    n_w = fixed.size
    allowed = np.logical_and.reduce([p.usable for p in prepared])
    model = MilpModel(name=f"robust-{criterion}")
    blocks: list[_Block] = []
    weight = 1.0 / n_s if criterion == "expected" else TIE_BREAK / n_s
    for p in prepared:
        arcs = p.problem.core.arcs
        unit_cost = arcs.unit_cost.copy()
        unit_cost[p.warehouse_arcs] = 0.0  # fixed costs are paid once, on z
        core = dataclasses.replace(
            p.problem.core, arcs=dataclasses.replace(arcs, unit_cost=unit_cost)
        )
        built = build_model(core)
        m = built.model
        cost = m.cost
        integer = m.integer
        index = np.empty(m.num_vars, dtype=np.int64)
        for flag in (False, True):
            sel = np.flatnonzero(integer == flag)
            index[sel] = model.add_vars(
                sel.size, lb=m.lb[sel], ub=m.ub[sel], cost=weight * cost[sel], integer=flag
            )
        rows, cols, vals = m.coo()
        model.add_rows(m.num_rows, rows, index[cols], vals, lb=m.row_lb, ub=m.row_ub)
        blocks.append(_Block(built=built, index=index, cost=cost))
    z_cost = fixed if criterion == "expected" else TIE_BREAK * fixed
    z = model.add_vars(
        n_w,
        ub=np.where(allowed, 1.0, 0.0),
        cost=z_cost,
        integer=True,
        names=[f"chosen[{label}]" for label in first.option_label],
    )
    # at most one owned tier a site
    sites = sorted(set(first.option_site))
    site_row = {w: i for i, w in enumerate(sites)}
    multi = [i for i in range(n_w) if first.option_site.count(first.option_site[i]) > 1]
    if multi:
        model.add_rows(
            len(sites),
            np.array([site_row[first.option_site[i]] for i in multi], dtype=np.int64),
            z[multi],
            1.0,
            ub=1.0,
        )
    # (R1) y_sw <= z_w
    for p, b in zip(prepared, blocks, strict=True):
        y = b.index[b.built.units[p.warehouse_arcs]]
        model.add_rows(
            n_w,
            np.concatenate([np.arange(n_w), np.arange(n_w)]),
            np.concatenate([y, z]),
            np.concatenate([np.ones(n_w), -np.ones(n_w)]),
            ub=0.0,
        )
    # (R2) sum z = P
    model.add_rows(1, np.zeros(n_w, dtype=np.int64), z, 1.0, lb=warehouses, ub=warehouses)
    if criterion == "regret":
        assert optima is not None
        theta = model.add_vars(1, lb=-INF, cost=1.0, names=["max_regret"])
        for b, opt in zip(blocks, optima, strict=True):
            nz = np.flatnonzero(b.cost)
            model.add_rows(
                1,
                np.zeros(nz.size + n_w + 1, dtype=np.int64),
                np.concatenate([b.index[nz], z, theta]),
                np.concatenate([b.cost[nz], fixed, [-1.0]]),
                ub=float(opt),
            )
    return model, blocks, z, fixed


def solve_robust(
    scenarios: Sequence[str | Path] | Sequence[PreparedScenario],
    warehouses: int,
    *,
    criterion: Criterion = "expected",
    options: SolveOptions | None = None,
) -> RobustResult:
    """Choose ``warehouses`` sites that serve every scenario well; see the module docstring.

    ``scenarios`` are scenario files, or their :func:`prepare` d form (to solve
    the same scenarios for several ``P`` or criteria without rebuilding).

    Raises
    ------
    InputError
        On bad scenario files, an unknown criterion or an impossible ``warehouses``.
    """
    if criterion not in CRITERIA:
        msg = f"unknown criterion {criterion!r}; use one of {', '.join(CRITERIA)}"
        raise InputError(msg)
    options = options or SolveOptions(rel_gap=1e-4)
    prepared = _as_prepared(scenarios)
    check_count(prepared, warehouses)

    optima: dict[str, Solution] = {}
    generated: set[RouteKey] = set()
    for p in prepared:
        log.info("%s: own optimum with exactly %d warehouse(s)", p.name, warehouses)
        optima[p.name], keys = _scenario_optimum(p, warehouses, options)
        generated |= keys
        if optima[p.name].objective is None:
            status = optima[p.name].status
            msg = f"{p.name}: no solution with exactly {warehouses} warehouses ({status})"
            raise InputError(msg)
    opt_values = [_objective(optima[p.name]) for p in prepared]
    # The robust model chooses among the routes generated for any scenario's optimum
    # (price-and-branch over the union; each scenario's catalogue cut to it).
    if any(p.options.routes == "generated" for p in prepared):
        every = frozenset(generated)
        prepared = [_on_routes(p, every) for p in prepared]

    hint = None
    if criterion == "regret":
        # The min-max regret model has a weak LP bound: start it from the expected-cost
        # set (same variable layout, plus the regret variable at the end).
        log.info("expected-cost model over %d scenario(s), as a start for regret", len(prepared))
        start, start_blocks, start_z, start_fixed = build_robust_model(
            prepared, warehouses, "expected"
        )
        first = solve_milp(
            start,
            options,
            hint=_start_from_optima(prepared, start, start_blocks, start_z, optima),
        )
        if first.values is not None:
            zs = first.values[start.num_vars - start_fixed.size :]
            worst = max(
                float(b.cost @ first.values[b.index] + start_fixed @ zs) - o
                for b, o in zip(start_blocks, opt_values, strict=True)
            )
            hint = np.concatenate([first.values, [worst]])
    log.info("robust model (%s) over %d scenario(s)", criterion, len(prepared))
    model, blocks, z, fixed = build_robust_model(prepared, warehouses, criterion, opt_values)
    if hint is None and criterion == "expected":
        hint = _start_from_optima(prepared, model, blocks, z, optima)
    raw = solve_milp(model, options, hint=hint)
    empty = RobustResult(
        criterion=criterion,
        warehouses=warehouses,
        chosen=(),
        status=raw.status,
        objective=raw.objective,
        bound=raw.bound,
        gap=raw.gap,
        seconds=raw.seconds,
        scenarios=pd.DataFrame(),
        candidates=pd.DataFrame(),
        optima=optima,
        model_size=model.size(),
        networks={p.name: p.network for p in prepared},
    )
    if raw.values is None:
        return empty
    x = raw.values
    zval = np.round(x[z]).astype(bool)
    labels = prepared[0].option_label
    chosen = tuple(label for label, c in zip(labels, zval, strict=True) if c)

    solutions: dict[str, Solution] = {}
    rows = []
    for p, b in zip(prepared, blocks, strict=True):
        xs = x[b.index]
        xs[b.built.units[p.warehouse_arcs]] = zval.astype(float)
        cost = float(b.cost @ xs + fixed @ zval)
        res = SolverResult(
            status=raw.status,
            objective=cost,
            bound=None,
            gap=None,
            seconds=raw.seconds,
            solver=raw.solver,
            values=xs,
            message=f"robust {criterion} plan",
        )
        solved = DomainSolve(
            problem=p.problem, built=b.built, result=extract(p.problem.core, b.built, res)
        )
        sol = solution_from_solve(solved, p.name)
        exact = dataclasses.replace(p.options, exact_warehouses=warehouses)
        check = summarize(verify(p.network, sol, exact))
        sol = dataclasses.replace(sol, meta={"check": check})
        solutions[p.name] = sol
        opt = optima[p.name]
        opt_cost = _objective(opt)
        tol = slack(opt) + slack(raw)
        rows.append(
            {
                "scenario": p.name,
                "robust_cost_cny": cost,
                "robust_logistics_cost_cny": sol.kpis.get("logistics_cost_cny", float("nan")),
                "robust_unmet_penalty_cny": sol.kpis.get("unmet_penalty_cny", float("nan")),
                "optimum_cost_cny": opt_cost,
                "optimum_logistics_cost_cny": opt.kpis.get("logistics_cost_cny", float("nan")),
                "regret_cny": cost - opt_cost,
                "regret_share": cost / opt_cost - 1.0,
                "regret_tolerance_cny": tol,
                "regret_verdict": WITHIN if cost - opt_cost <= tol else "regret",
                "optimum_gap": opt.gap,
                "robust_unmet_tonnes": sol.kpis.get("unmet_tonnes", float("nan")),
                "optimum_unmet_tonnes": opt.kpis.get("unmet_tonnes", float("nan")),
                "optimum_warehouses": ";".join(opt.kpis.get("open_warehouses", [])),
                "check_ok": bool(check["ok"]),
            }
        )
    scen = pd.DataFrame(rows)
    cand = candidate_table(prepared, chosen, fixed, solutions, optima)
    return dataclasses.replace(
        empty,
        chosen=chosen,
        scenarios=scen,
        candidates=cand,
        solutions=solutions,
        moves=plan_moves(solutions, optima),
    )


def plan_moves(solutions: dict[str, Solution], optima: dict[str, Solution]) -> pd.DataFrame:
    """Per scenario, the flows the robust plan routes otherwise than the scenario's optimum,
    and why (:func:`optimizer.studies.moves.moved_flows`; the network is the same, so the
    causes are the warehouse set, consolidation or ties)."""
    frames = []
    for name, sol in solutions.items():
        opt = optima[name]
        open_a = set(opt.kpis.get("open_warehouses", []))
        open_b = set(sol.kpis.get("open_warehouses", []))
        m = moved_flows(
            opt.routes,
            sol.routes,
            set(),
            warehouses_changed=open_a ^ open_b,
            container_lanes=lanes_with_other_boxes(opt, sol),
        )
        frames.append(m.assign(scenario=name)[["scenario", *MOVE_COLUMNS]])
    if not frames:
        return pd.DataFrame(columns=["scenario", *MOVE_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def _start_from_optima(
    prepared: Sequence[PreparedScenario],
    model: MilpModel,
    blocks: Sequence[_Block],
    z: np.ndarray,
    optima: dict[str, Solution],
) -> np.ndarray | None:
    """A MIP start of the expected-cost model: the best of the scenarios' own optima.

    Each scenario's optimum names a set of warehouses; every scenario's
    block starts from that optimum's routes carried over (routes a scenario
    lacks rerouted, :func:`optimizer.models.design.completed_start`), and the
    set whose start costs least is the one handed to the solver.
    """
    first = prepared[0]
    labels = [first.problem.arc_ids[a] for a in first.warehouse_arcs]
    best: tuple[float, np.ndarray] | None = None
    for name, sol in optima.items():
        inc = Incumbent.from_solution(sol)
        if inc is None:
            continue
        zval = np.array([1.0 if inc.units.get(a, 0.0) >= 0.5 else 0.0 for a in labels])
        sites = {w for w, on in zip(first.option_site, zval, strict=True) if on}
        x = np.zeros(model.num_vars)
        x[z] = zval
        for p, b in zip(prepared, blocks, strict=True):
            usable = np.array(
                [r.operating != "owned" or r.warehouse in sites for r in p.problem.routes]
            )
            share, units, loose = completed_start(p.problem, inc, usable)
            units = units.copy()
            units[p.warehouse_arcs] = zval
            x[b.index] = start_point(p.problem.core, b.built, share, units, loose)
        if model.max_violation(x) > 1e-6:
            log.info("start from %s's optimum breaks a row; not used", name)
            continue
        value = model.objective_value(x)
        log.info("start from %s's warehouse set: %.6g", name, value)
        if best is None or value < best[0]:
            best = (value, x)
    return None if best is None else best[1]


def candidate_table(
    prepared: Sequence[PreparedScenario],
    chosen: Sequence[str],
    fixed: np.ndarray,
    solutions: dict[str, Solution],
    optima: dict[str, Solution],
) -> pd.DataFrame:
    """One row per candidate site: chosen (and its tier), fixed cost, how often in an optimum.

    ``tier`` is the owned tier chosen (empty when the site is not in the set);
    ``fixed_cost_cny`` its fixed cost, or the smallest tier's for a site not
    chosen. ``cost_<scenario>`` is the site's cost in the robust plan of that
    scenario (fixed cost plus handling, storage and shared fees of its
    throughput), ``tonnes_<scenario>`` its throughput (owned and shared) and
    ``in_optimum_<scenario>`` whether the scenario's own optimum opens it.
    """
    first = prepared[0]
    net = first.network
    n_s = len(prepared)
    chosen_site = {label.split(":")[0]: label for label in chosen}
    rows = []
    for w in net.warehouses.index:
        options_here = [i for i, site in enumerate(first.option_site) if site == w]
        label = chosen_site.get(str(w))
        if label is not None:
            pick = next(i for i in options_here if first.option_label[i] == label)
        else:
            pick = min(options_here, key=lambda i: float(fixed[i]))
        site_fixed = float(fixed[pick])
        row: dict[str, Any] = {
            "warehouse_id": w,
            "name": net.nodes.at[w, "name"],
            "country": net.nodes.at[w, "country"],
            "public_service": bool(net.warehouses.at[w, "public_service"])
            if "public_service" in net.warehouses.columns
            else False,
            "chosen": label is not None,
            "tier": label.split(":")[1] if label is not None and ":" in label else "",
            "fixed_cost_cny": site_fixed,
        }
        count = 0
        for p in prepared:
            in_opt = w in optima[p.name].kpis.get("open_warehouses", [])
            count += in_opt
            row[f"in_optimum_{p.name}"] = in_opt
        row["in_optimum_count"] = count
        row["in_optimum_share"] = count / n_s
        for p in prepared:
            wh = solutions[p.name].warehouses
            hit = wh[wh["warehouse_id"] == w] if len(wh) else wh
            t = float(hit["throughput_tonnes"].sum()) if len(hit) else 0.0
            hs = float(hit["handling_storage_cny"].sum()) if len(hit) else 0.0
            row[f"tonnes_{p.name}"] = t
            row[f"cost_{p.name}"] = (site_fixed if label is not None else 0.0) + hs
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sort_values(
        ["chosen", "in_optimum_count", "warehouse_id"], ascending=[False, False, True]
    ).reset_index(drop=True)


def brute_force(
    prepared: Sequence[PreparedScenario],
    warehouses: int,
    criterion: Criterion,
    options: SolveOptions,
    optima: Sequence[float] | None = None,
) -> tuple[tuple[str, ...], float]:
    """The best set by enumeration of every ``warehouses``-subset of sites and tiers (small cases).

    Returns the set and its value under ``criterion`` (mean cost, or the worst
    regret plus the tie-break term of the module docstring).
    """
    first = prepared[0]
    usable = [all(p.usable[i] for p in prepared) for i in range(len(first.option_label))]
    by_site: dict[str, list[str]] = {}
    for i, (site, label) in enumerate(zip(first.option_site, first.option_label, strict=True)):
        if usable[i]:
            by_site.setdefault(site, []).append(label)
    best: tuple[tuple[str, ...], float] = ((), INF)
    subsets = (
        combo
        for sites in itertools.combinations(sorted(by_site), warehouses)
        for combo in itertools.product(*(by_site[w] for w in sites))
    )
    for subset in subsets:
        try:
            costs = [
                float(fixed_set_solution(p, subset, options).objective or INF) for p in prepared
            ]
        except InputError:
            continue
        if criterion == "expected":
            value = sum(costs) / len(costs)
        else:
            assert optima is not None
            value = max(c - o for c, o in zip(costs, optima, strict=True)) + TIE_BREAK * sum(
                costs
            ) / len(costs)
        if value < best[1]:
            best = (subset, value)
    return best
