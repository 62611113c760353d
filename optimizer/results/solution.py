"""The plain :class:`Solution` of a design solve, read off the solver's arrays.

A ``Solution`` holds no solver objects: status, objective, bound, gap, time,
KPIs and pandas tables. Reports, maps and the checker read it (or its files,
:mod:`optimizer.results.files`) and the network only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from optimizer.engine.core import DesignResult, Paths
from optimizer.models.design import DomainProblem, DomainSolve

#: The parts of the total cost, in the order of ``cost_parts_cny``.
COST_PARTS = (
    "transport",
    "warehouse_fixed",
    "handling_storage",
    "in_transit_inventory",
    "stock_abroad",
    "carbon",
    "unmet_penalty",
)

FLOW_COLUMNS = [
    "demand_id",
    "origin",
    "market",
    "product",
    "service_id",
    "from",
    "to",
    "mode",
    "tonnes",
    "route",
    "warehouse",
    "customs_mode",
]
LANE_COLUMNS = [
    "service_id",
    "from",
    "to",
    "mode",
    "corridor",
    "tonnes",
    "units",
    "unit_capacity",
    "fill_rate",
    "cost_cny",
    "unit_basis",
    "units_per_year",
    "loose_tonnes",
    "tonne_km",
    "co2_t",
]
WAREHOUSE_COLUMNS = [
    "warehouse_id",
    "open",
    "throughput_tonnes",
    "capacity_tonnes",
    "utilization",
    "fixed_cost_cny",
    "country",
    "name",
    "markets_served",
    "handling_storage_cny",
    "tier",
    "operating_model",
    "area_m2",
    "owned_tonnes",
    "shared_tonnes",
]
#: A site carrying more than this (t a year) is used (below: solver tolerance, not freight).
SITE_USED_T = 1e-3


def sites_used(warehouses: pd.DataFrame) -> list[str]:
    """The sites of a solution's warehouses table that are used: an owned tier open, or
    freight through owned or shared space (in the table's order)."""
    if warehouses.empty:
        return []
    used = warehouses["open"].astype(bool) | (
        warehouses["throughput_tonnes"].astype(float) > SITE_USED_T
    )
    return [str(w) for w in warehouses.loc[used, "warehouse_id"]]


UNMET_COLUMNS = ["demand_id", "tonnes", "reason", "origin", "market", "product", "customs_mode"]
ROUTE_COLUMNS = [
    "demand_id",
    "route",
    "share",
    "tonnes",
    "warehouse",
    "services",
    "delivery_days",
    "delivery_days_max",
    "transit_days",
    "required_days",
    "on_time",
    "customs_mode",
    "operating_model",
    "stock_days",
]


@dataclass(frozen=True)
class Solution:
    """A design solution as plain data."""

    scenario: str
    solver: str
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    solve_seconds: float
    kpis: dict[str, Any]
    flows: pd.DataFrame = field(repr=False)
    lanes: pd.DataFrame = field(repr=False)
    warehouses: pd.DataFrame = field(repr=False)
    unmet: pd.DataFrame = field(repr=False)
    routes: pd.DataFrame = field(repr=False)
    model_size: dict[str, int] = field(default_factory=dict)
    message: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``solution.json`` document."""
        return {
            "scenario": self.scenario,
            "solver": self.solver,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "solve_seconds": round(self.solve_seconds, 3),
            "kpis": self.kpis,
            "model_size": self.model_size,
            "message": self.message,
            **self.meta,
        }

    def summary(self) -> str:
        """A short text table: status, objective, bound, gap, time, warehouses, unmet."""
        k = self.kpis
        lines = [
            f"scenario         {self.scenario}",
            f"status           {self.status} ({self.solver}, {self.solve_seconds:.1f} s)",
            f"objective        {_num(self.objective)} CNY/year",
            f"bound            {_num(self.bound)}",
            f"gap              {'-' if self.gap is None else f'{self.gap:.3%}'}",
        ]
        rg = self.meta.get("route_generation")
        if isinstance(rg, dict):
            lines.append(f"routes           {route_generation_line(rg)}")
        if k:
            parts = ", ".join(f"{p} {v / 1e6:,.1f} M" for p, v in k["cost_parts_cny"].items() if v)
            channels = ", ".join(
                f"{c} {t:,.0f}" for c, t in (k.get("tonnes_by_channel") or {}).items()
            )
            lines += [
                f"cost parts       {parts}",
                f"logistics cost   {k.get('logistics_cost_cny', 0.0) / 1e6:,.1f} M CNY/year "
                f"(+ unmet penalty {k.get('unmet_penalty_cny', 0.0) / 1e6:,.1f} M: lost margin "
                f"of {k['unmet_tonnes']:,.0f} t)",
                f"channels (t/yr)  {channels or '-'}",
                f"open warehouses  {', '.join(k['open_warehouses']) or '-'}",
                f"shared space     {self._shared_line()}",
                f"owned use        {self._owned_use_line()}",
                f"CO2              {k['co2_tonnes']:,.0f} t",
                f"delivery         mean {k['mean_delivery_days']:.1f} days, "
                f"on time {k['on_time_share']:.1%}",
                f"containers       {k['containers_per_year']:,.0f}/year, "
                f"mean fill {k['mean_fill_rate']:.1%}",
                f"unmet            {k['unmet_tonnes']:,.1f} t",
                "mode shares (t-km) "
                + ", ".join(f"{m} {v:.1%}" for m, v in k["tonne_km_share_by_mode"].items()),
            ]
        return "\n".join(lines)

    def _shared_line(self) -> str:
        k = self.kpis
        wh = self.warehouses
        if wh.empty or not k.get("warehouse_tonnes_shared"):
            return "-"
        used = wh.loc[wh["shared_tonnes"].fillna(0.0) > 1e-6, "warehouse_id"].astype(str)
        return (
            f"{len(used)} sites, {k['warehouse_tonnes_shared']:,.0f} t "
            f"({k.get('shared_share_of_9810', 0.0):.0%} of the 9810 tonnes)"
        )

    def _owned_use_line(self) -> str:
        k = self.kpis
        median = k.get("owned_utilization_median")
        if median is None or not k.get("open_warehouses"):
            return "no owned warehouse open"
        return (
            f"median {median:.0%} of capacity "
            f"(min {k['owned_utilization_min']:.0%}, max {k['owned_utilization_max']:.0%})"
        )


def route_generation_line(rg: dict[str, Any]) -> str:
    """One line on the routes a solve chose among and what its bound covers."""
    catalogue = rg.get("catalogue_routes")
    of = f" of {catalogue:,}" if isinstance(catalogue, int) else ""
    method = str(rg.get("method", "?")).replace("_", "-")
    text = f"{method}: {rg.get('routes', 0):,}{of} routes"
    bound = rg.get("lp_bound_exact")
    if isinstance(bound, int | float):
        text += f"; LP bound over every route {bound:,.0f}"
        gap = rg.get("network_gap")
        if isinstance(gap, int | float):
            text += f" ({gap:.2%} below the objective)"
    scope = rg.get("bound_scope")
    if scope and scope != "network":
        text += f"; the solve's bound holds for the {scope}"
    if rg.get("repricing_rounds"):
        text += "; the design re-routed over every route"
    return text


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _row(table: pd.DataFrame, key: str) -> pd.Series:
    """The row of ``key`` in a table with unique ids (``.loc`` gives a frame for repeated ids)."""
    row = table.loc[key]
    assert isinstance(row, pd.Series), f"{key!r} is not a unique row label"
    return row


def solution_from_solve(solve: DomainSolve, scenario: str) -> Solution:
    """Read a solved :class:`~optimizer.models.design.DomainSolve` into a :class:`Solution`."""
    problem, res = solve.problem, solve.result
    net = problem.network
    weeks = problem.weeks
    demand = problem.demand
    empty = Solution(
        scenario=scenario,
        solver=res.solver,
        status=res.status,
        objective=res.objective,
        bound=res.bound,
        gap=res.gap,
        solve_seconds=res.seconds,
        kpis={},
        flows=pd.DataFrame(columns=FLOW_COLUMNS),
        lanes=pd.DataFrame(columns=LANE_COLUMNS),
        warehouses=pd.DataFrame(columns=WAREHOUSE_COLUMNS),
        unmet=pd.DataFrame(columns=UNMET_COLUMNS),
        routes=pd.DataFrame(columns=ROUTE_COLUMNS),
        model_size=res.size,
        message=res.message,
    )
    if not res.has_solution:
        demand_tonnes = demand["tonnes_per_year"].astype(float)
        unmet = pd.DataFrame(
            [
                {
                    "demand_id": did,
                    "tonnes": float(demand_tonnes.loc[did]),
                    "reason": problem.unserved.get(did, f"solver returned {res.status}"),
                    "origin": demand.at[did, "origin"],
                    "market": demand.at[did, "market"],
                    "product": demand.at[did, "product"],
                    "customs_mode": str(demand.at[did, "customs_mode"]),
                }
                for did in demand.index
            ],
            columns=UNMET_COLUMNS,
        )
        return replace(empty, unmet=unmet)

    core = problem.core
    arcs = core.arcs
    services = net.service_table
    share = res.share
    vol_week = core.commodities.volume
    paths = core.paths
    assert paths is not None and share is not None and res.units is not None
    assert res.class_flow is not None and res.loose_flow is not None and res.unmet_share is not None

    # -- routes and flows -------------------------------------------------------
    route_rows = []
    flow_rows = []
    for p, route in enumerate(problem.routes):
        if share[p] <= 1e-9:
            continue
        k = int(paths.commodity[p])
        did = route.demand
        tonnes = float(share[p] * vol_week[k] * weeks)
        d = _row(demand, did)
        req = float(d["required_days"])
        route_rows.append(
            {
                "demand_id": did,
                "route": p,
                "share": float(share[p]),
                "tonnes": tonnes,
                "warehouse": route.warehouse or "",
                "services": ";".join(route.services),
                "delivery_days": route.days,
                "delivery_days_max": route.days_max,
                "transit_days": route.transit_days,
                "required_days": req,
                "on_time": bool(route.days_max <= req + 1e-9),
                "customs_mode": route.channel,
                "operating_model": route.operating,
                "stock_days": float(problem.stock_days[p]) if problem.stock_days.size else 0.0,
            }
        )
        for sid in route.services:
            s = _row(services, sid)
            flow_rows.append(
                {
                    "demand_id": did,
                    "origin": d["origin"],
                    "market": d["market"],
                    "product": d["product"],
                    "service_id": sid,
                    "from": s["from"],
                    "to": s["to"],
                    "mode": s["mode"],
                    "tonnes": tonnes,
                    "route": p,
                    "warehouse": route.warehouse or "",
                    "customs_mode": route.channel,
                }
            )
    routes = pd.DataFrame(route_rows, columns=ROUTE_COLUMNS)
    flows = pd.DataFrame(flow_rows, columns=FLOW_COLUMNS)
    if not flows.empty:
        flows = (
            flows.groupby(["demand_id", "service_id", "route"], as_index=False, sort=True).agg(
                {
                    c: "first"
                    for c in FLOW_COLUMNS
                    if c not in ("demand_id", "service_id", "route", "tonnes")
                }
                | {"tonnes": "sum"}
            )
        )[FLOW_COLUMNS]

    # -- lanes -------------------------------------------------------------------------
    parts = problem.cost_parts
    lane_rows = []
    n_s = problem.n_services
    for a in range(n_s):
        t_week = float(res.class_flow[a].sum())
        units = float(res.units[a]) if arcs.is_design[a] else 0.0
        if t_week <= 1e-9 and units <= 0:
            continue
        sid = problem.arc_ids[a]
        s = _row(services, sid)
        loose_w = float(res.loose_flow[a].sum())
        in_units = res.class_flow[a] - res.loose_flow[a]
        cap = float(arcs.unit_capacity[a]) if math.isfinite(arcs.unit_capacity[a]) else float("nan")
        fill = (
            (float((arcs.usage[a] * in_units).sum()) / (units * cap)) if units > 0 else float("nan")
        )
        cost = (
            units * arcs.unit_cost[a]
            + float(
                (
                    res.loose_flow[a]
                    * np.where(np.isfinite(arcs.loose_cost[a]), arcs.loose_cost[a], 0)
                ).sum()
            )
            + float((res.class_flow[a] * arcs.flow_cost[a]).sum())
        )
        tonnes = t_week * weeks
        lane_rows.append(
            {
                "service_id": sid,
                "from": s["from"],
                "to": s["to"],
                "mode": s["mode"],
                "corridor": s["corridor"],
                "tonnes": tonnes,
                "units": units,
                "unit_capacity": cap,
                "fill_rate": fill,
                "cost_cny": cost,
                "unit_basis": s["rate_basis"] if arcs.is_design[a] else "",
                "units_per_year": units * weeks,
                "loose_tonnes": loose_w * weeks,
                "tonne_km": tonnes * float(s["distance_km"]),
                "co2_t": tonnes * float(s["distance_km"]) * float(s["co2_g_per_tkm"]) / 1e6,
            }
        )
    lanes = pd.DataFrame(lane_rows, columns=LANE_COLUMNS)

    # -- warehouses ----------------------------------------------------------------------
    path_t = share * vol_week[paths.commodity]
    warehouse_of_path = np.array([r.warehouse or "" for r in problem.routes], dtype=object)
    wh = net.warehouses
    wh_rows = []
    served: dict[str, set[str]] = {}
    for r in route_rows:
        via = r["warehouse"]
        if isinstance(via, str) and via:
            served.setdefault(via, set()).add(str(demand.at[r["demand_id"], "market"]))
    for w in wh.index:
        site = problem.sites[str(w)]
        owned_t = float(res.class_flow[site.owned].sum()) * weeks
        shared_t = 0.0
        if site.shared is not None:
            shared_t = float(res.class_flow[site.shared].sum()) * weeks
        chosen = [t for t, a in zip(site.tiers, site.tier_arcs, strict=True) if res.units[a] > 0.5]
        tier = chosen[0] if chosen else None
        model = "owned" if tier is not None else ("shared" if shared_t > 1e-6 else "")
        if tier is not None and shared_t > 1e-6:
            model = "owned+shared"
        capy = (tier or site.tiers[-1]).capacity_t_per_year
        used = owned_t
        if tier is None and shared_t > 1e-6:
            capy = site.shared_capacity_t_per_year or float("nan")
            used = shared_t
        handling = float((res.class_flow[site.owned] * parts["handling_storage"][site.owned]).sum())
        if site.shared is not None:
            handling += float(
                (res.class_flow[site.shared] * parts["handling_storage"][site.shared]).sum()
            )
        on_site = warehouse_of_path == str(w)
        handling += float((path_t * problem.path_parts["handling_storage"])[on_site].sum())
        wh_rows.append(
            {
                "warehouse_id": w,
                "open": tier is not None,
                "throughput_tonnes": owned_t + shared_t,
                "capacity_tonnes": capy,
                "utilization": used / capy if capy and math.isfinite(capy) else float("nan"),
                "fixed_cost_cny": tier.fixed_cost_cny_per_year if tier is not None else 0.0,
                "country": net.nodes.at[w, "country"],
                "name": net.nodes.at[w, "name"],
                "markets_served": ";".join(sorted(served.get(str(w), set()))),
                "handling_storage_cny": handling,
                "tier": tier.tier if tier is not None else "",
                "operating_model": model,
                "area_m2": tier.area_m2 if tier is not None else float("nan"),
                "owned_tonnes": owned_t,
                "shared_tonnes": shared_t,
            }
        )
    warehouses = pd.DataFrame(wh_rows, columns=WAREHOUSE_COLUMNS)

    # -- unmet -------------------------------------------------------------------------
    unmet_rows = []
    for k, did in enumerate(core.commodities.ids):
        u = float(res.unmet_share[k])
        if u <= 1e-7:
            continue
        reason = problem.unserved.get(did) or _capacity_reason(problem, paths, res.class_flow, k)
        d = _row(demand, did)
        unmet_rows.append(
            {
                "demand_id": did,
                "tonnes": u * vol_week[k] * weeks,
                "reason": reason,
                "origin": d["origin"],
                "market": d["market"],
                "product": d["product"],
                "customs_mode": str(d["customs_mode"]),
            }
        )
    unmet = pd.DataFrame(unmet_rows, columns=UNMET_COLUMNS)

    kpis = compute_kpis(problem, res, lanes, warehouses, routes, unmet)
    return replace(
        empty,
        kpis=kpis,
        flows=flows,
        lanes=lanes,
        warehouses=warehouses,
        unmet=unmet,
        routes=routes,
    )


def _capacity_reason(problem: DomainProblem, paths: Paths, class_flow: np.ndarray, k: int) -> str:
    """Why a demand with candidate routes was left unmet: the binding capacity on them."""
    arcs = problem.core.arcs
    binding = set()
    for p in np.flatnonzero(paths.commodity == k):
        for a in paths.arcs_of(int(p)):
            if arcs.is_design[a] and math.isfinite(arcs.max_units[a]):
                cap_total = arcs.unit_capacity[a] * arcs.max_units[a]
                used = float((arcs.usage[a] * class_flow[a]).sum())
                if arcs.max_units[a] == 0:
                    binding.add(f"{problem.arc_ids[a]} closed")
                elif used >= cap_total * (1 - 1e-6):
                    binding.add(f"{problem.arc_ids[a]} full")
    if binding:
        return "capacity: " + ", ".join(sorted(binding)[:5])
    return "cheaper to leave unserved than to pay for capacity at the unmet penalty"


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
    stock = float((path_t * problem.path_parts["stock_abroad"]).sum())
    handling += float((path_t * problem.path_parts["handling_storage"]).sum())
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
        "stock_abroad": stock,
        "carbon": carbon,
        "unmet_penalty": unmet_cost,
    }
    total = sum(parts.values())
    by_channel: dict[str, float] = {}
    by_channel_market: dict[str, dict[str, float]] = {}
    if len(routes):
        market = routes["demand_id"].map(problem.demand["market"]).astype(str)
        channel = routes["customs_mode"].astype(str)
        tonnes = routes["tonnes"].astype(float)
        for ch, mk, t in zip(channel, market, tonnes, strict=True):
            by_channel[ch] = by_channel.get(ch, 0.0) + t
            per_market = by_channel_market.setdefault(mk, {})
            per_market[ch] = per_market.get(ch, 0.0) + t
    owned = warehouses[warehouses["open"]] if len(warehouses) else warehouses
    utilisation = owned["utilization"].astype(float) if len(owned) else pd.Series(dtype=float)
    via_wh = routes[routes["warehouse"] != ""] if len(routes) else routes
    shared_via = 0.0
    if len(via_wh):
        shared_via = float(via_wh.loc[via_wh["operating_model"] == "shared", "tonnes"].sum())
    via_t = float(via_wh["tonnes"].sum()) if len(via_wh) else 0.0
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
        "logistics_cost_cny": total - unmet_cost,
        "unmet_penalty_cny": unmet_cost,
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
        "tonnes_by_channel": dict(sorted(by_channel.items())),
        "tonnes_by_channel_and_market": dict(sorted(by_channel_market.items())),
        "warehouse_tonnes_shared": shared_via,
        "warehouse_tonnes_owned": via_t - shared_via,
        "shared_share_of_9810": shared_via / via_t if via_t else 0.0,
        "owned_utilization_median": float(utilisation.median()) if len(utilisation) else None,
        "owned_utilization_min": float(utilisation.min()) if len(utilisation) else None,
        "owned_utilization_max": float(utilisation.max()) if len(utilisation) else None,
        "sites_used": sorted(
            warehouses.loc[warehouses["throughput_tonnes"] > 1e-6, "warehouse_id"].astype(str)
        )
        if len(warehouses)
        else [],
    }
