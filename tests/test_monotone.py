"""Whole-network answers on random small networks: route generation against brute force, and
answers that move the right way.

Each example is the tiny network with random parallel services added (trains,
flights, trucks and last miles with random rates, times and frequencies) and
random demand. The brute force is the MILP over *every* route of the network
within the promises (``routes: complete``, the enumeration that column
generation prices); an arc-based formulation cannot state the delivery
promise or the stock held for a route's lead time, so the exhaustive path
form is the exact reference here.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.data.scenario import ScaleRates, SetDemand, apply_changes
from optimizer.engine.solver import SolveOptions
from optimizer.models.design import DesignOptions, build_problem, solve_problem

EXACT = SolveOptions(rel_gap=0.0, abs_gap=1e-6, time_limit_s=60)
TOL = 1e-6

# (from, to, via, mode, rate basis, currency, rate range, hours range)
TEMPLATES = [
    ("CN_RP", "DE_RT", "PL_BORDER", "cr_express", "FEU", "USD", (3000, 9000), (250, 420)),
    ("CN_AIR", "DE_AIRPORT", "", "air", "kg", "USD", (2, 6), (10, 40)),
    ("DE_RT", "PL_WH2", "", "road", "truck", "EUR", (800, 2200), (15, 30)),
    ("DE_RT", "DE_WH1", "", "road", "truck", "EUR", (200, 900), (1, 6)),
    ("DE_RT", "DE_MKT", "", "last_mile", "tonne", "EUR", (60, 240), (12, 60)),
    ("CN_O1", "CN_RP", "", "road", "truck", "CNY", (600, 2400), (1, 6)),
    ("CN_O2", "CN_AIR", "", "road", "truck", "CNY", (800, 3000), (2, 6)),
]


@st.composite
def networks_spec(draw: st.DrawFn) -> dict[str, Any]:
    extra = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(TEMPLATES) - 1),
                st.floats(0, 1),
                st.floats(0, 1),
                st.integers(1, 3),
            ),
            min_size=1,
            max_size=4,
        )
    )
    tonnes = draw(st.lists(st.floats(50, 900), min_size=4, max_size=4))
    return {"extra": extra, "tonnes": tonnes}


def _network(tiny: Any, spec: dict[str, Any]) -> Any:
    changes: list[tuple[str, Any, str]] = []
    for i, (t, r, h, dep) in enumerate(spec["extra"]):
        frm, to, via, mode, basis, cur, (r0, r1), (h0, h1) = TEMPLATES[t]
        service = {
            "id": f"EXTRA_{i}",
            "from": frm,
            "to": to,
            "via": via,
            "mode": mode,
            "corridor": f"extra {i}",
            "distance_km": 1000,
            "transit_h": round(h0 + h * (h1 - h0), 1),
            "departures_per_week": dep if basis in ("FEU", "kg") else None,
            "rate_basis": basis,
            "rate": round(r0 + r * (r1 - r0), 2),
            "units_per_departure": 50 if basis == "FEU" else None,
            "currency": cur,
            "price_year": 2024,
            "co2_g_per_tkm": 50,
            "co2_source": "assumption: test",
            "active": 1,
            "source": "assumption: test",
        }
        if basis == "FEU":
            service |= {"lcl_basis": "wm", "lcl_rate": round(150 + 200 * r, 2)}
        changes.append(("add_service", service, "test"))
    for did, t in zip(("D1", "D2", "D3", "D4"), spec["tonnes"], strict=True):
        changes.append(("set_demand", SetDemand(ids=[did], tonnes_per_year=t), "test"))
    return apply_changes(tiny, changes)


def _solve(net: Any, routes: str = "complete", **options: Any) -> Any:
    solved = solve_problem(build_problem(net, DesignOptions(routes=routes, **options)), EXACT)
    assert solved.result.status == "optimal"
    return solved


FAST = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FAST
@given(spec=networks_spec())
def test_route_generation_matches_brute_force(tiny: Any, spec: dict[str, Any]) -> None:
    net = _network(tiny, spec)
    brute = _solve(net, "complete")
    generated = _solve(net, "generated")
    rg = generated.route_generation
    assert rg is not None and rg.converged
    assert rg.lp_bound_exact is not None
    assert rg.lp_bound_exact <= brute.result.objective + TOL  # a bound for every route
    assert generated.result.objective >= brute.result.objective - TOL
    assert generated.result.objective == brute.result.objective or (
        abs(generated.result.objective - brute.result.objective)
        <= 1e-9 * abs(brute.result.objective)
    )


@FAST
@given(spec=networks_spec(), which=st.integers(0, 10), factor=st.floats(1.0, 3.0))
def test_answers_move_the_right_way(
    tiny: Any, spec: dict[str, Any], which: int, factor: float
) -> None:
    net = _network(tiny, spec)
    base = _solve(net).result.objective
    sid = sorted(net.services.index)[which % len(net.services)]
    # a dearer service never lowers the optimum ...
    dearer = apply_changes(net, [("scale_rates", ScaleRates(ids=[sid], factor=factor), "t")])
    assert _solve(dearer).result.objective >= base - TOL
    # ... nor does closing it, nor more demand ...
    services = net.services.copy()
    services.loc[sid, "active"] = 0
    assert _solve(net.replace(services=services)).result.objective >= base - TOL
    more = apply_changes(net, [("set_demand", SetDemand(ids=["D1"], tonnes_per_year=1e3), "t")])
    if spec["tonnes"][0] <= 1e3:
        assert _solve(more).result.objective >= base - TOL
    # ... and a service more (here: the network without it is the smaller one) never raises it
    assert base <= _solve(net.replace(services=services)).result.objective + TOL
    # a candidate warehouse fewer never lowers it
    assert _solve(net, never_open=("PL_WH2",)).result.objective >= base - TOL
