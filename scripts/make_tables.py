# ruff: noqa: E501  (a data table: long source strings)
"""Generate the corridor base network tables (nodes, services, warehouses, ...).

The CSV files in this directory are the data; this script is how they were
produced, so that a figure changed here propagates consistently (distances
from waypoint polylines and searoute, wait-feasible required_days, demand
calibrated to the plan targets). Run from the repository root:

    python scripts/make_tables.py && python scripts/build_geometry.py

``python scripts/make_tables.py OUT_DIR`` writes the tables to OUT_DIR instead of
network_data/ (tests/test_make_tables.py compares them with the committed ones).

Every number carries its source or an ``assumption:`` label; see README.md.
Deterministic: same script, same bytes.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import networkx as nx
import searoute
from pyproj import Geod

OUT = Path(__file__).resolve().parent.parent / "network_data"

# ---------------------------------------------------------------------------
# Sources (URL + year): tables/sources.csv, all taken from ../shared/reference/domain_facts.md
# ---------------------------------------------------------------------------
TABLES = Path(__file__).resolve().parent / "tables"


def read_table(name: str) -> list[dict[str, str]]:
    with open(TABLES / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


SRC = {r["key"]: f"{r['address']} ({r['note']})" if r["note"] else r["address"]
       for r in read_table("sources.csv")}
# shared assumption texts; {KEY} in any text of tables/ refers to a source or an assumption
ASSUMPTIONS = {r["key"]: r["text"] for r in read_table("assumptions.csv")}
assert not set(SRC) & set(ASSUMPTIONS)
REF = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def expand(text: str) -> str:
    """Replace the {KEY} references of a text by the source or assumption text they name."""
    return REF.sub(lambda m: SRC[m[1]] if m[1] in SRC else expand(ASSUMPTIONS[m[1]]), text)


TEXT = {k: expand(v) for k, v in ASSUMPTIONS.items()}

# Emission factors (gCO2e / t-km, WTW unless stated): tables/co2_factors.csv
CO2 = {r["key"]: (float(r["g_per_tkm"]), expand(r["source"])) for r in read_table("co2_factors.csv")}
# Exchange rates (CNY per unit): tables/fx.csv
FX = [{**r, "cny_per_unit": float(r["cny_per_unit"]), "source": expand(r["source"])}
      for r in read_table("fx.csv")]
CNY_PER = {r["currency"]: r["cny_per_unit"] for r in FX}
USD = CNY_PER["USD"]
EUR = CNY_PER["EUR"]
# Parameters: tables/parameters.csv; an empty value is computed below (rail_detour_factor)
PARAM_ROWS = read_table("parameters.csv")
PARAM = {r["name"]: float(r["value"]) for r in PARAM_ROWS if r["value"]}


# Great-circle distances on the sphere of the mean Earth radius (IUGG, 6,371.0088 km)
EARTH_RADIUS_M = 6371008.8
GEOD = Geod(a=EARTH_RADIUS_M, f=0.0)


def gc_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle km between two (lat, lon) points."""
    return GEOD.inv(a[1], a[0], b[1], b[0])[2] / 1000


# ---------------------------------------------------------------------------
# Nodes: tables/nodes.csv
# ---------------------------------------------------------------------------
def opt_float(v: str) -> float | None:
    return float(v) if v else None


def opt_int(v: str) -> int | None:
    return int(v) if v else None


NODES: list[dict] = [
    {**r, "lat": float(r["lat"]), "lon": float(r["lon"]),
     "handling_cny_per_t": float(r["handling_cny_per_t"]),
     "border_fee_cny_per_t": float(r["border_fee_cny_per_t"]), "dwell_h": float(r["dwell_h"]),
     "dwell_h_max": opt_float(r["dwell_h_max"]), "source": expand(r["source"])}
    for r in read_table("nodes.csv")
]
NODE = {n["id"]: n for n in NODES}
ORIGINS = [n["id"] for n in NODES if n["kind"] == "origin"]
MARKETS = [n["id"] for n in NODES if n["kind"] == "market"]


def ll(nid: str) -> tuple[float, float]:
    return (NODE[nid]["lat"], NODE[nid]["lon"])


# ---------------------------------------------------------------------------
# Waypoints (geometry, and rail/road distance where no sourced km exists)
# ---------------------------------------------------------------------------
P = {r["place"]: (float(r["lat"]), float(r["lon"])) for r in read_table("places.csv")}
SEGMENTS: dict[str, list[str]] = defaultdict(list)  # corridor key -> places, in seq order
for r in sorted(read_table("corridors.csv"), key=lambda r: int(r["seq"])):
    SEGMENTS[r["corridor"]].append(r["place"])
SEGMENTS = dict(SEGMENTS)
A_WP = TEXT["WAYPOINT"]


def chain_km(a: str, b: str, key: str | None = None) -> float:
    """Polyline length a -> waypoints -> b (km)."""
    pts = [ll(a)] + [P[w] for w in SEGMENTS.get(key or f"{a}>{b}", [])] + [ll(b)]
    return sum(gc_km(p, q) for p, q in pairwise(pts))


def path_km(nodes_: list[str]) -> float:
    return sum(chain_km(a, b) for a, b in pairwise(nodes_))


# Calibrated rail detour: Chengdu-Lodz sourced ~9,900 km (9,826-9,965) vs waypoint polyline
RAIL_DETOUR = round(9900 / path_km(["CN_CD_RAILPORT", "CN_ALASHANKOU", "PL_MALASZEWICZE", "PL_LODZ"]), 3)


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------
SERVICES: list[dict] = []


def svc(id_, frm, to, mode, corridor, km, th, *, via=(), operator="", th_max=None, dep=None, basis="tonne",
        rate=0.0, lcl_basis=None, lcl_rate=None, units=None, cur="CNY", year=2025, co2="road", active=1, source):
    assert frm in NODE and to in NODE and all(v in NODE for v in via), id_
    f, fs = CO2[co2]
    if basis in ("FEU", "TEU") and lcl_basis in ("wm", "tonne") and lcl_rate is not None:
        # Loose cargo never undercuts a full box per payload tonne: heavy LCL pays at least
        # 1.25 x the FCL rate per payload tonne (LCL minimums, heavy-cargo surcharges).
        payload = PARAM["feu_payload_t"] if basis == "FEU" else PARAM["teu_payload_t"]
        lcl_rate = max(lcl_rate, 1.25 * rate / payload)
    SERVICES.append({
        "id": id_, "from": frm, "to": to, "via": ";".join(via), "mode": mode, "corridor": corridor,
        "operator": operator, "distance_km": round(km), "transit_h": round(th, 1),
        "transit_h_max": None if th_max is None else round(max(th_max, th), 1),
        "departures_per_week": dep, "rate_basis": basis, "rate": round(rate, 2), "lcl_basis": lcl_basis,
        "lcl_rate": None if lcl_rate is None else round(lcl_rate, 2), "units_per_departure": units,
        "currency": cur, "price_year": year, "co2_g_per_tkm": f, "co2_source": fs, "active": active,
        "source": source,
    })


def via_dwell(via) -> float:
    return sum(NODE[v]["dwell_h"] for v in via)


short = {n["id"]: (n["id"][3:] if n["id"].startswith("CN_") else n["id"]) for n in NODES}

# --- 1. domestic road feeders (tables/road_feeders.csv) ---
def road(frm: str, to: str, corridor: str, detour: float, source: str) -> None:
    """Truck link: great-circle km x detour, 1.5 h + km/55, FTL and LTL rates per km (A_ROAD)."""
    km = gc_km(ll(frm), ll(to)) * detour
    th = 1.5 + km / 55
    svc(f"RD_{short[frm]}_{short[to]}", frm, to, "road", corridor, km, th, basis="truck",
        rate=max(800, 300 + 6.5 * km), lcl_basis="tonne", lcl_rate=max(60, 40 + 0.5 * km), year=2025,
        co2="road", source=source)


for r in read_table("road_feeders.csv"):
    road(r["from"], r["to"], r["corridor"], float(r["detour"]) if r["detour"] else PARAM["road_detour_factor"],
         expand(r["source"]))


# --- services given one by one (tables/services_individual.csv), in blocks ---
def ndrc_2008(km: float) -> tuple[float, float]:
    """Container rail: NDRC 2008 40-ft tariff 429.8 CNY + 1.6374 CNY/box-km, +15%; LCL 40 + 0.11 CNY/t-km."""
    return round((429.8 + 1.6374 * km) * 1.15, -1), round(40 + 0.11 * km)


def road_long_haul(km: float) -> tuple[float, float]:
    """Long-haul truck: FTL 300 CNY + 6.0 CNY/vehicle-km; LTL 40 CNY/t + 0.45 CNY/t-km."""
    return 300 + 6.0 * km, 40 + 0.45 * km


TARIFFS = {"ndrc_2008": ndrc_2008, "road_long_haul": road_long_haul}


def air_leg(frm: str, to: str, stop_h: float = 0.0) -> tuple[float, float, float]:
    """(great-circle km, km = great-circle + 95 (GLEC), hours = km/800 + 1 h + any stop)."""
    gc = gc_km(ll(frm), ll(to))
    return gc, gc + 95, gc / 800 + 1.0 + stop_h


def distance_factor(v: str) -> float:
    return RAIL_DETOUR if v == "rail_detour" else float(v)


INDIVIDUAL = read_table("services_individual.csv")


def individual_services(block: str) -> None:
    """Services of one block of services_individual.csv: figures as given, or km by distance_rule."""
    for r in INDIVIDUAL:
        if r["block"] != block:
            continue
        frm, to = r["from"], r["to"]
        via = tuple(v for v in r["via"].split(";") if v)
        th = opt_float(r["transit_h"])
        rule = r["distance_rule"]
        if not rule:
            km = float(r["distance_km"])
        elif rule == "great_circle":
            km = gc_km(ll(frm), ll(to)) * distance_factor(r["distance_factor"])
        elif rule == "polyline":  # through the via nodes, each leg along its waypoints
            f = distance_factor(r["distance_factor"])
            km = sum(chain_km(a, b) * f for a, b in pairwise([frm, *via, to]))
        elif rule == "air":
            _, km, th = air_leg(frm, to)
        else:
            raise ValueError(f"{r['id']}: unknown distance_rule {rule!r}")
        rate, lcl_rate = opt_float(r["rate"]), opt_float(r["lcl_rate"])
        if r["tariff"]:
            rate, lcl_rate = TARIFFS[r["tariff"]](km)
        svc(r["id"], frm, to, r["mode"], r["corridor"], km, th, via=via, operator=r["operator"],
            th_max=opt_float(r["transit_h_max"]), dep=opt_float(r["departures_per_week"]),
            basis=r["rate_basis"], rate=rate, lcl_basis=r["lcl_basis"] or None, lcl_rate=lcl_rate,
            units=opt_int(r["units_per_departure"]), cur=r["currency"], year=int(r["price_year"]),
            co2=r["co2_factor"], active=int(r["active"]), source=expand(r["source"]))


individual_services("domestic")

# --- 4. CR Express through services (tables/cr_express.csv, tables/cr_express_chongqing.csv) ---
# Deyang trains couple at Chengdu: +12 h, +USD 100, +40 km where the km is sourced (TEXT["CRX_DEYANG"])
DEYANG_COUPLING = {"h": 12, "usd": 100, "km": 40}
for r in read_table("cr_express.csv"):
    dst, tag = r["to"], r["border"]
    via = tuple(r["via"].split(";"))
    km0 = opt_int(r["distance_km"])
    days, days_max, usd = int(r["days"]), int(r["days_max"]), int(r["usd_per_feu"])
    origins = [("CN_CD_RAILPORT", "CDRP", r["departures_chengdu"], r["operator_chengdu"], 0, 0, 0,
                TEXT["CRX_CHENGDU"]),
               ("CN_DEY_RAILPORT", "DEYRP", r["departures_deyang"], r["operator_deyang"], DEYANG_COUPLING["h"],
                DEYANG_COUPLING["usd"], DEYANG_COUPLING["km"], TEXT["CRX_DEYANG"])]
    for frm, code, dep, operator, extra_h, extra_usd, extra_km, origin_note in origins:
        if not dep:
            continue
        chain = [frm, *via, dst]
        km = (km0 + extra_km) if km0 else path_km(chain) * RAIL_DETOUR
        dw = via_dwell(via)
        th = days * 24 + extra_h - dw
        th_max = days_max * 24 + extra_h - dw
        km_note = TEXT["CRX_KM_SOURCED"] if km0 else TEXT["CRX_KM_POLYLINE"].format(rail_detour=RAIL_DETOUR)
        svc(f"CRX_{code}_{short[dst]}_{tag.upper()[:3]}", frm, dst, "cr_express", f"CR Express via {tag}", km, th,
            via=via, operator=operator, th_max=th_max, dep=float(dep), basis="FEU", rate=usd + extra_usd,
            lcl_basis="wm", lcl_rate=round((usd + extra_usd) / PARAM["feu_volume_cbm"] * 2),
            units=int(r["units_per_departure"]), cur="USD", year=2024, co2="rail_intl",
            source=TEXT["CRX"].format(rate_source=expand(r["rate_source"]), origin_note=origin_note,
                                      km_note=km_note, days=days, source=expand(r["source"])))
# Chongqing trains (alternative hub)
for r in read_table("cr_express_chongqing.csv"):
    frm, dst, tag = "CN_CHONGQING", r["to"], r["border"]
    via = tuple(r["via"].split(";"))
    usd = int(r["usd_per_feu"])
    km = path_km([frm, *via, dst]) * RAIL_DETOUR
    th = int(r["days"]) * 24 - via_dwell(via)
    th_max = int(r["days_max"]) * 24 - via_dwell(via)
    svc(f"CRX_{short[frm]}_{short[dst]}_{tag.upper()[:3]}", frm, dst, "cr_express", f"CR Express via {tag}", km,
        th, via=via, operator=r["operator"], th_max=th_max, dep=float(r["departures_per_week"]), basis="FEU",
        rate=usd, lcl_basis="wm", lcl_rate=round(usd / PARAM["feu_volume_cbm"] * 2),
        units=int(r["units_per_departure"]), cur="USD", year=2024, co2="rail_intl",
        source=TEXT["CRX_CHONGQING"].format(rate_source=expand(r["rate_source"]), rail_detour=RAIL_DETOUR,
                                            source=expand(r["source"])))

# --- 5. ASEAN trains ---
individual_services("asean_rail")

# --- 6. sea (tables/sea.csv) ---
PASSAGE_NODE = {"malacca": "MY_MALACCA", "babalmandab": "YE_BAB_EL_MANDEB", "suez": "EG_SUEZ", "panama": "PA_PANAMA"}
VIA_ORDER = ["MY_MALACCA", "ZA_CAPE", "YE_BAB_EL_MANDEB", "EG_SUEZ", "PA_PANAMA"]
SEA_CACHE: dict[tuple, tuple[float, list[str]]] = {}


def sea_route(frm: str, to: str, cape: bool = False) -> tuple[float, list[str]]:
    key = (frm, to, cape)
    if key not in SEA_CACHE:
        # Cape alternatives close the Red Sea and Panama; US East Coast services are routed via Panama
        restr = ["northwest"] + (["babalmandab", "suez", "panama"] if cape else [])
        if to == "US_NYC":
            restr += ["babalmandab", "suez"]
        r = searoute.searoute([NODE[frm]["lon"], NODE[frm]["lat"]], [NODE[to]["lon"], NODE[to]["lat"]],
                              restrictions=restr, return_passages=True)
        via = {PASSAGE_NODE[p] for p in r["properties"].get("traversed_passages", []) if p in PASSAGE_NODE}
        if cape:
            via.add("ZA_CAPE")
        SEA_CACHE[key] = (float(r["properties"]["length"]), [v for v in VIA_ORDER if v in via])
    return SEA_CACHE[key]


CAPE_KM_PER_DAY = 667.0  # 15 knots
CAPE_RATE_FACTOR = 1.25
for r in read_table("sea.csv"):
    frm, to = r["from"], r["to"]
    days, usd, lcl = int(r["days"]), int(r["usd_per_feu"]), int(r["lcl_usd_per_wm"])
    dep, yr = float(r["departures_per_week"]), int(r["price_year"])
    rsrc = expand(r["rate_source"])
    km, via = sea_route(frm, to)
    short_sea = km < 5000
    th = days * 24 - via_dwell(via)
    corridor = ("Asia-Europe via Suez" if "EG_SUEZ" in via else "Asia-US East via Panama" if "PA_PANAMA" in via
                else "Trans-Pacific" if to.startswith("US_") else "Intra-Asia" if short_sea else "Asia deep-sea")
    if frm == "CN_QINZHOU":
        corridor += " (Western Land-Sea Corridor)"
    svc(f"SEA_{short[frm]}_{short[to]}", frm, to, "sea", corridor, km, th, via=via, th_max=th + 5 * 24, dep=dep,
        basis="FEU", rate=usd, lcl_basis="wm", lcl_rate=lcl, cur="USD", year=yr,
        co2="sea_short" if short_sea else "sea_deep",
        source=TEXT["SEA"].format(rate_source=rsrc, days_source=expand(r["days_source"])))
    if "EG_SUEZ" in via:
        kmc, viac = sea_route(frm, to, cape=True)
        extra_days = round((kmc - km) / CAPE_KM_PER_DAY)
        thc = (days + extra_days) * 24 - via_dwell(viac)
        svc(f"SEA_{short[frm]}_{short[to]}_CAPE", frm, to, "sea", "Asia-Europe via Cape of Good Hope" +
            (" (Western Land-Sea Corridor)" if frm == "CN_QINZHOU" else ""), kmc, thc, via=viac, th_max=thc + 5 * 24,
            dep=dep, basis="FEU", rate=round(usd * CAPE_RATE_FACTOR), lcl_basis="wm",
            lcl_rate=round(lcl * CAPE_RATE_FACTOR), cur="USD", year=yr, co2="sea_deep", active=0,
            source=TEXT["SEA_CAPE"].format(extra_days=extra_days, rate_source=rsrc))

# --- 7. air (tables/air.csv): Chengdu Shuangliu and Tianfu ---
for r in read_table("air.csv"):
    dst, usd = r["to"], float(r["usd_per_kg"])
    stop_h = opt_int(r["stop_h"])
    time_note = TEXT["AIR_TIME_STOP"].format(stop_h=stop_h, stop=r["stop"]) if stop_h else TEXT["AIR_TIME"]
    for frm, dep in [("CN_CTU", opt_float(r["departures_ctu"])), ("CN_TFU", opt_float(r["departures_tfu"]))]:
        if dep is None:
            continue
        gc, km, th = air_leg(frm, dst, stop_h or 0.0)
        svc(f"AIR_{short[frm]}_{short[dst].replace('APT_', '')}", frm, dst, "air",
            "Chengdu air hub (CTU/TFU)", km, th, th_max=th + 24, dep=dep, basis="kg", rate=usd, cur="USD",
            year=2025, co2="air_long" if gc > 1500 else "air_short",
            source=TEXT["AIR"].format(rate_source=expand(r["rate_source"]), time_note=time_note))
individual_services("air_plan")

# --- 8. drayage: foreign gateways -> warehouses (tables/drayage.csv) ---
COUNTRIES = {r["country"]: r for r in read_table("countries.csv")}
WH_COUNTRIES = {r["country"]: r for r in read_table("warehouse_countries.csv")}


def cost_mult(country: str) -> float:
    """Regional cost factor of a country (tables/countries.csv)."""
    return float(COUNTRIES[country]["cost_factor"])


ROAD_DETOUR = PARAM["road_detour_factor"]
for r in read_table("drayage.csv"):
    wh, gw = r["warehouse"], r["gateway"]
    km = max(15.0, gc_km(ll(gw), ll(wh)) * ROAD_DETOUR)
    m = cost_mult(NODE[wh]["country"])
    th = 4 + km / 60
    if NODE[gw]["kind"] == "airport":
        svc(f"DR_{short[gw]}_{short[wh]}", gw, wh, "road", "Drayage to overseas warehouse", km, th, basis="tonne",
            rate=round((60 + 0.12 * km) * m, 1), cur="USD", year=2025, co2="road",
            source=TEXT["DRAYAGE_AIR"].format(m=m))
    else:
        box = (550 + 1.5 * max(0.0, km - 50)) * m
        svc(f"DR_{short[gw]}_{short[wh]}", gw, wh, "road", "Drayage to overseas warehouse", km, th, basis="FEU",
            rate=round(box), lcl_basis="tonne", lcl_rate=round(box / 12, 1), cur="USD", year=2025, co2="road",
            source=TEXT["DRAYAGE"].format(m=m))

# --- 8b. hinterland links into rail terminals, so a quote to a terminal sees every mode (tables/hinterland.csv) ---
for r in read_table("hinterland.csv"):
    gw, term, mode = r["gateway"], r["terminal"], r["mode"]
    if gw not in NODE or term not in NODE:
        continue
    km = max(15.0, gc_km(ll(gw), ll(term)) * ROAD_DETOUR)
    m = cost_mult(NODE[term]["country"])
    box = (550 + 1.5 * max(0.0, km - 50)) * m
    if mode == "rail":
        dep = int(r["departures_per_week"])
        svc(f"HL_{short[gw]}_{short[term]}", gw, term, "rail", "Rhine hinterland rail shuttle", km,
            8 + km / 40, dep=dep, basis="FEU", rate=round(box * 0.8), lcl_basis="tonne",
            lcl_rate=round(box * 0.8 / 12, 1), cur="USD", year=2025, co2="rail_intl",
            source=TEXT["HINTERLAND"].format(m=m, dep=dep))
    elif NODE[gw]["kind"] == "airport":
        svc(f"HL_{short[gw]}_{short[term]}", gw, term, "road", "Airport trucking to terminal", km, 4 + km / 60,
            basis="tonne", rate=round((60 + 0.12 * km) * m, 1), cur="USD", year=2025, co2="road",
            source=TEXT["DRAYAGE_AIR"].format(m=m))
    else:
        svc(f"HL_{short[gw]}_{short[term]}", gw, term, "road", "Port cartage to terminal", km, 4 + km / 60,
            basis="FEU", rate=round(box), lcl_basis="tonne", lcl_rate=round(box / 12, 1), cur="USD",
            year=2025, co2="road", source=TEXT["DRAYAGE"].format(m=m))

# --- 9. last mile: warehouses -> markets (tables/warehouse_delivery.csv) ---
for r in read_table("warehouse_delivery.csv"):
    wh, mk = r["warehouse"], r["market"]
    km = max(20.0, gc_km(ll(wh), ll(mk)) * ROAD_DETOUR)
    rate = int(WH_COUNTRIES[NODE[wh]["country"]]["delivery_cny_per_t"])  # blended pallet/LTL/parcel rate
    svc(f"LM_{short[wh]}_{short[mk]}", wh, mk, "last_mile", "Overseas warehouse delivery", km, 24 + km / 30,
        th_max=48 + km / 30, basis="tonne", rate=rate + 0.8 * max(0.0, km - 150), co2="last_mile", year=2025,
        source=TEXT["WAREHOUSE_DELIVERY"].format(r=rate))

# --- 10. direct deliveries from gateways: 9610 courier last mile, 9710 B2B trucking (tables/market_gateways.csv) ---
for r in read_table("market_gateways.csv"):
    mk, gw = r["market"], r["gateway"]
    c = NODE[mk]["country"]
    km = max(20.0, gc_km(ll(gw), ll(mk)) * ROAD_DETOUR)
    rate = int(COUNTRIES[c]["courier_cny_per_kg"]) + (3 if km > 800 else 0)
    svc(f"LM_{short[gw].replace('APT_', 'A')}_{short[mk]}", gw, mk, "last_mile", "Direct cross-border delivery "
        "(9610/9710)", km, 48 + km / 30, th_max=96 + km / 30, basis="kg", rate=rate, co2="last_mile", year=2025,
        source=TEXT["COURIER"].format(r=rate))
    if NODE[gw]["kind"] in ("seaport", "rail_terminal"):
        m = cost_mult(c)
        ftl = (1500 + 12 * km) * m
        svc(f"RD_{short[gw]}_{short[mk]}", gw, mk, "road", "Direct B2B delivery (9710)", km, 24 + km / 55,
            basis="truck", rate=round(ftl), lcl_basis="tonne", lcl_rate=round(ftl / 12, 1), co2="truck_delivery",
            year=2025, source=TEXT["B2B"].format(r=round(ftl), k=round(12 * m, 1), f=round(1500 * m), m=m))

# ---------------------------------------------------------------------------
# Warehouses: tables/warehouses.csv (candidate sites), tables/warehouse_countries.csv (costs by country)
# ---------------------------------------------------------------------------
SQFT_PER_M2 = 10.764


def rent_cny(value: float, unit: str) -> float:
    """A rent in CUR/AREA/PERIOD (AREA m2 or sqft, PERIOD yr or month) in CNY/m2/yr."""
    cur, area, period = unit.split("/")
    if area == "sqft":
        value = value * SQFT_PER_M2
    if period == "month":
        value = value * 12
    if cur != "CNY":
        value = value * CNY_PER[cur]
    return value


WAREHOUSES: list[dict] = []
RENT: dict[str, int] = {}  # CNY/m2/yr by warehouse node
for r in read_table("warehouses.csv"):
    wh, area = r["node_id"], int(r["area_m2"])
    c = NODE[wh]["country"]
    cr = WH_COUNTRIES[c]
    if r["rent_unit"] == "ratio":  # a share of another site's rent
        rent, rsrc = round(RENT[r["rent_ref"]] * float(r["rent"])), expand(r["rent_source"])
    elif r["rent"]:
        rent, rsrc = round(rent_cny(float(r["rent"]), r["rent_unit"])), expand(r["rent_source"])
    else:
        rent, rsrc = round(rent_cny(float(cr["rent"]), cr["rent_unit"])), expand(cr["rent_source"])
    RENT[wh] = rent
    labour = int(cr["labour_cny_per_fte_year"])
    fte = math.ceil(area / 500)  # core staff; variable labour is in handling_cny_per_t
    systems = 150000 + 40 * area
    fixed = rent * area + fte * labour + systems
    cap = area * 1.6
    pub = bool(r["public_service"])
    source = TEXT["WAREHOUSE"].format(rent=rent, fte=fte, labour=labour, rent_source=rsrc,
                                      storage_source=expand(cr["storage_source"]))
    if pub:
        source += "; " + TEXT["WAREHOUSE_PUBLIC"].format(note=r["public_service"])
    WAREHOUSES.append({
        "node_id": wh, "operator": r["operator"], "status": "candidate", "public_service": int(pub),
        "area_m2": area, "fixed_cost_cny_per_year": round(fixed, -3), "capacity_t_per_year": cap,
        "handling_cny_per_t": float(cr["handling_cny_per_t"]),
        "storage_cny_per_cbm_month": float(cr["storage_cny_per_cbm_month"]), "stock_days": int(cr["stock_days"]),
        "source": source,
    })

# ---------------------------------------------------------------------------
# Products: tables/products.csv
# ---------------------------------------------------------------------------
PRODUCTS = [{**r, "density_kg_per_cbm": float(r["density_kg_per_cbm"]),
             "value_cny_per_t": float(r["value_cny_per_t"]), "source": expand(r["source"])}
            for r in read_table("products.csv")]
PVAL = {p["id"]: p["value_cny_per_t"] for p in PRODUCTS}

# ---------------------------------------------------------------------------
# Demand (calibrated to the 2025 plan targets): tables/plan_targets.csv, product_mix.csv,
# origin_shares.csv, market_shares.csv, customs_split.csv, customs_modes.csv
# ---------------------------------------------------------------------------
TARGET = {r["city"]: float(r["target_cny"]) for r in read_table("plan_targets.csv")}
TARGET_SOURCE = {r["city"]: expand(r["source"]) for r in read_table("plan_targets.csv")}
MIX = {(r["city"], r["product"]): float(r["share"]) for r in read_table("product_mix.csv")}
ORIGIN_SHARE: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
for r in read_table("origin_shares.csv"):
    ORIGIN_SHARE[(r["city"], r["product"])][r["origin"]] = float(r["share"])
MKT_SHARE: dict[str, dict[str, int]] = defaultdict(dict)
for r in read_table("market_shares.csv"):
    MKT_SHARE[r["product"]][r["market"]] = int(r["weight"])
MODE_SPLIT: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)  # (city or "", product)
for r in read_table("customs_split.csv"):
    MODE_SPLIT[(r["city"], r["product"])][r["customs_mode"]] = float(r["share"])
CUSTOMS_MODES = {(r["customs_mode"], r["product"]): r for r in read_table("customs_modes.csv")}


def customs_mode_row(mode: str, product: str) -> dict[str, str]:
    return CUSTOMS_MODES.get((mode, product)) or CUSTOMS_MODES[(mode, "")]


def default_days(mode: str, country: str, product: str) -> int:
    return int(customs_mode_row(mode, product)["days_" + COUNTRIES[country]["region"]])


def max_days(mode: str, product: str) -> int:
    return int(customs_mode_row(mode, product)["max_required_days"])

# --- time-feasibility (transit + via dwell + wait 84/departures + dwell at transshipment nodes) ---
# Each node n is split into (ARRIVE, n) -> (DEPART, n), weighted by its dwell; a service is an arc
# (DEPART, from) -> (ARRIVE, to) weighted by transit + via dwell + expected wait (the fastest of parallel
# services). Markets have no DEPART side: paths end there. Only path lengths are used, so the path
# networkx picks among equally fast ones does not matter.
ARRIVE, DEPART = "arrive", "depart"
TIME_GRAPH = nx.DiGraph()
for n in NODES:
    if n["kind"] != "market":
        TIME_GRAPH.add_edge((ARRIVE, n["id"]), (DEPART, n["id"]), weight=n["dwell_h"])
HOURS_PER_WEEK = 168.0
for s in SERVICES:
    if s["active"] != 1:
        continue
    wait = PARAM["expected_wait_factor"] * HOURS_PER_WEEK / s["departures_per_week"] if s["departures_per_week"] else 0.0
    via = [v for v in s["via"].split(";") if v]
    w = s["transit_h"] + via_dwell(via) + wait
    arc = ((DEPART, s["from"]), (ARRIVE, s["to"]))
    if not TIME_GRAPH.has_edge(*arc) or w < TIME_GRAPH.edges[arc]["weight"]:
        TIME_GRAPH.add_edge(*arc, weight=w)


def fastest_from(origin: str) -> dict[str, float]:
    """Hours from leaving origin to arriving at each reachable node (origin: 0)."""
    hours = nx.single_source_dijkstra_path_length(TIME_GRAPH, (DEPART, origin), weight="weight")
    return {origin: 0.0} | {n: h for (side, n), h in hours.items() if side == ARRIVE and n != origin}


LM_FROM_WH: dict[str, list[tuple[str, float]]] = defaultdict(list)
for s in SERVICES:
    if s["active"] == 1 and s["mode"] == "last_mile" and NODE[s["from"]]["kind"] == "warehouse":
        LM_FROM_WH[s["to"]].append((s["from"], s["transit_h"]))
FAST = {o: fastest_from(o) for o in ORIGINS}


def fastest_days(origin: str, market: str, via_wh: bool) -> float:
    d = FAST[origin]
    if not via_wh:
        return d.get(market, math.inf) / 24
    best = min((d.get(wh, math.inf) + NODE[wh]["dwell_h"] + lm for wh, lm in LM_FROM_WH[market]), default=math.inf)
    return best / 24


DEMAND: list[dict] = []
DROPPED: list[tuple] = []
rows = []
for (city, prod), oshares in ORIGIN_SHARE.items():
    pm = MIX[(city, prod)]
    mshares = MKT_SHARE[prod]
    tot_m = sum(mshares.values())
    for o, zs in oshares.items():
        # small zone-product flows go to their largest markets only (keeps the table to a few hundred rows)
        k = max(3, min(12, len(mshares), math.ceil(len(mshares) * zs / 0.60)))
        top = sorted(mshares.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        tot_top = sum(v for _, v in top)
        split = MODE_SPLIT.get((city, prod)) or MODE_SPLIT[("", prod)]
        for mk, v in top:
            # the customs-mode split applies to main markets of main zones; the rest keep the dominant mode
            sp = split if (v >= 6 and zs >= 0.12) else {max(split, key=lambda m: (split[m], m)): 1.0}
            for cm, cs in sp.items():
                value = TARGET[city] * pm * zs * (v / tot_top) * cs
                rows.append((city, o, mk, prod, cm, value, pm, zs, v / tot_m, cs))
for city, o, mk, prod, cm, value, pm, zs, ms, cs in rows:
    c = NODE[mk]["country"]
    req = default_days(cm, c, prod)
    fd = fastest_days(o, mk, via_wh=(cm == "9810"))
    if fd > req:
        if math.ceil(fd * 1.1) <= max_days(cm, prod):
            req = math.ceil(fd * 1.1)
        else:
            DROPPED.append((o, mk, prod, cm, round(fd, 1)))
            continue
    DEMAND.append({"origin": o, "market": mk, "product": prod, "value": value, "customs_mode": cm,
                   "required_days": req, "city": city,
                   "source": TEXT["DEMAND"].format(city=city, tgt=TARGET[city] / 1e9, target_source=TARGET_SOURCE[city],
                                                   pm=pm, zs=zs, ms=ms, cs=cs)})
# re-scale to the city targets after any dropped rows
for city in TARGET:
    tot = sum(d["value"] for d in DEMAND if d["city"] == city)
    for d in DEMAND:
        if d["city"] == city:
            d["value"] *= TARGET[city] / tot
for i, d in enumerate(DEMAND, 1):
    d["id"] = f"D{i:04d}"
    d["tonnes_per_year"] = round(d["value"] / PVAL[d["product"]], 1)

# ---------------------------------------------------------------------------
# fx, parameters, waypoints
# ---------------------------------------------------------------------------
PARAMETERS = [
    (r["name"], float(r["value"]) if r["value"] else {"rail_detour_factor": RAIL_DETOUR}[r["name"]], r["unit"],
     expand(r["source"]))
    for r in PARAM_ROWS
]
WAYPOINTS = []
for key in sorted(SEGMENTS):
    for i, w in enumerate(SEGMENTS[key], 1):
        WAYPOINTS.append({"corridor": key, "seq": i, "name": w, "lat": P[w][0], "lon": P[w][1], "source": A_WP})


# ---------------------------------------------------------------------------
# Write
# ---------------------------------------------------------------------------
def fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(round(v, 4))
    return str(v)


def write(name: str, cols: list[str], rows_: list[dict]) -> None:
    with open(out_dir / name, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in rows_:
            w.writerow([fmt(r.get(c)) for c in cols])


if __name__ == "__main__":
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out_dir.mkdir(parents=True, exist_ok=True)
    write("nodes.csv", ["id", "name", "name_zh", "kind", "country", "city", "lat", "lon", "handling_cny_per_t",
                        "border_fee_cny_per_t", "dwell_h", "dwell_h_max", "source"], NODES)
    write("services.csv", ["id", "from", "to", "via", "mode", "corridor", "operator", "distance_km", "transit_h",
                           "transit_h_max", "departures_per_week", "rate_basis", "rate", "lcl_basis", "lcl_rate",
                           "units_per_departure", "currency", "price_year", "co2_g_per_tkm", "co2_source", "active",
                           "source"], SERVICES)
    write("warehouses.csv", ["node_id", "operator", "status", "public_service", "area_m2", "fixed_cost_cny_per_year",
                             "capacity_t_per_year", "handling_cny_per_t", "storage_cny_per_cbm_month", "stock_days",
                             "source"], WAREHOUSES)
    write("products.csv", ["id", "name", "name_zh", "density_kg_per_cbm", "value_cny_per_t", "notes", "source"],
          PRODUCTS)
    write("demand.csv", ["id", "origin", "market", "product", "tonnes_per_year", "customs_mode", "required_days",
                         "source"], DEMAND)
    write("fx.csv", ["currency", "cny_per_unit", "date", "source"], FX)
    write("parameters.csv", ["name", "value", "unit", "source"],
          [dict(zip(["name", "value", "unit", "source"], p, strict=True)) for p in PARAMETERS])
    write("waypoints.csv", ["corridor", "seq", "name", "lat", "lon", "source"], WAYPOINTS)

    # self-check: every demand market reachable from every origin with demand, and via a warehouse
    demand_markets = sorted({d["market"] for d in DEMAND})
    for o in FAST:
        for mk in demand_markets:
            assert mk in FAST[o], (o, mk)
    for mk in MARKETS:
        assert LM_FROM_WH[mk], mk
    print(f"nodes {len(NODES)}, services {len(SERVICES)}, warehouses {len(WAREHOUSES)}, demand {len(DEMAND)} "
          f"(dropped {len(DROPPED)}), tonnes {sum(d['tonnes_per_year'] for d in DEMAND):,.0f}")
