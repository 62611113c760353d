"""Column generation over the complete route catalogue: the LP bound is the full LP's."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.engine.colgen import generate, price_and_branch, restrict
from optimizer.engine.core import build_model
from optimizer.engine.solver import SolveOptions, solve_milp
from optimizer.models.design import DesignOptions, build_problem, initial_routes

EXACT = SolveOptions(rel_gap=0.0, abs_gap=1e-6, time_limit_s=60)


def test_generation_reaches_the_lp_over_every_route(tiny):
    problem = build_problem(tiny, DesignOptions(routes="complete"))
    built = build_model(problem.core)
    full_lp = solve_milp(
        built.model.with_rows(np.arange(built.model.num_rows), relax=True), EXACT
    ).objective
    # from one route per demand (the cheapest), every other priced in
    first = np.zeros(len(problem.routes), dtype=bool)
    for k in range(problem.core.commodities.count):
        first[np.flatnonzero(problem.core.paths.commodity == k)[:1]] = True
    gen = generate(problem.core, built, first, EXACT, per_commodity=1)
    assert gen.converged
    assert gen.lp_bound == pytest.approx(full_lp, rel=1e-9)
    assert gen.lp_bound <= full_lp + 1e-6


def test_price_and_branch_is_exact_on_the_tiny_network(tiny):
    problem = build_problem(tiny, DesignOptions(routes="complete"))
    every = solve_milp(build_model(problem.core).model, EXACT).objective
    pb = price_and_branch(problem.core, initial_routes(problem), EXACT)
    assert pb.result.objective == pytest.approx(every, rel=1e-9)
    assert pb.generation.lp_bound <= every + 1e-6
    sub = restrict(problem.core, pb.active)
    assert sub.paths is not None and sub.paths.count == int(pb.active.sum())
