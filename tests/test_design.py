"""The domain design model on the tiny network: checks, brute force, consolidation, monotonicity."""

from __future__ import annotations

import itertools
import json

import pytest

from optimizer.data.scenario import ScaleRates, SetDemand, apply_changes
from optimizer.engine.solver import SolveOptions
from optimizer.models.design import DesignOptions, build_problem, solve_problem
from optimizer.results.check import verify
from optimizer.results.files import load_solution, save_solution
from optimizer.results.solution import solution_from_solve

EXACT = SolveOptions(rel_gap=0.0, abs_gap=1e-6, time_limit_s=60)


def solve(net, options=None, name="t"):
    options = options or DesignOptions()
    solved = solve_problem(build_problem(net, options), EXACT)
    sol = solution_from_solve(solved, name)
    if solved.result.has_solution:
        report = verify(net, sol, options)
        assert report.ok, report.violations or (report.objective, report.reported)
    return sol


def test_tiny_is_optimal_and_checked(tiny, tmp_path):
    sol = solve(tiny)
    assert sol.status == "optimal"
    k = sol.kpis
    assert sum(k["cost_parts_cny"].values()) == pytest.approx(k["total_cost_cny"], rel=1e-12)
    assert k["total_cost_cny"] == pytest.approx(sol.objective, rel=1e-9)
    assert k["unmet_tonnes"] == 0
    # the checker also passes on the written and re-read files
    save_solution(sol, tmp_path / "r")
    again = load_solution(tmp_path / "r")
    assert verify(tiny, again).ok
    doc = json.loads((tmp_path / "r" / "solution.json").read_text())
    for key in ("scenario", "solver", "status", "objective", "bound", "gap", "solve_seconds"):
        assert key in doc
    for key in (
        "total_cost_cny",
        "cost_parts_cny",
        "co2_tonnes",
        "unmet_tonnes",
        "mean_delivery_days",
        "on_time_share",
        "tonne_km_share_by_mode",
        "open_warehouses",
        "containers_per_year",
        "mean_fill_rate",
    ):
        assert key in doc["kpis"]


def test_optimum_equals_brute_force_over_warehouse_subsets(tiny):
    free = solve(tiny).objective
    warehouses = list(tiny.warehouses.index)
    best = float("inf")
    for r in range(len(warehouses) + 1):
        for subset in itertools.combinations(warehouses, r):
            rest = tuple(w for w in warehouses if w not in subset)
            sol = solve(tiny, DesignOptions(must_open=subset, never_open=rest))
            best = min(best, sol.objective)
    assert free == pytest.approx(best, rel=1e-9)


def _with_demand(net, tonnes):
    changes = [
        ("set_demand", SetDemand(ids=[d], tonnes_per_year=t), "test") for d, t in tonnes.items()
    ]
    out = apply_changes(net, changes)
    keep = [d for d in out.demand.index if d in tonnes]
    return out.replace(demand=out.demand.loc[keep])


def test_consolidation_uses_fewer_containers_together(tiny):
    # each alone fills ~60% of an FEU a week (electronics are volume-bound: 16.9 t per FEU)
    t = 0.6 * 16.9 * 52
    alone_a = solve(_with_demand(tiny, {"D1": t}))
    alone_b = solve(_with_demand(tiny, {"D2": t}))
    both = solve(_with_demand(tiny, {"D1": t, "D2": t}))

    def boxes(sol):
        lanes = sol.lanes.set_index("service_id")
        return float(lanes.at["X_RP_RT", "units"]) if "X_RP_RT" in lanes.index else 0.0

    assert boxes(alone_a) == 1 and boxes(alone_b) == 1
    assert boxes(both) < boxes(alone_a) + boxes(alone_b)
    assert both.objective < alone_a.objective + alone_b.objective


def test_prefers_consolidated_route_when_cheaper(tiny):
    from optimizer.data.scenario import load_scenario  # noqa: F401 - scenario module in use

    # a second train with slightly cheaper loose cargo: D2 alone takes it ...
    extra = {
        "id": "X2_RP_RT",
        "from": "CN_RP",
        "to": "DE_RT",
        "via": "PL_BORDER",
        "mode": "cr_express",
        "corridor": "Second train",
        "distance_km": 10500,
        "transit_h": 300,
        "departures_per_week": 1,
        "rate_basis": "FEU",
        "rate": 9000,
        "lcl_basis": "wm",
        "lcl_rate": 240,
        "units_per_departure": 50,
        "currency": "USD",
        "price_year": 2024,
        "co2_g_per_tkm": 20,
        "co2_source": "test",
        "active": 1,
        "source": "assumption: test",
    }
    net = apply_changes(tiny, [("add_service", extra, "test")])
    small = 0.3 * 16.9 * 52
    alone = solve(_with_demand(net, {"D2": small}))
    assert set(alone.flows.loc[alone.flows["demand_id"] == "D2", "service_id"]) >= {"X2_RP_RT"}
    # ... but with D1 filling 60% of an FEU on the first train, D2 rides in its spare room
    both = solve(_with_demand(net, {"D1": 0.6 * 16.9 * 52, "D2": small}))
    d2 = set(both.flows.loc[both.flows["demand_id"] == "D2", "service_id"])
    assert "X_RP_RT" in d2 and "X2_RP_RT" not in d2


def test_monotonicity(tiny):
    base = solve(tiny).objective
    for w in tiny.warehouses.index:
        assert solve(tiny, DesignOptions(must_open=(w,))).objective >= base - 1e-6
    by_p = [solve(tiny, DesignOptions(max_warehouses=p)).objective for p in range(3)]
    assert by_p[0] >= by_p[1] - 1e-6 >= by_p[2] - 2e-6
    for sid in ("D_RT_WH1", "D_RT_WH2", "A_AIR_FRA", "L_RT_DE"):
        closed = tiny.services.copy()
        closed.loc[sid, "active"] = 0
        assert solve(tiny.replace(services=closed)).objective >= base - 1e-6


def test_same_inputs_same_solution(tiny, tmp_path):
    a = solve(tiny)
    b = solve(tiny)
    save_solution(a, tmp_path / "a")
    save_solution(b, tmp_path / "b")
    for name in ("flows.csv", "lanes.csv", "warehouses.csv", "unmet.csv", "routes.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_unservable_demand_is_explained(tiny):
    nodes = tiny.nodes.copy()
    nodes.loc["CN_AIR", "open"] = False
    sol = solve(tiny.replace(nodes=nodes))
    assert sol.status == "optimal"
    row = sol.unmet.set_index("demand_id").loc["D3"]
    assert row["tonnes"] == pytest.approx(20)
    assert "within 10 days" in row["reason"]
    assert sol.kpis["cost_parts_cny"]["unmet_penalty"] > 0


def test_capacity_shortfall_is_explained(tiny):
    nodes = tiny.nodes.copy()
    net = apply_changes(tiny, [("scale_rates", ScaleRates(ids=["X_RP_RT"], factor=1.0), "t")])
    services = net.services.copy()
    services.loc["X_RP_RT", "units_per_departure"] = 1
    services.loc["X_RP_RT", "lcl_basis"] = None
    services.loc["X_RP_RT", "lcl_rate"] = float("nan")
    sol = solve(net.replace(services=services, nodes=nodes))
    assert sol.kpis["unmet_tonnes"] > 0
    assert sol.unmet["reason"].str.contains("capacity: X_RP_RT full").any()


def test_atomic_write_leaves_nothing_half_written(tiny, tmp_path, monkeypatch):
    sol = solve(tiny)
    save_solution(sol, tmp_path / "r")
    before = (tmp_path / "r" / "solution.json").read_bytes()

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(type(sol.routes), "to_csv", boom)
    with pytest.raises(OSError, match="disk full"):
        save_solution(sol, tmp_path / "r")
    assert (tmp_path / "r" / "solution.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    with pytest.raises(OSError, match="disk full"):
        save_solution(sol, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_time_limit_returns_best_solution(tiny):
    solved = solve_problem(build_problem(tiny), SolveOptions(time_limit_s=0.001))
    assert solved.result.status in ("optimal", "feasible", "no_solution")
    if solved.result.status == "feasible":
        assert solved.result.bound is not None and solved.result.gap is not None
