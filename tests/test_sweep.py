"""corridor sweep: seeded runs, same table with 1 and 2 workers, failures kept per run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from optimizer.errors import InputError
from optimizer.studies.sweep import draw_values, load_sweep, plan_sweep, run_sweep

SCEN = Path(__file__).parent / "data" / "scenarios"
SWEEP = SCEN / "tiny_sweep.yaml"


def test_draws_follow_the_seed(tmp_path):
    spec = load_sweep(SWEEP)
    assert draw_values(spec) == draw_values(spec)
    other = spec.model_copy(update={"seed": 12})
    assert draw_values(other) != draw_values(spec)
    grid = spec.model_copy(update={"method": "grid", "runs": None})
    assert len(draw_values(grid)) == 2 * 3 * 2  # bernoulli x uniform steps x choice
    sweep = plan_sweep(SWEEP, tmp_path / "plan")
    assert len(sweep.cases) == 6
    text = Path(sweep.cases[0].path).read_text(encoding="utf-8")
    assert "$value" not in text and "scale_rates" in text


def test_one_and_two_workers_give_identical_tables_and_keep_failures(tmp_path):
    # the tiny sweep plus a parameter that sometimes names a node that does not exist
    spec = yaml.safe_load(SWEEP.read_text(encoding="utf-8"))
    spec["base"] = str(SCEN / spec["base"])
    spec["parameters"]["also_closed"] = {
        "choice": ["CN_AIR", "CN_AIR", "NO_SUCH_NODE"],
        "changes": [{"close_nodes": ["$value"]}],
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")

    one = run_sweep(path, workers=1, out=tmp_path / "w1")
    assert one.workers == 1
    from optimizer.cli import app

    res = CliRunner().invoke(
        app, ["sweep", str(path), "--workers", "2", "--out", str(tmp_path / "w2"), "--json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["workers"] == 2 and doc["runs"] == 6
    two = pd.read_parquet(tmp_path / "w2" / "sweep.parquet")
    pd.testing.assert_frame_equal(one.table, two, check_dtype=False)

    t = one.table
    bad = t["p_also_closed"] == "NO_SUCH_NODE"
    assert bad.any() and (~bad).any()
    assert (t.loc[bad, "status"] == "error").all()
    assert t.loc[bad, "error"].str.contains("unknown node 'NO_SUCH_NODE'").all()
    assert doc["failed"] == int(bad.sum()) and len(doc["failures"]) == int(bad.sum())
    good = t[~bad]
    assert (good["status"] == "optimal").all() and good["check_ok"].all()
    assert (good.loc[good["p_border_closed"], "unmet_tonnes"] > 0).all()


def test_bad_sweep_files(tmp_path):
    base = SCEN / "tiny_base.yaml"
    p = tmp_path / "s.yaml"
    p.write_text(f"base: {base}\nparameters: {{}}\n", encoding="utf-8")
    with pytest.raises(InputError, match="runs"):
        load_sweep(p)
    p.write_text(
        f"base: {base}\nruns: 2\nparameters:\n"
        "  x: {uniform: [1, 2], bernoulli: 0.5, changes: []}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="exactly one of"):
        load_sweep(p)
    p.write_text(
        f"base: {base}\nruns: 2\nparameters:\n"
        "  x:\n    uniform: [1, 2]\n    changes:\n      - scale_ratez: {factor: $value}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="unknown change 'scale_ratez'"):
        plan_sweep(p, tmp_path / "o")
    from optimizer.cli import app

    res = CliRunner().invoke(app, ["sweep", str(p), "--workers", "0"])
    assert res.exit_code == 2 and "--workers must be at least 1" in res.output
