"""``corridor bench cflp|mcnd`` through the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app

DATA = Path(__file__).parent / "data" / "bench"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_cflp_json_is_the_only_stdout(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        ["bench", "cflp", str(DATA / "tiny_cap.txt"), str(DATA / "cap_infeasible.txt"), "--json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["instance"] for r in rows] == ["tiny_cap", "cap_infeasible"]
    for key in ("instance", "status", "objective", "bound", "gap", "seconds", "open"):
        assert key in rows[0]
    assert rows[0]["status"] == "optimal"
    assert rows[0]["objective"] == pytest.approx(35.0)
    assert rows[0]["open"] == [1, 2]
    assert rows[0]["check"] == "ok"
    assert rows[1]["status"] == "infeasible"
    assert "total capacity 100" in rows[1]["message"]
    assert "[2/2] cap_infeasible: infeasible" in result.stderr


def test_highspy_backend_keeps_stdout_pure_in_a_real_process() -> None:
    # highspy prints its banner at C level when a Highs object is made
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "optimizer.cli",
            "bench",
            "cflp",
            str(DATA / "tiny_cap.txt"),
            "--solver",
            "highspy",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows[0]["status"] == "optimal"
    assert rows[0]["objective"] == pytest.approx(35.0)
    assert rows[0]["check"] == "ok"


def test_cflp_capacity_and_single_source(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "bench",
            "cflp",
            str(DATA / "cap_placeholder.txt"),
            "--capacity",
            "100",
            "--capacity",
            "50",
            "--single-source",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "cap_placeholder_100" in result.stdout
    assert "optimal" in result.stdout
    assert "cap_placeholder_50" in result.stdout
    reason = "reason: total capacity 100 of all 2 facilities is below total demand 120"
    assert reason in result.stdout


def test_mcnd_table(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["bench", "mcnd", str(DATA / "tiny.dow"), str(DATA / "dow_infeasible.dow")]
    )
    assert result.exit_code == 0, result.output
    assert "26.0000" in result.stdout
    assert "node 1 must send 25 units" in result.stdout


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (
            ["cflp", str(DATA / "cap_non_numeric.txt")],
            r"line 3, token 6 \(fixed cost of warehouse 2\)",
        ),
        (["cflp", str(DATA / "cap_placeholder.txt")], r"--capacity"),
        (
            ["mcnd", str(DATA / "dow_unknown_node.dow")],
            r"line 4, field 2 \(arc head\): unknown node",
        ),
        (["mcnd", str(DATA / "tiny.dow"), "--solver", "gurobi"], r"unknown solver 'gurobi'"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    runner: CliRunner, args: list[str], pattern: str
) -> None:
    result = runner.invoke(app, ["bench", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert re.search(pattern, result.stderr)


def test_cpsat_refuses_continuous_flows(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["bench", "mcnd", str(DATA / "tiny.dow"), "--solver", "cpsat", "--json"]
    )
    rows = json.loads(result.stdout)
    assert rows[0]["status"] == "not_applicable"
