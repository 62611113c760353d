"""A forwarder's tariff rules: air weight breaks, dangerous goods, out-of-gauge cargo.

Formulation
-----------
*Air weight breaks.* An air service's ``rate`` (per chargeable kg) is the index rate
at the +300 kg break (the Freightos Air Index prices the 100-300 and 300-1,000 kg
breaks). The tariff has breaks ``b`` = 0 (N, under 45 kg), 45, 100, 300, 500, 1000 kg
with rates ``r_b = rate x f_b`` (``air_break_*_factor`` in parameters.csv). For a
chargeable weight ``w`` the freight is the TACT rule::

    freight(w) = max(M, min_b  r_b x max(w, b))   over the breaks b

that is, the rate of the break ``w`` reaches, unless charging the weight of a higher
break at its lower rate is cheaper ("higher weight break"), and never below the
minimum charge ``M`` (``air_min_charge_cny``). Without the parameters an air rate is
flat per kg, as before.

*Dangerous goods.* A cargo may carry a class of the UN model regulations (IMDG at
sea, ADR on road, RID on rail, IATA DGR by air: ``1``-``9`` with divisions such as
``2.1``, ``6.1``). Rules (:func:`excluded`): parcel and courier services
(``last_mile``) carry no dangerous goods; classes 1 and 7 (explosives, radioactive
material) are not quoted at all (a specialist carrier is needed); CR Express and
the other trains take classes 3, 8 and 9 only; loose (LCL) sea and rail cargo is not
offered. DG surcharges are lines of ``charges.csv`` (``dg = dg``).

*Out-of-gauge.* A piece longer, wider or taller than a 40'HC takes (``oog_max_*_m``)
is out of gauge: container services price it on 40' flat racks, ``n = ceil(t /
flat_rack_max_t)`` racks at ``flat_rack_rate_factor`` x the 40' rate, with no LCL; a
piece over the flat rack's weight, or over 12 m on a train, is not quoted (breakbulk or
project cargo); air takes pieces up to ``air_max_piece_height_m``; parcels none.

Every default above is a parameter whose source (or assumption) is in parameters.csv.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from optimizer.data.network import Network
from optimizer.errors import InputError

#: The air tariff's weight breaks (kg) and the parameters holding their rate factors.
AIR_BREAKS = (
    (0.0, "air_break_n_factor"),
    (45.0, "air_break_45_factor"),
    (100.0, "air_break_100_factor"),
    (300.0, "air_break_300_factor"),
    (500.0, "air_break_500_factor"),
    (1000.0, "air_break_1000_factor"),
)
#: UN dangerous-goods classes and divisions accepted as ``--dg``.
DG_CLASS = re.compile(r"^(1(\.[1-6])?|2(\.[1-3])?|3|4(\.[1-3])?|5(\.[12])?|6(\.[12])?|7|8|9)$")
#: Classes no service of the network is quoted for (a specialist carrier is needed).
DG_NOT_QUOTED = ("1", "7")
#: Classes the trains take (assumption after the CR Express DG pilots: flammable
#: liquids, corrosives and miscellaneous DG in approved boxes).
DG_RAIL_CLASSES = ("3", "8", "9")
RAIL_MODES = frozenset({"cr_express", "rail", "rail_sea"})
CONTAINER_BASES = frozenset({"FEU", "TEU"})


@dataclass(frozen=True)
class Rules:
    """The tariff parameters of a network (parameters.csv), read once."""

    air_breaks: tuple[tuple[float, float], ...]  # (break kg, factor); empty: flat per kg
    air_min_cny: float
    flat_rack_factor: float
    gauge_m: tuple[float, float, float]  # length, width, height a 40'HC takes
    flat_rack_max_t: float
    air_max_height_m: float


def rules_of(network: Network) -> Rules:
    p = network.parameters
    breaks = tuple((kg, float(p[name])) for kg, name in AIR_BREAKS if name in p)
    return Rules(
        air_breaks=breaks if len(breaks) == len(AIR_BREAKS) else (),
        air_min_cny=float(p.get("air_min_charge_cny", 0.0)),
        flat_rack_factor=float(p.get("flat_rack_rate_factor", 1.8)),
        gauge_m=(
            float(p.get("oog_max_length_m", 12.0)),
            float(p.get("oog_max_width_m", 2.34)),
            float(p.get("oog_max_height_m", 2.58)),
        ),
        flat_rack_max_t=float(p.get("flat_rack_max_t", 40.0)),
        air_max_height_m=float(p.get("air_max_piece_height_m", 2.44)),
    )


def air_freight(rules: Rules, rate_cny: float, kg: float) -> tuple[float, float, str]:
    """Air freight for ``kg`` chargeable: (charge, rate per kg applied, the break's label).

    Examples
    --------
    >>> r = Rules(((0, 2.0), (45, 1.35), (100, 1.12), (300, 1.0), (500, 0.96), (1000, 0.92)),
    ...           400.0, 1.8, (12.0, 2.34, 2.58), 40.0, 2.44)
    >>> air_freight(r, 30.0, 10)      # 10 kg x 60 = 600 above the minimum 400
    (600.0, 60.0, 'N (-45 kg)')
    >>> air_freight(r, 30.0, 95)[2]   # 95 kg x 40.5 = 3847.5 > 100 kg x 33.6 = 3360
    '+100 kg (charged as 100 kg)'
    """
    if not rules.air_breaks:
        return kg * rate_cny, rate_cny, "flat per kg"
    best: tuple[float, float, str] | None = None
    for b, factor in rules.air_breaks:
        rate = rate_cny * factor
        charged_kg = max(kg, b)
        cost = charged_kg * rate
        label = "N (-45 kg)" if b == 0 else f"+{b:g} kg"
        if charged_kg > kg:
            label += f" (charged as {b:g} kg)"
        if best is None or cost < best[0] - 1e-9:
            best = (cost, rate, label)
    assert best is not None
    if best[0] < rules.air_min_cny:
        return rules.air_min_cny, rules.air_min_cny / max(kg, 1e-9), "minimum charge (M)"
    return best


def check_dg_class(value: str | None) -> str | None:
    """A DG class as given (``3``, ``6.1``), ``None`` for none; raises InputError otherwise."""
    if value is None:
        return None
    text = str(value).strip().lower().removeprefix("class").strip()
    if text in ("", "none", "no", "-"):
        return None
    if not DG_CLASS.match(text):
        msg = (
            f"unknown dangerous-goods class {value!r}: give a UN class or division "
            "(1-9, e.g. 3, 6.1, 8), or none"
        )
        raise InputError(msg, field="dg")
    return text


def check_piece(value: str | None) -> tuple[float, float, float] | None:
    """A piece's ``LxWxH`` in metres (``12.5x3.2x3.1``), ``None`` for none."""
    if value is None or not str(value).strip():
        return None
    parts = re.split(r"\s*[x×*,]\s*", str(value).strip().lower().removesuffix("m"))
    try:
        dims = tuple(float(p) for p in parts)
    except ValueError:
        dims = ()
    if len(dims) != 3 or not all(math.isfinite(d) and 0 < d <= 100 for d in dims):
        msg = f"piece size {value!r}: give length x width x height in metres, e.g. 12.5x3.2x3.1"
        raise InputError(msg, field="piece")
    return (dims[0], dims[1], dims[2])


def dg_main(dg_class: str) -> str:
    """The class of a division (``6.1`` -> ``6``)."""
    return dg_class.split(".", 1)[0]


def out_of_gauge(rules: Rules, piece: tuple[float, float, float] | None) -> bool:
    """Whether a piece is over what a 40'HC takes (its length, width and height)."""
    if piece is None:
        return False
    return any(d > g for d, g in zip(piece, rules.gauge_m, strict=True))


def excluded(
    rules: Rules,
    mode: str,
    rate_basis: str,
    dg_class: str | None,
    piece: tuple[float, float, float] | None,
    piece_t: float,
) -> str | None:
    """Why a service of ``mode`` cannot carry the cargo (``None``: it can)."""
    if dg_class is not None:
        if dg_main(dg_class) in DG_NOT_QUOTED:
            return f"DG class {dg_class} is not quoted (a specialist carrier is needed)"
        if mode == "last_mile":
            return f"parcel and courier services carry no dangerous goods (class {dg_class})"
        if mode in RAIL_MODES and dg_main(dg_class) not in DG_RAIL_CLASSES:
            return f"trains take DG classes {', '.join(DG_RAIL_CLASSES)} only (not {dg_class})"
    if out_of_gauge(rules, piece):
        assert piece is not None
        if mode == "last_mile":
            return "parcel and pallet delivery takes no out-of-gauge piece"
        if mode == "air" and piece[2] > rules.air_max_height_m:
            return (
                f"a piece {piece[2]:g} m high is over the {rules.air_max_height_m:g} m "
                "main-deck height of freighters"
            )
        if rate_basis in CONTAINER_BASES:
            if piece_t > rules.flat_rack_max_t:
                return (
                    f"a piece of {piece_t:g} t is over a flat rack's {rules.flat_rack_max_t:g} "
                    "t: breakbulk or project cargo, not quoted"
                )
            if mode in RAIL_MODES and piece[0] > rules.gauge_m[0]:
                return f"a piece {piece[0]:g} m long is over a 40' flat rack on a train"
    return None
