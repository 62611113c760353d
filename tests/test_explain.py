"""``corridor explain`` and warm starts: counterfactual re-solves a reviewer can check."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.engine.core import build_model, start_point
from optimizer.engine.solver import SolveOptions
from optimizer.models.design import DesignOptions, build_problem, solve_problem
from optimizer.models.incumbent import Incumbent, carried_over
from optimizer.results.files import load_solution
from optimizer.studies.explain import EXPLAIN_COLUMNS, explain, write_explanation
from optimizer.studies.pipeline import prepare, run_scenario

TINY_V2 = Path(__file__).parent / "data" / "tiny_v2"
EXACT = SolveOptions(rel_gap=0.0, time_limit_s=60)


def _scenario(folder: Path, scale: float = 1.0) -> Path:
    path = folder / "tiny_v2.yaml"
    changes = f"changes:\n  - scale_demand: {{factor: {scale}}}\n" if scale != 1.0 else ""
    path.write_text(f"name: tiny_v2\nbase: {TINY_V2}\n{changes}options:\n  rel_gap: 0\n")
    return path


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("explain")
    run = run_scenario(_scenario(folder, 3.0), out=folder / "result")
    assert run.directory is not None
    return run.directory


def test_rows_hold_the_contract_keys_and_every_site(solved: Path) -> None:
    ex = explain(solved, top=5, jobs=1)
    base = load_solution(solved)
    assert {r["warehouse_id"] for r in ex.rows} == set(base.warehouses["warehouse_id"])
    for r in ex.rows:
        assert list(r) == EXPLAIN_COLUMNS
        for key in ("warehouse_id", "open", "tier", "operating_model", "markets"):
            assert key in r
        assert isinstance(r["markets"], list)
    used = set(base.warehouses.loc[base.warehouses["throughput_tonnes"] > 1e-6, "warehouse_id"])
    assert {r["warehouse_id"] for r in ex.rows if r["test"] == "close"} == used


def test_forced_close_never_beats_the_result_beyond_its_gap(solved: Path) -> None:
    ex = explain(solved, top=5, jobs=1)
    closes = [r for r in ex.rows if r["test"] == "close"]
    assert closes
    for r in closes:
        assert r["status"] == "optimal"
        assert r["forced_change_cny"] >= -(ex.gap * ex.objective) - 1e-6


def test_forced_changes_equal_cold_solves_of_the_same_options(solved: Path) -> None:
    ex = explain(solved, top=5, jobs=1)
    prepared = prepare(_scenario(solved.parent, 3.0))
    for r in ex.rows:
        w = r["warehouse_id"]
        if r["test"] == "close":
            opts = replace(prepared.options, never_open=(w,), never_shared=(w,))
        elif r["test"] == "open":
            opts = replace(prepared.options, must_open=(w,))
        else:
            continue
        cold = solve_problem(build_problem(prepared.network, opts), EXACT).result
        assert cold.objective == pytest.approx(r["objective"], rel=1e-6)


def test_explain_writes_its_files_into_the_result_and_the_cli_prints_json(solved: Path) -> None:
    r = CliRunner().invoke(app, ["explain", str(solved), "--json", "--top", "1", "-j", "1"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert isinstance(rows, list) and rows
    for key in (
        "warehouse_id",
        "open",
        "tier",
        "operating_model",
        "markets",
        "cost_to_serve_cny_per_t",
        "forced_change_cny",
        "status",
        "gap",
    ):
        assert key in rows[0]
    assert (solved / "explain.json").is_file() and (solved / "explain.csv").is_file()
    marker = json.loads((solved / ".corridor.json").read_text())
    assert {"explain.json", "explain.csv"} <= set(marker["files"])
    again = explain(solved, top=1, jobs=1)
    write_explanation(again)  # its own files are replaced


def test_explain_refuses_a_result_whose_data_changed(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    run = run_scenario(scenario, out=tmp_path / "result")
    scenario.write_text(scenario.read_text().replace("rel_gap: 0", "rel_gap: 0.01"))
    r = CliRunner().invoke(app, ["explain", str(run.directory)])
    assert r.exit_code == 2
    assert "out of date" in r.output and "Traceback" not in r.output


def test_explain_never_replaces_a_file_it_did_not_write(solved: Path) -> None:
    mine = solved.parent / "other"
    mine.mkdir()
    (solved / "explain.csv").unlink(missing_ok=True)
    user = solved / "explain.csv"
    user.write_text("mine\n")
    marker = solved / ".corridor.json"
    doc = json.loads(marker.read_text())
    doc["files"] = [f for f in doc["files"] if f != "explain.csv"]
    marker.write_text(json.dumps(doc))
    r = CliRunner().invoke(app, ["explain", str(solved), "--top", "0", "-j", "1"])
    assert r.exit_code == 2
    assert user.read_text() == "mine\n"
    user.unlink()


def test_a_result_carried_over_is_a_feasible_start_near_its_objective(solved: Path) -> None:
    prepared = prepare(_scenario(solved.parent, 3.0))
    base = load_solution(solved)
    incumbent = Incumbent.from_solution(base)
    assert incumbent is not None
    built = build_model(prepared.problem.core)
    x = start_point(prepared.problem.core, built, *carried_over(prepared.problem, incumbent))
    assert built.model.max_violation(x) <= 1e-7
    assert built.model.objective_value(x) <= base.objective * 1.10
    # In memory the start is the solution itself.
    solved_again = solve_problem(prepared.problem, EXACT)
    exact = Incumbent.from_solve(solved_again.problem, solved_again.result)
    assert exact is not None
    x = start_point(prepared.problem.core, built, *carried_over(prepared.problem, exact))
    assert built.model.max_violation(x) <= 1e-7
    assert built.model.objective_value(x) == pytest.approx(solved_again.result.objective, rel=1e-6)


def test_a_start_for_a_closed_site_moves_its_demand_to_unmet(solved: Path) -> None:
    prepared = prepare(_scenario(solved.parent, 3.0))
    base = solve_problem(prepared.problem, EXACT)
    incumbent = Incumbent.from_solve(base.problem, base.result)
    assert incumbent is not None
    used = [w for w, s in prepared.problem.sites.items() if base.result.class_flow[s.owned].sum()]
    used += [
        w
        for w, s in prepared.problem.sites.items()
        if s.shared is not None and base.result.class_flow[s.shared].sum()
    ]
    for w in used:
        opts = DesignOptions(never_open=(w,), never_shared=(w,))
        problem = build_problem(prepared.network, opts)
        built = build_model(problem.core)
        x = start_point(problem.core, built, *carried_over(problem, incumbent))
        assert built.model.max_violation(x) <= 1e-7
