"""Route-pricing benchmark: quote latency on the bundled network.

Run: ``python benchmarks/bench_pricing.py [--data DIR] [--repeat N]``.

Prints the median and 95th percentile time of one quote (after loading, on
warm caches) for a few origin-destination pairs, and the total time to quote
every origin zone to every market, and a batch of 1,000 requests read from a CSV file
(``corridor price --batch``). Targets: one quote < 20 ms median; all origins x all
markets < 5 s in total (issue 5); a batch of 1,000 requests < 10 s (issue 19).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from optimizer.data.loader import load_network
from optimizer.data.network import Network
from optimizer.pricing.batch import Failed, quote_batch, read_requests
from optimizer.pricing.quote import Cargo, NoRouteError, pareto_routes, quote

PAIRS = [
    ("CN_DY_ETDZ", "DE_WH_DUISBURG"),
    ("CN_DY_ETDZ", "DE_DUISBURG"),
    ("CN_DY_ETDZ", "DE_MKT_WEST"),
]


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = load_network(args.data)
    t_load = time.perf_counter() - t0
    origins = net.nodes_of_kind("origin")
    markets = net.nodes_of_kind("market")
    print(
        f"network: {net.data_dir} ({len(net.nodes)} nodes, {len(net.service_table)} active "
        f"services); load {t_load:.2f} s"
    )
    cargo = Cargo(tonnes=5.0, cbm=20.0, value_cny=600_000.0)

    t0 = time.perf_counter()
    quote(net, *PAIRS[0], cargo)  # first quote builds the per-network cache
    print(f"first quote (builds the per-network cache): {1000 * (time.perf_counter() - t0):.1f} ms")

    for origin, destination in PAIRS:
        if origin not in net.nodes.index or destination not in net.nodes.index:
            continue
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            q = quote(net, origin, destination, cargo)
            times.append(time.perf_counter() - t0)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        median = 1000 * statistics.median(times)
        print(
            f"one quote {origin} -> {destination}: median {median:.2f} ms,"
            f" p95 {1000 * p95:.2f} ms ({q.pareto_count} Pareto routes, {args.repeat} runs)"
        )

    origin, destination = PAIRS[0]
    times = []
    for k in range(args.repeat):
        fresh = Cargo(tonnes=5.0 + k / 1000.0, cbm=20.0, value_cny=600_000.0)  # no memo hits
        t0 = time.perf_counter()
        quote(net, origin, destination, fresh)
        times.append(time.perf_counter() - t0)
    print(
        f"one quote {origin} -> {destination}, a new cargo each run (cold memo): median "
        f"{1000 * statistics.median(times):.2f} ms"
    )

    batch_figures(net)

    for label, fn in (("quote", quote), ("pareto_routes", pareto_routes)):
        t0 = time.perf_counter()
        ok = none = routes = 0
        per = []
        for o in origins:
            for m in markets:
                t1 = time.perf_counter()
                try:
                    res = fn(net, o, m, cargo)
                except NoRouteError:
                    none += 1
                else:
                    ok += 1
                    routes += res.pareto_count if label == "quote" else len(res)  # type: ignore[union-attr, arg-type]
                per.append(time.perf_counter() - t1)
        total = time.perf_counter() - t0
        print(
            f"all origins x all markets with {label}: {len(origins)} x {len(markets)} = "
            f"{ok + none} quotes in {total:.2f} s (median {1000 * statistics.median(per):.2f} ms,"
            f" max {1000 * max(per):.1f} ms); {ok} priced, {none} without a route; "
            f"{routes / max(ok, 1):.1f} Pareto routes on average"
        )


def batch_figures(net: Network, n: int = 1000) -> None:
    """Time ``corridor price --batch`` on ``n`` requests of places by name (cities, zones)."""
    rng = random.Random(19)
    places = ["德阳经开区", "Chengdu", "Mianyang", "Deyang", "CN_DY_ETDZ"]
    targets = ["Los Angeles", "Duisburg", "Tokyo", "Almaty", "Łódź", "Dubai", "Singapore"]
    rows = ["id,from,to,tonnes,cbm,product,value,ready"]
    for i in range(n):
        t = rng.choice([0.3, 1.0, 5.0, 12.0, 20.0])
        rows.append(
            f"R{i},{rng.choice(places)},{rng.choice(targets)},{t},{t * rng.choice([1, 3, 6])},"
            f"{rng.choice(['', 'electronics', 'ecommerce_parcels'])},,"
            f"2026-12-{rng.randint(7, 28):02d}"
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requests.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        t0 = time.perf_counter()
        requests = read_requests(path)
        results = quote_batch(net, requests)
        total = time.perf_counter() - t0
    failed = sum(isinstance(r, Failed) for r in results)
    print(
        f"batch of {n:,} requests (read, check, quote): {total:.2f} s, "
        f"{1000 * total / n:.2f} ms a request, {failed} failed (target < 10 s)"
    )


if __name__ == "__main__":
    main()
