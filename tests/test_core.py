"""The generic network design core against brute force on tiny random instances."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer.engine.core import (
    Arcs,
    Commodities,
    DesignConstraint,
    DesignProblem,
    Paths,
    _separate_linking,
    build_model,
    solve_design,
)
from optimizer.engine.milp import MilpModel
from optimizer.engine.solver import SolveOptions, solve_milp
from optimizer.models.mcnd import network_design_problem

EXACT = SolveOptions(rel_gap=0.0, abs_gap=1e-9, time_limit_s=30)


def random_instance(seed: int) -> DesignProblem:
    """3-5 arcs (binary, integer with loose option, plain), 2-3 commodities, 2 paths each."""
    rng = np.random.default_rng(seed)
    n_arcs = int(rng.integers(3, 6))
    n_com = int(rng.integers(2, 4))
    kinds = rng.choice(["binary", "integer", "plain"], size=n_arcs)
    kinds[0] = "integer"
    cap = np.where(kinds == "plain", np.inf, rng.integers(5, 20, n_arcs).astype(float))
    unit_cost = np.where(kinds == "plain", 0.0, rng.integers(10, 60, n_arcs).astype(float))
    max_units = np.where(kinds == "binary", 1.0, np.where(kinds == "integer", 3.0, np.inf))
    flow_cost = rng.integers(0, 6, (n_arcs, 2)).astype(float)
    loose = np.full((n_arcs, 2), np.inf)
    loose[kinds == "integer"] = rng.integers(3, 9, (int((kinds == "integer").sum()), 2))
    usage = rng.choice([1.0, 1.5], size=(n_arcs, 2))
    volume = rng.integers(3, 25, n_com).astype(float)
    com = Commodities(
        ids=tuple(f"k{i}" for i in range(n_com)),
        volume=volume,
        unmet_cost=np.full(n_com, 40.0),
        cls=rng.integers(0, 2, n_com),
    )
    commodity, arcs_list = [], []
    for k in range(n_com):
        for _ in range(2):
            size = int(rng.integers(1, 3))
            commodity.append(k)
            arcs_list.append(sorted(rng.choice(n_arcs, size=size, replace=False).tolist()))
    paths = Paths.from_lists(commodity, arcs_list, cost=rng.integers(0, 4, len(commodity)).tolist())
    arcs = Arcs(
        ids=tuple(f"a{i}" for i in range(n_arcs)),
        flow_cost=flow_cost,
        unit_capacity=cap,
        unit_cost=unit_cost,
        max_units=max_units,
        loose_cost=loose,
        usage=usage,
    )
    design = np.flatnonzero(arcs.is_design)
    constraints = (DesignConstraint("few", design, np.ones(design.size), hi=4),)
    return DesignProblem(arcs=arcs, commodities=com, paths=paths, constraints=constraints)


def brute_force(problem: DesignProblem) -> float:
    """Enumerate every integer vector; solve the continuous rest as an LP."""
    built = build_model(problem)
    m = built.model
    ints = np.flatnonzero(m.integer)
    ranges = [range(int(m.lb[i]), int(min(m.ub[i], 3)) + 1) for i in ints]
    rows, cols, vals = m.coo()
    a = np.zeros((m.num_rows, m.num_vars))
    np.add.at(a, (rows, cols), vals)
    best = np.inf
    for combo in itertools.product(*ranges):
        lb, ub = m.lb.copy(), m.ub.copy()
        lb[ints] = combo
        ub[ints] = combo
        a_ub = np.vstack([a, -a])
        b_ub = np.concatenate([m.row_ub, -m.row_lb])
        keep = np.isfinite(b_ub)
        res = linprog(
            m.cost,
            A_ub=a_ub[keep],
            b_ub=b_ub[keep],
            bounds=list(zip(lb, ub, strict=True)),
            method="highs",
        )
        if res.status == 0:
            best = min(best, res.fun + m.offset)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_core_equals_brute_force(seed):
    problem = random_instance(seed)
    result = solve_design(problem, EXACT)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(brute_force(problem), rel=1e-7, abs=1e-6)
    # recompute the objective from the returned flows and units
    arcs, com, paths = problem.arcs, problem.commodities, problem.paths
    share = result.share
    total = float((result.units * arcs.unit_cost).sum())
    for p in range(paths.count):
        k = paths.commodity[p]
        per_unit = paths.cost[p] + sum(arcs.flow_cost[a, com.cls[k]] for a in paths.arcs_of(p))
        total += share[p] * com.volume[k] * per_unit
    total += float((result.unmet_share * com.volume * com.unmet_cost).sum())
    loose = np.where(np.isfinite(arcs.loose_cost), arcs.loose_cost, 0.0)
    total += float((result.loose_flow * loose).sum())
    assert total == pytest.approx(result.objective, rel=1e-9, abs=1e-6)
    # conservation and capacity
    for k in range(com.count):
        assert share[paths.commodity == k].sum() + result.unmet_share[k] == pytest.approx(1.0)
    in_units = result.class_flow - result.loose_flow
    used = (arcs.usage * in_units).sum(axis=1)
    design = arcs.is_design
    assert np.all(used[design] <= result.units[design] * arcs.unit_capacity[design] + 1e-6)
    assert np.all(result.units <= np.where(np.isfinite(arcs.max_units), arcs.max_units, 1e9))


@pytest.mark.parametrize("seed", range(6))
def test_highspy_backend_equals_brute_force(seed):
    # the same model handed to the highspy wheel's HiGHS instead of MathOpt's
    problem = random_instance(seed)
    result = solve_design(problem, replace(EXACT, solver="highspy"))
    assert result.status == "optimal"
    assert result.solver == "highspy"
    assert result.objective == pytest.approx(brute_force(problem), rel=1e-7, abs=1e-6)
    assert result.bound is not None and result.bound <= result.objective + 1e-6


def test_highspy_backend_reports_infeasible():
    arcs = Arcs(
        ids=("a",),
        flow_cost=np.zeros(1),
        unit_capacity=np.array([5.0]),
        unit_cost=np.array([1.0]),
        max_units=np.array([1.0]),
    )
    com = Commodities(ids=("k",), volume=np.array([8.0]))
    res = solve_design(
        DesignProblem(arcs, com, Paths.from_lists([0], [[0]])), replace(EXACT, solver="highspy")
    )
    assert res.status == "infeasible"
    assert not res.has_solution


def test_unsplittable_and_choices():
    # two customers, two facilities; single-source forces a worse but feasible split
    arcs = Arcs(
        ids=("f0", "f1"),
        flow_cost=np.zeros(2),
        unit_capacity=np.array([10.0, 10.0]),
        unit_cost=np.array([5.0, 5.0]),
        max_units=np.ones(2),
    )
    com = Commodities(ids=("c0", "c1"), volume=np.array([6.0, 6.0]), unsplittable=True)
    paths = Paths.from_lists([0, 0, 1, 1], [[0], [1], [0], [1]], cost=[1, 2, 1, 2])
    res = solve_design(DesignProblem(arcs, com, paths), EXACT)
    assert res.status == "optimal"
    # 12 units do not fit one facility of 10: both open, one customer on the dearer one
    assert res.objective == pytest.approx(10 + 6 * 1 + 6 * 2)
    assert set(np.round(res.share, 6)) <= {0.0, 1.0}


def test_infeasible_when_demand_must_be_served():
    arcs = Arcs(
        ids=("a",),
        flow_cost=np.zeros(1),
        unit_capacity=np.array([5.0]),
        unit_cost=np.array([1.0]),
        max_units=np.array([1.0]),
    )
    com = Commodities(ids=("k",), volume=np.array([8.0]))
    res = solve_design(DesignProblem(arcs, com, Paths.from_lists([0], [[0]])), EXACT)
    assert res.status == "infeasible"
    assert not res.has_solution


def test_unknown_solver_lists_available():
    from optimizer.engine.solver import SolverError

    with pytest.raises(SolverError, match="available: cpsat, highs, highspy, scip"):
        SolveOptions(solver="gurobi")


def test_with_rows_keeps_variables_and_selected_rows() -> None:
    model = MilpModel()
    x = model.add_vars(3, ub=[1.0, 2.0, 3.0], cost=[1.0, -1.0, 2.0], integer=True)
    model.add_rows(
        2,
        [0, 0, 1],
        [x[0], x[1], x[2]],
        [1.0, 2.0, 5.0],
        lb=[1.0, -np.inf],
        ub=[4.0, 7.0],
        names=["a", "b"],
    )
    model.add_rows(1, [0, 0], [x[0], x[2]], [3.0, -1.0], ub=0.0, names=["c"])
    sub = model.with_rows(np.array([0, 2]))
    rows, cols, vals = sub.coo()
    assert sub.num_vars == 3 and sub.num_rows == 2
    assert sub.row_names() == ["a", "c"]
    np.testing.assert_array_equal(rows, [0, 0, 1, 1])
    np.testing.assert_array_equal(cols, [0, 1, 0, 2])
    np.testing.assert_allclose(vals, [1.0, 2.0, 3.0, -1.0])
    np.testing.assert_allclose(sub.row_lb, [1.0, -np.inf])
    np.testing.assert_allclose(sub.row_ub, [4.0, 0.0])
    np.testing.assert_allclose(sub.ub, [1.0, 2.0, 3.0])
    assert sub.integer.all()
    assert not model.with_rows(np.array([1]), relax=True).integer.any()


def test_separated_linking_keeps_the_lp_bound() -> None:
    # the separation loop stops when the LP violates no strong-linking row, so
    # the smaller model's LP bound is the full model's
    from tests.test_mcnd import random_network

    for seed in range(6):
        inst = random_network(5, 12, 4, seed)
        inst = replace(inst, capacity=inst.capacity + 40.0)  # (feasible)
        problem = network_design_problem(
            inst.tail,
            inst.head,
            inst.flow_cost,
            inst.capacity,
            inst.fixed_cost,
            inst.origin,
            inst.destination,
            inst.volume,
        )
        built = build_model(problem)
        options = SolveOptions(solver="highspy")
        full = solve_milp(
            built.model.with_rows(np.arange(built.model.num_rows), relax=True), options
        )
        smaller = _separate_linking(built, options, started=time.perf_counter())
        assert smaller.model.num_rows < built.model.num_rows
        lp = solve_milp(
            smaller.model.with_rows(np.arange(smaller.model.num_rows), relax=True), options
        )
        if full.objective is None:
            assert lp.objective is None
            continue
        assert lp.objective == pytest.approx(full.objective, rel=1e-7)
