"""scripts/make_tables.py regenerates the bundled network_data/ tables byte for byte.

The generator runs in a subprocess and writes into a temporary directory, never into
network_data/. Any change to scripts/tables/ or to the derivations in the script that
changes the generated tables shows up here; regenerate and commit network_data/ with it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_tables.py"
DATA = ROOT / "network_data"
GENERATED = [
    "charges.csv",
    "criteria.csv",
    "demand.csv",
    "duties.csv",
    "fx.csv",
    "nodes.csv",
    "operators.csv",
    "parameters.csv",
    "products.csv",
    "provenance.csv",
    "services.csv",
    "warehouse_tiers.csv",
    "warehouses.csv",
    "waypoints.csv",
]


def first_difference(new: bytes, old: bytes) -> str:
    new_lines, old_lines = new.splitlines(), old.splitlines()
    for i, (a, b) in enumerate(zip(new_lines, old_lines, strict=False), 1):
        if a != b:
            return f"line {i}:\n  generated: {a.decode()[:300]}\n  committed: {b.decode()[:300]}"
    return f"{len(new_lines)} generated lines, {len(old_lines)} committed"


def test_make_tables_regenerates_network_data(tmp_path: Path) -> None:
    pytest.importorskip("searoute", reason="make_tables.py computes sea distances with searoute")
    out = tmp_path / "network_data"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == GENERATED
    for name in GENERATED:
        new, old = (out / name).read_bytes(), (DATA / name).read_bytes()
        assert new == old, f"{name} differs from network_data/{name}, {first_difference(new, old)}"
