"""The map of a solution: lanes by mode and tonnes, warehouses, markets, origins, KPIs."""

from __future__ import annotations

import math
from typing import SupportsFloat, SupportsIndex

import folium
import pandas as pd

from optimizer.data.network import Network
from optimizer.format import is_number, money, number, percent
from optimizer.output.mapping.base import (
    HUB_COLOR,
    MARKET_COLOR,
    ORIGIN_COLOR,
    UNMET_COLOR,
    WAREHOUSE_CLOSED,
    WAREHOUSE_OPEN,
    Control,
    drawing_target,
    esc,
    finish,
    fit,
    legend,
    mode_order,
    node_label,
    popup,
)
from optimizer.output.mapping.geometry import node_point, service_path
from optimizer.output.palette import mode_color
from optimizer.results.solution import Solution


def _float(value: object) -> float:
    """``float(value)`` for a table cell (pandas-stubs types row fields as any scalar)."""
    if isinstance(value, str | bytes | SupportsFloat | SupportsIndex):
        return float(value)
    msg = f"float() argument must be a string or a real number, not {type(value).__name__!r}"
    raise TypeError(msg)


def _served_by_market(solution: Solution, network: Network) -> dict[str, list[tuple[str, float]]]:
    """How each market is served: ``(description, tonnes)`` by warehouse or gateway."""
    routes = solution.routes
    out: dict[str, dict[str, float]] = {}
    if routes.empty:
        return {}
    demand = network.demand
    services = network.services
    for r in routes.itertuples(index=False):
        did = str(r.demand_id)
        if did in demand.index:
            market = str(demand.at[did, "market"])
        else:
            rows = solution.flows[solution.flows["demand_id"] == did]
            if rows.empty:
                continue
            market = str(rows["market"].iloc[0])
        wh = r.warehouse if isinstance(r.warehouse, str) else ""
        if wh:
            label = f"via warehouse {node_label(network, wh)}"
        else:
            last = str(r.services).split(";")[-1]
            if last in services.index:
                gate = str(services.at[last, "from"])
                mode = str(services.at[last, "mode"])
                label = f"direct from {node_label(network, gate)} ({mode})"
            else:
                label = "direct"
        out.setdefault(market, {})
        out[market][label] = out[market].get(label, 0.0) + _float(r.tonnes)
    return {m: sorted(d.items(), key=lambda kv: -kv[1]) for m, d in out.items()}


def kpi_box(
    solution: Solution, title: str | None = None, deltas: dict[str, str] | None = None
) -> str:
    k = solution.kpis or {}
    deltas = deltas or {}
    gap = "" if solution.gap is None else f", gap {solution.gap:.2%}"
    head = title or solution.scenario
    rows = [
        ("total cost", money(k.get("total_cost_cny", solution.objective)) + "/year", "cost"),
        ("CO2", number(k.get("co2_tonnes"), 0, "t/year"), "co2"),
        ("mean delivery", number(k.get("mean_delivery_days"), 1, "days"), "days"),
        ("on time", percent(k.get("on_time_share"), 1), "on_time"),
        ("open warehouses", str(len(k.get("open_warehouses", []))), "warehouses"),
        ("containers", number(k.get("containers_per_year"), 0, "/year"), "containers"),
        ("mean fill", percent(k.get("mean_fill_rate"), 1), "fill"),
        ("unmet demand", number(k.get("unmet_tonnes"), 0, "t"), "unmet"),
    ]
    body = "".join(
        f"<tr><td>{esc(label)}</td><td class='num'><b>{esc(value)}</b></td>"
        f"<td class='num'>{esc(deltas.get(key, ''))}</td></tr>"
        for label, value, key in rows
    )
    return (
        f"<h4>{esc(head)}</h4><div>{esc(solution.status)} ({esc(solution.solver)}{esc(gap)})</div>"
        f"<table>{body}</table>"
    )


def map_solution(
    solution: Solution,
    network: Network,
    *,
    fmap: folium.Map | None = None,
    offline: bool = False,
) -> folium.Map:
    """Map of a design solution.

    Lanes are drawn along their service geometry, one layer per mode, width by
    tonnes; their popups give tonnes, containers (or trucks) per year, fill
    rate, loose tonnes, cost and CO2. Open warehouses are sized by throughput
    (popup: utilisation, fixed cost, markets served); closed candidates are
    small hollow circles. Markets are sized by demand (popup: how they are
    served, direct or via which warehouse; unmet demand flagged with a red
    dashed ring). A box gives the KPIs, another the legend.

    Parameters
    ----------
    solution
        The solution (``optimizer.results.solution.load_solution`` reads one back).
    network
        The network it was solved on (the scenario's network).
    fmap
        A map to draw on; a new one when ``None`` (then fitted to the drawing and
        given a layer control).
    offline
        No tile layer: Natural Earth outlines, and JavaScript / CSS inlined.

    Returns
    -------
    folium.Map
        The map (``fmap`` when given).

    Raises
    ------
    OfflineAssetError
        When ``offline`` and a packaged JavaScript / CSS copy is missing.
    """
    m, own = drawing_target(fmap, offline=offline)
    points = draw_solution(solution, network, m)
    m.add_child(Control(kpi_box(solution), position="bottomleft"))
    m.add_child(Control(solution_legend(solution), position="bottomright"))
    if own:
        fit(m, points)
    finish(m, offline=offline, layer_control=own)
    return m


def solution_legend(solution: Solution) -> str:
    return legend(
        "Flows (width = tonnes)",
        solution.lanes["mode"] if not solution.lanes.empty else [],
        [
            ("open warehouse (size = throughput)", WAREHOUSE_OPEN, "#1b3d1d"),
            ("closed candidate warehouse", "#ffffff", WAREHOUSE_CLOSED),
            ("market (size = demand)", MARKET_COLOR, "#4a0a26"),
            ("market with unmet demand", "none", UNMET_COLOR),
            ("origin", ORIGIN_COLOR, "#2d0b42"),
            ("hub, port or border crossing used", HUB_COLOR, "#333333"),
        ],
    )


def _lane_frame(solution: Solution) -> pd.DataFrame:
    lanes = solution.lanes.copy()
    if lanes.empty:
        return lanes
    lanes = lanes[pd.to_numeric(lanes["tonnes"], errors="coerce").fillna(0.0) > 1e-6]
    lanes = lanes.rename(columns={"from": "start", "to": "end"})
    return lanes.sort_values(["mode", "service_id"], kind="stable")


def draw_solution(
    solution: Solution, network: Network, m: folium.Map, *, show_candidates: bool = True
) -> list[tuple[float, float]]:
    """Draw lanes, warehouses, markets, origins and hubs; return the points drawn."""
    nodes = network.nodes
    points: list[tuple[float, float]] = []
    lanes = _lane_frame(solution)
    flows = solution.flows
    t_max = float(lanes["tonnes"].max()) if not lanes.empty else 1.0

    # Demands carried per lane, for popups.
    carried: dict[str, pd.Series] = {}
    if not flows.empty:
        for sid, grp in flows.groupby("service_id", sort=True):
            carried[str(sid)] = grp.groupby("market")["tonnes"].sum().sort_values(ascending=False)

    used_nodes: set[str] = set()
    for mode in mode_order(lanes["mode"] if not lanes.empty else []):
        sub = lanes[lanes["mode"] == mode]
        total = float(sub["tonnes"].sum())
        group = folium.FeatureGroup(
            name=f"Flows · {mode} ({len(sub)} lanes, {total:,.0f} t)", show=True
        )
        for row in sub.itertuples(index=False):
            sid = str(row.service_id)
            start, end = str(row.start), str(row.end)
            used_nodes.update((start, end))
            if sid in network.services.index:
                via = network.services["via"].loc[sid]  # a tuple of node ids
                used_nodes.update(v for v in via or () if v)
            pieces = service_path(network, sid, start, end)
            if not pieces:
                continue
            for piece in pieces:
                points += [(p[0], p[1]) for p in piece]
            tonnes = _float(row.tonnes)
            weight = 1.5 + 9.0 * math.sqrt(max(tonnes, 0.0) / t_max)
            rows = [
                ("service", esc(sid)),
                ("from", esc(node_label(network, start))),
                ("to", esc(node_label(network, end))),
                ("tonnes", number(tonnes, 0, "t/year")),
            ]
            basis = row.unit_basis if isinstance(row.unit_basis, str) else ""
            units_year = _float(row.units_per_year) if is_number(row.units_per_year) else 0.0
            if basis and units_year > 0:
                rows += [
                    ("containers / units", number(units_year, 0, f"{basis}/year")),
                    ("fill rate", percent(row.fill_rate, 1)),
                ]
            if is_number(row.loose_tonnes) and _float(row.loose_tonnes) > 0.5:
                rows.append(("loose (LCL) cargo", number(row.loose_tonnes, 0, "t/year")))
            rows += [
                ("cost", money(row.cost_cny) + "/year"),
                ("CO2", number(row.co2_t, 0, "t/year")),
            ]
            markets = carried.get(sid)
            extra = ""
            if markets is not None and len(markets):
                top = ", ".join(
                    f"{esc(node_label(network, str(mk)))} {t:,.0f} t"
                    for mk, t in markets.head(4).items()
                )
                more = f" and {len(markets) - 4} more" if len(markets) > 4 else ""
                extra = f"<div>for markets: {top}{more}</div>"
            fill_txt = (
                f", {units_year:,.0f} {basis}, fill {percent(row.fill_rate, 0)}"
                if basis and units_year > 0
                else ""
            )
            folium.PolyLine(
                pieces,
                color=mode_color(mode),
                weight=round(weight, 2),
                opacity=0.85,
                line_cap="round",
                popup=popup(esc(f"{row.corridor} ({mode})"), rows, extra),
                tooltip=esc(f"{row.corridor}: {tonnes:,.0f} t{fill_txt}"),
            ).add_to(group)
        group.add_to(m)

    # Hubs, ports and border crossings on the used lanes.
    special = {"origin", "market", "warehouse"}
    hubs = sorted(n for n in used_nodes if n in nodes.index and nodes.at[n, "kind"] not in special)
    if hubs:
        group = folium.FeatureGroup(name=f"Hubs, ports, border crossings used ({len(hubs)})")
        for nid in hubs:
            point = node_point(network, nid)
            points.append(point)
            kind = nodes.at[nid, "kind"]
            folium.CircleMarker(
                location=point,
                radius=3.5,
                color="#333333",
                weight=1.5,
                fill=True,
                fill_color=HUB_COLOR,
                fill_opacity=1.0,
                popup=popup(
                    esc(node_label(network, nid)),
                    [("id", esc(nid)), ("kind", esc(kind))],
                ),
                tooltip=esc(f"{node_label(network, nid)} ({kind!s})"),
            ).add_to(group)
        group.add_to(m)

    points += _draw_warehouses(solution, network, m, show_candidates=show_candidates)
    points += _draw_markets(solution, network, m)
    points += _draw_origins(solution, network, m)
    return points


def _draw_warehouses(
    solution: Solution, network: Network, m: folium.Map, *, show_candidates: bool
) -> list[tuple[float, float]]:
    wh = solution.warehouses
    points: list[tuple[float, float]] = []
    if wh.empty:
        return points
    wh = wh[wh["warehouse_id"].astype(str).isin(network.nodes.index)]
    is_open = wh["open"].astype(str).str.lower().isin(["true", "1", "1.0"])
    opened = wh[is_open].sort_values("warehouse_id")
    closed = wh[~is_open].sort_values("warehouse_id")
    thr_max = float(opened["throughput_tonnes"].max()) if not opened.empty else 1.0
    thr_max = thr_max if thr_max > 0 else 1.0

    group = folium.FeatureGroup(
        name=f"Closed candidate warehouses ({len(closed)})", show=show_candidates
    )
    for row in closed.itertuples(index=False):
        wid = str(row.warehouse_id)
        point = node_point(network, wid)
        points.append(point)
        cap = (
            network.warehouses.at[wid, "capacity_t_per_year"]
            if (wid in network.warehouses.index)
            else row.capacity_tonnes
        )
        fixed = (
            network.warehouses.at[wid, "fixed_cost_cny_per_year"]
            if (wid in network.warehouses.index)
            else float("nan")
        )
        folium.CircleMarker(
            location=point,
            radius=4.5,
            color=WAREHOUSE_CLOSED,
            weight=2,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=0.9,
            popup=popup(
                esc(node_label(network, wid)),
                [
                    ("id", esc(wid)),
                    ("status", "closed (candidate)"),
                    ("capacity", number(cap, 0, "t/year")),
                    ("fixed cost if opened", money(fixed) + "/year"),
                ],
            ),
            tooltip=esc(f"{node_label(network, wid)}: closed candidate"),
        ).add_to(group)
    group.add_to(m)

    group = folium.FeatureGroup(name=f"Open warehouses ({len(opened)})", show=True)
    for row in opened.itertuples(index=False):
        wid = str(row.warehouse_id)
        point = node_point(network, wid)
        points.append(point)
        markets = [s for s in str(row.markets_served).split(";") if s and s != "nan"]
        served = ", ".join(esc(node_label(network, mk)) for mk in markets) or "-"
        thr = _float(row.throughput_tonnes)
        folium.CircleMarker(
            location=point,
            radius=round(6.0 + 12.0 * math.sqrt(max(thr, 0.0) / thr_max), 2),
            color="#1b3d1d",
            weight=2,
            fill=True,
            fill_color=WAREHOUSE_OPEN,
            fill_opacity=0.85,
            popup=popup(
                esc(node_label(network, wid)),
                [
                    ("id", esc(wid)),
                    ("status", "<b>open</b>"),
                    ("throughput", number(thr, 0, "t/year")),
                    ("capacity", number(row.capacity_tonnes, 0, "t/year")),
                    ("utilisation", percent(row.utilization, 1)),
                    ("fixed cost", money(row.fixed_cost_cny) + "/year"),
                    ("handling and storage", money(row.handling_storage_cny) + "/year"),
                ],
                f"<div>markets served: {served}</div>",
            ),
            tooltip=esc(
                f"{node_label(network, wid)}: open, {thr:,.0f} t, "
                f"{percent(row.utilization, 0)} used"
            ),
        ).add_to(group)
    group.add_to(m)
    return points


def _draw_markets(solution: Solution, network: Network, m: folium.Map) -> list[tuple[float, float]]:
    demand = network.demand.groupby("market")["tonnes_per_year"].sum()
    if demand.empty:
        return []
    served = _served_by_market(solution, network)
    unmet = solution.unmet
    unmet_t = unmet.groupby("market")["tonnes"].sum() if not unmet.empty else pd.Series(dtype=float)
    reasons: dict[str, list[str]] = {}
    if not unmet.empty:
        for mk, grp in unmet.groupby("market"):
            reasons[str(mk)] = sorted({str(r) for r in grp["reason"]})
    on_time: dict[str, float] = {}
    routes = solution.routes
    if not routes.empty and "on_time" in routes:
        r = routes.assign(
            market=routes["demand_id"].map(network.demand["market"]),
            ok=routes["on_time"].astype(str).str.lower().isin(["true", "1"]),
        )
        for mk, grp in r.groupby("market"):
            t = float(grp["tonnes"].sum())
            on_time[str(mk)] = float(grp.loc[grp["ok"], "tonnes"].sum()) / t if t > 0 else 1.0
    d_max = float(demand.max()) if float(demand.max()) > 0 else 1.0
    points: list[tuple[float, float]] = []
    group = folium.FeatureGroup(name=f"Markets ({len(demand)})", show=True)
    flagged = folium.FeatureGroup(name="Unmet demand", show=True)
    n_flagged = 0
    for mk in sorted(demand.index):
        mid = str(mk)
        if mid not in network.nodes.index:
            continue
        point = node_point(network, mid)
        points.append(point)
        d = float(demand[mk])
        u = float(unmet_t.get(mid, 0.0))
        lines = "".join(
            f"<tr><td>{esc(label)}</td><td class='num'>{t:,.0f} t</td></tr>"
            for label, t in served.get(mid, [])
        )
        extra = f"<div>served:</div><table>{lines}</table>" if lines else ""
        if u > 0.5:
            why = "; ".join(esc(x) for x in reasons.get(mid, []))
            extra += f"<div class='warn'>unmet {u:,.0f} t: {why}</div>"
        radius = round(4.0 + 12.0 * math.sqrt(d / d_max), 2)
        folium.CircleMarker(
            location=point,
            radius=radius,
            color="#4a0a26",
            weight=1,
            fill=True,
            fill_color=MARKET_COLOR,
            fill_opacity=0.75,
            popup=popup(
                esc(node_label(network, mid)),
                [
                    ("id", esc(mid)),
                    ("demand", number(d, 0, "t/year")),
                    ("served", number(d - u, 0, "t/year")),
                    ("on time", percent(on_time.get(mid), 0)),
                ],
                extra,
            ),
            tooltip=esc(
                f"{node_label(network, mid)}: {d:,.0f} t/year"
                + (f", UNMET {u:,.0f} t" if u > 0.5 else "")
            ),
        ).add_to(group)
        if u > 0.5:
            n_flagged += 1
            folium.CircleMarker(
                location=point,
                radius=radius + 5,
                color=UNMET_COLOR,
                weight=3,
                dash_array="4 3",
                fill=False,
                tooltip=esc(f"{node_label(network, mid)}: unmet {u:,.0f} t"),
            ).add_to(flagged)
    group.add_to(m)
    if n_flagged:
        flagged.layer_name = f"Unmet demand ({n_flagged} markets)"
        flagged.add_to(m)
    return points


def _draw_origins(solution: Solution, network: Network, m: folium.Map) -> list[tuple[float, float]]:
    shipped = network.demand.groupby("origin")["tonnes_per_year"].sum()
    if shipped.empty:
        return []
    s_max = float(shipped.max()) if float(shipped.max()) > 0 else 1.0
    group = folium.FeatureGroup(name=f"Origins ({len(shipped)})", show=True)
    points: list[tuple[float, float]] = []
    for oid in sorted(shipped.index):
        if oid not in network.nodes.index:
            continue
        point = node_point(network, str(oid))
        points.append(point)
        t = float(shipped[oid])
        folium.CircleMarker(
            location=point,
            radius=round(3.0 + 5.0 * math.sqrt(t / s_max), 2),
            color="#2d0b42",
            weight=1,
            fill=True,
            fill_color=ORIGIN_COLOR,
            fill_opacity=0.9,
            popup=popup(
                esc(node_label(network, str(oid))),
                [
                    ("id", esc(oid)),
                    ("city", esc(network.nodes.at[oid, "city"])),
                    ("demand shipped", number(t, 0, "t/year")),
                ],
            ),
            tooltip=esc(f"{node_label(network, str(oid))}: {t:,.0f} t/year"),
        ).add_to(group)
    group.add_to(m)
    return points
