"""``corridor bench cflp|mcnd``: published benchmark instances through the core, checked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer.bench.instances import CapInstance, read_cap, read_dow
from optimizer.bench.run import run_cflp, run_mcnd
from optimizer.cli.common import emit_json
from optimizer.engine.solver import SolveOptions, SolverError
from optimizer.errors import InputError
from optimizer.format import number, percent

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


def _progress(index: int, total: int, row: dict[str, Any]) -> None:
    if total > 1:
        typer.echo(
            f"[{index}/{total}] {row['instance']}: {row['status']} ({row['seconds']:.1f} s)",
            err=True,
        )


def _print(rows: list[dict[str, Any]], as_json: bool, what: str) -> None:
    if as_json:
        emit_json(rows)
        return
    header = (
        f"{'instance':<14} {'status':<11} {'objective':>17} {'bound':>17} {'gap':>9} "
        f"{'seconds':>8} {what:>6}  check"
    )
    typer.echo(header)
    for r in rows:
        gap = percent(r["gap"], 4)
        check = r["check"] or "-"
        typer.echo(
            f"{r['instance']:<14} {r['status']:<11} {number(r['objective'], 4):>17} "
            f"{number(r['bound'], 4):>17} {gap:>9} {r['seconds']:>8.2f} "
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
        row = run_cflp(instance, file, single_source=single_source, options=options)
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
        row = run_mcnd(instance, file, options=options)
        _progress(index, len(instances), row)
        rows.append(row)
    _print(rows, as_json, "arcs")
    _exit_code(rows)
