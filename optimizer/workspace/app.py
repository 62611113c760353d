"""The workspace server (FastAPI): the quote API of ``corridor serve`` plus runs and scenarios.

JSON API (the pages to come use it; scripts can call it):

- ``GET /health``: liveness, the network served, the database and how many runs;
- ``POST /api/runs`` with ``{"scenario": "<path of a scenario file, or the id of a saved
  scenario>"}`` answers ``{"id": ...}`` (201); the scenario is checked first, and a bad
  one answers 422 with the field and the CLI's message. ``{"kind": "robust", "scenarios":
  [...], "warehouses": P, "criterion": "expected"|"regret"}`` starts a robust siting of
  demonstration warehouses across the scenarios instead (``corridor robust``);
- ``GET /api/runs``: every run, newest first; ``GET /api/runs/{id}``: ``id``, ``status``
  (``queued``, ``running``, ``done``, ``failed``, ``cancelled``), the solver's status,
  objective, bound and gap, the timings, the result folder and, when done, ``kpis`` as in
  ``solution.json``; ``POST /api/runs/{id}/cancel``;
- ``POST /api/scenarios`` with ``{"name", "yaml"}`` saves a scenario file in the data
  folder (checked like ``corridor solve`` checks it; its ``base`` is resolved against the
  bundled ``scenarios/`` folder, never outside the data folder); ``GET /api/scenarios``.

Safety: the server binds to loopback by default; on any other address a token is
required (``--token`` or ``CORRIDOR_TOKEN``) and checked on every request (header
``Authorization: Bearer <token>`` or ``X-Corridor-Token``); request bodies are bounded
as the quote API's (:data:`optimizer.api.MAX_BODY_BYTES`).
"""

from __future__ import annotations

import csv
import hmac
import io
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from optimizer.api import create_app
from optimizer.data.loader import DEFAULT_DATA_DIR
from optimizer.data.network import Network
from optimizer.errors import CorridorError, NetworkDataError
from optimizer.output.workbook import import_tables, import_workbook
from optimizer.workspace.jobs import Runner
from optimizer.workspace.pages import add_pages
from optimizer.workspace.scenarios import (
    MAX_ROBUST_SCENARIOS,
    NAME,
    ROBUST_COUNT,
    ROBUST_TIME_LIMIT,
    SCENARIOS_DIR,
    ScenarioSaveError,
    robust_params,
    save_scenario,
    scenario_list,
)
from optimizer.workspace.store import Store

#: The largest workbook an upload may send (the bundled network is about 0.4 MB).
MAX_WORKBOOK_BYTES = 16 * 1024 * 1024


ScenarioRef = Annotated[str, Field(min_length=1, max_length=1000)] | int


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    scenario: ScenarioRef | None = Field(
        None,
        description="A solve: the path of a scenario file, or the id of a saved scenario.",
    )
    kind: Literal["solve", "robust"] = Field(
        "solve", description="solve (one scenario) or robust (demonstration warehouses)"
    )
    scenarios: list[ScenarioRef] | None = Field(
        None,
        max_length=MAX_ROBUST_SCENARIOS,
        description="A robust run: the scenarios (paths or saved ids) to hold across.",
    )
    warehouses: int | None = Field(
        None, ge=ROBUST_COUNT[0], le=ROBUST_COUNT[1], description="A robust run: P."
    )
    criterion: Literal["expected", "regret"] = "expected"
    time_limit_s: float | None = Field(
        None,
        ge=ROBUST_TIME_LIMIT[0],
        le=ROBUST_TIME_LIMIT[1],
        allow_inf_nan=False,
        description="A robust run: the time limit of each solve (default 300 s).",
    )


class ScenarioRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(pattern=NAME.pattern, description="A file name: letters, digits, _ and -")
    yaml: str = Field(min_length=1, max_length=100_000, description="The scenario YAML text.")


def _problem(field: list[str | int], message: str, status: int = 422) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"detail": [{"loc": field, "msg": message, "type": "value_error"}]},
    )


def _issues(exc: NetworkDataError) -> JSONResponse:
    """A data problem as a 422 answer: each issue with its file (or sheet), row and field."""
    detail = [
        {"loc": [i.file, i.row, i.field], "msg": i.message, "type": "value_error"}
        for i in exc.issues
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


def bundled_with_demand(demand_csv: str) -> dict[str, str]:
    """The bundled network's data files with ``demand.csv`` replaced by ``demand_csv`` (and
    the bundled demand rows' lines of provenance.csv left out)."""
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(DEFAULT_DATA_DIR.glob("*.csv"))}
    files["demand.csv"] = demand_csv
    if "provenance.csv" in files:
        rows = csv.reader(io.StringIO(files["provenance.csv"]))
        kept = io.StringIO()
        csv.writer(kept, lineterminator="\n").writerows(r for r in rows if r[:1] != ["demand.csv"])
        files["provenance.csv"] = kept.getvalue()
    return files


def create_workspace(
    store: Store,
    runner: Runner,
    data_folder: Path,
    *,
    network: Network | None = None,
    token: str | None = None,
    scenarios_dir: Path = SCENARIOS_DIR,
) -> FastAPI:
    """The workspace app over ``store`` and ``runner`` (see the module docstring);
    ``scenarios_dir`` holds the scenarios the pages offer (the bundled ones)."""
    app = create_app(network)
    app.title = "corridor workspace"
    saved = data_folder / "scenarios"

    if token:

        @app.middleware("http")
        async def _token(request: Request, call_next: Any) -> Any:
            given = request.headers.get("x-corridor-token") or request.headers.get(
                "authorization", ""
            ).removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return JSONResponse(
                    status_code=401, content={"detail": "a valid token is required"}
                )
            return await call_next(request)

    health = next(r for r in app.routes if getattr(r, "path", "") == "/health")
    app.routes.remove(health)

    @app.get("/health")
    def _health() -> dict[str, Any]:
        """Liveness, the database and the runs by status."""
        runs = store.runs()
        by_status: dict[str, int] = {}
        for r in runs:
            by_status[r.status] = by_status.get(r.status, 0) + 1
        return {"status": "ok", "database": store.engine.url.render_as_string(), "runs": by_status}

    def scenario_path(value: str | int) -> tuple[str, int | None]:
        if isinstance(value, int):
            rec = store.get_scenario(value)
            if rec is None:
                raise LookupError(f"no saved scenario with id {value}")
            return rec.path, rec.id
        return str(Path(value).resolve()), None

    @app.post("/api/runs", status_code=201)
    def _post_run(body: RunRequest) -> Any:
        """Start a solve of a scenario, or a robust siting across several, as a background
        job."""
        if body.kind == "robust":
            return _post_robust(body)
        if body.scenario is None:
            return _problem(["body", "scenario"], "a solve needs a scenario")
        try:
            path, sid = scenario_path(body.scenario)
        except LookupError as exc:
            return _problem(["body", "scenario"], str(exc))
        from optimizer.data.scenario import load_scenario

        try:
            load_scenario(path)
        except CorridorError as exc:
            return _problem(["body", "scenario"], str(exc))
        run = runner.start(path, sid)
        return {"id": run.id, "status": run.status}

    def _post_robust(body: RunRequest) -> Any:
        if body.warehouses is None:
            return _problem(["body", "warehouses"], "a robust run needs warehouses (P)")
        try:
            paths = [scenario_path(v)[0] for v in body.scenarios or []]
            params = robust_params(paths, body.warehouses, body.criterion, body.time_limit_s)
        except LookupError as exc:
            return _problem(["body", "scenarios"], str(exc))
        except ScenarioSaveError as exc:
            return _problem(["body", exc.field], str(exc))
        run = runner.start(paths[0], kind="robust", params=params)
        return {"id": run.id, "status": run.status}

    @app.get("/api/runs")
    def _runs() -> list[dict[str, Any]]:
        """Every run, newest first."""
        return [r.to_json() for r in store.runs()]

    @app.get("/api/runs/{run_id}")
    def _run(run_id: int) -> Any:
        run = store.get_run(run_id)
        if run is None:
            return _problem(["path", "run_id"], f"no run {run_id}", 404)
        return run.to_json()

    @app.post("/api/runs/{run_id}/cancel")
    def _cancel(run_id: int) -> Any:
        if store.get_run(run_id) is None:
            return _problem(["path", "run_id"], f"no run {run_id}", 404)
        return {"id": run_id, "cancelled": runner.cancel(run_id)}

    @app.post("/api/scenarios", status_code=201)
    def _post_scenario(body: ScenarioRequest) -> Any:
        """Save a scenario YAML in the data folder, after checking it like the CLI does."""
        try:
            rec = save_scenario(store, saved, body.name, body.yaml, scenarios_dir)
        except ScenarioSaveError as exc:
            return _problem(["body", exc.field], str(exc))
        return {"id": rec.id, "name": rec.name, "path": rec.path}

    networks = data_folder / "networks"
    app.state.body_limits["/api/networks/"] = MAX_WORKBOOK_BYTES

    @app.put("/api/networks/{name}", status_code=201)
    async def _put_network(name: str, request: Request) -> Any:
        """Upload network data as an Excel workbook (the body is the .xlsx file, as
        ``corridor network export`` writes it): checked like the CSV files, every problem
        answered with its sheet, row and column (422), written to the data folder."""
        if not NAME.match(name):
            return _problem(["path", "name"], "a name is letters, digits, '_' and '-'")
        body = await request.body()
        with tempfile.TemporaryDirectory(prefix="corridor-upload-") as tmp:
            book = Path(tmp) / f"{name}.xlsx"
            book.write_bytes(body)
            try:
                warns = import_workbook(book, networks / name)
            except NetworkDataError as exc:
                return _issues(exc)
            except CorridorError as exc:
                return _problem(["body"], str(exc))
        return {"name": name, "path": str(networks / name), "warnings": [str(w) for w in warns]}

    @app.put("/api/networks/{name}/demand.csv", status_code=201)
    async def _put_demand(name: str, request: Request) -> Any:
        """Upload a demand table (the body is a CSV with the columns of
        ``network_data/demand.csv``): the bundled network with this demand, checked like
        the CSV files (every problem answered with its row and column, 422) and written to
        the data folder under ``name``. The bundled demand rows' sources in provenance.csv
        are left out: the upload's figures are the user's."""
        if not NAME.match(name):
            return _problem(["path", "name"], "a name is letters, digits, '_' and '-'")
        try:
            text = (await request.body()).decode("utf-8-sig")
        except UnicodeDecodeError:
            return _problem(["body"], "demand.csv must be UTF-8 text")
        try:
            warns = import_tables(
                bundled_with_demand(text),
                networks / name,
                source="demand.csv (upload)",
                geometry=DEFAULT_DATA_DIR / "geometry.geojson",
            )
        except NetworkDataError as exc:
            return _issues(exc)
        except CorridorError as exc:
            return _problem(["body"], str(exc))
        return {"name": name, "path": str(networks / name), "warnings": [str(w) for w in warns]}

    @app.get("/api/networks")
    def _networks() -> list[dict[str, Any]]:
        """The network data uploaded to the workspace."""
        return [
            {"name": d.name, "path": str(d)}
            for d in sorted(networks.glob("*"))
            if (d / "nodes.csv").is_file()
        ]

    @app.get("/api/scenarios")
    def _scenarios() -> list[dict[str, Any]]:
        """The bundled scenarios and the saved ones."""
        return [
            {k: v for k, v in rec.items() if k != "key"}
            for rec in scenario_list(store, scenarios_dir)
        ]

    add_pages(app, store, runner, data_folder, scenarios_dir)
    return app
