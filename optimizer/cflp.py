r"""Capacitated facility location from arrays, solved by the generic core.

The layered constructor under the siting model (as spopt's
``from_cost_matrix`` under ``from_geodataframe``): the OR-Library ``cap``
benchmarks and the domain model share :mod:`optimizer.core`, so what the
benchmarks prove is what ``corridor solve`` runs.

Model (multi-source; single-source makes :math:`x` binary)
    .. math::
        \min \sum_i f_i y_i + \sum_i \sum_j c_{ij} x_{ij}

    (1) :math:`\sum_i x_{ij} = 1` for every customer :math:`j`;
    (2) :math:`\sum_j d_j x_{ij} \le s_i y_i` for every facility :math:`i`;
    (3) :math:`x_{ij} \le \min(1, s_i / d_j)\, y_i` (strong linking);
    (4) :math:`\sum_i s_i y_i \ge \sum_j d_j` (capacity cover cut);
    :math:`0 \le x \le 1`, :math:`y \in \{0, 1\}`.

Here :math:`c_{ij}` is the cost of serving *all* of customer :math:`j` from
:math:`i` (the OR-Library convention), so :math:`x_{ij}` is a share of the
demand, not a quantity.

Mapping onto the core: facility :math:`i` is a binary design arc with
``unit_capacity`` :math:`s_i` and ``unit_cost`` :math:`f_i`; customer
:math:`j` is a commodity with volume :math:`d_j`; each (customer, facility)
pair is a one-arc path whose extra cost per unit of volume is
:math:`c_{ij} / d_j` (the core multiplies path costs by the volume); (4) is a
:class:`~optimizer.core.DesignConstraint`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.core import (
    Arcs,
    Commodities,
    DesignConstraint,
    DesignProblem,
    DesignResult,
    Paths,
    solve_design,
)
from optimizer.errors import InputError
from optimizer.solver import SolveOptions, SolveReport

# Below this relative slack between total capacity and total demand the
# instance is reported infeasible before any solve.
_FEASIBILITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class FacilityLocationResult(SolveReport):
    """A facility location solution as plain arrays.

    Attributes
    ----------
    status
        ``optimal``, ``feasible`` (limit hit with a solution), ``infeasible``,
        ``no_solution`` or ``error``.
    objective, bound, gap
        Objective value, proven lower bound and relative gap (``None`` when absent).
    seconds
        Wall-clock time of the solve (model building included).
    solver
        Backend name.
    open_facilities
        Indices of the open facilities (0-based).
    assignment
        ``m x n`` share of customer ``j``'s demand served by facility ``i``.
    message
        Solver message or the reason for infeasibility.
    """

    open_facilities: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, int))
    assignment: np.ndarray | None = field(repr=False, default=None)
    message: str = ""

    @property
    def has_solution(self) -> bool:
        """Whether a solution (assignment) is available."""
        return self.assignment is not None


def _check_arrays(
    fixed_cost: np.ndarray, capacity: np.ndarray, demand: np.ndarray, cost: np.ndarray
) -> None:
    m, n = fixed_cost.size, demand.size
    if capacity.shape != (m,):
        msg = f"capacity has shape {capacity.shape}, expected ({m},) like fixed_cost"
        raise InputError(msg)
    if cost.shape != (m, n):
        msg = f"assignment_cost has shape {cost.shape}, expected ({m}, {n})"
        raise InputError(msg)
    if np.any(demand <= 0):
        msg = "every demand must be positive"
        raise InputError(msg)
    if np.any(capacity < 0) or np.any(fixed_cost < 0):
        msg = "capacities and fixed costs must be non-negative"
        raise InputError(msg)
    if not (np.all(np.isfinite(cost)) and np.all(np.isfinite(fixed_cost))):
        msg = "costs must be finite"
        raise InputError(msg)


def facility_location_problem(
    fixed_cost: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    assignment_cost: np.ndarray,
    *,
    single_source: bool = False,
    name: str = "cflp",
) -> DesignProblem:
    """Build the capacitated facility location model as a core :class:`DesignProblem`.

    Parameters
    ----------
    fixed_cost
        ``m``: cost of opening facility ``i``.
    capacity
        ``m``: capacity of facility ``i``.
    demand
        ``n``: demand of customer ``j`` (positive).
    assignment_cost
        ``m x n``: cost of serving *all* of customer ``j`` from facility ``i``.
    single_source
        Serve each customer from exactly one facility.
    name
        Model name.

    Returns
    -------
    DesignProblem
        Path form: one path per (customer, facility); path ``j * m + i``.

    Raises
    ------
    InputError
        Arrays of inconsistent shapes, a non-positive demand, negative
        capacities or costs.
    """
    fixed_cost = np.asarray(fixed_cost, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    demand = np.asarray(demand, dtype=float)
    cost = np.asarray(assignment_cost, dtype=float)
    _check_arrays(fixed_cost, capacity, demand, cost)
    m, n = fixed_cost.size, demand.size
    arcs = Arcs(
        ids=tuple(f"facility_{i + 1}" for i in range(m)),
        flow_cost=np.zeros(m),
        unit_capacity=capacity,
        unit_cost=fixed_cost,
        max_units=np.ones(m),
    )
    commodities = Commodities(
        ids=tuple(f"customer_{j + 1}" for j in range(n)),
        volume=demand,
        unsplittable=single_source,
    )
    customer = np.repeat(np.arange(n), m)
    facility = np.tile(np.arange(m), n)
    paths = Paths(
        commodity=customer,
        arc_ptr=np.arange(m * n + 1),
        arc_idx=facility,
        cost=cost.T.ravel() / demand[customer],
    )
    cover = DesignConstraint(
        name="capacity_cover",
        arcs=np.arange(m),
        coef=capacity,
        lo=float(demand.sum()),
    )
    return DesignProblem(
        arcs=arcs,
        commodities=commodities,
        paths=paths,
        constraints=(cover,),
        name=name,
    )


def infeasibility_reason(
    capacity: np.ndarray, demand: np.ndarray, *, single_source: bool = False
) -> str | None:
    """A reason why no facility plan can serve the demand, or ``None`` if none is evident.

    Parameters
    ----------
    capacity, demand
        As in :func:`facility_location_problem`.
    single_source
        Single sourcing: a customer larger than every facility cannot be served.

    Returns
    -------
    str or None
        A sentence in domain words and numbers.
    """
    capacity = np.asarray(capacity, dtype=float)
    demand = np.asarray(demand, dtype=float)
    total_capacity, total_demand = float(capacity.sum()), float(demand.sum())
    if total_capacity < total_demand * (1 - _FEASIBILITY_TOLERANCE):
        return (f"total capacity {total_capacity:g} of all {capacity.size} facilities is below "
                f"total demand {total_demand:g}")
    if single_source and capacity.size:
        too_big = np.flatnonzero(demand > capacity.max())
        if too_big.size:
            j = int(too_big[0])
            return (f"customer {j + 1} demands {demand[j]:g}, more than the largest facility "
                    f"capacity {capacity.max():g} (single sourcing)")
    return None


def solve_facility_location(
    fixed_cost: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    assignment_cost: np.ndarray,
    *,
    single_source: bool = False,
    options: SolveOptions | None = None,
    name: str = "cflp",
) -> FacilityLocationResult:
    """Solve a capacitated facility location instance through the core.

    Parameters
    ----------
    fixed_cost, capacity, demand, assignment_cost, single_source, name
        See :func:`facility_location_problem`.
    options
        Backend and limits; default :class:`~optimizer.solver.SolveOptions`.

    Returns
    -------
    FacilityLocationResult
        Status, objective, bound, gap, time, open facilities and the
        assignment shares. An instance that cannot be served is
        ``infeasible`` with the reason in ``message``.

    Raises
    ------
    InputError
        See :func:`facility_location_problem`.
    """
    problem = facility_location_problem(
        fixed_cost, capacity, demand, assignment_cost, single_source=single_source, name=name
    )
    reason = infeasibility_reason(capacity, demand, single_source=single_source)
    if reason is not None:
        solver = (options or SolveOptions()).solver
        return FacilityLocationResult("infeasible", None, None, None, 0.0, solver, message=reason)
    result = solve_design(problem, options)
    return facility_location_result(problem, result)


def facility_location_result(
    problem: DesignProblem, result: DesignResult
) -> FacilityLocationResult:
    """Turn a core :class:`DesignResult` of :func:`facility_location_problem` into arrays."""
    m, n = problem.arcs.count, problem.commodities.count
    message = result.message
    if result.status == "infeasible":
        message = "the solver proved that no facility plan serves every customer"
    if not result.has_solution:
        return FacilityLocationResult(result.status, None, result.bound, None, result.seconds,
                                      result.solver, message=message)
    assert result.share is not None and result.units is not None
    assignment = result.share.reshape(n, m).T.copy()
    return FacilityLocationResult(
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=result.seconds,
        solver=result.solver,
        open_facilities=np.flatnonzero(result.units > 0.5),
        assignment=assignment,
        message=message,
    )
