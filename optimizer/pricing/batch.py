"""Many quotes at once: ``corridor price --batch REQUESTS.csv`` (and the API's ``/quotes``).

A requests file has one row per quote, its columns named after ``corridor price``'s
options: ``from, to`` (required), ``tonnes, cbm, product, value, ready`` and optionally
``id`` (the user's reference), ``modes``, ``exclude_modes`` (lists separated by ``;`` or
``,``), ``dg``, ``piece``, ``piece_t``, ``margin``, ``channel``, ``items``, ``currency``,
``rank_by``, ``alternatives``. The whole file is checked first (types, bounds, dates:
file, row and field, nothing quoted); then each request is quoted in order, and a
request that cannot be (an unknown place, no route) gets its error in its place instead
of stopping the batch. The quotes are the same as one :func:`quote` call each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from optimizer.data.loader import read_table
from optimizer.data.network import Network
from optimizer.data.schema import Currency, Number, Row
from optimizer.errors import CorridorError, InputError, Issue
from optimizer.pricing.quote import MAX_ALTERNATIVES, Quote, quote_shipment

#: Most requests one batch may hold.
MAX_BATCH = 10_000


class RequestRow(Row):
    """One request of a batch (the options of ``corridor price``)."""

    model_config = ConfigDict(populate_by_name=True)
    file: ClassVar[str] = "requests"
    key: ClassVar[str] = ""
    source: str | None = None  # type: ignore[assignment]  # a request needs no source
    id: str | None = Field(None, max_length=80)
    from_: str = Field(alias="from", min_length=1, max_length=120)
    to: str = Field(min_length=1, max_length=120)
    tonnes: Number | None = Field(None, gt=0, le=100_000)
    cbm: Number | None = Field(None, gt=0, le=200_000)
    product: str | None = Field(None, max_length=60)
    value: Number | None = Field(None, ge=0, le=1e12)
    ready: dt.date | None = None
    modes: str | None = Field(None, max_length=200)
    exclude_modes: str | None = Field(None, max_length=200)
    dg: str | None = Field(None, max_length=12)
    piece: str | None = Field(None, max_length=40)
    piece_t: Number | None = Field(None, gt=0, le=100_000)
    margin: str | None = Field(None, max_length=40)
    channel: Literal["9610", "9710", "9810", "1210"] | None = None
    items: int | None = Field(None, ge=1, le=1_000_000)
    currency: Currency | None = None
    rank_by: Literal["cost", "days", "co2"] | None = None
    alternatives: int | None = Field(None, ge=1, le=MAX_ALTERNATIVES)


@dataclass(frozen=True)
class Request:
    """A request as read, with the row it came from."""

    row: int
    fields: RequestRow


@dataclass(frozen=True)
class Failed:
    """A request that could not be quoted: the field and why."""

    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"field": self.field, "message": self.message}}


Result = Quote | Failed


def read_requests(path: str | Path) -> list[Request]:
    """The requests of a CSV file, every row checked.

    Raises
    ------
    InputError
        Naming the file, row and field of every problem; nothing is quoted.
    """
    path = Path(path)
    rows, issues = read_table(path, RequestRow)
    if not issues and not rows:
        issues.append(Issue(path.name, None, None, "no requests (only a header)"))
    if len(rows) > MAX_BATCH:
        issues.append(
            Issue(path.name, None, None, f"{len(rows):,} requests; at most {MAX_BATCH:,}")
        )
    if issues:
        first = issues[0]
        text = f"{len(issues)} problem(s) in {path.name}:\n" + "\n".join(f"  - {i}" for i in issues)
        raise InputError(text, field=first.field)
    return [Request(n, r) for n, r in rows if isinstance(r, RequestRow)]


def _split(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()] or None


def quote_request(network: Network, r: RequestRow, **defaults: Any) -> Quote:
    """One request's quote: its own fields, else ``defaults`` (the command's options)."""
    return quote_shipment(
        network,
        r.from_,
        r.to,
        tonnes=r.tonnes,
        cbm=r.cbm,
        product=r.product,
        value_cny=r.value,
        dg_class=r.dg or defaults.get("dg"),
        piece=r.piece,
        piece_t=r.piece_t,
        modes=_split(r.modes) or defaults.get("modes"),
        exclude_modes=_split(r.exclude_modes) or defaults.get("exclude_modes"),
        max_alternatives=r.alternatives or defaults.get("max_alternatives", 5),
        rank_by=r.rank_by or defaults.get("rank_by", "cost"),
        currency=r.currency or defaults.get("currency", "CNY"),
        ready=r.ready or defaults.get("ready"),
        margin=r.margin or defaults.get("margin"),
        channel=r.channel or defaults.get("channel", "9810"),
        items=r.items or defaults.get("items", 1),
    )


def quote_batch(
    network: Network,
    requests: Sequence[Request],
    *,
    progress: Callable[[int, int], None] | None = None,
    **defaults: Any,
) -> list[Result]:
    """Quote every request in order; a request that fails gives its :class:`Failed`."""
    out: list[Result] = []
    for i, req in enumerate(requests, start=1):
        try:
            out.append(quote_request(network, req.fields, **defaults))
        except CorridorError as exc:
            out.append(Failed(exc.field, str(exc)))
        if progress is not None:
            progress(i, len(requests))
    return out
