"""``corridor price`` and ``corridor serve``: the route-pricing commands."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from optimizer.api import create_app
from optimizer.cli.common import emit_json, err, load_network_quietly
from optimizer.data.network import Network
from optimizer.data.own_rates import apply_own_rates
from optimizer.data.scenario import network_for_scenario
from optimizer.errors import InputError
from optimizer.output.batch import batch_text, check_target, results_json, write_batch
from optimizer.output.quote import quote_text
from optimizer.pricing.batch import Failed, quote_batch, read_requests
from optimizer.pricing.quote import quote_shipment
from optimizer.pricing.types import RankBy

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_RANKS: dict[str, RankBy] = {"cost": "cost", "days": "days", "co2": "co2"}


def _split(values: list[str] | None) -> list[str]:
    """Accept repeated options and comma-separated lists alike."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def load_for_pricing(data_dir: Path | None, scenario: Path | None) -> Network:
    """The base network, or a scenario's network when ``scenario`` is given.

    With both, the scenario's changes are applied to ``data_dir``.

    Raises
    ------
    InputError
        On a bad scenario file.
    NetworkDataError
        When the data has problems.
    """
    if scenario is None:
        return load_network_quietly(data_dir)
    return network_for_scenario(scenario, data_dir=data_dir)


def price(
    origin: Annotated[
        str | None,
        typer.Option("--from", help="Origin: a zone, city or node, in English or 中文."),
    ] = None,
    destination: Annotated[
        str | None, typer.Option("--to", help="Destination: a city, market or node.")
    ] = None,
    tonnes: Annotated[float | None, typer.Option("--tonnes", help="Gross weight, t.")] = None,
    cbm: Annotated[float | None, typer.Option("--cbm", help="Volume, cbm.")] = None,
    product: Annotated[str | None, typer.Option("--product", help="Product id.")] = None,
    value: Annotated[
        float | None,
        typer.Option("--value", help="Cargo value in CNY (in-transit inventory cost)."),
    ] = None,
    modes: Annotated[
        list[str] | None,
        typer.Option("--modes", help="Modes allowed (repeat or comma-separate); default all."),
    ] = None,
    exclude_modes: Annotated[
        list[str] | None, typer.Option("--exclude-modes", help="Modes excluded.")
    ] = None,
    avoid: Annotated[
        list[str] | None,
        typer.Option("--avoid", help="Nodes (ids/names) or service ids to avoid."),
    ] = None,
    via: Annotated[
        list[str] | None,
        typer.Option("--via", help="Nodes or service ids every route must pass."),
    ] = None,
    max_legs: Annotated[int | None, typer.Option("--max-legs", min=1, max=12)] = None,
    max_transshipments: Annotated[
        int | None, typer.Option("--max-transshipments", min=0, max=11)
    ] = None,
    alternatives: Annotated[
        int,
        typer.Option(
            "--alternatives",
            "-n",
            min=1,
            max=50,
            help="Alternatives shown (cheapest, fastest, greenest always kept).",
        ),
    ] = 5,
    rank_by: Annotated[str, typer.Option("--rank-by", help="cost, days or co2.")] = "cost",
    currency: Annotated[str, typer.Option("--currency", help="CNY, USD or EUR.")] = "CNY",
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario YAML: quote on its network.")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data", help="Network data directory (default: bundled network_data/)."),
    ] = None,
    ready: Annotated[
        dt.datetime | None,
        typer.Option(
            "--ready",
            formats=["%Y-%m-%d"],
            help="Date the cargo is ready (YYYY-MM-DD): departure and arrival dates.",
        ),
    ] = None,
    margin: Annotated[
        str | None,
        typer.Option(
            "--margin",
            help="Your margin on the buy price: a share (8%), CNY per shipment (300) or both "
            "(8%+300); the quote shows buy and sell.",
        ),
    ] = None,
    dg: Annotated[
        str | None,
        typer.Option(
            "--dg", help="Dangerous-goods class (UN: 1-9, e.g. 3, 6.1, 8): DG rules and fees."
        ),
    ] = None,
    piece: Annotated[
        str | None,
        typer.Option(
            "--piece",
            help="Largest piece LxWxH in metres (e.g. 12.5x3.2x3.1): out-of-gauge rules.",
        ),
    ] = None,
    piece_t: Annotated[
        float | None, typer.Option("--piece-t", help="Weight of the heaviest piece, t.")
    ] = None,
    channel: Annotated[
        str,
        typer.Option(
            "--channel",
            help="Customs mode: 9610 (B2C parcels), 9710 (B2B direct), 9810 (to an overseas "
            "warehouse), 1210 (bonded); with --value, the import duty and VAT.",
        ),
    ] = "9810",
    items: Annotated[
        int, typer.Option("--items", min=1, help="Parcels (9610) or items in the consignment.")
    ] = 1,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help="A CSV of requests (columns from, to, tonnes, cbm, product, value, ready, "
            "...): one quote each, in order.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="With --batch: write the quotes to a .csv, .xlsx or .json."),
    ] = None,
    tariff: Annotated[
        Path | None,
        typer.Option(
            "--tariff",
            help="Your own rates (CSV: service_id, rate, currency[, lcl_rate, valid_from, "
            "valid_until, source]) in place of the bundled ones.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Quote the Pareto-optimal routes (cost, days, CO2) for a cargo, door to door."""
    rank = _RANKS.get(rank_by)
    if rank is None:
        msg = f"--rank-by must be one of {', '.join(_RANKS)}, got {rank_by!r}"
        raise InputError(msg, field="rank_by")
    if batch is None and (origin is None or destination is None):
        msg = "give --from and --to (or --batch REQUESTS.csv)"
        raise InputError(msg, field="from" if origin is None else "to")
    if out is not None and batch is None:
        msg = "--out writes a batch: give --batch REQUESTS.csv"
        raise InputError(msg, field="out")
    network = load_for_pricing(data_dir, scenario)
    if tariff is not None:
        network = apply_own_rates(network, tariff)
    # the options a batch's requests share with a single quote (a request's own win)
    common: dict[str, Any] = {
        "modes": _split(modes) or None,
        "exclude_modes": _split(exclude_modes),
        "max_alternatives": alternatives,
        "rank_by": rank,
        "currency": currency,
        "ready": ready.date() if ready else None,
        "margin": margin,
        "channel": channel,
        "items": items,
    }
    if batch is not None:
        if out is not None:
            check_target(out)
        requests = read_requests(batch)
        results = quote_batch(
            network, requests, progress=None if as_json else _progress, dg=dg, **common
        )
        failed = sum(isinstance(r, Failed) for r in results)
        if out is not None:
            write_batch(out, requests, results)
        if as_json:
            emit_json(results_json(requests, results))
            return
        typer.echo(batch_text(requests, results))
        if out is not None:
            typer.echo(f"wrote {out} ({len(results)} quotes, {failed} failed)")
        if failed:
            err(f"{failed} of {len(results)} requests could not be quoted (see their errors)")
        return
    assert origin is not None and destination is not None
    q = quote_shipment(
        network,
        origin,
        destination,
        tonnes=tonnes,
        cbm=cbm,
        product=product,
        value_cny=value,
        dg_class=dg,
        piece=piece,
        piece_t=piece_t,
        avoid=_split(avoid),
        via=_split(via),
        max_legs=max_legs,
        max_transshipments=max_transshipments,
        **common,
    )
    if as_json:
        emit_json(q.to_dict())
    else:
        typer.echo(quote_text(q))


def _progress(done: int, total: int) -> None:
    if done == total or done % max(1, total // 10) == 0:
        err(f"quoted {done:,} of {total:,} requests")


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    scenario: Annotated[Path | None, typer.Option("--scenario")] = None,
    data_dir: Annotated[Path | None, typer.Option("--data")] = None,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, max=32, help="Server processes (one per core)."),
    ] = 1,
) -> None:
    """Serve the quote API (FastAPI; OpenAPI at /docs) on loopback by default."""
    network = load_for_pricing(data_dir, scenario)
    if host not in LOOPBACK:
        err(f"warning: binding to {host}: the API has no authentication")
    if workers > 1:
        # each worker process builds its app (and loads the network) from these
        from optimizer.api import served_env

        del network
        os.environ.update(served_env(data_dir, scenario))
        uvicorn.run(
            "optimizer.api:served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
        return
    server_app: Any = create_app(network)
    uvicorn.run(server_app, host=host, port=port, log_level="info")
