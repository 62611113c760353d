"""Warehouses priced as operators price them: owned size tiers and a shared pay-per-use option.

At a candidate site an exporter (or the programme) can rent and staff its own
space in one of the size tiers of ``warehouse_tiers.csv``, or buy space and
handling from a public or third-party warehouse by the unit.

Owned tier ``T`` at site ``w`` (a fixed cost a year, a capacity)::

    fixed(w, T)    = rent(w) x area(T)
                     + ceil(area(T) / 1000 x fte_per_1000_m2(T)) x staff(w)
                     + systems(T) + other(T) x area(T)
    capacity(w, T) = throughput_t_per_m2_year(T) x area(T)

A site without ``rent_cny_per_m2_year`` in warehouses.csv offers one owned
size: the row's own ``area_m2``, ``fixed_cost_cny_per_year`` and
``capacity_t_per_year`` (tier ``site``). A scenario's ``scale_warehouse_fixed``
multiplies every owned fixed cost of a site by its ``fixed_cost_factor``
(a column the change adds to ``Network.warehouses``; absent or blank: 1).

Shared option at site ``w`` (no fixed cost, a price per unit)::

    per tonne = shared_inbound_cny_per_cbm x cbm/t
                + shared_handling_cny_per_order x orders/t   (1000 / order_kg)
                + shared_storage_cny_per_cbm_month x cbm/t x stock months

(the storage part depends on how long stock stays, so the design model adds
it per route; see :mod:`optimizer.models.inventory`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.data.network import Network

#: The tier name of a site's single size (no tiers priced from rent and wages).
SITE_TIER = "site"


@dataclass(frozen=True)
class Tier:
    """One owned size tier at one site: its area, annual fixed cost and capacity."""

    site: str
    tier: str
    area_m2: float
    fixed_cost_cny_per_year: float
    capacity_t_per_year: float
    staff: float  # FTE


@dataclass(frozen=True)
class SharedOffer:
    """The shared (public or third-party) option at one site."""

    site: str
    storage_cny_per_cbm_month: float
    handling_cny_per_order: float
    inbound_cny_per_cbm: float
    capacity_t_per_year: float | None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | np.number):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def fixed_cost_factor(row: pd.Series) -> float:
    """The factor on a site's owned fixed costs (``fixed_cost_factor``; 1 when absent)."""
    factor = _number(row.get("fixed_cost_factor"))
    return 1.0 if factor is None else factor


def owned_tiers(network: Network, site: str) -> list[Tier]:
    """The owned size tiers offered at ``site`` (see the module docstring)."""
    row = network.warehouses.loc[site]
    assert isinstance(row, pd.Series), f"{site!r} is not a unique warehouse"
    rent = _number(row.get("rent_cny_per_m2_year"))
    staff_cost = _number(row.get("staff_cny_per_fte_year"))
    scale = fixed_cost_factor(row)
    tiers = network.warehouse_tiers
    if rent is None or staff_cost is None or tiers.empty:
        return [
            Tier(
                site=site,
                tier=SITE_TIER,
                area_m2=_number(row["area_m2"]) or 0.0,
                fixed_cost_cny_per_year=(_number(row["fixed_cost_cny_per_year"]) or 0.0) * scale,
                capacity_t_per_year=_number(row["capacity_t_per_year"]) or 0.0,
                staff=float("nan"),
            )
        ]
    out = []
    for name, t in tiers.iterrows():
        area = float(t["area_m2"])
        fte = math.ceil(area / 1000.0 * float(t["fte_per_1000_m2"]) - 1e-9)
        fixed = scale * (
            rent * area
            + fte * staff_cost
            + float(t["systems_cny_per_year"])
            + float(t["other_cny_per_m2_year"]) * area
        )
        out.append(
            Tier(
                site=site,
                tier=str(name),
                area_m2=area,
                fixed_cost_cny_per_year=fixed,
                capacity_t_per_year=float(t["throughput_t_per_m2_year"]) * area,
                staff=float(fte),
            )
        )
    return out


def shared_offer(network: Network, site: str) -> SharedOffer | None:
    """The shared option at ``site``, or ``None`` where warehouses.csv has no rate card."""
    row = network.warehouses.loc[site]
    assert isinstance(row, pd.Series), f"{site!r} is not a unique warehouse"
    storage = _number(row.get("shared_storage_cny_per_cbm_month"))
    handling = _number(row.get("shared_handling_cny_per_order"))
    if storage is None or handling is None:
        return None
    return SharedOffer(
        site=site,
        storage_cny_per_cbm_month=storage,
        handling_cny_per_order=handling,
        inbound_cny_per_cbm=_number(row.get("shared_inbound_cny_per_cbm")) or 0.0,
        capacity_t_per_year=_number(row.get("shared_capacity_t_per_year")),
    )


def offers_table(network: Network) -> pd.DataFrame:
    """Every site's owned tiers and shared option as one table (for reports and the app)."""
    rows = []
    for site in network.warehouses.index:
        for t in owned_tiers(network, str(site)):
            rows.append(
                {
                    "warehouse_id": site,
                    "operating_model": "owned",
                    "tier": t.tier,
                    "area_m2": t.area_m2,
                    "fixed_cost_cny_per_year": t.fixed_cost_cny_per_year,
                    "capacity_t_per_year": t.capacity_t_per_year,
                    "staff_fte": t.staff,
                }
            )
        shared = shared_offer(network, str(site))
        if shared is not None:
            rows.append(
                {
                    "warehouse_id": site,
                    "operating_model": "shared",
                    "tier": "shared",
                    "area_m2": float("nan"),
                    "fixed_cost_cny_per_year": 0.0,
                    "capacity_t_per_year": shared.capacity_t_per_year or float("inf"),
                    "staff_fte": float("nan"),
                }
            )
    return pd.DataFrame(rows)
