"""Summary figures of a :class:`~optimizer.data.network.Network` (``corridor network info``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from optimizer.data.network import Network
from optimizer.data.provenance import (
    cost_weighted_share,
    field_provenance,
    order_costs,
    services_traced_share,
)

# Cross-border e-commerce transaction targets for 2025 in the Sichuan plans
# (川府函〔2021〕9号): Deyang above 1 billion CNY, Mianyang 1.5 billion CNY.
PLAN_TARGETS_CNY: dict[str, float] = {"Deyang": 1.0e9, "Mianyang": 1.5e9}
PLAN_SOURCE = "Sichuan Provincial Government 川府函〔2021〕9号 (2021-01-11), targets for 2025"


def network_info(
    network: Network,
    lanes: pd.DataFrame | None = None,
    lanes_from: str | None = None,
    flows: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Counts and totals of a network, as plain data (the ``--json`` output).

    ``lanes`` is a solution's lanes.csv (``lanes_from`` says which): with it the rates are
    weighed by that solution's transport cost (``cost_weighted_cited_share``).
    """
    nodes = network.nodes
    services = network.services
    demand = network.demand.copy()
    products = network.products
    demand["value_cny"] = demand["tonnes_per_year"] * demand["product"].map(
        products["value_cny_per_t"]
    )
    demand["city"] = demand["origin"].map(nodes["city"])
    if "trade" not in demand:
        demand["trade"] = "cbec"
    demand["trade"] = demand["trade"].fillna("cbec")
    wh_nodes = network.warehouses.index
    cbec = demand[demand["trade"] == "cbec"]
    value_by_city = cbec.groupby("city")["value_cny"].sum()
    sources = network.sources
    sourced = float((~sources["assumption"]).mean()) if len(sources) else 0.0
    cited = (
        float(sources["source"].str.contains("http", regex=False).mean()) if len(sources) else 0.0
    )
    by_file = (
        sources.groupby("file")["assumption"].agg(lambda s: float((~s).mean())).round(3).to_dict()
        if len(sources)
        else {}
    )
    reach = warehouses_by_market(network)
    return {
        "data_dir": network.data_dir,
        "nodes": len(nodes),
        "nodes_by_kind": {k: int(v) for k, v in nodes["kind"].value_counts().sort_index().items()},
        "nodes_by_country": {
            k: int(v) for k, v in nodes["country"].value_counts().sort_index().items()
        },
        "services": len(services),
        "active_services": int((services["active"] == 1).sum()),
        "services_by_mode": {
            k: int(v) for k, v in services["mode"].value_counts().sort_index().items()
        },
        "warehouses": len(network.warehouses),
        "warehouse_countries": sorted(set(nodes.loc[wh_nodes, "country"])),
        "markets": int((nodes["kind"] == "market").sum()),
        "warehouses_by_market": reach,
        "markets_with_2plus_warehouses": sum(1 for ws in reach.values() if len(ws) >= 2),
        "products": len(products),
        "demand_rows": len(demand),
        "demand_tonnes": round(float(demand["tonnes_per_year"].sum()), 3),
        "demand_tonnes_by_city": {
            k: round(float(v), 3)
            for k, v in demand.groupby("city")["tonnes_per_year"].sum().items()
        },
        "demand_tonnes_by_product": {
            k: round(float(v), 3)
            for k, v in demand.groupby("product")["tonnes_per_year"].sum().items()
        },
        "demand_tonnes_by_customs_mode": {
            str(k): round(float(v), 3)
            for k, v in demand.groupby("customs_mode")["tonnes_per_year"].sum().items()
        },
        "demand_value_cny_by_city": {k: round(float(v), 2) for k, v in value_by_city.items()},
        "demand_tonnes_by_trade": {
            k: round(float(v), 3)
            for k, v in demand.groupby("trade")["tonnes_per_year"].sum().items()
        },
        "demand_value_cny_by_trade": {
            k: round(float(v), 2) for k, v in demand.groupby("trade")["value_cny"].sum().items()
        },
        "plan_targets_cny": dict(PLAN_TARGETS_CNY),
        "value_vs_target": {
            city: round(float(value_by_city.get(city, 0.0)) / target, 4)
            for city, target in PLAN_TARGETS_CNY.items()
        },
        "plan_source": PLAN_SOURCE,
        "sourced_share": round(sourced, 4),
        "cited_share": round(cited, 4),
        "sourced_share_by_file": by_file,
        "field_provenance": field_provenance(network.provenance),
        "services_rate_cited_share": services_traced_share(network.provenance),
        "cost_weighted_cited_share": (
            cost_weighted_share(
                network.provenance,
                lanes,
                order_costs(flows, network) if flows is not None else None,
            )
            if lanes is not None
            else None
        ),
        "cost_weighted_basis": (
            f"transport cost (cost_cny) of {lanes_from}"
            if lanes is not None
            else "no solution found: solve scenarios/baseline.yaml first, or give --solution"
        ),
    }


def warehouses_by_market(network: Network) -> dict[str, list[str]]:
    """Per market, the warehouses with an active service straight to it (their last mile)."""
    services = network.services
    nodes = network.nodes
    wh = set(map(str, network.warehouses.index))
    markets = set(map(str, nodes.index[nodes["kind"] == "market"]))
    active = services[services["active"] == 1]
    out: dict[str, set[str]] = {m: set() for m in markets}
    for a, b in zip(active["from"].astype(str), active["to"].astype(str), strict=True):
        if a in wh and b in markets:
            out[b].add(a)
    return {m: sorted(out[m]) for m in sorted(out)}
