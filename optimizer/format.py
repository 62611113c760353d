"""Numbers as people read them: the one formatter of every report, map, table and summary.

Every function returns ``"-"`` for a missing value (``None``, NaN, an
infinity, or anything that is not a number), so a table never shows ``nan``.

>>> number(1234567.8)
'1,234,568'
>>> number(2.345, 1, "t")
'2.3 t'
>>> millions(358_512_000.0)
'358.5'
>>> millions(-1_250_000.0, 2, sign=True)
'-1.25'
>>> percent(0.1234)
'12.3%'
>>> money(16_840_000.0)
'16.84 M CNY'
>>> number(None), percent(float("nan"))
('-', '-')
>>> cell(0.031, "pt", sign=True), cell(12_500_000, "m", sign=True)
('+3.1 pt', '+12.5')
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "-"


def as_number(x: Any) -> float | None:
    """``x`` as a finite float, or ``None`` (booleans are not numbers here)."""
    if x is None or isinstance(x, bool | str):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def is_number(x: Any) -> bool:
    """Whether ``x`` is a finite number."""
    return as_number(x) is not None


def number(x: Any, digits: int = 0, unit: str = "", *, sign: bool = False) -> str:
    """``x`` with thousands separators and ``digits`` decimals, then ``unit``."""
    v = as_number(x)
    if v is None:
        return MISSING
    text = f"{v:+,.{digits}f}" if sign else f"{v:,.{digits}f}"
    return f"{text} {unit}".strip()


def millions(x: Any, digits: int = 1, *, sign: bool = False) -> str:
    """``x`` in millions (no unit: the column or the sentence says "M CNY")."""
    v = as_number(x)
    return MISSING if v is None else number(v / 1e6, digits, sign=sign)


def percent(x: Any, digits: int = 1, *, sign: bool = False) -> str:
    """A share as a percentage: ``0.123`` is ``12.3%``."""
    v = as_number(x)
    if v is None:
        return MISSING
    return f"{v:+.{digits}%}" if sign else f"{v:.{digits}%}"


def money(x: Any, currency: str = "CNY") -> str:
    """An amount with its currency, in millions from one million up."""
    v = as_number(x)
    if v is None:
        return MISSING
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M {currency}"
    return f"{v:,.0f} {currency}"


def yes(flag: Any) -> str:
    """``yes`` for a true flag, an empty string otherwise."""
    if isinstance(flag, str):
        return "yes" if flag.strip().lower() in ("true", "1", "yes") else ""
    if flag is None or (isinstance(flag, float) and math.isnan(flag)):
        return ""
    return "yes" if bool(flag) else ""


#: The kinds of :func:`cell`.
CELL_KINDS = ("text", "int", "float", "pct", "pt", "m", "money")


def cell(value: Any, kind: str = "", *, sign: bool = False) -> str:
    """A table cell: ``value`` formatted by ``kind``.

    ``text`` as it is (empty when missing); ``int`` no decimals; ``float`` one;
    ``pct`` a share as a percentage; ``pt`` a difference of shares in
    percentage points; ``m`` millions with one decimal; ``money`` millions
    with two. ``sign`` prints ``+`` before positive numbers (differences). An
    empty ``kind`` picks by type: booleans ``yes``, floats ``float``, the rest
    ``text``.
    """
    if not kind:
        if isinstance(value, bool):
            return yes(value)
        kind = "float" if isinstance(value, float) else "text"
    if kind == "text":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return str(value)
    if kind == "int":
        return number(value, sign=sign)
    if kind == "float":
        return number(value, 1, sign=sign)
    if kind == "pct":
        return percent(value, sign=sign)
    if kind == "pt":
        v = as_number(value)
        return MISSING if v is None else number(100 * v, 1, "pt", sign=sign)
    if kind == "m":
        return millions(value, 1, sign=sign)
    if kind == "money":
        return millions(value, 2, sign=sign)
    msg = f"unknown cell kind {kind!r}; use one of {', '.join(CELL_KINDS)}"
    raise ValueError(msg)
