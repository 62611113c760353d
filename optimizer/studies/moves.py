"""Differences between two solves that a planner can trust.

Two answers of a MILP solved to a gap differ by up to the sum of their gaps
even when nothing changed, and freight can move between routes of equal cost
for no reason at all. This module says which part of a difference is an
effect:

* :func:`tolerance` is the combined solver tolerance of two solves (the sum of
  each one's objective minus its bound, as reported), and :func:`verdict`
  calls a difference within it "within solver tolerance";
* :func:`changed_services` lists the services a scenario changes against
  another (closed, opened, or a rate, time, frequency, capacity or border
  fee that differs; every service when the carbon price differs);
* :func:`moved_flows` classifies every demand whose routing differs: moved
  by the change (its old or new route uses a changed service, or the demand
  itself changed), by a warehouse opened or closed, by consolidation (it
  shares a container lane with freight the change moved), or only among
  equal-cost ties (nothing on its routes changed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np
import pandas as pd

#: What a trustworthy difference is called when it is smaller than the solvers' tolerance.
WITHIN = "within solver tolerance"

#: Service fields whose change changes what a route costs or whether it can be used.
SERVICE_FIELDS = (
    "rate_cny",
    "lcl_rate_cny",
    "leg_h",
    "wait_h",
    "departures_per_week",
    "units_per_departure",
    "via_fee_cny_per_t",
    "co2_g_per_tkm",
)

MOVE_COLUMNS = [
    "demand_id",
    "tonnes_moved",
    "reason",
    "from_routes",
    "to_routes",
    "changed_services",
]


class Laned(Protocol):
    """A solution with its lanes table (a :class:`~optimizer.results.solution.Solution`)."""

    @property
    def lanes(self) -> pd.DataFrame: ...


def lanes_with_other_boxes(a: Laned, b: Laned) -> set[str]:
    """Container lanes whose number of boxes differs between two solutions."""

    def units(sol: Laned) -> dict[str, float]:
        lanes = sol.lanes
        if not len(lanes):
            return {}
        u = lanes["units"].fillna(0.0).astype(float)
        return dict(zip(lanes["service_id"].astype(str), u, strict=True))

    ua, ub = units(a), units(b)
    return {s for s in set(ua) | set(ub) if abs(ua.get(s, 0.0) - ub.get(s, 0.0)) > 1e-9}


class Solved(Protocol):
    """What a solve reports (a :class:`~optimizer.results.solution.Solution`)."""

    @property
    def objective(self) -> float | None: ...

    @property
    def bound(self) -> float | None: ...


def slack(solved: Solved) -> float:
    """How far a solve's objective may be from its optimum (objective - bound; inf: unknown)."""
    return slack_of(solved.objective, solved.bound)


def slack_of(objective: float | None, bound: float | None) -> float:
    """``objective - bound`` (at least 0); inf when either is missing (None or NaN)."""
    if objective is None or bound is None or math.isnan(objective) or math.isnan(bound):
        return math.inf
    return max(0.0, float(objective) - float(bound))


def tolerance(a: Solved, b: Solved) -> float:
    """The combined solver tolerance of two solves (CNY)."""
    return slack(a) + slack(b)


def verdict(difference: float, tol: float) -> str:
    """``within solver tolerance``, ``higher`` or ``lower``."""
    if not math.isfinite(difference):
        return "unknown"
    if abs(difference) <= tol:
        return WITHIN
    return "higher" if difference > 0 else "lower"


def changed_services(
    before: pd.DataFrame, after: pd.DataFrame, *, carbon_changed: bool = False
) -> set[str]:
    """Services that differ between two service tables (``Network.service_table``)."""
    ids_before, ids_after = set(before.index), set(after.index)
    out = {str(s) for s in ids_before ^ ids_after}
    common = sorted(ids_before & ids_after)
    if carbon_changed:
        return out | {str(s) for s in common}
    for col in SERVICE_FIELDS:
        if col not in before or col not in after:
            continue
        a = pd.to_numeric(before.loc[common, col], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(after.loc[common, col], errors="coerce").to_numpy(dtype=float)
        differ = ~(np.isclose(a, b, rtol=1e-9, atol=1e-9) | (np.isnan(a) & np.isnan(b)))
        out |= {str(s) for s, d in zip(common, differ, strict=True) if d}
    return out


def changed_demand(before: pd.DataFrame, after: pd.DataFrame) -> set[str]:
    """Demand rows added, removed or changed (tonnes, promise, customs modes)."""
    ids_before, ids_after = set(before.index), set(after.index)
    out = {str(d) for d in ids_before ^ ids_after}
    for did in ids_before & ids_after:
        a, b = before.loc[did], after.loc[did]
        if (
            not math.isclose(float(a["tonnes_per_year"]), float(b["tonnes_per_year"]))
            or not math.isclose(float(a["required_days"]), float(b["required_days"]))
            or str(a["customs_mode"]) != str(b["customs_mode"])
        ):
            out.add(str(did))
    return out


def _routing(routes: pd.DataFrame) -> dict[str, dict[tuple[str, str], float]]:
    """Tonnes by demand and (services, warehouse)."""
    out: dict[str, dict[tuple[str, str], float]] = {}
    if routes.empty:
        return out
    wh = routes["warehouse"].astype(object).where(routes["warehouse"].notna(), "").astype(str)
    for did, services, w, t in zip(
        routes["demand_id"].astype(str),
        routes["services"].astype(str),
        wh,
        routes["tonnes"].astype(float),
        strict=True,
    ):
        key = (services, w)
        per = out.setdefault(did, {})
        per[key] = per.get(key, 0.0) + float(t)
    return out


def _services(keys: Iterable[tuple[str, str]]) -> set[str]:
    return {s for services, _w in keys for s in services.split(";") if s}


def moved_flows(
    before: pd.DataFrame,
    after: pd.DataFrame,
    changed: set[str],
    *,
    demand_changed: set[str] | None = None,
    warehouses_changed: set[str] | None = None,
    container_lanes: set[str] | None = None,
    min_tonnes: float = 1e-3,
) -> pd.DataFrame:
    """One row per demand whose routing differs between two ``routes.csv`` tables.

    ``changed``: the services the change touches (:func:`changed_services`);
    ``warehouses_changed``: sites opened or closed between the two;
    ``container_lanes``: container lanes whose number of boxes differs between
    the two solutions (where one demand's move changes what another's share
    of a box costs). ``tonnes_moved`` is half the sum of
    the absolute tonnage differences over the demand's routes.
    """
    demand_changed = demand_changed or set()
    warehouses_changed = warehouses_changed or set()
    container_lanes = container_lanes or set()
    a, b = _routing(before), _routing(after)
    rows: list[dict[str, Any]] = []
    for did in sorted(set(a) | set(b)):
        ra, rb = a.get(did, {}), b.get(did, {})
        keys = set(ra) | set(rb)
        moved = 0.5 * sum(abs(ra.get(k, 0.0) - rb.get(k, 0.0)) for k in keys)
        if moved <= min_tonnes:
            continue
        left = {k for k in keys if ra.get(k, 0.0) > rb.get(k, 0.0) + min_tonnes}
        joined = {k for k in keys if rb.get(k, 0.0) > ra.get(k, 0.0) + min_tonnes}
        # the services the demand left or joined (not those on both its old and new routes)
        differ = _services(left) ^ _services(joined)
        touched = (_services(left) | _services(joined)) & changed
        rows.append(
            {
                "demand_id": did,
                "tonnes_moved": moved,
                "reason": "",
                "from_routes": " | ".join(sorted(k[0] for k in left)),
                "to_routes": " | ".join(sorted(k[0] for k in joined)),
                "changed_services": ";".join(sorted(touched)),
                "_services": differ,
                "_warehouses": {k[1] for k in left | joined if k[1]},
            }
        )
    moved_by_change: set[str] = set()
    for row in rows:
        if row["demand_id"] in demand_changed:
            row["reason"] = "the demand changed"
        elif row["changed_services"]:
            row["reason"] = "its route uses a changed service"
        elif row["_warehouses"] & warehouses_changed:
            row["reason"] = "a warehouse opened or closed"
        if row["reason"]:
            moved_by_change |= row["_services"] & container_lanes
    for row in rows:
        if row["reason"]:
            continue
        if row["_services"] & moved_by_change:
            row["reason"] = "consolidation: shares a lane whose boxes the change altered"
        else:
            row["reason"] = "equal-cost tie (nothing on its routes changed)"
    frame = pd.DataFrame(rows, columns=[*MOVE_COLUMNS, "_services", "_warehouses"])
    return frame[MOVE_COLUMNS].sort_values(
        ["tonnes_moved", "demand_id"], ascending=[False, True], ignore_index=True
    )


def is_tie(reason: str) -> bool:
    """Whether a :func:`moved_flows` reason means the flow moved among equal-cost ties only."""
    return reason.startswith("equal-cost tie")
