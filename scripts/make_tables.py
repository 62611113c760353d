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
import heapq
import math
import re
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import searoute

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


def hav(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1 = map(math.radians, a)
    la2, lo2 = map(math.radians, b)
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(h))


# ---------------------------------------------------------------------------
# Nodes: tables/nodes.csv
# ---------------------------------------------------------------------------
def opt_float(v: str) -> float | None:
    return float(v) if v else None


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
    return sum(hav(p, q) for p, q in pairwise(pts))


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
        payload = 26.5 if basis == "FEU" else 28.0
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

# --- 1. domestic road: origins -> rail ports, airports, bonded zone ---
A_ROAD = ("assumption: road km = great-circle x 1.3 detour; time = 1.5 h + km/55 km/h; FTL 6.5 CNY/vehicle-km + 300 "
          "CNY (min 800) and LTL 0.5 CNY/t-km + 40 CNY/t (min 60): current China rates unknown, CFLP 2007 FTL 0.235 / "
          "LTL 0.334 CNY/t-km (" + SRC["ROAD2007"] + ") escalated")
HUBS_ROAD = ["CN_DEY_RAILPORT", "CN_CD_RAILPORT", "CN_CTU", "CN_TFU", "CN_MIG", "CN_MY_CBZ"]


def road(frm, to, *, source=A_ROAD, detour=1.3, corridor="Sichuan road feeder", id_=None, active=1, km=None, th=None):
    km = km or hav(ll(frm), ll(to)) * detour
    th = th or 1.5 + km / 55
    svc(id_ or f"RD_{short[frm]}_{short[to]}", frm, to, "road", corridor, km, th, basis="truck",
        rate=max(800, 300 + 6.5 * km), lcl_basis="tonne", lcl_rate=max(60, 40 + 0.5 * km), year=2025,
        co2="road", active=active, source=source)


for o in ORIGINS:
    for h in HUBS_ROAD:
        road(o, h)
for h in ["CN_CTU", "CN_TFU", "CN_MIG", "CN_CD_RAILPORT", "CN_DEY_RAILPORT"]:
    road("CN_MY_CBZ", h, corridor="Mianyang CBZ bonded trucking")
for h in ["CN_CTU", "CN_TFU", "CN_MIG"]:
    road("CN_DEY_RAILPORT", h, corridor="Deyang rail port fast freight link (plan)",
         source=A_ROAD + "; link named in " + SRC["PLAN"])
road("CN_CD_RAILPORT", "CN_CHONGQING", detour=1.2, corridor="Chengdu-Chongqing expressway")

# heavy-cargo road (大件路) to the Leshan wharf
A_BIG = ("assumption: km = corridor polyline x 1.1; rate 180 CNY/t for escorted heavy haulage (price unknown); "
         "~3-day convoy Deyang-Guanghan-Qingbaijiang-Tianfu-Xinjin-Pengshan-Meishan-Jiajiang-Leshan " + SRC["BIGROAD_T"]
         + "; corridor " + SRC["BIGROAD"])
for o in ["CN_DEY_RAILPORT", "CN_DY_ETDZ", "CN_DY_JINGYANG"]:
    km = chain_km(o, "CN_LESHAN_HVY") * 1.1
    svc(f"RD_HVY_{short[o]}_LESHAN", o, "CN_LESHAN_HVY", "road", "Deyang-Leshan heavy-cargo road (大件路)", km, 55,
        th_max=72, basis="tonne", rate=180, co2="road", source=A_BIG)

# direct truck Deyang -> Qinzhou: a plan measure, not sourced as running -> inactive
km = 1650
svc("RD_DEYRP_QINZHOU_DIRECT", "CN_DEY_RAILPORT", "CN_QINZHOU", "road", "Deyang-Qinzhou direct truck (plan)", km, 36,
    th_max=48, basis="truck", rate=300 + 6.0 * km, lcl_basis="tonne", lcl_rate=40 + 0.45 * km, co2="road", active=0,
    source="assumption: the plan asks for direct trucks Deyang-Qinzhou (" + SRC["PLAN"] + ") but none is sourced as running "
    "(domain_facts §3b: unknown), so inactive; km from Chengdu-Beihai highway 1,709 km (" + SRC["CD_BEIHAI"] + ") less "
    "newer alignments; 36 h with two drivers; FTL 6.0 CNY/vehicle-km + 300")

# cross-border trucks
svc("RD_CHONGQING_HANOI", "CN_CHONGQING", "VN_HANOI", "road", "China-Vietnam cross-border trucking", 1400, 48,
    via=("CN_PINGXIANG",), th_max=72, basis="truck", rate=14000, lcl_basis="tonne", lcl_rate=700, co2="road",
    source="assumption: ~1,400 km / ~48 h Chongqing-Hung Yen via Longbang (" + SRC["CQ_HY"] + ") used for the Youyiguan "
    "(Pingxiang) crossing; rate 10 CNY/vehicle-km incl. border handling, unknown")
svc("RD_CDRP_HANOI", "CN_CD_RAILPORT", "VN_HANOI", "road", "China-Vietnam cross-border trucking", 1750, 60,
    via=("CN_PINGXIANG",), th_max=84, basis="truck", rate=17000, lcl_basis="tonne", lcl_rate=850, co2="road",
    source="assumption: Chengdu proxy of Chongqing-Hung Yen ~1,400 km / 48 h (" + SRC["CQ_HY"] + ") plus ~350 km; GMS CBTA "
    "direct trucking since 2025 (http://www.foxdict.com.cn/news/china-vietnam-direct-road-freight-route-launched-"
    "boosting-cross-border-connectivity.html); rate 10 CNY/vehicle-km, unknown")
svc("RD_CHONGQING_VIENTIANE", "CN_CHONGQING", "LA_VIENTIANE", "road", "China-Laos cross-border trucking", 2800, 96,
    via=("CN_MOHAN",), th_max=120, basis="truck", rate=26000, lcl_basis="tonne", lcl_rate=1300, co2="road",
    source="assumption: rate ~9.3 CNY/vehicle-km unknown; ~2,800 km / 4 days Chongqing-Vientiane via Mohan from "
    + SRC["CQ_VTE"])

# --- 2. domestic rail, river ---
svc("RL_DEYRP_CDRP", "CN_DEY_RAILPORT", "CN_CD_RAILPORT", "rail", "Deyang-Chengdu two-port integration (两港一体化)",
    hav(ll("CN_DEY_RAILPORT"), ll("CN_CD_RAILPORT")) * 1.4, 6, th_max=12, dep=14, basis="FEU", rate=600,
    lcl_basis="tonne", lcl_rate=40, units=50, co2="rail_cn",
    source="assumption: 14 shuttles/week and 600 CNY/FEU (NDRC 2008 tariff 429.8 CNY + 1.6374 CNY/box-km " + SRC["RAIL2008"]
    + ", superseded) assumed; km = great-circle x 1.4; integrated operation per " + SRC["DYQZ"])
for dst, hrs, corr in [("CN_SHANGHAI", 96, "Chengdu-Shanghai rail (comparison)"),
                       ("CN_SHENZHEN", 96, "Chengdu-Shenzhen rail (comparison)"),
                       ("CN_CHONGQING", 12, "Chengdu-Chongqing rail")]:
    km = chain_km("CN_CD_RAILPORT", dst) * RAIL_DETOUR
    svc(f"RL_CDRP_{short[dst]}", "CN_CD_RAILPORT", dst, "rail", corr, km, hrs, th_max=hrs * 1.5,
        dep=14 if dst == "CN_CHONGQING" else 7, basis="FEU", rate=round((429.8 + 1.6374 * km) * 1.15, -1),
        lcl_basis="tonne", lcl_rate=round(40 + 0.11 * km), units=50, co2="rail_cn",
        source="assumption: current container rail tariff unknown; NDRC 2008 40-ft tariff 429.8 CNY + 1.6374 CNY/box-km ("
        + SRC["RAIL2008"] + ") +15%; km = waypoint polyline x rail detour; time and frequency assumed")
km = chain_km("CN_LESHAN_HVY", "CN_SHANGHAI") * 1.05
svc("RV_LESHAN_SHANGHAI", "CN_LESHAN_HVY", "CN_SHANGHAI", "river", "Minjiang-Yangtze oversize cargo (Deyang-Leshan "
    "corridor)", km, 336, th_max=480, dep=1, basis="tonne", rate=260, co2="river",
    source="assumption: km = river polyline x 1.05; ~14 days downstream, weekly, 260 CNY/t for heavy lifts assumed; "
    "3,000-t ships Leshan-Shanghai per " + SRC["LESHAN"])

# --- 3. rail-sea to Qinzhou (Western Land-Sea Corridor) ---
A_RS_RATE = ("rail-sea price Deyang/Chengdu-Qinzhou unknown (domain_facts §3a): 5,500 CNY/FEU assumed from the NDRC 2008 "
             "tariff (~3,200 CNY/FEU at 1,700 km, " + SRC["RAIL2008"] + ") plus corridor/port-entry charges; LCL 160 CNY/wm")
svc("RS_DEYRP_QINZHOU", "CN_DEY_RAILPORT", "CN_QINZHOU", "rail_sea", "Western Land-Sea Corridor (蓉欧+ ASEAN train)",
    1700, 88, th_max=110, dep=1, basis="FEU", rate=5500, lcl_basis="wm", lcl_rate=160, units=50, co2="rail_cn",
    source="assumption: " + A_RS_RATE + "; ~1,700 km, ~88 h, weekly, 50 containers from " + SRC["DYQZ"])
svc("RS_CDRP_QINZHOU", "CN_CD_RAILPORT", "CN_QINZHOU", "rail_sea", "Western Land-Sea Corridor", 1660, 72, th_max=88,
    dep=7, basis="FEU", rate=5400, lcl_basis="wm", lcl_rate=155, units=50, co2="rail_cn",
    source="assumption: " + A_RS_RATE + "; 7 trains/week assumed; km = Deyang 1,700 km less the Deyang-Chengdu leg; 60 h "
    "test run (https://en.jiagle.com/furniture-news-global/1095402.html) to 88 h (" + SRC["DYQZ"] + ")")
svc("RS_CHONGQING_QINZHOU", "CN_CHONGQING", "CN_QINZHOU", "rail_sea", "Western Land-Sea Corridor",
    chain_km("CN_CHONGQING", "CN_QINZHOU") * RAIL_DETOUR, 48, th_max=60, dep=3, basis="FEU", rate=4800,
    lcl_basis="wm", lcl_rate=140, units=50, co2="rail_cn",
    source="assumption: rate as for Chengdu scaled by distance, km = polyline x rail detour; 2 days rail, 3 trains/week "
    "(" + SRC["CQ_QZ"] + ")")

# --- 4. CR Express through services ---
CRX: list[tuple] = []
A_EU_RATE = ("Chengdu-specific tariff unknown; 2024 China-Europe FEU benchmark USD 6,000-7,000 (" + SRC["RATE24"] + "), "
             "southern China-Hamburg/Duisburg >9,000 in May 2024 (" + SRC["RATE24B"] + ")")
A_RU_RATE = "China-Russia FEU ~USD 8,000 in Mar 2022 (" + SRC["RU_RATE"] + "), assumed lower since"
A_CA_RATE = "Central Asia FEU rate unknown; scaled from the Europe benchmark by distance (" + SRC["RATE24"] + ")"
ALA_MAL = ("CN_ALASHANKOU", "PL_MALASZEWICZE")
KHG_MAL = ("CN_KHORGOS", "PL_MALASZEWICZE")
# (dst, via, corridor tag, km or None (computed), total days, max days, dep/week CD, dep/week DEY, USD/FEU, units, src)
CRX_TABLE = [
    ("PL_LODZ", ALA_MAL, "Alashankou", 9900, 14, 16, 7, 1.0, 6500, 41,
     f"km 9,826-9,965 and 12-15 days ({SRC['LODZ_2019']}; {SRC['LODZ_2016']}); 41 containers ({SRC['LODZ_2019']}); Deyang-Lodz "
     f"regular since 2022 ({SRC['DY_LODZ']})"),
    ("DE_DUISBURG", ALA_MAL, "Alashankou", None, 16, 19, 3, None, 7000, 41,
     f"14 days to DE/NL ({SRC['DE_NL']}), DHL 2024 T2T 18-20 days to Germany (https://index1520.com/en/analytics/obzor-rynka-"
     "zheleznodorozhnykh-perevozok-yanvar-2024/)"),
    ("NL_TILBURG", ALA_MAL, "Alashankou", 10947, 15, 18, 3, 0.25, 7000, 41,
     f"10,947 km, ~15 days ({SRC['TILBURG']}); Tilburg in the Deyang network ({SRC['DYNET']})"),
    ("DE_NUREMBERG", ALA_MAL, "Alashankou", None, 15, 18, 2, 0.25, 7000, 41,
     f"15 days, weekly Hellmann Rail Eurasia ({SRC['NUREMBERG']}); Nuremberg in the Deyang network ({SRC['DYNET']})"),
    ("DE_HAMBURG_RAIL", ALA_MAL, "Alashankou", None, 16, 20, 2, None, 7000, 41,
     f"DHL 2024 T2T 18-20 days to Germany (https://index1520.com/en/analytics/obzor-rynka-zheleznodorozhnykh-"
     f"perevozok-yanvar-2024/); 14 days DE/NL in 2016 ({SRC['DE_NL']})"),
    ("HU_BUDAPEST", ALA_MAL, "Alashankou", None, 13, 16, 1, None, 6800, 41,
     f"Chongqing-Budapest ~11 days via Alashankou-KZ-PL-CZ-SK, proxy ({SRC['BUD']})"),
    ("RU_MOSCOW", ("CN_ALASHANKOU",), "Alashankou", None, 12, 15, 3, 0.5, 5500, 41,
     f"proxy Xiamen-Moscow 10,900 km in 13-14 days ({SRC['MOW_PROXY']}); Russia in the Deyang network ({SRC['DYNET']})"),
    ("RU_STPETERSBURG", ("CN_ALASHANKOU",), "Alashankou", None, 16, 22, 1, None, 5800, 41,
     f"first Chengdu-St Petersburg train 22 days in 2021 ({SRC['SPB']})"),
    ("KZ_ALMATY", ("CN_ALASHANKOU",), "Alashankou", None, 8, 10, 3, 0.25, 3000, 41,
     f"Chengdu-Almaty 8 days ({SRC['ALMATY']}); Alashankou-Almaty 580 km (https://wiki-gateway.eudic.net/wikipedia_en/"
     "Alashankou.html)"),
    ("KZ_ALMATY", ("CN_KHORGOS",), "Khorgos", None, 8, 10, 2, None, 3000, 41, f"Chengdu-Almaty 8 days ({SRC['ALMATY']})"),
    ("UZ_TASHKENT", ("CN_KHORGOS",), "Khorgos", 4800, 10, 12, 1, 0.25, 3800, 47,
     f"4,800 km, ~10 days, fixed schedule on Sundays, 47 wagons ({SRC['TASHKENT']})"),
    ("PL_LODZ", KHG_MAL, "Khorgos", None, 15, 18, 2, None, 6500, 41, f"time scaled from Chengdu-Lodz ({SRC['LODZ_2019']})"),
    ("DE_DUISBURG", KHG_MAL, "Khorgos", None, 17, 20, 1, None, 7000, 41, f"time scaled from Chengdu-DE ({SRC['DE_NL']})"),
    ("RU_MOSCOW", ("CN_ERENHOT",), "Erenhot", None, 14, 18, 1, None, 5500, 41,
     "central route from Chengdu: km and days unknown (domain_facts §2a); route labels "
     "https://www.tongyibg.com/waimaowenda/zhongoubanlie12/15989.html"),
    ("PL_LODZ", ("CN_ERENHOT", "PL_MALASZEWICZE"), "Erenhot", None, 17, 21, 1, None, 6700, 41,
     "central route from Chengdu: km and days unknown (domain_facts §2a)"),
    ("RU_MOSCOW", ("CN_MANZHOULI",), "Manzhouli", None, 16, 20, 1, None, 5700, 41,
     f"eastern route from Chengdu: km and days unknown; Beijing-Moscow ~9,000 km 18 days proxy ({SRC['BJ_MOW']})"),
    ("DE_DUISBURG", ("CN_MANZHOULI", "PL_MALASZEWICZE"), "Manzhouli", None, 20, 25, 0.5, None, 7300, 41,
     "eastern route from Chengdu: km and days unknown (domain_facts §2a)"),
]
for dst, via, tag, km0, days, days_max, dep_cd, dep_dy, usd, units, src in CRX_TABLE:
    for frm, dep, extra_h, extra_usd in [("CN_CD_RAILPORT", dep_cd, 0, 0), ("CN_DEY_RAILPORT", dep_dy, 12, 100)]:
        if dep is None:
            continue
        chain = [frm, *via, dst]
        km = (km0 + (40 if frm == "CN_DEY_RAILPORT" else 0)) if km0 else path_km(chain) * RAIL_DETOUR
        dw = via_dwell(via)
        th = days * 24 + extra_h - dw
        th_max = days_max * 24 + extra_h - dw
        rate_part = A_EU_RATE if dst[:2] in ("PL", "DE", "NL", "HU") else (A_RU_RATE if dst[:2] == "RU" else A_CA_RATE)
        km_part = "km sourced" if km0 else f"km = waypoint polyline x {RAIL_DETOUR} (calibrated on Chengdu-Lodz 9,900 km)"
        deyang = ("; Deyang trains couple at Chengdu (+12 h, +USD 100), Deyang ~2.3 international trains/week in "
                  "Jan-May 2022 (" + SRC["DYNET"] + ")") if frm == "CN_DEY_RAILPORT" else \
                 ("; Chengdu ~30 trains/week in total (" + SRC["CDFREQ"] + ") split by destination")
        operator = "DB Cargo Eurasia" if (frm == "CN_DEY_RAILPORT" and dst == "PL_LODZ") else "Chengdu International Railway Port (CR Express)"
        svc(f"CRX_{'CDRP' if frm == 'CN_CD_RAILPORT' else 'DEYRP'}_{short[dst]}_{tag.upper()[:3]}", frm, dst,
            "cr_express", f"CR Express via {tag}", km, th, via=via, operator=operator, th_max=th_max, dep=dep,
            basis="FEU", rate=usd + extra_usd, lcl_basis="wm", lcl_rate=round((usd + extra_usd) / 67 * 2),
            units=units, cur="USD", year=2024, co2="rail_intl",
            source=f"assumption: {rate_part}, scaled by distance; LCL = 2x the FEU rate per cbm; departures assumed"
            f"{deyang}; {km_part}; total {days} days incl. border dwell: {src}")
# Chongqing trains (alternative hub)
for dst, days, dep, usd, units, src in [
    ("HU_BUDAPEST", 11, 1, 6800, 41, f"fixed-schedule Chongqing-Budapest ~11 days ({SRC['BUD']})"),
    ("DE_DUISBURG", 16, 3, 7000, 55, f"Chongqing-Duisburg 55 containers ({SRC['DUIS_55']})"),
]:
    chain = ["CN_CHONGQING", *ALA_MAL, dst]
    km = path_km(chain) * RAIL_DETOUR
    th = days * 24 - via_dwell(ALA_MAL)
    svc(f"CRX_CHONGQING_{short[dst]}_ALA", "CN_CHONGQING", dst, "cr_express", "CR Express via Alashankou", km, th,
        via=ALA_MAL, operator="Chongqing Yuxinou (CR Express)", th_max=th + 72, dep=dep, basis="FEU", rate=usd,
        lcl_basis="wm", lcl_rate=round(usd / 67 * 2), units=units, cur="USD", year=2024, co2="rail_intl",
        source=f"assumption: {A_EU_RATE}; departures assumed; km = polyline x {RAIL_DETOUR}; {src}")

# --- 5. ASEAN trains ---
svc("RL_CDRP_VIENTIANE_MOH", "CN_CD_RAILPORT", "LA_VIENTIANE", "rail", "China-Laos railway", 2150, 60,
    via=("CN_MOHAN",), operator="China-Laos Railway", th_max=108, dep=1, basis="FEU", rate=2600, lcl_basis="wm",
    lcl_rate=80, units=40, cur="USD", year=2025, co2="rail_cn",
    source="assumption: rate unknown (USD 2,600/FEU scaled from domestic tariff + border), 40 FEU/train assumed; "
    "km = Chengdu-Kunming ~1,100 + Kunming-Vientiane 1,035 (https://www.gnlm.com.mm/a-visit-to-mohan-railway-station-"
    f"the-start-of-the-china-laos-railway/); 'no more than three days' ({SRC['LAOS']}); weekly since June 2025 "
    f"({SRC['LAOS_WEEKLY']}); max 5 days (Chongqing proxy {SRC['LAOS_CQ']})")
km = chain_km("CN_CD_RAILPORT", "CN_PINGXIANG") * 1.1 + chain_km("CN_PINGXIANG", "VN_HANOI") * 1.1
svc("RL_CDRP_HANOI_PXG", "CN_CD_RAILPORT", "VN_HANOI", "rail", "China-Vietnam rail via Pingxiang", km, 96,
    via=("CN_PINGXIANG",), operator="Chengdu International Railway Port", th_max=144, dep=1, basis="FEU", rate=2400,
    lcl_basis="wm", lcl_rate=75, units=40, cur="USD", year=2025, co2="rail_cn",
    source="assumption: rate unknown (USD 2,400/FEU), weekly assumed, km = polyline x 1.1; 5-7 days, 40 containers, "
    f"first train Apr 2022 ({SRC['HANOI']})")

# --- 6. sea ---
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


T_QZ = ("Qinzhou-specific days unknown (domain_facts §3d): China-origin range + 1-2 days for the Beibu Gulf "
        "feeder/first call, per " + SRC["SEA_TIMES"])
R_SEA_EU = "Drewry WCI Shanghai-Rotterdam USD 2,392, -Genoa 3,071 per FEU (" + SRC["WCI_2504"] + ")"
R_SEA_US = "Drewry WCI Shanghai-Los Angeles USD 2,815, -New York 3,976 per FEU (" + SRC["WCI_2504"] + ")"
R_SEA_AS = ("SCFI wk 14 2024 SE Asia USD 283/TEU, Japan 296-302/TEU, Korea 155/TEU, Middle East Gulf 1,894/TEU (" + SRC["SCFI_W14"]
            + "), FEU = 1.8 x TEU")
LCL_SRC = "LCL China-US USD 15-60/cbm (" + SRC["LCL"] + ")"
# (from, to, days, dep/week, USD/FEU, price year, LCL USD/wm, rate source, time source)
SEA_TABLE = [
    ("CN_QINZHOU", "SG_SIN", 6, 7, 510, 2024, 30, R_SEA_AS, "Qinzhou-Singapore ~6 days (" + SRC["CQ_QZ"] + "); ~22 ships/week "
     "Beibu Gulf-ASEAN in 2016 (" + SRC["BEIBU_ME"] + ")"),
    ("CN_QINZHOU", "MY_PKG", 7, 4, 510, 2024, 30, R_SEA_AS, T_QZ),
    ("CN_QINZHOU", "TH_LCH", 6, 3, 510, 2024, 30, R_SEA_AS, T_QZ + "; Shanghai-Bangkok 5 days"),
    ("CN_QINZHOU", "VN_SGN", 4, 4, 510, 2024, 30, R_SEA_AS, T_QZ + "; Fangchenggang-HCMC 800 nm "
     "(https://mylot.com/post/322832/guangxi-introduction)"),
    ("CN_QINZHOU", "VN_HPH", 2, 5, 400, 2024, 25, R_SEA_AS + "; short feeder discounted", T_QZ + "; Fangchenggang-Hai Phong "
     "150 nm (https://mylot.com/post/322832/guangxi-introduction)"),
    ("CN_QINZHOU", "ID_JKT", 8, 3, 510, 2024, 30, R_SEA_AS, T_QZ),
    ("CN_QINZHOU", "PH_MNL", 5, 2, 510, 2024, 30, R_SEA_AS, T_QZ),
    ("CN_QINZHOU", "HK_HKG", 2, 7, 400, 2024, 25, R_SEA_AS + "; short feeder", T_QZ),
    ("CN_QINZHOU", "TW_KHH", 3, 3, 450, 2024, 25, R_SEA_AS, T_QZ),
    ("CN_QINZHOU", "JP_TYO", 7, 2, 540, 2024, 30, R_SEA_AS, T_QZ + "; Qinzhou Japan fast line (" + SRC["DYQZ"] + ")"),
    ("CN_QINZHOU", "JP_OSA", 6, 2, 530, 2024, 30, R_SEA_AS, T_QZ + "; Qinzhou Japan fast line (" + SRC["DYQZ"] + ")"),
    ("CN_QINZHOU", "KR_PUS", 6, 2, 280, 2024, 25, R_SEA_AS, T_QZ),
    ("CN_QINZHOU", "AE_JEA", 18, 2, 3400, 2024, 60, R_SEA_AS, T_QZ + "; Beibu Gulf-Middle East line since 2016 ("
     + SRC["BEIBU_ME"] + ")"),
    ("CN_QINZHOU", "IN_NSA", 16, 2, 1600, 2025, 50, "India lane rate unknown, assumed between SE Asia and Middle East",
     T_QZ + "; Qinzhou India-Pakistan line (" + SRC["DYQZ"] + ")"),
    ("CN_QINZHOU", "NL_RTM", 34, 2, 2400, 2025, 70, R_SEA_EU, T_QZ + "; China-NW Europe 28-35 days"),
    ("CN_QINZHOU", "DE_HAM", 35, 2, 2450, 2025, 70, R_SEA_EU, T_QZ + "; China-NW Europe 28-35 days"),
    ("CN_QINZHOU", "PL_GDN", 38, 1, 2600, 2025, 75, R_SEA_EU + " + Baltic feeder", T_QZ + "; NW Europe + Baltic call"),
    ("CN_QINZHOU", "IT_GOA", 31, 1, 3100, 2025, 80, R_SEA_EU, T_QZ + "; China-Mediterranean 30-38 days"),
    ("CN_QINZHOU", "GB_FXT", 34, 1, 2450, 2025, 70, R_SEA_EU, T_QZ + "; China-NW Europe 28-35 days"),
    ("CN_QINZHOU", "US_LAX", 19, 3, 2850, 2025, 55, R_SEA_US, T_QZ + "; China-USWC standard 15-18 days"),
    ("CN_QINZHOU", "US_NYC", 32, 2, 4000, 2025, 60, R_SEA_US, T_QZ + "; China-USEC 25-30 days direct"),
    ("CN_QINZHOU", "AU_SYD", 17, 2, 1500, 2025, 45, "Australia lane rate unknown", T_QZ + "; China-Australia 12-18 days"),
    ("CN_SHANGHAI", "NL_RTM", 32, 7, 2392, 2025, 65, R_SEA_EU, "China-NW Europe 28-35 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHANGHAI", "DE_HAM", 33, 5, 2400, 2025, 65, R_SEA_EU, "China-NW Europe 28-35 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHANGHAI", "IT_GOA", 30, 3, 3071, 2025, 75, R_SEA_EU, "China-Mediterranean 30-38 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHANGHAI", "US_LAX", 16, 10, 2815, 2025, 50, R_SEA_US, "China-USWC standard 15-18 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHANGHAI", "US_NYC", 30, 5, 3976, 2025, 55, R_SEA_US, "China-USEC 25-30 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHANGHAI", "JP_TYO", 3, 14, 540, 2024, 25, R_SEA_AS, "assumption: ~2,000 km, 3 days"),
    ("CN_SHENZHEN", "NL_RTM", 30, 7, 2392, 2025, 65, R_SEA_EU, "China-NW Europe 28-35 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHENZHEN", "DE_HAM", 31, 5, 2400, 2025, 65, R_SEA_EU, "China-NW Europe 28-35 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHENZHEN", "US_LAX", 16, 10, 2815, 2025, 50, R_SEA_US, "China-USWC standard 15-18 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHENZHEN", "US_NYC", 30, 5, 3976, 2025, 55, R_SEA_US, "China-USEC 25-30 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHENZHEN", "SG_SIN", 3, 14, 510, 2024, 25, R_SEA_AS, "Shenzhen-Singapore 3 days (" + SRC["SEA_TIMES"] + ")"),
    ("CN_SHENZHEN", "AE_JEA", 16, 5, 3400, 2024, 60, R_SEA_AS, "assumption: Singapore 3 days + ~13 days to the Gulf"),
]
CAPE_KM_PER_DAY = 667.0  # 15 knots
for frm, to, days, dep, usd, yr, lcl, rsrc, tsrc in SEA_TABLE:
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
        source=f"assumption: departures assumed; LCL per wm assumed ({LCL_SRC}); km = searoute 1.6 (computed); "
        f"rate: {rsrc}; days: {tsrc}")
    if "EG_SUEZ" in via:
        kmc, viac = sea_route(frm, to, cape=True)
        extra_days = round((kmc - km) / CAPE_KM_PER_DAY)
        thc = (days + extra_days) * 24 - via_dwell(viac)
        svc(f"SEA_{short[frm]}_{short[to]}_CAPE", frm, to, "sea", "Asia-Europe via Cape of Good Hope" +
            (" (Western Land-Sea Corridor)" if frm == "CN_QINZHOU" else ""), kmc, thc, via=viac, th_max=thc + 5 * 24,
            dep=dep, basis="FEU", rate=round(usd * 1.25), lcl_basis="wm", lcl_rate=round(lcl * 1.25), cur="USD",
            year=yr, co2="sea_deep", active=0,
            source=f"assumption: Red Sea diversion alternative, inactive in the base network; +{extra_days} days from "
            f"searoute km at 15 kn (Red Sea diversion '+~10 days' {SRC['RATE24']}); rate +25% over the Suez rate ({rsrc}); "
            "km = searoute 1.6 with babalmandab, suez and panama closed (computed)")

# --- 7. air ---
# (dst airport, USD/kg, CTU dep/week, TFU dep/week or None)
R_AIR_EU = f"China-Europe spot USD 5.52/kg Dec 2024 ({SRC['AIR_DEC24']}), ~3.52 post-peak ({SRC['AIR_POST']})"
R_AIR_US = f"China-US spot USD 6.83/kg Dec 2024 ({SRC['AIR_DEC24']}), ~6.26 post-peak ({SRC['AIR_POST']})"
R_AIR_AS = f"intra-Asia lane rates unknown; APAC average spot USD 4.86/kg Dec 2024 ({SRC['AIR_DEC24']}) scaled down for short haul"
AIR_TABLE = [
    ("DE_APT_FRA", 4.2, 3, 3, R_AIR_EU), ("BE_APT_LGG", 4.0, 2, 2, R_AIR_EU), ("HU_APT_BUD", 4.2, 2, None, R_AIR_EU),
    ("PL_APT_WAW", 4.1, 2, None, R_AIR_EU), ("FR_APT_CDG", 4.3, 2, None, R_AIR_EU),
    ("US_APT_LAX", 5.8, 3, 3, R_AIR_US), ("US_APT_ORD", 6.2, 2, None, R_AIR_US), ("US_APT_JFK", 6.3, 2, 2, R_AIR_US),
    ("JP_APT_NRT", 2.2, 7, 5, R_AIR_AS), ("JP_APT_KIX", 2.1, 5, None, R_AIR_AS), ("KR_APT_ICN", 2.0, 7, 5, R_AIR_AS),
    ("HK_APT_HKG", 1.6, 14, 14, R_AIR_AS), ("TW_APT_TPE", 2.0, 7, None, R_AIR_AS), ("SG_APT_SIN", 2.4, 7, 5, R_AIR_AS),
    ("TH_APT_BKK", 2.2, 7, None, R_AIR_AS), ("MY_APT_KUL", 2.3, 5, None, R_AIR_AS), ("ID_APT_CGK", 2.6, 3, None, R_AIR_AS),
    ("VN_APT_SGN", 2.0, 5, None, R_AIR_AS), ("PH_APT_MNL", 2.4, 3, None, R_AIR_AS),
    ("AE_APT_DXB", 3.0, 5, 3, "Middle East lane rate unknown; between Asia and Europe levels (" + SRC["AIR_DEC24"] + ")"),
    ("IN_APT_BOM", 2.8, 2, None, "India lane rate unknown (" + SRC["AIR_DEC24"] + ")"),
    ("AU_APT_SYD", 3.5, 3, None, "Australia lane rate unknown (" + SRC["AIR_DEC24"] + ")"),
    ("KZ_APT_ALA", 3.0, 3, None, "Central Asia air rate unknown"),
    ("RU_APT_SVO", 3.8, 3, None, "China-Russia air rate unknown; below China-Europe"),
]
for dst, usd, dep_ctu, dep_tfu, rsrc in AIR_TABLE:
    for frm, dep in [("CN_CTU", dep_ctu), ("CN_TFU", dep_tfu)]:
        if dep is None:
            continue
        gc = hav(ll(frm), ll(dst))
        th = gc / 800 + 1.0 + (4.0 if dst.startswith("US_") else 0.0)
        svc(f"AIR_{short[frm]}_{short[dst].replace('APT_', '')}", frm, dst, "air",
            "Chengdu air hub (CTU/TFU)", gc + 95, th, th_max=th + 24, dep=dep, basis="kg", rate=usd, cur="USD",
            year=2025, co2="air_long" if gc > 1500 else "air_short",
            source=f"assumption: Chengdu-origin rates unknown (domain_facts §4b): {rsrc}; departures/week assumed "
            f"(>30 international all-cargo routes, 2024 freighters to Frankfurt, Liege, Warsaw, Paris: {SRC['CTU_ROUTES']}); "
            "km = great-circle + 95 km (GLEC air rule, anchors.md (d)); time = km/800 + 1 h"
            + (" + 4 h Anchorage stop" if dst.startswith("US_") else ""))
gc = hav(ll("CN_MIG"), ll("HK_APT_HKG"))
svc("AIR_MIG_HKG", "CN_MIG", "HK_APT_HKG", "air", "Mianyang international air route (plan)", gc + 95, gc / 800 + 1,
    dep=2, basis="kg", rate=1.8, cur="USD", year=2025, co2="air_short", active=0,
    source="assumption: the plan calls for new international air routes from Mianyang (" + SRC["PLAN"] + "), but no "
    "international cargo at MIG was found (" + SRC["MIG"] + "), so inactive; rate CTU-HKG +0.2 USD/kg")

# --- 8. drayage: foreign gateways -> warehouses ---
WH_GATEWAYS = {
    "US_WH_LA": ["US_LAX", "US_APT_LAX"], "US_WH_NJ": ["US_NYC", "US_APT_JFK"],
    "US_WH_CHICAGO": ["US_APT_ORD", "US_NYC", "US_LAX"],
    "DE_WH_DUISBURG": ["DE_DUISBURG", "NL_RTM", "NL_TILBURG", "BE_APT_LGG", "DE_APT_FRA"],
    "DE_WH_NUREMBERG": ["DE_NUREMBERG", "DE_HAM", "DE_APT_FRA"],
    "DE_WH_HAMBURG": ["DE_HAMBURG_RAIL", "DE_HAM", "DE_APT_FRA"],
    "DE_WH_FRANKFURT": ["DE_APT_FRA", "DE_DUISBURG", "NL_RTM", "DE_NUREMBERG"],
    "NL_WH_TILBURG": ["NL_TILBURG", "NL_RTM", "DE_DUISBURG", "BE_APT_LGG"],
    "PL_WH_LODZ": ["PL_LODZ", "PL_GDN", "PL_APT_WAW"], "PL_WH_WARSAW": ["PL_LODZ", "PL_APT_WAW", "PL_GDN"],
    "HU_WH_BUDAPEST": ["HU_BUDAPEST", "HU_APT_BUD"],
    "RU_WH_MOSCOW": ["RU_MOSCOW", "RU_STPETERSBURG", "RU_APT_SVO"],
    "KZ_WH_ALMATY": ["KZ_ALMATY", "KZ_APT_ALA"], "UZ_WH_TASHKENT": ["UZ_TASHKENT"],
    "AE_WH_DUBAI": ["AE_JEA", "AE_APT_DXB"],
    "VN_WH_HANOI": ["VN_HANOI", "VN_HPH"], "VN_WH_HCMC": ["VN_SGN", "VN_APT_SGN"],
    "TH_WH_BANGKOK": ["TH_LCH", "TH_APT_BKK", "LA_VIENTIANE"], "MY_WH_KL": ["MY_PKG", "MY_APT_KUL"],
    "SG_WH_SINGAPORE": ["SG_SIN", "SG_APT_SIN"], "ID_WH_JAKARTA": ["ID_JKT", "ID_APT_CGK"],
    "PH_WH_MANILA": ["PH_MNL", "PH_APT_MNL"],
    "JP_WH_TOKYO": ["JP_TYO", "JP_APT_NRT"], "JP_WH_OSAKA": ["JP_OSA", "JP_APT_KIX"],
    "KR_WH_INCHEON": ["KR_PUS", "KR_APT_ICN"], "HK_WH_HK": ["HK_HKG", "HK_APT_HKG"],
    "TW_WH_TAOYUAN": ["TW_KHH", "TW_APT_TPE"], "AU_WH_SYDNEY": ["AU_SYD", "AU_APT_SYD"],
    "IN_WH_MUMBAI": ["IN_NSA", "IN_APT_BOM"], "LA_WH_VIENTIANE": ["LA_VIENTIANE"],
}
HIGH_COST = {"US", "DE", "NL", "BE", "FR", "IT", "ES", "GB", "JP", "KR", "HK", "SG", "AU", "AE", "SA"}
MID_COST = {"PL", "CZ", "HU", "TW", "RU"}


def cost_mult(country: str) -> float:
    return 1.0 if country in HIGH_COST else 0.7 if country in MID_COST else 0.45


A_DRAY = ("assumption: container cartage ~USD 550 per box (Dec 2020, " + SRC["CARTAGE"] + ") for <=50 km, +USD 1.5/km "
          "beyond, x{m} regional cost factor; LCL = box rate / 12 per t; km = great-circle x 1.3; time = 4 h + km/60")
A_DRAY_AIR = ("assumption: airport-to-warehouse trucking USD 60/t + 0.12 USD/t-km, x{m} regional cost factor; "
              "km = great-circle x 1.3; time = 4 h + km/60")
for wh, gws in WH_GATEWAYS.items():
    for gw in gws:
        km = max(15.0, hav(ll(gw), ll(wh)) * 1.3)
        m = cost_mult(NODE[wh]["country"])
        th = 4 + km / 60
        if NODE[gw]["kind"] == "airport":
            svc(f"DR_{short[gw]}_{short[wh]}", gw, wh, "road", "Drayage to overseas warehouse", km, th, basis="tonne",
                rate=round((60 + 0.12 * km) * m, 1), cur="USD", year=2025, co2="road",
                source=A_DRAY_AIR.format(m=m))
        else:
            box = (550 + 1.5 * max(0.0, km - 50)) * m
            svc(f"DR_{short[gw]}_{short[wh]}", gw, wh, "road", "Drayage to overseas warehouse", km, th, basis="FEU",
                rate=round(box), lcl_basis="tonne", lcl_rate=round(box / 12, 1), cur="USD", year=2025, co2="road",
                source=A_DRAY.format(m=m))

# --- 8b. hinterland links into rail terminals (so a quote to a terminal sees every mode) ---
A_HINTER = ("assumption: port/airport hinterland link into an inland terminal; container cartage ~USD 550 per "
            "box (Dec 2020, " + SRC["CARTAGE"] + ") for <=50 km, +USD 1.5/km beyond, x{m} regional cost factor; "
            "km = great-circle x 1.3; rail shuttle {dep}/week, time = 8 h + km/40")
for gw, term, mode in (("NL_RTM", "DE_DUISBURG", "rail"), ("DE_APT_FRA", "DE_DUISBURG", "road"),
                       ("BE_APT_LGG", "DE_DUISBURG", "road"), ("DE_HAM", "DE_HAMBURG_RAIL", "road")):
    if gw not in NODE or term not in NODE:
        continue
    km = max(15.0, hav(ll(gw), ll(term)) * 1.3)
    m = cost_mult(NODE[term]["country"])
    box = (550 + 1.5 * max(0.0, km - 50)) * m
    if mode == "rail":
        svc(f"HL_{short[gw]}_{short[term]}", gw, term, "rail", "Rhine hinterland rail shuttle", km,
            8 + km / 40, dep=10, basis="FEU", rate=round(box * 0.8), lcl_basis="tonne",
            lcl_rate=round(box * 0.8 / 12, 1), cur="USD", year=2025, co2="rail_intl",
            source=A_HINTER.format(m=m, dep=10))
    elif NODE[gw]["kind"] == "airport":
        svc(f"HL_{short[gw]}_{short[term]}", gw, term, "road", "Airport trucking to terminal", km, 4 + km / 60,
            basis="tonne", rate=round((60 + 0.12 * km) * m, 1), cur="USD", year=2025, co2="road",
            source=A_DRAY_AIR.format(m=m))
    else:
        svc(f"HL_{short[gw]}_{short[term]}", gw, term, "road", "Port cartage to terminal", km, 4 + km / 60,
            basis="FEU", rate=round(box), lcl_basis="tonne", lcl_rate=round(box / 12, 1), cur="USD",
            year=2025, co2="road", source=A_DRAY.format(m=m))

# --- 9. last mile: warehouses -> markets ---
WH_MARKETS = {
    "US_WH_LA": ["US_MKT_WEST", "US_MKT_SOUTH", "US_MKT_CENTRAL"],
    "US_WH_NJ": ["US_MKT_EAST", "US_MKT_SOUTHEAST", "US_MKT_CENTRAL"],
    "US_WH_CHICAGO": ["US_MKT_CENTRAL", "US_MKT_EAST", "US_MKT_SOUTH", "US_MKT_SOUTHEAST"],
    "DE_WH_DUISBURG": ["DE_MKT_WEST", "NL_MKT", "BE_MKT", "FR_MKT", "DE_MKT_NORTH", "GB_MKT"],
    "DE_WH_NUREMBERG": ["DE_MKT_SOUTH", "CZ_MKT", "IT_MKT_NORTH", "DE_MKT_WEST", "HU_MKT"],
    "DE_WH_HAMBURG": ["DE_MKT_NORTH", "DE_MKT_WEST", "PL_MKT"],
    "DE_WH_FRANKFURT": ["DE_MKT_WEST", "DE_MKT_SOUTH", "FR_MKT", "BE_MKT", "NL_MKT", "IT_MKT_NORTH"],
    "NL_WH_TILBURG": ["NL_MKT", "BE_MKT", "GB_MKT", "FR_MKT", "DE_MKT_WEST", "ES_MKT"],
    "PL_WH_LODZ": ["PL_MKT", "CZ_MKT", "HU_MKT", "DE_MKT_NORTH", "DE_MKT_SOUTH"],
    "PL_WH_WARSAW": ["PL_MKT", "CZ_MKT"],
    "HU_WH_BUDAPEST": ["HU_MKT", "CZ_MKT", "IT_MKT_NORTH", "DE_MKT_SOUTH"],
    "RU_WH_MOSCOW": ["RU_MKT_CENTRAL", "RU_MKT_NW", "RU_MKT_URALS"],
    "KZ_WH_ALMATY": ["KZ_MKT_SOUTH", "KZ_MKT_NORTH", "UZ_MKT"],
    "UZ_WH_TASHKENT": ["UZ_MKT", "KZ_MKT_SOUTH"],
    "AE_WH_DUBAI": ["AE_MKT", "SA_MKT"],
    "VN_WH_HANOI": ["VN_MKT_NORTH", "LA_MKT"], "VN_WH_HCMC": ["VN_MKT_SOUTH"],
    "TH_WH_BANGKOK": ["TH_MKT", "LA_MKT"], "MY_WH_KL": ["MY_MKT", "SG_MKT"], "SG_WH_SINGAPORE": ["SG_MKT", "MY_MKT"],
    "ID_WH_JAKARTA": ["ID_MKT"], "PH_WH_MANILA": ["PH_MKT"],
    "JP_WH_TOKYO": ["JP_MKT_KANTO", "JP_MKT_CHUBU"], "JP_WH_OSAKA": ["JP_MKT_KANSAI", "JP_MKT_CHUBU"],
    "KR_WH_INCHEON": ["KR_MKT"], "HK_WH_HK": ["HK_MKT"], "TW_WH_TAOYUAN": ["TW_MKT_NORTH", "TW_MKT_SOUTH"],
    "AU_WH_SYDNEY": ["AU_MKT_EAST"], "IN_WH_MUMBAI": ["IN_MKT_WEST"], "LA_WH_VIENTIANE": ["LA_MKT"],
}
# blended delivery rate CNY/t from a warehouse (mix of pallet/LTL and contract parcels) by country
WH_LM = {"US": 2400, "DE": 1800, "NL": 1800, "PL": 1300, "HU": 1300, "RU": 1200, "KZ": 1000, "UZ": 1000,
         "AE": 1100, "VN": 800, "TH": 800, "MY": 800, "SG": 1000, "ID": 850, "PH": 850, "JP": 2200, "KR": 1800,
         "HK": 1200, "TW": 1400, "AU": 2200, "IN": 700, "LA": 700}
A_LM = ("assumption: blended warehouse delivery rate {r} CNY/t (pallet/LTL and contract parcel mix; contract parcel "
        "rates unknown, domain_facts §7) + 0.8 CNY/t-km beyond 150 km; list parcels for scale: US ~USD 8-10 per 1-lb "
        "parcel 2025 (https://maritimeducation.com/u-s-shipping-rate-comparison-ups-vs-fedex-vs-usps), DHL EUR 5.50 "
        "per parcel <=31.5 kg at a German fulfiller (" + SRC["DE_FULFIL"] + "); time = 24 h + km/30; km = great-circle x 1.3")
for wh, mkts in WH_MARKETS.items():
    for mk in mkts:
        km = max(20.0, hav(ll(wh), ll(mk)) * 1.3)
        r = WH_LM[NODE[wh]["country"]]
        svc(f"LM_{short[wh]}_{short[mk]}", wh, mk, "last_mile", "Overseas warehouse delivery", km, 24 + km / 30,
            th_max=48 + km / 30, basis="tonne", rate=r + 0.8 * max(0.0, km - 150), co2="last_mile", year=2025,
            source=A_LM.format(r=r))

# --- 10. direct deliveries from gateways (9610 courier last mile; 9710 B2B trucking) ---
MKT_GATEWAYS = {
    "US_MKT_WEST": ["US_LAX", "US_APT_LAX"], "US_MKT_EAST": ["US_NYC", "US_APT_JFK"],
    "US_MKT_CENTRAL": ["US_APT_ORD", "US_NYC"], "US_MKT_SOUTH": ["US_APT_LAX", "US_APT_ORD", "US_LAX"],
    "US_MKT_SOUTHEAST": ["US_APT_JFK", "US_APT_ORD", "US_NYC"],
    "DE_MKT_WEST": ["DE_APT_FRA", "BE_APT_LGG", "DE_DUISBURG", "NL_RTM"],
    "DE_MKT_SOUTH": ["DE_APT_FRA", "DE_NUREMBERG", "DE_HAM"],
    "DE_MKT_NORTH": ["DE_HAMBURG_RAIL", "DE_HAM", "DE_APT_FRA"],
    "NL_MKT": ["NL_RTM", "NL_TILBURG", "BE_APT_LGG"], "BE_MKT": ["BE_APT_LGG", "NL_RTM"],
    "FR_MKT": ["FR_APT_CDG", "NL_RTM"], "IT_MKT_NORTH": ["IT_GOA", "DE_APT_FRA"], "ES_MKT": ["FR_APT_CDG", "IT_GOA"],
    "GB_MKT": ["GB_FXT", "BE_APT_LGG"], "PL_MKT": ["PL_LODZ", "PL_APT_WAW", "PL_GDN"],
    "CZ_MKT": ["PL_LODZ", "DE_NUREMBERG", "DE_APT_FRA"], "HU_MKT": ["HU_BUDAPEST", "HU_APT_BUD"],
    "RU_MKT_CENTRAL": ["RU_MOSCOW", "RU_APT_SVO"], "RU_MKT_NW": ["RU_STPETERSBURG", "RU_APT_SVO"],
    "RU_MKT_URALS": ["RU_MOSCOW", "RU_APT_SVO"], "KZ_MKT_SOUTH": ["KZ_ALMATY", "KZ_APT_ALA"],
    "KZ_MKT_NORTH": ["KZ_ALMATY", "KZ_APT_ALA"], "UZ_MKT": ["UZ_TASHKENT", "KZ_APT_ALA"],
    "AE_MKT": ["AE_JEA", "AE_APT_DXB"], "SA_MKT": ["AE_JEA", "AE_APT_DXB"],
    "VN_MKT_NORTH": ["VN_HANOI", "VN_HPH"], "VN_MKT_SOUTH": ["VN_SGN", "VN_APT_SGN"],
    "TH_MKT": ["TH_LCH", "TH_APT_BKK"], "MY_MKT": ["MY_PKG", "MY_APT_KUL"], "SG_MKT": ["SG_SIN", "SG_APT_SIN"],
    "ID_MKT": ["ID_JKT", "ID_APT_CGK"], "PH_MKT": ["PH_MNL", "PH_APT_MNL"], "LA_MKT": ["LA_VIENTIANE"],
    "JP_MKT_KANTO": ["JP_TYO", "JP_APT_NRT"], "JP_MKT_KANSAI": ["JP_OSA", "JP_APT_KIX"],
    "JP_MKT_CHUBU": ["JP_APT_KIX", "JP_TYO"], "KR_MKT": ["KR_PUS", "KR_APT_ICN"], "HK_MKT": ["HK_HKG", "HK_APT_HKG"],
    "TW_MKT_NORTH": ["TW_APT_TPE", "TW_KHH"], "TW_MKT_SOUTH": ["TW_KHH", "TW_APT_TPE"],
    "IN_MKT_WEST": ["IN_NSA", "IN_APT_BOM"], "AU_MKT_EAST": ["AU_SYD", "AU_APT_SYD"],
}
# courier CNY/kg from a gateway (cross-border parcel injection incl. clearance), by market country
COURIER = {"US": 25, "DE": 18, "NL": 18, "BE": 18, "FR": 19, "IT": 19, "ES": 19, "GB": 19, "PL": 14, "CZ": 14,
           "HU": 14, "RU": 12, "KZ": 12, "UZ": 12, "AE": 12, "SA": 14, "VN": 8, "TH": 9, "MY": 9, "SG": 12,
           "ID": 10, "PH": 10, "LA": 8, "JP": 18, "KR": 14, "HK": 10, "TW": 12, "IN": 8, "AU": 22}
A_CO = ("assumption: cross-border courier injection {r} CNY/kg incl. clearance of 9610/9710 consignments (contract "
        "rates unknown, domain_facts §7; ~10x the per-kg warehouse delivery rate, list parcels: US ~USD 8-10 per 1-lb "
        "parcel, https://maritimeducation.com/u-s-shipping-rate-comparison-ups-vs-fedex-vs-usps); time = 48 h + km/30; "
        "km = great-circle x 1.3")
A_B2B = ("assumption: direct B2B (9710) truck delivery from the gateway: FTL {r} CNY/truck (~{k} CNY/vehicle-km + "
         "{f} CNY, regional factor {m}), LTL per t = FTL/12; time = 24 h (clearance) + km/55; km = great-circle x 1.3")
for mk, gws in MKT_GATEWAYS.items():
    c = NODE[mk]["country"]
    for gw in gws:
        km = max(20.0, hav(ll(gw), ll(mk)) * 1.3)
        r = COURIER[c] + (3 if km > 800 else 0)
        svc(f"LM_{short[gw].replace('APT_', 'A')}_{short[mk]}", gw, mk, "last_mile", "Direct cross-border delivery "
            "(9610/9710)", km, 48 + km / 30, th_max=96 + km / 30, basis="kg", rate=r, co2="last_mile", year=2025,
            source=A_CO.format(r=r))
        if NODE[gw]["kind"] in ("seaport", "rail_terminal"):
            m = cost_mult(c)
            ftl = (1500 + 12 * km) * m
            svc(f"RD_{short[gw]}_{short[mk]}", gw, mk, "road", "Direct B2B delivery (9710)", km, 24 + km / 55,
                basis="truck", rate=round(ftl), lcl_basis="tonne", lcl_rate=round(ftl / 12, 1), co2="truck_delivery",
                year=2025, source=A_B2B.format(r=round(ftl), k=round(12 * m, 1), f=round(1500 * m), m=m))

# ---------------------------------------------------------------------------
# Warehouses
# ---------------------------------------------------------------------------
# country: (rent CNY/m2/yr, rent source, labour CNY/FTE/yr, handling CNY/t, storage CNY/cbm-month, storage source)
WH_COST = {
    "US_LA": (round(10.72 * 10.764 * USD), f"Inland Empire USD 10.72/sqft/yr ({SRC['US_RENT_IE']})"),
    "US_NJ": (round(16.12 * 10.764 * USD), f"New Jersey USD 16.12/sqft/yr NNN ({SRC['US_RENT_NJ']})"),
    "US_CHICAGO": (round(8.15 * 10.764 * USD), f"US national in-place avg USD 8.15/sqft/yr as Chicago proxy ({SRC['US_RENT_NAT']})"),
    "DE_DUISBURG": (round(7.75 * 12 * EUR), f"Ruhr prime EUR 7.75/m2/month ({SRC['DE_RENT']})"),
    "DE_NUREMBERG": (round(8.90 * 12 * EUR), f"Nuremberg prime EUR 8.90/m2/month ({SRC['DE_RENT']})"),
    "DE_HAMBURG": (round(8.25 * 12 * EUR), f"Hamburg prime EUR 8.25/m2/month ({SRC['DE_RENT']})"),
    "DE_FRANKFURT": (round(8.25 * 12 * EUR), f"Dusseldorf prime EUR 8.25/m2/month as Frankfurt proxy ({SRC['DE_RENT']})"),
    "JP_TOKYO": (round(288.7 * EUR), f"Tokyo prime EUR 288.7/m2/yr, mid-2010s ({SRC['JP_RENT']})"),
}
COUNTRY = {  # rent (assumed where no WH_COST), labour, handling, storage, storage source
    "US": (None, 400000, 450, 108, f"Chinese-seller US warehouse tier 31-60 days USD 0.50/m3/day ({SRC['US_STORE']})"),
    "DE": (None, 320000, 380, 30, f"EUR 6.00 per Euro-pallet-month at a German fulfiller, ~1.5 m3/pallet ({SRC['DE_FULFIL']})"),
    "NL": (7.0 * 12 * EUR, 330000, 380, 32, "assumption: as Germany"),
    "PL": (4.0 * 12 * EUR, 150000, 250, 22, "assumption"), "HU": (4.5 * 12 * EUR, 130000, 250, 22, "assumption"),
    "RU": (500, 90000, 250, 25, "assumption"), "KZ": (300, 60000, 200, 18, "assumption"),
    "UZ": (200, 40000, 180, 15, "assumption"), "AE": (700, 90000, 250, 30, "assumption"),
    "VN": (345, 50000, 180, 18, "assumption"), "TH": (390, 70000, 180, 20, "assumption"),
    "MY": (400, 60000, 180, 20, "assumption"), "SG": (1110, 250000, 300, 60, "assumption"),
    "ID": (430, 45000, 180, 18, "assumption"), "PH": (350, 40000, 180, 18, "assumption"),
    "JP": (None, 280000, 500, 180, f"assumption: half of Amazon FBA Japan JPY 7,800/m3-month ({SRC['JP_FBA']})"),
    "KR": (600, 250000, 400, 45, "assumption"), "HK": (1785, 250000, 400, 90, "assumption"),
    "TW": (700, 150000, 300, 40, "assumption"), "AU": (935, 330000, 450, 60, "assumption"),
    "IN": (300, 35000, 150, 12, "assumption"), "LA": (150, 25000, 120, 10, "assumption"),
}
WH_AREA = {
    "US_WH_LA": 10000, "US_WH_NJ": 8000, "US_WH_CHICAGO": 6000, "DE_WH_DUISBURG": 8000, "DE_WH_NUREMBERG": 5000,
    "DE_WH_HAMBURG": 5000, "DE_WH_FRANKFURT": 4000, "NL_WH_TILBURG": 5000, "PL_WH_LODZ": 6000, "PL_WH_WARSAW": 3000,
    "HU_WH_BUDAPEST": 4000, "RU_WH_MOSCOW": 6000, "KZ_WH_ALMATY": 5000, "UZ_WH_TASHKENT": 3000, "AE_WH_DUBAI": 5000,
    "VN_WH_HANOI": 4000, "VN_WH_HCMC": 4000, "TH_WH_BANGKOK": 4000, "MY_WH_KL": 4000, "SG_WH_SINGAPORE": 3000,
    "ID_WH_JAKARTA": 4000, "PH_WH_MANILA": 3000, "JP_WH_TOKYO": 3000, "JP_WH_OSAKA": 3000, "KR_WH_INCHEON": 3000,
    "HK_WH_HK": 2000, "TW_WH_TAOYUAN": 3000, "AU_WH_SYDNEY": 4000, "IN_WH_MUMBAI": 4000, "LA_WH_VIENTIANE": 3000,
}
PUBLIC = {"PL_WH_LODZ": "Deyang public-service overseas warehouse at the Deyang-Lodz train terminal (plan measure)",
          "DE_WH_DUISBURG": "Sichuan provincial public overseas warehouse candidate (2024 plan: >=5 by 2026)",
          "VN_WH_HANOI": "Sichuan provincial public overseas warehouse candidate for ASEAN (2024 plan: >=5 by 2026)"}
WAREHOUSES: list[dict] = []
for wh, area in WH_AREA.items():
    c = NODE[wh]["country"]
    rent0, labour, handling, storage, ssrc = COUNTRY[c]
    key = wh.replace("_WH_", "_")
    if key in WH_COST:
        rent, rsrc = WH_COST[key]
    elif c == "JP":
        rent, rsrc = round(WH_COST["JP_TOKYO"][0] * 0.6), "assumption: 60% of the Tokyo prime rent for Osaka"
    else:
        rent, rsrc = round(rent0), "assumption: rent unknown (domain_facts §7d)"
    fte = math.ceil(area / 500)  # core staff; variable labour is in handling_cny_per_t
    systems = 150000 + 40 * area
    fixed = rent * area + fte * labour + systems
    cap = area * 1.6
    pub = wh in PUBLIC
    WAREHOUSES.append({
        "node_id": wh, "operator": "Deyang/Sichuan public-service warehouse operator (to be selected)" if pub else
        "Sichuan overseas-warehouse firm (to be selected)", "status": "candidate", "public_service": int(pub),
        "area_m2": area, "fixed_cost_cny_per_year": round(fixed, -3), "capacity_t_per_year": cap,
        "handling_cny_per_t": handling, "storage_cny_per_cbm_month": storage, "stock_days": 45 if c in
        ("US", "DE", "NL", "PL", "HU", "JP", "AU", "RU") else 30,
        "source": f"assumption: candidate (no Deyang/Mianyang-operated warehouse sourced); fixed = rent {rent} CNY/m2/yr "
        f"x area + {fte} FTE x {labour} CNY + systems/utilities 150,000 + 40 CNY/m2; rent: {rsrc}; area around the "
        f"~5,000 m2 average ({SRC['WH_SIZE']}); capacity 1.6 t/m2/yr, handling and stock days assumed; storage: {ssrc}"
        + (f"; public service: {PUBLIC[wh]} ({SRC['PLAN']}; {SRC['SC_WH_PLAN']})" if pub else ""),
    })

# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------
PRODUCTS = [
    ("heavy_equipment", "Heavy and general equipment (machinery, drilling rigs, power equipment parts)", "重大装备及通用机械",
     450, 60000, "oversize pieces go via the Deyang-Leshan heavy-cargo road and the Yangtze; most ship in FEU/flat racks",
     f"assumption: density and value typical of machinery exports; Deyang #1 in China for oil-rig exports ({SRC['DY_EXPORT']})"),
    ("fine_chemicals", "Fine chemicals (titanium dioxide, phosphates, agrochemicals)", "精细化工产品", 900, 18000,
     "some dangerous goods (IMDG/RID): not accepted on parcel services; bagged powders are weight-bound",
     f"assumption: TiO2-dominated value (~15-20k CNY/t); TiO2 exports #1 in Sichuan ({SRC['DY_EXPORT']})"),
    ("aviation_parts", "General aviation parts and components", "通用航空零部件", 150, 1500000,
     "high value, time-critical; air or rail", "assumption: value/density typical of aircraft parts; general aviation is "
     f"a Deyang specialty ({SRC['PLAN']})"),
    ("food_beverage", "Food and beverage (incl. Jiannanchun baijiu from Mianzhu)", "食品饮料(含绵竹剑南春白酒)", 380, 90000,
     "bottled spirits in cases; some cold chain (Deyang rail port cold-chain centre)", "assumption: export value mix of "
     f"premium baijiu and packaged food; Jiannanchun export drive ({SRC['JNC']})"),
    ("agricultural", "Agricultural and sideline products (herbs, noodles, dried produce, tea)", "农副产品", 500, 20000,
     "some perishables; phytosanitary certificates", f"assumption: typical processed agricultural export value ({SRC['PLAN']})"),
    ("electronics", "Electronics and information products (TVs, displays, connectors, smart terminals)", "电子信息产品",
     220, 120000, "volume-bound (light, bulky cartons); lithium batteries restricted on air",
     f"assumption: value/density mix of consumer electronics and components; Mianyang industries ({SRC['MY_IND']})"),
    ("vehicle_parts", "Vehicles and parts (engines, compressors, components)", "汽车及零部件", 420, 55000,
     "palletised; mostly B2B", f"assumption: value/density typical of auto parts; Mianyang industries ({SRC['MY_IND']})"),
    ("ecommerce_parcels", "E-commerce retail parcels (mixed consumer goods)", "跨境电商零售包裹", 170, 150000,
     "B2C parcels, ~0.5 kg average; volume-bound", "assumption: ~USD 10 per 0.5 kg parcel => ~150,000 CNY/t"),
]
PVAL = {p[0]: p[4] for p in PRODUCTS}

# ---------------------------------------------------------------------------
# Demand (calibrated to the 2025 plan targets)
# ---------------------------------------------------------------------------
TARGET = {"Deyang": 1.05e9, "Mianyang": 1.50e9}
MIX = {
    "Deyang": {"heavy_equipment": .30, "fine_chemicals": .15, "aviation_parts": .10, "food_beverage": .20,
               "agricultural": .10, "ecommerce_parcels": .15},
    "Mianyang": {"electronics": .45, "vehicle_parts": .20, "heavy_equipment": .10, "ecommerce_parcels": .20,
                 "agricultural": .05},
}
ORIGIN_SHARE = {
    ("Deyang", "heavy_equipment"): {"CN_DY_ETDZ": .40, "CN_DY_JINGYANG": .35, "CN_DY_GUANGHAN": .25},
    ("Deyang", "fine_chemicals"): {"CN_DY_MIANZHU": .45, "CN_DY_SHIFANG": .40, "CN_DY_LUOJIANG": .15},
    ("Deyang", "aviation_parts"): {"CN_DY_GUANGHAN": .70, "CN_DY_ETDZ": .30},
    ("Deyang", "food_beverage"): {"CN_DY_MIANZHU": .65, "CN_DY_JINGYANG": .15, "CN_DY_ZHONGJIANG": .20},
    ("Deyang", "agricultural"): {"CN_DY_ZHONGJIANG": .45, "CN_DY_LUOJIANG": .30, "CN_DY_SHIFANG": .25},
    ("Deyang", "ecommerce_parcels"): {"CN_DY_JINGYANG": .40, "CN_DY_ETDZ": .15, "CN_DY_GUANGHAN": .15,
                                      "CN_DY_LUOJIANG": .10, "CN_DY_ZHONGJIANG": .10, "CN_DY_MIANZHU": .05,
                                      "CN_DY_SHIFANG": .05},
    ("Mianyang", "electronics"): {"CN_MY_HITECH": .40, "CN_MY_ETDZ": .25, "CN_MY_SCIPARK": .20, "CN_MY_YOUXIAN": .15},
    ("Mianyang", "vehicle_parts"): {"CN_MY_ETDZ": .35, "CN_MY_HITECH": .25, "CN_MY_JIANGYOU": .25, "CN_MY_ANZHOU": .15},
    ("Mianyang", "heavy_equipment"): {"CN_MY_JIANGYOU": .50, "CN_MY_HITECH": .30, "CN_MY_FUCHENG": .20},
    ("Mianyang", "ecommerce_parcels"): {"CN_MY_FUCHENG": .25, "CN_MY_HITECH": .15, "CN_MY_YOUXIAN": .15,
                                        "CN_MY_SANTAI": .10, "CN_MY_ZITONG": .08, "CN_MY_YANTING": .08,
                                        "CN_MY_PINGWU": .07, "CN_MY_BEICHUAN": .07, "CN_MY_ANZHOU": .05},
    ("Mianyang", "agricultural"): {"CN_MY_SANTAI": .30, "CN_MY_YANTING": .20, "CN_MY_ZITONG": .20,
                                   "CN_MY_PINGWU": .15, "CN_MY_BEICHUAN": .15},
}
MKT_SHARE = {
    "heavy_equipment": {"RU_MKT_CENTRAL": 15, "KZ_MKT_NORTH": 8, "KZ_MKT_SOUTH": 5, "UZ_MKT": 8, "AE_MKT": 8,
                        "SA_MKT": 7, "VN_MKT_NORTH": 7, "ID_MKT": 7, "IN_MKT_WEST": 7, "DE_MKT_WEST": 8, "PL_MKT": 5,
                        "US_MKT_SOUTH": 8, "TH_MKT": 7},
    "fine_chemicals": {"IN_MKT_WEST": 15, "VN_MKT_SOUTH": 10, "TH_MKT": 10, "ID_MKT": 10, "MY_MKT": 7,
                       "JP_MKT_KANSAI": 10, "KR_MKT": 10, "DE_MKT_WEST": 8, "US_MKT_EAST": 10, "BE_MKT": 5, "AE_MKT": 5},
    "aviation_parts": {"US_MKT_WEST": 25, "DE_MKT_SOUTH": 15, "FR_MKT": 15, "GB_MKT": 10, "SG_MKT": 10, "AE_MKT": 10,
                       "JP_MKT_KANTO": 10, "HU_MKT": 5},
    "food_beverage": {"HK_MKT": 18, "TW_MKT_NORTH": 10, "SG_MKT": 10, "MY_MKT": 8, "US_MKT_WEST": 10,
                      "US_MKT_EAST": 6, "JP_MKT_KANTO": 6, "KR_MKT": 6, "AU_MKT_EAST": 8, "TH_MKT": 5,
                      "DE_MKT_WEST": 5, "RU_MKT_CENTRAL": 5, "LA_MKT": 3},
    "agricultural": {"HK_MKT": 15, "JP_MKT_KANSAI": 10, "KR_MKT": 10, "VN_MKT_NORTH": 10, "TH_MKT": 10, "MY_MKT": 10,
                     "SG_MKT": 8, "AE_MKT": 10, "RU_MKT_CENTRAL": 10, "KZ_MKT_SOUTH": 7},
    "electronics": {"US_MKT_WEST": 12, "US_MKT_EAST": 8, "US_MKT_CENTRAL": 5, "DE_MKT_WEST": 8, "DE_MKT_SOUTH": 5,
                    "NL_MKT": 4, "PL_MKT": 5, "GB_MKT": 4, "RU_MKT_CENTRAL": 8, "KZ_MKT_SOUTH": 5, "UZ_MKT": 4,
                    "AE_MKT": 6, "VN_MKT_SOUTH": 5, "TH_MKT": 5, "MY_MKT": 4, "ID_MKT": 5, "IN_MKT_WEST": 5,
                    "JP_MKT_KANTO": 4, "PH_MKT": 3},
    "vehicle_parts": {"US_MKT_CENTRAL": 10, "US_MKT_SOUTHEAST": 5, "DE_MKT_SOUTH": 12, "HU_MKT": 8, "CZ_MKT": 6,
                      "PL_MKT": 6, "RU_MKT_CENTRAL": 13, "RU_MKT_URALS": 5, "KZ_MKT_NORTH": 6, "UZ_MKT": 8,
                      "TH_MKT": 8, "MY_MKT": 5, "VN_MKT_NORTH": 6, "IT_MKT_NORTH": 2},
    "ecommerce_parcels": {"US_MKT_WEST": 12, "US_MKT_EAST": 10, "US_MKT_SOUTHEAST": 4, "US_MKT_SOUTH": 4,
                          "DE_MKT_WEST": 8, "DE_MKT_SOUTH": 2, "GB_MKT": 6, "FR_MKT": 5, "ES_MKT": 3,
                          "IT_MKT_NORTH": 3, "PL_MKT": 3, "NL_MKT": 2, "JP_MKT_KANTO": 6, "JP_MKT_KANSAI": 2,
                          "JP_MKT_CHUBU": 1, "KR_MKT": 3, "HK_MKT": 3, "TW_MKT_NORTH": 3, "SG_MKT": 3, "MY_MKT": 3,
                          "TH_MKT": 3, "VN_MKT_SOUTH": 2, "ID_MKT": 3, "PH_MKT": 2, "AE_MKT": 3, "SA_MKT": 2,
                          "RU_MKT_CENTRAL": 4, "RU_MKT_NW": 1, "KZ_MKT_SOUTH": 2, "AU_MKT_EAST": 3},
}
MODE_SPLIT = {
    ("Deyang", "ecommerce_parcels"): {"9610": .60, "9810": .40},
    ("Mianyang", "ecommerce_parcels"): {"9610": .45, "1210": .20, "9810": .35},
    "food_beverage": {"9810": .70, "9710": .30},
    "electronics": {"9710": .50, "9810": .50},
    "vehicle_parts": {"9710": .60, "9810": .40},
}
ASIA = {"HK", "TW", "JP", "KR", "VN", "LA", "TH", "MY", "SG", "ID", "PH"}
CARU = {"KZ", "UZ", "RU"}
EU = {"DE", "NL", "BE", "FR", "IT", "ES", "GB", "PL", "CZ", "HU"}


def default_days(mode: str, country: str, product: str) -> float:
    grp = "asia" if country in ASIA else "caru" if country in CARU else "eu" if country in EU else "far"
    if mode in ("9610", "1210"):
        return {"asia": 10, "caru": 18, "eu": 15, "far": 15}[grp]
    if mode == "9710":
        if product == "aviation_parts":
            return 20
        return {"asia": 30, "caru": 30, "eu": 45, "far": 50}[grp]
    return {"asia": 45, "caru": 50, "eu": 60, "far": 70}[grp]


CAP_DAYS = {"9610": 20, "1210": 20, "9710": 60, "9810": 70}

# --- time-feasibility (transit + via dwell + wait 84/departures + dwell at transshipment nodes) ---
ADJ: dict[str, list[tuple[str, float]]] = defaultdict(list)
for s in SERVICES:
    if s["active"] != 1:
        continue
    wait = 84.0 / s["departures_per_week"] if s["departures_per_week"] else 0.0
    via = [v for v in s["via"].split(";") if v]
    ADJ[s["from"]].append((s["to"], s["transit_h"] + via_dwell(via) + wait))


def fastest_from(origin: str) -> dict[str, float]:
    dist = {origin: 0.0}
    heap = [(0.0, origin)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist.get(u, math.inf):
            continue
        if NODE[u]["kind"] == "market" and u != origin:
            continue
        dw = 0.0 if u == origin else NODE[u]["dwell_h"]
        for v, w in ADJ[u]:
            nd = d + dw + w
            if nd < dist.get(v, math.inf):
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist


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
A_DEM = ("assumption: allocation of the 2025 plan target ({city} {tgt} bn CNY cross-border e-commerce, " + SRC["PLAN"] +
         ") by assumed product mix {pm:.0%}, zone share {zs:.0%}, market share {ms:.1%} and customs-mode split {cs:.0%}; "
         "tonnes = value / value_cny_per_t; required_days assumed by customs mode and region"
         " (destination tonnages unknown, domain_facts §6a)")
rows = []
for (city, prod), oshares in ORIGIN_SHARE.items():
    pm = MIX[city][prod]
    mshares = MKT_SHARE[prod]
    tot_m = sum(mshares.values())
    for o, zs in oshares.items():
        # small zone-product flows go to their largest markets only (keeps the table to a few hundred rows)
        k = max(3, min(12, len(mshares), math.ceil(len(mshares) * zs / 0.60)))
        top = sorted(mshares.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        tot_top = sum(v for _, v in top)
        split = MODE_SPLIT.get((city, prod)) or MODE_SPLIT.get(prod) or {"9710": 1.0}
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
        if math.ceil(fd * 1.1) <= CAP_DAYS[cm]:
            req = math.ceil(fd * 1.1)
        else:
            DROPPED.append((o, mk, prod, cm, round(fd, 1)))
            continue
    DEMAND.append({"origin": o, "market": mk, "product": prod, "value": value, "customs_mode": cm,
                   "required_days": req, "city": city,
                   "source": A_DEM.format(city=city, tgt=TARGET[city] / 1e9, pm=pm, zs=zs, ms=ms, cs=cs)})
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
          [dict(zip(["id", "name", "name_zh", "density_kg_per_cbm", "value_cny_per_t", "notes", "source"], p, strict=True))
           for p in PRODUCTS])
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
