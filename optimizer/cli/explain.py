"""``corridor explain``: why each warehouse is (or is not) in a solved result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import GapOption, SolverOption, TimeLimitOption, emit_json
from optimizer.studies.explain import explain, explanation_summary, write_explanation


def explain_cmd(
    result_dir: Annotated[Path, typer.Argument(help="A result folder written by corridor solve.")],
    top: Annotated[
        int,
        typer.Option(
            "--top", min=0, max=100, help="Unused sites to test forced open (the N best)."
        ),
    ] = 5,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, max=64, help="Re-solves at once (default: up to 2)."),
    ] = None,
    solver: SolverOption = None,
    time_limit: TimeLimitOption = None,
    gap: GapOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the rows as a JSON list only.")
    ] = False,
) -> None:
    """Why this warehouse: every site the result uses, re-solved with it closed, and the N
    best unused sites re-solved with an owned tier forced open.

    Each row gives the site's tier and operating model, markets, cost to serve per tonne,
    and the change in total cost with the re-solve's status and gap. Writes explain.json
    and explain.csv into RESULT_DIR.
    """
    result = explain(
        result_dir, top=top, jobs=jobs, solver=solver, time_limit_s=time_limit, rel_gap=gap
    )
    files = write_explanation(result)
    if as_json:
        emit_json(result.rows)
        return
    typer.echo(explanation_summary(result))
    typer.echo(f"files: {files['csv']}, {files['json']}")
