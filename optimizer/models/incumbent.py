"""A solution carried from one solve to a related one, as a MIP start.

An :class:`Incumbent` names what a solution did in terms that survive a
change of the problem: each route by its demand, services, warehouse,
channel and operating model; each arc's units by the arc's id (services,
``WH:<site>`` and ``WH:<site>:<tier>``). It comes from a solve in memory
(:meth:`Incumbent.from_solve`) or from the files of a result folder
(:meth:`Incumbent.from_solution`: ``routes.csv``, ``lanes.csv`` and
``warehouses.csv``), so a scenario variant, an ``explain`` re-solve or a sweep
run can start from its baseline without solving it again.

:func:`carried_over` maps it onto another problem; what that problem lacks is
dropped (the demand then starts unmet) and what it adds starts at zero;
:func:`optimizer.engine.core.start_point` then repairs the start (units
raised to carry the flow, forced tiers opened).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from optimizer.engine.core import DesignResult
from optimizer.models.routes import Route
from optimizer.models.warehouses import SITE_TIER


class RoutedProblem(Protocol):
    """What a problem must name for a solution to be carried onto it (a DomainProblem)."""

    @property
    def routes(self) -> tuple[Route, ...]: ...

    @property
    def arc_ids(self) -> tuple[str, ...]: ...

    @property
    def classes(self) -> tuple[str, ...]: ...


class ResultFiles(Protocol):
    """What a result folder's solution holds (a :class:`~optimizer.results.solution.Solution`)."""

    @property
    def objective(self) -> float | None: ...

    @property
    def kpis(self) -> dict[str, object]: ...

    @property
    def routes(self) -> pd.DataFrame: ...

    @property
    def lanes(self) -> pd.DataFrame: ...

    @property
    def warehouses(self) -> pd.DataFrame: ...

    @property
    def flows(self) -> pd.DataFrame: ...


RouteKey = tuple[str, tuple[str, ...], str, str, str]


def route_key(route: Route) -> RouteKey:
    """How a route is recognised across problems."""
    return (route.demand, route.services, route.warehouse or "", route.channel, route.operating)


@dataclass(frozen=True)
class Incumbent:
    """A solution in problem-independent terms (see the module docstring)."""

    shares: dict[RouteKey, float]
    units: dict[str, float]
    loose: dict[tuple[str, str], float] = field(default_factory=dict)  # t/week by (arc, product)
    objective: float | None = None

    @classmethod
    def from_solve(cls, problem: RoutedProblem, res: DesignResult) -> Incumbent | None:
        """The solution of a solve in memory (``None`` without one)."""
        if res.share is None or res.units is None or res.loose_flow is None:
            return None
        shares = {
            route_key(r): float(res.share[p])
            for p, r in enumerate(problem.routes)
            if res.share[p] > 1e-12
        }
        units = {a: float(res.units[i]) for i, a in enumerate(problem.arc_ids) if res.units[i]}
        rows, cols = np.nonzero(res.loose_flow > 1e-12)
        loose = {
            (problem.arc_ids[a], problem.classes[c]): float(res.loose_flow[a, c])
            for a, c in zip(rows, cols, strict=True)
        }
        return cls(shares=shares, units=units, loose=loose, objective=res.objective)

    @classmethod
    def from_solution(cls, solution: ResultFiles) -> Incumbent | None:
        """The solution of a result folder's files (``None`` when it has none).

        A lane's loose tonnes are not split by product in the files; they are
        shared among its products in proportion to their tonnes on the lane
        (feasible; the solver re-balances).
        """
        routes = solution.routes
        if solution.objective is None or routes.empty:
            return None
        shares: dict[RouteKey, float] = {}
        columns = ("demand_id", "services", "warehouse", "customs_mode", "operating_model")
        share_of = routes["share"].to_numpy(dtype=float)
        for i, (did, services, wh_id, mode, operating) in enumerate(
            zip(*(routes[c] for c in columns), strict=True)
        ):
            key: RouteKey = (
                str(did),
                tuple(str(services).split(";")),
                _text(wh_id),
                _text(mode),
                _text(operating),
            )
            shares[key] = shares.get(key, 0.0) + float(share_of[i])
        lanes = solution.lanes
        units: dict[str, float] = {
            str(sid): float(n)
            for sid, n in zip(lanes["service_id"], lanes["units"], strict=True)
            if float(n) > 0
        }
        loose = _loose_by_product(solution)
        wh = solution.warehouses
        tiers = wh["tier"] if "tier" in wh else pd.Series("", index=wh.index)
        for site, tier_value in zip(wh["warehouse_id"], tiers, strict=True):
            tier = _text(tier_value)
            if tier:
                units[f"WH:{site}" if tier == SITE_TIER else f"WH:{site}:{tier}"] = 1.0
        return cls(shares=shares, units=units, loose=loose, objective=solution.objective)


def _loose_by_product(solution: ResultFiles) -> dict[tuple[str, str], float]:
    """Loose t/week by (service, product): each lane's loose tonnes shared by product tonnes."""
    lanes, flows = solution.lanes, solution.flows
    if lanes.empty or flows.empty or "loose_tonnes" not in lanes:
        return {}
    weeks_value = solution.kpis.get("weeks_per_year")
    weeks = float(weeks_value) if isinstance(weeks_value, int | float) and weeks_value else 52.0
    loose_t = dict(zip(lanes["service_id"].astype(str), lanes["loose_tonnes"], strict=True))
    per = (
        flows.assign(sid=flows["service_id"].astype(str), product=flows["product"].astype(str))
        .groupby(["sid", "product"], as_index=False)["tonnes"]
        .sum()
    )
    lane_total = per.groupby("sid")["tonnes"].sum().to_dict()
    out: dict[tuple[str, str], float] = {}
    for sid, product, t in zip(per["sid"], per["product"], per["tonnes"], strict=True):
        lt = float(loose_t.get(sid, 0.0) or 0.0)
        if lt > 0 and float(lane_total[sid]) > 0:
            out[(str(sid), str(product))] = lt * float(t) / float(lane_total[sid]) / float(weeks)
    return out


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def carried_over(
    problem: RoutedProblem, incumbent: Incumbent
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The incumbent in this problem's terms: (path shares, units per arc, loose t/week A x C)."""
    share = np.array([incumbent.shares.get(route_key(r), 0.0) for r in problem.routes])
    units = np.array([incumbent.units.get(a, 0.0) for a in problem.arc_ids])
    loose = np.zeros((len(problem.arc_ids), len(problem.classes)))
    if incumbent.loose:
        arc_of = {a: i for i, a in enumerate(problem.arc_ids)}
        cls_of = {c: i for i, c in enumerate(problem.classes)}
        for (a, c), v in incumbent.loose.items():
            if a in arc_of and c in cls_of:
                loose[arc_of[a], cls_of[c]] = v
    return share, units, loose
