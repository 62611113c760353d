"""A batch of quotes as a file: .csv (one row per request), .xlsx (requests, alternatives,
fees) or .json (the list ``--json`` prints). Written atomically; a file of the same name is
replaced only when corridor wrote it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from optimizer.errors import InputError
from optimizer.output.workbook import is_ours, stamp
from optimizer.pricing.batch import Failed, Request, Result
from optimizer.pricing.types import Alternative, Quote
from optimizer.results.atomic import write_bytes_atomic
from optimizer.results.files import dumps

#: The document keywords that mark a batch workbook as corridor's (``workbook.stamp``).
KEYWORDS = "corridor quote batch"
#: The columns of the per-request table (the .csv file and the workbook's first sheet).
COLUMNS = (
    "row",
    "id",
    "from",
    "to",
    "tonnes",
    "cbm",
    "product",
    "status",
    "error_field",
    "error",
    "origin",
    "destination",
    "alternatives",
    "cheapest_total_cny",
    "cheapest_sell_cny",
    "cheapest_landed_cost_cny",
    "cheapest_days_p50",
    "cheapest_days_p10",
    "cheapest_days_p90",
    "cheapest_etd",
    "cheapest_eta",
    "cheapest_route",
    "fastest_total_cny",
    "fastest_days_p50",
    "fastest_route",
    "greenest_co2_kg",
    "greenest_route",
    "valid_until",
    "rates_expired",
)


def results_json(requests: Sequence[Request], results: Sequence[Result]) -> list[dict[str, Any]]:
    """One object per request, in order: the quote's JSON or ``{"error": {...}}``, each with
    ``request`` (its row in the file and its ``id``)."""
    return [
        {"request": {"row": req.row, "id": req.fields.id}, **res.to_dict()}
        for req, res in zip(requests, results, strict=True)
    ]


def _alt(q: Quote, i: int) -> Alternative:
    return q.alternatives[i]


def request_rows(requests: Sequence[Request], results: Sequence[Result]) -> list[dict[str, Any]]:
    """The per-request table: what was asked and the cheapest, fastest and greenest answers."""
    out = []
    for req, res in zip(requests, results, strict=True):
        f = req.fields
        row: dict[str, Any] = {
            "row": req.row,
            "id": f.id,
            "from": f.from_,
            "to": f.to,
            "tonnes": f.tonnes,
            "cbm": f.cbm,
            "product": f.product,
        }
        if isinstance(res, Failed):
            row |= {"status": "error", "error_field": res.field, "error": res.message}
        else:
            c, fa, g = _alt(res, res.cheapest), _alt(res, res.fastest), _alt(res, res.greenest)
            t = c.timing
            row |= {
                "status": "ok",
                "origin": res.origin,
                "destination": res.destination,
                "alternatives": len(res.alternatives),
                "cheapest_total_cny": round(c.total_cost_cny, 2),
                "cheapest_sell_cny": None if c.sell_cny is None else round(c.sell_cny, 2),
                "cheapest_landed_cost_cny": None
                if c.landed_cost_cny is None
                else round(c.landed_cost_cny, 2),
                "cheapest_days_p50": round(t.days_p50, 2) if t else round(c.days, 2),
                "cheapest_days_p10": round(t.days_p10, 2) if t else None,
                "cheapest_days_p90": round(t.days_p90, 2) if t else None,
                "cheapest_etd": t.etd.isoformat() if t and t.etd else None,
                "cheapest_eta": t.eta.isoformat() if t and t.eta else None,
                "cheapest_route": c.summary,
                "fastest_total_cny": round(fa.total_cost_cny, 2),
                "fastest_days_p50": round(fa.timing.days_p50 if fa.timing else fa.days, 2),
                "fastest_route": fa.summary,
                "greenest_co2_kg": round(g.co2_kg, 1),
                "greenest_route": g.summary,
                "valid_until": t.valid_until.isoformat() if t and t.valid_until else None,
                "rates_expired": t.expired if t else None,
            }
        out.append({k: row.get(k) for k in COLUMNS})
    return out


def batch_text(requests: Sequence[Request], results: Sequence[Result]) -> str:
    """The batch as a terminal table: one line per request."""
    head = f"{'row':>4}  {'id':<10} {'from':<16} {'to':<16} {'cheapest CNY':>13} {'days':>5}"
    head += f" {'fastest CNY':>12} {'days':>5}  route (cheapest) / error"
    lines = [head, "-" * (len(head) + 20)]
    for r in request_rows(requests, results):
        if r["status"] == "error":
            tail = (
                f"{'':>13} {'':>5} {'':>12} {'':>5}  ERROR {r['error_field'] or ''}: {r['error']}"
            )
        else:
            tail = (
                f"{r['cheapest_total_cny']:>13,.0f} {r['cheapest_days_p50']:>5.1f} "
                f"{r['fastest_total_cny']:>12,.0f} {r['fastest_days_p50']:>5.1f}  "
                f"{r['cheapest_route']}"
            )
        lines.append(
            f"{r['row']:>4}  {r['id'] or ''!s:<10.10} {r['from']:<16.16} {r['to']:<16.16} {tail}"
        )
    return "\n".join(lines)


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if v is None else v for k, v in r.items()})
    return buf.getvalue().encode("utf-8")


def _xlsx_bytes(requests: Sequence[Request], results: Sequence[Result]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "requests"
    sheet.append(list(COLUMNS))
    for r in request_rows(requests, results):
        sheet.append([r[k] for k in COLUMNS])
    alts = book.create_sheet("alternatives")
    alt_cols = ["row", "id", "rank", "tags", "route", "total_cost_cny", "sell_cny"]
    alt_cols += ["landed_cost_cny", "days_p50", "days_p10", "days_p90", "etd", "eta", "co2_kg"]
    alt_cols += ["freight", "handling", "border", "fees", "inventory", "valid_until"]
    alts.append(alt_cols)
    fees = book.create_sheet("fees")
    fee_cols = ["row", "id", "rank", "leg", "fee", "where", "quantity", "unit", "rate"]
    fee_cols += ["currency", "amount_cny", "kind", "source"]
    fees.append(fee_cols)
    for req, res in zip(requests, results, strict=True):
        if isinstance(res, Failed):
            continue
        for rank, a in enumerate(res.to_dict()["alternatives"], start=1):
            b = a["breakdown"]
            alts.append(
                [
                    *(req.row, req.fields.id, rank, ", ".join(a["tags"]), a["summary"]),
                    *(a["total_cost_cny"], a["sell_cny"], a["landed_cost_cny"]),
                    *(a.get("days_p50", a["days"]), a.get("days_p10"), a.get("days_p90")),
                    *(a.get("etd"), a.get("eta"), a["co2_kg"]),
                    *(b["freight"], b["handling"], b["border"], b["fees"], b["inventory"]),
                    a.get("valid_until"),
                ]
            )
            for c in a["charges"]:
                fees.append(
                    [
                        *(req.row, req.fields.id, rank, c["leg"], c["name"], c["where"]),
                        *(c["quantity"], c["unit"], c["rate"], c["currency"], c["amount_cny"]),
                        *(c["kind"], c["source"]),
                    ]
                )
    stamp(book, KEYWORDS)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _is_ours(path: Path) -> bool:
    """Whether ``path`` is a batch file corridor wrote (so it may be replaced)."""
    if path.suffix.lower() == ".xlsx":
        return is_ours(path, KEYWORDS)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # unreadable: not ours, not replaced
        return False
    if path.suffix.lower() == ".csv":
        return text.split("\n", 1)[0] == ",".join(COLUMNS)
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, list) and all(
        isinstance(d, dict) and ("alternatives" in d or "error" in d) for d in data
    )


def check_target(path: str | Path) -> Path:
    """``path`` as a batch file corridor may write (checked before any quoting).

    Raises
    ------
    InputError
        On a suffix other than .csv, .xlsx, .json, or a file corridor did not write.
    """
    out = Path(path)
    if out.suffix.lower() not in (".csv", ".xlsx", ".json"):
        msg = f"{out}: --out must be a .csv, .xlsx or .json file"
        raise InputError(msg, field="out")
    if out.exists() and not (out.is_file() and _is_ours(out)):
        msg = f"{out} exists and corridor did not write it: it is not replaced; give another name"
        raise InputError(msg, field="out")
    return out


def write_batch(path: str | Path, requests: Sequence[Request], results: Sequence[Result]) -> Path:
    """Write the batch to ``path`` (.csv, .xlsx or .json).

    Raises
    ------
    InputError
        On another suffix, or when ``path`` exists and corridor did not write it.
    """
    out = check_target(path)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        data = _csv_bytes(request_rows(requests, results))
    elif suffix == ".xlsx":
        data = _xlsx_bytes(requests, results)
    else:
        data = (dumps(results_json(requests, results)) + "\n").encode("utf-8")
    return write_bytes_atomic(out, data)
