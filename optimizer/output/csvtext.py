"""Rows of plain dicts as CSV text: the tables of ``corridor plan`` and ``corridor frontier``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def _cell(value: Any, sep: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return sep.join(str(v) for v in value)
    return value


def records_csv(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    sep: str = "; ",
    leave_out: Iterable[str] = (),
) -> str:
    """Rows as CSV: ``columns`` first, then any other key in order of appearance (except
    ``leave_out``); ``None`` as an empty cell, lists joined by ``sep``."""
    skip = set(leave_out)
    cols = list(columns)
    for r in rows:
        cols += [k for k in r if k not in cols and k not in skip]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for r in rows:
        writer.writerow([_cell(r.get(c), sep) for c in cols])
    return buf.getvalue()
