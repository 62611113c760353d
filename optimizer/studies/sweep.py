"""Scenario sweeps on dask.distributed: ``corridor sweep``.

A sweep file names a base scenario, a seed, and parameters, each with a
distribution and the scenario changes it drives (``$value`` in a change is
replaced by the drawn value)::

    name: border_rates_demand
    base: baseline.yaml
    seed: 2025
    method: monte_carlo          # or grid (every combination)
    runs: 50                     # Monte Carlo draws
    parameters:
      border_closed:
        bernoulli: 0.2           # the changes apply with this probability
        changes:
          - close_nodes: [PL_MALASZEWICZE]
      sea_rate:
        uniform: [0.8, 1.6]      # grid: `steps` evenly spaced values (default 3)
        changes:
          - scale_rates: {mode: sea, factor: $value}
      demand_growth:
        choice: [1.0, 1.1, 1.25]
        changes:
          - scale_demand: {factor: $value}
    options: {rel_gap: 0.001, time_limit_s: 60}

Every run becomes an ordinary scenario file (``runs/<name>_0001.yaml``, based
on the base scenario) that ``corridor solve`` can solve on its own. All draws
are made up front from ``numpy.random.default_rng(seed)`` in the order runs x
parameters, so the runs, and with a deterministic solver their results, do not
depend on the number of workers or on the order in which runs finish. Timings
are kept out of the results table (they are in ``timings.csv``).

Runs are solved on a dask.distributed cluster: a :class:`LocalCluster` of
single-threaded worker processes by default (no dashboard), or an existing
cluster when a scheduler address is given (its workers must see the scenario
and data files, e.g. on a shared file system). A failed run is a row with
``status = error`` and its message; the other runs are kept.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import logging
import math
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from optimizer.data.scenario import load_scenario
from optimizer.data.schema import Count, Number, plain_message
from optimizer.data.yamlio import load_yaml
from optimizer.errors import InputError
from optimizer.results.files import dumps
from optimizer.results.folders import OutputFolder
from optimizer.results.kpis import kpi_row
from optimizer.studies.moves import slack_of, verdict
from optimizer.studies.pipeline import run_scenario

log = logging.getLogger(__name__)

#: Columns of the results table after the run id, scenario and parameter columns.
RESULT_COLUMNS = [
    "status",
    "error",
    "objective",
    "gap",
    "bound",
    "total_cost_cny",
    "logistics_cost_cny",
    "cost_transport_cny",
    "cost_warehouse_fixed_cny",
    "cost_handling_storage_cny",
    "cost_in_transit_inventory_cny",
    "cost_stock_abroad_cny",
    "cost_carbon_cny",
    "cost_unmet_penalty_cny",
    "unmet_penalty_cny",
    "co2_tonnes",
    "mean_delivery_days",
    "on_time_share",
    "unmet_tonnes",
    "open_warehouses",
    "open_warehouse_ids",
    "sites_used",
    "warehouse_tonnes_shared",
    "check_ok",
]
PLACEHOLDER = "$value"
#: Most runs a sweep may have (a grid's combinations included).
MAX_RUNS = 10_000


class Parameter(BaseModel):
    """One swept parameter: a distribution and the changes it drives."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    bernoulli: Number | None = Field(default=None, ge=0, le=1)
    uniform: tuple[Number, Number] | None = None
    choice: list[Any] | None = Field(default=None, max_length=1000)
    steps: Count = Field(default=3, ge=1, le=1000, description="grid values of a uniform parameter")
    changes: list[dict[str, Any]]

    @model_validator(mode="after")
    def _one_distribution(self) -> Parameter:
        given = [k for k in ("bernoulli", "uniform", "choice") if getattr(self, k) is not None]
        if len(given) != 1:
            msg = "give exactly one of bernoulli, uniform and choice"
            raise ValueError(msg)
        if self.uniform is not None and self.uniform[0] > self.uniform[1]:
            msg = "uniform: [low, high] with low <= high"
            raise ValueError(msg)
        if self.choice is not None and not self.choice:
            msg = "choice needs at least one value"
            raise ValueError(msg)
        return self

    def draw(self, rng: np.random.Generator) -> Any:
        """One random value."""
        if self.bernoulli is not None:
            return bool(rng.random() < self.bernoulli)
        if self.uniform is not None:
            lo, hi = self.uniform
            return round(float(rng.uniform(lo, hi)), 6)
        assert self.choice is not None
        return _plain(self.choice[int(rng.integers(len(self.choice)))])

    def grid(self) -> list[Any]:
        """Every value of a grid sweep."""
        if self.bernoulli is not None:
            return [False, True]
        if self.uniform is not None:
            lo, hi = self.uniform
            return [round(float(v), 6) for v in np.linspace(lo, hi, self.steps)]
        assert self.choice is not None
        return [_plain(v) for v in self.choice]

    def changes_for(self, value: Any) -> list[dict[str, Any]]:
        """The scenario changes for a drawn value (none when a Bernoulli draw is false)."""
        if self.bernoulli is not None and not value:
            return []
        return [_substitute(c, value) for c in self.changes]


class SweepFile(BaseModel):
    """The sweep YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str | None = None
    description: str = ""
    base: str
    seed: Count = Field(default=0, ge=0, le=2**63 - 1)
    method: Literal["monte_carlo", "grid"] = "monte_carlo"
    runs: Count | None = Field(default=None, ge=1, le=MAX_RUNS)
    parameters: dict[str, Parameter]
    options: dict[str, Any] = {}

    @model_validator(mode="after")
    def _runs(self) -> SweepFile:
        if self.method == "monte_carlo" and self.runs is None:
            msg = "a monte_carlo sweep needs runs (the number of draws)"
            raise ValueError(msg)
        if not self.parameters:
            msg = "give at least one parameter"
            raise ValueError(msg)
        if self.method == "grid" and self.runs is None:
            total = math.prod(len(p.grid()) for p in self.parameters.values())
            if total > MAX_RUNS:
                msg = (
                    f"the grid has {total:,} combinations, more than {MAX_RUNS:,} runs; "
                    "fewer steps or choices, or give runs"
                )
                raise ValueError(msg)
        return self


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _substitute(obj: Any, value: Any) -> Any:
    if isinstance(obj, str):
        if obj == PLACEHOLDER:
            return value
        return obj.replace(PLACEHOLDER, str(value))
    if isinstance(obj, dict):
        return {k: _substitute(v, value) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_substitute(v, value) for v in obj]
    return obj


@dataclass(frozen=True)
class SweepCase:
    """One run: its scenario file and the parameter values that made it."""

    run: int
    name: str
    path: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Sweep:
    """A parsed sweep and its runs (scenario files written under ``directory/runs``)."""

    name: str
    path: str
    spec: SweepFile
    base: str
    cases: tuple[SweepCase, ...]
    directory: Path


@dataclass(frozen=True)
class SweepResult:
    """The gathered table (one row per run, by run id), timings and where files went."""

    sweep: Sweep
    table: pd.DataFrame
    timings: pd.DataFrame
    wall_seconds: float
    workers: int
    scheduler: str
    files: dict[str, Path] = field(default_factory=dict)
    complete: bool = True
    stopped: str = ""

    @property
    def failures(self) -> pd.DataFrame:
        """The runs that failed (status ``error``), with their reasons."""
        return self.table[self.table["status"] == "error"]


# -- planning ---------------------------------------------------------------------------------


def load_sweep(path: str | Path) -> SweepFile:
    """Parse a sweep file.

    Raises
    ------
    InputError
        On a missing or unreadable file, unknown keys, or bad distributions.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"{p}: sweep file not found"
        raise InputError(msg, file=str(p))
    raw = load_yaml(p) or {}
    if not isinstance(raw, dict):
        msg = f"{p}: a sweep file is a mapping of keys"
        raise InputError(msg, file=str(p))
    try:
        return SweepFile.model_validate(raw)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e.get("loc", ()))
        msg = f"{p}: {where + ': ' if where else ''}{plain_message(e['msg'])}"
        raise InputError(msg, file=str(p), field=where or None) from None


def draw_values(spec: SweepFile) -> list[dict[str, Any]]:
    """Parameter values of every run, from the seed (Monte Carlo) or the full grid.

    Raises
    ------
    InputError
        When a grid has more than :data:`MAX_RUNS` combinations and no ``runs``.
    """
    names = list(spec.parameters)
    if spec.method == "grid":
        grids = [spec.parameters[n].grid() for n in names]
        total = math.prod(len(g) for g in grids)
        if spec.runs is None and total > MAX_RUNS:
            msg = (
                f"the grid has {total:,} combinations, more than {MAX_RUNS:,} runs; "
                "fewer steps or choices, or give runs"
            )
            raise InputError(msg, field="parameters")
        combos = itertools.islice(itertools.product(*grids), spec.runs or total)
        return [dict(zip(names, c, strict=True)) for c in combos]
    rng = np.random.default_rng(spec.seed)
    assert spec.runs is not None
    return [{n: spec.parameters[n].draw(rng) for n in names} for _ in range(spec.runs)]


def default_sweep_dir(path: str | Path, spec: SweepFile) -> Path:
    """``results/sweeps/<sweep name>/``."""
    return Path("results") / "sweeps" / (spec.name or Path(path).stem)


def plan_sweep(
    path: str | Path,
    out: str | Path | None = None,
    *,
    force: bool = False,
    folder: OutputFolder | None = None,
) -> Sweep:
    """Parse a sweep, draw its runs and write one scenario file per run (``runs/``).

    Every run file is parsed again (:func:`~optimizer.data.scenario.load_scenario`)
    so that a malformed change fails here, before any work is sent out; an
    unknown node or service shows up per run when it is applied. The files go
    into ``folder`` when given (an open :class:`OutputFolder`), else into the
    sweep's folder opened here.

    Raises
    ------
    InputError
        On a bad sweep file, a missing base scenario, or a run whose changes do not parse.
    OutputFolderError
        When the sweep's folder is not corridor's to write.
    """
    spec = load_sweep(path)
    p = Path(path)
    name = spec.name or p.stem
    base = (p.parent / spec.base).resolve()
    load_scenario(base)  # the base must parse on its own
    values = draw_values(spec)
    directory = Path(out) if out is not None else default_sweep_dir(p, spec)
    if folder is None:
        with OutputFolder(directory, kind="sweep", force=force, atomic=False) as own:
            return plan_sweep(path, out, folder=own)
    directory = folder.target
    cases = []
    width = max(4, len(str(len(values))))
    for i, vals in enumerate(values, start=1):
        changes: list[dict[str, Any]] = []
        for pname, param in spec.parameters.items():
            changes += param.changes_for(vals[pname])
        run_name = f"{name}_{i:0{width}d}"
        doc = {
            "name": run_name,
            "description": f"run {i} of sweep {name}: "
            + ", ".join(f"{k}={v}" for k, v in vals.items()),
            "base": str(base),
            "changes": changes,
            "options": dict(spec.options),
        }
        run_path = folder.write_text(
            f"runs/{run_name}.yaml", yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        )
        try:
            load_scenario(run_path)
        except InputError as exc:
            msg = f"sweep {p}: run {i} ({', '.join(f'{k}={v}' for k, v in vals.items())}): {exc}"
            raise InputError(msg, file=str(p)) from None
        cases.append(SweepCase(run=i, name=run_name, path=str(run_path.resolve()), values=vals))
    return Sweep(
        name=name,
        path=str(p),
        spec=spec,
        base=str(base),
        cases=tuple(cases),
        directory=directory,
    )


# -- one run (runs on a worker) ---------------------------------------------------------------


def _empty_row(case: SweepCase) -> dict[str, Any]:
    row: dict[str, Any] = {"run": case.run, "scenario": case.name}
    row.update({f"p_{k}": v for k, v in case.values.items()})
    row.update(dict.fromkeys(RESULT_COLUMNS))
    row["error"] = ""
    return row


def solve_case(case: SweepCase) -> dict[str, Any]:
    """Solve one run and return its row (never raises: a failure is a row with its message).

    The row has ``run``, ``scenario``, ``p_<parameter>`` and :data:`RESULT_COLUMNS`
    (from :func:`optimizer.results.kpis.kpi_row` of the solution that
    :func:`optimizer.studies.pipeline.run_scenario` returns), plus ``_seconds``
    and ``_worker`` (taken out of the results table).
    """

    def fill(row: dict[str, Any]) -> None:
        sol = run_scenario(case.path, save=False).solution
        kpis = kpi_row(sol)
        row.update({c: kpis[c] for c in RESULT_COLUMNS if c in kpis})
        if not sol.kpis:
            row["error"] = sol.message or f"no solution ({sol.status})"

    return case_row(case, _empty_row(case), fill)


def case_row(
    case: SweepCase, row: dict[str, Any], fill: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Run ``fill(row)`` on a worker and return the row, never raising: an error becomes
    ``status = error`` with its message (naming the run file, not its directory, so that
    the table does not depend on --out); ``_seconds`` and ``_worker`` are added."""
    started = time.perf_counter()
    try:
        fill(row)
    except Exception as exc:  # a failed run is reported, never fatal to the study
        row["status"] = "error"
        text = str(exc).replace(case.path, Path(case.path).name)
        row["error"] = f"{type(exc).__name__}: {text}"
    row["_seconds"] = time.perf_counter() - started
    row["_worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return row


# -- running ----------------------------------------------------------------------------------


#: How long a sweep waits with no dask worker before it restarts them (LocalCluster).
RESTART_AFTER_S = 10.0
#: How long a sweep waits with no dask worker before it stops (the partial table is written).
NO_WORKER_TIMEOUT_S = 60.0
#: How often the partial table is rewritten while runs finish.
TABLE_EVERY_S = 5.0


class SweepRun:
    """A sweep under way: iterate it to receive each run's row as it finishes.

    The cluster starts with the iteration and stops when it ends. The table
    is rewritten (atomically) as runs finish, so a sweep that is stopped keeps
    every finished run; at the end :attr:`result` holds the gathered table.
    A run whose worker died more often than dask retries it is a failed row
    with the reason. When no worker is left, the sweep restarts them (on its
    own LocalCluster) after :data:`RESTART_AFTER_S`; after ``no_worker_timeout_s``
    without workers it stops, records the runs not done as failed and writes
    the partial table. A progress bar can wrap the iteration (the CLI's does)::

        job = start_sweep("scenarios/sweeps/border_grid.yaml")
        for row in job:
            print(row["run"], row["status"])
        job.result.table

    ``task`` is the function a worker runs on each :class:`SweepCase`
    (:func:`solve_case`).
    """

    def __init__(
        self,
        sweep: Sweep,
        folder: OutputFolder,
        *,
        workers: int | None,
        scheduler: str | None,
        no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S,
        task: Callable[[SweepCase], dict[str, Any]] | None = None,
    ) -> None:
        self.sweep = sweep
        self.folder = folder
        self.workers = workers
        self.scheduler = scheduler
        self.no_worker_timeout_s = no_worker_timeout_s
        self.task = task or solve_case
        self.result: SweepResult | None = None

    @property
    def total(self) -> int:
        """How many runs the sweep has."""
        return len(self.sweep.cases)

    def close(self) -> None:
        """Release the sweep's folder (when the iteration was never run)."""
        self.folder.__exit__(None, None, None)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            yield from solve_cases(
                self.sweep.cases,
                self.task,
                workers=self.workers,
                scheduler=self.scheduler,
                no_worker_timeout_s=self.no_worker_timeout_s,
                checkpoint=self._checkpoint,
                name=f"sweep {self.sweep.name}",
            )
        finally:
            self.folder.__exit__(None, None, None)

    def _checkpoint(
        self,
        rows: list[dict[str, Any]],
        started: float,
        n_workers: int,
        complete: bool,
        stopped: str,
    ) -> None:
        self._write(rows, started, n_workers, complete=complete, stopped=stopped)

    def _write(
        self,
        rows: list[dict[str, Any]],
        started: float,
        n_workers: int,
        *,
        complete: bool,
        stopped: str = "",
    ) -> None:
        table, timings = results_table(self.sweep, rows)
        result = SweepResult(
            sweep=self.sweep,
            table=table,
            timings=timings,
            wall_seconds=time.perf_counter() - started,
            workers=n_workers,
            scheduler=self.scheduler or "LocalCluster",
            complete=complete and len(rows) == len(self.sweep.cases),
            stopped=stopped,
        )
        self.result = dataclasses.replace(result, files=write_sweep(result, self.folder))


def failed_row(case: SweepCase, error: str) -> dict[str, Any]:
    """The row of a run that did not finish: ``status = error`` and the reason in ``error``."""
    row = _empty_row(case)
    row.update(status="error", error=error, _seconds=float("nan"))
    row["_worker"] = ""
    return row


def _row_of(
    fut: Any, case: SweepCase, failed: Callable[[SweepCase, str], dict[str, Any]]
) -> dict[str, Any]:
    """The row of a finished future (a failed row when its worker died or the task broke)."""
    try:
        row: dict[str, Any] = fut.result()
    except Exception as exc:  # a worker died more often than dask retries, or the task broke
        text = str(exc)
        if type(exc).__name__ == "KilledWorker":
            text = f"its worker process died during every try ({text})"
        row = failed(case, f"{type(exc).__name__}: {text}")
    return row


def local_cluster(n_workers: int, *, processes: bool = True) -> Any:
    """A dask LocalCluster of single-threaded workers (processes, or threads for tests),
    without a dashboard."""
    from dask.distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=None,
        # no dashboard; the scheduler's small HTTP server (health, metrics) would otherwise
        # try port 8787 and warn when another cluster holds it
        scheduler_kwargs={"dashboard_address": ":0"},
    )


#: What :func:`solve_cases` reports as runs finish and at the end:
#: ``(rows so far, start time (perf_counter), workers, complete, why it stopped)``.
Checkpoint = Callable[[list[dict[str, Any]], float, int, bool, str], None]


def solve_cases(
    cases: Sequence[SweepCase],
    task: Callable[[SweepCase], dict[str, Any]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S,
    failed: Callable[[SweepCase, str], dict[str, Any]] = failed_row,
    checkpoint: Checkpoint | None = None,
    name: str = "runs",
) -> Iterator[dict[str, Any]]:
    """Run ``task`` on every case on dask.distributed; yield each row as its run finishes.

    The one cluster setup of corridor (``corridor sweep`` and
    ``corridor sensitivity`` run on it): a :class:`LocalCluster` of
    ``workers`` single-threaded worker processes (default: CPU count, at most
    8; no dashboard), or the existing cluster at ``scheduler``. The cluster
    starts with the iteration and stops when it ends. A run whose worker died
    more often than dask retries it, or whose task raised, is the row
    ``failed(case, reason)``. When no worker is left, a LocalCluster's
    workers are started again after :data:`RESTART_AFTER_S`; after
    ``no_worker_timeout_s`` without any, the runs not done are yielded as
    failed rows and the iteration ends.

    ``checkpoint`` is called at most every :data:`TABLE_EVERY_S` while runs
    finish (``complete`` false) and once at the end, also when the iteration
    is stopped or interrupted (``complete`` false and ``stopped`` saying why
    when the workers were lost).

    Raises
    ------
    InputError
        When the scheduler cannot be reached.
    """
    from dask.distributed import Client, wait

    started = time.perf_counter()
    cluster = None
    rows: list[dict[str, Any]] = []
    stopped = ""
    n_workers = 0
    client: Any = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                msg = f"cannot reach the dask scheduler at {scheduler}: {exc}"
                raise InputError(msg) from None
            n_workers = len(client.scheduler_info().get("workers", {}))
        else:
            n_workers = workers or min(8, os.cpu_count() or 1)
            cluster = local_cluster(n_workers)
            client = Client(cluster)
        log.info("solving on %d worker(s) (%s)", n_workers, scheduler or "LocalCluster")
        futures = client.map(task, list(cases), pure=False)
        case_of = {f.key: c for f, c in zip(futures, cases, strict=True)}
        pending = set(futures)
        idle_since: float | None = None
        restarted = False
        last_table = time.perf_counter()
        while pending:
            try:
                done = wait(list(pending), timeout=1.0, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            for fut in sorted(done, key=lambda f: case_of[f.key].run):
                pending.discard(fut)
                row = _row_of(fut, case_of[fut.key], failed)
                rows.append(row)
                yield row
            now = time.perf_counter()
            if checkpoint and done and now - last_table >= TABLE_EVERY_S and pending:
                checkpoint(rows, started, n_workers, False, "")
                last_table = now
            if done or not pending:
                idle_since = None
                continue
            if client.scheduler_info().get("workers"):
                idle_since = None
                continue
            idle_since = idle_since if idle_since is not None else now
            if cluster is not None and not restarted and now - idle_since >= RESTART_AFTER_S:
                log.warning("no dask worker left: starting %d again", n_workers)
                restarted = True
                cluster.scale(n_workers)
            if now - idle_since >= no_worker_timeout_s:
                stopped = (
                    f"no dask worker for {no_worker_timeout_s:g} s (worker processes "
                    "died); the runs not done are recorded as failed"
                )
                log.warning("%s stopped: %s", name, stopped)
                client.cancel(list(pending))
                for fut in sorted(pending, key=lambda f: case_of[f.key].run):
                    row = failed(case_of[fut.key], stopped)
                    rows.append(row)
                    yield row
                pending.clear()
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if checkpoint is not None and (rows or stopped):
            checkpoint(rows, started, n_workers, not stopped, stopped)


def start_sweep(
    path: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    force: bool = False,
    no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S,
    task: Callable[[SweepCase], dict[str, Any]] | None = None,
) -> SweepRun:
    """Plan a sweep (its run files are written at once) and return it ready to run.

    ``workers``: worker processes of the LocalCluster (default: CPU count, at
    most 8); ignored when ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``) names an existing cluster. The sweep's folder
    (``out``, default ``results/sweeps/<name>/``) is held, locked, until the
    iteration ends.

    Raises
    ------
    InputError
        On a bad sweep file, ``workers < 1`` or a non-positive timeout.
    OutputFolderError
        When the sweep's folder is not corridor's to write.
    """
    if workers is not None and workers < 1:
        msg = f"--workers must be at least 1, got {workers}"
        raise InputError(msg, field="workers")
    if not no_worker_timeout_s > 0:
        msg = f"the no-worker timeout must be positive, got {no_worker_timeout_s}"
        raise InputError(msg, field="no_worker_timeout_s")
    spec = load_sweep(path)
    directory = Path(out) if out is not None else default_sweep_dir(path, spec)
    folder = OutputFolder(directory, kind="sweep", force=force, atomic=False).__enter__()
    try:
        sweep = plan_sweep(path, out, folder=folder)
    except BaseException:
        folder.__exit__(None, None, None)
        raise
    log.info("sweep %s: %d runs written to %s/runs/", sweep.name, len(sweep.cases), sweep.directory)
    return SweepRun(
        sweep,
        folder,
        workers=workers,
        scheduler=scheduler,
        no_worker_timeout_s=no_worker_timeout_s,
        task=task,
    )


def run_sweep(
    path: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    force: bool = False,
    no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S,
) -> SweepResult:
    """Plan a sweep, solve every run on dask.distributed, gather and write the table.

    Raises
    ------
    InputError
        On a bad sweep file, ``workers < 1``, or a scheduler that cannot be reached.
    OutputFolderError
        When the sweep's folder is not corridor's to write.
    """
    job = start_sweep(
        path,
        workers=workers,
        scheduler=scheduler,
        out=out,
        force=force,
        no_worker_timeout_s=no_worker_timeout_s,
    )
    for _row in job:
        pass
    assert job.result is not None
    return job.result


def results_table(
    sweep: Sweep, rows: Sequence[dict[str, Any]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results by run id, timings) from the worker rows, independent of completion order."""
    params = [f"p_{k}" for k in sweep.spec.parameters]
    columns = ["run", "scenario", *params, *RESULT_COLUMNS]
    frame = pd.DataFrame(list(rows))
    for c in [*columns, "_seconds", "_worker"]:
        if c not in frame.columns:
            frame[c] = None
    frame = frame.sort_values("run").reset_index(drop=True)
    timings = frame[["run", "scenario", "_seconds", "_worker"]].rename(
        columns={"_seconds": "seconds", "_worker": "worker"}
    )
    table = frame[columns].copy()
    table["error"] = table["error"].fillna("").astype(str)
    for c in RESULT_COLUMNS:
        if c not in ("status", "error", "open_warehouse_ids", "check_ok"):
            table[c] = pd.to_numeric(table[c], errors="coerce").astype(float)
    table["open_warehouse_ids"] = table["open_warehouse_ids"].fillna("").astype(str)
    _against_first_run(table)
    table["check_ok"] = table["check_ok"].astype("boolean")
    table["status"] = table["status"].astype(str)
    return table, timings


def _against_first_run(table: pd.DataFrame) -> None:
    """Add each run's total cost against run 1 and whether that is within solver tolerance.

    ``tolerance_vs_first_cny`` is the two solves' combined tolerance (objective
    minus bound of each); ``verdict_vs_first`` is ``within solver tolerance``,
    ``higher`` or ``lower`` (:func:`optimizer.studies.moves.verdict`).
    """
    if table.empty:
        table["total_cost_vs_first_cny"] = []
        table["tolerance_vs_first_cny"] = []
        table["verdict_vs_first"] = []
        return
    first = table.iloc[0]
    slack = pd.Series(
        [slack_of(o, b) for o, b in zip(table["objective"], table["bound"], strict=True)],
        index=table.index,
    )
    diff = table["total_cost_cny"] - float(first["total_cost_cny"])
    tol = slack + float(slack.iloc[0])
    table["total_cost_vs_first_cny"] = diff
    table["tolerance_vs_first_cny"] = tol
    table["verdict_vs_first"] = [
        "reference" if i == 0 else verdict(float(d), float(t))
        for i, (d, t) in enumerate(zip(diff, tol, strict=True))
    ]


def warehouse_frequency(table: pd.DataFrame) -> pd.DataFrame:
    """How often each warehouse is open across the solved runs."""
    ok = table[table["status"].isin(["optimal", "feasible"])]
    counts: dict[str, int] = {}
    for ids in ok["open_warehouse_ids"]:
        for w in filter(None, str(ids).split(";")):
            counts[w] = counts.get(w, 0) + 1
    n = max(len(ok), 1)
    rows = [
        {"warehouse_id": w, "runs_open": c, "share_open": c / n}
        for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return pd.DataFrame(rows, columns=["warehouse_id", "runs_open", "share_open"])


def write_sweep(result: SweepResult, folder: OutputFolder) -> dict[str, Path]:
    """Write sweep.parquet, sweep.csv, timings.csv, warehouse_frequency.csv and sweep.json.

    Every file is written atomically into the sweep's folder; ``sweep.json``
    says whether the sweep is ``complete`` (and why it ``stopped`` if not).
    """
    parquet = io.BytesIO()
    result.table.to_parquet(parquet, index=False)
    files = {
        "parquet": folder.write_bytes("sweep.parquet", parquet.getvalue()),
        "csv": folder.write_text("sweep.csv", result.table.to_csv(index=False)),
        "timings": folder.write_text("timings.csv", result.timings.to_csv(index=False)),
        "warehouses": folder.write_text(
            "warehouse_frequency.csv", warehouse_frequency(result.table).to_csv(index=False)
        ),
    }
    t = result.table
    solved = t[t["status"].isin(["optimal", "feasible"])]
    meta = {
        "sweep": result.sweep.name,
        "file": result.sweep.path,
        "base": result.sweep.base,
        "seed": result.sweep.spec.seed,
        "method": result.sweep.spec.method,
        "runs": len(result.sweep.cases),
        "finished": len(t),
        "solved": len(solved),
        "failed": int((t["status"] == "error").sum()),
        "complete": result.complete,
        "stopped": result.stopped,
        "workers": result.workers,
        "scheduler": result.scheduler,
        "wall_seconds": round(result.wall_seconds, 3),
        "total_cost_cny": _stats(solved["total_cost_cny"]),
        "co2_tonnes": _stats(solved["co2_tonnes"]),
        "unmet_tonnes": _stats(solved["unmet_tonnes"]),
    }
    files["meta"] = folder.write_text("sweep.json", dumps(meta) + "\n")
    return files


def _stats(s: pd.Series) -> dict[str, float | None]:
    if not len(s):
        return {"mean": None, "p05": None, "p50": None, "p95": None}

    def q(x: float) -> float:
        return float(s.quantile(x))

    mean = float(s.mean())
    return {
        "mean": mean if math.isfinite(mean) else None,
        "p05": q(0.05),
        "p50": q(0.5),
        "p95": q(0.95),
    }


def sweep_summary(result: SweepResult) -> str:
    """A few lines for the terminal."""
    t = result.table
    solved = t[t["status"].isin(["optimal", "feasible"])]
    lines = [
        f"sweep {result.sweep.name}: {len(t)} runs, {len(solved)} solved, "
        f"{len(result.failures)} failed, {result.wall_seconds:.1f} s on {result.workers} "
        f"worker(s) ({result.scheduler})",
    ]
    if len(solved):
        c = solved["total_cost_cny"] / 1e6
        lines.append(
            f"total cost (M CNY/yr): mean {c.mean():,.1f}, 5% {c.quantile(0.05):,.1f}, "
            f"median {c.median():,.1f}, 95% {c.quantile(0.95):,.1f}"
        )
        freq = warehouse_frequency(t).head(12)
        if len(freq):
            lines.append(
                "warehouses open most often: "
                + ", ".join(f"{r.warehouse_id} {r.share_open:.0%}" for r in freq.itertuples())
            )
    for r in result.failures.head(10).itertuples():
        lines.append(f"  run {r.run} ({r.scenario}) failed: {r.error}")
    if len(result.failures) > 10:
        lines.append(f"  ... and {len(result.failures) - 10} more (see sweep.csv)")
    lines.append(f"results in {result.sweep.directory}/ (sweep.parquet, sweep.csv)")
    return "\n".join(lines)
