"""The Lagrangian bound, the exact fixing tests and the branch-and-bound, against brute force."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from optimizer.bench.instances import CapInstance
from optimizer.bench.run import check_facility_location
from optimizer.engine.lagrangian import (
    _knapsacks,
    _probe,
    branch_and_bound,
    lagrangian_bound,
    transport,
)
from tests.test_cflp import brute_force, random_instance


def _instance(m: int, n: int, seed: int, equal: bool) -> CapInstance:
    inst = random_instance(m, n, seed)
    if equal:  # the OR-Library case: the cover is solved exactly (a cardinality rule)
        capacity = np.full(m, float(np.random.default_rng(seed).integers(8, 30)))
        inst = CapInstance(inst.name, capacity, inst.fixed_cost, inst.demand, inst.assignment_cost)
    return inst


def _open_set_costs(inst: CapInstance) -> list[tuple[np.ndarray, float]]:
    """Every open set that can serve the demand, with its best multi-source cost."""
    out = []
    for mask in itertools.product([False, True], repeat=inst.warehouses):
        is_open = np.array(mask)
        priced = transport(
            inst.fixed_cost, inst.capacity, inst.demand, inst.assignment_cost, is_open
        )
        if priced is not None:
            out.append((is_open, priced[0]))
    return out


@settings(max_examples=30, deadline=None)
@given(m=st.integers(1, 5), n=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_knapsacks_match_an_lp_per_facility(m: int, n: int, seed: int) -> None:
    inst = random_instance(m, n, seed)
    u = np.random.default_rng(seed + 1).uniform(0, 120, n)
    value, rows, cols, share = _knapsacks(inst.assignment_cost, inst.demand, inst.capacity, u)
    x = np.zeros((m, n))
    x[rows, cols] = share
    for i in range(m):
        lp = linprog(
            inst.assignment_cost[i] - u,
            A_ub=inst.demand[None, :],
            b_ub=[inst.capacity[i]],
            bounds=(0, 1),
            method="highs",
        )
        assert value[i] == pytest.approx(lp.fun, abs=1e-7)
        assert float(inst.demand @ x[i]) <= inst.capacity[i] + 1e-9
        assert float((inst.assignment_cost[i] - u) @ x[i]) == pytest.approx(value[i], abs=1e-7)


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 4), n=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_transport_matches_the_brute_force_lp(m: int, n: int, seed: int) -> None:
    inst = random_instance(m, n, seed)
    is_open = np.ones(m, dtype=bool)
    priced = transport(inst.fixed_cost, inst.capacity, inst.demand, inst.assignment_cost, is_open)
    if inst.capacity.sum() < inst.demand.sum():
        assert priced is None
        return
    assert priced is not None
    lp = linprog(
        inst.assignment_cost.ravel(),
        A_ub=np.kron(np.eye(m), inst.demand[None, :]),
        b_ub=inst.capacity,
        A_eq=np.kron(np.ones(m), np.eye(n)),
        b_eq=np.ones(n),
        bounds=(0, 1),
        method="highs",
    )
    assert priced[0] == pytest.approx(inst.fixed_cost.sum() + lp.fun, abs=1e-6)
    report = check_facility_location(inst, priced[1], np.arange(m), single_source=False)
    assert report.ok, report.problems
    assert report.objective == pytest.approx(priced[0], abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(2, 5),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    equal=st.booleans(),
    slack=st.floats(0.0, 0.2),
)
def test_fixing_tests_are_exact(m: int, n: int, seed: int, equal: bool, slack: float) -> None:
    # every open set cheaper than the value used keeps the closed ones closed
    # and the opened ones open
    inst = _instance(m, n, seed, equal)
    sets = _open_set_costs(inst)
    if not sets:
        return
    optimum = min(cost for _, cost in sets)
    upper = optimum * (1 + slack) + 1e-6
    a = (inst.fixed_cost, inst.capacity, inst.demand, inst.assignment_cost)
    lag = lagrangian_bound(*a, upper=upper, iterations=100)
    assert lag.bound <= optimum + 1e-6
    close, open_ = _probe(lag, inst.capacity, float(inst.demand.sum()), np.full(m, -1), upper)
    for is_open, cost in sets:
        if cost < upper - 1e-6:
            assert not np.any(is_open & close), (is_open, close, cost, upper)
            assert np.all(is_open[open_]), (is_open, open_, cost, upper)


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 6),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    equal=st.booleans(),
    with_incumbent=st.booleans(),
    iterations=st.sampled_from([1, 20, 200]),
)
def test_branch_and_bound_matches_brute_force(
    m: int, n: int, seed: int, equal: bool, with_incumbent: bool, iterations: int
) -> None:
    # a weak root (one subgradient step) makes the tree do the work
    inst = _instance(m, n, seed, equal)
    expected = brute_force(inst, single_source=False)
    a = (inst.fixed_cost, inst.capacity, inst.demand, inst.assignment_cost)
    if not np.isfinite(expected):
        return
    lag = lagrangian_bound(*a, iterations=iterations)
    incumbent = None
    if with_incumbent:
        everything = np.ones(m, dtype=bool)
        priced = transport(*a, everything)
        assert priced is not None
        incumbent = (priced[0], everything, priced[1])
    found = branch_and_bound(
        *a, lag, incumbent, deadline=time.perf_counter() + 30, rel_gap=0.0, abs_gap=1e-9
    )
    assert not found.timed_out
    assert found.objective == pytest.approx(expected, abs=1e-6)
    assert found.bound <= expected + 1e-6
    assert found.bound >= found.objective - 1e-6
    assert found.is_open is not None and found.assignment is not None
    report = check_facility_location(
        inst, found.assignment, np.flatnonzero(found.is_open), single_source=False
    )
    assert report.ok, report.problems
    assert report.objective == pytest.approx(found.objective, abs=1e-6)


def test_a_time_limit_returns_the_incumbent_with_a_valid_bound() -> None:
    inst = _instance(6, 5, 7, equal=False)
    a = (inst.fixed_cost, inst.capacity, inst.demand, inst.assignment_cost)
    expected = brute_force(inst, single_source=False)
    everything = np.ones(6, dtype=bool)
    priced = transport(*a, everything)
    assert priced is not None
    lag = lagrangian_bound(*a, iterations=1)
    found = branch_and_bound(
        *a, lag, (priced[0], everything, priced[1]), deadline=time.perf_counter() - 1.0
    )
    assert found.timed_out
    assert found.objective == pytest.approx(priced[0])
    assert found.bound <= expected + 1e-6
    assert found.objective >= expected - 1e-6


def test_a_one_thread_milp_after_a_default_lp_in_the_same_process() -> None:
    # HiGHS keeps one thread scheduler per process; a MILP asking for 1 thread
    # after a default-thread LP used to fail with status "Not Set"
    from optimizer.engine.solver import SolveOptions
    from optimizer.models.cflp import solve_facility_location

    args = (
        np.ones(2),
        np.array([5.0, 5.0]),
        np.array([3.0, 3.0]),
        np.array([[1.0, 2.0], [2.0, 1.0]]),
    )
    assert transport(*args, np.array([True, True])) is not None
    for threads in (1, 2, None, 1):
        result = solve_facility_location(
            *args, options=SolveOptions(solver="highspy", threads=threads)
        )
        assert result.status == "optimal", (threads, result.message)
        assert result.objective == pytest.approx(4.0)
