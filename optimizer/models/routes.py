"""Candidate routes of a demand, per channel: Yen's k-shortest simple paths under three weightings.

For each demand and each channel it allows, the generator lists routes whose
timing meets the delivery promise: straight to the market (9610 parcels,
9710 B2B), through the bonded zone (1210), or to a warehouse abroad whose
last mile reaches the market in time (9810, the promise counting only the
last mile). Three weightings (full-unit cost, loose cost, hours) put cheap,
consolidated and fast routes on the menu; the model, not a rule, chooses.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from optimizer.data.network import Network
from optimizer.models.charges import UNIT_BASES, chargeable_per_tonne


@dataclass(frozen=True)
class Route:
    """A candidate route of one demand (plain data)."""

    demand: str
    services: tuple[str, ...]
    warehouse: str | None
    days: float  # delivery days counted against the promise
    days_max: float
    transit_days: float  # door to market (or to warehouse for 9810) incl. waits
    nodes: tuple[str, ...]
    channel: str = ""  # the customs mode it ships under: 9610, 9710, 9810 or 1210
    operating: str = ""  # for 9810: "owned" or "shared" space at the warehouse


class RouteGenerator:
    """Candidate routes by Yen's k-shortest simple paths under several weightings."""

    def __init__(
        self,
        network: Network,
        services: pd.DataFrame,
        *,
        paths_per_weight: int,
        dispatch_days: float,
        max_replenishment_days: float,
        complete: bool = False,
    ) -> None:
        self.network = network
        self.paths_per_weight = paths_per_weight
        self.complete = complete
        self.dispatch_days = dispatch_days
        self.max_replenishment_days = max_replenishment_days
        self.services = services
        nodes = network.nodes
        self.kind = nodes["kind"].to_dict()
        self.dwell = nodes["dwell_h"].to_dict()
        self.dwell_max = nodes["dwell_h_max"].fillna(nodes["dwell_h"]).to_dict()
        self.handling = nodes["handling_cny_per_t"].to_dict()
        feu_payload = network.param("feu_payload_t")
        air_vol = network.param("air_volumetric_kg_per_cbm")
        ref_density = 300.0  # kg/cbm: a mid density for ranking routes only
        # nodes: node ids, and ("S", service id) between a service's two ends
        g: nx.DiGraph[Hashable] = nx.DiGraph()
        for sid, s in services.iterrows():
            basis = s["rate_basis"]
            if basis in UNIT_BASES:
                payload = network.param(
                    {"FEU": "feu", "TEU": "teu", "truck": "truck"}[basis] + "_payload_t"
                )
                full = s["rate_cny"] / payload
                loose = (
                    s["lcl_rate_cny"]
                    * chargeable_per_tonne(s["lcl_basis"], ref_density, s["mode"], air_vol)
                    if isinstance(s["lcl_basis"], str) and not math.isnan(s["lcl_rate_cny"])
                    else full * 2.0
                )
            else:
                full = loose = s["rate_cny"] * chargeable_per_tonne(
                    basis, ref_density, s["mode"], air_vol
                )
            hours = s["leg_h"] + s["wait_h"] + self.dwell.get(s["from"], 0.0)
            extra = s["via_fee_cny_per_t"] + self.handling.get(s["from"], 0.0)
            node = ("S", sid)
            g.add_edge(s["from"], node, cost=full + extra, loose=loose + extra, hours=hours)
            g.add_edge(node, s["to"], cost=0.0, loose=0.0, hours=0.0)
        del feu_payload
        self.warehouses = set(network.warehouses.index)
        self.markets = {n for n, k in self.kind.items() if k == "market"}
        # Search graph without warehouses and markets; a target is added back per query.
        self.full = g
        self.g = g.subgraph([n for n in g if n not in self.warehouses | self.markets]).copy()
        self.svc = {
            sid: (s["from"], s["to"], float(s["leg_h"]), float(s["wait_h"]), float(s["leg_h_max"]))
            for sid, s in services.iterrows()
        }
        self._cache: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        self._every_cache: dict[tuple[str, str, float], list[tuple[str, ...]]] = {}
        self._fastest: dict[str, dict[str, float]] = {}
        self._lm_cache: dict[str, list[tuple[str, str, float, float, float]]] = {}
        # outgoing services per node, in table order: (service, to, running + wait hours)
        self._out: dict[str, list[tuple[str, str, float]]] = {}
        for sid, (frm, to, leg_h, wait_h, _m) in self.svc.items():
            self._out.setdefault(str(frm), []).append((str(sid), str(to), leg_h + wait_h))

    def _paths(self, source: str, target: str, limit_h: float = math.inf) -> list[tuple[str, ...]]:
        """Service sequences from ``source`` to ``target``.

        Complete: every simple route within ``limit_h`` hours (:meth:`_every`);
        where there is none, the k-shortest ones, so that the caller can say
        how fast the fastest is. Otherwise up to ``paths_per_weight`` shortest
        routes under each weighting (the caller filters them on time).
        """
        if self.complete:
            return self._every(source, target, limit_h) or self._yen(source, target)
        return self._yen(source, target)

    def _yen(self, source: str, target: str) -> list[tuple[str, ...]]:
        """Up to ``paths_per_weight`` shortest routes under each weighting, deduplicated."""
        key = (source, target)
        if key in self._cache:
            return self._cache[key]
        out: list[tuple[str, ...]] = []
        g = self.g
        added = target not in g
        if added and target in self.full:
            g.add_node(target)
            for pred, _, data in self.full.in_edges(target, data=True):
                if pred in g:
                    g.add_edge(pred, target, **data)
        try:
            if source in g and target in g:
                seen: set[tuple[str, ...]] = set()
                for weight in ("cost", "loose", "hours"):
                    try:
                        gen = nx.shortest_simple_paths(g, source, target, weight=weight)
                        for path in itertools.islice(gen, self.paths_per_weight):
                            seq = tuple(n[1] for n in path if isinstance(n, tuple))
                            if seq not in seen:
                                seen.add(seq)
                                out.append(seq)
                    except nx.NetworkXNoPath:
                        break
        finally:
            if added and target in g:
                g.remove_node(target)
        self._cache[key] = out
        return out

    def _every(self, source: str, target: str, limit_h: float) -> list[tuple[str, ...]]:
        """Every simple service sequence from ``source`` to ``target`` within ``limit_h`` hours.

        A depth-first search over the services that pass no warehouse or
        market on the way, pruned by the fastest remaining time to the target
        (a reverse Dijkstra on hours), in the order of the services table (so
        the list is deterministic). The hours are those of :meth:`timing`:
        running time and the wait for a departure on every leg, and the dwell
        at every transshipment node.
        """
        key = (source, target, limit_h)
        cached = self._every_cache.get(key)
        if cached is not None:
            return cached
        rest = self._fastest_to(target)
        out: list[tuple[str, ...]] = []
        if source in rest and rest[source] <= limit_h + 1e-9:
            stack: list[tuple[str, tuple[str, ...], float, frozenset[str]]] = [
                (source, (), 0.0, frozenset([source]))
            ]
            blocked = self.warehouses | self.markets
            while stack:
                node, seq, hours, seen = stack.pop()
                for sid, to, leg_wait in reversed(self._out.get(node, ())):
                    if to in seen:
                        continue
                    h = hours + leg_wait + (self.dwell.get(node, 0.0) if seq else 0.0)
                    if to == target:
                        if h <= limit_h + 1e-9:
                            out.append((*seq, sid))
                        continue
                    if to in blocked or to not in rest:
                        continue
                    if h + self.dwell.get(to, 0.0) + rest[to] > limit_h + 1e-9:
                        continue
                    stack.append((to, (*seq, sid), h, seen | {to}))
        self._every_cache[key] = out
        return out

    def _fastest_to(self, target: str) -> dict[str, float]:
        """Fastest hours from every node to ``target`` (a lower bound for pruning)."""
        if target not in self._fastest:
            rev: nx.DiGraph[str] = nx.DiGraph()
            blocked = self.warehouses | self.markets
            for frm, to, leg_h, wait_h, _m in self.svc.values():
                if frm in blocked or (to in blocked and to != target):
                    continue
                w = leg_h + wait_h
                if not rev.has_edge(to, frm) or rev[to][frm]["h"] > w:
                    rev.add_edge(to, frm, h=w)
            rev.add_node(target)
            hours = nx.single_source_dijkstra_path_length(rev, target, weight="h")
            self._fastest[target] = dict(hours)
        return self._fastest[target]

    def timing(self, seq: tuple[str, ...]) -> tuple[float, float, tuple[str, ...]]:
        """(hours, hours at the upper range, node sequence) of a service sequence."""
        hours = hours_max = 0.0
        nodes = [self.svc[seq[0]][0]]
        for i, sid in enumerate(seq):
            frm, to, leg_h, wait_h, leg_h_max = self.svc[sid]
            if i > 0:  # transshipment at the boarding node
                hours += self.dwell.get(frm, 0.0)
                hours_max += self.dwell_max.get(frm, 0.0)
            hours += leg_h + wait_h
            hours_max += leg_h_max + 2.0 * wait_h
            nodes.append(to)
        return hours, hours_max, tuple(nodes)

    def direct(self, did: str, d: pd.Series, channel: str) -> tuple[list[Route], str]:
        """Routes straight to the market (9610 parcels, 9710 B2B) within the promise."""
        o, m, req = d["origin"], d["market"], float(d["required_days"])
        seqs = self._paths(o, m, req * 24.0)
        if not seqs:
            return (
                [],
                f"no active route from {o} to {m} without a warehouse (closed node or service?)",
            )
        return self._within(did, seqs, channel, req, o, m)

    def bonded(self, did: str, d: pd.Series) -> tuple[list[Route], str]:
        """Routes through a bonded zone (1210) within the promise."""
        o, m, req = d["origin"], d["market"], float(d["required_days"])
        zones = [
            str(n)
            for n, k in self.kind.items()
            if k == "bonded_zone" and bool(self.network.nodes.at[n, "open"])
        ]
        seqs: list[tuple[str, ...]] = []
        for z in sorted(zones):
            first = self._paths(o, z, req * 24.0)
            second = self._paths(z, m, req * 24.0)
            seqs += [a + b for a in first for b in second if not (set(a) & set(b))]
        if not seqs:
            return [], f"1210 bonded export needs a route {o} -> bonded zone -> {m}; none is open"
        return self._within(did, seqs, "1210", req, o, m)

    def _within(
        self, did: str, seqs: list[tuple[str, ...]], channel: str, req: float, o: str, m: str
    ) -> tuple[list[Route], str]:
        out = []
        best = math.inf
        for seq in seqs:
            hours, hours_max, nodes = self.timing(seq)
            if len(set(nodes)) != len(nodes):
                continue
            days = hours / 24.0
            best = min(best, days)
            if days <= req + 1e-9:
                out.append(Route(did, seq, None, days, hours_max / 24.0, days, nodes, channel))
        if not out:
            return [], (
                f"no route from {o} to {m} within {req:g} days "
                f"(fastest candidate takes {best:.1f} days)"
            )
        return out, ""

    def _last_miles(self, market: str) -> list[tuple[str, str, float, float, float]]:
        """(service, warehouse, running h, wait h, running h at most) of the market's last miles."""
        if market not in self._lm_cache:
            s = self.services
            lm = s[(s["mode"] == "last_mile") & (s["to"] == market)]
            self._lm_cache[market] = [
                (
                    str(sid),
                    str(row["from"]),
                    float(row["leg_h"]),
                    float(row["wait_h"]),
                    float(row["leg_h_max"]),
                )
                for sid, row in lm.iterrows()
            ]
        return self._lm_cache[market]

    def via_warehouse(self, did: str, d: pd.Series, usable: list[str]) -> tuple[list[Route], str]:
        """Routes to stock in a warehouse whose last mile reaches the market in time (9810).

        The promise counts the last mile and ``dispatch_days`` (stock is abroad);
        the bulk leg must be within ``max_replenishment_days``.
        """
        o, m, req = d["origin"], d["market"], float(d["required_days"])
        out: list[Route] = []
        reasons = []
        allowed = set(usable)
        reach = [x for x in self._last_miles(str(m)) if x[1] in allowed]
        if not reach:
            return [], f"no open warehouse reaches market {m} by last mile"
        for sid, w, leg_h, wait_h, leg_h_max in reach:
            last_days = (leg_h + wait_h) / 24.0 + self.dispatch_days
            last_days_max = (leg_h_max + 2 * wait_h) / 24.0 + self.dispatch_days
            if last_days > req + 1e-9:
                reasons.append(f"{w}: last mile {last_days:.1f} d > {req:g} d")
                continue
            bulk = self._paths(o, w, self.max_replenishment_days * 24.0)
            if not bulk:
                reasons.append(f"{w}: no bulk route from {o}")
                continue
            for seq in bulk:
                hours, _hmax, nodes = self.timing(seq)
                if hours / 24.0 > self.max_replenishment_days + 1e-9:
                    reasons.append(f"{w}: replenishment {hours / 24:.0f} d too long")
                    continue
                out.append(
                    Route(
                        did,
                        (*seq, str(sid)),
                        w,
                        last_days,
                        last_days_max,
                        hours / 24.0,
                        (*nodes, m),
                        "9810",
                    )
                )
        if not out:
            return [], "9810: no warehouse route within limits (" + "; ".join(reasons[:4]) + ")"
        return out, ""
