"""Reproduce the published optima of ../shared/benchmarks and time the peers.

Run on demand (not part of the test suite)::

    python benchmarks/run_benchmarks.py cflp-multi --backends highs,scip --peers cbc,highspy
    python benchmarks/run_benchmarks.py cflp-single --only cap6,cap7 --time-limit 120
    python benchmarks/run_benchmarks.py mcnd --time-limit 60 --csv mcnd.csv

The data are read in place from ``<repo>/../shared/benchmarks`` (the
environment variable ``CORRIDOR_BENCHMARKS`` overrides); nothing is copied
into the project. For each instance the table shows the published value,
ours per backend (value, difference, status, gap, seconds, independent
check), then each peer's time and our time over theirs. Multi-source values
are compared with a tolerance of 0.001, single-source with 0.005 (two
printed decimals), MCND values exactly up to 1e-4 relative.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import queue as queue_module
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import highspy_cflp, highspy_mcnd, pulp_cflp, pulp_mcnd

from optimizer.bench.instances import read_cap, read_dow
from optimizer.bench.run import run_cflp, run_mcnd
from optimizer.engine.solver import SolveOptions


def _peer_child(queue, fn, inst, kwargs) -> None:
    queue.put(fn(inst, **kwargs))


def run_peer(fn, inst, hard_limit: float, **kwargs) -> tuple:
    """Run a peer in a child process, killed after ``hard_limit`` s (CBC ignores its limit
    while in the root LP); returns ``(status, objective, seconds)``."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    started = time.perf_counter()
    child = ctx.Process(target=_peer_child, args=(queue, fn, inst, kwargs))
    child.start()
    try:
        return queue.get(timeout=hard_limit)
    except queue_module.Empty:
        return "killed", None, time.perf_counter() - started
    finally:
        if child.is_alive():
            for grandchild in _children(child.pid):
                os.kill(grandchild, signal.SIGKILL)
            child.kill()
        child.join()


def _children(pid: int) -> list[int]:
    """Child process ids of ``pid`` (the cbc executable PuLP starts)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8")
    except OSError:
        return []
    return [int(p) for p in text.split()]


TOLERANCE = {"cflp-multi": 1e-3, "cflp-single": 5e-3, "mcnd": 1e-4}


def data_dir() -> Path:
    """The shared benchmark folder (``CORRIDOR_BENCHMARKS`` or ``<repo>/../shared/benchmarks``)."""
    env = os.environ.get("CORRIDOR_BENCHMARKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


def instances(family: str, root: Path) -> list[tuple[str, Path, float | None, float | None]]:
    """(name, file, capacity, published value) per instance of ``family``."""
    out = []
    if family.startswith("cflp"):
        sourcing = "multi" if family == "cflp-multi" else "single"
        with (root / "known_optima.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["family"] != "orlib_cap" or row["sourcing"] != sourcing:
                    continue
                name = row["instance"]
                stem, _, cap = name.partition("_")
                out.append(
                    (
                        name,
                        root / "orlib_cap" / f"{stem}.txt",
                        float(cap) if cap else None,
                        float(row["objective"]),
                    )
                )
        return out
    reference = {}
    with (root / "mcnd" / "R" / "highs_reference.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            value = row["objective"]
            reference[row["instance"]] = float(value) if value not in ("", "None") else None
    for file in sorted((root / "mcnd" / "R").glob("*.dow")):
        name = file.name.removesuffix(".dow")
        out.append((name, file, None, reference.get(name)))
    return out


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("family", choices=["cflp-multi", "cflp-single", "mcnd"])
    parser.add_argument("--backends", default="highs", help="highs,highspy,scip,cpsat")
    parser.add_argument("--peers", default="cbc,highspy", help="comma list of cbc,highspy or ''")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--peer-time-limit", type=float, default=None)
    parser.add_argument("--only", default="", help="comma list of name prefixes")
    parser.add_argument("--csv", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    root = data_dir()
    if not root.is_dir():
        print(f"benchmark data not found at {root} (set CORRIDOR_BENCHMARKS)", file=sys.stderr)
        return 2
    todo = instances(args.family, root)
    if args.only:
        prefixes = tuple(p for p in args.only.split(",") if p)
        todo = [t for t in todo if t[0].startswith(prefixes)]
    backends = [b for b in args.backends.split(",") if b]
    peers = [p for p in args.peers.split(",") if p]
    peer_limit = args.peer_time_limit or args.time_limit
    single = args.family == "cflp-single"
    tol = TOLERANCE[args.family]
    rows = []
    for name, file, capacity, published in todo:
        row: dict[str, object] = {"instance": name, "published": published}
        inst = read_dow(file) if args.family == "mcnd" else read_cap(file, capacity=capacity)
        for backend in backends:
            options = SolveOptions(
                solver=backend,
                time_limit_s=args.time_limit,
                rel_gap=1e-9,
                abs_gap=1e-4,
                threads=1,
                seed=0,
            )
            if args.family == "mcnd":
                r = run_mcnd(inst, file, options=options)
            else:
                r = run_cflp(inst, file, single_source=single, options=options)
            diff = None
            if r["objective"] is not None and published is not None:
                diff = r["objective"] - published
            ok = r["status"] == "infeasible" and published is None
            if diff is not None:
                limit = tol * max(1.0, abs(published)) if args.family == "mcnd" else tol
                ok = abs(diff) <= limit + 1e-9 and r["status"] == "optimal"
            row.update(
                {
                    f"{backend}_objective": r["objective"],
                    f"{backend}_diff": diff,
                    f"{backend}_status": r["status"],
                    f"{backend}_gap": r["gap"],
                    f"{backend}_seconds": r["seconds"],
                    f"{backend}_check": r["check"],
                    f"{backend}_reproduced": ok,
                }
            )
        for peer in peers:
            started = time.perf_counter()
            hard = 1.5 * peer_limit + 30
            try:
                if args.family == "mcnd":
                    fn = pulp_mcnd if peer == "cbc" else highspy_mcnd
                    status, objective, seconds = run_peer(fn, inst, hard, time_limit=peer_limit)
                else:
                    fn = pulp_cflp if peer == "cbc" else highspy_cflp
                    status, objective, seconds = run_peer(
                        fn, inst, hard, single_source=single, time_limit=peer_limit
                    )
            except Exception as exc:
                status, objective, seconds = f"error: {exc}", None, time.perf_counter() - started
            row.update(
                {
                    f"peer_{peer}_status": status,
                    f"peer_{peer}_objective": objective,
                    f"peer_{peer}_seconds": round(seconds, 3),
                }
            )
        rows.append(row)
        print(_line(row, backends, peers), flush=True)
    _summary(rows, backends, peers)
    if args.csv:
        keys = list(dict.fromkeys(k for r in rows for k in r))
        with args.csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=keys)
            writer.writeheader()
            writer.writerows(rows)
    return 0


def _num(value: object, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _line(row: dict, backends: list[str], peers: list[str]) -> str:
    parts = [f"{row['instance']:<11}", f"{_num(row['published'], ',.3f'):>17}"]
    for b in backends:
        gap = row[f"{b}_gap"]
        parts.append(
            f"| {b} {_num(row[f'{b}_objective'], ',.4f'):>17} {_num(row[f'{b}_diff'], '+.4f'):>9}"
            f" {row[f'{b}_status']:<10} {'-' if gap is None else f'{100 * gap:.3f}%':>7}"
            f" {row[f'{b}_seconds']:7.2f}s check={row[f'{b}_check'] or '-'}"
            f" {'OK' if row[f'{b}_reproduced'] else 'MISS'}"
        )
    ours = row.get(f"{backends[0]}_seconds") if backends else None
    for p in peers:
        theirs = row[f"peer_{p}_seconds"]
        ratio = "-" if not ours or not theirs else f"{ours / theirs:.2f}x"
        parts.append(f"| {p} {row[f'peer_{p}_status'][:10]:<10} {theirs:7.2f}s ratio {ratio}")
    return " ".join(parts)


def _summary(rows: list[dict], backends: list[str], peers: list[str]) -> None:
    print()
    for b in backends:
        total = sum(r[f"{b}_seconds"] for r in rows)
        hit = sum(bool(r[f"{b}_reproduced"]) for r in rows)
        print(f"ours/{b}: {hit}/{len(rows)} reproduced, total {total:.1f} s")
    for p in peers:
        theirs = sum(r[f"peer_{p}_seconds"] for r in rows)
        solved = sum(r[f"peer_{p}_status"] == "optimal" for r in rows)
        ratios = (
            ", ".join(
                f"ours/{b} over {p}: {sum(r[f'{b}_seconds'] for r in rows) / theirs:.2f}x"
                for b in backends
            )
            if theirs
            else "-"
        )
        print(f"peer {p}: {solved}/{len(rows)} optimal, total {theirs:.1f} s; {ratios}")


if __name__ == "__main__":
    sys.exit(main())
