r"""Why this warehouse: ``corridor explain RESULT_DIR``.

For a solved scenario with objective :math:`z^*` (relative gap :math:`g^*`),
every candidate site is listed with what the solution does there (owned
tier, shared space or nothing; markets served; tonnes; cost to serve per
tonne) and the answer to one counterfactual, each from a re-solve of the
whole model:

``close`` (every site the solution uses, owned or shared)
    The site is not used at all: ``never_open`` and ``never_shared`` (an
    existing warehouse too). :math:`\Delta = z_{close} - z^*` is what the
    site is worth to the network a year.
``open`` (the ``top`` best sites without an owned tier)
    An owned tier is forced (``must_open``; the model picks the tier and
    what it serves). :math:`\Delta = z_{open} - z^*` is what it would cost to
    make it an owned warehouse. Sites are ranked by the tonnes the solution
    already sends through their shared space, then by the tonnes of 9810
    demand their last mile can reach in time, then by their smallest fixed
    cost.

A shared-space site in the top ``top`` thus has both rows. Each re-solve
uses the result's own solver options, starts from the result's solution
(read from its files, :class:`~optimizer.models.incumbent.Incumbent`) and
reports its status, objective, bound and gap. A difference is certain only
beyond the *tolerance* :math:`g^* |z^*| + g |z|` (both solves stop within
their gaps); inside it the verdict is "marginal". A ``close`` change below
minus the tolerance would mean the result was not optimal: it is flagged.

Cost to serve (``cost_to_serve_cny_per_t``): every cost of the goods that
pass through the site, per tonne through it: their lanes at each lane's
mean cost per tonne (bulk leg and last mile), in-transit inventory, stock
held abroad, handling and fees at the site, and the site's fixed cost.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import math
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.data.network import Network
from optimizer.data.scenario import load_scenario, network_of
from optimizer.engine.solver import SolveOptions
from optimizer.errors import InputError
from optimizer.format import millions, money, number, percent
from optimizer.models.design import DesignOptions, build_problem, solve_problem
from optimizer.models.incumbent import Incumbent
from optimizer.models.warehouses import owned_tiers
from optimizer.results.files import dumps, find_scenario, load_solution, records
from optimizer.results.folders import write_owned_file
from optimizer.results.solution import Solution, solution_from_solve
from optimizer.studies.pipeline import HAS_SOLUTION, design_options, options_from, solve_options

log = logging.getLogger(__name__)

#: The columns of ``explain.csv`` (and keys of every ``explain.json`` row), in order.
EXPLAIN_COLUMNS = [
    "warehouse_id",
    "name",
    "country",
    "open",
    "tier",
    "operating_model",
    "markets",
    "tonnes",
    "owned_tonnes",
    "shared_tonnes",
    "utilization",
    "fixed_cost_cny",
    "cost_to_serve_cny_per_t",
    "test",
    "forced_change_cny",
    "forced_change_share",
    "tolerance_cny",
    "verdict",
    "status",
    "objective",
    "bound",
    "gap",
    "seconds",
    "forced_tier",
    "forced_markets",
    "forced_tonnes",
    "unmet_change_t",
    "channel_change_t",
    "reason",
]
#: Tests a row can hold.
TESTS = ("close", "open", "")


@dataclass(frozen=True)
class Variant:
    """One counterfactual re-solve (picklable: it runs in a worker process)."""

    site: str
    test: str  # "close" or "open"
    network: Network = field(repr=False)
    options: DesignOptions = field(repr=False)
    solve: SolveOptions = field(repr=False)
    start: Incumbent | None = field(repr=False, default=None)


@dataclass(frozen=True)
class Explanation:
    """The rows of ``explain`` and the result they explain."""

    result_dir: Path
    scenario: str
    objective: float
    gap: float
    rows: list[dict[str, Any]]
    seconds: float

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=EXPLAIN_COLUMNS)


# -- reading a solution ------------------------------------------------------------------


def cost_to_serve(solution: Solution, network: Network, site: str) -> tuple[float, float | None]:
    """(tonnes through ``site``, their cost to serve per tonne); see the module docstring."""
    routes = solution.routes
    via = routes[routes["warehouse"].fillna("").astype(str) == site]
    tonnes = float(via["tonnes"].sum())
    if tonnes <= 1e-9:
        return 0.0, None
    lanes = solution.lanes
    lane_t = lanes["tonnes"].to_numpy(dtype=float)
    per_t = dict(
        zip(
            lanes["service_id"].astype(str),
            lanes["cost_cny"].to_numpy(dtype=float) / pd.Series(lane_t).clip(lower=1e-12),
            strict=True,
        )
    )
    value = network.products["value_cny_per_t"].astype(float)
    product_of = network.demand["product"].astype(str)
    carry = network.param("inventory_carrying_rate_per_year")
    total = 0.0
    for did, services, t, transit, stock in zip(
        via["demand_id"].astype(str),
        via["services"].astype(str),
        via["tonnes"].to_numpy(dtype=float),
        via["transit_days"].to_numpy(dtype=float),
        via["stock_days"].fillna(0.0).to_numpy(dtype=float),
        strict=True,
    ):
        total += t * sum(per_t.get(s, 0.0) for s in services.split(";"))
        v = float(value.loc[product_of.loc[did]]) if did in product_of.index else 0.0
        total += t * v * carry * (transit + stock) / 365.0
    wh = solution.warehouses
    row = wh[wh["warehouse_id"].astype(str) == site]
    if not row.empty:
        total += float(row["fixed_cost_cny"].fillna(0.0).iloc[0])
        total += float(row["handling_storage_cny"].fillna(0.0).iloc[0])
    return tonnes, total / tonnes


def _site_rows(solution: Solution) -> dict[str, dict[str, Any]]:
    out = {}
    for rec in records(solution.warehouses):
        out[str(rec["warehouse_id"])] = rec
    return out


def reachable_9810_tonnes(network: Network, options: DesignOptions) -> dict[str, float]:
    """Tonnes of demand allowing 9810 that each site's last mile reaches in time."""
    problem = build_problem(network, replace(options, must_open=(), never_open=()))
    demand_t = network.demand["tonnes_per_year"].astype(float)
    seen: dict[str, set[str]] = {}
    for r in problem.routes:
        if r.warehouse:
            seen.setdefault(r.warehouse, set()).add(r.demand)
    return {w: float(demand_t.loc[sorted(ds)].sum()) for w, ds in seen.items()}


# -- one re-solve ------------------------------------------------------------------------


def solve_variant(variant: Variant) -> dict[str, Any]:
    """Re-solve with one site closed or opened; what changed (plain data)."""
    opts = variant.options
    w = variant.site
    if variant.test == "close":
        opts = replace(
            opts,
            must_open=tuple(x for x in opts.must_open if x != w),
            never_open=(*opts.never_open, w),
            never_shared=(*opts.never_shared, w),
        )
    else:
        opts = replace(
            opts,
            must_open=(*opts.must_open, w),
            never_open=tuple(x for x in opts.never_open if x != w),
        )
    t0 = time.perf_counter()
    problem = build_problem(variant.network, opts)
    solved = solve_problem(problem, variant.solve, start=variant.start)
    res = solved.result
    out: dict[str, Any] = {
        "site": w,
        "test": variant.test,
        "status": res.status,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    if not res.has_solution:
        return out
    sol = solution_from_solve(solved, f"explain {variant.test} {w}")
    row = _site_rows(sol).get(w, {})
    out["tier"] = row.get("tier") or ""
    out["markets"] = row.get("markets_served") or ""
    out["tonnes"] = float(row.get("throughput_tonnes") or 0.0)
    out["unmet_t"] = float(sol.unmet["tonnes"].sum()) if not sol.unmet.empty else 0.0
    out["channels"] = dict(sol.kpis.get("tonnes_by_channel", {}))
    return out


def _quiet_worker() -> None:  # pragma: no cover - runs in the worker processes
    logging.getLogger("optimizer").setLevel(logging.WARNING)


# -- the study ---------------------------------------------------------------------------


def explain(
    result_dir: str | Path,
    *,
    top: int = 5,
    jobs: int | None = None,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
    **overrides: Any,
) -> Explanation:
    """Explain a result folder's warehouse choices (see the module docstring).

    ``jobs``: re-solves at once (default: the machine's cores, at most 2
    for HiGHS's memory); 1 solves in this process. ``overrides``: solver
    options (``time_limit_s``, ``rel_gap``, ``solver``) instead of the
    result's. ``progress(done, total, outcome)`` after every re-solve.

    Raises
    ------
    InputError
        When the folder is not a solved result, or its scenario or data
        changed since it was solved.
    """
    t0 = time.perf_counter()
    d = Path(result_dir)
    base = load_solution(d)
    if base.status not in HAS_SOLUTION or base.objective is None:
        msg = f"{d}: the result has no solution (status {base.status}); nothing to explain"
        raise InputError(msg, file=str(d / "solution.json"))
    scenario_path = find_scenario(d, base.meta)
    if scenario_path is None:
        msg = f"{d}: its scenario file {base.meta.get('scenario_file')!r} is gone"
        raise InputError(msg, file=str(d / "solution.json"), field="scenario_file")
    sc = load_scenario(scenario_path)
    if base.meta.get("fingerprint") != sc.fingerprint():
        msg = (
            f"{d} is out of date: {scenario_path} or its data changed since it was solved; "
            f"run corridor solve {scenario_path} again"
        )
        raise InputError(msg, file=str(d / "solution.json"), field="fingerprint")
    network = network_of(sc)
    stored_options = base.meta.get("options")
    options = (
        options_from(stored_options) if isinstance(stored_options, dict) else design_options(sc)
    )
    stored = {
        k: v
        for k, v in (base.meta.get("solve_options") or {}).items()
        if k in ("solver", "time_limit_s", "rel_gap", "threads", "seed")
    }
    solve = solve_options(sc, **(stored | {k: v for k, v in overrides.items() if v is not None}))
    start = Incumbent.from_solution(base)

    sites = _site_rows(base)
    used = [w for w, r in sites.items() if float(r.get("throughput_tonnes") or 0.0) > 1e-6]
    owned = {w for w, r in sites.items() if str(r.get("tier") or "")}
    reach = reachable_9810_tonnes(network, options)
    nodes_open = network.nodes["open"].astype(bool)
    may_own = [
        w
        for w in sites
        if w not in owned
        and bool(nodes_open.get(w, False))
        and w not in options.never_open
        and reach.get(w, 0.0) > 0
    ]
    fixed_min = {w: min(_fixed_costs(network, w), default=math.inf) for w in sites}
    ranked = sorted(
        may_own,
        key=lambda w: (
            -float(sites[w].get("shared_tonnes") or 0.0),
            -reach.get(w, 0.0),
            fixed_min[w],
            w,
        ),
    )[: max(0, top)]
    variants = [Variant(w, "close", network, options, solve, start) for w in used]
    variants += [Variant(w, "open", network, options, solve, start) for w in ranked]
    log.info(
        "explain %s: %d close and %d open re-solves (%s, time limit %g s each)",
        d,
        len(used),
        len(ranked),
        solve.solver,
        solve.time_limit_s,
    )
    outcomes = _run(variants, jobs, progress)

    base_gap = float(base.gap) if base.gap is not None else math.inf
    z = float(base.objective)
    unmet0 = float(base.unmet["tonnes"].sum()) if not base.unmet.empty else 0.0
    channels0 = dict(base.kpis.get("tonnes_by_channel", {}))
    rows = []
    for w, rec in sites.items():
        tonnes, cts = cost_to_serve(base, network, w)
        common = {
            "warehouse_id": w,
            "name": rec.get("name") or "",
            "country": rec.get("country") or "",
            "open": w in used,
            "tier": str(rec.get("tier") or ""),
            "operating_model": str(rec.get("operating_model") or ""),
            "markets": [m for m in str(rec.get("markets_served") or "").split(";") if m],
            "tonnes": tonnes,
            "owned_tonnes": float(rec.get("owned_tonnes") or 0.0),
            "shared_tonnes": float(rec.get("shared_tonnes") or 0.0),
            "utilization": rec.get("utilization") if w in owned else None,
            "fixed_cost_cny": float(rec.get("fixed_cost_cny") or 0.0),
            "cost_to_serve_cny_per_t": cts,
        }
        tests = [o for o in outcomes if o["site"] == w]
        if not tests:
            rows.append(common | _untested(w, may_own, reach, nodes_open, options))
            continue
        for o in tests:
            rows.append(common | _judged(o, z, base_gap, unmet0, channels0))
    rows.sort(key=_row_order)
    return Explanation(
        result_dir=d,
        scenario=base.scenario,
        objective=z,
        gap=base_gap,
        rows=rows,
        seconds=round(time.perf_counter() - t0, 1),
    )


def _row_order(row: dict[str, Any]) -> tuple[int, float, float, str]:
    """Close tests, then open tests, then the rest; largest change first, then by tonnes."""
    change = row["forced_change_cny"]
    return (
        TESTS.index(row["test"]),
        -float(change) if change is not None else math.inf,
        -float(row["tonnes"]),
        str(row["warehouse_id"]),
    )


def _fixed_costs(network: Network, site: str) -> list[float]:
    return [t.fixed_cost_cny_per_year for t in owned_tiers(network, site)]


def _run(
    variants: list[Variant],
    jobs: int | None,
    progress: Callable[[int, int, dict[str, Any]], None] | None,
) -> list[dict[str, Any]]:
    n = len(variants)
    jobs = max(1, min(jobs or min(2, os.cpu_count() or 1), n or 1))
    out: list[dict[str, Any]] = []

    def done(o: dict[str, Any]) -> None:
        out.append(o)
        log.info(
            "%d/%d %s %s: %s, objective %s, gap %s, %.1f s",
            len(out),
            n,
            o["test"],
            o["site"],
            o["status"],
            millions(o.get("objective")),
            percent(o.get("gap"), 3),
            o["seconds"],
        )
        if progress is not None:
            progress(len(out), n, o)

    if jobs == 1:
        for v in variants:
            done(solve_variant(v))
    else:
        context = multiprocessing.get_context("spawn")
        one = [replace(v, solve=replace(v.solve, threads=1)) for v in variants]
        with cf.ProcessPoolExecutor(jobs, mp_context=context, initializer=_quiet_worker) as pool:
            futures = [pool.submit(solve_variant, v) for v in one]
            for fut in cf.as_completed(futures):
                done(fut.result())
    order = {(v.site, v.test): i for i, v in enumerate(variants)}
    return sorted(out, key=lambda o: order[(o["site"], o["test"])])


def _untested(
    w: str,
    may_own: list[str],
    reach: dict[str, float],
    nodes_open: pd.Series,
    options: DesignOptions,
) -> dict[str, Any]:
    if not bool(nodes_open.get(w, False)):
        reason = "its node is closed in this scenario"
    elif w in options.never_open:
        reason = "never_open in this scenario"
    elif reach.get(w, 0.0) <= 0:
        reason = "no 9810 demand that its last mile reaches within the promise"
    elif w in may_own:
        reason = "not among the best closed sites tested (raise --top)"
    else:
        reason = ""
    return {
        "test": "",
        "forced_change_cny": None,
        "forced_change_share": None,
        "tolerance_cny": None,
        "verdict": "not tested",
        "status": "",
        "objective": None,
        "bound": None,
        "gap": None,
        "seconds": None,
        "forced_tier": "",
        "forced_markets": [],
        "forced_tonnes": None,
        "unmet_change_t": None,
        "channel_change_t": {},
        "reason": reason,
    }


def _judged(
    o: dict[str, Any], z: float, base_gap: float, unmet0: float, channels0: dict[str, float]
) -> dict[str, Any]:
    zv = o.get("objective")
    gap = o.get("gap")
    change = None if zv is None else float(zv) - z
    tol = None
    if zv is not None and gap is not None and math.isfinite(base_gap):
        tol = base_gap * abs(z) + float(gap) * abs(float(zv))
    channels = o.get("channels") or {}
    moved = {
        ch: round(float(channels.get(ch, 0.0)) - float(channels0.get(ch, 0.0)), 1)
        for ch in sorted(set(channels) | set(channels0))
    }
    verdict, reason = _verdict(o["test"], change, tol, o, z)
    return {
        "test": o["test"],
        "forced_change_cny": change,
        "forced_change_share": None if change is None or not z else change / z,
        "tolerance_cny": tol,
        "verdict": verdict,
        "status": o["status"],
        "objective": zv,
        "bound": o.get("bound"),
        "gap": gap,
        "seconds": o.get("seconds"),
        "forced_tier": o.get("tier", ""),
        "forced_markets": [m for m in str(o.get("markets") or "").split(";") if m],
        "forced_tonnes": o.get("tonnes"),
        "unmet_change_t": None if "unmet_t" not in o else round(o["unmet_t"] - unmet0, 1),
        "channel_change_t": {k: v for k, v in moved.items() if abs(v) >= 0.1},
        "reason": reason,
    }


def _verdict(
    test: str, change: float | None, tol: float | None, o: dict[str, Any], z: float
) -> tuple[str, str]:
    if change is None:
        return "unknown", f"the re-solve ended {o['status']} without a solution"
    if tol is None:
        return "unknown", f"the re-solve has no bound ({o['status']}): the change is not proven"
    share = percent(change / z, 2) if z else "-"
    if test == "close":
        if change > tol:
            return "clear", f"closing it costs {money(change)} a year more ({share} of the total)"
        if change < -tol:
            return (
                "check",
                f"closing it saves {money(-change)}: the result was not optimal "
                "(solve again with a smaller --gap)",
            )
        return (
            "marginal",
            f"closing it changes the cost by {money(change)}, within the solvers' "
            f"tolerance of {money(tol)}",
        )
    tier = o.get("tier") or "-"
    if change <= tol:
        return (
            "near-tie",
            f"an owned {tier} tier here costs {money(change)} a year more, within the "
            f"tolerance of {money(tol)}",
        )
    return "worse", f"an owned {tier} tier here costs {money(change)} a year more ({share})"


# -- output ------------------------------------------------------------------------------


def write_explanation(explanation: Explanation) -> dict[str, Path]:
    """Write ``explain.json`` and ``explain.csv`` into the result folder."""
    d = explanation.result_dir
    doc = {
        "scenario": explanation.scenario,
        "objective": explanation.objective,
        "gap": explanation.gap,
        "seconds": explanation.seconds,
        "rows": explanation.rows,
    }
    table = explanation.table()
    for col in ("markets", "forced_markets"):
        table[col] = table[col].map(lambda v: ";".join(v) if isinstance(v, list) else v)
    table["channel_change_t"] = table["channel_change_t"].map(
        lambda v: ";".join(f"{k}:{x:+g}" for k, x in v.items()) if isinstance(v, dict) else v
    )
    return {
        "json": write_owned_file(d / "explain.json", dumps(doc) + "\n"),
        "csv": write_owned_file(d / "explain.csv", table.to_csv(index=False)),
    }


def explanation_summary(explanation: Explanation) -> str:
    """The table a person reads: one line a test, clear winners first."""
    lines = [
        f"explain {explanation.scenario}: objective {money(explanation.objective)} "
        f"(gap {percent(explanation.gap, 3)}), {explanation.seconds:g} s",
        f"{'site':<18} {'now':<14} {'t/yr':>8} {'CNY/t':>8}  {'test':<5} "
        f"{'change M CNY':>12} {'tol':>6}  verdict",
    ]
    for r in explanation.rows:
        if not r["test"] and not r["open"]:
            continue
        now = r["operating_model"] or "-"
        if r["tier"]:
            now += f" {r['tier']}"
        lines.append(
            f"{r['warehouse_id']:<18} {now:<14} {number(r['tonnes']):>8} "
            f"{number(r['cost_to_serve_cny_per_t']):>8}  {r['test'] or '-':<5} "
            f"{millions(r['forced_change_cny'], 2, sign=True):>12} "
            f"{millions(r['tolerance_cny'], 2):>6}  {r['verdict']}: {r['reason']}"
        )
    untested = sum(1 for r in explanation.rows if not r["test"] and not r["open"])
    lines.append(f"{untested} other candidate sites not used and not tested (see explain.csv)")
    return "\n".join(lines)


__all__ = [
    "EXPLAIN_COLUMNS",
    "Explanation",
    "Variant",
    "cost_to_serve",
    "explain",
    "explanation_summary",
    "solve_variant",
    "write_explanation",
]
