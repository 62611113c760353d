"""``corridor price`` and ``corridor serve``: the route-pricing commands.

Mounted on the main app by :func:`register` (called from :mod:`optimizer.cli`).
Helpers from :mod:`optimizer.cli` are imported inside the commands to avoid a
circular import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from optimizer.data.network import Network
    from optimizer.pricing.quote import Quote

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _split(values: list[str] | None) -> list[str]:
    """Accept repeated options and comma-separated lists alike."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def load_for_pricing(data_dir: Path | None, scenario: Path | None) -> Network:
    """The base network, or a scenario's network when ``scenario`` is given.

    Raises
    ------
    InputError
        When the scenario module is not available yet.
    """
    from optimizer.cli import load_network_quietly
    from optimizer.errors import InputError

    if scenario is None:
        return load_network_quietly(data_dir)
    try:
        from optimizer.data import scenario as scenario_module
    except ImportError as exc:  # pragma: no cover - until optimizer.data.scenario exists
        msg = f"--scenario needs optimizer.data.scenario ({exc})"
        raise InputError(msg) from None
    if data_dir is not None:
        # The scenario's changes applied to the data directory given with --data.
        parsed = scenario_module.load_scenario(scenario)
        return scenario_module.apply_changes(
            load_network_quietly(data_dir), parsed.changes, name=parsed.name
        )
    return scenario_module.network_for_scenario(scenario)


def format_quote(q: Quote) -> str:
    """A readable quote: one line per alternative, then its legs, then the assumptions."""
    cur = q.currency
    c = q.cargo
    lines = [
        f"Quote {q.origin_name} ({q.origin}) -> {q.destination_name} ({q.destination})",
        f"Cargo: {c.tonnes:g} t, {c.cbm:g} cbm"
        + (f", {c.product}" if c.product else "")
        + (f", value {c.value_cny:,.0f} CNY" if c.value_cny else "")
        + f"   network: {q.network_name}   rates of {', '.join(map(str, q.price_years))}"
        + (f"   {cur} at {q.cny_per_unit:g} CNY ({q.fx_date})" if cur != "CNY" else ""),
        f"{q.pareto_count} Pareto-optimal route(s); showing {len(q.alternatives)}.",
        "",
    ]
    head = (
        f"{'#':>2}  {'cost ' + cur:>14} {'days':>6} {'range':>11} {'CO2 kg':>9} {'tr':>3}"
        f"  {'tags':<26} route"
    )
    lines += [head, "-" * (len(head) + 50)]
    for i, alt in enumerate(q.alternatives, start=1):
        rng = f"{alt.hours_min / 24:.1f}-{alt.hours_max / 24:.1f}"
        lines.append(
            f"{i:>2}  {alt.total_cost_cny / q.cny_per_unit:>14,.0f} {alt.days:>6.1f} {rng:>11} "
            f"{alt.co2_kg:>9,.0f} {alt.transshipments:>3}  {', '.join(alt.tags):<26} "
            f"{alt.summary}"
        )
    for i, alt in enumerate(q.alternatives, start=1):
        b = alt.breakdown
        lines += [
            "",
            f"[{i}] {alt.summary}",
            f"    freight {b.freight:,.0f} + handling {b.handling:,.0f} + border "
            f"{b.border:,.0f} + inventory {b.inventory:,.0f} = {alt.total_cost_cny:,.0f} "
            f"CNY; {alt.days:.1f} days ({alt.hours_min / 24:.1f}-{alt.hours_max / 24:.1f});"
            f" {alt.co2_kg:,.0f} kg CO2e; rates of "
            f"{', '.join(map(str, alt.price_years))}",
        ]
        for leg in alt.legs:
            lines.append(
                f"    {leg.days:5.1f} d {leg.cost_cny:>10,.0f} CNY  {leg.mode:<10} "
                f"{leg.from_node} -> {leg.to_node}  [{leg.service_id}; {leg.load.description}; "
                f"freight {leg.breakdown.freight:,.0f}]"
            )
    lines += ["", "Assumptions:"] + [f"  - {a}" for a in q.assumptions]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``price`` and ``serve`` to the ``corridor`` app."""

    @app.command("price")
    def price(
        origin: Annotated[str, typer.Option("--from", help="Origin node id or name (EN/中文).")],
        destination: Annotated[str, typer.Option("--to", help="Destination node id or name.")],
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
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    ) -> None:
        """Quote the Pareto-optimal routes (cost, days, CO2) for a cargo."""
        from optimizer.cli import emit_json
        from optimizer.pricing.quote import Cargo, quote

        network = load_for_pricing(data_dir, scenario)
        cargo = Cargo.from_inputs(network, tonnes=tonnes, cbm=cbm, product=product, value_cny=value)
        q = quote(
            network,
            origin,
            destination,
            cargo,
            modes=_split(modes) or None,
            exclude_modes=_split(exclude_modes),
            avoid=_split(avoid),
            via=_split(via),
            max_legs=max_legs,
            max_transshipments=max_transshipments,
            max_alternatives=alternatives,
            rank_by=rank_by,  # type: ignore[arg-type]
            currency=currency,
        )
        if as_json:
            emit_json(q.to_dict())
        else:
            typer.echo(format_quote(q))

    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
        scenario: Annotated[Path | None, typer.Option("--scenario")] = None,
        data_dir: Annotated[Path | None, typer.Option("--data")] = None,
    ) -> None:
        """Serve the quote API (FastAPI; OpenAPI at /docs) on loopback by default."""
        import uvicorn

        from optimizer.api import create_app
        from optimizer.cli import err

        network = load_for_pricing(data_dir, scenario)
        if host not in LOOPBACK:
            err(f"warning: binding to {host}: the API has no authentication")
        server_app: Any = create_app(network)
        uvicorn.run(server_app, host=host, port=port, log_level="info")
