"""Runs as background jobs on dask.distributed (a LocalCluster by default, or a scheduler).

A run is one :func:`run_job` call on a worker: a solve of one scenario (kind
``solve``), or a robust siting of demonstration warehouses across several
(``robust``). The worker itself moves the run to ``running`` in the database,
keeps its ``progress`` line (and the solver's bound and gap, as the log lines
give them) current while it runs, and at the end moves it to ``done`` (with
the solver's status, objective, bound, gap and the KPIs) or ``failed`` (with
the reason in the domain's words: the error corridor's CLI would print).
The result folder is written atomically by the pipeline, so a page never sees
half a result. The :class:`Runner` watches the futures from a thread and marks
a run ``failed`` when its worker died; cancelling marks the run ``cancelled``
and drops whatever its worker still returns.

When the workspace starts it resubmits the runs a previous process left
``queued`` or ``running`` (see :meth:`Runner.resume`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dask.distributed import WorkerPlugin

from optimizer.errors import CorridorError
from optimizer.workspace.store import RunRecord, Store, now

log = logging.getLogger(__name__)


#: The least time between two progress writes of one run (seconds).
PROGRESS_EVERY_S = 1.0
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_OUR_BOUND = re.compile(r"\bbound ([-+]?\d[\d.]*(?:[eE][-+]?\d+)?)")


def parse_progress(text: str) -> dict[str, float]:
    """The bound, incumbent and gap a progress line gives, as far as it gives them.

    Two kinds of line carry them: route generation's own (``... LP 3.48e+08, bound
    3.47e+08, ...``) and the solver heartbeat quoting a HiGHS branch-and-bound line
    (``... 6 s: 0 0 0 0.00% 353050516.9 353978627.4 0.26% ...``: explored share, best
    bound, best solution, gap). Anything else gives nothing.
    """
    out: dict[str, float] = {}
    tokens = text.split(": ", 1)[-1].split()
    for i, tok in enumerate(tokens[:-3]):
        if tok.endswith("%") and _NUMBER.match(tok[:-1]):
            bound, best, gap = tokens[i + 1 : i + 4]
            if _NUMBER.match(bound):
                out["bound"] = float(bound)
            if _NUMBER.match(best):
                out["objective"] = float(best)
            if gap.endswith("%") and _NUMBER.match(gap[:-1]):
                out["gap"] = float(gap[:-1]) / 100.0
            return out
    if m := _OUR_BOUND.search(text):
        out["bound"] = float(m.group(1))
    return out


class _Progress(logging.Handler):
    """Keeps a running run's ``progress`` line (and bound and gap, when a line gives them)
    current in the database, at most once every :data:`PROGRESS_EVERY_S` seconds."""

    def __init__(self, store: Store, run_id: int) -> None:
        super().__init__(logging.INFO)
        self.store = store
        self.run_id = run_id
        self._last = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        t = time.monotonic()
        if t - self._last < PROGRESS_EVERY_S:
            return
        self._last = t
        try:
            text = record.getMessage().strip()
            self.store.update_run(self.run_id, progress=text[:500], **parse_progress(text))
        except Exception:  # progress is a courtesy: never fail a solve for it
            self.handleError(record)


@contextlib.contextmanager
def _progress_to(store: Store, run_id: int) -> Iterator[None]:
    """Route corridor's log lines (INFO and up) to the run's progress while it runs."""
    logger = logging.getLogger("optimizer")
    handler = _Progress(store, run_id)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _solve(scenario_path: str, params: dict[str, Any], result_dir: str) -> dict[str, Any]:
    from optimizer.results.files import dumps
    from optimizer.studies.pipeline import run_scenario

    result = run_scenario(scenario_path, out=result_dir)
    sol = result.solution
    ok = sol.status in ("optimal", "feasible")
    return {
        "status": "done" if ok else "failed",
        "message": sol.message or "",
        "solver_status": sol.status,
        "objective": sol.objective,
        "bound": sol.bound,
        "gap": sol.gap,
        "kpis": json.loads(dumps(sol.kpis, indent=None)),
        "result_dir": str(result.directory or result_dir),
    }


def _robust(scenario_path: str, params: dict[str, Any], result_dir: str) -> dict[str, Any]:
    from optimizer.engine.solver import SolveOptions
    from optimizer.output.robust import chosen_warehouses, write_robust
    from optimizer.studies.robust import solve_robust

    options = SolveOptions(
        time_limit_s=float(params.get("time_limit_s", ROBUST_TIME_LIMIT_S)), rel_gap=1e-3
    )
    result = solve_robust(
        params["scenarios"],
        int(params["warehouses"]),
        criterion=params.get("criterion", "expected"),
        options=options,
    )
    write_robust(result, result_dir, force=True)
    scen = result.scenarios
    chosen = chosen_warehouses(result) if result.chosen else []
    kpis = {
        "chosen": list(result.chosen),
        "idle": [c.warehouse_id for c in chosen if c.idle],
        "scenarios": list(scen["scenario"]) if len(scen) else [],
        "mean_cost_cny": float(scen["robust_cost_cny"].mean()) if len(scen) else None,
        "worst_regret_cny": float(scen["regret_cny"].max()) if len(scen) else None,
        "worst_regret_share": float(scen["regret_share"].max()) if len(scen) else None,
    }
    return {
        "status": "done" if result.chosen else "failed",
        "message": "" if result.chosen else f"no robust set found ({result.status})",
        "solver_status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "kpis": kpis,
        "result_dir": result_dir,
    }


#: What each kind of run does on a worker.
KINDS = {"solve": _solve, "robust": _robust}
#: A robust run's time limit per solve unless its parameters say otherwise (as the CLI's).
ROBUST_TIME_LIMIT_S = 300.0


def run_job(
    url: str,
    run_id: int,
    kind: str,
    scenario_path: str,
    params: dict[str, Any] | None,
    result_dir: str,
) -> str:
    """Do one run on a worker (a solve, or a robust siting over several scenarios),
    recording its status and progress in the database at ``url``."""
    store = Store(url, migrate=False)
    started = time.perf_counter()
    run = store.update_run(run_id, status="running", started_at=now())
    if run is None or run.status != "running":
        return "skipped"
    try:
        with _progress_to(store, run_id):
            values = KINDS[kind](scenario_path, params or {}, result_dir)
    except CorridorError as exc:
        values = {"status": "failed", "message": str(exc)}
    store.update_run(
        run_id, **values, progress="", finished_at=now(), seconds=time.perf_counter() - started
    )
    return str(values["status"])


def solve_run(url: str, run_id: int, scenario_path: str, result_dir: str) -> str:
    """Solve one scenario on a worker (:func:`run_job` of kind ``solve``)."""
    return run_job(url, run_id, "solve", scenario_path, None, result_dir)


#: How much lower than the server the LocalCluster's worker processes run (``nice``), so
#: that the pages stay responsive while runs take every core.
WORKER_NICE = 10


class LowPriority(WorkerPlugin):
    """A dask worker plugin that lowers its worker process's CPU priority by
    :data:`WORKER_NICE` (on systems with ``os.nice``; elsewhere it does nothing)."""

    name = "corridor-low-priority"

    def setup(self, worker: Any) -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.nice(WORKER_NICE)


class Runner:
    """Submits runs to a dask cluster and watches them.

    ``scheduler``: the address of an existing cluster (its workers must see the
    scenario and data files); ``None`` starts a LocalCluster of ``workers``
    single-threaded processes on first use (``processes=False`` runs them as
    threads in this process, for tests).
    """

    def __init__(
        self,
        store: Store,
        results: Path,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        processes: bool = True,
    ) -> None:
        self.store = store
        self.results = results
        self.scheduler = scheduler
        self.workers = workers
        self.processes = processes
        self._client: Any = None
        self._cluster: Any = None
        self._futures: dict[int, Any] = {}
        self._lock = threading.Lock()

    def client(self) -> Any:
        from dask.distributed import Client

        from optimizer.studies.sweep import local_cluster

        with self._lock:
            if self._client is None:
                if self.scheduler:
                    self._client = Client(self.scheduler, timeout="10s")
                else:
                    self._cluster = local_cluster(self.workers, processes=self.processes)
                    self._client = Client(self._cluster)
                    if self.processes:  # never lower the server itself (threads in-process)
                        self._client.register_plugin(LowPriority())
            return self._client

    def result_dir(self, run_id: int) -> Path:
        return self.results / f"run_{run_id:05d}"

    def start(
        self,
        scenario_path: str,
        scenario_id: int | None = None,
        *,
        kind: str = "solve",
        params: dict[str, Any] | None = None,
    ) -> RunRecord:
        """Record a new run (queued) and submit it: a solve of ``scenario_path``, or a
        robust siting (``kind="robust"``, ``params``: ``scenarios``, ``warehouses``,
        ``criterion``, optionally ``time_limit_s``)."""
        run = self.store.add_run(scenario_path, scenario_id, kind=kind, params=params)
        self.submit(run)
        return run

    def submit(self, run: RunRecord) -> None:
        """Queue a run that is already in the database."""
        out = str(self.result_dir(run.id))
        run_id = run.id
        future = self.client().submit(
            run_job,
            self.store.url,
            run_id,
            run.kind,
            run.scenario_path,
            run.params,
            out,
            pure=False,
        )
        self._futures[run_id] = future
        future.add_done_callback(lambda f, rid=run_id: self._finished(rid, f))

    def _finished(self, run_id: int, future: Any) -> None:
        self._futures.pop(run_id, None)
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            log.warning("run %d: worker failed: %s", run_id, exc)
            self.store.update_run(
                run_id,
                status="failed",
                message=f"the solve stopped unexpectedly ({type(exc).__name__}: {exc})",
                finished_at=now(),
            )

    def cancel(self, run_id: int) -> bool:
        """Cancel a queued or running run (False when it has already ended)."""
        run = self.store.get_run(run_id)
        if run is None or run.status in ("done", "failed", "cancelled"):
            return False
        self.store.update_run(
            run_id, status="cancelled", message="cancelled by the user", finished_at=now()
        )
        future = self._futures.pop(run_id, None)
        if future is not None:
            future.cancel()
        return True

    def resume(self) -> list[int]:
        """Resubmit the runs a previous process left queued or running."""
        ids = []
        for run in self.store.unfinished():
            self.store.update_run(run.id, status="queued", message="resubmitted after a restart")
            self.submit(run)
            ids.append(run.id)
        return ids

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
            self._client = self._cluster = None
