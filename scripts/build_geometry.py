"""Build network_data/geometry.geojson: one LineString per service.

* sea: ``searoute`` (offline marine network). The passages a service may use
  follow its ``via`` list: Suez / Bab-el-Mandeb / Panama are closed unless the
  service lists EG_SUEZ / YE_BAB_EL_MANDEB / PA_PANAMA, so Cape-routed
  alternatives (via ZA_CAPE) go round Africa; "northwest" is always closed
  (passing ``restrictions`` replaces searoute's default).
* rail, cr_express, rail_sea, river, road: through the ``via`` nodes and the
  ``waypoints.csv`` corridor points of each consecutive pair of nodes (corridor
  key ``FROM>TO``, or ``FROM>TO#mode`` for a mode-specific alignment, or the
  service id for a whole-route override; a reversed key is used backwards).
* air: great-circle arcs (pyproj Geod, 24 intermediate points).
* last_mile and anything else: straight line between the ends.

Longitudes are unwrapped so trans-Pacific lines draw continuously (they may
run past 180). Lines are simplified to at most MAX_POINTS points and
coordinates rounded to 1e-4 degree, so the output is small and byte-for-byte
deterministic. Usage: ``python scripts/build_geometry.py [DATA_DIR]``.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import searoute
from pyproj import Geod
from shapely.geometry import LineString

MAX_POINTS = 150
DECIMALS = 4
GEOD = Geod(ellps="WGS84")
PASSAGES = {"EG_SUEZ": "suez", "YE_BAB_EL_MANDEB": "babalmandab", "PA_PANAMA": "panama"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def unwrap(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Shift longitudes by multiples of 360 so consecutive points never jump by more than 180."""
    out: list[tuple[float, float]] = []
    for lon, lat in coords:
        if out:
            prev = out[-1][0]
            while lon - prev > 180:
                lon -= 360
            while lon - prev < -180:
                lon += 360
        out.append((lon, lat))
    return out


def simplify(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(coords) <= MAX_POINTS:
        return coords
    line = LineString(coords)
    tol = 0.01
    while True:
        simple = line.simplify(tol, preserve_topology=False)
        pts = list(simple.coords)
        if len(pts) <= MAX_POINTS:
            return pts
        tol *= 1.5


def dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for c in coords:
        c = (round(c[0], DECIMALS), round(c[1], DECIMALS))
        if not out or out[-1] != c:
            out.append(c)
    return out


Coords = list[tuple[float, float]]


def sea_line(a: tuple[float, float], b: tuple[float, float], via: list[str]) -> Coords:
    restrictions = ["northwest", *sorted(p for n, p in PASSAGES.items() if n not in via)]
    feat = searoute.searoute(list(a), list(b), restrictions=restrictions, append_orig_dest=True)
    return [(float(x), float(y)) for x, y in feat["geometry"]["coordinates"]]


def air_line(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    mid = GEOD.npts(a[0], a[1], b[0], b[1], 24)
    return [a, *[(float(x), float(y)) for x, y in mid], b]


def main(data_dir: Path) -> Path:
    nodes = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in read_csv(data_dir / "nodes.csv")}
    services = read_csv(data_dir / "services.csv")
    waypoints: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    wp_path = data_dir / "waypoints.csv"
    if wp_path.exists():
        for r in read_csv(wp_path):
            waypoints[r["corridor"]].append((int(r["seq"]), float(r["lon"]), float(r["lat"])))
    wp = {k: [(lon, lat) for _, lon, lat in sorted(v)] for k, v in waypoints.items()}

    def segment(a: str, b: str, mode: str) -> list[tuple[float, float]]:
        for key in (f"{a}>{b}#{mode}", f"{a}>{b}"):
            if key in wp:
                return wp[key]
        for key in (f"{b}>{a}#{mode}", f"{b}>{a}"):
            if key in wp:
                return wp[key][::-1]
        return []

    features = []
    for s in services:
        sid, mode = s["id"], s["mode"]
        via = [v for v in (s.get("via") or "").split(";") if v]
        a, b = nodes[s["from"]], nodes[s["to"]]
        if mode == "sea":
            coords = sea_line(a, b, via)
        elif mode == "air":
            coords = air_line(a, b)
        elif mode in ("rail", "cr_express", "rail_sea", "river", "road"):
            if sid in wp:
                coords = [a, *wp[sid], b]
            else:
                chain = [s["from"], *via, s["to"]]
                coords = [a]
                for p, q in pairwise(chain):
                    coords += segment(p, q, mode)
                    coords.append(nodes[q])
        else:
            coords = [a, b]
        coords = dedupe(simplify(unwrap(coords)))
        if len(coords) < 2:
            coords = dedupe([a, b]) * (1 if a != b else 2)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "service_id": sid,
                    "mode": mode,
                    "active": int(s.get("active") or 1),
                },
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            }
        )
    out = data_dir / "geometry.geojson"
    doc = {"type": "FeatureCollection", "features": features}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    out.write_text(text + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "network_data"
    path = main(target)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
