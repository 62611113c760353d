"""Why no route: the reason a quote finds nothing, in the options' own words."""

from __future__ import annotations

from optimizer.data.schema import MODES
from optimizer.pricing.network import MARKET_KIND, Compiled, Svc
from optimizer.pricing.search import SearchOptions


def _reachable(
    prep: Compiled,
    origin: str,
    destination: str,
    *,
    allowed: frozenset[str],
    avoid_nodes: frozenset[str],
    avoid_services: frozenset[str],
    max_legs: int,
) -> list[Svc] | None:
    """A fewest-legs chain of services from origin to destination (BFS), or None."""
    parent: dict[str, Svc | None] = {origin: None}
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


def why_no_route(prep: Compiled, origin: str, destination: str, opts: SearchOptions) -> str:
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

    def reach(
        *,
        allowed: frozenset[str] = opts.allowed,
        avoid_nodes: frozenset[str] = opts.avoid_nodes,
        avoid_services: frozenset[str] = opts.avoid_services,
        max_legs: int = opts.max_legs,
    ) -> list[Svc] | None:
        """:func:`_reachable` under the search options, some of them relaxed."""
        return _reachable(
            prep,
            origin,
            destination,
            allowed=allowed,
            avoid_nodes=avoid_nodes,
            avoid_services=avoid_services,
            max_legs=max_legs,
        )

    if opts.allowed != everything:
        chain = reach(allowed=everything)
        if chain is not None:
            needed = sorted({s.mode for s in chain} - opts.allowed)
            reasons.append(
                f"the modes allowed ({', '.join(sorted(opts.allowed))}) do not connect them; "
                f"e.g. {' > '.join(s.id for s in chain)} also needs {', '.join(needed)}"
            )
    if (opts.avoid_nodes or opts.avoid_services) and reach(
        avoid_nodes=frozenset(), avoid_services=frozenset()
    ) is not None:
        avoided = sorted(opts.avoid_nodes | opts.avoid_services)
        reasons.append(f"every route passes through something avoided ({', '.join(avoided)})")
    shortest = reach(max_legs=big)
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
