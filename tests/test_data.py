"""Loader and validation: the tiny network, the bad-input corpus, hypothesis on the reader."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.data.loader import load_network, read_table, validate_network_dir
from optimizer.data.schema import ProductRow
from optimizer.errors import NetworkDataError

from .conftest import BAD, TINY


def test_tiny_loads(tiny):
    assert len(tiny.nodes) == 12
    assert tiny.nodes.crs.to_epsg() == 4326
    assert set(tiny.warehouses.index) == {"DE_WH1", "PL_WH2"}
    assert tiny.services.loc["X_RP_RT", "via"] == ("PL_BORDER",)
    st_ = tiny.service_table
    # weekly train: expected wait is half the headway
    assert st_.loc["X_RP_RT", "wait_h"] == pytest.approx(84.0)
    # running time plus the border dwell
    assert st_.loc["X_RP_RT", "leg_h"] == pytest.approx(300 + 48)
    assert st_.loc["X_RP_RT", "rate_cny"] == pytest.approx(6000 * 7.1883)
    assert tiny.graph.number_of_edges() == 14


def test_network_is_immutable(tiny):
    with pytest.raises(AttributeError):
        tiny.name = "other"
    other = tiny.replace(name="copy")
    assert other.name == "copy"
    assert tiny.name == "base"


# Each bad directory replaces files of the tiny network; expected (file, row, field, text).
BAD_CASES = {
    "ServiceUnknownNode": ("services.csv", 3, "from", "unknown node 'CN_O9'"),
    "NegativeRate": ("services.csv", 2, "rate", "greater than or equal to 0"),
    "MissingSource": ("nodes.csv", 5, "source", ""),
    "DuplicateNodeId": ("nodes.csv", 4, "id", "duplicate id"),
    "LatitudeOutOfRange": ("nodes.csv", 4, "lat", "less than or equal to 90"),
    "NonNumericDistance": ("services.csv", 6, "distance_km", "valid number"),
    "UnknownMode": ("services.csv", 7, "mode", "hyperloop"),
    "UnknownCustomsMode": ("demand.csv", 3, "customs_mode", "9999"),
    "MissingColumn": ("demand.csv", 1, "required_days", "required column is missing"),
    "UnknownColumn": ("products.csv", 1, "colour", "unknown column"),
    "NotUtf8": ("nodes.csv", None, None, "not UTF-8"),
    "WarehouseWithoutLastMile": ("warehouses.csv", 3, "node_id", "no active last_mile"),
    "UnreachableMarket": ("demand.csv", 6, "market", "cannot be reached"),
    "DemandUnknownProduct": ("demand.csv", 2, "product", "did you mean 'electronics'"),
    "NegativeCapacity": ("warehouses.csv", 2, "capacity_t_per_year", "greater than 0"),
    "ViaUnknownNode": ("services.csv", 6, "via", "did you mean 'PL_BORDER'"),
    # impossible numbers (issue #14): refused with file, row and field
    "RateInfinite": ("services.csv", 2, "rate", "finite number"),
    "RateBeyondBasis": ("services.csv", 3, "rate", "beyond any freight rate"),
    "DistanceNaN": ("services.csv", 4, "distance_km", "finite number"),
    "ParameterNaN": ("parameters.csv", 9, "value", "finite number"),
    "WeeksPerYearZero": ("parameters.csv", 10, "value", "weeks_per_year = 0 is outside"),
    "FeuPayloadNegative": ("parameters.csv", 2, "value", "feu_payload_t = -26.5 is outside"),
    "TonnesHuge": ("demand.csv", 2, "tonnes_per_year", "less than or equal to 1000000"),
    "CapacityInfinite": ("warehouses.csv", 2, "capacity_t_per_year", "finite number"),
    "FixedCostHuge": ("warehouses.csv", 3, "fixed_cost_cny_per_year", "less than or equal to"),
    "DensityImpossible": ("products.csv", 2, "density_kg_per_cbm", "less than or equal to 22600"),
    "GeometryList": ("geometry.geojson", None, None, "not a GeoJSON FeatureCollection"),
    "GeometryNull": ("geometry.geojson", None, None, "not a GeoJSON FeatureCollection"),
}

# Implausible but possible: a warning, an error with --strict; expected (file, field, text).
WARN_CASES = {
    "DemandHeaderOnly": ("demand.csv", None, "no demand rows"),
    "DemandKgAsTonnes": ("demand.csv", "tonnes_per_year", "a unit mix-up (kg typed as t"),
}


def _bad_dir(tmp_path: Path, defect: str) -> Path:
    target = tmp_path / defect
    shutil.copytree(TINY, target)
    for f in (BAD / defect).iterdir():
        shutil.copy(f, target / f.name)
    return target


def test_bad_corpus_is_complete():
    assert {p.name for p in BAD.iterdir()} == set(BAD_CASES) | set(WARN_CASES)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("defect", sorted(BAD_CASES))
def test_bad_input_names_file_row_field(tmp_path, defect):
    file, row, field, text = BAD_CASES[defect]
    directory = _bad_dir(tmp_path, defect)
    with pytest.raises(NetworkDataError) as info:
        load_network(directory)
    hits = [
        i
        for i in info.value.issues
        if i.file == file and (row is None or i.row == row) and (field is None or i.field == field)
    ]
    assert hits, f"no issue at {file} row {row} field {field}: {info.value}"
    assert any(text in i.message for i in hits), str(info.value)
    # The CLI says the same, exits 2, prints no traceback and changes nothing on disk.
    before = _tree(tmp_path)
    result = CliRunner().invoke(app, ["network", "validate", str(directory)])
    assert result.exit_code == 2
    assert file in result.output
    assert "Traceback" not in result.output
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("case", sorted(WARN_CASES))
def test_implausible_input_warns_and_strict_refuses(tmp_path, case):
    file, field, text = WARN_CASES[case]
    directory = _bad_dir(tmp_path, case)
    with pytest.warns(UserWarning, match=text.replace("(", r"\(")):
        load_network(directory)
    with pytest.raises(NetworkDataError) as info:
        load_network(directory, strict=True)
    assert any(i.file == file and i.field == field for i in info.value.issues)
    result = CliRunner().invoke(app, ["network", "validate", str(directory), "--strict"])
    assert result.exit_code == 2 and text in result.output


def test_cli_exit_code_in_a_real_process(tmp_path):
    directory = _bad_dir(tmp_path, "NegativeRate")
    proc = subprocess.run(
        [sys.executable, "-m", "optimizer.cli", "network", "validate", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "services.csv, row 2, field 'rate'" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_every_issue_is_collected(tmp_path):
    directory = _bad_dir(tmp_path, "NegativeRate")
    shutil.copy(BAD / "UnknownCustomsMode" / "demand.csv", directory / "demand.csv")
    _, issues = validate_network_dir(directory)
    files = {i.file for i in issues if i.severity == "error"}
    assert {"services.csv", "demand.csv"} <= files


def test_strict_turns_warnings_into_errors(tiny_copy):
    path = tiny_copy / "products.csv"
    text = path.read_text(encoding="utf-8").replace(
        "assumption: test fixture\n", "assumption:\n", 1
    )
    path.write_text(text, encoding="utf-8")
    _, issues = validate_network_dir(tiny_copy)
    assert [i.severity for i in issues] == ["warning"]
    _, strict = validate_network_dir(tiny_copy, strict=True)
    assert [i.severity for i in strict] == ["error"]
    result = CliRunner().invoke(app, ["network", "validate", str(tiny_copy), "--strict"])
    assert result.exit_code == 2


def test_info_json(tiny_dir):
    import json

    result = CliRunner().invoke(app, ["network", "info", str(tiny_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["nodes_by_kind"]["origin"] == 3
    assert data["services_by_mode"]["last_mile"] == 6
    assert data["warehouse_countries"] == ["DE", "PL"]
    assert data["markets"] == 2
    assert data["products"] == 3
    assert data["demand_tonnes"] == pytest.approx(1020)
    # 500 + 200 t from Deyang origins: 500 * 120000 + 300 * 120000 + 200 * 50000
    assert data["demand_value_cny_by_city"]["Deyang"] == pytest.approx(106_000_000)
    assert 0 <= data["sourced_share"] <= 1


# -- hypothesis: the CSV reader -------------------------------------------------

text_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() != "")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
            text_cell,
            st.floats(min_value=1, max_value=5000, allow_nan=False),
            st.floats(min_value=1, max_value=1e7, allow_nan=False),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_reader_round_trips_valid_rows(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "products.csv"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        ["id", "name", "name_zh", "density_kg_per_cbm", "value_cny_per_t", "notes", "source"]
    )
    for pid, name, density, value in rows:
        w.writerow([pid, name, name, repr(density), repr(value), "", "assumption: generated"])
    path.write_text(buf.getvalue(), encoding="utf-8")
    parsed, issues = read_table(path, ProductRow)
    assert issues == []
    assert [r.id for _, r in parsed] == [r[0] for r in rows]
    assert [r.density_kg_per_cbm for _, r in parsed] == [r[2] for r in rows]
    assert [r.name for _, r in parsed] == [r[1].strip() for r in rows]
    assert [n for n, _ in parsed] == list(range(2, 2 + len(rows)))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_reader_never_crashes_on_garbage(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("csv") / "products.csv"
    path.write_bytes(data)
    parsed, issues = read_table(path, ProductRow)
    for issue in issues:
        assert issue.file == "products.csv"
        assert issue.message
    assert all(n >= 2 for n, _ in parsed)
