"""Solver adapter: a :class:`~optimizer.engine.milp.MilpModel` in, a plain result out.

OR-Tools MathOpt is the only solver interface. The model goes to MathOpt as
one ``ModelProto`` built from the arrays (fast, no Python object per
variable). Statuses are mapped to corridor's own (``optimal``, ``feasible``,
``infeasible``, ``unbounded``, ``no_solution``, ``error``); a time limit with
an incumbent is ``feasible`` with its bound and gap, never an exception.
Solver banners go to stderr so that ``--json`` keeps stdout clean.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

if TYPE_CHECKING:
    import highspy

from optimizer.engine.milp import MilpModel
from optimizer.errors import CorridorError

# Name -> MathOpt solver type. HiGHS, SCIP and CP-SAT ship in the OR-Tools wheel.
# ``highspy`` is not a MathOpt backend: the model goes straight to the HiGHS
# release of the highspy wheel (1.16 here; OR-Tools 9.15 bundles HiGHS 1.12).
SOLVERS: dict[str, mathopt.SolverType | None] = {
    "highs": mathopt.SolverType.HIGHS,
    "highspy": None,
    "scip": mathopt.SolverType.GSCIP,
    "cpsat": mathopt.SolverType.CP_SAT,
}
DEFAULT_SOLVER = "highs"
HEARTBEAT_S = 5.0

log = logging.getLogger(__name__)


class SolverError(CorridorError):
    """An unknown backend or a backend failure."""


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: backend, limits and reproducibility.

    Parameters
    ----------
    solver
        One of :data:`SOLVERS` (``highs``, ``highspy``, ``scip``, ``cpsat``).
    time_limit_s
        Wall-clock limit; the best solution found is returned when it is hit.
    rel_gap
        Relative optimality gap at which the search stops.
    threads
        Threads for backends that accept it (HiGHS does not); ``None`` = backend default.
    seed
        Random seed, for reproducible runs.
    verbose
        Every line of the solver log goes to the logger (INFO), not only a heartbeat.
    """

    solver: str = DEFAULT_SOLVER
    time_limit_s: float = 60.0
    rel_gap: float = 1e-4
    abs_gap: float = 1e-6
    threads: int | None = None
    seed: int = 0
    verbose: bool = False

    def __post_init__(self) -> None:
        if self.solver not in SOLVERS:
            names = ", ".join(sorted(SOLVERS))
            msg = f"unknown solver {self.solver!r}; available: {names}"
            raise SolverError(msg)
        if not (self.time_limit_s > 0):
            msg = f"time limit must be positive, got {self.time_limit_s}"
            raise SolverError(msg)
        if not (0 <= self.rel_gap < 1):
            msg = f"relative gap must be in [0, 1), got {self.rel_gap}"
            raise SolverError(msg)


@dataclass(frozen=True)
class SolveReport:
    """What every solve reports: status, objective, bound, gap, time and backend."""

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    solver: str


@dataclass(frozen=True)
class SolverResult(SolveReport):
    """What a backend returned, as plain data."""

    values: np.ndarray | None = field(repr=False, default=None)
    message: str = ""

    @property
    def has_solution(self) -> bool:
        return self.values is not None


def available_solvers() -> list[str]:
    """Names of the backends usable here."""
    return sorted(SOLVERS)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``|objective - bound| / max(1, |objective|)``, or ``None`` without both."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


def _flush_c_stdio() -> None:
    with contextlib.suppress(OSError, AttributeError):  # no libc symbol table
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send file descriptor 1 to 2 for the duration (C-level solver banners included)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # pragma: no cover - no real fd (captured)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        _flush_c_stdio()  # a C library's buffered printf must land on 2, not later on 1
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def _progress(options: SolveOptions, started: float) -> Iterator[Callable[[str], None] | None]:
    """Yield a sink for the solver's log lines (``None`` when nobody listens).

    The lines go to this module's logger: every line with ``verbose``;
    otherwise, while INFO is enabled, a heartbeat every few seconds with the
    time and the solver's latest line, so that long solves show progress.
    """
    if not log.isEnabledFor(logging.INFO):
        yield None
        return
    last = [""]

    def line(text: str) -> None:
        if text.strip():
            last[0] = text.strip()
        if options.verbose:
            log.info("%s", text.rstrip())

    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(HEARTBEAT_S):
            log.info("... %.0f s: %s", time.perf_counter() - started, last[0][:110])

    if not options.verbose:
        threading.Thread(target=heartbeat, daemon=True).start()
    try:
        yield line
    finally:
        stop.set()


def to_proto(model: MilpModel) -> model_pb2.ModelProto:
    """Build a MathOpt ``ModelProto`` from the model's arrays."""
    proto = model_pb2.ModelProto(name=model.name)
    n = model.num_vars
    variables = proto.variables
    variables.ids.extend(range(n))
    variables.lower_bounds.extend(model.lb.tolist())
    variables.upper_bounds.extend(model.ub.tolist())
    variables.integers.extend(model.integer.tolist())
    names = model.var_names()
    if any(names):
        variables.names.extend(names)
    cost = model.cost
    nz = np.flatnonzero(cost)
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(cost[nz].tolist())
    proto.objective.offset = model.offset
    m = model.num_rows
    cons = proto.linear_constraints
    cons.ids.extend(range(m))
    cons.lower_bounds.extend(model.row_lb.tolist())
    cons.upper_bounds.extend(model.row_ub.tolist())
    row_names = model.row_names()
    if any(row_names):
        cons.names.extend(row_names)
    rows, cols, vals = model.coo()
    mat = proto.linear_constraint_matrix
    mat.row_ids.extend(rows.tolist())
    mat.column_ids.extend(cols.tolist())
    mat.coefficients.extend(vals.tolist())
    return proto


def polish(
    model: MilpModel, values: np.ndarray, proto: model_pb2.ModelProto | None = None
) -> tuple[np.ndarray, float] | None:
    """Fix the integer variables at their rounded values and re-solve the LP that remains.

    A backend stopped by a time limit (or CP-SAT, which handles continuous
    variables approximately) may return continuous values that are not the
    best for its own integer decisions; re-solving the LP with HiGHS makes
    them so, and rounds integers exactly. Returns ``(values, objective)`` or
    ``None`` when the LP does not solve.
    """
    proto = proto if proto is not None else to_proto(model)
    fixed = model_pb2.ModelProto()
    fixed.CopyFrom(proto)
    ints = np.flatnonzero(model.integer)
    lb = np.array(fixed.variables.lower_bounds)
    ub = np.array(fixed.variables.upper_bounds)
    rounded = np.round(values[ints])
    lb[ints] = rounded
    ub[ints] = rounded
    del fixed.variables.lower_bounds[:]
    del fixed.variables.upper_bounds[:]
    fixed.variables.lower_bounds.extend(lb.tolist())
    fixed.variables.upper_bounds.extend(ub.tolist())
    del fixed.variables.integers[:]
    fixed.variables.integers.extend([False] * model.num_vars)
    lp = mathopt.Model.from_model_proto(fixed)
    variables = list(lp.variables())
    try:
        with stdout_to_stderr():
            res = mathopt.solve(lp, mathopt.SolverType.HIGHS)
    except Exception:
        return None
    if res.termination.reason != mathopt.TerminationReason.OPTIMAL:
        return None
    vv = res.variable_values()
    out = np.array([vv[v] for v in variables], dtype=float)
    out[ints] = rounded
    return out, model.objective_value(out)


def _remaining(options: SolveOptions, started: float) -> float:
    """The time limit less what building and handing over the model took (at least 0.1 s)."""
    return max(0.1, options.time_limit_s - (time.perf_counter() - started))


def _params(options: SolveOptions, started: float) -> mathopt.SolveParameters:
    params = mathopt.SolveParameters(
        time_limit=timedelta(seconds=_remaining(options, started)),
        relative_gap_tolerance=options.rel_gap,
        absolute_gap_tolerance=options.abs_gap,
        random_seed=options.seed,
        enable_output=options.verbose,
    )
    if options.threads is not None and options.solver != "highs":
        params.threads = options.threads
    return params


_OPTIMAL = {mathopt.TerminationReason.OPTIMAL}
_INFEASIBLE = {mathopt.TerminationReason.INFEASIBLE}
_UNBOUNDED = {
    mathopt.TerminationReason.UNBOUNDED,
    mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED,
}
_LIMIT = {mathopt.TerminationReason.FEASIBLE, mathopt.TerminationReason.NO_SOLUTION_FOUND}


def solve_milp(
    model: MilpModel,
    options: SolveOptions | None = None,
    *,
    hint: np.ndarray | None = None,
    started: float | None = None,
) -> SolverResult:
    """Solve ``model`` with the chosen backend.

    ``started`` (a :func:`time.perf_counter` value) is when the caller began
    building the model: the time limit and the reported seconds count from
    there, so that they include model building.

    Raises
    ------
    SolverError
        For an unknown backend (listing the available ones).
    """
    options = options or SolveOptions()
    started = time.perf_counter() if started is None else started
    if options.solver == "highspy":
        return _finish(model, options, started, *_run_highspy(model, options, hint, started))
    proto = to_proto(model)
    mm = mathopt.Model.from_model_proto(proto)
    variables = list(mm.variables())
    model_params = None
    if hint is not None and len(hint) == len(variables):
        model_params = mathopt.ModelSolveParameters(
            solution_hints=[
                mathopt.SolutionHint(
                    variable_values={v: float(x) for v, x in zip(variables, hint, strict=True)}
                )
            ]
        )

    try:
        with _progress(options, started) as line, stdout_to_stderr():
            sink = line
            result = mathopt.solve(
                mm,
                SOLVERS[options.solver],
                params=_params(options, started),
                model_params=model_params,
                msg_cb=(lambda lines: [sink(text) for text in lines]) if sink is not None else None,
            )
    except Exception as exc:  # MathOpt hides backend errors behind AttributeError
        cause = exc.__cause__ or exc
        return SolverResult(
            status="error",
            objective=None,
            bound=None,
            gap=None,
            seconds=time.perf_counter() - started,
            solver=options.solver,
            message=f"{type(cause).__name__}: {cause}",
        )
    seconds = time.perf_counter() - started
    reason = result.termination.reason
    values: np.ndarray | None = None
    objective: float | None = None
    if result.has_primal_feasible_solution():
        vv = result.variable_values()
        values = np.array([vv[v] for v in variables], dtype=float)
        objective = model.objective_value(values)
    bound = result.termination.objective_bounds.dual_bound
    bound_f: float | None = float(bound) if math.isfinite(bound) else None
    if reason in _OPTIMAL:
        status = "optimal"
        if bound_f is None and objective is not None:
            bound_f = objective
    elif reason in _INFEASIBLE:
        status = "infeasible"
    elif reason in _UNBOUNDED:
        status = "unbounded"
    elif reason in _LIMIT or values is not None:
        status = "feasible" if values is not None else "no_solution"
    else:
        status = "error"
    if options.solver == "cpsat" and not model.integer.all() and status == "infeasible":
        # CP-SAT through MathOpt rounds continuous variables to integers, so its
        # "infeasible" is not a proof for a model with continuous flows.
        status = "error"
        reason_text = (
            "CP-SAT treats continuous variables as integers: infeasibility is not proven; "
            "use highs or scip"
        )
        return SolverResult(
            status=status,
            objective=None,
            bound=None,
            gap=None,
            seconds=seconds,
            solver=options.solver,
            message=reason_text,
        )
    message = f"{reason.name}: {result.termination.detail}".strip(": ")
    return _finish(model, options, started, status, values, bound_f, message, proto)


def _finish(
    model: MilpModel,
    options: SolveOptions,
    started: float,
    status: str,
    values: np.ndarray | None,
    bound: float | None,
    message: str,
    proto: model_pb2.ModelProto | None = None,
) -> SolverResult:
    """Polish a solution's continuous part, clamp the bound, and report."""
    if values is not None and model.integer.all():
        values = np.round(values)  # nothing continuous to polish
    objective = model.objective_value(values) if values is not None else None
    if values is not None and model.integer.any() and not model.integer.all():
        polished = polish(model, values, proto)
        if polished is not None and polished[1] <= (objective or math.inf) + 1e-9 * max(
            1.0, abs(objective or 0.0)
        ):
            values, objective = polished
    if objective is not None and bound is not None and bound > objective:
        bound = objective  # solver tolerance: the bound never exceeds the incumbent
    return SolverResult(
        status=status,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        seconds=time.perf_counter() - started,
        solver=options.solver,
        values=values,
        message=message,
    )


def highs_lp(model: MilpModel, *, relax: bool = False) -> highspy.HighsLp:
    """The model as a highspy ``HighsLp`` (column-wise; ``relax``: every variable continuous)."""
    import highspy

    rows, cols, vals = model.coo()
    order = np.lexsort((rows, cols))
    n, m = model.num_vars, model.num_rows
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = model.cost
    lp.offset_ = model.offset
    lp.col_lower_, lp.col_upper_ = highs_col_bounds(model)
    lp.row_lower_ = np.where(np.isfinite(model.row_lb), model.row_lb, -highspy.kHighsInf)
    lp.row_upper_ = np.where(np.isfinite(model.row_ub), model.row_ub, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n))])
    lp.a_matrix_.index_ = rows[order]
    lp.a_matrix_.value_ = vals[order]
    if not relax:
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in model.integer]
    return lp


def highs_col_bounds(model: MilpModel) -> tuple[np.ndarray, np.ndarray]:
    """The model's column bounds as new arrays, infinities as HiGHS writes them."""
    import highspy

    inf = highspy.kHighsInf
    return (
        np.where(np.isfinite(model.lb), model.lb, -inf),
        np.where(np.isfinite(model.ub), model.ub, inf),
    )


def new_highs(options: SolveOptions) -> highspy.Highs:
    """A quiet highspy ``Highs`` (its banner on stderr) with the options' gaps and seed."""
    import highspy

    with stdout_to_stderr():  # the constructor prints a banner at C level
        h = highspy.Highs()
    h.setOptionValue("output_flag", log.isEnabledFor(logging.INFO))
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("mip_rel_gap", float(options.rel_gap))
    h.setOptionValue("mip_abs_gap", float(options.abs_gap))
    h.setOptionValue("random_seed", int(options.seed))
    return h


def _run_highspy(
    model: MilpModel,
    options: SolveOptions,
    hint: np.ndarray | None,
    started: float,
) -> tuple[str, np.ndarray | None, float | None, str]:
    """Solve with the highspy wheel's HiGHS: (status, values, bound, message)."""
    import highspy

    h = new_highs(options)
    if options.threads is not None:
        # HiGHS keeps one thread scheduler per process: a solve that asks for
        # another thread count than an earlier one (e.g. an LP at the default)
        # fails with "Not Set" unless the old scheduler is dropped first.
        highspy.Highs.resetThreadScheduler(True)  # (blocking: waits for its workers)
        h.setOptionValue("threads", int(options.threads))
    h.passModel(highs_lp(model))
    h.setOptionValue("time_limit", _remaining(options, started))
    n = model.num_vars
    if hint is not None and len(hint) == n:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(hint, dtype=float)
        sol.value_valid = True
        h.setSolution(sol)
    with _progress(options, started) as line, stdout_to_stderr():
        if line is not None:
            sink = line

            def _event(event: object) -> None:
                text = str(getattr(event, "message", "")).strip()
                if text:
                    sink(text)

            h.cbLogging.subscribe(_event)
        h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    values = None
    if info.primal_solution_status == 2:  # feasible
        values = np.asarray(h.getSolution().col_value, dtype=float)
    bound: float | None = None
    if model.integer.any():
        b = float(info.mip_dual_bound)
        bound = b if math.isfinite(b) and abs(b) < highspy.kHighsInf else None
    K = highspy.HighsModelStatus  # noqa: N806
    if ms == K.kOptimal:
        status = "optimal"
        if bound is None and values is not None:
            bound = model.objective_value(values)
    elif ms == K.kInfeasible:
        status = "infeasible"
    elif ms in (K.kUnbounded, K.kUnboundedOrInfeasible):
        status = "unbounded"
    elif values is not None:
        status = "feasible"
    elif ms in (K.kTimeLimit, K.kIterationLimit, K.kSolutionLimit, K.kInterrupt):
        status = "no_solution"
    else:
        status = "error"
    return status, values, bound, h.modelStatusToString(ms)
