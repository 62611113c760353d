"""The route search: every Pareto-optimal route over (cost, hours, CO2) for one cargo.

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
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from optimizer.data.network import Network
from optimizer.data.schema import MODES
from optimizer.errors import InputError
from optimizer.pricing.charges import ChargeTable
from optimizer.pricing.costing import HOURS_PER_YEAR, Edge, edge_for, fee_lines, node_border
from optimizer.pricing.network import (
    MARKET_KIND,
    MEMO_SIZE,
    ORIGIN_KIND,
    Compiled,
    Svc,
    compile_network,
)
from optimizer.pricing.tariff import excluded
from optimizer.pricing.types import Alternative, Breakdown, Cargo, ChargeLine, Leg, Route

#: Default bound on route length, in legs.
DEFAULT_MAX_LEGS = 8


# -- options ------------------------------------------------------------------------------------
#: Modes of the first and last mile: allowed out of an origin zone and into a market even
#: when ``modes`` names only main-haul modes (unless ``exclude_modes`` names them).
FEEDER_MODES = frozenset({"road", "last_mile"})


@dataclass(frozen=True)
class SearchOptions:
    allowed: frozenset[str]
    avoid_nodes: frozenset[str]
    avoid_services: frozenset[str]
    via_nodes: tuple[str, ...]
    via_services: tuple[str, ...]
    max_legs: int
    feeder: frozenset[str] = frozenset()  # feeder modes allowed on first and last legs only


def _usable(prep: Compiled, svc: Svc, opts: SearchOptions) -> bool:
    """Whether the options let a route use a service (wherever it is on the route)."""
    if svc.mode not in opts.allowed and not (
        svc.mode in opts.feeder
        and (prep.nodes[svc.frm].kind == ORIGIN_KIND or prep.nodes[svc.to].kind == MARKET_KIND)
    ):
        return False
    return not (
        svc.id in opts.avoid_services
        or svc.frm in opts.avoid_nodes
        or svc.to in opts.avoid_nodes
        or any(v in opts.avoid_nodes for v in svc.via)
    )


def _resolve_many(
    network: Network, prep: Compiled, items: Iterable[str], what: str
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
            raise InputError(msg, field=what) from None
    return nodes, services


def _modes(
    modes: Iterable[str] | None, exclude: Iterable[str] | None
) -> tuple[frozenset[str], frozenset[str]]:
    """The modes allowed anywhere, and the feeder modes allowed on first and last legs."""

    def check(values: Iterable[str], what: str) -> set[str]:
        out = set()
        for m in values:
            m = str(m).strip().lower()
            if not m:
                continue
            if m not in MODES:
                msg = f"{what}: unknown mode {m!r}; modes are {', '.join(MODES)}"
                raise InputError(msg, field=what)
            out.add(m)
        return out

    allowed = check(modes, "modes") if modes else set(MODES)
    excluded = check(exclude or (), "exclude_modes")
    allowed -= excluded
    return frozenset(allowed), frozenset(FEEDER_MODES - allowed - excluded)


# -- the search ------------------------------------------------------------------------------
Found = tuple[float, float, float, tuple[Edge, ...]]
#: Lower bounds are shrunk by this relative margin so float rounding never prunes a route.
_LB_MARGIN = 1.0 - 1e-9


#: Lower bounds already computed, per compiled network and (destinations, options).
_BOUND_MEMO: weakref.WeakKeyDictionary[
    Compiled, dict[tuple[frozenset[str], SearchOptions], dict[str, tuple[int, float, float]]]
] = weakref.WeakKeyDictionary()


def _bounds(
    prep: Compiled, opts: SearchOptions, destinations: frozenset[str]
) -> dict[str, tuple[int, float, float]]:
    """Per node: lower bounds on (legs, hours, kg CO2 per tonne) to reach a destination.

    Reverse BFS / Dijkstra over the services the options allow; nodes absent
    from the result cannot reach a destination. Memoised per (destinations, options).
    """
    key = (destinations, opts)
    memo = _BOUND_MEMO.setdefault(prep, {})
    hit = memo.get(key)
    if hit is not None:
        return hit
    if len(memo) > MEMO_SIZE // 100:
        memo.clear()

    def usable(svc: Svc) -> bool:
        return svc.frm not in destinations and _usable(prep, svc, opts)

    legs = dict.fromkeys(destinations, 0)
    frontier = sorted(destinations)
    while frontier:
        nxt = []
        for v in frontier:
            for svc in prep.into.get(v, ()):
                if svc.frm not in legs and usable(svc):
                    legs[svc.frm] = legs[v] + 1
                    nxt.append(svc.frm)
        frontier = nxt

    def dijkstra(weight: Any) -> dict[str, float]:
        dist = dict.fromkeys(destinations, 0.0)
        heap = [(0.0, d) for d in sorted(destinations)]
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
    memo[key] = out
    return out


def _search(
    prep: Compiled,
    edges: _LazyEdges,
    origins: tuple[str, ...],
    destinations: frozenset[str],
    max_legs: int,
    required_nodes: dict[str, int],
    required_services: dict[str, int],
    bounds: dict[str, tuple[int, float, float]],
    tonnes: float,
) -> list[Found]:
    full = 0
    for bit in (*required_nodes.values(), *required_services.values()):
        full |= bit
    strict = full != 0
    # label: [cost, hours, co2, legs, node, mask, path nodes, parent index, edge]
    labels: list[tuple[float, float, float, int, str, int, tuple[str, ...], int, Edge | None]] = []
    alive: list[bool] = []
    at_node: dict[str, list[int]] = {}
    dest_found: list[int] = []
    heap: list[tuple[float, float, float, int, int]] = []
    for origin in origins:  # one start label per origin node (a city's several nodes)
        start = len(labels)
        mask0 = required_nodes.get(origin, 0)
        labels.append((0.0, 0.0, 0.0, 0, origin, mask0, (origin,), -1, None))
        alive.append(True)
        at_node[origin] = [start]
        heap.append((0.0, 0.0, 0.0, 0, start))
    heapq.heapify(heap)
    nodes = prep.nodes
    while heap:
        _, _, _, _, idx = heapq.heappop(heap)
        if not alive[idx]:
            continue
        c, h, e, legs, node, mask, path, _, _ = labels[idx]
        if node in destinations or legs >= max_legs:
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
            if v in destinations:
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
        chain: list[Edge] = []
        k = j
        while (step := labels[k][8]) is not None:
            chain.append(step)
            k = labels[k][7]
        c, h, e = labels[j][:3]
        out.append((c, h, e, tuple(reversed(chain))))
    out.sort(key=lambda r: (r[0], r[1], r[2], [x.svc.id for x in r[3]]))
    return out


class _LazyEdges:
    """Edges out of each node for one cargo and set of options, costed on first use."""

    def __init__(
        self,
        prep: Compiled,
        cargo: Cargo,
        opts: SearchOptions,
        origins: tuple[str, ...],
        destinations: frozenset[str],
        table: ChargeTable | None = None,
        excluded: dict[str, str] | None = None,
    ) -> None:
        self.prep, self.cargo, self.opts, self.table = prep, cargo, opts, table
        self.origins, self.destinations = frozenset(origins), destinations
        self.memo: dict[str, list[Edge]] = {}
        # why the cargo cannot take a service, by mode (filled as the search meets them)
        self.excluded: dict[str, str] = {} if excluded is None else excluded

    def get(self, node: str, default: Any = ()) -> list[Edge]:
        hit = self.memo.get(node)
        if hit is not None:
            return hit
        opts = self.opts
        kept: list[Edge] = []
        # a route ends where it reaches a destination: nothing leaves it
        if node not in opts.avoid_nodes and node not in self.destinations:
            for svc in self.prep.out.get(node, ()):
                if svc.to in self.origins or not _usable(self.prep, svc, opts):
                    continue
                why = cargo_excluded(self.prep, svc, self.cargo)
                if why is not None:
                    self.excluded.setdefault(svc.mode, why)
                    continue
                kept.append(edge_for(svc, self.cargo, self.prep, self.table))
        self.memo[node] = kept
        return kept


def build_options(
    network: Network,
    prep: Compiled,
    origin: str | Sequence[str],
    destination: str | Sequence[str],
    *,
    modes: Iterable[str] | None,
    exclude_modes: Iterable[str] | None,
    avoid: Iterable[str],
    via: Iterable[str],
    max_legs: int | None,
    max_transshipments: int | None,
) -> SearchOptions:
    allowed, feeder = _modes(modes, exclude_modes)
    avoid_nodes, avoid_services = _resolve_many(network, prep, avoid, "avoid")
    for n in (*_nodes(origin), *_nodes(destination)):
        if n in avoid_nodes:
            msg = f"avoid: {n} is the origin or destination of the quote"
            raise InputError(msg, field="avoid")
    via_nodes, via_services = _resolve_many(network, prep, via, "via")
    clash = (set(via_nodes) & set(avoid_nodes)) | (set(via_services) & set(avoid_services))
    if clash:
        msg = f"via: {', '.join(sorted(clash))} is also in avoid"
        raise InputError(msg, field="via")
    legs = DEFAULT_MAX_LEGS if max_legs is None else int(max_legs)
    if max_transshipments is not None:
        if max_transshipments < 0:
            msg = "max_transshipments must be 0 or more"
            raise InputError(msg, field="max_transshipments")
        legs = min(legs, int(max_transshipments) + 1)
    if legs < 1:
        msg = "max_legs must be 1 or more"
        raise InputError(msg, field="max_legs")
    return SearchOptions(
        allowed,
        frozenset(avoid_nodes),
        frozenset(avoid_services),
        tuple(dict.fromkeys(via_nodes)),
        tuple(dict.fromkeys(via_services)),
        legs,
        feeder,
    )


def _nodes(place: str | Sequence[str]) -> tuple[str, ...]:
    return (place,) if isinstance(place, str) else tuple(place)


def run_search(
    network: Network,
    origin: str | Sequence[str],
    destination: str | Sequence[str],
    cargo: Cargo,
    opts: SearchOptions,
    table: ChargeTable | None = None,
    excluded: dict[str, str] | None = None,
) -> list[Found]:
    """Every Pareto-optimal route from any origin node to any destination node (a city
    stands for several), each leg costed with the fees of ``table``; ``excluded``
    collects, by mode, why the cargo could not take a service (dangerous goods,
    out-of-gauge)."""
    prep = compile_network(network)
    origins, destinations = _nodes(origin), frozenset(_nodes(destination))
    edges = _LazyEdges(prep, cargo, opts, origins, destinations, table, excluded)
    req_nodes = {n: 1 << i for i, n in enumerate(opts.via_nodes)}
    k = len(req_nodes)
    req_svcs = {s: 1 << (k + i) for i, s in enumerate(opts.via_services)}
    bounds = _bounds(prep, opts, destinations)
    return _search(
        prep, edges, origins, destinations, opts.max_legs, req_nodes, req_svcs, bounds, cargo.tonnes
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
    prep = compile_network(network)
    o, d = network.resolve_node(origin), network.resolve_node(destination)
    opts = build_options(
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
        for c, h, e, chain in run_search(network, o, d, cargo, opts)
    ]


def cargo_excluded(prep: Compiled, svc: Svc, cargo: Cargo) -> str | None:
    """Why the cargo cannot take a service (dangerous goods, out-of-gauge), or ``None``."""
    if cargo.dg_class is None and cargo.piece_m is None:
        return None
    return excluded(
        prep.rules, svc.mode, svc.rate_basis, cargo.dg_class, cargo.piece_m, cargo.heaviest_piece_t
    )


def price_route(
    network: Network, services: Sequence[str], cargo: Cargo, table: ChargeTable | None = None
) -> Alternative:
    """Price a given chain of services (the costing :func:`quote` uses).

    Raises
    ------
    InputError
        When a service is unknown or inactive, or the chain is not connected.
    """
    prep = compile_network(network)
    edges: list[Edge] = []
    for i, sid in enumerate(services):
        if sid not in prep.services:
            msg = f"unknown or inactive service {sid!r}"
            raise InputError(msg)
        svc = prep.services[sid]
        if i and svc.frm != edges[-1].svc.to:
            msg = f"service {sid} starts at {svc.frm}, not at {edges[-1].svc.to}"
            raise InputError(msg)
        why = cargo_excluded(prep, svc, cargo)
        if why is not None:
            msg = f"service {sid} cannot carry this cargo: {why}"
            raise InputError(msg)
        edges.append(edge_for(svc, cargo, prep, table))
    if not edges:
        msg = "a route needs at least one service"
        raise InputError(msg)
    return alternative(prep, tuple(edges), cargo, table)


def alternative(
    prep: Compiled, chain: tuple[Edge, ...], cargo: Cargo, table: ChargeTable | None = None
) -> Alternative:
    """A priced route: its legs, breakdown, and the fee lines of ``table``."""
    t = cargo.tonnes
    inv_per_h = (cargo.value_cny or 0.0) * prep.carrying_rate / HOURS_PER_YEAR
    legs = []
    charges: list[ChargeLine] = []
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
            border=svc.via_fee_cny_per_t * t + (node_border(node) * t if i else 0.0),
            inventory=inv_per_h * h_leg,
            fees=edge.fees_cny,
        )
        charges.extend(dataclasses.replace(f, leg=i) for f in fee_lines(edge, cargo, prep, table))
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
        charges=tuple(charges),
    )
