"""corridor robust: the shared warehouse set equals brute force over subsets on a tiny case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.engine.solver import SolveOptions
from optimizer.errors import InputError
from optimizer.output.robust import write_robust
from optimizer.studies.robust import brute_force, prepare, solve_robust

SCEN = Path(__file__).parent / "data" / "scenarios"
PATHS = [SCEN / f"tiny_sea_{n}.yaml" for n in ("base", "red_sea", "border")]
EXACT = SolveOptions(rel_gap=0.0, time_limit_s=30)


@pytest.fixture(scope="module")
def prepared():
    return prepare(PATHS)


@pytest.mark.parametrize("criterion", ["expected", "regret"])
@pytest.mark.parametrize("count", [1, 2])
def test_robust_choice_equals_brute_force(prepared, criterion, count):
    result = solve_robust(prepared, count, criterion=criterion, options=EXACT)
    assert result.status == "optimal"
    optima = [float(result.optima[p.name].objective) for p in prepared]
    best_set, best_value = brute_force(prepared, count, criterion, EXACT, optima)
    assert set(result.chosen) == set(best_set)
    assert result.objective == pytest.approx(best_value, rel=1e-7)

    s = result.scenarios
    assert list(s["scenario"]) == ["tiny_sea_base", "tiny_sea_red_sea", "tiny_sea_border"]
    assert s["check_ok"].all()  # every scenario's plan passes the independent checker
    assert (s["regret_cny"] >= -1e-6 * s["optimum_cost_cny"]).all()
    if criterion == "expected":
        assert result.objective == pytest.approx(s["robust_cost_cny"].mean())
    else:
        assert s["regret_cny"].max() <= result.objective + 1e-6
    c = result.candidates.set_index("warehouse_id")
    assert set(c.index) == {"DE_WH1", "PL_WH2", "NL_WH3"}
    assert c["chosen"].sum() == count
    for p in prepared:
        opened = set(result.optima[p.name].kpis["open_warehouses"])
        assert len(opened) == count
        assert set(c.index[c[f"in_optimum_{p.name}"]]) == opened
    assert c["in_optimum_count"].sum() == count * len(PATHS)
    # an unchosen candidate costs nothing; a chosen one at least its fixed cost
    for w, row in c.iterrows():
        for p in prepared:
            if row["chosen"]:
                assert row[f"cost_{p.name}"] >= row["fixed_cost_cny"]
            else:
                assert row[f"cost_{p.name}"] == 0 and row[f"tonnes_{p.name}"] == 0, w


def test_robust_set_differs_from_one_scenario_optimum(prepared):
    # The base case alone would keep PL_WH2; the border closure makes NL_WH3 the hedge.
    result = solve_robust(prepared, 1, criterion="regret", options=EXACT)
    assert result.chosen == ("NL_WH3",)
    s = result.scenarios.set_index("scenario")
    assert s.at["tiny_sea_base", "optimum_warehouses"] == "PL_WH2"
    assert s.at["tiny_sea_base", "regret_cny"] > 0
    assert s.at["tiny_sea_border", "regret_cny"] == pytest.approx(0, abs=1e-3)
    # a real regret, beyond the solvers' tolerance; and the flows the hedge moves in the
    # base case move because the warehouse set differs
    assert s.at["tiny_sea_base", "regret_verdict"] == "regret"
    moved = result.moves[result.moves["scenario"] == "tiny_sea_base"]
    assert len(moved) and (moved["reason"] == "a warehouse opened or closed").any()


def test_robust_files_and_errors(tmp_path, prepared):
    result = solve_robust(prepared[:2], 1, options=EXACT)
    files = write_robust(result, tmp_path)
    doc = json.loads(files["json"].read_text(encoding="utf-8"))
    assert doc["chosen"] == list(result.chosen)
    assert "| warehouse | chosen |" in files["markdown"].read_text(encoding="utf-8")
    assert files["moves"].name == "robust_moved_flows.csv"
    with pytest.raises(InputError, match="between 1 and 3"):
        solve_robust(prepared, 4)
    with pytest.raises(InputError, match="unknown criterion"):
        solve_robust(prepared, 1, criterion="minimax")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="names must differ"):
        solve_robust([PATHS[0], PATHS[0]], 1)


def test_robust_cli(tmp_path):
    from optimizer.cli import app

    runner = CliRunner()
    args = ["robust", *map(str, PATHS), "--warehouses", "1", "--out", str(tmp_path)]
    res = runner.invoke(app, [*args, "--criterion", "regret", "--gap", "0", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["chosen"] == ["NL_WH3"]
    assert {r["scenario"] for r in doc["scenarios"]} == {
        "tiny_sea_base",
        "tiny_sea_red_sea",
        "tiny_sea_border",
    }
    bad = runner.invoke(app, [*args, "--criterion", "worst"])
    assert bad.exit_code == 2 and "--criterion must be one of" in bad.output
    assert "Traceback" not in bad.output


def test_robust_starts_from_the_best_scenario_optimum(prepared):
    from optimizer.studies.robust import _scenario_optimum, _start_from_optima, build_robust_model

    optima = {p.name: _scenario_optimum(p, 1, EXACT)[0] for p in prepared}
    model, blocks, z, _fixed = build_robust_model(prepared, 1, "expected")
    start = _start_from_optima(prepared, model, blocks, z, optima)
    # feasible for the stacked model, with exactly one warehouse chosen
    assert start is not None
    assert model.max_violation(start) <= 1e-6
    assert start[z].sum() == 1


def test_the_brief_names_each_choice_with_its_reasons(tmp_path, prepared):
    from optimizer.output.robust import chosen_warehouses

    result = solve_robust(prepared, 2, options=EXACT)
    files = write_robust(result, tmp_path / "r", maps=False)
    brief = files["brief"].read_text(encoding="utf-8")
    report = files["html"].read_text(encoding="utf-8")
    chosen = chosen_warehouses(result)
    assert {c.warehouse_id for c in chosen} == {label.split(":")[0] for label in result.chosen}
    for c in chosen:
        assert c.name in brief and c.warehouse_id in report
        # the count of optima it is in agrees with the scenarios' own optima
        opened = sum(c.warehouse_id in o.kpis["open_warehouses"] for o in result.optima.values())
        assert f"open in the own optimum of {opened} of 3 scenarios" in brief
        assert not c.idle
    for name in result.scenarios["scenario"]:
        assert name in brief
    assert "handle no cargo" not in brief
    assert 'href="brief.html"' in report


def test_a_chosen_warehouse_without_cargo_is_called_so(tmp_path, prepared):
    import dataclasses

    from optimizer.output.robust import brief_html, chosen_warehouses

    result = solve_robust(prepared, 2, options=EXACT)
    cand = result.candidates.copy()
    idle_id = cand.loc[cand["chosen"], "warehouse_id"].iloc[0]
    for col in [c for c in cand.columns if c.startswith("tonnes_")]:
        cand.loc[cand["warehouse_id"] == idle_id, col] = 0.0
    idle = dataclasses.replace(result, candidates=cand)
    flags = {c.warehouse_id: c.idle for c in chosen_warehouses(idle)}
    assert flags[idle_id] and sum(flags.values()) == 1
    page = brief_html(idle)
    assert "1 of the 2 handle no cargo in any scenario" in page
    assert "the scenarios justify 1" in page
