"""The map of a warehouse programme: one layer per year, the sites open that year.

A plan (the content of ``plan.json``, see :mod:`optimizer.output.plan`) says
which overseas warehouses are open in each year of a programme. The map has
one layer per year, only the first shown at load; choosing a year in the
layer control hides the others (one year at a time, like radio buttons, with
the country outlines kept). In each year a marker per open site: orange when
recognised that year, green when carried over, a thick blue ring for a public
overseas warehouse, a hollow grey circle for a site closed that year. The
origin zones (Deyang, Mianyang) are a layer of their own. A box gives the
year-by-year counts and costs, another the legend.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template

from optimizer.data.network import Network
from optimizer.format import as_number, millions, number, percent
from optimizer.output.eligibility import by_site, eligibility_text
from optimizer.output.mapping.base import (
    ORIGIN_COLOR,
    WAREHOUSE_CLOSED,
    WAREHOUSE_OPEN,
    Control,
    esc,
    finish,
    fit,
    legend,
    new_map,
    node_label,
    popup,
)
from optimizer.output.mapping.geometry import node_point

#: Fill of a site recognised (opened) in the year shown.
WAREHOUSE_NEW = "#ef6c00"
#: Ring of a public overseas warehouse.
PUBLIC_RING = "#0d47a1"


class ExclusiveLayers(MacroElement):
    """Show one of a set of overlay layers at a time: adding one removes the others.

    Leaflet's layer control shows overlays as check boxes; with this, ticking
    a year unticks the year shown before (the control follows, since it
    listens to its layers being added and removed).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var layers = [{% for g in this.groups %}{{ g.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}];
                map.on('overlayadd', function (e) {
                    if (layers.indexOf(e.layer) < 0) { return; }
                    // after the layer control has applied every box of the click (it re-adds
                    // boxes still ticked), so that the year clicked stays and the boxes follow
                    setTimeout(function () {
                        layers.forEach(function (other) {
                            if (other !== e.layer && map.hasLayer(other)) { map.removeLayer(other); }
                        });
                    }, 0);
                });
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """  # noqa: E501
    )

    def __init__(self, groups: Sequence[folium.FeatureGroup]) -> None:
        super().__init__()
        self._name = "CorridorExclusiveLayers"
        self.groups = list(groups)


def _origins(network: Network) -> list[str]:
    demand = network.demand
    if not demand.empty and "origin" in demand:
        ids = sorted({str(o) for o in demand["origin"]})
    else:
        ids = sorted(network.nodes_of_kind("origin"))
    return [o for o in ids if o in network.nodes.index]


def year_box(doc: Mapping[str, Any]) -> str:
    """The box of the map: the programme and a line per year (open, new, cost)."""
    rows = []
    for y in doc.get("years") or []:
        rows.append(
            "<tr>"
            f"<td>{esc(y.get('year'))}</td>"
            f"<td class='num'>{len(y.get('open') or [])}</td>"
            f"<td class='num'>{len(y.get('new') or [])}</td>"
            f"<td class='num'>{len(y.get('public') or [])}</td>"
            f"<td class='num'>{esc(millions(y.get('total_cost_cny'), 1))}</td>"
            f"<td class='num'>{esc(percent(y.get('on_promise_share'), 0))}</td>"
            "</tr>"
        )
    npc = as_number(doc.get("net_present_cost_cny", doc.get("objective")))
    head = f"<h4>{esc(doc.get('programme') or 'Warehouse programme')}</h4>"
    if npc is not None:
        head += f"<div>net present cost {esc(millions(npc, 1))} M CNY</div>"
    return (
        head + "<table><tr><td>year</td><td class='num'>open</td><td class='num'>new</td>"
        "<td class='num'>public</td><td class='num'>cost M</td>"
        "<td class='num'>on promise</td></tr>" + "".join(rows) + "</table>"
        "<div>choose the year in the layer control (top right)</div>"
    )


def plan_legend() -> str:
    return legend(
        "Warehouses (size = tonnes that year)",
        [],
        [
            ("recognised this year", WAREHOUSE_NEW, "#7a3500"),
            ("open, carried over", WAREHOUSE_OPEN, "#1b3d1d"),
            ("public overseas warehouse (blue ring)", "#ffffff", PUBLIC_RING),
            ("closed this year", "#ffffff", WAREHOUSE_CLOSED),
            ("origin zone", ORIGIN_COLOR, "#2d0b42"),
        ],
    )


def _draw_year(
    network: Network,
    year: Mapping[str, Any],
    group: folium.FeatureGroup,
    schedule: Mapping[str, Mapping[str, Any]],
    eligibility: Mapping[str, Mapping[str, Any]],
    t_max: float,
) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    yr = year.get("year")
    new = {str(s) for s in year.get("new") or []}
    public = {str(s) for s in year.get("public") or []}
    details = by_site(year.get("sites"))
    for sid in [str(s) for s in year.get("open") or []]:
        if sid not in network.nodes.index:
            continue
        point = node_point(network, sid)
        points.append(point)
        d = details.get(sid, {})
        sched = schedule.get(sid, {})
        tonnes = as_number(d.get("tonnes"))
        is_public = sid in public or bool(d.get("public"))
        is_new = sid in new
        elig = eligibility.get(sid) or sched or None
        operating = str(d.get("operating") or sched.get("operating") or "")
        idle = d.get("operating") == "idle"
        rows = [
            ("id", esc(sid)),
            ("in " + esc(yr), "<b>recognised this year</b>" if is_new else "open, carried over"),
            ("operating", "idle (carries no freight)" if idle else esc(operating or "-")),
            ("tier", esc(d.get("tier") or sched.get("tier") or "-")),
            ("public warehouse", "yes" if is_public else "no"),
            ("tonnes that year", esc(number(tonnes, 0, "t"))),
            ("recognised in", esc(sched.get("recognised_year", "-"))),
            ("eligibility", esc(eligibility_text(elig) if elig else "-")),
        ]
        erow = eligibility.get(sid) or {}
        if erow.get("sourced") is False:
            operator = "typical candidate (assumption)"
        else:
            operator = str(
                erow.get("operator_name") or sched.get("operator") or erow.get("operator") or ""
            )
        if operator:
            rows.append(("operator", esc(operator)))
        radius = 6.0 + 10.0 * math.sqrt(max(tonnes or 0.0, 0.0) / t_max)
        state = "recognised this year" if is_new else "open"
        folium.CircleMarker(
            location=point,
            radius=round(radius, 2),
            color=PUBLIC_RING if is_public else ("#7a3500" if is_new else "#1b3d1d"),
            weight=4 if is_public else 1.5,
            fill=True,
            fill_color=WAREHOUSE_NEW if is_new else WAREHOUSE_OPEN,
            fill_opacity=0.85,
            popup=popup(esc(node_label(network, sid)), rows),
            tooltip=esc(
                f"{yr}: {node_label(network, sid)}, {state}"
                + (", public" if is_public else "")
                + (", idle (no freight)" if idle else "")
                + (f", {tonnes:,.0f} t" if tonnes is not None and not idle else "")
            ),
        ).add_to(group)
    for sid in [str(s) for s in year.get("closed") or []]:
        if sid not in network.nodes.index:
            continue
        point = node_point(network, sid)
        points.append(point)
        folium.CircleMarker(
            location=point,
            radius=5,
            color=WAREHOUSE_CLOSED,
            weight=2,
            dash_array="3 3",
            fill=True,
            fill_color="#ffffff",
            fill_opacity=0.8,
            popup=popup(
                esc(node_label(network, sid)),
                [("id", esc(sid)), ("in " + esc(yr), "closed this year")],
            ),
            tooltip=esc(f"{yr}: {node_label(network, sid)}, closed"),
        ).add_to(group)
    return points


def plan_map(network: Network, doc: Mapping[str, Any], *, offline: bool) -> folium.Map:
    """Map of a warehouse programme: one layer per year, one year shown at a time.

    Parameters
    ----------
    network
        The network the plan was solved on (site and origin coordinates, names).
    doc
        The plan document (``plan.json``): its ``years``, ``schedule`` and
        ``eligibility`` are read.
    offline
        No tile layer: Natural Earth outlines, and JavaScript / CSS inlined.

    Returns
    -------
    folium.Map
        The map; layers named by year (``"2025"``), the first one shown.

    Raises
    ------
    OfflineAssetError
        When ``offline`` and a packaged JavaScript / CSS copy is missing.
    """
    m = new_map(offline=offline)
    schedule = by_site(doc.get("schedule"))
    eligibility = by_site(doc.get("eligibility"))
    years = list(doc.get("years") or [])
    tonnes = [
        float(t)
        for y in years
        for s in y.get("sites") or []
        if (t := as_number(s.get("tonnes"))) is not None
    ]
    t_max = max([*tonnes, 1.0])
    points: list[tuple[float, float]] = []
    groups = []
    for i, year in enumerate(years):
        group = folium.FeatureGroup(name=str(year.get("year")), show=i == 0)
        points += _draw_year(network, year, group, schedule, eligibility, t_max)
        group.add_to(m)
        groups.append(group)

    origins = _origins(network)
    if origins:
        shipped = network.demand.groupby("origin")["tonnes_per_year"].sum()
        group = folium.FeatureGroup(name=f"Origin zones ({len(origins)})", show=True)
        for oid in origins:
            point = node_point(network, oid)
            points.append(point)
            t = float(shipped.get(oid, 0.0))
            folium.CircleMarker(
                location=point,
                radius=5,
                color="#2d0b42",
                weight=1,
                fill=True,
                fill_color=ORIGIN_COLOR,
                fill_opacity=0.9,
                popup=popup(
                    esc(node_label(network, oid)),
                    [
                        ("id", esc(oid)),
                        ("city", esc(network.nodes.at[oid, "city"])),
                        ("demand shipped", number(t, 0, "t/year")),
                    ],
                ),
                tooltip=esc(f"{node_label(network, oid)}: origin"),
            ).add_to(group)
        group.add_to(m)

    if len(groups) > 1:
        m.add_child(ExclusiveLayers(groups))
    m.add_child(Control(year_box(doc), position="bottomleft"))
    m.add_child(Control(plan_legend(), position="bottomright"))
    fit(m, points)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    finish(m, offline=offline, layer_control=False)
    return m
