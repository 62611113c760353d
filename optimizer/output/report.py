"""Reports of a solution: tables as DataFrames, and one self-contained HTML page.

The table functions are pure (a :class:`~optimizer.results.solution.Solution`, and
the network where names are wanted, in; a DataFrame out), so the CLI, the API
and notebooks share them. :func:`report_html` puts them on one page with
charts drawn as inline SVG and the offline solution map embedded: the file
fetches nothing, so it can be mailed or opened on an intranet.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from optimizer.errors import InputError
from optimizer.results.solution import write_text_atomic

if TYPE_CHECKING:
    from optimizer.data.network import Network
    from optimizer.results.solution import Solution

__all__ = [
    "COST_PART_LABELS",
    "bar_chart_svg",
    "corridor_table",
    "cost_breakdown",
    "kpi_table",
    "mode_split",
    "report_html",
    "stacked_bar_svg",
    "unmet_table",
    "warehouse_table",
    "write_report",
]

COST_PART_LABELS = {
    "transport": "Transport",
    "warehouse_fixed": "Warehouse fixed cost",
    "handling_storage": "Handling and storage",
    "in_transit_inventory": "In-transit inventory",
    "carbon": "Carbon price",
    "unmet_penalty": "Unmet-demand penalty",
}
_COST_COLORS = ("#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#7f7f7f", "#d62728")


def _is_open(column: pd.Series) -> pd.Series:
    return column.astype(str).str.lower().isin(["true", "1", "1.0"])


def _node_name(network: Network | None, node_id: str) -> str:
    if network is None or node_id not in network.nodes.index:
        return node_id
    return str(network.nodes.at[node_id, "name"])


def kpi_table(solution: Solution) -> pd.DataFrame:
    """The headline figures of a solution.

    Parameters
    ----------
    solution
        The solution.

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator, value, unit``.
    """
    k = solution.kpis or {}
    rows = [
        ("total cost", k.get("total_cost_cny", solution.objective), "CNY/year"),
        ("CO2", k.get("co2_tonnes"), "t/year"),
        ("demand", k.get("demand_tonnes"), "t/year"),
        ("served", k.get("served_tonnes"), "t/year"),
        ("unmet", k.get("unmet_tonnes"), "t/year"),
        ("served via warehouses", k.get("served_via_warehouse_tonnes"), "t/year"),
        ("mean delivery", k.get("mean_delivery_days"), "days"),
        ("on-time share", k.get("on_time_share"), "share"),
        ("open warehouses", len(k.get("open_warehouses", [])), "count"),
        ("containers / units", k.get("containers_per_year"), "per year"),
        ("mean fill rate", k.get("mean_fill_rate"), "share"),
    ]
    return pd.DataFrame(rows, columns=["indicator", "value", "unit"])


def cost_breakdown(solution: Solution) -> pd.DataFrame:
    """Cost parts of the objective, in CNY per year, with their shares.

    Parameters
    ----------
    solution
        The solution.

    Returns
    -------
    pandas.DataFrame
        Columns ``part, label, cny, share``; the parts sum to the total cost.
    """
    parts = (solution.kpis or {}).get("cost_parts_cny", {})
    total = sum(float(v) for v in parts.values()) or 1.0
    rows = [(p, COST_PART_LABELS.get(p, p), float(v), float(v) / total) for p, v in parts.items()]
    return pd.DataFrame(rows, columns=["part", "label", "cny", "share"])


def mode_split(solution: Solution) -> pd.DataFrame:
    """Tonnes, tonne-km, cost and CO2 by mode, from the lanes.

    Parameters
    ----------
    solution
        The solution.

    Returns
    -------
    pandas.DataFrame
        Columns ``mode, tonnes, tonne_km, tkm_share, cost_cny, co2_t``, largest
        tonne-km first.
    """
    lanes = solution.lanes
    cols = ["mode", "tonnes", "tonne_km", "tkm_share", "cost_cny", "co2_t"]
    if lanes.empty:
        return pd.DataFrame(columns=cols)
    g = lanes.groupby("mode", as_index=False)[["tonnes", "tonne_km", "cost_cny", "co2_t"]].sum()
    total = float(g["tonne_km"].sum()) or 1.0
    g["tkm_share"] = g["tonne_km"] / total
    return g.sort_values(["tonne_km", "mode"], ascending=[False, True])[cols].reset_index(drop=True)


def warehouse_table(solution: Solution, network: Network | None = None) -> pd.DataFrame:
    """Warehouses, open ones first (by throughput), then closed candidates.

    Parameters
    ----------
    solution
        The solution.
    network
        For market names (ids otherwise).

    Returns
    -------
    pandas.DataFrame
        Columns ``warehouse_id, name, country, open, throughput_tonnes,
        capacity_tonnes, utilization, fixed_cost_cny, handling_storage_cny,
        markets_served``.
    """
    wh = solution.warehouses.copy()
    cols = [
        "warehouse_id",
        "name",
        "country",
        "open",
        "throughput_tonnes",
        "capacity_tonnes",
        "utilization",
        "fixed_cost_cny",
        "handling_storage_cny",
        "markets_served",
    ]
    if wh.empty:
        return pd.DataFrame(columns=cols)
    wh["open"] = _is_open(wh["open"])
    wh["markets_served"] = [
        ", ".join(_node_name(network, m) for m in str(s).split(";") if m and m != "nan")
        for s in wh["markets_served"]
    ]
    wh = wh.sort_values(
        ["open", "throughput_tonnes", "warehouse_id"], ascending=[False, False, True]
    )
    return wh[cols].reset_index(drop=True)


def corridor_table(solution: Solution) -> pd.DataFrame:
    """Flows by corridor and mode: tonnes, tonne-km, units, fill, cost, CO2.

    Parameters
    ----------
    solution
        The solution.

    Returns
    -------
    pandas.DataFrame
        Columns ``corridor, mode, lanes, tonnes, tonne_km, units_per_year,
        fill_rate, loose_tonnes, cost_cny, co2_t``, largest tonne-km first.
        ``fill_rate`` is weighted by units.
    """
    lanes = solution.lanes
    cols = [
        "corridor",
        "mode",
        "lanes",
        "tonnes",
        "tonne_km",
        "units_per_year",
        "fill_rate",
        "loose_tonnes",
        "cost_cny",
        "co2_t",
    ]
    if lanes.empty:
        return pd.DataFrame(columns=cols)
    df = lanes.copy()
    units = pd.to_numeric(df["units_per_year"], errors="coerce").fillna(0.0)
    fill = pd.to_numeric(df["fill_rate"], errors="coerce")
    df["_fill_units"] = (fill.fillna(0.0) * units).where(units > 0, 0.0)
    df["units_per_year"] = units
    df["loose_tonnes"] = pd.to_numeric(df["loose_tonnes"], errors="coerce").fillna(0.0)
    g = df.groupby(["corridor", "mode"], as_index=False).agg(
        lanes=("service_id", "count"),
        tonnes=("tonnes", "sum"),
        tonne_km=("tonne_km", "sum"),
        units_per_year=("units_per_year", "sum"),
        _fill_units=("_fill_units", "sum"),
        loose_tonnes=("loose_tonnes", "sum"),
        cost_cny=("cost_cny", "sum"),
        co2_t=("co2_t", "sum"),
    )
    g["fill_rate"] = (g["_fill_units"] / g["units_per_year"]).where(g["units_per_year"] > 0)
    g = g.sort_values(["tonne_km", "corridor"], ascending=[False, True])
    return g[cols].reset_index(drop=True)


def unmet_table(solution: Solution, network: Network | None = None) -> pd.DataFrame:
    """Demand left unmet, with the reason the model gives.

    Parameters
    ----------
    solution
        The solution.
    network
        For origin and market names (ids otherwise).

    Returns
    -------
    pandas.DataFrame
        Columns ``demand_id, origin, market, product, customs_mode, tonnes,
        reason``, largest first.
    """
    cols = ["demand_id", "origin", "market", "product", "customs_mode", "tonnes", "reason"]
    un = solution.unmet
    if un.empty:
        return pd.DataFrame(columns=cols)
    df = un.copy()
    df["origin"] = [_node_name(network, str(o)) for o in df["origin"]]
    df["market"] = [_node_name(network, str(m)) for m in df["market"]]
    df = df.sort_values(["tonnes", "demand_id"], ascending=[False, True])
    return df[cols].reset_index(drop=True)


# -- charts (inline SVG) ------------------------------------------------------------------------
def _esc(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    colors: Sequence[str],
    *,
    value_format: str = "{:,.0f}",
    width: int = 640,
    bar_height: int = 22,
) -> str:
    """A horizontal bar chart as an inline SVG element.

    Parameters
    ----------
    labels, values, colors
        One entry per bar (colours are cycled).
    value_format
        Format of the value printed after each bar.
    width, bar_height
        Size in pixels.

    Returns
    -------
    str
        ``<svg>...</svg>``.

    Examples
    --------
    >>> bar_chart_svg(["a"], [1.0], ["#000"]).startswith("<svg")
    True
    """
    label_w, value_w, gap = 190, 110, 6
    plot_w = width - label_w - value_w
    vmax = max([abs(float(v)) for v in values] + [1e-12])
    height = len(values) * (bar_height + gap) + gap
    parts = [f"<svg width='{width}' height='{height}' role='img' class='chart'>"]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = gap + i * (bar_height + gap)
        w = max(plot_w * abs(float(value)) / vmax, 0.0)
        color = colors[i % len(colors)]
        parts.append(
            f"<text x='{label_w - 8}' y='{y + bar_height * 0.7:.1f}' text-anchor='end'>"
            f"{_esc(label)}</text>"
            f"<rect x='{label_w}' y='{y}' width='{w:.1f}' height='{bar_height}' "
            f"fill='{color}'><title>{_esc(label)}: {_esc(value_format.format(value))}"
            f"</title></rect>"
            f"<text x='{label_w + w + 6:.1f}' y='{y + bar_height * 0.7:.1f}'>"
            f"{_esc(value_format.format(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_svg(
    labels: Sequence[str],
    shares: Sequence[float],
    colors: Sequence[str],
    *,
    width: int = 640,
    height: int = 28,
) -> str:
    """One 100% stacked bar with a legend below, as inline SVG.

    Parameters
    ----------
    labels, shares, colors
        One entry per segment; shares should sum to 1.
    width, height
        Size of the bar in pixels.

    Returns
    -------
    str
        ``<svg>...</svg>``.
    """
    legend_rows = math.ceil(len(labels) / 2) if labels else 0
    total_h = height + 10 + legend_rows * 20
    parts = [f"<svg width='{width}' height='{total_h}' role='img' class='chart'>"]
    x = 0.0
    for label, share, color in zip(labels, shares, colors, strict=True):
        w = width * max(float(share), 0.0)
        parts.append(
            f"<rect x='{x:.1f}' y='0' width='{w:.1f}' height='{height}' fill='{color}'>"
            f"<title>{_esc(label)}: {float(share):.1%}</title></rect>"
        )
        x += w
    for i, (label, share, color) in enumerate(zip(labels, shares, colors, strict=True)):
        lx = (i % 2) * (width / 2)
        ly = height + 10 + (i // 2) * 20
        parts.append(
            f"<rect x='{lx:.1f}' y='{ly}' width='12' height='12' fill='{color}'/>"
            f"<text x='{lx + 17:.1f}' y='{ly + 11}'>{_esc(label)} {float(share):.1%}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# -- the page -------------------------------------------------------------------------------------
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC",
  "Microsoft YaHei", sans-serif; margin: 24px auto; max-width: 1180px; color: #222;
  padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 2px; } h2 { font-size: 17px; margin-top: 28px;
  border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.meta { color: #555; font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 14px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 130px; }
.card .v { font-size: 19px; font-weight: 600; } .card .l { font-size: 12px; color: #555; }
table.t { border-collapse: collapse; font-size: 13px; width: 100%; }
table.t th, table.t td { border-bottom: 1px solid #e5e5e5; padding: 3px 8px; text-align: left; }
table.t td.n, table.t th.n { text-align: right; font-variant-numeric: tabular-nums; }
table.t tr.closed td { color: #888; }
svg.chart text { font-size: 12px; fill: #222; }
iframe.map { width: 100%; height: 640px; border: 1px solid #ccc; border-radius: 6px; }
.ok { color: #2e7d32; } .warn { color: #b00020; }
"""


def _num(x: Any, digits: int = 0) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "-"
    return "-" if not math.isfinite(v) else f"{v:,.{digits}f}"


def _pct(x: Any, digits: int = 1) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "-"
    return "-" if not math.isfinite(v) else f"{v:.{digits}%}"


def _table(
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str, str]],
    *,
    row_class: Sequence[str] | None = None,
) -> str:
    """HTML table; ``columns`` are ``(column, header, kind)``, kind in text/int/money/pct/float."""
    head = "".join(
        f"<th class='{'n' if kind != 'text' else ''}'>{_esc(title)}</th>"
        for _c, title, kind in columns
    )
    body = []
    for i, (_, row) in enumerate(frame.iterrows()):
        cells = []
        for col, _t, kind in columns:
            v = row[col]
            if kind == "text":
                cells.append(f"<td>{_esc(v)}</td>")
            elif kind == "pct":
                cells.append(f"<td class='n'>{_pct(v)}</td>")
            elif kind == "float":
                cells.append(f"<td class='n'>{_num(v, 1)}</td>")
            elif kind == "money":
                cells.append(
                    f"<td class='n'>{_num(float(v) / 1e6, 2) if _num(v) != '-' else '-'}</td>"
                )
            else:
                cells.append(f"<td class='n'>{_num(v)}</td>")
        cls = f" class='{row_class[i]}'" if row_class is not None and row_class[i] else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table class='t'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def report_html(
    solution: Solution, network: Network | None = None, *, map_html: str | None = None
) -> str:
    """A self-contained HTML report of a solution.

    Parameters
    ----------
    solution
        The solution.
    network
        The network it was solved on (for names).
    map_html
        A full offline map page to embed (``<iframe srcdoc>``); no map when ``None``.

    Returns
    -------
    str
        The page.
    """
    from optimizer.output.mapping import MODE_COLORS, MODE_LABELS

    k = solution.kpis or {}
    title = f"corridor report: {solution.scenario}"
    meta = solution.meta
    gap = "-" if solution.gap is None else f"{solution.gap:.3%}"
    lines = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        f"<div class='meta'>{_esc(meta.get('description', ''))}</div>",
        f"<div class='meta'>status <b>{_esc(solution.status)}</b> ({_esc(solution.solver)}, "
        f"gap {gap}, {solution.solve_seconds:.1f} s); data {_esc(meta.get('data_dir', '-'))}; "
        f"code {_esc(meta.get('code_version', '-'))}</div>",
    ]
    if solution.message:
        lines.append(f"<div class='meta'>{_esc(solution.message)}</div>")

    # KPI cards.
    cards = [
        (
            "total cost",
            f"{_num(k.get('total_cost_cny', solution.objective or 0) / 1e6, 2)} M",
            "CNY/year",
        ),
        ("CO2", _num(k.get("co2_tonnes")), "t/year"),
        ("mean delivery", _num(k.get("mean_delivery_days"), 1), "days"),
        ("on time", _pct(k.get("on_time_share")), "of tonnes"),
        ("open warehouses", str(len(k.get("open_warehouses", []))), ""),
        ("containers", _num(k.get("containers_per_year")), "per year"),
        ("mean fill", _pct(k.get("mean_fill_rate")), ""),
        ("unmet", _num(k.get("unmet_tonnes")), "t/year"),
    ]
    lines.append("<div class='cards'>")
    for label, value, unit in cards:
        lines.append(
            f"<div class='card'><div class='v'>{_esc(value)}</div>"
            f"<div class='l'>{_esc(label)} {_esc(unit)}</div></div>"
        )
    lines.append("</div>")

    # Cost breakdown.
    cb = cost_breakdown(solution)
    lines.append("<h2>Cost breakdown (M CNY per year)</h2>")
    if cb.empty:
        lines.append("<p>No cost figures (no solution).</p>")
    else:
        lines.append(
            bar_chart_svg(
                list(cb["label"]),
                [v / 1e6 for v in cb["cny"]],
                _COST_COLORS,
                value_format="{:,.2f} M",
            )
        )

    # Mode split.
    ms = mode_split(solution)
    lines.append("<h2>Mode split (share of tonne-km)</h2>")
    if ms.empty:
        lines.append("<p>No flows.</p>")
    else:
        lines.append(
            stacked_bar_svg(
                [MODE_LABELS.get(m, m) for m in ms["mode"]],
                list(ms["tkm_share"]),
                [MODE_COLORS.get(m, "#444444") for m in ms["mode"]],
            )
        )
        lines.append(
            _table(
                ms,
                [
                    ("mode", "mode", "text"),
                    ("tonnes", "tonnes (lane sum)", "int"),
                    ("tonne_km", "tonne-km", "int"),
                    ("tkm_share", "share of t-km", "pct"),
                    ("cost_cny", "cost (M CNY)", "money"),
                    ("co2_t", "CO2 (t)", "int"),
                ],
            )
        )

    # Map.
    if map_html is not None:
        lines.append("<h2>Map</h2>")
        lines.append(
            f"<iframe class='map' title='solution map' sandbox='allow-scripts' "
            f'srcdoc="{html.escape(map_html, quote=True)}"></iframe>'
        )

    # Warehouses.
    wt = warehouse_table(solution, network)
    n_open = int(wt["open"].sum()) if not wt.empty else 0
    lines.append(f"<h2>Warehouses ({n_open} open of {len(wt)} candidates)</h2>")
    if not wt.empty:
        wt = wt.assign(status=["open" if o else "closed" for o in wt["open"]])
        lines.append(
            _table(
                wt,
                [
                    ("warehouse_id", "id", "text"),
                    ("name", "name", "text"),
                    ("country", "country", "text"),
                    ("status", "status", "text"),
                    ("throughput_tonnes", "throughput (t)", "int"),
                    ("capacity_tonnes", "capacity (t)", "int"),
                    ("utilization", "utilisation", "pct"),
                    ("fixed_cost_cny", "fixed cost (M CNY)", "money"),
                    ("handling_storage_cny", "handling + storage (M CNY)", "money"),
                    ("markets_served", "markets served", "text"),
                ],
                row_class=["" if o else "closed" for o in wt["open"]],
            )
        )

    # Corridors.
    ct = corridor_table(solution)
    lines.append("<h2>Corridors</h2>")
    if ct.empty:
        lines.append("<p>No flows.</p>")
    else:
        lines.append(
            _table(
                ct,
                [
                    ("corridor", "corridor", "text"),
                    ("mode", "mode", "text"),
                    ("lanes", "lanes", "int"),
                    ("tonnes", "tonnes", "int"),
                    ("tonne_km", "tonne-km", "int"),
                    ("units_per_year", "units / year", "int"),
                    ("fill_rate", "fill rate", "pct"),
                    ("loose_tonnes", "loose (LCL) t", "int"),
                    ("cost_cny", "cost (M CNY)", "money"),
                    ("co2_t", "CO2 (t)", "int"),
                ],
            )
        )

    # Unmet demand.
    ut = unmet_table(solution, network)
    lines.append("<h2>Unmet demand</h2>")
    if ut.empty:
        lines.append("<p class='ok'>All demand is served.</p>")
    else:
        lines.append(
            f"<p class='warn'>{_num(ut['tonnes'].sum())} t/year unmet in {len(ut)} demand rows.</p>"
        )
        lines.append(
            _table(
                ut,
                [
                    ("demand_id", "demand", "text"),
                    ("origin", "origin", "text"),
                    ("market", "market", "text"),
                    ("product", "product", "text"),
                    ("customs_mode", "customs", "text"),
                    ("tonnes", "tonnes", "int"),
                    ("reason", "reason", "text"),
                ],
            )
        )
    lines.append(
        "<p class='meta'>Written by corridor. Country outlines: Natural Earth (public "
        "domain).</p></body></html>"
    )
    return "\n".join(lines)


def write_report(result_dir: str | Path, *, out: str | Path | None = None) -> Path:
    """Load a result directory and write its HTML report (map included, offline).

    Parameters
    ----------
    result_dir
        A directory written by ``corridor solve``.
    out
        Target file (default ``RESULT_DIR/report.html``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        When the result or its network cannot be read.
    """
    from optimizer.output.mapping import load_result, map_solution, render_map
    from optimizer.output.offline import OfflineAssetError, external_references

    solution, network = load_result(result_dir)
    map_page = render_map(map_solution(solution, network, offline=True))
    page = report_html(solution, network, map_html=map_page)
    left = external_references(map_page) + external_references(page)
    if left:  # pragma: no cover - guarded by the map builders
        msg = f"report would fetch {left[0]}"
        raise OfflineAssetError(msg)
    target = Path(out) if out is not None else Path(result_dir) / "report.html"
    if target.is_dir():
        msg = f"{target} is a directory; give a file name"
        raise InputError(msg)
    return write_text_atomic(target, page)
