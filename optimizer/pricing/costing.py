"""Costing of one leg for a cargo: freight by rate basis, handling, border, inventory, CO2.

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

import math
import weakref
from dataclasses import dataclass
from typing import Any

from optimizer.data.network import Network
from optimizer.errors import InputError
from optimizer.pricing.charges import FLAT_RACK, ChargeTable, leg_fee, leg_lines
from optimizer.pricing.network import (
    BORDER_KIND,
    Compiled,
    NodeInfo,
    Svc,
    compile_network,
)
from optimizer.pricing.tariff import CONTAINER_BASES, air_freight, out_of_gauge
from optimizer.pricing.types import Cargo, ChargeLine, Load

#: Costed edges kept per compiled network: about 60 quotes' worth (a quote costs ~150 edges).
#: A bigger memo barely hits (each cargo has its own edges) and its objects lengthen the
#: garbage collector's full passes, the pauses that set a quote server's p99.
EDGE_MEMO_SIZE = 10_000
#: Modes on which dangerous goods are not offered as loose (LCL) cargo (assumption: most
#: consolidators refuse DG in shared boxes).
LOOSE_DG_EXCLUDED = frozenset({"sea", "cr_express", "rail", "rail_sea", "river"})

#: Minimum chargeable quantity of loose (LCL / per-tonne) cargo: 1 t, 1 cbm or 1 w/m.
LCL_MINIMUM_UNITS = 1.0
HOURS_PER_YEAR = 8760.0


def chargeable(basis: str, cargo: Cargo, volumetric: float, *, minimum: bool) -> tuple[float, str]:
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


def freight(svc: Svc, cargo: Cargo, prep: Compiled) -> Load:
    """The cheapest way to load and charge the cargo on a service (see the module's
    docstring and :mod:`optimizer.pricing.tariff` for air breaks, DG and out-of-gauge)."""
    rules = prep.rules
    options: list[Load] = []
    loose_ok = cargo.dg_class is None or svc.mode not in LOOSE_DG_EXCLUDED
    if svc.rate_basis in prep.units:
        if out_of_gauge(rules, cargo.piece_m) and svc.rate_basis in CONTAINER_BASES:
            n = max(1, math.ceil(cargo.tonnes / rules.flat_rack_max_t - 1e-9))
            feu_multiple = next(
                m for label, _, _, m in prep.units[svc.rate_basis] if label == "40'"
            )
            unit_rate = svc.rate_cny * feu_multiple * rules.flat_rack_factor
            return Load(
                "FCL", f"{n} x 40' flat rack", float(n), FLAT_RACK, unit_rate, n * unit_rate
            )
        for label, payload, volume, multiple in prep.units[svc.rate_basis]:
            n = max(1, math.ceil(max(cargo.tonnes / payload, cargo.cbm / volume) - 1e-9))
            unit_rate = svc.rate_cny * multiple
            options.append(Load("FCL", f"{n} x {label}", float(n), label, unit_rate, n * unit_rate))
        if svc.lcl_basis is not None and svc.lcl_rate_cny is not None and loose_ok:
            qty, unit = chargeable(svc.lcl_basis, cargo, prep.volumetric_kg_per_cbm, minimum=True)
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
    elif svc.rate_basis == "kg" and svc.mode == "air" and rules.air_breaks:
        kg, unit = chargeable("kg", cargo, prep.volumetric_kg_per_cbm, minimum=False)
        cost, rate, label = air_freight(rules, svc.rate_cny, kg)
        options.append(Load("weight", f"{kg:,.2f} {unit}, {label}", kg, unit, rate, cost))
    else:
        qty, unit = chargeable(
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
    prep = compile_network(network)
    if service_id not in prep.services:
        msg = f"unknown or inactive service {service_id!r}"
        raise InputError(msg)
    return freight(prep.services[service_id], cargo, prep)


# -- per-quote edge increments --------------------------------------------------------------
@dataclass(frozen=True)
class Edge:
    svc: Svc
    load: Load
    co2_kg: float
    # increments when boarding at the origin / at a transshipment node
    inc_first: tuple[float, float, float]
    inc_next: tuple[float, float, float]
    fees_cny: float = 0.0  # the leg's fees and surcharges (charges.csv), see ``fee_lines``


_EdgeKey = tuple[str, float, float, float, str | None, tuple[float, float, float] | None, float]
#: Edges already costed, per compiled network and charge table (pure functions of their keys).
_EDGE_MEMO: weakref.WeakKeyDictionary[Compiled, dict[tuple[_EdgeKey, int], Edge]] = (
    weakref.WeakKeyDictionary()
)


def cargo_key(cargo: Cargo) -> tuple[float, float, float, str | None, Any, float]:
    """What the costing of a leg depends on, of a cargo."""
    return (
        cargo.tonnes,
        cargo.cbm,
        cargo.value_cny or 0.0,
        cargo.dg_class,
        cargo.piece_m,
        cargo.heaviest_piece_t,
    )


def edge_for(svc: Svc, cargo: Cargo, prep: Compiled, table: ChargeTable | None = None) -> Edge:
    key = ((svc.id, *cargo_key(cargo)), id(table))
    memo = _EDGE_MEMO.setdefault(prep, {})
    hit = memo.get(key)
    if hit is None:
        if len(memo) > EDGE_MEMO_SIZE:
            memo.clear()
        hit = memo[key] = _edge_uncached(svc, cargo, prep, table)
    return hit


def _edge_uncached(svc: Svc, cargo: Cargo, prep: Compiled, table: ChargeTable | None) -> Edge:
    load = freight(svc, cargo, prep)
    t = cargo.tonnes
    inv_per_h = (cargo.value_cny or 0.0) * prep.carrying_rate / HOURS_PER_YEAR
    node = prep.nodes[svc.frm]
    h_first = svc.wait_h + svc.leg_h
    h_next = node.dwell_h + h_first
    border_via = svc.via_fee_cny_per_t * t
    fees = 0.0
    if table is not None and svc.mode in table.modes:
        to = prep.nodes[svc.to]
        frm_at, to_at = (node.id, node.country), (to.id, to.country)
        fees = leg_fee(table, svc.mode, frm_at, to_at, load, cargo, prep.volumetric_kg_per_cbm)
    base = load.freight_cny + border_via + fees
    node_fee = (node.handling_cny_per_t + node_border(node)) * t
    co2 = svc.co2_g_per_tkm * svc.distance_km * t / 1000.0
    return Edge(
        svc=svc,
        load=load,
        co2_kg=co2,
        inc_first=(base + inv_per_h * h_first, h_first, co2),
        inc_next=(base + node_fee + inv_per_h * h_next, h_next, co2),
        fees_cny=fees,
    )


def fee_lines(
    edge: Edge, cargo: Cargo, prep: Compiled, table: ChargeTable | None
) -> tuple[ChargeLine, ...]:
    """The fees of an edge as lines (built for the routes shown, not in the search)."""
    if table is None or not edge.fees_cny:
        return ()
    frm, to = prep.nodes[edge.svc.frm], prep.nodes[edge.svc.to]
    return leg_lines(
        table,
        edge.svc.mode,
        (frm.id, frm.country),
        (to.id, to.country),
        edge.load,
        cargo,
        prep.volumetric_kg_per_cbm,
    )


def node_border(node: NodeInfo) -> float:
    return node.border_fee_cny_per_t if node.kind == BORDER_KIND else 0.0
