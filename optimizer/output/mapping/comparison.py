"""Two solutions side by side on synchronised maps, with what changed."""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
from branca.element import Element, Figure
from folium.plugins import DualMap

from optimizer.data.network import Network
from optimizer.format import is_number
from optimizer.output.mapping.base import (
    Control,
    FitBounds,
    add_base_layers,
    add_css,
    bounds_of,
    esc,
    node_label,
    stable_ids,
)
from optimizer.output.mapping.geometry import node_point, service_path
from optimizer.output.mapping.offline import SYNC_JS, make_offline
from optimizer.output.mapping.solution import draw_solution, kpi_box, solution_legend
from optimizer.results.solution import Solution


def _open_set(solution: Solution) -> set[str]:
    wh = solution.warehouses
    if wh.empty:
        return set()
    is_open = wh["open"].astype(str).str.lower().isin(["true", "1", "1.0"])
    return set(wh.loc[is_open, "warehouse_id"].astype(str))


def _lane_tonnes(solution: Solution) -> pd.Series:
    lanes = solution.lanes
    if lanes.empty:
        return pd.Series(dtype=float)
    return lanes.groupby("service_id")["tonnes"].sum().astype(float)


def _delta(a: Any, b: Any, kind: str) -> str:
    if not (is_number(a) and is_number(b)):
        return ""
    a, b = float(a), float(b)
    d = b - a
    if kind == "pct_points":
        return f"{d * 100:+.1f} pp"
    if kind == "money":
        return f"{d / 1e6:+,.2f} M" + (f" ({d / a:+.1%})" if a else "")
    if kind == "days":
        return f"{d:+.1f}"
    return f"{d:+,.0f}"


def map_comparison(
    solution_a: Solution,
    solution_b: Solution,
    network: Network,
    *,
    network_b: Network | None = None,
    offline: bool = False,
    moved_share: float = 0.02,
) -> DualMap:
    """Two solutions side by side on synchronised maps, with what changed.

    Both halves use :func:`map_solution`'s styling. The right-hand map (B) adds
    a layer "Changes vs A": warehouses opened in B (black ring) or closed
    (dashed black ring), and lanes whose tonnes grew (solid black outline) or
    shrank (dashed black) by more than ``moved_share`` of the largest lane.
    A box lists the KPI deltas and the corridors whose flows moved most.

    Parameters
    ----------
    solution_a, solution_b
        The two solutions (A on the left, B on the right).
    network
        The network of A (and of B unless ``network_b`` is given).
    network_b
        The network of B when its scenario changed the network.
    offline
        No tile layer: Natural Earth outlines, and JavaScript / CSS inlined.
    moved_share
        Smallest change in a lane's tonnes shown, as a share of the largest lane.

    Returns
    -------
    folium.plugins.DualMap
        The side-by-side map (``.m1`` is A, ``.m2`` is B).

    Raises
    ------
    OfflineAssetError
        When ``offline`` and a packaged JavaScript / CSS copy is missing.
    """
    net_b = network_b if network_b is not None else network
    dual = DualMap(tiles=None, control_scale=True, zoom_start=3, location=(40.0, 70.0))
    # Our own L.Map.sync, first in the page script, instead of the Leaflet.Sync CDN plugin.
    dual.default_js = []
    root = dual.get_root()
    assert isinstance(root, Figure)  # folium puts every map in a Figure
    root.script.add_child(Element(SYNC_JS), name="corridor_sync", index=0)
    points: list[tuple[float, float]] = []
    for side, (sol, net) in zip(
        (dual.m1, dual.m2), ((solution_a, network), (solution_b, net_b)), strict=True
    ):
        add_base_layers(side, offline=offline)
        add_css(side)
        points += draw_solution(sol, net, side, show_candidates=False)
    # One legend (same styling on both sides); B gets the list of changes instead.
    dual.m1.add_child(Control(solution_legend(solution_a), position="bottomright"))

    ka, kb = solution_a.kpis or {}, solution_b.kpis or {}
    deltas = {
        "cost": _delta(ka.get("total_cost_cny"), kb.get("total_cost_cny"), "money"),
        "co2": _delta(ka.get("co2_tonnes"), kb.get("co2_tonnes"), "number"),
        "days": _delta(ka.get("mean_delivery_days"), kb.get("mean_delivery_days"), "days"),
        "on_time": _delta(ka.get("on_time_share"), kb.get("on_time_share"), "pct_points"),
        "warehouses": _delta(
            len(ka.get("open_warehouses", [])), len(kb.get("open_warehouses", [])), "number"
        ),
        "containers": _delta(
            ka.get("containers_per_year"), kb.get("containers_per_year"), "number"
        ),
        "fill": _delta(ka.get("mean_fill_rate"), kb.get("mean_fill_rate"), "pct_points"),
        "unmet": _delta(ka.get("unmet_tonnes"), kb.get("unmet_tonnes"), "number"),
    }
    dual.m1.add_child(Control(kpi_box(solution_a, f"A: {solution_a.scenario}"), "bottomleft"))
    dual.m2.add_child(
        Control(kpi_box(solution_b, f"B: {solution_b.scenario} (vs A)", deltas), "bottomleft")
    )

    # What changed.
    opened = sorted(_open_set(solution_b) - _open_set(solution_a))
    closed = sorted(_open_set(solution_a) - _open_set(solution_b))
    ta, tb = _lane_tonnes(solution_a), _lane_tonnes(solution_b)
    diff = tb.reindex(ta.index.union(tb.index), fill_value=0.0) - ta.reindex(
        ta.index.union(tb.index), fill_value=0.0
    )
    scale = max(float(ta.max()) if len(ta) else 0.0, float(tb.max()) if len(tb) else 0.0, 1.0)
    moved = diff[diff.abs() > moved_share * scale].sort_index()
    changes = folium.FeatureGroup(name="Changes vs A", show=True)
    for sid, d in moved.items():
        sid = str(sid)
        net = net_b if sid in net_b.services.index else network
        if sid not in net.services.index:
            continue
        row = net.services.loc[sid]
        pieces = service_path(net, sid, str(row["from"]), str(row["to"]))
        before, after = float(ta.get(sid, 0.0)), float(tb.get(sid, 0.0))
        folium.PolyLine(
            pieces,
            color="#000000",
            weight=1.5,
            opacity=0.9,
            dash_array=None if d > 0 else "5 5",
            tooltip=esc(
                f"{row['corridor']}: {before:,.0f} t in A, {after:,.0f} t in B ({d:+,.0f} t)"
            ),
        ).add_to(changes)
    for wid, color, dash, what in [
        *((w, "#000000", None, "opened in B") for w in opened),
        *((w, "#000000", "4 4", "closed in B") for w in closed),
    ]:
        if wid not in net_b.nodes.index:
            continue
        folium.CircleMarker(
            location=node_point(net_b, wid),
            radius=16,
            color=color,
            weight=3,
            dash_array=dash,
            fill=False,
            tooltip=esc(f"{node_label(net_b, wid)}: {what}"),
        ).add_to(changes)
    changes.add_to(dual.m2)

    by_corridor = _corridor_moves(solution_a, solution_b)
    lines = "".join(
        f"<tr><td>{esc(c)}</td><td class='num'>{d:+,.0f} t</td></tr>" for c, d in by_corridor[:6]
    )

    def names(net: Network, ids: list[str]) -> str:
        short = [str(net.nodes.at[w, "city"] or w) if w in net.nodes.index else w for w in ids]
        return esc(", ".join(short) or "none")

    text = (
        f"<h4>Changes, A: {esc(solution_a.scenario)} → B: {esc(solution_b.scenario)}</h4>"
        f"<div><b>warehouses opened in B</b> (black ring): {names(net_b, opened)}</div>"
        f"<div><b>closed in B</b> (dashed black ring): {names(network, closed)}</div>"
        + (
            "<div><b>flows that moved</b>, by corridor (black outline: more in B, "
            f"dashed: less):</div><table>{lines}</table>"
            if lines
            else "<div>no flow moved</div>"
        )
    )
    dual.m2.add_child(Control(text, position="bottomright", css_class="corridor-changes"))

    for side in (dual.m1, dual.m2):
        folium.LayerControl(collapsed=True, position="topright").add_to(side)
    if points:
        for side in (dual.m1, dual.m2):
            side.add_child(FitBounds(bounds_of(points)))
    if offline:
        make_offline(dual)
    stable_ids(dual.get_root())
    return dual


def _corridor_moves(a: Solution, b: Solution) -> list[tuple[str, float]]:
    """Change in tonnes by corridor (B minus A), largest first."""

    def by_corridor(s: Solution) -> pd.Series:
        if s.lanes.empty:
            return pd.Series(dtype=float)
        main = s.lanes[~s.lanes["mode"].isin(["road", "last_mile"])]
        return main.groupby("corridor")["tonnes"].sum().astype(float)

    ca, cb = by_corridor(a), by_corridor(b)
    idx = ca.index.union(cb.index)
    d = cb.reindex(idx, fill_value=0.0) - ca.reindex(idx, fill_value=0.0)
    d = d[d.abs() > 0.5]
    return sorted(((str(k), float(v)) for k, v in d.items()), key=lambda kv: (-abs(kv[1]), kv[0]))
