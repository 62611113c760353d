"""Turn a ``run_benchmarks.py --csv`` file into the markdown tables of benchmarks/README.md.

    python benchmarks/table.py multi.csv [--backends highspy,highs] [--peers cbc,highspy]

Prints a per-instance table (published value, ours per backend: value,
difference, status, gap, seconds; peers: status, seconds; our time over
theirs) and a summary (reproduced and proven, total seconds, ratios).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path


def _f(value: str, spec: str) -> str:
    if value in ("", "None"):
        return "-"
    return format(float(value), spec)


def _gap(value: str) -> str:
    return "-" if value in ("", "None") else f"{100 * float(value):.3f} %"


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--backends", default="highspy")
    parser.add_argument("--peers", default="")
    args = parser.parse_args()
    with args.csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    backends = [b for b in args.backends.split(",") if b]
    peers = [p for p in args.peers.split(",") if p]
    head = ["instance", "published"]
    for b in backends:
        head += [f"ours {b}", "diff", "status", "gap", "s"]
    for p in peers:
        head += [f"{p} status", f"{p} s"]
        head += [f"ours {b} / {p}" for b in backends[:1]]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(" --- " for _ in head) + "|")
    for r in rows:
        cells = [r["instance"], _f(r["published"], ",.3f")]
        for b in backends:
            cells += [
                _f(r[f"{b}_objective"], ",.4f"),
                _f(r[f"{b}_diff"], "+.4f"),
                r[f"{b}_status"],
                _gap(r[f"{b}_gap"]),
                _f(r[f"{b}_seconds"], ".2f"),
            ]
        for p in peers:
            cells += [r[f"peer_{p}_status"], _f(r[f"peer_{p}_seconds"], ".2f")]
            for b in backends[:1]:
                ours, theirs = float(r[f"{b}_seconds"]), float(r[f"peer_{p}_seconds"])
                cells.append(f"{ours / theirs:.2f}" if theirs else "-")
        print("| " + " | ".join(cells) + " |")
    print()
    print("| | reproduced and proven | total s |")
    print("| --- | --- | ---: |")
    for b in backends:
        hit = sum(r[f"{b}_reproduced"] == "True" for r in rows)
        total = sum(float(r[f"{b}_seconds"]) for r in rows)
        print(f"| ours, {b} | {hit}/{len(rows)} | {total:.1f} |")
    for p in peers:
        solved = sum(r[f"peer_{p}_status"] == "optimal" for r in rows)
        total = sum(float(r[f"peer_{p}_seconds"]) for r in rows)
        ratios = ", ".join(
            f"ours {b} / {p} = {sum(float(r[f'{b}_seconds']) for r in rows) / total:.2f}x"
            for b in backends
        )
        print(f"| {p} | {solved}/{len(rows)} optimal | {total:.1f} ({ratios}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
