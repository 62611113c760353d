"""The ``corridor`` command line: a thin shell over the library (one module per command group).

Errors a user can fix (bad data, bad scenario, unknown solver) exit with
code 2 and a message, never a traceback. ``--json`` puts JSON, and only
JSON, on stdout; progress, the library's log lines and solver logs go to
stderr.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer
import typer.core

from optimizer.cli import bench, explain, maps, network, plan, price, solve, studies, workspace
from optimizer.cli.common import err, setup_logging
from optimizer.errors import CorridorError


class _Group(typer.core.TyperGroup):
    """Top-level group: a :class:`CorridorError` anywhere becomes exit code 2, no traceback."""

    def invoke(self, ctx: Any) -> Any:
        setup_logging()
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
app.command("price")(price.price)
app.command("serve")(price.serve)
app.command("app")(workspace.run_app)
app.command("solve")(solve.solve)
app.command("compare")(studies.compare)
app.command("robust")(studies.robust)
app.command("sweep")(studies.sweep)
app.command("sensitivity")(studies.sensitivity)
app.command("plan", no_args_is_help=True)(plan.plan)
app.command("frontier", no_args_is_help=True)(plan.frontier)
app.command("explain", no_args_is_help=True)(explain.explain_cmd)
app.command("map", help=maps.MAP_HELP, no_args_is_help=True)(maps.map_cmd)
app.command("report")(maps.report_cmd)
app.add_typer(network.network_app, name="network")
app.add_typer(bench.bench_app, name="bench")


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
