"""Benchmark of ``corridor sweep`` (issue 6): 50 baseline-sized scenarios on 1 and 2 workers.

Run on demand (not part of the test suite)::

    python benchmarks/bench_sweep.py [--sweep scenarios/sweeps/border_rates_demand.yaml]
                                     [--workers 1,2] [--runs N] [--out DIR]

Runs the same seeded sweep on a LocalCluster with each worker count, prints
the wall time of each, the speed-up against the first, and whether the
result tables are identical (they must be: the runs are drawn up front from
the seed and gathered by run id).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizer.studies.sweep import run_sweep  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default=str(ROOT / "scenarios/sweeps/border_rates_demand.yaml"))
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--runs", type=int, default=None, help="override the number of runs")
    ap.add_argument("--out", default=None, help="where to keep the sweep outputs")
    args = ap.parse_args()

    sweep = Path(args.sweep).resolve()
    if args.runs is not None:  # a copy of the sweep file with fewer or more runs
        spec = yaml.safe_load(sweep.read_text(encoding="utf-8"))
        spec["runs"] = args.runs
        spec["base"] = str((sweep.parent / spec["base"]).resolve())
        tmp = Path(tempfile.mkdtemp()) / sweep.name
        tmp.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        sweep = tmp
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    counts = [int(x) for x in args.workers.split(",")]
    print(
        f"# corridor sweep benchmark: {sweep.name}, python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}"
    )
    rows = []
    tables: dict[int, pd.DataFrame] = {}
    for n in counts:
        res = run_sweep(sweep, workers=n, out=out / f"workers_{n}")
        tables[n] = res.table
        solve_s = float(res.timings["seconds"].sum())
        rows.append(
            {
                "workers": n,
                "runs": len(res.table),
                "solved": int(res.table["status"].isin(["optimal", "feasible"]).sum()),
                "failed": len(res.failures),
                "wall_s": round(res.wall_seconds, 1),
                "sum_run_s": round(solve_s, 1),
                "mean_run_s": round(solve_s / max(len(res.table), 1), 2),
            }
        )
    frame = pd.DataFrame(rows)
    frame["speedup"] = (frame["wall_s"].iloc[0] / frame["wall_s"]).round(2)
    first = tables[counts[0]]
    frame["same_table"] = [tables[n].equals(first) for n in counts]
    print(frame.to_string(index=False))
    print(f"outputs in {out}/")


if __name__ == "__main__":
    main()
