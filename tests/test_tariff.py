"""A forwarder's tariff, worked by hand on the tiny network: air weight breaks and the
minimum charge, LCL minimums, fees (charges.csv), dangerous goods, out-of-gauge cargo and
the margin."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.data.loader import load_network
from optimizer.errors import InputError, NetworkDataError
from optimizer.pricing.charges import Margin, parse_margin
from optimizer.pricing.costing import freight_for
from optimizer.pricing.quote import Cargo, NoRouteError, quote
from optimizer.pricing.tariff import check_dg_class, check_piece

USD = 7.1883  # tests/data/tiny/fx.csv
DAY = dt.date(2026, 12, 7)

BREAKS = """air_min_charge_cny,400,CNY,assumption: test
air_break_n_factor,2.0,ratio,assumption: test
air_break_45_factor,1.35,ratio,assumption: test
air_break_100_factor,1.12,ratio,assumption: test
air_break_300_factor,1.0,ratio,assumption: test
air_break_500_factor,0.96,ratio,assumption: test
air_break_1000_factor,0.92,ratio,assumption: test
"""

HEADER = "id,name,category,mode,at,country,load,unit,basis,amount,currency,minimum,dg,"
HEADER += "valid_from,valid_to,source\n"
CHARGES = HEADER + (
    "THC_20,Origin THC 20',thc_origin,cr_express,origin,CN,FCL,20',box,300,CNY,,any,,,"
    "assumption: test\n"
    "THC_40,Origin THC 40',thc_origin,cr_express,origin,CN,FCL,40',box,500,CNY,,any,,,"
    "assumption: test\n"
    "LCL_O,Origin LCL handling,thc_origin,cr_express,origin,CN,LCL,*,wm,100,CNY,150,any,,,"
    "assumption: test\n"
    "DG_BOX,DG surcharge,dg,cr_express,origin,*,FCL,*,box,2000,CNY,,dg,,,assumption: test\n"
    "PEAK,Peak season,peak,cr_express,origin,*,any,*,bl,999,CNY,,any,2026-01-01,2026-01-31,"
    "assumption: test\n"
    "INS,Insurance,insurance,*,shipment,*,any,*,value_share,0.002,CNY,100,any,,,"
    "assumption: test\n"
    "BROKER,Import brokerage,customs_import,*,shipment,*,any,*,shipment,150,USD,,any,,,"
    "assumption: test\n"
)


@pytest.fixture
def priced(tiny_copy: Path):
    """The tiny network with air weight breaks and a charges table."""
    with open(tiny_copy / "parameters.csv", "a", encoding="utf-8") as fh:
        fh.write(BREAKS)
    (tiny_copy / "charges.csv").write_text(CHARGES, encoding="utf-8")
    return load_network(tiny_copy)


# -- air weight breaks and the minimum charge ----------------------------------------------
@pytest.mark.parametrize(
    ("tonnes", "cbm", "freight", "label"),
    [
        # A_AIR_FRA: USD 4 a kg at +300 kg (USD 7.1883)
        (0.5, 1.0, 500 * 4 * USD * 0.96, "+500 kg"),  # 500 kg at the +500 break
        (0.09, 0.1, 100 * 4 * USD * 1.12, "+100 kg (charged as 100 kg)"),  # 90 x 5.40 > 100 x 4.48
        (0.001, 0.001, 400.0, "minimum charge (M)"),  # 1 kg x USD 8 = 57.5 CNY < M 400
        (0.2, 0.2, 200 * 4 * USD * 1.12, "+100 kg"),  # 200 x 4.48 = 896 < 300 x 4 = 1,200
    ],
)
def test_air_weight_breaks_by_hand(priced, tonnes, cbm, freight, label):
    load = freight_for(priced, "A_AIR_FRA", Cargo(tonnes=tonnes, cbm=cbm))
    assert load.freight_cny == pytest.approx(freight)
    assert label in load.description


def test_air_chargeable_weight_is_volume_when_bulky(priced):
    # 0.1 t in 3 cbm: 3 x 166.667 = 500 kg chargeable, at +500
    load = freight_for(priced, "A_AIR_FRA", Cargo(tonnes=0.1, cbm=3.0))
    assert load.quantity == pytest.approx(500.0, rel=1e-4)
    assert load.freight_cny == pytest.approx(500.0 * 4 * USD * 0.96, rel=1e-4)


def test_without_break_parameters_air_is_flat_per_kg(tiny):
    load = freight_for(tiny, "A_AIR_FRA", Cargo(tonnes=0.09, cbm=0.1))
    assert load.freight_cny == pytest.approx(90 * 4 * USD)


def test_air_freight_never_falls_when_weight_rises(priced):
    last = 0.0
    for kg in range(5, 2000, 5):
        f = freight_for(priced, "A_AIR_FRA", Cargo(tonnes=kg / 1000, cbm=kg / 1000)).freight_cny
        assert f >= last - 1e-9, kg
        last = f


# -- fees -------------------------------------------------------------------------------------
def test_fees_by_hand(priced, tiny):
    cargo = Cargo(tonnes=10, cbm=30, value_cny=100_000)
    with_fees = quote(priced, "CN_O1", "DE_WH1", cargo, ready=DAY)
    without = quote(tiny, "CN_O1", "DE_WH1", cargo, ready=DAY)
    alt, base = with_fees.alternatives[0], without.alternatives[0]
    assert alt.services == base.services
    train = next(leg for leg in alt.legs if leg.mode == "cr_express")
    assert train.load.unit == "20'"  # USD 3,600 for a 20' beats 30 w/m x USD 250 loose
    ids = sorted(c.id for c in alt.charges)
    assert ids == ["BROKER", "INS", "THC_20"]  # not THC_40, LCL_O, DG_BOX; PEAK not in force
    expected = 300 + 0.002 * 100_000 + 150 * USD
    assert alt.breakdown.fees == pytest.approx(expected)
    assert alt.total_cost_cny - base.total_cost_cny == pytest.approx(expected)
    assert train.breakdown.fees == pytest.approx(300)


def test_fee_in_force_only_in_its_window(priced):
    cargo = Cargo(tonnes=10, cbm=30)
    q = quote(priced, "CN_O1", "DE_WH1", cargo, ready=dt.date(2026, 1, 15))
    assert "PEAK" in {c.id for c in q.alternatives[0].charges}


def test_loose_cargo_minimums(priced):
    cargo = Cargo(tonnes=0.2, cbm=0.3)
    q = quote(priced, "CN_O1", "DE_WH1", cargo, ready=DAY)
    train = next(leg for leg in q.alternatives[0].legs if leg.mode == "cr_express")
    assert train.load.kind == "LCL"
    assert train.load.quantity == 1.0  # at least one w/m
    assert train.load.freight_cny == pytest.approx(250.0 * USD)
    line = next(c for c in q.alternatives[0].charges if c.id == "LCL_O")
    assert line.amount_cny == pytest.approx(150.0)  # 1 w/m x 100, minimum 150
    # insurance needs a value: none given, none charged
    assert "INS" not in {c.id for c in q.alternatives[0].charges}


# -- dangerous goods --------------------------------------------------------------------------
def test_dg_excludes_parcels_and_says_so(priced):
    cargo = Cargo(tonnes=1, cbm=2, dg_class="3")
    with pytest.raises(NoRouteError, match="parcel and courier services carry no dangerous"):
        quote(priced, "CN_O1", "DE_MKT", cargo)


def test_dg_surcharge_and_no_loose_cargo(priced):
    cargo = Cargo(tonnes=0.2, cbm=0.3, dg_class="3")
    q = quote(priced, "CN_O1", "DE_WH1", cargo, ready=DAY)
    alt = q.alternatives[0]
    train = next(leg for leg in alt.legs if leg.mode == "cr_express")
    assert train.load.kind == "FCL"  # DG is not consolidated
    assert "DG_BOX" in {c.id for c in alt.charges}
    assert any("dangerous goods class 3" in a for a in q.assumptions)


def test_dg_class_not_taken_by_trains(priced):
    with pytest.raises(NoRouteError, match="trains take DG classes 3, 8, 9 only"):
        quote(priced, "CN_O1", "DE_WH1", Cargo(tonnes=1, cbm=2, dg_class="2.1"))


def test_dg_explosives_not_quoted(priced):
    with pytest.raises(NoRouteError, match="specialist carrier"):
        quote(priced, "CN_O3", "DE_AIRPORT", Cargo(tonnes=1, cbm=2, dg_class="1.1"))


@pytest.mark.parametrize("text", ["10", "3.4", "class x", "6.3"])
def test_bad_dg_class_is_refused(text):
    with pytest.raises(InputError) as info:
        check_dg_class(text)
    assert info.value.field == "dg"


def test_dg_class_forms():
    assert check_dg_class("Class 8") == "8"
    assert check_dg_class("none") is None
    assert check_dg_class("6.1") == "6.1"


# -- out of gauge -------------------------------------------------------------------------------
def test_out_of_gauge_goes_on_a_flat_rack(priced):
    cargo = Cargo(tonnes=20, cbm=60, piece_m=(11.0, 3.0, 3.0))
    q = quote(priced, "CN_O1", "DE_WH1", cargo, ready=DAY)
    train = next(leg for leg in q.alternatives[0].legs if leg.mode == "cr_express")
    assert train.load.description == "1 x 40' flat rack"
    assert train.load.freight_cny == pytest.approx(6000 * USD * 1.8)
    assert "THC_40" in {c.id for c in q.alternatives[0].charges}  # a rack pays a 40''s THC
    assert any("out of gauge" in a for a in q.assumptions)


def test_in_gauge_piece_is_a_normal_box(priced):
    cargo = Cargo(tonnes=20, cbm=60, piece_m=(6.0, 2.0, 2.0))
    q = quote(priced, "CN_O1", "DE_WH1", cargo, ready=DAY)
    train = next(leg for leg in q.alternatives[0].legs if leg.mode == "cr_express")
    assert "flat rack" not in train.load.description


def test_piece_over_a_flat_rack_is_not_quoted(priced):
    cargo = Cargo(tonnes=45, cbm=60, piece_m=(11.0, 3.0, 3.0))
    with pytest.raises(NoRouteError, match="breakbulk or project cargo"):
        quote(priced, "CN_O1", "DE_WH1", cargo)


def test_tall_piece_does_not_fly(priced):
    cargo = Cargo(tonnes=2, cbm=20, piece_m=(3.0, 2.0, 2.8))
    with pytest.raises(NoRouteError, match="main-deck height"):
        quote(priced, "CN_O3", "DE_AIRPORT", cargo)


@pytest.mark.parametrize("text", ["12x3", "axbxc", "0x1x1", "1x1x1000"])
def test_bad_piece_is_refused(text):
    with pytest.raises(InputError) as info:
        check_piece(text)
    assert info.value.field == "piece"


# -- margin -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "share", "amount"),
    [("8%", 0.08, 0.0), ("300", 0.0, 300.0), ("8% + 300", 0.08, 300.0), (None, 0.0, 0.0)],
)
def test_margin_forms(text, share, amount):
    assert parse_margin(text) == Margin(share, amount)


@pytest.mark.parametrize("text", ["abc", "-5%", "600%", "8%+x"])
def test_bad_margin_is_refused(text):
    with pytest.raises(InputError) as info:
        parse_margin(text)
    assert info.value.field == "margin"


def test_margin_turns_buy_into_sell(priced):
    cargo = Cargo(tonnes=10, cbm=30)
    plain = quote(priced, "CN_O1", "DE_WH1", cargo, ready=DAY)
    sold = quote(priced, "CN_O1", "DE_WH1", cargo, ready=DAY, margin="8%+300")
    for a, b in zip(plain.alternatives, sold.alternatives, strict=True):
        assert a.sell_cny is None
        assert b.total_cost_cny == pytest.approx(a.total_cost_cny)  # buy unchanged
        assert b.sell_cny == pytest.approx(a.total_cost_cny * 1.08 + 300)
    d = sold.to_dict()["alternatives"][0]
    assert d["sell_cny"] == pytest.approx(d["total_cost_cny"] * 1.08 + 300, abs=0.02)


# -- a bad charges row --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("X,Bad,thc_origin,sea,origin,CN,FCL,*,pallet,1,CNY,,any,,,assumption: t", "basis"),
        ("X,Bad,thc_origin,sea,origin,CN,FCL,*,box,-1,CNY,,any,,,assumption: t", "amount"),
        ("X,Bad,insurance,*,shipment,*,any,*,value_share,2,CNY,,any,,,assumption: t", None),
        ("X,Bad,thc_origin,ship,origin,CN,FCL,*,box,1,CNY,,any,,,assumption: t", "mode"),
        ("X,Bad,thc_origin,sea,origin,China,FCL,*,box,1,CNY,,any,,,assumption: t", "country"),
    ],
)
def test_bad_charges_row_names_file_row_field(tiny_copy, row, field):
    (tiny_copy / "charges.csv").write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(NetworkDataError) as info:
        load_network(tiny_copy)
    hits = [i for i in info.value.issues if i.file == "charges.csv" and i.row == 2]
    assert hits, str(info.value)
    if field is not None:
        assert any(i.field == field for i in hits), str(info.value)
    result = CliRunner().invoke(app, ["network", "validate", str(tiny_copy)])
    assert result.exit_code == 2
    assert "charges.csv" in result.output
    assert "Traceback" not in result.output


def test_price_cli_margin_dg_piece(tiny_copy):
    (tiny_copy / "charges.csv").write_text(CHARGES, encoding="utf-8")
    args = ["price", "--data", str(tiny_copy), "--from", "CN_O1", "--to", "DE_WH1"]
    args += ["--tonnes", "20", "--cbm", "60", "--margin", "10%", "--dg", "8"]
    args += ["--piece", "11x3x3", "--ready", "2026-12-07"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "sell" in result.output and "flat rack" in result.output
    assert "DG surcharge" in result.output
    bad = CliRunner().invoke(app, [*args[:7], "--dg", "11"])
    assert bad.exit_code == 2
    assert "dangerous-goods class" in bad.output


# -- the parsers never crash ----------------------------------------------------------------
@given(st.text(max_size=30))
def test_parsers_raise_input_errors_only(text):
    for parse in (parse_margin, check_piece, check_dg_class):
        with contextlib.suppress(InputError):
            parse(text)
