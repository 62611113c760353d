"""Readers and writers for the public benchmark formats.

Two formats are read:

* the OR-Library ``cap`` format of capacitated warehouse location
  (J.E. Beasley): whitespace-separated tokens where line breaks carry no
  meaning, ``m n``, then ``capacity fixed_cost`` per warehouse, then per
  customer ``demand`` and the ``m`` costs of serving *all* of its demand from
  each warehouse. In ``capa``/``capb``/``capc`` every capacity is the word
  ``capacity``: a value must be supplied (``capacity=``).
* the Canad ``.dow`` format of multicommodity capacitated fixed-charge
  network design (Crainic, Frangioni & Gendron): line based, a
  ``MULTIGEN.DAT:`` tag, ``N A K``, one line ``i j c u f 1 id`` per arc and
  one line ``o d q`` per commodity (nodes numbered from 1).

Every defect is reported as an :class:`~optimizer.errors.InputError` whose
message names the file, the line and token position and the field, for
example ``capb.txt, line 3, token 7 (capacity of warehouse 3): 'cap' is not
a number``.

The instances are plain arrays (:class:`CapInstance`, :class:`DowInstance`);
:mod:`optimizer.models.cflp` and :mod:`optimizer.models.mcnd` turn them into models.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optimizer.errors import InputError

CAPACITY_PLACEHOLDER = "capacity"
BENCHMARKS_ENV = "CORRIDOR_BENCHMARKS"


def benchmark_dir() -> Path:
    """The shared benchmark folder, read in place (never copied into the project).

    ``$CORRIDOR_BENCHMARKS`` when set, else ``<repo>/../shared/benchmarks``
    resolved from this file. The folder may not exist.
    """
    env = os.environ.get(BENCHMARKS_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


@dataclass(frozen=True)
class CapInstance:
    """A capacitated facility location instance as arrays.

    Attributes
    ----------
    name
        Instance name (file stem, plus ``_<capacity>`` for placeholder files).
    capacity
        Capacity ``s_i`` of each of the ``m`` warehouses.
    fixed_cost
        Opening cost ``f_i``.
    demand
        Demand ``d_j`` of each of the ``n`` customers.
    assignment_cost
        ``m x n``: cost ``c_ij`` of serving *all* of customer ``j`` from ``i``.
    """

    name: str
    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    assignment_cost: np.ndarray

    @property
    def warehouses(self) -> int:
        """Number of potential warehouses ``m``."""
        return int(self.fixed_cost.size)

    @property
    def customers(self) -> int:
        """Number of customers ``n``."""
        return int(self.demand.size)


@dataclass(frozen=True)
class DowInstance:
    """A multicommodity fixed-charge network design instance as arrays.

    Nodes are numbered from 0 here (the file numbers them from 1).

    Attributes
    ----------
    name
        Instance name (file name without ``.dow``).
    nodes
        Number of nodes ``N``.
    tail, head
        Arc ends, ``A`` each, 0-based.
    flow_cost
        Cost per unit of flow on the arc (the same for every commodity).
    capacity
        Arc capacity shared by all commodities.
    fixed_cost
        Cost of opening the arc.
    origin, destination
        Commodity ends, ``K`` each, 0-based.
    volume
        Volume of each commodity.
    """

    name: str
    nodes: int
    tail: np.ndarray
    head: np.ndarray
    flow_cost: np.ndarray
    capacity: np.ndarray
    fixed_cost: np.ndarray
    origin: np.ndarray
    destination: np.ndarray
    volume: np.ndarray

    @property
    def arcs(self) -> int:
        """Number of arcs ``A``."""
        return int(self.tail.size)

    @property
    def commodities(self) -> int:
        """Number of commodities ``K``."""
        return int(self.origin.size)


def _number(text: str, where: str, field: str) -> float:
    """Parse a number (``7500.`` included); raise an error naming ``where`` and ``field``."""
    try:
        value = float(text)
    except ValueError:
        msg = f"{where} ({field}): {text!r} is not a number"
        raise InputError(msg) from None
    if not math.isfinite(value):
        msg = f"{where} ({field}): {text!r} is not a finite number"
        raise InputError(msg)
    return value


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{path}: no such file"
        raise InputError(msg) from None
    except UnicodeDecodeError as exc:
        msg = f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})"
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read ({exc.strerror})"
        raise InputError(msg) from None


def _cap_field(position: int, m: int) -> str:
    """Human name of token ``position`` (0-based) of a cap file with ``m`` warehouses."""
    if position == 0:
        return "number of warehouses m"
    if position == 1:
        return "number of customers n"
    if position < 2 + 2 * m:
        i, which = divmod(position - 2, 2)
        return f"{'capacity' if which == 0 else 'fixed cost'} of warehouse {i + 1}"
    j, which = divmod(position - 2 - 2 * m, m + 1)
    if which == 0:
        return f"demand of customer {j + 1}"
    return f"cost of serving customer {j + 1} from warehouse {which}"


def read_cap(path: str | Path, *, capacity: float | None = None) -> CapInstance:
    """Read an OR-Library ``cap`` file.

    Parameters
    ----------
    path
        The file (``cap41.txt`` ... ``cap134.txt``, ``capa.txt`` ...).
    capacity
        Capacity given to every warehouse whose capacity is the word
        ``capacity`` (``capa``/``capb``/``capc``); ignored for files with
        numeric capacities. The instance is then named ``<stem>_<capacity>``.

    Returns
    -------
    CapInstance
        The arrays, costs as totals per customer (not per unit).

    Raises
    ------
    InputError
        Unreadable file, wrong token count, a non-numeric or negative field,
        non-integer counts, a ``capacity`` placeholder without ``capacity=``.
    """
    path = Path(path)
    text = _read_text(path)
    tokens: list[str] = []
    lines: list[int] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        tokens.extend(parts)
        lines.extend([line_no] * len(parts))

    def where(position: int) -> str:
        if position >= len(tokens):
            return f"{path}, end of file"
        return f"{path}, line {lines[position]}, token {position + 1}"

    if len(tokens) < 2:
        msg = f"{where(len(tokens))} (header 'm n'): expected 2 numbers, the file has {len(tokens)}"
        raise InputError(msg)
    counts = []
    for position, field in enumerate(("number of warehouses m", "number of customers n")):
        value = _number(tokens[position], where(position), field)
        if value != int(value) or value < 1:
            msg = f"{where(position)} ({field}): {tokens[position]!r} is not a positive integer"
            raise InputError(msg)
        counts.append(int(value))
    m, n = counts
    expected = 2 + 2 * m + n * (m + 1)
    if len(tokens) != expected:
        msg = (
            f"{path}, line {lines[-1]} (token count): expected 2 + 2m + n(m+1) = {expected} "
            f"tokens for m={m}, n={n}, found {len(tokens)}"
        )
        raise InputError(msg)
    placeholders = 0
    values = np.empty(expected - 2)
    for position in range(2, expected):
        token = tokens[position]
        is_capacity = position < 2 + 2 * m and position % 2 == 0
        if is_capacity and token.lower() == CAPACITY_PLACEHOLDER:
            if capacity is None:
                msg = (
                    f"{where(position)} ({_cap_field(position, m)}): the file gives the "
                    "placeholder 'capacity'; supply a capacity value (--capacity)"
                )
                raise InputError(msg)
            placeholders += 1
            values[position - 2] = capacity
            continue
        value = _number(token, where(position), _cap_field(position, m))
        if value < 0:
            msg = f"{where(position)} ({_cap_field(position, m)}): {token!r} is negative"
            raise InputError(msg)
        values[position - 2] = value
    header = values[: 2 * m].reshape(m, 2)
    body = values[2 * m :].reshape(n, m + 1)
    demand = body[:, 0].copy()
    if np.any(demand <= 0):
        j = int(np.flatnonzero(demand <= 0)[0])
        position = 2 + 2 * m + j * (m + 1)
        msg = f"{where(position)} ({_cap_field(position, m)}): demand must be positive"
        raise InputError(msg)
    name = path.stem
    if placeholders:
        name = f"{name}_{capacity:g}"
    return CapInstance(
        name=name,
        capacity=header[:, 0].copy(),
        fixed_cost=header[:, 1].copy(),
        demand=demand,
        assignment_cost=body[:, 1:].T.copy(),
    )


def write_cap(instance: CapInstance, path: str | Path) -> None:
    """Write ``instance`` in the OR-Library ``cap`` layout (costs 7 per line)."""
    out = [f" {instance.warehouses} {instance.customers} "]
    out.extend(
        f" {s!r} {f!r} "
        for s, f in zip(instance.capacity.tolist(), instance.fixed_cost.tolist(), strict=True)
    )
    for j in range(instance.customers):
        out.append(f" {float(instance.demand[j])!r} ")
        costs = instance.assignment_cost[:, j].tolist()
        out.extend(
            " " + " ".join(repr(c) for c in costs[k : k + 7]) + " " for k in range(0, len(costs), 7)
        )
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")


_DOW_ARC_FIELDS = (
    "tail",
    "head",
    "unit flow cost",
    "capacity",
    "fixed cost",
    "constant 1",
    "arc number",
)
_DOW_COMMODITY_FIELDS = ("origin", "destination", "volume")


def read_dow(path: str | Path) -> DowInstance:
    """Read a Canad ``.dow`` file.

    Parameters
    ----------
    path
        The file (``r01.1.dow`` ...).

    Returns
    -------
    DowInstance
        The arrays, nodes 0-based.

    Raises
    ------
    InputError
        Unreadable file, missing ``MULTIGEN.DAT:`` tag, a line with the wrong
        number of fields, a non-numeric or negative field, a node index
        outside ``1..N``, fewer or more records than the header declares.
    """
    path = Path(path)
    text = _read_text(path)
    records = [
        (no, line.split()) for no, line in enumerate(text.splitlines(), start=1) if line.strip()
    ]
    if not records or records[0][1] != ["MULTIGEN.DAT:"]:
        line_no = records[0][0] if records else 1
        msg = f"{path}, line {line_no} (tag): expected 'MULTIGEN.DAT:'"
        raise InputError(msg)
    if len(records) < 2:
        msg = f"{path}, end of file (header 'N A K'): missing"
        raise InputError(msg)
    line_no, head_tokens = records[1]
    if len(head_tokens) != 3:
        msg = (
            f"{path}, line {line_no} (header 'N A K'): expected 3 fields, found {len(head_tokens)}"
        )
        raise InputError(msg)
    header = []
    for k, (token, field) in enumerate(
        zip(head_tokens, ("nodes N", "arcs A", "commodities K"), strict=True), start=1
    ):
        value = _number(token, f"{path}, line {line_no}, field {k}", field)
        if value != int(value) or value < 0:
            msg = f"{path}, line {line_no}, field {k} ({field}): {token!r} is not a count"
            raise InputError(msg)
        header.append(int(value))
    n_nodes, n_arcs, n_com = header
    body = records[2:]
    if len(body) != n_arcs + n_com:
        last = records[-1][0]
        msg = (
            f"{path}, line {last} (record count): the header declares {n_arcs} arcs and "
            f"{n_com} commodities ({n_arcs + n_com} lines), found {len(body)} lines"
        )
        raise InputError(msg)

    def parse(
        block: list[tuple[int, list[str]]], fields: tuple[str, ...], what: str, node_fields: int
    ) -> np.ndarray:
        table = np.empty((len(block), len(fields)))
        for r, (no, toks) in enumerate(block):
            if len(toks) != len(fields):
                msg = (
                    f"{path}, line {no} ({what} {r + 1}): expected {len(fields)} fields "
                    f"({' '.join(fields)}), found {len(toks)}"
                )
                raise InputError(msg)
            for c, (token, field) in enumerate(zip(toks, fields, strict=True)):
                value = _number(token, f"{path}, line {no}, field {c + 1}", f"{what} {field}")
                if c < node_fields and (value != int(value) or not 1 <= value <= n_nodes):
                    msg = (
                        f"{path}, line {no}, field {c + 1} ({what} {field}): unknown node "
                        f"{token!r}; nodes are numbered 1..{n_nodes}"
                    )
                    raise InputError(msg)
                if value < 0:
                    msg = (
                        f"{path}, line {no}, field {c + 1} ({what} {field}): {token!r} is negative"
                    )
                    raise InputError(msg)
                table[r, c] = value
        return table

    arcs = parse(body[:n_arcs], _DOW_ARC_FIELDS, "arc", 2)
    com = parse(body[n_arcs:], _DOW_COMMODITY_FIELDS, "commodity", 2)
    arcs = arcs.reshape(n_arcs, len(_DOW_ARC_FIELDS))
    com = com.reshape(n_com, len(_DOW_COMMODITY_FIELDS))
    return DowInstance(
        name=path.name.removesuffix(".dow"),
        nodes=n_nodes,
        tail=arcs[:, 0].astype(np.int64) - 1,
        head=arcs[:, 1].astype(np.int64) - 1,
        flow_cost=arcs[:, 2].copy(),
        capacity=arcs[:, 3].copy(),
        fixed_cost=arcs[:, 4].copy(),
        origin=com[:, 0].astype(np.int64) - 1,
        destination=com[:, 1].astype(np.int64) - 1,
        volume=com[:, 2].copy(),
    )


def write_dow(instance: DowInstance, path: str | Path) -> None:
    """Write ``instance`` in the Canad ``.dow`` layout."""
    out = ["MULTIGEN.DAT:", f"{instance.nodes:8d}{instance.arcs:8d}{instance.commodities:8d}"]
    for a in range(instance.arcs):
        out.append(
            f"{instance.tail[a] + 1:8d}{instance.head[a] + 1:8d} "
            f"{float(instance.flow_cost[a])!r} {float(instance.capacity[a])!r} "
            f"{float(instance.fixed_cost[a])!r}{1:8d}{a + 1:8d}"
        )
    out.extend(
        f"{instance.origin[k] + 1:8d}{instance.destination[k] + 1:8d} {float(instance.volume[k])!r}"
        for k in range(instance.commodities)
    )
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")
