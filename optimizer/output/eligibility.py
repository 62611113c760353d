"""A plan's eligibility rows in words, for its report and its map.

A row is an entry of ``plan.json``'s ``eligibility`` (or a schedule row that
carries ``eligible``, ``missing`` and ``unknown``): criterion lines as
:mod:`optimizer.models.criteria` writes them. A layout priority (a line ending
in ``(priority, not a bar)``) decides nothing and is left out of the words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from optimizer.models.criteria import PRIORITY


def is_priority(line: Any) -> bool:
    """Whether a criterion line is a layout priority (non-binding: it decides nothing)."""
    return str(line).endswith(PRIORITY)


def binding(items: Any) -> list[str]:
    """The binding criterion lines of ``items`` (layout priorities left out)."""
    return [str(x) for x in items or [] if not is_priority(x)]


def _criterion(line: str) -> str:
    """The criterion of a line, without the operator's value: ``area_m2 >= 2,000``."""
    return line.split(": ", 1)[0].strip() or line


def _count(n: int, what: str = "criterion") -> str:
    return f"{n} {what if n == 1 else 'criteria' if what == 'criterion' else what + 's'}"


def eligibility_text(row: Mapping[str, Any]) -> str:
    """A schedule row's eligibility in a few words: binding criteria only.

    ``eligible``; ``eligible; 1 criterion not known: firms_served >= ?``;
    ``not eligible; 1 criterion missing: area_m2 >= 2,000``. Layout priorities
    (``(priority, not a bar)``) are left out: they decide nothing.
    """
    eligible = row.get("eligible")
    missing = binding(row.get("missing"))
    unknown = binding(row.get("unknown"))
    if eligible is True and not missing:
        head = "eligible"
    elif eligible is False:
        head = "not eligible"
    else:
        head = "eligibility not known"
    parts = [head]
    if missing:
        parts.append(f"{_count(len(missing))} missing: {', '.join(_criterion(x) for x in missing)}")
    if unknown:
        parts.append(
            f"{_count(len(unknown))} not known: {', '.join(_criterion(x) for x in unknown)}"
        )
    return "; ".join(parts)


def by_site(rows: Any) -> dict[str, Mapping[str, Any]]:
    """Rows by their ``site``."""
    return {str(r["site"]): r for r in rows or [] if isinstance(r, Mapping) and "site" in r}
