"""A forwarder's own rates laid over the bundled ones (``corridor price --tariff RATES.csv``).

A rates file has one row per service it prices: ``service_id, rate, currency`` and
optionally ``lcl_rate`` (loose cargo, on the service's own ``lcl_basis``), ``valid_from``
and ``valid_until`` (the dates the rate holds; a quote past ``valid_until`` says
REPRICE), and ``source`` (the contract or offer it comes from). Each row replaces the
service's rate and says where the new figure comes from (provenance ``cited``, the
file as its source, ``valid_from`` as its date). The file is checked like the network
data: an unknown service, a rate out of bounds, a currency fx.csv does not have or an
inverted date range is refused naming the file, row and field, and nothing is changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar

import pandas as pd
from pydantic import Field, model_validator

from optimizer.data.loader import read_table
from optimizer.data.network import Network
from optimizer.data.schema import MAX_RATE, Currency, Number, Row
from optimizer.errors import Issue, NetworkDataError


class OwnRateRow(Row):
    """One row of a forwarder's rates file."""

    file: ClassVar[str] = "rates"
    key: ClassVar[str] = "service_id"
    service_id: str = Field(min_length=1, max_length=80)
    rate: Number = Field(gt=0)
    currency: Currency
    lcl_rate: Number | None = Field(None, gt=0)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    source: str = Field("own tariff", min_length=1)

    @model_validator(mode="after")
    def _dates(self) -> OwnRateRow:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            msg = "valid_until is before valid_from"
            raise ValueError(msg)
        return self


def apply_own_rates(network: Network, path: str | Path) -> Network:
    """The network with the rates of ``path`` in place of its own.

    Raises
    ------
    NetworkDataError
        With every problem of the file (file, row, field); nothing is applied.
    """
    path = Path(path)
    rows, issues = read_table(path, OwnRateRow)
    services = network.services.copy()
    name = path.name
    seen: dict[str, int] = {}
    fx = set(network.fx.index)
    for number, row in rows:
        assert isinstance(row, OwnRateRow)
        sid = row.service_id
        if sid in seen:
            issues.append(
                Issue(name, number, "service_id", f"{sid!r} again (first on row {seen[sid]})")
            )
            continue
        seen[sid] = number
        if sid not in services.index:
            issues.append(Issue(name, number, "service_id", f"unknown service {sid!r}"))
            continue
        if row.currency not in fx:
            issues.append(Issue(name, number, "currency", f"no rate for {row.currency} in fx"))
        basis = str(services.at[sid, "rate_basis"])
        if row.rate > MAX_RATE.get(basis, float("inf")):
            issues.append(
                Issue(
                    name,
                    number,
                    "rate",
                    f"{row.rate:g} {row.currency} per {basis} is over the highest plausible "
                    f"{basis} rate ({MAX_RATE[basis]:g})",
                )
            )
        if row.lcl_rate is not None and not isinstance(services.at[sid, "lcl_basis"], str):
            issues.append(
                Issue(name, number, "lcl_rate", f"service {sid} has no loose-cargo (LCL) rate")
            )
    if issues:
        raise NetworkDataError(issues, str(path))
    prov_rows = []
    if "valid_until" not in services:
        services["valid_until"] = None
    for _, row in rows:
        assert isinstance(row, OwnRateRow)
        sid = row.service_id
        services.at[sid, "rate"] = float(row.rate)
        services.at[sid, "currency"] = row.currency
        if row.lcl_rate is not None:
            services.at[sid, "lcl_rate"] = float(row.lcl_rate)
        when = row.valid_from or row.valid_until
        if when is not None:
            services.at[sid, "price_year"] = when.year
        services.at[sid, "valid_until"] = row.valid_until
        prov_rows.append(
            {
                "file": "services.csv",
                "id": sid,
                "field": "rate",
                "kind": "cited",
                "source": f"{name}: {row.source}",
                "date": when.isoformat() if when else "",
                "note": f"own rate from {name}",
            }
        )
    prov = network.provenance
    if len(prov):
        keep = ~(
            (prov["file"] == "services.csv") & (prov["field"] == "rate") & prov["id"].isin(seen)
        )
        prov = pd.concat([prov[keep], pd.DataFrame(prov_rows)], ignore_index=True)
    return network.replace(services=services, provenance=prov, name=f"{network.name}+{name}")
