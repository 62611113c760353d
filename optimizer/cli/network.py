"""``corridor network validate|info|export|import``: check, describe and move network data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from optimizer.cli.common import DataDir, emit_json, err, load_network_quietly, pairs
from optimizer.data.info import network_info
from optimizer.data.loader import DEFAULT_DATA_DIR, validate_network_dir
from optimizer.errors import NetworkDataError
from optimizer.output.workbook import export_workbook, import_workbook

network_app = typer.Typer(help="Inspect and validate network data.", no_args_is_help=True)


@network_app.command("validate")
def network_validate(
    directory: DataDir = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the issues as JSON.")] = False,
) -> None:
    """Check a network data directory; exit 0 when valid, 2 with every problem listed."""
    target = directory or DEFAULT_DATA_DIR
    network, issues = validate_network_dir(target, strict=strict)
    errors = [i for i in issues if i.severity == "error"]
    warns = [i for i in issues if i.severity == "warning"]
    if as_json:
        emit_json(
            {
                "directory": str(target),
                "valid": not errors,
                "errors": [i.__dict__ for i in errors],
                "warnings": [i.__dict__ for i in warns],
            }
        )
    else:
        for w in warns:
            err(f"warning: {w}")
        if errors:
            err(str(NetworkDataError(errors, str(target))))
        else:
            assert network is not None
            typer.echo(
                f"{target}: valid ({len(network.nodes)} nodes, {len(network.services)} services, "
                f"{len(network.warehouses)} warehouses, {len(network.demand)} demand rows; "
                f"{len(warns)} warning(s))"
            )
    if errors:
        raise typer.Exit(2)


@network_app.command("export")
def network_export(
    directory: DataDir = None,
    xlsx: Annotated[
        Path,
        typer.Option("--xlsx", help="The workbook to write (.xlsx; one sheet per data file)."),
    ] = Path("network.xlsx"),
) -> None:
    """Write a network data directory as one Excel workbook (one sheet per data file)."""
    target = directory or DEFAULT_DATA_DIR
    out = export_workbook(target, xlsx)
    typer.echo(f"wrote {out} (one sheet per data file of {target}; edit it, then import it)")


@network_app.command("import")
def network_import(
    workbook: Annotated[Path, typer.Argument(help="An .xlsx workbook (as export writes it).")],
    directory: Annotated[
        Path, typer.Argument(help="The data directory to write (new, empty or an earlier import).")
    ],
    geometry: Annotated[
        Path | None,
        typer.Option("--geometry", help="A geometry.geojson to copy beside the tables."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that holds other files.")
    ] = False,
) -> None:
    """Check an Excel workbook as network data (by sheet, row and column) and write it as a
    data directory a scenario can name as its base; nothing is written when it has a problem."""
    warns = import_workbook(workbook, directory, geometry=geometry, force=force)
    for w in warns:
        err(f"warning: {w}")
    typer.echo(
        f"{directory}: written from {workbook.name} ({len(warns)} warning(s)); "
        f"check it with: corridor network info {directory}"
    )


@network_app.command("info")
def network_info_cmd(
    directory: DataDir = None,
    solution: Annotated[
        Path | None,
        typer.Option(
            "--solution",
            help="A result folder whose lanes.csv weighs the rates by transport cost "
            "(default: results/baseline when it exists).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts by node kind, mode and country; demand by city, product and customs mode;
    where the figures come from (per file and field) and how much of the cost is traced."""
    folder = solution or DEFAULT_SOLUTION
    lanes_path = folder / "lanes.csv"
    if solution is not None and not lanes_path.is_file():
        err(f"{lanes_path}: not found (give a result folder written by corridor solve)")
        raise typer.Exit(2)
    lanes = pd.read_csv(lanes_path) if lanes_path.is_file() else None
    flows_path = folder / "flows.csv"
    flows = pd.read_csv(flows_path) if lanes is not None and flows_path.is_file() else None
    info = network_info(
        load_network_quietly(directory),
        lanes,
        str(folder) if lanes is not None else None,
        flows,
    )
    if as_json:
        emit_json(info)
        return
    typer.echo(f"Network data: {info['data_dir']}")
    typer.echo(f"Nodes: {info['nodes']}  " + pairs(info["nodes_by_kind"]))
    typer.echo(
        f"Services: {info['services']} ({info['active_services']} active)  "
        + pairs(info["services_by_mode"])
    )
    typer.echo(
        f"Warehouses: {info['warehouses']} in {len(info['warehouse_countries'])} "
        f"countries/regions: {', '.join(info['warehouse_countries'])}"
    )
    typer.echo(
        f"Markets: {info['markets']} ({info['markets_with_2plus_warehouses']} reached by the "
        f"last mile of 2 or more warehouses)   Products: {info['products']}"
    )
    typer.echo(f"Demand: {info['demand_rows']} rows, {info['demand_tonnes']:,.0f} t/year")
    typer.echo("  by city (t): " + pairs(info["demand_tonnes_by_city"], "{:,.0f}"))
    typer.echo("  by product (t): " + pairs(info["demand_tonnes_by_product"], "{:,.0f}"))
    typer.echo("  by customs mode (t): " + pairs(info["demand_tonnes_by_customs_mode"], "{:,.0f}"))
    typer.echo(
        "  by trade (t): "
        + pairs(info["demand_tonnes_by_trade"], "{:,.0f}")
        + " (cbec = cross-border e-commerce, the plans' targets; ordinary = general trade the "
        "network also carries)"
    )
    for city, value in info["demand_value_cny_by_city"].items():
        target = info["plan_targets_cny"].get(city)
        extra = (
            f" = {value / target:.0%} of the 2025 target {target / 1e9:.1f} bn" if target else ""
        )
        typer.echo(f"  cross-border e-commerce value {city}: {value / 1e9:.2f} bn CNY{extra}")
    typer.echo(
        f"Rows with a real source and no assumed figure: {info['sourced_share']:.1%}; rows "
        f"citing a source for part of their figures: {info['cited_share']:.1%} "
        "(every other figure is a stated assumption)"
    )
    prov = info["field_provenance"]
    if not prov:
        typer.echo("Provenance: no provenance.csv in this directory")
        return
    typer.echo("Provenance of the figures (share cited / proxy / computed / assumed):")
    for key in PROVENANCE_SHOWN:
        if key in prov:
            k = prov[key]
            typer.echo(
                f"  {key:<40} {k['cited']:6.1%} {k['proxy']:6.1%} {k['computed']:6.1%} "
                f"{k['assumed']:6.1%}"
            )
    share = info["services_rate_cited_share"]
    typer.echo(f"Services whose rate is cited or a proxy: {share:.1%}")
    weighted = info["cost_weighted_cited_share"]
    typer.echo(
        "Transport cost on cited or proxy rates: "
        + (
            f"{weighted:.1%} ({info['cost_weighted_basis']})"
            if weighted is not None
            else info["cost_weighted_basis"]
        )
    )


#: the fields `corridor network info` prints (the JSON has every one)
PROVENANCE_SHOWN = (
    "services.csv.distance_km",
    "services.csv.transit_h",
    "services.csv.departures_per_week",
    "services.csv.rate",
    "services.csv.lcl_rate",
    "services.csv.order_rate",
    "services.csv.co2_g_per_tkm",
    "nodes.csv.dwell_h",
    "warehouses.csv.rent_cny_per_m2_year",
    "warehouses.csv.staff_cny_per_fte_year",
    "warehouses.csv.fixed_cost_cny_per_year",
    "warehouses.csv.shared_handling_cny_per_order",
    "demand.csv.tonnes_per_year",
    "demand.csv.required_days",
)
#: where `corridor network info` looks for a solution to weigh the rates by
DEFAULT_SOLUTION = Path("results") / "baseline"
