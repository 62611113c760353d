"""The bad-input corpus beyond the data files: scenarios, sweeps, YAML, the CLI and the API.

Every case is refused with exit code 2 (422 for the API), names its file and
field (a key path for YAML), prints no traceback and changes nothing on disk.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # starlette >= 1.x warns that its test client prefers httpx2 (not installed here)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.api import create_app
from optimizer.cli import app
from optimizer.data.loader import load_network
from optimizer.data.scenario import load_scenario, network_of
from optimizer.data.yamlio import parse_yaml
from optimizer.errors import InputError
from optimizer.studies.sweep import load_sweep

from .conftest import TINY

BAD = Path(__file__).parent / "data" / "bad_scenarios"

#: scenario file -> (field, text); field None: a file-level (YAML) problem with a line.
SCENARIO_CASES: dict[str, tuple[str | None, str]] = {
    "CarbonPriceNaN": ("changes[0].carbon_price", "finite number"),
    "CarbonPriceTrue": ("changes[0].carbon_price", "not true/false"),
    "FactorInfinite": ("changes[0].scale_rates.factor", "finite number"),
    "FactorZero": ("changes[0].scale_rates.factor", "greater than 0"),
    "ThreadsZero": ("options.threads", "greater than or equal to 1"),
    "MaxWarehousesTrue": ("options.max_warehouses", "not true/false"),
    "RelGapTooLarge": ("options.rel_gap", "less than 1"),
    "TimeLimitNegative": ("options.time_limit_s", "greater than 0"),
    "UnknownOption": ("options.max_warehuses", "did you mean 'max_warehouses'"),
    "DuplicateChanges": ("changes", "line 6: duplicate key 'changes' (first on line 2)"),
    "AliasBomb": (None, "values once aliases are expanded"),
    "DeepNesting": (None, "nested deeper than"),
    "TransitNegative": ("changes[0].scale_transit.add_h", "no transit time"),
}
SWEEP_CASES: dict[str, tuple[str | None, str]] = {
    "SweepAliasBomb": (None, "values once aliases are expanded"),
    "SweepGridTooLarge": ("", "1,000,000 combinations"),
    "SweepUniformNaN": ("parameters.sea.uniform.0", "finite number"),
}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_corpus_is_complete():
    names = {p.name.split(".")[0] for p in BAD.iterdir()}
    assert names == set(SCENARIO_CASES) | set(SWEEP_CASES)


@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_bad_scenario_is_refused_with_its_key_path(case):
    field, text = SCENARIO_CASES[case]
    path = BAD / f"{case}.yaml"
    with pytest.raises(InputError) as info:
        network_of(load_scenario(path))
    assert text in str(info.value)
    assert str(path) in str(info.value) or info.value.file == str(path)
    if field is not None:
        assert info.value.field == field
    else:
        assert info.value.row is not None  # the line of the problem


@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_bad_scenario_cli_exit_2_and_nothing_written(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["solve", str(BAD / f"{case}.yaml")])
    assert result.exit_code == 2, result.output
    assert f"{case}.yaml" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", sorted(SWEEP_CASES))
def test_bad_sweep_is_refused(tmp_path, monkeypatch, case):
    field, text = SWEEP_CASES[case]
    path = BAD / f"{case}.sweep.yaml"
    with pytest.raises(InputError, match=text) as info:
        load_sweep(path)
    if field:
        assert info.value.field == field
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["sweep", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_yaml_parser_never_crashes(text):
    try:
        parse_yaml(text, "fuzz.yaml")
    except InputError as exc:
        message = str(exc)
    else:
        return
    assert message.startswith("fuzz.yaml")


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "SCEN", "--threads", "0"],
        ["solve", "SCEN", "--time-limit", "-1"],
        ["solve", "SCEN", "--gap", "2"],
        [
            "price",
            "--from",
            "CN_O1",
            "--to",
            "DE_WH1",
            "--tonnes",
            "5000",
            "--cbm",
            "1",
            "--data",
            "TINY",
        ],
        ["price", "--from", "CN_O1", "--to", "DE_WH1", "--tonnes", "nan", "--data", "TINY"],
        ["price", "--from", "CN_O1", "--to", "CN_O1", "--data", "TINY"],
    ],
)
def test_bad_options_exit_2(tmp_path, monkeypatch, args):
    scen = Path(__file__).parent / "data" / "scenarios" / "tiny_base.yaml"
    args = [str(scen) if a == "SCEN" else str(TINY) if a == "TINY" else a for a in args]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


# -- the API ----------------------------------------------------------------------------------

API_CASES = [
    ('{"from": "CN_O1", "to": "DE_WH1", "tonnes": 1e999}', "tonnes"),
    ('{"from": "CN_O1", "to": "DE_WH1", "tonnes": NaN}', "tonnes"),
    ('{"from": "CN_O1", "to": "DE_WH1", "tonnes": Infinity}', "tonnes"),
    ('{"from": "CN_O1", "to": "DE_WH1", "tonnes": true}', "tonnes"),
    ('{"from": "CN_O1", "to": "DE_WH1", "cbm": false}', "cbm"),
    ('{"from": "CN_O1", "to": "DE_WH1", "tonnes": -1}', "tonnes"),
    ('{"from": "CN_O1", "to": "DE_WH1", "tonnes": 5000, "cbm": 1}', "cbm"),
    ('{"from": "CN_O1", "to": "CN_O1", "tonnes": 1}', "to"),
    ('{"from": "Origin One", "to": "CN_O1", "tonnes": 1}', "to"),
    ('{"from": "CN_O1", "to": "DE_WH1", "product": "plutonium"}', "product"),
    ('{"from": "CN_O1", "to": "DE_WH1", "modes": ["teleport"]}', "modes"),
    ('{"from": "CN_O1", "to": "DE_WH1", "avoid": ["Atlantis"]}', "avoid"),
    ('{"from": "Atlantis", "to": "DE_WH1"}', "from"),
    ('{"from": "CN_O1", "to": "DE_WH1", "max_alternatives": 1e9}', "max_alternatives"),
    ('{"from": "CN_O1", "to": "DE_WH1", "value_cny": 1e400}', "value_cny"),
]


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(load_network(TINY)), raise_server_exceptions=False)


@pytest.mark.parametrize(("body", "field"), API_CASES)
def test_api_answers_422_with_the_field(client, body, field):
    response = client.post("/quote", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    detail = json.loads(response.text)["detail"]  # valid JSON, whatever the input was
    assert any(d["loc"][:2] == ["body", field] for d in detail), detail


def test_api_413_for_oversized_bodies_chunked_or_not(client):
    from optimizer.api import MAX_BODY_BYTES

    big = b'{"from": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}'
    assert client.post("/quote", content=big).status_code == 413

    def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b"x" * 1024

    response = client.post("/quote", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
