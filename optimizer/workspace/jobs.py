"""Runs as background jobs on dask.distributed (a LocalCluster by default, or a scheduler).

A run is one :func:`solve_run` call on a worker. The worker itself moves the run
to ``running`` in the database and, at the end, to ``done`` (with the solver's
status, objective, bound, gap and the KPIs of ``solution.json``) or ``failed``
(with the reason in the domain's words: the error corridor's CLI would print).
The result folder is written atomically by the pipeline, so a page never sees
half a result. The :class:`Runner` watches the futures from a thread and marks
a run ``failed`` when its worker died; cancelling marks the run ``cancelled``
and drops whatever its worker still returns.

When the workspace starts it resubmits the runs a previous process left
``queued`` or ``running`` (see :meth:`Runner.resume`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from optimizer.errors import CorridorError
from optimizer.workspace.store import RunRecord, Store, now

log = logging.getLogger(__name__)


def solve_run(url: str, run_id: int, scenario_path: str, result_dir: str) -> str:
    """Solve one run on a worker, recording its progress in the database at ``url``."""
    from optimizer.results.files import dumps
    from optimizer.studies.pipeline import run_scenario

    store = Store(url, migrate=False)
    started = time.perf_counter()
    run = store.update_run(run_id, status="running", started_at=now())
    if run is None or run.status != "running":
        return "skipped"
    try:
        result = run_scenario(scenario_path, out=result_dir)
    except CorridorError as exc:
        store.update_run(
            run_id,
            status="failed",
            message=str(exc),
            finished_at=now(),
            seconds=time.perf_counter() - started,
        )
        return "failed"
    sol = result.solution
    ok = sol.status in ("optimal", "feasible")
    store.update_run(
        run_id,
        status="done" if ok else "failed",
        message=sol.message or "",
        solver_status=sol.status,
        objective=sol.objective,
        bound=sol.bound,
        gap=sol.gap,
        kpis=json.loads(dumps(sol.kpis, indent=None)),
        result_dir=str(result.directory or result_dir),
        finished_at=now(),
        seconds=time.perf_counter() - started,
    )
    return "done" if ok else "failed"


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
            return self._client

    def result_dir(self, run_id: int) -> Path:
        return self.results / f"run_{run_id:05d}"

    def start(self, scenario_path: str, scenario_id: int | None = None) -> RunRecord:
        """Record a new run of a scenario (queued) and submit it."""
        run = self.store.add_run(scenario_path, scenario_id)
        self.submit(run.id, scenario_path)
        return run

    def submit(self, run_id: int, scenario_path: str) -> None:
        """Queue a run that is already in the database."""
        out = str(self.result_dir(run_id))
        future = self.client().submit(
            solve_run, self.store.url, run_id, scenario_path, out, pure=False
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
            self.submit(run.id, run.scenario_path)
            ids.append(run.id)
        return ids

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
            self._client = self._cluster = None
