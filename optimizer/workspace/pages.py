"""The workspace's pages (English and Chinese), over the same store and runner as the JSON API.

- ``/``: the bundled and saved scenarios, each with a button that starts a run, and the
  runs with their status and cost;
- ``/runs/{id}``: a run's status, solver status, gap and time, updated live (the page polls
  ``/api/runs/{id}``) with a cancel button; when done, its KPI cards, the result's report
  (map, charts and tables, self-contained) and downloads: the result tables as an Excel
  workbook and the result folder as a zip.

Every page is rendered from the templates of :mod:`optimizer.output.html` (one inline
stylesheet, no external asset, no CDN), so the workspace works offline. ``?lang=zh``
switches the labels to Chinese.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook
from pydantic import ValidationError

import optimizer.format as fmt
from optimizer.api import QuoteRequest, QuoteRequestError, quote_for
from optimizer.data.network import Network
from optimizer.data.scenario import load_scenario
from optimizer.output.html import render
from optimizer.output.mapping import map_quote, render_map
from optimizer.output.quote import breakdown_text, charge_text, dates_text, days_range
from optimizer.pricing.quote import Quote
from optimizer.results.atomic import write_bytes_atomic
from optimizer.results.folders import MARKER
from optimizer.workspace.scenarios import (
    FORM_MODES,
    NETWORK_BASE,
    ScenarioSaveError,
    form_yaml,
    robust_params,
    save_scenario,
    scenario_files,
    scenario_list,
)
from optimizer.workspace.store import RunRecord, Store
from optimizer.workspace.text import LANGS, TEXT

#: The fields of the scenario form (see :func:`optimizer.workspace.scenarios.form_yaml`).
FORM_FIELDS = (
    "name",
    "description",
    "base",
    "close_nodes",
    "rate_mode",
    "rate_factor",
    "carbon_price",
    "demand_city",
    "demand_factor",
    "max_warehouses",
    "must_open",
    "never_open",
)
#: The result tables of a run, as sheets of its Excel download.
RESULT_TABLES = ("flows", "lanes", "warehouses", "routes", "unmet")
#: The tables of a robust run (a sheet each, named without the ``robust_`` prefix).
ROBUST_TABLES = ("robust_scenarios", "robust_candidates", "robust_moved_flows")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, media_type: str, filename: str) -> Response:
    """A file to save (the browser offers it as ``filename``)."""
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "en")
    return lang if lang in LANGS else "en"


def _page(template: str, lang: str, **context: Any) -> HTMLResponse:
    other = "zh" if lang == "en" else "en"
    html = render(template, lang=lang, other_lang=other, t=TEXT[lang], **context)
    return HTMLResponse(html)


def _scenario_name(path: str) -> str:
    return Path(path).stem


def run_label(run: RunRecord, t: dict[str, str]) -> str:
    """What the pages call a run: its scenario, or a robust run's count and scenarios."""
    if run.kind == "robust" and run.params:
        names = ", ".join(Path(p).stem for p in run.params.get("scenarios", []))
        return f"{t['r_run']} ({run.params.get('warehouses')}): {names}"
    return _scenario_name(run.scenario_path)


def robust_cards(kpis: dict[str, Any], t: dict[str, str]) -> list[tuple[str, str]]:
    """The KPI cards of a done robust run, in the page's language."""
    share = kpis.get("worst_regret_share")
    return [
        (t["kpi_chosen"], str(len(kpis.get("chosen") or []))),
        (t["kpi_mean"], fmt.millions(kpis.get("mean_cost_cny"), 2) + " M CNY"),
        (t["kpi_regret"], fmt.millions(kpis.get("worst_regret_cny"), 2) + " M CNY")
        if share is None
        else (t["kpi_regret"], f"{fmt.percent(share, 2)}"),
        (t["kpi_idle"], str(len(kpis.get("idle") or []))),
    ]


def kpi_cards(kpis: dict[str, Any], t: dict[str, str]) -> list[tuple[str, str]]:
    """The KPI cards of a done run, in the page's language."""
    sites = kpis.get("open_warehouses") or []
    shared = (kpis.get("tonnes_by_channel") or {}).get("9810")
    return [
        (t["kpi_total"], fmt.millions(kpis.get("total_cost_cny"), 2) + " M CNY"),
        (t["kpi_logistics"], fmt.millions(kpis.get("logistics_cost_cny"), 2) + " M CNY"),
        (t["kpi_co2"], fmt.number(kpis.get("co2_tonnes"), 0, " t")),
        (t["kpi_days"], fmt.number(kpis.get("mean_delivery_days"), 1)),
        (t["kpi_on_time"], fmt.percent(kpis.get("on_time_share"), 1)),
        (t["kpi_unmet"], fmt.number(kpis.get("unmet_tonnes"), 0, " t")),
        (t["kpi_owned"], str(len(sites))),
        (t["kpi_9810"], fmt.number(shared or 0, 0, " t")),
    ]


def tables_workbook(result_dir: Path, tables: tuple[str, ...] = RESULT_TABLES) -> bytes:
    """The result tables of a run (by default flows, lanes, warehouses, routes, unmet) as one
    workbook, a sheet per table."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name in tables:
        path = result_dir / f"{name}.csv"
        if not path.is_file():
            continue
        frame = pd.read_csv(path, keep_default_na=False)
        ws = book.create_sheet(name.removeprefix("robust_"))
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([v.item() if hasattr(v, "item") else v for v in row])
        ws.freeze_panes = "A2"
    book.properties.creator = "corridor"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cached(path: Path, make: Callable[[], bytes]) -> bytes:
    """The bytes of a page or download made once and kept in the data folder (a done run's
    result never changes); written atomically, so a second request never reads half."""
    if path.is_file():
        return path.read_bytes()
    data = make()
    write_bytes_atomic(path, data)
    return data


@functools.cache
def bundled_workbook() -> bytes:
    """The bundled network as an Excel workbook, made once per process (``corridor app``
    makes it at start-up, so the first download does not wait a second for it)."""
    from optimizer.data.loader import DEFAULT_DATA_DIR
    from optimizer.output.workbook import workbook_bytes

    return workbook_bytes(DEFAULT_DATA_DIR)


def folder_zip(result_dir: Path) -> bytes:
    """The files of a result folder as a zip (the folder's marker left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(result_dir.rglob("*")):
            if p.is_file() and p.name != MARKER:
                z.write(p, f"{result_dir.name}/{p.relative_to(result_dir).as_posix()}")
    return buffer.getvalue()


def quote_form(params: Any) -> dict[str, str]:
    """The quote form's fields from a query string (each cut to a sane length)."""
    return {
        "origin": params.get("from", "")[:120],
        "destination": params.get("to", "")[:120],
        "tonnes": params.get("tonnes", "")[:20],
        "cbm": params.get("cbm", "")[:20],
        "product": params.get("product", "")[:60],
        "ready": params.get("ready", "")[:10],
        "margin": params.get("margin", "")[:24],
        "dg": params.get("dg", "")[:4],
    }


def quote_request(form: dict[str, str]) -> QuoteRequest:
    """The quote API's request of the page's form (numbers checked here, the rest by the API).

    Raises
    ------
    QuoteRequestError
        When a number or a field is not valid.
    """
    numbers: dict[str, float | None] = {}
    for key in ("tonnes", "cbm"):
        raw = form[key].strip()
        try:
            numbers[key] = float(raw) if raw else None
        except ValueError:
            raise QuoteRequestError(key, f"{raw!r} is not a number") from None
    try:
        return QuoteRequest.model_validate(
            {
                "from": form["origin"],
                "to": form["destination"],
                "product": form["product"] or None,
                "ready": form.get("ready") or None,
                "margin": form.get("margin") or None,
                "dg_class": form.get("dg") or None,
                **numbers,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "body"
        raise QuoteRequestError(field, str(first["msg"])) from None


def quote_view(q: Quote, network: Network | None = None, lang: str = "en") -> dict[str, Any]:
    """What the quote page shows of a quote (node names in the page's language)."""

    def name(node: str, fallback: str) -> str:
        return network.node_name(node, lang) if network is not None else fallback

    rate = q.cny_per_unit
    c = q.cargo
    alternatives = []
    for alt in q.alternatives:
        alternatives.append(
            {
                "cost": alt.total_cost_cny / rate,
                "days": alt.timing.days_p50 if alt.timing else alt.days,
                "range": days_range(alt),
                "co2": alt.co2_kg,
                "transshipments": alt.transshipments,
                "tags": ", ".join(alt.tags),
                "summary": alt.summary,
                "breakdown": breakdown_text(alt),
                "dates": dates_text(alt),
                "legs": [
                    {
                        "days": leg.days,
                        "cost": leg.cost_cny,
                        "mode": leg.mode,
                        "from_node": name(leg.from_node, leg.from_name),
                        "to_node": name(leg.to_node, leg.to_name),
                        "service": leg.service_id,
                        "load": leg.load.description,
                        "fees": [charge_text(c) for c in alt.charges if c.leg == k],
                    }
                    for k, leg in enumerate(alt.legs)
                ],
                "shipment_fees": [charge_text(c) for c in alt.charges if c.leg is None],
            }
        )
    return {
        "origin_name": name(q.origin, q.origin_name) if len(q.origin_nodes) <= 1 else q.origin_name,
        "destination_name": name(q.destination, q.destination_name)
        if len(q.destination_nodes) <= 1
        else q.destination_name,
        "cargo_text": f"{c.tonnes:g} t, {c.cbm:g} cbm" + (f", {c.product}" if c.product else ""),
        "price_years": ", ".join(map(str, q.price_years)),
        "pareto_count": q.pareto_count,
        "currency": q.currency,
        "alternatives": alternatives,
        "assumptions": list(q.assumptions),
    }


def comparison_page(runs: list[RunRecord]) -> str:
    """The comparison page of done runs (:mod:`optimizer.output.comparison`, maps included)."""
    from optimizer.output.comparison import comparison_html, comparison_maps
    from optimizer.results.files import load_solution
    from optimizer.studies.compare import compare_results
    from optimizer.studies.pipeline import RunResult

    results = [
        RunResult(
            scenario=load_scenario(r.scenario_path),
            solution=load_solution(r.result_dir),
            directory=Path(r.result_dir),
            reused=True,
        )
        for r in runs
    ]
    comparison = compare_results(results)
    where = {res.name: f"run #{r.id}" for res, r in zip(results, runs, strict=True)}
    return comparison_html(comparison, comparison_maps(comparison), where)


def add_pages(
    app: FastAPI, store: Store, runner: Any, data_folder: Path, scenarios_dir: Path
) -> None:
    """Add the pages to the workspace app."""
    reports = data_folder / "reports"

    def done_run(run_id: int) -> RunRecord | None:
        run = store.get_run(run_id)
        ok = run is not None and run.status == "done" and Path(run.result_dir).is_dir()
        return run if ok else None

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def _home(request: Request) -> HTMLResponse:
        t = TEXT[_lang(request)]
        runs = [r.to_json() | {"scenario_name": run_label(r, t)} for r in store.runs()]
        return _page(
            "ws_home.html.j2",
            _lang(request),
            title="corridor workspace",
            scenarios=scenario_list(store, scenarios_dir),
            runs=runs,
            networks=[d.name for d in sorted(networks.glob("*")) if (d / "nodes.csv").is_file()],
        )

    @app.post("/runs/new", include_in_schema=False)
    async def _new_run(request: Request) -> Response:
        lang = _lang(request)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        scenario = (form.get("scenario") or [""])[0][:200]
        path, sid = form_scenario(scenario)
        if not path:
            return HTMLResponse(f"unknown scenario {scenario!r}", status_code=422)
        run = runner.start(path, sid)
        return RedirectResponse(f"/runs/{run.id}?lang={lang}", status_code=303)

    def form_scenario(key: str) -> tuple[str, int | None]:
        """The path (and saved id) of a scenario as the pages' forms name it: a bundled
        file's name or ``#<saved id>``; ``""`` when there is no such scenario."""
        if key.startswith("#") and key[1:].isdigit():
            rec = store.get_scenario(int(key[1:]))
            return (rec.path, rec.id) if rec else ("", None)
        candidate = (scenarios_dir / key).resolve()
        ok = candidate.parent == scenarios_dir.resolve() and candidate.is_file()
        return (str(candidate), None) if ok else ("", None)

    def robust_form(lang: str, form: dict[str, Any], problem: ScenarioSaveError | None) -> Response:
        response = _page(
            "ws_robust_form.html.j2",
            lang,
            title=TEXT[lang]["robust_title"],
            scenarios=scenario_list(store, scenarios_dir),
            ticked=form.get("scenario", ["baseline.yaml", "red_sea_closure.yaml"]),
            form={
                "warehouses": form.get("warehouses", "5"),
                "criterion": form.get("criterion", "expected"),
                "time_limit_s": form.get("time_limit_s", ""),
            },
            problem=str(problem) if problem else "",
            problem_field=problem.field if problem else "",
        )
        if problem:
            response.status_code = 422
        return response

    @app.get("/robust/new", response_class=HTMLResponse, include_in_schema=False)
    def _robust_form(request: Request) -> Response:
        return robust_form(_lang(request), {}, None)

    @app.post("/robust/new", include_in_schema=False)
    async def _robust_start(request: Request) -> Response:
        """Start a robust siting across the ticked scenarios (checked like the API's)."""
        lang = _lang(request)
        raw = parse_qs((await request.body()).decode("utf-8", "replace"))
        keys = [k[:200] for k in raw.get("scenario", [])][:20]
        form: dict[str, Any] = {k: v[0][:200] for k, v in raw.items() if v and k != "scenario"}
        form["scenario"] = keys
        paths = [form_scenario(k)[0] for k in keys]
        try:
            if "" in paths:
                unknown = keys[paths.index("")]
                raise ScenarioSaveError("scenarios", f"unknown scenario {unknown!r}")
            params = robust_params(
                paths,
                form.get("warehouses", ""),
                form.get("criterion", "expected"),
                form.get("time_limit_s"),
            )
        except ScenarioSaveError as exc:
            return robust_form(lang, form, exc)
        run = runner.start(paths[0], kind="robust", params=params)
        return RedirectResponse(f"/runs/{run.id}?lang={lang}", status_code=303)

    @app.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def _run_page(request: Request, run_id: int) -> Response:
        run = store.get_run(run_id)
        if run is None:
            return HTMLResponse(f"no run {run_id}", status_code=404)
        lang = _lang(request)
        t = TEXT[lang]
        doc = run.to_json() | {"scenario_name": run_label(run, t)}
        kpis = doc.get("kpis") or {}
        robust = run.kind == "robust"
        cards = (robust_cards if robust else kpi_cards)(kpis, t) if kpis else []
        network = app.state.network()
        return _page(
            "ws_run.html.j2",
            lang,
            title=f"run {run_id}",
            run=doc,
            kpis=kpis,
            kpi_cards=cards,
            chosen=[
                f"{network.node_name(w.split(':')[0], lang)} ({w})" for w in kpis.get("chosen", [])
            ]
            if robust
            else [],
            status_labels={
                k.removeprefix("status_"): v for k, v in t.items() if k.startswith("status_")
            },
        )

    @app.get("/runs/{run_id}/report", response_class=HTMLResponse, include_in_schema=False)
    def _report(run_id: int) -> Response:
        run = done_run(run_id)
        if run is None:
            return HTMLResponse("no result for this run yet", status_code=404)
        if run.kind == "robust":
            return HTMLResponse((Path(run.result_dir) / "robust.html").read_text(encoding="utf-8"))
        from optimizer.output.report import write_report

        page = reports / f"run_{run_id:05d}.html"
        if not page.is_file():
            write_report(run.result_dir, out=page)
        return HTMLResponse(page.read_text(encoding="utf-8"))

    @app.get("/runs/{run_id}/brief.html", response_class=HTMLResponse, include_in_schema=False)
    def _brief(run_id: int) -> Response:
        """A robust run's printable one-page brief (robust.html links it by this name)."""
        run = done_run(run_id)
        page = Path(run.result_dir) / "brief.html" if run is not None else None
        if page is None or not page.is_file():
            return HTMLResponse("no brief for this run", status_code=404)
        return HTMLResponse(page.read_text(encoding="utf-8"))

    saved = data_folder / "scenarios"
    networks = data_folder / "networks"

    @app.get("/network.xlsx", include_in_schema=False)
    def _network_workbook() -> Response:
        """The bundled network data as one Excel workbook (to edit and upload back)."""
        return _download(bundled_workbook(), XLSX, "network_data.xlsx")

    def form_page(lang: str, form: dict[str, str], problem: ScenarioSaveError | None) -> Response:
        fields = {k: form.get(k, "") for k in FORM_FIELDS}
        fields["base"] = fields["base"] or "baseline.yaml"
        response = _page(
            "ws_scenario_form.html.j2",
            lang,
            title=TEXT[lang]["new_scenario"],
            form=fields,
            bases=[p.name for p in scenario_files(scenarios_dir)]
            + [
                NETWORK_BASE + d.name
                for d in sorted(networks.glob("*"))
                if (d / "nodes.csv").is_file()
            ],
            modes=FORM_MODES,
            problem=str(problem) if problem else "",
            problem_field=problem.field if problem else "",
        )
        if problem:
            response.status_code = 422
        return response

    @app.get("/scenarios/new", response_class=HTMLResponse, include_in_schema=False)
    def _scenario_form(request: Request) -> Response:
        return form_page(_lang(request), {}, None)

    @app.post("/scenarios/new", include_in_schema=False)
    async def _scenario_save(request: Request) -> Response:
        lang = _lang(request)
        raw = parse_qs((await request.body()).decode("utf-8", "replace"))
        form = {k: v[0][:2000] for k, v in raw.items() if v}
        try:
            text = form_yaml(form, scenarios_dir, networks)
            rec = save_scenario(store, saved, form.get("name", "").strip(), text, scenarios_dir)
        except ScenarioSaveError as exc:
            return form_page(lang, form, exc)
        if form.get("action") == "save_run":
            run = runner.start(rec.path, rec.id)
            return RedirectResponse(f"/runs/{run.id}?lang={lang}", status_code=303)
        return RedirectResponse(f"/?lang={lang}", status_code=303)

    @app.get("/scenarios/{scenario_id}.yaml", include_in_schema=False)
    def _scenario_file(scenario_id: int) -> Response:
        rec = store.get_scenario(scenario_id)
        if rec is None or not Path(rec.path).is_file():
            return HTMLResponse(f"no saved scenario {scenario_id}", status_code=404)
        return Response(
            Path(rec.path).read_text(encoding="utf-8"),
            media_type="application/x-yaml",
            headers={"Content-Disposition": f'attachment; filename="{rec.name}.yaml"'},
        )

    @app.get("/quote", response_class=HTMLResponse, include_in_schema=False)
    def _quote_page(request: Request) -> Response:
        """A forwarder's quote: the form, the alternatives with legs and breakdown, a map."""
        lang = _lang(request)
        params = request.query_params
        form = quote_form(params)
        network = app.state.network()
        context: dict[str, Any] = {
            "form": form,
            "products": sorted(map(str, network.products.index)),
            "query": urlencode([(k, v) for k, v in params.items() if k != "lang"]),
            "q": None,
            "problem": "",
            "problem_field": "",
        }
        if form["origin"] and form["destination"]:
            try:
                q = quote_for(network, quote_request(form))
                context["q"] = quote_view(q, network, lang)
            except QuoteRequestError as exc:
                context |= {"problem": str(exc), "problem_field": exc.field}
        response = _page("ws_quote.html.j2", lang, title=TEXT[lang]["quote_title"], **context)
        if context["problem"]:
            response.status_code = 422
        return response

    @app.get("/quote/map", response_class=HTMLResponse, include_in_schema=False)
    def _quote_map(request: Request) -> Response:
        """The route map of a quote (its own request, so that the quote's tables show at
        once and the map follows)."""
        form = quote_form(request.query_params)
        network = app.state.network()
        try:
            q = quote_for(network, quote_request(form))
        except QuoteRequestError as exc:
            return HTMLResponse(str(exc), status_code=422)
        return HTMLResponse(render_map(map_quote(q, network, offline=True)))

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def _compare(request: Request) -> Response:
        """Two to four done runs side by side (the first is the reference)."""
        ids = [int(v) for v in request.query_params.getlist("run") if v.isdigit()]
        if not 2 <= len(ids) <= 4:
            return HTMLResponse("pick two to four runs to compare", status_code=422)
        runs = [r if r is not None and r.kind == "solve" else None for r in map(done_run, ids)]
        missing = [i for i, r in zip(ids, runs, strict=True) if r is None]
        if missing:
            return HTMLResponse(f"runs without a result: {missing}", status_code=422)
        done = [r for r in runs if r is not None]
        names = [_scenario_name(r.scenario_path) for r in done]
        if len(set(names)) < len(names):
            return HTMLResponse(
                "these runs share a scenario: pick runs of different scenarios", 422
            )
        page = reports / f"compare_{'_'.join(map(str, ids))}.html"
        return HTMLResponse(cached(page, lambda: comparison_page(done).encode()).decode())

    @app.get("/runs/{run_id}/tables.xlsx", include_in_schema=False)
    def _tables(run_id: int) -> Response:
        run = done_run(run_id)
        if run is None:
            return HTMLResponse("no result for this run yet", status_code=404)
        tables = ROBUST_TABLES if run.kind == "robust" else RESULT_TABLES
        book = cached(
            reports / f"run_{run_id:05d}_tables.xlsx",
            lambda: tables_workbook(Path(run.result_dir), tables),
        )
        return _download(book, XLSX, f"run_{run_id}_tables.xlsx")

    @app.get("/runs/{run_id}/result.zip", include_in_schema=False)
    def _zip(run_id: int) -> Response:
        run = done_run(run_id)
        if run is None:
            return HTMLResponse("no result for this run yet", status_code=404)
        return _download(folder_zip(Path(run.result_dir)), "application/zip", f"run_{run_id}.zip")
