"""Route pricing: Pareto-optimal routes and forwarder-style quotes.

Given an origin, a destination and a cargo, :func:`quote` returns every
Pareto-optimal route over (total cost, door-to-door hours, CO2) on the
multimodal network, costed the way a forwarder prices a shipment, trimmed
to a ranked handful of alternatives.

The search is :mod:`optimizer.pricing.search`, the costing of a leg
:mod:`optimizer.pricing.costing`, the value objects
:mod:`optimizer.pricing.types`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from optimizer.data.network import Network
from optimizer.errors import InputError
from optimizer.pricing.charges import (
    ChargeTable,
    Margin,
    charge_table,
    parse_margin,
    shipment_lines,
)
from optimizer.pricing.costing import LCL_MINIMUM_UNITS, Edge, freight_for
from optimizer.pricing.diagnose import why_no_route
from optimizer.pricing.duties import CHANNELS, DutyLine, landed_lines
from optimizer.pricing.network import (
    HC40_PAYLOAD_T,
    HC40_VOLUME_CBM,
    MARKET_DELIVERY_MODES,
    MARKET_KIND,
    TEU_SHARE_OF_FEU_RATE,
    Compiled,
    compile_network,
    hc40,
)
from optimizer.pricing.search import (
    DEFAULT_MAX_LEGS,
    Found,
    SearchOptions,
    alternative,
    build_options,
    pareto_routes,
    price_route,
    run_search,
)
from optimizer.pricing.tariff import out_of_gauge
from optimizer.pricing.timing import SAMPLES, VALID_DAYS, simulate, with_validity
from optimizer.pricing.types import (
    Alternative,
    Breakdown,
    Cargo,
    Leg,
    Load,
    NoRouteError,
    Quote,
    RankBy,
    Route,
)

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
    "quote_shipment",
]

#: Upper bound on alternatives a quote returns.
MAX_ALTERNATIVES = 50


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
    ready: dt.date | None = None,
    margin: Margin | str | None = None,
    channel: str = "9810",
    items: int = 1,
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
    ready
        The date the cargo is ready: each alternative then has its departure and arrival
        dates (``etd``, ``eta``) and whether its rates still hold; without it the days
        are spread over a random moment of the week. See :mod:`optimizer.pricing.timing`.
        The fees of charges.csv in force on that date (or today) are applied.
    margin
        The forwarder's margin (``"8%"``, ``"300"`` CNY per shipment, ``"8%+300"`` or a
        :class:`~optimizer.pricing.charges.Margin`): each alternative then has its sell
        price beside the buy price.
    channel, items
        The customs mode at export (``9610`` B2C parcels, ``9710`` B2B direct, ``9810`` to
        an overseas warehouse, ``1210`` bonded) and the number of parcels (9610) or items:
        with a cargo value, the quote gives the import duty and VAT at the destination
        (duties.csv, thresholds per parcel for 9610) and each alternative's landed cost.

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
    prep = compile_network(network)
    origins = _place(network, origin, "origin", "from")
    destinations = _place(network, destination, "destination", "to")
    same = sorted(set(origins) & set(destinations))
    if same:
        msg = f"origin and destination are the same node ({', '.join(same)})"
        raise InputError(msg, field="to")
    if rank_by not in _RANK_KEYS:
        msg = f"rank_by must be one of {', '.join(_RANK_KEYS)} (got {rank_by!r})"
        raise InputError(msg, field="rank_by")
    if not 1 <= int(max_alternatives) <= MAX_ALTERNATIVES:
        msg = f"max_alternatives must be between 1 and {MAX_ALTERNATIVES}"
        raise InputError(msg, field="max_alternatives")
    currency = currency.upper()
    rates = _fx(network)
    if currency not in rates:
        msg = f"unknown currency {currency!r}; fx.csv has {', '.join(rates)}"
        raise InputError(msg, field="currency")
    opts = build_options(
        network,
        prep,
        origins,
        destinations,
        modes=modes,
        exclude_modes=exclude_modes,
        avoid=avoid,
        via=via,
        max_legs=max_legs,
        max_transshipments=max_transshipments,
    )
    if channel not in CHANNELS:
        msg = f"channel must be one of {', '.join(CHANNELS)} (got {channel!r})"
        raise InputError(msg, field="channel")
    if isinstance(items, bool) or not isinstance(items, int) or not 1 <= items <= 1_000_000:
        msg = f"items must be a whole number from 1 to 1,000,000 (got {items!r})"
        raise InputError(msg, field="items")
    sell = margin if isinstance(margin, Margin) else parse_margin(margin)
    on = ready or dt.date.today()  # the charges and duties in force that day
    table = charge_table(network, on)
    excluded: dict[str, str] = {}
    found = run_search(network, origins, destinations, cargo, opts, table, excluded)
    if not found:
        why = "; ".join(
            why_no_route(prep, o, d, opts) for o in origins[:3] for d in destinations[:3]
        )
        if excluded:
            why += "; for this cargo: " + "; ".join(f"{m}: {w}" for m, w in excluded.items())
        raise NoRouteError(why)
    distinct, merged = merge_near_duplicates(prep, found)
    alts = [
        _with_variants(
            _timed(
                prep,
                _priced(prep, table, alternative(prep, f[3], cargo, table), cargo, sell),
                f[3],
                ready,
            ),
            f,
            merged[id(f)],
        )
        for f in _select(distinct, int(max_alternatives), rank_by)
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
    country = prep.nodes[tagged[cheapest].legs[-1].to_node].country
    duties = _duties(network, cargo, country, channel, items, on)
    if duties:
        extra = sum(x.amount_cny for x in duties)
        tagged = [dataclasses.replace(a, landed_cost_cny=a.total_cost_cny + extra) for a in tagged]
    years = tuple(sorted({y for a in tagged for y in a.price_years}))
    # the ends of the cheapest route stand for a place of several nodes
    o, d = tagged[cheapest].legs[0].from_node, tagged[cheapest].legs[-1].to_node
    return Quote(
        origin=o,
        destination=d,
        origin_name=_place_name(network, origin, origins),
        destination_name=_place_name(network, destination, destinations),
        cargo=cargo,
        alternatives=tuple(tagged),
        pareto_count=len(found),
        cheapest=cheapest,
        fastest=fastest,
        greenest=greenest,
        currency=currency,
        cny_per_unit=rates[currency][0],
        fx_date=rates[currency][1],
        price_years=years,
        assumptions=(
            *_place_lines(network, origin, origins, "origin"),
            *_place_lines(network, destination, destinations, "destination"),
            *_validity_lines(tagged, ready),
            *_cargo_lines(network, cargo, excluded),
            *_fee_lines(tagged, on, sell),
            *_duty_lines(network, cargo, country, channel, items, duties),
            *_assumptions(network, prep, cargo, currency, opts, d),
        ),
        ready=ready,
        options={
            "modes": sorted(opts.allowed),
            "avoid": sorted(opts.avoid_nodes | opts.avoid_services),
            "via": [*opts.via_nodes, *opts.via_services],
            "max_legs": opts.max_legs,
            "max_alternatives": int(max_alternatives),
            "rank_by": rank_by,
        },
        network_name=network.name,
        origin_nodes=origins,
        destination_nodes=destinations,
        duties=tuple(duties),
        channel=channel,
    )


def quote_shipment(
    network: Network,
    origin: str,
    destination: str,
    *,
    tonnes: float | None = None,
    cbm: float | None = None,
    product: str | None = None,
    value_cny: float | None = None,
    dg_class: str | None = None,
    piece: str | tuple[float, float, float] | None = None,
    piece_t: float | None = None,
    **options: Any,
) -> Quote:
    """:func:`quote` of a cargo given by its figures (:meth:`Cargo.from_inputs` fills in
    what is missing): the one entry of ``corridor price``, its batches and the quote API.
    ``options`` are :func:`quote`'s keyword arguments."""
    cargo = Cargo.from_inputs(
        network,
        tonnes=tonnes,
        cbm=cbm,
        product=product,
        value_cny=value_cny,
        dg_class=dg_class,
        piece=piece,
        piece_t=piece_t,
    )
    return quote(network, origin, destination, cargo, **options)


def _priced(
    prep: Compiled, table: ChargeTable, alt: Alternative, cargo: Cargo, margin: Margin
) -> Alternative:
    """An alternative with the shipment's fees (declarations, brokerage, insurance) and,
    when a margin is asked, its sell price."""
    first, last = prep.nodes[alt.legs[0].from_node], prep.nodes[alt.legs[-1].to_node]
    lines = shipment_lines(table, first.country, last.country, cargo)
    fees = sum(f.amount_cny for f in lines)
    total = alt.total_cost_cny + fees
    return dataclasses.replace(
        alt,
        charges=alt.charges + lines,
        breakdown=alt.breakdown + Breakdown(fees=fees),
        total_cost_cny=total,
        sell_cny=margin.sell(total) if margin != Margin() else None,
    )


def _duties(
    network: Network, cargo: Cargo, country: str, channel: str, items: int, on: dt.date
) -> list[DutyLine]:
    if not cargo.value_cny or not country:
        return []
    return landed_lines(
        network, country, cargo.product, cargo.value_cny, items=items, channel=channel, on=on
    )


def _duty_lines(
    network: Network,
    cargo: Cargo,
    country: str,
    channel: str,
    items: int,
    duties: Sequence[DutyLine],
) -> list[str]:
    if not cargo.value_cny:
        return ["no cargo value given: import duty and VAT not estimated (give --value)"]
    if not duties:
        return [
            f"no duty data for {country or 'the destination'} in duties.csv: import duty "
            "and VAT not estimated"
        ]
    what = f"{items} parcel(s)" if channel == "9610" else "one consignment"
    return [
        f"landed cost = total + import duty and VAT at {country} for customs mode {channel} "
        f"({what}, value {cargo.value_cny:,.0f} CNY as the customs value; freight and "
        "insurance not added to it): "
        + "; ".join(f"{x.name}: {x.amount_cny:,.0f} CNY ({x.rule})" for x in duties)
        + "; a VAT-registered importer usually recovers the import VAT"
    ]


def _cargo_lines(network: Network, cargo: Cargo, excluded: dict[str, str]) -> list[str]:
    """What the cargo's dangerous-goods class and piece size changed, or may change."""
    out = []
    if cargo.dg_class is not None:
        out.append(
            f"dangerous goods class {cargo.dg_class} (IMDG / ADR / RID / IATA DGR): DG "
            "surcharges of charges.csv apply; no loose (LCL) sea or rail cargo"
        )
    if cargo.piece_m is not None:
        size = " x ".join(f"{d:g}" for d in cargo.piece_m)
        rules = compile_network(network).rules
        gauge = " x ".join(f"{d:g}" for d in rules.gauge_m)
        oog = out_of_gauge(rules, cargo.piece_m)
        out.append(
            f"largest piece {size} m, {cargo.heaviest_piece_t:g} t: "
            + (
                f"out of gauge (a 40'HC takes {gauge} m): containers priced as 40' flat racks, "
                "no LCL; road legs as ordinary trucks (abnormal-load permits and escorts are "
                "not priced)"
                if oog
                else f"in gauge (a 40'HC takes {gauge} m)"
            )
        )
    for mode, why in sorted(excluded.items()):
        out.append(f"not offered for this cargo: {mode} ({why})")
    if cargo.product is not None and cargo.dg_class is None and cargo.piece_m is None:
        notes = str(network.products.at[cargo.product, "notes"] or "")
        low = notes.lower()
        if "dangerous" in low or "oversize" in low or "flat rack" in low:
            out.append(
                f"{cargo.product}: {notes}; give --dg CLASS or --piece LxWxH for the "
                "dangerous-goods and out-of-gauge rules (none applied)"
            )
    return out


def _fee_lines(alts: Sequence[Alternative], on: dt.date, margin: Margin) -> list[str]:
    lines = {c.id: c for a in alts for c in a.charges}
    if not lines:
        return ["fees and surcharges: none in charges.csv for these routes"]
    kinds: dict[str, int] = {}
    for c in lines.values():
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    out = [
        f"fees and surcharges as in force on {on.isoformat()} (charges.csv, "
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + "): terminal handling, documentation, security, DG, customs and insurance lines; "
        "fuel and security surcharges on air are in the all-in index rates; no peak-season "
        "or war-risk surcharge is in force in the data"
    ]
    if margin != Margin():
        out.append(f"sell price = buy price x (1 + margin) + amount: margin {margin.label}")
    return out


_FX: weakref.WeakKeyDictionary[Network, dict[str, tuple[float, str]]] = weakref.WeakKeyDictionary()


def _fx(network: Network) -> dict[str, tuple[float, str]]:
    """fx.csv as {currency: (CNY per unit, date)}, read once per network."""
    hit = _FX.get(network)
    if hit is None:
        fx = network.fx
        hit = _FX[network] = {
            str(c): (float(r), str(d))
            for c, r, d in zip(fx.index, fx["cny_per_unit"].astype(float), fx["date"], strict=True)
        }
    return hit


def _validity_lines(alts: Sequence[Alternative], ready: dt.date | None) -> list[str]:
    ends = [a.timing.valid_until for a in alts if a.timing and a.timing.valid_until]
    if not ends or not any(a.timing and a.timing.expired for a in alts):
        return []
    when = ready.isoformat() if ready else "today"
    return [
        f"REPRICE BEFORE SENDING: the rates are public figures and assumptions as of "
        f"{min(ends).isoformat()} to {max(ends).isoformat()} (see provenance.csv), past their "
        f"validity by {when}; they are a planning estimate, not a carrier's offer"
    ]


def _timed(
    prep: Compiled, alt: Alternative, chain: tuple[Edge, ...], ready: dt.date | None
) -> Alternative:
    services = [edge.svc for edge in chain]
    timing = with_validity(simulate(prep, services, ready), services, ready)
    return dataclasses.replace(alt, timing=timing)


def _place(network: Network, text: str, role: str, field: str) -> tuple[str, ...]:
    try:
        return network.resolve_place(text, role)
    except InputError as exc:
        raise InputError(str(exc), field=field) from None


def _place_name(network: Network, text: str, nodes: tuple[str, ...]) -> str:
    if len(nodes) == 1:
        return network.node_name(nodes[0])
    return f"{text} ({len(nodes)} nodes)"


def _place_lines(network: Network, text: str, nodes: tuple[str, ...], role: str) -> list[str]:
    """What a city's name was taken to mean (nothing when the text named a node)."""
    if len(nodes) == 1 and network.names_node(text, nodes[0]):
        return []
    info = compile_network(network).nodes
    listed = ", ".join(f"{n} ({network.node_name(n)}, {info[n].kind})" for n in nodes)
    if len(nodes) > 1:
        return [
            f"{role} {text!r} stands for its {len(nodes)} nodes: {listed}; the quote "
            f"{'starts' if role == 'origin' else 'ends'} at whichever serves best"
        ]
    node = nodes[0]
    kind, city = info[node].kind, info[node].city
    if role == "origin" and kind == "origin" and city:
        zones = [z for z, n in info.items() if n.city == city and n.kind == "origin" and z != node]
        if zones:
            return [
                f"origin {text!r} stands for {listed}, the zone nearest the centre of its "
                f"{len(zones) + 1} zones, with its first-mile leg; for another zone name it: "
                + ", ".join(zones)
            ]
    what = "the market (door delivery)" if kind == "market" else "the node"
    return [f"{role} {text!r} stands for {what} {listed}"]


def _with_tags(alt: Alternative, tags: tuple[str, ...]) -> Alternative:
    return dataclasses.replace(alt, tags=tags)


_FOUND_KEYS = {
    "cost": lambda r: (r[0], r[1], r[2]),
    "days": lambda r: (r[1], r[0], r[2]),
    "co2": lambda r: (r[2], r[0], r[1]),
}


#: Two routes of the same shape (modes, and the cities where they change service) whose
#: costs differ by less than this share and whose days by less than this share or
#: :data:`MERGE_HOURS` are one alternative: the cheaper (then faster) is shown, the other
#: listed as a variant of it with its difference.
MERGE_SHARE = 0.02
MERGE_HOURS = 24.0


def _shape(prep: Compiled, chain: tuple[Edge, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A route's mode sequence and the cities of the places it changes service."""
    return (
        tuple(e.svc.mode for e in chain),
        tuple(prep.nodes[e.svc.to].city or e.svc.to for e in chain[:-1]),
    )


def _close(a: Found, b: Found) -> bool:
    cost = abs(a[0] - b[0]) <= MERGE_SHARE * max(a[0], b[0])
    hours = abs(a[1] - b[1]) <= max(MERGE_SHARE * max(a[1], b[1]), MERGE_HOURS)
    return cost and hours


def merge_near_duplicates(
    prep: Compiled, found: list[Found]
) -> tuple[list[Found], dict[int, list[Found]]]:
    """The routes with near-duplicates merged (see :data:`MERGE_SHARE`): the distinct
    routes, and per kept route (by ``id``) the routes merged into it, cheapest first."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Found]] = {}
    merged: dict[int, list[Found]] = {}
    distinct: list[Found] = []
    for f in sorted(found, key=lambda r: (r[0], r[1], r[2], [e.svc.id for e in r[3]])):
        kept = groups.setdefault(_shape(prep, f[3]), [])
        home = next((k for k in kept if _close(k, f)), None)
        if home is None:
            kept.append(f)
            distinct.append(f)
            merged[id(f)] = []
        else:
            merged[id(home)].append(f)
    return distinct, merged


def _with_variants(alt: Alternative, kept: Found, others: list[Found]) -> Alternative:
    if not others:
        return alt
    texts = []
    for o in others:
        differ = [e.svc.id for e in o[3] if e.svc.id not in {k.svc.id for k in kept[3]}]
        texts.append(
            f"{' > '.join(differ)}: {o[0] - kept[0]:+,.0f} CNY, {(o[1] - kept[1]) / 24:+.1f} days"
        )
    return dataclasses.replace(alt, variants=tuple(texts))


def _main_haul(found: Found) -> str:
    return max(found[3], key=lambda e: e.svc.distance_km).svc.id


def _select(found: list[Found], limit: int, rank_by: str) -> list[Found]:
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
    network: Network,
    prep: Compiled,
    cargo: Cargo,
    currency: str,
    opts: SearchOptions,
    destination: str,
) -> tuple[str, ...]:
    vol = prep.volumetric_kg_per_cbm
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
        f"40'HC {hc40(network)[0]:g} t / {hc40(network)[1]:g} cbm"
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
        "on demand), running time, and dwell at via and transshipment nodes; days_min to "
        "days_max run from no wait at mean times to a full headway at transit_h_max and "
        "dwell_h_max",
        "p10-p90 days: the wait for each departure on the service's weekly timetable "
        "(departures evenly spaced over the week from half a headway after Monday 00:00: "
        "assumption, the data give no weekdays), running time and dwell each lognormal with "
        "the data's typical value as median and its maximum as the 98th percentile "
        f"(assumption: the bad case one shipment in fifty); {SAMPLES} draws, fixed seed; "
        "times in China time (UTC+8)",
        "a rate holds for "
        + ", ".join(f"{m} {d} days" for m, d in VALID_DAYS.items())
        + " after the date of its source (assumption after common carrier practice)",
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
    cur = [f"{c} {rate:g} CNY ({date})" for c, (rate, date) in _fx(network).items() if c != "CNY"]
    notes.append(
        "rates converted to CNY at fx.csv: "
        + ", ".join(cur)
        + (f"; totals also shown in {currency}" if currency != "CNY" else "")
    )
    notes.append(
        "rates are taken at their own price_year, not escalated; excluded: duties and "
        "import VAT (see the landed-cost lines where given) and surcharges not in charges.csv"
    )
    if prep.nodes[destination].kind == MARKET_KIND:
        notes.append(
            "a market is reached by a last_mile (parcel / pallet) or road (direct B2B "
            "truck) service; its price is to the market's distribution centroid"
        )
    if opts.max_legs != DEFAULT_MAX_LEGS:
        notes.append(f"routes limited to {opts.max_legs} legs")
    return tuple(notes)
