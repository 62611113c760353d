"""Generate the corridor base network tables (nodes, services, warehouses, ...).

The data are the source tables in scripts/tables/ (see tables/README.md): nodes,
corridor waypoints, services and their rates, last-mile rules and parcel tariffs,
warehouse sites, rents, wages, owned size tiers and shared rate cards, products,
demand shares, buyer segments and their delivery promises, sources and shared
assumption texts. This script holds the logic that turns them into
network_data/*.csv, so that a figure changed in a table propagates consistently:
distances from waypoint polylines, great circles and searoute, times, rate
formulas, tier costs, channel-feasible required_days, and demand calibrated to
the plan targets. Run from the repository root:

    python scripts/make_tables.py && python scripts/build_geometry.py

``python scripts/make_tables.py OUT_DIR`` writes the tables to OUT_DIR instead of
network_data/ (tests/test_make_tables.py compares them with the committed ones).

Every number carries its source or an ``assumption:`` label; see
network_data/README.md. Deterministic: same tables and script, same bytes.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import searoute
from pyproj import Geod

HERE = Path(__file__).resolve().parent
TABLES = HERE / "tables"
OUT = HERE.parent / "network_data"

Row = dict[str, str]  # a row of a source table, as read
Record = dict[str, Any]  # a row of a generated table

# Great-circle distances on the sphere of the mean Earth radius (IUGG, 6,371.0088 km)
EARTH_RADIUS_M = 6371008.8
GEOD = Geod(a=EARTH_RADIUS_M, f=0.0)
HOURS_PER_WEEK = 168.0
SQFT_PER_M2 = 10.764
LCL_FLOOR = 1.25  # heavy LCL pays at least 1.25 x the box rate per payload tonne
SHORT_SEA_KM = 5000.0  # below: intra-Asia feeder emission factor
CAPE_KM_PER_DAY = 667.0  # 15 knots
#: CMA CGM's Cape of Good Hope surcharge, USD per FEU from 2023-12-20 (source CMA_CAPE)
CAPE_SURCHARGE_USD_PER_FEU = 1000
AIR_LONG_HAUL_KM = 1500.0
# sea passages searoute reports -> chokepoint nodes, and the order they are listed in a via
PASSAGE_NODE = {
    "malacca": "MY_MALACCA",
    "babalmandab": "YE_BAB_EL_MANDEB",
    "suez": "EG_SUEZ",
    "panama": "PA_PANAMA",
}
VIA_ORDER = ["MY_MALACCA", "ZA_CAPE", "YE_BAB_EL_MANDEB", "EG_SUEZ", "PA_PANAMA"]


class CrxRun(NamedTuple):
    """Where the trains of a cr_express.csv row start, with what they add to the Chengdu run."""

    origin: str
    code: str  # service-id stem
    column: str  # departures_<column> and operator_<column> in cr_express.csv
    extra_h: int
    extra_usd: int
    extra_km: int  # added where the Chengdu km is sourced
    note: str  # assumption key


# Deyang trains couple at Chengdu: +12 h, +USD 100 (assumption CRX_DEYANG), ~40 km further
CRX_RUNS = (
    CrxRun("CN_CD_RAILPORT", "CDRP", "chengdu", 0, 0, 0, "CRX_CHENGDU"),
    CrxRun("CN_DEY_RAILPORT", "DEYRP", "deyang", 12, 100, 40, "CRX_DEYANG"),
)
# the split-node time graph (see TimeGraph)
ARRIVE, DEPART = "arrive", "depart"

OUTPUT_COLUMNS = {
    "nodes.csv": "id name name_zh kind country city lat lon handling_cny_per_t "
    "border_fee_cny_per_t dwell_h dwell_h_max source",
    "services.csv": "id from to via mode corridor operator distance_km transit_h transit_h_max "
    "departures_per_week rate_basis rate lcl_basis lcl_rate units_per_departure order_rate "
    "currency price_year co2_g_per_tkm co2_source active source",
    "warehouses.csv": "node_id operator status public_service area_m2 fixed_cost_cny_per_year "
    "capacity_t_per_year handling_cny_per_t storage_cny_per_cbm_month stock_days "
    "rent_cny_per_m2_year staff_cny_per_fte_year shared_storage_cny_per_cbm_month "
    "shared_handling_cny_per_order shared_inbound_cny_per_cbm shared_capacity_t_per_year source",
    "warehouse_tiers.csv": "tier area_m2 fte_per_1000_m2 systems_cny_per_year "
    "other_cny_per_m2_year throughput_t_per_m2_year source",
    "products.csv": "id name name_zh density_kg_per_cbm value_cny_per_t margin_share weekly_cv "
    "order_kg notes source",
    "demand.csv": "id origin market product tonnes_per_year customs_mode required_days trade "
    "source",
    "fx.csv": "currency cny_per_unit date source",
    "duties.csv": "id country union product channel layer hs duty_rate extra_duty_rate "
    "extra_duty_name vat_rate duty_free_below vat_free_below threshold_currency "
    "threshold_cny_per_unit flat_duty_per_item duty_on_excess value_basis valid_from valid_to "
    "kind source date note",
    "charges.csv": "id name category mode at country load unit basis amount currency minimum dg "
    "valid_from valid_to source",
    "criteria.csv": "id scheme scheme_name attribute operator threshold unit binding as_of note "
    "source",
    "operators.csv": "id site name name_zh sourced registered_in registered_city registered_since "
    "abroad_since area_m2 overseas_share odi_certificate wms firms_served services country_groups "
    "source",
    "parameters.csv": "name value unit source",
    "waypoints.csv": "corridor seq name lat lon source",
    "provenance.csv": "file id field kind source date note",
}


# ---------------------------------------------------------------------------
# Reading the source tables
# ---------------------------------------------------------------------------
def read_table(name: str) -> list[Row]:
    with open(TABLES / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def opt_float(v: str) -> float | None:
    return float(v) if v else None


def opt_int(v: str) -> int | None:
    return int(v) if v else None


def split_list(v: str) -> tuple[str, ...]:
    """A ';'-separated list of node ids ('' is the empty list)."""
    return tuple(x for x in v.split(";") if x)


class Texts:
    """Sources (tables/sources.csv) and shared assumption texts (tables/assumptions.csv).

    A ``{KEY}`` in any text of the tables refers to a source ("address (note)") or to an
    assumption text, which may refer to others. Lower-case ``{fields}`` in an assumption
    are filled by the script with computed figures.
    """

    REF = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
    URL = re.compile(r"https?://[^\s;,)]+")
    YEAR = re.compile(r"\b(?:19|20)\d\d\b")

    def __init__(self, sources: Iterable[Row], assumptions: Iterable[Row]) -> None:
        sources = list(sources)
        self.sources = {
            r["key"]: f"{r['address']} ({r['note']})" if r["note"] else r["address"]
            for r in sources
        }
        self.address = {r["key"]: r["address"] for r in sources}
        self.date = {r["key"]: r["date"] for r in sources}
        self.assumptions = {r["key"]: r["text"] for r in assumptions}
        if clash := set(self.sources) & set(self.assumptions):
            raise ValueError(f"keys both a source and an assumption: {sorted(clash)}")

    def expand(self, text: str) -> str:
        def ref(m: re.Match[str]) -> str:
            key = m[1]
            if key in self.sources:
                return self.sources[key]
            if key in self.assumptions:
                return self.expand(self.assumptions[key])
            raise KeyError(f"{{{key}}} is neither in sources.csv nor in assumptions.csv")

        return self.REF.sub(ref, text)

    def __getitem__(self, key: str) -> str:
        return self.expand(self.assumptions[key])

    def keys(self, text: str) -> list[str]:
        """The sources.csv keys a text refers to, directly or through assumption texts."""
        out: list[str] = []
        for key in self.REF.findall(text):
            found = [key] if key in self.sources else self.keys(self.assumptions.get(key, ""))
            out += [k for k in found if k not in out]
        return out

    def prov(self, text: str, kind: str | None = None, date: str = "") -> Prov:
        """The provenance of a figure from the text that says where it comes from.

        The kind is ``kind`` if given, else read from the text: "assumption..." is assumed,
        "proxy..." a proxy, "computed..." computed, and a text that cites a source (a
        ``{KEY}`` of sources.csv or an address) is cited. The source is the addresses cited,
        the date those sources' dates (or ``date``), the note the text itself.
        """
        note = self.expand(text)
        keys = self.keys(text)
        addresses = [self.address[k] for k in keys]
        own = self.URL.findall(self.REF.sub("", text))
        for a in own:
            if a not in addresses:
                addresses.append(a)
        if kind is None:
            head = note.lstrip().lower()
            kind = next((k for p, k in KIND_PREFIX if head.startswith(p)), None)
            kind = kind or ("cited" if addresses else "assumed")
        if not date:
            date = "; ".join(dict.fromkeys(self.date[k] for k in keys if self.date[k]))
        if not date and own:  # an address in the text: the year the text gives, or "n.d."
            date = "; ".join(dict.fromkeys(self.YEAR.findall(self.URL.sub("", note)))) or NO_DATE
        if kind in ("cited", "proxy") and not addresses:
            raise ValueError(f"a {kind} figure needs a source: {note!r}")
        return Prov(kind, " ; ".join(addresses), date, note)


class Prov(NamedTuple):
    """Where one figure comes from (a row of network_data/provenance.csv)."""

    kind: str  # cited, proxy, computed or assumed
    source: str  # the addresses or documents cited, separated by " ; "
    date: str  # the date(s) of the figure
    note: str  # what the figure is, and for a proxy what it stands in for


#: how a provenance text begins, and the kind it gives
KINDS = ("cited", "proxy", "computed", "assumed")
KIND_PREFIX = (("assumption", "assumed"), ("proxy", "proxy"), ("computed", "computed"))
#: longest note of a provenance row (the file's own source column has the whole text)
NOTE_CHARS = 240
#: the date of a source that gives none (sources.csv and texts say "n.d.")
NO_DATE = "n.d."
#: a computed figure: derived by a stated method from other figures
COMPUTED = "computed"


# ---------------------------------------------------------------------------
# The network being built: nodes, geometry, services
# ---------------------------------------------------------------------------
class Network:
    def __init__(self) -> None:
        self.texts = Texts(read_table("sources.csv"), read_table("assumptions.csv"))
        x = self.texts.expand
        self.co2 = {
            r["key"]: (
                float(r["g_per_tkm"]),
                x(r["source"]),
                self.texts.prov(r["source"], r["kind"]),
            )
            for r in read_table("co2_factors.csv")
        }
        self.provenance: list[Record] = []
        self.fx_rows = read_table("fx.csv")
        self.fx: list[Record] = [
            {**r, "cny_per_unit": float(r["cny_per_unit"]), "source": x(r["source"])}
            for r in self.fx_rows
        ]
        self.cny_per = {r["currency"]: r["cny_per_unit"] for r in self.fx}
        # other currencies of local prices (rents, wages, fees), converted here only
        self.fx_source: dict[str, str] = {}
        for r in read_table("fx_other.csv"):
            self.cny_per[r["currency"]] = float(r["cny_per_unit"])
            self.fx_source[r["currency"]] = x(r["source"])
        self.param_rows = read_table("parameters.csv")
        self.param = {r["name"]: float(r["value"]) for r in self.param_rows if r["value"]}
        node_rows = read_table("nodes.csv")
        self.nodes: list[Record] = [
            {
                **r,
                "lat": float(r["lat"]),
                "lon": float(r["lon"]),
                "handling_cny_per_t": float(r["handling_cny_per_t"]),
                "border_fee_cny_per_t": float(r["border_fee_cny_per_t"]),
                "dwell_h": float(r["dwell_h"]),
                "dwell_h_max": opt_float(r["dwell_h_max"]),
                "source": x(r["source"]),
            }
            for r in node_rows
        ]
        self.node = {n["id"]: n for n in self.nodes}
        for r in node_rows:
            self.record("nodes.csv", r["id"], self.node_prov(r))
        self.origins = [n["id"] for n in self.nodes if n["kind"] == "origin"]
        self.markets = [n["id"] for n in self.nodes if n["kind"] == "market"]
        # service-id stems: CN_ dropped from Chinese node ids
        self.short = {i: i[3:] if i.startswith("CN_") else i for i in self.node}
        self.places = {
            r["place"]: (float(r["lat"]), float(r["lon"])) for r in read_table("places.csv")
        }
        segments: dict[str, list[str]] = defaultdict(list)  # corridor key -> places in order
        for r in sorted(read_table("corridors.csv"), key=lambda r: int(r["seq"])):
            segments[r["corridor"]].append(r["place"])
        self.segments = dict(segments)
        self.countries = {r["country"]: r for r in read_table("countries.csv")}
        self.wh_countries = {r["country"]: r for r in read_table("warehouse_countries.csv")}
        # Calibrated rail detour: Chengdu-Lodz sourced ~9,900 km (9,826-9,965) vs waypoint polyline
        lodz = ["CN_CD_RAILPORT", "CN_ALASHANKOU", "PL_MALASZEWICZE", "PL_LODZ"]
        self.rail_detour = round(9900 / self.path_km(lodz), 3)
        self.road_detour = self.param["road_detour_factor"]
        self.services: list[Record] = []
        self._sea: dict[tuple[str, str, bool], tuple[float, list[str]]] = {}

    # --- geometry ---
    def ll(self, nid: str) -> tuple[float, float]:
        n = self.node[nid]
        return (n["lat"], n["lon"])

    def gc_km(self, a: str, b: str) -> float:
        """Great-circle km between two nodes."""
        return gc_km(self.ll(a), self.ll(b))

    def chain_km(self, a: str, b: str) -> float:
        """Polyline length a -> waypoints of corridor 'a>b' -> b (km)."""
        pts = [self.ll(a), *(self.places[w] for w in self.segments.get(f"{a}>{b}", [])), self.ll(b)]
        return sum(gc_km(p, q) for p, q in pairwise(pts))

    def path_km(self, nodes: Sequence[str]) -> float:
        return sum(self.chain_km(a, b) for a, b in pairwise(nodes))

    def sea_route(self, frm: str, to: str, cape: bool = False) -> tuple[float, list[str]]:
        """searoute km and the chokepoints passed, in VIA_ORDER."""
        key = (frm, to, cape)
        if key not in self._sea:
            # Cape alternatives close the Red Sea and Panama; US East Coast services go via Panama
            restr = ["northwest"] + (["babalmandab", "suez", "panama"] if cape else [])
            if to == "US_NYC":
                restr += ["babalmandab", "suez"]
            a, b = self.ll(frm), self.ll(to)
            r = searoute.searoute(
                [a[1], a[0]], [b[1], b[0]], restrictions=restr, return_passages=True
            )
            passages = r["properties"].get("traversed_passages", [])
            via = {PASSAGE_NODE[p] for p in passages if p in PASSAGE_NODE}
            if cape:
                via.add("ZA_CAPE")
            self._sea[key] = (float(r["properties"]["length"]), [v for v in VIA_ORDER if v in via])
        return self._sea[key]

    def via_dwell(self, via: Iterable[str]) -> float:
        return sum(self.node[v]["dwell_h"] for v in via)

    def country(self, nid: str) -> str:
        return self.node[nid]["country"]

    def kind(self, nid: str) -> str:
        return self.node[nid]["kind"]

    def cost_factor(self, nid: str) -> float:
        """Regional cost factor of the country of a node (tables/countries.csv)."""
        return float(self.countries[self.country(nid)]["cost_factor"])

    # --- provenance ---
    def node_prov(self, r: Row) -> dict[str, Prov | None]:
        """A node's coordinates (cited where its text gives an address for them), dwell and
        fees (its text, or the dwell_source / dwell_max_source column where given)."""
        t = self.texts
        own = t.prov(r["source"])
        coords = re.search(r"coordinates (https?://\S+)", r["source"])
        where = (
            t.prov(f"coordinates {coords[1]}", "cited")
            if coords
            else own._replace(kind="assumed")
            if "approximate" in r["source"]
            else own
        )
        dwell = t.prov(r["dwell_source"]) if r["dwell_source"] else own
        dwell_max = t.prov(r["dwell_max_source"]) if r["dwell_max_source"] else own
        return {
            "lat": where,
            "lon": where,
            "handling_cny_per_t": own,
            "border_fee_cny_per_t": own,
            "dwell_h": dwell,
            "dwell_h_max": dwell_max if r["dwell_h_max"] else None,
        }

    def record(self, file: str, row_id: str, figures: Mapping[str, Prov | None]) -> None:
        """Provenance rows of one row's figures (a field whose Prov is None has no figure)."""
        for fld, pv in figures.items():
            if pv is None:
                continue
            assert pv.kind in KINDS, (file, row_id, fld, pv.kind)
            note = pv.note if len(pv.note) <= NOTE_CHARS else pv.note[: NOTE_CHARS - 1] + "…"
            self.provenance.append(
                {"file": file, "id": row_id, "field": fld, **pv._asdict(), "note": note}
            )

    def computed(self, how: str) -> Prov:
        """A figure derived by a stated method (km from searoute, a formula of the script)."""
        return Prov(COMPUTED, "scripts/make_tables.py", "", how)

    # --- services ---
    def add_service(
        self,
        id_: str,
        frm: str,
        to: str,
        mode: str,
        corridor: str,
        km: float,
        th: float,
        *,
        via: Sequence[str] = (),
        operator: str = "",
        th_max: float | None = None,
        dep: float | None = None,
        basis: str = "tonne",
        rate: float = 0.0,
        lcl_basis: str | None = None,
        lcl_rate: float | None = None,
        units: int | None = None,
        order_rate: float | None = None,
        cur: str = "CNY",
        year: int = 2025,
        co2: str = "road",
        active: int = 1,
        source: str,
        prov: Mapping[str, Prov],
    ) -> None:
        """One service; ``prov`` holds the provenance of distance_km, transit_h, rate and of
        each other figure given (transit_h_max, departures_per_week, lcl_rate,
        units_per_departure, order_rate); co2_g_per_tkm's comes from co2_factors.csv."""
        assert frm in self.node and to in self.node and all(v in self.node for v in via), id_
        f, fs, co2_prov = self.co2[co2]
        given = {
            "distance_km": km,
            "transit_h": th,
            "transit_h_max": th_max,
            "departures_per_week": dep,
            "rate": rate,
            "lcl_rate": lcl_rate,
            "units_per_departure": units,
            "order_rate": order_rate,
        }
        figures = {k for k, v in given.items() if v is not None}
        assert figures == set(prov), (id_, sorted(figures ^ set(prov)))
        if basis in ("FEU", "TEU") and lcl_basis in ("wm", "tonne") and lcl_rate is not None:
            # Loose cargo never undercuts a full box per payload tonne: heavy LCL pays at least
            # 1.25 x the FCL rate per payload tonne (LCL minimums, heavy-cargo surcharges).
            payload = self.param["feu_payload_t" if basis == "FEU" else "teu_payload_t"]
            floor = LCL_FLOOR * rate / payload
            if floor > lcl_rate:
                lcl_rate = floor
                prov = {
                    **prov,
                    "lcl_rate": Prov(
                        "assumed",
                        "",
                        "",
                        f"assumption: loose cargo pays at least {LCL_FLOOR} x the {basis} rate "
                        f"per payload tonne ({payload:g} t): heavy-LCL minimums and surcharges",
                    ),
                }
        self.record("services.csv", id_, {**prov, "co2_g_per_tkm": co2_prov})
        self.services.append(
            {
                "id": id_,
                "from": frm,
                "to": to,
                "via": ";".join(via),
                "mode": mode,
                "corridor": corridor,
                "operator": operator,
                "distance_km": round(km),
                "transit_h": round(th, 1),
                "transit_h_max": None if th_max is None else round(max(th_max, th), 1),
                "departures_per_week": dep,
                "rate_basis": basis,
                "rate": round(rate, 2),
                "lcl_basis": lcl_basis,
                "lcl_rate": None if lcl_rate is None else round(lcl_rate, 2),
                "units_per_departure": units,
                "order_rate": order_rate,
                "currency": cur,
                "price_year": year,
                "co2_g_per_tkm": f,
                "co2_source": fs,
                "active": active,
                "source": source,
            }
        )


def gc_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle km between two (lat, lon) points."""
    return GEOD.inv(a[1], a[0], b[1], b[0])[2] / 1000


# ---------------------------------------------------------------------------
# Services, by family, in the order they appear in services.csv
# ---------------------------------------------------------------------------
def road_rates(km: float) -> tuple[float, float]:
    """Sichuan road: FTL 300 CNY + 6.5 CNY/vehicle-km (min 800), LTL 40 + 0.5 CNY/t-km (min 60)."""
    return max(800, 300 + 6.5 * km), max(60, 40 + 0.5 * km)


def ndrc_2008(km: float) -> tuple[float, float]:
    """Container rail: NDRC 2008 40-ft tariff 429.8 CNY + 1.6374 CNY/box-km, +15%;
    LCL 40 CNY/t + 0.11 CNY/t-km."""
    return round((429.8 + 1.6374 * km) * 1.15, -1), round(40 + 0.11 * km)


def road_long_haul(km: float) -> tuple[float, float]:
    """Long-haul truck: FTL 300 CNY + 6.0 CNY/vehicle-km; LTL 40 CNY/t + 0.45 CNY/t-km."""
    return 300 + 6.0 * km, 40 + 0.45 * km


# the tariff column of services_individual.csv: rate and LCL rate from the km
TARIFFS: dict[str, Callable[[float], tuple[float, float]]] = {
    "ndrc_2008": ndrc_2008,
    "road_long_haul": road_long_haul,
}


def air_leg(net: Network, frm: str, to: str, stop_h: float = 0.0) -> tuple[float, float, float]:
    """Great-circle km; km = great-circle + 95 (GLEC air rule); hours = gc/800 + 1 h + any stop."""
    gc = net.gc_km(frm, to)
    return gc, gc + 95, gc / 800 + 1.0 + stop_h


def add_road_feeders(net: Network) -> None:
    """tables/road_feeders.csv: great-circle km x detour, 1.5 h + km/55 (assumption ROAD)."""
    for r in read_table("road_feeders.csv"):
        frm, to = r["from"], r["to"]
        km = net.gc_km(frm, to) * (float(r["detour"]) if r["detour"] else net.road_detour)
        rate, lcl_rate = road_rates(km)
        rate_prov = net.texts.prov(r["source"])
        ftl_prov = net.texts.prov(ROAD_FTL, "proxy") if r["source"] == "{ROAD}" else rate_prov
        detour = float(r["detour"]) if r["detour"] else net.road_detour
        net.add_service(
            f"RD_{net.short[frm]}_{net.short[to]}",
            frm,
            to,
            "road",
            r["corridor"],
            km,
            1.5 + km / 55,
            basis="truck",
            rate=rate,
            lcl_basis="tonne",
            lcl_rate=lcl_rate,
            year=2025,
            co2="road",
            source=net.texts.expand(r["source"]),
            prov={
                "distance_km": net.computed(f"great-circle km x {detour:g} road detour"),
                "transit_h": net.texts.prov(ROAD_TIME),
                "rate": ftl_prov,
                "lcl_rate": rate_prov,
            },
        )


#: what the Sichuan road FTL rate stands on (make_tables.road_rates)
ROAD_FTL = (
    "proxy: the 2007 CFLP full-truckload rate 0.235 CNY/t-km ({ROAD2007}) stands in for 2025: "
    "6.5 CNY/vehicle-km = 0.26 CNY/t-km at 25 t, +11 % (assumed; the CFLP road logistics price "
    "index was 104 in 2024, {CFLP_INDEX}); the 300 CNY per trip and the 800 CNY minimum are "
    "assumed"
)
#: the time rule of the Sichuan road feeders (make_tables.add_road_feeders)
ROAD_TIME = "assumption: 1.5 h (loading, urban access) + km at 55 km/h"


def add_individual_services(net: Network, block: str) -> None:
    """One block of tables/services_individual.csv: figures as given, km by distance_rule."""
    for r in read_table("services_individual.csv"):
        if r["block"] != block:
            continue
        frm, to, via = r["from"], r["to"], split_list(r["via"])
        th = opt_float(r["transit_h"])
        rule = r["distance_rule"]
        factor = (
            net.rail_detour
            if r["distance_factor"] == "rail_detour"
            else opt_float(r["distance_factor"])
        )
        if not rule:
            km = float(r["distance_km"])
        elif rule == "great_circle" and factor:
            km = net.gc_km(frm, to) * factor
        elif rule == "polyline" and factor:  # through the via nodes, each leg along its waypoints
            km = sum(net.chain_km(a, b) * factor for a, b in pairwise([frm, *via, to]))
        elif rule == "air":
            _, km, th = air_leg(net, frm, to)
        else:
            raise ValueError(
                f"{r['id']}: distance_rule {rule!r} with factor {r['distance_factor']!r}"
            )
        assert th is not None, r["id"]
        rate, lcl_rate = opt_float(r["rate"]), opt_float(r["lcl_rate"])
        if r["tariff"]:
            rate, lcl_rate = TARIFFS[r["tariff"]](km)
        assert rate is not None, r["id"]

        def pv(column: str, default: str | None = None, row: Row = r) -> Prov:
            """The row's source text as the provenance of one figure, of the column's kind."""
            return net.texts.prov(row["source"], row[column] or default)

        km_prov = (
            pv("km_kind")
            if r["km_kind"] or not rule
            else net.computed(f"{rule} km x {r['distance_factor'] or 1}")
        )
        figures = {
            "distance_km": km_prov,
            "transit_h": pv("time_kind"),
            "transit_h_max": pv("time_kind") if r["transit_h_max"] else None,
            "departures_per_week": pv("dep_kind") if r["departures_per_week"] else None,
            "rate": pv("rate_kind"),
            "lcl_rate": pv("rate_kind") if lcl_rate is not None else None,
            "units_per_departure": pv("units_kind") if r["units_per_departure"] else None,
        }
        net.add_service(
            r["id"],
            frm,
            to,
            r["mode"],
            r["corridor"],
            km,
            th,
            via=via,
            operator=r["operator"],
            th_max=opt_float(r["transit_h_max"]),
            dep=opt_float(r["departures_per_week"]),
            basis=r["rate_basis"],
            rate=rate,
            lcl_basis=r["lcl_basis"] or None,
            lcl_rate=lcl_rate,
            units=opt_int(r["units_per_departure"]),
            cur=r["currency"],
            year=int(r["price_year"]),
            co2=r["co2_factor"],
            active=int(r["active"]),
            source=net.texts.expand(r["source"]),
            prov={k: v for k, v in figures.items() if v is not None},
        )


def add_cr_express(net: Network) -> None:
    """tables/cr_express.csv: one row per train route, run from Chengdu and/or Deyang."""
    t = net.texts
    for r in read_table("cr_express.csv"):
        dst, border, via = r["to"], r["border"], split_list(r["via"])
        km0 = opt_int(r["distance_km"])
        days, days_max, usd = int(r["days"]), int(r["days_max"]), int(r["usd_per_feu"])
        km_note = (
            t["CRX_KM_SOURCED"] if km0 else t["CRX_KM_POLYLINE"].format(rail_detour=net.rail_detour)
        )
        for run in CRX_RUNS:
            dep = r["departures_" + run.column]
            if not dep:
                continue
            frm, extra_usd = run.origin, run.extra_usd
            km = (km0 + run.extra_km) if km0 else net.path_km([frm, *via, dst]) * net.rail_detour
            dw = net.via_dwell(via)
            th = days * 24 + run.extra_h - dw
            th_max = days_max * 24 + run.extra_h - dw
            source = t["CRX"].format(
                rate_source=t.expand(r["rate_source"]),
                origin_note=t[run.note],
                km_note=km_note,
                days=days,
                source=t.expand(r["source"]),
            )
            # a Deyang train is the Chengdu figure plus the coupling assumption: a proxy
            deyang = run.extra_h > 0
            rate_prov = t.prov(r["rate_source"], r["rate_kind"])
            days_prov = t.prov(r["source"], r["days_kind"] or None)
            if deyang:
                rate_prov, days_prov = (
                    proxy_of(rate_prov, t[run.note]),
                    proxy_of(days_prov, t[run.note]),
                )
            figures = {
                "distance_km": t.prov(r["source"], "cited") if km0 else net.computed(km_note),
                "transit_h": days_prov,
                "transit_h_max": days_prov,
                "departures_per_week": t.prov(
                    "assumption: trains a week to this destination; {" + run.note + "}", "assumed"
                ),
                "rate": rate_prov,
                "lcl_rate": t.prov(CRX_LCL),
                "units_per_departure": train_units(t, r["source"]),
            }
            net.add_service(
                f"CRX_{run.code}_{net.short[dst]}_{border.upper()[:3]}",
                frm,
                dst,
                "cr_express",
                f"CR Express via {border}",
                km,
                th,
                via=via,
                operator=r["operator_" + run.column],
                th_max=th_max,
                dep=float(dep),
                basis="FEU",
                rate=usd + extra_usd,
                lcl_basis="wm",
                lcl_rate=round((usd + extra_usd) / net.param["feu_volume_cbm"] * 2),
                units=int(r["units_per_departure"]),
                cur="USD",
                year=2025,
                co2="rail_intl",
                source=source,
                prov=figures,
            )


#: the LCL rule of rail services (as the CRX template says)
CRX_LCL = "assumption: rail LCL per cbm = 2 x the FEU rate / 67 cbm (no public rail LCL card)"


def train_units(t: Texts, source: str) -> Prov:
    """Boxes a train: cited where the row's source gives them, else the Lodz train's."""
    if re.search(r"\d+ (containers|wagons)", t.expand(source)):
        return t.prov(source, "cited")
    return t.prov("41 containers a train, as Chengdu-Lodz ({LODZ_2019})", "proxy")


def proxy_of(pv: Prov, note: str) -> Prov:
    """A figure taken from another (a cited one becomes a proxy; an assumption stays one)."""
    kind = "proxy" if pv.kind == "cited" else pv.kind
    return pv._replace(kind=kind, note=f"{pv.note}; {note}")


def add_cr_express_chongqing(net: Network) -> None:
    """tables/cr_express_chongqing.csv: trains from the Chongqing hub (alternative)."""
    t, frm = net.texts, "CN_CHONGQING"
    for r in read_table("cr_express_chongqing.csv"):
        dst, border, via = r["to"], r["border"], split_list(r["via"])
        usd = int(r["usd_per_feu"])
        km = net.path_km([frm, *via, dst]) * net.rail_detour
        th = int(r["days"]) * 24 - net.via_dwell(via)
        th_max = int(r["days_max"]) * 24 - net.via_dwell(via)
        source = t["CRX_CHONGQING"].format(
            rate_source=t.expand(r["rate_source"]),
            rail_detour=net.rail_detour,
            source=t.expand(r["source"]),
        )
        figures = {
            "distance_km": net.computed(f"waypoint polyline x {net.rail_detour} rail detour"),
            "transit_h": t.prov(r["source"]),
            "transit_h_max": t.prov(r["source"]),
            "departures_per_week": t.prov("assumption: trains a week from Chongqing", "assumed"),
            "rate": proxy_of(t.prov(r["rate_source"]), "the Chengdu-origin rate for Chongqing"),
            "lcl_rate": t.prov(CRX_LCL),
            "units_per_departure": train_units(t, r["source"]),
        }
        net.add_service(
            f"CRX_{net.short[frm]}_{net.short[dst]}_{border.upper()[:3]}",
            frm,
            dst,
            "cr_express",
            f"CR Express via {border}",
            km,
            th,
            via=via,
            operator=r["operator"],
            th_max=th_max,
            dep=float(r["departures_per_week"]),
            basis="FEU",
            rate=usd,
            lcl_basis="wm",
            lcl_rate=round(usd / net.param["feu_volume_cbm"] * 2),
            units=int(r["units_per_departure"]),
            cur="USD",
            year=2025,
            co2="rail_intl",
            source=source,
            prov=figures,
        )


def sea_corridor(frm: str, to: str, via: Sequence[str], short_sea: bool) -> str:
    if "EG_SUEZ" in via:
        corridor = "Asia-Europe via Suez"
    elif "PA_PANAMA" in via:
        corridor = "Asia-US East via Panama"
    elif to.startswith("US_"):
        corridor = "Trans-Pacific"
    else:
        corridor = "Intra-Asia" if short_sea else "Asia deep-sea"
    return corridor + (" (Western Land-Sea Corridor)" if frm == "CN_QINZHOU" else "")


def add_sea(net: Network) -> None:
    """tables/sea.csv: km and chokepoints from searoute; Suez lanes get an inactive Cape twin."""
    t = net.texts
    for r in read_table("sea.csv"):
        frm, to = r["from"], r["to"]
        days, usd, lcl = int(r["days"]), int(r["usd_per_feu"]), int(r["lcl_usd_per_wm"])
        dep, yr = float(r["departures_per_week"]), int(r["price_year"])
        rate_source = t.expand(r["rate_source"])
        km, via = net.sea_route(frm, to)
        km_prov = net.computed("searoute km (planned shortest sea route)")
        if r["km"]:  # searoute's network detours on a few short hops: the table's figure
            km = float(r["km"])
            km_prov = net.texts.prov(r["days_source"], "proxy")
        short_sea = km < SHORT_SEA_KM
        th = days * 24 - net.via_dwell(via)
        sid = f"SEA_{net.short[frm]}_{net.short[to]}"
        rate_prov = t.prov(r["rate_source"], r["rate_kind"] or None)
        days_prov = t.prov(r["days_source"], r["days_kind"] or None)
        dep_prov = t.prov("assumption: sailings a week on the lane (carriers' schedules not read)")
        lcl_prov = t.prov("assumption: LCL per wm ({SEA_LCL})")
        figures = {
            "distance_km": km_prov,
            "transit_h": days_prov,
            "transit_h_max": proxy_of(days_prov, "assumption: + 5 days of delay")._replace(
                kind="assumed"
            ),
            "departures_per_week": dep_prov,
            "rate": rate_prov,
            "lcl_rate": lcl_prov,
        }
        net.add_service(
            sid,
            frm,
            to,
            "sea",
            sea_corridor(frm, to, via, short_sea),
            km,
            th,
            via=via,
            th_max=th + 5 * 24,
            dep=dep,
            basis="FEU",
            rate=usd,
            lcl_basis="wm",
            lcl_rate=lcl,
            cur="USD",
            year=yr,
            co2="sea_short" if short_sea else "sea_deep",
            source=t["SEA"].format(rate_source=rate_source, days_source=t.expand(r["days_source"])),
            prov=figures,
        )
        if "EG_SUEZ" in via:
            kmc, viac = net.sea_route(frm, to, cape=True)
            extra_days = round((kmc - km) / CAPE_KM_PER_DAY)
            thc = (days + extra_days) * 24 - net.via_dwell(viac)
            corridor = "Asia-Europe via Cape of Good Hope" + (
                " (Western Land-Sea Corridor)" if frm == "CN_QINZHOU" else ""
            )
            net.add_service(
                f"{sid}_CAPE",
                frm,
                to,
                "sea",
                corridor,
                kmc,
                thc,
                via=viac,
                th_max=thc + 5 * 24,
                dep=dep,
                basis="FEU",
                rate=usd + CAPE_SURCHARGE_USD_PER_FEU,
                lcl_basis="wm",
                lcl_rate=round(lcl + CAPE_SURCHARGE_USD_PER_FEU / net.param["feu_volume_cbm"]),
                cur="USD",
                year=yr,
                co2="sea_deep",
                active=0,
                source=t["SEA_CAPE"].format(extra_days=extra_days, rate_source=rate_source),
                prov={
                    **figures,
                    "distance_km": net.computed("searoute km round the Cape of Good Hope"),
                    "transit_h": t.prov(
                        f"computed: the Suez days + {extra_days} days at 15 knots", "computed"
                    ),
                    "transit_h_max": t.prov(
                        "computed: the Cape days + 5 days of delay", "computed"
                    ),
                    "rate": proxy_of(
                        t.prov(r["rate_source"], r["rate_kind"] or None),
                        t.expand("the Suez lane rate + the Cape surcharge ({CMA_CAPE})"),
                    )._replace(
                        source=rate_prov.source + " ; " + t.address["CMA_CAPE"],
                        date=rate_prov.date + "; " + t.date["CMA_CAPE"],
                    ),
                    "lcl_rate": t.prov(
                        "assumption: the Suez LCL rate + the Cape surcharge per FEU / 67 cbm"
                    ),
                },
            )


def add_air(net: Network) -> None:
    """tables/air.csv: from Chengdu Shuangliu (CTU) and Tianfu (TFU)."""
    t = net.texts
    for r in read_table("air.csv"):
        dst, usd = r["to"], float(r["usd_per_kg"])
        stop_h = opt_int(r["stop_h"])
        time_note = (
            t["AIR_TIME_STOP"].format(stop_h=stop_h, stop=r["stop"]) if stop_h else t["AIR_TIME"]
        )
        source = t["AIR"].format(rate_source=t.expand(r["rate_source"]), time_note=time_note)
        rate_prov = t.prov(r["rate_source"], r["rate_kind"] or None)
        if rate_prov.kind == "cited":
            rate_prov = proxy_of(rate_prov, "a China-origin index for Chengdu")
        figures = {
            "distance_km": net.computed("great-circle km + 95 km (GLEC air rule)"),
            "transit_h": t.prov("assumption: " + time_note, "assumed"),
            "transit_h_max": t.prov("assumption: + 24 h (a missed connection)", "assumed"),
            "departures_per_week": t.prov(
                "assumption: cargo flights a week ({CTU_ROUTES})", "assumed"
            ),
            "rate": rate_prov,
        }
        for frm, dep in [("CN_CTU", r["departures_ctu"]), ("CN_TFU", r["departures_tfu"])]:
            if not dep:
                continue
            gc, km, th = air_leg(net, frm, dst, stop_h or 0.0)
            net.add_service(
                f"AIR_{net.short[frm]}_{net.short[dst].replace('APT_', '')}",
                frm,
                dst,
                "air",
                "Chengdu air hub (CTU/TFU)",
                km,
                th,
                th_max=th + 24,
                dep=float(dep),
                basis="kg",
                rate=usd,
                cur="USD",
                year=2025,
                co2="air_long" if gc > AIR_LONG_HAUL_KM else "air_short",
                source=source,
                prov=figures,
            )


def trucking_rates(net: Network, gw: str, km: float, m: float) -> tuple[dict[str, Any], str]:
    """Road rates from a foreign gateway, x regional factor m: per tonne from an airport
    (assumption DRAYAGE_AIR), per box from a port or terminal (DRAYAGE), with their label."""
    if net.kind(gw) == "airport":
        rates = {"basis": "tonne", "rate": round((60 + 0.12 * km) * m, 1)}
        return rates, net.texts["DRAYAGE_AIR"].format(m=m)
    box = cartage_box_usd(km, m)
    rates = {
        "basis": "FEU",
        "rate": round(box),
        "lcl_basis": "tonne",
        "lcl_rate": round(box / 12, 1),
    }
    return rates, net.texts["DRAYAGE"].format(m=m)


#: container cartage per box within 50 km, and per km beyond (source NYNJ_DRAY)
CARTAGE_USD = 550.0
CARTAGE_USD_PER_KM = 3.5


#: a rail shuttle's rate per km beyond 50 km (assumed: rail hauls cheaper than trucks)
SHUTTLE_USD_PER_KM = 1.5


def cartage_box_usd(km: float, m: float, per_km: float = CARTAGE_USD_PER_KM) -> float:
    """Container cartage USD 550 per box for <=50 km, + per_km beyond (USD 3.5 by truck),
    x regional factor."""
    return (CARTAGE_USD + per_km * max(0.0, km - 50)) * m


def add_drayage(net: Network) -> None:
    """tables/drayage.csv: foreign gateways -> warehouses, 4 h + km/60."""
    for r in read_table("drayage.csv"):
        wh, gw = r["warehouse"], r["gateway"]
        km = max(15.0, net.gc_km(gw, wh) * net.road_detour)
        rates, source = trucking_rates(net, gw, km, net.cost_factor(wh))
        sid = f"DR_{net.short[gw]}_{net.short[wh]}"
        net.add_service(
            sid,
            gw,
            wh,
            "road",
            "Drayage to overseas warehouse",
            km,
            4 + km / 60,
            **rates,
            cur="USD",
            year=2025,
            co2=road_co2(net, gw, wh),
            source=source,
            prov=trucking_prov(net, rates, source),
        )


def road_co2(net: Network, a: str, b: str, other: str = "road") -> str:
    """The emission factor key of a foreign truck leg: GLEC's European articulated truck
    (``road_eu``, cited) when both ends are in Europe (region ``eu`` of countries.csv), else
    ``other`` (a proxy)."""
    eu = all(net.countries[net.country(n)]["region"] == "eu" for n in (a, b))
    return "road_eu" if eu else other


#: the time rule of foreign trucking legs (drayage, port and airport cartage)
TRUCK_TIME = "assumption: 4 h (terminal and gate) + km at 60 km/h"


def trucking_prov(net: Network, rates: Mapping[str, Any], source: str) -> dict[str, Prov]:
    """Provenance of a foreign trucking leg: km computed, time and rates as its label says."""
    rate = net.texts.prov(source)
    figures = {
        "distance_km": net.computed("great-circle km x 1.3 road detour (at least 15 km)"),
        "transit_h": net.texts.prov(TRUCK_TIME),
        "rate": rate,
    }
    loose = net.texts.prov("assumption: loose cargo per t = the box rate / 12")
    return figures | ({"lcl_rate": loose} if "lcl_rate" in rates else {})


def add_hinterland(net: Network) -> None:
    """tables/hinterland.csv: links into rail terminals, so a quote there sees every mode."""
    for r in read_table("hinterland.csv"):
        gw, term, mode = r["gateway"], r["terminal"], r["mode"]
        if gw not in net.node or term not in net.node:
            continue
        km = max(15.0, net.gc_km(gw, term) * net.road_detour)
        m = net.cost_factor(term)
        sid = f"HL_{net.short[gw]}_{net.short[term]}"
        if mode == "rail":  # rail shuttle at 80% of the box cartage, 8 h + km/40
            dep = int(r["departures_per_week"])
            box = cartage_box_usd(km, m, SHUTTLE_USD_PER_KM) * 0.8
            net.add_service(
                sid,
                gw,
                term,
                "rail",
                "Rhine hinterland rail shuttle",
                km,
                8 + km / 40,
                dep=dep,
                basis="FEU",
                rate=round(box),
                lcl_basis="tonne",
                lcl_rate=round(box / 12, 1),
                cur="USD",
                year=2025,
                co2="rail_intl",
                source=net.texts["HINTERLAND"].format(m=m, dep=dep),
                prov={
                    "distance_km": net.computed("great-circle km x 1.3 (at least 15 km)"),
                    "transit_h": net.texts.prov("assumption: 8 h + km at 40 km/h"),
                    "departures_per_week": net.texts.prov("assumption: shuttles a week"),
                    "rate": net.texts.prov("{HINTERLAND}", "assumed"),
                    "lcl_rate": net.texts.prov("{HINTERLAND}", "assumed"),
                },
            )
        else:
            rates, source = trucking_rates(net, gw, km, m)
            corridor = (
                "Airport trucking to terminal"
                if net.kind(gw) == "airport"
                else "Port cartage to terminal"
            )
            net.add_service(
                sid,
                gw,
                term,
                "road",
                corridor,
                km,
                4 + km / 60,
                **rates,
                cur="USD",
                year=2025,
                co2=road_co2(net, gw, term),
                source=source,
                prov=trucking_prov(net, rates, source),
            )


def parcel_tariffs(net: Network) -> dict[str, tuple[float, str, Prov]]:
    """tables/parcel_tariffs.csv: CNY per parcel of the final delivery in each market country
    (value x contract_factor in its currency, or another country's tariff x factor), with its
    provenance (a country priced from another's tariff is a proxy)."""
    rows = {r["country"]: r for r in read_table("parcel_tariffs.csv")}
    done: dict[str, tuple[float, str, Prov]] = {}

    def tariff(c: str) -> tuple[float, str, Prov]:
        if c not in done:
            r = rows[c]
            text = net.texts.expand(r["source"])
            if r["ref"]:
                base, base_text, base_prov = tariff(r["ref"])
                value = base * float(r["factor"])
                text += f"; {r['ref']} {base:g} CNY per parcel: {base_text}"
                pv = proxy_of(base_prov, f"{c} priced as {r['ref']} x {r['factor']}")
            else:
                value = float(r["value"]) * float(r["contract_factor"]) * net.cny_per[r["currency"]]
                text += f"; {fx_note(net, r['currency'])}" if r["currency"] != "CNY" else ""
                pv = net.texts.prov(r["source"])
            done[c] = (round(value, 2), text, pv)
        return done[c]

    return {c: tariff(c) for c in rows}


def add_warehouse_delivery(net: Network) -> None:
    """tables/warehouse_delivery.csv: last mile from a warehouse, timed and priced by its rule
    (tables/lm_rules.csv): weight part per t + a per-parcel order_rate (parcel_tariffs.csv)."""
    rules = {r["rule"]: r for r in read_table("lm_rules.csv")}
    parcel = parcel_tariffs(net)
    for r in read_table("warehouse_delivery.csv"):
        wh, mk, rule = r["warehouse"], r["market"], rules[r["rule"]]
        borders = int(r["borders"] or 0)
        if rule["distance"] == "air":
            km, km_rule = net.gc_km(wh, mk) + 95, "great-circle + 95 km"
        else:
            km, km_rule = max(20.0, net.gc_km(wh, mk) * net.road_detour), "great-circle x 1.3"
        border_h = float(rule["border_h"]) * borders
        th = float(rule["base_h"]) + km / float(rule["km_per_h"]) + border_h
        th_max = float(rule["max_base_h"]) + km / float(rule["max_km_per_h"]) + 2 * border_h
        wc = net.wh_countries[net.country(wh)]
        local = int(wc["delivery_cny_per_t"])
        extra = float(rule["linehaul_cny_per_tkm"]) * max(0.0, km - 150) + float(
            rule["flat_cny_per_t"]
        )
        rate = local + extra
        # the weight part: the country's delivery rate, + the rule's linehaul or air leg if any
        local_prov = net.texts.prov(wc["delivery_source"])
        rate_prov = (
            combined(
                f"{local} CNY/t, the warehouse country's delivery rate, + {extra:.0f} CNY/t of "
                "the link's rule",
                local_prov,
                net.texts.prov(rule["rate_source"]),
            )
            if extra > 0
            else local_prov
        )
        linehaul = f" + {extra:.0f} CNY/t of the rule ({net.texts.expand(rule['rate_source'])})"
        order, parcel_source, order_prov = parcel[net.country(mk)]
        rule_prov = net.texts.prov(rule["source"], "assumed")
        net.add_service(
            f"LM_{net.short[wh]}_{net.short[mk]}",
            wh,
            mk,
            "last_mile",
            "Overseas warehouse delivery",
            km,
            th,
            th_max=th_max,
            basis="tonne",
            rate=rate,
            order_rate=order,
            co2=rule["co2"],
            year=2025,
            source=net.texts["WAREHOUSE_DELIVERY"].format(
                r=local,
                delivery_source=net.texts.expand(wc["delivery_source"]),
                linehaul=linehaul if extra > 0 else "",
                o=f"{order:g}",
                parcel_source=parcel_source,
                km_rule=km_rule,
                rule_source=f"{r['rule']} rule"
                + (f", {borders} border(s)" if borders else "")
                + f": {net.texts.expand(rule['source'])}",
            ),
            prov={
                "distance_km": net.computed(f"{km_rule} (at least 20 km)"),
                "transit_h": rule_prov,
                "transit_h_max": rule_prov,
                "rate": rate_prov,
                "order_rate": order_prov,
            },
        )


def add_gateway_delivery(net: Network) -> None:
    """tables/market_gateways.csv: 9610 courier from every gateway, 9710 B2B trucks from ports."""
    t = net.texts
    parcel = parcel_tariffs(net)
    for r in read_table("market_gateways.csv"):
        mk, gw = r["market"], r["gateway"]
        order, parcel_source, order_prov = parcel[net.country(mk)]
        km = max(20.0, net.gc_km(gw, mk) * net.road_detour)
        rate = int(net.countries[net.country(mk)]["courier_cny_per_kg"]) + (3 if km > 800 else 0)
        net.add_service(
            f"LM_{net.short[gw].replace('APT_', 'A')}_{net.short[mk]}",
            gw,
            mk,
            "last_mile",
            "Direct cross-border delivery (9610/9710)",
            km,
            48 + km / 30,
            th_max=96 + km / 30,
            basis="kg",
            rate=rate,
            order_rate=order,
            co2="last_mile",
            year=2025,
            source=t["COURIER"].format(r=rate, o=f"{order:g}", parcel_source=parcel_source),
            prov={
                "distance_km": net.computed("great-circle km x 1.3 (at least 20 km)"),
                "transit_h": t.prov("assumption: 48 h (clearance, injection) + km at 30 km/h"),
                "transit_h_max": t.prov("assumption: 96 h + km at 30 km/h"),
                "rate": t.prov(
                    "assumption: cross-border courier clearance, sorting and injection per kg "
                    "(contract rates unknown, domain_facts §7)"
                ),
                "order_rate": order_prov,
            },
        )
        if net.kind(gw) in ("seaport", "rail_terminal"):
            m = net.cost_factor(mk)
            eur = net.cny_per["EUR"]
            ftl = (
                (EU_FTL_EUR_PER_KM * km + EU_FTL_EUR_PER_DAY * math.ceil(km / EU_DAY_KM)) * eur * m
            )
            source = t["B2B"].format(r=round(ftl), m=m)
            net.add_service(
                f"RD_{net.short[gw]}_{net.short[mk]}",
                gw,
                mk,
                "road",
                "Direct B2B delivery (9710)",
                km,
                24 + km / 55,
                basis="truck",
                rate=round(ftl),
                lcl_basis="tonne",
                lcl_rate=round(ftl / 12, 1),
                co2=road_co2(net, gw, mk, "truck_delivery"),
                year=2025,
                source=source,
                prov={
                    "distance_km": net.computed("great-circle km x 1.3 (at least 20 km)"),
                    "transit_h": t.prov("assumption: 24 h (clearance) + km at 55 km/h"),
                    "rate": t.prov("{B2B}" if m == 1.0 else "{B2B}; scaled by the regional factor"),
                    "lcl_rate": t.prov("assumption: LTL per t = the FTL rate / 12"),
                },
            )


#: the EU full-truckload rule of the B2B truck deliveries (source EU_FTL in sources.csv)
EU_FTL_EUR_PER_KM = 0.70
EU_FTL_EUR_PER_DAY = 300.0
#: km a truck covers a day (assumed: the EU 9-hour driving limit at about 80 km/h)
EU_DAY_KM = 720.0


def add_services(net: Network) -> None:
    add_road_feeders(net)
    add_individual_services(net, "domestic")
    add_cr_express(net)
    add_cr_express_chongqing(net)
    add_individual_services(net, "asean_rail")
    add_sea(net)
    add_air(net)
    add_individual_services(net, "air_plan")
    add_drayage(net)
    add_hinterland(net)
    add_warehouse_delivery(net)
    add_gateway_delivery(net)


# ---------------------------------------------------------------------------
# Warehouses, products
# ---------------------------------------------------------------------------
#: m2 per unit of floor area in a rent: sq ft, and the tsubo (Japan) and pyeong (Korea) of 3.3058 m2
M2_PER = {"m2": 1.0, "sqft": 1 / SQFT_PER_M2, "tsubo": 3.3058, "pyeong": 3.3058}
#: the owned size tier written to the classic columns of warehouses.csv (area, fixed cost, capacity)
REFERENCE_TIER = "M"
SHARED_FEES = ("storage", "handling", "inbound")


def rent_cny(value: float, unit: str, cny_per: dict[str, float]) -> float:
    """A rent in CUR/AREA/PERIOD in CNY/m2/yr (AREA m2, sqft, tsubo or pyeong; PERIOD yr, month)."""
    cur, area, period = unit.split("/")
    value = value / M2_PER[area]
    if period == "month":
        value = value * 12
    return value * cny_per[cur]


def fx_note(net: Network, cur: str) -> str:
    """Where the CNY rate of a currency comes from (empty for CNY)."""
    if cur == "CNY":
        return ""
    if cur in ("USD", "EUR"):
        return f"{cur} at {net.cny_per[cur]:g} CNY (fx.csv)"
    return f"{cur} at {net.cny_per[cur]:g} CNY ({net.fx_source[cur]})"


class Tier(NamedTuple):
    """An owned size tier (tables/warehouse_tiers.csv)."""

    tier: str
    area: int
    fte_per_1000: float
    systems: float
    other_per_m2: float
    throughput: float

    def fte(self) -> int:
        return math.ceil(round(self.area / 1000 * self.fte_per_1000, 6))

    def fixed_cny(self, rent: float, staff: float) -> float:
        """rent x area + ceil(area/1000 x fte_per_1000_m2) x staff + systems + other x area."""
        return rent * self.area + self.fte() * staff + self.systems + self.other_per_m2 * self.area

    def capacity_t(self) -> float:
        return self.throughput * self.area


def tiers(net: Network) -> tuple[list[Record], dict[str, Tier]]:
    """tables/warehouse_tiers.csv: the owned size tiers offered at every candidate site."""
    out, by_name = [], {}
    for r in read_table("warehouse_tiers.csv"):
        t = Tier(
            r["tier"],
            int(r["area_m2"]),
            float(r["fte_per_1000_m2"]),
            float(r["systems_cny_per_year"]),
            float(r["other_cny_per_m2_year"]),
            float(r["throughput_t_per_m2_year"]),
        )
        by_name[t.tier] = t
        tx = net.texts
        net.record(
            "warehouse_tiers.csv",
            t.tier,
            {
                "area_m2": tx.prov(r["area_source"]),
                "fte_per_1000_m2": tx.prov("assumption: " + r["fte_source"] + "; {TIER_STAFF}"),
                "systems_cny_per_year": tx.prov("assumption: {TIER_SYSTEMS}"),
                "other_cny_per_m2_year": tx.prov("assumption: {TIER_SYSTEMS}"),
                "throughput_t_per_m2_year": tx.prov("assumption: {TIER_THROUGHPUT}"),
            },
        )
        out.append(
            {
                "tier": t.tier,
                "area_m2": t.area,
                "fte_per_1000_m2": t.fte_per_1000,
                "systems_cny_per_year": t.systems,
                "other_cny_per_m2_year": t.other_per_m2,
                "throughput_t_per_m2_year": t.throughput,
                "source": net.texts["TIER"].format(
                    tier=t.tier,
                    area_source=net.texts.expand(r["area_source"]),
                    fte_source=net.texts.expand(r["fte_source"]),
                ),
            }
        )
    return out, by_name


def shared_fees(net: Network) -> dict[str, dict[str, tuple[float, str, Prov]]]:
    """tables/shared_fees.csv: the shared (pay-per-use) rate card by country, in CNY:
    storage per cbm-month, handling per order (excl. postage), inbound per cbm; a row with a
    ``ref`` is that country's fee x ``factor``."""
    rows = {(r["country"], r["fee"]): r for r in read_table("shared_fees.csv")}
    done: dict[tuple[str, str], tuple[float, str, Prov]] = {}

    def fee(key: tuple[str, str]) -> tuple[float, str, Prov]:
        if key not in done:
            r = rows[key]
            text = net.texts.expand(r["source"])
            if r["ref"]:
                base, base_text, base_prov = fee((r["ref"], key[1]))
                value = base * float(r["factor"])
                text += f"; {r['ref']} {key[1]} {base:g} CNY: {base_text}"
                pv = proxy_of(base_prov, f"{key[0]} priced as {r['ref']} x {r['factor']}")
            else:
                value = float(r["value"]) * net.cny_per[r["currency"]]
                text += f"; {fx_note(net, r['currency'])}" if r["currency"] != "CNY" else ""
                pv = net.texts.prov(r["source"])
            done[key] = (round(value, 2), text, pv)
        return done[key]

    out: dict[str, dict[str, tuple[float, str, Prov]]] = defaultdict(dict)
    for country, kind in rows:
        out[country][kind] = fee((country, kind))
    return dict(out)


def combined(how: str, *inputs: Prov) -> Prov:
    """A figure computed from others: computed if every input is cited or computed, else a
    proxy or an assumption as its weakest input; the sources and dates of all inputs."""
    kinds = {pv.kind for pv in inputs}
    kind = "assumed" if "assumed" in kinds else "proxy" if "proxy" in kinds else COMPUTED
    join = lambda xs: " ; ".join(dict.fromkeys(x for pv in inputs for x in xs(pv) if x))  # noqa: E731
    inputs_note = "; ".join(f"{pv.kind}: {pv.note}" for pv in inputs)
    return Prov(
        kind,
        join(lambda pv: pv.source.split(" ; ")),
        join(lambda pv: pv.date.split("; ")),
        f"computed: {how}; inputs: {inputs_note}",
    )


def staff_cny(net: Network, r: Row) -> float:
    """Fully loaded cost of a warehouse worker a year: wage (CUR/yr, CUR/month) x loaded factor."""
    cur, period = r["wage_unit"].split("/")
    per_year = float(r["wage"]) * (12 if period == "month" else 1)
    return per_year * net.cny_per[cur] * float(r["loaded_factor"])


def warehouses(net: Network, tier_of: dict[str, Tier]) -> list[Record]:
    """tables/warehouses.csv (sites and rents), warehouse_countries.csv (wages, handling,
    storage, stock days), shared_fees.csv (the shared option); the classic columns are the
    reference (M) tier's area, fixed cost and capacity."""
    t = net.texts
    ref = tier_of[REFERENCE_TIER]
    fees = shared_fees(net)
    out: list[Record] = []
    for r in read_table("warehouses.csv"):
        wh, country = r["node_id"], net.country(r["node_id"])
        cr = net.wh_countries[country]
        rent = round(rent_cny(float(r["rent"]), r["rent_unit"], net.cny_per))
        rent_note = fx_note(net, r["rent_unit"].split("/")[0])
        staff = round(staff_cny(net, cr), -2)
        staff_note = fx_note(net, cr["wage_unit"].split("/")[0])
        fee = fees[country]
        fixed = ref.fixed_cny(rent, staff)
        source = t["WAREHOUSE"].format(
            tier=ref.tier,
            area=f"{ref.area:,}",
            rent=rent,
            fte=ref.fte(),
            staff=f"{staff:,.0f}",
            rent_source=t.expand(r["rent_source"]) + (f"; {rent_note}" if rent_note else ""),
            staff_source=t.expand(cr["wage_source"]) + (f"; {staff_note}" if staff_note else ""),
            storage_source=t.expand(cr["storage_source"]),
            ss=f"{fee['storage'][0]:g}",
            ss_source=fee["storage"][1],
            sh=f"{fee['handling'][0]:g}",
            sh_source=fee["handling"][1],
            si=f"{fee['inbound'][0]:g}",
            si_source=fee["inbound"][1],
        )
        if r["public_service"]:
            source += "; " + t["WAREHOUSE_PUBLIC"].format(note=r["public_service"])
        rent_prov = t.prov(r["rent_source"])
        staff_prov = t.prov(cr["wage_source"])
        tier_prov = t.prov("{TIER_SYSTEMS}; {TIER_THROUGHPUT}", "assumed")
        net.record(
            "warehouses.csv",
            wh,
            {
                "area_m2": t.prov("assumption: the owned M tier's area (warehouse_tiers.csv)"),
                "fixed_cost_cny_per_year": combined(
                    "rent x area + staff x FTE + systems + other x area (the M tier)",
                    rent_prov,
                    staff_prov,
                    tier_prov,
                ),
                "capacity_t_per_year": tier_prov,
                "handling_cny_per_t": t.prov("assumption: owned handling per t by country"),
                "storage_cny_per_cbm_month": t.prov(cr["storage_source"]),
                "stock_days": t.prov("assumption: days of stock held abroad by country"),
                "rent_cny_per_m2_year": rent_prov,
                "staff_cny_per_fte_year": staff_prov,
                "shared_storage_cny_per_cbm_month": fee["storage"][2],
                "shared_handling_cny_per_order": fee["handling"][2],
                "shared_inbound_cny_per_cbm": fee["inbound"][2],
            },
        )
        out.append(
            {
                "node_id": wh,
                "operator": r["operator"],
                "status": "candidate",
                "public_service": int(bool(r["public_service"])),
                "area_m2": ref.area,
                "fixed_cost_cny_per_year": round(fixed, -3),
                "capacity_t_per_year": ref.capacity_t(),
                "handling_cny_per_t": float(cr["handling_cny_per_t"]),
                "storage_cny_per_cbm_month": float(cr["storage_cny_per_cbm_month"]),
                "stock_days": int(cr["stock_days"]),
                "rent_cny_per_m2_year": rent,
                "staff_cny_per_fte_year": staff,
                "shared_storage_cny_per_cbm_month": fee["storage"][0],
                "shared_handling_cny_per_order": fee["handling"][0],
                "shared_inbound_cny_per_cbm": fee["inbound"][0],
                "shared_capacity_t_per_year": None,
                "source": source,
            }
        )
    return out


def products(net: Network) -> list[Record]:
    """tables/products.csv; the sources of margin_share, weekly_cv and order_kg join the row's."""
    x, pv = net.texts.expand, net.texts.prov
    for r in read_table("products.csv"):
        net.record(
            "products.csv",
            r["id"],
            {
                "density_kg_per_cbm": pv(r["source"]),
                "value_cny_per_t": pv(r["source"]),
                "margin_share": pv(r["margin_source"]),
                "weekly_cv": pv(r["cv_source"]),
                "order_kg": pv(r["order_source"]),
            },
        )
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "name_zh": r["name_zh"],
            "density_kg_per_cbm": float(r["density_kg_per_cbm"]),
            "value_cny_per_t": float(r["value_cny_per_t"]),
            "margin_share": float(r["margin_share"]),
            "weekly_cv": float(r["weekly_cv"]),
            "order_kg": float(r["order_kg"]),
            "notes": r["notes"],
            "source": f"{x(r['source'])}; margin_share: {x(r['margin_source'])}; "
            f"weekly_cv: {x(r['cv_source'])}; order_kg: {x(r['order_source'])}",
        }
        for r in read_table("products.csv")
    ]


# ---------------------------------------------------------------------------
# Time feasibility: fastest door-to-door hours from each origin
# ---------------------------------------------------------------------------
class TimeGraph:
    """Fastest times: transit + via dwell + expected wait + dwell at transshipment nodes.

    Each node n is split into (ARRIVE, n) -> (DEPART, n), weighted by its dwell; an active
    service is an arc (DEPART, from) -> (ARRIVE, to) weighted by transit + via dwell + wait
    (the fastest of parallel services). Markets have no DEPART side, so paths end there.
    Only path lengths are used, so which of equally fast paths networkx picks does not matter.
    """

    def __init__(self, net: Network) -> None:
        self.net = net
        g = nx.DiGraph()
        for n in net.nodes:
            if n["kind"] != "market":
                g.add_edge((ARRIVE, n["id"]), (DEPART, n["id"]), weight=n["dwell_h"])
        wait_factor = net.param["expected_wait_factor"]
        for s in net.services:
            if s["active"] != 1:
                continue
            dep = s["departures_per_week"]
            wait = wait_factor * HOURS_PER_WEEK / dep if dep else 0.0
            w = s["transit_h"] + net.via_dwell(split_list(s["via"])) + wait
            arc = ((DEPART, s["from"]), (ARRIVE, s["to"]))
            if not g.has_edge(*arc) or w < g.edges[arc]["weight"]:
                g.add_edge(*arc, weight=w)
        self.graph = g
        # last-mile legs into each market from a warehouse: (warehouse, hours)
        self.lm_from_wh: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for s in net.services:
            frm, to = s["from"], s["to"]
            if s["active"] == 1 and s["mode"] == "last_mile" and net.kind(frm) == "warehouse":
                self.lm_from_wh[to].append((frm, s["transit_h"]))
        self.fast = {o: self.fastest_from(o) for o in net.origins}

    def fastest_from(self, origin: str) -> dict[str, float]:
        """Hours from leaving origin to arriving at each reachable node (origin: 0)."""
        hours = nx.single_source_dijkstra_path_length(self.graph, (DEPART, origin), weight="weight")
        return {origin: 0.0} | {
            n: h for (side, n), h in hours.items() if side == ARRIVE and n != origin
        }

    def fastest_days(self, origin: str, market: str, via_wh: bool) -> float:
        d = self.fast[origin]
        if not via_wh:
            return d.get(market, math.inf) / 24
        best = min(
            (
                d.get(wh, math.inf) + self.net.node[wh]["dwell_h"] + lm
                for wh, lm in self.lm_from_wh[market]
            ),
            default=math.inf,
        )
        return best / 24


# ---------------------------------------------------------------------------
# Demand, calibrated to the 2025 plan targets
# ---------------------------------------------------------------------------
#: channels measured door to door (9810 is measured by its last mile from stock)
DIRECT_CHANNELS = ("9610", "9710", "1210")
#: days from order to dispatch at an overseas warehouse (as the design model's dispatch_days)
DISPATCH_DAYS = 1.0


class DemandInputs:
    """tables/plan_targets.csv, product_mix.csv, origin_shares.csv, market_shares.csv,
    buyer_segments.csv and promises.csv."""

    def __init__(self, net: Network) -> None:
        targets = read_table("plan_targets.csv")
        self.target = {r["city"]: float(r["target_cny"]) for r in targets}
        self.target_source = {r["city"]: net.texts.expand(r["source"]) for r in targets}
        self.target_source_text = {r["city"]: r["source"] for r in targets}
        self.mix = {
            (r["city"], r["product"]): float(r["share"]) for r in read_table("product_mix.csv")
        }
        self.origin_share: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        for r in read_table("origin_shares.csv"):
            self.origin_share[(r["city"], r["product"])][r["origin"]] = float(r["share"])
        self.market_share: dict[str, dict[str, int]] = defaultdict(dict)
        for r in read_table("market_shares.csv"):
            self.market_share[r["product"]][r["market"]] = int(r["weight"])
        # (city or "", product) -> buyer segments in table order
        self.segments: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for r in read_table("buyer_segments.csv"):
            self.segments[(r["city"], r["product"])].append(r)
        self.promises = {r["promise"]: r for r in read_table("promises.csv")}
        self.countries = net.countries
        self.texts = net.texts

    def segments_of(self, city: str, product: str) -> list[Row]:
        return self.segments.get((city, product)) or self.segments[("", product)]

    def promise_days(self, promise: str, country: str) -> int:
        return int(self.promises[promise]["days_" + self.countries[country]["region"]])

    def promise_source(self, promise: str, country: str) -> str:
        r = self.promises[promise]
        text = self.texts.expand(r["source_" + self.countries[country]["region"]])
        return text + (f"; {self.texts.expand(r['note'])}" if r["note"] else "")

    def promise_text(self, promise: str, country: str) -> str:
        """The unexpanded source text of a promise in a country's region."""
        return self.promises[promise]["source_" + self.countries[country]["region"]]

    def max_days(self, promise: str) -> int:
        return int(self.promises[promise]["max_required_days"])


def channel_days(times: TimeGraph, origin: str, market: str, channel: str) -> float:
    """Fastest days of a channel: door to door for 9610, 9710 and 1210; for 9810 the last mile
    from stock plus dispatch (the promise of a warehouse-served order starts at the order)."""
    if channel in DIRECT_CHANNELS:
        return times.fastest_days(origin, market, via_wh=False)
    return min((h / 24 for _, h in times.lm_from_wh[market]), default=math.inf) + DISPATCH_DAYS


def demand(
    net: Network, times: TimeGraph, value_per_t: dict[str, float]
) -> tuple[list[Record], list[tuple[str, str, str, str, float]]]:
    """Buyer-segment demand rows (each with the channels it allows) and the segments dropped
    because no allowed channel meets their largest required days."""
    inp = DemandInputs(net)
    rows = []
    for (city, prod), oshares in inp.origin_share.items():
        pm = inp.mix[(city, prod)]
        mshares = inp.market_share[prod]
        tot_m = sum(mshares.values())
        segs = inp.segments_of(city, prod)
        for o, zs in oshares.items():
            # small zone-product flows go to their largest markets only (keeps the table to a
            # few hundred rows)
            k = max(3, min(12, len(mshares), math.ceil(len(mshares) * zs / 0.60)))
            top = sorted(mshares.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
            tot_top = sum(v for _, v in top)
            for mk, v in top:
                # every zone-market flow splits into the product's buyer segments (shares of its
                # tonnes), so each segment's share holds in total
                for seg in segs:
                    ss = float(seg["share"])
                    value = inp.target[city] * pm * zs * (v / tot_top) * ss
                    rows.append((city, o, mk, prod, seg, value, pm, zs, v / tot_m, ss))
    out: list[Record] = []
    dropped: list[tuple[str, str, str, str, float]] = []
    for city, o, mk, prod, seg, value, pm, zs, ms, ss in rows:
        country = net.country(mk)
        req = inp.promise_days(seg["promise"], country)
        channels = seg["channels"].split(";")
        fd = min(channel_days(times, o, mk, c) for c in channels)
        stretched = ""
        if fd > req:
            if math.ceil(fd * 1.1) <= inp.max_days(seg["promise"]):
                stretched = f" stretched from {req} days to the fastest allowed channel + 10%"
                req = math.ceil(fd * 1.1)
            else:
                dropped.append((o, mk, prod, seg["channels"], round(fd, 1)))
                continue
        template = "DEMAND" if seg["trade"] == "cbec" else "DEMAND_ORDINARY"
        source = net.texts[template].format(
            seg=seg["segment"],
            ss=ss,
            seg_source=net.texts.expand(seg["source"]),
            city=city,
            tgt=inp.target[city] / 1e9,
            target_source=inp.target_source[city],
            pm=pm,
            zs=zs,
            ms=ms,
            req=req,
            stretched=stretched,
            promise_source=inp.promise_source(seg["promise"], country),
        )
        tonnes_prov = (
            combined(
                "the city's plan target x product mix x zone share x market share x buyer "
                "segment share / value per t (the shares are assumed)",
                net.texts.prov(inp.target_source_text[city]),
                net.texts.prov("assumption: product mix, zone, market and segment shares"),
            )
            if seg["trade"] == "cbec"
            else net.texts.prov("{DEMAND_ORDINARY}", "assumed")._replace(
                note="assumption: ordinary trade carried by the network, an allocation of "
                "assumed shares (not part of the plan target)"
            )
        )
        days_prov = net.texts.prov(inp.promise_text(seg["promise"], country))
        out.append(
            {
                "prov": {"tonnes_per_year": tonnes_prov, "required_days": days_prov},
                "origin": o,
                "market": mk,
                "product": prod,
                "value": value,
                "customs_mode": seg["channels"],
                "required_days": req,
                "trade": seg["trade"],
                "city": city,
                "source": source,
                "late_channels": [c for c in channels if channel_days(times, o, mk, c) > req],
            }
        )
    # the cross-border e-commerce rows of each city make up its plan target (after any dropped
    # rows); ordinary trade keeps its allocation, outside the target
    for city, target in inp.target.items():
        cbec = [d for d in out if d["city"] == city and d["trade"] == "cbec"]
        tot = sum(d["value"] for d in cbec)
        for d in cbec:
            d["value"] *= target / tot
    for i, d in enumerate(out, 1):
        d["id"] = f"D{i:04d}"
        d["tonnes_per_year"] = round(d["value"] / value_per_t[d["product"]], 1)
        net.record("demand.csv", d["id"], d.pop("prov"))
    return out, dropped


# ---------------------------------------------------------------------------
# Parameters, waypoints
# ---------------------------------------------------------------------------
def parameters(net: Network) -> list[Record]:
    """tables/parameters.csv; an empty value is computed (rail_detour_factor)."""
    computed = {"rail_detour_factor": net.rail_detour}
    for r in net.param_rows:
        net.record("parameters.csv", r["name"], {"value": net.texts.prov(r["source"])})
    for r in net.fx_rows:
        if r["currency"] != "CNY":  # the base currency is 1 by definition
            net.record("fx.csv", r["currency"], {"cny_per_unit": net.texts.prov(r["source"])})
    return [
        {
            "name": r["name"],
            "value": float(r["value"]) if r["value"] else computed[r["name"]],
            "unit": r["unit"],
            "source": net.texts.expand(r["source"]),
        }
        for r in net.param_rows
    ]


def charges(net: Network) -> list[Record]:
    """tables/charges.csv: a forwarder's fees and surcharges, one figure (amount) per row."""
    rows = read_table("charges.csv")
    for r in rows:
        pv = net.texts.prov(r["source"])
        net.record("charges.csv", r["id"], {"amount": pv, "minimum": pv if r["minimum"] else None})
    return [{**r, "source": net.texts.expand(r["source"])} for r in rows]


def criteria(net: Network) -> list[Record]:
    """tables/criteria.csv: the recognition criteria of public overseas-warehouse schemes, one
    per row; its figure is the threshold (none where the notice's threshold was not seen)."""
    rows = read_table("criteria.csv")
    for r in rows:
        pv = net.texts.prov(r["source"])
        net.record("criteria.csv", r["id"], {"threshold": pv if r["threshold"] else None})
    return [{**r, "source": net.texts.expand(r["source"])} for r in rows]


#: the figures of an operators.csv row and the column of tables/operators.csv with their
#: source (empty: the row's source)
OPERATOR_FIGURES = {
    "registered_in": "registered_source",
    "registered_city": "registered_source",
    "registered_since": "registered_source",
    "abroad_since": "abroad_source",
    "area_m2": "area_source",
    "overseas_share": "share_source",
    "odi_certificate": "odi_source",
    "wms": "wms_source",
    "firms_served": "firms_source",
    "services": "services_source",
    "country_groups": "groups_source",
}


def operators(net: Network) -> list[Record]:
    """tables/operators.csv: candidate operators of the warehouse sites (real ones where a
    public source names them, else a typical candidate labelled an assumption), each figure
    with its own source column or the row's."""
    rows = read_table("operators.csv")
    for r in rows:
        assert r["site"] in net.node and net.kind(r["site"]) == "warehouse", r["id"]
        figures = {
            fld: net.texts.prov(r[col] or r["source"]) if r[fld] else None
            for fld, col in OPERATOR_FIGURES.items()
        }
        net.record("operators.csv", r["id"], figures)
    cols = OUTPUT_COLUMNS["operators.csv"].split()
    return [{**{c: r[c] for c in cols}, "source": net.texts.expand(r["source"])} for r in rows]


def waypoints(net: Network) -> list[Record]:
    source = net.texts["WAYPOINT"]
    where = net.texts.prov("{WAYPOINT}")
    for key in sorted(net.segments):
        for i, _ in enumerate(net.segments[key], 1):
            net.record("waypoints.csv", f"{key}#{i}", {"lat": where, "lon": where})
    return [
        {
            "corridor": key,
            "seq": i,
            "name": w,
            "lat": net.places[w][0],
            "lon": net.places[w][1],
            "source": source,
        }
        for key in sorted(net.segments)
        for i, w in enumerate(net.segments[key], 1)
    ]


#: the figures of a duties.csv row and the column of tables/duties.csv with their source
DUTY_FIGURES = {
    "duty_rate": "duty_source",
    "extra_duty_rate": "extra_source",
    "vat_rate": "vat_source",
    "duty_free_below": "threshold_source",
    "vat_free_below": "threshold_source",
    "flat_duty_per_item": "threshold_source",
}


def duties(net: Network) -> list[Record]:
    """tables/duties.csv: import duty and VAT by destination and product class, a group's
    row (EU) repeated for each member with the member's VAT (tables/duty_groups.csv); the
    texts cite tables/duty_sources.csv. threshold_cny_per_unit is the CNY rate of the
    threshold currency (fx.csv or fx_other.csv) for currencies the network's fx.csv lacks."""
    t = Texts(
        [*read_table("sources.csv"), *read_table("duty_sources.csv")],
        read_table("assumptions.csv"),
    )
    groups: dict[str, list[Row]] = defaultdict(list)
    for g in read_table("duty_groups.csv"):
        groups[g["group"]].append(g)
    out: list[Record] = []
    for r in read_table("duties.csv"):
        row_pv = t.prov(r["source"], r["kind"], r["date"])
        members = (
            [(g["country"], g) for g in groups[r["country"]]]
            if r["members"]
            else [(r["country"], None)]
        )
        cur = r["threshold_currency"]
        for cc, g in members:
            rid = f"{r['id']}-{cc}" if g else r["id"]
            rec: Record = {c: r.get(c, "") for c in OUTPUT_COLUMNS["duties.csv"].split()}
            rec.update(id=rid, country=cc, union=r["country"] if g else "")
            rec["source"] = t.expand(r["source"])
            figures: dict[str, Prov | None] = {}
            for fld, col in DUTY_FIGURES.items():
                text = r[col]
                if fld == "vat_rate" and g is not None:
                    rec["vat_rate"], text = g["vat_rate"], g["source"]
                has = rec[fld] != "" or (fld.endswith("_below") and bool(text))
                figures[fld] = (t.prov(text) if text else row_pv) if has else None
            if cur and cur not in ("CNY", "USD", "EUR"):
                rec["threshold_cny_per_unit"] = net.cny_per[cur]
                figures["threshold_cny_per_unit"] = net.texts.prov(net.fx_source[cur])
            net.record("duties.csv", rid, figures)
            out.append(rec)
    return out


# ---------------------------------------------------------------------------
# Write
# ---------------------------------------------------------------------------
def fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(round(v, 4))
    return str(v)


def write(path: Path, cols: list[str], rows: Iterable[Record]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([fmt(r.get(c)) for c in cols])


def main(argv: Sequence[str]) -> None:
    out_dir = Path(argv[0]) if argv else OUT
    net = Network()
    add_services(net)
    tier_rows, tier_of = tiers(net)
    whs = warehouses(net, tier_of)
    prods = products(net)
    times = TimeGraph(net)
    dem, dropped = demand(net, times, {p["id"]: p["value_cny_per_t"] for p in prods})

    # self-check: every demand market reachable from every origin, and via a warehouse
    for o, fast in times.fast.items():
        for mk in sorted({d["market"] for d in dem}):
            assert mk in fast, (o, mk)
    for mk in net.markets:
        assert times.lm_from_wh[mk], mk

    tables = {
        "nodes.csv": net.nodes,
        "services.csv": net.services,
        "warehouses.csv": whs,
        "warehouse_tiers.csv": tier_rows,
        "products.csv": prods,
        "demand.csv": dem,
        "duties.csv": duties(net),
        "fx.csv": net.fx,
        "parameters.csv": parameters(net),
        "waypoints.csv": waypoints(net),
        "charges.csv": charges(net),
        "criteria.csv": criteria(net),
        "operators.csv": operators(net),
    }
    tables["provenance.csv"] = net.provenance
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        write(out_dir / name, OUTPUT_COLUMNS[name].split(), rows)
    tonnes = sum(d["tonnes_per_year"] for d in dem)
    late = sum(1 for d in dem if d["late_channels"])
    print(
        f"nodes {len(net.nodes)}, services {len(net.services)}, warehouses {len(whs)}, "
        f"demand {len(dem)} (dropped {len(dropped)}; {late} with a channel slower than the "
        f"promise), tonnes {tonnes:,.0f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
