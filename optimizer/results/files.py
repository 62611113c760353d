"""Result files: one JSON encoder, atomic writes, and reading a result folder back.

Every file corridor writes goes through :func:`write_text_atomic` (or one of
the writers built on it): the content goes to a temporary file beside the
target, which is renamed into place, so a reader never sees half a file and a
failure leaves the previous file as it was. A solve's result folder is written
the same way as a whole (:func:`save_solution`).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.data.loader import load_base_network
from optimizer.data.network import Network
from optimizer.data.scenario import network_for_scenario
from optimizer.errors import InputError
from optimizer.results.atomic import write_bytes_atomic, write_text_atomic
from optimizer.results.folders import OutputFolder
from optimizer.results.solution import (
    FLOW_COLUMNS,
    LANE_COLUMNS,
    ROUTE_COLUMNS,
    UNMET_COLUMNS,
    WAREHOUSE_COLUMNS,
    Solution,
)

#: The tables of a result folder, with the columns each one has at least.
RESULT_TABLES = {
    "flows.csv": FLOW_COLUMNS,
    "lanes.csv": LANE_COLUMNS,
    "warehouses.csv": WAREHOUSE_COLUMNS,
    "unmet.csv": UNMET_COLUMNS,
    "routes.csv": ROUTE_COLUMNS,
}


# -- JSON ---------------------------------------------------------------------------------


def to_plain(obj: Any) -> Any:
    """``obj`` as plain JSON data: numpy scalars as Python numbers, NaN and infinities as null.

    Tuples and sets become lists, paths strings, data frames lists of records.
    """
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if obj is None or isinstance(obj, str):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj) if isinstance(obj, set | frozenset) else obj
        return [to_plain(v) for v in items]
    if isinstance(obj, np.ndarray):
        return [to_plain(v) for v in obj.tolist()]
    if isinstance(obj, pd.DataFrame):
        return records(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item"):
        return to_plain(obj.item())
    msg = f"not JSON serialisable: {type(obj).__name__}"
    raise TypeError(msg)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a data frame as plain JSON records (missing values as null)."""
    return [
        {str(k): to_plain(v) for k, v in rec.items()} for rec in frame.to_dict(orient="records")
    ]


def dumps(data: Any, *, indent: int | None = 2) -> str:
    """JSON text of ``data`` (through :func:`to_plain`; UTF-8 kept, no NaN)."""
    return json.dumps(to_plain(data), indent=indent, ensure_ascii=False, allow_nan=False)


# -- atomic writes ------------------------------------------------------------------------


def write_json_atomic(target: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON (:func:`dumps`) atomically."""
    return write_text_atomic(target, dumps(data) + "\n")


def write_csv_atomic(target: str | Path, frame: pd.DataFrame) -> Path:
    """Write a data frame as CSV (no index) atomically."""
    return write_text_atomic(target, frame.to_csv(index=False, lineterminator="\n"))


def write_parquet_atomic(target: str | Path, frame: pd.DataFrame) -> Path:
    """Write a data frame as Parquet (no index) atomically."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return write_bytes_atomic(target, buffer.getvalue())


# -- result folders -----------------------------------------------------------------------


def save_solution(solution: Solution, directory: str | Path, *, force: bool = False) -> Path:
    """Write ``solution.json`` and the CSV tables into ``directory``, atomically.

    The folder is corridor's (:class:`~optimizer.results.folders.OutputFolder`):
    a new folder or one corridor wrote is replaced as a whole, crash-safe; a
    folder with other files is refused unless ``force`` (which writes beside
    them and never removes them); a file in the way is refused.

    Raises
    ------
    OutputFolderError
        When ``directory`` is not corridor's to write.
    """
    meta = {"scenario": solution.scenario, "status": solution.status}
    with OutputFolder(directory, kind="solve", force=force, meta=meta) as out:
        out.write_text("solution.json", dumps(solution.to_json()) + "\n")
        for name, frame in (
            ("flows.csv", solution.flows),
            ("lanes.csv", solution.lanes),
            ("warehouses.csv", solution.warehouses),
            ("unmet.csv", solution.unmet),
            ("routes.csv", solution.routes),
        ):
            out.write_text(name, frame.to_csv(index=False))
    return Path(directory)


_KNOWN_KEYS = {
    "scenario",
    "solver",
    "status",
    "objective",
    "bound",
    "gap",
    "solve_seconds",
    "kpis",
    "model_size",
    "message",
}


def load_solution(directory: str | Path) -> Solution:
    """Read a result directory written by :func:`save_solution`.

    Raises
    ------
    InputError
        When the directory or one of its files is missing or unreadable.
    """
    d = Path(directory)
    path = d / "solution.json"
    if not path.exists():
        msg = f"{d}: no solution.json (not a corridor result directory)"
        raise InputError(msg, file=str(path))
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path}: unreadable ({exc})"
        raise InputError(msg, file=str(path)) from None

    def table(name: str) -> pd.DataFrame:
        p = d / name
        if not p.exists():
            msg = f"{d}: missing {name}"
            raise InputError(msg, file=str(p))
        frame = pd.read_csv(p, dtype={"customs_mode": str})
        return frame if len(frame.columns) else pd.DataFrame(columns=RESULT_TABLES[name])

    return Solution(
        scenario=doc.get("scenario", ""),
        solver=doc.get("solver", ""),
        status=doc.get("status", ""),
        objective=doc.get("objective"),
        bound=doc.get("bound"),
        gap=doc.get("gap"),
        solve_seconds=float(doc.get("solve_seconds", 0.0)),
        kpis=doc.get("kpis", {}),
        flows=table("flows.csv"),
        lanes=table("lanes.csv"),
        warehouses=table("warehouses.csv"),
        unmet=table("unmet.csv"),
        routes=table("routes.csv"),
        model_size=doc.get("model_size", {}),
        message=doc.get("message", ""),
        meta={k: v for k, v in doc.items() if k not in _KNOWN_KEYS},
    )


def find_scenario(result_dir: str | Path, meta: dict[str, Any]) -> Path | None:
    """The scenario file a result was solved from (``scenario_file`` in its meta), if it exists.

    A relative name is looked up from the working directory, then from the
    result folder's parents.
    """
    scenario_file = meta.get("scenario_file")
    if not scenario_file:
        return None
    for base in (Path.cwd(), *Path(result_dir).resolve().parents):
        candidate = (
            Path(scenario_file) if Path(scenario_file).is_absolute() else base / scenario_file
        )
        if candidate.is_file():
            return candidate
    return None


def load_result(result_dir: str | Path) -> tuple[Solution, Network]:
    """A result directory's solution and the network it was solved on.

    The network is the scenario's (``scenario_file`` in solution.json, read
    relative to the working directory, then to the result's parents) when that
    file still exists, else the data directory's (``data_dir``).

    Raises
    ------
    InputError
        When the directory is not a result or its network cannot be found.
    """
    d = Path(result_dir)
    solution = load_solution(d)
    meta = solution.meta
    scenario = find_scenario(d, meta)
    if scenario is not None:
        return solution, network_for_scenario(scenario)
    data_dir = meta.get("data_dir")
    if not data_dir:
        msg = f"{d}: solution.json names neither an existing scenario_file nor a data_dir"
        raise InputError(msg)
    if not Path(data_dir).exists():
        msg = f"{d}: its data directory {data_dir} does not exist"
        raise InputError(msg)
    return solution, load_base_network(data_dir)
