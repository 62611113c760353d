"""Benchmark of design model v2 and ``corridor explain`` (issue 15) on the bundled baseline.

Run on demand (not part of the test suite)::

    python benchmarks/bench_explain.py [--solver highspy] [--top 5] [--jobs 2]

Solves ``scenarios/baseline.yaml`` into a temporary folder, then explains it
(every used site closed, the ``--top`` best unused sites opened), and prints
the model size, every solve's status, objective, gap and time, and the two
targets of the issue: baseline proven within 0.1 % in at most 60 s, explain
within 300 s in total.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizer.studies.explain import explain  # noqa: E402
from optimizer.studies.pipeline import run_scenario  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--solver", default="highspy")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = run_scenario(args.scenario, out=Path(tmp) / "baseline", solver=args.solver)
        base_s = time.perf_counter() - t0
        sol = run.solution
        print(f"model: {sol.model_size}")
        print(
            f"baseline: {sol.status}, objective {sol.objective:,.0f}, gap {sol.gap:.4%}, "
            f"{base_s:.1f} s wall (target <= 60 s at gap <= 0.1 %: "
            f"{'met' if base_s <= 60 and (sol.gap or 1) <= 1e-3 else 'NOT met'})"
        )
        t0 = time.perf_counter()
        ex = explain(run.directory, top=args.top, jobs=args.jobs)
        ex_s = time.perf_counter() - t0
        for r in ex.rows:
            if not r["test"]:
                continue
            print(
                f"  {r['test']:<5} {r['warehouse_id']:<16} {r['status']:<9} "
                f"change {r['forced_change_cny'] or 0:>14,.0f}  gap {r['gap'] or 0:.4%}  "
                f"{r['seconds'] or 0:6.1f} s  {r['verdict']}"
            )
        tests = sum(1 for r in ex.rows if r["test"])
        print(
            f"explain: {tests} re-solves, {ex_s:.1f} s wall with {args.jobs} jobs "
            f"(target <= 300 s: {'met' if ex_s <= 300 else 'NOT met'}; ratio {ex_s / 300:.2f})"
        )


if __name__ == "__main__":
    main()
