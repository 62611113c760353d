"""Solve public benchmark instances and check every solution (``corridor bench``).

``corridor bench cflp FILE...`` reads OR-Library ``cap`` files and solves
capacitated facility location (multi- or single-source);
``corridor bench mcnd FILE...`` reads Canad ``.dow`` files and solves
fixed-charge multicommodity network design. Both go through the same core
as ``corridor solve`` (:mod:`optimizer.models.cflp`, :mod:`optimizer.models.mcnd` ->
:mod:`optimizer.engine.core`).

Every returned solution is verified by an independent checker written here
in plain numpy on the instance's original arrays (not on the model the core
built): the objective is recomputed from the returned flows, and demand,
capacities and the open/flow linking are checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.bench.instances import CapInstance, DowInstance
from optimizer.engine.solver import SolveOptions
from optimizer.models.cflp import solve_facility_location
from optimizer.models.mcnd import solve_network_design

# Feasibility tolerance of the checker, relative to the size of each quantity.
CHECK_TOLERANCE = 1e-6
# Backends that cannot represent continuous variables (MathOpt's CP-SAT rounds them).
CONTINUOUS_UNSUPPORTED = frozenset({"cpsat"})


@dataclass(frozen=True)
class CheckReport:
    """What the independent checker found.

    Attributes
    ----------
    objective
        Objective recomputed from the solution on the original arrays.
    problems
        One sentence per violated condition (empty when feasible).
    """

    objective: float
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the solution is feasible."""
        return not self.problems


def check_facility_location(
    instance: CapInstance,
    assignment: np.ndarray,
    open_facilities: np.ndarray,
    *,
    single_source: bool = False,
    tolerance: float = CHECK_TOLERANCE,
) -> CheckReport:
    """Check a facility location solution on the instance arrays.

    Parameters
    ----------
    instance
        The instance as read.
    assignment
        ``m x n`` share of each customer's demand served by each facility.
    open_facilities
        Indices of the open facilities.
    single_source
        Require every share to be 0 or 1.
    tolerance
        Relative tolerance.

    Returns
    -------
    CheckReport
        ``objective = sum f_i y_i + sum c_ij x_ij`` and the violations.
    """
    x = np.asarray(assignment, dtype=float)
    m, n = instance.warehouses, instance.customers
    problems: list[str] = []
    if x.shape != (m, n):
        return CheckReport(float("nan"), (f"assignment has shape {x.shape}, expected {(m, n)}",))
    y = np.zeros(m)
    y[np.asarray(open_facilities, dtype=np.int64)] = 1.0
    objective = float(instance.fixed_cost @ y + np.sum(instance.assignment_cost * x))
    if np.any(x < -tolerance):
        problems.append(f"negative share {x.min():g}")
    served = x.sum(axis=0)
    bad = np.flatnonzero(np.abs(served - 1.0) > tolerance)
    if bad.size:
        j = int(bad[0])
        problems.append(
            f"demand: customer {j + 1} is served {served[j]:.6g} of its demand "
            f"({bad.size} customer(s) wrong)"
        )
    load = x @ instance.demand
    over = load - instance.capacity * y
    bad = np.flatnonzero(over > tolerance * np.maximum(1.0, instance.capacity))
    if bad.size:
        i = int(bad[0])
        problems.append(
            f"capacity: facility {i + 1} serves {load[i]:.6g} > {instance.capacity[i] * y[i]:g}"
        )
    closed_use = (x > tolerance) & (y[:, None] < 0.5)
    if closed_use.any():
        i, j = np.argwhere(closed_use)[0]
        problems.append(f"linking: customer {j + 1} is served by closed facility {i + 1}")
    if single_source:
        frac = np.minimum(x, 1.0 - x) > tolerance
        if frac.any():
            i, j = np.argwhere(frac)[0]
            problems.append(
                f"single source: customer {j + 1} gets share {x[i, j]:.6g} from facility {i + 1}"
            )
    return CheckReport(objective, tuple(problems))


def check_network_design(
    instance: DowInstance,
    flow: np.ndarray,
    open_arcs: np.ndarray,
    *,
    tolerance: float = CHECK_TOLERANCE,
) -> CheckReport:
    """Check a network design solution on the instance arrays.

    Parameters
    ----------
    instance
        The instance as read.
    flow
        ``A x K`` flow of each commodity on each arc (volume units).
    open_arcs
        Indices of the open arcs.
    tolerance
        Relative tolerance.

    Returns
    -------
    CheckReport
        ``objective = sum f_a y_a + sum c_a x_ak`` and the violations.
    """
    x = np.asarray(flow, dtype=float)
    a_count, k_count = instance.arcs, instance.commodities
    if x.shape != (a_count, k_count):
        return CheckReport(
            float("nan"), (f"flow has shape {x.shape}, expected {(a_count, k_count)}",)
        )
    problems: list[str] = []
    y = np.zeros(a_count)
    y[np.asarray(open_arcs, dtype=np.int64)] = 1.0
    objective = float(instance.fixed_cost @ y + instance.flow_cost @ x.sum(axis=1))
    scale = np.maximum(1.0, instance.volume)
    if np.any(x < -tolerance * scale[None, :]):
        problems.append(f"negative flow {x.min():g}")
    balance = np.zeros((instance.nodes, k_count))
    np.add.at(balance, instance.tail, x)
    np.add.at(balance, instance.head, -x)
    required = np.zeros((instance.nodes, k_count))
    kk = np.arange(k_count)
    np.add.at(required, (instance.origin, kk), instance.volume)
    np.add.at(required, (instance.destination, kk), -instance.volume)
    bad = np.abs(balance - required) > tolerance * scale[None, :] * 10
    if bad.any():
        v, k = np.argwhere(bad)[0]
        problems.append(
            f"conservation: commodity {k + 1} at node {v + 1} has net outflow "
            f"{balance[v, k]:.6g}, expected {required[v, k]:g}"
        )
    load = x.sum(axis=1)
    over = load - instance.capacity * y
    bad_arcs = np.flatnonzero(over > tolerance * np.maximum(1.0, instance.capacity))
    if bad_arcs.size:
        a = int(bad_arcs[0])
        problems.append(
            f"capacity: arc {a + 1} carries {load[a]:.6g} > {instance.capacity[a] * y[a]:g}"
        )
    closed_use = (x > tolerance * scale[None, :]) & (y[:, None] < 0.5)
    if closed_use.any():
        a, k = np.argwhere(closed_use)[0]
        problems.append(f"linking: commodity {k + 1} uses closed arc {a + 1}")
    return CheckReport(objective, tuple(problems))


def _not_applicable(instance: str, file: Path, kind: str, solver: str) -> dict[str, Any]:
    return {
        "instance": instance,
        "file": str(file),
        "problem": kind,
        "solver": solver,
        "status": "not_applicable",
        "objective": None,
        "bound": None,
        "gap": None,
        "seconds": 0.0,
        "open": [],
        "open_count": 0,
        "check": None,
        "checked_objective": None,
        "message": "CP-SAT handles integer variables only; this model has continuous flows "
        "(CP-SAT would round them: use highs or scip)",
    }


def _row(
    instance: str, file: Path, kind: str, result: Any, opened: np.ndarray, check: CheckReport | None
) -> dict[str, Any]:
    return {
        "instance": instance,
        "file": str(file),
        "problem": kind,
        "solver": result.solver,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": round(float(result.seconds), 3),
        "open": [int(i) + 1 for i in opened],
        "open_count": len(opened),
        "check": None if check is None else ("ok" if check.ok else "; ".join(check.problems)),
        "checked_objective": None if check is None else check.objective,
        "message": result.message,
    }


def run_cflp(
    instance: CapInstance,
    file: Path,
    *,
    single_source: bool,
    options: SolveOptions,
) -> dict[str, Any]:
    """Solve one facility location instance and check the solution; return a report row.

    Progress lines of long solves go to the engine's ``logging`` loggers.
    """
    kind = "cflp-single" if single_source else "cflp-multi"
    if options.solver in CONTINUOUS_UNSUPPORTED and not single_source:
        return _not_applicable(instance.name, file, kind, options.solver)
    result = solve_facility_location(
        instance.fixed_cost,
        instance.capacity,
        instance.demand,
        instance.assignment_cost,
        single_source=single_source,
        options=options,
        name=instance.name,
    )
    check = None
    if result.has_solution:
        assert result.assignment is not None
        check = check_facility_location(
            instance, result.assignment, result.open_facilities, single_source=single_source
        )
    return _row(instance.name, file, kind, result, result.open_facilities, check)


def run_mcnd(
    instance: DowInstance,
    file: Path,
    *,
    options: SolveOptions,
) -> dict[str, Any]:
    """Solve one network design instance and check the solution; return a report row.

    Progress lines of long solves go to the engine's ``logging`` loggers.
    """
    if options.solver in CONTINUOUS_UNSUPPORTED:
        return _not_applicable(instance.name, file, "mcnd", options.solver)
    result = solve_network_design(
        instance.tail,
        instance.head,
        instance.flow_cost,
        instance.capacity,
        instance.fixed_cost,
        instance.origin,
        instance.destination,
        instance.volume,
        options=options,
        name=instance.name,
    )
    check = None
    if result.has_solution:
        assert result.flow is not None
        check = check_network_design(instance, result.flow, result.open_arcs)
    return _row(instance.name, file, "mcnd", result, result.open_arcs, check)
