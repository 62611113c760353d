"""provenance.csv: the loader's checks, the shares `network info` reports, the cost weighting."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.data.loader import load_network, validate_network_dir
from optimizer.data.provenance import (
    KINDS,
    cost_weighted_share,
    field_provenance,
    services_traced_share,
)
from optimizer.errors import NetworkDataError

COLUMNS = ["file", "id", "field", "kind", "source", "date", "note"]


def write_provenance(directory: Path, rows: list[dict[str, str]]) -> None:
    with open(directory / "provenance.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in COLUMNS})


def row(**kw: str) -> dict[str, str]:
    base = {"file": "services.csv", "id": "R_O1_RP", "field": "rate", "kind": "assumed"}
    return base | kw


def test_a_network_without_provenance_loads_with_none(tiny) -> None:
    assert tiny.provenance.empty
    assert field_provenance(tiny.provenance) == {}
    assert services_traced_share(tiny.provenance) is None


def test_good_rows_load_and_give_shares(tiny_copy: Path) -> None:
    write_provenance(
        tiny_copy,
        [
            row(kind="cited", source="https://example.org/rates", date="2025-04"),
            row(id="R_O2_RP", kind="assumed", note="assumption: test"),
            row(field="distance_km", kind="computed", note="great circle x 1.3"),
        ],
    )
    net = load_network(tiny_copy)
    shares = field_provenance(net.provenance)
    assert shares["services.csv.rate"] == {
        "cited": 0.5,
        "proxy": 0.0,
        "computed": 0.0,
        "assumed": 0.5,
    }
    assert shares["services.csv.distance_km"]["computed"] == 1.0
    assert services_traced_share(net.provenance) == 0.5


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (row(file="trains.csv"), "file", "unknown data file"),
        (row(id="NO_SUCH_SERVICE"), "id", "has no row"),
        (row(field="price"), "field", "has no column"),
        (row(kind="guessed"), "kind", "kind must be one of"),
        (row(kind="cited", date="2025"), "source", "needs a source"),
        (row(kind="proxy", source="https://example.org"), "date", "needs the date"),
    ],
)
def test_bad_rows_are_refused_with_row_and_field(
    tiny_copy: Path, bad: dict[str, str], field: str, words: str
) -> None:
    write_provenance(tiny_copy, [row(id="R_O2_RP"), bad])
    network, issues = validate_network_dir(tiny_copy)
    assert network is None
    errors = [i for i in issues if i.severity == "error"]
    assert len(errors) == 1
    assert (errors[0].file, errors[0].row, errors[0].field) == ("provenance.csv", 3, field)
    assert words in errors[0].message
    with pytest.raises(NetworkDataError):
        load_network(tiny_copy)


def test_a_figure_listed_twice_is_refused(tiny_copy: Path) -> None:
    write_provenance(tiny_copy, [row(), row()])
    _, issues = validate_network_dir(tiny_copy)
    assert any("listed twice" in i.message for i in issues)


def test_cli_validate_exits_2_naming_the_row(tiny_copy: Path) -> None:
    write_provenance(tiny_copy, [row(kind="guessed")])
    result = CliRunner().invoke(app, ["network", "validate", str(tiny_copy)])
    assert result.exit_code == 2
    assert "provenance.csv" in result.output and "row 2" in result.output


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(KINDS), min_size=1, max_size=30))
def test_shares_of_each_field_sum_to_one(kinds: list[str]) -> None:
    frame = pd.DataFrame(
        [
            {"file": "services.csv", "id": f"S{i}", "field": "rate", "kind": k}
            for i, k in enumerate(kinds)
        ]
    )
    shares = field_provenance(frame)["services.csv.rate"]
    assert set(shares) == set(KINDS)
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-3)
    assert shares["cited"] == pytest.approx(kinds.count("cited") / len(kinds), abs=1e-4)


def test_cost_weighting_splits_the_per_parcel_part() -> None:
    prov = pd.DataFrame(
        [
            {"file": "services.csv", "id": "SEA", "field": "rate", "kind": "cited"},
            {"file": "services.csv", "id": "LM", "field": "rate", "kind": "assumed"},
            {"file": "services.csv", "id": "LM", "field": "order_rate", "kind": "cited"},
            {"file": "services.csv", "id": "ROAD", "field": "rate", "kind": "assumed"},
        ]
    )
    lanes = pd.DataFrame({"service_id": ["SEA", "LM", "ROAD"], "cost_cny": [600.0, 300.0, 100.0]})
    # without the per-parcel split only the sea lane counts
    assert cost_weighted_share(prov, lanes) == 0.6
    # 200 of the last mile's 300 are per-parcel charges at a cited tariff
    assert cost_weighted_share(prov, lanes, {"LM": 200.0}) == 0.8
    assert cost_weighted_share(prov, lanes.iloc[0:0]) is None


def test_bundled_provenance_is_complete_and_info_reports_it() -> None:
    result = CliRunner().invoke(app, ["network", "info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    prov = info["field_provenance"]
    for key in (
        "services.csv.rate",
        "services.csv.distance_km",
        "services.csv.co2_g_per_tkm",
        "warehouses.csv.rent_cny_per_m2_year",
        "demand.csv.tonnes_per_year",
    ):
        assert sum(prov[key].values()) == pytest.approx(1.0, abs=1e-3), key
    # every service has a rate, a distance and a CO2 factor with a provenance
    net = load_network()
    services = net.provenance[net.provenance["file"] == "services.csv"]
    for fld in ("rate", "distance_km", "transit_h", "co2_g_per_tkm"):
        assert set(services.loc[services["field"] == fld, "id"]) == set(net.services.index), fld
    # CO2 factors: none is an assumption; rents: none without a kind
    assert prov["services.csv.co2_g_per_tkm"]["assumed"] == 0.0
    assert "cost_weighted_cited_share" in info
