"""Chargeable quantities and consolidation units: how a tonne of cargo is charged on a service."""

from __future__ import annotations

from optimizer.data.network import Network

#: Rate bases priced per unit (container or truck); the model buys whole units.
UNIT_BASES = ("FEU", "TEU", "truck")


def chargeable_per_tonne(
    basis: str, density_kg_per_cbm: float, mode: str, air_kg_per_cbm: float
) -> float:
    """Chargeable quantity in ``basis`` units for one tonne of cargo of this density.

    ``tonne``: 1; ``kg``: 1000, or for air the greater of gross and volume
    weight (1:6000 cm3/kg = ``air_kg_per_cbm`` kg per cbm); ``cbm``: volume;
    ``wm``: revenue tonnes, the greater of tonnes and cbm.
    """
    cbm = 1000.0 / density_kg_per_cbm
    if basis == "tonne":
        return 1.0
    if basis == "kg":
        if mode == "air":
            return 1000.0 * max(1.0, air_kg_per_cbm / density_kg_per_cbm)
        return 1000.0
    if basis == "cbm":
        return cbm
    if basis == "wm":
        return max(1.0, cbm)
    msg = f"not a weight or volume basis: {basis}"
    raise ValueError(msg)


def unit_dimensions(network: Network, basis: str) -> tuple[float, float]:
    """(payload t, volume cbm) of a consolidation unit."""
    key = {"FEU": "feu", "TEU": "teu", "truck": "truck"}[basis]
    return network.param(f"{key}_payload_t"), network.param(f"{key}_volume_cbm")
