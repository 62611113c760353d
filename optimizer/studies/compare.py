"""Side-by-side comparison of scenarios: ``corridor compare``.

Each scenario is solved with :func:`optimizer.cli.solve.run_scenario`, or its
result directory is reused when it is up to date: ``solution.json`` carries the
scenario's :meth:`~optimizer.data.scenario.Scenario.fingerprint` (changes, options
and every data file) and the ``code_version`` that wrote it, and both must
match, the solve must have a solution, and any solver option given on the
command line must match the stored one.

The comparison is plain data (:class:`Comparison`): one KPI row per scenario
with differences against the first, the warehouses that open or close, and
the busiest international corridors with their tonnes in every scenario.
:func:`write_comparison` writes it as CSV, Markdown and a self-contained HTML
report (tables and inline SVG charts; no scripts or styles from a CDN).
"""

from __future__ import annotations

import dataclasses
import html
import inspect
import json
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import InputError
from optimizer.results.solution import COST_PARTS, Solution, load_solution

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
    "co2_tonnes",
    "mean_delivery_days",
    "on_time_share",
    "unmet_tonnes",
    "open_warehouses",
]
SOLVE_KEYS = ("solver", "time_limit_s", "rel_gap", "threads", "seed")
HAS_SOLUTION = ("optimal", "feasible")


@dataclass(frozen=True)
class ScenarioResult:
    """One solved (or reused) scenario."""

    name: str
    path: str
    description: str
    source: str
    solution: Solution
    directory: Path
    reused: bool


@dataclass(frozen=True)
class Comparison:
    """KPI table, warehouse changes and corridor changes of several scenarios."""

    results: tuple[ScenarioResult, ...]
    table: pd.DataFrame
    warehouses: pd.DataFrame
    corridors: pd.DataFrame
    maps: dict[str, str] = field(default_factory=dict)  # scenario -> HTML of a map

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.results]


# -- solving or reusing ---------------------------------------------------------------------


def is_up_to_date(
    directory: str | Path, fingerprint: str, overrides: dict[str, Any] | None = None
) -> bool:
    """Whether ``directory`` holds a usable result of a scenario with this fingerprint.

    Usable: ``solution.json`` exists and parses, its ``fingerprint`` and
    ``code_version`` match, its status has a solution, and every solver option
    in ``overrides`` that is not ``None`` equals the stored one.
    """
    from optimizer import code_version

    path = Path(directory) / "solution.json"
    if not path.is_file():
        return False
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if doc.get("fingerprint") != fingerprint or doc.get("code_version") != code_version():
        return False
    if doc.get("status") not in HAS_SOLUTION:
        return False
    stored = doc.get("solve_options") or {}
    for key, value in (overrides or {}).items():
        if value is not None and stored.get(key) != value:
            return False
    return all((Path(directory) / f).is_file() for f in ("lanes.csv", "warehouses.csv"))


def solve_or_reuse(
    scenario_path: str | Path,
    *,
    results_dir: str | Path = "results",
    force: bool = False,
    say: Callable[[str], None] | None = None,
    **solve_kw: Any,
) -> ScenarioResult:
    """Solve a scenario into ``results_dir/<name>/``, or reuse the result there if up to date.

    ``solve_kw`` are solver overrides passed on to
    :func:`~optimizer.cli.solve.run_scenario` (``solver``, ``time_limit_s``,
    ``rel_gap``, ``threads``, ``seed``).

    Raises
    ------
    InputError
        When the scenario file is bad (see :func:`~optimizer.data.scenario.load_scenario`).
    """
    from optimizer.cli.solve import run_scenario
    from optimizer.data.scenario import load_scenario

    say = say or (lambda _m: None)
    sc = load_scenario(scenario_path)
    target = Path(results_dir) / sc.name
    overrides = {k: solve_kw.get(k) for k in SOLVE_KEYS}
    if not force and is_up_to_date(target, sc.fingerprint(), overrides):
        say(f"{sc.name}: reusing {target}/ (scenario, data and code unchanged)")
        solution = load_solution(target)
        reused = True
    else:
        say(f"{sc.name}: solving")
        solution, target = run_scenario(scenario_path, out=target, say=say, **solve_kw)
        reused = False
    return ScenarioResult(
        name=sc.name,
        path=str(scenario_path),
        description=sc.description,
        source=sc.source,
        solution=solution,
        directory=target,
        reused=reused,
    )


# -- tables ---------------------------------------------------------------------------------


def kpi_row(solution: Solution) -> dict[str, Any]:
    """One flat row of KPIs (NaN where the solve has no solution)."""
    k = solution.kpis or {}
    nan = float("nan")
    parts = k.get("cost_parts_cny", {})
    total = k.get("total_cost_cny", nan)
    row: dict[str, Any] = {
        "scenario": solution.scenario,
        "status": solution.status,
        "total_cost_cny": total,
        "co2_tonnes": k.get("co2_tonnes", nan),
        "mean_delivery_days": k.get("mean_delivery_days", nan),
        "on_time_share": k.get("on_time_share", nan),
        "unmet_tonnes": k.get("unmet_tonnes", nan),
        "open_warehouses": len(k["open_warehouses"]) if "open_warehouses" in k else nan,
        "logistics_cost_cny": total - parts.get("unmet_penalty", 0.0) if parts else nan,
    }
    for part in COST_PARTS:
        row[f"cost_{part}_cny"] = parts.get(part, nan)
    row["demand_tonnes"] = k.get("demand_tonnes", nan)
    row["served_tonnes"] = k.get("served_tonnes", nan)
    row["served_via_warehouse_tonnes"] = k.get("served_via_warehouse_tonnes", nan)
    row["containers_per_year"] = k.get("containers_per_year", nan)
    row["mean_fill_rate"] = k.get("mean_fill_rate", nan)
    row["open_warehouse_ids"] = ";".join(k.get("open_warehouses", []))
    for mode, tonnes in main_mode_tonnes(solution).items():
        row[f"main_mode_tonnes_{mode}"] = tonnes
    for mode, share in (k.get("tonne_km_share_by_mode") or {}).items():
        row[f"tkm_share_{mode}"] = share
    row["gap"] = solution.gap
    row["solve_seconds"] = solution.solve_seconds
    return row


def main_mode_tonnes(solution: Solution) -> dict[str, float]:
    """Tonnes a year by main mode: the mode of each route's longest leg (by km)."""
    lanes, routes = solution.lanes, solution.routes
    if not len(lanes) or not len(routes):
        return {}
    km = dict(zip(lanes["service_id"], lanes["tonne_km"] / lanes["tonnes"], strict=True))
    mode = dict(zip(lanes["service_id"], lanes["mode"], strict=True))
    out: dict[str, float] = {}
    for services, tonnes in zip(routes["services"], routes["tonnes"], strict=True):
        legs = [s for s in str(services).split(";") if s in km]
        if not legs:
            continue
        main = mode[max(legs, key=lambda s: km[s])]
        out[main] = out.get(main, 0.0) + float(tonnes)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


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
    results_dir: str | Path = "results",
    force: bool = False,
    maps: bool = True,
    say: Callable[[str], None] | None = None,
    **solve_kw: Any,
) -> Comparison:
    """Solve (or reuse) every scenario and compare them against the first.

    Raises
    ------
    InputError
        On a bad scenario file, no scenario, or two scenarios with the same name.
    """
    from optimizer.data.scenario import load_scenario

    if not paths:
        msg = "nothing to compare: give at least one scenario file"
        raise InputError(msg)
    scenarios = [load_scenario(p) for p in paths]  # all errors before any solve
    seen: dict[str, str] = {}
    for p, sc in zip(paths, scenarios, strict=True):
        if sc.name in seen:
            msg = f"{p} and {seen[sc.name]} are both named {sc.name!r}; names must differ"
            raise InputError(msg)
        seen[sc.name] = str(p)
    results = tuple(
        solve_or_reuse(p, results_dir=results_dir, force=force, say=say, **solve_kw) for p in paths
    )
    sols = [r.solution for r in results]
    country = _node_countries(scenarios[0])
    comp = Comparison(
        results=results,
        table=comparison_table(sols),
        warehouses=warehouse_changes(sols),
        corridors=corridor_changes(sols, country=country),
    )
    if maps and len(results) > 1:
        comp = dataclasses.replace(comp, maps=_comparison_maps(results, scenarios, say=say))
    return comp


def _node_countries(scenario: Any) -> dict[str, str]:
    import warnings

    from optimizer.data.loader import DataWarning, load_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        nodes = load_network(scenario.data_dir).nodes
    return {str(k): str(v) for k, v in nodes["country"].items()}


def _comparison_maps(
    results: Sequence[ScenarioResult],
    scenarios: Sequence[Any],
    *,
    say: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """HTML of ``optimizer.output.mapping.map_comparison(first, other, network)`` when available."""
    try:
        from optimizer.output import mapping
    except ImportError:
        return {}
    fn = getattr(mapping, "map_comparison", None)
    if fn is None:
        return {}
    from optimizer.data.scenario import network_of

    out: dict[str, str] = {}
    params = inspect.signature(fn).parameters
    for r, sc in zip(results[1:], scenarios[1:], strict=True):
        try:
            kw = {"offline": True} if "offline" in params else {}
            m = fn(results[0].solution, r.solution, network_of(sc), **kw)
            out[r.name] = m if isinstance(m, str) else m.get_root().render()
        except Exception as exc:  # a map is a bonus: never lose the report for it
            if say is not None:
                say(f"map of {results[0].name} vs {r.name} skipped: {type(exc).__name__}: {exc}")
    return out


# -- writing --------------------------------------------------------------------------------


def write_comparison(comparison: Comparison, out: str | Path) -> dict[str, Path]:
    """Write comparison.csv, warehouses.csv, corridors.csv, comparison.md and comparison.html."""
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    files = {
        "csv": target / "comparison.csv",
        "warehouses": target / "warehouses.csv",
        "corridors": target / "corridors.csv",
        "markdown": target / "comparison.md",
        "html": target / "comparison.html",
    }
    comparison.table.to_csv(files["csv"], index=False)
    comparison.warehouses.to_csv(files["warehouses"], index=False)
    comparison.corridors.to_csv(files["corridors"], index=False)
    files["markdown"].write_text(comparison_markdown(comparison), encoding="utf-8")
    files["html"].write_text(comparison_html(comparison), encoding="utf-8")
    return files


def _fmt(v: Any, kind: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else ""
    if kind == "m":
        return f"{v / 1e6:,.1f}"
    if kind == "dm":
        return f"{v / 1e6:+,.1f}"
    if kind == "pct":
        return f"{v:.1%}"
    if kind == "dpct":
        return f"{v * 100:+.1f} pt"
    if kind == "d":
        return f"{v:+,.1f}"
    if kind == "int":
        return f"{v:,.0f}"
    if kind == "dint":
        return f"{v:+,.0f}"
    if isinstance(v, float):
        return f"{v:,.1f}"
    return str(v)


#: (label, column, format, difference format) of the KPI table in Markdown and HTML.
KPI_LINES: list[tuple[str, str, str, str]] = [
    ("status", "status", "", ""),
    ("total cost (M CNY/yr)", "total_cost_cny", "m", "dm"),
    ("\u2003transport", "cost_transport_cny", "m", "dm"),
    ("\u2003warehouse fixed", "cost_warehouse_fixed_cny", "m", "dm"),
    ("\u2003handling and storage", "cost_handling_storage_cny", "m", "dm"),
    ("\u2003in-transit inventory", "cost_in_transit_inventory_cny", "m", "dm"),
    ("\u2003carbon", "cost_carbon_cny", "m", "dm"),
    ("\u2003unmet-demand penalty", "cost_unmet_penalty_cny", "m", "dm"),
    ("logistics cost without penalty (M CNY/yr)", "logistics_cost_cny", "m", "dm"),
    ("CO2 (t/yr)", "co2_tonnes", "int", "dint"),
    ("mean delivery days", "mean_delivery_days", "", "d"),
    ("on-time share", "on_time_share", "pct", "dpct"),
    ("unmet demand (t/yr)", "unmet_tonnes", "int", "dint"),
    ("open warehouses", "open_warehouses", "int", "dint"),
    ("containers/trucks per year", "containers_per_year", "int", "dint"),
    ("mean fill rate", "mean_fill_rate", "pct", "dpct"),
]


def _kpi_matrix(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    t = comparison.table
    names = comparison.names
    header = ["KPI", *names] + [f"{n} vs {names[0]}" for n in names[1:]]
    rows = []
    lines = list(KPI_LINES)
    for col in [c for c in t.columns if c.startswith("main_mode_tonnes_")]:
        mode = col.removeprefix("main_mode_tonnes_")
        lines.append((f"tonnes by main mode: {mode}", col, "int", "dint"))
    for col in [c for c in t.columns if c.startswith("tkm_share_")]:
        lines.append((f"tonne-km share {col.removeprefix('tkm_share_')}", col, "pct", "dpct"))
    for label, col, fmt, dfmt in lines:
        if col not in t.columns:
            continue
        vals = [_fmt(t.at[i, col], fmt) for i in range(len(t))]
        diffs = []
        for i in range(1, len(t)):
            a, b = t.at[0, col], t.at[i, col]
            if dfmt and isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
                diffs.append(_fmt(float(b) - float(a), dfmt))
            else:
                diffs.append("")
        rows.append([label, *vals, *diffs])
    return header, rows


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def esc(x: str) -> str:
        return str(x).replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in header) + " |"]
    out.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _warehouse_matrix(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    names = comparison.names
    w = comparison.warehouses
    header = ["warehouse", *[f"{n} (t/yr)" for n in names]] + [
        f"{n} vs {names[0]}" for n in names[1:]
    ]
    rows = []
    for _, r in w.iterrows():
        cells = [str(r["warehouse_id"])]
        for n in names:
            cells.append(_fmt(r[f"tonnes_{n}"], "int") if r[f"open_{n}"] else "closed")
        for n in names[1:]:
            cells.append(str(r[f"change_{n}"]))
        rows.append(cells)
    return header, rows


def _corridor_matrix(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    names = comparison.names
    c = comparison.corridors
    header = ["corridor", *[f"{n} (t/yr)" for n in names]] + [
        f"{n} vs {names[0]}" for n in names[1:]
    ]
    rows = []
    for _, r in c.iterrows():
        rows.append(
            [str(r["corridor"])]
            + [_fmt(r[f"tonnes_{n}"], "int") for n in names]
            + [_fmt(r[f"change_{n}"], "dint") for n in names[1:]]
        )
    return header, rows


def _scenario_lines(comparison: Comparison) -> list[tuple[str, str, str, str]]:
    return [
        (
            r.name,
            " ".join(r.description.split()),
            r.source,
            f"reused {r.directory}/" if r.reused else f"solved into {r.directory}/",
        )
        for r in comparison.results
    ]


def comparison_markdown(comparison: Comparison) -> str:
    """The comparison as a Markdown document."""
    names = comparison.names
    parts = [f"# Scenario comparison: {', '.join(names)}", ""]
    parts.append(f"Differences are against **{names[0]}**. Costs are CNY per year.")
    parts.append("")
    parts.append("## Scenarios")
    parts.append("")
    for name, desc, src, how in _scenario_lines(comparison):
        parts.append(f"- **{name}** ({how}): {desc}" + (f" Source: {src}" if src else ""))
    parts += ["", "## KPIs", "", _md_table(*_kpi_matrix(comparison)), ""]
    parts += ["## Open warehouses", ""]
    if len(comparison.warehouses):
        parts += [_md_table(*_warehouse_matrix(comparison)), ""]
    else:
        parts += ["No warehouse is open in any scenario.", ""]
    parts += ["## Busiest corridors (t/yr)", ""]
    if len(comparison.corridors):
        parts += [_md_table(*_corridor_matrix(comparison)), ""]
    else:
        parts += ["No corridor carries cargo.", ""]
    unmet = _unmet_lines(comparison)
    if unmet:
        parts += ["## Unmet demand by reason", "", *unmet, ""]
    return "\n".join(parts)


def _unmet_lines(comparison: Comparison, top: int = 5) -> list[str]:
    out = []
    for r in comparison.results:
        u = r.solution.unmet
        if not len(u):
            continue
        reasons = u.groupby("reason")["tonnes"].sum().sort_values(ascending=False)
        items = "; ".join(f"{t:,.0f} t: {why}" for why, t in reasons.head(top).items())
        out.append(f"- **{r.name}**: {u['tonnes'].sum():,.0f} t ({items})")
    return out


# -- HTML and SVG ---------------------------------------------------------------------------

PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def svg_bars(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    unit: str = "",
    stacked: bool = False,
    scale: float = 1.0,
    width: int = 760,
) -> str:
    """A horizontal bar chart as an inline ``<svg>`` (grouped, or stacked with a legend)."""
    names = list(series)
    n_lab = len(labels)
    bar_h = 18 if stacked else 12
    group_h = bar_h + 10 if stacked else bar_h * len(names) + 10
    left, right, top = 230, 90, 34
    legend_h = 20 * math.ceil(len(names) / 4) if (stacked or len(names) > 1) else 0
    height = top + n_lab * group_h + legend_h + 24
    vals = {k: [max(0.0, float(v) * scale) for v in s] for k, s in series.items()}
    if stacked:
        vmax = max((sum(vals[k][i] for k in names) for i in range(n_lab)), default=0.0)
    else:
        vmax = max((max(v, default=0.0) for v in vals.values()), default=0.0)
    vmax = vmax or 1.0
    plot_w = width - left - right
    e = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{e(title)}" font-family="sans-serif" font-size="12">',
        f'<text x="4" y="18" font-size="14" font-weight="bold">{e(title)}</text>',
    ]
    for i, lab in enumerate(labels):
        y0 = top + i * group_h
        out.append(
            f'<text x="{left - 6}" y="{y0 + (group_h - 10) / 2 + 4:.1f}" text-anchor="end">'
            f"{e(str(lab))}</text>"
        )
        x = float(left)
        for j, k in enumerate(names):
            v = vals[k][i]
            w = plot_w * v / vmax
            color = PALETTE[j % len(PALETTE)]
            y = y0 if stacked else y0 + j * bar_h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{color}"><title>{e(k)}: {v:,.1f} {e(unit)}</title></rect>'
            )
            if stacked:
                x += w
            else:
                out.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 4:.1f}">{v:,.1f}</text>')
        if stacked:
            total = sum(vals[k][i] for k in names)
            out.append(
                f'<text x="{x + 4:.1f}" y="{y0 + bar_h - 4:.1f}">{total:,.1f} {e(unit)}</text>'
            )
    if legend_h:
        ly = top + n_lab * group_h + 8
        for j, k in enumerate(names):
            lx = left + (j % 4) * 130
            yy = ly + 20 * (j // 4)
            out.append(
                f'<rect x="{lx}" y="{yy}" width="10" height="10" '
                f'fill="{PALETTE[j % len(PALETTE)]}"/>'
                f'<text x="{lx + 14}" y="{yy + 9}">{e(k)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{background:#f0f0f0}
h1{font-size:22px}h2{font-size:18px;margin-top:1.6em}
.note{color:#555;font-size:13px}
iframe{width:100%;height:560px;border:1px solid #ccc}
"""


def comparison_html(comparison: Comparison) -> str:
    """The comparison as one self-contained HTML page (inline CSS and SVG, no external assets)."""
    e = html.escape
    t = comparison.table
    names = comparison.names
    body = [f"<h1>Scenario comparison: {e(', '.join(names))}</h1>"]
    body.append(
        f'<p class="note">Differences are against <b>{e(names[0])}</b>. '
        "Costs are CNY per year. Written by <code>corridor compare</code>.</p>"
    )
    body.append("<h2>Scenarios</h2><ul>")
    for name, desc, src, how in _scenario_lines(comparison):
        body.append(
            f"<li><b>{e(name)}</b> <span class='note'>({e(how)})</span>: {e(desc)}"
            + (f" <span class='note'>Source: {e(src)}</span>" if src else "")
            + "</li>"
        )
    body.append("</ul>")
    body.append("<h2>KPIs</h2>" + _html_table(*_kpi_matrix(comparison)))

    # charts
    parts = {
        p.replace("_", " "): t[f"cost_{p}_cny"].fillna(0.0).tolist()
        for p in COST_PARTS
        if f"cost_{p}_cny" in t.columns
    }
    body.append(
        svg_bars(names, parts, title="Total cost by part", unit="M CNY", stacked=True, scale=1e-6)
    )
    body.append(svg_bars(names, {"CO2": t["co2_tonnes"].fillna(0).tolist()}, title="CO2", unit="t"))
    body.append(
        svg_bars(
            names,
            {
                "mean delivery days": t["mean_delivery_days"].fillna(0).tolist(),
            },
            title="Mean delivery days",
            unit="days",
        )
    )
    shares = {
        c.removeprefix("tkm_share_"): t[c].fillna(0).tolist()
        for c in t.columns
        if c.startswith("tkm_share_")
    }
    if shares:
        body.append(
            svg_bars(
                names, shares, title="Mode shares of tonne-km", unit="%", stacked=True, scale=100
            )
        )
    mains = {
        c.removeprefix("main_mode_tonnes_"): t[c].fillna(0).tolist()
        for c in t.columns
        if c.startswith("main_mode_tonnes_")
    }
    if mains:
        body.append(
            svg_bars(
                names,
                mains,
                title="Tonnes by main mode (the mode of each route's longest leg)",
                unit="kt",
                stacked=True,
                scale=1e-3,
            )
        )
    body.append("<h2>Open warehouses</h2>")
    if len(comparison.warehouses):
        body.append(_html_table(*_warehouse_matrix(comparison)))
    else:
        body.append("<p>No warehouse is open in any scenario.</p>")
    body.append("<h2>Busiest corridors</h2>")
    c = comparison.corridors
    if len(c):
        body.append(_html_table(*_corridor_matrix(comparison)))
        body.append(
            svg_bars(
                c["corridor"].tolist(),
                {n: c[f"tonnes_{n}"].tolist() for n in names},
                title="Tonnes a year on the busiest corridors",
                unit="t",
            )
        )
    else:
        body.append("<p>No corridor carries cargo.</p>")
    unmet = _unmet_lines(comparison)
    if unmet:
        body.append("<h2>Unmet demand by reason</h2><ul>")
        body += ["<li>" + e(line.removeprefix("- ").replace("**", "")) + "</li>" for line in unmet]
        body.append("</ul>")
    if comparison.maps:
        body.append("<h2>Maps</h2>")
        for name, doc in comparison.maps.items():
            body.append(f"<h3>{e(names[0])} vs {e(name)}</h3>")
            body.append(f'<iframe srcdoc="{e(doc, quote=True)}"></iframe>')
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>corridor compare: {e(', '.join(names))}</title>"
        f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def comparison_summary(comparison: Comparison) -> str:
    """A short text table for the terminal."""
    header, rows = _kpi_matrix(comparison)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        lines.append(
            "  ".join(
                str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
                for i, c in enumerate(r)
            )
        )
    return "\n".join(lines)
