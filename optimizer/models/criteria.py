"""Whether a warehouse site's operator meets a public overseas-warehouse scheme's criteria.

A scheme (``criteria.csv``) is a set of criteria on an operator's attributes (``operators.csv``):
years registered and operated abroad, warehouse area, share of the overseas entity, an ODI
certificate, a WMS, firms served, the services offered, the place of registration and the
country groups of the site. Each criterion is met, missing (the operator's value fails it) or
unknown (the value, or the notice's threshold, is not known; a real firm's list of services is
what its source reports, so a service it does not name is unknown, not lacking). An operator
is eligible when it meets every binding criterion; a non-binding one (a layout priority, a
factor reported without a number) is listed but decides nothing. Pure: reads the network,
changes nothing.

Years are counted to the year of the scheme's ``as_of`` date, or to ``year`` when given (a
programme year): a warehouse abroad since 2022 has operated 2 years in 2024.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from optimizer.data.network import Network
from optimizer.data.schema import CRITERION_LISTS, CRITERION_NUMBERS
from optimizer.errors import InputError

#: attribute -> the operators.csv column its value is read from (years: the year since)
COLUMN = {
    "local_registration": "registered_in",
    "years_registered": "registered_since",
    "years_abroad": "abroad_since",
}
#: the tag of a non-binding criterion's line
PRIORITY = " (priority, not a bar)"


@dataclass(frozen=True)
class Eligibility:
    """The criteria of ``scheme`` an operator of ``site`` meets, misses and cannot be judged on.

    ``operator`` is the operator's id (``None`` when the site has none recorded). Every line
    names the criterion and its threshold, and in ``missing`` the operator's value
    ("area_m2 >= 2,000: has 1,500"). ``possible`` is true when no binding criterion is
    missing: the operator may be eligible once its unknowns are settled.
    """

    site: str
    operator: str | None
    scheme: str
    eligible: bool
    met: list[str]
    missing: list[str]
    unknown: list[str]
    possible: bool = False
    operator_name: str = ""
    sourced: bool = False
    year: int = 0


def _known(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _num(value: float) -> str:
    v = float(value)
    return f"{int(v):,}" if v.is_integer() else f"{v:,.4g}"


def _items(value: Any) -> list[str]:
    return [x for x in str(value).split(";") if x] if _known(value) else []


def _judge(crit: pd.Series, op: pd.Series, year: int) -> tuple[str, str]:
    """``(outcome, line)`` of one criterion: outcome ``met``, ``missing`` or ``unknown``."""
    attr, sign, threshold = str(crit["attribute"]), str(crit["operator"]), crit["threshold"]
    raw = op.get(COLUMN.get(attr, attr))
    head = f"{attr} {sign} {threshold if _known(threshold) else '?'}"
    if attr in CRITERION_NUMBERS:
        value: Any = None
        since = ""
        if _known(raw):
            value = float(cast(float, raw))
            if attr in ("years_registered", "years_abroad"):
                since = f" (since {int(value)}, counted to {year})"
                value = year - value
        if _known(threshold):
            head = f"{attr} {sign} {_num(float(threshold))}"
        if value is None:
            return "unknown", f"{head}: value not known"
        has = f"has {_num(value)}{since}"
        if not _known(threshold):
            return "unknown", f"{head}: threshold not seen ({has})"
        t = float(threshold)
        ok = value >= t if sign == ">=" else value > t if sign == ">" else value == t
        return ("met" if ok else "missing"), f"{head}: {has}"
    if attr in CRITERION_LISTS:
        have = _items(raw)
        want = _items(threshold)
        head = f"{attr} {sign} {', '.join(want) if want else '?'}"
        if not have:
            return "unknown", f"{head}: value not known"
        has = f"has {', '.join(have)}"
        if not want:
            return "unknown", f"{head}: threshold not seen ({has})"
        if sign == "includes":
            lacking = [x for x in want if x not in have]
            if lacking and int(op["sourced"]) == 1:  # what its source reports, not all it offers
                return "unknown", f"{head}: not reported: {', '.join(lacking)} ({has})"
            if lacking:
                return "missing", f"{head}: lacks {', '.join(lacking)} ({has})"
            return "met", f"{head}: {has}"
        common = [x for x in want if x in have]
        return ("met" if common else "missing"), f"{head}: {has}"
    # a text: local_registration, registered_city
    if not _known(raw):
        return "unknown", f"{head}: value not known"
    if not _known(threshold):
        return "unknown", f"{head}: threshold not seen (has {raw})"
    ok = str(raw).strip().casefold() == str(threshold).strip().casefold()
    return ("met" if ok else "missing"), f"{head}: has {raw}"


def _scheme(network: Network, scheme: str) -> pd.DataFrame:
    crit = network.criteria
    rows = crit[crit["scheme"] == scheme] if not crit.empty else crit
    if rows.empty:
        known = sorted(set(crit["scheme"])) if not crit.empty else []
        msg = f"unknown scheme {scheme!r}" + (
            f" (criteria.csv has: {', '.join(known)})" if known else " (no criteria.csv)"
        )
        raise InputError(msg, file="criteria.csv", field="scheme")
    return rows


def _evaluate(
    site: str, op: pd.Series | None, scheme: str, rows: pd.DataFrame, year: int
) -> Eligibility:
    if op is None:
        return Eligibility(site, None, scheme, False, [], [], ["no operator recorded"], year=year)
    met: list[str] = []
    missing: list[str] = []
    unknown: list[str] = []
    blocking = unsettled = 0
    for _, crit in rows.iterrows():
        outcome, line = _judge(crit, op, year)
        binding = int(crit["binding"]) == 1
        if not binding:
            line += PRIORITY
        {"met": met, "missing": missing, "unknown": unknown}[outcome].append(line)
        blocking += binding and outcome == "missing"
        unsettled += binding and outcome == "unknown"
    return Eligibility(
        site=site,
        operator=str(op["id"]),
        scheme=scheme,
        eligible=blocking == 0 and unsettled == 0,
        met=met,
        missing=missing,
        unknown=unknown,
        possible=blocking == 0,
        operator_name=str(op["name"]),
        sourced=int(op["sourced"]) == 1,
        year=year,
    )


def _rank(e: Eligibility) -> tuple[bool, bool, int, int, bool]:
    return (e.eligible, e.possible, -len(e.missing), -len(e.unknown), e.sourced)


def eligibility(
    network: Network,
    site_id: str,
    scheme: str,
    *,
    operator: str | None = None,
    year: int | None = None,
) -> Eligibility:
    """How the operator of ``site_id`` stands against ``scheme``'s criteria.

    With ``operator`` (an operators.csv id) that operator is judged; otherwise every operator
    recorded at the site is, and the best is returned (eligible first, then with no binding
    criterion missing, then the fewest missing and unknown, a sourced firm before a typical
    candidate). ``year`` counts years to that year instead of the scheme's ``as_of``.

    Raises
    ------
    InputError
        For an unknown scheme, site or operator.
    """
    rows = _scheme(network, scheme)
    when = year if year is not None else pd.Timestamp(rows["as_of"].iloc[0]).year
    if site_id not in network.warehouses.index:
        msg = f"unknown warehouse site {site_id!r}"
        raise InputError(msg, field="site")
    ops = network.operators
    here = ops[ops["site"] == site_id] if not ops.empty else ops
    if operator is not None:
        if operator not in here.index:
            msg = f"no operator {operator!r} at site {site_id!r} in operators.csv"
            raise InputError(msg, file="operators.csv", field="id")
        return _evaluate(site_id, here[here.index == operator].iloc[0], scheme, rows, when)
    if here.empty:
        return _evaluate(site_id, None, scheme, rows, when)
    judged = [_evaluate(site_id, op, scheme, rows, when) for _, op in here.iterrows()]
    return max(judged, key=_rank)


def eligible_sites(network: Network, scheme: str, *, year: int | None = None) -> list[Eligibility]:
    """The sites (in warehouses.csv order) whose best operator is eligible under ``scheme``."""
    out = []
    for site in network.warehouses.index:
        e = eligibility(network, str(site), scheme, year=year)
        if e.eligible:
            out.append(e)
    return out
