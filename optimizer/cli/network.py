"""``corridor network validate|info``: check and describe a network data directory."""

from __future__ import annotations

from typing import Annotated

import typer

from optimizer.cli.common import DataDir, emit_json, err, load_network_quietly, pairs
from optimizer.data.info import network_info
from optimizer.data.loader import DEFAULT_DATA_DIR, validate_network_dir
from optimizer.errors import NetworkDataError

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


@network_app.command("info")
def network_info_cmd(
    directory: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts by node kind, mode and country; demand by city, product and customs mode."""
    info = network_info(load_network_quietly(directory))
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
    for city, value in info["demand_value_cny_by_city"].items():
        target = info["plan_targets_cny"].get(city)
        extra = (
            f" = {value / target:.0%} of the 2025 target {target / 1e9:.1f} bn" if target else ""
        )
        typer.echo(f"  value {city}: {value / 1e9:.2f} bn CNY{extra}")
    typer.echo(
        f"Rows with a real source and no assumed figure: {info['sourced_share']:.1%}; rows "
        f"citing a source for part of their figures: {info['cited_share']:.1%} "
        "(every other figure is a stated assumption)"
    )
