"""``corridor bench``: solve public benchmark instances and check every solution.

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

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from optimizer.bench.instances import CapInstance, DowInstance, read_cap, read_dow
from optimizer.engine.solver import SolveOptions, SolverError
from optimizer.errors import InputError
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
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Solve one facility location instance and check the solution; return a report row.

    ``log`` receives progress lines of long solves.
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
        log=log,
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
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Solve one network design instance and check the solution; return a report row.

    ``log`` receives progress lines of long solves.
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
        log=log,
    )
    check = None
    if result.has_solution:
        assert result.flow is not None
        check = check_network_design(instance, result.flow, result.open_arcs)
    return _row(instance.name, file, "mcnd", result, result.open_arcs, check)


bench_app = typer.Typer(
    help="Solve public benchmark instances (OR-Library cap, Canad .dow) and check each solution.",
    no_args_is_help=True,
)

Files = Annotated[list[Path], typer.Argument(help="Instance files.", show_default=False)]
SolverOption = Annotated[
    str,
    typer.Option(
        "--solver", help="Backend: highs (OR-Tools MathOpt), highspy (HiGHS direct), scip, cpsat."
    ),
]
TimeLimit = Annotated[float, typer.Option("--time-limit", help="Seconds per instance.")]
RelGap = Annotated[float, typer.Option("--gap", help="Relative gap at which to stop.")]
Threads = Annotated[int | None, typer.Option("--threads", help="Solver threads.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON list on stdout (only).")]


def _options(
    solver: str, time_limit: float, gap: float, threads: int | None, seed: int
) -> SolveOptions:
    try:
        return SolveOptions(
            solver=solver,
            time_limit_s=time_limit,
            rel_gap=gap,
            abs_gap=1e-4,
            threads=threads,
            seed=seed,
        )
    except SolverError as exc:
        raise InputError(str(exc)) from None


def _to_stderr(text: str) -> None:
    typer.echo(text, err=True)


def _progress(index: int, total: int, row: dict[str, Any]) -> None:
    if total > 1:
        typer.echo(
            f"[{index}/{total}] {row['instance']}: {row['status']} ({row['seconds']:.1f} s)",
            err=True,
        )


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _print(rows: list[dict[str, Any]], as_json: bool, what: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    header = (
        f"{'instance':<14} {'status':<11} {'objective':>17} {'bound':>17} {'gap':>9} "
        f"{'seconds':>8} {what:>6}  check"
    )
    typer.echo(header)
    for r in rows:
        gap = "-" if r["gap"] is None else f"{100 * r['gap']:.4f}%"
        check = r["check"] or "-"
        typer.echo(
            f"{r['instance']:<14} {r['status']:<11} {_fmt(r['objective'], ',.4f'):>17} "
            f"{_fmt(r['bound'], ',.4f'):>17} {gap:>9} {r['seconds']:>8.2f} "
            f"{r['open_count']:>6}  {check}"
        )
        if r["status"] in {"infeasible", "error", "no_solution"} and r["message"]:
            typer.echo(f"  reason: {r['message']}")


def _exit_code(rows: list[dict[str, Any]]) -> None:
    if any(r["check"] not in (None, "ok") or r["status"] == "error" for r in rows):
        raise typer.Exit(1)


@bench_app.command("cflp")
def bench_cflp(
    files: Files,
    capacity: Annotated[
        list[float] | None,
        typer.Option(
            "--capacity",
            help="Capacity for files whose capacities are the word "
            "'capacity' (capa/capb/capc); repeat to run several.",
        ),
    ] = None,
    single_source: Annotated[
        bool, typer.Option("--single-source", help="Serve each customer from one facility.")
    ] = False,
    solver: SolverOption = "highspy",
    time_limit: TimeLimit = 60.0,
    gap: RelGap = 1e-9,
    threads: Threads = None,
    seed: Seed = 0,
    as_json: AsJson = False,
) -> None:
    """Capacitated facility location on OR-Library cap files.

    Prints, per instance: status, objective, bound, gap, seconds, open
    facilities and the independent check. Exit 1 if a check fails.
    """
    options = _options(solver, time_limit, gap, threads, seed)
    jobs: list[tuple[Path, CapInstance]] = []
    for file in files:
        text_has_placeholder = _has_capacity_placeholder(file)
        if text_has_placeholder and capacity:
            jobs.extend((file, read_cap(file, capacity=c)) for c in capacity)
        else:
            jobs.append((file, read_cap(file)))
    rows = []
    for index, (file, instance) in enumerate(jobs, start=1):
        row = run_cflp(instance, file, single_source=single_source, options=options, log=_to_stderr)
        _progress(index, len(jobs), row)
        rows.append(row)
    _print(rows, as_json, "open")
    _exit_code(rows)


def _has_capacity_placeholder(file: Path) -> bool:
    try:
        with file.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False  # read_cap reports it
    return "capacity" in head.lower()


@bench_app.command("mcnd")
def bench_mcnd(
    files: Files,
    solver: SolverOption = "highspy",
    time_limit: TimeLimit = 60.0,
    gap: RelGap = 1e-9,
    threads: Threads = None,
    seed: Seed = 0,
    as_json: AsJson = False,
) -> None:
    """Fixed-charge multicommodity network design on Canad .dow files.

    Prints, per instance: status, objective, bound, gap, seconds, open arcs
    and the independent check (or the reason for infeasibility). Exit 1 if
    a check fails.
    """
    options = _options(solver, time_limit, gap, threads, seed)
    instances = [(file, read_dow(file)) for file in files]
    rows = []
    for index, (file, instance) in enumerate(instances, start=1):
        row = run_mcnd(instance, file, options=options, log=_to_stderr)
        _progress(index, len(instances), row)
        rows.append(row)
    _print(rows, as_json, "arcs")
    _exit_code(rows)
