"""Import duty and VAT at the destination: the landed-cost lines of a quote (duties.csv).

:func:`landed_lines` prices one shipment's import duty and import VAT from the network's
``duties`` table (see :class:`optimizer.data.schema.DutyRow`). Pure: no I/O, no state.

Semantics
---------
* Row choice: the rows of ``country`` valid on ``on`` (``valid_from <= on <= valid_to``,
  open ends allowed). The ``base`` row is the most specific one (the product's own row
  before ``product = *``, then the channel's own row before ``channel = *``); every
  matching ``add`` row (IEEPA, Section 122) stacks its ``extra_duty_rate`` on it.
* Channel 9610 (B2C parcels): ``items`` parcels of ``value_cny / items`` each; thresholds
  apply per parcel. Channels 9810, 9710 and 1210 (goods): one consignment of ``value_cny``;
  thresholds apply to the whole consignment's value, ``items`` counts its items.
* Thresholds are "at or below": a consignment worth no more than ``duty_free_below`` pays no
  ad valorem duty (but ``flat_duty_per_item`` per item where the row has one: the EU's EUR 3
  from 1 Jul 2026); no more than ``vat_free_below`` pays no VAT. ``duty_on_excess`` rows
  (EAEU personal-use parcels before Jul 2026) charge duty on the value above the limit.
* Customs value: ``value_cny`` as given, taken as the customs value on the row's basis
  (``value_basis``: CIF for the EU, UK and most others, FOB / transaction value for the US,
  Australia, Indonesia). Freight and insurance are not added: pass a CIF value where it
  matters. VAT base: customs value + duty.
* Currencies: a threshold's currency at ``network.fx`` where it has one (so a scenario's
  rates apply), else at the row's ``threshold_cny_per_unit``.
* A country without rows on that day gives ``[]``: the caller says "no duty data for XX".
"""

from __future__ import annotations

import datetime
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: customs modes of B2C parcels, priced per parcel
PARCEL_CHANNELS = ("9610",)
CHANNELS = ("9610", "9710", "9810", "1210")


@dataclass(frozen=True)
class DutyLine:
    """One line of a landed-cost breakdown: import duty or import VAT."""

    name: str  # e.g. "import duty (US, MFN 2.6 % + Section 301 25 % + IEEPA 10 %)"
    amount_cny: float
    rule: str  # why this amount: the threshold test, the rates and the base
    source: str  # addresses the figures come from (" ; " separated)
    kind: str = ""  # cited, proxy or assumed (the weakest of the row's figures)


def _num(v: Any) -> float | None:
    """A cell as a float (None when blank)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
        return None
    return float(v)


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def _pct(x: float) -> str:
    return f"{x * 100:.4g} %"


def _cny_per(network: Any, row: Mapping[str, Any]) -> float | None:
    cur = _text(row.get("threshold_currency"))
    if not cur or cur == "CNY":
        return 1.0
    fx = _compiled(network).fx
    if cur in fx:
        return fx[cur]
    return _num(row.get("threshold_cny_per_unit"))


_Picked = tuple[dict[str, Any], list[dict[str, Any]], str, str]


@dataclass(frozen=True)
class _Compiled:
    rows: dict[str, list[dict[str, Any]]]  # the duties rows (as dicts) by country
    sources: dict[tuple[str, str], list[str]]  # (row id, field) -> addresses (provenance)
    fx: dict[str, float]  # fx.csv: CNY per unit of each currency


_COMPILED: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()


def _compiled(network: Any) -> _Compiled:
    """The duties table and its provenance as plain dicts, once per network."""
    hit = _COMPILED.get(network)
    if hit is not None:
        return hit
    rows: dict[str, list[dict[str, Any]]] = {}
    table = getattr(network, "duties", None)
    if table is not None and not table.empty:
        for rid, r in table.iterrows():
            row = dict(r)
            row.setdefault("id", rid)
            rows.setdefault(str(row["country"]), []).append(row)
    sources: dict[tuple[str, str], list[str]] = {}
    prov = getattr(network, "provenance", None)
    if prov is not None and not prov.empty:
        sel = prov[prov["file"] == "duties.csv"]
        for rid, fld, src in zip(sel["id"], sel["field"], sel["source"], strict=True):
            sources.setdefault((str(rid), str(fld)), []).extend(
                a for a in str(src).split(" ; ") if a
            )
    fx = network.fx
    rates = {str(c): float(r) for c, r in zip(fx.index, fx["cny_per_unit"], strict=True)}
    hit = _Compiled(rows, sources, rates)
    _COMPILED[network] = hit
    return hit


def _valid_on(row: Mapping[str, Any], on: datetime.date) -> bool:
    lo, hi = row.get("valid_from"), row.get("valid_to")
    lo = None if lo is None or (isinstance(lo, float) and math.isnan(lo)) else lo
    hi = None if hi is None or (isinstance(hi, float) and math.isnan(hi)) else hi
    return (lo is None or lo <= on) and (hi is None or on <= hi)


def _addresses(c: _Compiled, ids: list[str], fields: tuple[str, ...], fallback: str) -> str:
    out: list[str] = []
    for rid in ids:
        for fld in fields:
            for a in c.sources.get((rid, fld), ()):
                if a not in out:
                    out.append(a)
    return " ; ".join(out) if out else fallback


def _selected(
    network: Any, country: str, product: str | None, channel: str, on: datetime.date
) -> _Picked | None:
    """The base row, the add rows and the duty and VAT sources, or None.

    The base row is the most specific (product before ``*``, then channel before ``*``)."""
    c = _compiled(network)
    products = {"*"} | ({product} if product else set())
    rows = [
        r
        for r in c.rows.get(country, ())
        if r["product"] in products and r["channel"] in ("*", channel) and _valid_on(r, on)
    ]
    bases = [r for r in rows if r["layer"] == "base"]
    if not bases:
        return None
    base = max(bases, key=lambda r: (int(r["product"] != "*"), int(r["channel"] != "*")))
    adds = [r for r in rows if r["layer"] == "add"]
    ids = [str(base["id"]), *(str(a["id"]) for a in adds)]
    src = _text(base.get("source"))
    duty_src = _addresses(
        c, ids, ("duty_rate", "extra_duty_rate", "duty_free_below", "flat_duty_per_item"), src
    )
    vat_src = _addresses(c, [str(base["id"])], ("vat_rate", "vat_free_below"), src)
    return base, adds, duty_src, vat_src


def landed_lines(
    network: Any,
    country: str,
    product: str | None,
    value_cny: float,
    *,
    items: int = 1,
    channel: str = "9810",
    on: datetime.date,
) -> list[DutyLine]:
    """Import duty and import VAT of a shipment of ``value_cny`` to ``country`` on ``on``.

    ``product`` is a products.csv id (None: the country's ``*`` rows only); ``items`` the
    number of parcels (channel 9610) or of items in the consignment (goods channels). See
    the module docstring for thresholds, customs value and currencies. Returns ``[]`` when
    duties.csv has no row for the country on that day.
    """
    if channel not in CHANNELS:
        msg = f"unknown customs channel {channel!r} (one of {', '.join(CHANNELS)})"
        raise ValueError(msg)
    if items < 1:
        msg = f"items must be at least 1 (got {items})"
        raise ValueError(msg)
    if not math.isfinite(value_cny) or value_cny < 0:
        msg = f"value_cny must be a finite number >= 0 (got {value_cny!r})"
        raise ValueError(msg)
    picked = _selected(network, country, product, channel, on)
    if picked is None:
        return []
    base, adds, duty_src, vat_src = picked

    parcels = channel in PARCEL_CHANNELS
    n = items if parcels else 1  # consignments
    per = value_cny / n  # value of one consignment, CNY
    items_per = 1 if parcels else items
    rate = _cny_per(network, base)
    cur = _text(base.get("threshold_currency")) or "CNY"
    local = per / rate if rate else None
    unit = "parcel" if parcels else "consignment"
    basis = _text(base.get("value_basis")) or "CIF"
    value_text = f"{unit} {cur} {local:,.2f}" if local is not None else f"{unit} CNY {per:,.2f}"

    mfn = _num(base.get("duty_rate")) or 0.0
    parts = [(f"MFN {_pct(mfn)}", mfn)]
    extra = _num(base.get("extra_duty_rate"))
    if extra:
        parts.append((_text(base.get("extra_duty_name")) or f"extra {_pct(extra)}", extra))
    for a in adds:
        r = _num(a.get("extra_duty_rate")) or 0.0
        parts.append((_text(a.get("extra_duty_name")) or f"extra {_pct(r)}", r))
    ad_valorem = sum(r for _, r in parts)
    rates_text = " + ".join(p for p, _ in parts)

    free_duty = _num(base.get("duty_free_below"))
    flat = _num(base.get("flat_duty_per_item"))
    under = free_duty is not None and local is not None and local <= free_duty
    if under and flat:
        duty_per = flat * items_per * (rate or 0.0)
        duty_name = f"import duty ({country}, {cur} {flat:g} flat per item)"
        duty_rule = (
            f"{value_text} <= {cur} {free_duty:,.0f}: flat duty {cur} {flat:g} x "
            f"{items_per} item(s) instead of {rates_text}"
        )
    elif under:
        duty_per = 0.0
        duty_name = f"import duty ({country}, {rates_text})"
        duty_rule = f"{value_text} <= {cur} {free_duty:,.0f}: no duty"
    else:
        excess = bool(_num(base.get("duty_on_excess")))
        dutiable = per - (free_duty or 0.0) * (rate or 0.0) if excess else per
        duty_per = max(dutiable, 0.0) * ad_valorem
        duty_name = f"import duty ({country}, {rates_text})"
        head = (
            f"{value_text} > {cur} {free_duty:,.0f}"
            if free_duty is not None
            else f"{value_text}, no duty-free limit"
        )
        on_what = "the value above the limit" if excess else f"the {basis} value"
        duty_rule = f"{head}: {_pct(ad_valorem)} of {on_what}"
    if n > 1:
        duty_rule += f"; x {n} parcels"

    vat = _num(base.get("vat_rate")) or 0.0
    free_vat = _num(base.get("vat_free_below"))
    vat_under = free_vat is not None and local is not None and local <= free_vat
    vat_per = 0.0 if vat_under else (per + duty_per) * vat
    if vat == 0:
        vat_rule = "no import VAT"
    elif vat_under:
        vat_rule = f"{value_text} <= {cur} {free_vat:,.0f}: no VAT"
    else:
        collected = (
            " collected by the seller (IOSS / point of sale)"
            if parcels and under and free_vat is None and free_duty is not None
            else ""
        )
        vat_rule = f"VAT {_pct(vat)} of {basis} value + duty{collected}"
        if n > 1:
            vat_rule += f"; x {n} parcels"

    kinds = [_text(base.get("kind")), *(_text(a.get("kind")) for a in adds)]
    weakest = next((k for k in ("assumed", "proxy", "cited") if k in kinds), "")
    return [
        DutyLine(
            name=duty_name,
            amount_cny=round(duty_per * n, 2),
            rule=duty_rule,
            source=duty_src,
            kind=weakest,
        ),
        DutyLine(
            name=f"import VAT ({country}, {_pct(vat)})",
            amount_cny=round(vat_per * n, 2),
            rule=vat_rule,
            source=vat_src,
            kind=_text(base.get("kind")),
        ),
    ]
