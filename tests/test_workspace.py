"""The workspace's JSON API and database: start a run, poll it to done, survive a restart."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

with warnings.catch_warnings():
    # starlette >= 1.x warns that its test client prefers httpx2 (not installed here)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from optimizer.data.loader import load_network
from optimizer.workspace.app import create_workspace
from optimizer.workspace.jobs import Runner
from optimizer.workspace.store import STATUSES, Store

DATA = Path(__file__).parent / "data"
SCENARIO = DATA / "scenarios" / "tiny_base.yaml"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


def open_app(folder: Path, **kw: object) -> tuple[TestClient, Runner]:
    store = Store(f"sqlite:///{folder / 'workspace.sqlite'}")
    runner = Runner(store, folder / "results", workers=1, processes=False)
    app = create_workspace(store, runner, folder, network=load_network(DATA / "tiny"), **kw)  # type: ignore[arg-type]
    return TestClient(app), runner


@pytest.fixture
def client(folder: Path) -> Iterator[tuple[TestClient, Runner]]:
    c, runner = open_app(folder)
    yield c, runner
    runner.close()


def wait_done(c: TestClient, run_id: int, timeout: float = 60.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = c.get(f"/api/runs/{run_id}").json()
        if doc["status"] in ("done", "failed", "cancelled"):
            return doc
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish: {doc}")


def test_the_database_is_migrated(folder: Path) -> None:
    store = Store(f"sqlite:///{folder / 'db.sqlite'}")
    tables = set(inspect(store.engine).get_table_names())
    assert {"runs", "scenarios", "alembic_version"} <= tables
    Store(store.url)  # opening it again (upgrade of an up-to-date database) is a no-op


def test_a_run_goes_from_queued_to_done_with_kpis(client: tuple[TestClient, Runner]) -> None:
    c, _ = client
    answer = c.post("/api/runs", json={"scenario": str(SCENARIO)})
    assert answer.status_code == 201, answer.text
    run_id = answer.json()["id"]
    assert answer.json()["status"] in STATUSES
    doc = wait_done(c, run_id)
    assert doc["status"] == "done", doc
    assert doc["solver_status"] == "optimal"
    kpis = doc["kpis"]
    assert isinstance(kpis, dict) and kpis["total_cost_cny"] == pytest.approx(doc["objective"])
    assert Path(str(doc["result_dir"]), "solution.json").is_file()
    listed = c.get("/api/runs").json()
    assert [r["id"] for r in listed] == [run_id]
    assert c.get("/health").json()["runs"] == {"done": 1}


def test_bad_requests_answer_422_with_the_field(client: tuple[TestClient, Runner]) -> None:
    c, _ = client
    missing = c.post("/api/runs", json={"scenario": "no/such/scenario.yaml"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "scenario"]
    extra = c.post("/api/runs", json={"scenario": str(SCENARIO), "colour": "red"})
    assert extra.status_code == 422
    assert c.post("/api/runs", json={"scenario": 99}).status_code == 422
    assert c.get("/api/runs/12345").status_code == 404
    assert c.get("/api/runs").json() == []


def test_a_saved_scenario_is_checked_and_run_by_id(
    client: tuple[TestClient, Runner], folder: Path
) -> None:
    c, _ = client
    base = (DATA / "tiny").resolve()
    bad = c.post(
        "/api/scenarios",
        json={"name": "typo", "yaml": f"base: {base}\nchanges:\n  - close_nodez: [X]\n"},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "yaml"]
    assert "close_nodez" in bad.json()["detail"][0]["msg"]
    assert not (folder / "scenarios" / "typo.yaml").exists()
    assert c.post("/api/scenarios", json={"name": "../evil", "yaml": "x: 1"}).status_code == 422
    good = c.post(
        "/api/scenarios", json={"name": "tiny_copy", "yaml": f"name: tiny_copy\nbase: {base}\n"}
    )
    assert good.status_code == 201, good.text
    sid = good.json()["id"]
    assert Path(good.json()["path"]).parent == folder / "scenarios"
    assert any(s["id"] == sid for s in c.get("/api/scenarios").json())
    run = c.post("/api/runs", json={"scenario": sid}).json()
    assert wait_done(c, run["id"])["status"] == "done"


def test_runs_survive_a_restart_and_unfinished_ones_are_resubmitted(folder: Path) -> None:
    c, runner = open_app(folder)
    done = c.post("/api/runs", json={"scenario": str(SCENARIO)}).json()["id"]
    wait_done(c, done)
    runner.close()
    # a run a killed server left queued
    store = Store(f"sqlite:///{folder / 'workspace.sqlite'}")
    left = store.add_run(str(SCENARIO.resolve())).id
    c2, runner2 = open_app(folder)
    try:
        assert runner2.resume() == [left]
        assert c2.get(f"/api/runs/{done}").json()["status"] == "done"
        assert wait_done(c2, left)["status"] == "done"
    finally:
        runner2.close()


def test_cancel_is_final(client: tuple[TestClient, Runner], folder: Path) -> None:
    c, runner = client
    store = runner.store
    run_id = store.add_run(str(SCENARIO.resolve())).id  # queued, never submitted
    assert c.post(f"/api/runs/{run_id}/cancel").json()["cancelled"] is True
    # a late result of the cancelled run is dropped
    store.update_run(run_id, status="done")
    assert c.get(f"/api/runs/{run_id}").json()["status"] == "cancelled"
    assert c.post(f"/api/runs/{run_id}/cancel").json()["cancelled"] is False


def test_a_token_is_checked_on_every_request(folder: Path) -> None:
    c, runner = open_app(folder, token="s3cret")
    try:
        assert c.get("/health").status_code == 401
        assert c.get("/api/runs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/runs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/health", headers={"X-Corridor-Token": "s3cret"}).status_code == 200
    finally:
        runner.close()


def test_the_quote_api_is_served_too(client: tuple[TestClient, Runner]) -> None:
    c, _ = client
    nodes = c.get("/nodes").json()
    assert nodes and {"id", "kind"} <= set(nodes[0])


def test_pages_start_a_run_and_show_its_answer(client: tuple[TestClient, Runner]) -> None:
    import io
    import zipfile

    from openpyxl import load_workbook

    from optimizer.output.mapping.offline import external_references

    c, _ = client
    home = c.get("/")
    assert home.status_code == 200 and "baseline" in home.text and "red_sea_closure" in home.text
    assert not external_references(home.text)
    assert "工作台" in c.get("/?lang=zh").text
    # a bundled scenario name is all a form may send; anything else is refused
    assert c.post("/runs/new", data={"scenario": "../pyproject.toml"}).status_code == 422
    # run the tiny scenario through the API, then read its pages
    run_id = c.post("/api/runs", json={"scenario": str(SCENARIO)}).json()["id"]
    assert wait_done(c, run_id)["status"] == "done"
    page = c.get(f"/runs/{run_id}")
    assert page.status_code == 200 and "total cost a year" in page.text
    assert not external_references(page.text)
    assert "年总成本" in c.get(f"/runs/{run_id}?lang=zh").text
    report = c.get(f"/runs/{run_id}/report")
    assert report.status_code == 200 and "leaflet" in report.text.lower()
    book = load_workbook(io.BytesIO(c.get(f"/runs/{run_id}/tables.xlsx").content))
    assert {"flows", "lanes", "warehouses"} <= set(book.sheetnames)
    names = zipfile.ZipFile(io.BytesIO(c.get(f"/runs/{run_id}/result.zip").content)).namelist()
    assert any(n.endswith("/solution.json") for n in names)
    assert c.get("/runs/999/tables.xlsx").status_code == 404


def test_a_form_run_redirects_to_its_page(
    client: tuple[TestClient, Runner], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, runner = client
    submitted: list[tuple[int, str]] = []
    # no need to solve the whole network here: record what would be submitted
    monkeypatch.setattr(runner, "submit", lambda run: submitted.append((run.id, run.scenario_path)))
    answer = c.post("/runs/new", data={"scenario": "baseline.yaml"}, follow_redirects=False)
    assert answer.status_code == 303
    run_id = int(answer.headers["location"].split("/")[2].split("?")[0])
    assert submitted == [
        (run_id, str((Path(__file__).parents[1] / "scenarios" / "baseline.yaml").resolve()))
    ]
    assert "queued" in c.get(f"/runs/{run_id}").text


def test_two_runs_are_compared_side_by_side(client: tuple[TestClient, Runner]) -> None:
    from optimizer.output.mapping.offline import external_references

    c, _ = client
    ids = []
    for name in ("tiny_sea_base.yaml", "tiny_sea_red_sea.yaml"):
        run_id = c.post("/api/runs", json={"scenario": str(DATA / "scenarios" / name)}).json()["id"]
        assert wait_done(c, run_id)["status"] == "done"
        ids.append(run_id)
    page = c.get("/compare", params=[("run", str(i)) for i in ids])
    assert page.status_code == 200, page.text
    assert "tiny_sea_red_sea" in page.text and not external_references(page.text)
    assert c.get("/compare", params={"run": str(ids[0])}).status_code == 422
    home = c.get("/").text
    assert f'name="run" value="{ids[0]}"' in home


def test_the_scenario_form_saves_a_checked_yaml(
    client: tuple[TestClient, Runner], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    c, runner = client
    assert "New scenario" in c.get("/scenarios/new").text
    form = {
        "name": "red_sea_dearer_rail",
        "base": "red_sea_closure.yaml",
        "rate_mode": "cr_express",
        "rate_factor": "1.2",
        "carbon_price": "300",
        "demand_city": "Mianyang",
        "demand_factor": "1.1",
        "never_open": "US_WH_LA, US_WH_NJ",
        "action": "save",
    }
    bad = c.post("/scenarios/new", data=form | {"close_nodes": "NO_SUCH_NODE"})
    assert bad.status_code == 422 and "NO_SUCH_NODE" in bad.text
    assert not (folder / "scenarios" / "red_sea_dearer_rail.yaml").exists()
    assert c.post("/scenarios/new", data=form | {"rate_factor": "lots"}).status_code == 422
    saved = c.post("/scenarios/new", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    path = folder / "scenarios" / "red_sea_dearer_rail.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["changes"] == [
        {"scale_rates": {"mode": "cr_express", "factor": 1.2}},
        {"carbon_price": 300.0},
        {"scale_demand": {"factor": 1.1, "city": "Mianyang"}},
    ]
    assert doc["options"] == {"never_open": ["US_WH_LA", "US_WH_NJ"]}
    sid = next(
        s["id"] for s in c.get("/api/scenarios").json() if s["name"] == "red_sea_dearer_rail"
    )
    download = c.get(f"/scenarios/{sid}.yaml")
    assert download.status_code == 200 and "scale_rates" in download.text
    # the same name again is refused; "save and run" starts a run
    assert c.post("/scenarios/new", data=form).status_code == 422
    submitted: list[int] = []
    monkeypatch.setattr(runner, "submit", lambda run: submitted.append(run.id))
    started = c.post(
        "/scenarios/new",
        data=form | {"name": "again", "action": "save_run"},
        follow_redirects=False,
    )
    assert started.status_code == 303 and submitted


def test_the_quote_page_prices_a_cargo(client: tuple[TestClient, Runner]) -> None:
    from optimizer.output.mapping.offline import external_references

    c, _ = client
    form = c.get("/quote")
    assert form.status_code == 200 and 'name="from"' in form.text
    page = c.get(
        "/quote", params={"from": "Origin Three", "to": "德国市场", "tonnes": "2", "cbm": "30"}
    )
    assert page.status_code == 200, page.text
    assert "cr_express" in page.text and "/quote/map?from=Origin+Three" in page.text
    assert not external_references(page.text)
    # the route map is its own request, self-contained
    route_map = c.get(
        "/quote/map", params={"from": "Origin Three", "to": "德国市场", "tonnes": "2", "cbm": "30"}
    )
    assert route_map.status_code == 200 and "L.map" in route_map.text
    assert not external_references(route_map.text)
    assert c.get("/quote/map", params={"from": "Nowhere at all", "to": "x"}).status_code == 422
    # the same alternatives as the JSON API
    api = c.post(
        "/quote", json={"from": "Origin Three", "to": "德国市场", "tonnes": 2, "cbm": 30}
    ).json()
    first = api["alternatives"][0]
    assert f"{first['total_cost_cny']:,.0f}" in page.text
    bad = c.get("/quote", params={"from": "Nowhere at all", "to": "德国市场", "tonnes": "2"})
    assert bad.status_code == 422 and "from" in bad.text
    assert (
        c.get(
            "/quote", params={"from": "Origin Three", "to": "德国市场", "tonnes": "two"}
        ).status_code
        == 422
    )
    assert "货物报价" in c.get("/quote?lang=zh").text


def test_network_data_is_uploaded_as_a_workbook_and_used_as_a_base(
    client: tuple[TestClient, Runner], folder: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from optimizer.output.workbook import export_workbook

    c, _ = client
    book = export_workbook(DATA / "tiny", tmp_path / "tiny.xlsx")
    # a bad cell: every problem named by sheet, row and column, nothing written
    wb = load_workbook(book)
    ws = wb["demand"]
    header = [cell.value for cell in ws[1]]
    ws.cell(row=2, column=header.index("tonnes_per_year") + 1).value = -1
    wb.save(tmp_path / "bad.xlsx")
    bad = c.put("/api/networks/tiny_edit", content=(tmp_path / "bad.xlsx").read_bytes())
    assert bad.status_code == 422
    loc = bad.json()["detail"][0]["loc"]
    assert "sheet 'demand'" in loc[0]
    assert loc[1:] == [2, "tonnes_per_year"]
    assert not (folder / "networks" / "tiny_edit").exists()
    # the upload has its own body limit (the quote API allows 64 KiB)
    good = c.put("/api/networks/tiny_edit", content=book.read_bytes())
    assert good.status_code == 201, good.text
    assert [n["name"] for n in c.get("/api/networks").json()] == ["tiny_edit"]
    assert c.put("/api/networks/..%2Fevil", content=b"x").status_code in (404, 422)
    # a scenario based on it, made with the form
    made = c.post(
        "/scenarios/new",
        data={"name": "on_upload", "base": "network:tiny_edit", "carbon_price": "100"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    doc = (folder / "scenarios" / "on_upload.yaml").read_text(encoding="utf-8")
    assert str((folder / "networks" / "tiny_edit").resolve()) in doc
    run_id = c.post(
        "/api/runs", json={"scenario": str(folder / "scenarios" / "on_upload.yaml")}
    ).json()["id"]
    assert wait_done(c, run_id)["status"] == "done"
    assert c.get("/network.xlsx").status_code == 200


@pytest.fixture
def sea_client(folder: Path) -> Iterator[tuple[TestClient, Runner]]:
    """The workspace offering the tiny sea scenarios (tests/data/scenarios) as its own."""
    c, runner = open_app(folder, scenarios_dir=DATA / "scenarios")
    yield c, runner
    runner.close()


def test_a_robust_run_gives_its_set_and_brief(sea_client: tuple[TestClient, Runner]) -> None:
    c, _ = sea_client
    keys = ["tiny_sea_base.yaml", "tiny_sea_red_sea.yaml", "tiny_sea_border.yaml"]
    form = {"scenario": keys, "warehouses": "1", "criterion": "expected"}
    answer = c.post("/robust/new", data=form, follow_redirects=False)
    assert answer.status_code == 303
    run_id = int(answer.headers["location"].split("/")[2].split("?")[0])
    doc = wait_done(c, run_id)
    assert doc["status"] == "done", doc
    assert doc["kind"] == "robust" and doc["params"]["warehouses"] == 1
    kpis = doc["kpis"]
    assert isinstance(kpis, dict) and kpis["chosen"] == ["NL_WH3"]
    assert kpis["scenarios"] == ["tiny_sea_base", "tiny_sea_red_sea", "tiny_sea_border"]
    page = c.get(f"/runs/{run_id}").text
    assert "NL_WH3" in page and f"/runs/{run_id}/brief.html" in page
    brief = c.get(f"/runs/{run_id}/brief.html")
    assert brief.status_code == 200 and "1 recommended" in brief.text
    assert c.get(f"/runs/{run_id}/report").status_code == 200
    assert c.get(f"/runs/{run_id}/tables.xlsx").status_code == 200
    # a robust run is not offered for a scenario comparison
    assert f'name="run" value="{run_id}"' not in c.get("/").text


def test_robust_requests_are_checked_with_the_field(
    sea_client: tuple[TestClient, Runner],
) -> None:
    c, _ = sea_client
    base = str(DATA / "scenarios" / "tiny_sea_base.yaml")
    one = {"kind": "robust", "scenarios": [base], "warehouses": 1}
    cases = [
        ({"kind": "robust", "scenarios": [base]}, "warehouses"),
        ({"kind": "robust", "scenarios": [], "warehouses": 1}, "scenarios"),
        ({"kind": "robust", "scenarios": [base, base], "warehouses": 1}, "scenarios"),
        ({"kind": "robust", "scenarios": [base], "warehouses": 0}, "warehouses"),
        ({"kind": "robust", "scenarios": ["nowhere.yaml"], "warehouses": 1}, "scenarios"),
        (one | {"criterion": "x"}, "criterion"),
        (one | {"time_limit_s": 0}, "time_limit_s"),
        ({"kind": "solve"}, "scenario"),
    ]
    for body, field in cases:
        answer = c.post("/api/runs", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["detail"][0]["loc"][-1] == field, (body, answer.json())
    form = c.post("/robust/new", data={"scenario": ["tiny_sea_base.yaml"], "warehouses": "two"})
    assert form.status_code == 422 and "not a whole number" in form.text
    assert c.get("/api/runs").json() == []


def test_progress_lines_give_the_bound_and_gap() -> None:
    from optimizer.workspace.jobs import parse_progress

    highs = (
        "... 35 s: 5       4         0   6.25%   354981939.0151  356017666.3125     0.29%"
        "     3685    785      2     38996    31."
    )
    assert parse_progress(highs) == {
        "bound": 354981939.0151,
        "objective": 356017666.3125,
        "gap": pytest.approx(0.0029),
    }
    ours = "route generation round 4: LP 3.48084e+08, bound 3.47858e+08, 3932 routes"
    assert parse_progress(ours) == {"bound": 3.47858e8}
    no_incumbent = "... 5 s: 0 0 0 0.00% 1.2e7 inf inf 0 0 0 0 0.1s"
    assert parse_progress(no_incumbent) == {"bound": 1.2e7}
    assert parse_progress("generating candidate routes") == {}
    assert parse_progress("Running HiGHS 1.16.0 (git hash: f3f113d)") == {}


def test_an_older_database_is_migrated_and_keeps_its_runs(folder: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from optimizer.workspace.store import MIGRATIONS

    url = f"sqlite:///{folder / 'old.sqlite'}"
    folder.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
        connection.execute(
            text(
                "INSERT INTO runs (scenario_path, kind, status, message, result_dir, created_at)"
                " VALUES ('a.yaml', 'solve', 'done', '', '', '2026-01-01 00:00:00')"
            )
        )
    engine.dispose()
    store = Store(url)
    run = store.get_run(1)
    assert run is not None and run.status == "done" and run.progress == "" and run.params is None


def test_the_api_docs_work_offline(client: tuple[TestClient, Runner]) -> None:
    from optimizer.output.mapping.offline import external_references

    c, _ = client
    for url in ("/docs", "/redoc"):
        page = c.get(url)
        assert page.status_code == 200
        assert external_references(page.text) == [], url
    assert c.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200


def test_a_demand_table_is_uploaded_onto_the_bundled_network(
    client: tuple[TestClient, Runner], folder: Path
) -> None:
    import pandas as pd

    from optimizer.data.loader import DEFAULT_DATA_DIR, load_network

    c, _ = client
    text = (DEFAULT_DATA_DIR / "demand.csv").read_text(encoding="utf-8")
    first = text.splitlines()[1].split(",")[0]
    # a bad row: every problem named by file, row and column, nothing written
    lines = text.splitlines(keepends=True)
    row = lines[1].split(",")
    row[4] = "-3"  # tonnes_per_year
    bad = c.put("/api/networks/more/demand.csv", content="".join([lines[0], ",".join(row)]))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["demand.csv", 2, "tonnes_per_year"]
    assert not (folder / "networks" / "more").exists()
    assert c.put("/api/networks/more/demand.csv", content=b"\xff\xfe").status_code == 422
    # a good one: the bundled network with 10 % more of the first demand
    frame = pd.read_csv(DEFAULT_DATA_DIR / "demand.csv", keep_default_na=False)
    frame.loc[0, "tonnes_per_year"] = round(float(frame.loc[0, "tonnes_per_year"]) * 1.1, 1)
    good = c.put("/api/networks/more/demand.csv", content=frame.to_csv(index=False))
    assert good.status_code == 201, good.text
    net = load_network(folder / "networks" / "more")
    assert net.demand.loc[first, "tonnes_per_year"] == frame.loc[0, "tonnes_per_year"]
    assert len(net.services) == len(load_network(DEFAULT_DATA_DIR).services)
    assert not (net.provenance["file"] == "demand.csv").any()
