"""The network compiled for pricing: services and nodes as small records, cached per network.

:func:`compile_network` turns a :class:`~optimizer.data.network.Network`
into plain records (active services out of and into every node, node
handling, dwell and border fees, the container types of each rate basis) once
per network object; quotes on the same network reuse it and its memo tables.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import weakref
from dataclasses import dataclass
from typing import Any

from optimizer.data.network import Network
from optimizer.pricing.tariff import Rules, rules_of

#: 40' high-cube: 76.3 cbm internal, 26.54 t max payload (ISO 668 box; container
#: tables at https://www.freightutils.com/containers); used when parameters.csv has
#: no ``fehc_payload_t`` / ``fehc_volume_cbm``.
HC40_VOLUME_CBM = 76.3
HC40_PAYLOAD_T = 26.54
#: Price of a 20' on a service quoted per FEU, as a share of the FEU rate.
#: Assumption: the Chinese rail container tariff (NDRC 2008) charges a 20'
#: 0.61-0.63 of a 40' for 2,000-10,000 km hauls (219 + 1.0374/km vs 429.8 +
#: 1.6374/km CNY per box); overridden by parameter ``teu_share_of_feu_rate``.
TEU_SHARE_OF_FEU_RATE = 0.6
#: Memo tables are cleared when they grow past this many entries.
MEMO_SIZE = 50_000
#: Modes that may end at a market: last-mile (parcel / pallet) and direct B2B truck
#: delivery from a gateway (``RD_*`` services in network_data, customs mode 9710).
MARKET_DELIVERY_MODES = frozenset({"last_mile", "road"})
WAREHOUSE_KIND = "warehouse"
MARKET_KIND = "market"
#: The node kind of an economic zone (where a shipper's first mile starts).
ORIGIN_KIND = "origin"
BORDER_KIND = "border_crossing"


@dataclass(frozen=True)
class Svc:
    id: str
    frm: str
    to: str
    via: tuple[str, ...]
    mode: str
    corridor: str
    operator: str | None
    distance_km: float
    leg_h: float
    leg_h_max: float
    wait_h: float
    departures_per_week: float | None
    rate_basis: str
    rate_cny: float
    lcl_basis: str | None
    lcl_rate_cny: float | None
    via_fee_cny_per_t: float
    co2_g_per_tkm: float
    co2_source: str
    price_year: int
    currency: str
    # the parts of leg_h and leg_h_max, for the days' distribution (pricing.timing)
    transit_h: float = 0.0
    transit_h_max: float = 0.0
    via_dwell_h: float = 0.0
    via_dwell_h_max: float = 0.0
    rate_as_of: dt.date = dt.date(2025, 12, 31)  # the rate's date (its provenance)
    valid_until: dt.date | None = None  # the date an own rate holds until (own_rates)


@dataclass(frozen=True)
class NodeInfo:
    id: str
    name: str
    kind: str
    handling_cny_per_t: float
    border_fee_cny_per_t: float
    dwell_h: float
    dwell_h_max: float
    city: str = ""
    country: str = ""


@dataclass(frozen=True, eq=False)
class Compiled:
    """A network compiled for pricing (compared and hashed by identity: memo tables key on it)."""

    nodes: dict[str, NodeInfo]
    services: dict[str, Svc]
    out: dict[str, tuple[Svc, ...]]
    into: dict[str, tuple[Svc, ...]]
    units: dict[str, tuple[tuple[str, float, float, float], ...]]
    volumetric_kg_per_cbm: float
    carrying_rate: float
    rules: Rules


_CACHE: weakref.WeakKeyDictionary[Network, Compiled] = weakref.WeakKeyDictionary()


def opt_float(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


_DATE = re.compile(r"\b(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?\b")


def rate_as_of(date_text: str, price_year: int) -> dt.date:
    """The date a rate is as of: the latest date its provenance ``date`` names in the
    rate's ``price_year`` (``2025-06-13``; ``2025-06`` is its month's end; ``2025`` the
    year's end; ranges and lists by their latest); the end of ``price_year`` when it names
    none in that year (a rate of 2025 derived from an older tariff is a rate of 2025)."""
    best: dt.date | None = None
    for y, m, d in _DATE.findall(date_text or ""):
        year = int(y)
        try:
            if d:
                day = dt.date(year, int(m), int(d))
            elif m:
                day = dt.date(year, int(m), calendar.monthrange(year, int(m))[1])
            else:
                day = dt.date(year, 12, 31)
        except ValueError:  # not a date (a month 13, a year 0)
            continue
        if year == price_year:
            best = day if best is None or day > best else best
    return best or dt.date(price_year, 12, 31)


def _rate_dates(network: Network) -> dict[str, str]:
    """Per service, the date its rate's provenance gives ("" when none)."""
    prov = getattr(network, "provenance", None)
    if prov is None or not len(prov):
        return {}
    rates = prov[(prov["file"] == "services.csv") & (prov["field"] == "rate")]
    return {str(i): str(d) for i, d in zip(rates["id"], rates["date"].fillna(""), strict=True)}


def _day(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def compile_network(network: Network) -> Compiled:
    hit = _CACHE.get(network)
    if hit is not None:
        return hit
    wh_handling: dict[str, float] = {}
    if len(network.warehouses) and "handling_cny_per_t" in network.warehouses:
        wh_handling = {
            str(k): float(v)
            for k, v in network.warehouses["handling_cny_per_t"].items()
            if opt_float(v)
        }
    nodes: dict[str, NodeInfo] = {}
    for nid, row in network.nodes.iterrows():
        handling = float(row["handling_cny_per_t"])
        if row["kind"] == WAREHOUSE_KIND:
            handling = max(handling, wh_handling.get(str(nid), 0.0))
        dwell = float(row["dwell_h"])
        nodes[str(nid)] = NodeInfo(
            id=str(nid),
            name=str(row["name"]),
            kind=str(row["kind"]),
            handling_cny_per_t=handling,
            border_fee_cny_per_t=float(row["border_fee_cny_per_t"]),
            dwell_h=dwell,
            dwell_h_max=opt_float(row.get("dwell_h_max")) or dwell,
            city=str(row["city"]) if isinstance(row.get("city"), str) else "",
            country=str(row["country"]) if isinstance(row.get("country"), str) else "",
        )
    services: dict[str, Svc] = {}
    out: dict[str, list[Svc]] = {}
    into: dict[str, list[Svc]] = {}
    rate_dates = _rate_dates(network)
    for sid, r in network.service_table.iterrows():
        # Only final-delivery services end at a market (docs/data_model.md).
        if nodes[r["to"]].kind == MARKET_KIND and r["mode"] not in MARKET_DELIVERY_MODES:
            continue
        svc = Svc(
            id=str(sid),
            frm=str(r["from"]),
            to=str(r["to"]),
            via=tuple(r["via"]),
            mode=str(r["mode"]),
            corridor=str(r["corridor"] or ""),
            operator=r["operator"] if isinstance(r["operator"], str) and r["operator"] else None,
            distance_km=float(r["distance_km"]),
            leg_h=float(r["leg_h"]),
            leg_h_max=float(r["leg_h_max"]),
            wait_h=float(r["wait_h"]),
            departures_per_week=opt_float(r["departures_per_week"]),
            rate_basis=str(r["rate_basis"]),
            rate_cny=float(r["rate_cny"]),
            lcl_basis=r["lcl_basis"]
            if isinstance(r["lcl_basis"], str) and r["lcl_basis"]
            else None,
            lcl_rate_cny=opt_float(r["lcl_rate_cny"]),
            via_fee_cny_per_t=float(r["via_fee_cny_per_t"]),
            co2_g_per_tkm=float(r["co2_g_per_tkm"]),
            co2_source=str(r["co2_source"]),
            price_year=int(r["price_year"]),
            currency=str(r["currency"]),
            transit_h=float(r["transit_h"]),
            transit_h_max=opt_float(r["transit_h_max"]) or float(r["transit_h"]),
            via_dwell_h=float(r["via_dwell_h"]),
            via_dwell_h_max=float(r["via_dwell_h_max"]),
            rate_as_of=rate_as_of(rate_dates.get(str(sid), ""), int(r["price_year"])),
            valid_until=_day(r.get("valid_until")),
        )
        services[svc.id] = svc
        out.setdefault(svc.frm, []).append(svc)
        into.setdefault(svc.to, []).append(svc)
    feu_t, feu_v = network.param("feu_payload_t"), network.param("feu_volume_cbm")
    teu_t, teu_v = network.param("teu_payload_t"), network.param("teu_volume_cbm")
    share = network.parameters.get("teu_share_of_feu_rate", TEU_SHARE_OF_FEU_RATE)
    hc_t, hc_v = hc40(network)
    # (label, payload t, volume cbm, price as a multiple of the service rate)
    units = {
        "FEU": (
            ("20'", teu_t, teu_v, float(share)),
            ("40'", feu_t, feu_v, 1.0),
            ("40'HC", hc_t, hc_v, 1.0),
        ),
        "TEU": (("20'", teu_t, teu_v, 1.0), ("40'", feu_t, feu_v, 2.0), ("40'HC", hc_t, hc_v, 2.0)),
        "truck": (
            ("truck", network.param("truck_payload_t"), network.param("truck_volume_cbm"), 1.0),
        ),
    }
    prepared = Compiled(
        nodes=nodes,
        services=services,
        out={k: tuple(v) for k, v in out.items()},
        into={k: tuple(v) for k, v in into.items()},
        units=units,
        volumetric_kg_per_cbm=network.param("air_volumetric_kg_per_cbm"),
        carrying_rate=network.param("inventory_carrying_rate_per_year"),
        rules=rules_of(network),
    )
    _CACHE[network] = prepared
    return prepared


def hc40(network: Network) -> tuple[float, float]:
    """40'HC payload and volume: parameters ``fehc_payload_t`` / ``fehc_volume_cbm`` if given."""
    p = network.parameters
    return (
        float(p.get("fehc_payload_t", min(HC40_PAYLOAD_T, network.param("feu_payload_t")))),
        float(p.get("fehc_volume_cbm", HC40_VOLUME_CBM)),
    )
