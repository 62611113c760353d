"""The bundled data set validates clean and has the sizes issue 2 asks for."""

from __future__ import annotations

import pytest

from optimizer.data.info import network_info
from optimizer.data.loader import DEFAULT_DATA_DIR, validate_network_dir


@pytest.fixture(scope="module")
def bundled():
    network, issues = validate_network_dir(DEFAULT_DATA_DIR, strict=True)
    assert issues == [], [str(i) for i in issues]
    assert network is not None
    return network


def test_bundled_data_validates_strictly(bundled):
    assert len(bundled.nodes) > 100


def test_bundled_sizes(bundled):
    info = network_info(bundled)
    kinds = info["nodes_by_kind"]
    assert kinds["origin"] == 19
    assert kinds["rail_terminal"] >= 10
    assert kinds["seaport"] - 3 >= 15  # foreign seaports (Qinzhou, Shanghai, Shenzhen are Chinese)
    foreign_airports = int(
        ((bundled.nodes["kind"] == "airport") & (bundled.nodes["country"] != "CN")).sum()
    )
    assert foreign_airports >= 10
    assert info["warehouses"] >= 25
    # Regional coverage: most markets have a real choice of warehouse.
    assert info["markets_with_2plus_warehouses"] >= info["markets"] // 2
    assert sum(1 for ws in info["warehouses_by_market"].values() if ws) >= 30
    assert len(info["warehouse_countries"]) >= 12
    assert {
        "US",
        "DE",
        "JP",
        "HK",
        "TW",
        "PL",
        "HU",
        "RU",
        "KZ",
        "UZ",
        "AE",
        "VN",
        "TH",
        "MY",
        "SG",
        "ID",
    } <= set(info["warehouse_countries"])
    assert info["markets"] >= 40
    assert info["products"] >= 8
    for crossing in ("CN_ALASHANKOU", "CN_KHORGOS", "CN_ERENHOT", "CN_MANZHOULI", "CN_QINZHOU"):
        assert crossing in bundled.nodes.index
    # calibrated to the plans' 2025 targets (Deyang > 1 bn CNY, Mianyang 1.5 bn CNY)
    assert info["value_vs_target"]["Deyang"] >= 1.0
    assert info["value_vs_target"]["Mianyang"] == pytest.approx(1.0, abs=0.05)


def test_every_row_has_a_source_or_a_stated_assumption(bundled):
    src = bundled.sources
    assert src["source"].str.len().min() > 0
    reasons = src.loc[src["assumption"], "source"].str.split(":", n=1).str[1].str.strip()
    assert (reasons.str.len() > 10).all()
    assert set(bundled.services["mode"]) >= {
        "road",
        "rail",
        "cr_express",
        "rail_sea",
        "sea",
        "air",
        "last_mile",
    }
