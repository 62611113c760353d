"""Import duty and VAT lines (optimizer/pricing/duties.py, duties.csv): hand-worked cases."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.data.loader import load_base_network, load_network
from optimizer.errors import NetworkDataError
from optimizer.pricing.duties import landed_lines

EUR = 7.4531  # fx.csv, CNY per EUR
USD = 7.1883
GBP = 8.77  # duties.csv threshold_cny_per_unit (fx_other.csv)
BEFORE = dt.date(2026, 3, 1)  # before the EU's EUR 3 flat duty
AFTER = dt.date(2026, 8, 1)  # after 1 Jul 2026


@pytest.fixture(scope="module")
def net():
    return load_base_network()


def lines(net, *args, **kw):
    out = landed_lines(net, *args, **kw)
    assert len(out) == 2
    return out[0], out[1]


def test_eu_parcel_eur140_no_duty_before_july_2026_vat_always(net):
    duty, vat = lines(net, "DE", "ecommerce_parcels", 140 * EUR, channel="9610", on=BEFORE)
    assert duty.amount_cny == 0
    assert "EUR 140.00 <= EUR 150: no duty" in duty.rule
    assert vat.amount_cny == pytest.approx(140 * EUR * 0.19, abs=0.01)
    assert "19 %" in vat.name and "IOSS" in vat.rule
    assert vat.source.startswith("https://")


def test_eu_parcel_eur140_pays_eur3_per_item_after_july_2026(net):
    duty, vat = lines(
        net, "DE", "ecommerce_parcels", 2 * 140 * EUR, items=2, channel="9610", on=AFTER
    )
    assert duty.amount_cny == pytest.approx(2 * 3 * EUR, abs=0.01)  # two parcels, EUR 3 each
    assert "flat" in duty.name
    assert vat.amount_cny == pytest.approx(2 * (140 + 3) * EUR * 0.19, abs=0.02)


def test_eu_goods_eur10000_pay_duty_and_vat(net):
    duty, vat = lines(net, "FR", "electronics", 10_000 * EUR, channel="9810", on=AFTER)
    assert duty.amount_cny == pytest.approx(10_000 * EUR * 0.04, abs=0.01)
    assert vat.amount_cny == pytest.approx(10_400 * EUR * 0.20, abs=0.02)  # FR 20 %, on value+duty
    assert "no duty" not in duty.rule


def test_uk_parcel_gbp130_vs_140(net):
    d130, v130 = lines(net, "GB", "ecommerce_parcels", 130 * GBP, channel="9610", on=BEFORE)
    d140, v140 = lines(net, "GB", "ecommerce_parcels", 140 * GBP, channel="9610", on=BEFORE)
    assert d130.amount_cny == 0
    assert d140.amount_cny == pytest.approx(140 * GBP * 0.04, abs=0.01)
    assert v130.amount_cny == pytest.approx(130 * GBP * 0.2, abs=0.01)
    assert v140.amount_cny == pytest.approx(140 * GBP * 1.04 * 0.2, abs=0.01)


def test_us_parcel_after_de_minimis_suspension_pays_duty(net):
    on = dt.date(2025, 12, 1)  # IEEPA 20 % (fentanyl 10 + reciprocal 10) period
    duty, vat = lines(net, "US", "electronics", 50 * USD, channel="9610", on=on)
    rate = 0.039 + 0.075 + 0.20  # MFN + Section 301 + IEEPA
    assert duty.amount_cny == pytest.approx(50 * USD * rate, abs=0.01)
    assert "Section 301" in duty.name and "IEEPA" in duty.name
    assert vat.amount_cny == 0
    s122, _ = lines(net, "US", "electronics", 50 * USD, channel="9610", on=dt.date(2026, 3, 1))
    assert "Section 122" in s122.name and "IEEPA" not in s122.name


def test_hk_is_zero_and_unknown_country_is_empty(net):
    duty, vat = lines(net, "HK", "electronics", 100_000, on=BEFORE)
    assert duty.amount_cny == 0 and vat.amount_cny == 0
    assert landed_lines(net, "XX", "electronics", 1000, on=BEFORE) == []
    assert landed_lines(net, "US", "electronics", 1000, on=dt.date(2024, 1, 1)) == []


@settings(max_examples=60, deadline=None)
@given(
    country=st.sampled_from(["DE", "GB", "US", "RU", "JP", "AU", "TW", "KR", "SA", "PH"]),
    channel=st.sampled_from(["9610", "9810"]),
    low=st.floats(0, 20_000),
    step=st.floats(0, 20_000),
    day=st.sampled_from([BEFORE, AFTER, dt.date(2025, 6, 1)]),
)
def test_duty_and_vat_never_fall_when_value_rises(net, country, channel, low, step, day):
    a = landed_lines(net, country, "ecommerce_parcels", low, channel=channel, on=day)
    b = landed_lines(net, country, "ecommerce_parcels", low + step, channel=channel, on=day)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert y.amount_cny >= x.amount_cny - 1e-6, (x, y)


def test_bad_duties_row_is_refused_with_file_row_and_field(tiny_dir: Path, tmp_path: Path):
    d = tmp_path / "net"
    shutil.copytree(tiny_dir, d)
    (d / "duties.csv").write_text(
        "id,country,product,channel,layer,duty_rate,vat_rate,kind,source\n"
        "X-ok,DE,*,*,base,0.04,0.19,assumed,assumption: test\n"
        "X-bad,DE,*,*,base,7,0.19,assumed,assumption: test\n",
        encoding="utf-8",
    )
    with pytest.raises(NetworkDataError) as err:
        load_network(d)
    text = str(err.value)
    assert "duties.csv, row 3, field 'duty_rate'" in text
    (d / "duties.csv").unlink()
    assert load_network(d).duties.empty
