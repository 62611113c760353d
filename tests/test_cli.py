"""The solve command: files, JSON on stdout only, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app

SCEN = Path(__file__).parent / "data" / "scenarios" / "tiny_base.yaml"


def test_solve_writes_files_and_json(tmp_path):
    out = tmp_path / "res"
    result = CliRunner().invoke(app, ["solve", str(SCEN), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "optimal"
    assert doc["check"]["ok"] is True
    for name in ("solution.json", "flows.csv", "lanes.csv", "warehouses.csv", "unmet.csv"):
        assert (out / name).exists()
    header = (out / "flows.csv").read_text().splitlines()[0].split(",")
    assert header[:9] == [
        "demand_id",
        "origin",
        "market",
        "product",
        "service_id",
        "from",
        "to",
        "mode",
        "tonnes",
    ]
    header = (out / "lanes.csv").read_text().splitlines()[0].split(",")
    assert header[:10] == [
        "service_id",
        "from",
        "to",
        "mode",
        "corridor",
        "tonnes",
        "units",
        "unit_capacity",
        "fill_rate",
        "cost_cny",
    ]


def test_json_stdout_is_pure_in_a_real_process(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "optimizer.cli",
            "solve",
            str(SCEN),
            "--out",
            str(tmp_path / "r"),
            "--json",
            "--solver",
            "scip",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # nothing but JSON on stdout
    assert doc["solver"] == "scip"
    assert "solving with scip" in proc.stderr


def test_bad_inputs_exit_2_without_traceback(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["solve", str(SCEN), "--solver", "gurobi", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2
    assert "available: cpsat, highs, highspy, scip" in r.output
    r = runner.invoke(app, ["solve", str(tmp_path / "missing.yaml")])
    assert r.exit_code == 2
    assert "not found" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "x").exists()


def test_solve_routes_option_and_its_errors(tmp_path):
    runner = CliRunner()
    res = {}
    for method in ("generated", "complete", "k_shortest"):
        out = tmp_path / method
        r = runner.invoke(
            app, ["solve", str(SCEN), "--out", str(out), "--routes", method, "--json"]
        )
        assert r.exit_code == 0, r.output
        res[method] = json.loads(r.stdout)
        assert res[method]["route_generation"]["routes"] >= 1
    assert res["generated"]["route_generation"]["method"] == "price_and_branch"
    assert res["complete"]["route_generation"]["bound_scope"] == "network"
    # the tiny network's catalogue is small: all three reach the same optimum
    assert res["generated"]["objective"] == pytest.approx(res["complete"]["objective"], rel=1e-6)
    bad = runner.invoke(app, ["solve", str(SCEN), "--out", str(tmp_path / "b"), "--routes", "all"])
    assert bad.exit_code == 2 and "routes must be one of" in bad.output
