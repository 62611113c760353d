"""``corridor plan`` and ``corridor frontier``: thin shells over :mod:`optimizer.studies`."""

from __future__ import annotations

import os
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
)
from optimizer.data.scenario import load_scenario, network_of
from optimizer.output.frontier import frontier_summary, write_frontier
from optimizer.output.plan import plan_summary, write_plan_tables
from optimizer.results.folders import OutputFolder, check_output_folder
from optimizer.studies.frontier import iter_frontier, monotone_violations
from optimizer.studies.pipeline import HAS_SOLUTION, RESULTS_DIR
from optimizer.studies.plan import run_plan


def plan(
    programme: Annotated[Path, typer.Argument(help="Programme YAML file.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output directory (default results/<programme file name>/)."),
    ] = None,
    force: ForceOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print plan.json only.")] = False,
    solver: SolverOption = None,
    time_limit: TimeLimitOption = None,
    gap: GapOption = None,
) -> None:
    """Plan a recognition programme over several years: which warehouses to recognise when.

    Writes plan.json, plan.md, plan.html, schedule.csv, years.csv,
    year_sites.csv, requirements.csv, eligibility.csv and plan_map.html (one
    layer per year).
    Requirements that cannot be met are explained, with the shortfall.
    """
    target = out if out is not None else RESULTS_DIR / programme.stem
    check_output_folder(target, force=force)  # refuse before a solve of minutes
    result = run_plan(programme, solver=solver, time_limit_s=time_limit, rel_gap=gap)
    with OutputFolder(target, kind="plan", force=force) as folder:
        write_plan_tables(result.doc, folder, network=result.network, offline=True)
    if as_json:
        emit_json(result.doc)
    else:
        typer.echo(plan_summary(result.doc))
        typer.echo(f"results in {target}/")
    check = result.doc.get("check") or {}
    if result.status not in HAS_SOLUTION:
        sys.exit(1)
    if check and not check.get("ok", True):
        err("independent check FAILED: " + "; ".join(check.get("violations", [])[:5]))
        sys.exit(1)


def frontier(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    max_sites: Annotated[
        int, typer.Option("--max", help="Most sites used (owned or shared space).", min=0, max=1000)
    ] = 15,
    min_sites: Annotated[
        int | None,
        typer.Option("--min", help="Fewest sites (default: those forced open).", min=0, max=1000),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output directory (default results/<scenario file name>_frontier/)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-n",
            help="Runs of consecutive counts solved side by side (default: CPUs; 1: one chain).",
            min=1,
            max=64,
        ),
    ] = None,
    force: ForceOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the points (a JSON list) only.")
    ] = False,
    solver: SolverOption = None,
    time_limit: TimeLimitOption = None,
    gap: GapOption = None,
) -> None:
    """Cost and service against the number of warehouse sites used, from the fewest to --max.

    Each point is the best plan with at most that many sites, started from the
    previous point's plan, with its status and gap. Writes frontier.json,
    frontier.csv, frontier.md and frontier.html (a chart of cost and service
    against the count).
    """
    sc = load_scenario(scenario)
    target = out if out is not None else RESULTS_DIR / f"{scenario.stem}_frontier"
    check_output_folder(target, force=force)
    net = network_of(sc)
    points = []
    for p in iter_frontier(
        sc,
        max_sites=max_sites,
        min_sites=min_sites,
        workers=workers if workers is not None else (os.cpu_count() or 1),
        solver=solver,
        time_limit_s=time_limit,
        rel_gap=gap,
        network=net,
    ):
        points.append(p)  # each point's progress line is the study's log
    docs = [p.to_json() for p in points]
    with OutputFolder(target, kind="frontier", force=force) as folder:
        write_frontier(docs, folder, scenario=sc.name, network=net)
    if as_json:
        emit_json(docs)
    else:
        typer.echo(frontier_summary(docs))
        for line in monotone_violations(points):
            typer.echo(f"warning: {line}")
        typer.echo(f"results in {target}/")
    if not any(p.status in HAS_SOLUTION for p in points):
        sys.exit(1)
