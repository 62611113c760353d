"""``corridor app``: the workspace server (pages, the JSON API under /api and the quote API)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer.cli.common import err
from optimizer.cli.price import LOOPBACK


def warm_up(server: Any) -> None:
    """Load the network and make the network workbook while the first page is read, so that
    the first quote and the first download do not wait for them."""
    from optimizer.workspace.pages import bundled_workbook

    server.state.network()
    bundled_workbook()


def run_app(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8080,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="SQLAlchemy URL of the database (default: SQLite in the data folder).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a dask scheduler (default: a LocalCluster)."),
    ] = None,
    data_folder: Annotated[
        Path | None,
        typer.Option("--data-folder", help="Where the database, scenarios and results live."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", help="Required on a non-loopback host (or CORRIDOR_TOKEN)."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 2,
) -> None:
    """Serve the corridor workspace: pages for scenarios, runs, comparisons, demonstration
    warehouses and quotes, the JSON API under /api, the quote API and /health (loopback by
    default)."""
    import uvicorn

    from optimizer.workspace.app import create_workspace
    from optimizer.workspace.jobs import Runner
    from optimizer.workspace.store import Store, default_data_folder, default_url

    folder = data_folder or default_data_folder()
    token = token or os.environ.get("CORRIDOR_TOKEN") or None
    if host not in LOOPBACK:
        if not token:
            err(f"{host} is not a loopback address: give --token (or CORRIDOR_TOKEN)")
            raise typer.Exit(2)
        err(f"warning: serving on {host}: every request must carry the token")
    store = Store(db or default_url(folder))
    runner = Runner(store, folder / "results", scheduler=scheduler, workers=workers)
    resumed = runner.resume()
    if resumed:
        err(f"resubmitted {len(resumed)} run(s) left unfinished by the last session")
    server: Any = create_workspace(store, runner, folder, token=token)
    threading.Thread(target=warm_up, args=(server,), daemon=True).start()
    err(f"corridor workspace on http://{host}:{port}/ (database {store.url}; data in {folder})")
    try:
        uvicorn.run(server, host=host, port=port, log_level="info")
    finally:
        runner.close()
