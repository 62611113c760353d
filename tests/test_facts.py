"""The bundled network reproduces published public facts within 15 %.

``network_data/facts.csv`` holds dated, sourced figures (distances, running
times, freight rates, emission factors, rents) read in the project's shared
reference notes (``shared/reference/`` beside the repository). Each row says in
``check`` which corridor figure it is compared with, in one of these forms:

* ``services.csv ID FIELD``, ``nodes.csv ID FIELD``, ``warehouses.csv ID FIELD``:
  a column of the bundled table. Derived service fields: ``leg_h`` = transit_h
  + dwell_h of the service's via nodes (the running time between the terminals,
  border dwell included, no wait for the departure) and ``rate_per_km`` = rate /
  distance_km. Two terms may be subtracted (``A - B``), and a figure may be
  scaled (``... x 720/880``).
* ``corridor price --from A --to B [--modes ...] [--tonnes T --cbm C]
  [--currency CUR]: cheapest|fastest FIELD``: the quote of ``corridor price``
  (``optimizer.pricing.quote.quote``) and a figure of its cheapest or fastest
  alternative: ``total_cost`` (in ``--currency``, for the cargo quoted, e.g. one
  40'), ``freight``, ``days`` (expected, waits included) or ``days_min`` (no wait).

The corridor figure is converted to the fact's ``unit`` (currencies at fx.csv;
areas, periods, volumes, km/nm, h/days; 10 t per TEU for g/TEU-km) and must lie
within ``[value_low x 0.85, value_high x 1.15]``. A failure names the fact, the
published value, its date and source, and the corridor value. The data are
being corrected against these facts: a failing row is a finding, not a reason
to loosen the tolerance.
"""

from __future__ import annotations

import argparse
import csv
import math
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from optimizer.data.loader import load_network
from optimizer.data.network import Network
from optimizer.errors import CorridorError
from optimizer.pricing.quote import Cargo, Quote, quote

DATA = Path(__file__).resolve().parent.parent / "network_data"
FACTS_CSV = DATA / "facts.csv"
COLUMNS = [
    "fact_id",
    "quantity",
    "subject",
    "check",
    "value_low",
    "value_high",
    "unit",
    "date",
    "source",
    "note",
]
TOLERANCE = 0.15
#: Tonnes per TEU for emission factors per TEU-km: the default of searoutes' GLEC
#: implementation (https://developer.searoutes.com/docs/co2-emissions-methodology).
TONNES_PER_TEU = 10.0
#: Size of a unit in the first unit of its dimension.
UNIT_SIZE: dict[str, tuple[str, float]] = {
    "km": ("length", 1.0),
    "nm": ("length", 1.852),
    "h": ("time", 1.0),
    "days": ("time", 24.0),
    "month": ("period", 1.0),
    "yr": ("period", 12.0),
    "m2": ("area", 1.0),
    "sqft": ("area", 1.0 / 10.764),
    "cbm": ("volume", 1.0),
    "cuft": ("volume", 0.0283168),
    "t": ("mass", 1.0),
    "kg": ("mass", 0.001),
    "tkm": ("work", 1.0),
    "TEU-km": ("work", TONNES_PER_TEU),
}
#: Units of the warehouses.csv columns a fact may name.
WAREHOUSE_UNITS = {
    "rent_cny_per_m2_year": "CNY/m2/yr",
    "shared_storage_cny_per_cbm_month": "CNY/cbm/month",
    "shared_handling_cny_per_order": "CNY/order",
    "shared_inbound_cny_per_cbm": "CNY/cbm",
    "storage_cny_per_cbm_month": "CNY/cbm/month",
    "handling_cny_per_t": "CNY/t",
    "staff_cny_per_fte_year": "CNY/FTE/yr",
}
NODE_UNITS = {"dwell_h": "h", "dwell_h_max": "h", "handling_cny_per_t": "CNY/t"}
QUOTE_FIELDS = ("total_cost", "freight", "days", "days_min")


@dataclass(frozen=True)
class Fact:
    """A row of facts.csv."""

    fact_id: str
    quantity: str
    subject: str
    check: str
    value_low: str
    value_high: str
    unit: str
    date: str
    source: str
    note: str

    @property
    def low(self) -> float:
        return float(self.value_low) if self.value_low else -math.inf

    @property
    def high(self) -> float:
        return float(self.value_high) if self.value_high else math.inf

    @property
    def published(self) -> str:
        if self.value_low == self.value_high:
            return f"{self.value_low} {self.unit}"
        return f"{self.value_low or '...'}-{self.value_high or '...'} {self.unit}"

    def bounds(self) -> tuple[float, float]:
        """The accepted interval: the published range widened by the tolerance."""
        return self.low * (1 - TOLERANCE), self.high * (1 + TOLERANCE)

    def ratio(self, value: float) -> float:
        """Corridor value over the nearest published bound (1 inside the range)."""
        if value < self.low:
            return value / self.low
        if value > self.high:
            return value / self.high
        return 1.0

    def passes(self, value: float) -> bool:
        lo, hi = self.bounds()
        return lo * (1 - 1e-9) <= value <= hi * (1 + 1e-9)


def read_facts(path: Path = FACTS_CSV) -> list[Fact]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS, f"{path.name} columns: {reader.fieldnames}"
        return [Fact(**{k: (v or "").strip() for k, v in row.items()}) for row in reader]


FACTS = read_facts()


# -- units -----------------------------------------------------------------------------------
def convert(value: float, frm: str, to: str, cny_per: dict[str, float]) -> float:
    """Convert ``value`` from unit ``frm`` to ``to``, token by token ("USD/sqft/month").

    The first token is the numerator (a currency, a length, a time or ``g``), the
    others are "per" units; ``wm`` (weight or measure) is 1 t or 1 cbm, whichever
    the other side uses.
    """
    a_parts, b_parts = frm.split("/"), to.split("/")
    if len(a_parts) != len(b_parts):
        msg = f"cannot convert {frm} to {to}"
        raise ValueError(msg)
    for i, (a, b) in enumerate(zip(a_parts, b_parts, strict=True)):
        if a == b:
            continue
        if a in cny_per and b in cny_per:
            if i:
                msg = f"a currency in the denominator of {frm} / {to}"
                raise ValueError(msg)
            value *= cny_per[a] / cny_per[b]
            continue
        size_a, size_b = _size(a, b), _size(b, a)
        value *= size_a / size_b if i == 0 else size_b / size_a
    return value


def _size(unit: str, other: str) -> float:
    if unit == "wm" and UNIT_SIZE.get(other, ("", 0))[0] in ("mass", "volume"):
        return 1.0
    if unit not in UNIT_SIZE:
        msg = f"unknown unit {unit!r}"
        raise ValueError(msg)
    if other != "wm" and UNIT_SIZE[unit][0] != UNIT_SIZE.get(other, ("", 0))[0]:
        msg = f"cannot convert {unit} to {other}"
        raise ValueError(msg)
    return UNIT_SIZE[unit][1]


# -- corridor figures ------------------------------------------------------------------------
def _quote_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="corridor price", add_help=False, exit_on_error=False)
    p.add_argument("--from", dest="origin", required=True)
    p.add_argument("--to", dest="destination", required=True)
    p.add_argument("--tonnes", type=float)
    p.add_argument("--cbm", type=float)
    p.add_argument("--product")
    p.add_argument("--value", type=float)
    for name in ("--modes", "--exclude-modes", "--via", "--avoid"):
        p.add_argument(name, default="")
    p.add_argument("--max-legs", type=int)
    p.add_argument("--currency", default="CNY")
    return p


QUOTE_ARGS = _quote_parser()


class Corridor:
    """The bundled network and the figures facts.csv compares, quotes cached per query."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.cny_per = {
            str(c): float(v) for c, v in network.fx["cny_per_unit"].astype(float).items()
        }
        self._quotes: dict[str, Quote] = {}

    def figure(self, fact: Fact) -> float:
        """The corridor figure of ``fact.check`` in ``fact.unit``."""
        value, unit = self.evaluate(fact.check, fact.unit)
        return convert(value, unit, fact.unit, self.cny_per)

    def evaluate(self, check: str, fact_unit: str) -> tuple[float, str]:
        if check.startswith("corridor price "):
            return self._price(check, fact_unit)
        factor = 1.0
        if " x " in check:
            check, scale = check.rsplit(" x ", 1)
            num, _, den = scale.partition("/")
            factor = float(num) / float(den or 1)
        terms = [self._table(term.split()) for term in check.split(" - ")]
        value, unit = terms[0]
        for other, other_unit in terms[1:]:
            assert other_unit == unit, f"{check}: {unit} minus {other_unit}"
            value -= other
        return value * factor, unit

    def _table(self, words: list[str]) -> tuple[float, str]:
        assert len(words) == 3, f"a check term is 'TABLE.csv ID FIELD', got {' '.join(words)!r}"
        table, key, field = words
        net = self.network
        if table == "nodes.csv":
            return float(net.nodes.at[key, field]), NODE_UNITS[field]
        if table == "warehouses.csv":
            return float(net.warehouses.at[key, field]), WAREHOUSE_UNITS[field]
        assert table == "services.csv", f"unknown table {table!r}"
        s = net.services.loc[key]
        cur = str(s["currency"])
        if field == "leg_h":
            dwell = net.nodes["dwell_h"].astype(float)
            return float(s["transit_h"]) + sum(float(dwell[v]) for v in s["via"]), "h"
        if field == "distance_km":
            return float(s["distance_km"]), "km"
        if field == "co2_g_per_tkm":
            return float(s["co2_g_per_tkm"]), "g/tkm"
        if field == "rate":
            return float(s["rate"]), f"{cur}/{s['rate_basis']}"
        if field == "lcl_rate":
            return float(s["lcl_rate"]), f"{cur}/{s['lcl_basis']}"
        if field == "order_rate":
            return float(s["order_rate"]), f"{cur}/parcel"
        if field == "rate_per_km":
            return float(s["rate"]) / float(s["distance_km"]), f"{cur}/{s['rate_basis']}-km"
        msg = f"unknown services.csv field {field!r}"
        raise ValueError(msg)

    def quote_for(self, command: str) -> Quote:
        """The quote of a ``corridor price ...`` command line (cached)."""
        if command not in self._quotes:
            words = shlex.split(command)
            assert words[:2] == ["corridor", "price"], command
            a = QUOTE_ARGS.parse_args(words[2:])
            cargo = Cargo.from_inputs(
                self.network, tonnes=a.tonnes, cbm=a.cbm, product=a.product, value_cny=a.value
            )
            split = [x for x in a.modes.split(",") if x]
            self._quotes[command] = quote(
                self.network,
                a.origin,
                a.destination,
                cargo,
                modes=split or None,
                exclude_modes=[x for x in a.exclude_modes.split(",") if x],
                via=[x for x in a.via.split(",") if x],
                avoid=[x for x in a.avoid.split(",") if x],
                max_legs=a.max_legs,
                currency=a.currency,
            )
        return self._quotes[command]

    def _price(self, check: str, fact_unit: str) -> tuple[float, str]:
        command, _, pick = check.partition(": ")
        which, field = pick.split()
        assert which in ("cheapest", "fastest"), check
        assert field in QUOTE_FIELDS, check
        q = self.quote_for(command)
        alt = q.alternatives[q.cheapest if which == "cheapest" else q.fastest]
        per = fact_unit.split("/", 1)[1] if "/" in fact_unit else ""
        if field == "total_cost":
            return alt.total_cost_cny / q.cny_per_unit, f"{q.currency}/{per}"
        if field == "freight":
            return alt.breakdown.freight, f"CNY/{per}"
        hours = alt.hours if field == "days" else alt.hours_min
        return hours / 24.0, "days"


@pytest.fixture(scope="module")
def corridor() -> Corridor:
    return Corridor(load_network(DATA))


def test_facts_table_is_well_formed() -> None:
    ids = [f.fact_id for f in FACTS]
    assert len(ids) == len(set(ids)), "duplicate fact_id in facts.csv"
    assert len(FACTS) >= 30
    for f in FACTS:
        assert f.subject and f.check and f.unit and f.date and f.quantity, f.fact_id
        assert "http" in f.source, f"{f.fact_id}: the source needs an address"
        assert f.value_low or f.value_high, f"{f.fact_id}: no published value"
        assert f.low <= f.high, f"{f.fact_id}: value_low above value_high"


def test_units_convert_by_hand() -> None:
    fx = {"CNY": 1.0, "USD": 7.0, "EUR": 8.0}
    assert convert(1.0, "USD/sqft/month", "CNY/m2/yr", fx) == pytest.approx(7.0 * 10.764 * 12)
    assert convert(700.0, "USD/wm", "CNY/kg", fx) == pytest.approx(4.9)
    assert convert(70.0, "USD/wm", "USD/cbm", fx) == pytest.approx(70.0)
    assert convert(48.0, "h", "days", fx) == pytest.approx(2.0)
    assert convert(1852.0, "km", "nm", fx) == pytest.approx(1000.0)
    assert convert(14.0, "g/tkm", "g/TEU-km", fx) == pytest.approx(140.0)
    assert convert(16.0, "CNY/truck-km", "EUR/truck-km", fx) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="cannot convert"):
        convert(1.0, "km", "days", fx)


@pytest.mark.parametrize("fact", FACTS, ids=[f.fact_id for f in FACTS])
def test_fact(corridor: Corridor, fact: Fact) -> None:
    try:
        value = corridor.figure(fact)
    except (KeyError, CorridorError) as exc:  # a renamed service or node, no route
        pytest.fail(
            f"{fact.fact_id} ({fact.subject}): '{fact.check}' cannot be evaluated on the "
            f"bundled network: {exc!r}",
            pytrace=False,
        )
    lo, hi = fact.bounds()
    if not fact.passes(value):
        pytest.fail(
            f"{fact.fact_id} ({fact.subject}): published {fact.published} ({fact.date}; "
            f"{fact.source}); corridor {value:,.5g} {fact.unit} from '{fact.check}' "
            f"= {fact.ratio(value):.2f} x the nearest published bound, outside "
            f"[{lo:,.5g}, {hi:,.5g}] (+/-{TOLERANCE:.0%})",
            pytrace=False,
        )


def report(corridor: Corridor | None = None) -> list[dict[str, Any]]:
    """Every fact with its corridor value, ratio and verdict (for a summary table)."""
    corridor = corridor or Corridor(load_network(DATA))
    rows = []
    for f in FACTS:
        value = corridor.figure(f)
        rows.append(
            {
                "fact": f,
                "value": value,
                "ratio": f.ratio(value),
                "pass": f.passes(value),
            }
        )
    return rows


if __name__ == "__main__":  # python -m tests.test_facts: the table of every fact
    print("| fact | published | corridor | ratio | result |\n|---|---|---|---|---|")
    for r in report():
        f = r["fact"]
        verdict = "pass" if r["pass"] else "FAIL"
        print(f"| {f.fact_id} | {f.published} | {r['value']:,.5g} | {r['ratio']:.2f} | {verdict} |")
