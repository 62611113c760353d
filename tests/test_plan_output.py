"""The output side of the frontier and the plan: words, page, files and map from plain dicts."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import folium
import pytest

from optimizer.output import charts
from optimizer.output.frontier import (
    frontier_html,
    frontier_markdown,
    frontier_summary,
    savings,
    stops_paying,
    write_frontier,
)
from optimizer.output.mapping import render_map
from optimizer.output.mapping.offline import external_references
from optimizer.output.mapping.plan import plan_map
from optimizer.output.plan import (
    eligibility_table,
    eligibility_text,
    idle_sentences,
    plan_html,
    plan_markdown,
    plan_summary,
    schedule_table,
    write_plan_tables,
)
from optimizer.results.folders import OutputFolder


def _point(k: int, cost: float | None, open_: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "warehouses": k,
        "used": len(open_),
        "status": "optimal" if cost is not None else "infeasible",
        "gap": 0.0 if cost is not None else None,
        "bound": cost,
        "seconds": 1.5,
        "total_cost_cny": cost,
        "logistics_cost_cny": None if cost is None else cost * 0.7,
        "co2_tonnes": 1234.0,
        "on_promise_share": 0.8 + 0.02 * k,
        "unmet_tonnes": 0.0,
        "open": open_,
        "added": [],
        "dropped": [],
        "saving_cny": None,
        **extra,
    }


@pytest.fixture
def points() -> list[dict[str, Any]]:
    return [
        _point(1, 90e6, ["DE_WH1"]),
        _point(2, 60e6, ["DE_WH1", "PL_WH2"], added=["PL_WH2"], saving_cny=30e6),
        _point(3, 59.5e6, ["DE_WH1", "PL_WH2"], saving_cny=0.5e6),
        _point(4, 59.4e6, ["DE_WH1", "PL_WH2"], saving_cny=0.1e6),
    ]


@pytest.fixture
def doc() -> dict[str, Any]:
    def year(y: int, open_: list[str], new: list[str], public: list[str]) -> dict[str, Any]:
        return {
            "year": y,
            "open": open_,
            "new": new,
            "public": public,
            "closed": [],
            "total_cost_cny": 50e6 + y - 2025,
            "logistics_cost_cny": 30e6,
            "unmet_tonnes": 0.0,
            "co2_tonnes": 800.0,
            "on_promise_share": 0.9,
            "demand_tonnes": 1000.0,
            "subsidy_cny": 1e6,
            "area_m2": 5000.0 * len(open_),
            "discount_factor": 1.0 / 1.05 ** (y - 2025),
            "sites": [
                {
                    "site": s,
                    "operating": "shared",
                    "tier": "small",
                    "public": s in public,
                    "tonnes": 400.0,
                }
                for s in open_
            ],
        }

    return {
        "programme": "sichuan_owh_2025",
        "programme_file": "programmes/sichuan.yaml",
        "base_scenario": "scenarios/tiny_base.yaml",
        "description": "Recognise overseas warehouses over three rounds.",
        "source": "assumption: test",
        "status": "optimal",
        "objective": 150e6,
        "bound": 149e6,
        "gap": 0.0067,
        "seconds": 3.2,
        "discount_rate": 0.05,
        "base_year": 2025,
        "net_present_cost_cny": 150e6,
        "years": [
            year(2025, ["DE_WH1"], ["DE_WH1"], []),
            year(2026, ["DE_WH1", "PL_WH2"], ["PL_WH2"], ["PL_WH2"]),
            year(2027, ["DE_WH1", "PL_WH2"], [], ["PL_WH2"]),
        ],
        "schedule": [
            {
                "site": "PL_WH2",
                "name": "Warehouse Two",
                "country": "PL",
                "recognised_year": 2026,
                "public": True,
                "operating": "owned",
                "tier": "large",
                "eligible": False,
                "missing": ["area_m2 >= 10,000: has 5,000"],
                "unknown": [],
                "operator": "OPB",
            },
            {
                "site": "DE_WH1",
                "name": "Warehouse One",
                "country": "DE",
                "recognised_year": 2025,
                "public": False,
                "operating": "shared",
                "tier": "small",
                "eligible": True,
                "missing": [],
                "unknown": ["firms_served >= ?: threshold not seen (has 20) (priority, not a bar)"],
                "operator": "OPA",
            },
        ],
        "requirements": [
            {
                "name": "public warehouses",
                "year": 2026,
                "kind": "public_count",
                "target": 1,
                "achieved": 1,
                "met": True,
                "source": "assumption: test",
            },
            {
                "name": "on promise",
                "year": 2027,
                "kind": "on_promise_share",
                "target": 0.95,
                "achieved": 0.9,
                "met": False,
                "source": "assumption: test",
            },
        ],
        "eligibility": [
            {
                "site": "DE_WH1",
                "operator": "OPA",
                "operator_name": "Sichuan firm (typical candidate, to be selected)",
                "sourced": False,
                "eligible": True,
                "possible": True,
                "met": [
                    "area_m2 >= 2,000: has 5,000",
                    "country_groups any rongou_node: has rongou_node (priority, not a bar)",
                ],
                "missing": [],
                "unknown": ["firms_served >= ?: threshold not seen (has 20) (priority, not a bar)"],
            },
            {
                "site": "PL_WH2",
                "operator": "OPB",
                "operator_name": "Op B Logistics",
                "sourced": True,
                "eligible": False,
                "possible": False,
                "met": [],
                "missing": ["area_m2 >= 10,000: has 5,000"],
                "unknown": [
                    "wms is 1: value not known",
                    "firms_served >= ?: threshold not seen (has 20) (priority, not a bar)",
                ],
            },
        ],
        "infeasible": None,
        "check": {"ok": True, "violations": []},
    }


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _external_assets(html: str) -> list[str]:
    """URLs a page would fetch (src=, href= of a stylesheet or script, url(...))."""
    hits = re.findall(r"""(?:src|href)\s*=\s*["']?(https?://[^"' >]+)""", html)
    hits += re.findall(r"url\(\s*['\"]?(https?://[^)'\"]+)", html)
    return hits


# -- chart ------------------------------------------------------------------------------------


def test_line_chart_draws_lines_axes_and_marks() -> None:
    svg = charts.line_chart(
        [1, 2, 3],
        {"total": [3.0, 2.0, None]},
        right_series={"on promise": [80.0, 90.0, 95.0]},
        right_unit="%",
        right_range=(0, 100),
        marks=[(2, "stops paying")],
        title="Cost",
        x_label="warehouses",
        unit="M CNY",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 2  # the None breaks the left line after two points
    assert "stops paying" in svg and 'stroke-dasharray="5 4"' in svg
    assert "on promise (% axis)" in svg
    assert "<script" not in svg and not _external_assets(svg)
    assert "no values" in charts.line_chart([], {}, title="empty")


# -- frontier ---------------------------------------------------------------------------------


def test_stops_paying(points: list[dict[str, Any]]) -> None:
    assert stops_paying(points) == 2
    assert stops_paying(points, threshold_cny=50e6) == 1
    assert stops_paying(points, threshold_cny=0.05e6) is None
    assert stops_paying(points[:1]) is None
    # savings computed from the costs when not given, skipping a point without a solution
    bare = [_point(1, 10e6, ["A"]), _point(2, None, []), _point(3, 8e6, ["A", "B"])]
    assert savings(bare) == [None, None, 2e6]
    assert stops_paying(bare, threshold_cny=3e6) == 1
    assert stops_paying(list(reversed(points))) == 2  # order does not matter
    md = frontier_markdown(bare, scenario="x", network=None)
    assert "| 2 | 0 | infeasible | - |" in md and "No solution at 2 (infeasible)" in md


def test_frontier_words_and_page(points: list[dict[str, Any]], tiny) -> None:
    md = frontier_markdown(points, scenario="tiny_base", network=tiny)
    assert "stops paying after 2" in md
    assert "+ Warehouse Two (PL_WH2)" in md
    assert md.count("\n| ") >= 6
    page = frontier_html(points, scenario="tiny_base", network=tiny)
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert '<meta name="generator" content="corridor">' in page
    assert "<svg" in page and "<script" not in page
    assert not _external_assets(page)
    assert external_references(page) == []
    text = frontier_summary(points)
    assert len(text.splitlines()) == len(points) + 2


def test_write_frontier(points: list[dict[str, Any]], tiny, tmp_path: Path) -> None:
    with OutputFolder(tmp_path / "frontier", kind="frontier") as out:
        files = write_frontier(points, out, scenario="tiny_base", network=tiny)
    names = {p.name for p in files.values()}
    assert names == {"frontier.json", "frontier.csv", "frontier.md", "frontier.html"}
    for p in files.values():
        assert p.exists()
    assert json.loads(files["json"].read_text(encoding="utf-8"))[1]["added"] == ["PL_WH2"]
    rows = _csv(files["csv"])
    assert len(rows) == 4 and rows[1]["open"] == "DE_WH1;PL_WH2"


# -- plan -------------------------------------------------------------------------------------


def test_plan_markdown_has_the_schedule(doc: dict[str, Any], tiny) -> None:
    md = plan_markdown(doc, network=tiny)
    assert "Net present cost 150.00 M CNY over 2025\u20132027" in md
    assert "on the scenario `scenarios/tiny_base.yaml`" in md
    schedule = md.split("## Which warehouses to recognise")[1].split("## Year by year")[0]
    # by round: 2025 first, then 2026, with what is missing for an ineligible site
    assert schedule.index("Warehouse One (DE_WH1)") < schedule.index("Warehouse Two (PL_WH2)")
    assert "| 2026 | Warehouse Two (PL_WH2) | PL | yes | owned, tier large | Op B Logistics |" in (
        schedule
    )
    assert "not eligible; 1 criterion missing: area_m2 >= 10,000" in schedule
    # a layout priority decides nothing: a site missing none is just "eligible"
    assert "| typical candidate (assumption) | eligible |" in schedule
    assert "firms_served" not in schedule and "idle" not in schedule
    assert "| 2027 | on promise | 95.0% | 90.0% | NOT MET |" in md
    assert "Requirements not met:** on promise (2027)" in md
    assert "Why there is no plan" not in md
    summary = plan_summary(doc)
    assert "round 2026: PL_WH2 (public) [not eligible]" in summary
    assert "idle" not in summary


def test_eligibility_is_compact(doc: dict[str, Any]) -> None:
    header, rows = eligibility_table(doc, None)
    assert header == [
        "warehouse",
        "recognised",
        "operator",
        "eligible",
        "binding criteria missing",
        "binding criteria not known",
        "layout priorities",
    ]
    one, two = rows  # by round: DE_WH1 (2025), then PL_WH2 (2026)
    assert one == [
        "Warehouse One (DE_WH1)",
        "2025",
        "typical candidate (assumption)",
        "yes",
        "-",
        "-",
        "1 of 2 met, 1 not known",
    ]
    assert two[2:] == [
        "Op B Logistics",
        "no",
        "area_m2 >= 10,000: has 5,000",
        "wms is 1: value not known",
        "0 of 1 met, 1 not known",
    ]
    md = plan_markdown(doc)
    criteria = md.split("## Recognition criteria by site")[1]
    assert "priority, not a bar" not in criteria and "has 20" not in criteria
    # the short text of a schedule row: binding criteria only, by name
    assert eligibility_text({"eligible": True, "missing": [], "unknown": []}) == "eligible"
    assert (
        eligibility_text({"eligible": None, "unknown": ["wms is 1: value not known", "x: y"]})
        == "eligibility not known; 2 criteria not known: wms is 1, x"
    )
    assert eligibility_text({}) == "eligibility not known"
    # an eligibility row without "sourced" (an older document): the operator's name
    old = copy.deepcopy(doc)
    del old["eligibility"][1]["sourced"]
    assert schedule_table(old, None)[1][1][5] == "Op B Logistics"
    del old["eligibility"]
    assert schedule_table(old, None)[1][1][5] == "OPB"


def _idle(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with PL_WH2 idle in 2027, CZ_WH3 kept idle and two recognitions dropped."""
    out = copy.deepcopy(doc)
    out["years"][2]["sites"][1]["operating"] = "idle"
    out["years"][2]["sites"][1]["tonnes"] = 0.0
    out["schedule"][0]["operating"] = "idle"
    out["kept_idle"] = [{"site": "PL_WH2", "reason": "2027 needs 2 warehouses"}]
    out["dropped_idle"] = ["CZ_WH3", "HU_WH4"]
    return out


def test_idle_sites_are_shown(doc: dict[str, Any]) -> None:
    idle = _idle(doc)
    md = plan_markdown(idle)
    schedule = md.split("## Which warehouses to recognise")[1].split("## Year by year")[0]
    assert "| 2026 | Warehouse Two (PL_WH2) | PL | yes | idle (carries no freight) |" in schedule
    assert "carrying no freight (idle): Warehouse Two (PL_WH2) in 2027." in schedule
    assert "Warehouse Two (PL_WH2): 2027 needs 2 warehouses" in schedule
    assert "Dropped from the plan: CZ_WH3, HU_WH4 were" in schedule
    assert "| 2027 | 2 (1 idle) |" in md
    summary = plan_summary(idle)
    assert "round 2026: PL_WH2 (public) [idle] [not eligible]" in summary
    assert "idle (open, no freight): PL_WH2 2027" in summary
    assert "kept idle (a requirement needs them): PL_WH2 (2027 needs 2 warehouses)" in summary
    assert "dropped (idle, not needed): CZ_WH3, HU_WH4" in summary
    # lenient: absent keys say nothing, odd ones do not break
    assert idle_sentences(doc) == []
    odd = copy.deepcopy(doc)
    odd.update(kept_idle=["PL_WH2"], dropped_idle=["CZ_WH3"])
    assert idle_sentences(odd) == [
        "Kept although idle, because a requirement needs them: Warehouse Two (PL_WH2).",
        "Dropped from the plan: CZ_WH3 was also recognised by the model but carried no freight "
        "in any year, and no requirement needed it.",
    ]


def test_plan_html_page(doc: dict[str, Any], tiny) -> None:
    page = plan_html(_idle(doc), network=tiny)
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert '<meta name="generator" content="corridor">' in page
    assert "<script" not in page and not _external_assets(page)
    assert external_references(page) == []
    assert page.count("<svg") == 2  # cost by year, warehouses open by year
    assert ">2025</text>" in page and "2,025" not in page  # years without separators
    assert '<a href="plan_map.html">' in page
    assert "<code>scenarios/tiny_base.yaml</code>" in page
    assert "Net present cost 150.00 M CNY" in page
    assert "idle (carries no freight)" in page and '<tr class="closed">' in page
    assert "Dropped from the plan: CZ_WH3, HU_WH4" in page
    assert "NOT MET" in page and "typical candidate (assumption)" in page
    assert "priority, not a bar" not in page
    # without a network no map is written beside it: no link; an infeasible plan says why
    bad = copy.deepcopy(doc)
    bad.update(status="infeasible", objective=None, net_present_cost_cny=None, years=[])
    bad["infeasible"] = {"explanation": ["2026 needs 3 public warehouses; only 2 can qualify."]}
    page = plan_html(bad)
    assert 'plan_map.html"' not in page and "<svg" not in page
    assert "only 2 can qualify" in page and "No plan: the solve ended infeasible" in page
    assert plan_html({}).lstrip().startswith("<!DOCTYPE html>")


def test_plan_markdown_explains_infeasible_first(doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(doc)
    bad.update(status="infeasible", objective=None, net_present_cost_cny=None, years=[])
    bad["infeasible"] = {"explanation": ["2026 needs 3 public warehouses; only 2 can qualify."]}
    md = plan_markdown(bad)
    assert md.index("Why there is no plan") < md.index("No plan: the solve ended infeasible")
    assert "only 2 can qualify" in md


def test_write_plan_tables(doc: dict[str, Any], tiny, tmp_path: Path) -> None:
    with OutputFolder(tmp_path / "plan", kind="plan") as out:
        files = write_plan_tables(doc, out, network=tiny, offline=True)
    expected = {
        "schedule.csv",
        "years.csv",
        "year_sites.csv",
        "requirements.csv",
        "eligibility.csv",
        "plan.md",
        "plan.html",
        "plan.json",
        "plan_map.html",
    }
    assert {p.name for p in files.values()} == expected
    assert expected <= {p.name for p in (tmp_path / "plan").iterdir()}
    years = _csv(tmp_path / "plan" / "years.csv")
    assert [r["year"] for r in years] == ["2025", "2026", "2027"]
    assert years[1]["open"] == "DE_WH1; PL_WH2" and "sites" not in years[1]
    schedule = _csv(tmp_path / "plan" / "schedule.csv")
    assert [r["site"] for r in schedule] == ["DE_WH1", "PL_WH2"]
    assert json.loads((tmp_path / "plan" / "plan.json").read_text(encoding="utf-8")) == doc
    eligibility = _csv(tmp_path / "plan" / "eligibility.csv")  # full detail, every line
    assert list(eligibility[0])[:8] == [
        "site",
        "operator",
        "operator_name",
        "eligible",
        "possible",
        "met",
        "missing",
        "unknown",
    ]
    assert "(priority, not a bar)" in eligibility[0]["unknown"]
    assert "plan_map.html" in files["html"].read_text(encoding="utf-8")
    page = (tmp_path / "plan" / "plan_map.html").read_text(encoding="utf-8")
    assert external_references(page) == []


def test_plan_map_has_one_layer_per_year(doc: dict[str, Any], tiny) -> None:
    fmap = plan_map(tiny, doc, offline=True)
    groups = [g for g in fmap._children.values() if isinstance(g, folium.FeatureGroup)]
    years = [g for g in groups if g.layer_name.isdigit()]
    assert [g.layer_name for g in years] == ["2025", "2026", "2027"]
    assert [g.show for g in years] == [True, False, False]
    markers = [
        [c for c in g._children.values() if isinstance(c, folium.CircleMarker)] for g in years
    ]
    assert [len(m) for m in markers] == [1, 2, 2]
    assert any(g.layer_name.startswith("Origin zones") for g in groups)
    html = render_map(fmap)
    assert external_references(html) == []
    assert "var layers = [" in html  # one year at a time (ExclusiveLayers)
    assert "recognised this year" in html and "Warehouse Two" in html
