"""The value objects of pricing: a cargo, the load and cost of a leg, routes, alternatives, quotes.

Plain frozen dataclasses; :meth:`Quote.to_dict` is the JSON of ``corridor
price --json`` and the quote API.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from optimizer.data.network import Network
from optimizer.data.schema import MAX_DENSITY_KG_PER_CBM
from optimizer.errors import CorridorError, InputError
from optimizer.pricing.duties import DutyLine
from optimizer.pricing.tariff import check_dg_class, check_piece
from optimizer.pricing.timing import Timing

RankBy = Literal["cost", "days", "co2"]


class NoRouteError(CorridorError, ValueError):
    """No route reaches the destination under the given options; the message says why."""

    def __init__(self, message: str, *, field: str = "to") -> None:
        super().__init__(message, field=field)


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
    #: UN dangerous-goods class or division (IMDG / ADR / RID / IATA DGR), ``None``: not DG
    dg_class: str | None = None
    #: length, width and height (m) of the largest piece, ``None``: packed to fit a box
    piece_m: tuple[float, float, float] | None = None
    #: weight of the heaviest piece, t (``None``: the whole cargo is one piece)
    piece_t: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dg_class", check_dg_class(self.dg_class))
        if self.piece_t is not None and not (
            math.isfinite(self.piece_t) and 0 < self.piece_t <= self.tonnes
        ):
            msg = f"piece_t must be positive and at most the cargo's {self.tonnes:g} t"
            raise InputError(msg, field="piece_t")
        for name in ("tonnes", "cbm"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                msg = f"{name} must be a positive number (got {value!r})"
                raise InputError(msg, field=name)
        if self.value_cny is not None and (not math.isfinite(self.value_cny) or self.value_cny < 0):
            msg = f"value_cny must be zero or positive (got {self.value_cny!r})"
            raise InputError(msg, field="value_cny")
        if self.density_kg_per_cbm > MAX_DENSITY_KG_PER_CBM:
            msg = (
                f"{self.tonnes:g} t in {self.cbm:g} cbm is {self.density_kg_per_cbm:,.0f} kg/cbm, "
                f"denser than any material ({MAX_DENSITY_KG_PER_CBM:,.0f}); check the units"
            )
            raise InputError(msg, field="cbm")

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
        dg_class: str | None = None,
        piece: str | tuple[float, float, float] | None = None,
        piece_t: float | None = None,
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
                close = difflib.get_close_matches(product, list(network.products.index), n=3)
                msg = f"unknown product {product!r}" + (
                    f"; close matches: {', '.join(close)}"
                    if close
                    else f"; known: {', '.join(network.products.index)}"
                )
                raise InputError(msg, field="product")
            density = float(network.products["density_kg_per_cbm"].astype(float).loc[product])
        for name, value in (("tonnes", tonnes), ("cbm", cbm), ("value_cny", value_cny)):
            if value is not None and (
                not math.isfinite(value) or value < 0 or (value == 0 and name != "value_cny")
            ):
                msg = f"{name} must be a positive number (got {value!r})"
                raise InputError(msg, field=name)
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
            value_per_t = network.products["value_cny_per_t"].astype(float).loc[product]
            value_cny = tonnes * float(value_per_t)
            notes.append(f"cargo value from products.csv ({product}): {value_cny:,.0f} CNY")
        return cls(
            tonnes=float(tonnes),
            cbm=float(cbm),
            value_cny=None if value_cny is None else float(value_cny),
            product=product,
            assumptions=tuple(notes),
            dg_class=dg_class,
            piece_m=check_piece(piece) if isinstance(piece, str) or piece is None else piece,
            piece_t=piece_t,
        )

    @property
    def heaviest_piece_t(self) -> float:
        """The heaviest piece (the whole cargo when not given)."""
        return self.piece_t if self.piece_t is not None else self.tonnes


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
    fees: float = 0.0  # the forwarder's fees and surcharges (charges.csv), see ``charges``

    @property
    def total(self) -> float:
        """Sum of the components."""
        return self.freight + self.handling + self.border + self.inventory + self.fees

    def __add__(self, other: Breakdown) -> Breakdown:
        return Breakdown(
            self.freight + other.freight,
            self.handling + other.handling,
            self.border + other.border,
            self.inventory + other.inventory,
            self.fees + other.fees,
        )


@dataclass(frozen=True)
class ChargeLine:
    """One fee or surcharge of a quote (a row of charges.csv applied to the cargo)."""

    id: str
    name: str
    category: str
    where: str  # the node it is charged at, or "shipment"
    quantity: float
    unit: str  # box, B/L, shipment, kg, t, cbm, w/m, share
    rate: float  # in ``currency`` per unit
    currency: str
    amount_cny: float
    kind: str  # cited, proxy or assumed (provenance of the figure)
    source: str
    leg: int | None = None  # index of the leg it belongs to; None for the shipment


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
    timing: Timing | None = None  # the days' distribution and dates (pricing.timing)
    #: near-duplicate routes merged into this one (other services, same shape): the
    #: services that differ, and their cost and days against this one
    variants: tuple[str, ...] = ()
    #: the fees and surcharges (charges.csv): the legs' (in ``breakdown.fees`` and the
    #: legs' cost) and the shipment's (declarations, brokerage, insurance)
    charges: tuple[ChargeLine, ...] = ()
    #: the sell price with the forwarder's margin (``None``: no margin asked)
    sell_cny: float | None = None
    #: total cost + import duty and VAT at the destination (``None``: not estimated)
    landed_cost_cny: float | None = None

    @property
    def days(self) -> float:
        """Expected door-to-door days."""
        return self.hours / 24.0

    @property
    def shipment_fees_cny(self) -> float:
        """The fees charged once a shipment (not part of any leg's cost)."""
        return sum(c.amount_cny for c in self.charges if c.leg is None)

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
    ready: date | None = None  # the date the cargo is ready (dates of departures)
    #: every node the origin and destination stand for (a city stands for several)
    origin_nodes: tuple[str, ...] = ()
    destination_nodes: tuple[str, ...] = ()
    #: import duty and VAT at the destination (duties.csv), the same for every alternative
    duties: tuple[DutyLine, ...] = ()
    channel: str = "9810"  # the customs mode the duties were estimated for

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
                    **_timing_dict(alt),
                    "variants": list(alt.variants),
                    "co2_kg": round(alt.co2_kg, 1),
                    "transshipments": alt.transshipments,
                    "modes": list(alt.modes),
                    "price_years": list(alt.price_years),
                    "breakdown": _breakdown_dict(alt.breakdown),
                    "charges": [_charge_dict(c) for c in alt.charges],
                    "sell_cny": None if alt.sell_cny is None else money(alt.sell_cny),
                    "sell": None if alt.sell_cny is None else conv(alt.sell_cny),
                    "landed_cost_cny": None
                    if alt.landed_cost_cny is None
                    else money(alt.landed_cost_cny),
                    "legs": [_leg_dict(leg) for leg in alt.legs],
                }
            )
        c = self.cargo
        return {
            "origin": {
                "id": self.origin,
                "name": self.origin_name,
                "nodes": list(self.origin_nodes or (self.origin,)),
            },
            "destination": {
                "id": self.destination,
                "name": self.destination_name,
                "nodes": list(self.destination_nodes or (self.destination,)),
            },
            "ready": self.ready.isoformat() if self.ready else None,
            "cargo": {
                "tonnes": c.tonnes,
                "cbm": c.cbm,
                "value_cny": c.value_cny,
                "product": c.product,
                "density_kg_per_cbm": round(c.density_kg_per_cbm, 1),
                "dg_class": c.dg_class,
                "piece_m": list(c.piece_m) if c.piece_m else None,
                "piece_t": c.piece_t,
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
            "landed": {
                "channel": self.channel,
                "lines": [
                    {
                        "name": x.name,
                        "amount_cny": money(x.amount_cny),
                        "rule": x.rule,
                        "source": x.source,
                        "kind": x.kind,
                    }
                    for x in self.duties
                ],
                "duties_vat_cny": money(sum(x.amount_cny for x in self.duties)),
            },
            "assumptions": list(self.assumptions),
            "options": self.options,
        }


def _timing_dict(alt: Alternative) -> dict[str, Any]:
    t = alt.timing
    if t is None:
        return {}
    return {
        "days_p10": round(t.days_p10, 2),
        "days_p50": round(t.days_p50, 2),
        "days_p90": round(t.days_p90, 2),
        "main_service": alt.legs[t.main_leg].service_id,
        "etd": t.etd.isoformat() if t.etd else None,
        "eta": t.eta.isoformat() if t.eta else None,
        "valid_until": t.valid_until.isoformat() if t.valid_until else None,
        "rates_expired": t.expired,
    }


def _breakdown_dict(b: Breakdown) -> dict[str, float]:
    return {
        "freight": round(b.freight, 2),
        "handling": round(b.handling, 2),
        "border": round(b.border, 2),
        "inventory": round(b.inventory, 2),
        "fees": round(b.fees, 2),
    }


def _charge_dict(c: ChargeLine) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "category": c.category,
        "leg": None if c.leg is None else c.leg + 1,
        "where": c.where,
        "quantity": round(c.quantity, 3),
        "unit": c.unit,
        "rate": c.rate,
        "currency": c.currency,
        "amount_cny": round(c.amount_cny, 2),
        "kind": c.kind,
        "source": c.source,
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
        "breakdown": _breakdown_dict(leg.breakdown),
        "co2_kg": round(leg.co2_kg, 1),
        "co2_g_per_tkm": leg.co2_g_per_tkm,
        "co2_source": leg.co2_source,
        "price_year": leg.price_year,
        "rate_currency": leg.rate_currency,
    }
