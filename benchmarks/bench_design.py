"""Benchmark of the design model (issue 3): baseline and a 10x scaled instance per backend.

Run on demand (not part of the test suite)::

    python benchmarks/bench_design.py [--backends highs,scip,cpsat] [--scaled-limit 600]

Prints the model size (variables, integers, constraints), status, objective,
bound, gap and time for the baseline scenario and for the same network with
ten times the demand rows (each row split into ten firms of a tenth of its
tonnes, so the optimum is comparable but the model is ten times larger).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import ortools
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizer.data.scenario import load_scenario, network_of  # noqa: E402
from optimizer.engine.solver import SolveOptions  # noqa: E402
from optimizer.models.design import build_problem, solve_problem  # noqa: E402
from optimizer.results.check import verify  # noqa: E402
from optimizer.results.solution import solution_from_solve  # noqa: E402
from optimizer.studies.pipeline import design_options  # noqa: E402


def scaled(net, factor: int = 10):
    """Split every demand row into ``factor`` firms with equal shares."""
    rows = []
    for did, row in net.demand.iterrows():
        for i in range(factor):
            r = row.copy()
            r["id"] = f"{did}_f{i}"
            r["tonnes_per_year"] = row["tonnes_per_year"] / factor
            rows.append(r)
    demand = pd.DataFrame(rows).set_index("id", drop=False)
    demand.index.name = None
    return net.replace(demand=demand, name=f"{net.name}_x{factor}")


def run(net, dopts, backend: str, limit: float, gap: float) -> dict:
    t0 = time.perf_counter()
    problem = build_problem(net, dopts)
    built_s = time.perf_counter() - t0
    solved = solve_problem(problem, SolveOptions(solver=backend, time_limit_s=limit, rel_gap=gap))
    r = solved.result
    ok = None
    if r.has_solution:
        ok = verify(net, solution_from_solve(solved, net.name), dopts).ok
    return {
        "instance": net.name,
        "backend": backend,
        "demands": len(net.demand),
        "routes": len(problem.routes),
        **r.size,
        "status": r.status,
        "objective": r.objective,
        "bound": r.bound,
        "gap": r.gap,
        "build_s": round(built_s, 2),
        "solve_s": round(r.seconds, 2),
        "checked": ok,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--backends", default="highs,scip,cpsat")
    ap.add_argument("--limit", type=float, default=60.0)
    ap.add_argument("--scaled-limit", type=float, default=600.0)
    ap.add_argument("--skip-scaled", action="store_true")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    net = network_of(sc)
    dopts = design_options(sc)
    print(
        f"# machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"python {platform.python_version()}, ortools {ortools.__version__}"
    )
    rows = []
    for backend in args.backends.split(","):
        rows.append(run(net, dopts, backend, args.limit, 1e-3))
        print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    if not args.skip_scaled:
        big = scaled(net)
        for backend in args.backends.split(","):
            rows.append(run(big, dopts, backend, args.scaled_limit, 1e-2))
            print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    print()
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
