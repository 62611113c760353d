"""Markdown tables of the reports (``*.md``): a cell made safe, a table with aligned columns."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any


def md_cell(text: Any) -> str:
    """A table cell: ``|`` escaped and line breaks made spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(
    header: Sequence[Any], rows: Sequence[Sequence[Any]], numeric: Collection[int] = ()
) -> list[str]:
    """The lines of a table; the columns in ``numeric`` (by index) are right-aligned."""
    align = ["---:" if i in numeric else "---" for i in range(len(header))]
    out = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return out
