"""``corridor compare``, ``robust``, ``sweep`` and ``sensitivity``: thin shells over the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import (
    ForceOption,
    GapOption,
    SolverOption,
    TimeLimitOption,
    emit_json,
    err,
    progress_bar,
)
from optimizer.engine.solver import DEFAULT_SOLVER, SolveOptions
from optimizer.errors import InputError
from optimizer.output.comparison import comparison_summary, write_comparison
from optimizer.output.robust import robust_summary, write_robust
from optimizer.output.sensitivity import sensitivity_summary, write_sensitivity
from optimizer.results.files import records
from optimizer.results.folders import check_output_folder
from optimizer.studies.compare import compare_scenarios
from optimizer.studies.robust import CRITERIA, Criterion, solve_robust
from optimizer.studies.sensitivity import (
    DEFAULT_FACTOR,
    GROUPS,
    progress_line,
    start_sensitivity,
)
from optimizer.studies.sweep import NO_WORKER_TIMEOUT_S, start_sweep, sweep_summary

_CRITERIA: dict[str, Criterion] = {"expected": "expected", "regret": "regret"}


def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario YAML files; the first is the reference.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Report directory (default results/compare/<names>/)."),
    ] = None,
    results: Annotated[
        Path, typer.Option("--results", help="Where each scenario's result directory lives.")
    ] = Path("results"),
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Solve again even when results are up to date, and write into folders that "
            "hold other files (never removing them).",
        ),
    ] = False,
    no_maps: Annotated[bool, typer.Option("--no-maps", help="Leave maps out.")] = False,
    solver: SolverOption = None,
    time_limit: TimeLimitOption = None,
    gap: GapOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the comparison table as JSON only.")
    ] = False,
) -> None:
    """Solve (or reuse) scenarios and compare them side by side: CSV, Markdown, HTML."""
    comp = compare_scenarios(
        scenarios,
        results_dir=results,
        force=force,
        solver=solver,
        time_limit_s=time_limit,
        rel_gap=gap,
    )
    target = out or Path(results) / "compare" / "_vs_".join(comp.names)
    files = write_comparison(comp, target, maps=not no_maps, force=force)
    if as_json:
        emit_json(
            {
                "scenarios": comp.names,
                "files": {k: str(v) for k, v in files.items()},
                "table": records(comp.table),
            }
        )
    else:
        typer.echo(comparison_summary(comp))
        typer.echo(f"report: {files['html']} (also comparison.csv, comparison.md)")
    if any(s not in ("optimal", "feasible") for s in comp.table["status"]):
        sys.exit(1)


def robust(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
    warehouses: Annotated[
        int, typer.Option("--warehouses", "-p", help="How many warehouses to choose (P).")
    ],
    criterion: Annotated[
        str, typer.Option("--criterion", help="expected (mean cost) or regret (worst regret).")
    ] = "expected",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Report directory (default results/robust/)."),
    ] = None,
    solver: SolverOption = None,
    time_limit: TimeLimitOption = None,
    gap: GapOption = None,
    force: ForceOption = False,
    no_maps: Annotated[
        bool, typer.Option("--no-maps", help="Leave the map out of robust.html and brief.html.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON only.")] = False,
) -> None:
    """Choose P warehouses that serve well across all the scenarios (one shared siting).

    Each solve has a time limit of 300 s unless --time-limit says otherwise.
    """
    target = out or Path("results") / "robust"
    check_output_folder(target, force=force)
    chosen = _CRITERIA.get(criterion)
    if chosen is None:
        msg = f"--criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}"
        raise InputError(msg, field="criterion")
    options = SolveOptions(
        solver=solver or DEFAULT_SOLVER,
        time_limit_s=300.0 if time_limit is None else time_limit,
        rel_gap=1e-3 if gap is None else gap,
    )
    result = solve_robust(scenarios, warehouses, criterion=chosen, options=options)
    files = write_robust(result, target, force=force, maps=not no_maps)
    if as_json:
        emit_json({**result.to_json(), "files": {k: str(v) for k, v in files.items()}})
    else:
        typer.echo(robust_summary(result))
        if "brief" in files:
            typer.echo(f"brief: {files['brief']} (one printable page; the report: robust.html)")
        typer.echo(f"report: {files['markdown']} (also robust_candidates.csv)")
    if not result.chosen:
        sys.exit(1)


def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep YAML file.")],
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-n", help="LocalCluster worker processes (default: CPUs)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of an existing dask scheduler."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output directory (default results/sweeps/<name>/)."),
    ] = None,
    force: ForceOption = False,
    no_worker_timeout: Annotated[
        float,
        typer.Option(
            "--no-worker-timeout",
            help="Seconds without any dask worker before the sweep stops with its partial "
            "table (workers are restarted first).",
            min=1.0,
            max=86400.0,
        ),
    ] = NO_WORKER_TIMEOUT_S,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary only.")] = False,
) -> None:
    """Solve a grid or Monte Carlo set of scenarios in parallel on dask.distributed."""
    job = start_sweep(
        sweep_file,
        workers=workers,
        scheduler=scheduler,
        out=out,
        force=force,
        no_worker_timeout_s=no_worker_timeout,
    )
    for _row in progress_bar(job, total=job.total, label=f"sweep {job.sweep.name}"):
        pass
    result = job.result
    assert result is not None
    if as_json:
        meta = json.loads(result.files["meta"].read_text(encoding="utf-8"))
        emit_json(
            {
                **meta,
                "files": {k: str(v) for k, v in result.files.items()},
                "failures": records(result.failures[["run", "scenario", "error"]]),
            }
        )
    else:
        typer.echo(sweep_summary(result))
    if len(result.failures) == len(result.table) or not result.complete:
        sys.exit(1)


def sensitivity(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    factor: Annotated[
        float,
        typer.Option(
            "--factor",
            help="Low side x (1 - F), high side x (1 + F); 0 < F < 1. The carbon price "
            "takes absolute values instead (0 and the EU ETS 2025 average).",
        ),
    ] = DEFAULT_FACTOR,
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--params",
            help="Parameter groups to vary (repeat, or join with commas; default: all): "
            + ", ".join(GROUPS)
            + ".",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output directory (default results/<scenario file name>_sensitivity/)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-n", help="LocalCluster worker processes (default: CPUs)."),
    ] = None,
    force: ForceOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the table (a JSON list) only.")
    ] = False,
) -> None:
    """Vary one parameter group at a time low and high and re-solve: cost and warehouse changes.

    The scenario is solved first (or its result in results/<name>/ reused);
    every variant starts from it. Writes sensitivity.csv, sensitivity.json,
    sensitivity.md, tornado.html and variants/*.yaml (each solvable with
    corridor solve).
    """
    job = start_sensitivity(
        scenario,
        factor=factor,
        params=params,
        out=out,
        force=force,
        workers=workers,
        writer=write_sensitivity,
    )
    for done, row in enumerate(job, start=1):
        err(f"sensitivity {job.plan.scenario.name} " + progress_line(row, done, job.total))
    result = job.result
    assert result is not None
    if as_json:
        emit_json(list(result.rows))
    else:
        typer.echo(sensitivity_summary(result))
    if len(result.failures) == len(result.variant_rows) or not result.complete:
        sys.exit(1)
