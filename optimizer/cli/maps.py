"""``corridor map`` and ``corridor report``: thin commands over :mod:`optimizer.output.mapping`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import load_network_quietly
from optimizer.data.scenario import network_for_scenario
from optimizer.errors import InputError
from optimizer.output import mapping
from optimizer.output.report import write_report

MAP_HELP = """Write a map (HTML, in maps/ by default).

'corridor map network' draws the network (nodes and services; --data DIR or
--scenario FILE choose which); 'corridor map RESULT_DIR' draws a solution
written by 'corridor solve'; 'corridor map compare RESULT_A RESULT_B' draws two
solutions side by side. --offline writes one self-contained file (no CDN, no
tile server: Natural Earth country outlines) for intranets.
"""


def map_cmd(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="'network', a result directory, or 'compare' and two result directories.",
            show_default=False,
        ),
    ],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output HTML file.")] = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Inline JS/CSS; country outlines instead of tiles."),
    ] = False,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Network data directory for 'map network'."),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario file for 'map network' (its network)."),
    ] = None,
) -> None:
    head, rest = targets[0], targets[1:]
    if head == "network" and not Path(head, "solution.json").exists():
        if rest:
            msg = f"'map network' takes no further argument (got {' '.join(rest)})"
            raise InputError(msg)
        if data is not None and scenario is not None:
            msg = "give --data or --scenario, not both"
            raise InputError(msg)
        if scenario is not None:
            network = network_for_scenario(scenario)
        else:
            network = load_network_quietly(data)
        path = mapping.write_network_map(network, offline=offline, out=out)
    elif head == "compare" and not Path(head, "solution.json").exists():
        if len(rest) != 2:
            msg = "usage: corridor map compare RESULT_A RESULT_B"
            raise InputError(msg)
        path = mapping.write_comparison_map(rest[0], rest[1], offline=offline, out=out)
    else:
        if rest:
            msg = (
                f"one result directory expected (got {len(targets)} arguments); "
                "use 'corridor map compare A B' for two"
            )
            raise InputError(msg)
        path = mapping.write_solution_map(head, offline=offline, out=out)
    typer.echo(f"map written to {path}")


def report_cmd(
    result_dir: Annotated[Path, typer.Argument(help="A result directory from corridor solve.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output file (default RESULT_DIR/report.html)."),
    ] = None,
) -> None:
    """Write a self-contained HTML report of a solution (KPIs, charts, tables, map)."""
    path = write_report(result_dir, out=out)
    typer.echo(f"report written to {path}")
