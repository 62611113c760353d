"""Quote days as a distribution, dated departures, rate validity, near-duplicates merged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.data.loader import load_network
from optimizer.pricing.network import compile_network, rate_as_of
from optimizer.pricing.quote import MERGE_SHARE, Cargo, quote
from optimizer.pricing.timing import lognormal, next_departure, simulate


@pytest.fixture(scope="module")
def bundled() -> Any:
    return load_network()


def test_next_departure_on_an_even_weekly_timetable() -> None:
    # three a week: every 56 h from 28 h after Monday 00:00
    t = np.array([0.0, 28.0, 28.5, 84.0, 150.0, 170.0])
    assert next_departure(t, 3.0).tolist() == [28.0, 28.0, 84.0, 84.0, 196.0, 196.0]


def test_lognormal_has_the_median_and_the_bad_case_as_p98() -> None:
    rng = np.random.default_rng(1)
    x = lognormal(rng, 100.0, 300.0, 200_000)
    assert np.median(x) == pytest.approx(100.0, rel=0.01)
    assert np.percentile(x, 98) == pytest.approx(300.0, rel=0.02)
    assert lognormal(rng, 50.0, 50.0, 3).tolist() == [50.0] * 3  # no bad case: fixed
    assert lognormal(rng, 0.0, 10.0, 2).tolist() == [0.0, 0.0]


@given(
    st.integers(2000, 2040),
    st.integers(1, 12),
    st.integers(1, 28),
    st.sampled_from(["{y}", "{y}-{m:02d}", "{y}-{m:02d}-{d:02d}", "{y}-01/{y}-{m:02d}"]),
)
def test_a_rate_is_as_of_the_latest_date_in_its_year(y: int, m: int, d: int, form: str) -> None:
    text = form.format(y=y, m=m, d=d)
    got = rate_as_of(f"2007; {text}; n.d.", y)
    assert got.year == y
    assert got >= dt.date(y, m if "-" in text else 12, 1) or form == "{y}"
    # a source of another year: the rate is as of the end of its price year
    assert rate_as_of(text, y + 1) == dt.date(y + 1, 12, 31)


def test_rate_as_of_ignores_what_is_not_a_date() -> None:
    assert rate_as_of("2025-13; 2025-02-30; 2025-04", 2025) == dt.date(2025, 4, 30)
    assert rate_as_of("", 2024) == dt.date(2024, 12, 31)


def test_cr_express_chengdu_lodz_days_against_published_figures(bundled: Any) -> None:
    prep = compile_network(bundled)
    timing = simulate(prep, [prep.services["CRX_CDRP_PL_LODZ_ALA"]], None)
    assert timing.days_p10 <= timing.days_p50 <= timing.days_p90
    # 12-14 days running as published; the p90 within 25 days (issue 19)
    assert 11.0 <= timing.days_p50 <= 16.0
    assert timing.days_p90 <= 25.0


def test_sea_shanghai_rotterdam_is_within_the_published_30_to_40_days(bundled: Any) -> None:
    q = quote(bundled, "CN_SHANGHAI", "NL_RTM", Cargo(tonnes=10, cbm=30), modes=["sea"])
    t = q.alternatives[0].timing
    assert t is not None
    assert 28.0 <= t.days_p10 <= t.days_p50 <= t.days_p90 <= 42.0


def test_a_dated_quote_departs_after_it_is_ready(bundled: Any) -> None:
    ready = dt.date(2026, 12, 7)
    q = quote(bundled, "德阳经开区", "Los Angeles", Cargo(tonnes=5, cbm=20), ready=ready)
    modes = {m for a in q.alternatives for m in a.modes}
    assert {"air", "sea", "rail"} <= modes
    for a in q.alternatives:
        t = a.timing
        assert t is not None and t.etd is not None and t.eta is not None
        assert t.etd.date() >= ready and t.eta > t.etd
        assert t.days_p10 <= t.days_p50 <= t.days_p90
        assert t.valid_until is not None and t.expired  # the bundled rates are of 2025
    doc = q.to_dict()
    first = doc["alternatives"][0]
    assert first["etd"].endswith("+08:00") and doc["ready"] == "2026-12-07"
    assert {"days_p10", "days_p50", "days_p90", "valid_until", "rates_expired"} <= set(first)
    assert any(line.startswith("REPRICE BEFORE SENDING") for line in q.assumptions)
    # the same request, the same figures
    again = quote(bundled, "德阳经开区", "Los Angeles", Cargo(tonnes=5, cbm=20), ready=ready)
    assert again.to_dict() == doc


def test_no_two_listed_alternatives_are_near_duplicates(bundled: Any) -> None:
    prep = compile_network(bundled)
    cases = [
        ("Deyang", "Almaty"),
        ("德阳经开区", "Los Angeles"),
        ("Chengdu", "Duisburg"),
        ("Mianyang", "Tokyo"),
    ]
    for origin, destination in cases:
        q = quote(bundled, origin, destination, Cargo(tonnes=5, cbm=20), max_alternatives=10)
        shapes: dict[Any, list[Any]] = {}
        for a in q.alternatives:
            key = (a.modes, tuple(prep.nodes[leg.to_node].city for leg in a.legs[:-1]))
            for other in shapes.get(key, []):
                cost_close = abs(a.total_cost_cny - other.total_cost_cny) <= MERGE_SHARE * max(
                    a.total_cost_cny, other.total_cost_cny
                )
                days_close = abs(a.hours - other.hours) <= max(
                    MERGE_SHARE * max(a.hours, other.hours), 24.0
                )
                assert not (cost_close and days_close), (origin, destination, a.summary)
            shapes.setdefault(key, []).append(a)
    # the Almaty case of the issue: two CR Express trains at one price, now one line
    q = quote(bundled, "Deyang", "Almaty", Cargo(tonnes=5, cbm=20))
    train = [a for a in q.alternatives if a.modes == ("road", "cr_express", "road")]
    assert len(train) == 1 and train[0].variants
    assert "CRX_CDRP_KZ_ALMATY_KHO" in train[0].variants[0]
