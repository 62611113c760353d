"""What each part of our CFLP formulation buys: the same instances with parts left out.

Run on demand (not part of the test suite)::

    python benchmarks/ablation_cflp.py cflp-single --only cap6,cap7,cap9,cap10,cap12,cap13
    python benchmarks/ablation_cflp.py cflp-multi --backend highs

Variants (all through :mod:`optimizer.engine.core`, checked by the independent checker):

* ``ours``: strong linking ``x_ij <= min(1, s_i/d_j) y_i`` and the capacity
  cover cut ``sum_i s_i y_i >= sum_j d_j`` (what ``corridor bench`` runs);
* ``no_cover``: without the cover cut;
* ``no_linking``: without the strong linking rows (capacity rows only link).

``min(1, s_i/d_j)`` is 1 in every cap instance (no customer exceeds a
capacity), so ``no_cover`` is also the peers' textbook formulation.

Prints, per variant, how many published values were reproduced and proven,
and the total time.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_benchmarks import TOLERANCE, data_dir, instances

from optimizer.bench.instances import read_cap
from optimizer.bench.run import check_facility_location
from optimizer.engine.core import solve_design
from optimizer.engine.solver import SolveOptions
from optimizer.models.cflp import facility_location_problem, facility_location_result

VARIANTS = {
    "ours": lambda p: p,
    "no_cover": lambda p: replace(p, constraints=()),
    "no_linking": lambda p: replace(p, strong_linking=False),
}


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("family", choices=["cflp-multi", "cflp-single"])
    parser.add_argument("--backend", default="highspy")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--only", default="cap", help="comma list of name prefixes")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    root = data_dir()
    if not root.is_dir():
        print(f"benchmark data not found at {root} (set CORRIDOR_BENCHMARKS)", file=sys.stderr)
        return 2
    prefixes = tuple(p for p in args.only.split(",") if p)
    todo = [t for t in instances(args.family, root) if t[0].startswith(prefixes)]
    single = args.family == "cflp-single"
    options = SolveOptions(
        solver=args.backend,
        time_limit_s=args.time_limit,
        rel_gap=1e-9,
        abs_gap=1e-4,
        threads=1,
        seed=0,
    )
    variants = [v for v in args.variants.split(",") if v]
    totals = {v: [0.0, 0] for v in variants}
    for name, file, capacity, published in todo:
        inst = read_cap(file, capacity=capacity)
        cells = [f"{name:<10}"]
        for variant in variants:
            base = facility_location_problem(
                inst.fixed_cost,
                inst.capacity,
                inst.demand,
                inst.assignment_cost,
                single_source=single,
                name=name,
            )
            problem = VARIANTS[variant](base)
            started = time.perf_counter()
            result = facility_location_result(problem, solve_design(problem, options))
            seconds = time.perf_counter() - started
            ok = False
            if result.has_solution and result.objective is not None:
                assert result.assignment is not None
                check = check_facility_location(
                    inst, result.assignment, result.open_facilities, single_source=single
                )
                ok = (
                    check.ok
                    and result.status == "optimal"
                    and abs(result.objective - published) <= TOLERANCE[args.family] + 1e-9
                )
            totals[variant][0] += seconds
            totals[variant][1] += ok
            verdict = "OK" if ok else "MISS"
            cells.append(f"{variant} {result.status[:8]:<8} {seconds:7.2f}s {verdict}")
        print(" | ".join(cells), flush=True)
    print()
    for variant, (seconds, hit) in totals.items():
        print(f"{variant:<11} {hit}/{len(todo)} reproduced and proven, total {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
