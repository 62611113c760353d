"""Maps and reports built from the tiny solution: layers, feature counts, popups, files."""

from __future__ import annotations

import inspect
import itertools
import math
import re
from pathlib import Path

import folium
import pytest
from folium.plugins import DualMap
from typer.testing import CliRunner

from optimizer.output import mapping, report
from optimizer.output.mapping.offline import external_references

SCENARIOS = Path(__file__).parent / "data" / "scenarios"
TINY = Path(__file__).parent / "data" / "tiny"


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two tiny results: the base (PL_WH2 opens) and one with PL_WH2 never opened."""
    from optimizer.studies.pipeline import run_scenario

    root = tmp_path_factory.mktemp("results")
    closed = root / "tiny_no_lodz.yaml"
    closed.write_text(
        f"name: tiny_no_lodz\nbase: {TINY}\noptions:\n  never_open: [PL_WH2]\n  rel_gap: 0\n",
        encoding="utf-8",
    )
    base = run_scenario(SCENARIOS / "tiny_base.yaml", out=root / "tiny_base").directory
    other = run_scenario(closed, out=root / "tiny_no_lodz").directory
    return {"base": base, "no_lodz": other}


@pytest.fixture(scope="module")
def solved(results: dict[str, Path]):
    return mapping.load_result(results["base"])


def _groups(fmap: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {g.layer_name: g for g in fmap._children.values() if isinstance(g, folium.FeatureGroup)}


def _group(fmap: folium.Map, prefix: str) -> folium.FeatureGroup:
    hits = [g for name, g in _groups(fmap).items() if name.startswith(prefix)]
    assert len(hits) == 1, (prefix, list(_groups(fmap)))
    return hits[0]


def _features(group: folium.FeatureGroup, kind: type) -> list:
    return [c for c in group._children.values() if isinstance(c, kind)]


def _popup_html(element: folium.Element) -> str:
    popups = [c for c in element._children.values() if isinstance(c, folium.Popup)]
    assert popups, f"{element} has no popup"
    return popups[0].html.render()


# -- solution map ------------------------------------------------------------------------------
def test_builders_take_results_and_network_only() -> None:
    sig = inspect.signature(mapping.map_solution)
    assert list(sig.parameters) == ["solution", "network", "fmap", "offline"]
    assert sig.parameters["fmap"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(mapping.map_comparison).parameters)[:3] == [
        "solution_a",
        "solution_b",
        "network",
    ]
    assert list(inspect.signature(mapping.map_quote).parameters)[:2] == ["quote", "network"]


def test_map_solution_does_not_solve(solved, monkeypatch: pytest.MonkeyPatch) -> None:
    solution, network = solved

    def boom(*_a, **_k):
        raise AssertionError("a map builder must not solve")

    monkeypatch.setattr("optimizer.models.design.solve_problem", boom)
    monkeypatch.setattr("optimizer.models.design.build_problem", boom)
    mapping.map_solution(solution, network)


def test_map_solution_layers_counts_and_popups(solved) -> None:
    solution, network = solved
    fmap = mapping.map_solution(solution, network)
    names = list(_groups(fmap))
    lanes = solution.lanes[solution.lanes["tonnes"] > 1e-6]
    # One flow layer per mode used, with one line per lane.
    for mode, sub in lanes.groupby("mode"):
        group = _group(fmap, f"Flows · {mode} ")
        assert len(_features(group, folium.PolyLine)) == len(sub)
    assert sum(n.startswith("Flows · ") for n in names) == lanes["mode"].nunique()
    # Warehouses: PL_WH2 open, DE_WH1 closed; three origins; two markets.
    assert len(_features(_group(fmap, "Open warehouses"), folium.CircleMarker)) == 1
    assert len(_features(_group(fmap, "Closed candidate warehouses"), folium.CircleMarker)) == 1
    assert len(_features(_group(fmap, "Origins"), folium.CircleMarker)) == 3
    assert len(_features(_group(fmap, "Markets"), folium.CircleMarker)) == 2
    hubs = _features(_group(fmap, "Hubs, ports, border crossings used"), folium.CircleMarker)
    assert len(hubs) == 5  # CN_RP, CN_AIR, PL_BORDER (via), DE_RT, DE_AIRPORT
    assert not any(n.startswith("Unmet demand") for n in names)

    # The CR Express lane: containers and fill rate in the popup, widest line.
    cr = _features(_group(fmap, "Flows · cr_express "), folium.PolyLine)[0]
    text = _popup_html(cr)
    assert "FEU/year" in text and "fill rate" in text and "100.0%" in text
    assert "Rail Port 铁路港" in text
    widths = [
        line.options["weight"]
        for g in _groups(fmap).values()
        for line in _features(g, folium.PolyLine)
    ]
    assert cr.options["weight"] == max(widths)

    # Open warehouse popup: utilisation, fixed cost, markets served.
    wh = _features(_group(fmap, "Open warehouses"), folium.CircleMarker)[0]
    text = _popup_html(wh)
    assert "Warehouse Two 海外仓二" in text
    assert "40.0%" in text and "1.50 M CNY/year" in text
    assert "Germany market" in text and "Poland market" in text
    # Market popup: how it is served.
    markets = _features(_group(fmap, "Markets"), folium.CircleMarker)
    de = next(m for m in markets if "Germany market" in _popup_html(m))
    text = _popup_html(de)
    assert "via warehouse Warehouse Two" in text
    assert "direct from Frankfurt Airport" in text and "direct from Rail Terminal" in text
    assert de.options["radius"] > next(m for m in markets if m is not de).options["radius"]

    html = mapping.render_map(fmap)
    assert "total cost" in html and "12.06 M CNY/year" in html  # KPI box
    assert "China-Europe Railway Express" in html  # legend
    assert "L.control.layers" in html


def test_unmet_demand_is_flagged(solved) -> None:
    import pandas as pd

    solution, network = solved
    unmet = pd.DataFrame(
        [
            {
                "demand_id": "D2",
                "tonnes": 100.0,
                "reason": "capacity: X_RP_RT full",
                "origin": "CN_O2",
                "market": "PL_MKT",
                "product": "electronics",
                "customs_mode": "9810",
            }
        ]
    )
    import dataclasses

    fmap = mapping.map_solution(dataclasses.replace(solution, unmet=unmet), network)
    flagged = _group(fmap, "Unmet demand")
    assert len(_features(flagged, folium.CircleMarker)) == 1
    markets = _features(_group(fmap, "Markets"), folium.CircleMarker)
    pl = next(m for m in markets if "Poland market" in _popup_html(m))
    assert "unmet 100 t: capacity: X_RP_RT full" in _popup_html(pl)


def test_offline_map_is_self_contained_and_deterministic(solved) -> None:
    solution, network = solved
    js_before = list(folium.Map.default_js)
    first = mapping.render_map(mapping.map_solution(solution, network, offline=True))
    second = mapping.render_map(mapping.map_solution(solution, network, offline=True))
    assert first == second
    assert external_references(first) == []
    assert not re.search(r"https?://(?!www\.w3\.org/)", first)
    assert "Natural Earth" in first and "L.tileLayer" not in first
    assert "jQuery" in first or "jquery" in first  # popups need $
    # folium's class-level asset lists are untouched, so online maps still link the CDN.
    assert folium.Map.default_js == js_before
    online = mapping.render_map(mapping.map_solution(solution, network))
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.3" in online
    assert "OpenStreetMap" in online and "CartoDB Positron" in online


def test_save_map_refuses_external_urls_when_offline(solved, tmp_path: Path) -> None:
    from optimizer.output.mapping.offline import OfflineAssetError

    solution, network = solved
    fmap = mapping.map_solution(solution, network)  # online: links CDNs
    with pytest.raises(OfflineAssetError, match="would still fetch"):
        mapping.save_map(fmap, tmp_path / "x.html", offline=True)
    assert not (tmp_path / "x.html").exists()


# -- geometry -------------------------------------------------------------------------------
def test_display_path_crosses_the_antimeridian_continuously() -> None:
    # Qinzhou -> Los Angeles, as a line given in [-180, 180].
    coords = [(108.6, 21.7), (150.0, 35.0), (179.5, 45.0), (-179.5, 46.0), (-118.2, 33.7)]
    (piece,) = mapping.display_path(coords)
    lons = [p[1] for p in piece]
    assert all(abs(b - a) < 180 for a, b in itertools.pairwise(lons))
    assert lons[-1] == pytest.approx(mapping.display_lon(-118.2))
    # The same line given with longitudes past 180 draws the same.
    past = [(x + 360 if x < 0 else x, y) for x, y in coords]
    assert mapping.display_path(past) == [piece]
    # Europe stays where it is.
    assert mapping.display_path([(4.4, 51.9), (6.8, 51.4)]) == [[[51.9, 4.4], [51.4, 6.8]]]


def test_bundled_transpacific_lane_is_continuous() -> None:
    from optimizer.data.loader import load_network

    network = load_network()
    sid = "SEA_QINZHOU_US_LAX"
    if sid not in network.services.index:
        pytest.skip(f"{sid} not in the bundled data")
    row = network.services.loc[sid]
    (piece,) = mapping.service_path(network, sid, row["from"], row["to"])
    lons = [p[1] for p in piece]
    assert max(abs(b - a) for a, b in itertools.pairwise(lons)) < 30
    assert lons[0] == pytest.approx(network.nodes.at[row["from"], "lon"], abs=0.5)
    assert lons[-1] == pytest.approx(
        mapping.display_lon(network.nodes.at[row["to"], "lon"]), abs=0.5
    )


# -- other maps ----------------------------------------------------------------------------------
def test_network_map_layers(tiny) -> None:
    fmap = mapping.map_network(tiny)
    for mode, count in tiny.services["mode"].value_counts().items():
        group = _group(fmap, f"Services · {mode} ")
        assert len(_features(group, folium.PolyLine)) == count
    assert len(_features(_group(fmap, "Origins"), folium.CircleMarker)) == 3
    assert len(_features(_group(fmap, "Border crossings"), folium.CircleMarker)) == 1
    wh = _features(_group(fmap, "Candidate warehouses"), folium.CircleMarker)
    assert len(wh) == 2
    text = _popup_html(wh[0])
    assert "海外仓" in text and "capacity" in text
    html = mapping.render_map(fmap)
    assert "Markets" in html and "Network: base" in html


def test_comparison_map_shows_changes(results: dict[str, Path]) -> None:
    sol_a, net = mapping.load_result(results["base"])
    sol_b, net_b = mapping.load_result(results["no_lodz"])
    dual = mapping.map_comparison(sol_a, sol_b, net, network_b=net_b, offline=True)
    assert isinstance(dual, DualMap)
    changes = _group(dual.m2, "Changes vs A")
    rings = _features(changes, folium.CircleMarker)
    tips = [c.text for r in rings for c in r._children.values() if isinstance(c, folium.Tooltip)]
    assert len(rings) == 2  # DE_WH1 opened, PL_WH2 closed
    assert any("opened in B" in t for t in tips) and any("closed in B" in t for t in tips)
    assert _features(changes, folium.PolyLine)  # flows moved (Duisburg-Lodz road lane)
    # Same styling on both sides.
    assert {n.split(" (")[0] for n in _groups(dual.m1)} >= {"Open warehouses", "Markets"}
    html = mapping.render_map(dual)
    assert external_references(html) == []
    assert "Changes, A: tiny_base" in html and ".sync(" in html
    assert html.index("L.Map.include") < html.index(".sync(")


def test_quote_map_has_a_layer_per_alternative(tiny) -> None:
    from optimizer.pricing.quote import Cargo, quote

    q = quote(tiny, "CN_O1", "DE_MKT", Cargo(tonnes=2.0, cbm=10.0), max_alternatives=5)
    fmap = mapping.map_quote(q, tiny)
    layers = [n for n in _groups(fmap) if re.match(r"\d+\. ", n)]
    assert len(layers) == len(q.alternatives) >= 1
    first = q.alternatives[0]
    assert f"{first.total_cost_cny:,.0f} CNY" in layers[0]
    assert f"{first.days:.1f} days" in layers[0] and "kg CO2" in layers[0]
    assert len(_features(_groups(fmap)[layers[0]], folium.PolyLine)) == len(first.legs)


# -- files and CLI ---------------------------------------------------------------------------------
def test_write_solution_map_defaults_to_maps_dir(
    results: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = mapping.write_solution_map(results["base"], offline=True)
    assert path == Path("maps") / "tiny_base_offline.html"
    assert external_references(path.read_text(encoding="utf-8")) == []


def test_report_tables(solved) -> None:
    solution, network = solved
    cb = report.cost_breakdown(solution)
    assert cb["cny"].sum() == pytest.approx(solution.kpis["total_cost_cny"])
    ms = report.mode_split(solution)
    assert ms["tkm_share"].sum() == pytest.approx(1.0)
    assert ms.iloc[0]["mode"] == "cr_express"
    wt = report.warehouse_table(solution, network)
    assert list(wt["warehouse_id"]) == ["PL_WH2", "DE_WH1"]
    assert wt.iloc[0]["markets_served"] == "Germany market, Poland market"
    ct = report.corridor_table(solution)
    row = ct[ct["corridor"] == "CR Express via Poland"].iloc[0]
    assert row["units_per_year"] == pytest.approx(52.0)
    assert math.isclose(row["fill_rate"], 1.0, rel_tol=1e-6)
    assert report.unmet_table(solution, network).empty


def test_report_html_is_self_contained(solved) -> None:
    solution, network = solved
    map_page = mapping.render_map(mapping.map_solution(solution, network, offline=True))
    page = report.report_html(solution, network, map_html=map_page)
    for heading in ("Cost breakdown", "Mode split", "Warehouses", "Corridors", "Unmet demand"):
        assert f"<h2>{heading}" in page
    assert page.count("<svg") == 2 and "<iframe" in page and "srcdoc=" in page
    assert "All demand is served." in page
    assert external_references(page) == []
    assert not re.search(r"https?://(?!www\.w3\.org/)", page)


def test_cli_map_and_report(results: dict[str, Path], tmp_path: Path) -> None:
    from optimizer.cli import app

    runner = CliRunner()
    out = tmp_path / "m.html"
    res = runner.invoke(app, ["map", str(results["base"]), "--offline", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert external_references(out.read_text(encoding="utf-8")) == []

    net_out = tmp_path / "net.html"
    res = runner.invoke(app, ["map", "network", "--data", str(TINY), "--out", str(net_out)])
    assert res.exit_code == 0, res.output
    assert "cr_express (1)" in net_out.read_text(encoding="utf-8")

    cmp_out = tmp_path / "cmp.html"
    res = runner.invoke(
        app,
        ["map", "compare", str(results["base"]), str(results["no_lodz"]), "-o", str(cmp_out)],
    )
    assert res.exit_code == 0, res.output
    assert "Changes vs A" in cmp_out.read_text(encoding="utf-8")

    rep = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(results["base"]), "--out", str(rep)])
    assert res.exit_code == 0, res.output
    assert "corridor report: tiny_base" in rep.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["map", "network", "extra"], "takes no further argument"),
        (["map", "compare", "only_one"], "usage: corridor map compare"),
        (["map", "does/not/exist"], "no solution.json"),
        (["report", "does/not/exist"], "no solution.json"),
    ],
)
def test_cli_errors_exit_2_without_traceback(args: list[str], message: str) -> None:
    from optimizer.cli import app

    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output
