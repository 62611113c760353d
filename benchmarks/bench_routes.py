"""Benchmark of whole-network route generation (issue 16): run on demand, not in the test suite.

    python benchmarks/bench_routes.py [--quick] [--complete-limit 900] [--peer-limit 300]

Prints, measured side by side in one run on this machine:

1. the baseline under the three route methods: ``k_shortest`` (the list of
   v2), ``generated`` (price-and-branch, the default) and ``complete`` (the
   MILP over every route of the catalogue: its bound holds for the whole
   network), with status, objective, bound, gap, time and the LP bound over
   every route;
2. the same complete-catalogue MILP written by hand the way an OR user would
   (the textbook path form over every route, as arrays) and handed to HiGHS
   directly (highspy) and to CBC through PuLP: time ratios and objectives;
3. monotonicity on the baseline: sea rates x 2, CR Express rates x 1.5 and the
   Poland-Belarus border closed may not lower the optimum by more than the
   two solves' combined tolerance;
4. a warm-started scenario variant (Red Sea closure, from the baseline's
   solution) against the same variant solved cold;
5. the 10x-demand instance (every demand row split into ten firms) to 1 %;
6. ``corridor robust`` on the README example (3 scenarios, P = 5, regret).

``--quick`` skips the long parts (the complete MILP, the peers, robust).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_design import scaled  # noqa: E402
from optimizer.data.scenario import ScaleRates, apply_changes  # noqa: E402
from optimizer.engine.core import build_model  # noqa: E402
from optimizer.engine.solver import SolveOptions  # noqa: E402
from optimizer.models.design import DomainSolve, build_problem, solve_problem  # noqa: E402
from optimizer.models.incumbent import Incumbent  # noqa: E402
from optimizer.studies.moves import tolerance  # noqa: E402
from optimizer.studies.pipeline import as_scenario, design_options, network_of  # noqa: E402

SCENARIOS = ROOT / "scenarios"


def _row(label: str, solved: DomainSolve, seconds: float) -> dict[str, Any]:
    r = solved.result
    rg = solved.route_generation
    return {
        "case": label,
        "status": r.status,
        "objective_M": None if r.objective is None else r.objective / 1e6,
        "bound_M": None if r.bound is None else r.bound / 1e6,
        "gap_pct": None if r.gap is None else 100 * r.gap,
        "seconds": seconds,
        "routes": len(solved.problem.routes),
        "lp_bound_every_route_M": (
            rg.lp_bound_exact / 1e6 if rg is not None and rg.lp_bound_exact is not None else None
        ),
        "bound_scope": rg.bound_scope if rg is not None else "",
    }


def _print(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    cells = [[_fmt(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for x in cells:
        print("  ".join(v.ljust(w) for v, w in zip(x, widths, strict=True)))
    print(flush=True)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.3f}"
    return str(v)


def solve(net: Any, dopts: Any, limit: float, gap: float, start: Incumbent | None = None):
    t0 = time.perf_counter()
    problem = build_problem(net, dopts)
    solved = solve_problem(problem, SolveOptions(time_limit_s=limit, rel_gap=gap), start=start)
    return solved, time.perf_counter() - t0


def peers(net: Any, dopts: Any, limit: float) -> list[dict[str, Any]]:
    """The complete-catalogue MILP as plain arrays, handed to highspy and to PuLP/CBC."""
    import highspy
    import pulp

    from benchmarks.peers import _highspy_solve, _pulp_solve

    out = []
    t0 = time.perf_counter()
    problem = build_problem(net, replace(dopts, routes="complete"))
    model = build_model(problem.core).model
    rows, cols, vals = model.coo()
    kinds = highspy.HighsVarType
    integrality = [kinds.kInteger if i else kinds.kContinuous for i in model.integer]
    status, objective, seconds = _highspy_solve(
        model.cost,
        model.lb,
        model.ub,
        integrality,
        rows,
        cols,
        vals,
        model.row_lb,
        model.row_ub,
        limit,
        t0,
    )
    out.append(
        {
            "peer": "highspy, every route",
            "status": status,
            "objective_M": objective and objective / 1e6,
            "seconds": seconds,
        }
    )
    t0 = time.perf_counter()
    prob = pulp.LpProblem("corridor", pulp.LpMinimize)
    x = [
        pulp.LpVariable(
            f"x{j}",
            lowBound=float(model.lb[j]) if np.isfinite(model.lb[j]) else None,
            upBound=float(model.ub[j]) if np.isfinite(model.ub[j]) else None,
            cat=pulp.LpInteger if model.integer[j] else pulp.LpContinuous,
        )
        for j in range(model.num_vars)
    ]
    prob += pulp.lpSum(float(c) * x[j] for j, c in enumerate(model.cost) if c)
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(model.num_rows + 1))
    for i in range(model.num_rows):
        sel = order[bounds[i] : bounds[i + 1]]
        expr = pulp.lpSum(float(v) * x[c] for c, v in zip(cols[sel], vals[sel], strict=True))
        lo, hi = model.row_lb[i], model.row_ub[i]
        if np.isfinite(lo) and np.isfinite(hi) and lo == hi:
            prob += expr == float(lo)
        else:
            if np.isfinite(lo):
                prob += expr >= float(lo)
            if np.isfinite(hi):
                prob += expr <= float(hi)
    status, objective, seconds = _pulp_solve(prob, limit, t0)
    out.append(
        {
            "peer": "PuLP/CBC, every route",
            "status": status,
            "objective_M": objective and objective / 1e6,
            "seconds": seconds,
        }
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--limit", type=float, default=120.0, help="time limit of our solves")
    ap.add_argument("--complete-limit", type=float, default=900.0)
    ap.add_argument("--peer-limit", type=float, default=300.0)
    args = ap.parse_args()
    print(f"# corridor route generation, {platform.node()} ({platform.processor() or 'cpu'})")
    base_sc = as_scenario(SCENARIOS / "baseline.yaml")
    net = network_of(base_sc)
    dopts = design_options(base_sc)

    # 1. route methods on the baseline
    rows = []
    solved: dict[str, tuple[DomainSolve, float]] = {}
    methods = ["k_shortest", "generated"] + ([] if args.quick else ["complete"])
    for method in methods:
        limit = args.complete_limit if method == "complete" else args.limit
        solved[method] = solve(net, replace(dopts, routes=method), limit, 1e-3)
        rows.append(_row(f"baseline, routes={method}", *solved[method]))
    print("## 1. Baseline: which routes the model chooses among (gap target 0.1 %)")
    _print(rows)
    best_bound = max(
        (
            s.result.bound
            for s, _ in solved.values()
            if s.route_generation
            and s.route_generation.bound_scope == "network"
            and s.result.bound is not None
        ),
        default=None,
    )
    if best_bound is not None:
        for method, (s, _) in solved.items():
            if s.result.objective is not None:
                print(
                    f"{method}: {100 * (s.result.objective / best_bound - 1):.2f} % above "
                    "the bound valid for the whole network"
                )
        print()

    # 2. peers on the same complete-catalogue model
    if not args.quick:
        print(
            "## 2. The MILP over every route handed to HiGHS and CBC directly "
            f"(limit {args.peer_limit:g} s)"
        )
        ours = solved["generated"]
        prow = peers(net, dopts, args.peer_limit)
        for p in prow:
            p["ours_seconds"] = ours[1]
            p["ours_objective_M"] = ours[0].result.objective / 1e6
            p["time_ratio_ours_over_peer"] = ours[1] / p["seconds"]
        _print(prow)

    # 3. monotonicity
    print("## 3. Monotonicity on the baseline (a dearer or closed network may not be cheaper)")
    base, _ = solved["generated"]
    variants = {
        "sea rates x 2": apply_changes(
            net, [("scale_rates", ScaleRates(mode="sea", factor=2.0), "bench")]
        ),
        "CR Express rates x 1.5": apply_changes(
            net, [("scale_rates", ScaleRates(mode="cr_express", factor=1.5), "bench")]
        ),
        "Poland-Belarus border closed": network_of(
            as_scenario(SCENARIOS / "poland_belarus_closure.yaml")
        ),
    }
    start = Incumbent.from_solve(base.problem, base.result)
    mrows = []
    ok_all = True
    for label, vnet in variants.items():
        v, secs = solve(vnet, dopts, args.limit, 1e-3, start=start)
        diff = (v.result.objective or np.nan) - (base.result.objective or np.nan)
        tol = tolerance(base.result, v.result)
        ok = bool(diff >= -tol)
        ok_all &= ok
        mrows.append(
            {
                "variant": label,
                "objective_M": v.result.objective / 1e6,
                "vs_baseline_M": diff / 1e6,
                "combined_tolerance_M": tol / 1e6,
                "monotone": ok,
                "seconds": secs,
            }
        )
    _print(mrows)
    print("monotonicity:", "PASS" if ok_all else "FAIL", "\n")

    # 4. warm start
    print("## 4. A scenario variant warm-started from the baseline (Red Sea closure)")
    red = network_of(as_scenario(SCENARIOS / "red_sea_closure.yaml"))
    red_opts = design_options(as_scenario(SCENARIOS / "red_sea_closure.yaml"))
    warm = solve(red, red_opts, args.limit, 1e-3, start=start)
    cold = solve(red, red_opts, args.limit, 1e-3)
    wrows = [_row("red sea, warm", *warm), _row("red sea, cold", *cold)]
    _print(wrows)
    print(f"warm / cold time: {warm[1] / cold[1]:.2f}\n")

    # 5. 10x demand
    print("## 5. Ten times the demand rows (gap target 1 %)")
    big = scaled(net, 10)
    x10 = solve(big, dopts, args.limit, 1e-2)
    _print([_row("10x demand", *x10)])

    # 6. robust
    if not args.quick:
        from optimizer.studies.robust import solve_robust

        print("## 6. corridor robust, README example (3 scenarios, P=5, regret)")
        files = [
            SCENARIOS / f
            for f in ("baseline.yaml", "red_sea_closure.yaml", "poland_belarus_closure.yaml")
        ]
        t0 = time.perf_counter()
        rob = solve_robust(
            files, 5, criterion="regret", options=SolveOptions(time_limit_s=600, rel_gap=5e-3)
        )
        secs = time.perf_counter() - t0
        _print(
            [
                {
                    "status": rob.status,
                    "objective_M": rob.objective and rob.objective / 1e6,
                    "bound_M": rob.bound and rob.bound / 1e6,
                    "gap_pct": rob.gap and 100 * rob.gap,
                    "seconds": secs,
                    "chosen": ";".join(rob.chosen),
                }
            ]
        )


if __name__ == "__main__":
    main()
