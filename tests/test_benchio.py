"""Readers of the OR-Library cap and Canad .dow formats."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.bench.instances import (
    CapInstance,
    DowInstance,
    benchmark_dir,
    read_cap,
    read_dow,
    write_cap,
    write_dow,
)
from optimizer.errors import InputError

FIXTURE = [HealthCheck.function_scoped_fixture]
DATA = Path(__file__).parent / "data" / "bench"
SHARED = benchmark_dir()
needs_shared = pytest.mark.skipif(
    not (SHARED / "orlib_cap").is_dir(),
    reason=f"shared benchmark data not found at {SHARED} (set CORRIDOR_BENCHMARKS)",
)


def test_read_tiny_cap() -> None:
    inst = read_cap(DATA / "tiny_cap.txt")
    assert inst.name == "tiny_cap"
    np.testing.assert_array_equal(inst.capacity, [100, 100])
    np.testing.assert_array_equal(inst.fixed_cost, [10, 20])
    np.testing.assert_array_equal(inst.demand, [30, 40, 50])
    np.testing.assert_array_equal(inst.assignment_cost, [[1, 2, 3], [5, 1, 3]])


def test_capacity_placeholder_replaced() -> None:
    inst = read_cap(DATA / "cap_placeholder.txt", capacity=75)
    assert inst.name == "cap_placeholder_75"
    np.testing.assert_array_equal(inst.capacity, [75, 75])


def test_read_tiny_dow() -> None:
    inst = read_dow(DATA / "tiny.dow")
    assert (inst.nodes, inst.arcs, inst.commodities) == (3, 3, 1)
    np.testing.assert_array_equal(inst.tail, [0, 1, 0])
    np.testing.assert_array_equal(inst.head, [1, 2, 2])
    np.testing.assert_array_equal(inst.volume, [8])


@pytest.mark.parametrize(
    ("name", "reader", "pattern"),
    [
        (
            "cap_wrong_token_count.txt",
            read_cap,
            r"cap_wrong_token_count\.txt, line 9 \(token count\): "
            r"expected .* 15 tokens .* found 14",
        ),
        (
            "cap_non_numeric.txt",
            read_cap,
            r"cap_non_numeric\.txt, line 3, token 6 \(fixed cost of warehouse 2\): '2O\.' is not a "
            r"number",
        ),
        (
            "cap_placeholder.txt",
            read_cap,
            r"cap_placeholder\.txt, line 2, token 3 \(capacity of warehouse 1\): .*--capacity",
        ),
        (
            "dow_wrong_field_count.dow",
            read_dow,
            r"dow_wrong_field_count\.dow, line 4 \(arc 2\): expected 7 fields .* found 6",
        ),
        (
            "dow_non_numeric.dow",
            read_dow,
            r"dow_non_numeric\.dow, line 4, field 4 \(arc capacity\): '1x' is not a number",
        ),
        (
            "dow_unknown_node.dow",
            read_dow,
            r"dow_unknown_node\.dow, line 4, field 2 \(arc head\): unknown node '7'; nodes are "
            r"numbered 1\.\.3",
        ),
        (
            "dow_record_count.dow",
            read_dow,
            r"dow_record_count\.dow, line 5 \(record count\): the header declares 3 arcs",
        ),
        ("dow_missing_tag.dow", read_dow, r"dow_missing_tag\.dow, line 1 \(tag\)"),
        ("no_such_file.txt", read_cap, r"no_such_file\.txt: no such file"),
    ],
)
def test_malformed_files(name: str, reader: object, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        reader(DATA / name)  # type: ignore[operator]


positive = st.floats(min_value=1, max_value=1e6, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=12, deadline=None, suppress_health_check=FIXTURE)
@given(m=st.integers(1, 9), n=st.integers(1, 9), data=st.data())
def test_cap_round_trip(tmp_path: Path, m: int, n: int, data: st.DataObject) -> None:
    draw = lambda size: np.array(data.draw(st.lists(positive, min_size=size, max_size=size)))  # noqa: E731
    inst = CapInstance("rt", draw(m), draw(m), draw(n), draw(m * n).reshape(m, n))
    write_cap(inst, tmp_path / "rt.txt")
    back = read_cap(tmp_path / "rt.txt")
    for field in ("capacity", "fixed_cost", "demand", "assignment_cost"):
        np.testing.assert_array_equal(getattr(back, field), getattr(inst, field))


@settings(max_examples=12, deadline=None, suppress_health_check=FIXTURE)
@given(nodes=st.integers(2, 8), a=st.integers(1, 12), k=st.integers(1, 6), data=st.data())
def test_dow_round_trip(tmp_path: Path, nodes: int, a: int, k: int, data: st.DataObject) -> None:
    def node(size: int) -> np.ndarray:
        return np.array(
            data.draw(st.lists(st.integers(0, nodes - 1), min_size=size, max_size=size)),
            dtype=np.int64,
        )

    def draw(size: int) -> np.ndarray:
        return np.array(data.draw(st.lists(positive, min_size=size, max_size=size)))

    inst = DowInstance(
        "rt", nodes, node(a), node(a), draw(a), draw(a), draw(a), node(k), node(k), draw(k)
    )
    write_dow(inst, tmp_path / "rt.dow")
    back = read_dow(tmp_path / "rt.dow")
    assert back.nodes == nodes
    for field in (
        "tail",
        "head",
        "flow_cost",
        "capacity",
        "fixed_cost",
        "origin",
        "destination",
        "volume",
    ):
        np.testing.assert_array_equal(getattr(back, field), getattr(inst, field))


@settings(max_examples=12, deadline=None, suppress_health_check=FIXTURE)
@given(position=st.integers(2, 14), junk=st.sampled_from(["x", "1.2.3", "nan", "--"]))
def test_any_bad_token_is_located(tmp_path: Path, position: int, junk: str) -> None:
    tokens = (DATA / "tiny_cap.txt").read_text(encoding="utf-8").split()
    tokens[position] = junk
    (tmp_path / "bad.txt").write_text(" ".join(tokens), encoding="utf-8")
    with pytest.raises(
        InputError,
        match=rf"bad\.txt, line 1, token {position + 1} \(.+\): "
        rf"'{re.escape(junk)}' is not a (finite )?number",
    ):
        read_cap(tmp_path / "bad.txt")


@needs_shared
def test_shared_files_have_the_documented_sizes() -> None:
    inst = read_cap(SHARED / "orlib_cap" / "capb.txt", capacity=6000)
    assert (inst.warehouses, inst.customers) == (100, 1000)
    assert inst.demand.sum() == 51406
    dow = read_dow(SHARED / "mcnd" / "R" / "r10.1.dow")
    assert (dow.nodes, dow.arcs, dow.commodities) == (20, 120, 40)
