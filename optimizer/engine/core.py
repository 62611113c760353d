r"""Generic fixed-charge capacitated network design with integer units.

This is the solver core under every optimisation model in corridor: the
domain model of ``corridor solve`` (:mod:`optimizer.models.design`), capacitated
facility location (:mod:`optimizer.models.cflp`) and the Canad multicommodity
network design benchmarks (:mod:`optimizer.models.mcnd`) all build a
:class:`DesignProblem` and solve it here, so what the benchmarks prove is
what users run.

Formulation
-----------
Sets
    :math:`A` arcs; :math:`A^D \subseteq A` design arcs (finite unit capacity or
    a fixed cost per unit); :math:`K` commodities; :math:`C` flow classes
    (products: they differ in unit usage and loose-cargo cost); :math:`P_k`
    candidate paths of commodity :math:`k` (path form) or, in arc form, the
    whole graph :math:`(N, A)`; :math:`G` design constraints; :math:`S` choices
    (single-sourcing options) grouped in :math:`\Gamma`.
Parameters
    :math:`d_k` volume, :math:`c_k` class, :math:`\pi_k` unmet penalty per unit
    (:math:`\infty`: must be served); :math:`q_{ac}` flow cost per unit;
    :math:`U_a` capacity of one unit, :math:`F_a` fixed cost per unit,
    :math:`\bar{y}_a` / :math:`\underline{y}_a` most / fewest units
    (1 = a binary arc, :math:`\infty` = general integer, 0 = closed);
    :math:`w_{ac}` unit usage per unit of class-:math:`c` flow (volume-bound
    cargo fills a container before its weight does); :math:`\ell_{ac}` cost per
    unit carried *loose* (LCL, parcel), :math:`\infty` where loose cargo is
    not accepted; :math:`e_p` extra cost per unit on path :math:`p`.
Variables
    :math:`\lambda_p \in [0,1]` share of :math:`d_k` on path :math:`p` (binary
    when commodities are unsplittable); :math:`\lambda_{ak}` share on arc
    :math:`a` (arc form); :math:`\mu_k \in [0,1]` unmet share;
    :math:`y_a \in \mathbb{Z}_+` units on design arc :math:`a`;
    :math:`g_{ac}, h_{ac} \ge 0` class-:math:`c` flow on :math:`a` carried in
    units / loose (only on design arcs that accept loose cargo);
    :math:`z_s \in \{0,1\}` choice :math:`s` taken.
Objective
    .. math::
        \min \sum_{a \in A^D} F_a y_a
        + \sum_k d_k \Big(\sum_{p \in P_k} (e_p + \sum_{a \in p} q_{a c_k}) \lambda_p
        + \pi_k \mu_k\Big) + \sum_{a,c} \ell_{ac} h_{ac}

Constraints
    (1) demand: :math:`\sum_{p \in P_k} \lambda_p + \mu_k = 1`; in arc form
        flow conservation with :math:`1 - \mu_k` leaving :math:`o_k` and
        reaching :math:`t_k`.
    (2) loose split: :math:`\sum_{k: c_k = c} d_k \lambda_{ak} = g_{ac} + h_{ac}`
        on design arcs that accept loose cargo
        (:math:`\lambda_{ak} = \sum_{p \in P_k: a \in p} \lambda_p` in path form).
    (3) unit capacity: :math:`\sum_c w_{ac} f^U_{ac} \le \sum_{b \in B_a} U_b y_b`,
        where :math:`f^U_{ac}` is :math:`g_{ac}` on arcs with a loose option and
        the whole class flow otherwise, and :math:`B_a` are the design arcs
        that provide arc :math:`a`'s capacity: :math:`a` itself for an
        ordinary arc, or several size tiers of one facility (each a binary
        design arc that carries no flow of its own, at most one chosen by a
        design constraint (6)).
    (4) service capacity: :math:`\sum_c w_{ac} (g_{ac} + h_{ac}) \le U_a \bar{y}_a`
        on arcs with a loose option and a finite :math:`\bar{y}_a` (loose cargo
        rides the same trains).
    (5) strong linking: :math:`\lambda_{ak} \le \sum_{b \in B_a} \min(1, U_b / (w_{a c_k}
        d_k))\, y_b` on capacitated arcs without a loose option (for general
        integer arcs the coefficient is 1, valid since :math:`y_b \ge 1`
        whenever used).
    (6) design constraints: :math:`L_g \le \sum_{a \in g} \alpha_{ga} y_a \le H_g`
        (at most / exactly p warehouses, a budget, a capacity cover cut).
    (7) choices: :math:`\sum_{s \in \gamma} z_s \le 1` for every group
        :math:`\gamma`, and :math:`\lambda_p \le z_{s(p)}` (single sourcing).
    (8) bounds: :math:`\underline{y}_a \le y_a \le \bar{y}_a`; :math:`\mu_k = 0`
        where :math:`\pi_k = \infty`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from optimizer.engine.milp import INF, MilpModel
from optimizer.engine.solver import SolveOptions, SolveReport, SolverResult, solve_milp

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]


@dataclass(frozen=True, init=False)
class Arcs:
    """Arc data as arrays of equal length ``A`` (class-dependent ones are ``A x C``).

    ``min_units`` (default 0), ``loose_cost`` (default: no loose cargo) and
    ``usage`` (default 1) may be omitted; the attributes always hold float arrays.
    """

    ids: tuple[str, ...]
    flow_cost: FloatArray  # A x C
    unit_capacity: FloatArray
    unit_cost: FloatArray
    max_units: FloatArray
    min_units: FloatArray
    loose_cost: FloatArray  # A x C
    usage: FloatArray  # A x C
    tail: np.ndarray | None  # arc form only
    head: np.ndarray | None  # arc form only
    capacity_for: IntArray  # the arc whose capacity each design arc provides (itself: default)

    def __init__(
        self,
        ids: tuple[str, ...],
        flow_cost: npt.ArrayLike,
        unit_capacity: npt.ArrayLike,
        unit_cost: npt.ArrayLike,
        max_units: npt.ArrayLike,
        min_units: npt.ArrayLike | None = None,
        loose_cost: npt.ArrayLike | None = None,
        usage: npt.ArrayLike | None = None,
        tail: np.ndarray | None = None,
        head: np.ndarray | None = None,
        capacity_for: npt.ArrayLike | None = None,
    ) -> None:
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "tail", tail)
        object.__setattr__(self, "head", head)
        n = len(ids)
        fc = np.asarray(flow_cost, dtype=float)
        if fc.ndim == 1:
            fc = fc[:, None]
        object.__setattr__(self, "flow_cost", fc)
        c = fc.shape[1]
        for name, value in (
            ("unit_capacity", unit_capacity),
            ("unit_cost", unit_cost),
            ("max_units", max_units),
        ):
            arr = np.asarray(value, dtype=float)
            if arr.shape != (n,):
                msg = f"arcs.{name} has shape {arr.shape}, expected ({n},)"
                raise ValueError(msg)
            object.__setattr__(self, name, arr)
        mn = np.zeros(n) if min_units is None else np.asarray(min_units, dtype=float)
        object.__setattr__(self, "min_units", mn)
        loose = (
            np.full((n, c), INF)
            if loose_cost is None
            else np.asarray(loose_cost, dtype=float).reshape(n, -1)
        )
        use = np.ones((n, c)) if usage is None else np.asarray(usage, dtype=float).reshape(n, -1)
        object.__setattr__(self, "loose_cost", np.broadcast_to(loose, (n, c)).copy())
        object.__setattr__(self, "usage", np.broadcast_to(use, (n, c)).copy())
        if fc.shape[0] != n:
            msg = f"arcs.flow_cost has {fc.shape[0]} rows, expected {n}"
            raise ValueError(msg)
        cap_for = (
            np.arange(n, dtype=np.int64)
            if capacity_for is None
            else np.asarray(capacity_for, dtype=np.int64)
        )
        if cap_for.shape != (n,) or (n and (cap_for.min() < 0 or cap_for.max() >= n)):
            msg = "arcs.capacity_for must name an arc for every arc"
            raise ValueError(msg)
        object.__setattr__(self, "capacity_for", cap_for)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def classes(self) -> int:
        return int(self.flow_cost.shape[1])

    @property
    def is_design(self) -> npt.NDArray[np.bool_]:
        """Arcs that carry a unit variable ``y``."""
        return np.isfinite(self.unit_capacity) | (self.unit_cost > 0)

    @property
    def accepts_loose(self) -> npt.NDArray[np.bool_]:
        """``A x C``: class may travel loose on the arc."""
        return np.isfinite(self.loose_cost)

    @property
    def capacitated(self) -> npt.NDArray[np.bool_]:
        """Arcs whose flow has a capacity row (3): a design arc, or one served by providers."""
        out = np.zeros(self.count, dtype=bool)
        out[self.capacity_for[self.is_design]] = True
        return out

    @property
    def provides_other(self) -> npt.NDArray[np.bool_]:
        """Design arcs that provide another arc's capacity (size tiers; no flow of their own)."""
        return self.is_design & (self.capacity_for != np.arange(self.count))


@dataclass(frozen=True, init=False)
class Commodities:
    """Commodity data: volume, class, unmet penalty; O-D pairs for the arc form.

    ``unmet_cost`` (default: infinite, must be served) and ``cls`` (default
    class 0) may be omitted; the attributes always hold arrays.
    """

    ids: tuple[str, ...]
    volume: FloatArray
    unmet_cost: FloatArray
    cls: IntArray
    origin: np.ndarray | None  # arc form only
    destination: np.ndarray | None  # arc form only
    unsplittable: bool

    def __init__(
        self,
        ids: tuple[str, ...],
        volume: npt.ArrayLike,
        unmet_cost: npt.ArrayLike | None = None,
        cls: npt.ArrayLike | None = None,
        origin: np.ndarray | None = None,
        destination: np.ndarray | None = None,
        unsplittable: bool = False,
    ) -> None:
        k = len(ids)
        vol = np.asarray(volume, dtype=float)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "volume", vol)
        object.__setattr__(
            self,
            "unmet_cost",
            np.full(k, INF) if unmet_cost is None else np.asarray(unmet_cost, dtype=float),
        )
        object.__setattr__(
            self,
            "cls",
            np.zeros(k, dtype=np.int64) if cls is None else np.asarray(cls, dtype=np.int64),
        )
        object.__setattr__(self, "origin", origin)
        object.__setattr__(self, "destination", destination)
        object.__setattr__(self, "unsplittable", unsplittable)
        if np.any(vol < 0):
            msg = "commodity volumes must be >= 0"
            raise ValueError(msg)

    @property
    def count(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, init=False)
class Paths:
    """Candidate paths in CSR form: path ``p`` uses ``arc_idx[arc_ptr[p]:arc_ptr[p+1]]``.

    ``cost`` (default 0) and ``choice`` (default -1: no choice) may be
    omitted; the attributes always hold arrays.
    """

    commodity: IntArray
    arc_ptr: IntArray
    arc_idx: IntArray
    cost: FloatArray
    choice: IntArray

    def __init__(
        self,
        commodity: npt.ArrayLike,
        arc_ptr: npt.ArrayLike,
        arc_idx: npt.ArrayLike,
        cost: npt.ArrayLike | None = None,
        choice: npt.ArrayLike | None = None,
    ) -> None:
        com = np.asarray(commodity, dtype=np.int64)
        ptr = np.asarray(arc_ptr, dtype=np.int64)
        p = len(com)
        object.__setattr__(self, "commodity", com)
        object.__setattr__(self, "arc_ptr", ptr)
        object.__setattr__(self, "arc_idx", np.asarray(arc_idx, dtype=np.int64))
        object.__setattr__(
            self, "cost", np.zeros(p) if cost is None else np.asarray(cost, dtype=float)
        )
        object.__setattr__(
            self,
            "choice",
            np.full(p, -1, dtype=np.int64)
            if choice is None
            else np.asarray(choice, dtype=np.int64),
        )
        if ptr.shape != (p + 1,):
            msg = "paths.arc_ptr must have one more entry than paths"
            raise ValueError(msg)

    @classmethod
    def from_lists(
        cls,
        commodity: list[int],
        arcs: list[list[int]],
        cost: list[float] | None = None,
        choice: list[int] | None = None,
    ) -> Paths:
        """Build from a list of arc-index lists."""
        lengths = np.array([len(a) for a in arcs], dtype=np.int64)
        ptr = np.concatenate([[0], np.cumsum(lengths)])
        idx = np.array([i for a in arcs for i in a], dtype=np.int64)
        return cls(
            commodity=np.asarray(commodity, dtype=np.int64),
            arc_ptr=ptr,
            arc_idx=idx,
            cost=None if cost is None else np.asarray(cost, dtype=float),
            choice=None if choice is None else np.asarray(choice, dtype=np.int64),
        )

    @property
    def count(self) -> int:
        return len(self.commodity)

    def subset(self, keep: np.ndarray) -> Paths:
        """The paths where ``keep`` (bool per path) is true, in their order."""
        idx = np.flatnonzero(np.asarray(keep, dtype=bool))
        lengths = np.diff(self.arc_ptr)[idx]
        starts = self.arc_ptr[idx]
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return Paths(
            commodity=self.commodity[idx],
            arc_ptr=np.concatenate([[0], np.cumsum(lengths)]),
            arc_idx=self.arc_idx[np.repeat(starts, lengths) + offsets],
            cost=self.cost[idx],
            choice=self.choice[idx],
        )

    def arcs_of(self, p: int) -> np.ndarray:
        return self.arc_idx[self.arc_ptr[p] : self.arc_ptr[p + 1]]

    def incidence(self) -> tuple[np.ndarray, np.ndarray]:
        """(path index, arc index) pairs, one per arc use."""
        lengths = np.diff(self.arc_ptr)
        return np.repeat(np.arange(self.count), lengths), self.arc_idx


@dataclass(frozen=True)
class DesignConstraint:
    """Constraint (6): ``lo <= sum(coef * y[arcs]) <= hi``."""

    name: str
    arcs: np.ndarray
    coef: np.ndarray
    lo: float = -INF
    hi: float = INF


@dataclass(frozen=True)
class DesignProblem:
    """A network design instance (see the module docstring for the model)."""

    arcs: Arcs
    commodities: Commodities
    paths: Paths | None = None
    constraints: tuple[DesignConstraint, ...] = ()
    choice_group: np.ndarray | None = None
    choice_exact: bool = False
    strong_linking: bool = True
    # Keep only the strong-linking rows (5) that the root LP violates (a
    # separation loop in solve_design): (5) is implied by (3) for integer y,
    # so the model stays exact; its node LPs are much smaller (arc form).
    separate_linking: bool = False
    name: str = "design"

    def __post_init__(self) -> None:
        if self.paths is None and (
            self.commodities.origin is None or self.arcs.tail is None or self.arcs.head is None
        ):
            msg = "a design problem needs candidate paths or O-D pairs and arc ends"
            raise ValueError(msg)


@dataclass(frozen=True)
class BuiltModel:
    """The MILP of a :class:`DesignProblem` and where each variable block lives."""

    model: MilpModel
    flow: np.ndarray  # path form: one per path; arc form: A x K matrix of indices
    unmet: np.ndarray
    units: np.ndarray  # A, -1 where the arc has no unit variable
    inunits: np.ndarray  # A x C, -1 where no split variable
    loose: np.ndarray  # A x C, -1 where no split variable
    choices: np.ndarray
    linking_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class DesignResult(SolveReport):
    """A solution of a :class:`DesignProblem` as plain arrays plus the solver's report."""

    share: np.ndarray | None = field(repr=False, default=None)  # path share or A x K
    unmet_share: np.ndarray | None = field(repr=False, default=None)
    units: np.ndarray | None = field(repr=False, default=None)
    class_flow: np.ndarray | None = field(repr=False, default=None)  # A x C
    loose_flow: np.ndarray | None = field(repr=False, default=None)  # A x C
    message: str = ""
    size: dict[str, int] = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        return self.share is not None


def _class_flow_terms(
    problem: DesignProblem, built_flow: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(arc, class, variable, coefficient) for every term of sum_k d_k lambda_ak."""
    com = problem.commodities
    if problem.paths is not None:
        pidx, aidx = problem.paths.incidence()
        k = problem.paths.commodity[pidx]
        return aidx, com.cls[k], built_flow[pidx], com.volume[k]
    a_count, k_count = built_flow.shape
    a_grid, k_grid = np.meshgrid(np.arange(a_count), np.arange(k_count), indexing="ij")
    aa, kk = a_grid.ravel(), k_grid.ravel()
    return aa, com.cls[kk], built_flow[aa, kk], com.volume[kk]


def build_model(problem: DesignProblem) -> BuiltModel:
    """Build the MILP of the module docstring."""
    arcs, com, paths = problem.arcs, problem.commodities, problem.paths
    a_count, c_count, k_count = arcs.count, arcs.classes, com.count
    model = MilpModel(name=problem.name)
    vol = com.volume

    # -- flow variables and constraint (1) -----------------------------------
    unmet_ub = np.where(np.isfinite(com.unmet_cost), 1.0, 0.0)
    unmet_cost = np.where(np.isfinite(com.unmet_cost), com.unmet_cost, 0.0) * vol
    if paths is not None:
        pidx, aidx = paths.incidence()
        k_of_use = paths.commodity[pidx]
        per_unit = paths.cost.copy()
        np.add.at(per_unit, pidx, arcs.flow_cost[aidx, com.cls[k_of_use]])
        flow = model.add_vars(
            paths.count,
            ub=1.0,
            cost=per_unit * vol[paths.commodity],
            integer=com.unsplittable,
            names=[f"share[{com.ids[k]}#{p}]" for p, k in enumerate(paths.commodity)],
        )
        unmet = model.add_vars(
            k_count, ub=unmet_ub, cost=unmet_cost, names=[f"unmet[{i}]" for i in com.ids]
        )
        model.add_rows(  # Constraint (1)
            k_count,
            rows=np.concatenate([paths.commodity, np.arange(k_count)]),
            cols=np.concatenate([flow, unmet]),
            vals=1.0,
            lb=1.0,
            ub=1.0,
            names=[f"demand[{i}]" for i in com.ids],
        )
    else:
        tail = np.asarray(arcs.tail, dtype=np.int64)
        head = np.asarray(arcs.head, dtype=np.int64)
        origin = np.asarray(com.origin, dtype=np.int64)
        dest = np.asarray(com.destination, dtype=np.int64)
        n_nodes = (
            int(
                max(
                    tail.max(initial=0),
                    head.max(initial=0),
                    origin.max(initial=0),
                    dest.max(initial=0),
                )
            )
            + 1
        )
        cost = arcs.flow_cost[:, com.cls] * vol[None, :]  # A x K
        # With no negative flow cost, flow into a commodity's origin or out of
        # its destination closes a cycle that can be cancelled at no loss (it
        # only frees capacity): those variables are fixed at 0.
        flow_ub = np.ones((a_count, k_count))
        if np.all(arcs.flow_cost >= 0):
            flow_ub[(head[:, None] == origin[None, :]) | (tail[:, None] == dest[None, :])] = 0.0
        flow = model.add_vars(
            a_count * k_count, ub=flow_ub.ravel(), cost=cost.ravel(), integer=com.unsplittable
        ).reshape(a_count, k_count)
        unmet = model.add_vars(k_count, ub=unmet_ub, cost=unmet_cost)
        # Constraint (1), arc form: out - in + [v = o] mu - [v = t] mu ... written as
        # out - in = (1 - mu) at o, -(1 - mu) at t, 0 elsewhere.
        kk = np.arange(k_count)
        row_of = lambda node, k: node * k_count + k  # noqa: E731
        rows = np.concatenate(
            [
                row_of(tail[:, None], kk[None, :]).ravel(),
                row_of(head[:, None], kk[None, :]).ravel(),
                row_of(origin, kk),
                row_of(dest, kk),
            ]
        )
        cols = np.concatenate([flow.ravel(), flow.ravel(), unmet, unmet])
        vals = np.concatenate(
            [
                np.ones(a_count * k_count),
                -np.ones(a_count * k_count),
                np.ones(k_count),
                -np.ones(k_count),
            ]
        )
        rhs = np.zeros(n_nodes * k_count)
        rhs[row_of(origin, kk)] += 1.0
        rhs[row_of(dest, kk)] -= 1.0
        model.add_rows(n_nodes * k_count, rows, cols, vals, lb=rhs, ub=rhs)

    # -- design variables ------------------------------------------------------
    design = arcs.is_design
    units = np.full(a_count, -1, dtype=np.int64)
    d_idx = np.flatnonzero(design)
    total_volume = float(vol.sum()) if k_count else 0.0
    cap = np.where(np.isfinite(arcs.unit_capacity), arcs.unit_capacity, max(total_volume, 1.0))
    units[d_idx] = model.add_vars(
        d_idx.size,
        lb=arcs.min_units[d_idx],
        ub=arcs.max_units[d_idx],
        cost=arcs.unit_cost[d_idx],
        integer=True,
        names=[f"units[{arcs.ids[a]}]" for a in d_idx],
    )

    # -- constraints (2)-(4): class flows, loose split, capacities ------------------
    t_arc, t_cls, t_var, t_coef = _class_flow_terms(problem, flow)
    loose_ok = arcs.accepts_loose & (design & ~arcs.provides_other)[:, None]
    used = np.zeros((a_count, c_count), dtype=bool)
    used[t_arc, t_cls] = True
    split = loose_ok & used
    inunits = np.full((a_count, c_count), -1, dtype=np.int64)
    loose = np.full((a_count, c_count), -1, dtype=np.int64)
    s_a, s_c = np.nonzero(split)
    if s_a.size:
        inunits[s_a, s_c] = model.add_vars(s_a.size)
        loose[s_a, s_c] = model.add_vars(s_a.size, cost=arcs.loose_cost[s_a, s_c])
        row_id = np.full((a_count, c_count), -1, dtype=np.int64)
        row_id[s_a, s_c] = np.arange(s_a.size)
        sel = split[t_arc, t_cls]
        rows = np.concatenate(
            [row_id[t_arc[sel], t_cls[sel]], np.arange(s_a.size), np.arange(s_a.size)]
        )
        cols = np.concatenate([t_var[sel], inunits[s_a, s_c], loose[s_a, s_c]])
        vals = np.concatenate([t_coef[sel], -np.ones(s_a.size), -np.ones(s_a.size)])
        model.add_rows(s_a.size, rows, cols, vals, lb=0.0, ub=0.0)  # Constraint (2)

    # Constraint (3): sum_c w * (flow in units) - sum_b U_b y_b <= 0 for each capacitated arc
    # (its own units, or the size tiers that provide its capacity).
    capped = arcs.capacitated
    f_idx = np.flatnonzero(capped)
    cap_row = np.full(a_count, -1, dtype=np.int64)
    cap_row[f_idx] = np.arange(f_idx.size)
    r_parts, c_parts, v_parts = [], [], []
    direct = capped[t_arc] & ~split[t_arc, t_cls]
    r_parts.append(cap_row[t_arc[direct]])
    c_parts.append(t_var[direct])
    v_parts.append(t_coef[direct] * arcs.usage[t_arc[direct], t_cls[direct]])
    if s_a.size:
        r_parts.append(cap_row[s_a])
        c_parts.append(inunits[s_a, s_c])
        v_parts.append(arcs.usage[s_a, s_c])
    r_parts.append(cap_row[arcs.capacity_for[d_idx]])
    c_parts.append(units[d_idx])
    v_parts.append(-cap[d_idx])
    model.add_rows(
        f_idx.size,
        np.concatenate(r_parts),
        np.concatenate(c_parts),
        np.concatenate(v_parts),
        ub=0.0,
        names=[f"capacity[{arcs.ids[a]}]" for a in f_idx],
    )

    # Constraint (4): loose cargo shares the service's capacity.
    lim = np.flatnonzero(split.any(axis=1) & np.isfinite(arcs.max_units))
    if lim.size:
        lrow = np.full(a_count, -1, dtype=np.int64)
        lrow[lim] = np.arange(lim.size)
        sel = split[t_arc, t_cls] & (lrow[t_arc] >= 0)
        model.add_rows(
            lim.size,
            lrow[t_arc[sel]],
            t_var[sel],
            t_coef[sel] * arcs.usage[t_arc[sel], t_cls[sel]],
            ub=cap[lim] * arcs.max_units[lim],
        )

    # Constraint (5): strong linking on capacitated arcs without a loose option.
    linking_rows = np.zeros(0, dtype=np.int64)
    if problem.strong_linking:
        if paths is not None:
            pidx, aidx = paths.incidence()
            k_use = paths.commodity[pidx]
            ok = capped[aidx] & ~loose_ok[aidx, com.cls[k_use]]
            pidx, aidx, k_use = pidx[ok], aidx[ok], k_use[ok]
            pair = aidx * k_count + k_use
            uniq, inv = np.unique(pair, return_inverse=True)
            ua, uk = uniq // k_count, uniq % k_count
        else:
            a_grid, k_grid = np.meshgrid(np.arange(a_count), np.arange(k_count), indexing="ij")
            ok = capped[a_grid] & ~loose_ok[a_grid, com.cls[k_grid]]
            ua, uk = a_grid[ok], k_grid[ok]
            uniq = ua * k_count + uk
            inv = np.arange(ua.size)
        if ua.size:
            if paths is not None:
                lhs_rows, lhs_cols = inv, flow[pidx]
            else:
                lhs_rows, lhs_cols = inv, flow[ua, uk]
            # every provider b of a pair's arc (CSR by the arc it serves), with its coefficient
            order = d_idx[np.argsort(arcs.capacity_for[d_idx], kind="stable")]
            start = np.searchsorted(arcs.capacity_for[order], np.arange(a_count + 1))
            counts = start[ua + 1] - start[ua]
            p_row = np.repeat(np.arange(ua.size), counts)
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            p_arc = order[np.repeat(start[ua], counts) + offsets]
            p_k = np.repeat(uk, counts)
            need = vol[p_k] * arcs.usage[ua[p_row], com.cls[p_k]]
            binary_like = arcs.max_units[p_arc] <= 1
            coef = np.where(
                binary_like & (need > 0),
                np.minimum(1.0, cap[p_arc] / np.where(need > 0, need, 1.0)),
                1.0,
            )
            linking_rows = model.add_rows(
                ua.size,
                np.concatenate([lhs_rows, p_row]),
                np.concatenate([lhs_cols, units[p_arc]]),
                np.concatenate([np.ones(lhs_rows.size), -coef]),
                ub=0.0,
            )

    # Constraint (6): design constraints.
    for con in problem.constraints:
        a = np.asarray(con.arcs, dtype=np.int64)
        if np.any(units[a] < 0):
            msg = f"design constraint {con.name!r} names an arc without units"
            raise ValueError(msg)
        model.add_rows(
            1,
            np.zeros(a.size, dtype=np.int64),
            units[a],
            np.asarray(con.coef, dtype=float),
            lb=con.lo,
            ub=con.hi,
            names=[con.name],
        )

    # Constraint (7): single-sourcing choices.
    choices = np.zeros(0, dtype=np.int64)
    if paths is not None and problem.choice_group is not None and paths.choice.max(initial=-1) >= 0:
        group = np.asarray(problem.choice_group, dtype=np.int64)
        choices = model.add_vars(group.size, ub=1.0, integer=True)
        n_groups = int(group.max()) + 1
        model.add_rows(
            n_groups, group, choices, 1.0, lb=1.0 if problem.choice_exact else -INF, ub=1.0
        )
        has = np.flatnonzero(paths.choice >= 0)
        model.add_rows(
            has.size,
            np.concatenate([np.arange(has.size), np.arange(has.size)]),
            np.concatenate([flow[has], choices[paths.choice[has]]]),
            np.concatenate([np.ones(has.size), -np.ones(has.size)]),
            ub=0.0,
        )

    return BuiltModel(
        model=model,
        flow=flow,
        unmet=unmet,
        units=units,
        inunits=inunits,
        loose=loose,
        choices=choices,
        linking_rows=linking_rows,
    )


def extract(problem: DesignProblem, built: BuiltModel, result: SolverResult) -> DesignResult:
    """Turn solver values into a :class:`DesignResult`."""
    report = DesignResult(
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=result.seconds,
        solver=result.solver,
        message=result.message,
        size=built.model.size(),
    )
    if result.values is None:
        return report
    x = result.values
    share = np.clip(x[built.flow], 0.0, 1.0)
    unmet = np.clip(x[built.unmet], 0.0, 1.0)
    units = np.where(built.units >= 0, np.round(x[np.maximum(built.units, 0)]), 0.0)
    a_count, c_count = problem.arcs.count, problem.arcs.classes
    t_arc, t_cls, t_var, t_coef = _class_flow_terms(problem, built.flow)
    class_flow = np.zeros((a_count, c_count))
    np.add.at(class_flow, (t_arc, t_cls), t_coef * np.clip(x[t_var], 0.0, 1.0))
    loose = np.where(built.loose >= 0, np.maximum(x[np.maximum(built.loose, 0)], 0.0), 0.0)
    return replace(
        report,
        share=share,
        unmet_share=unmet,
        units=units,
        class_flow=class_flow,
        loose_flow=loose,
    )


def objective_of(problem: DesignProblem, result: DesignResult) -> float:
    """The objective of a path-form solution recomputed from its arrays: fixed costs of the
    units, flow and path costs, loose cargo and unmet demand."""
    arcs, com, paths = problem.arcs, problem.commodities, problem.paths
    assert paths is not None and result.share is not None and result.units is not None
    assert result.unmet_share is not None and result.loose_flow is not None
    pidx, aidx = paths.incidence()
    per_unit = paths.cost.copy()
    np.add.at(per_unit, pidx, arcs.flow_cost[aidx, com.cls[paths.commodity[pidx]]])
    flow = float((per_unit * com.volume[paths.commodity] * result.share).sum())
    fixed = float((arcs.unit_cost * result.units).sum())
    finite = np.isfinite(com.unmet_cost)
    unmet = float((np.where(finite, com.unmet_cost, 0.0) * com.volume * result.unmet_share).sum())
    lc = np.where(np.isfinite(arcs.loose_cost), arcs.loose_cost, 0.0)
    loose = float((lc * result.loose_flow).sum())
    return fixed + flow + unmet + loose


def solve_design(
    problem: DesignProblem,
    options: SolveOptions | None = None,
    *,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    started: float | None = None,
) -> DesignResult:
    """Build, solve and extract in one call (seconds and time limit include building).

    ``start`` is a starting solution ``(path shares, units per arc)``,
    completed by :func:`start_point` and handed to the backend as a MIP
    start (a backend drops a start that is not feasible). ``started`` is
    when the caller's clock began (for a caller that did work of its own
    before).
    """
    started = time.perf_counter() if started is None else started
    built = build_model(problem)
    if problem.separate_linking and built.linking_rows.size:
        built = _separate_linking(built, options or SolveOptions(), started)
    hint = None
    if start is not None and problem.paths is not None:
        hint = start_point(problem, built, start[0], start[1])
    result = solve_milp(
        built.model,
        options,
        hint=hint,
        started=started,
    )
    return extract(problem, built, result)


def start_point(
    problem: DesignProblem,
    built: BuiltModel,
    share: np.ndarray,
    units: np.ndarray,
    loose: np.ndarray | None = None,
) -> np.ndarray:
    """A full MIP start from path shares and units per arc, repaired to be feasible.

    Path form only. Each demand's unmet share takes what its paths leave
    (paths scaled down where they sum above 1); on arcs with a loose option
    the loose part keeps at most ``loose`` (A x C, t/week) and the rest
    travels in units; units are clipped to their bounds and raised to carry
    the flow (a size tier chosen, the smallest that fits, where none is);
    design rows with a lower bound get their cheapest arcs opened; choices
    follow the flows. A start may still break a row no such repair fixes (a
    forced-open tier over a count limit, unmet demand that must be served):
    the backend then drops it.
    """
    paths, arcs, com = problem.paths, problem.arcs, problem.commodities
    if paths is None:
        msg = "start_point needs a path-form problem"
        raise ValueError(msg)
    x = np.zeros(built.model.num_vars)
    sh = np.clip(np.asarray(share, dtype=float), 0.0, 1.0)
    total = np.bincount(paths.commodity, weights=sh, minlength=com.count)
    sh = sh / np.where(total > 1.0, total, 1.0)[paths.commodity]
    x[built.flow] = sh
    x[built.unmet] = np.clip(1.0 - np.minimum(total, 1.0), 0.0, 1.0)

    t_arc, t_cls, t_var, t_coef = _class_flow_terms(problem, built.flow)
    class_flow = np.zeros((arcs.count, arcs.classes))
    np.add.at(class_flow, (t_arc, t_cls), t_coef * x[t_var])
    split = built.inunits >= 0
    kept = np.zeros_like(class_flow) if loose is None else np.asarray(loose, dtype=float)
    kept = np.where(split, np.clip(kept, 0.0, class_flow), 0.0)
    x[built.loose[split]] = kept[split]
    x[built.inunits[split]] = (class_flow - kept)[split]

    design = built.units >= 0
    y = np.where(design, np.round(np.asarray(units, dtype=float)), 0.0)
    y = np.clip(y, arcs.min_units, np.where(design, arcs.max_units, 0.0))
    load = (arcs.usage * (class_flow - kept)).sum(axis=1)
    cap = np.where(np.isfinite(arcs.unit_capacity), arcs.unit_capacity, np.inf)
    d_idx = np.flatnonzero(design)
    for a in np.flatnonzero(arcs.capacitated & (load > 1e-9)):
        providers = d_idx[arcs.capacity_for[d_idx] == a]
        provided = float((cap[providers] * y[providers]).sum())
        if provided >= load[a] * (1 - 1e-9):
            continue
        if providers.size == 1 and providers[0] == a:
            need = math.ceil(load[a] / cap[a] - 1e-9) if math.isfinite(cap[a]) else 1
            y[a] = min(arcs.max_units[a], max(y[a], need))
        elif not (y[providers] > 0).any():
            fits = [b for b in providers if cap[b] >= load[a] and arcs.max_units[b] >= 1]
            if fits:
                y[min(fits, key=lambda b: (arcs.unit_cost[b], b))] = 1.0
    for con in problem.constraints:
        arcs_c = np.asarray(con.arcs, dtype=np.int64)
        coef = np.asarray(con.coef, dtype=float)
        for j in sorted(range(arcs_c.size), key=lambda i: (arcs.unit_cost[arcs_c[i]], i)):
            if float(coef @ y[arcs_c]) >= con.lo - 1e-9:
                break
            a = arcs_c[j]
            if coef[j] > 0 and y[a] < arcs.max_units[a]:
                y[a] += 1.0
    x[built.units[design]] = y[design]
    if built.choices.size and paths.choice.size:
        used = paths.choice[(paths.choice >= 0) & (sh > 1e-12)]
        x[built.choices[np.unique(used)]] = 1.0
    return x


def _separate_linking(
    built: BuiltModel, options: SolveOptions, started: float, rounds: int = 50
) -> BuiltModel:
    """Keep only the strong-linking rows that the LP relaxation violates.

    Start from the model without (5); solve its LP, add the rows of (5) it
    violates, and repeat until none is violated (the LP bound is then that of
    the full model) or ``rounds`` LPs. The rows left out are implied by (3)
    for integer units, so the smaller model has the same integer solutions.
    """
    model = built.model
    linking = built.linking_rows
    rows, cols, vals = model.coo()
    is_link = np.zeros(model.num_rows, dtype=bool)
    is_link[linking] = True
    local = np.full(model.num_rows, -1, dtype=np.int64)
    local[linking] = np.arange(linking.size)
    sel = is_link[rows]
    l_rows, l_cols, l_vals = local[rows[sel]], cols[sel], vals[sel]
    upper = model.row_ub[linking]
    kept = np.zeros(linking.size, dtype=bool)
    others = np.flatnonzero(~is_link)
    for _ in range(rounds):
        if options.time_limit_s - (time.perf_counter() - started) < 1.0:
            break
        relaxed = model.with_rows(np.sort(np.r_[others, linking[kept]]), relax=True)
        lp = solve_milp(relaxed, options, started=started)
        if lp.values is None:
            break  # (an infeasible LP: the full solve reports it)
        activity = np.bincount(l_rows, weights=l_vals * lp.values[l_cols], minlength=linking.size)
        violated = (activity > upper + 1e-6) & ~kept
        if not violated.any():
            break
        kept |= violated
    smaller = model.with_rows(np.sort(np.r_[others, linking[kept]]))
    return replace(built, model=smaller, linking_rows=np.zeros(0, dtype=np.int64))
