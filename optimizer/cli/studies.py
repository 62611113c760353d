"""``corridor compare``, ``corridor robust`` and ``corridor sweep``: thin shells over the API."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from optimizer.errors import InputError


def _say(msg: str) -> None:
    typer.echo(f"[{time.strftime('%H:%M:%S')}] {msg}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``compare``, ``robust`` and ``sweep`` to the main app."""

    @app.command("compare")
    def compare_cmd(
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
            bool, typer.Option("--force", help="Solve again even when results are up to date.")
        ] = False,
        no_maps: Annotated[bool, typer.Option("--no-maps", help="Leave maps out.")] = False,
        solver: Annotated[
            str | None, typer.Option("--solver", help="highs, highspy, scip or cpsat.")
        ] = None,
        time_limit: Annotated[
            float | None, typer.Option("--time-limit", help="Seconds per scenario.")
        ] = None,
        gap: Annotated[float | None, typer.Option("--gap", help="Relative gap to stop at.")] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the comparison table as JSON only.")
        ] = False,
    ) -> None:
        """Solve (or reuse) scenarios and compare them side by side: CSV, Markdown, HTML."""
        from optimizer.cli import emit_json
        from optimizer.studies.compare import (
            compare_scenarios,
            comparison_summary,
            write_comparison,
        )

        comp = compare_scenarios(
            scenarios,
            results_dir=results,
            force=force,
            maps=not no_maps,
            say=_say,
            solver=solver,
            time_limit_s=time_limit,
            rel_gap=gap,
        )
        target = out or Path(results) / "compare" / "_vs_".join(comp.names)
        files = write_comparison(comp, target)
        if as_json:
            emit_json(
                {
                    "scenarios": comp.names,
                    "files": {k: str(v) for k, v in files.items()},
                    "table": _records(comp.table),
                }
            )
        else:
            typer.echo(comparison_summary(comp))
            typer.echo(f"report: {files['html']} (also comparison.csv, comparison.md)")
        if any(s not in ("optimal", "feasible") for s in comp.table["status"]):
            sys.exit(1)

    @app.command("robust")
    def robust_cmd(
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
        solver: Annotated[
            str | None, typer.Option("--solver", help="highs, highspy, scip or cpsat.")
        ] = None,
        time_limit: Annotated[
            float | None, typer.Option("--time-limit", help="Seconds per solve (default 300).")
        ] = None,
        gap: Annotated[float | None, typer.Option("--gap", help="Relative gap to stop at.")] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the result as JSON only.")
        ] = False,
    ) -> None:
        """Choose P warehouses that serve well across all the scenarios (one shared siting)."""
        from optimizer.cli import emit_json
        from optimizer.engine.solver import SolveOptions
        from optimizer.studies.robust import CRITERIA, robust_summary, solve_robust, write_robust

        if criterion not in CRITERIA:
            msg = f"--criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}"
            raise InputError(msg)
        kw = {
            k: v
            for k, v in {"solver": solver, "time_limit_s": time_limit, "rel_gap": gap}.items()
            if v is not None
        }
        kw.setdefault("time_limit_s", 300.0)
        kw.setdefault("rel_gap", 1e-3)
        result = solve_robust(
            scenarios,
            warehouses,
            criterion=criterion,  # type: ignore[arg-type]
            options=SolveOptions(**kw),
            say=_say,
        )
        files = write_robust(result, out or Path("results") / "robust")
        if as_json:
            emit_json({**result.to_json(), "files": {k: str(v) for k, v in files.items()}})
        else:
            typer.echo(robust_summary(result))
            typer.echo(f"report: {files['markdown']} (also robust_candidates.csv)")
        if not result.chosen:
            sys.exit(1)

    @app.command("sweep")
    def sweep_cmd(
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
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary only.")] = False,
    ) -> None:
        """Solve a grid or Monte Carlo set of scenarios in parallel on dask.distributed."""
        import json

        from optimizer.cli import emit_json
        from optimizer.studies.sweep import run_sweep, sweep_summary

        result = run_sweep(sweep_file, workers=workers, scheduler=scheduler, out=out, say=_say)
        if as_json:
            meta = json.loads(result.files["meta"].read_text(encoding="utf-8"))
            emit_json(
                {
                    **meta,
                    "files": {k: str(v) for k, v in result.files.items()},
                    "failures": _records(result.failures[["run", "scenario", "error"]]),
                }
            )
        else:
            typer.echo(sweep_summary(result))
        if len(result.failures) == len(result.table):
            sys.exit(1)


def _records(frame: object) -> list[dict[str, object]]:
    import math

    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    out = []
    for rec in frame.to_dict(orient="records"):
        clean = {}
        for k, v in rec.items():
            v = v.item() if hasattr(v, "item") else v
            missing = v is pd.NA or v is None or (isinstance(v, float) and math.isnan(v))
            clean[k] = None if missing else v
        out.append(clean)
    return out
