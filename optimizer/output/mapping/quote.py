"""The map of a quote: each alternative as a layer."""

from __future__ import annotations

import folium

from optimizer.data.network import Network
from optimizer.format import money, number
from optimizer.output.mapping.base import (
    ALTERNATIVE_COLORS,
    HUB_COLOR,
    MARKET_COLOR,
    ORIGIN_COLOR,
    Control,
    drawing_target,
    esc,
    finish,
    fit,
    node_label,
    popup,
)
from optimizer.output.mapping.geometry import node_point, service_path
from optimizer.pricing.types import Quote


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
    m, own = drawing_target(fmap, offline=offline)
    points: list[tuple[float, float]] = []
    legend = [
        f"<h4>{esc(quote.origin_name)} → {esc(quote.destination_name)}</h4>",
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
        group = folium.FeatureGroup(name=esc(label), show=True)
        for leg in alt.legs:
            hubs.update((leg.from_node, leg.to_node))
            pieces = service_path(network, leg.service_id, leg.from_node, leg.to_node)
            for piece in pieces:
                points += [(p[0], p[1]) for p in piece]
            rows = [
                ("service", esc(leg.service_id)),
                ("mode", esc(leg.mode)),
                ("from", esc(node_label(network, leg.from_node))),
                ("to", esc(node_label(network, leg.to_node))),
                ("load", esc(leg.load.description)),
                ("cost", money(leg.cost_cny)),
                ("days", number(leg.days, 1)),
                ("CO2", number(leg.co2_kg, 0, "kg")),
            ]
            folium.PolyLine(
                pieces,
                color=color,
                weight=max(2.0, 7.0 - rank),
                opacity=0.85,
                dash_array=None if leg.mode not in ("road", "last_mile") else "8 4",
                popup=popup(esc(f"Alternative {rank}: {leg.corridor}"), rows),
                tooltip=esc(f"{rank}. {leg.corridor} ({leg.mode})"),
            ).add_to(group)
        group.add_to(m)
        legend.append(
            f"<tr><td><span class='corridor-swatch' style='border-top-width:4px;"
            f"border-top-color:{color}'></span></td><td>{rank}. {esc(alt.summary)}{esc(tags)}"
            f"</td><td class='num'>{esc(money(alt.total_cost_cny))}</td>"
            f"<td class='num'>{alt.days:.1f} d</td><td class='num'>{alt.co2_kg:,.0f} kg</td></tr>"
        )
    legend.append("</table>")
    group = folium.FeatureGroup(name="Origin, destination and transshipment points")
    for nid in sorted(n for n in hubs if n in network.nodes.index):
        point = node_point(network, nid)
        points.append(point)
        end = nid in (quote.origin, quote.destination)
        folium.CircleMarker(
            location=point,
            radius=7 if end else 4,
            color="#222222",
            weight=2 if end else 1,
            fill=True,
            fill_color=MARKET_COLOR
            if nid == quote.destination
            else (ORIGIN_COLOR if nid == quote.origin else HUB_COLOR),
            fill_opacity=1.0,
            tooltip=esc(node_label(network, nid)),
        ).add_to(group)
    group.add_to(m)
    m.add_child(Control("".join(legend), position="bottomleft"))
    if own:
        fit(m, points)
    finish(m, offline=offline, layer_control=own)
    return m
