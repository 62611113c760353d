r"""Fixed-charge multicommodity capacitated network design from arrays.

The layered constructor under the consolidated-routing model: the Canad
``.dow`` benchmarks and ``corridor solve`` share :mod:`optimizer.engine.core` (arc
form), so what the benchmarks prove is what users run.

Model
    .. math::
        \min \sum_a f_a y_a + \sum_k \sum_a c_a x_{ak}

    (1) flow conservation of every commodity :math:`k` (volume :math:`q_k`
        from :math:`o_k` to :math:`t_k`);
    (2) :math:`\sum_k x_{ak} \le u_a y_a` for every arc;
    (3) :math:`x_{ak} \le \min(q_k, u_a)\, y_a` (strong linking);
    :math:`x \ge 0`, :math:`y \in \{0, 1\}`.

Mapping onto the core: each arc is a binary design arc with ``unit_capacity``
:math:`u_a`, ``unit_cost`` :math:`f_a`, ``flow_cost`` :math:`c_a` and its
ends; each commodity has its origin, destination and volume. The core works
with shares :math:`x_{ak} / q_k`, which gives the same optimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.engine.core import Arcs, Commodities, DesignProblem, DesignResult, solve_design
from optimizer.engine.solver import SolveOptions, SolveReport
from optimizer.errors import InputError


@dataclass(frozen=True)
class NetworkDesignResult(SolveReport):
    """A network design solution as plain arrays.

    Attributes
    ----------
    status
        ``optimal``, ``feasible``, ``infeasible``, ``no_solution`` or ``error``.
    objective, bound, gap
        Objective value, proven lower bound and relative gap (``None`` when absent).
    seconds
        Wall-clock time of the solve.
    solver
        Backend name.
    open_arcs
        Indices of the open arcs (0-based).
    flow
        ``A x K`` flow of commodity ``k`` on arc ``a`` (in volume units).
    message
        Solver message or the reason for infeasibility.
    """

    open_arcs: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, int))
    flow: np.ndarray | None = field(repr=False, default=None)
    message: str = ""

    @property
    def has_solution(self) -> bool:
        """Whether a solution (flows) is available."""
        return self.flow is not None


def network_design_problem(
    tail: np.ndarray,
    head: np.ndarray,
    flow_cost: np.ndarray,
    capacity: np.ndarray,
    fixed_cost: np.ndarray,
    origin: np.ndarray,
    destination: np.ndarray,
    volume: np.ndarray,
    *,
    name: str = "mcnd",
) -> DesignProblem:
    """Build the fixed-charge network design model as a core :class:`DesignProblem`.

    Parameters
    ----------
    tail, head
        ``A`` arc ends, nodes numbered from 0.
    flow_cost
        ``A`` cost per unit of flow (any commodity).
    capacity
        ``A`` capacity shared by all commodities.
    fixed_cost
        ``A`` cost of opening the arc.
    origin, destination
        ``K`` commodity ends, nodes numbered from 0.
    volume
        ``K`` volume to send from origin to destination.
    name
        Model name.

    Returns
    -------
    DesignProblem
        Arc form; flows are shares of the volume.

    Raises
    ------
    InputError
        Arrays of inconsistent lengths, negative node indices or values.
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    origin = np.asarray(origin, dtype=np.int64)
    destination = np.asarray(destination, dtype=np.int64)
    arrays = {"head": head, "flow_cost": flow_cost, "capacity": capacity, "fixed_cost": fixed_cost}
    for label, values in arrays.items():
        if np.shape(values) != tail.shape:
            msg = f"{label} has shape {np.shape(values)}, expected {tail.shape} like tail"
            raise InputError(msg)
    if np.shape(destination) != origin.shape or np.shape(volume) != origin.shape:
        msg = "origin, destination and volume must have the same length"
        raise InputError(msg)
    for label, values in {
        "tail": tail,
        "head": head,
        "origin": origin,
        "destination": destination,
        "flow_cost": flow_cost,
        "capacity": capacity,
        "fixed_cost": fixed_cost,
        "volume": volume,
    }.items():
        if np.any(np.asarray(values) < 0):
            msg = f"{label} has negative entries"
            raise InputError(msg)
    arcs = Arcs(
        ids=tuple(f"arc_{a + 1}" for a in range(tail.size)),
        flow_cost=np.asarray(flow_cost, dtype=float),
        unit_capacity=np.asarray(capacity, dtype=float),
        unit_cost=np.asarray(fixed_cost, dtype=float),
        max_units=np.ones(tail.size),
        tail=tail,
        head=head,
    )
    commodities = Commodities(
        ids=tuple(f"commodity_{k + 1}" for k in range(origin.size)),
        volume=np.asarray(volume, dtype=float),
        origin=origin,
        destination=destination,
    )
    return DesignProblem(arcs=arcs, commodities=commodities, separate_linking=True, name=name)


def infeasibility_reason(
    tail: np.ndarray,
    head: np.ndarray,
    capacity: np.ndarray,
    origin: np.ndarray,
    destination: np.ndarray,
    volume: np.ndarray,
) -> str | None:
    """A cut that cannot carry the demand with every arc open, or ``None`` if none is found.

    Checks, for every node, the volume it must send (receive) against the
    total capacity of its outgoing (incoming) arcs.

    Returns
    -------
    str or None
        A sentence in domain words and numbers.
    """
    tail, head = np.asarray(tail), np.asarray(head)
    origin, destination = np.asarray(origin), np.asarray(destination)
    capacity, volume = np.asarray(capacity, dtype=float), np.asarray(volume, dtype=float)
    n_nodes = (
        int(
            max(
                tail.max(initial=-1),
                head.max(initial=-1),
                origin.max(initial=-1),
                destination.max(initial=-1),
            )
        )
        + 1
    )
    out_cap = np.bincount(tail, weights=capacity, minlength=n_nodes)
    in_cap = np.bincount(head, weights=capacity, minlength=n_nodes)
    sends = np.bincount(origin, weights=volume, minlength=n_nodes)
    receives = np.bincount(destination, weights=volume, minlength=n_nodes)
    for v in range(n_nodes):
        if sends[v] > out_cap[v] + 1e-9:
            return (
                f"node {v + 1} must send {sends[v]:g} units but its outgoing arcs carry "
                f"{out_cap[v]:g} in total"
            )
        if receives[v] > in_cap[v] + 1e-9:
            return (
                f"node {v + 1} must receive {receives[v]:g} units but its incoming arcs "
                f"carry {in_cap[v]:g} in total"
            )
    return None


def solve_network_design(
    tail: np.ndarray,
    head: np.ndarray,
    flow_cost: np.ndarray,
    capacity: np.ndarray,
    fixed_cost: np.ndarray,
    origin: np.ndarray,
    destination: np.ndarray,
    volume: np.ndarray,
    *,
    options: SolveOptions | None = None,
    name: str = "mcnd",
) -> NetworkDesignResult:
    """Solve a fixed-charge network design instance through the core.

    Parameters
    ----------
    tail, head, flow_cost, capacity, fixed_cost, origin, destination, volume, name
        See :func:`network_design_problem`.
    options
        Backend and limits; default :class:`~optimizer.engine.solver.SolveOptions`.

    Returns
    -------
    NetworkDesignResult
        Status, objective, bound, gap, time, open arcs and flows. An
        instance that cannot carry its demand is ``infeasible`` with the
        reason in ``message``.

    Raises
    ------
    InputError
        See :func:`network_design_problem`.
    """
    problem = network_design_problem(
        tail, head, flow_cost, capacity, fixed_cost, origin, destination, volume, name=name
    )
    reason = infeasibility_reason(tail, head, capacity, origin, destination, volume)
    if reason is not None:
        solver = (options or SolveOptions()).solver
        return NetworkDesignResult("infeasible", None, None, None, 0.0, solver, message=reason)
    return network_design_result(problem, solve_design(problem, options))


def network_design_result(problem: DesignProblem, result: DesignResult) -> NetworkDesignResult:
    """Turn a core :class:`DesignResult` of :func:`network_design_problem` into arrays."""
    message = result.message
    if result.status == "infeasible":
        message = (
            "the solver proved that the commodities cannot be routed even with every "
            "arc open (a cut of the network has too little capacity)"
        )
    if not result.has_solution:
        return NetworkDesignResult(
            result.status, None, result.bound, None, result.seconds, result.solver, message=message
        )
    assert result.share is not None and result.units is not None
    flow = result.share * problem.commodities.volume[None, :]
    return NetworkDesignResult(
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=result.seconds,
        solver=result.solver,
        open_arcs=np.flatnonzero(result.units > 0.5),
        flow=flow,
        message=message,
    )
