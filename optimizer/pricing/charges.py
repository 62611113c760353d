"""A forwarder's fees and surcharges (charges.csv) as lines of a quote.

Formulation
-----------
A row of charges.csv is a fee ``(mode, at, country, load, unit, basis, amount, currency,
minimum, dg, valid_from, valid_to)``. On a leg by a service of ``mode`` it applies

* ``at = origin`` at the node the leg boards, ``at = destination`` at the node it
  reaches, when that node is in ``country`` (``*``: anywhere);
* when the leg's load matches ``load`` (``FCL``, ``LCL``, ``weight`` or ``any``) and, per
  box, its container type matches ``unit`` (``20'``, ``40'``, ``40'HC`` or ``*``);
* to dangerous goods only (``dg = dg``), to others only (``non_dg``) or to all (``any``);
* on the date the cargo is ready (or today) between ``valid_from`` and ``valid_to``.

``at = shipment`` rows (mode ``*``) apply once a shipment: the export declaration at an
origin in ``country``, import brokerage where the destination is in ``country``
(``*``: any destination abroad), insurance on the cargo's value.

The amount is ``max(minimum, amount x quantity)`` converted at fx.csv, where the
quantity is by ``basis``: boxes (FCL units), 1 per bill of lading / air waybill (a leg),
1 per shipment, chargeable kg, gross tonnes, cbm, w/m (revenue tonnes, at least 1), or a
share of the cargo's value or of the leg's freight. Leg fees are part of the leg's cost
in the route search (two sea legs pay two THCs); shipment fees are the same for every
route and are added to each alternative.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field

from optimizer.data.network import Network
from optimizer.errors import InputError
from optimizer.pricing.types import Cargo, ChargeLine, Load

#: The load unit of a 40' flat rack (out-of-gauge cargo, :mod:`optimizer.pricing.tariff`).
FLAT_RACK = "40'FR"
_UNIT = {
    "box": "box",
    "bl": "B/L",
    "shipment": "shipment",
    "kg": "kg",
    "t": "t",
    "cbm": "cbm",
    "wm": "w/m",
    "value_share": "of value",
    "freight_share": "of freight",
}


@dataclass(frozen=True)
class Charge:
    id: str
    name: str
    category: str
    mode: str
    at: str
    country: str
    load: str
    unit: str
    basis: str
    amount: float
    cny_per_unit: float
    currency: str
    minimum: float | None
    dg: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    kind: str
    source: str

    def applies(self, country: str, dg: bool) -> bool:
        """Whether it is charged in ``country`` on dangerous goods (``dg``) or others."""
        return self.country in ("*", country) and self.dg != ("non_dg" if dg else "dg")

    def in_force(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass(frozen=True, eq=False)
class ChargeTable:
    """The charges in force on a date (``on``: the first date it was made for), by (mode,
    at) for legs and for the shipment."""

    on: dt.date
    legs: dict[tuple[str, str], tuple[Charge, ...]]
    shipment: tuple[Charge, ...]
    ids: tuple[str, ...] = ()  # the charges in force (tables of dates with the same are one)
    _memo: dict[tuple[str, str, str, bool], tuple[Charge, ...]] = field(default_factory=dict)

    @functools.cached_property
    def modes(self) -> frozenset[str]:
        """The modes that have leg charges."""
        return frozenset(mode for mode, _ in self.legs)

    def at(self, mode: str, at: str, country: str, dg: bool) -> tuple[Charge, ...]:
        """The leg charges of ``mode`` at its ``origin`` or ``destination`` in ``country``
        that apply to dangerous goods or not (chosen once per combination)."""
        key = (mode, at, country, dg)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = tuple(
                c for c in self.legs.get((mode, at), ()) if c.applies(country, dg)
            )
        return hit


_TABLES: weakref.WeakKeyDictionary[Network, dict[dt.date, ChargeTable]] = (
    weakref.WeakKeyDictionary()
)


def _date(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)) if str(value).strip() else None


def charge_table(network: Network, on: dt.date) -> ChargeTable:
    """The network's charges in force on ``on``. Cached per network and date; dates with
    the same charges in force share one table (so the costed legs are shared too)."""
    per_net = _TABLES.setdefault(network, {})
    hit = per_net.get(on)
    if hit is not None:
        return hit
    charges = _all_charges(network)
    force = tuple(c for c in charges if c.in_force(on))
    ids = tuple(c.id for c in force)
    same = next((t for t in per_net.values() if t.ids == ids), None)
    if same is None:
        legs: dict[tuple[str, str], list[Charge]] = {}
        for c in force:
            if c.at != "shipment":
                legs.setdefault((c.mode, c.at), []).append(c)
        same = ChargeTable(
            on,
            {k: tuple(v) for k, v in legs.items()},
            tuple(c for c in force if c.at == "shipment"),
            ids=ids,
        )
    per_net[on] = same
    return same


_CHARGES: weakref.WeakKeyDictionary[Network, tuple[Charge, ...]] = weakref.WeakKeyDictionary()


def _all_charges(network: Network) -> tuple[Charge, ...]:
    """Every row of charges.csv as a :class:`Charge` (once per network)."""
    hit = _CHARGES.get(network)
    if hit is not None:
        return hit
    kinds: dict[str, str] = {}
    prov = network.provenance
    if len(prov):
        rows = prov[(prov["file"] == "charges.csv") & (prov["field"] == "amount")]
        kinds = dict(zip(rows["id"].astype(str), rows["kind"].astype(str), strict=True))
    fx = network.fx["cny_per_unit"].astype(float).to_dict()
    out: list[Charge] = []
    frame = network.charges
    for cid, r in frame.iterrows() if len(frame) else ():
        source = str(r["source"])
        minimum = r.get("minimum")
        out.append(
            Charge(
                id=str(cid),
                name=str(r["name"]),
                category=str(r["category"]),
                mode=str(r["mode"]),
                at=str(r["at"]),
                country=str(r["country"]),
                load=str(r["load"]),
                unit=str(r.get("unit") or "*"),
                basis=str(r["basis"]),
                amount=float(r["amount"]),
                cny_per_unit=float(fx[str(r["currency"])]),
                currency=str(r["currency"]),
                minimum=None if minimum is None or math.isnan(float(minimum)) else float(minimum),
                dg=str(r.get("dg") or "any"),
                valid_from=_date(r.get("valid_from")),
                valid_to=_date(r.get("valid_to")),
                kind=kinds.get(
                    str(cid), "assumed" if source.lower().startswith("assum") else "cited"
                ),
                source=source,
            )
        )
    _CHARGES[network] = hit = tuple(out)
    return hit


def _line(
    c: Charge, quantity: float, base_cny: float | None, where: str, leg: int | None
) -> ChargeLine:
    """A charge for ``quantity`` units (or a share of ``base_cny``)."""
    amount = _amount(c, quantity, base_cny)
    unit_rate, qty = c.amount, 1.0 if base_cny is not None else quantity
    return ChargeLine(
        id=c.id,
        name=c.name,
        category=c.category,
        where=where,
        quantity=qty,
        unit=_UNIT[c.basis],
        rate=unit_rate,
        currency=c.currency,
        amount_cny=amount,
        kind=c.kind,
        source=c.source,
        leg=leg,
    )


def _quantity(c: Charge, load: Load, cargo: Cargo, volumetric: float) -> float | None:
    """The quantity a leg's charge is counted in (``None``: it does not apply to the load)."""
    if c.load != "any" and c.load != load.kind:
        return None
    if c.basis == "box":
        unit = "40'" if load.unit == FLAT_RACK else load.unit  # a flat rack pays a 40''s fees
        if load.kind != "FCL" or (c.unit != "*" and c.unit != unit):
            return None
        return load.quantity
    return _per_unit(c.basis, cargo, volumetric)


def _per_unit(basis: str, cargo: Cargo, volumetric: float) -> float:
    """The cargo's quantity in a charge's basis (1 for a B/L, a shipment)."""
    if basis == "kg":
        return max(cargo.kg, cargo.cbm * volumetric)
    if basis == "t":
        return cargo.tonnes
    if basis == "cbm":
        return cargo.cbm
    if basis == "wm":
        return max(cargo.tonnes, cargo.cbm, 1.0)
    return 1.0


def _leg_items(
    table: ChargeTable,
    mode: str,
    frm: tuple[str, str],
    to: tuple[str, str],
    load: Load,
    cargo: Cargo,
    volumetric: float,
) -> Iterator[tuple[Charge, float, float | None, str]]:
    """The charges of one leg: (charge, quantity, base of a share or None, node)."""
    for at, (node, country) in (("origin", frm), ("destination", to)):
        for c in table.at(mode, at, country, cargo.dg_class is not None):
            if c.basis == "freight_share":
                if c.load in ("any", load.kind):
                    yield c, 1.0, load.freight_cny, node
                continue
            if c.basis == "value_share":
                if cargo.value_cny:
                    yield c, 1.0, cargo.value_cny, node
                continue
            qty = _quantity(c, load, cargo, volumetric)
            if qty is not None:
                yield c, qty, None, node


def _amount(c: Charge, quantity: float, base_cny: float | None) -> float:
    """A charge in CNY: a share of ``base_cny``, else ``quantity`` units; its minimum."""
    amount = c.amount * base_cny if base_cny is not None else c.amount * quantity * c.cny_per_unit
    return max(amount, c.minimum * c.cny_per_unit) if c.minimum is not None else amount


def leg_fee(
    table: ChargeTable,
    mode: str,
    frm: tuple[str, str],
    to: tuple[str, str],
    load: Load,
    cargo: Cargo,
    volumetric: float,
) -> float:
    """The total of a leg's fees in CNY (what the route search adds to the leg)."""
    return sum(
        _amount(c, q, b) for c, q, b, _ in _leg_items(table, mode, frm, to, load, cargo, volumetric)
    )


def leg_lines(
    table: ChargeTable,
    mode: str,
    frm: tuple[str, str],
    to: tuple[str, str],
    load: Load,
    cargo: Cargo,
    volumetric: float,
) -> tuple[ChargeLine, ...]:
    """The fees of one leg as lines: ``frm`` and ``to`` are (node id, country)."""
    return tuple(
        _line(c, q, b, node, None)
        for c, q, b, node in _leg_items(table, mode, frm, to, load, cargo, volumetric)
    )


def shipment_lines(
    table: ChargeTable, origin_country: str, destination_country: str, cargo: Cargo
) -> tuple[ChargeLine, ...]:
    """The fees charged once a shipment (declarations, brokerage, insurance)."""
    out: list[ChargeLine] = []
    for c in table.shipment:
        if c.category == "customs_export":
            where, country = "origin", origin_country
        elif c.category == "customs_import":
            if destination_country == origin_country:
                continue
            where, country = "destination", destination_country
        else:
            where, country = "shipment", c.country
        if not c.applies(country, cargo.dg_class is not None):
            continue
        if c.basis == "value_share":
            if cargo.value_cny:
                out.append(_line(c, 1.0, cargo.value_cny, where, None))
            continue
        if c.basis == "freight_share":
            continue  # a share of freight is a leg's charge
        out.append(_line(c, _per_unit(c.basis, cargo, 0.0), None, where, None))
    return tuple(out)


@dataclass(frozen=True)
class Margin:
    """A forwarder's margin: a share of the buy price and/or an amount per shipment (CNY)."""

    share: float = 0.0
    amount_cny: float = 0.0

    def sell(self, buy_cny: float) -> float:
        return buy_cny * (1.0 + self.share) + self.amount_cny

    @property
    def label(self) -> str:
        parts = []
        if self.share:
            parts.append(f"{self.share * 100:g} %")
        if self.amount_cny:
            parts.append(f"{self.amount_cny:,.0f} CNY per shipment")
        return " + ".join(parts) or "none"


def parse_margin(text: str | None) -> Margin:
    """``8%`` (a share of the buy price), ``300`` (CNY per shipment) or ``8%+300``."""
    if text is None or not str(text).strip():
        return Margin()
    share = amount = 0.0
    for part in str(text).replace(" ", "").split("+"):
        try:
            if part.endswith("%"):
                share += float(part[:-1]) / 100.0
            else:
                amount += float(part.removesuffix("CNY").removesuffix("cny"))
        except ValueError:
            share = math.nan
        if not (math.isfinite(share) and math.isfinite(amount)) or share < 0 or amount < 0:
            break
    if not (math.isfinite(share) and math.isfinite(amount)) or share < 0 or amount < 0:
        msg = f"margin {text!r}: give a share of the buy price (8%), CNY per shipment (300) or both"
        raise InputError(msg, field="margin")
    if share > 5:
        msg = f"margin {text!r} is over 500 % of the buy price"
        raise InputError(msg, field="margin")
    return Margin(share, amount)
