"""A comparison of scenarios as files: CSV tables, Markdown, and one HTML page with maps.

The page (``comparison.html``) is rendered from ``comparison.html.j2``: the
KPI table with differences against the first scenario, charts (cost by part,
CO2, delivery days, mode shares in the maps' mode colours), open warehouses,
the busiest corridors, unmet demand and a side-by-side map of the first
scenario against each other one. It fetches nothing.
"""

from __future__ import annotations

import logging
import numbers
from pathlib import Path

import pandas as pd

from optimizer.format import cell
from optimizer.output.charts import bar_chart
from optimizer.output.html import render
from optimizer.output.mapping import map_comparison, render_map
from optimizer.output.palette import COST_PART_COLORS, COST_PART_LABELS, MODE_COLORS
from optimizer.results.folders import OutputFolder, check_output_folder
from optimizer.results.solution import COST_PARTS
from optimizer.studies.compare import Comparison, result_network
from optimizer.studies.moves import WITHIN

log = logging.getLogger(__name__)

Matrix = tuple[list[str], list[list[str]]]

#: (label, column, format, difference format) of the KPI table (kinds of :func:`cell`).
KPI_LINES: list[tuple[str, str, str, str]] = [
    ("status", "status", "text", ""),
    ("total cost (M CNY/yr)", "total_cost_cny", "m", "m"),
    ("\u2003transport", "cost_transport_cny", "m", "m"),
    ("\u2003warehouse fixed", "cost_warehouse_fixed_cny", "m", "m"),
    ("\u2003handling and storage", "cost_handling_storage_cny", "m", "m"),
    ("\u2003in-transit inventory", "cost_in_transit_inventory_cny", "m", "m"),
    ("\u2003stock held abroad", "cost_stock_abroad_cny", "m", "m"),
    ("\u2003carbon", "cost_carbon_cny", "m", "m"),
    ("\u2003unmet-demand penalty", "cost_unmet_penalty_cny", "m", "m"),
    ("logistics cost without penalty (M CNY/yr)", "logistics_cost_cny", "m", "m"),
    ("CO2 (t/yr)", "co2_tonnes", "int", "int"),
    ("mean delivery days", "mean_delivery_days", "float", "float"),
    ("on-time share", "on_time_share", "pct", "pt"),
    ("unmet demand (t/yr)", "unmet_tonnes", "int", "int"),
    ("open warehouses (owned)", "open_warehouses", "int", "int"),
    ("sites used (owned or shared)", "sites_used", "int", "int"),
    ("tonnes through shared space", "warehouse_tonnes_shared", "int", "int"),
    ("owned utilisation (median)", "owned_utilization_median", "pct", "pt"),
    ("containers/trucks per year", "containers_per_year", "int", "int"),
    ("mean fill rate", "mean_fill_rate", "pct", "pt"),
]


def kpi_matrix(comparison: Comparison) -> Matrix:
    """Header and rows of the KPI table: a column per scenario, then the differences."""
    t = comparison.table
    names = comparison.names
    header = ["KPI", *names] + [f"{n} vs {names[0]}" for n in names[1:]]
    rows = []
    lines = list(KPI_LINES)
    for col in [c for c in t.columns if c.startswith("main_mode_tonnes_")]:
        mode = col.removeprefix("main_mode_tonnes_")
        lines.append((f"tonnes by main mode: {mode}", col, "int", "int"))
    for col in [c for c in t.columns if c.startswith("channel_tonnes_")]:
        lines.append(
            (f"tonnes by channel: {col.removeprefix('channel_tonnes_')}", col, "int", "int")
        )
    for col in [c for c in t.columns if c.startswith("tkm_share_")]:
        lines.append((f"tonne-km share {col.removeprefix('tkm_share_')}", col, "pct", "pt"))
    for label, col, kind, diff_kind in lines:
        if col not in t.columns:
            continue
        vals = [cell(t.at[i, col], kind) for i in range(len(t))]
        diffs = []
        for i in range(1, len(t)):
            a, b = t.at[0, col], t.at[i, col]
            if diff_kind and isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
                diffs.append(cell(float(b) - float(a), diff_kind, sign=True))
            else:
                diffs.append("")
        rows.append([label, *vals, *diffs])
    return header, rows


def warehouse_matrix(comparison: Comparison) -> Matrix:
    """Header and rows of the open-warehouse table."""
    names = comparison.names
    w = comparison.warehouses
    header = ["warehouse", *[f"{n} (t/yr)" for n in names]] + [
        f"{n} vs {names[0]}" for n in names[1:]
    ]
    rows = []
    for _, r in w.iterrows():
        cells = [str(r["warehouse_id"])]
        for n in names:
            cells.append(cell(r[f"tonnes_{n}"], "int") if r[f"open_{n}"] else "closed")
        for n in names[1:]:
            cells.append(str(r[f"change_{n}"]))
        rows.append(cells)
    return header, rows


def corridor_matrix(comparison: Comparison) -> Matrix:
    """Header and rows of the busiest-corridor table."""
    names = comparison.names
    c = comparison.corridors
    header = ["corridor", *[f"{n} (t/yr)" for n in names]] + [
        f"{n} vs {names[0]}" for n in names[1:]
    ]
    rows = []
    for _, r in c.iterrows():
        rows.append(
            [str(r["corridor"])]
            + [cell(r[f"tonnes_{n}"], "int") for n in names]
            + [cell(r[f"change_{n}"], "int", sign=True) for n in names[1:]]
        )
    return header, rows


def _scenario_lines(
    comparison: Comparison, where: dict[str, str] | None = None
) -> list[tuple[str, str, str, str]]:
    where = where or {}
    return [
        (
            r.name,
            " ".join(r.description.split()),
            r.source,
            where.get(r.name)
            or (f"reused {r.directory}/" if r.reused else f"solved into {r.directory}/"),
        )
        for r in comparison.results
    ]


def _unmet_lines(comparison: Comparison, top: int = 5) -> list[tuple[str, str]]:
    out = []
    for r in comparison.results:
        u = r.solution.unmet
        if not len(u):
            continue
        reasons = u.groupby("reason")["tonnes"].sum().sort_values(ascending=False)
        items = "; ".join(f"{t:,.0f} t: {why}" for why, t in reasons.head(top).items())
        out.append((r.name, f"{u['tonnes'].sum():,.0f} t ({items})"))
    return out


def difference_lines(comparison: Comparison) -> list[tuple[str, str]]:
    """Per later scenario: is the cost difference an effect, and why did flows move?"""
    t = comparison.table
    out = []
    for i in range(1, len(t)):
        name = str(t.at[i, "scenario"])
        diff = float(t["total_cost_cny_vs_first"].iloc[i])
        tol = float(t["total_cost_tolerance_cny"].iloc[i])
        word = str(t.at[i, "total_cost_verdict"])
        text = f"total cost {diff / 1e6:+,.2f} M CNY/yr: " + (
            f"{WITHIN} (the two solves' combined tolerance is {tol / 1e6:,.2f} M), not an effect"
            if word == WITHIN
            else f"{word}, beyond the combined solver tolerance of {tol / 1e6:,.2f} M"
        )
        m = comparison.moves
        m = m[m["scenario"] == name] if len(m) else m
        if len(m):
            by = m.groupby("reason")["tonnes_moved"].sum().sort_values(ascending=False)
            text += "; moved flows: " + "; ".join(f"{v:,.0f} t {why}" for why, v in by.items())
        else:
            text += "; no flow moved"
        out.append((name, text))
    return out


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def esc(x: str) -> str:
        return str(x).replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in header) + " |"]
    out.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def comparison_markdown(comparison: Comparison) -> str:
    """The comparison as a Markdown document."""
    names = comparison.names
    parts = [f"# Scenario comparison: {', '.join(names)}", ""]
    parts.append(f"Differences are against **{names[0]}**. Costs are CNY per year.")
    parts += ["", "## Scenarios", ""]
    for name, desc, src, how in _scenario_lines(comparison):
        parts.append(f"- **{name}** ({how}): {desc}" + (f" Source: {src}" if src else ""))
    parts += ["", "## KPIs", "", _md_table(*kpi_matrix(comparison)), ""]
    diffs = difference_lines(comparison)
    if diffs:
        parts += ["## Which differences are effects", ""]
        parts += [f"- **{name}**: {text}" for name, text in diffs]
        parts += ["", "Every moved flow with its reason is in `moved_flows.csv`.", ""]
    parts += ["## Open warehouses", ""]
    if len(comparison.warehouses):
        parts += [_md_table(*warehouse_matrix(comparison)), ""]
    else:
        parts += ["No warehouse is open in any scenario.", ""]
    parts += ["## Busiest corridors (t/yr)", ""]
    if len(comparison.corridors):
        parts += [_md_table(*corridor_matrix(comparison)), ""]
    else:
        parts += ["No corridor carries cargo.", ""]
    unmet = _unmet_lines(comparison)
    if unmet:
        parts += ["## Unmet demand by reason", ""]
        parts += [f"- **{name}**: {text}" for name, text in unmet]
        parts.append("")
    return "\n".join(parts)


def comparison_maps(comparison: Comparison) -> dict[str, str]:
    """Offline HTML of a side-by-side map of the first scenario against each other one.

    A map that cannot be drawn is left out with a warning in the log: the
    rest of the page does not depend on it.
    """
    results = comparison.results
    out: dict[str, str] = {}
    for r in results[1:]:
        try:
            fmap = map_comparison(results[0].solution, r.solution, result_network(r), offline=True)
            out[r.name] = render_map(fmap)
        except Exception as exc:  # a map is a bonus: never lose the report for it
            log.warning(
                "map of %s vs %s skipped: %s: %s", results[0].name, r.name, type(exc).__name__, exc
            )
    return out


def comparison_html(
    comparison: Comparison,
    maps: dict[str, str] | None = None,
    where: dict[str, str] | None = None,
) -> str:
    """The comparison as one self-contained HTML page (inline CSS and SVG, no external assets).

    ``where`` says, per scenario name, where its result comes from (default: the result
    folder, reused or solved into).
    """
    t = comparison.table
    names = comparison.names
    charts = []
    parts = {
        COST_PART_LABELS.get(p, p): t[f"cost_{p}_cny"].fillna(0.0).tolist()
        for p in COST_PARTS
        if f"cost_{p}_cny" in t.columns
    }
    part_colors = {COST_PART_LABELS.get(p, p): c for p, c in COST_PART_COLORS.items()}
    charts.append(
        bar_chart(
            names,
            parts,
            title="Total cost by part",
            unit="M CNY",
            stacked=True,
            scale=1e-6,
            colors=part_colors,
        )
    )
    charts.append(
        bar_chart(names, {"CO2": t["co2_tonnes"].fillna(0).tolist()}, title="CO2", unit="t")
    )
    charts.append(
        bar_chart(
            names,
            {"mean delivery days": t["mean_delivery_days"].fillna(0).tolist()},
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
        charts.append(
            bar_chart(
                names,
                shares,
                title="Mode shares of tonne-km",
                unit="%",
                stacked=True,
                scale=100,
                colors=MODE_COLORS,
            )
        )
    mains = {
        c.removeprefix("main_mode_tonnes_"): t[c].fillna(0).tolist()
        for c in t.columns
        if c.startswith("main_mode_tonnes_")
    }
    if mains:
        charts.append(
            bar_chart(
                names,
                mains,
                title="Tonnes by main mode (the mode of each route's longest leg)",
                unit="kt",
                stacked=True,
                scale=1e-3,
                colors=MODE_COLORS,
            )
        )
    c = comparison.corridors
    corridor_chart = (
        bar_chart(
            c["corridor"].tolist(),
            {n: c[f"tonnes_{n}"].tolist() for n in names},
            title="Tonnes a year on the busiest corridors",
            unit="t",
        )
        if len(c)
        else None
    )
    return render(
        "comparison.html.j2",
        title=f"corridor compare: {', '.join(names)}",
        names=names,
        scenarios=_scenario_lines(comparison, where),
        kpis=kpi_matrix(comparison),
        charts=charts,
        warehouses=warehouse_matrix(comparison) if len(comparison.warehouses) else None,
        corridors=corridor_matrix(comparison) if len(c) else None,
        corridor_chart=corridor_chart,
        unmet=_unmet_lines(comparison),
        differences=difference_lines(comparison),
        maps=maps or {},
    )


def write_comparison(
    comparison: Comparison, out: str | Path, *, maps: bool = True, force: bool = False
) -> dict[str, Path]:
    """Write comparison.csv, warehouses.csv, corridors.csv, moved_flows.csv, comparison.md
    and comparison.html.

    ``maps``: embed a side-by-side map of the first scenario against each
    other one in the page. The folder is corridor's
    (:class:`~optimizer.results.folders.OutputFolder`): replaced atomically,
    refused when it holds other files unless ``force``.

    Raises
    ------
    OutputFolderError
        When ``out`` is not corridor's to write.
    """
    check_output_folder(out, force=force)
    page = comparison_html(comparison, comparison_maps(comparison) if maps else None)
    with OutputFolder(out, kind="compare", force=force) as folder:
        return {
            "csv": folder.write_text("comparison.csv", _csv(comparison.table)),
            "warehouses": folder.write_text("warehouses.csv", _csv(comparison.warehouses)),
            "corridors": folder.write_text("corridors.csv", _csv(comparison.corridors)),
            "moves": folder.write_text("moved_flows.csv", _csv(comparison.moves)),
            "markdown": folder.write_text("comparison.md", comparison_markdown(comparison)),
            "html": folder.write_text("comparison.html", page),
        }


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)


def comparison_summary(comparison: Comparison) -> str:
    """A short text table for the terminal."""
    header, rows = kpi_matrix(comparison)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        lines.append(
            "  ".join(
                str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
                for i, c in enumerate(r)
            )
        )
    lines += [f"{name}: {text}" for name, text in difference_lines(comparison)]
    return "\n".join(lines)
