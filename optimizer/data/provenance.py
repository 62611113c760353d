"""Where each figure of a network comes from: ``provenance.csv``, one row per (file, row, field).

A row says of one figure in one data file its ``kind``:

- ``cited``: a public source gives this figure for this thing (``source`` and ``date`` say
  which and when; ``n.d.`` where the source gives no date);
- ``proxy``: a public figure for a related lane, year or origin stands in for it (``note``
  says which);
- ``computed``: derived by a stated method (searoute km, a formula) from other figures;
- ``assumed``: an assumption, labelled as one (``note`` says why and what would replace it).

The file is optional: a network without one loads, and its figures count as unknown. When it
is there, the loader checks every row (the file, row id and field exist; the kind is one of the
four; a cited or proxy row has a source and a date). ``corridor network info`` summarises it
per file and field, and weighs the rates by a solved scenario's transport cost.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import Issue

PROVENANCE_FILE = "provenance.csv"
KINDS = ("cited", "proxy", "computed", "assumed")
COLUMNS = ("file", "id", "field", "kind", "source", "date", "note")
#: the date of a source that gives none
NO_DATE = "n.d."
#: the fields whose kind decides whether a service's price is traced to a public figure
RATE_FIELDS = ("rate",)


def row_id(file: str, record: Mapping[str, Any], key: str) -> str:
    """The id a provenance row uses for a data row (waypoints: ``corridor#seq``)."""
    if file == "waypoints.csv":
        return f"{record['corridor']}#{record['seq']}"
    return str(record[key])


def read_provenance(
    base: Path, ids: Mapping[str, set[str]], fields: Mapping[str, set[str]]
) -> tuple[pd.DataFrame, list[Issue]]:
    """Read and check ``provenance.csv`` of a data directory (an empty frame when absent).

    ``ids`` and ``fields`` give, per data file, its row ids and its columns.
    """
    path = base / PROVENANCE_FILE
    empty = pd.DataFrame(columns=list(COLUMNS))
    if not path.exists():
        return empty, []
    issues: list[Issue] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return empty, [Issue(PROVENANCE_FILE, 1, None, f"missing columns: {missing}")]
        rows = []
        for number, raw in enumerate(reader, start=2):
            r = {c: (raw.get(c) or "").strip() for c in COLUMNS}
            problem = _check(r, ids, fields)
            if problem:
                fld, msg = problem
                issues.append(Issue(PROVENANCE_FILE, number, fld, msg))
            rows.append(r)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    dup = frame.duplicated(["file", "id", "field"], keep="first")
    for number in frame.index[dup]:
        r = frame.loc[number]
        issues.append(
            Issue(
                PROVENANCE_FILE,
                int(number) + 2,
                "field",
                f"{r['file']} {r['id']} {r['field']} is listed twice",
            )
        )
    return frame, issues


def _check(
    r: Mapping[str, str], ids: Mapping[str, set[str]], fields: Mapping[str, set[str]]
) -> tuple[str, str] | None:
    if r["file"] not in ids:
        return "file", f"unknown data file {r['file']!r} (known: {', '.join(sorted(ids))})"
    if r["id"] not in ids[r["file"]]:
        return "id", f"{r['file']} has no row {r['id']!r}"
    if r["field"] not in fields[r["file"]]:
        return "field", f"{r['file']} has no column {r['field']!r}"
    if r["kind"] not in KINDS:
        return "kind", f"kind must be one of {', '.join(KINDS)}, not {r['kind']!r}"
    if r["kind"] in ("cited", "proxy"):
        if not r["source"]:
            return "source", f"a {r['kind']} figure needs a source (an address or a document)"
        if not r["date"]:
            return (
                "date",
                f"a {r['kind']} figure needs the date of the figure ({NO_DATE!r} if none)",
            )
    return None


def field_provenance(provenance: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per ``file.field``, the share of its figures of each kind (every kind listed)."""
    counts: dict[str, dict[str, int]] = {}
    for file, fld, kind in zip(
        provenance["file"], provenance["field"], provenance["kind"], strict=True
    ):
        by_kind = counts.setdefault(f"{file}.{fld}", dict.fromkeys(KINDS, 0))
        by_kind[str(kind)] = by_kind.get(str(kind), 0) + 1
    return {
        key: {k: round(n / sum(by_kind.values()), 4) for k, n in by_kind.items()}
        for key, by_kind in sorted(counts.items())
    }


def traced(provenance: pd.DataFrame, file: str = "services.csv") -> dict[str, bool]:
    """Per row of ``file``, whether every rate field it has is cited or proxy."""
    rows = provenance[(provenance["file"] == file) & provenance["field"].isin(RATE_FIELDS)]
    ok = rows["kind"].isin(["cited", "proxy"])
    return {str(k): bool(v) for k, v in ok.groupby(rows["id"]).all().items()}


def services_traced_share(provenance: pd.DataFrame) -> float | None:
    """The share of services whose rate is cited or proxy (None without provenance)."""
    t = traced(provenance)
    return round(sum(t.values()) / len(t), 4) if t else None


def cost_weighted_share(
    provenance: pd.DataFrame,
    lanes: pd.DataFrame,
    order_cost: Mapping[str, float] | None = None,
) -> float | None:
    """The share of a solution's transport cost (``lanes.csv`` cost_cny) priced by cited or
    proxy rates (None when there is no provenance or no cost).

    ``order_cost`` gives, per service, the part of its cost charged per parcel (its
    ``order_rate``); that part is judged by the order_rate's provenance, the rest by the rate's.
    """
    t = traced(provenance)
    if not t or lanes.empty:
        return None
    rows = provenance[
        (provenance["file"] == "services.csv") & (provenance["field"] == "order_rate")
    ]
    order_ok = {
        str(k): v in ("cited", "proxy") for k, v in zip(rows["id"], rows["kind"], strict=True)
    }
    cost = lanes.groupby(lanes["service_id"].astype(str))["cost_cny"].sum()
    total = float(cost.sum())
    if total <= 0:
        return None
    ok = 0.0
    for sid, c in cost.items():
        per_order = min(float(c), float((order_cost or {}).get(str(sid), 0.0)))
        ok += (c - per_order) * t.get(str(sid), False) + per_order * order_ok.get(str(sid), False)
    return round(ok / total, 4)


def order_costs(flows: pd.DataFrame, network: Any) -> dict[str, float]:
    """Per service, the yearly cost charged per parcel (``order_rate``) in a solution's flows:
    tonnes x 1000 / the product's order_kg x order_rate in CNY."""
    services = network.services
    if "order_rate" not in services or flows.empty:
        return {}
    rates = services["order_rate"].astype(float)
    order_kg = network.products["order_kg"].astype(float)
    out: dict[str, float] = {}
    for sid, product, tonnes in zip(
        flows["service_id"].astype(str), flows["product"].astype(str), flows["tonnes"], strict=True
    ):
        rate = rates.get(sid)
        if rate is None or pd.isna(rate) or product not in order_kg.index:
            continue
        cny = float(network.cny(float(rate), str(services.at[sid, "currency"])))
        out[sid] = out.get(sid, 0.0) + float(tonnes) * 1000.0 / float(order_kg[product]) * cny
    return out
