"""Multicommodity network design through the core, against hand solutions and R instances."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from optimizer.bench.instances import DowInstance, benchmark_dir, read_dow
from optimizer.bench.run import check_network_design
from optimizer.engine.solver import SolveOptions
from optimizer.models.mcnd import solve_network_design

DATA = Path(__file__).parent / "data" / "bench"
SHARED = benchmark_dir() / "mcnd" / "R"
EXACT = SolveOptions(rel_gap=1e-9, abs_gap=1e-6, time_limit_s=30)
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"shared benchmark data not found at {SHARED} (set CORRIDOR_BENCHMARKS)",
)


def _solve(inst: DowInstance):
    return solve_network_design(
        inst.tail,
        inst.head,
        inst.flow_cost,
        inst.capacity,
        inst.fixed_cost,
        inst.origin,
        inst.destination,
        inst.volume,
        options=EXACT,
    )


def random_network(nodes: int, arcs: int, commodities: int, seed: int) -> DowInstance:
    """Distinct arcs between distinct nodes; zero flow costs allowed (seeded)."""
    rng = np.random.default_rng(seed)
    pairs = [(i, j) for i in range(nodes) for j in range(nodes) if i != j]
    chosen = rng.choice(len(pairs), size=min(arcs, len(pairs)), replace=False)
    tail = np.array([pairs[c][0] for c in chosen])
    head = np.array([pairs[c][1] for c in chosen])
    od = rng.choice(len(pairs), size=commodities, replace=False)
    return DowInstance(
        "random",
        nodes,
        tail,
        head,
        rng.integers(0, 10, tail.size).astype(float),
        rng.integers(5, 30, tail.size).astype(float),
        rng.integers(0, 50, tail.size).astype(float),
        np.array([pairs[c][0] for c in od]),
        np.array([pairs[c][1] for c in od]),
        rng.integers(1, 15, commodities).astype(float),
    )


def brute_force(inst: DowInstance) -> float:
    """Enumerate open arc sets; a multicommodity flow LP (scipy) for each."""
    a_count, k_count, n = inst.arcs, inst.commodities, inst.nodes
    best = np.inf
    incidence = np.zeros((n, a_count))
    incidence[inst.tail, np.arange(a_count)] += 1.0
    incidence[inst.head, np.arange(a_count)] -= 1.0
    a_eq = np.kron(np.eye(k_count), incidence)  # x commodity-major: x[k * A + a]
    b_eq = np.zeros((k_count, n))
    b_eq[np.arange(k_count), inst.origin] += inst.volume
    b_eq[np.arange(k_count), inst.destination] -= inst.volume
    a_ub = np.kron(np.ones(k_count), np.eye(a_count))
    for mask in itertools.product([0, 1], repeat=a_count):
        is_open = np.array(mask, dtype=bool)
        lp = linprog(
            np.tile(inst.flow_cost, k_count),
            A_ub=a_ub,
            b_ub=inst.capacity * is_open,
            A_eq=a_eq,
            b_eq=b_eq.ravel(),
            bounds=(0, None),
            method="highs",
        )
        if lp.status == 0:
            best = min(best, float(inst.fixed_cost[is_open].sum()) + lp.fun)
    return best


@settings(max_examples=15, deadline=None)
@given(
    nodes=st.integers(3, 5),
    arcs=st.integers(3, 7),
    commodities=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    backend=st.sampled_from(["highs", "highspy"]),
)
def test_matches_brute_force(
    nodes: int, arcs: int, commodities: int, seed: int, backend: str
) -> None:
    # through the separated strong linking and the cycle-free flow bounds
    inst = random_network(nodes, arcs, commodities, seed)
    expected = brute_force(inst)
    result = solve_network_design(
        inst.tail,
        inst.head,
        inst.flow_cost,
        inst.capacity,
        inst.fixed_cost,
        inst.origin,
        inst.destination,
        inst.volume,
        options=SolveOptions(solver=backend, rel_gap=0.0, abs_gap=1e-9, time_limit_s=30),
    )
    if not np.isfinite(expected):
        assert result.status == "infeasible"
        return
    assert result.status == "optimal"
    assert result.objective == pytest.approx(expected, abs=1e-6)
    assert result.bound is not None and result.bound <= expected + 1e-6
    report = check_network_design(inst, result.flow, result.open_arcs)
    assert report.ok, report.problems
    assert report.objective == pytest.approx(result.objective, abs=1e-6)


def test_tiny_by_hand() -> None:
    inst = read_dow(DATA / "tiny.dow")
    result = _solve(inst)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(26.0)  # 1-2-3: fixed 5+5, flow 8*(1+1)
    np.testing.assert_array_equal(result.open_arcs, [0, 1])
    np.testing.assert_allclose(result.flow[:, 0], [8, 8, 0], atol=1e-7)
    assert check_network_design(inst, result.flow, result.open_arcs).ok


def test_infeasible_reports_reason() -> None:
    result = _solve(read_dow(DATA / "dow_infeasible.dow"))
    assert result.status == "infeasible"
    assert result.message == "node 1 must send 25 units but its outgoing arcs carry 20 in total"


def test_checker_finds_violations() -> None:
    inst = read_dow(DATA / "tiny.dow")
    flow = np.array([[8.0], [4.0], [0.0]])
    report = check_network_design(inst, flow, np.array([0]))
    text = "; ".join(report.problems)
    assert "conservation: commodity 1 at node 2" in text
    assert "linking: commodity 1 uses closed arc 2" in text


@needs_shared
def test_r01_1_published_value() -> None:
    inst = read_dow(SHARED / "r01.1.dow")
    result = _solve(inst)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(74079, abs=1e-4)
    report = check_network_design(inst, result.flow, result.open_arcs)
    assert report.ok
    assert report.objective == pytest.approx(74079, abs=1e-4)


@needs_shared
def test_r01_7_is_infeasible() -> None:
    result = _solve(read_dow(SHARED / "r01.7.dow"))
    assert result.status == "infeasible"
    assert result.message


@needs_shared
def test_r01_2_matches_reference() -> None:
    with (SHARED / "highs_reference.csv").open(encoding="utf-8") as handle:
        reference = {r["instance"]: r for r in csv.DictReader(handle)}
    result = _solve(read_dow(SHARED / "r01.2.dow"))
    assert result.objective == pytest.approx(float(reference["r01.2"]["objective"]), abs=1e-4)
