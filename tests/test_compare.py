"""corridor compare: KPI table, reuse of up-to-date results, reports; the Red Sea scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import optimizer.version
from optimizer.data.scenario import load_scenario, network_of
from optimizer.models.design import build_problem
from optimizer.output.comparison import write_comparison
from optimizer.studies.compare import KEY_COLUMNS, compare_scenarios
from optimizer.studies.pipeline import design_options, is_up_to_date

SCEN = Path(__file__).parent / "data" / "scenarios"


@pytest.fixture
def closed(tmp_path, tiny_dir):
    p = tmp_path / "closed.yaml"
    p.write_text(
        f"name: closed\nbase: {tiny_dir}\nchanges:\n  - close_nodes: [PL_BORDER]\n"
        "options:\n  rel_gap: 0\n",
        encoding="utf-8",
    )
    return p


def test_compare_table_reports_and_reuse(tmp_path, closed, monkeypatch):
    results = tmp_path / "results"
    comp = compare_scenarios([SCEN / "tiny_base.yaml", closed], results_dir=results)
    t = comp.table
    assert list(t.columns[: len(KEY_COLUMNS)]) == KEY_COLUMNS
    assert list(t["scenario"]) == ["tiny_base", "closed"]
    assert t.at[0, "total_cost_cny_vs_first"] == 0
    assert t.at[1, "unmet_tonnes"] > 0 and t.at[1, "unmet_tonnes_vs_first"] > 0
    assert t.at[1, "total_cost_cny_vs_first"] == pytest.approx(
        t.at[1, "total_cost_cny"] - t.at[0, "total_cost_cny"]
    )
    assert not any(r.reused for r in comp.results)
    # the closed border takes the train off the busiest corridors
    row = comp.corridors.set_index("corridor").loc["CR Express via Poland"]
    assert row["tonnes_closed"] == 0 and row["change_closed"] < 0

    files = write_comparison(comp, tmp_path / "report")
    page = files["html"].read_text(encoding="utf-8")
    assert "<svg" in page and "<table>" in page
    assert "<script" not in page and "<link" not in page and "http" not in page.split("<body>")[0]
    assert "| total cost (M CNY/yr) |" in files["markdown"].read_text(encoding="utf-8")
    csv = files["csv"].read_text(encoding="utf-8").splitlines()
    assert csv[0].startswith(",".join(KEY_COLUMNS)) and len(csv) == 3
    # the closure's effect is beyond the solvers' tolerance, and the freight it moves is
    # moved by the change (its route used a closed service), not a tie
    assert t.at[1, "total_cost_verdict"] == "higher"
    assert t.at[0, "total_cost_verdict"] == "reference"
    moved = comp.moves
    assert len(moved) and set(moved["scenario"]) == {"closed"}
    assert (moved["reason"] == "its route uses a changed service").any()
    assert "moved_flows.csv" in files["moves"].name
    assert "Which differences are effects" in page

    # unchanged scenario, data and code: reused
    again = compare_scenarios([SCEN / "tiny_base.yaml", closed], results_dir=results)
    assert all(r.reused for r in again.results)
    assert again.table["total_cost_cny"].tolist() == pytest.approx(t["total_cost_cny"].tolist())
    # a changed scenario is solved again; the other is still reused
    closed.write_text(closed.read_text(encoding="utf-8") + "  max_warehouses: 1\n", "utf-8")
    third = compare_scenarios([SCEN / "tiny_base.yaml", closed], results_dir=results)
    assert [r.reused for r in third.results] == [True, False]
    # a new code version invalidates every result
    monkeypatch.setattr(optimizer.version, "__version__", "999.0")
    sc = load_scenario(SCEN / "tiny_base.yaml")
    assert not is_up_to_date(results / "tiny_base", sc.fingerprint())


def test_compare_cli_json_and_bad_input(tmp_path, closed):
    from optimizer.cli import app

    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "compare",
            str(SCEN / "tiny_base.yaml"),
            str(closed),
            "--results",
            str(tmp_path / "r"),
            "--out",
            str(tmp_path / "o"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["scenarios"] == ["tiny_base", "closed"]
    assert (tmp_path / "o" / "comparison.html").is_file()
    bad = runner.invoke(app, ["compare", str(tmp_path / "nope.yaml")])
    assert bad.exit_code == 2
    assert "scenario file not found" in bad.output
    assert "Traceback" not in bad.output


def _route_costs(problem):
    """Cost per tonne of every candidate route, keyed by (demand, services)."""
    core = problem.core
    arcs, paths, com = core.arcs, core.paths, core.commodities
    out = {}
    for p, route in enumerate(problem.routes):
        c = com.cls[paths.commodity[p]]
        cost = paths.cost[p]
        for a in paths.arcs_of(p):
            cost += arcs.flow_cost[a, c]
            if arcs.unit_cost[a] > 0 and a < problem.n_services:  # full-unit cost per tonne
                cost += arcs.unit_cost[a] * arcs.usage[a, c] / arcs.unit_capacity[a]
        out[(route.demand, route.services)] = cost
    return out


def test_red_sea_raises_the_cost_of_suez_sea_routes_and_only_those():
    base_sc = load_scenario(SCEN / "tiny_sea_base.yaml")
    red_sc = load_scenario(SCEN / "tiny_sea_red_sea.yaml")
    base, red = network_of(base_sc), network_of(red_sc)
    b, r = base.service_table, red.service_table
    suez = {s for s in b.index if "EG_SUEZ" in b.at[s, "via"]}
    assert suez == {"S_QZ_RTM"}
    assert set(b.index) - set(r.index) == suez  # Suez services stop
    assert set(r.index) - set(b.index) == {"S_QZ_RTM_CAPE"}  # the Cape twin runs
    assert r.at["S_QZ_RTM_CAPE", "rate_cny"] > b.at["S_QZ_RTM", "rate_cny"]
    assert r.at["S_QZ_RTM_CAPE", "leg_h"] > b.at["S_QZ_RTM", "leg_h"]
    common = sorted(set(b.index) & set(r.index))
    cols = ["rate_cny", "lcl_rate_cny", "leg_h", "wait_h", "via_fee_cny_per_t"]
    assert b.loc[common, cols].fillna(-1).equals(r.loc[common, cols].fillna(-1))

    cb = _route_costs(build_problem(base, design_options(base_sc)))
    cr = _route_costs(build_problem(red, design_options(red_sc)))
    via_suez = [k for k in cb if "S_QZ_RTM" in k[1]]
    assert via_suez, "the fixture must offer sea routes"
    for demand, services in via_suez:
        cape = (demand, tuple("S_QZ_RTM_CAPE" if s == "S_QZ_RTM" else s for s in services))
        assert cape in cr and cr[cape] > cb[(demand, services)] * 1.05
    for key in set(cb) & set(cr):  # every other route costs the same
        assert cr[key] == pytest.approx(cb[key])
    assert all("S_QZ_RTM_CAPE" in k[1] for k in set(cr) - set(cb))
