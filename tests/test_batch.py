"""Batches of quotes (``corridor price --batch``) and a forwarder's own rates (``--tariff``)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.data.loader import load_network
from optimizer.data.own_rates import apply_own_rates
from optimizer.errors import InputError, NetworkDataError
from optimizer.output.batch import COLUMNS, results_json, write_batch
from optimizer.pricing.batch import Failed, quote_batch, quote_request, read_requests
from optimizer.pricing.network import compile_network
from optimizer.pricing.quote import Cargo, quote

USD = 7.1883
PLACES = ["德阳经开区", "Chengdu", "Mianyang", "CN_DY_ETDZ", "Deyang"]
TARGETS = ["Los Angeles", "Duisburg", "Tokyo", "Almaty", "Łódź", "Dubai", "Singapore"]


@pytest.fixture(scope="module")
def bundled():
    return load_network()


def _write(path: Path, rows: list[str], header: str = "id,from,to,tonnes,cbm,product,value,ready"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_batch_of_100_equals_100_single_quotes(bundled, tmp_path):
    rng = random.Random(7)
    rows = []
    for i in range(100):
        t = rng.choice([0.3, 1, 5, 12])
        rows.append(
            f"R{i},{rng.choice(PLACES)},{rng.choice(TARGETS)},{t},{t * rng.choice([1, 3, 6])},"
            f"{rng.choice(['', 'electronics', 'ecommerce_parcels'])},,"
            f"2026-12-{rng.randint(7, 20):02d}"
        )
    requests = read_requests(_write(tmp_path / "req.csv", rows))
    results = quote_batch(bundled, requests)
    assert len(results) == 100
    assert not any(isinstance(r, Failed) for r in results)
    for req, res in zip(requests, results, strict=True):
        f = req.fields
        cargo = Cargo.from_inputs(
            bundled, tonnes=f.tonnes, cbm=f.cbm, product=f.product, value_cny=f.value
        )
        single = quote(bundled, f.from_, f.to, cargo, ready=f.ready)
        assert res.to_dict() == single.to_dict()


def test_failed_request_keeps_its_place(bundled, tmp_path):
    path = _write(tmp_path / "r.csv", ["a,Chengdu,Duisburg,1,2,,,", "b,Atlantis,Tokyo,1,1,,,"])
    requests = read_requests(path)
    results = quote_batch(bundled, requests)
    assert not isinstance(results[0], Failed)
    assert isinstance(results[1], Failed) and results[1].field == "from"
    data = results_json(requests, results)
    assert data[1]["request"] == {"row": 3, "id": "b"}
    assert "unknown" in data[1]["error"]["message"]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("x,Chengdu,Duisburg,-1,2,,,", "tonnes"),
        ("x,Chengdu,Duisburg,1,2,,,2026-13-01", "ready"),
        ("x,,Duisburg,1,2,,,", "from"),
        ("x,Chengdu,Duisburg,1,abc,,,", "cbm"),
    ],
)
def test_bad_request_row_names_file_row_field(tmp_path, row, field):
    path = _write(tmp_path / "bad.csv", ["ok,Chengdu,Duisburg,1,2,,,", row])
    with pytest.raises(InputError) as info:
        read_requests(path)
    assert info.value.field == field
    assert "bad.csv" in str(info.value) and "row 3" in str(info.value)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["price", "--batch", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not out.exists()


def test_unknown_column_is_refused(tmp_path):
    path = _write(tmp_path / "r.csv", ["Chengdu,Duisburg,1"], header="from,to,tonne")
    with pytest.raises(InputError, match="unknown column"):
        read_requests(path)


def test_out_never_replaces_a_file_corridor_did_not_write(tmp_path):
    req = _write(tmp_path / "r.csv", ["a,Chengdu,Duisburg,1,2,,,"])
    mine = tmp_path / "notes.csv"
    mine.write_text("my,own,file\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["price", "--batch", str(req), "--out", str(mine)])
    assert result.exit_code == 2
    assert mine.read_text(encoding="utf-8") == "my,own,file\n"
    for name in ("q.csv", "q.xlsx", "q.json"):
        out = tmp_path / name
        for _ in range(2):  # its own file is replaced
            result = CliRunner().invoke(app, ["price", "--batch", str(req), "--out", str(out)])
            assert result.exit_code == 0, result.output
    assert (tmp_path / "q.csv").read_text(encoding="utf-8").split("\n")[0] == ",".join(COLUMNS)
    data = json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))
    assert data[0]["request"]["id"] == "a" and data[0]["alternatives"]


def test_batch_json_is_a_list_in_order(tmp_path):
    req = _write(tmp_path / "r.csv", ["a,Chengdu,Duisburg,1,2,,,", "b,Mianyang,Tokyo,1,2,,,"])
    result = CliRunner().invoke(app, ["price", "--batch", str(req), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["request"]["id"] for d in data] == ["a", "b"]


def test_request_options_override_the_commands(bundled):
    from optimizer.pricing.batch import RequestRow

    r = RequestRow.model_validate(
        {"from": "Chengdu", "to": "Duisburg", "tonnes": 2, "margin": "10%"}
    )
    q = quote_request(bundled, r, margin="1%")
    alt = q.alternatives[0]
    assert alt.sell_cny == pytest.approx(alt.total_cost_cny * 1.10)


# -- own rates ----------------------------------------------------------------------------------
RATES_HEADER = "service_id,rate,currency,lcl_rate,valid_from,valid_until,source\n"


def test_own_rate_replaces_the_bundled_one(tiny, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(
        RATES_HEADER + "X_RP_RT,5000,USD,,2026-11-01,2026-12-31,offer 2026-11 from X\n",
        encoding="utf-8",
    )
    own = apply_own_rates(tiny, path)
    cargo = Cargo(tonnes=10, cbm=30)
    day = dt.date(2026, 12, 7)
    q = quote(own, "CN_O1", "DE_WH1", cargo, ready=day)
    train = next(leg for leg in q.alternatives[0].legs if leg.mode == "cr_express")
    assert train.load.freight_cny == pytest.approx(0.6 * 5000 * USD)  # a 20' at 0.6 x FEU
    svc = compile_network(own).services["X_RP_RT"]
    assert svc.valid_until == dt.date(2026, 12, 31)  # the route holds to its first end
    assert q.alternatives[0].timing.valid_until <= svc.valid_until
    before = quote(tiny, "CN_O1", "DE_WH1", cargo, ready=day)
    old = next(leg for leg in before.alternatives[0].legs if leg.mode == "cr_express")
    assert old.load.freight_cny == pytest.approx(0.6 * 6000 * USD)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("NOPE,5000,USD,,,,x", "service_id"),
        ("X_RP_RT,-5,USD,,,,x", "rate"),
        ("X_RP_RT,5000,GBP,,,,x", "currency"),
        ("X_RP_RT,5000,USD,,2026-12-01,2026-11-01,x", None),
        ("D_RT_WH1,400,CNY,50,,,x", "lcl_rate"),
        ("A_AIR_FRA,5000,USD,,,,x", "rate"),
    ],
)
def test_bad_tariff_row_names_file_row_field(tiny, tiny_dir, tmp_path, row, field):
    path = tmp_path / "rates.csv"
    path.write_text(RATES_HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(NetworkDataError) as info:
        apply_own_rates(tiny, path)
    hits = [i for i in info.value.issues if i.file == "rates.csv" and i.row == 2]
    assert hits, str(info.value)
    if field is not None:
        assert any(i.field == field for i in hits), str(info.value)
    args = ["price", "--data", str(tiny_dir), "--from", "CN_O1", "--to", "DE_WH1"]
    result = CliRunner().invoke(app, [*args, "--tariff", str(path)])
    assert result.exit_code == 2
    assert "rates.csv" in result.output and "Traceback" not in result.output


def test_write_batch_refuses_other_suffixes(tmp_path):
    with pytest.raises(InputError, match=r"\.csv, \.xlsx or \.json"):
        write_batch(tmp_path / "x.txt", [], [])
