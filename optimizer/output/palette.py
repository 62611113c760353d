"""Colours and labels shared by every map, chart and page.

One colour per transport mode, the same on the maps and in the charts (sea
is blue and the China-Europe Railway Express red everywhere), one per cost
part, and a categorical series for everything else.
"""

from __future__ import annotations

#: Line and bar colour of each transport mode.
MODE_COLORS: dict[str, str] = {
    "cr_express": "#d62728",
    "rail": "#8c564b",
    "rail_sea": "#9467bd",
    "sea": "#1f77b4",
    "river": "#17becf",
    "air": "#ff7f0e",
    "road": "#6e6e6e",
    "last_mile": "#2ca02c",
}
#: Colour of a mode that has none of its own.
OTHER_MODE_COLOR = "#444444"
#: Readable name of each mode.
MODE_LABELS: dict[str, str] = {
    "cr_express": "China-Europe Railway Express",
    "rail": "Rail",
    "rail_sea": "Rail-sea (Western Land-Sea Corridor)",
    "sea": "Sea",
    "river": "River",
    "air": "Air",
    "road": "Road",
    "last_mile": "Last mile / delivery",
}
#: Readable name of each cost part (the keys of ``cost_parts_cny``).
COST_PART_LABELS: dict[str, str] = {
    "transport": "Transport",
    "warehouse_fixed": "Warehouse fixed cost",
    "handling_storage": "Handling and storage",
    "in_transit_inventory": "In-transit inventory",
    "carbon": "Carbon price",
    "unmet_penalty": "Unmet-demand penalty",
}
#: Colour of each cost part.
COST_PART_COLORS: dict[str, str] = {
    "transport": "#1f77b4",
    "warehouse_fixed": "#2ca02c",
    "handling_storage": "#9467bd",
    "in_transit_inventory": "#ff7f0e",
    "carbon": "#7f7f7f",
    "unmet_penalty": "#d62728",
}
#: Colours of series that have no colour of their own (scenarios, alternatives), in order.
SERIES_COLORS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def mode_color(mode: str) -> str:
    """The colour of a mode (a neutral grey for an unknown one)."""
    return MODE_COLORS.get(mode, OTHER_MODE_COLOR)


def series_color(index: int) -> str:
    """The ``index``-th categorical colour (cycled)."""
    return SERIES_COLORS[index % len(SERIES_COLORS)]
