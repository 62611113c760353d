"""KPIs of a solution: the figures of ``solution.json`` and one flat row per solution.

:func:`compute_kpis` reads them off a solve (cost parts that sum to the total,
which equals the objective); :func:`kpi_row` flattens a
:class:`~optimizer.results.solution.Solution` into the row that ``compare``,
``sweep`` and the app tabulate, so every table of KPIs has the same columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from optimizer.engine.core import DesignResult
    from optimizer.models.design import DomainProblem
    from optimizer.results.solution import Solution

#: The parts of the total cost, in the order of ``cost_parts_cny``.
COST_PARTS = (
    "transport",
    "warehouse_fixed",
    "handling_storage",
    "in_transit_inventory",
    "carbon",
    "unmet_penalty",
)


def compute_kpis(
    problem: DomainProblem,
    res: DesignResult,
    lanes: pd.DataFrame,
    warehouses: pd.DataFrame,
    routes: pd.DataFrame,
    unmet: pd.DataFrame,
) -> dict[str, Any]:
    """KPIs of a solution; cost parts sum to the total, which equals the objective.

    ``res`` must have a solution (:attr:`DesignResult.has_solution`).
    """
    core = problem.core
    arcs = core.arcs
    weeks = problem.weeks
    units = res.units
    assert core.paths is not None  # a domain problem is in path form
    assert units is not None and res.share is not None and res.unmet_share is not None
    assert res.class_flow is not None and res.loose_flow is not None
    design_cost = units * arcs.unit_cost
    n_s = problem.n_services
    transport = float(design_cost[:n_s].sum())
    loose_cost = np.where(np.isfinite(arcs.loose_cost), arcs.loose_cost, 0.0)
    transport += float((res.loose_flow * loose_cost).sum())
    transport += float((res.class_flow * problem.cost_parts["transport"]).sum())
    carbon = float((res.class_flow * problem.cost_parts["carbon"]).sum())
    handling = float((res.class_flow * problem.cost_parts["handling_storage"]).sum())
    wh_fixed = float(design_cost[n_s:].sum())
    vol = core.commodities.volume
    com_of_path = core.paths.commodity
    path_t = res.share * vol[com_of_path]
    transport += float((path_t * problem.path_parts["transport"]).sum())
    inventory = float((path_t * problem.path_parts["in_transit_inventory"]).sum())
    unmet_cost = float(
        (
            res.unmet_share
            * vol
            * np.where(np.isfinite(core.commodities.unmet_cost), core.commodities.unmet_cost, 0.0)
        ).sum()
    )
    parts = {
        "transport": transport,
        "warehouse_fixed": wh_fixed,
        "handling_storage": handling,
        "in_transit_inventory": inventory,
        "carbon": carbon,
        "unmet_penalty": unmet_cost,
    }
    total = sum(parts.values())
    demand_t = float(problem.demand["tonnes_per_year"].sum())
    served_t = float(routes["tonnes"].sum()) if len(routes) else 0.0
    tkm = lanes.groupby("mode")["tonne_km"].sum() if len(lanes) else pd.Series(dtype=float)
    tkm_total = float(tkm.sum())
    unit_lanes = lanes[lanes["units"] > 0] if len(lanes) else lanes
    containers = float(unit_lanes["units_per_year"].sum()) if len(unit_lanes) else 0.0
    fill = (
        float((unit_lanes["fill_rate"] * unit_lanes["units_per_year"]).sum() / containers)
        if containers
        else 0.0
    )
    mean_days = (
        float((routes["delivery_days"] * routes["tonnes"]).sum() / served_t) if served_t else 0.0
    )
    on_time_t = float(routes.loc[routes["on_time"], "tonnes"].sum()) if len(routes) else 0.0
    co2 = float(lanes["co2_t"].sum()) if len(lanes) else 0.0
    open_wh = sorted(warehouses.loc[warehouses["open"], "warehouse_id"]) if len(warehouses) else []
    return {
        "total_cost_cny": total,
        "cost_parts_cny": parts,
        "co2_tonnes": co2,
        "demand_tonnes": demand_t,
        "served_tonnes": served_t,
        "unmet_tonnes": float(unmet["tonnes"].sum()) if len(unmet) else 0.0,
        "mean_delivery_days": mean_days,
        "on_time_share": on_time_t / demand_t if demand_t else 0.0,
        "tonne_km_share_by_mode": {
            str(m): float(v / tkm_total) for m, v in tkm.sort_values(ascending=False).items()
        }
        if tkm_total
        else {},
        "open_warehouses": open_wh,
        "containers_per_year": containers,
        "mean_fill_rate": fill,
        "served_via_warehouse_tonnes": float(routes.loc[routes["warehouse"] != "", "tonnes"].sum())
        if len(routes)
        else 0.0,
        "weeks_per_year": weeks,
    }


def kpi_row(solution: Solution) -> dict[str, Any]:
    """One flat row of KPIs (NaN where the solve has no solution).

    Columns: ``scenario, status, objective``, the KPIs of ``solution.json``
    (``total_cost_cny``, ``logistics_cost_cny`` = total without the unmet
    penalty, ``cost_<part>_cny``, CO2, delivery, unmet, warehouses, containers),
    tonnes by main mode and tonne-km shares by mode, ``gap``,
    ``solve_seconds`` and ``check_ok`` (the independent check, when run).
    """
    k = solution.kpis or {}
    nan = float("nan")
    parts = k.get("cost_parts_cny", {})
    total = k.get("total_cost_cny", nan)
    check = solution.meta.get("check") or {}
    row: dict[str, Any] = {
        "scenario": solution.scenario,
        "status": solution.status,
        "objective": solution.objective,
        "total_cost_cny": total,
        "co2_tonnes": k.get("co2_tonnes", nan),
        "mean_delivery_days": k.get("mean_delivery_days", nan),
        "on_time_share": k.get("on_time_share", nan),
        "unmet_tonnes": k.get("unmet_tonnes", nan),
        "open_warehouses": len(k["open_warehouses"]) if "open_warehouses" in k else nan,
        "logistics_cost_cny": total - parts.get("unmet_penalty", 0.0) if parts else nan,
    }
    for part in COST_PARTS:
        row[f"cost_{part}_cny"] = parts.get(part, nan)
    row["demand_tonnes"] = k.get("demand_tonnes", nan)
    row["served_tonnes"] = k.get("served_tonnes", nan)
    row["served_via_warehouse_tonnes"] = k.get("served_via_warehouse_tonnes", nan)
    row["containers_per_year"] = k.get("containers_per_year", nan)
    row["mean_fill_rate"] = k.get("mean_fill_rate", nan)
    row["open_warehouse_ids"] = ";".join(k.get("open_warehouses", []))
    for mode, tonnes in main_mode_tonnes(solution).items():
        row[f"main_mode_tonnes_{mode}"] = tonnes
    for mode, share in (k.get("tonne_km_share_by_mode") or {}).items():
        row[f"tkm_share_{mode}"] = share
    row["gap"] = solution.gap
    row["solve_seconds"] = solution.solve_seconds
    row["check_ok"] = check.get("ok")
    return row


def main_mode_tonnes(solution: Solution) -> dict[str, float]:
    """Tonnes a year by main mode: the mode of each route's longest leg (by km)."""
    lanes, routes = solution.lanes, solution.routes
    if not len(lanes) or not len(routes):
        return {}
    km = dict(zip(lanes["service_id"], lanes["tonne_km"] / lanes["tonnes"], strict=True))
    mode = dict(zip(lanes["service_id"], lanes["mode"], strict=True))
    out: dict[str, float] = {}
    for services, tonnes in zip(routes["services"], routes["tonnes"], strict=True):
        legs = [s for s in str(services).split(";") if s in km]
        if not legs:
            continue
        main = mode[max(legs, key=lambda s: km[s])]
        out[main] = out.get(main, 0.0) + float(tonnes)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
