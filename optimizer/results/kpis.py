"""One flat row of KPIs per solution, the same in every table (compare, sweep, the app).

:func:`kpi_row` flattens the KPIs of a :class:`~optimizer.results.solution.Solution`
(read off a solve by :func:`optimizer.results.solution.compute_kpis`) into
one row, with the cost parts, tonnes by main mode and tonne-km shares.
"""

from __future__ import annotations

from typing import Any

from optimizer.results.solution import COST_PARTS, Solution


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
        "bound": solution.bound,
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
    row["unmet_penalty_cny"] = k.get("unmet_penalty_cny", parts.get("unmet_penalty", nan))
    row["sites_used"] = len(k["sites_used"]) if "sites_used" in k else nan
    row["warehouse_tonnes_owned"] = k.get("warehouse_tonnes_owned", nan)
    row["warehouse_tonnes_shared"] = k.get("warehouse_tonnes_shared", nan)
    row["shared_share_of_9810"] = k.get("shared_share_of_9810", nan)
    median = k.get("owned_utilization_median")
    row["owned_utilization_median"] = nan if median is None else median
    for channel, tonnes in (k.get("tonnes_by_channel") or {}).items():
        row[f"channel_tonnes_{channel}"] = tonnes
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
