"""Capacitated facility location through the core, against brute force and published optima."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from optimizer.bench.instances import CapInstance, benchmark_dir, read_cap
from optimizer.bench.run import check_facility_location
from optimizer.engine.solver import SolveOptions
from optimizer.errors import InputError
from optimizer.models.cflp import facility_location_problem, solve_facility_location

DATA = Path(__file__).parent / "data" / "bench"
SHARED = benchmark_dir() / "orlib_cap"
EXACT = SolveOptions(rel_gap=1e-9, abs_gap=1e-6, time_limit_s=30)


def _solve(inst: CapInstance, *, single_source: bool = False):
    return solve_facility_location(
        inst.fixed_cost,
        inst.capacity,
        inst.demand,
        inst.assignment_cost,
        single_source=single_source,
        options=EXACT,
    )


def random_instance(m: int, n: int, seed: int) -> CapInstance:
    """Capacities 5-39, fixed costs 0-49, demands 1-19, costs 0-99 (seeded)."""
    rng = np.random.default_rng(seed)
    return CapInstance(
        "random",
        rng.integers(5, 40, m).astype(float),
        rng.integers(0, 50, m).astype(float),
        rng.integers(1, 20, n).astype(float),
        rng.integers(0, 100, (m, n)).astype(float),
    )


def assert_optimal_and_checked(inst: CapInstance, result, expected: float, single: bool) -> None:
    """Optimal, equal to ``expected``, and passing the independent checker."""
    assert result.status == "optimal"
    assert result.objective == pytest.approx(expected, abs=1e-6)
    report = check_facility_location(
        inst, result.assignment, result.open_facilities, single_source=single
    )
    assert report.ok, report.problems
    assert report.objective == pytest.approx(result.objective, abs=1e-6)


def brute_force(inst: CapInstance, *, single_source: bool) -> float:
    """Enumerate open sets; transportation LP (scipy) or every assignment (single source)."""
    m, n = inst.warehouses, inst.customers
    best = np.inf
    for mask in itertools.product([0, 1], repeat=m):
        opened = np.flatnonzero(mask)
        if opened.size == 0:
            continue
        fixed = inst.fixed_cost[opened].sum()
        cap, cost = inst.capacity[opened], inst.assignment_cost[opened]
        if single_source:
            for choice in itertools.product(range(opened.size), repeat=n):
                load = np.bincount(choice, weights=inst.demand, minlength=opened.size)
                if np.all(load <= cap + 1e-9):
                    best = min(best, fixed + cost[list(choice), np.arange(n)].sum())
            continue
        k = opened.size
        a_eq = np.kron(np.ones(k), np.eye(n))  # sum_i x_ij = 1, x i-major
        a_ub = np.kron(np.eye(k), inst.demand[None, :])
        lp = linprog(
            cost.ravel(),
            A_ub=a_ub,
            b_ub=cap,
            A_eq=a_eq,
            b_eq=np.ones(n),
            bounds=(0, 1),
            method="highs",
        )
        if lp.status == 0:
            best = min(best, fixed + lp.fun)
    return best


def test_tiny_by_hand() -> None:
    inst = read_cap(DATA / "tiny_cap.txt")
    for single in (False, True):
        result = _solve(inst, single_source=single)
        assert result.status == "optimal"
        assert result.objective == pytest.approx(35.0)
        np.testing.assert_array_equal(result.open_facilities, [0, 1])
        assert check_facility_location(
            inst, result.assignment, result.open_facilities, single_source=single
        ).ok


def test_infeasible_reports_reason() -> None:
    inst = read_cap(DATA / "cap_infeasible.txt")
    result = _solve(inst)
    assert result.status == "infeasible"
    assert "total capacity 100" in result.message
    assert "total demand 120" in result.message


def test_core_mapping_costs_are_totals() -> None:
    inst = read_cap(DATA / "tiny_cap.txt")
    problem = facility_location_problem(
        inst.fixed_cost, inst.capacity, inst.demand, inst.assignment_cost
    )
    # path j*m+i carries c_ij / d_j per unit of volume: d_j * that = c_ij
    per_volume = problem.paths.cost * problem.commodities.volume[problem.paths.commodity]
    np.testing.assert_allclose(per_volume, inst.assignment_cost.T.ravel())
    assert problem.constraints[0].lo == inst.demand.sum()


def test_shape_mismatch_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"assignment_cost has shape \(2, 2\), expected \(2, 3\)"):
        facility_location_problem([1, 2], [5, 5], [1, 1, 1], np.ones((2, 2)))


@settings(max_examples=10, deadline=None)
@given(m=st.integers(1, 3), n=st.integers(1, 4), seed=st.integers(0, 2**16), single=st.booleans())
def test_matches_brute_force(m: int, n: int, seed: int, single: bool) -> None:
    inst = random_instance(m, n, seed)
    expected = brute_force(inst, single_source=single)
    result = _solve(inst, single_source=single)
    if not np.isfinite(expected):
        assert result.status == "infeasible"
        return
    assert_optimal_and_checked(inst, result, expected, single)


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    seed=st.integers(0, 2**16),
    single=st.booleans(),
    backend=st.sampled_from(["highs", "highspy"]),
)
def test_large_instance_path_matches_brute_force(
    m: int, n: int, seed: int, single: bool, backend: str
) -> None:
    # the Lagrangian bound, greedy start and hint used from LARGE_INSTANCE pairs on
    import optimizer.models.cflp as cflp

    inst = random_instance(m, n, seed)
    expected = brute_force(inst, single_source=single)
    a = (inst.fixed_cost, inst.capacity, inst.demand, inst.assignment_cost)
    if np.isfinite(expected):
        lag = cflp.lagrangian_bound(*a, upper=expected + 1.0)
        assert lag.bound <= expected + 1e-6  # a bound, whatever the multipliers
        start = cflp.greedy_solution(*a)
        if start is not None:  # feasible for the single-source problem
            report = check_facility_location(
                inst, start[1], np.flatnonzero(start[0]), single_source=True
            )
            assert report.ok, report.problems
    saved = cflp.LARGE_INSTANCE
    cflp.LARGE_INSTANCE = 0
    try:
        result = solve_facility_location(
            *a,
            single_source=single,
            options=SolveOptions(solver=backend, rel_gap=0.0, abs_gap=1e-9, time_limit_s=30),
        )
    finally:
        cflp.LARGE_INSTANCE = saved
    if not np.isfinite(expected):
        assert result.status == "infeasible"
        return
    assert_optimal_and_checked(inst, result, expected, single)
    assert result.bound is not None and result.bound <= expected + 1e-6


@settings(max_examples=20, deadline=None)
@given(m=st.integers(2, 4), n=st.integers(2, 4), seed=st.integers(0, 2**16), single=st.booleans())
def test_second_phase_after_a_limit_matches_brute_force(
    m: int, n: int, seed: int, single: bool
) -> None:
    # phase 1 is made to stop "at its limit" with a weak bound: phase 2 must
    # still end at the optimum with a valid bound
    import dataclasses

    import optimizer.models.cflp as cflp

    inst = random_instance(m, n, seed)
    expected = brute_force(inst, single_source=single)
    calls: list[int] = []
    real = cflp.solve_design

    def first_stops_early(problem, options=None, **kwargs):
        result = real(problem, options, **kwargs)
        calls.append(problem.arcs.count)
        if len(calls) == 1 and result.objective is not None:
            return dataclasses.replace(result, status="feasible", bound=0.0, gap=1.0)
        return result

    saved = cflp.LARGE_INSTANCE
    cflp.LARGE_INSTANCE = 0
    cflp.solve_design = first_stops_early
    try:
        result = solve_facility_location(
            inst.fixed_cost,
            inst.capacity,
            inst.demand,
            inst.assignment_cost,
            single_source=single,
            options=EXACT,
        )
    finally:
        cflp.LARGE_INSTANCE = saved
        cflp.solve_design = real
    if not np.isfinite(expected):
        assert result.status == "infeasible"
        return
    assert result.objective == pytest.approx(expected, abs=1e-6)
    assert result.bound is not None and result.bound <= expected + 1e-6
    assert result.status == "optimal" or result.gap > 0
    report = check_facility_location(
        inst, result.assignment, result.open_facilities, single_source=single
    )
    assert report.ok, report.problems


@pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"shared benchmark data not found at {SHARED} (set CORRIDOR_BENCHMARKS)",
)
@pytest.mark.parametrize(
    ("name", "single", "published", "tolerance"),
    [
        ("cap41", False, 1040444.375, 1e-3),
        ("cap71", False, 932615.750, 1e-3),
        ("cap71", True, 932615.75, 5e-3),
    ],
)
def test_published_optimum(name: str, single: bool, published: float, tolerance: float) -> None:
    inst = read_cap(SHARED / f"{name}.txt")
    result = _solve(inst, single_source=single)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(published, abs=tolerance)
    report = check_facility_location(
        inst, result.assignment, result.open_facilities, single_source=single
    )
    assert report.ok
    assert report.objective == pytest.approx(published, abs=tolerance)
