"""Stock held abroad for the 9810 channel: cycle and safety stock of each stream of goods.

A warehouse abroad is replenished in bulk, one shipment per review period
``R`` (``replenishment_review_days``, 7: the model plans weekly), by a bulk
route whose lead time is ``L`` days (door to warehouse, waits and dwell
included). With weekly demand ``mu`` and coefficient of variation ``CV``
(``weekly_cv`` of the product) and a cycle service level with safety factor
``z`` (``service_level_z``), a periodic-review order-up-to policy holds on
average, in days of demand::

    stock_days = R / 2  +  7 z CV sqrt((R + L) / 7)
                 cycle      safety

The safety stock of a stream is proportional to its volume, so a demand split
over several routes or warehouses holds the sum of the parts: the cost is
linear in the flow and the model stays an exact MILP. Stock is counted per
demand stream (origin, market, product), without the risk pooling that would
lower it when one warehouse serves several markets (pooling makes the cost
concave in throughput; a piecewise-linear concave term would need integer
variables per segment). Leaving it out overstates safety stock by at most a
factor of about the square root of the number of streams a warehouse pools,
which errs against warehouses, never for them.

Where products have no ``weekly_cv`` or parameters.csv no
``service_level_z``, the stock is the warehouse row's fixed ``stock_days``.

The stock costs its capital (value x ``inventory_carrying_rate_per_year`` x
stock days / 365) and, in shared space, storage by the cubic metre-month.
"""

from __future__ import annotations

import math

from optimizer.data.network import Network

#: Days in a review period when parameters.csv does not say (weekly shipments).
DEFAULT_REVIEW_DAYS = 7.0


def stock_days(lead_days: float, weekly_cv: float, z: float, review_days: float) -> float:
    """Average stock, in days of demand, of a stream replenished every ``review_days``.

    >>> round(stock_days(35.0, 0.5, 1.645, 7.0), 2)
    17.6
    """
    return review_days / 2.0 + 7.0 * z * weekly_cv * math.sqrt((review_days + lead_days) / 7.0)


def inventory_parameters(network: Network) -> tuple[float, float] | None:
    """``(z, review days)`` when the data describe demand variability, else ``None``."""
    if "service_level_z" not in network.parameters:
        return None
    if "weekly_cv" not in network.products or network.products["weekly_cv"].isna().any():
        return None
    review = float(network.parameters.get("replenishment_review_days", DEFAULT_REVIEW_DAYS))
    return float(network.parameters["service_level_z"]), review
