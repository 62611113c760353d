"""The quote API, in process with the framework's test client."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    # starlette >= 1.x warns that its test client prefers httpx2 (not installed here)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from optimizer.api import (
    MAX_API_ALTERNATIVES,
    MAX_BATCH,
    MAX_BATCH_BODY_BYTES,
    MAX_BODY_BYTES,
    create_app,
)


@pytest.fixture(scope="module")
def client(tiny: Any) -> TestClient:
    return TestClient(create_app(tiny, warm_up=False))


def field_of(response: Any) -> list[str]:
    return [str(d["loc"][-1]) for d in response.json()["detail"]]


def test_quote_ok(client: TestClient) -> None:
    r = client.post(
        "/quote",
        json={"from": "Origin Three", "to": "德国市场", "tonnes": 2, "cbm": 30, "currency": "EUR"},
    )
    assert r.status_code == 200
    data = r.json()
    assert [a["modes"][1] for a in data["alternatives"]] == ["cr_express", "air"]
    first = data["alternatives"][0]
    assert first["total_cost_cny"] == pytest.approx(
        sum(leg["cost_cny"] for leg in first["legs"]), abs=0.05
    )
    assert first["currency"] == "EUR"
    assert data["assumptions"]
    assert data["origin"]["id"] == "CN_O3"


def test_quote_matches_python_api(client: TestClient, tiny: Any) -> None:
    from optimizer.pricing.quote import Cargo, quote

    r = client.post("/quote", json={"from": "CN_O1", "to": "DE_WH1", "tonnes": 5, "cbm": 20})
    expected = quote(tiny, "CN_O1", "DE_WH1", Cargo(5, 20)).to_dict()
    assert r.json() == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "CN_O1", "to": "DE_MKT", "tonnes": -2}, "tonnes"),
        ({"from": "CN_O1", "to": "DE_MKT", "cbm": 0}, "cbm"),
        ({"from": "CN_O1", "to": "DE_MKT", "tonnes": "heavy"}, "tonnes"),
        ({"from": "CN_O1", "to": "DE_MKT", "tonnes": [1]}, "tonnes"),
        ({"from": "CN_O1", "to": "Atlantis", "tonnes": 1}, "to"),
        ({"from": "Nowhere", "to": "DE_MKT"}, "from"),
        ({"to": "DE_MKT"}, "from"),
        ({"from": 5, "to": "DE_MKT"}, "from"),
        ({"from": "CN_O1", "to": "DE_MKT", "modes": ["ship"]}, 0),
        ({"from": "CN_O1", "to": "DE_MKT", "product": "kryptonite"}, "product"),
        ({"from": "CN_O1", "to": "DE_MKT", "avoid": ["Atlantis"]}, "avoid"),
        ({"from": "CN_O1", "to": "DE_MKT", "max_alternatives": 1000}, "max_alternatives"),
        ({"from": "CN_O1", "to": "DE_MKT", "currency": "GBP"}, "currency"),
        ({"from": "CN_O1", "to": "DE_MKT", "colour": "red"}, "colour"),
        ({"from": "CN_O1", "to": "DE_AIRPORT"}, "to"),  # no route
    ],
)
def test_bad_requests_are_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str | int
) -> None:
    r = client.post("/quote", json=body)
    assert r.status_code == 422, r.text
    assert str(field) in field_of(r)
    assert all(d["msg"] for d in r.json()["detail"])


def test_unknown_node_lists_close_matches(client: TestClient) -> None:
    r = client.post("/quote", json={"from": "CN_O1", "to": "DE_MKX"})
    assert "close matches: DE_MKT" in r.json()["detail"][0]["msg"]
    r = client.post("/quote", json={"from": "CN_O1", "to": "DE_AIRPORT"})
    assert "cannot be reached" in r.json()["detail"][0]["msg"]


def test_huge_requests_are_bounded(client: TestClient) -> None:
    big = {"from": "CN_O1", "to": "DE_MKT", "avoid": ["X" * 100] * (MAX_BODY_BYTES // 100)}
    r = client.post("/quote", json=big)
    assert r.status_code == 413
    r = client.post(
        "/quote",
        content=b"[" + b"1," * MAX_BODY_BYTES + b"1]",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    r = client.post("/quote", json={"from": "CN_O1", "to": "DE_MKT", "avoid": ["CN_O2"] * 21})
    assert r.status_code == 422
    assert "avoid" in field_of(r)
    r = client.post(
        "/quote", json={"from": "CN_O3", "to": "DE_MKT", "max_alternatives": MAX_API_ALTERNATIVES}
    )
    assert r.status_code == 200
    assert len(r.json()["alternatives"]) <= MAX_API_ALTERNATIVES
    r = client.post("/quote", json={"from": "CN_O1", "to": "DE_MKT", "tonnes": 1e9})
    assert r.status_code == 422


def test_nodes_health_openapi(client: TestClient) -> None:
    nodes = client.get("/nodes").json()
    assert {n["id"] for n in nodes} >= {"CN_O1", "DE_MKT"}
    assert {"name", "name_zh", "kind", "lat", "lon"} <= set(nodes[0])
    markets = client.get("/nodes", params={"kind": "market"}).json()
    assert {n["id"] for n in markets} == {"DE_MKT", "PL_MKT"}
    assert client.get("/health").json()["status"] == "ok"
    schema = client.get("/openapi.json").json()
    assert "/quote" in schema["paths"]
    props = schema["components"]["schemas"]["QuoteRequest"]["properties"]
    assert {"from", "to", "tonnes", "cbm", "modes", "avoid"} <= set(props)


def test_serve_binds_to_loopback_by_default(monkeypatch: pytest.MonkeyPatch, tiny_dir: Any) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from optimizer.cli import app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda server, **kw: calls.append({"app": server, **kw}))
    res = CliRunner().invoke(app, ["serve", "--data", str(tiny_dir), "--port", "8123"])
    assert res.exit_code == 0, res.output
    assert calls[0]["host"] == "127.0.0.1"
    assert calls[0]["port"] == 8123
    served = TestClient(calls[0]["app"])
    assert served.get("/health").json()["nodes"] == 12


def test_quotes_answers_each_request_in_order(client: TestClient, tiny: Any) -> None:
    from optimizer.pricing.quote import Cargo, quote

    good = {"from": "CN_O1", "to": "DE_WH1", "tonnes": 5, "cbm": 20}
    r = client.post(
        "/quotes",
        json=[good, {"from": "CN_O1", "to": "Atlantis"}, {"from": "CN_O1", "tonnes": -1}, 7, good],
    )
    assert r.status_code == 200, r.text
    answers = r.json()
    assert len(answers) == 5
    expected = quote(tiny, "CN_O1", "DE_WH1", Cargo(5, 20)).to_dict()
    assert answers[0] == expected
    assert answers[4] == expected  # the second time from the answer cache, the same
    unknown = answers[1]["error"]
    assert unknown["field"] == "to"
    assert unknown["status"] == 422
    assert "Atlantis" in unknown["message"]
    assert answers[2]["error"]["field"] in ("to", "tonnes")  # the first problem named
    assert answers[3]["error"]["status"] == 422


def test_quotes_is_bounded(client: TestClient) -> None:
    one = {"from": "CN_O1", "to": "DE_WH1"}
    assert client.post("/quotes", json=[one] * MAX_BATCH).status_code == 200
    for body in ([one] * (MAX_BATCH + 1), [], one, "x"):
        r = client.post("/quotes", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body"]
    r = client.post(
        "/quotes",
        content=b"[" + b"1," * MAX_BATCH_BODY_BYTES + b"1]",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    r = client.post("/quotes", content=b"[{", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_places_are_resolved_as_quote_resolves_them(client: TestClient, tiny: Any) -> None:
    # a city stands for its zone nearest the centre (origin) or for all its nodes
    r = client.post("/quote", json={"from": "Deyang", "to": "Duisburg", "tonnes": 2})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["origin"]["nodes"] == list(tiny.resolve_place("Deyang", "origin"))
    assert set(data["destination"]["nodes"]) == {"DE_RT", "DE_WH1"}
    # a name that matches several nodes, or none: 422 naming the field
    for body, field in (
        ({"from": "CN_O1", "to": "Warehouse"}, "to"),
        ({"from": "Nowhere", "to": "DE_MKT"}, "from"),
        ({"from": "CN_O1", "to": "Nowhere"}, "to"),
        ({"from": "Chengdu", "to": "Chengdu"}, "to"),
    ):
        r = client.post("/quote", json=body)
        assert r.status_code == 422, r.text
        assert field_of(r) == [field]


def test_ready_date_is_taken(client: TestClient) -> None:
    r = client.post("/quote", json={"from": "CN_O1", "to": "DE_WH1", "ready": "2026-03-02"})
    assert r.status_code == 200, r.text
    assert r.json()["ready"] == "2026-03-02"
    assert r.json()["alternatives"][0]["etd"]
    for bad in ("1999-12-31", "2026-02-30", "soon"):
        r = client.post("/quote", json={"from": "CN_O1", "to": "DE_WH1", "ready": bad})
        assert r.status_code == 422
        assert field_of(r) == ["ready"]


def test_schema_has_the_networks_enums(client: TestClient, tiny: Any) -> None:
    props = client.get("/openapi.json").json()["components"]["schemas"]["QuoteRequest"][
        "properties"
    ]
    product = next(s for s in props["product"]["anyOf"] if s.get("type") == "string")
    assert product["enum"] == list(tiny.products.index)
    assert props["currency"]["enum"] == list(tiny.fx.index)
    assert props["rank_by"]["enum"] == ["cost", "days", "co2"]
    tonnes = next(s for s in props["tonnes"]["anyOf"] if s.get("type") == "number")
    assert tonnes["minimum"] > 0
    assert tonnes["maximum"] == 100_000
    r = client.post("/quote", json={"from": "CN_O1", "to": "DE_MKT", "product": ""})
    assert r.status_code == 422
    assert field_of(r) == ["product"]


def test_bundled_places(bundled_client: TestClient) -> None:
    r = bundled_client.post("/quote", json={"from": "德阳经开区", "to": "Los Angeles", "tonnes": 2})
    assert r.status_code == 200, r.text
    assert r.json()["origin"]["id"] == "CN_DY_ETDZ"
    assert r.json()["destination"]["nodes"] == ["US_MKT_WEST"]


@pytest.fixture(scope="module")
def bundled_client() -> TestClient:
    from optimizer.data.loader import load_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = load_network()
    return TestClient(create_app(net, warm_up=False))


def test_serve_workers_run_the_app_factory(monkeypatch: pytest.MonkeyPatch, tiny_dir: Any) -> None:
    import os

    import uvicorn
    from typer.testing import CliRunner

    from optimizer.api import served_app
    from optimizer.cli import app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda server, **kw: calls.append({"app": server, **kw}))
    for key in ("CORRIDOR_SERVE_DATA", "CORRIDOR_SERVE_SCENARIO"):
        monkeypatch.setenv(key, "")
    res = CliRunner().invoke(app, ["serve", "--data", str(tiny_dir), "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert calls[0]["app"] == "optimizer.api:served_app"
    assert calls[0]["factory"] is True
    assert calls[0]["workers"] == 2
    assert os.environ["CORRIDOR_SERVE_DATA"] == str(tiny_dir.resolve())
    served = TestClient(served_app(), raise_server_exceptions=True)
    assert served.get("/health").json()["nodes"] == 12


def test_a_refused_request_echoing_a_huge_integer_is_422_not_500(client):
    """orjson cannot write an integer beyond 64 bits: the echo falls back to the standard
    library (found by schemathesis)."""
    body = b'{"": -9223372036854775809}'
    r = client.post("/quote", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    extra = [d for d in r.json()["detail"] if d["loc"] == ["body", ""]]
    assert extra and extra[0]["input"] == -9223372036854775809
