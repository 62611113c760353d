"""The network map: nodes by kind with English and Chinese names, services by mode."""

from __future__ import annotations

import folium
import pandas as pd

from optimizer.data.network import Network
from optimizer.format import is_number, money, number
from optimizer.output.mapping.base import (
    KIND_GROUPS,
    UNMET_COLOR,
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


def map_network(
    network: Network, *, fmap: folium.Map | None = None, offline: bool = False
) -> folium.Map:
    """Map of a network: nodes by kind and services by mode, each a layer.

    Parameters
    ----------
    network
        The network to draw (base or a scenario's).
    fmap
        A map to draw on; a new one when ``None``.
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
    services = network.services
    nodes = network.nodes
    active = network.active_services.index
    points: list[tuple[float, float]] = []

    for mode in mode_order(services["mode"]):
        sub = services[(services["mode"] == mode) & services.index.isin(active)]
        if sub.empty:
            continue
        group = folium.FeatureGroup(name=f"Services · {mode} ({len(sub)})", show=True)
        for sid, row in sub.sort_index().iterrows():
            _service_line(network, str(sid), row, dashed=False).add_to(group)
        group.add_to(m)
    inactive = services[~services.index.isin(active)]
    if not inactive.empty:
        group = folium.FeatureGroup(
            name=f"Inactive services, for scenarios ({len(inactive)})", show=False
        )
        for sid, row in inactive.sort_index().iterrows():
            _service_line(network, str(sid), row, dashed=True).add_to(group)
        group.add_to(m)

    demand_by_market = network.demand.groupby("market")["tonnes_per_year"].sum()
    for label, kinds, fill, radius in KIND_GROUPS:
        sub = nodes[nodes["kind"].isin(kinds)].sort_index()
        if sub.empty:
            continue
        group = folium.FeatureGroup(name=f"{label} ({len(sub)})", show=True)
        for node_id, row in sub.iterrows():
            nid = str(node_id)
            point = node_point(network, nid)
            points.append(point)
            rows = [
                ("id", esc(nid)),
                ("kind", esc(row["kind"])),
                ("city / country", esc(f"{row.get('city') or ''} {row['country']}".strip())),
            ]
            if row["kind"] == "warehouse" and nid in network.warehouses.index:
                w = network.warehouses.loc[nid]
                rows += [
                    ("status", esc(w["status"])),
                    ("operator", esc(w.get("operator", ""))),
                    ("capacity", number(w["capacity_t_per_year"], 0, "t/year")),
                    ("fixed cost", money(w["fixed_cost_cny_per_year"]) + "/year"),
                ]
            if row["kind"] == "market":
                rows.append(("demand", number(demand_by_market.get(nid, 0.0), 0, "t/year")))
            if is_number(row.get("dwell_h")) and float(row["dwell_h"]) > 0:
                rows.append(("dwell", number(row["dwell_h"], 0, "h")))
            if (
                is_number(row.get("border_fee_cny_per_t"))
                and float(row["border_fee_cny_per_t"]) > 0
            ):
                rows.append(("border fee", number(row["border_fee_cny_per_t"], 0, "CNY/t")))
            closed = "open" in row and not bool(row["open"])
            folium.CircleMarker(
                location=point,
                radius=radius,
                color="#222222" if not closed else UNMET_COLOR,
                weight=1,
                fill=True,
                fill_color=fill,
                fill_opacity=0.9 if not closed else 0.3,
                popup=popup(esc(node_label(network, nid)), rows),
                tooltip=esc(node_label(network, nid)),
            ).add_to(group)
        group.add_to(m)

    m.add_child(
        Control(
            legend(
                f"Network: {network.name}",
                services.loc[services.index.isin(active), "mode"],
                [(label, fill, "#222222") for label, _k, fill, _r in KIND_GROUPS],
            ),
            position="bottomright",
        )
    )
    if own:
        fit(m, points)
    finish(m, offline=offline, layer_control=own)
    return m


def _service_line(network: Network, sid: str, row: pd.Series, *, dashed: bool) -> folium.PolyLine:
    pieces = service_path(network, sid, str(row["from"]), str(row["to"]))
    rate = (
        f"{number(row['rate'], 2)} {esc(row['currency'])}/{esc(row['rate_basis'])}"
        if is_number(row.get("rate"))
        else "-"
    )
    rows = [
        ("id", esc(sid)),
        ("from", esc(node_label(network, str(row["from"])))),
        ("to", esc(node_label(network, str(row["to"])))),
        ("mode", esc(row["mode"])),
        ("operator", esc(row.get("operator") or "-")),
        ("distance", number(row.get("distance_km"), 0, "km")),
        ("running time", number(float(row["transit_h"]) / 24.0, 1, "days")),
        ("departures", number(row.get("departures_per_week"), 1, "/week")),
        ("rate", rate),
        ("CO2", number(row.get("co2_g_per_tkm"), 0, "g/t-km")),
    ]
    via = [v for v in row.get("via", ()) or () if v]
    if via:
        rows.insert(3, ("via", esc(", ".join(node_label(network, v) for v in via))))
    return folium.PolyLine(
        pieces,
        color=mode_color(str(row["mode"])),
        weight=2.0,
        opacity=0.75,
        dash_array="6 6" if dashed else None,
        popup=popup(esc(row["corridor"]), rows),
        tooltip=esc(
            f"{row['corridor']}: {node_label(network, str(row['from']))} → "
            f"{node_label(network, str(row['to']))}"
        ),
    )
