r"""Warehouse siting and consolidated routing on the Sichuan network.

The domain model of ``corridor solve``. It is built on the generic core of
:mod:`optimizer.engine.core` (the same code the CFLP and MCND benchmarks run), as a
*path formulation*: each demand chooses among a handful of candidate routes,
and routes that share a service share its containers.

Formulation (in the notation of :mod:`optimizer.engine.core`)
-------------------------------------------------------
Sets
    :math:`D` demand rows (origin zone, market, product, tonnes, customs mode,
    required days); :math:`S` active services; :math:`W` candidate overseas
    warehouses; :math:`C` products; :math:`P_d` candidate routes of demand
    :math:`d`.
Time base
    Shipments move every week: a demand of :math:`T_d` t/year is a commodity of
    volume :math:`v_d = T_d / 52` t/week, and the integer units of a lane are
    *containers (or trucks) per week*. Costs per week are multiplied by 52, so
    the objective is in CNY per year. This is what makes consolidation real:
    a lane carrying 3 t/week from each of five zones fills one FEU a week
    instead of paying five LCL rates.
Arcs
    * every active service :math:`s` priced per unit (FEU, TEU, truck) is a
      design arc: :math:`U_s` = unit payload (t), :math:`F_s` = 52 x unit rate,
      :math:`\bar{y}_s` = departures per week x units per departure (when
      known), unit usage :math:`w_{sc} = \max(1, U_s / (V_s \rho_c))`
      (volume-bound products fill a container before its payload),
      loose cost :math:`\ell_{sc}` = 52 x LCL rate x chargeable quantity per
      tonne (``wm``: :math:`\max(1, 1/\rho_c)` revenue tonnes);
    * a service priced per weight (air per chargeable kg, last mile, LTL) is a
      plain arc with flow cost 52 x rate x chargeable quantity per tonne
      (air: :math:`1000 \max(1, 166.67/\rho_c)` kg);
    * every candidate warehouse :math:`w` is a binary design arc between the
      bulk leg and the last mile: :math:`U_w` = capacity (t/week), :math:`F_w`
      = annual fixed cost, flow cost = handling + storage for ``stock_days`` +
      capital cost of the stock.
    Every arc also carries 52 x (border fees of its via nodes + carbon price x
    CO2 per tonne).
Paths
    * 9610 (B2C parcels) and 9710 (B2B direct): origin -> market routes that
      end with a last-mile service and pass no warehouse; their transit
      (running time, via-node dwell, expected wait for each scheduled
      departure, transshipment dwell) must be within ``required_days``;
    * 9810 (export to an overseas warehouse): origin -> warehouse (bulk) ->
      last mile -> market; the last mile plus ``dispatch_days`` must be within
      ``required_days`` (stock is held at the warehouse) and the bulk leg
      within ``max_replenishment_days``;
    * 1210 (bonded): origin -> bonded zone -> market, direct, time-limited.
    A path's own cost :math:`e_p` holds handling at its transshipment nodes
    and the in-transit inventory cost (value x carrying rate x days / 365).
Constraints
    Those of :mod:`optimizer.engine.core`: (1) every demand routed or unmet at the
    penalty, (2)-(4) consolidation into integer units with an LCL option and
    service capacities, (5) strong linking, (6) warehouse count and budget,
    (7) single sourcing of markets (optional), (8) must-open / never-open.
Candidate routes come from Yen's k-shortest simple paths under three
weightings (full-unit cost, loose cost, time), so that cheap, fast and
consolidated options are all on the menu; the model, not a rule, chooses
the mode.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Hashable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from optimizer.data.network import Network
from optimizer.engine.core import (
    Arcs,
    BuiltModel,
    Commodities,
    DesignConstraint,
    DesignProblem,
    DesignResult,
    Paths,
    build_model,
    extract,
)
from optimizer.engine.solver import SolveOptions, solve_milp
from optimizer.errors import InputError

log = logging.getLogger(__name__)

UNIT_BASES = ("FEU", "TEU", "truck")
HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class DesignOptions:
    """Model options (the ``options`` of a scenario file).

    Parameters
    ----------
    max_warehouses, min_warehouses, exact_warehouses
        Limits on the number of open warehouses (``None``: no limit).
    budget_cny
        Cap on the annual fixed cost of open warehouses.
    must_open, never_open
        Warehouse node ids forced open or closed. Existing warehouses are
        always open.
    single_sourcing
        Each market is served by at most one warehouse.
    carbon_price_cny_per_t
        Price of a tonne of CO2e (WTW), added to every lane.
    paths_per_weight
        Candidate routes per weighting (cost, loose cost, time) and target.
    max_replenishment_days
        Longest bulk leg to a warehouse.
    dispatch_days
        Days from a warehouse order to the last-mile pickup.
    unmet_penalty_cny_per_t
        Cost of a tonne not served (default from parameters.csv).
    """

    max_warehouses: int | None = None
    min_warehouses: int | None = None
    exact_warehouses: int | None = None
    budget_cny: float | None = None
    must_open: tuple[str, ...] = ()
    never_open: tuple[str, ...] = ()
    single_sourcing: bool = False
    carbon_price_cny_per_t: float = 0.0
    paths_per_weight: int = 3
    max_replenishment_days: float = 90.0
    dispatch_days: float = 1.0
    unmet_penalty_cny_per_t: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_warehouses", "min_warehouses", "exact_warehouses"):
            v = getattr(self, name)
            if v is not None and v < 0:
                msg = f"{name} must be >= 0, got {v}"
                raise InputError(msg)
        if self.carbon_price_cny_per_t < 0:
            msg = "carbon_price_cny_per_t must be >= 0"
            raise InputError(msg)
        if self.paths_per_weight < 1:
            msg = "paths_per_weight must be >= 1"
            raise InputError(msg)
        object.__setattr__(self, "must_open", tuple(self.must_open))
        object.__setattr__(self, "never_open", tuple(self.never_open))


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


@dataclass(frozen=True)
class DomainProblem:
    """The core problem plus everything needed to read its solution in domain terms."""

    network: Network
    options: DesignOptions
    core: DesignProblem
    arc_ids: tuple[str, ...]  # services then warehouses ("WH:<id>")
    n_services: int
    classes: tuple[str, ...]
    routes: tuple[Route, ...]
    weeks: float
    cost_parts: dict[str, np.ndarray]  # arc cost components (A x C), per t/week-year
    path_parts: dict[str, np.ndarray]  # path cost components (P,), per t/week-year
    unserved: dict[str, str]  # demand id -> why it cannot be served at all
    demand: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)


# -- chargeable quantities ----------------------------------------------------------


def chargeable_per_tonne(
    basis: str, density_kg_per_cbm: float, mode: str, air_kg_per_cbm: float
) -> float:
    """Chargeable quantity in ``basis`` units for one tonne of cargo of this density.

    ``tonne``: 1; ``kg``: 1000, or for air the greater of gross and volume
    weight (1:6000 cm3/kg = ``air_kg_per_cbm`` kg per cbm); ``cbm``: volume;
    ``wm``: revenue tonnes, the greater of tonnes and cbm.
    """
    cbm = 1000.0 / density_kg_per_cbm
    if basis == "tonne":
        return 1.0
    if basis == "kg":
        if mode == "air":
            return 1000.0 * max(1.0, air_kg_per_cbm / density_kg_per_cbm)
        return 1000.0
    if basis == "cbm":
        return cbm
    if basis == "wm":
        return max(1.0, cbm)
    msg = f"not a weight or volume basis: {basis}"
    raise ValueError(msg)


def unit_dimensions(network: Network, basis: str) -> tuple[float, float]:
    """(payload t, volume cbm) of a consolidation unit."""
    key = {"FEU": "feu", "TEU": "teu", "truck": "truck"}[basis]
    return network.param(f"{key}_payload_t"), network.param(f"{key}_volume_cbm")


# -- building -------------------------------------------------------------------------


def build_problem(
    network: Network,
    options: DesignOptions | None = None,
) -> DomainProblem:
    """Turn a network and options into a :class:`DomainProblem`.

    Raises
    ------
    InputError
        When options name unknown warehouses.
    """
    options = options or DesignOptions()
    weeks = network.param("weeks_per_year")
    air_vol = network.param("air_volumetric_kg_per_cbm")
    carry = network.param("inventory_carrying_rate_per_year")
    penalty = (
        options.unmet_penalty_cny_per_t
        if options.unmet_penalty_cny_per_t is not None
        else network.param("unmet_penalty_cny_per_t")
    )
    wh = network.warehouses
    for name in (*options.must_open, *options.never_open):
        if name not in wh.index:
            import difflib

            close = difflib.get_close_matches(name, list(wh.index), n=3)
            msg = f"unknown warehouse {name!r} in options" + (
                f"; close matches: {', '.join(close)}" if close else ""
            )
            raise InputError(msg)
    clash = set(options.must_open) & set(options.never_open)
    if clash:
        msg = f"warehouses both forced open and closed: {', '.join(sorted(clash))}"
        raise InputError(msg)

    services = network.service_table
    nodes = network.nodes
    products = network.products
    classes = tuple(products.index)
    cls_of = {p: i for i, p in enumerate(classes)}
    density = products["density_kg_per_cbm"].to_numpy(dtype=float)
    value = products["value_cny_per_t"].to_numpy(dtype=float)
    n_c = len(classes)

    # Warehouses usable: open node, not never-open.
    usable_wh = [w for w in wh.index if bool(nodes.at[w, "open"]) and w not in options.never_open]
    sids = list(services.index)
    n_s = len(sids)
    arc_ids = tuple(sids) + tuple(f"WH:{w}" for w in wh.index)
    n_a = len(arc_ids)
    sidx = {s: i for i, s in enumerate(sids)}
    widx = {w: n_s + i for i, w in enumerate(wh.index)}

    freight = np.zeros((n_a, n_c))
    border = np.zeros((n_a, n_c))
    carbon = np.zeros((n_a, n_c))
    wh_cost = np.zeros((n_a, n_c))
    unit_capacity = np.full(n_a, np.inf)
    unit_cost = np.zeros(n_a)
    max_units = np.full(n_a, np.inf)
    min_units = np.zeros(n_a)
    loose = np.full((n_a, n_c), np.inf)
    usage = np.ones((n_a, n_c))

    for i, (_sid, s) in enumerate(services.iterrows()):
        co2_t_per_t = s["co2_g_per_tkm"] * s["distance_km"] / 1e6
        border[i, :] = s["via_fee_cny_per_t"] * weeks
        carbon[i, :] = options.carbon_price_cny_per_t * co2_t_per_t * weeks
        basis = s["rate_basis"]
        if basis in UNIT_BASES:
            payload, volume = unit_dimensions(network, basis)
            unit_capacity[i] = payload
            unit_cost[i] = s["rate_cny"] * weeks
            if not math.isnan(s["units_per_departure"]) and not math.isnan(
                s["departures_per_week"]
            ):
                max_units[i] = math.floor(
                    s["units_per_departure"] * s["departures_per_week"] + 1e-9
                )
            usage[i, :] = np.maximum(1.0, payload / (volume * density / 1000.0))
            if isinstance(s["lcl_basis"], str) and not math.isnan(s["lcl_rate_cny"]):
                loose[i, :] = [
                    s["lcl_rate_cny"]
                    * chargeable_per_tonne(s["lcl_basis"], d, s["mode"], air_vol)
                    * weeks
                    for d in density
                ]
        else:
            freight[i, :] = [
                s["rate_cny"] * chargeable_per_tonne(basis, d, s["mode"], air_vol) * weeks
                for d in density
            ]
    for w in wh.index:
        a = widx[w]
        row = wh.loc[w]
        unit_capacity[a] = row["capacity_t_per_year"] / weeks
        unit_cost[a] = row["fixed_cost_cny_per_year"]
        max_units[a] = 1.0 if w in usable_wh else 0.0
        forced = row["status"] == "existing" or w in options.must_open
        if forced and w in usable_wh:
            min_units[a] = 1.0
        storage = row["storage_cny_per_cbm_month"] * (row["stock_days"] / 30.0) * (1000.0 / density)
        stock_capital = value * carry * row["stock_days"] / 365.0
        wh_cost[a, :] = (row["handling_cny_per_t"] + storage + stock_capital) * weeks

    flow_cost = freight + border + carbon + wh_cost

    # -- candidate routes ---------------------------------------------------------------
    log.info("generating candidate routes")
    gen = _RouteGenerator(network, options, services)
    demand = network.demand
    routes: list[Route] = []
    path_com: list[int] = []
    path_arcs: list[list[int]] = []
    path_handling: list[float] = []
    path_inventory: list[float] = []
    path_choice: list[int] = []
    choice_key: dict[tuple[str, str], int] = {}
    unserved: dict[str, str] = {}
    last_mile_days = {}
    for sid, s in services.iterrows():
        if s["mode"] == "last_mile":
            last_mile_days[sid] = (s["leg_h"] + s["wait_h"]) / 24.0
    demand_ids = list(demand.index)
    node_handling = nodes["handling_cny_per_t"].astype(float)
    for k, did in enumerate(demand_ids):
        d = demand.loc[did]
        c = cls_of[d["product"]]
        found: list[Route] = []
        reason = ""
        mode = str(d["customs_mode"])
        if mode == "9810":
            found, reason = gen.via_warehouse(did, d, usable_wh)
        elif mode == "1210":
            found, reason = gen.bonded(did, d)
        else:
            found, reason = gen.direct(did, d)
        if not found:
            unserved[did] = reason
            continue
        for r in found:
            arcs_of = [sidx[s] for s in r.services]
            if r.warehouse is not None:
                # the warehouse arc sits between the bulk leg and the last mile
                arcs_of = [*arcs_of[:-1], widx[r.warehouse], *arcs_of[-1:]]
            inter = r.nodes[1:-1]
            handling = float(sum(node_handling.loc[n] for n in inter if n != r.warehouse))
            path_com.append(k)
            path_arcs.append(arcs_of)
            path_handling.append(handling * weeks)
            path_inventory.append(value[c] * carry * r.transit_days / 365.0 * weeks)
            if options.single_sourcing and r.warehouse is not None:
                key = (d["market"], r.warehouse)
                path_choice.append(choice_key.setdefault(key, len(choice_key)))
            else:
                path_choice.append(-1)
            routes.append(r)

    log.info(
        "%d candidate routes for %d demands (%d with no feasible route)",
        len(routes),
        len(demand_ids),
        len(unserved),
    )

    weekly_volume = demand["tonnes_per_year"].to_numpy(dtype=float) / weeks
    commodities = Commodities(
        ids=tuple(demand_ids),
        volume=weekly_volume,
        unmet_cost=np.full(len(demand_ids), penalty * weeks),
        cls=np.array([cls_of[p] for p in demand["product"]], dtype=np.int64),
    )
    paths = Paths.from_lists(
        path_com,
        path_arcs,
        cost=[h + i for h, i in zip(path_handling, path_inventory, strict=True)],
        choice=path_choice,
    )
    arcs = Arcs(
        ids=arc_ids,
        flow_cost=flow_cost,
        unit_capacity=unit_capacity,
        unit_cost=unit_cost,
        max_units=max_units,
        min_units=min_units,
        loose_cost=loose,
        usage=usage,
    )
    wh_arcs = np.array([widx[w] for w in wh.index], dtype=np.int64)
    constraints: list[DesignConstraint] = []
    ones = np.ones(len(wh_arcs))
    if options.exact_warehouses is not None:
        constraints.append(
            DesignConstraint(
                "warehouses_exact",
                wh_arcs,
                ones,
                options.exact_warehouses,
                options.exact_warehouses,
            )
        )
    if options.max_warehouses is not None:
        constraints.append(
            DesignConstraint("warehouses_max", wh_arcs, ones, hi=options.max_warehouses)
        )
    if options.min_warehouses is not None:
        constraints.append(
            DesignConstraint("warehouses_min", wh_arcs, ones, lo=options.min_warehouses)
        )
    if options.budget_cny is not None:
        constraints.append(
            DesignConstraint(
                "warehouse_budget",
                wh_arcs,
                wh["fixed_cost_cny_per_year"].to_numpy(dtype=float),
                hi=options.budget_cny,
            )
        )
    choice_group = None
    if choice_key:
        markets = sorted({m for m, _ in choice_key})
        mi = {m: i for i, m in enumerate(markets)}
        choice_group = np.zeros(len(choice_key), dtype=np.int64)
        for (m, _w), j in choice_key.items():
            choice_group[j] = mi[m]
    core = DesignProblem(
        arcs=arcs,
        commodities=commodities,
        paths=paths,
        constraints=tuple(constraints),
        choice_group=choice_group,
        name=f"corridor-{network.name}",
    )
    return DomainProblem(
        network=network,
        options=options,
        core=core,
        arc_ids=arc_ids,
        n_services=n_s,
        classes=classes,
        routes=tuple(routes),
        weeks=weeks,
        cost_parts={
            "transport": freight + border,
            "carbon": carbon,
            "handling_storage": wh_cost,
        },
        path_parts={
            "transport": np.asarray(path_handling, dtype=float),
            "in_transit_inventory": np.asarray(path_inventory, dtype=float),
        },
        unserved=unserved,
        demand=demand,
    )


class _RouteGenerator:
    """Candidate routes by Yen's k-shortest simple paths under several weightings."""

    def __init__(self, network: Network, options: DesignOptions, services: pd.DataFrame) -> None:
        self.network = network
        self.options = options
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

    def _paths(self, source: str, target: str) -> list[tuple[str, ...]]:
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
                        for path in itertools.islice(gen, self.options.paths_per_weight):
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

    def direct(self, did: str, d: pd.Series) -> tuple[list[Route], str]:
        o, m, req = d["origin"], d["market"], float(d["required_days"])
        seqs = self._paths(o, m)
        if not seqs:
            return (
                [],
                f"no active route from {o} to {m} without a warehouse (closed node or service?)",
            )
        return self._within(did, seqs, None, req, o, m)

    def bonded(self, did: str, d: pd.Series) -> tuple[list[Route], str]:
        o, m, req = d["origin"], d["market"], float(d["required_days"])
        zones = [
            str(n)
            for n, k in self.kind.items()
            if k == "bonded_zone" and bool(self.network.nodes.at[n, "open"])
        ]
        seqs: list[tuple[str, ...]] = []
        for z in sorted(zones):
            first = self._paths(o, z)
            second = self._paths(z, m)
            seqs += [a + b for a in first for b in second if not (set(a) & set(b))]
        if not seqs:
            return [], f"1210 bonded export needs a route {o} -> bonded zone -> {m}; none is open"
        return self._within(did, seqs, None, req, o, m)

    def _within(
        self, did: str, seqs: list[tuple[str, ...]], wh: str | None, req: float, o: str, m: str
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
                out.append(Route(did, seq, wh, days, hours_max / 24.0, days, nodes))
        if not out:
            return [], (
                f"no route from {o} to {m} within {req:g} days "
                f"(fastest candidate takes {best:.1f} days)"
            )
        return out, ""

    def via_warehouse(self, did: str, d: pd.Series, usable: list[str]) -> tuple[list[Route], str]:
        o, m, req = d["origin"], d["market"], float(d["required_days"])
        s = self.services
        out: list[Route] = []
        reasons = []
        lm = s[(s["mode"] == "last_mile") & (s["to"] == m)]
        reach = lm[lm["from"].isin(usable)]
        if reach.empty:
            return [], f"no open warehouse reaches market {m} by last mile"
        for sid, row in reach.iterrows():
            w = row["from"]
            last_days = (row["leg_h"] + row["wait_h"]) / 24.0 + self.options.dispatch_days
            last_days_max = (
                row["leg_h_max"] + 2 * row["wait_h"]
            ) / 24.0 + self.options.dispatch_days
            if last_days > req + 1e-9:
                reasons.append(f"{w}: last mile {last_days:.1f} d > {req:g} d")
                continue
            bulk = self._paths(o, w)
            if not bulk:
                reasons.append(f"{w}: no bulk route from {o}")
                continue
            for seq in bulk:
                hours, _hmax, nodes = self.timing(seq)
                if hours / 24.0 > self.options.max_replenishment_days + 1e-9:
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
                    )
                )
        if not out:
            return [], "9810: no warehouse route within limits (" + "; ".join(reasons[:4]) + ")"
        return out, ""


# -- solving ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainSolve:
    """The built model and its raw result (kept apart from the plain Solution)."""

    problem: DomainProblem
    built: BuiltModel
    result: DesignResult


def solve_problem(
    problem: DomainProblem,
    solve_options: SolveOptions | None = None,
) -> DomainSolve:
    """Build the MILP of a :class:`DomainProblem` and solve it."""
    built = build_model(problem.core)
    raw = solve_milp(built.model, solve_options)
    return DomainSolve(problem=problem, built=built, result=extract(problem.core, built, raw))
