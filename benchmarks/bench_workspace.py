"""Benchmark of the workspace web app (``corridor app``): page times idle and while runs solve.

Run on demand (not part of the test suite)::

    python benchmarks/bench_workspace.py [--repeat 20] [--runs N] [--scenario FILE]
                                         [--interval 0.1] [--timeout 1800] [--quick]

Starts the workspace as ``corridor app`` builds it (SQLite store, a Runner on a
LocalCluster of ``--workers`` worker processes, the bundled network loaded on
first use) in a temporary data folder, served by uvicorn in a thread on a free
loopback port, and measures with a plain HTTP client (httpx):

1. start-up: the seconds until ``/health`` answers;
2. idle: each page requested ``--repeat`` times (the first, cold request shown
   apart); median, p95 and max in ms against the 300 ms target (p95);
3. load: ``--runs`` runs posted at once (default: every bundled scenario),
   the pages requested in turn every ``--interval`` s until every run is final
   (or ``--timeout``); page times during the load, runs done/failed, wall time
   and each run's seconds as the API reports them;
4. after: the pages of a finished run (run page, report, comparison of two runs,
   table download) requested ``--repeat`` times.

``--quick`` uses the tiny test network and its ``tiny_sea_*`` scenarios (well
under a minute), to check the script. Exit code 0 when the benchmark ran
(targets met or not), 2 when it could not run.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import platform
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 300.0
FINAL = ("done", "failed", "cancelled")
TINY = ROOT / "tests" / "data"
#: a quote the page answers, on the bundled network and on the tiny one
QUOTE = {"from": "Deyang", "to": "Duisburg", "tonnes": "5", "cbm": "20"}
QUOTE_TINY = {"from": "Origin Three", "to": "德国市场", "tonnes": "2", "cbm": "30"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Workspace:
    """The workspace app served by uvicorn in a thread (as ``corridor app`` builds it)."""

    def __init__(self, folder: Path, workers: int, quick: bool) -> None:
        import uvicorn

        from optimizer.workspace.app import create_workspace
        from optimizer.workspace.jobs import Runner
        from optimizer.workspace.store import Store, default_url

        kw: dict[str, Any] = {}
        if quick:
            from optimizer.data.loader import load_network

            kw = {"network": load_network(TINY / "tiny"), "scenarios_dir": TINY / "scenarios"}
        self.store = Store(default_url(folder))
        self.runner = Runner(self.store, folder / "results", workers=workers)
        self.runner.resume()
        app = create_workspace(self.store, self.runner, folder, **kw)
        from optimizer.cli.workspace import warm_up

        threading.Thread(target=warm_up, args=(app,), daemon=True).start()  # as corridor app does
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.runner.close()


class Timer:
    """Page requests through one httpx client, the times (ms) and statuses kept per page."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=120.0)
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    def get(self, label: str, url: str, keep: bool = True) -> httpx.Response | None:
        """The response (None when the connection failed: counted as not 200)."""
        t0 = time.perf_counter()
        try:
            r: httpx.Response | None = self.http.get(url)
        except httpx.TransportError as exc:
            print(f"GET {url}: {type(exc).__name__}: {exc}", file=sys.stderr)
            r = None
        ms = (time.perf_counter() - t0) * 1000.0
        if keep:
            self.times.setdefault(label, []).append(ms)
            if r is None or r.status_code != 200:
                self.errors[label] = self.errors.get(label, 0) + 1
        return r

    def table(self, first: dict[str, float] | None = None) -> pd.DataFrame:
        rows = []
        for label, ms in self.times.items():
            a = np.asarray(ms)
            p95 = float(np.percentile(a, 95))
            row: dict[str, Any] = {"page": label, "n": len(a)}
            if first is not None:
                row["first_ms"] = round(first.get(label, float("nan")), 1)
            row |= {
                "median_ms": round(float(np.median(a)), 1),
                "p95_ms": round(p95, 1),
                "max_ms": round(float(a.max()), 1),
                "not_200": self.errors.get(label, 0),
                "300ms": "met" if p95 <= TARGET_MS else "missed",
            }
            rows.append(row)
        return pd.DataFrame(rows)

    def overall(self) -> str:
        every = np.concatenate([np.asarray(v) for v in self.times.values()])
        return (
            f"all pages: {len(every)} requests, median {np.median(every):.1f} ms, "
            f"p95 {np.percentile(every, 95):.1f} ms, max {every.max():.1f} ms"
        )


def measure(base: str, pages: dict[str, str], repeat: int) -> tuple[pd.DataFrame, str]:
    """Each page once cold, then ``repeat`` times; the table and the overall line."""
    t = Timer(base)
    first = {}
    for label, url in pages.items():
        t0 = time.perf_counter()
        r = t.get(label, url, keep=False)
        if r is None or r.status_code != 200:  # counted with the repeats
            t.errors[label] = t.errors.get(label, 0) + 1
        first[label] = (time.perf_counter() - t0) * 1000.0
    for _ in range(repeat):
        for label, url in pages.items():
            t.get(label, url)
    return t.table(first), t.overall()


def show(title: str, frame: pd.DataFrame, extra: str = "") -> None:
    print(f"\n## {title}")
    print(frame.to_string(index=False))
    if extra:
        print(extra)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20, help="requests of each page when idle")
    ap.add_argument("--runs", type=int, default=None, help="how many runs to post (default 10)")
    ap.add_argument("--scenario", default=None, help="post this scenario file every time")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("--interval", type=float, default=0.1, help="seconds between page requests")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the runs")
    ap.add_argument("--quick", action="store_true", help="the tiny test network and scenarios")
    args = ap.parse_args()

    if args.scenario:
        scenarios = [Path(args.scenario).resolve()] * (args.runs or 10)
    else:
        pool = sorted(
            (TINY / "scenarios").glob("tiny_sea_*.yaml")
            if args.quick
            else (ROOT / "scenarios").glob("*.yaml")
        )
        n = args.runs or 10
        scenarios = [pool[i % len(pool)] for i in range(n)]
    if not scenarios or not all(p.is_file() for p in scenarios):
        print(f"no scenario files: {scenarios}", file=sys.stderr)
        return 2
    quote = QUOTE_TINY if args.quick else QUOTE

    folder = Path(tempfile.mkdtemp(prefix="bench_workspace_"))
    os.chdir(folder)  # nothing is written next to the repository
    print(
        f"# corridor workspace benchmark: {'tiny test network' if args.quick else 'bundled data'}"
        f", {len(scenarios)} runs on {args.workers} workers, python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    print(f"data folder {folder}/")

    # 1. start-up
    t0 = time.perf_counter()
    try:
        ws = Workspace(folder / "home", args.workers, args.quick)
    except Exception as exc:  # reported; then the benchmark cannot run
        print(f"the workspace could not be built: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    try:
        return run(ws, t0, args, scenarios, quote)
    finally:
        ws.close()


def run(
    ws: Workspace,
    t0: float,
    args: argparse.Namespace,
    scenarios: list[Path],
    quote: dict[str, str],
) -> int:
    http = httpx.Client(base_url=ws.base, timeout=120.0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if http.get("/health").status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    else:
        print("the workspace did not answer /health within 60 s", file=sys.stderr)
        return 2
    startup = time.perf_counter() - t0
    print(f"\nstart-up: {startup:.2f} s until /health answered")

    # 2. idle
    query = "&".join(f"{k}={v}" for k, v in quote.items())
    pages = {
        "/": "/",
        "/scenarios/new": "/scenarios/new",
        "/quote": "/quote",
        "/quote?<query>": f"/quote?{query}",
        "/quote/map?<query>": f"/quote/map?{query}",  # the quote page's map (its iframe)
        "/api/runs": "/api/runs",
        "/health": "/health",
        "/network.xlsx": "/network.xlsx",
    }
    frame, overall = measure(ws.base, pages, args.repeat)
    show(f"idle, before any run (first request, then {args.repeat} each)", frame, overall)
    print(f"<query>: {query}")

    # 3. load: every run posted at once, the pages requested in turn while they solve
    def post(path: Path) -> tuple[int | None, float, str]:
        t = time.perf_counter()
        r = http.post("/api/runs", json={"scenario": str(path)})
        ms = (time.perf_counter() - t) * 1000.0
        return (r.json()["id"] if r.status_code == 201 else None), ms, r.text[:200]

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(len(scenarios)) as ex:
        posted = list(ex.map(post, scenarios))
    post_s = time.perf_counter() - start
    ids = sorted(i for i, _, _ in posted if i is not None)
    for i, _, text in posted:
        if i is None:
            print(f"a POST /api/runs was refused: {text}")
    if not ids:
        print("no run was accepted", file=sys.stderr)
        return 2
    post_ms = np.asarray([ms for _, ms, _ in posted])
    print(
        f"\nposted {len(ids)} runs at once in {post_s:.2f} s (each POST: median "
        f"{np.median(post_ms):.0f} ms, max {post_ms.max():.0f} ms; the first starts the cluster)"
    )
    load_pages = {k: v for k, v in pages.items() if k != "/network.xlsx"} | {
        "/runs/{id}": f"/runs/{ids[0]}",
        "/api/runs/{id}": f"/api/runs/{ids[0]}",
        "/network.xlsx": "/network.xlsx",
    }
    t = Timer(ws.base)
    docs: dict[int, dict[str, Any]] = {}
    tick = time.perf_counter()
    k = 0
    timed_out = False
    while True:
        label = list(load_pages)[k % len(load_pages)]
        r = t.get(label, load_pages[label])
        if label == "/api/runs" and r is not None and r.status_code == 200:
            docs = {d["id"]: d for d in r.json() if d["id"] in ids}
            if len(docs) == len(ids) and all(d["status"] in FINAL for d in docs.values()):
                break
        if time.perf_counter() - start > args.timeout:
            timed_out = True
            break
        k += 1
        tick = max(tick + args.interval, time.perf_counter())  # no burst after a slow one
        time.sleep(max(0.0, tick - time.perf_counter()))
    wall = time.perf_counter() - start
    status = pd.Series([d["status"] for d in docs.values()]).value_counts().to_dict()
    show(
        f"while the runs solve (a request every {args.interval:g} s, pages in turn)",
        t.table(),
        t.overall(),
    )
    print(
        f"runs: {len(ids)} posted, "
        + ", ".join(f"{n} {s}" for s, n in sorted(status.items()))
        + f"; wall {wall:.1f} s from the first POST to the last final status"
        + (f"; TIMED OUT after {args.timeout:g} s" if timed_out else "")
    )
    runs = pd.DataFrame(
        [
            {
                "run": i,
                "scenario": Path(docs[i]["scenario"]).stem,
                "status": docs[i]["status"],
                "solver": docs[i]["solver_status"],
                "seconds": None if docs[i]["seconds"] is None else round(docs[i]["seconds"], 1),
                "objective": docs[i]["objective"],
                "gap": docs[i]["gap"],
                "message": (docs[i]["message"] or "")[:60],
            }
            for i in ids
            if i in docs
        ]
    )
    print(runs.to_string(index=False))
    if timed_out:
        for i in ids:
            if docs.get(i, {}).get("status") not in FINAL:
                http.post(f"/api/runs/{i}/cancel")
        return 0

    # 4. after: the pages of finished runs
    done = [i for i in ids if docs[i]["status"] == "done"]
    if not done:
        return 0
    after = {
        "/": "/",
        "/runs/{id}": f"/runs/{done[0]}",
        "/runs/{id}/report": f"/runs/{done[0]}/report",
        "/runs/{id}/tables.xlsx": f"/runs/{done[0]}/tables.xlsx",
        "/api/runs": "/api/runs",
    }
    names = {Path(docs[i]["scenario"]).stem: i for i in reversed(done)}
    if len(names) >= 2:
        a, b = list(names.values())[:2]
        after["/compare?run=A&run=B"] = f"/compare?run={a}&run={b}"
    frame, overall = measure(ws.base, after, args.repeat)
    show(
        f"after the runs (first request, then {args.repeat} each; report and comparison "
        "are written on the first request and served from the data folder after)",
        frame,
        overall,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
