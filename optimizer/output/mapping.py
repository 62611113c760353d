"""Maps of the network, of a solution, of two solutions side by side, and of a quote.

Every builder takes plain results and a :class:`~optimizer.data.network.Network`,
never solves anything, and returns a folium map (``fmap=`` draws on a map you
already have, as PyVRP's plotting takes ``ax=``):

* :func:`map_network`: nodes by kind with English and Chinese names, services
  by mode as toggleable layers, a legend.
* :func:`map_solution`: lanes drawn along their real geometry, width by tonnes
  and colour by mode, with containers and fill rate in their popups; open
  warehouses sized by throughput, closed candidates hollow; markets sized by
  demand, with how they are served and any unmet demand flagged; a KPI box.
* :func:`map_comparison`: two solutions side by side on synchronised maps,
  with what changed (warehouses opened or closed, flows that moved).
* :func:`map_quote`: each alternative of a quote as a layer.

Longitudes: the maps are centred on Asia. Places west of
:data:`WRAP_WEST_OF` (the Americas) are drawn 360 degrees east, beside the
Pacific, and every line is unwrapped so that it runs continuously (Qinzhou to
Los Angeles crosses the Pacific instead of the whole map).

Offline: with ``offline=True`` the map has no tile layer but the Natural Earth
country outlines bundled in ``network_data/ne_countries.geojson``, and
:func:`save_map` writes one self-contained file (see :mod:`optimizer.output.offline`).
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from folium.plugins import DualMap
from folium.template import Template

from optimizer.data.loader import DEFAULT_DATA_DIR
from optimizer.output.offline import (
    BASE_CSS,
    SYNC_JS,
    OfflineAssetError,
    external_references,
    make_offline,
)
from optimizer.output.palette import MODE_COLORS, MODE_LABELS
from optimizer.output.palette import OTHER_MODE_COLOR as _OTHER_MODE_COLOR
from optimizer.results.files import load_result, write_text_atomic

if TYPE_CHECKING:
    from optimizer.data.network import Network
    from optimizer.pricing.quote import Quote
    from optimizer.results.solution import Solution

__all__ = [
    "COUNTRIES_FILE",
    "KIND_GROUPS",
    "MODE_COLORS",
    "WRAP_WEST_OF",
    "display_lon",
    "display_path",
    "load_result",
    "map_comparison",
    "map_network",
    "map_quote",
    "map_solution",
    "render_map",
    "save_map",
    "write_comparison_map",
    "write_network_map",
    "write_solution_map",
]

#: Places west of this longitude (the Americas) are drawn 360 degrees east.
WRAP_WEST_OF = -30.0
#: Public-domain Natural Earth 1:110m countries (see network_data/SOURCES_maps.md).
COUNTRIES_FILE = DEFAULT_DATA_DIR / "ne_countries.geojson"
#: Default folder for maps.
MAPS_DIR = Path("maps")


#: Node layers of the network map: (layer name, node kinds, fill colour, radius px).
KIND_GROUPS: tuple[tuple[str, tuple[str, ...], str, float], ...] = (
    ("Origins (pilot zones)", ("origin",), "#6a1b9a", 5.0),
    ("Rail ports and terminals", ("rail_port", "rail_terminal"), "#8d1b1b", 5.0),
    ("Airports", ("airport",), "#e65100", 5.0),
    ("Seaports and river ports", ("seaport", "river_port"), "#0d47a1", 5.0),
    ("Border crossings", ("border_crossing",), "#111111", 5.0),
    ("Hubs, bonded zones, chokepoints", ("hub", "bonded_zone", "chokepoint"), "#757575", 4.0),
    ("Candidate warehouses", ("warehouse",), "#2e7d32", 6.0),
    ("Markets", ("market",), "#ad1457", 6.0),
)
_WAREHOUSE_OPEN = "#2e7d32"
_WAREHOUSE_CLOSED = "#9e9e9e"
_MARKET = "#ad1457"
_ORIGIN = "#6a1b9a"
_UNMET = "#ff1744"
_HUB = "#ffffff"
#: Colours of a quote's alternatives, in rank order.
ALTERNATIVE_COLORS = (
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
)


# -- longitudes -----------------------------------------------------------------------------
def display_lon(lon: float) -> float:
    """The longitude a place is drawn at: ``lon + 360`` west of :data:`WRAP_WEST_OF`.

    Examples
    --------
    >>> display_lon(-118.23), display_lon(4.4)
    (241.77, 4.4)
    """
    return round(lon + 360.0, 6) if lon < WRAP_WEST_OF else lon


def _unwrap(lons: np.ndarray) -> np.ndarray:
    out = lons.astype(float).copy()
    if len(out) > 1:
        steps = np.diff(out)
        steps = (steps + 180.0) % 360.0 - 180.0
        out[1:] = out[0] + np.cumsum(steps)
    return out


def display_path(
    coords: Sequence[tuple[float, float]],
    *,
    start_lon: float | None = None,
    end_lon: float | None = None,
) -> list[list[list[float]]]:
    """A line as Leaflet ``[lat, lon]`` pieces, continuous across the antimeridian.

    The line is unwrapped (no step longer than 180 degrees of longitude) and
    shifted by a multiple of 360 degrees so that it starts where its first
    place is drawn (:func:`display_lon`). When its end then lands a world away
    from where the last place is drawn (a great circle over the pole, which a
    Mercator map would show as two lines running off its top edge), the line is
    drawn straight between its two ends instead.

    Parameters
    ----------
    coords
        ``(lon, lat)`` pairs, as in GeoJSON and shapely.
    start_lon, end_lon
        Longitudes of the places at the two ends (default: the line's ends).

    Returns
    -------
    list[list[list[float]]]
        Pieces (one, for now) of ``[lat, lon]`` points, rounded to 5 decimals.

    Examples
    --------
    >>> display_path([(108.6, 21.7), (179.0, 40.0), (-179.0, 41.0), (-118.2, 33.7)])
    [[[21.7, 108.6], [40.0, 179.0], [41.0, 181.0], [33.7, 241.8]]]
    """
    arr = np.asarray(coords, dtype=float)
    if arr.ndim != 2 or len(arr) == 0:
        return []
    raw = arr[:, 0]
    lats = arr[:, 1]
    lons = _unwrap(raw)
    start = display_lon(float(raw[0]) if start_lon is None else start_lon)
    lons += 360.0 * round((start - lons[0]) / 360.0)
    end = display_lon(float(raw[-1]) if end_lon is None else end_lon)
    off = round((end - lons[-1]) / 360.0)
    pieces: list[tuple[np.ndarray, np.ndarray]] = [(lats, lons)]
    if off != 0:
        pieces = [(lats[[0, -1]], np.array([lons[0], lons[-1] + 360.0 * off]))]
    return [
        [[round(float(a), 5), round(float(b), 5)] for a, b in zip(la, lo, strict=True)]
        for la, lo in pieces
        if len(la)
    ]


def _geometry_coords(geom: Any) -> list[tuple[float, float]]:
    if geom is None or getattr(geom, "is_empty", True):
        return []
    if geom.geom_type == "LineString":
        return [(float(x), float(y)) for x, y, *_ in geom.coords]
    if geom.geom_type == "MultiLineString":
        return [(float(x), float(y)) for part in geom.geoms for x, y, *_ in part.coords]
    return []


def _service_path(
    network: Network, service_id: str, start: str, end: str
) -> list[list[list[float]]]:
    """Display pieces of a service's line (a straight line when it has no geometry)."""
    nodes = network.nodes
    coords: list[tuple[float, float]] = []
    if service_id in network.services.index:
        coords = _geometry_coords(network.services.geometry.get(service_id))
    if len(coords) < 2:
        coords = [
            (float(nodes.at[n, "lon"]), float(nodes.at[n, "lat"]))
            for n in (start, end)
            if n in nodes.index
        ]
    if len(coords) < 2:
        return []
    start_lon = float(nodes.at[start, "lon"]) if start in nodes.index else None
    end_lon = float(nodes.at[end, "lon"]) if end in nodes.index else None
    return display_path(coords, start_lon=start_lon, end_lon=end_lon)


def _node_point(network: Network, node_id: str) -> tuple[float, float]:
    n = network.nodes
    return float(n.at[node_id, "lat"]), display_lon(float(n.at[node_id, "lon"]))


# -- text helpers -------------------------------------------------------------------------
def _e(text: Any) -> str:
    """HTML-escape; also neutralise what would break folium's JS template literals."""
    return (
        html.escape("" if text is None else str(text))
        .replace("`", "&#96;")
        .replace("$", "&#36;")
        .replace("\\", "&#92;")
    )


def _isnum(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _fmt(x: Any, digits: int = 0, unit: str = "") -> str:
    if not _isnum(x):
        return "-"
    text = f"{float(x):,.{digits}f}"
    return f"{text} {unit}".strip()


def _money(x: Any) -> str:
    if not _isnum(x):
        return "-"
    v = float(x)
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M CNY"
    return f"{v:,.0f} CNY"


def _pct(x: Any, digits: int = 0) -> str:
    return f"{float(x):.{digits}%}" if _isnum(x) else "-"


def _name(network: Network, node_id: str) -> str:
    """``English name 中文名`` of a node (its id when unknown)."""
    nodes = network.nodes
    if node_id not in nodes.index:
        return str(node_id)
    en = nodes.at[node_id, "name"]
    zh = nodes.at[node_id, "name_zh"]
    return f"{en} {zh}" if isinstance(zh, str) and zh else str(en)


def _rows(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{_e(k)}</td><td class='num'>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _popup(title: str, rows: Iterable[tuple[str, str]], extra: str = "") -> folium.Popup:
    content = f"<div class='corridor-popup'><b>{title}</b>{_rows(rows)}{extra}</div>"
    return folium.Popup(content, max_width=420)


def _color(mode: str) -> str:
    return MODE_COLORS.get(mode, _OTHER_MODE_COLOR)


def _mode_order(modes: Iterable[str]) -> list[str]:
    order = list(MODE_COLORS)
    return sorted(set(modes), key=lambda m: (order.index(m) if m in order else len(order), m))


# -- map scaffolding ------------------------------------------------------------------------
class _Control(MacroElement):
    """A fixed HTML box (KPIs, legend, title) as a Leaflet control on its parent map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create('div', 'corridor-box {{ this.css_class }}');
                div.innerHTML = {{ this.content|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, content: str, position: str = "bottomleft", css_class: str = "") -> None:
        super().__init__()
        self._name = "CorridorControl"
        self.content = content
        self.position = position
        self.css_class = css_class


@functools.cache
def _countries_text() -> str:
    """Country outlines, plus a copy 360 degrees east of those west of WRAP_WEST_OF."""
    if not COUNTRIES_FILE.exists():  # pragma: no cover - shipped with the data
        msg = f"offline maps need {COUNTRIES_FILE} (Natural Earth countries)"
        raise OfflineAssetError(msg)
    doc = json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))
    features = []
    for feat in doc["features"]:
        props = {"name": feat["properties"].get("name", "")}
        geom = feat["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "MultiPolygon", "coordinates": polys},
            }
        )
        west = [p for p in polys if np.mean([pt[0] for pt in p[0]]) < WRAP_WEST_OF]
        if west:
            shifted = [[[[x + 360.0, y] for x, y in ring] for ring in p] for p in west]
            features.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "MultiPolygon", "coordinates": shifted},
                }
            )
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


def _add_base_layers(fmap: folium.Map, *, offline: bool) -> None:
    if offline:
        folium.GeoJson(
            json.loads(_countries_text()),
            name="Country outlines (Natural Earth, offline)",
            overlay=False,
            control=True,
            style_function=lambda _f: {
                "fillColor": "#f4f1ea",
                "color": "#a9a394",
                "weight": 0.6,
                "fillOpacity": 1.0,
            },
            attribution="Country outlines: Natural Earth (public domain)",
            zoom_on_click=False,
            embed=True,
            smooth_factor=0.5,
        ).add_to(fmap)
        fmap.get_root().header.add_child(
            Element("<!-- base map: Natural Earth 1:110m countries, public domain -->"),
            name="corridor_base_note",
        )
    else:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
        folium.TileLayer(
            tiles="https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
            attr="&copy; OpenStreetMap contributors &copy; CARTO",
            name="CartoDB Positron",
            subdomains="abcd",
            max_zoom=20,
        ).add_to(fmap)


def _add_css(fmap: Element) -> None:
    header = fmap.get_root().header
    if "corridor_css" not in header._children:
        header.add_child(Element(f"<style>{BASE_CSS}</style>"), name="corridor_css")


def _new_map(*, offline: bool, **kwargs: Any) -> folium.Map:
    fmap = folium.Map(
        tiles=None,
        control_scale=True,
        zoom_start=3,
        location=(40.0, 70.0),
        world_copy_jump=False,
        **kwargs,
    )
    _add_base_layers(fmap, offline=offline)
    _add_css(fmap)
    return fmap


def _fit(fmap: folium.Map, points: list[tuple[float, float]]) -> None:
    if not points:
        return
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(20, 20))


def _finish(fmap: folium.Map, *, offline: bool, layer_control: bool = True) -> None:
    if layer_control:
        folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    if offline:
        make_offline(fmap)
    _stable_ids(fmap.get_root())


def _stable_ids(root: Element) -> None:
    """Give every element a sequential id, so the same input gives the same HTML."""
    counter = 0

    def visit(el: Element) -> None:
        nonlocal counter
        counter += 1
        el._id = f"c{counter:05d}"
        # Children are keyed by their name when added; some templates (popups) print the key.
        old = [(key, child, child.get_name()) for key, child in el._children.items()]
        for _key, child, _name in old:
            visit(child)
        el._children = type(el._children)(
            (child.get_name() if key == name else key, child) for key, child, name in old
        )
        for attr in ("header", "html", "script"):
            sub = el.__dict__.get(attr)
            if isinstance(sub, Element) and sub is not el:
                visit(sub)
        for attr in ("m1", "m2"):
            sub = el.__dict__.get(attr)
            if isinstance(sub, Element):
                visit(sub)

    visit(root)


def _legend(title: str, modes: Iterable[str], markers: Sequence[tuple[str, str, str]]) -> str:
    """Legend HTML: a line swatch per mode, then ``(label, fill, border)`` dots."""
    lines = [f"<h4>{_e(title)}</h4><table>"]
    for mode in _mode_order(modes):
        lines.append(
            f"<tr><td><span class='corridor-swatch' style='border-top-width:4px;"
            f"border-top-color:{_color(mode)}'></span></td>"
            f"<td>{_e(MODE_LABELS.get(mode, mode))}</td></tr>"
        )
    for label, fill, border in markers:
        style = f"background:{fill};border-color:{border}"
        if fill == "none":
            style = f"background:transparent;border-color:{border};border-style:dashed"
        lines.append(
            f"<tr><td><span class='corridor-dot' style='{style}'></span></td>"
            f"<td>{_e(label)}</td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


# -- network map ------------------------------------------------------------------------------
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
    own = fmap is None
    m = _new_map(offline=offline) if fmap is None else fmap
    _add_css(m)
    services = network.services
    nodes = network.nodes
    active = network.active_services.index
    points: list[tuple[float, float]] = []

    for mode in _mode_order(services["mode"]):
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
            point = _node_point(network, nid)
            points.append(point)
            rows = [
                ("id", _e(nid)),
                ("kind", _e(row["kind"])),
                ("city / country", _e(f"{row.get('city') or ''} {row['country']}".strip())),
            ]
            if row["kind"] == "warehouse" and nid in network.warehouses.index:
                w = network.warehouses.loc[nid]
                rows += [
                    ("status", _e(w["status"])),
                    ("operator", _e(w.get("operator", ""))),
                    ("capacity", _fmt(w["capacity_t_per_year"], 0, "t/year")),
                    ("fixed cost", _money(w["fixed_cost_cny_per_year"]) + "/year"),
                ]
            if row["kind"] == "market":
                rows.append(("demand", _fmt(demand_by_market.get(nid, 0.0), 0, "t/year")))
            if _isnum(row.get("dwell_h")) and float(row["dwell_h"]) > 0:
                rows.append(("dwell", _fmt(row["dwell_h"], 0, "h")))
            if _isnum(row.get("border_fee_cny_per_t")) and float(row["border_fee_cny_per_t"]) > 0:
                rows.append(("border fee", _fmt(row["border_fee_cny_per_t"], 0, "CNY/t")))
            closed = "open" in row and not bool(row["open"])
            folium.CircleMarker(
                location=point,
                radius=radius,
                color="#222222" if not closed else _UNMET,
                weight=1,
                fill=True,
                fill_color=fill,
                fill_opacity=0.9 if not closed else 0.3,
                popup=_popup(_e(_name(network, nid)), rows),
                tooltip=_e(_name(network, nid)),
            ).add_to(group)
        group.add_to(m)

    m.add_child(
        _Control(
            _legend(
                f"Network: {network.name}",
                services.loc[services.index.isin(active), "mode"],
                [(label, fill, "#222222") for label, _k, fill, _r in KIND_GROUPS],
            ),
            position="bottomright",
        )
    )
    if own:
        _fit(m, points)
    _finish(m, offline=offline, layer_control=own)
    return m


def _service_line(network: Network, sid: str, row: pd.Series, *, dashed: bool) -> folium.PolyLine:
    pieces = _service_path(network, sid, str(row["from"]), str(row["to"]))
    rate = (
        f"{_fmt(row['rate'], 2)} {_e(row['currency'])}/{_e(row['rate_basis'])}"
        if _isnum(row.get("rate"))
        else "-"
    )
    rows = [
        ("id", _e(sid)),
        ("from", _e(_name(network, str(row["from"])))),
        ("to", _e(_name(network, str(row["to"])))),
        ("mode", _e(row["mode"])),
        ("operator", _e(row.get("operator") or "-")),
        ("distance", _fmt(row.get("distance_km"), 0, "km")),
        ("running time", _fmt(float(row["transit_h"]) / 24.0, 1, "days")),
        ("departures", _fmt(row.get("departures_per_week"), 1, "/week")),
        ("rate", rate),
        ("CO2", _fmt(row.get("co2_g_per_tkm"), 0, "g/t-km")),
    ]
    via = [v for v in row.get("via", ()) or () if v]
    if via:
        rows.insert(3, ("via", _e(", ".join(_name(network, v) for v in via))))
    return folium.PolyLine(
        pieces,
        color=_color(str(row["mode"])),
        weight=2.0,
        opacity=0.75,
        dash_array="6 6" if dashed else None,
        popup=_popup(_e(row["corridor"]), rows),
        tooltip=_e(
            f"{row['corridor']}: {_name(network, str(row['from']))} → "
            f"{_name(network, str(row['to']))}"
        ),
    )


# -- solution map -------------------------------------------------------------------------------
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
            label = f"via warehouse {_name(network, wh)}"
        else:
            last = str(r.services).split(";")[-1]
            if last in services.index:
                gate = str(services.at[last, "from"])
                label = f"direct from {_name(network, gate)} ({services.at[last, 'mode']})"
            else:
                label = "direct"
        out.setdefault(market, {})
        out[market][label] = out[market].get(label, 0.0) + float(r.tonnes)
    return {m: sorted(d.items(), key=lambda kv: -kv[1]) for m, d in out.items()}


def _kpi_box(
    solution: Solution, title: str | None = None, deltas: dict[str, str] | None = None
) -> str:
    k = solution.kpis or {}
    deltas = deltas or {}
    gap = "" if solution.gap is None else f", gap {solution.gap:.2%}"
    head = title or solution.scenario
    rows = [
        ("total cost", _money(k.get("total_cost_cny", solution.objective)) + "/year", "cost"),
        ("CO2", _fmt(k.get("co2_tonnes"), 0, "t/year"), "co2"),
        ("mean delivery", _fmt(k.get("mean_delivery_days"), 1, "days"), "days"),
        ("on time", _pct(k.get("on_time_share"), 1), "on_time"),
        ("open warehouses", str(len(k.get("open_warehouses", []))), "warehouses"),
        ("containers", _fmt(k.get("containers_per_year"), 0, "/year"), "containers"),
        ("mean fill", _pct(k.get("mean_fill_rate"), 1), "fill"),
        ("unmet demand", _fmt(k.get("unmet_tonnes"), 0, "t"), "unmet"),
    ]
    body = "".join(
        f"<tr><td>{_e(label)}</td><td class='num'><b>{_e(value)}</b></td>"
        f"<td class='num'>{_e(deltas.get(key, ''))}</td></tr>"
        for label, value, key in rows
    )
    return (
        f"<h4>{_e(head)}</h4><div>{_e(solution.status)} ({_e(solution.solver)}{_e(gap)})</div>"
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
    own = fmap is None
    m = _new_map(offline=offline) if fmap is None else fmap
    _add_css(m)
    points = _draw_solution(solution, network, m)
    m.add_child(_Control(_kpi_box(solution), position="bottomleft"))
    m.add_child(_Control(_solution_legend(solution), position="bottomright"))
    if own:
        _fit(m, points)
    _finish(m, offline=offline, layer_control=own)
    return m


def _solution_legend(solution: Solution) -> str:
    return _legend(
        "Flows (width = tonnes)",
        solution.lanes["mode"] if not solution.lanes.empty else [],
        [
            ("open warehouse (size = throughput)", _WAREHOUSE_OPEN, "#1b3d1d"),
            ("closed candidate warehouse", "#ffffff", _WAREHOUSE_CLOSED),
            ("market (size = demand)", _MARKET, "#4a0a26"),
            ("market with unmet demand", "none", _UNMET),
            ("origin", _ORIGIN, "#2d0b42"),
            ("hub, port or border crossing used", _HUB, "#333333"),
        ],
    )


def _lane_frame(solution: Solution) -> pd.DataFrame:
    lanes = solution.lanes.copy()
    if lanes.empty:
        return lanes
    lanes = lanes[pd.to_numeric(lanes["tonnes"], errors="coerce").fillna(0.0) > 1e-6]
    lanes = lanes.rename(columns={"from": "start", "to": "end"})
    return lanes.sort_values(["mode", "service_id"], kind="stable")


def _draw_solution(
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
    for mode in _mode_order(lanes["mode"] if not lanes.empty else []):
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
                used_nodes.update(v for v in network.services.at[sid, "via"] or () if v)
            pieces = _service_path(network, sid, start, end)
            if not pieces:
                continue
            for piece in pieces:
                points += [(p[0], p[1]) for p in piece]
            tonnes = float(row.tonnes)
            weight = 1.5 + 9.0 * math.sqrt(max(tonnes, 0.0) / t_max)
            rows = [
                ("service", _e(sid)),
                ("from", _e(_name(network, start))),
                ("to", _e(_name(network, end))),
                ("tonnes", _fmt(tonnes, 0, "t/year")),
            ]
            basis = row.unit_basis if isinstance(row.unit_basis, str) else ""
            units_year = float(row.units_per_year) if _isnum(row.units_per_year) else 0.0
            if basis and units_year > 0:
                rows += [
                    ("containers / units", _fmt(units_year, 0, f"{basis}/year")),
                    ("fill rate", _pct(row.fill_rate, 1)),
                ]
            if _isnum(row.loose_tonnes) and float(row.loose_tonnes) > 0.5:
                rows.append(("loose (LCL) cargo", _fmt(row.loose_tonnes, 0, "t/year")))
            rows += [
                ("cost", _money(row.cost_cny) + "/year"),
                ("CO2", _fmt(row.co2_t, 0, "t/year")),
            ]
            markets = carried.get(sid)
            extra = ""
            if markets is not None and len(markets):
                top = ", ".join(
                    f"{_e(_name(network, str(mk)))} {t:,.0f} t" for mk, t in markets.head(4).items()
                )
                more = f" and {len(markets) - 4} more" if len(markets) > 4 else ""
                extra = f"<div>for markets: {top}{more}</div>"
            fill_txt = (
                f", {units_year:,.0f} {basis}, fill {_pct(row.fill_rate)}"
                if basis and units_year > 0
                else ""
            )
            folium.PolyLine(
                pieces,
                color=_color(mode),
                weight=round(weight, 2),
                opacity=0.85,
                line_cap="round",
                popup=_popup(_e(f"{row.corridor} ({mode})"), rows, extra),
                tooltip=_e(f"{row.corridor}: {tonnes:,.0f} t{fill_txt}"),
            ).add_to(group)
        group.add_to(m)

    # Hubs, ports and border crossings on the used lanes.
    special = {"origin", "market", "warehouse"}
    hubs = sorted(n for n in used_nodes if n in nodes.index and nodes.at[n, "kind"] not in special)
    if hubs:
        group = folium.FeatureGroup(name=f"Hubs, ports, border crossings used ({len(hubs)})")
        for nid in hubs:
            point = _node_point(network, nid)
            points.append(point)
            folium.CircleMarker(
                location=point,
                radius=3.5,
                color="#333333",
                weight=1.5,
                fill=True,
                fill_color=_HUB,
                fill_opacity=1.0,
                popup=_popup(
                    _e(_name(network, nid)),
                    [("id", _e(nid)), ("kind", _e(nodes.at[nid, "kind"]))],
                ),
                tooltip=_e(f"{_name(network, nid)} ({nodes.at[nid, 'kind']})"),
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
        point = _node_point(network, wid)
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
            color=_WAREHOUSE_CLOSED,
            weight=2,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=0.9,
            popup=_popup(
                _e(_name(network, wid)),
                [
                    ("id", _e(wid)),
                    ("status", "closed (candidate)"),
                    ("capacity", _fmt(cap, 0, "t/year")),
                    ("fixed cost if opened", _money(fixed) + "/year"),
                ],
            ),
            tooltip=_e(f"{_name(network, wid)}: closed candidate"),
        ).add_to(group)
    group.add_to(m)

    group = folium.FeatureGroup(name=f"Open warehouses ({len(opened)})", show=True)
    for row in opened.itertuples(index=False):
        wid = str(row.warehouse_id)
        point = _node_point(network, wid)
        points.append(point)
        markets = [s for s in str(row.markets_served).split(";") if s and s != "nan"]
        served = ", ".join(_e(_name(network, mk)) for mk in markets) or "-"
        thr = float(row.throughput_tonnes)
        folium.CircleMarker(
            location=point,
            radius=round(6.0 + 12.0 * math.sqrt(max(thr, 0.0) / thr_max), 2),
            color="#1b3d1d",
            weight=2,
            fill=True,
            fill_color=_WAREHOUSE_OPEN,
            fill_opacity=0.85,
            popup=_popup(
                _e(_name(network, wid)),
                [
                    ("id", _e(wid)),
                    ("status", "<b>open</b>"),
                    ("throughput", _fmt(thr, 0, "t/year")),
                    ("capacity", _fmt(row.capacity_tonnes, 0, "t/year")),
                    ("utilisation", _pct(row.utilization, 1)),
                    ("fixed cost", _money(row.fixed_cost_cny) + "/year"),
                    ("handling and storage", _money(row.handling_storage_cny) + "/year"),
                ],
                f"<div>markets served: {served}</div>",
            ),
            tooltip=_e(f"{_name(network, wid)}: open, {thr:,.0f} t, {_pct(row.utilization)} used"),
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
        point = _node_point(network, mid)
        points.append(point)
        d = float(demand[mk])
        u = float(unmet_t.get(mid, 0.0))
        lines = "".join(
            f"<tr><td>{_e(label)}</td><td class='num'>{t:,.0f} t</td></tr>"
            for label, t in served.get(mid, [])
        )
        extra = f"<div>served:</div><table>{lines}</table>" if lines else ""
        if u > 0.5:
            why = "; ".join(_e(x) for x in reasons.get(mid, []))
            extra += f"<div class='warn'>unmet {u:,.0f} t: {why}</div>"
        radius = round(4.0 + 12.0 * math.sqrt(d / d_max), 2)
        folium.CircleMarker(
            location=point,
            radius=radius,
            color="#4a0a26",
            weight=1,
            fill=True,
            fill_color=_MARKET,
            fill_opacity=0.75,
            popup=_popup(
                _e(_name(network, mid)),
                [
                    ("id", _e(mid)),
                    ("demand", _fmt(d, 0, "t/year")),
                    ("served", _fmt(d - u, 0, "t/year")),
                    ("on time", _pct(on_time.get(mid), 0)),
                ],
                extra,
            ),
            tooltip=_e(
                f"{_name(network, mid)}: {d:,.0f} t/year"
                + (f", UNMET {u:,.0f} t" if u > 0.5 else "")
            ),
        ).add_to(group)
        if u > 0.5:
            n_flagged += 1
            folium.CircleMarker(
                location=point,
                radius=radius + 5,
                color=_UNMET,
                weight=3,
                dash_array="4 3",
                fill=False,
                tooltip=_e(f"{_name(network, mid)}: unmet {u:,.0f} t"),
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
        point = _node_point(network, str(oid))
        points.append(point)
        t = float(shipped[oid])
        folium.CircleMarker(
            location=point,
            radius=round(3.0 + 5.0 * math.sqrt(t / s_max), 2),
            color="#2d0b42",
            weight=1,
            fill=True,
            fill_color=_ORIGIN,
            fill_opacity=0.9,
            popup=_popup(
                _e(_name(network, str(oid))),
                [
                    ("id", _e(oid)),
                    ("city", _e(network.nodes.at[oid, "city"])),
                    ("demand shipped", _fmt(t, 0, "t/year")),
                ],
            ),
            tooltip=_e(f"{_name(network, str(oid))}: {t:,.0f} t/year"),
        ).add_to(group)
    group.add_to(m)
    return points


# -- comparison map --------------------------------------------------------------------------
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
    if not (_isnum(a) and _isnum(b)):
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
    dual.get_root().script.add_child(Element(SYNC_JS), name="corridor_sync", index=0)
    points: list[tuple[float, float]] = []
    for side, (sol, net) in zip(
        (dual.m1, dual.m2), ((solution_a, network), (solution_b, net_b)), strict=True
    ):
        _add_base_layers(side, offline=offline)
        _add_css(side)
        points += _draw_solution(sol, net, side, show_candidates=False)
    # One legend (same styling on both sides); B gets the list of changes instead.
    dual.m1.add_child(_Control(_solution_legend(solution_a), position="bottomright"))

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
    dual.m1.add_child(_Control(_kpi_box(solution_a, f"A: {solution_a.scenario}"), "bottomleft"))
    dual.m2.add_child(
        _Control(_kpi_box(solution_b, f"B: {solution_b.scenario} (vs A)", deltas), "bottomleft")
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
        pieces = _service_path(net, sid, str(row["from"]), str(row["to"]))
        before, after = float(ta.get(sid, 0.0)), float(tb.get(sid, 0.0))
        folium.PolyLine(
            pieces,
            color="#000000",
            weight=1.5,
            opacity=0.9,
            dash_array=None if d > 0 else "5 5",
            tooltip=_e(
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
            location=_node_point(net_b, wid),
            radius=16,
            color=color,
            weight=3,
            dash_array=dash,
            fill=False,
            tooltip=_e(f"{_name(net_b, wid)}: {what}"),
        ).add_to(changes)
    changes.add_to(dual.m2)

    by_corridor = _corridor_moves(solution_a, solution_b)
    lines = "".join(
        f"<tr><td>{_e(c)}</td><td class='num'>{d:+,.0f} t</td></tr>" for c, d in by_corridor[:6]
    )

    def names(net: Network, ids: list[str]) -> str:
        short = [str(net.nodes.at[w, "city"] or w) if w in net.nodes.index else w for w in ids]
        return _e(", ".join(short) or "none")

    text = (
        f"<h4>Changes, A: {_e(solution_a.scenario)} → B: {_e(solution_b.scenario)}</h4>"
        f"<div><b>warehouses opened in B</b> (black ring): {names(net_b, opened)}</div>"
        f"<div><b>closed in B</b> (dashed black ring): {names(network, closed)}</div>"
        + (
            "<div><b>flows that moved</b>, by corridor (black outline: more in B, "
            f"dashed: less):</div><table>{lines}</table>"
            if lines
            else "<div>no flow moved</div>"
        )
    )
    dual.m2.add_child(_Control(text, position="bottomright", css_class="corridor-changes"))

    for side in (dual.m1, dual.m2):
        folium.LayerControl(collapsed=True, position="topright").add_to(side)
    if points:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        dual.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    if offline:
        make_offline(dual)
    _stable_ids(dual.get_root())
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


# -- quote map --------------------------------------------------------------------------------
def map_quote(
    quote: Quote, network: Network, *, fmap: folium.Map | None = None, offline: bool = False
) -> folium.Map:
    """Map of a quote: each alternative a layer, with its cost, days and CO2.

    Parameters
    ----------
    quote
        A :class:`optimizer.pricing.quote.Quote`.
    network
        The network the quote was priced on.
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
    own = fmap is None
    m = _new_map(offline=offline) if fmap is None else fmap
    _add_css(m)
    points: list[tuple[float, float]] = []
    legend = [
        f"<h4>{_e(quote.origin_name)} → {_e(quote.destination_name)}</h4>",
        f"<div>{quote.cargo.tonnes:,.2f} t, {quote.cargo.cbm:,.2f} cbm</div><table>",
    ]
    hubs: set[str] = set()
    for rank, alt in enumerate(quote.alternatives, start=1):
        color = ALTERNATIVE_COLORS[(rank - 1) % len(ALTERNATIVE_COLORS)]
        tags = f" [{', '.join(alt.tags)}]" if alt.tags else ""
        label = (
            f"{rank}. {alt.summary}{tags}: {alt.total_cost_cny:,.0f} CNY, "
            f"{alt.days:.1f} days, {alt.co2_kg:,.0f} kg CO2"
        )
        group = folium.FeatureGroup(name=_e(label), show=True)
        for leg in alt.legs:
            hubs.update((leg.from_node, leg.to_node))
            pieces = _service_path(network, leg.service_id, leg.from_node, leg.to_node)
            for piece in pieces:
                points += [(p[0], p[1]) for p in piece]
            rows = [
                ("service", _e(leg.service_id)),
                ("mode", _e(leg.mode)),
                ("from", _e(_name(network, leg.from_node))),
                ("to", _e(_name(network, leg.to_node))),
                ("load", _e(leg.load.description)),
                ("cost", _money(leg.cost_cny)),
                ("days", _fmt(leg.days, 1)),
                ("CO2", _fmt(leg.co2_kg, 0, "kg")),
            ]
            folium.PolyLine(
                pieces,
                color=color,
                weight=max(2.0, 7.0 - rank),
                opacity=0.85,
                dash_array=None if leg.mode not in ("road", "last_mile") else "8 4",
                popup=_popup(_e(f"Alternative {rank}: {leg.corridor}"), rows),
                tooltip=_e(f"{rank}. {leg.corridor} ({leg.mode})"),
            ).add_to(group)
        group.add_to(m)
        legend.append(
            f"<tr><td><span class='corridor-swatch' style='border-top-width:4px;"
            f"border-top-color:{color}'></span></td><td>{rank}. {_e(alt.summary)}{_e(tags)}"
            f"</td><td class='num'>{_e(_money(alt.total_cost_cny))}</td>"
            f"<td class='num'>{alt.days:.1f} d</td><td class='num'>{alt.co2_kg:,.0f} kg</td></tr>"
        )
    legend.append("</table>")
    group = folium.FeatureGroup(name="Origin, destination and transshipment points")
    for nid in sorted(n for n in hubs if n in network.nodes.index):
        point = _node_point(network, nid)
        points.append(point)
        end = nid in (quote.origin, quote.destination)
        folium.CircleMarker(
            location=point,
            radius=7 if end else 4,
            color="#222222",
            weight=2 if end else 1,
            fill=True,
            fill_color=_MARKET
            if nid == quote.destination
            else (_ORIGIN if nid == quote.origin else _HUB),
            fill_opacity=1.0,
            tooltip=_e(_name(network, nid)),
        ).add_to(group)
    group.add_to(m)
    m.add_child(_Control("".join(legend), position="bottomleft"))
    if own:
        _fit(m, points)
    _finish(m, offline=offline, layer_control=own)
    return m


# -- files --------------------------------------------------------------------------------------
def render_map(fmap: folium.Map | DualMap) -> str:
    """The full HTML page of a map, with deterministic element ids.

    Parameters
    ----------
    fmap
        A map or side-by-side map.

    Returns
    -------
    str
        The HTML page.
    """
    root = fmap.get_root()
    _stable_ids(root)
    assert isinstance(root, Figure)
    return root.render()


def save_map(fmap: folium.Map | DualMap, path: str | Path, *, offline: bool = False) -> Path:
    """Write a map to an HTML file (atomically).

    Parameters
    ----------
    fmap
        A map or side-by-side map.
    path
        Target file; parent folders are created.
    offline
        Check that the page fetches nothing (the map must have been built with
        ``offline=True``, or passed through :func:`optimizer.output.offline.make_offline`).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OfflineAssetError
        When ``offline`` and the page still references an external URL.
    """
    target = Path(path)
    page = render_map(fmap)
    if offline:
        left = external_references(page)
        if left:
            msg = f"offline map would still fetch {len(left)} URL(s), e.g. {left[0]}"
            raise OfflineAssetError(msg)
    return write_text_atomic(target, page)


def _default_out(name: str, offline: bool) -> Path:
    return MAPS_DIR / f"{name}{'_offline' if offline else ''}.html"


def write_solution_map(
    result_dir: str | Path, *, offline: bool = False, out: str | Path | None = None
) -> Path:
    """Load a result directory and its network, and write the solution map.

    Parameters
    ----------
    result_dir
        A directory written by ``corridor solve``.
    offline
        A single self-contained file: no tiles, JavaScript and CSS inlined.
    out
        Target file (default ``maps/<result directory name>.html``, with
        ``_offline`` before the suffix when offline).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        When the result or its network cannot be read.
    OfflineAssetError
        When ``offline`` and an asset cannot be inlined.
    """
    solution, network = load_result(result_dir)
    fmap = map_solution(solution, network, offline=offline)
    name = Path(result_dir).resolve().name or solution.scenario
    return save_map(fmap, out or _default_out(name, offline), offline=offline)


def write_network_map(
    network: Network, *, offline: bool = False, out: str | Path | None = None
) -> Path:
    """Write the network map (default ``maps/network.html``).

    Parameters
    ----------
    network
        The network.
    offline
        A single self-contained file.
    out
        Target file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OfflineAssetError
        When ``offline`` and an asset cannot be inlined.
    """
    fmap = map_network(network, offline=offline)
    return save_map(fmap, out or _default_out("network", offline), offline=offline)


def write_comparison_map(
    result_a: str | Path,
    result_b: str | Path,
    *,
    offline: bool = False,
    out: str | Path | None = None,
) -> Path:
    """Load two result directories and write their side-by-side map.

    Parameters
    ----------
    result_a, result_b
        Result directories (A left, B right).
    offline
        A single self-contained file.
    out
        Target file (default ``maps/compare_<A>_<B>.html``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        When a result or its network cannot be read.
    OfflineAssetError
        When ``offline`` and an asset cannot be inlined.
    """
    sol_a, net_a = load_result(result_a)
    sol_b, net_b = load_result(result_b)
    dual = map_comparison(sol_a, sol_b, net_a, network_b=net_b, offline=offline)
    name = f"compare_{Path(result_a).resolve().name}_{Path(result_b).resolve().name}"
    return save_map(dual, out or _default_out(name, offline), offline=offline)
