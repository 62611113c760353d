"""Benchmark of ``corridor plan`` and ``corridor frontier`` (issue 20), with peers in the same run.

Run on demand (not part of the test suite)::

    python benchmarks/bench_programme.py plan     [--peer] [--time-limit 300]
    python benchmarks/bench_programme.py frontier [--peer] [--min 1] [--max 15]

``plan`` solves the shipped programme (``scenarios/programme_2025_2030.yaml``,
6 years) as corridor does (price-and-branch over the stacked route catalogue)
and prints status, objective, bound, gap and time against the target (1 %
within 5 minutes). ``--peer`` also hands the same stacked MILP over the
*whole* catalogue (every route of every year) to HiGHS directly, with the
same options, as a user without column generation would.

``frontier`` solves the frontier of ``scenarios/baseline.yaml`` from
``--min`` to ``--max`` sites and prints each point and the total time
against the target (1 to 15 within 10 minutes). ``--peer`` solves the same
points cold (no warm start from the previous point) and prints the ratio.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizer.engine.core import build_model, extract  # noqa: E402
from optimizer.engine.solver import solve_milp  # noqa: E402
from optimizer.studies import plan as plan_study  # noqa: E402
from optimizer.studies.frontier import iter_frontier, monotone_violations  # noqa: E402

PROGRAMME = ROOT / "scenarios" / "programme_2025_2030.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
PLAN_TARGET = (0.01, 300.0)
FRONTIER_TARGET_S = 600.0


def _line(
    label: str,
    status: str,
    objective: float | None,
    bound: float | None,
    gap: float | None,
    seconds: float,
) -> str:
    obj = f"{objective:,.0f}" if objective is not None else "-"
    bnd = f"{bound:,.0f}" if bound is not None else "-"
    g = f"{gap:.2%}" if gap is not None else "-"
    return (
        f"{label:<34} {status:<10} objective {obj:>16}  bound {bnd:>16}  gap {g:>7}"
        f"  {seconds:7.1f} s"
    )


def bench_plan(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    result = plan_study.run_plan(PROGRAMME, time_limit_s=args.time_limit)
    doc = result.doc
    ours_s = time.perf_counter() - t0
    print(
        _line(
            "corridor plan (price-and-branch)",
            doc["status"],
            doc["objective"],
            doc["bound"],
            doc["gap"],
            ours_s,
        )
    )
    gap, limit = PLAN_TARGET
    ok = doc["gap"] is not None and doc["gap"] <= gap and ours_s <= limit
    print(f"  target: gap <= {gap:.0%} within {limit:.0f} s: {'met' if ok else 'MISSED'}")
    print(
        f"  routes in the MILP {doc.get('routes')} of {doc.get('catalogue_routes')};"
        f" check ok: {doc['check']['ok'] if doc.get('check') else None}"
    )
    if not args.peer:
        return
    from dataclasses import replace

    from optimizer.data.programme import load_programme
    from optimizer.data.scenario import network_of
    from optimizer.models.design import build_problem
    from optimizer.models.programme import build_programme
    from optimizer.studies.pipeline import options_from, solve_options

    t0 = time.perf_counter()
    programme = load_programme(PROGRAMME)
    net = network_of(programme.scenario)
    file_opts = {k: v for k, v in programme.spec.options.model_dump().items() if v is not None}
    opts = replace(options_from({**programme.scenario.options, **file_opts}), site_switches=True)
    base = build_problem(net, opts)
    pp = build_programme(base, plan_study.rules_of(programme, net, list(base.use_arcs)))
    sopts = replace(
        solve_options(
            programme.scenario, rel_gap=file_opts.get("rel_gap"), time_limit_s=args.time_limit
        )
    )
    built = build_model(pp.core)
    raw = solve_milp(built.model, sopts, started=t0)
    res = extract(pp.core, built, raw)
    peer_s = time.perf_counter() - t0
    print(
        _line(
            "peer: HiGHS on the whole catalogue",
            res.status,
            res.objective,
            res.bound,
            res.gap,
            peer_s,
        )
    )
    print(f"  ratio peer / ours: {peer_s / ours_s:.2f}x time; model {res.size}")


def bench_frontier(args: argparse.Namespace) -> None:
    def run(cold: bool) -> tuple[list, float]:
        points = []
        t0 = time.perf_counter()
        for p in iter_frontier(
            BASELINE,
            max_sites=args.max,
            min_sites=args.min,
            workers=args.workers,
            warm=not cold,
            time_limit_s=args.time_limit,
        ):
            points.append(p)
            print(
                _line(
                    f"  {p.warehouses:>2} sites ({p.used} used){' cold' if cold else ''}",
                    p.status,
                    p.objective,
                    p.bound,
                    p.gap,
                    p.seconds,
                ),
                flush=True,
            )
        return points, time.perf_counter() - t0

    points, ours_s = run(cold=False)
    print(
        f"frontier {args.min}..{args.max}: {ours_s:.1f} s; target {FRONTIER_TARGET_S:.0f} s:"
        f" {'met' if ours_s <= FRONTIER_TARGET_S else 'MISSED'}"
    )
    for line in monotone_violations(points):
        print(f"  warning: {line}")
    if args.peer:
        _, cold_s = run(cold=True)
        print(f"peer: cold points {cold_s:.1f} s; ratio cold / warm {cold_s / ours_s:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("what", choices=("plan", "frontier"))
    ap.add_argument("--peer", action="store_true")
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--min", type=int, default=1)
    ap.add_argument("--max", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2, help="frontier runs side by side")
    args = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    if args.what == "plan":
        bench_plan(args)
    else:
        bench_frontier(args)


if __name__ == "__main__":
    main()
