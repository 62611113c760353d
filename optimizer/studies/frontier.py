r"""The cost-versus-count frontier: what each additional warehouse site buys.

For every count :math:`K` from the fewest feasible to ``--max``, the design
model of :mod:`optimizer.models.design` is solved with at most :math:`K`
sites *used* (owned or shared space alike: every site gets a used-or-not
switch :math:`u_w \in \{0,1\}`, its shared space exists only when
:math:`u_w = 1`, an owned tier needs :math:`u_w = 1`, and
:math:`\sum_w u_w \le K`). "At most" makes the optimal cost non-increasing
in :math:`K` (a plan with :math:`K` sites is feasible for :math:`K + 1`), so
each point starts from the previous point's solution (a MIP start, and its
routes start the route generation); the problem is built once and only the
limit changes between points.

Each point is checked independently (:func:`optimizer.results.check.verify`,
which counts the sites used again from the written tables) and reports its
status, objective, bound and gap: a point stopped by the time limit is the
best plan found, with its gap, and the cost may then rise with the count by
at most the gaps (:func:`monotone_violations`). As in ``corridor solve``, the
bound holds for the routes the point's column generation brought into the
MILP; ``lp_bound_exact`` is the LP bound over every route of the network. Two
runs that start a point from different plans may bring in different routes,
so a point's cost can differ between them by more than its gap.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.data.network import Network
from optimizer.data.scenario import Scenario
from optimizer.errors import InputError
from optimizer.models.incumbent import Incumbent
from optimizer.results.files import to_plain
from optimizer.results.solution import sites_used
from optimizer.studies.pipeline import (
    HAS_SOLUTION,
    Prepared,
    RunResult,
    as_scenario,
    design_options,
    prepare,
    solve,
    solve_options,
)

log = logging.getLogger(__name__)

#: Points solved at most, whatever --max says (each is a MILP).
MAX_POINTS = 60


@dataclass(frozen=True)
class FrontierPoint:
    """One count of the frontier: the best plan with at most ``warehouses`` sites used."""

    warehouses: int
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    open: tuple[str, ...] = ()
    total_cost_cny: float | None = None
    logistics_cost_cny: float | None = None
    co2_tonnes: float | None = None
    on_promise_share: float | None = None
    unmet_tonnes: float | None = None
    check_ok: bool | None = None
    lp_bound_exact: float | None = None  # the LP bound over every route of the network
    added: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    saving_cny: float | None = None
    message: str = ""

    @property
    def used(self) -> int:
        """Sites the plan uses (at most ``warehouses``)."""
        return len(self.open)

    def to_json(self) -> dict[str, Any]:
        """The point as ``--json`` prints it (and ``frontier.json`` holds it)."""
        return to_plain(
            {
                "warehouses": self.warehouses,
                "used": self.used,
                "status": self.status,
                "objective": self.objective,
                "bound": self.bound,
                "gap": self.gap,
                "seconds": round(self.seconds, 3),
                "total_cost_cny": self.total_cost_cny,
                "logistics_cost_cny": self.logistics_cost_cny,
                "co2_tonnes": self.co2_tonnes,
                "on_promise_share": self.on_promise_share,
                "unmet_tonnes": self.unmet_tonnes,
                "open": list(self.open),
                "added": list(self.added),
                "dropped": list(self.dropped),
                "saving_cny": self.saving_cny,
                "check_ok": self.check_ok,
                "lp_bound_exact": self.lp_bound_exact,
                "bound_scope": "generated routes",
                "message": self.message,
            }
        )


@dataclass
class FrontierResult:
    """The frontier of a scenario, point by point in increasing count."""

    scenario: Scenario
    points: list[FrontierPoint] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> list[dict[str, Any]]:
        """The ``--json`` list."""
        return [p.to_json() for p in self.points]


def monotone_violations(points: list[FrontierPoint], tol: float = 1e-6) -> list[str]:
    r"""Where the cost rises with the count by more than the points' gaps allow.

    With at most :math:`K` sites, :math:`z^*_{K+1} \le z^*_K`; a reported
    objective is within its gap of the optimum, so
    :math:`z_{K+1} \le z_K + g_{K+1} |z_{K+1}|` must hold.
    """
    out = []
    solved = [p for p in points if p.objective is not None]
    for a, b in itertools.pairwise(solved):
        assert a.objective is not None and b.objective is not None
        slack = (b.gap or 0.0) * abs(b.objective) + tol * max(1.0, abs(a.objective))
        if b.objective > a.objective + slack:
            out.append(
                f"{b.warehouses} sites cost {b.objective:,.0f}, more than "
                f"{a.warehouses} sites ({a.objective:,.0f}) beyond the gap"
            )
    return out


def _with_limit(prepared: Prepared, k: int) -> Prepared:
    """The prepared problem with at most ``k`` sites used (only the limit's row changes)."""
    core = prepared.problem.core
    cons = tuple(replace(c, hi=float(k)) if c.name == "sites_max" else c for c in core.constraints)
    options = replace(prepared.options, max_sites=k)
    problem = replace(prepared.problem, options=options, core=replace(core, constraints=cons))
    return replace(prepared, options=options, problem=problem)


def fewest_sites(prepared: Prepared) -> int:
    """Sites every plan uses: those forced open (existing or ``must_open``) and ``min_sites``."""
    arcs = prepared.problem.core.arcs
    forced = sum(1 for a in prepared.problem.use_arcs.values() if arcs.min_units[a] >= 1)
    return max(forced, prepared.options.min_sites or 0)


def _point(k: int, run: RunResult, seconds: float) -> FrontierPoint:
    """A solved count (its changes against the count before: :func:`_linked`)."""
    sol = run.solution
    if sol.status not in HAS_SOLUTION:
        return FrontierPoint(
            warehouses=k,
            status=sol.status,
            objective=None,
            bound=sol.bound,
            gap=None,
            seconds=seconds,
            message=sol.message or _why_infeasible(run),
        )
    k_ = sol.kpis
    return FrontierPoint(
        warehouses=k,
        status=sol.status,
        objective=sol.objective,
        bound=sol.bound,
        gap=sol.gap,
        seconds=seconds,
        open=tuple(sites_used(sol.warehouses)),
        total_cost_cny=float(k_["total_cost_cny"]),
        logistics_cost_cny=float(k_["logistics_cost_cny"]),
        co2_tonnes=float(k_["co2_tonnes"]),
        on_promise_share=float(k_["on_time_share"]),
        unmet_tonnes=float(k_["unmet_tonnes"]),
        check_ok=run.check.ok if run.check is not None else None,
        lp_bound_exact=(sol.meta.get("route_generation") or {}).get("lp_bound_exact"),
    )


def _why_infeasible(run: RunResult) -> str:
    unmet = run.solution.unmet
    if run.solution.status == "infeasible" and len(unmet):
        return (
            f"no plan with so few sites serves every demand "
            f"(require_full_service); {len(unmet)} demand rows at stake"
        )
    return ""


def _range(prepared: Prepared, max_sites: int, min_sites: int | None) -> tuple[int, int]:
    n_sites = len(prepared.problem.use_arcs)
    low = fewest_sites(prepared) if min_sites is None else min_sites
    high = min(max_sites, n_sites)
    if low > high:
        msg = (
            f"--min {low} is above --max {high} (the scenario has {n_sites} usable sites)"
            if min_sites is not None
            else f"the scenario forces {low} sites open, more than --max {max_sites}"
        )
        raise InputError(msg, field="min" if min_sites is not None else "max")
    if high - low + 1 > MAX_POINTS:
        msg = f"{high - low + 1} points asked; at most {MAX_POINTS} (narrow --min/--max)"
        raise InputError(msg, field="max")
    return low, high


def iter_frontier(
    scenario: str | Path | Scenario,
    *,
    max_sites: int,
    min_sites: int | None = None,
    workers: int = 1,
    warm: bool = True,
    network: Network | None = None,
    **overrides: Any,
) -> Iterator[FrontierPoint]:
    """Solve the frontier point by point (yields each point, in increasing count).

    ``workers`` > 1 splits the counts into that many runs of consecutive
    counts solved side by side in worker processes (each run's first point
    starts cold, the others from the point before); the points are yielded
    as each run finishes, in order. ``overrides`` are solver options
    (``time_limit_s`` per point, ``rel_gap``, ...), as for
    :func:`optimizer.studies.pipeline.run_scenario`. ``warm=False`` solves
    every point cold (the benchmark's peer). ``network``: the scenario's
    network, when the caller has it already.

    Raises
    ------
    InputError
        On a bad scenario, or counts out of range.
    """
    sc = as_scenario(scenario)
    if max_sites < 0:
        msg = f"--max must be >= 0, got {max_sites}"
        raise InputError(msg, field="max")
    options = replace(design_options(sc), max_sites=max_sites)
    prepared = prepare(sc, options=options, network=network)
    low, high = _range(prepared, max_sites, min_sites)
    counts = list(range(low, high + 1))
    workers = max(1, min(workers, len(counts)))
    if workers == 1:
        yield from _chain(prepared, counts, overrides, warm)
        return
    blocks = [list(b) for b in np.array_split(np.asarray(counts), workers) if len(b)]
    previous: FrontierPoint | None = None
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(blocks), mp_context=ctx) as pool:
        futures = [
            pool.submit(_chain_job, sc, [int(k) for k in b], overrides, warm) for b in blocks
        ]
        for future in futures:
            for point in future.result():
                point = _linked(point, previous)
                if point.objective is not None:
                    previous = point
                yield point


def _chain_job(
    sc: Scenario, counts: list[int], overrides: dict[str, Any], warm: bool = True
) -> list[FrontierPoint]:
    """One run of consecutive counts in a worker process (its progress to stderr)."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    prepared = prepare(sc, options=replace(design_options(sc), max_sites=max(counts)))
    return list(_chain(prepared, counts, overrides, warm))


def _linked(point: FrontierPoint, previous: FrontierPoint | None) -> FrontierPoint:
    """The point's changes against the previous solved point (across runs of counts)."""
    if point.objective is None:
        return point
    before = set(previous.open) if previous is not None else set()
    saving = None
    if previous is not None and previous.total_cost_cny is not None:
        saving = previous.total_cost_cny - float(point.total_cost_cny or 0.0)
    return replace(
        point,
        added=tuple(w for w in point.open if w not in before),
        dropped=tuple(sorted(before - set(point.open))),
        saving_cny=saving,
    )


def _chain(
    prepared: Prepared, counts: list[int], overrides: dict[str, Any], warm: bool = True
) -> Iterator[FrontierPoint]:
    """Consecutive counts, each started from the previous count's plan."""
    sc = prepared.scenario
    sopts = solve_options(sc, **overrides)
    start: tuple[Incumbent, Path] | None = None
    previous: FrontierPoint | None = None
    for k in counts:
        began = time.perf_counter()
        here = _with_limit(prepared, k)
        log.info("frontier %s: at most %d sites", sc.name, k)
        run = solve(here, sopts, started=began, start=start)
        point = _linked(_point(k, run, time.perf_counter() - began), previous)
        log.info(
            "frontier %d sites: %s, objective %s, bound %s, gap %s, %.1f s",
            k,
            point.status,
            point.objective,
            point.bound,
            point.gap,
            point.seconds,
        )
        if point.objective is not None:
            inc = Incumbent.from_solution(run.solution) if warm else None
            if inc is not None:
                start = (inc, Path(f"frontier point {k}"))
            previous = point
        yield point


def run_frontier(
    scenario: str | Path | Scenario,
    *,
    max_sites: int,
    min_sites: int | None = None,
    on_point: Callable[[FrontierPoint], None] | None = None,
    workers: int = 1,
    **overrides: Any,
) -> FrontierResult:
    """:func:`iter_frontier` to the end, as a :class:`FrontierResult`."""
    began = time.perf_counter()
    sc = as_scenario(scenario)
    result = FrontierResult(scenario=sc)
    for point in iter_frontier(
        sc, max_sites=max_sites, min_sites=min_sites, workers=workers, **overrides
    ):
        result.points.append(point)
        if on_point is not None:
            on_point(point)
    result.seconds = time.perf_counter() - began
    return result


__all__ = [
    "FrontierPoint",
    "FrontierResult",
    "fewest_sites",
    "iter_frontier",
    "monotone_violations",
    "run_frontier",
]
