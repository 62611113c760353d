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


# -- worker failures (issue #14) ----------------------------------------------------------------


def _slow_after_first(case):  # runs on a worker
    import time

    from optimizer.studies.sweep import solve_case

    if case.run > 1:
        time.sleep(120)
    return solve_case(case)


def _die_on_second(case):  # runs on a worker
    import os

    from optimizer.studies.sweep import solve_case

    if case.run == 2:
        os._exit(1)
    return solve_case(case)


@pytest.fixture
def by_value():
    import cloudpickle

    import tests.test_sweep as me

    cloudpickle.register_pickle_by_value(me)
    yield
    cloudpickle.unregister_pickle_by_value(me)


def test_a_run_whose_worker_always_dies_is_a_failed_row(tmp_path, by_value):
    import dask

    from optimizer.studies.sweep import start_sweep

    # one try more after a death, and one task at a time on the worker, so that only run 2
    # was on it when it died
    settings = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(settings):
        job = start_sweep(SWEEP, workers=1, out=tmp_path / "s", task=_die_on_second)
        rows = list(job)
    assert len(rows) == 6
    result = job.result
    assert result is not None and result.complete
    failed = result.table[result.table["status"] == "error"]
    assert list(failed["run"]) == [2]
    assert "worker process died" in failed["error"].iloc[0]
    assert (result.table.loc[result.table["run"] != 2, "status"] == "optimal").all()


def test_a_sweep_without_workers_stops_with_its_partial_table(tmp_path, by_value):
    import threading
    import time

    from dask.distributed import Client, LocalCluster

    from optimizer.studies.sweep import start_sweep

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    )
    client = Client(cluster)
    try:
        job = start_sweep(
            SWEEP,
            scheduler=cluster.scheduler_address,
            out=tmp_path / "s",
            no_worker_timeout_s=3.0,
            task=_slow_after_first,
        )

        rows = []
        for row in job:
            rows.append(row)
            if len(rows) == 1:  # once run 1 is done, every worker goes and none comes back
                threading.Thread(target=cluster.scale, args=(0,), daemon=True).start()
                started = time.perf_counter()
        waited = time.perf_counter() - started
    finally:
        client.close()
        cluster.close(timeout=5)
    assert waited < 30  # stops within the stated time, never hangs
    result = job.result
    assert result is not None and not result.complete
    assert "no dask worker" in result.stopped
    done = result.table[result.table["status"] == "optimal"]
    assert list(done["run"]) == [1]  # the finished run is kept
    assert len(rows) == 6 and (result.table["status"] == "error").sum() == 5
    meta = json.loads((tmp_path / "s" / "sweep.json").read_text(encoding="utf-8"))
    assert meta["complete"] is False and meta["finished"] == 6
    assert len(pd.read_csv(tmp_path / "s" / "sweep.csv")) == 6
