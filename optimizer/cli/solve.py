"""``corridor solve``: solve a scenario, check the solution, write the result files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer import code_version


def run_scenario(
    scenario_path: str | Path,
    *,
    out: str | Path | None = None,
    solver: str | None = None,
    time_limit_s: float | None = None,
    rel_gap: float | None = None,
    threads: int | None = None,
    seed: int | None = None,
    verbose: bool = False,
    say: Callable[[str], None] | None = None,
) -> tuple[Any, Path]:
    """Solve a scenario file end to end; return ``(Solution, result directory)``.

    Loads the scenario and its network, builds and solves the design model,
    runs the independent checker, and writes the result directory atomically.
    """
    from optimizer.data.scenario import load_scenario, network_of
    from optimizer.models.design import build_problem, solve_problem
    from optimizer.results.check import summarize, verify
    from optimizer.results.solution import save_solution, solution_from_solve

    say = say or (lambda _m: None)
    t0 = time.perf_counter()
    sc = load_scenario(scenario_path)
    say(f"scenario {sc.name}: loading {sc.data_dir} and applying {len(sc.changes)} change(s)")
    net = network_of(sc)
    dopts = sc.design_options()
    sopts = sc.solve_options(
        solver=solver,
        time_limit_s=time_limit_s,
        rel_gap=rel_gap,
        threads=threads,
        seed=seed,
        verbose=verbose,
    )
    problem = build_problem(net, dopts, progress=say)
    say(f"solving with {sopts.solver} (time limit {sopts.time_limit_s:g} s, gap {sopts.rel_gap:g})")
    solved = solve_problem(problem, sopts, log=say)
    r = solved.result
    say(f"{r.status}: objective {r.objective}, bound {r.bound}, {r.seconds:.1f} s, model {r.size}")
    sol = solution_from_solve(solved, sc.name)
    report = verify(net, sol, dopts) if r.has_solution else None
    meta = {
        "scenario_file": str(scenario_path),
        "description": sc.description,
        "data_dir": sc.data_dir,
        "fingerprint": sc.fingerprint(),
        "code_version": code_version(),
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(dopts).items()},
        "solve_options": asdict(sopts),
        "unserved_precheck": problem.unserved,
        "check": summarize(report) if report is not None else None,
        "wall_seconds": round(time.perf_counter() - t0, 3),
    }
    sol = type(sol)(**{**sol.__dict__, "meta": meta})
    target = Path(out) if out is not None else Path("results") / sc.name
    save_solution(sol, target)
    if report is not None and not report.ok:
        say("CHECK FAILED: " + "; ".join(report.violations[:5]))
    return sol, target


def register(app: typer.Typer) -> None:
    """Add ``solve`` to the main app."""

    @app.command("solve")
    def solve_cmd(
        scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Result directory (default results/<scenario name>/)."),
        ] = None,
        solver: Annotated[
            str | None, typer.Option("--solver", help="highs, highspy, scip or cpsat.")
        ] = None,
        time_limit: Annotated[float | None, typer.Option("--time-limit", help="Seconds.")] = None,
        gap: Annotated[float | None, typer.Option("--gap", help="Relative gap to stop at.")] = None,
        threads: Annotated[int | None, typer.Option("--threads")] = None,
        seed: Annotated[int | None, typer.Option("--seed")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print solution.json only.")] = False,
        verbose: Annotated[bool, typer.Option("--verbose", help="Solver log on stderr.")] = False,
        make_map: Annotated[
            bool, typer.Option("--map", help="Also write a map of the solution.")
        ] = False,
        offline: Annotated[
            bool, typer.Option("--offline", help="Map with inlined assets.")
        ] = False,
    ) -> None:
        """Solve a scenario: warehouse siting and consolidated routing."""
        from optimizer.cli import emit_json, err

        def say(msg: str) -> None:
            err(f"[{time.strftime('%H:%M:%S')}] {msg}")

        sol, target = run_scenario(
            scenario,
            out=out,
            solver=solver,
            time_limit_s=time_limit,
            rel_gap=gap,
            threads=threads,
            seed=seed,
            verbose=verbose,
            say=say,
        )
        if make_map:
            try:
                from optimizer.output.mapping import write_solution_map
            except ModuleNotFoundError:
                say("maps are not available in this version")
            else:
                path = write_solution_map(target, offline=offline)
                say(f"map written to {path}")
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
