"""Reports of a solution: tables as DataFrames, and one self-contained HTML page.

The table functions are pure (a :class:`~optimizer.results.solution.Solution`, and
the network where names are wanted, in; a DataFrame out), so the CLI, the API
and notebooks share them. :func:`report_html` puts them on one page with
charts drawn as inline SVG and the offline solution map embedded: the file
fetches nothing, so it can be mailed or opened on an intranet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from optimizer.data.network import Network
from optimizer.format import cell, millions, number, percent
from optimizer.output.charts import bar_chart, share_bar
from optimizer.output.html import render
from optimizer.output.mapping import map_solution, render_map
from optimizer.output.mapping.offline import OfflineAssetError, external_references
from optimizer.output.palette import COST_PART_COLORS, COST_PART_LABELS, MODE_LABELS, mode_color
from optimizer.results.files import load_result
from optimizer.results.folders import write_owned_file
from optimizer.results.solution import Solution, route_generation_line

__all__ = [
    "COST_PART_LABELS",
    "corridor_table",
    "cost_breakdown",
    "kpi_table",
    "mode_split",
    "report_html",
    "table_cells",
    "unmet_table",
    "warehouse_table",
    "write_report",
]


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


# -- the page -------------------------------------------------------------------------------------
Column = tuple[str, str, str]  # (frame column, header, kind: text, int, float, pct or money)


def table_cells(
    frame: pd.DataFrame, columns: Sequence[Column], *, row_classes: Sequence[str] | None = None
) -> tuple[list[str], list[list[str]], list[int], list[str] | None]:
    """``(header, rows, numeric columns, row classes)`` of a frame, for the ``table`` macro."""
    header = [title for _c, title, _k in columns]
    rows = [[cell(row[col], kind) for col, _t, kind in columns] for _, row in frame.iterrows()]
    numeric = [i for i, (_c, _t, kind) in enumerate(columns) if kind != "text"]
    return header, rows, numeric, list(row_classes) if row_classes is not None else None


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
    k = solution.kpis or {}
    meta = solution.meta
    cards = [
        ("total cost", f"{millions(k.get('total_cost_cny', solution.objective), 2)} M", "CNY/year"),
        ("CO2", number(k.get("co2_tonnes")), "t/year"),
        ("mean delivery", number(k.get("mean_delivery_days"), 1), "days"),
        ("on time", percent(k.get("on_time_share")), "of tonnes"),
        ("open warehouses", str(len(k.get("open_warehouses", []))), ""),
        ("containers", number(k.get("containers_per_year")), "per year"),
        ("mean fill", percent(k.get("mean_fill_rate")), ""),
        ("unmet", number(k.get("unmet_tonnes")), "t/year"),
    ]
    cb = cost_breakdown(solution)
    cost_chart = (
        bar_chart(
            list(cb["label"]),
            {"cost": list(cb["cny"])},
            unit="M",
            scale=1e-6,
            digits=2,
            bar_colors=[COST_PART_COLORS.get(p, "#444444") for p in cb["part"]],
        )
        if not cb.empty
        else None
    )
    ms = mode_split(solution)
    mode_chart = mode_table = None
    if not ms.empty:
        labels = [MODE_LABELS.get(m, m) for m in ms["mode"]]
        mode_chart = share_bar(
            labels,
            list(ms["tkm_share"]),
            colors={lab: mode_color(m) for lab, m in zip(labels, ms["mode"], strict=True)},
        )
        mode_table = table_cells(
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
    wt = warehouse_table(solution, network)
    warehouse_cells = None
    if not wt.empty:
        # a site that is not open (no owned tier) but carries tonnes does so in shared space
        shared_t = (
            wt["throughput_tonnes"].fillna(0.0).astype(float).where(~wt["open"].astype(bool), 0.0)
        )
        used = wt["open"].astype(bool) | (shared_t > 1e-6)
        wt = wt.assign(
            status=[
                "owned, open" if o else ("shared space" if t > 1e-6 else "not used")
                for o, t in zip(wt["open"].astype(bool), shared_t, strict=True)
            ]
        )
        warehouse_cells = table_cells(
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
            row_classes=["" if u else "closed" for u in used],
        )
    ct = corridor_table(solution)
    corridor_cells = (
        table_cells(
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
        if not ct.empty
        else None
    )
    ut = unmet_table(solution, network)
    unmet_cells = (
        table_cells(
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
        if not ut.empty
        else None
    )
    return render(
        "report.html.j2",
        title=f"corridor report: {solution.scenario}",
        description=meta.get("description", ""),
        status=solution.status,
        solver=solution.solver,
        gap=percent(solution.gap, 3),
        routes=(
            route_generation_line(meta["route_generation"])
            if isinstance(meta.get("route_generation"), dict)
            else ""
        ),
        seconds=number(solution.solve_seconds, 1),
        data_dir=shown_path(meta.get("data_dir", "-")),
        code_version=meta.get("code_version", "-"),
        message=solution.message,
        cards=cards,
        cost_chart=cost_chart,
        mode_chart=mode_chart,
        mode_table=mode_table,
        map_html=map_html,
        n_open=int(wt["open"].sum()) if not wt.empty else 0,
        n_shared=int((wt["status"] == "shared space").sum()) if not wt.empty else 0,
        n_candidates=len(wt),
        warehouse_table=warehouse_cells,
        corridor_table=corridor_cells,
        unmet_table=unmet_cells,
        unmet_tonnes=number(ut["tonnes"].sum()) if not ut.empty else "0",
        unmet_rows=len(ut),
    )


def shown_path(path: str) -> str:
    """A path as a report shows it: the bundled data as ``network_data``, a path below the
    working directory relative to it, any other path as it is."""
    if path in ("", "-"):
        return path
    p = Path(path)
    bundled = Path(__file__).resolve().parents[2] / "network_data"
    for root, label in ((bundled, "network_data"), (Path.cwd(), "")):
        try:
            rel = p.resolve().relative_to(root)
        except ValueError:
            continue
        return str(Path(label, rel)) if label else (str(rel) or ".")
    return path


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
    solution, network = load_result(result_dir)
    map_page = render_map(map_solution(solution, network, offline=True))
    page = report_html(solution, network, map_html=map_page)
    left = external_references(map_page) + external_references(page)
    if left:  # pragma: no cover - guarded by the map builders
        msg = f"report would fetch {left[0]}"
        raise OfflineAssetError(msg)
    target = Path(out) if out is not None else Path(result_dir) / "report.html"
    return write_owned_file(target, page)
