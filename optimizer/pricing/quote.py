"""Route pricing: Pareto-optimal routes and forwarder-style quotes.

Given an origin, a destination and a cargo, :func:`quote` returns every
Pareto-optimal route over (total cost, door-to-door hours, CO2) on the
multimodal network, costed the way a forwarder prices a shipment, trimmed
to a ranked handful of alternatives.

Search
------
A multi-criteria label-setting search (Martins' algorithm): a label is a
partial route from the origin ``(cost, hours, co2, legs, required-visited
mask)`` at a node; labels come off a heap in lexicographic order; a new
label is dropped when another label at the same node is no worse on every
criterion (exact comparison, no epsilon) and labels it beats are discarded.
Routes never revisit a node and have at most ``max_legs`` legs (legs take
part in the dominance test so that the bound does not cut off a Pareto
route). A label no better than an already found route to the destination,
even with lower bounds on the hours and CO2 still to come (reverse Dijkstra),
is pruned. Markets are sinks reached only by final-delivery services
(``last_mile`` parcels / pallets, or ``road`` direct B2B trucks). When nodes
or services must be passed through, dominance also requires a visited-node
subset so the result stays exact.

Costing (per leg, additive given the cargo)
--------------------------------------------
* freight: by the service's ``rate_basis``. Unit services (FEU, TEU, truck)
  take the cheaper of whole units (20', 40', 40'HC or trucks; ``n =
  ceil(max(t / payload, cbm / volume))`` of one type) and the loose-cargo
  ``lcl_rate`` on ``lcl_basis``. Weight or volume bases use the chargeable
  quantity: ``kg`` = max(gross kg, cbm x ``air_volumetric_kg_per_cbm``),
  ``wm`` = max(t, cbm), ``tonne``, ``cbm``; loose charges have a minimum of
  one revenue unit.
* handling: ``handling_cny_per_t`` x gross tonnes at every node where the
  cargo changes service (not at the origin or the destination); overseas
  warehouses passed through are costed as cross-docks with their
  ``warehouses.csv`` handling.
* border: ``border_fee_cny_per_t`` x tonnes at each ``via`` node and at a
  border crossing where the cargo changes service.
* inventory: cargo value x ``inventory_carrying_rate_per_year`` x hours / 8760.
* hours: dwell at the transshipment node + expected wait for the next
  departure (half the headway) + running time + dwell at ``via`` nodes.
* CO2 (well-to-wheel): ``co2_g_per_tkm`` x ``distance_km`` x gross tonnes
  (GLEC Framework / ISO 14083 use the actual weight, also for air).
"""

from __future__ import annotations

import heapq
import math
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from optimizer.data.network import Network
from optimizer.errors import CorridorError, InputError

__all__ = [
    "HC40_PAYLOAD_T",
    "HC40_VOLUME_CBM",
    "MARKET_DELIVERY_MODES",
    "MAX_ALTERNATIVES",
    "TEU_SHARE_OF_FEU_RATE",
    "Alternative",
    "Breakdown",
    "Cargo",
    "Leg",
    "Load",
    "NoRouteError",
    "Quote",
    "Route",
    "freight_for",
    "pareto_routes",
    "price_route",
    "quote",
]

RankBy = Literal["cost", "days", "co2"]

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
#: Minimum chargeable quantity of loose (LCL / per-tonne) cargo: 1 t, 1 cbm or 1 w/m.
LCL_MINIMUM_UNITS = 1.0
#: Default bound on route length, in legs.
DEFAULT_MAX_LEGS = 8
#: Upper bound on alternatives a quote returns.
MAX_ALTERNATIVES = 50
HOURS_PER_YEAR = 8760.0
_MEMO_SIZE = 50_000
#: Modes that may end at a market: last-mile (parcel / pallet) and direct B2B truck
#: delivery from a gateway (``RD_*`` services in network_data, customs mode 9710).
MARKET_DELIVERY_MODES = frozenset({"last_mile", "road"})
WAREHOUSE_KIND = "warehouse"
MARKET_KIND = "market"
BORDER_KIND = "border_crossing"


class NoRouteError(CorridorError, ValueError):
    """No route reaches the destination under the given options; the message says why."""

    def __init__(self, message: str, *, field: str = "to") -> None:
        super().__init__(message)
        self.field = field


# -- value objects ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Cargo:
    """A shipment: gross weight, volume and (optionally) value.

    Attributes
    ----------
    tonnes
        Gross weight in tonnes (> 0).
    cbm
        Volume in cubic metres (> 0).
    value_cny
        Cargo value in CNY for in-transit inventory cost; ``None`` means not costed.
    product
        Product id from products.csv, if any (informational once built).
    assumptions
        How missing inputs were filled in (stated in the quote).
    """

    tonnes: float
    cbm: float
    value_cny: float | None = None
    product: str | None = None
    assumptions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("tonnes", "cbm"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                msg = f"{name} must be a positive number (got {value!r})"
                raise InputError(msg)
        if self.value_cny is not None and (not math.isfinite(self.value_cny) or self.value_cny < 0):
            msg = f"value_cny must be zero or positive (got {self.value_cny!r})"
            raise InputError(msg)

    @property
    def kg(self) -> float:
        """Gross weight in kg."""
        return self.tonnes * 1000.0

    @property
    def density_kg_per_cbm(self) -> float:
        """Stowage density."""
        return self.kg / self.cbm

    @classmethod
    def from_inputs(
        cls,
        network: Network,
        *,
        tonnes: float | None = None,
        cbm: float | None = None,
        product: str | None = None,
        value_cny: float | None = None,
    ) -> Cargo:
        """Build a cargo, filling missing figures from the product (or stated defaults).

        Weight or volume missing: derived from the product's density when a
        product is given, else 1 t per cbm (the weight-or-measure break-even,
        so volume never drives a sea or rail price). Neither given: 1 t.
        Value missing: the product's ``value_cny_per_t`` x tonnes, else not costed.

        Raises
        ------
        InputError
            On an unknown product or a non-positive weight, volume or value.
        """
        notes: list[str] = []
        density = None
        if product is not None:
            if product not in network.products.index:
                import difflib

                close = difflib.get_close_matches(product, list(network.products.index), n=3)
                msg = f"unknown product {product!r}" + (
                    f"; close matches: {', '.join(close)}"
                    if close
                    else f"; known: {', '.join(network.products.index)}"
                )
                raise InputError(msg)
            density = float(network.products.at[product, "density_kg_per_cbm"])
        for name, value in (("tonnes", tonnes), ("cbm", cbm), ("value_cny", value_cny)):
            if value is not None and (
                not math.isfinite(value) or value < 0 or (value == 0 and name != "value_cny")
            ):
                msg = f"{name} must be a positive number (got {value!r})"
                raise InputError(msg)
        if tonnes is None and cbm is None:
            tonnes = 1.0
            notes.append("no weight or volume given: quoting 1 t")
        if tonnes is None:
            assert cbm is not None
            if density is not None:
                tonnes = cbm * density / 1000.0
                notes.append(
                    f"weight from the density of {product} ({density:g} kg/cbm): {tonnes:.3g} t"
                )
            else:
                tonnes = cbm
                notes.append("weight not given: assumed 1 t per cbm")
        if cbm is None:
            if density is not None:
                cbm = tonnes * 1000.0 / density
                notes.append(
                    f"volume from the density of {product} ({density:g} kg/cbm): {cbm:.3g} cbm"
                )
            else:
                cbm = tonnes
                notes.append(
                    "volume not given: assumed 1 cbm per tonne (weight-or-measure "
                    "break-even; air chargeable weight = gross weight)"
                )
        if value_cny is None and product is not None:
            value_cny = tonnes * float(network.products.at[product, "value_cny_per_t"])
            notes.append(f"cargo value from products.csv ({product}): {value_cny:,.0f} CNY")
        return cls(
            tonnes=float(tonnes),
            cbm=float(cbm),
            value_cny=None if value_cny is None else float(value_cny),
            product=product,
            assumptions=tuple(notes),
        )


@dataclass(frozen=True)
class Load:
    """How the cargo is loaded and charged on one leg."""

    kind: Literal["FCL", "LCL", "weight"]
    description: str
    quantity: float
    unit: str
    rate_cny: float
    freight_cny: float


@dataclass(frozen=True)
class Breakdown:
    """Cost components in CNY."""

    freight: float = 0.0
    handling: float = 0.0
    border: float = 0.0
    inventory: float = 0.0

    @property
    def total(self) -> float:
        """Sum of the components."""
        return self.freight + self.handling + self.border + self.inventory

    def __add__(self, other: Breakdown) -> Breakdown:
        return Breakdown(
            self.freight + other.freight,
            self.handling + other.handling,
            self.border + other.border,
            self.inventory + other.inventory,
        )


@dataclass(frozen=True)
class Leg:
    """One leg: a service boarded at ``from_node`` (after any transshipment there)."""

    service_id: str
    mode: str
    corridor: str
    operator: str | None
    from_node: str
    to_node: str
    from_name: str
    to_name: str
    via: tuple[str, ...]
    distance_km: float
    load: Load
    breakdown: Breakdown
    hours: float
    hours_min: float
    hours_max: float
    wait_hours: float
    dwell_hours: float
    co2_kg: float
    co2_g_per_tkm: float
    co2_source: str
    departures_per_week: float | None
    price_year: int
    rate_currency: str

    @property
    def cost_cny(self) -> float:
        """Leg cost: freight + handling + border + inventory."""
        return self.breakdown.total

    @property
    def days(self) -> float:
        """Expected days of this leg, transshipment dwell and wait included."""
        return self.hours / 24.0


@dataclass(frozen=True)
class Route:
    """A route found by the search: services in order and its criteria."""

    services: tuple[str, ...]
    nodes: tuple[str, ...]
    cost_cny: float
    hours: float
    co2_kg: float


@dataclass(frozen=True)
class Alternative:
    """A priced route."""

    legs: tuple[Leg, ...]
    breakdown: Breakdown
    total_cost_cny: float
    hours: float
    hours_min: float
    hours_max: float
    co2_kg: float
    tags: tuple[str, ...] = ()

    @property
    def days(self) -> float:
        """Expected door-to-door days."""
        return self.hours / 24.0

    @property
    def transshipments(self) -> int:
        """Nodes where the cargo changes service."""
        return max(len(self.legs) - 1, 0)

    @property
    def services(self) -> tuple[str, ...]:
        """Service ids in order."""
        return tuple(leg.service_id for leg in self.legs)

    @property
    def modes(self) -> tuple[str, ...]:
        """Modes in order."""
        return tuple(leg.mode for leg in self.legs)

    @property
    def price_years(self) -> tuple[int, ...]:
        """Years of the rates used."""
        return tuple(sorted({leg.price_year for leg in self.legs}))

    @property
    def summary(self) -> str:
        """Short label, e.g. ``road > cr_express > road via DE_DUISBURG``."""
        hubs = [leg.to_node for leg in self.legs[:-1]]
        text = " > ".join(self.modes)
        return text + (f" via {', '.join(hubs)}" if hubs else "")


@dataclass(frozen=True)
class Quote:
    """A quote: the ranked alternatives and everything assumed to price them."""

    origin: str
    destination: str
    origin_name: str
    destination_name: str
    cargo: Cargo
    alternatives: tuple[Alternative, ...]
    pareto_count: int
    cheapest: int
    fastest: int
    greenest: int
    currency: str
    cny_per_unit: float
    fx_date: str
    price_years: tuple[int, ...]
    assumptions: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    network_name: str = "base"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (amounts in CNY, plus ``total_cost`` in ``currency``)."""

        def money(x: float) -> float:
            return round(x, 2)

        def conv(x: float) -> float:
            return round(x / self.cny_per_unit, 2)

        alts = []
        for rank, alt in enumerate(self.alternatives, start=1):
            alts.append(
                {
                    "rank": rank,
                    "summary": alt.summary,
                    "tags": list(alt.tags),
                    "total_cost_cny": money(alt.total_cost_cny),
                    "total_cost": conv(alt.total_cost_cny),
                    "currency": self.currency,
                    "days": round(alt.days, 2),
                    "days_min": round(alt.hours_min / 24.0, 2),
                    "days_max": round(alt.hours_max / 24.0, 2),
                    "co2_kg": round(alt.co2_kg, 1),
                    "transshipments": alt.transshipments,
                    "modes": list(alt.modes),
                    "price_years": list(alt.price_years),
                    "breakdown": {k: money(v) for k, v in asdict(alt.breakdown).items()},
                    "legs": [_leg_dict(leg) for leg in alt.legs],
                }
            )
        c = self.cargo
        return {
            "origin": {"id": self.origin, "name": self.origin_name},
            "destination": {"id": self.destination, "name": self.destination_name},
            "cargo": {
                "tonnes": c.tonnes,
                "cbm": c.cbm,
                "value_cny": c.value_cny,
                "product": c.product,
                "density_kg_per_cbm": round(c.density_kg_per_cbm, 1),
            },
            "currency": self.currency,
            "fx": {"cny_per_unit": self.cny_per_unit, "date": self.fx_date},
            "price_years": list(self.price_years),
            "network": self.network_name,
            "pareto_count": self.pareto_count,
            "cheapest": self.cheapest,
            "fastest": self.fastest,
            "greenest": self.greenest,
            "alternatives": alts,
            "assumptions": list(self.assumptions),
            "options": self.options,
        }


def _leg_dict(leg: Leg) -> dict[str, Any]:
    return {
        "service_id": leg.service_id,
        "mode": leg.mode,
        "corridor": leg.corridor,
        "operator": leg.operator,
        "from": leg.from_node,
        "to": leg.to_node,
        "from_name": leg.from_name,
        "to_name": leg.to_name,
        "via": list(leg.via),
        "distance_km": leg.distance_km,
        "days": round(leg.days, 2),
        "days_max": round(leg.hours_max / 24.0, 2),
        "wait_days": round(leg.wait_hours / 24.0, 2),
        "dwell_days": round(leg.dwell_hours / 24.0, 2),
        "departures_per_week": leg.departures_per_week,
        "cost_cny": round(leg.cost_cny, 2),
        "load": {
            "kind": leg.load.kind,
            "description": leg.load.description,
            "quantity": round(leg.load.quantity, 3),
            "unit": leg.load.unit,
            "rate_cny": round(leg.load.rate_cny, 4),
        },
        "breakdown": {k: round(v, 2) for k, v in asdict(leg.breakdown).items()},
        "co2_kg": round(leg.co2_kg, 1),
        "co2_g_per_tkm": leg.co2_g_per_tkm,
        "co2_source": leg.co2_source,
        "price_year": leg.price_year,
        "rate_currency": leg.rate_currency,
    }


# -- network preparation (cached per Network object) ----------------------------------------
@dataclass(frozen=True)
class _Svc:
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


@dataclass(frozen=True)
class _Node:
    id: str
    name: str
    kind: str
    handling_cny_per_t: float
    border_fee_cny_per_t: float
    dwell_h: float
    dwell_h_max: float


@dataclass(frozen=True)
class _Prepared:
    nodes: dict[str, _Node]
    services: dict[str, _Svc]
    out: dict[str, tuple[_Svc, ...]]
    into: dict[str, tuple[_Svc, ...]]
    units: dict[str, tuple[tuple[str, float, float, float], ...]]
    volumetric_kg_per_cbm: float
    carrying_rate: float
    # memo tables (pure functions of their keys); cleared when they grow past _MEMO_SIZE
    edge_memo: dict[tuple[str, float, float, float], _Edge] = field(default_factory=dict)
    bound_memo: dict[tuple[str, _Options], dict[str, tuple[int, float, float]]] = field(
        default_factory=dict
    )


_CACHE: weakref.WeakKeyDictionary[Network, _Prepared] = weakref.WeakKeyDictionary()


def _opt_float(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _prepare(network: Network) -> _Prepared:
    hit = _CACHE.get(network)
    if hit is not None:
        return hit
    wh_handling: dict[str, float] = {}
    if len(network.warehouses) and "handling_cny_per_t" in network.warehouses:
        wh_handling = {
            str(k): float(v)
            for k, v in network.warehouses["handling_cny_per_t"].items()
            if _opt_float(v)
        }
    nodes: dict[str, _Node] = {}
    for nid, row in network.nodes.iterrows():
        handling = float(row["handling_cny_per_t"])
        if row["kind"] == WAREHOUSE_KIND:
            handling = max(handling, wh_handling.get(str(nid), 0.0))
        dwell = float(row["dwell_h"])
        nodes[str(nid)] = _Node(
            id=str(nid),
            name=str(row["name"]),
            kind=str(row["kind"]),
            handling_cny_per_t=handling,
            border_fee_cny_per_t=float(row["border_fee_cny_per_t"]),
            dwell_h=dwell,
            dwell_h_max=_opt_float(row.get("dwell_h_max")) or dwell,
        )
    services: dict[str, _Svc] = {}
    out: dict[str, list[_Svc]] = {}
    into: dict[str, list[_Svc]] = {}
    for sid, r in network.service_table.iterrows():
        # Only final-delivery services end at a market (docs/data_model.md).
        if nodes[r["to"]].kind == MARKET_KIND and r["mode"] not in MARKET_DELIVERY_MODES:
            continue
        svc = _Svc(
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
            departures_per_week=_opt_float(r["departures_per_week"]),
            rate_basis=str(r["rate_basis"]),
            rate_cny=float(r["rate_cny"]),
            lcl_basis=r["lcl_basis"]
            if isinstance(r["lcl_basis"], str) and r["lcl_basis"]
            else None,
            lcl_rate_cny=_opt_float(r["lcl_rate_cny"]),
            via_fee_cny_per_t=float(r["via_fee_cny_per_t"]),
            co2_g_per_tkm=float(r["co2_g_per_tkm"]),
            co2_source=str(r["co2_source"]),
            price_year=int(r["price_year"]),
            currency=str(r["currency"]),
        )
        services[svc.id] = svc
        out.setdefault(svc.frm, []).append(svc)
        into.setdefault(svc.to, []).append(svc)
    feu_t, feu_v = network.param("feu_payload_t"), network.param("feu_volume_cbm")
    teu_t, teu_v = network.param("teu_payload_t"), network.param("teu_volume_cbm")
    share = network.parameters.get("teu_share_of_feu_rate", TEU_SHARE_OF_FEU_RATE)
    hc_t, hc_v = _hc40(network)
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
    prepared = _Prepared(
        nodes=nodes,
        services=services,
        out={k: tuple(v) for k, v in out.items()},
        into={k: tuple(v) for k, v in into.items()},
        units=units,
        volumetric_kg_per_cbm=network.param("air_volumetric_kg_per_cbm"),
        carrying_rate=network.param("inventory_carrying_rate_per_year"),
    )
    _CACHE[network] = prepared
    return prepared


def _hc40(network: Network) -> tuple[float, float]:
    """40'HC payload and volume: parameters ``fehc_payload_t`` / ``fehc_volume_cbm`` if given."""
    p = network.parameters
    return (
        float(p.get("fehc_payload_t", min(HC40_PAYLOAD_T, network.param("feu_payload_t")))),
        float(p.get("fehc_volume_cbm", HC40_VOLUME_CBM)),
    )


# -- freight -----------------------------------------------------------------------------------
def _chargeable(basis: str, cargo: Cargo, volumetric: float, *, minimum: bool) -> tuple[float, str]:
    if basis == "kg":
        return max(cargo.kg, cargo.cbm * volumetric), "chargeable kg"
    floor = LCL_MINIMUM_UNITS if minimum else 0.0
    if basis == "tonne":
        return max(cargo.tonnes, floor), "t"
    if basis == "cbm":
        return max(cargo.cbm, floor), "cbm"
    if basis == "wm":
        return max(cargo.tonnes, cargo.cbm, floor), "w/m"
    msg = f"unknown weight basis {basis!r}"
    raise InputError(msg)


def _freight(svc: _Svc, cargo: Cargo, prep: _Prepared) -> Load:
    options: list[Load] = []
    if svc.rate_basis in prep.units:
        for label, payload, volume, multiple in prep.units[svc.rate_basis]:
            n = max(1, math.ceil(max(cargo.tonnes / payload, cargo.cbm / volume) - 1e-9))
            unit_rate = svc.rate_cny * multiple
            options.append(Load("FCL", f"{n} x {label}", float(n), label, unit_rate, n * unit_rate))
        if svc.lcl_basis is not None and svc.lcl_rate_cny is not None:
            qty, unit = _chargeable(svc.lcl_basis, cargo, prep.volumetric_kg_per_cbm, minimum=True)
            options.append(
                Load(
                    "LCL",
                    f"LCL {qty:,.2f} {unit}",
                    qty,
                    unit,
                    svc.lcl_rate_cny,
                    qty * svc.lcl_rate_cny,
                )
            )
    else:
        qty, unit = _chargeable(
            svc.rate_basis, cargo, prep.volumetric_kg_per_cbm, minimum=svc.rate_basis != "kg"
        )
        options.append(
            Load("weight", f"{qty:,.2f} {unit}", qty, unit, svc.rate_cny, qty * svc.rate_cny)
        )
    return min(options, key=lambda o: o.freight_cny)


def freight_for(network: Network, service_id: str, cargo: Cargo) -> Load:
    """The freight charge of one service for a cargo (FCL vs LCL chosen by cost).

    Raises
    ------
    InputError
        When the service is not an active service of the network.
    """
    prep = _prepare(network)
    if service_id not in prep.services:
        msg = f"unknown or inactive service {service_id!r}"
        raise InputError(msg)
    return _freight(prep.services[service_id], cargo, prep)


# -- per-quote edge increments --------------------------------------------------------------
@dataclass(frozen=True)
class _Edge:
    svc: _Svc
    load: Load
    co2_kg: float
    # increments when boarding at the origin / at a transshipment node
    inc_first: tuple[float, float, float]
    inc_next: tuple[float, float, float]


def _edge(svc: _Svc, cargo: Cargo, prep: _Prepared) -> _Edge:
    key = (svc.id, cargo.tonnes, cargo.cbm, cargo.value_cny or 0.0)
    hit = prep.edge_memo.get(key)
    if hit is None:
        if len(prep.edge_memo) > _MEMO_SIZE:
            prep.edge_memo.clear()
        hit = prep.edge_memo[key] = _edge_uncached(svc, cargo, prep)
    return hit


def _edge_uncached(svc: _Svc, cargo: Cargo, prep: _Prepared) -> _Edge:
    load = _freight(svc, cargo, prep)
    t = cargo.tonnes
    inv_per_h = (cargo.value_cny or 0.0) * prep.carrying_rate / HOURS_PER_YEAR
    node = prep.nodes[svc.frm]
    h_first = svc.wait_h + svc.leg_h
    h_next = node.dwell_h + h_first
    border_via = svc.via_fee_cny_per_t * t
    base = load.freight_cny + border_via
    node_fee = (node.handling_cny_per_t + _node_border(node)) * t
    co2 = svc.co2_g_per_tkm * svc.distance_km * t / 1000.0
    return _Edge(
        svc=svc,
        load=load,
        co2_kg=co2,
        inc_first=(base + inv_per_h * h_first, h_first, co2),
        inc_next=(base + node_fee + inv_per_h * h_next, h_next, co2),
    )


def _node_border(node: _Node) -> float:
    return node.border_fee_cny_per_t if node.kind == BORDER_KIND else 0.0


# -- options ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Options:
    allowed: frozenset[str]
    avoid_nodes: frozenset[str]
    avoid_services: frozenset[str]
    via_nodes: tuple[str, ...]
    via_services: tuple[str, ...]
    max_legs: int


def _resolve_many(
    network: Network, prep: _Prepared, items: Iterable[str], what: str
) -> tuple[list[str], list[str]]:
    nodes: list[str] = []
    services: list[str] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if text in network.services.index:
            services.append(text)
            continue
        try:
            nodes.append(network.resolve_node(text))
        except InputError as exc:
            msg = f"{what}: {exc} (give a node id or name, or a service id)"
            raise InputError(msg) from None
    return nodes, services


def _modes(modes: Iterable[str] | None, exclude: Iterable[str] | None) -> frozenset[str]:
    from optimizer.data.schema import MODES

    def check(values: Iterable[str], what: str) -> set[str]:
        out = set()
        for m in values:
            m = str(m).strip().lower()
            if not m:
                continue
            if m not in MODES:
                msg = f"{what}: unknown mode {m!r}; modes are {', '.join(MODES)}"
                raise InputError(msg)
            out.add(m)
        return out

    allowed = check(modes, "modes") if modes else set(MODES)
    allowed -= check(exclude or (), "exclude_modes")
    return frozenset(allowed)


# -- the search ------------------------------------------------------------------------------
_Found = tuple[float, float, float, tuple[_Edge, ...]]
#: Lower bounds are shrunk by this relative margin so float rounding never prunes a route.
_LB_MARGIN = 1.0 - 1e-9


def _bounds(
    prep: _Prepared, opts: _Options, destination: str
) -> dict[str, tuple[int, float, float]]:
    """Per node: lower bounds on (legs, hours, kg CO2 per tonne) to reach the destination.

    Reverse BFS / Dijkstra over the services the options allow; nodes absent
    from the result cannot reach the destination. Memoised per (destination, options).
    """
    key = (destination, opts)
    hit = prep.bound_memo.get(key)
    if hit is not None:
        return hit
    if len(prep.bound_memo) > _MEMO_SIZE // 100:
        prep.bound_memo.clear()

    def usable(svc: _Svc) -> bool:
        return not (
            svc.mode not in opts.allowed
            or svc.id in opts.avoid_services
            or svc.frm in opts.avoid_nodes
            or svc.frm == destination
            or any(v in opts.avoid_nodes for v in svc.via)
        )

    legs = {destination: 0}
    frontier = [destination]
    while frontier:
        nxt = []
        for v in frontier:
            for svc in prep.into.get(v, ()):
                if svc.frm not in legs and usable(svc):
                    legs[svc.frm] = legs[v] + 1
                    nxt.append(svc.frm)
        frontier = nxt

    def dijkstra(weight: Any) -> dict[str, float]:
        dist = {destination: 0.0}
        heap = [(0.0, destination)]
        while heap:
            d, v = heapq.heappop(heap)
            if d > dist[v]:
                continue
            for svc in prep.into.get(v, ()):
                if not usable(svc):
                    continue
                nd = d + weight(svc)
                if nd < dist.get(svc.frm, math.inf):
                    dist[svc.frm] = nd
                    heapq.heappush(heap, (nd, svc.frm))
        return dist

    hours = dijkstra(lambda s: s.wait_h + s.leg_h)
    co2 = dijkstra(lambda s: s.co2_g_per_tkm * s.distance_km / 1000.0)
    out = {n: (legs[n], hours[n] * _LB_MARGIN, co2[n] * _LB_MARGIN) for n in legs}
    prep.bound_memo[key] = out
    return out


def _search(
    prep: _Prepared,
    edges: _LazyEdges,
    origin: str,
    destination: str,
    max_legs: int,
    required_nodes: dict[str, int],
    required_services: dict[str, int],
    bounds: dict[str, tuple[int, float, float]],
    tonnes: float,
) -> list[_Found]:
    full = 0
    for bit in (*required_nodes.values(), *required_services.values()):
        full |= bit
    strict = full != 0
    # label: [cost, hours, co2, legs, node, mask, path nodes, parent index, edge]
    labels: list[tuple[float, float, float, int, str, int, tuple[str, ...], int, _Edge | None]] = []
    alive: list[bool] = []
    at_node: dict[str, list[int]] = {}
    dest_found: list[int] = []
    heap: list[tuple[float, float, float, int, int]] = []
    start_mask = required_nodes.get(origin, 0)
    labels.append((0.0, 0.0, 0.0, 0, origin, start_mask, (origin,), -1, None))
    alive.append(True)
    at_node[origin] = [0]
    heap.append((0.0, 0.0, 0.0, 0, 0))
    nodes = prep.nodes
    while heap:
        _, _, _, _, idx = heapq.heappop(heap)
        if not alive[idx]:
            continue
        c, h, e, legs, node, mask, path, _, _ = labels[idx]
        if node == destination or legs >= max_legs:
            continue
        if legs and nodes[node].kind == MARKET_KIND:
            continue
        first = legs == 0
        for edge in edges.get(node, ()):
            v = edge.svc.to
            bound = bounds.get(v)
            if bound is None or v in path or legs + 1 + bound[0] > max_legs:
                continue
            inc = edge.inc_first if first else edge.inc_next
            nc, nh, ne = c + inc[0], h + inc[1], e + inc[2]
            # prune against routes already found to the destination (with lower bounds)
            bh, be = nh + bound[1], ne + bound[2] * tonnes
            dominated = False
            for j in dest_found:
                if alive[j]:
                    lj = labels[j]
                    if lj[0] <= nc and lj[1] <= bh and lj[2] <= be:
                        dominated = True
                        break
            if dominated:
                continue
            nmask = mask | required_nodes.get(v, 0) | required_services.get(edge.svc.id, 0)
            nlegs = legs + 1
            npath = (*path, v)
            if v == destination:
                if nmask != full:
                    continue
                for j in dest_found:
                    if alive[j]:
                        lj = labels[j]
                        if nc <= lj[0] and nh <= lj[1] and ne <= lj[2]:
                            alive[j] = False
                new = len(labels)
                labels.append((nc, nh, ne, nlegs, v, nmask, npath, idx, edge))
                alive.append(True)
                dest_found.append(new)
                continue
            bucket = at_node.setdefault(v, [])
            for j in bucket:
                if not alive[j]:
                    continue
                lj = labels[j]
                if (
                    lj[0] <= nc
                    and lj[1] <= nh
                    and lj[2] <= ne
                    and lj[3] <= nlegs
                    and (lj[5] | nmask) == lj[5]
                    and (not strict or set(lj[6]) <= set(npath))
                ):
                    dominated = True
                    break
            if dominated:
                continue
            for j in bucket:
                if not alive[j]:
                    continue
                lj = labels[j]
                if (
                    nc <= lj[0]
                    and nh <= lj[1]
                    and ne <= lj[2]
                    and nlegs <= lj[3]
                    and (lj[5] | nmask) == nmask
                    and (not strict or set(npath) <= set(lj[6]))
                ):
                    alive[j] = False
            new = len(labels)
            labels.append((nc, nh, ne, nlegs, v, nmask, npath, idx, edge))
            alive.append(True)
            bucket.append(new)
            heapq.heappush(heap, (nc, nh, ne, nlegs, new))
    out = []
    for j in dest_found:
        if not alive[j]:
            continue
        chain: list[_Edge] = []
        k = j
        while k > 0:
            lab = labels[k]
            assert lab[8] is not None
            chain.append(lab[8])
            k = lab[7]
        c, h, e = labels[j][:3]
        out.append((c, h, e, tuple(reversed(chain))))
    out.sort(key=lambda r: (r[0], r[1], r[2], [x.svc.id for x in r[3]]))
    return out


class _LazyEdges:
    """Edges out of each node for one cargo and set of options, costed on first use."""

    def __init__(
        self, prep: _Prepared, cargo: Cargo, opts: _Options, origin: str, destination: str
    ) -> None:
        self.prep, self.cargo, self.opts = prep, cargo, opts
        self.origin, self.destination = origin, destination
        self.memo: dict[str, list[_Edge]] = {}

    def get(self, node: str, default: Any = ()) -> list[_Edge]:
        hit = self.memo.get(node)
        if hit is not None:
            return hit
        opts = self.opts
        kept: list[_Edge] = []
        # a route ends where it reaches the destination: nothing leaves it
        if node not in opts.avoid_nodes and node != self.destination:
            for svc in self.prep.out.get(node, ()):
                if (
                    svc.mode not in opts.allowed
                    or svc.id in opts.avoid_services
                    or svc.to in opts.avoid_nodes
                    or svc.to == self.origin
                    or any(v in opts.avoid_nodes for v in svc.via)
                ):
                    continue
                kept.append(_edge(svc, self.cargo, self.prep))
        self.memo[node] = kept
        return kept


def _build_options(
    network: Network,
    prep: _Prepared,
    origin: str,
    destination: str,
    *,
    modes: Iterable[str] | None,
    exclude_modes: Iterable[str] | None,
    avoid: Iterable[str],
    via: Iterable[str],
    max_legs: int | None,
    max_transshipments: int | None,
) -> _Options:
    allowed = _modes(modes, exclude_modes)
    avoid_nodes, avoid_services = _resolve_many(network, prep, avoid, "avoid")
    for n in (origin, destination):
        if n in avoid_nodes:
            msg = f"avoid: {n} is the origin or destination of the quote"
            raise InputError(msg)
    via_nodes, via_services = _resolve_many(network, prep, via, "via")
    clash = (set(via_nodes) & set(avoid_nodes)) | (set(via_services) & set(avoid_services))
    if clash:
        msg = f"via: {', '.join(sorted(clash))} is also in avoid"
        raise InputError(msg)
    legs = DEFAULT_MAX_LEGS if max_legs is None else int(max_legs)
    if max_transshipments is not None:
        if max_transshipments < 0:
            msg = "max_transshipments must be 0 or more"
            raise InputError(msg)
        legs = min(legs, int(max_transshipments) + 1)
    if legs < 1:
        msg = "max_legs must be 1 or more"
        raise InputError(msg)
    return _Options(
        allowed,
        frozenset(avoid_nodes),
        frozenset(avoid_services),
        tuple(dict.fromkeys(via_nodes)),
        tuple(dict.fromkeys(via_services)),
        legs,
    )


def _run(
    network: Network, origin: str, destination: str, cargo: Cargo, opts: _Options
) -> list[_Found]:
    prep = _prepare(network)
    edges = _LazyEdges(prep, cargo, opts, origin, destination)
    req_nodes = {n: 1 << i for i, n in enumerate(opts.via_nodes)}
    k = len(req_nodes)
    req_svcs = {s: 1 << (k + i) for i, s in enumerate(opts.via_services)}
    bounds = _bounds(prep, opts, destination)
    return _search(
        prep, edges, origin, destination, opts.max_legs, req_nodes, req_svcs, bounds, cargo.tonnes
    )


def pareto_routes(
    network: Network,
    origin: str,
    destination: str,
    cargo: Cargo,
    *,
    modes: Iterable[str] | None = None,
    exclude_modes: Iterable[str] | None = None,
    avoid: Iterable[str] = (),
    via: Iterable[str] = (),
    max_legs: int | None = None,
    max_transshipments: int | None = None,
) -> list[Route]:
    """Every Pareto-optimal route over (cost, hours, CO2), sorted by cost.

    Routes with equal criteria are reported once. Options as in :func:`quote`.

    Raises
    ------
    InputError
        On an unknown node, service or mode.
    """
    prep = _prepare(network)
    o, d = network.resolve_node(origin), network.resolve_node(destination)
    opts = _build_options(
        network,
        prep,
        o,
        d,
        modes=modes,
        exclude_modes=exclude_modes,
        avoid=avoid,
        via=via,
        max_legs=max_legs,
        max_transshipments=max_transshipments,
    )
    return [
        Route(tuple(x.svc.id for x in chain), (o, *(x.svc.to for x in chain)), c, h, e)
        for c, h, e, chain in _run(network, o, d, cargo, opts)
    ]


def price_route(network: Network, services: Sequence[str], cargo: Cargo) -> Alternative:
    """Price a given chain of services (the costing :func:`quote` uses).

    Raises
    ------
    InputError
        When a service is unknown or inactive, or the chain is not connected.
    """
    prep = _prepare(network)
    edges = []
    for i, sid in enumerate(services):
        if sid not in prep.services:
            msg = f"unknown or inactive service {sid!r}"
            raise InputError(msg)
        svc = prep.services[sid]
        if i and svc.frm != edges[-1].svc.to:
            msg = f"service {sid} starts at {svc.frm}, not at {edges[-1].svc.to}"
            raise InputError(msg)
        edges.append(_edge(svc, cargo, prep))
    if not edges:
        msg = "a route needs at least one service"
        raise InputError(msg)
    return _alternative(prep, tuple(edges), cargo)


def _alternative(prep: _Prepared, chain: tuple[_Edge, ...], cargo: Cargo) -> Alternative:
    t = cargo.tonnes
    inv_per_h = (cargo.value_cny or 0.0) * prep.carrying_rate / HOURS_PER_YEAR
    legs = []
    total = hours = co2 = 0.0
    hours_min = hours_max = 0.0
    for i, edge in enumerate(chain):
        svc = edge.svc
        node = prep.nodes[svc.frm]
        inc = edge.inc_first if i == 0 else edge.inc_next
        total, hours, co2 = total + inc[0], hours + inc[1], co2 + inc[2]
        dwell = node.dwell_h if i else 0.0
        dwell_max = node.dwell_h_max if i else 0.0
        h_leg = inc[1]
        h_min = dwell + svc.leg_h
        h_max = dwell_max + 2.0 * svc.wait_h + svc.leg_h_max
        hours_min += h_min
        hours_max += h_max
        bd = Breakdown(
            freight=edge.load.freight_cny,
            handling=node.handling_cny_per_t * t if i else 0.0,
            border=svc.via_fee_cny_per_t * t + (_node_border(node) * t if i else 0.0),
            inventory=inv_per_h * h_leg,
        )
        legs.append(
            Leg(
                service_id=svc.id,
                mode=svc.mode,
                corridor=svc.corridor,
                operator=svc.operator,
                from_node=svc.frm,
                to_node=svc.to,
                from_name=node.name,
                to_name=prep.nodes[svc.to].name,
                via=svc.via,
                distance_km=svc.distance_km,
                load=edge.load,
                breakdown=bd,
                hours=h_leg,
                hours_min=h_min,
                hours_max=h_max,
                wait_hours=svc.wait_h,
                dwell_hours=dwell,
                co2_kg=edge.co2_kg,
                co2_g_per_tkm=svc.co2_g_per_tkm,
                co2_source=svc.co2_source,
                departures_per_week=svc.departures_per_week,
                price_year=svc.price_year,
                rate_currency=svc.currency,
            )
        )
    breakdown = Breakdown()
    for leg in legs:
        breakdown = breakdown + leg.breakdown
    return Alternative(
        legs=tuple(legs),
        breakdown=breakdown,
        total_cost_cny=total,
        hours=hours,
        hours_min=hours_min,
        hours_max=hours_max,
        co2_kg=co2,
    )


# -- why no route ------------------------------------------------------------------------------
def _reachable(
    prep: _Prepared,
    origin: str,
    destination: str,
    *,
    allowed: frozenset[str],
    avoid_nodes: frozenset[str],
    avoid_services: frozenset[str],
    max_legs: int,
) -> list[_Svc] | None:
    """A fewest-legs chain of services from origin to destination (BFS), or None."""
    parent: dict[str, _Svc | None] = {origin: None}
    depth = {origin: 0}
    frontier = [origin]
    while frontier:
        nxt = []
        for u in frontier:
            if depth[u] >= max_legs or (u != origin and prep.nodes[u].kind == MARKET_KIND):
                continue
            for svc in prep.out.get(u, ()):
                if (
                    svc.mode not in allowed
                    or svc.id in avoid_services
                    or svc.to in avoid_nodes
                    or any(v in avoid_nodes for v in svc.via)
                ):
                    continue
                if svc.to not in depth:
                    depth[svc.to] = depth[u] + 1
                    parent[svc.to] = svc
                    if svc.to == destination:
                        chain = []
                        node = destination
                        while (p := parent[node]) is not None:
                            chain.append(p)
                            node = p.frm
                        return chain[::-1]
                    nxt.append(svc.to)
        frontier = nxt
    return None


def _why_no_route(prep: _Prepared, origin: str, destination: str, opts: _Options) -> str:
    from optimizer.data.schema import MODES

    head = f"no route from {origin} to {destination}"
    kind = prep.nodes[destination].kind
    inbound = [s for s in prep.services.values() if s.to == destination]
    if not inbound:
        extra = " (markets are reached only by last_mile services)" if kind == MARKET_KIND else ""
        return f"{head}: no active service ends at {destination}{extra}"
    everything = frozenset(MODES)
    big = len(prep.nodes)
    if (
        _reachable(
            prep,
            origin,
            destination,
            allowed=everything,
            avoid_nodes=frozenset(),
            avoid_services=frozenset(),
            max_legs=big,
        )
        is None
    ):
        return (
            f"{head}: {destination} cannot be reached from {origin} by any active service "
            "(check closed nodes and inactive services)"
        )
    reasons = []
    base = {
        "allowed": opts.allowed,
        "avoid_nodes": opts.avoid_nodes,
        "avoid_services": opts.avoid_services,
        "max_legs": opts.max_legs,
    }
    if opts.allowed != everything:
        chain = _reachable(prep, origin, destination, **{**base, "allowed": everything})
        if chain is not None:
            needed = sorted({s.mode for s in chain} - opts.allowed)
            reasons.append(
                f"the modes allowed ({', '.join(sorted(opts.allowed))}) do not connect them; "
                f"e.g. {' > '.join(s.id for s in chain)} also needs {', '.join(needed)}"
            )
    if (opts.avoid_nodes or opts.avoid_services) and _reachable(
        prep,
        origin,
        destination,
        **{**base, "avoid_nodes": frozenset(), "avoid_services": frozenset()},
    ) is not None:
        avoided = sorted(opts.avoid_nodes | opts.avoid_services)
        reasons.append(f"every route passes through something avoided ({', '.join(avoided)})")
    shortest = _reachable(prep, origin, destination, **{**base, "max_legs": big})
    if shortest is not None and len(shortest) > opts.max_legs:
        reasons.append(
            f"the shortest route needs {len(shortest)} legs, more than max_legs={opts.max_legs}"
        )
    if opts.via_nodes or opts.via_services:
        reasons.append(
            "no route passes through all of "
            + ", ".join((*opts.via_nodes, *opts.via_services))
            + " without revisiting a node"
        )
    if not reasons:
        reasons.append("the options together rule out every route")
    return f"{head}: " + "; ".join(reasons)


# -- the quote -------------------------------------------------------------------------------
_RANK_KEYS = {
    "cost": lambda a: (a.total_cost_cny, a.hours, a.co2_kg),
    "days": lambda a: (a.hours, a.total_cost_cny, a.co2_kg),
    "co2": lambda a: (a.co2_kg, a.total_cost_cny, a.hours),
}


def quote(
    network: Network,
    origin: str,
    destination: str,
    cargo: Cargo,
    *,
    modes: Iterable[str] | None = None,
    exclude_modes: Iterable[str] | None = None,
    avoid: Iterable[str] = (),
    via: Iterable[str] = (),
    max_legs: int | None = None,
    max_transshipments: int | None = None,
    max_alternatives: int = 5,
    rank_by: RankBy = "cost",
    currency: str = "CNY",
) -> Quote:
    """Quote the Pareto-optimal ways to ship ``cargo`` from ``origin`` to ``destination``.

    Parameters
    ----------
    network
        The network (base or a scenario's).
    origin, destination
        Node ids or English / Chinese names (resolved by :meth:`Network.resolve_node`).
    cargo
        The shipment; see :meth:`Cargo.from_inputs`.
    modes, exclude_modes
        Modes allowed (default all) and modes excluded.
    avoid
        Node ids / names or service ids no route may use (as an end or a ``via``).
    via
        Node ids / names or service ids every route must pass through.
    max_legs, max_transshipments
        Bounds on route length (default 8 legs).
    max_alternatives
        How many alternatives to return (1..50), ranked by ``rank_by``; the
        cheapest, fastest and greenest are always kept, even beyond this number,
        and routes with a main haul (longest leg) not yet shown are preferred.
    rank_by
        ``"cost"``, ``"days"`` or ``"co2"``.
    currency
        Currency of ``total_cost`` in the output (``CNY``, ``USD``, ``EUR``; from fx.csv).

    Returns
    -------
    Quote

    Raises
    ------
    InputError
        On an unknown node, service, mode or currency, or bad numbers.
    NoRouteError
        When no route reaches the destination; the message says why.

    Examples
    --------
    >>> from optimizer.data.loader import load_network
    >>> from pathlib import Path
    >>> net = load_network(Path(__file__).parents[2] / "tests" / "data" / "tiny")
    >>> q = quote(net, "CN_O1", "DE_WH1", Cargo(tonnes=5, cbm=20))
    >>> [a.modes for a in q.alternatives]
    [('road', 'cr_express', 'road')]
    """
    prep = _prepare(network)
    o, d = network.resolve_node(origin), network.resolve_node(destination)
    if o == d:
        msg = f"origin and destination are the same node ({o})"
        raise InputError(msg)
    if rank_by not in _RANK_KEYS:
        msg = f"rank_by must be one of {', '.join(_RANK_KEYS)} (got {rank_by!r})"
        raise InputError(msg)
    if not 1 <= int(max_alternatives) <= MAX_ALTERNATIVES:
        msg = f"max_alternatives must be between 1 and {MAX_ALTERNATIVES}"
        raise InputError(msg)
    currency = currency.upper()
    if currency not in network.fx.index:
        msg = f"unknown currency {currency!r}; fx.csv has {', '.join(network.fx.index)}"
        raise InputError(msg)
    opts = _build_options(
        network,
        prep,
        o,
        d,
        modes=modes,
        exclude_modes=exclude_modes,
        avoid=avoid,
        via=via,
        max_legs=max_legs,
        max_transshipments=max_transshipments,
    )
    found = _run(network, o, d, cargo, opts)
    if not found:
        raise NoRouteError(_why_no_route(prep, o, d, opts))
    alts = [
        _alternative(prep, chain, cargo)
        for _, _, _, chain in _select(found, int(max_alternatives), rank_by)
    ]
    cheapest = min(range(len(alts)), key=lambda i: _RANK_KEYS["cost"](alts[i]))
    fastest = min(range(len(alts)), key=lambda i: _RANK_KEYS["days"](alts[i]))
    greenest = min(range(len(alts)), key=lambda i: _RANK_KEYS["co2"](alts[i]))
    tagged = []
    for i, alt in enumerate(alts):
        tags = tuple(
            t
            for t, j in (("cheapest", cheapest), ("fastest", fastest), ("greenest", greenest))
            if i == j
        )
        tagged.append(_with_tags(alt, tags))
    years = tuple(sorted({y for a in tagged for y in a.price_years}))
    fx_row = network.fx.loc[currency]
    return Quote(
        origin=o,
        destination=d,
        origin_name=prep.nodes[o].name,
        destination_name=prep.nodes[d].name,
        cargo=cargo,
        alternatives=tuple(tagged),
        pareto_count=len(found),
        cheapest=cheapest,
        fastest=fastest,
        greenest=greenest,
        currency=currency,
        cny_per_unit=float(fx_row["cny_per_unit"]),
        fx_date=str(fx_row["date"]),
        price_years=years,
        assumptions=_assumptions(network, prep, cargo, currency, opts, d),
        options={
            "modes": sorted(opts.allowed),
            "avoid": sorted(opts.avoid_nodes | opts.avoid_services),
            "via": [*opts.via_nodes, *opts.via_services],
            "max_legs": opts.max_legs,
            "max_alternatives": int(max_alternatives),
            "rank_by": rank_by,
        },
        network_name=network.name,
    )


def _with_tags(alt: Alternative, tags: tuple[str, ...]) -> Alternative:
    import dataclasses

    return dataclasses.replace(alt, tags=tags)


_FOUND_KEYS = {
    "cost": lambda r: (r[0], r[1], r[2]),
    "days": lambda r: (r[1], r[0], r[2]),
    "co2": lambda r: (r[2], r[0], r[1]),
}


def _main_haul(found: _Found) -> str:
    return max(found[3], key=lambda e: e.svc.distance_km).svc.id


def _select(found: list[_Found], limit: int, rank_by: str) -> list[_Found]:
    """The cheapest, fastest and greenest, then the best-ranked by ``rank_by``.

    Filling up to ``limit``, routes whose main haul (longest leg) is not yet
    shown come first, so that a short list shows distinct options (train, sea
    via Qinzhou, air) rather than feeder variants of one; then the rest by rank.
    """
    keep = {min(range(len(found)), key=lambda i: key(found[i])) for key in _FOUND_KEYS.values()}
    order = sorted(range(len(found)), key=lambda i: _FOUND_KEYS[rank_by](found[i]))
    hauls = {_main_haul(found[i]) for i in keep}
    for i in order:
        if len(keep) >= limit:
            break
        if i not in keep and _main_haul(found[i]) not in hauls:
            keep.add(i)
            hauls.add(_main_haul(found[i]))
    for i in order:
        if len(keep) >= limit:
            break
        keep.add(i)
    return [found[i] for i in order if i in keep]


def _assumptions(
    network: Network, prep: _Prepared, cargo: Cargo, currency: str, opts: _Options, destination: str
) -> tuple[str, ...]:
    vol = prep.volumetric_kg_per_cbm
    fx = network.fx
    notes = list(cargo.assumptions)
    notes += [
        f"cargo {cargo.tonnes:g} t, {cargo.cbm:g} cbm ({cargo.density_kg_per_cbm:.0f} kg/cbm)",
        f"chargeable weight on per-kg rates (air, courier): the greater of gross weight and "
        f"volume at {vol:g} kg/cbm (1:{1e6 / vol:.0f} cm3/kg) = "
        f"{max(cargo.kg, cargo.cbm * vol):,.0f} kg",
        "weight-or-measure (sea and rail LCL): 1 t = 1 cbm, revenue tonnes = max(t, cbm); "
        f"loose cargo is charged at least {LCL_MINIMUM_UNITS:g} t / cbm / w/m",
        "FCL vs LCL chosen per leg, whichever is cheaper; units are whole boxes of one type "
        "(n = ceil(max(t/payload, cbm/volume))): 20' "
        f"{network.param('teu_payload_t'):g} t / {network.param('teu_volume_cbm'):g} cbm, 40' "
        f"{network.param('feu_payload_t'):g} t / {network.param('feu_volume_cbm'):g} cbm, "
        f"40'HC {_hc40(network)[0]:g} t / {_hc40(network)[1]:g} cbm"
        + (
            ""
            if "fehc_volume_cbm" in network.parameters
            else " (freightutils.com container table, ISO 668)"
        )
        + f", truck {network.param('truck_payload_t'):g} t / "
        f"{network.param('truck_volume_cbm'):g} cbm",
        "FEU rates price a 40' or 40'HC; a 20' on an FEU-priced service at "
        f"{float(network.parameters.get('teu_share_of_feu_rate', TEU_SHARE_OF_FEU_RATE)):g} "
        "x the FEU rate (assumption after the Chinese rail tariff ratio, NDRC 2008); a 40' on a "
        "TEU-priced service at 2 x the TEU rate",
        "handling per gross tonne at every node where the cargo changes service, not at the "
        "origin or the destination; overseas warehouses passed through are costed as "
        "cross-docks (their inbound+outbound handling, no storage days)",
        "border and gauge-change fees per gross tonne at the via nodes of each service and at "
        "border crossings where the cargo changes service",
        "days are door-to-door from the origin to the destination: expected wait for the "
        "next departure (half the headway of scheduled services; trucks and couriers leave "
        "on demand), running time, and dwell at via and transshipment nodes; the range runs "
        "from no wait at mean times to a full headway at transit_h_max and dwell_h_max",
        "CO2e well-to-wheel = co2_g_per_tkm x distance_km x gross tonnes (GLEC Framework / "
        "ISO 14083 use the actual weight, also for air, not the chargeable weight); hub and "
        "transshipment emissions are not included",
    ]
    if cargo.value_cny:
        rate = prep.carrying_rate
        notes.append(
            f"in-transit inventory cost: value {cargo.value_cny:,.0f} CNY x "
            f"{rate:g}/year (inventory_carrying_rate_per_year) x days / 365"
        )
    else:
        notes.append("no cargo value given: in-transit inventory cost not included")
    cur = [
        f"{c} {float(fx.at[c, 'cny_per_unit']):g} CNY ({fx.at[c, 'date']})"
        for c in fx.index
        if c != "CNY"
    ]
    notes.append(
        "rates converted to CNY at fx.csv: "
        + ", ".join(cur)
        + (f"; totals also shown in {currency}" if currency != "CNY" else "")
    )
    notes.append(
        "rates are taken at their own price_year, not escalated; excluded: duties, "
        "VAT, insurance, customs brokerage and surcharges not in the data"
    )
    if prep.nodes[destination].kind == MARKET_KIND:
        notes.append(
            "a market is reached by a last_mile (parcel / pallet) or road (direct B2B "
            "truck) service; its price is to the market's distribution centroid"
        )
    if opts.max_legs != DEFAULT_MAX_LEGS:
        notes.append(f"routes limited to {opts.max_legs} legs")
    return tuple(notes)
