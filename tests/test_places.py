"""Places in a quote: a node, a zone by its Chinese short name, a city's door, a city's nodes."""

from __future__ import annotations

from typing import Any

import pytest

from optimizer.data.loader import load_network
from optimizer.errors import InputError
from optimizer.pricing.quote import Cargo, quote


@pytest.fixture(scope="module")
def bundled() -> Any:
    return load_network()


@pytest.mark.parametrize(
    ("text", "role", "nodes"),
    [
        ("CN_DEY_RAILPORT", "origin", ("CN_DEY_RAILPORT",)),
        ("德阳经开区", "origin", ("CN_DY_ETDZ",)),  # 经开区 = 经济技术开发区
        ("德阳经济技术开发区", "origin", ("CN_DY_ETDZ",)),
        ("绵阳高新区", "origin", ("CN_MY_HITECH",)),
        ("Deyang", "origin", ("CN_DY_JINGYANG",)),  # the zone nearest the zones' centre
        ("德阳", "origin", ("CN_DY_JINGYANG",)),
        ("Chengdu", "origin", ("CN_CD_RAILPORT", "CN_CTU", "CN_TFU")),  # no zone: every node
        ("Los Angeles", "destination", ("US_MKT_WEST",)),  # the market: door delivery
        ("Tokyo", "destination", ("JP_MKT_KANTO",)),
        ("Duisburg", "destination", ("DE_DUISBURG", "DE_WH_DUISBURG")),  # no market
        ("洛杉矶国际机场", "destination", ("US_APT_LAX",)),  # a node by its Chinese name
    ],
)
def test_a_place_stands_for_its_door(bundled: Any, text: str, role: str, nodes: tuple) -> None:
    assert bundled.resolve_place(text, role) == nodes


def test_a_city_of_nodes_never_ends_at_an_origin_zone(bundled: Any) -> None:
    for node in bundled.resolve_place("Mianyang", "destination"):
        assert bundled.nodes.at[node, "kind"] != "origin"


def test_unknown_and_ambiguous_places_say_so(bundled: Any) -> None:
    with pytest.raises(InputError, match="unknown node 'Atlantis'"):
        bundled.resolve_place("Atlantis", "destination")
    with pytest.raises(ValueError, match="role"):
        bundled.resolve_place("Tokyo", "sideways")


def test_door_to_door_from_a_zone_to_a_city_offers_air_and_sea(bundled: Any) -> None:
    q = quote(bundled, "德阳经开区", "Los Angeles", Cargo(tonnes=5, cbm=20), max_alternatives=8)
    assert q.origin == "CN_DY_ETDZ" and q.destination == "US_MKT_WEST"
    mains = {leg.mode for a in q.alternatives for leg in a.legs}
    assert {"air", "sea"} <= mains
    for a in q.alternatives:
        assert a.legs[0].from_node == "CN_DY_ETDZ"  # the first mile from the zone
        assert a.legs[-1].to_node == "US_MKT_WEST"
    # modes name the main haul; the first and last mile stay
    air = quote(bundled, "德阳经开区", "Los Angeles", Cargo(tonnes=5, cbm=20), modes=["air"])
    assert all("air" in a.modes for a in air.alternatives)
    doc = q.to_dict()
    assert doc["origin"]["nodes"] == ["CN_DY_ETDZ"] and doc["destination"]["id"] == "US_MKT_WEST"


def test_a_city_of_several_nodes_starts_wherever_serves_best(bundled: Any) -> None:
    q = quote(bundled, "Chengdu", "Duisburg", Cargo(tonnes=5, cbm=20), max_alternatives=8)
    starts = {a.legs[0].from_node for a in q.alternatives}
    assert starts <= {"CN_CD_RAILPORT", "CN_CTU", "CN_TFU"} and len(starts) >= 2
    assert {a.legs[-1].to_node for a in q.alternatives} <= {"DE_DUISBURG", "DE_WH_DUISBURG"}
    assert any("stands for its 3 nodes" in line for line in q.assumptions)
    assert q.origin_nodes == ("CN_CD_RAILPORT", "CN_CTU", "CN_TFU")
