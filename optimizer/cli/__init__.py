"""The ``corridor`` command line: a thin shell over the Python API.

Errors a user can fix (bad data, bad scenario, unknown solver) exit with
code 2 and a message, never a traceback. ``--json`` puts JSON, and only
JSON, on stdout; progress and solver logs go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from optimizer.errors import CorridorError, NetworkDataError


class _Group(typer.core.TyperGroup):
    """Top-level group: a :class:`CorridorError` anywhere becomes exit code 2, no traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CorridorError as exc:
            err(f"error: {exc}")
            raise typer.Exit(2) from None


app = typer.Typer(
    name="corridor",
    cls=_Group,
    help="Logistics and overseas-warehouse network optimizer (Deyang / Mianyang, Sichuan).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
network_app = typer.Typer(help="Inspect and validate network data.", no_args_is_help=True)
app.add_typer(network_app, name="network")


def err(text: str) -> None:
    """Print to stderr."""
    typer.echo(text, err=True)


def emit_json(data: Any) -> None:
    """Print JSON to stdout (and nothing else)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")
    sys.stdout.flush()


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, set | tuple):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    msg = f"not JSON serialisable: {type(obj).__name__}"
    raise TypeError(msg)


DataDir = Annotated[
    Path | None,
    typer.Argument(help="Network data directory (default: the bundled network_data/)."),
]


@network_app.command("validate")
def network_validate(
    directory: DataDir = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the issues as JSON.")] = False,
) -> None:
    """Check a network data directory; exit 0 when valid, 2 with every problem listed."""
    from optimizer.data.loader import DEFAULT_DATA_DIR, validate_network_dir

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
    from optimizer.data.info import network_info

    info = network_info(load_network_quietly(directory))
    if as_json:
        emit_json(info)
        return
    typer.echo(f"Network data: {info['data_dir']}")
    typer.echo(f"Nodes: {info['nodes']}  " + _pairs(info["nodes_by_kind"]))
    typer.echo(
        f"Services: {info['services']} ({info['active_services']} active)  "
        + _pairs(info["services_by_mode"])
    )
    typer.echo(
        f"Warehouses: {info['warehouses']} in {len(info['warehouse_countries'])} "
        f"countries/regions: {', '.join(info['warehouse_countries'])}"
    )
    typer.echo(f"Markets: {info['markets']}   Products: {info['products']}")
    typer.echo(f"Demand: {info['demand_rows']} rows, {info['demand_tonnes']:,.0f} t/year")
    typer.echo("  by city (t): " + _pairs(info["demand_tonnes_by_city"], "{:,.0f}"))
    typer.echo("  by product (t): " + _pairs(info["demand_tonnes_by_product"], "{:,.0f}"))
    typer.echo("  by customs mode (t): " + _pairs(info["demand_tonnes_by_customs_mode"], "{:,.0f}"))
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


def load_network_quietly(directory: Path | None) -> Any:
    """Load a network, printing data warnings as one line each on stderr."""
    import warnings

    from optimizer.data.loader import load_network

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        network = load_network(directory)
    for w in caught:
        err(f"warning: {w.message}")
    return network


def _pairs(d: dict[str, Any], fmt: str = "{}") -> str:
    return ", ".join(f"{k}={fmt.format(v)}" for k, v in d.items())


def _mount_optional() -> None:
    """Mount sub-commands whose modules exist (kept apart so each stays small)."""
    import importlib

    for module in (
        "optimizer.cli.price",
        "optimizer.cli.solve",
        "optimizer.cli.studies",
        "optimizer.cli.maps",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:  # pragma: no cover - module not written yet
            if exc.name != module:
                raise
            continue
        mod.register(app)
    try:
        from optimizer.bench.run import bench_app
    except ModuleNotFoundError as exc:  # pragma: no cover - during development only
        if exc.name != "optimizer.bench.run":
            raise
        return
    app.add_typer(bench_app, name="bench")


_mount_optional()


def main() -> None:
    """Console entry point."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("CORRIDOR_DEBUG"):
            traceback.print_exc()
        err(f"internal error: {type(exc).__name__}: {exc} (set CORRIDOR_DEBUG=1 for a traceback)")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
