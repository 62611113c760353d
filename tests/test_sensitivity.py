"""``corridor sensitivity`` (issue 17) and the change kinds it needs.

Everything runs on the small fixtures (``tests/data/tiny``, ``tiny_v2``), never
on the bundled figures, which change as the data is revised.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.data.loader import load_network
from optimizer.data.scenario import (
    CHANGE_KINDS,
    FIXED_COST_FACTOR,
    SHARED_FEE_COLUMNS,
    apply_changes,
    load_scenario,
    network_of,
)
from optimizer.data.schema import MODES
from optimizer.engine.solver import SolveOptions
from optimizer.errors import InputError
from optimizer.models.design import DesignOptions, build_problem, solve_problem
from optimizer.models.warehouses import owned_tiers
from optimizer.results.check import _tier_sizes
from optimizer.results.folders import MARKER
from optimizer.studies.pipeline import run_scenario
from optimizer.studies.sensitivity import (
    COLUMNS,
    GROUPS,
    RATE_GROUP_MODES,
    Reference,
    check_factor,
    parse_groups,
    set_change,
    warehouse_stability,
    worst_status,
)
from tests.test_monotone import _network, networks_spec

DATA = Path(__file__).parent / "data"
TINY_V2 = DATA / "tiny_v2"
SCENARIO = DATA / "scenarios" / "tiny_v2_sensitivity.yaml"
EXACT = SolveOptions(rel_gap=0.0, abs_gap=1e-6, time_limit_s=60)
CONTRACT = [
    "param",
    "factor_low",
    "factor_high",
    "cost_low_cny",
    "cost_high_cny",
    "warehouses_low",
    "warehouses_high",
    "set_changed_low",
    "set_changed_high",
    "status",
    "base_cost_cny",
    "opened_low",
    "closed_low",
    "opened_high",
    "closed_high",
    "gap_low",
    "gap_high",
    "verdict_low",
    "verdict_high",
]
FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _parsed(changes: list[dict[str, Any]]) -> list[tuple[str, Any, str]]:
    """YAML-style changes as :func:`apply_changes` takes them (parsed like a scenario file)."""
    out = []
    for i, change in enumerate(changes):
        ((kind, value),) = change.items()
        typ = CHANGE_KINDS[kind]
        parsed = float(value) if typ is float else typ.model_validate(value)
        out.append((kind, parsed, f"test: changes[{i}]"))
    return out


def _write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def tiny_v2():
    return load_network(TINY_V2)


# -- the new change kinds -------------------------------------------------------------------


@FAST
@given(factor=st.floats(0.0, 5.0))
def test_scale_warehouse_fixed_scales_every_owned_tier(tiny_v2, tiny, factor):
    for net in (tiny_v2, tiny):  # tiers priced from rent and wages, and one size per site
        changed = apply_changes(net, _parsed([{"scale_warehouse_fixed": {"factor": factor}}]))
        for site in net.warehouses.index:
            before = [t.fixed_cost_cny_per_year for t in owned_tiers(net, site)]
            after = [t.fixed_cost_cny_per_year for t in owned_tiers(changed, site)]
            assert after == pytest.approx([factor * f for f in before])
            # the independent check restates the same figure
            assert [f for f, _ in _tier_sizes(changed, site).values()] == pytest.approx(after)
            caps = [t.capacity_t_per_year for t in owned_tiers(changed, site)]
            assert caps == [t.capacity_t_per_year for t in owned_tiers(net, site)]
        assert FIXED_COST_FACTOR not in net.warehouses.columns  # the base is untouched


@FAST
@given(f1=st.floats(0.1, 3.0), f2=st.floats(0.1, 3.0))
def test_scale_warehouse_fixed_by_site_and_in_sequence(tiny_v2, f1, f2):
    changed = apply_changes(
        tiny_v2,
        _parsed(
            [
                {"scale_warehouse_fixed": {"ids": ["DE_WH1"], "factor": f1}},
                {"scale_warehouse_fixed": {"country": "DE", "factor": f2}},
            ]
        ),
    )
    de = [t.fixed_cost_cny_per_year for t in owned_tiers(tiny_v2, "DE_WH1")]
    assert [t.fixed_cost_cny_per_year for t in owned_tiers(changed, "DE_WH1")] == pytest.approx(
        [f1 * f2 * f for f in de]
    )
    pl = [t.fixed_cost_cny_per_year for t in owned_tiers(tiny_v2, "PL_WH2")]
    assert [t.fixed_cost_cny_per_year for t in owned_tiers(changed, "PL_WH2")] == pl


@FAST
@given(factor=st.floats(0.0, 5.0))
def test_scale_shared_fees_handling_and_dwell(tiny_v2, factor):
    net = tiny_v2
    changed = apply_changes(
        net,
        _parsed(
            [
                {"scale_shared_fees": {"ids": ["PL_WH2"], "factor": factor}},
                {"scale_handling": {"kind": ["rail_port", "warehouse"], "factor": factor}},
                {"scale_dwell": {"kind": "border_crossing", "factor": factor}},
            ]
        ),
    )
    w0, w1 = net.warehouses, changed.warehouses
    for col in SHARED_FEE_COLUMNS:
        assert w1.at["PL_WH2", col] == pytest.approx(factor * w0.at["PL_WH2", col])
        assert w1.at["DE_WH1", col] == w0.at["DE_WH1", col]
    n0, n1 = net.nodes, changed.nodes
    assert n1.at["CN_RP", "handling_cny_per_t"] == pytest.approx(
        factor * n0.at["CN_RP", "handling_cny_per_t"]
    )
    assert n1.at["DE_RT", "handling_cny_per_t"] == n0.at["DE_RT", "handling_cny_per_t"]
    for w in ("DE_WH1", "PL_WH2"):  # owned space at warehouse nodes
        assert w1.at[w, "handling_cny_per_t"] == pytest.approx(
            factor * w0.at[w, "handling_cny_per_t"]
        )
    for col in ("dwell_h", "dwell_h_max"):
        assert n1.at["PL_BORDER", col] == pytest.approx(factor * n0.at["PL_BORDER", col])
    assert n1.at["CN_RP", "dwell_h"] == n0.at["CN_RP", "dwell_h"]
    # the service table sees the border dwell through the via node
    s0, s1 = net.service_table, changed.service_table
    assert s1.at["X_RP_RT", "via_dwell_h"] == pytest.approx(
        factor * s0.at["X_RP_RT", "via_dwell_h"]
    )


def test_new_change_kinds_in_a_scenario_file_and_their_errors(tmp_path, tiny_v2):
    p = _write(
        tmp_path,
        "s.yaml",
        f"""
base: {TINY_V2}
changes:
  - scale_dwell: {{kind: border_crossing, factor: 2}}
  - scale_handling: {{factor: 0.5}}
  - scale_warehouse_fixed: {{ids: [DE_WH1], factor: 1.5}}
  - scale_shared_fees: {{country: [PL], factor: 0}}
""",
    )
    net = network_of(load_scenario(p))
    assert net.nodes.at["PL_BORDER", "dwell_h"] == 96
    assert net.nodes.at["DE_RT", "handling_cny_per_t"] == 15
    assert net.warehouses.at["DE_WH1", FIXED_COST_FACTOR] == 1.5
    assert net.warehouses.at["PL_WH2", FIXED_COST_FACTOR] == 1.0
    assert net.warehouses.at["PL_WH2", "shared_storage_cny_per_cbm_month"] == 0
    bad = {
        "scale_dwell: {factor: -1}": "changes[0].scale_dwell.factor: should be greater than or "
        "equal to 0",
        "scale_dwell: {factor: true}": "changes[0].scale_dwell.factor: must be a number",
        "scale_handling: {factor: 101}": "changes[0].scale_handling.factor: should be less than",
        "scale_handling: {kinds: [port], factor: 1}": "unknown key 'kinds'; did you mean 'kind'",
        "scale_shared_fees: {}": "changes[0].scale_shared_fees.factor: Field required",
    }
    for change, message in bad.items():
        q = _write(tmp_path, "bad.yaml", f"base: {TINY_V2}\nchanges:\n  - {change}\n")
        with pytest.raises(InputError) as exc:
            load_scenario(q)
        assert message in str(exc.value), str(exc.value)
    unknown = {
        "scale_dwell: {kind: border, factor: 2}": "unknown node kind 'border'; did you mean "
        "'border_crossing'?",
        "scale_handling: {ids: [XX_NOPE], factor: 2}": "unknown node 'XX_NOPE'",
        "scale_handling: {country: ZZ, factor: 2}": "the selector matches no node",
        "scale_warehouse_fixed: {ids: [DE_WH9], factor: 2}": "unknown warehouse 'DE_WH9'",
        "scale_shared_fees: {country: US, factor: 2}": "the selector matches no warehouse",
    }
    for change, message in unknown.items():
        q = _write(tmp_path, "bad.yaml", f"base: {TINY_V2}\nchanges:\n  - {change}\n")
        with pytest.raises(InputError, match="changes\\[0\\]") as exc:
            network_of(load_scenario(q))
        assert message in str(exc.value), str(exc.value)


def test_a_solve_with_scaled_fixed_costs_passes_the_independent_check(tmp_path):
    p = _write(
        tmp_path,
        "cheap.yaml",
        f"base: {SCENARIO}\nchanges:\n  - scale_warehouse_fixed: {{factor: 0.2}}\n",
    )
    run = run_scenario(p, save=False, warm=False)
    assert run.solution.status == "optimal"
    assert run.check is not None and run.check.ok, run.check.violations
    wh = run.solution.warehouses
    owned = wh[wh["open"]]
    assert len(owned)
    net = run.network
    assert net is not None
    for r in owned.itertuples():
        tiers = {t.tier: t.fixed_cost_cny_per_year for t in owned_tiers(net, r.warehouse_id)}
        assert r.fixed_cost_cny == pytest.approx(tiers[r.tier])


# -- groups, factors, set changes -------------------------------------------------------------


def test_the_rate_groups_cover_every_mode_once():
    modes = [m for ms in RATE_GROUP_MODES.values() for m in ms]
    assert sorted(modes) == sorted(MODES)
    assert list(GROUPS) == [
        "sea_rates",
        "cr_express_rates",
        "rail_sea_rates",
        "air_rates",
        "road_rates",
        "warehouse_fixed_costs",
        "shared_fees",
        "handling",
        "demand_deyang",
        "demand_mianyang",
        "border_dwell",
        "carbon_price",
    ]
    assert [g for g in GROUPS if GROUPS[g].absolute] == ["carbon_price"]
    for g in GROUPS.values():  # every group writes changes a scenario file accepts
        _parsed(g.make(1.25))


@pytest.mark.parametrize("factor", [0.0, 1.0, 1.5, -0.25, math.nan, math.inf, True])
def test_factor_must_lie_strictly_between_0_and_1(factor):
    with pytest.raises(InputError, match="--factor must"):
        check_factor(factor)


def test_groups_by_name_in_report_order():
    assert parse_groups(None) == list(GROUPS)
    assert parse_groups(["carbon_price", "sea_rates,air_rates"]) == [
        "sea_rates",
        "air_rates",
        "carbon_price",
    ]
    with pytest.raises(InputError) as exc:
        parse_groups(["sea_rate"])
    assert "unknown parameter group 'sea_rate' (did you mean 'sea_rates'?)" in str(exc.value)
    assert ", ".join(GROUPS) in str(exc.value)


def test_set_changed_on_a_constructed_pair():
    base = ["AE_WH_DUBAI:shared", "NL_WH_TILBURG:shared", "US_WH_LA:shared"]
    same = list(base)
    assert set_change(base, same) == (False, [], [], [])
    other = ["AE_WH_DUBAI:owned:M", "DE_WH_DUISBURG:shared", "NL_WH_TILBURG:shared"]
    changed, opened, closed, retiered = set_change(base, other)
    assert changed is True
    assert opened == ["DE_WH_DUISBURG"] and closed == ["US_WH_LA"]
    assert retiered == ["AE_WH_DUBAI: shared -> owned:M"]
    # another model or tier alone keeps the set
    assert set_change(base, ["AE_WH_DUBAI:owned:S", *base[1:]])[:3] == (False, [], [])
    assert set_change(base, [])[:3] == (True, [], sorted(w.split(":")[0] for w in base))
    assert set_change(base, None) == (None, [], [], [])  # no solution: unknown


def test_worst_status():
    assert worst_status(["optimal", "optimal"]) == "optimal"
    assert worst_status(["optimal", "feasible"]) == "feasible"
    assert worst_status(["infeasible", "feasible"]) == "infeasible"
    assert worst_status(["optimal", None]) == "not_run"
    assert worst_status(["error", "optimal"]) == "error"


def test_stability_names_the_guess_that_flips_a_site():
    ref = Reference(
        status="optimal",
        cost_cny=100.0,
        objective=100.0,
        bound=100.0,
        gap=0.0,
        warehouses=("A:shared", "B:shared"),
        names={"A": "Alpha", "B": "Beta", "C": "Gamma"},
        directory="results/x",
        reused=False,
    )

    def rec(param, low, high, verdict_low="lower", value_low=0.75):
        out = {"param": param, "value_low": value_low, "value_high": 1.25}
        for side, labels, verdict in (("low", low, verdict_low), ("high", high, "higher")):
            out[f"warehouses_{side}"] = labels
            out[f"set_changed_{side}"] = (
                None if labels is None else set_change(ref.warehouses, labels)[0]
            )
            out[f"verdict_{side}"] = verdict
        return out

    records = [
        rec("sea_rates", ["A:shared"], ["A:shared", "B:shared", "C:shared"]),
        rec("air_rates", ["A:owned:M", "B:shared"], None, verdict_low="within solver tolerance"),
    ]
    st_ = warehouse_stability(ref, records)
    assert st_["solved_sides"] == 3 and st_["unsolved_sides"] == ["air_rates high"]
    assert [e["warehouse_id"] for e in st_["stable"]] == ["A"]
    assert st_["stable"][0]["retiered_in"][0]["param"] == "air_rates"
    flips = {e["warehouse_id"]: e for e in st_["flips"]}
    assert set(flips) == {"B", "C"}
    assert [(g["param"], g["side"]) for g in flips["B"]["closes_in"]] == [("sea_rates", "low")]
    assert flips["B"]["closes_in"][0]["text"] == "sea and river freight rates 25% lower"
    assert flips["C"]["base"] is None
    assert [(g["param"], g["side"]) for g in flips["C"]["opens_in"]] == [("sea_rates", "high")]


# -- monotonicity --------------------------------------------------------------------------


def _solve(net: Any) -> float:
    solved = solve_problem(build_problem(net, DesignOptions()), EXACT)
    assert solved.result.status == "optimal"
    assert solved.result.objective is not None
    return float(solved.result.objective)


def _all_rates(net: Any, factor: float) -> Any:
    """Every rate group's change at ``factor`` (a group whose modes the network lacks: none)."""
    changes = []
    for name, modes in RATE_GROUP_MODES.items():
        if net.services["mode"].isin(modes).any():
            changes += _parsed(GROUPS[name].make(factor))
    return apply_changes(net, changes)


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=networks_spec(), factor=st.floats(1.0, 3.0))
def test_scaling_every_rate_up_never_lowers_the_cost(tiny, spec, factor):
    net = _network(tiny, spec)
    base = _solve(net)
    assert _solve(_all_rates(net, factor)) >= base - 1e-6 * max(1.0, abs(base))


def test_scaling_every_rate_up_never_lowers_the_cost_on_tiers_and_shared_space(tiny_v2):
    net = apply_changes(tiny_v2, _parsed([{"scale_demand": {"factor": 3}}]))
    costs = [_solve(_all_rates(net, f)) for f in (1.0, 1.1, 1.25, 1.6, 2.5)]
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(costs)), costs


# -- the command -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The CLI run once on the tiny_v2 scenario (cwd: a temporary folder, for results/)."""
    work = tmp_path_factory.mktemp("sensitivity")
    old = Path.cwd()
    os.chdir(work)
    try:
        res = CliRunner().invoke(
            app,
            [
                "sensitivity",
                str(SCENARIO),
                "--params",
                "cr_express_rates,demand_deyang",
                "--params",
                "carbon_price",
                "--params",
                "sea_rates",  # the tiny network has no ship: skipped
                "--workers",
                "1",
                "--out",
                "out",
                "--json",
            ],
        )
        yield {"res": res, "work": work, "out": work / "out"}
    finally:
        os.chdir(old)


def test_cli_prints_the_json_contract_only(ran):
    res = ran["res"]
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)  # nothing else on stdout
    assert isinstance(rows, list)
    assert [r["param"] for r in rows] == ["cr_express_rates", "demand_deyang", "carbon_price"]
    for r in rows:
        assert list(r)[: len(CONTRACT)] == CONTRACT and list(r) == COLUMNS
        assert r["status"] == "optimal"
        for side in ("low", "high"):
            assert isinstance(r[f"warehouses_{side}"], list)
            assert r[f"warehouses_{side}"] == sorted(r[f"warehouses_{side}"])
            assert isinstance(r[f"set_changed_{side}"], bool)
            assert r[f"verdict_{side}"] in ("higher", "lower", "within solver tolerance")
            assert r[f"gap_{side}"] == pytest.approx(0.0, abs=1e-9)
    crx = rows[0]
    assert (crx["factor_low"], crx["factor_high"]) == (0.75, 1.25)
    assert crx["cost_low_cny"] < crx["base_cost_cny"] < crx["cost_high_cny"]
    assert crx["verdict_low"] == "lower" and crx["verdict_high"] == "higher"
    carbon = rows[2]
    assert carbon["basis"] == "absolute" and carbon["factor_low"] is None
    assert carbon["value_low"] == 0 and carbon["value_high"] > 0
    assert carbon["verdict_low"] == "within solver tolerance"  # the scenario's own price: 0
    # one progress line per variant on stderr, with status, objective, gap and time
    lines = [
        x for x in res.stderr.splitlines() if x.startswith("sensitivity tiny_v2_sensitivity [")
    ]
    assert len(lines) == 6
    assert all("optimal, objective" in x and "gap" in x and x.endswith(" s") for x in lines)
    assert "sea_rates skipped" in res.stderr


def test_cli_writes_its_files_and_variants_solve_on_their_own(ran):
    out, work = ran["out"], ran["work"]
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"sensitivity.csv", "sensitivity.json", "sensitivity.md", "tornado.html"} <= files
    variants = sorted(f for f in files if f.startswith("variants/"))
    assert len(variants) == 6 and not any("sea_rates" in f for f in variants)
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert set(marker["files"]) == files - {MARKER}
    table = pd.read_csv(out / "sensitivity.csv")
    assert list(table.columns) == COLUMNS and len(table) == 3
    doc = json.loads((out / "sensitivity.json").read_text(encoding="utf-8"))
    assert doc["complete"] and doc["absolute_groups"] == ["carbon_price"]
    assert "matches no service" in doc["skipped"]["sea_rates"]
    assert "veyt.com" in doc["assumptions"]["carbon_price_source"]
    # the scenario was solved into its own folder and every variant started from it
    assert (work / "results" / "tiny_v2_sensitivity" / "solution.json").is_file()
    assert {v["warm_start"] for v in doc["variants"]} == {"results/tiny_v2_sensitivity"}
    # a variant is an ordinary scenario file: corridor solve gives the same cost
    row = doc["rows"][0]
    alone = run_scenario(out / row["scenario_high"], save=False)
    assert alone.solution.kpis["total_cost_cny"] == pytest.approx(row["cost_high_cny"], rel=1e-9)
    html = (out / "tornado.html").read_text(encoding="utf-8")
    assert '<meta name="generator" content="corridor">' in html
    # self-contained: inline SVG and styles, no script and nothing fetched from elsewhere
    assert "<svg" in html and "<script" not in html and "<link" not in html
    assert "src=" not in html and "url(" not in html and "@import" not in html
    md = (out / "sensitivity.md").read_text(encoding="utf-8")
    assert "## What holds whatever the guess" in md and "## What depends on a guess" in md


def test_a_second_run_replaces_its_own_folder_but_never_a_foreign_one(ran, tmp_path):
    old = Path.cwd()
    os.chdir(ran["work"])
    try:
        again = CliRunner().invoke(
            app,
            ["sensitivity", str(SCENARIO), "--params", "air_rates", "-n", "1", "--out", "out"],
        )
        assert again.exit_code == 0, again.output
        assert "sensitivity tiny_v2_sensitivity" in again.stdout  # the summary
        files = {p.name for p in (ran["out"] / "variants").iterdir()}
        assert files == {
            "tiny_v2_sensitivity_air_rates_low.yaml",
            "tiny_v2_sensitivity_air_rates_high.yaml",
        }
        foreign = tmp_path / "mine"
        foreign.mkdir()
        (foreign / "notes.txt").write_text("mine", encoding="utf-8")
        refused = CliRunner().invoke(
            app, ["sensitivity", str(SCENARIO), "--params", "air_rates", "--out", str(foreign)]
        )
        assert refused.exit_code == 2 and "holds files corridor did not write" in refused.output
        assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    finally:
        os.chdir(old)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--params", "sea_ratez"], "unknown parameter group 'sea_ratez'"),
        (["--factor", "1.2"], "--factor must lie strictly between 0 and 1"),
        (["--factor", "0"], "--factor must lie strictly between 0 and 1"),
        (["--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(tmp_path, args, message):
    res = CliRunner().invoke(
        app, ["sensitivity", str(SCENARIO), "--out", str(tmp_path / "o"), *args]
    )
    assert res.exit_code == 2, res.output
    assert message in res.output
    if "--params" in args:
        assert ", ".join(GROUPS) in res.output  # the valid names
    assert not (tmp_path / "o").exists()  # refused before anything is written


def _fail_carbon_high(case):  # runs on a worker
    from optimizer.studies.sensitivity import solve_variant

    if case.values["param"] == "carbon_price" and case.values["side"] == "high":
        msg = "boom"
        raise RuntimeError(msg)
    row = solve_variant(case)
    if case.values["param"] == "air_rates" and case.values["side"] == "low":
        row["data"] = "other data"  # as if the files had changed before this solve
    return row


@pytest.fixture
def by_value():
    import cloudpickle

    import tests.test_sensitivity as me

    cloudpickle.register_pickle_by_value(me)
    yield
    cloudpickle.unregister_pickle_by_value(me)


def test_a_failed_variant_is_a_row_with_its_reason(tmp_path, by_value, monkeypatch):
    from optimizer.output.sensitivity import write_sensitivity
    from optimizer.studies.sensitivity import run_sensitivity

    monkeypatch.chdir(tmp_path)
    result = run_sensitivity(
        SCENARIO,
        params=["carbon_price", "air_rates"],
        workers=1,
        out=tmp_path / "s",
        task=_fail_carbon_high,
        writer=write_sensitivity,
    )
    assert result.complete and not result.reference.reused
    rows = {r["param"]: r for r in result.rows}
    carbon = rows["carbon_price"]
    assert carbon["status"] == "error" and carbon["status_low"] == "optimal"
    assert carbon["cost_high_cny"] is None and carbon["set_changed_high"] is None
    assert "RuntimeError: boom" in carbon["error_high"]
    assert rows["air_rates"]["status"] == "optimal"
    assert [f["param"] for f in result.failures] == ["carbon_price"]
    md = (tmp_path / "s" / "sensitivity.md").read_text(encoding="utf-8")
    assert "carbon_price high: error (RuntimeError: boom)" in md
    # a variant solved on other data than the reference is named, never silently mixed in
    assert result.data_changed == ["air_rates low"]
    assert "The data changed during the run: air_rates low was solved on other data" in md
    doc = json.loads((tmp_path / "s" / "sensitivity.json").read_text(encoding="utf-8"))
    assert doc["data_changed"] == ["air_rates low"] and len(doc["data_fingerprint"]) == 64
    # the scenario's own result is there now: a second run reuses it
    again = run_sensitivity(SCENARIO, params=["air_rates"], workers=1, out=tmp_path / "s")
    assert again.reference.reused
    assert again.reference.cost_cny == pytest.approx(result.reference.cost_cny)
