"""``corridor solve``: solve a scenario, check the solution, write the result files."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import ForceOption, GapOption, SolverOption, TimeLimitOption, emit_json
from optimizer.output.mapping import write_solution_map
from optimizer.output.mapping.files import default_map_path
from optimizer.results.folders import check_output_file
from optimizer.studies.pipeline import run_scenario

log = logging.getLogger("optimizer.cli")


def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Result folder (default results/<scenario file name>/)."),
    ] = None,
    force: ForceOption = False,
    solver: SolverOption = None,
    time_limit: TimeLimitOption = None,
    gap: GapOption = None,
    threads: Annotated[int | None, typer.Option("--threads", min=1, max=256)] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0)] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat data warnings (e.g. unit mix-ups) as errors.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print solution.json only.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Solver log on stderr.")] = False,
    make_map: Annotated[
        bool, typer.Option("--map", help="Also write a map of the solution.")
    ] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Map with inlined assets.")] = False,
    routes: Annotated[
        str | None,
        typer.Option(
            "--routes",
            help=(
                "Routes to choose among: generated (default: priced by column generation), "
                "complete (every route: a bound for the whole network, slower) or k_shortest."
            ),
        ),
    ] = None,
    cold: Annotated[
        bool,
        typer.Option(
            "--cold",
            help="Do not start from the base scenario's result (results/<base>/), solve afresh.",
        ),
    ] = False,
) -> None:
    """Solve a scenario: warehouse siting and consolidated routing.

    A variant (``base: baseline.yaml``) starts from its base's result when
    ``results/baseline/`` holds one (``--cold``: not).
    """
    if make_map:
        check_output_file(default_map_path(_map_name(scenario, out), offline))
    run = run_scenario(
        scenario,
        out=out,
        force=force,
        strict=strict,
        warm=not cold,
        routes=routes,
        solver=solver,
        time_limit_s=time_limit,
        rel_gap=gap,
        threads=threads,
        seed=seed,
        verbose=verbose,
    )
    sol, target = run.solution, run.directory
    assert target is not None
    if make_map:
        path = write_solution_map(target, offline=offline)
        log.info("map written to %s", path)
    if as_json:
        emit_json(sol.to_json())
    else:
        typer.echo(sol.summary())
        typer.echo(f"results in {target}/")
        check = sol.meta.get("check")
        if check:
            typer.echo("independent check: " + ("passed" if check["ok"] else "FAILED"))
    if sol.status in ("infeasible", "error", "no_solution"):
        sys.exit(1)


def _map_name(scenario: Path, out: Path | None) -> str:
    return (out.resolve().name if out is not None else "") or scenario.stem
