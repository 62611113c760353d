"""Independent checker of a design solution.

Recomputes the objective from the solution's tables (routes, lanes,
warehouses, unmet) and the network data, without using the model builder:
costs are priced again from ``services.csv``, ``nodes.csv``,
``warehouses.csv``, ``products.csv`` and ``parameters.csv``. For given
container counts and flows, the split of each lane's cargo between full
containers and loose (LCL) cargo is recomputed optimally (a fractional
knapsack: fill containers with the cargo whose loose rate per unit of space
is highest), so the recomputed objective is the cost of the reported
decisions, not a copy of the solver's number.

Checked: flow conservation per demand (routes are connected chains from the
origin to the market, served + unmet = demand), each route's channel among
the demand's allowed customs modes, lane container capacity and service
capacity, warehouse capacity of the chosen tier (one tier a site, priced
again from rent, wages and ``warehouse_tiers.csv``), shared-space fees,
stock held abroad (cycle and safety stock, restated from the formula of the
docs), the warehouse options, delivery-time limits, and the objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from optimizer.data.network import Network
from optimizer.models.design import DesignOptions
from optimizer.results.solution import COST_PARTS, SITE_USED_T, Solution

UNIT = {"FEU": "feu", "TEU": "teu", "truck": "truck"}


@dataclass
class CheckReport:
    """What the checker found."""

    objective: float
    reported: float | None
    violations: list[str] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations and self.objective_matches

    @property
    def objective_matches(self) -> bool:
        if self.reported is None:
            return False
        return abs(self.objective - self.reported) <= 1e-6 * max(1.0, abs(self.reported)) + 1e-3


def _row(table: pd.DataFrame, key: str) -> pd.Series:
    """The row of ``key`` in a table with unique ids (``.loc`` gives a frame for repeated ids)."""
    row = table.loc[key]
    assert isinstance(row, pd.Series), f"{key!r} is not a unique row label"
    return row


def _chargeable(basis: str, density: float, mode: str, air_kg_per_cbm: float) -> float:
    # Independent restatement of the pricing rules (docs/data_model.md).
    if basis == "tonne":
        return 1.0
    if basis == "kg":
        return 1000.0 * (max(1.0, air_kg_per_cbm / density) if mode == "air" else 1.0)
    if basis == "cbm":
        return 1000.0 / density
    if basis == "wm":
        return max(1.0, 1000.0 / density)
    raise ValueError(basis)


def _numbers(frame: pd.DataFrame, column: str, default: float) -> pd.Series:
    """A numeric column (``default`` where it is missing or blank)."""
    if column not in frame:
        return pd.Series(default, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float).fillna(default)


def _tier_sizes(network: Network, site: str) -> dict[str, tuple[float, float]]:
    """Tier -> (fixed cost a year, capacity t a year) at a site, from the data (restated)."""
    row = _row(network.warehouses, site)
    tiers = network.warehouse_tiers
    rent, staff = row.get("rent_cny_per_m2_year"), row.get("staff_cny_per_fte_year")
    # a scenario's scale_warehouse_fixed (docs/scenarios.md): every owned fixed cost x factor
    factor = row.get("fixed_cost_factor")
    scale = 1.0 if factor is None or pd.isna(factor) else float(factor)
    if tiers.empty or pd.isna(rent) or pd.isna(staff):
        fixed_site = scale * float(row["fixed_cost_cny_per_year"])
        return {"site": (fixed_site, float(row["capacity_t_per_year"]))}
    out = {}
    for name, t in tiers.iterrows():
        area = float(t["area_m2"])
        people = math.ceil(area * float(t["fte_per_1000_m2"]) / 1000.0 - 1e-9)
        fixed = scale * (
            float(rent) * area
            + people * float(staff)
            + float(t["systems_cny_per_year"])
            + float(t["other_cny_per_m2_year"]) * area
        )
        out[str(name)] = (fixed, float(t["throughput_t_per_m2_year"]) * area)
    return out


def _offers(network: Network) -> dict[str, dict[str, float]]:
    """Shared rate cards by site (storage per cbm-month, handling per order, inbound per cbm)."""
    out = {}
    wh = network.warehouses
    for w in wh.index:
        row = _row(wh, str(w))
        storage = row.get("shared_storage_cny_per_cbm_month")
        handling = row.get("shared_handling_cny_per_order")
        if storage is None or handling is None or pd.isna(storage) or pd.isna(handling):
            continue
        inbound = row.get("shared_inbound_cny_per_cbm")
        cap = row.get("shared_capacity_t_per_year")
        out[str(w)] = {
            "storage": float(storage),
            "handling": float(handling),
            "inbound": 0.0 if inbound is None or pd.isna(inbound) else float(inbound),
            "capacity": math.inf if cap is None or pd.isna(cap) else float(cap),
        }
    return out


def verify(
    network: Network, solution: Solution, options: DesignOptions | None = None, *, tol: float = 1e-6
) -> CheckReport:
    """Check a solution against the network and options; see the module docstring."""
    options = options or DesignOptions()
    v: list[str] = []
    p = network.parameters
    weeks = float(p["weeks_per_year"])
    air = float(p["air_volumetric_kg_per_cbm"])
    carry = float(p["inventory_carrying_rate_per_year"])
    fallback_penalty = float(p["unmet_penalty_cny_per_t"])
    z = float(p["service_level_z"]) if "service_level_z" in p else None
    review = float(p.get("replenishment_review_days", 7.0))
    nodes = network.nodes
    services = network.services
    fx = network.fx["cny_per_unit"]
    products = network.products
    demand = network.demand
    wh = network.warehouses
    routes = solution.routes
    lanes = solution.lanes.set_index("service_id") if len(solution.lanes) else solution.lanes
    closed_nodes = set(nodes.index[~nodes["open"]])
    # numeric columns read cell by cell below (float() keeps the sums Python floats)
    dwell_h = nodes["dwell_h"].astype(float)
    handling = nodes["handling_cny_per_t"].astype(float)
    border_fee = nodes["border_fee_cny_per_t"].astype(float)
    value_per_t = products["value_cny_per_t"].astype(float)
    density_of = products["density_kg_per_cbm"].astype(float)
    order_kg = _numbers(products, "order_kg", 10.0)
    weekly_cv = _numbers(products, "weekly_cv", math.nan)
    margin = _numbers(products, "margin_share", math.nan)
    order_rate = _numbers(services, "order_rate", math.nan)
    with_stock = z is not None and not weekly_cv.isna().any()
    offers = _offers(network)

    def svc(sid: str) -> pd.Series:
        return _row(services, sid)

    def hours(sid: str) -> tuple[float, float]:
        s = svc(sid)
        via = s["via"]
        dwell = sum(float(dwell_h.loc[n]) for n in via)
        dep = s["departures_per_week"]
        wait = 0.0 if (dep is None or (isinstance(dep, float) and math.isnan(dep))) else 84.0 / dep
        return float(s["transit_h"]) + dwell, wait

    parts = dict.fromkeys(COST_PARTS, 0.0)

    # -- routes: chains, timing, per-route costs -------------------------------------
    served = dict.fromkeys(demand.index, 0.0)
    lane_t: dict[str, dict[str, float]] = {}
    wh_t: dict[tuple[str, str], float] = {}
    wh_markets: dict[str, set[str]] = {}
    for _, r in routes.iterrows():
        did = r["demand_id"]
        if did not in demand.index:
            v.append(f"route {r['route']}: unknown demand {did}")
            continue
        d = _row(demand, did)
        t = float(r["tonnes"])
        if t < -tol:
            v.append(f"route {r['route']}: negative tonnes")
        served[did] += t
        seq = [s for s in str(r["services"]).split(";") if s]
        at = d["origin"]
        total_h = 0.0
        for i, sid in enumerate(seq):
            if sid not in services.index:
                v.append(f"route {r['route']}: unknown service {sid}")
                break
            s = svc(sid)
            if s["from"] != at:
                v.append(f"demand {did}: route breaks at {sid} ({s['from']} != {at})")
            if (
                int(s["active"]) != 1
                or s["from"] in closed_nodes
                or s["to"] in closed_nodes
                or any(n in closed_nodes for n in s["via"])
            ):
                v.append(f"demand {did}: uses closed service {sid}")
            h, wait = hours(sid)
            if i > 0:
                total_h += float(dwell_h.loc[s["from"]])
                if s["from"] != r["warehouse"]:
                    parts["transport"] += t * float(handling.loc[s["from"]])
            total_h += h + wait
            at = s["to"]
            lane_t.setdefault(sid, {}).setdefault(d["product"], 0.0)
            lane_t[sid][d["product"]] += t
        if at != d["market"]:
            v.append(f"demand {did}: route ends at {at}, not at market {d['market']}")
        value = float(value_per_t.loc[d["product"]])
        allowed = str(d["customs_mode"]).split(";")
        mode = (
            str(r["customs_mode"])
            if "customs_mode" in r and isinstance(r["customs_mode"], str)
            else allowed[0]
        )
        if mode not in allowed:
            v.append(f"demand {did}: channel {mode} is not among its customs modes {allowed}")
        w = r["warehouse"] if isinstance(r["warehouse"], str) else ""
        if mode == "9810":
            if not w:
                v.append(f"demand {did}: 9810 must go through an overseas warehouse")
                continue
            last = seq[-1]
            h_last, wait_last = hours(last)
            bulk_h = total_h - h_last - wait_last - float(dwell_h.loc[svc(last)["from"]])
            deliver = (h_last + wait_last) / 24.0 + options.dispatch_days
            parts["in_transit_inventory"] += t * value * carry * (bulk_h / 24.0) / 365.0
            if bulk_h / 24.0 > options.max_replenishment_days + 1e-6:
                v.append(f"demand {did}: replenishment {bulk_h / 24:.1f} d over the limit")
            operating = r.get("operating_model", "owned")
            operating = operating if isinstance(operating, str) and operating else "owned"
            key = (w, operating)
            wh_t[key] = wh_t.get(key, 0.0) + t
            wh_markets.setdefault(d["market"], set()).add(w)
            # stock abroad: cycle + safety stock for the bulk leg's lead time
            row = _row(wh, w)
            density = float(density_of.loc[d["product"]])
            cbm = 1000.0 / density
            if with_stock:
                assert z is not None
                cv = float(weekly_cv.loc[d["product"]])
                days = review / 2.0 + 7.0 * z * cv * math.sqrt((review + bulk_h / 24.0) / 7.0)
            else:
                days = float(row["stock_days"])
            parts["stock_abroad"] += t * value * carry * days / 365.0
            orders = 1000.0 / float(order_kg.loc[d["product"]])
            if operating == "shared":
                offer = offers.get(w)
                if offer is None:
                    v.append(f"demand {did}: uses shared space at {w}, which has no rate card")
                    continue
                if w in options.never_shared or not options.allow_shared:
                    v.append(f"demand {did}: uses shared space at {w}, which is not allowed")
                per_t = (
                    offer["inbound"] * cbm
                    + offer["handling"] * orders
                    + offer["storage"] * cbm * days / 365.0 * 12.0
                )
            else:
                per_t = float(row["handling_cny_per_t"])
                if not with_stock:
                    per_t += float(row["storage_cny_per_cbm_month"]) * days / 30.0 * cbm
            parts["handling_storage"] += t * per_t
        else:
            if w:
                v.append(f"demand {did}: {mode} must not pass an overseas warehouse")
            deliver = total_h / 24.0
            parts["in_transit_inventory"] += t * value * carry * deliver / 365.0
            if mode == "1210":
                nodes_on = [svc(s)["to"] for s in seq]
                if not any(nodes.at[n, "kind"] == "bonded_zone" for n in nodes_on):
                    v.append(f"demand {did}: 1210 must pass a bonded zone")
        if t > tol and deliver > float(d["required_days"]) + 1e-6:
            v.append(f"demand {did}: delivers in {deliver:.2f} d > required {d['required_days']}")

    # -- conservation -----------------------------------------------------------------
    unmet = (
        solution.unmet.groupby("demand_id")["tonnes"].sum()
        if len(solution.unmet)
        else pd.Series(dtype=float)
    )
    for did, d in demand.iterrows():
        u = float(unmet.get(did, 0.0)) if len(solution.unmet) else 0.0
        total = served[did] + u
        if abs(total - float(d["tonnes_per_year"])) > 1e-5 * max(1.0, float(d["tonnes_per_year"])):
            v.append(
                f"demand {did}: served {served[did]:.3f} + unmet {u:.3f} != {d['tonnes_per_year']}"
            )
        if u > tol and options.require_full_service:
            v.append(f"demand {did}: {u:.3f} t unmet under require_full_service")
        if options.unmet_penalty_cny_per_t is not None:
            per_t = float(options.unmet_penalty_cny_per_t)
        elif not math.isnan(float(margin.loc[d["product"]])):
            per_t = float(value_per_t.loc[d["product"]]) * float(margin.loc[d["product"]])
        else:
            per_t = fallback_penalty
        parts["unmet_penalty"] += u * per_t

    # -- lanes: price again, check capacity --------------------------------------------------
    for sid, by_product in lane_t.items():
        s = svc(sid)
        rate = float(s["rate"]) * float(fx[s["currency"]])
        basis = s["rate_basis"]
        tonnes = sum(by_product.values())
        fee = sum(float(border_fee.loc[n]) for n in s["via"])
        co2 = float(s["co2_g_per_tkm"]) * float(s["distance_km"]) / 1e6
        parts["transport"] += tonnes * fee
        parts["carbon"] += tonnes * co2 * options.carbon_price_cny_per_t
        lane = _row(lanes, sid) if sid in lanes.index else None
        units_week = 0.0 if lane is None else float(lane["units"])
        if basis in UNIT:
            payload = float(p[f"{UNIT[basis]}_payload_t"])
            volume = float(p[f"{UNIT[basis]}_volume_cbm"])
            if units_week < -tol or abs(units_week - round(units_week)) > 1e-6:
                v.append(f"lane {sid}: units {units_week} not a whole number")
            dep, upd = s["departures_per_week"], s["units_per_departure"]
            if (
                not (pd.isna(dep) or pd.isna(upd))
                and units_week > math.floor(dep * upd + 1e-9) + tol
            ):
                v.append(
                    f"lane {sid}: {units_week} units/week over the service capacity {dep * upd:g}"
                )
            parts["transport"] += units_week * rate * weeks
            # space left in containers, per week, in payload tonnes
            space = units_week * payload
            items = []
            for prod, t_year in by_product.items():
                dens = float(density_of.loc[prod])
                use = max(1.0, payload / (volume * dens / 1000.0))
                if isinstance(s["lcl_basis"], str) and not pd.isna(s["lcl_rate"]):
                    loose_per_t = (
                        float(s["lcl_rate"])
                        * float(fx[s["currency"]])
                        * _chargeable(s["lcl_basis"], dens, s["mode"], air)
                    )
                else:
                    loose_per_t = math.inf
                items.append((loose_per_t / use, use, t_year / weeks, loose_per_t))
            items.sort(key=lambda x: -x[0])
            for _, use, t_week, loose_per_t in items:
                fit = min(t_week, space / use) if space > 0 else 0.0
                space -= fit * use
                rest = t_week - fit
                if rest > 1e-7 * max(1.0, t_week):
                    if math.isinf(loose_per_t):
                        v.append(
                            f"lane {sid}: {rest * weeks:.3f} t/year do not fit in "
                            f"{units_week:g} units/week and loose cargo is not accepted"
                        )
                    else:
                        parts["transport"] += rest * weeks * loose_per_t
        else:
            for prod, t_year in by_product.items():
                dens = float(density_of.loc[prod])
                parts["transport"] += t_year * rate * _chargeable(basis, dens, s["mode"], air)
        if not math.isnan(float(order_rate.loc[sid])):
            per_order = float(order_rate.loc[sid]) * float(fx[s["currency"]])
            for prod, t_year in by_product.items():
                parts["transport"] += t_year * per_order * 1000.0 / float(order_kg.loc[prod])
        if lane is not None and abs(float(lane["tonnes"]) - tonnes) > 1e-5 * max(1, tonnes):
            v.append(f"lane {sid}: lanes.csv says {lane['tonnes']} t, routes carry {tonnes}")
    for sid in lanes.index if len(lanes) else []:
        if sid in lane_t:
            continue
        paid = float(_row(lanes, sid)["units"])
        if paid > 0:
            # units paid for but unused: still a cost
            s = svc(sid)
            parts["transport"] += paid * float(s["rate"]) * float(fx[s["currency"]]) * weeks

    # -- warehouses ----------------------------------------------------------------------
    wtab = solution.warehouses.set_index("warehouse_id") if len(solution.warehouses) else None
    open_set = set()
    tier_of: dict[str, str] = {}
    if wtab is not None:
        for w in wtab.index:
            if bool(wtab.at[w, "open"]):
                open_set.add(str(w))
                tier = wtab.at[w, "tier"] if "tier" in wtab.columns else ""
                tier_of[str(w)] = str(tier) if isinstance(tier, str) and tier else "site"
    sizes = {w: _tier_sizes(network, str(w)) for w in wh.index}
    for (w, operating), t in wh_t.items():
        if operating == "shared":
            offer = offers.get(w)
            cap = offer["capacity"] if offer is not None else 0.0
            if t > cap * (1 + 1e-6):
                v.append(f"warehouse {w}: shared throughput {t:.1f} t over its space {cap:.1f}")
            continue
        if t > tol and w not in open_set:
            v.append(f"warehouse {w}: carries {t:.1f} t but is not open")
            continue
        tier = tier_of.get(w, "site")
        if tier not in sizes[w]:
            v.append(f"warehouse {w}: unknown tier {tier!r}")
            continue
        cap = sizes[w][tier][1]
        if t > cap * (1 + 1e-6):
            v.append(f"warehouse {w}: throughput {t:.1f} t over the {tier} capacity {cap:.1f}")
    fixed_total = 0.0
    for w in open_set:
        tier = tier_of[w]
        if tier not in sizes[w]:
            v.append(f"warehouse {w}: unknown tier {tier!r}")
            continue
        fixed_total += sizes[w][tier][0]
        if not bool(nodes.at[w, "open"]):
            v.append(f"warehouse {w}: open but its node is closed")
    parts["warehouse_fixed"] += fixed_total
    n_open = len(open_set)
    if options.max_warehouses is not None and n_open > options.max_warehouses:
        v.append(f"{n_open} warehouses open > max {options.max_warehouses}")
    if options.min_warehouses is not None and n_open < options.min_warehouses:
        v.append(f"{n_open} warehouses open < min {options.min_warehouses}")
    if options.exact_warehouses is not None and n_open != options.exact_warehouses:
        v.append(f"{n_open} warehouses open != {options.exact_warehouses}")
    used = open_set | {str(w) for (w, _op), t in wh_t.items() if t > SITE_USED_T}
    if options.max_sites is not None and len(used) > options.max_sites:
        v.append(f"{len(used)} sites used > max {options.max_sites}")
    if options.min_sites is not None and len(used) < options.min_sites:
        v.append(f"{len(used)} sites used < min {options.min_sites}")
    for w in options.must_open:
        if w not in open_set and bool(nodes.at[w, "open"]):
            v.append(f"must-open warehouse {w} is closed")
    for w in options.never_open:
        if w in open_set:
            v.append(f"never-open warehouse {w} is open")
    for w in wh.index[wh["status"] == "existing"]:
        if w not in open_set and bool(nodes.at[w, "open"]) and w not in options.never_open:
            v.append(f"existing warehouse {w} is closed")
    if options.budget_cny is not None and fixed_total > options.budget_cny * (1 + 1e-9):
        v.append(f"warehouse fixed cost {fixed_total:,.0f} over budget {options.budget_cny:,.0f}")
    if options.single_sourcing:
        for m, ws in wh_markets.items():
            if len(ws) > 1:
                v.append(f"market {m} served by {len(ws)} warehouses under single sourcing")

    total = sum(parts.values())
    kpi_total = solution.kpis.get("total_cost_cny") if solution.kpis else None
    if kpi_total is not None and abs(
        kpi_total - sum(solution.kpis["cost_parts_cny"].values())
    ) > 1e-6 * max(1, abs(kpi_total)):
        v.append("cost parts do not sum to the total")
    if (
        kpi_total is not None
        and solution.objective is not None
        and abs(kpi_total - solution.objective) > 1e-6 * max(1, abs(kpi_total)) + 1e-3
    ):
        v.append(f"total cost {kpi_total:,.2f} != objective {solution.objective:,.2f}")
    return CheckReport(objective=total, reported=solution.objective, violations=v, parts=parts)


def summarize(report: CheckReport) -> dict[str, Any]:
    """The checker's verdict as plain data (for solution.json and the CLI)."""
    return {
        "ok": report.ok,
        "recomputed_objective": report.objective,
        "reported_objective": report.reported,
        "violations": report.violations[:50],
        "recomputed_parts": report.parts,
    }
