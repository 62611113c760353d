"""Door-to-door days as a distribution, dated departures and the validity of a quote's rates.

Formulation
-----------
A route is legs 1..n. From the moment the cargo is ready, ``t0``, the door-to-door
time is built leg by leg::

    t = t0
    for each leg i:
        if i > 1:  t += dwell at the transshipment node      (D_i)
        if the service is scheduled:  t = next departure >= t (its weekly timetable)
        dep_i = t
        t += running time R_i + dwell at the service's via nodes V_i (borders, gauge)
        arr_i = t
    days = (t - t0) / 24

* **Timetable.** A service with ``departures_per_week`` f leaves every 168/f hours;
  the data give no weekdays, so the departures are taken as evenly spaced over the
  week, the first half a headway after Monday 00:00 (an assumption the quote states).
  Trucks, parcels and last-mile services leave on demand (no wait).
* **Durations.** Every duration with a typical value m and a bad case M from the data
  (``transit_h`` / ``transit_h_max``, ``dwell_h`` / ``dwell_h_max`` of the nodes) is
  lognormal with median m and its 98th percentile at M: the bad case (for a border, the
  congestion maxima reported in 2024-25) is read as one shipment in fifty. A duration
  without a bad case is fixed.
* **Ready time.** With a ready date, ``t0`` is 00:00 of that date (China time, UTC+8;
  every time in a quote is China time); without one, ``t0`` is a uniformly random
  moment of the week, so the wait for a departure is spread over the headway.

The distribution is sampled (:data:`SAMPLES` draws, a fixed seed: the same quote gives
the same figures) and reported as ``days_p10``, ``days_p50`` and ``days_p90``; the
departure (``etd``) and arrival (``eta``) are the medians of the main leg's departure
and of the arrival at the destination. The main leg is the longest one by distance (the
main haul).

Validity: a rate is as of the latest date its provenance gives (an end of month or of
year when only those are given; the end of its ``price_year`` when none) and holds for
:data:`VALID_DAYS` of its mode (assumptions after common carrier practice). A quote is
valid until the earliest of its legs' ends; ``expired`` when that is before the ready
date (or today).
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.pricing.network import Compiled, Svc

#: Draws of the Monte Carlo (measured between seeds on Chengdu-Lodz by CR Express: the p10
#: varies by 0.04 day, the p90 by 0.17 day, one standard deviation; about 0.5 ms a route).
SAMPLES = 4000
SEED = 20250101
HOURS_PER_WEEK = 168.0
#: The standard normal's 98th percentile: a bad case M is read as one shipment in fifty.
Z_BAD_CASE = 2.0537
#: How long a rate holds after its date, by mode (assumption after common practice: sea
#: spot rates are offered for about two weeks, air rates for a week, rail and road tariffs
#: for a month).
VALID_DAYS = {
    "sea": 14,
    "air": 7,
    "cr_express": 30,
    "rail": 30,
    "rail_sea": 30,
    "river": 30,
    "road": 30,
    "last_mile": 30,
}
#: China time: every time in a quote.
CHINA = dt.timezone(dt.timedelta(hours=8), "UTC+8")


@dataclass(frozen=True)
class Timing:
    """The days of one route as a distribution, and its dates when a ready date is given."""

    days_p10: float
    days_p50: float
    days_p90: float
    main_leg: int  # index of the leg whose departure is the etd
    etd: dt.datetime | None = None
    eta: dt.datetime | None = None
    valid_until: dt.date | None = None
    expired: bool = False


def lognormal(rng: np.random.Generator, median: float, bad: float, n: int) -> np.ndarray:
    """``n`` draws with the given median and 98th percentile (fixed when ``bad <= median``)."""
    if median <= 0.0:
        return np.zeros(n)
    if not bad > median:
        return np.full(n, median)
    return scaled(rng.standard_normal(n), median, bad)


def scaled(z: np.ndarray, median: float, bad: float) -> np.ndarray:
    """Standard normals ``z`` as lognormal times with the given median and 98th percentile."""
    return median * np.exp((math.log(bad / median) / Z_BAD_CASE) * z)


def next_departure(t: np.ndarray, per_week: float) -> np.ndarray:
    """The first departure at or after each time ``t`` (hours from Monday 00:00 of the
    ready week) of a service leaving ``per_week`` times a week, evenly spaced from half a
    headway after Monday 00:00."""
    headway = HOURS_PER_WEEK / per_week
    first = headway / 2.0
    k = np.maximum(np.ceil((t - first) / headway - 1e-9), 0.0)
    return first + k * headway


#: Simulations kept per compiled network (a chain's Timing depends only on the network, the
#: services, the ready date, the draws and the seed; a quote's alternatives repeat across
#: cargos, so a quote service simulates each lane's few chains once). Cleared when full.
MEMO_SIZE = 4096
_MEMO: weakref.WeakKeyDictionary[
    Compiled, dict[tuple[object, ...], tuple[float, float, float, int, float, float]]
] = weakref.WeakKeyDictionary()


def simulate(
    prep: Compiled,
    services: Sequence[Svc],
    ready: dt.date | None,
    *,
    samples: int = SAMPLES,
    seed: int = SEED,
) -> Timing:
    """The door-to-door days of a chain of services (see the module docstring); the same
    arguments give the same (memoised) result."""
    memo = _MEMO.setdefault(prep, {})
    # the days depend on the ready date's weekday only (the timetables are weekly): the
    # same draws serve every week, the dates are counted from the ready week's Monday
    weekday = None if ready is None else ready.weekday()
    key = (tuple(svc.id for svc in services), weekday, samples, seed)
    hit = memo.get(key)
    if hit is None:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        hit = memo[key] = _simulate(prep, services, weekday, samples, seed)
    p10, p50, p90, main, dep_h, arr_h = hit
    etd = eta = None
    if ready is not None:
        monday = dt.datetime.combine(ready, dt.time(), CHINA) - dt.timedelta(days=ready.weekday())
        etd, eta = _at(monday, dep_h), _at(monday, arr_h)
    return Timing(p10, p50, p90, main, etd, eta)


def _simulate(
    prep: Compiled, services: Sequence[Svc], weekday: int | None, samples: int, seed: int
) -> tuple[float, float, float, int, float, float]:
    """p10, p50, p90 days, the main leg, and the medians of its departure and of the
    arrival in hours from the ready week's Monday 00:00."""
    uniform, normals = _draws(seed, samples, weekday is None, 3 * len(services))
    t0 = uniform if uniform is not None else np.full(samples, float(weekday or 0) * 24.0)
    t = t0.copy()
    deps = []
    row = 0  # the standard normals are used in order, as draws from the seeded generator

    def times(median: float, bad: float) -> np.ndarray | float:
        nonlocal row
        if median <= 0.0:
            return 0.0
        if not bad > median:
            return median
        row += 1
        return scaled(normals[row - 1], median, bad)

    for i, svc in enumerate(services):
        if i:
            node = prep.nodes[svc.frm]
            t = t + times(node.dwell_h, node.dwell_h_max)
        if svc.departures_per_week:
            t = next_departure(t, svc.departures_per_week)
        deps.append(t)
        t = t + times(svc.transit_h, svc.transit_h_max)
        t = t + times(svc.via_dwell_h, svc.via_dwell_h_max)
    days = (t - t0) / 24.0
    p10, p50, p90 = _quantiles(days, (0.1, 0.5, 0.9))
    main = max(range(len(services)), key=lambda i: services[i].distance_km)
    if weekday is None:  # no dates without a ready date
        return p10, p50, p90, main, math.nan, math.nan
    # the start is the same for every draw: the arrival's median is the days' median
    return p10, p50, p90, main, float(np.median(deps[main])), weekday * 24.0 + 24.0 * p50


def _quantiles(a: np.ndarray, qs: Sequence[float]) -> tuple[float, ...]:
    """``np.percentile``'s linear quantiles from one partial sort (the same figures)."""
    n = a.size
    pos = [q * (n - 1) for q in qs]
    lows = [math.floor(p) for p in pos]
    kth = sorted({k for lo in lows for k in (lo, min(lo + 1, n - 1))})
    part = np.partition(a, kth)
    out = []
    for p, lo in zip(pos, lows, strict=True):
        hi = min(lo + 1, n - 1)
        out.append(float(part[lo] + (p - lo) * (part[hi] - part[lo])))
    return tuple(out)


_DRAWS: dict[tuple[int, int, bool], tuple[np.ndarray | None, np.ndarray]] = {}


def _draws(
    seed: int, samples: int, uniform: bool, rows: int
) -> tuple[np.ndarray | None, np.ndarray]:
    """The seeded generator's draws, made once: the start times (uniform over the week,
    when no ready date) then rows of standard normals, exactly what drawing them one
    call at a time gives (``Generator`` draws are a stream)."""
    key = (seed, samples, uniform)
    hit = _DRAWS.get(key)
    if hit is None or hit[1].shape[0] < rows:
        rng = np.random.default_rng(seed)
        start = rng.uniform(0.0, HOURS_PER_WEEK, samples) if uniform else None
        hit = _DRAWS[key] = (start, rng.standard_normal((max(rows, 36), samples)))
    return hit


def _at(monday: dt.datetime, hours: float) -> dt.datetime:
    """A time ``hours`` after Monday 00:00, to the hour."""
    return monday + dt.timedelta(hours=round(hours))


def with_validity(timing: Timing, services: Sequence[Svc], ready: dt.date | None) -> Timing:
    """The timing with the date its rates hold until, and whether that has passed by the
    ready date (today without one)."""
    ends = [
        svc.valid_until or svc.rate_as_of + dt.timedelta(days=VALID_DAYS.get(svc.mode, 14))
        for svc in services
    ]
    until = min(ends) if ends else None
    when = ready or dt.datetime.now(CHINA).date()
    return Timing(
        timing.days_p10,
        timing.days_p50,
        timing.days_p90,
        timing.main_leg,
        timing.etd,
        timing.eta,
        until,
        until is not None and until < when,
    )
