"""Multicommodity network design through the core, against hand solutions and R instances."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from optimizer.bench import check_network_design
from optimizer.benchio import DowInstance, benchmark_dir, read_dow
from optimizer.mcnd import solve_network_design
from optimizer.solver import SolveOptions

DATA = Path(__file__).parent / "data" / "bench"
SHARED = benchmark_dir() / "mcnd" / "R"
EXACT = SolveOptions(rel_gap=1e-9, abs_gap=1e-6, time_limit_s=30)
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"shared benchmark data not found at {SHARED} (set CORRIDOR_BENCHMARKS)",
)


def _solve(inst: DowInstance):
    return solve_network_design(inst.tail, inst.head, inst.flow_cost, inst.capacity,
                                inst.fixed_cost, inst.origin, inst.destination, inst.volume,
                                options=EXACT)


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
