"""corridor plan and corridor frontier on the tiny network, against brute force."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.data.loader import load_network
from optimizer.data.programme import ProgrammeFile, demand_factors, load_programme
from optimizer.engine.solver import SolveOptions
from optimizer.errors import InputError
from optimizer.models.design import DesignOptions, build_problem, solve_problem
from optimizer.studies.frontier import monotone_violations, run_frontier
from optimizer.studies.plan import check_rules, rules_of, run_plan

TINY_V2 = Path(__file__).parent / "data" / "tiny_v2"
SITES = ("DE_WH1", "PL_WH2")
EXACT = SolveOptions(rel_gap=0.0, time_limit_s=60)
GROWTH = 0.2
RATE = 0.1


def _files(tmp: Path, **programme: object) -> Path:
    (tmp / "base.yaml").write_text(f"name: tiny_v2\nbase: {TINY_V2}\noptions:\n  rel_gap: 0\n")
    doc = {
        "name": "tiny_programme",
        "base": "base.yaml",
        "base_year": 2025,
        "years": [2025, 2027],
        "discount_rate": RATE,
        "growth": [{"rate": GROWTH}],
        "rounds": [{"year": y} for y in (2025, 2026, 2027)],
        "allow_shrink": True,
        "options": {"rel_gap": 0.0, "time_limit_s": 60},
    }
    doc.update(programme)
    path = tmp / "programme.yaml"
    path.write_text(json.dumps(doc))  # JSON is YAML
    return path


@cache
def _year_cost(year: int, open_: frozenset[str]) -> float:
    """The one-year optimum of a year with only ``open_`` usable (an independent solve)."""
    net = load_network(TINY_V2)
    demand = net.demand.copy()
    demand["tonnes_per_year"] = demand["tonnes_per_year"] * (1 + GROWTH) ** (year - 2025)
    closed = tuple(w for w in SITES if w not in open_)
    options = DesignOptions(never_open=closed, never_shared=closed)
    res = solve_problem(build_problem(net.replace(demand=demand), options), EXACT).result
    assert res.objective is not None
    return float(res.objective)


def _brute_force(years: tuple[int, ...], award: float = 0.0, most: int | None = None) -> float:
    """The least net present cost over every schedule (each site recognised in a year or never)."""
    best = np.inf
    for when in itertools.product((None, *years), repeat=len(SITES)):
        new = [sum(1 for w in when if w == y) for y in years]
        if most is not None and any(n > most for n in new):
            continue
        npv = 0.0
        for t, y in enumerate(years):
            open_ = frozenset(
                s for s, w in zip(SITES, when, strict=True) if w is not None and w <= y
            )
            npv += (_year_cost(y, open_) + award * new[t]) / (1 + RATE) ** t
        best = min(best, npv)
    return float(best)


def test_plan_matches_brute_force_over_schedules(tmp_path: Path) -> None:
    result = run_plan(_files(tmp_path))
    doc = result.doc
    assert doc["status"] == "optimal"
    assert doc["check"]["ok"], doc["check"]["violations"]
    expected = _brute_force((2025, 2026, 2027))
    assert doc["objective"] == pytest.approx(expected, rel=1e-6)
    assert doc["net_present_cost_cny"] == pytest.approx(expected, rel=1e-6)
    # each year's cost is the one-year optimum for the sites the plan has open then
    for year in doc["years"]:
        want = _year_cost(year["year"], frozenset(year["open"]))
        assert year["total_cost_cny"] == pytest.approx(want, rel=1e-6)


def test_awards_and_rounds_change_the_schedule_as_brute_force_says(tmp_path: Path) -> None:
    award = 2.0e5
    path = _files(
        tmp_path,
        awards={"demonstration_cny": award},
        rounds=[{"year": y, "max_new": 1} for y in (2025, 2026, 2027)],
    )
    doc = run_plan(path).doc
    assert doc["check"]["ok"], doc["check"]["violations"]
    assert doc["objective"] == pytest.approx(_brute_force((2025, 2026, 2027), award, 1), rel=1e-6)
    for y in (2025, 2026, 2027):
        assert sum(1 for s in doc["schedule"] if s["recognised_year"] == y) <= 1


def test_budget_and_years_open_hold_in_every_year(tmp_path: Path) -> None:
    path = _files(
        tmp_path,
        awards={"demonstration_cny": 1.0e5, "annual_cny": 1.0e4},
        budget_cny={2025: 1.2e5, 2026: 1.3e5, 2027: 1.3e5},
        min_years_open=2,
    )
    result = run_plan(path)
    doc = result.doc
    assert doc["check"]["ok"], doc["check"]["violations"]
    for year in doc["years"]:
        assert year["subsidy_cny"] <= {2025: 1.2e5, 2026: 1.3e5, 2027: 1.3e5}[year["year"]] + 1e-6
    open_by = {y["year"]: set(y["open"]) for y in doc["years"]}
    for s in doc["schedule"]:
        for y in (s["recognised_year"], s["recognised_year"] + 1):
            if y in open_by:
                assert s["site"] in open_by[y]
    # the independent rule check catches a site closed too early
    programme = load_programme(path)
    rules = rules_of(programme, result.network, list(SITES))
    broken = json.loads(json.dumps(doc))
    if broken["schedule"]:
        first = broken["schedule"][0]
        year = next(y for y in broken["years"] if y["year"] == first["recognised_year"])
        year["open"] = [w for w in year["open"] if w != first["site"]]
        assert any("closed" in v or "before" in v for v in check_rules(rules, broken))


def test_a_requirement_that_cannot_be_met_is_explained(tmp_path: Path) -> None:
    path = _files(
        tmp_path,
        rounds=[{"year": 2025, "max_new": 1}, {"year": 2026, "max_new": 1}],
        requirements=[{"year": 2026, "min_warehouses": 3, "min_area_m2": 20000}],
    )
    doc = run_plan(path).doc
    assert doc["status"] == "infeasible"
    lines = doc["infeasible"]["explanation"]
    assert any("min_warehouses" in line and "short by 1" in line for line in lines)
    assert any("min_area_m2" in line and "short by 10,000 m2" in line for line in lines)


def test_requirements_met_are_reported(tmp_path: Path) -> None:
    path = _files(tmp_path, requirements=[{"year": 2026, "min_warehouses": 2}])
    doc = run_plan(path).doc
    (req,) = doc["requirements"]
    assert req["met"] is True and req["achieved"] >= 2
    assert len(doc["years"][1]["open"]) >= 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rounds": [{"year": 2031}]}, "rounds[0].year"),
        ({"requirments": []}, "requirments"),
        ({"growth": [{"rate": 5}]}, "growth.0.rate"),
        ({"requirements": [{"year": 2026, "group": "nato", "min_share": 0.5}]}, "requirements.0"),
        ({"years": [2027, 2025]}, "years"),
    ],
)
def test_bad_programme_names_the_key(tmp_path: Path, change: dict, field: str) -> None:
    path = _files(tmp_path, **change)
    with pytest.raises(InputError) as exc:
        load_programme(path)
    assert exc.value.field == field
    out = CliRunner().invoke(app, ["plan", str(path), "--out", str(tmp_path / "out")])
    assert out.exit_code == 2
    assert "Traceback" not in out.output
    assert not (tmp_path / "out").exists()


@settings(max_examples=30, deadline=None)
@given(rate=st.floats(-0.4, 1.0), last=st.integers(2025, 2032))
def test_growth_compounds_from_the_base_year(
    tmp_path_factory: pytest.TempPathFactory, rate: float, last: int
) -> None:
    tmp = tmp_path_factory.mktemp("g")
    path = _files(
        tmp, growth=[{"rate": rate}], years=[2025, max(last, 2026)], rounds=[{"year": 2025}]
    )
    programme = load_programme(path)
    net = load_network(TINY_V2)
    f = demand_factors(programme, net)
    for t, y in enumerate(programme.years):
        assert np.allclose(f[t], (1 + rate) ** (y - 2025))


def test_frontier_cost_never_rises_and_matches_single_sites(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(f"name: tiny_v2\nbase: {TINY_V2}\noptions:\n  rel_gap: 0\n")
    result = run_frontier(tmp_path / "base.yaml", max_sites=2, rel_gap=0.0)
    points = result.points
    assert [p.warehouses for p in points] == [0, 1, 2]
    assert not monotone_violations(points)
    assert all(p.used <= p.warehouses and p.check_ok for p in points)
    assert points[0].total_cost_cny == pytest.approx(_year_cost(2025, frozenset()), rel=1e-6)
    best_one = min(_year_cost(2025, frozenset({w})) for w in SITES)
    assert points[1].total_cost_cny == pytest.approx(best_one, rel=1e-6)
    assert points[2].total_cost_cny == pytest.approx(_year_cost(2025, frozenset(SITES)), rel=1e-6)
    doc = points[1].to_json()
    for key in ("warehouses", "total_cost_cny", "logistics_cost_cny", "co2_tonnes"):
        assert key in doc
    for key in ("on_promise_share", "open", "status", "gap"):
        assert key in doc


def test_frontier_cli_json_is_pure(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(f"name: tiny_v2\nbase: {TINY_V2}\noptions:\n  rel_gap: 0\n")
    out = CliRunner().invoke(
        app,
        [
            "frontier",
            str(tmp_path / "base.yaml"),
            "--max",
            "1",
            "--json",
            "--out",
            str(tmp_path / "f"),
        ],
    )
    assert out.exit_code == 0, out.output
    points = json.loads(out.stdout)
    assert [p["warehouses"] for p in points] == [0, 1]
    assert (tmp_path / "f" / "frontier.html").is_file()


def test_switches_leave_the_one_year_optimum_alone() -> None:
    net = load_network(TINY_V2)
    plain = solve_problem(build_problem(net, DesignOptions()), EXACT).result
    switched = solve_problem(build_problem(net, DesignOptions(site_switches=True)), EXACT).result
    assert switched.objective == pytest.approx(plain.objective, rel=1e-9)
    limited = solve_problem(build_problem(net, replace(DesignOptions(), max_sites=5)), EXACT).result
    assert limited.objective == pytest.approx(plain.objective, rel=1e-9)


def test_an_infeasible_mix_of_rules_is_explained_by_the_shortfall(tmp_path: Path) -> None:
    # every count fits the rounds, but the annual support of two open sites is over budget
    path = _files(
        tmp_path,
        awards={"annual_cny": 1.0e5},
        budget_cny={2025: 1.5e5},
        requirements=[{"year": 2025, "min_warehouses": 2}],
    )
    doc = run_plan(path).doc
    assert doc["status"] == "infeasible"
    lines = doc["infeasible"]["explanation"]
    assert any("min_warehouses" in line and "short by 1" in line for line in lines), lines


def test_frontier_in_parallel_runs_gives_the_same_points(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(f"name: tiny_v2\nbase: {TINY_V2}\noptions:\n  rel_gap: 0\n")
    one = run_frontier(tmp_path / "base.yaml", max_sites=2, rel_gap=0.0).points
    two = run_frontier(tmp_path / "base.yaml", max_sites=2, rel_gap=0.0, workers=2).points
    assert [p.warehouses for p in two] == [0, 1, 2]
    for a, b in zip(one, two, strict=True):
        assert b.total_cost_cny == pytest.approx(a.total_cost_cny, rel=1e-9)
        assert (b.added, b.dropped) == (a.added, a.dropped)
        assert b.saving_cny == pytest.approx(a.saving_cny) if a.saving_cny is not None else True


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 3000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(2000, 2100), max_size=3),
    st.dictionaries(st.sampled_from(["year", "max_new", "rate", "city"]), st.integers(-1, 2030)),
)


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(
        [
            "years",
            "rounds",
            "growth",
            "budget_cny",
            "discount_rate",
            "min_years_open",
            "requirements",
            "awards",
            "base_year",
        ]
    ),
    value=_VALUES,
)
def test_any_bad_value_is_an_input_error_naming_its_key(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: object
) -> None:
    tmp = tmp_path_factory.mktemp("p")
    path = _files(tmp, **{key: value})
    error: InputError | None = None
    try:
        load_programme(path)
    except InputError as exc:
        error = exc
    if error is not None:
        # the message names the file and a key path of the file (the key itself, or one
        # that the value makes wrong, e.g. a round outside changed years)
        assert str(path) in str(error)
        assert error.field
        assert re.split(r"[.\[]", str(error.field))[0] in ProgrammeFile.model_fields
