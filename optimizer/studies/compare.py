"""Side-by-side comparison of scenarios: ``corridor compare``.

Each scenario is solved, or its result folder reused when it is up to date
(:func:`optimizer.studies.pipeline.solve_or_reuse`: the stored fingerprint of
the scenario, its data and options, and the code version must match).

The comparison is plain data (:class:`Comparison`): one KPI row per scenario
(:func:`optimizer.results.kpis.kpi_row`) with differences against the first,
the warehouses that open or close, and the busiest international corridors
with their tonnes in every scenario.
:func:`optimizer.output.comparison.write_comparison` writes it as CSV,
Markdown and a self-contained HTML page with maps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.data.loader import load_base_network
from optimizer.data.network import Network
from optimizer.data.scenario import load_scenario, network_of
from optimizer.errors import InputError
from optimizer.results.kpis import kpi_row
from optimizer.results.solution import Solution
from optimizer.studies.moves import (
    MOVE_COLUMNS,
    changed_demand,
    changed_services,
    is_tie,
    lanes_with_other_boxes,
    moved_flows,
    tolerance,
    verdict,
)
from optimizer.studies.pipeline import RESULTS_DIR, RunResult, default_result_dir, solve_or_reuse

log = logging.getLogger(__name__)

#: The columns every ``comparison.csv`` has, first, in this order.
KEY_COLUMNS = [
    "scenario",
    "status",
    "total_cost_cny",
    "co2_tonnes",
    "mean_delivery_days",
    "on_time_share",
    "unmet_tonnes",
    "open_warehouses",
]
#: KPIs whose difference against the first scenario is reported (``<kpi>_vs_first``).
DELTA_COLUMNS = [
    "total_cost_cny",
    "logistics_cost_cny",
    "unmet_penalty_cny",
    "co2_tonnes",
    "mean_delivery_days",
    "on_time_share",
    "unmet_tonnes",
    "open_warehouses",
]


@dataclass(frozen=True)
class Comparison:
    """KPI table, warehouse changes and corridor changes of several scenarios."""

    results: tuple[RunResult, ...]
    table: pd.DataFrame
    warehouses: pd.DataFrame
    corridors: pd.DataFrame
    moves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MOVE_COLUMNS))

    @property
    def names(self) -> list[str]:
        """The scenarios' names, the reference first."""
        return [r.name for r in self.results]


# -- tables ---------------------------------------------------------------------------------


def comparison_table(solutions: Sequence[Solution]) -> pd.DataFrame:
    """KPI rows, one per solution, with ``<kpi>_vs_first`` differences against the first."""
    if not solutions:
        msg = "nothing to compare: give at least one scenario"
        raise InputError(msg)
    rows = [kpi_row(s) for s in solutions]
    table = pd.DataFrame(rows)
    share_cols = sorted(c for c in table.columns if c.startswith("tkm_share_"))
    share_cols += sorted(c for c in table.columns if c.startswith("main_mode_tonnes_"))
    table[share_cols] = table[share_cols].fillna(0.0)
    first = table.iloc[0]
    for col in DELTA_COLUMNS:
        table[f"{col}_vs_first"] = table[col] - first[col]
    base = first["total_cost_cny"]
    table["total_cost_pct_vs_first"] = (
        (table["total_cost_cny"] / base - 1.0) * 100.0 if base else float("nan")
    )
    # a difference smaller than the two solves' combined tolerance is not an effect
    tol = [tolerance(solutions[0], s) if i else 0.0 for i, s in enumerate(solutions)]
    table["total_cost_tolerance_cny"] = tol
    table["total_cost_verdict"] = [
        verdict(float(d), t) if i else "reference"
        for i, (d, t) in enumerate(zip(table["total_cost_cny_vs_first"], tol, strict=True))
    ]
    rest = [c for c in table.columns if c not in KEY_COLUMNS and c not in share_cols]
    return table[[*KEY_COLUMNS, *rest, *share_cols]]


def warehouse_changes(solutions: Sequence[Solution]) -> pd.DataFrame:
    """Open warehouses of every scenario and the change against the first.

    One row per warehouse open in at least one scenario: ``open_<scenario>``
    (bool), ``tonnes_<scenario>`` (throughput) and ``change`` per later
    scenario (``opened``, ``closed`` or ``kept``).
    """
    names = [s.scenario for s in solutions]
    opened: dict[str, set[str]] = {
        s.scenario: set(s.kpis.get("open_warehouses", [])) for s in solutions
    }
    every = sorted(set().union(*opened.values())) if opened else []
    rows = []
    for w in every:
        row: dict[str, Any] = {"warehouse_id": w}
        for s in solutions:
            wh = s.warehouses
            t = (
                float(wh.loc[wh["warehouse_id"] == w, "throughput_tonnes"].sum())
                if len(wh)
                else 0.0
            )
            row[f"open_{s.scenario}"] = w in opened[s.scenario]
            row[f"tonnes_{s.scenario}"] = t
        for s in solutions[1:]:
            a, b = w in opened[names[0]], w in opened[s.scenario]
            row[f"change_{s.scenario}"] = "kept" if a and b else ("opened" if b else "closed")
        first = solutions[0].warehouses
        if len(first):
            hit = first[first["warehouse_id"] == w]
            if len(hit):
                row["country"] = hit["country"].iloc[0]
                row["name"] = hit["name"].iloc[0]
        rows.append(row)
    return pd.DataFrame(rows)


def corridor_tonnes(solution: Solution, country: dict[str, str] | None = None) -> pd.Series:
    """Tonnes a year by corridor (the lanes' ``corridor``) on the trunk legs.

    Last-mile lanes are left out, and so are road lanes inside one country
    (feeders, drayage, delivery trucking) when ``country`` (node id -> country)
    is given; cross-border road services stay.
    """
    lanes = solution.lanes
    if not len(lanes):
        return pd.Series(dtype=float)
    keep = lanes["mode"] != "last_mile"
    if country:
        same = lanes["from"].map(country) == lanes["to"].map(country)
        keep &= ~((lanes["mode"] == "road") & same)
    return lanes[keep].groupby("corridor")["tonnes"].sum().sort_values(ascending=False)


def corridor_changes(
    solutions: Sequence[Solution], *, top: int = 12, country: dict[str, str] | None = None
) -> pd.DataFrame:
    """The ``top`` busiest corridors (by their largest tonnage in any scenario).

    Columns: ``corridor``, ``tonnes_<scenario>`` and ``change_<scenario>``
    (tonnes against the first scenario).
    """
    per = {s.scenario: corridor_tonnes(s, country) for s in solutions}
    frame = pd.DataFrame(per).fillna(0.0)
    if frame.empty:
        return pd.DataFrame(columns=["corridor"])
    frame = frame.loc[frame.max(axis=1).sort_values(ascending=False).index[:top]]
    out = pd.DataFrame({"corridor": frame.index})
    first = solutions[0].scenario
    for s in solutions:
        out[f"tonnes_{s.scenario}"] = frame[s.scenario].to_numpy()
    for s in solutions[1:]:
        out[f"change_{s.scenario}"] = (frame[s.scenario] - frame[first]).to_numpy()
    return out.reset_index(drop=True)


# -- the whole comparison --------------------------------------------------------------------


def compare_scenarios(
    paths: Sequence[str | Path],
    *,
    results_dir: str | Path = RESULTS_DIR,
    force: bool = False,
    **overrides: Any,
) -> Comparison:
    """Solve (or reuse) every scenario and compare them against the first.

    ``force`` solves every scenario again, and writes into result folders that
    hold other files (never removing them). ``overrides`` are solver options
    (see :func:`optimizer.studies.pipeline.run_scenario`).

    Raises
    ------
    InputError
        On a bad scenario file, no scenario, or two scenarios with the same name.
    """
    if not paths:
        msg = "nothing to compare: give at least one scenario file"
        raise InputError(msg)
    scenarios = [load_scenario(p) for p in paths]  # all errors before any solve
    seen: dict[str, str] = {}
    folders: dict[Path, str] = {}
    for p, sc in zip(paths, scenarios, strict=True):
        if sc.name in seen:
            msg = f"{p} and {seen[sc.name]} are both named {sc.name!r}; names must differ"
            raise InputError(msg)
        seen[sc.name] = str(p)
        folder = default_result_dir(sc, results_dir)
        if folder in folders:
            msg = f"{p} and {folders[folder]} would both write {folder}; rename one file"
            raise InputError(msg)
        folders[folder] = str(p)
    solved = [
        solve_or_reuse(sc, results_dir=results_dir, resolve=force, force=force, **overrides)
        for sc in scenarios
    ]
    return compare_results(solved)


def compare_results(solved: Sequence[RunResult]) -> Comparison:
    """Compare solved (or reused) results against the first (the scenarios' names differ)."""
    # a reused result has no network yet: build it once, for the moved flows and the maps
    results = tuple(
        r if r.network is not None else replace(r, network=network_of(r.scenario)) for r in solved
    )
    sols = [r.solution for r in results]
    nodes = load_base_network(results[0].scenario.data_dir).nodes
    country = {str(k): str(v) for k, v in nodes["country"].items()}
    moves = flow_moves(results)
    table = comparison_table(sols)
    by_change, ties = [], []
    for r in results:
        m = moves[moves["scenario"] == r.name] if len(moves) else moves
        tie = m["reason"].map(is_tie) if len(m) else pd.Series(dtype=bool)
        by_change.append(float(m.loc[~tie, "tonnes_moved"].sum()) if len(m) else 0.0)
        ties.append(float(m.loc[tie, "tonnes_moved"].sum()) if len(m) else 0.0)
    table["moved_tonnes_by_change"] = by_change
    table["moved_tonnes_ties"] = ties
    return Comparison(
        results=results,
        table=table,
        warehouses=warehouse_changes(sols),
        corridors=corridor_changes(sols, country=country),
        moves=moves,
    )


def result_network(result: RunResult) -> Network:
    """The network a result was solved on (rebuilt from its scenario when not kept)."""
    return result.network if result.network is not None else network_of(result.scenario)


def flow_moves(results: Sequence[RunResult]) -> pd.DataFrame:
    """The flows that moved in each later scenario against the first, and why
    (:func:`optimizer.studies.moves.moved_flows`), with a ``scenario`` column."""
    if len(results) < 2:
        return pd.DataFrame(columns=["scenario", *MOVE_COLUMNS])
    first = results[0]
    net_a = result_network(first)
    carbon_a = first.solution.meta.get("options", {}).get("carbon_price_cny_per_t")
    open_a = set(first.solution.kpis.get("open_warehouses", []))
    frames = []
    for r in results[1:]:
        net_b = result_network(r)
        carbon_b = r.solution.meta.get("options", {}).get("carbon_price_cny_per_t")
        changed = changed_services(
            net_a.service_table, net_b.service_table, carbon_changed=carbon_a != carbon_b
        )
        containers = lanes_with_other_boxes(first.solution, r.solution)
        open_b = set(r.solution.kpis.get("open_warehouses", []))
        m = moved_flows(
            first.solution.routes,
            r.solution.routes,
            changed,
            demand_changed=changed_demand(net_a.demand, net_b.demand),
            warehouses_changed=open_a ^ open_b,
            container_lanes=containers,
        )
        frames.append(m.assign(scenario=r.name)[["scenario", *MOVE_COLUMNS]])
    return pd.concat(frames, ignore_index=True)
