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

import io
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook
from pydantic import ValidationError

import optimizer.format as fmt
from optimizer.api import QuoteRequest, QuoteRequestError, quote_for
from optimizer.data.scenario import load_scenario
from optimizer.output.html import render
from optimizer.output.mapping import map_quote, render_map
from optimizer.output.quote import breakdown_text, days_range
from optimizer.pricing.quote import Quote
from optimizer.results.atomic import write_text_atomic
from optimizer.results.folders import MARKER
from optimizer.workspace.scenarios import (
    FORM_MODES,
    NETWORK_BASE,
    ScenarioSaveError,
    form_yaml,
    save_scenario,
    scenario_list,
)
from optimizer.workspace.store import RunRecord, Store

LANGS = ("en", "zh")
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "corridor workspace",
        "intro": "Run a scenario of the Deyang and Mianyang export network, follow it, and read "
        "its answer: the cost, the warehouses, the map.",
        "switch": "中文",
        "home": "Workspace",
        "scenarios": "Scenarios",
        "name": "Name",
        "description": "What it changes",
        "saved": "saved",
        "run": "Run",
        "runs": "Runs",
        "scenario": "Scenario",
        "status": "Status",
        "solver": "Solver status",
        "gap": "Gap",
        "time": "Solve time",
        "started": "Started",
        "total_cost": "Total cost (CNY/yr)",
        "no_runs": "No run yet: press Run beside a scenario.",
        "compare": "compare run",
        "new_scenario": "New scenario",
        "quote_title": "Quote a cargo",
        "q_from": "From",
        "q_to": "To",
        "q_tonnes": "Tonnes",
        "q_cbm": "Cubic metres",
        "q_product": "Product",
        "q_go": "Quote",
        "q_rates": "rates of",
        "q_pareto": "Pareto-optimal routes",
        "q_cost": "Cost",
        "q_days": "Days",
        "q_range": "Range (days)",
        "q_transfers": "Transfers",
        "q_route": "Route",
        "q_mode": "Mode",
        "q_leg": "Leg",
        "q_service": "Service",
        "q_assumptions": "Assumptions",
        "quote_link": "Quote a cargo",
        "data": "Network data",
        "data_intro": "Edit the network in a spreadsheet: download it, change demand or rates, "
        "upload it under a name, then make a scenario based on it.",
        "download_network": "Download the bundled network (Excel)",
        "upload": "Upload",
        "upload_name": "name",
        "uploaded": "Uploaded network data",
        "form_intro": "A scenario is a base and a few changes. Fill in what you want to change; "
        "empty fields change nothing. It is checked like corridor solve checks a file, saved as a "
        "YAML file you can download, and can be run at once.",
        "f_name": "Name",
        "h_name": "a file name: letters, digits, _ and -",
        "f_base": "Based on",
        "h_base": "the scenario whose changes come first",
        "f_close": "Close nodes",
        "h_close": "node ids, e.g. EG_SUEZ, PL_MALASZEWICZE",
        "f_rates": "Scale rates of a mode",
        "f_factor": "factor",
        "h_rates": "1.2 = 20 % dearer",
        "f_carbon": "Carbon price (CNY/t CO2e)",
        "h_carbon": "on every leg",
        "f_demand": "Scale demand",
        "both_cities": "both cities",
        "h_demand": "1.25 = 25 % more",
        "f_max": "At most this many owned warehouses",
        "f_must": "Warehouses that must open",
        "f_never": "Warehouses that must not open",
        "h_ids": "warehouse ids, e.g. DE_WH_DUISBURG",
        "save": "Save",
        "save_run": "Save and run",
        "compare_selected": "Compare the runs ticked",
        "compare_hint": "two to four runs of different scenarios; the first is the reference",
        "cancel": "Cancel",
        "results": "Results",
        "report": "Report",
        "open_report": "Open the report",
        "download_xlsx": "Download the tables (Excel)",
        "download_zip": "Download the result folder (zip)",
        "offline": "works offline",
        "status_queued": "queued",
        "status_running": "running",
        "status_done": "done",
        "status_failed": "failed",
        "status_cancelled": "cancelled",
        "kpi_total": "total cost a year",
        "kpi_logistics": "logistics cost a year",
        "kpi_co2": "CO2 a year",
        "kpi_days": "mean delivery days",
        "kpi_on_time": "delivered within the promise",
        "kpi_unmet": "demand left unserved",
        "kpi_owned": "owned warehouses open",
        "kpi_9810": "through overseas warehouses (9810)",
    },
    "zh": {
        "title": "corridor 工作台",
        "intro": "运行德阳、绵阳出口网络的情景，跟踪求解进度，查看结果：成本、海外仓、地图。",
        "switch": "English",
        "home": "工作台",
        "scenarios": "情景",
        "name": "名称",
        "description": "改变了什么",
        "saved": "已保存",
        "run": "运行",
        "runs": "运行记录",
        "scenario": "情景",
        "status": "状态",
        "solver": "求解器状态",
        "gap": "间隙",
        "time": "求解时间",
        "started": "开始时间",
        "total_cost": "年总成本（元）",
        "no_runs": "尚无运行：点击情景旁的“运行”。",
        "compare": "比较运行",
        "new_scenario": "新建情景",
        "quote_title": "货物报价",
        "q_from": "起运地",
        "q_to": "目的地",
        "q_tonnes": "吨",
        "q_cbm": "立方米",
        "q_product": "货类",
        "q_go": "报价",
        "q_rates": "运价年份",
        "q_pareto": "条帕累托最优路线",
        "q_cost": "费用",
        "q_days": "天数",
        "q_range": "范围（天）",
        "q_transfers": "中转次数",
        "q_route": "路线",
        "q_mode": "运输方式",
        "q_leg": "区段",
        "q_service": "服务",
        "q_assumptions": "假设",
        "quote_link": "货物报价",
        "data": "网络数据",
        "data_intro": "在电子表格中编辑网络：下载后修改需求或运价，"
        "以一个名称上传，再基于它新建情景。",
        "download_network": "下载内置网络（Excel）",
        "upload": "上传",
        "upload_name": "名称",
        "uploaded": "已上传的网络数据",
        "form_intro": "情景由一个基础情景和若干改动组成。填写要改动的内容，空白项不作改动。"
        "保存前按 corridor solve 的规则检查，保存为可下载的 YAML 文件，并可立即运行。",
        "f_name": "名称",
        "h_name": "文件名：字母、数字、_ 和 -",
        "f_base": "基于",
        "h_base": "其改动先行应用的情景",
        "f_close": "关闭节点",
        "h_close": "节点编号，例如 EG_SUEZ、PL_MALASZEWICZE",
        "f_rates": "按运输方式调整运价",
        "f_factor": "倍数",
        "h_rates": "1.2 = 上涨 20%",
        "f_carbon": "碳价（元/吨二氧化碳当量）",
        "h_carbon": "适用于每一段运输",
        "f_demand": "调整需求",
        "both_cities": "两市",
        "h_demand": "1.25 = 增加 25%",
        "f_max": "自有海外仓数量上限",
        "f_must": "必须开设的海外仓",
        "f_never": "不得开设的海外仓",
        "h_ids": "海外仓编号，例如 DE_WH_DUISBURG",
        "save": "保存",
        "save_run": "保存并运行",
        "compare_selected": "比较勾选的运行",
        "compare_hint": "选择两到四个不同情景的运行；第一个为基准",
        "cancel": "取消",
        "results": "结果",
        "report": "报告",
        "open_report": "打开报告",
        "download_xlsx": "下载结果表（Excel）",
        "download_zip": "下载结果文件夹（zip）",
        "offline": "可离线使用",
        "status_queued": "排队中",
        "status_running": "运行中",
        "status_done": "完成",
        "status_failed": "失败",
        "status_cancelled": "已取消",
        "kpi_total": "年总成本",
        "kpi_logistics": "年物流成本",
        "kpi_co2": "年二氧化碳排放",
        "kpi_days": "平均送达天数",
        "kpi_on_time": "按承诺时效送达",
        "kpi_unmet": "未满足需求",
        "kpi_owned": "开设的自有海外仓",
        "kpi_9810": "经海外仓出口（9810）",
    },
}
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


def tables_workbook(result_dir: Path) -> bytes:
    """The result tables of a run (flows, lanes, warehouses, routes, unmet) as one workbook."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name in RESULT_TABLES:
        path = result_dir / f"{name}.csv"
        if not path.is_file():
            continue
        frame = pd.read_csv(path, keep_default_na=False)
        ws = book.create_sheet(name)
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([v.item() if hasattr(v, "item") else v for v in row])
        ws.freeze_panes = "A2"
    book.properties.creator = "corridor"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def folder_zip(result_dir: Path) -> bytes:
    """The files of a result folder as a zip (the folder's marker left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(result_dir.rglob("*")):
            if p.is_file() and p.name != MARKER:
                z.write(p, f"{result_dir.name}/{p.relative_to(result_dir).as_posix()}")
    return buffer.getvalue()


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
                **numbers,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "body"
        raise QuoteRequestError(field, str(first["msg"])) from None


def quote_view(q: Quote) -> dict[str, Any]:
    """What the quote page shows of a quote."""
    rate = q.cny_per_unit
    c = q.cargo
    alternatives = []
    for alt in q.alternatives:
        alternatives.append(
            {
                "cost": alt.total_cost_cny / rate,
                "days": alt.days,
                "range": days_range(alt),
                "co2": alt.co2_kg,
                "transshipments": alt.transshipments,
                "tags": ", ".join(alt.tags),
                "summary": alt.summary,
                "breakdown": breakdown_text(alt),
                "legs": [
                    {
                        "days": leg.days,
                        "cost": leg.cost_cny,
                        "mode": leg.mode,
                        "from_node": leg.from_name,
                        "to_node": leg.to_name,
                        "service": leg.service_id,
                        "load": leg.load.description,
                    }
                    for leg in alt.legs
                ],
            }
        )
    return {
        "origin_name": q.origin_name,
        "destination_name": q.destination_name,
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
    return comparison_html(comparison, comparison_maps(comparison))


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
        runs = [
            r.to_json() | {"scenario_name": _scenario_name(r.scenario_path)} for r in store.runs()
        ]
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
        if scenario.startswith("#") and scenario[1:].isdigit():
            rec = store.get_scenario(int(scenario[1:]))
            path, sid = (rec.path, rec.id) if rec else ("", None)
        else:
            candidate = (scenarios_dir / scenario).resolve()
            ok = candidate.parent == scenarios_dir.resolve() and candidate.is_file()
            path, sid = (str(candidate), None) if ok else ("", None)
        if not path:
            return HTMLResponse(f"unknown scenario {scenario!r}", status_code=422)
        run = runner.start(path, sid)
        return RedirectResponse(f"/runs/{run.id}?lang={lang}", status_code=303)

    @app.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def _run_page(request: Request, run_id: int) -> Response:
        run = store.get_run(run_id)
        if run is None:
            return HTMLResponse(f"no run {run_id}", status_code=404)
        lang = _lang(request)
        t = TEXT[lang]
        doc = run.to_json() | {"scenario_name": _scenario_name(run.scenario_path)}
        kpis = doc.get("kpis") or {}
        return _page(
            "ws_run.html.j2",
            lang,
            title=f"run {run_id}",
            run=doc,
            kpis=kpis,
            kpi_cards=kpi_cards(kpis, t) if kpis else [],
            status_labels={
                k.removeprefix("status_"): v for k, v in t.items() if k.startswith("status_")
            },
        )

    @app.get("/runs/{run_id}/report", response_class=HTMLResponse, include_in_schema=False)
    def _report(run_id: int) -> Response:
        run = done_run(run_id)
        if run is None:
            return HTMLResponse("no result for this run yet", status_code=404)
        from optimizer.output.report import write_report

        page = reports / f"run_{run_id:05d}.html"
        if not page.is_file():
            write_report(run.result_dir, out=page)
        return HTMLResponse(page.read_text(encoding="utf-8"))

    saved = data_folder / "scenarios"
    networks = data_folder / "networks"

    @app.get("/network.xlsx", include_in_schema=False)
    def _network_workbook() -> Response:
        """The bundled network data as one Excel workbook (to edit and upload back)."""
        from optimizer.data.loader import DEFAULT_DATA_DIR
        from optimizer.output.workbook import workbook_bytes

        return _download(workbook_bytes(DEFAULT_DATA_DIR), XLSX, "network_data.xlsx")

    def form_page(lang: str, form: dict[str, str], problem: ScenarioSaveError | None) -> Response:
        fields = {k: form.get(k, "") for k in FORM_FIELDS}
        fields["base"] = fields["base"] or "baseline.yaml"
        response = _page(
            "ws_scenario_form.html.j2",
            lang,
            title=TEXT[lang]["new_scenario"],
            form=fields,
            bases=[p.name for p in sorted(scenarios_dir.glob("*.yaml"))]
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
        form = {
            "origin": params.get("from", "")[:120],
            "destination": params.get("to", "")[:120],
            "tonnes": params.get("tonnes", "")[:20],
            "cbm": params.get("cbm", "")[:20],
            "product": params.get("product", "")[:60],
        }
        network = app.state.network()
        context: dict[str, Any] = {
            "form": form,
            "products": sorted(map(str, network.products.index)),
            "query": "&".join(f"{k}={v}" for k, v in params.items() if k != "lang"),
            "q": None,
            "problem": "",
            "problem_field": "",
            "map_html": "",
        }
        if form["origin"] and form["destination"]:
            try:
                q = quote_for(network, quote_request(form))
                context["q"] = quote_view(q)
                context["map_html"] = render_map(map_quote(q, network, offline=True))
            except QuoteRequestError as exc:
                context |= {"problem": str(exc), "problem_field": exc.field}
        response = _page("ws_quote.html.j2", lang, title=TEXT[lang]["quote_title"], **context)
        if context["problem"]:
            response.status_code = 422
        return response

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def _compare(request: Request) -> Response:
        """Two to four done runs side by side (the first is the reference)."""
        ids = [int(v) for v in request.query_params.getlist("run") if v.isdigit()]
        if not 2 <= len(ids) <= 4:
            return HTMLResponse("pick two to four runs to compare", status_code=422)
        runs = [done_run(i) for i in ids]
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
        if not page.is_file():
            write_text_atomic(page, comparison_page(done))
        return HTMLResponse(page.read_text(encoding="utf-8"))

    @app.get("/runs/{run_id}/tables.xlsx", include_in_schema=False)
    def _tables(run_id: int) -> Response:
        run = done_run(run_id)
        if run is None:
            return HTMLResponse("no result for this run yet", status_code=404)
        return _download(tables_workbook(Path(run.result_dir)), XLSX, f"run_{run_id}_tables.xlsx")

    @app.get("/runs/{run_id}/result.zip", include_in_schema=False)
    def _zip(run_id: int) -> Response:
        run = done_run(run_id)
        if run is None:
            return HTMLResponse("no result for this run yet", status_code=404)
        return _download(folder_zip(Path(run.result_dir)), "application/zip", f"run_{run_id}.zip")
