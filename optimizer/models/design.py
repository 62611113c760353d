r"""Warehouse siting and consolidated routing on the Sichuan network (design model v2).

The domain model of ``corridor solve``, built on the generic core of
:mod:`optimizer.engine.core` (the code the CFLP and MCND benchmarks run) as
a *path formulation*: each demand chooses among candidate routes of every
channel it allows, and routes that share a service share its containers.
The model, not the input, decides how goods ship (the channel), where stock
is held, in how much space and under which operating model.

Formulation (in the notation of :mod:`optimizer.engine.core`)
----------------------------------------------------------------
Sets
    :math:`D` demand rows: a buyer segment (origin zone, market, product,
    tonnes a year, the delivery promise in days and the customs modes it
    allows); :math:`S` active services; :math:`W` candidate sites;
    :math:`T_w` owned size tiers at site :math:`w` (``warehouse_tiers.csv``,
    or the site's one size); :math:`C` products; :math:`P_d` candidate routes
    of demand :math:`d`, each with a channel :math:`\chi(p)` among the allowed
    ones.
Time base
    Shipments move every week: a demand of :math:`T_d` t/year is a commodity of
    volume :math:`v_d = T_d / 52` t/week, and the integer units of a lane are
    *containers (or trucks) per week*. Costs per week are multiplied by 52, so
    the objective is in CNY per year.
Arcs
    * every active service :math:`s` priced per unit (FEU, TEU, truck) is a
      design arc: :math:`U_s` = unit payload (t), :math:`F_s` = 52 x unit rate,
      :math:`\bar{y}_s` = departures per week x units per departure, unit
      usage :math:`w_{sc} = \max(1, U_s / (V_s \rho_c))`, loose cost
      :math:`\ell_{sc}` = 52 x LCL rate x chargeable quantity per tonne;
    * a service priced per weight (air per chargeable kg, last mile, LTL) is a
      plain arc with flow cost 52 x (rate x chargeable quantity + per-order
      rate x orders per tonne, :math:`1000 / \text{order\_kg}_c`);
    * every site :math:`w` has an *owned* arc :math:`o_w` between the bulk leg
      and the last mile, flow cost = owned handling per tonne, whose capacity
      is provided by its tiers: binary design arcs :math:`t \in T_w` with
      :math:`U_t` = capacity (t/week) and :math:`F_t` = annual fixed cost
      (rent x area + staff + systems, :mod:`optimizer.models.warehouses`);
    * a site with a shared rate card has a *shared* arc :math:`h_w`: no fixed
      cost, flow cost = inbound per cbm + handling per order (dearer per unit),
      its capacity the shared space available (unbounded when not stated).
    Every arc also carries 52 x (border fees of its via nodes + carbon price x
    CO2 per tonne).
Paths and channels
    * 9610 (B2C parcels) and 9710 (B2B direct): origin -> market routes that
      end with a last-mile service and pass no warehouse; their transit must
      be within the promise (a 3-day promise is never met by direct sea);
    * 9810 (overseas warehouse): origin -> warehouse (bulk) -> owned or shared
      space -> last mile -> market; the last mile plus ``dispatch_days`` must
      be within the promise (stock is abroad), the bulk leg within
      ``max_replenishment_days``; a warehouse serves every market its last
      mile reaches in time, so regional hubs compete across borders;
    * 1210 (bonded): origin -> bonded zone -> market, direct, time-limited.
    A path's own cost :math:`e_p` holds handling at its transshipment nodes,
    the in-transit inventory (value x carrying rate x transit days / 365) and,
    for 9810, the stock held abroad: cycle and safety stock of the stream for
    the route's replenishment lead time (:mod:`optimizer.models.inventory`),
    at the capital cost of its value, plus storage by the cbm-month in shared
    space.
Unmet demand
    costs its lost margin, :math:`\pi_d` = value per tonne x margin share of the
    product (``products.csv``; parameters.csv's ``unmet_penalty_cny_per_t``
    where no margin is given), so a market that does not pay for its
    logistics may honestly go unserved; ``require_full_service`` makes
    :math:`\pi_d = \infty` (every demand must be served).
Constraints
    Those of :mod:`optimizer.engine.core`: (1) every demand routed or unmet, (2)-(4)
    consolidation into integer units with an LCL option and service
    capacities, (3) warehouse capacity from the chosen tier, (5) strong
    linking, (6) at most one tier a site, warehouse count and budget (over
    owned tiers), (7) single sourcing of markets (optional), (8) must-open /
    never-open (owned tiers; shared space stays available at a never-open
    site, since it is not opened by anyone).
"""

from __future__ import annotations

import difflib
import logging
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from optimizer.data.network import Network
from optimizer.engine.colgen import price_and_branch, restrict
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
    start_point,
)
from optimizer.engine.solver import SolveOptions, solve_milp
from optimizer.errors import InputError
from optimizer.models.charges import UNIT_BASES, chargeable_per_tonne, unit_dimensions
from optimizer.models.incumbent import Incumbent, carried_over
from optimizer.models.inventory import inventory_parameters, stock_days
from optimizer.models.routes import Route, RouteGenerator
from optimizer.models.warehouses import Tier, owned_tiers, shared_offer

log = logging.getLogger(__name__)

__all__ = [
    "UNIT_BASES",
    "DesignOptions",
    "DomainProblem",
    "DomainSolve",
    "Route",
    "RouteGeneration",
    "SiteArcs",
    "build_problem",
    "chargeable_per_tonne",
    "solve_problem",
    "unit_dimensions",
]

HOURS_PER_YEAR = 8760.0
#: Orders per tonne when a product has no ``order_kg`` (a 10 kg carton).
DEFAULT_ORDER_KG = 10.0
#: How the routes of the model are chosen (``DesignOptions.routes``).
ROUTE_METHODS = ("generated", "complete", "k_shortest")
#: Direct shipments of products whose orders weigh at most this are parcels (9610), else 9710.
PARCEL_MAX_KG = 30.0
#: A switched site's shared space with no stated capacity holds this many times all demand
#: (a bound that never binds, also when a programme grows the demand).
SWITCH_CAPACITY_MARGIN = 10.0


@dataclass(frozen=True)
class DesignOptions:
    """Model options (the ``options`` of a scenario file).

    Parameters
    ----------
    max_warehouses, min_warehouses, exact_warehouses
        Limits on the number of owned warehouses open (``None``: no limit).
    budget_cny
        Cap on the annual fixed cost of owned warehouses.
    must_open, never_open
        Site ids forced open (one owned tier) or closed (no owned tier).
        Existing warehouses are always open, unless named in ``never_open``.
    never_shared
        Site ids whose shared space is not used (with ``never_open``: the
        site is not used at all).
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
        Cost of a tonne not served, for every product (default: each product's
        lost margin, value x margin share).
    require_full_service
        Every demand must be served (no unmet demand); a case that cannot is
        reported as infeasible with the demands that cannot be served.
    allow_shared
        Shared (public or third-party) space may be used where a site has a rate card.
    max_sites, min_sites
        Limits on the number of sites *used*, in owned or shared space alike
        (the count of ``corridor frontier`` and of a programme's requirements).
    site_switches
        Give every site a used-or-not switch without limiting their number
        (set by a limit on sites; a programme links the switches across years).
    routes
        Which routes the model chooses among. ``generated`` (default): the
        complete catalogue of routes within the promises is priced against
        the LP duals (column generation) and the MILP solved over the routes
        that price out (price-and-branch); the LP bound holds for every route,
        the MILP's bound for the generated ones. ``complete``: the MILP over
        every route of the catalogue (its bound holds for the whole network;
        slower). ``k_shortest``: Yen's k-shortest routes under three weightings
        (``paths_per_weight`` each), as before v3: optimal over that list only.
    """

    max_warehouses: int | None = None
    min_warehouses: int | None = None
    exact_warehouses: int | None = None
    budget_cny: float | None = None
    must_open: tuple[str, ...] = ()
    never_open: tuple[str, ...] = ()
    never_shared: tuple[str, ...] = ()
    single_sourcing: bool = False
    carbon_price_cny_per_t: float = 0.0
    paths_per_weight: int = 3
    max_replenishment_days: float = 90.0
    dispatch_days: float = 1.0
    unmet_penalty_cny_per_t: float | None = None
    require_full_service: bool = False
    allow_shared: bool = True
    routes: str = "generated"
    max_sites: int | None = None
    min_sites: int | None = None
    site_switches: bool = False

    @property
    def switched(self) -> bool:
        """Whether every site has a used-or-not switch (a limit on sites used asks for one)."""
        return self.site_switches or self.max_sites is not None or self.min_sites is not None

    def __post_init__(self) -> None:
        if self.routes not in ROUTE_METHODS:
            msg = f"routes must be one of {', '.join(ROUTE_METHODS)}, got {self.routes!r}"
            raise InputError(msg, field="routes")
        for name in (
            "max_warehouses",
            "min_warehouses",
            "exact_warehouses",
            "max_sites",
            "min_sites",
        ):
            v = getattr(self, name)
            if v is not None and v < 0:
                msg = f"{name} must be >= 0, got {v}"
                raise InputError(msg, field=name)
        if self.carbon_price_cny_per_t < 0:
            msg = "carbon_price_cny_per_t must be >= 0"
            raise InputError(msg, field="carbon_price_cny_per_t")
        if self.paths_per_weight < 1:
            msg = "paths_per_weight must be >= 1"
            raise InputError(msg, field="paths_per_weight")
        object.__setattr__(self, "must_open", tuple(self.must_open))
        object.__setattr__(self, "never_open", tuple(self.never_open))
        object.__setattr__(self, "never_shared", tuple(self.never_shared))


@dataclass(frozen=True)
class SiteArcs:
    """Where a site's options sit among the arcs of the core problem."""

    site: str
    owned: int  # the owned flow arc
    tiers: tuple[Tier, ...]
    tier_arcs: tuple[int, ...]  # one design arc per tier (the owned arc itself for one size)
    shared: int | None  # the shared arc, if the site has a rate card
    shared_storage_cny_per_cbm_month: float = 0.0
    shared_capacity_t_per_year: float | None = None
    use: int | None = None  # the site's used-or-not switch (``USE:<id>``), when sites are switched


@dataclass(frozen=True)
class DomainProblem:
    """The core problem plus everything needed to read its solution in domain terms."""

    network: Network
    options: DesignOptions
    core: DesignProblem
    arc_ids: tuple[str, ...]  # services, owned ("WH:<id>"), tiers ("WH:<id>:<tier>"), shared
    n_services: int
    classes: tuple[str, ...]
    routes: tuple[Route, ...]
    weeks: float
    cost_parts: dict[str, np.ndarray]  # arc cost components (A x C), per t/week-year
    path_parts: dict[str, np.ndarray]  # path cost components (P,), per t/week-year
    unserved: dict[str, str]  # demand id -> why it cannot be served at all
    demand: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    sites: dict[str, SiteArcs] = field(default_factory=dict)
    stock_days: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))  # per path

    @property
    def tier_arcs(self) -> np.ndarray:
        """Every owned tier's design arc (the warehouses counted by count and budget limits)."""
        return np.array([a for s in self.sites.values() for a in s.tier_arcs], dtype=np.int64)

    @property
    def use_arcs(self) -> dict[str, int]:
        """Site id -> its used-or-not switch (sites are switched: ``DesignOptions.switched``)."""
        return {w: s.use for w, s in self.sites.items() if s.use is not None}


# -- building -------------------------------------------------------------------------


def _check_names(network: Network, options: DesignOptions) -> None:
    wh = network.warehouses
    for name in (*options.must_open, *options.never_open, *options.never_shared):
        if name not in wh.index:
            close = difflib.get_close_matches(name, [str(w) for w in wh.index], n=3)
            msg = f"unknown warehouse {name!r} in options" + (
                f"; close matches: {', '.join(close)}" if close else ""
            )
            field = next(
                f
                for f in ("must_open", "never_open", "never_shared")
                if name in getattr(options, f)
            )
            raise InputError(msg, field=field)
    clash = set(options.must_open) & set(options.never_open)
    if clash:
        msg = f"warehouses both forced open and closed: {', '.join(sorted(clash))}"
        raise InputError(msg, field="must_open")


def _row(table: pd.DataFrame, key: str) -> pd.Series:
    """The row of ``key`` in a table with unique ids."""
    row = table.loc[key]
    assert isinstance(row, pd.Series), f"{key!r} is not a unique row label"
    return row


def _column(frame: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), default)
    values = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return values.fillna(default).to_numpy(dtype=float)


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
    _check_names(network, options)
    weeks = network.param("weeks_per_year")
    air_vol = network.param("air_volumetric_kg_per_cbm")
    carry = network.param("inventory_carrying_rate_per_year")
    wh = network.warehouses
    services = network.service_table
    nodes = network.nodes
    products = network.products
    classes = tuple(str(p) for p in products.index)
    cls_of = {p: i for i, p in enumerate(classes)}
    density = products["density_kg_per_cbm"].to_numpy(dtype=float)
    value = products["value_cny_per_t"].to_numpy(dtype=float)
    order_kg = _column(products, "order_kg", DEFAULT_ORDER_KG)
    orders_per_t = 1000.0 / order_kg
    cbm_per_t = 1000.0 / density
    n_c = len(classes)

    # -- arcs: services, then per site its owned arc, its tiers and its shared arc ----------
    site_ids = [str(w) for w in wh.index]
    open_site = {w: bool(nodes.at[w, "open"]) for w in site_ids}
    may_own = {w: open_site[w] and w not in options.never_open for w in site_ids}
    sids = [str(s) for s in services.index]
    n_s = len(sids)
    arc_ids: list[str] = list(sids)
    arc_ids += [f"WH:{w}" for w in site_ids]
    tiers_of = {w: owned_tiers(network, w) for w in site_ids}
    capacity_for: list[int] = list(range(len(arc_ids)))
    owned_idx = {w: n_s + i for i, w in enumerate(site_ids)}
    tier_idx: dict[str, tuple[int, ...]] = {}
    for w in site_ids:
        if len(tiers_of[w]) == 1 and tiers_of[w][0].tier == "site":
            tier_idx[w] = (owned_idx[w],)  # one size: the owned arc is the design arc
            continue
        idx = []
        for t in tiers_of[w]:
            idx.append(len(arc_ids))
            arc_ids.append(f"WH:{w}:{t.tier}")
            capacity_for.append(owned_idx[w])
        tier_idx[w] = tuple(idx)
    shared_of = {
        w: shared_offer(network, w)
        if options.allow_shared and w not in options.never_shared
        else None
        for w in site_ids
    }
    shared_idx: dict[str, int] = {}
    for w in site_ids:
        if shared_of[w] is not None and open_site[w]:
            shared_idx[w] = len(arc_ids)
            arc_ids.append(f"SH:{w}")
            capacity_for.append(len(arc_ids) - 1)
    use_idx: dict[str, int] = {}
    if options.switched:
        # a site's switch provides its shared space's capacity (so that a MIP start
        # that ships through the space turns the switch on) and bounds its owned tiers
        for w in site_ids:
            if may_own[w] or w in shared_idx:
                use_idx[w] = len(arc_ids)
                arc_ids.append(f"USE:{w}")
                capacity_for.append(shared_idx.get(w, len(arc_ids) - 1))
    n_a = len(arc_ids)
    sidx = {s: i for i, s in enumerate(sids)}

    total_weekly = float(network.demand["tonnes_per_year"].sum()) / weeks
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

    order_rate = _column(services, "order_rate", np.nan)
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
        if not math.isnan(order_rate[i]):
            per_order = float(network.cny(float(order_rate[i]), str(s["currency"])))
            freight[i, :] += per_order * orders_per_t * weeks

    sites: dict[str, SiteArcs] = {}
    wh_handling = wh["handling_cny_per_t"].astype(float)
    wh_status = wh["status"].astype(str)
    for w in site_ids:
        existing = wh_status.loc[w] == "existing" or w in options.must_open
        owned = owned_idx[w]
        wh_cost[owned, :] = float(wh_handling.loc[w]) * weeks
        for t, a in zip(tiers_of[w], tier_idx[w], strict=True):
            unit_capacity[a] = t.capacity_t_per_year / weeks
            unit_cost[a] = t.fixed_cost_cny_per_year
            max_units[a] = 1.0 if may_own[w] else 0.0
        offer = shared_of[w]
        if w in shared_idx and offer is not None:
            h = shared_idx[w]
            wh_cost[h, :] = (
                offer.inbound_cny_per_cbm * cbm_per_t + offer.handling_cny_per_order * orders_per_t
            ) * weeks
            if w in use_idx:
                # switched: the space is there only when the site is used
                u = use_idx[w]
                unit_capacity[u] = (
                    offer.capacity_t_per_year / weeks
                    if offer.capacity_t_per_year is not None
                    else SWITCH_CAPACITY_MARGIN * total_weekly
                )
            elif offer.capacity_t_per_year is not None:
                unit_capacity[h] = offer.capacity_t_per_year / weeks
                max_units[h] = min_units[h] = 1.0  # space that is there, at no fixed cost
        if w in use_idx:
            u = use_idx[w]
            if w not in shared_idx:
                unit_capacity[u] = 1.0  # a switch with no space of its own
            max_units[u] = 1.0
            if existing and may_own[w]:
                min_units[u] = 1.0
        sites[w] = SiteArcs(
            site=w,
            owned=owned,
            tiers=tuple(tiers_of[w]),
            tier_arcs=tier_idx[w],
            shared=shared_idx.get(w),
            shared_storage_cny_per_cbm_month=offer.storage_cny_per_cbm_month if offer else 0.0,
            shared_capacity_t_per_year=offer.capacity_t_per_year if offer else None,
            use=use_idx.get(w),
        )
        if existing and may_own[w] and len(tier_idx[w]) == 1:
            min_units[tier_idx[w][0]] = 1.0

    flow_cost = freight + border + carbon + wh_cost

    # -- candidate routes ---------------------------------------------------------------
    log.info("generating candidate routes")
    gen = RouteGenerator(
        network,
        services,
        paths_per_weight=options.paths_per_weight,
        dispatch_days=options.dispatch_days,
        max_replenishment_days=options.max_replenishment_days,
        complete=options.routes != "k_shortest",
    )
    demand = network.demand
    stock_model = inventory_parameters(network)
    weekly_cv = _column(products, "weekly_cv", 0.0)
    legacy_stock_days = wh["stock_days"].astype(float)
    legacy_storage = wh["storage_cny_per_cbm_month"].astype(float)
    routes: list[Route] = []
    path_com: list[int] = []
    path_arcs: list[list[int]] = []
    path_handling: list[float] = []
    path_inventory: list[float] = []
    path_stock: list[float] = []
    path_storage: list[float] = []
    path_days: list[float] = []
    path_choice: list[int] = []
    choice_key: dict[tuple[str, str], int] = {}
    unserved: dict[str, str] = {}
    demand_ids = [str(d) for d in demand.index]
    node_handling = {str(n): float(v) for n, v in nodes["handling_cny_per_t"].items()}
    reachable_sites = [w for w in site_ids if open_site[w]]
    for k, did in enumerate(demand_ids):
        d = _row(demand, did)
        c = cls_of[str(d["product"])]
        modes = str(d["customs_mode"]).split(";")
        found: list[Route] = []
        reasons = []
        direct_modes = [m for m in modes if m in ("9610", "9710")]
        if direct_modes:
            channel = direct_modes[0]
            if len(direct_modes) == 2:
                channel = "9610" if order_kg[c] <= PARCEL_MAX_KG else "9710"
            got, why = gen.direct(did, d, channel)
            found += got
            reasons += [why] if why else []
        if "1210" in modes:
            got, why = gen.bonded(did, d)
            found += got
            reasons += [why] if why else []
        if "9810" in modes:
            got, why = gen.via_warehouse(did, d, reachable_sites)
            for r in got:
                w = str(r.warehouse)
                if may_own[w] or sites[w].shared is not None:
                    if may_own[w]:
                        found.append(replace(r, operating="owned"))
                    if sites[w].shared is not None:
                        found.append(replace(r, operating="shared"))
            if got and not found:
                why = "9810: every warehouse that reaches the market is closed to owned space"
            reasons += [why] if why else []
        if not found:
            unserved[did] = "; ".join(reasons) or "no channel allowed"
            continue
        for r in found:
            arcs_of = [sidx[s] for s in r.services]
            stock = 0.0
            storage = 0.0
            if r.warehouse is not None:
                site = sites[r.warehouse]
                wh_arc = site.owned if r.operating == "owned" else site.shared
                assert wh_arc is not None
                # the warehouse arc sits between the bulk leg and the last mile
                arcs_of = [*arcs_of[:-1], wh_arc, *arcs_of[-1:]]
                if stock_model is not None:
                    z, review = stock_model
                    days = stock_days(r.transit_days, float(weekly_cv[c]), z, review)
                else:
                    days = float(legacy_stock_days.loc[r.warehouse])
                stock = value[c] * carry * days / 365.0 * weeks
                if r.operating == "shared":
                    months = days / 365.0 * 12.0
                    storage = site.shared_storage_cny_per_cbm_month * cbm_per_t[c] * months * weeks
                elif stock_model is None:
                    # one size from the row: its storage rate, as before tiers
                    fee = float(legacy_storage.loc[r.warehouse])
                    storage = fee * (days / 30.0) * cbm_per_t[c] * weeks
                path_days.append(days)
            else:
                path_days.append(0.0)
            inter = r.nodes[1:-1]
            handling = float(sum(node_handling[n] for n in inter if n != r.warehouse))
            path_com.append(k)
            path_arcs.append(arcs_of)
            path_handling.append(handling * weeks)
            path_inventory.append(value[c] * carry * r.transit_days / 365.0 * weeks)
            path_stock.append(stock)
            path_storage.append(storage)
            if options.single_sourcing and r.warehouse is not None:
                key = (str(d["market"]), r.warehouse)
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
        unmet_cost=unmet_costs(network, options) * weeks,
        cls=np.array([cls_of[str(p)] for p in demand["product"]], dtype=np.int64),
    )
    paths = Paths.from_lists(
        path_com,
        path_arcs,
        cost=list(
            np.asarray(path_handling)
            + np.asarray(path_inventory)
            + np.asarray(path_stock)
            + np.asarray(path_storage)
        ),
        choice=path_choice,
    )
    arcs = Arcs(
        ids=tuple(arc_ids),
        flow_cost=flow_cost,
        unit_capacity=unit_capacity,
        unit_cost=unit_cost,
        max_units=max_units,
        min_units=min_units,
        loose_cost=loose,
        usage=usage,
        capacity_for=np.asarray(capacity_for, dtype=np.int64),
    )
    core = DesignProblem(
        arcs=arcs,
        commodities=commodities,
        paths=paths,
        constraints=tuple(_design_constraints(network, options, sites)),
        choice_group=_choice_groups(choice_key),
        name=f"corridor-{network.name}",
    )
    return DomainProblem(
        network=network,
        options=options,
        core=core,
        arc_ids=tuple(arc_ids),
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
            "stock_abroad": np.asarray(path_stock, dtype=float),
            "handling_storage": np.asarray(path_storage, dtype=float),
        },
        unserved=unserved,
        demand=demand,
        sites=sites,
        stock_days=np.asarray(path_days, dtype=float),
    )


def unmet_costs(network: Network, options: DesignOptions) -> np.ndarray:
    """Cost of a tonne not served, per demand row (CNY): its lost margin, or the penalty.

    ``require_full_service``: infinite (the demand must be served). An explicit
    ``unmet_penalty_cny_per_t`` applies to every product; otherwise a
    product's ``value_cny_per_t x margin_share``, or parameters.csv's
    ``unmet_penalty_cny_per_t`` for a product without a margin.
    """
    demand = network.demand
    if options.require_full_service:
        return np.full(len(demand), np.inf)
    if options.unmet_penalty_cny_per_t is not None:
        return np.full(len(demand), float(options.unmet_penalty_cny_per_t))
    products = network.products
    fallback = network.param("unmet_penalty_cny_per_t")
    margin = _column(products, "margin_share", np.nan)
    per_t = np.where(
        np.isnan(margin), fallback, products["value_cny_per_t"].to_numpy(dtype=float) * margin
    )
    lost = dict(zip(products.index, per_t, strict=True))
    return np.array([lost[p] for p in demand["product"]], dtype=float)


def _design_constraints(
    network: Network, options: DesignOptions, sites: dict[str, SiteArcs]
) -> list[DesignConstraint]:
    """Constraints (6): one tier a site, must-open, count and budget over owned tiers."""
    out: list[DesignConstraint] = []
    tier_arcs = np.array([a for s in sites.values() for a in s.tier_arcs], dtype=np.int64)
    fixed = np.array([t.fixed_cost_cny_per_year for s in sites.values() for t in s.tiers])
    wh = network.warehouses
    for w, site in sites.items():
        arcs = np.asarray(site.tier_arcs, dtype=np.int64)
        if arcs.size > 1:
            out.append(DesignConstraint(f"one_tier[{w}]", arcs, np.ones(arcs.size), hi=1.0))
        forced = wh.at[w, "status"] == "existing" or w in options.must_open
        if forced and arcs.size > 1 and w not in options.never_open:
            out.append(DesignConstraint(f"open[{w}]", arcs, np.ones(arcs.size), lo=1.0))
    uses = [s.use for s in sites.values() if s.use is not None]
    for w, site in sites.items():
        if site.use is not None and site.tier_arcs:
            arcs = np.array([site.use, *site.tier_arcs], dtype=np.int64)
            coef = np.r_[1.0, -np.ones(len(site.tier_arcs))]
            out.append(DesignConstraint(f"used_if_owned[{w}]", arcs, coef, lo=0.0))
    if uses:
        arr = np.asarray(uses, dtype=np.int64)
        if options.max_sites is not None:
            out.append(DesignConstraint("sites_max", arr, np.ones(arr.size), hi=options.max_sites))
        if options.min_sites is not None:
            out.append(DesignConstraint("sites_min", arr, np.ones(arr.size), lo=options.min_sites))
    ones = np.ones(tier_arcs.size)
    if options.exact_warehouses is not None:
        n = options.exact_warehouses
        out.append(DesignConstraint("warehouses_exact", tier_arcs, ones, n, n))
    if options.max_warehouses is not None:
        out.append(DesignConstraint("warehouses_max", tier_arcs, ones, hi=options.max_warehouses))
    if options.min_warehouses is not None:
        out.append(DesignConstraint("warehouses_min", tier_arcs, ones, lo=options.min_warehouses))
    if options.budget_cny is not None:
        out.append(DesignConstraint("warehouse_budget", tier_arcs, fixed, hi=options.budget_cny))
    return out


def _choice_groups(choice_key: dict[tuple[str, str], int]) -> np.ndarray | None:
    if not choice_key:
        return None
    markets = sorted({m for m, _ in choice_key})
    mi = {m: i for i, m in enumerate(markets)}
    group = np.zeros(len(choice_key), dtype=np.int64)
    for (m, _w), j in choice_key.items():
        group[j] = mi[m]
    return group


# -- solving ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteGeneration:
    """How the routes of a solve were found, and what its bounds are valid for.

    ``lp_bound_exact`` is a lower bound that holds for every route of the
    network (the LP relaxation over the complete catalogue, from column
    generation); ``bound_scope`` says what the solve's own ``bound`` covers:
    ``network`` (every route), ``generated routes`` or ``listed routes``
    (the k-shortest list).
    """

    method: str  # price_and_branch, complete or k_shortest
    rounds: int  # column-generation rounds
    routes: int  # routes in the MILP
    catalogue: int | None  # routes of the network within the promises (None: not enumerated)
    lp_bound_exact: float | None
    bound_scope: str
    converged: bool = True
    repriced: int = 0  # fixed-design repricing rounds that added routes
    seconds: float = 0.0  # column generation's share of the solve time

    def to_json(self, objective: float | None = None) -> dict[str, object]:
        """The ``route_generation`` block of ``solution.json``."""
        gap = None
        if objective is not None and self.lp_bound_exact is not None:
            gap = max(0.0, objective - self.lp_bound_exact) / max(1.0, abs(objective))
        return {
            "method": self.method,
            "rounds": self.rounds,
            "routes": self.routes,
            "catalogue_routes": self.catalogue,
            "lp_bound_exact": self.lp_bound_exact,
            "network_gap": gap,
            "bound_scope": self.bound_scope,
            "converged": self.converged,
            "repricing_rounds": self.repriced,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class DomainSolve:
    """The built model and its raw result (kept apart from the plain Solution)."""

    problem: DomainProblem
    built: BuiltModel
    result: DesignResult
    route_generation: RouteGeneration | None = None


def route_costs(problem: DomainProblem) -> np.ndarray:
    """Each route's cost per unit of its demand with full containers (an estimate for ranking).

    Flow costs, the route's own cost, and on container lanes the cheaper of
    a full container's rate per tonne and the loose rate.
    """
    core = problem.core
    paths, arcs, com = core.paths, core.arcs, core.commodities
    assert paths is not None
    pidx, aidx = paths.incidence()
    cls = com.cls[paths.commodity[pidx]]
    finite = np.isfinite(arcs.unit_capacity) & (arcs.unit_cost > 0)
    full = np.where(finite, arcs.unit_cost / np.where(finite, arcs.unit_capacity, 1.0), 0.0)
    per_t = arcs.flow_cost[aidx, cls] + np.minimum(
        full[aidx] * arcs.usage[aidx, cls], arcs.loose_cost[aidx, cls]
    )
    return paths.cost + np.bincount(pidx, weights=per_t, minlength=paths.count)


def initial_routes(problem: DomainProblem) -> np.ndarray:
    """The first routes of column generation: per demand, channel, warehouse and operating
    model, the one that is cheapest per tonne with full containers (:func:`route_costs`).

    Every site and channel a demand may use is on the menu from the start, so
    the MILP can weigh each warehouse with a sensible bulk route even where
    the LP did not need it.
    """
    cost = route_costs(problem)
    best: dict[tuple[str, str, str, str], int] = {}
    for p, r in enumerate(problem.routes):
        key = (r.demand, r.channel, r.warehouse or "", r.operating)
        q = best.get(key)
        if q is None or cost[p] < cost[q]:
            best[key] = p
    keep = np.zeros(len(problem.routes), dtype=bool)
    keep[list(best.values())] = True
    return keep


def completed_start(
    problem: DomainProblem, start: Incumbent, usable: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A related solution carried over, with what it cannot carry rerouted.

    A demand whose routes no longer exist (a closed service or node) would
    start unmet; the share it shipped goes to its cheapest route
    (:func:`route_costs`) instead, so that the start is a plan worth
    improving rather than one that pays lost margins. (A demand the related
    solution left unmet stays unmet.) ``usable`` (bool per route) limits the
    start to some routes (e.g. those through a given set of warehouses).
    """
    share, units, loose = carried_over(problem, start)
    if usable is not None:
        share = np.where(usable, share, 0.0)
    paths = problem.core.paths
    assert paths is not None
    ids = problem.core.commodities.ids
    n_com = len(ids)
    index = {d: k for k, d in enumerate(ids)}
    shipped = np.zeros(n_com)
    for key, value in start.shares.items():
        k = index.get(key[0])
        if k is not None:
            shipped[k] += value
    total = np.bincount(paths.commodity, weights=share, minlength=n_com)
    missing = np.clip(np.minimum(shipped, 1.0) - total, 0.0, 1.0)
    if (missing > 1e-9).any():
        cost = route_costs(problem)
        if usable is not None:
            cost = np.where(usable, cost, np.inf)
        order = np.lexsort((cost, paths.commodity))
        first = order[np.r_[0, np.flatnonzero(np.diff(paths.commodity[order])) + 1]]
        share = share.copy()
        ok = np.isfinite(cost[first])
        share[first[ok]] += missing[paths.commodity[first[ok]]]
    return share, units, loose


def restricted(
    problem: DomainProblem, keep: np.ndarray, core: DesignProblem | None = None
) -> DomainProblem:
    """The problem over the routes where ``keep`` is true.

    ``core``: its core so restricted, when the caller has it already.
    """
    keep = np.asarray(keep, dtype=bool)
    return replace(
        problem,
        core=restrict(problem.core, keep) if core is None else core,
        routes=tuple(r for r, k in zip(problem.routes, keep, strict=True) if k),
        path_parts={name: part[keep] for name, part in problem.path_parts.items()},
        stock_days=problem.stock_days[keep] if problem.stock_days.size else problem.stock_days,
    )


def solve_problem(
    problem: DomainProblem,
    solve_options: SolveOptions | None = None,
    *,
    start: Incumbent | None = None,
) -> DomainSolve:
    """Build the MILP of a :class:`DomainProblem` and solve it.

    With ``routes: generated`` (the default) this is price-and-branch over
    the complete route catalogue (:func:`optimizer.engine.colgen.price_and_branch`);
    the returned problem is the catalogue restricted to the generated routes.

    ``start``: a related solution (the baseline of a variant, the result an
    ``explain`` re-solve changes) that, carried over to this problem and
    repaired (:func:`optimizer.engine.core.start_point`), is the MIP start;
    its routes start the column generation. A backend drops a start that
    still does not fit.
    """
    started = time.perf_counter()
    method = problem.options.routes
    if method == "generated":
        carried = completed_start(problem, start) if start is not None else None
        pb = price_and_branch(
            problem.core, initial_routes(problem), solve_options, start=carried, started=started
        )
        gen = pb.generation
        return DomainSolve(
            problem=restricted(problem, pb.active, pb.problem),
            built=pb.built,
            result=pb.result,
            route_generation=RouteGeneration(
                method="price_and_branch",
                rounds=gen.rounds,
                routes=int(pb.active.sum()),
                catalogue=len(problem.routes),
                lp_bound_exact=gen.lp_bound if math.isfinite(gen.lp_bound) else None,
                bound_scope="generated routes",
                converged=gen.converged,
                repriced=int(pb.repriced),
                seconds=gen.seconds,
            ),
        )
    built = build_model(problem.core)
    hint = None
    if start is not None:
        hint = start_point(problem.core, built, *carried_over(problem, start))
        log.info(
            "warm start: objective %.6g (was %.6g), largest violation %.2g",
            built.model.objective_value(hint),
            start.objective if start.objective is not None else float("nan"),
            built.model.max_violation(hint),
        )
    raw = solve_milp(built.model, solve_options, hint=hint, started=started)
    complete = method == "complete"
    return DomainSolve(
        problem=problem,
        built=built,
        result=extract(problem.core, built, raw),
        route_generation=RouteGeneration(
            method=method,
            rounds=0,
            routes=len(problem.routes),
            catalogue=len(problem.routes) if complete else None,
            lp_bound_exact=None,
            bound_scope="network" if complete else "listed routes",
        ),
    )
