"""Design model v2: channel choice, owned size tiers, shared space, stock abroad, lost margin."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.data.loader import load_network
from optimizer.data.network import Network
from optimizer.engine.solver import SolveOptions
from optimizer.models.design import DesignOptions, DomainProblem, build_problem, solve_problem
from optimizer.models.inventory import stock_days
from optimizer.models.warehouses import owned_tiers
from optimizer.results.check import verify
from optimizer.results.solution import Solution, solution_from_solve

TINY_V2 = Path(__file__).parent / "data" / "tiny_v2"
EXACT = SolveOptions(rel_gap=0.0, time_limit_s=60)


@pytest.fixture(scope="module")
def v2() -> Network:
    return load_network(TINY_V2)


def _solve(net: Network, options: DesignOptions | None = None) -> Solution:
    options = options or DesignOptions()
    sol = solution_from_solve(solve_problem(build_problem(net, options), EXACT), "t")
    report = verify(net, sol, options)
    assert report.ok, report.violations
    return sol


def _restricted(problem: DomainProblem, fixed: dict[int, float]) -> DomainProblem:
    arcs = problem.core.arcs
    lo, hi = arcs.min_units.copy(), arcs.max_units.copy()
    for a, value in fixed.items():
        lo[a] = hi[a] = value
    core = dataclasses.replace(
        problem.core, arcs=dataclasses.replace(arcs, min_units=lo, max_units=hi)
    )
    return dataclasses.replace(problem, core=core)


def test_tiers_are_priced_from_rent_wages_and_area(v2):
    tiers = {t.tier: t for t in owned_tiers(v2, "DE_WH1")}
    # rent 500 x 1,000 m2 + 4 staff x 300,000 + systems 80,000 + 40 x 1,000 m2
    assert tiers["M"].fixed_cost_cny_per_year == pytest.approx(500e3 + 1.2e6 + 80e3 + 40e3)
    assert tiers["M"].capacity_t_per_year == pytest.approx(1600.0)
    assert tiers["S"].capacity_t_per_year < tiers["M"].capacity_t_per_year


def test_tier_choice_equals_brute_force(v2):
    # Scale demand so that owned space can pay; enumerate every tier (or none) per site.
    demand = v2.demand.copy()
    demand["tonnes_per_year"] *= 3.0
    net = v2.replace(demand=demand)
    problem = build_problem(net)
    full = solve_problem(problem, EXACT).result
    assert full.objective is not None
    sites = list(problem.sites.values())
    best = np.inf
    for choice in itertools.product(*[[None, *s.tier_arcs] for s in sites]):
        fixed = {
            a: float(a == pick) for s, pick in zip(sites, choice, strict=True) for a in s.tier_arcs
        }
        res = solve_problem(_restricted(problem, fixed), EXACT).result
        if res.objective is not None:
            best = min(best, res.objective)
    assert full.objective == pytest.approx(best, rel=1e-7)


def test_shared_space_for_small_volumes_owned_for_large(v2):
    small = _solve(v2)
    assert small.kpis["open_warehouses"] == []
    assert small.kpis["warehouse_tonnes_shared"] > 0
    demand = v2.demand.copy()
    demand["tonnes_per_year"] *= 4.0
    large = _solve(v2.replace(demand=demand))
    assert large.kpis["open_warehouses"]
    opened = large.warehouses[large.warehouses["open"]]
    assert set(opened["operating_model"]) <= {"owned", "owned+shared"}
    assert (opened["tier"] != "").all() and (opened["area_m2"] > 0).all()
    assert (opened["utilization"] <= 1.0 + 1e-9).all()


def test_channel_follows_the_promise(v2):
    sol = _solve(v2)
    by_demand = sol.routes.groupby("demand_id")["customs_mode"].agg(set)
    # D4 allows 9710 only; D2 allows 9810 only
    assert by_demand["D4"] == {"9710"}
    assert by_demand["D2"] == {"9810"}
    # a 3-day promise is never met directly by rail (20 days): D1 then goes via stock abroad
    demand = v2.demand.copy()
    demand.loc["D1", "required_days"] = 3.0
    fast = _solve(v2.replace(demand=demand))
    d1 = fast.routes[fast.routes["demand_id"] == "D1"]
    assert set(d1["customs_mode"]) == {"9810"}
    assert (d1["delivery_days"] <= 3.0 + 1e-9).all()


def test_a_market_switches_warehouse_when_one_gets_dearer(v2):
    base = _solve(v2)
    d2 = base.routes[base.routes["demand_id"] == "D2"]
    assert set(d2["warehouse"]) == {"PL_WH2"}
    wh = v2.warehouses.copy()
    for col in (
        "shared_storage_cny_per_cbm_month",
        "shared_handling_cny_per_order",
        "shared_inbound_cny_per_cbm",
        "rent_cny_per_m2_year",
    ):
        wh.loc["PL_WH2", col] = wh.loc["PL_WH2", col] * 20
    dear = _solve(v2.replace(warehouses=wh))
    d2 = dear.routes[dear.routes["demand_id"] == "D2"]
    assert set(d2["warehouse"]) == {"DE_WH1"}


def test_unmet_demand_costs_its_lost_margin(v2):
    sol = _solve(v2)
    unmet = sol.unmet.set_index("demand_id")["tonnes"]
    assert unmet.sum() > 0
    products = v2.products
    margin = (products["value_cny_per_t"] * products["margin_share"]).astype(float)
    expected = sum(
        float(t) * float(margin.loc[v2.demand.at[did, "product"]]) for did, t in unmet.items()
    )
    assert sol.kpis["unmet_penalty_cny"] == pytest.approx(expected)
    assert sol.kpis["logistics_cost_cny"] == pytest.approx(
        sol.kpis["total_cost_cny"] - sol.kpis["unmet_penalty_cny"]
    )


def test_require_full_service_serves_everything_or_is_infeasible(v2):
    sol = _solve(v2, DesignOptions(require_full_service=True))
    assert sol.status == "optimal"
    assert sol.kpis["unmet_tonnes"] == pytest.approx(0.0, abs=1e-6)
    assert sol.kpis["unmet_penalty_cny"] == 0.0
    # served at a higher logistics cost than the penalised optimum leaves
    free = _solve(v2)
    assert sol.kpis["logistics_cost_cny"] >= free.kpis["logistics_cost_cny"]


def test_stock_abroad_follows_the_lead_time(v2):
    sol = _solve(v2)
    via = sol.routes[sol.routes["warehouse"] != ""]
    assert len(via)
    for _, r in via.iterrows():
        cv = float(v2.products.at[v2.demand.at[r["demand_id"], "product"], "weekly_cv"])
        assert r["stock_days"] == pytest.approx(stock_days(r["transit_days"], cv, 1.645, 7.0))


def test_channel_and_market_tonnes_add_up(v2):
    sol = _solve(v2)
    by_channel = sol.kpis["tonnes_by_channel"]
    assert sum(by_channel.values()) == pytest.approx(sol.kpis["served_tonnes"])
    per_market = pd.DataFrame(sol.kpis["tonnes_by_channel_and_market"]).fillna(0.0)
    assert per_market.to_numpy().sum() == pytest.approx(sol.kpis["served_tonnes"])
