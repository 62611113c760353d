"""Scenario files: inheritance, every change kind, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.data.scenario import load_scenario, network_of
from optimizer.errors import InputError
from optimizer.studies.pipeline import design_options


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def base(tmp_path, tiny_dir):
    return write(
        tmp_path,
        "base.yaml",
        f"""
name: base
base: {tiny_dir}
changes:
  - close_nodes: [PL_BORDER]
options:
  max_warehouses: 1
""",
    )


def test_inheritance_applies_base_changes_first(tmp_path, base):
    child = write(
        tmp_path,
        "child.yaml",
        """
base: base.yaml
changes:
  - open_nodes: [PL_BORDER]
  - carbon_price: 80
options:
  single_sourcing: true
""",
    )
    sc = load_scenario(child)
    assert sc.name == "child"
    assert sc.chain == ("base",)
    assert [k for k, _, _ in sc.changes] == ["close_nodes", "open_nodes", "carbon_price"]
    opts = design_options(sc)
    assert opts.max_warehouses == 1 and opts.single_sourcing and opts.carbon_price_cny_per_t == 80
    net = network_of(sc)
    assert bool(net.nodes.at["PL_BORDER", "open"])  # reopened after the base closed it


def test_every_change_kind(tmp_path, tiny, tiny_dir):
    p = write(
        tmp_path,
        "all.yaml",
        f"""
base: {tiny_dir}
changes:
  - close_services: {{ids: [A_AIR_FRA]}}
  - open_services: {{ids: [A_AIR_FRA]}}
  - scale_rates: {{mode: cr_express, factor: 1.5}}
  - scale_transit: {{via: PL_BORDER, factor: 1.0, add_h: 24}}
  - set_dwell: {{nodes: [PL_BORDER], dwell_h: 120}}
  - subsidy: {{ids: [X_RP_RT], cny_per_train: 50000}}
  - scale_demand: {{city: Deyang, factor: 2}}
  - set_demand: {{ids: [D3], tonnes_per_year: 40, required_days: 12}}
  - add_service:
      id: T_RP_RT
      from: CN_RP
      to: DE_RT
      mode: road
      corridor: Test truck
      distance_km: 9000
      transit_h: 300
      rate_basis: truck
      rate: 20000
      currency: USD
      price_year: 2025
      co2_g_per_tkm: 80
      co2_source: test
      source: "assumption: test"
  - warehouses: {{force_open: [DE_WH1], max: 2, budget_cny: 9000000}}
  - carbon_price: 50
  - options: {{paths_per_weight: 2}}
""",
    )
    sc = load_scenario(p)
    net = network_of(sc)
    s0, s1 = tiny.services, net.services
    assert s1.at["A_AIR_FRA", "active"] == 1
    x_rate = 6000 * 1.5 - 50000 / 50 / 7.1883
    assert s1.at["X_RP_RT", "rate"] == pytest.approx(x_rate)
    assert s1.at["X_RP_RT", "lcl_rate"] == pytest.approx(s0.at["X_RP_RT", "lcl_rate"] * 1.5)
    assert s1.at["X_RP_RT", "transit_h"] == pytest.approx(324)
    assert net.nodes.at["PL_BORDER", "dwell_h"] == 120
    assert net.demand.at["D1", "tonnes_per_year"] == 1000
    assert net.demand.at["D3", "tonnes_per_year"] == 40
    assert net.demand.at["D3", "required_days"] == 12
    assert "T_RP_RT" in net.service_table.index
    opts = design_options(sc)
    assert opts.must_open == ("DE_WH1",)
    assert opts.max_warehouses == 2 and opts.budget_cny == 9e6
    assert opts.carbon_price_cny_per_t == 50 and opts.paths_per_weight == 2
    # the base network object is untouched
    assert tiny.services.at["X_RP_RT", "rate"] == 6000
    assert tiny.demand.at["D1", "tonnes_per_year"] == 500


def test_closure_makes_node_carry_no_flow(tmp_path, tiny_dir):
    from optimizer.studies.pipeline import run_scenario

    p = write(
        tmp_path,
        "closed.yaml",
        f"""
base: {tiny_dir}
changes:
  - close_nodes: [PL_BORDER]
options: {{rel_gap: 0}}
""",
    )
    sol = run_scenario(p, out=tmp_path / "out").solution
    used = set(sol.flows["service_id"])
    assert "X_RP_RT" not in used  # the only service via PL_BORDER
    assert sol.kpis["unmet_tonnes"] > 0
    assert sol.meta["check"]["ok"]


BAD = {
    "unknown top key": ("chnages: []", "unknown key 'chnages'; did you mean 'changes'"),
    "unknown change": ("changes:\n  - close_node: [PL_BORDER]", "unknown change 'close_node'"),
    "unknown node": (
        "changes:\n  - close_nodes: [PL_BORDR]",
        "unknown node 'PL_BORDR'; close matches: PL_BORDER",
    ),
    "unknown service": ("changes:\n  - close_services: {ids: [X_RP_RX]}", "close matches: X_RP_RT"),
    "wrong type": (
        "changes:\n  - scale_rates: {mode: sea, factor: lots}",
        "changes[0].scale_rates.factor",
    ),
    "unknown selector key": (
        "changes:\n  - scale_rates: {mdoe: sea, factor: 2}",
        "did you mean 'mode'",
    ),
    "matches nothing": ("changes:\n  - scale_rates: {mode: sea, factor: 2}", "matches no service"),
    "unknown warehouse": (
        "changes:\n  - warehouses: {force_open: [DE_WH3]}",
        "unknown warehouse 'DE_WH3'",
    ),
    "bad yaml": ("changes: [", "invalid YAML"),
    "two kinds in one change": (
        "changes:\n  - {close_nodes: [CN_RP], carbon_price: 3}",
        "exactly one key",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenarios_get_clear_errors(tmp_path, tiny_dir, case):
    body, text = BAD[case]
    p = write(tmp_path, "bad.yaml", f"base: {tiny_dir}\n{body}\n")
    with pytest.raises(InputError) as info:
        network_of(load_scenario(p))
    assert text in str(info.value)
    assert "bad.yaml" in str(info.value)


def test_base_cycle_is_reported(tmp_path):
    write(tmp_path, "a.yaml", "base: b.yaml\n")
    write(tmp_path, "b.yaml", "base: a.yaml\n")
    with pytest.raises(InputError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")
