"""Longitudes and lines on an Asia-centred map.

Places west of :data:`WRAP_WEST_OF` (the Americas) are drawn 360 degrees
east, beside the Pacific, and every line is unwrapped so that it runs
continuously (Qinzhou to Los Angeles crosses the Pacific instead of the
whole map).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from optimizer.data.network import Network

#: Places west of this longitude (the Americas) are drawn 360 degrees east.
WRAP_WEST_OF = -30.0


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


def service_path(
    network: Network, service_id: str, start: str, end: str
) -> list[list[list[float]]]:
    """Display pieces of a service's line (a straight line when it has no geometry)."""
    nodes = network.nodes
    lon, lat = nodes["lon"].astype(float), nodes["lat"].astype(float)
    coords: list[tuple[float, float]] = []
    if service_id in network.services.index:
        coords = _geometry_coords(network.services.geometry.get(service_id))
    if len(coords) < 2:
        coords = [(float(lon.loc[n]), float(lat.loc[n])) for n in (start, end) if n in nodes.index]
    if len(coords) < 2:
        return []
    start_lon = float(lon.loc[start]) if start in nodes.index else None
    end_lon = float(lon.loc[end]) if end in nodes.index else None
    return display_path(coords, start_lon=start_lon, end_lon=end_lon)


def node_point(network: Network, node_id: str) -> tuple[float, float]:
    n = network.nodes
    lat = float(n["lat"].astype(float).loc[node_id])
    return lat, display_lon(float(n["lon"].astype(float).loc[node_id]))
