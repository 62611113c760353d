"""What every map shares: base layers, popups, legends, controls, rendering and saving.

Offline: with ``offline=True`` a map has no tile layer but the Natural Earth
country outlines bundled in ``network_data/ne_countries.geojson``, and
:func:`save_map` writes one self-contained file (see
:mod:`optimizer.output.mapping.offline`).
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import folium
import numpy as np
from branca.element import Element, Figure, MacroElement
from folium.plugins import DualMap
from folium.template import Template

from optimizer.data.loader import DEFAULT_DATA_DIR
from optimizer.data.network import Network
from optimizer.output.mapping.geometry import WRAP_WEST_OF
from optimizer.output.mapping.offline import (
    BASE_CSS,
    OfflineAssetError,
    external_references,
    make_offline,
)
from optimizer.output.palette import MODE_COLORS, MODE_LABELS, mode_color
from optimizer.results.folders import check_output_file, mark_page, write_owned_file

#: Public-domain Natural Earth 1:110m countries (see network_data/SOURCES_maps.md).
COUNTRIES_FILE = DEFAULT_DATA_DIR / "ne_countries.geojson"


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
WAREHOUSE_OPEN = "#2e7d32"
WAREHOUSE_CLOSED = "#9e9e9e"
MARKET_COLOR = "#ad1457"
ORIGIN_COLOR = "#6a1b9a"
UNMET_COLOR = "#ff1744"
HUB_COLOR = "#ffffff"
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


def esc(text: Any) -> str:
    """HTML-escape; also neutralise what would break folium's JS template literals."""
    return (
        html.escape("" if text is None else str(text))
        .replace("`", "&#96;")
        .replace("$", "&#36;")
        .replace("\\", "&#92;")
    )


def node_label(network: Network, node_id: str) -> str:
    """``English name 中文名`` of a node (its id when unknown)."""
    en, zh = network.node_name(node_id), network.node_name(node_id, "zh")
    return en if zh == en else f"{en} {zh}"


def popup_rows(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{esc(k)}</td><td class='num'>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def popup(title: str, rows: Iterable[tuple[str, str]], extra: str = "") -> folium.Popup:
    content = f"<div class='corridor-popup'><b>{title}</b>{popup_rows(rows)}{extra}</div>"
    return folium.Popup(content, max_width=420)


def mode_order(modes: Iterable[str]) -> list[str]:
    order = list(MODE_COLORS)
    return sorted(set(modes), key=lambda m: (order.index(m) if m in order else len(order), m))


class Control(MacroElement):
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


class FitBounds(MacroElement):
    """Fit the parent map to bounds once its container has a size.

    Leaflet's own ``fitBounds`` on a zero-sized container (a report's iframe
    before layout) computes a NaN zoom and throws; this waits for the first
    non-zero size (ResizeObserver) and then fits.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var bounds = {{ this.bounds|tojson }};
                var options = {padding: {{ this.padding|tojson }}};
                function sized() { var s = map.getSize(); return s.x > 0 && s.y > 0; }
                if (sized()) { map.fitBounds(bounds, options); return; }
                var seen = new ResizeObserver(function () {
                    map.invalidateSize();
                    if (sized()) { seen.disconnect(); map.fitBounds(bounds, options); }
                });
                seen.observe(map.getContainer());
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]], padding: tuple[int, int] = (20, 20)) -> None:
        super().__init__()
        self._name = "CorridorFitBounds"
        self.bounds = bounds
        self.padding = list(padding)


def bounds_of(points: Sequence[tuple[float, float]]) -> list[list[float]]:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


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


def add_base_layers(fmap: folium.Map, *, offline: bool) -> None:
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
        root = fmap.get_root()
        assert isinstance(root, Figure)  # folium puts every map in a Figure
        root.header.add_child(
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


def add_css(fmap: Element) -> None:
    root = fmap.get_root()
    assert isinstance(root, Figure)  # folium puts every map in a Figure
    header = root.header
    if "corridor_css" not in header._children:
        header.add_child(Element(f"<style>{BASE_CSS}</style>"), name="corridor_css")


def new_map(*, offline: bool, **kwargs: Any) -> folium.Map:
    fmap = folium.Map(
        tiles=None,
        control_scale=True,
        zoom_start=3,
        location=(40.0, 70.0),
        world_copy_jump=False,
        **kwargs,
    )
    add_base_layers(fmap, offline=offline)
    add_css(fmap)
    return fmap


def drawing_target(fmap: folium.Map | None, *, offline: bool) -> tuple[folium.Map, bool]:
    """The map to draw on (``fmap``, or a new one) with corridor's CSS, and whether it is new."""
    if fmap is None:
        return new_map(offline=offline), True
    add_css(fmap)
    return fmap, False


def fit(fmap: folium.Map, points: list[tuple[float, float]]) -> None:
    if points:
        fmap.add_child(FitBounds(bounds_of(points)))


def finish(fmap: folium.Map, *, offline: bool, layer_control: bool = True) -> None:
    if layer_control:
        folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    if offline:
        make_offline(fmap)
    stable_ids(fmap.get_root())


def stable_ids(root: Element) -> None:
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


def legend(title: str, modes: Iterable[str], markers: Sequence[tuple[str, str, str]]) -> str:
    """Legend HTML: a line swatch per mode, then ``(label, fill, border)`` dots."""
    lines = [f"<h4>{esc(title)}</h4><table>"]
    for mode in mode_order(modes):
        lines.append(
            f"<tr><td><span class='corridor-swatch' style='border-top-width:4px;"
            f"border-top-color:{mode_color(mode)}'></span></td>"
            f"<td>{esc(MODE_LABELS.get(mode, mode))}</td></tr>"
        )
    for label, fill, border in markers:
        style = f"background:{fill};border-color:{border}"
        if fill == "none":
            style = f"background:transparent;border-color:{border};border-style:dashed"
        lines.append(
            f"<tr><td><span class='corridor-dot' style='{style}'></span></td>"
            f"<td>{esc(label)}</td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


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
    stable_ids(root)
    assert isinstance(root, Figure)
    return mark_page(root.render())


def save_map(fmap: folium.Map | DualMap, path: str | Path, *, offline: bool = False) -> Path:
    """Write a map to an HTML file (atomically; an existing file only if corridor wrote it).

    Parameters
    ----------
    fmap
        A map or side-by-side map.
    path
        Target file; parent folders are created.
    offline
        Check that the page fetches nothing (the map must have been built with
        ``offline=True``, or passed through :func:`optimizer.output.mapping.offline.make_offline`).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OfflineAssetError
        When ``offline`` and the page still references an external URL.
    OutputFolderError
        When ``path`` is a folder or a file corridor did not write.
    """
    target = Path(path)
    check_output_file(target)
    page = render_map(fmap)
    if offline:
        left = external_references(page)
        if left:
            msg = f"offline map would still fetch {len(left)} URL(s), e.g. {left[0]}"
            raise OfflineAssetError(msg)
    return write_owned_file(target, page)
