"""``corridor plan``: a programme file in, a checked multi-year plan (``plan.json``) out.

:func:`run_plan` loads the programme (:mod:`optimizer.data.programme`), builds
the one-year design problem of its base scenario with switched sites, stacks
it by year with the recognition rules (:mod:`optimizer.models.programme`),
solves it by price-and-branch on the generic core, and reads the result back
year by year. Each year's solution is checked independently
(:func:`optimizer.results.check.verify`); the net present cost is recomputed
from the years' costs and the awards; the programme's rules (once, rounds,
years open, budgets, requirements) are checked again from the schedule
(:func:`check_rules`). A programme whose requirements cannot all hold is
explained before any solve where the rules alone show it
(:func:`explain_requirements`: which requirement, by how much), and after a
solve that finds no plan otherwise. Nothing here prints or writes files.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.data.network import Network
from optimizer.data.programme import Programme, demand_factors, load_programme
from optimizer.data.scenario import network_of
from optimizer.engine.colgen import price_and_branch
from optimizer.engine.core import BuiltModel
from optimizer.engine.solver import SolveOptions
from optimizer.models.criteria import Eligibility, eligibility
from optimizer.models.design import DomainProblem, DomainSolve, build_problem, initial_routes
from optimizer.models.programme import (
    ProgrammeProblem,
    Requirement,
    Rules,
    build_programme,
    recognitions,
    split_years,
)
from optimizer.results.check import verify
from optimizer.results.files import to_plain
from optimizer.results.solution import Solution, sites_used, solution_from_solve
from optimizer.studies.pipeline import HAS_SOLUTION, SOLVE_KEYS, options_from, solve_options

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanResult:
    """A solved programme: the plan document (``plan.json``), the network and the years."""

    programme: Programme
    network: Network
    doc: dict[str, Any]
    solutions: tuple[Solution, ...] = ()

    @property
    def status(self) -> str:
        """The solve's status."""
        return str(self.doc["status"])


# -- the rules ---------------------------------------------------------------------------


def _site_groups(network: Network) -> dict[str, frozenset[str]]:
    """Country group -> sites (from operators.csv: a site is in a group any operator names)."""
    ops = network.operators
    out: dict[str, set[str]] = {}
    if ops.empty or "country_groups" not in ops:
        return {}
    for site, groups in zip(ops["site"], ops["country_groups"], strict=True):
        if isinstance(groups, str):
            for g in groups.split(";"):
                if g.strip():
                    out.setdefault(g.strip(), set()).add(str(site))
    return {g: frozenset(s) for g, s in out.items()}


#: A requirement line's bounds: (key in the file, kind of :class:`Requirement`, by group).
REQUIREMENT_KEYS = (
    ("min_warehouses", "warehouses"),
    ("min_area_m2", "area_m2"),
    ("min_public", "public"),
    ("min_in_group", "group_count"),
    ("min_share", "group_share"),
)


def requirements_of(programme: Programme) -> tuple[Requirement, ...]:
    """The programme's requirements, one per bound (``min_warehouses`` in 2026, ...)."""
    out: list[Requirement] = []
    for i, r in enumerate(programme.spec.requirements):
        for key, kind in REQUIREMENT_KEYS:
            target = getattr(r, key)
            if target is not None:
                group = r.group if kind.startswith("group") else None
                out.append(
                    Requirement(f"requirements[{i}].{key}", r.year, kind, target, group, r.source)
                )
    return tuple(out)


def judge_sites(programme: Programme, network: Network, sites: list[str]) -> dict[str, Eligibility]:
    """Each site's best operator against the programme's public scheme, counted to the first
    round (none without a ``public`` scheme)."""
    pub = programme.spec.public
    if pub is None:
        return {}
    year = min(r.year for r in programme.spec.rounds)
    return {w: eligibility(network, w, pub.scheme, year=year) for w in sites}


def public_candidates(
    programme: Programme, sites: list[str], judged: dict[str, Eligibility]
) -> tuple[str, ...]:
    """Sites that may be recognised as public warehouses (eligible, when the file requires it)."""
    pub = programme.spec.public
    if pub is None:
        return ()
    if not pub.require_eligible:
        return tuple(sites)
    return tuple(w for w in sites if judged[w].eligible)


def rules_of(
    programme: Programme,
    network: Network,
    sites: list[str],
    judged: dict[str, Eligibility] | None = None,
) -> Rules:
    """The programme's rules in model terms (``judged``: :func:`judge_sites`, when known)."""
    if judged is None:
        judged = judge_sites(programme, network, sites)
    spec = programme.spec
    wh = network.warehouses
    return Rules(
        years=programme.years,
        factors=demand_factors(programme, network),
        discount_rate=float(spec.discount_rate),
        rounds={r.year: r.max_new for r in spec.rounds},
        award_cny=float(spec.awards.demonstration_cny),
        public_award_cny=float(spec.awards.public_cny),
        annual_cny=float(spec.awards.annual_cny),
        budget_cny={int(y): float(v) for y, v in spec.budget_cny.items()},
        min_years_open=int(spec.min_years_open),
        allow_shrink=spec.allow_shrink,
        public_sites=public_candidates(programme, sites, judged),
        area_m2={w: float(a) for w, a in wh["area_m2"].astype(float).items() if w in sites},
        groups=_site_groups(network),
        requirements=requirements_of(programme),
    )


def explain_requirements(rules: Rules, sites: list[str], exempt: tuple[str, ...] = ()) -> list[str]:
    """Requirements that no schedule can meet, from the rules alone, each with the shortfall.

    The most a year can have open is the sites open without recognition plus
    the recognitions of the rounds up to it (each capped by its ``max_new``,
    the budget and the number of sites); a requirement above that cannot hold.
    """
    out: list[str] = []
    candidates = [w for w in sites if w not in exempt]
    years = rules.years

    def most_new(upto: int, pool: int, award: float) -> int:
        total = 0
        for y in years:
            if y > upto or y not in rules.rounds:
                continue
            cap = rules.rounds[y]
            n = pool - total if cap is None else min(cap, pool - total)
            budget = rules.budget_cny.get(y)
            if budget is not None and award > 0:
                n = min(n, math.floor(budget / award + 1e-9))
            total += max(0, n)
        return total

    for req in rules.requirements:
        y = req.year
        if req.kind == "warehouses":
            most = len(exempt) + most_new(y, len(candidates), rules.award_cny)
            if most < req.target:
                out.append(
                    f"{req.name}: at least {req.target:g} warehouses open in {y}, but the rounds "
                    f"up to {y} recognise at most {most - len(exempt)} (and {len(exempt)} are open "
                    f"already): short by {req.target - most:g}"
                )
        elif req.kind == "area_m2":
            n = len(exempt) + most_new(y, len(candidates), rules.award_cny)
            areas = sorted((rules.area_m2.get(w, 0.0) for w in sites), reverse=True)
            most_area = sum(areas[:n])
            if most_area < req.target:
                out.append(
                    f"{req.name}: at least {req.target:,.0f} m2 open in {y}, but the largest "
                    f"{n} sites the rounds allow hold {most_area:,.0f} m2: short by "
                    f"{req.target - most_area:,.0f} m2"
                )
        elif req.kind == "public":
            pool = len(rules.public_sites)
            award = rules.public_award_cny
            most = most_new(y, pool, award)
            if most < req.target:
                why = (
                    f"only {pool} candidate sites are eligible"
                    if pool < req.target
                    else f"the rounds up to {y} recognise at most {most}"
                )
                out.append(
                    f"{req.name}: at least {req.target:g} public warehouses by {y}, but {why}: "
                    f"short by {req.target - most:g}"
                )
        elif req.kind == "group_count":
            members = [w for w in sites if w in rules.groups.get(str(req.group), frozenset())]
            if len(members) < req.target:
                out.append(
                    f"{req.name}: at least {req.target:g} sites in {req.group} in {y}, but the "
                    f"network has {len(members)}: short by {req.target - len(members):g}"
                )
    return out


# -- solving -----------------------------------------------------------------------------


def _eligibility_rows(judged: dict[str, Eligibility]) -> list[dict[str, Any]]:
    return [
        {
            "site": w,
            "operator": e.operator,
            "operator_name": e.operator_name,
            "sourced": e.sourced,
            "eligible": e.eligible,
            "possible": e.possible,
            "met": e.met,
            "missing": e.missing,
            "unknown": e.unknown,
        }
        for w, e in judged.items()
    ]


def run_plan(path: str | Path, **overrides: Any) -> PlanResult:
    """Solve a programme file (see the module docstring).

    ``overrides`` are solver options (``time_limit_s``, ``rel_gap``, ...)
    over the programme's ``options`` and its base scenario's.

    Raises
    ------
    InputError
        On a bad programme or base scenario.
    NetworkDataError
        When the base data has problems.
    """
    began = time.perf_counter()
    programme = load_programme(path)
    sc = programme.scenario
    net = network_of(sc)
    file_opts = {k: v for k, v in programme.spec.options.model_dump().items() if v is not None}
    opts = replace(options_from({**sc.options, **file_opts}), site_switches=True)
    log.info("programme %s: building the one-year model of %s", programme.name, sc.name)
    base = build_problem(net, opts)
    sites = list(base.use_arcs)
    judged = judge_sites(programme, net, sites)
    rules = rules_of(programme, net, sites, judged)
    pp = build_programme(base, rules)
    sc_opts = replace(
        sc, options={**sc.options, **{k: v for k, v in file_opts.items() if k in SOLVE_KEYS}}
    )
    sopts = solve_options(sc_opts, **overrides)
    doc = _doc_head(programme, rules)
    doc["eligibility"] = _eligibility_rows(judged)
    why = explain_requirements(rules, sites, pp.exempt)
    if why:
        doc.update(
            status="infeasible",
            infeasible={"explanation": why},
            seconds=time.perf_counter() - began,
        )
        return PlanResult(programme=programme, network=net, doc=to_plain(doc))
    core = pp.core
    log.info(
        "programme %s: %d years, %d routes, %d demands, %d arcs; solving (time limit %g s, gap %g)",
        programme.name,
        len(rules.years),
        core.paths.count if core.paths is not None else 0,
        core.commodities.count,
        core.arcs.count,
        sopts.time_limit_s,
        sopts.rel_gap,
    )
    initial = np.tile(initial_routes(base), len(rules.years))
    pb = price_and_branch(core, initial, sopts, started=began)
    res = pb.result
    log.info(
        "%s: objective %s, bound %s, gap %s, %.1f s",
        res.status,
        res.objective,
        res.bound,
        res.gap,
        res.seconds,
    )
    doc.update(
        status=res.status,
        objective=res.objective,
        bound=res.bound,
        gap=res.gap,
        solver=res.solver,
        lp_bound_exact=pb.generation.lp_bound if math.isfinite(pb.generation.lp_bound) else None,
        routes=int(pb.active.sum()),
        catalogue_routes=int(core.paths.count) if core.paths is not None else 0,
    )
    if res.status not in HAS_SOLUTION or res.units is None:
        doc["infeasible"] = {"explanation": explain_after_solve(base, rules, sopts, res.status)}
        doc["seconds"] = time.perf_counter() - began
        return PlanResult(programme=programme, network=net, doc=to_plain(doc))
    solutions = _fill(doc, programme, pp, pb.active, res, opts, pb.built)
    doc["seconds"] = time.perf_counter() - began
    return PlanResult(
        programme=programme, network=net, doc=to_plain(doc), solutions=tuple(solutions)
    )


def explain_after_solve(
    base: DomainProblem, rules: Rules, sopts: SolveOptions, status: str
) -> list[str]:
    """Why a programme that passes :func:`explain_requirements` has no plan: each requirement
    is let fall short at a penalty far above any cost, and the least shortfall is reported.
    """
    lines = [f"the solver found no plan that meets every requirement ({status})"]
    if status != "infeasible":
        return [*lines, "(stopped before a plan was found: give more time with --time-limit)"]
    elastic = build_programme(base, replace(rules, elastic=True))
    n = len(rules.years)
    pb = price_and_branch(elastic.core, np.tile(initial_routes(base), n), sopts)
    res = pb.result
    if res.units is None:
        return [
            *lines,
            "no schedule exists even with every requirement relaxed: the rounds, budgets and "
            "years-open rules, or demand that must be served in full, leave none",
        ]
    units = {"area_m2": "m2", "group_share": "sites (of the group's share)"}
    kinds = {r.name: r for r in rules.requirements}
    for name, short in sorted(elastic.shortfalls(res.units).items()):
        req = kinds[name]
        lines.append(
            f"{name} ({req.year}): short by {short:,.0f} {units.get(req.kind, '')}".rstrip()
            + " with the rounds, budgets and years-open rules as given"
        )
    return lines


def _doc_head(programme: Programme, rules: Rules) -> dict[str, Any]:
    return {
        "programme": programme.name,
        "programme_file": programme.path,
        "base_scenario": str(Path(programme.path).parent / programme.spec.base),
        "description": programme.description,
        "source": programme.source,
        "status": "not solved",
        "objective": None,
        "bound": None,
        "gap": None,
        "seconds": 0.0,
        "discount_rate": rules.discount_rate,
        "base_year": programme.spec.base_year,
        "net_present_cost_cny": None,
        "years": [],
        "schedule": [],
        "requirements": [],
        "eligibility": [],
        "infeasible": None,
        "check": None,
    }


def _fill(
    doc: dict[str, Any],
    programme: Programme,
    pp: ProgrammeProblem,
    active: np.ndarray,
    res: Any,
    opts: Any,
    built: BuiltModel,
) -> list[Solution]:
    rules = pp.rules
    net = pp.base.network
    violations: list[str] = []
    yearly = []
    for ys in split_years(pp, active, res):
        sol = solution_from_solve(
            DomainSolve(problem=ys.problem, built=built, result=ys.result),
            f"{programme.name} {ys.year}",
        )
        check = verify(ys.problem.network, sol, opts)
        if not check.ok:
            violations += [f"{ys.year}: {v}" for v in check.violations]
        yearly.append((ys, sol, check))
    carried = {w for _ys, sol, _c in yearly for w in sites_used(sol.warehouses)}
    units, dropped, kept = drop_idle(pp, res.units, carried)
    doc["dropped_idle"] = dropped
    doc["kept_idle"] = kept
    made = recognitions(pp, units)
    recognised = {w: (y, public) for w, y, public in made}
    disc = rules.discount
    solutions: list[Solution] = []
    years_doc: list[dict[str, Any]] = []
    before: set[str] = set()
    npv = 0.0
    for t, (ys, sol, check) in enumerate(yearly):
        y = ys.year
        k = sol.kpis
        open_ = [w for w in pp.base.use_arcs if units[pp.use[(w, y)]] > 0.5]
        used = set(sites_used(sol.warehouses))
        stray = sorted(used - set(open_))
        if stray:
            violations.append(f"{y}: freight through sites not open: {', '.join(stray)}")
        new = [w for w, (yy, _p) in recognised.items() if yy == y]
        public = [w for w in open_ if w in recognised and recognised[w][1]]
        awards = sum(
            rules.public_award_cny if p else rules.award_cny
            for w, (yy, p) in recognised.items()
            if yy == y
        )
        subsidy = awards + rules.annual_cny * len(open_)
        npv += disc[t] * (ys.objective + subsidy)
        rows = {str(r["warehouse_id"]): r for r in sol.warehouses.to_dict("records")}
        site_rows = []
        for w in open_:
            r = rows.get(w, {})
            tonnes = float(r.get("throughput_tonnes") or 0.0)
            model = str(r.get("operating_model") or "")
            tier = str(r.get("tier") or "")
            site_rows.append(
                {
                    "site": w,
                    "operating": model or "idle",
                    "tier": tier,
                    "public": w in public,
                    "tonnes": tonnes,
                }
            )
        years_doc.append(
            {
                "year": y,
                "open": open_,
                "new": new,
                "public": public,
                "closed": sorted(before - set(open_)),
                "total_cost_cny": float(k["total_cost_cny"]),
                "logistics_cost_cny": float(k["logistics_cost_cny"]),
                "unmet_penalty_cny": float(k["unmet_penalty_cny"]),
                "unmet_tonnes": float(k["unmet_tonnes"]),
                "co2_tonnes": float(k["co2_tonnes"]),
                "on_promise_share": float(k["on_time_share"]),
                "demand_tonnes": float(k["demand_tonnes"]),
                "served_via_warehouse_tonnes": float(k["served_via_warehouse_tonnes"]),
                "subsidy_cny": subsidy,
                "area_m2": sum(rules.area_m2.get(w, 0.0) for w in open_),
                "discount_factor": float(disc[t]),
                "check_ok": check.ok,
                "sites": site_rows,
            }
        )
        before = set(open_)
        solutions.append(sol)
    doc["years"] = years_doc
    doc["net_present_cost_cny"] = npv
    solver_npv = float(res.objective) - saved_awards(pp, res.units, units)
    doc["solver_objective"] = res.objective
    doc["objective"] = npv
    if res.bound is not None:
        doc["gap"] = max(0.0, npv - float(res.bound)) / max(1.0, abs(npv))
    if abs(npv - solver_npv) > 1e-6 * max(1.0, abs(solver_npv)):
        violations.append(
            f"net present cost recomputed from the years, {npv:,.0f}, differs from the "
            f"solver's objective {solver_npv:,.0f} (less the awards of idle sites dropped)"
        )
    elig = {row["site"]: row for row in doc["eligibility"]}
    first_use: dict[str, dict[str, Any]] = {}
    for yd in years_doc:
        for row in yd["sites"]:
            if row["tonnes"] > 0 and row["site"] not in first_use:
                first_use[row["site"]] = row
    doc["schedule"] = [
        {
            "site": w,
            "name": str(net.nodes.at[w, "name"]),
            "country": str(net.nodes.at[w, "country"]),
            "recognised_year": y,
            "public": public,
            "operating": first_use.get(w, {}).get("operating", "idle"),
            "tier": first_use.get(w, {}).get("tier", ""),
            "eligible": elig[w]["eligible"] if w in elig else None,
            "missing": elig[w]["missing"] if w in elig else [],
            "unknown": elig[w]["unknown"] if w in elig else [],
            "operator": elig[w]["operator"] if w in elig else None,
        }
        for w, y, public in made
    ]
    doc["requirements"] = requirement_rows(rules, doc)
    violations += check_rules(rules, doc, exempt=pp.exempt)
    doc["check"] = {"ok": not violations, "violations": violations}
    return solutions


def drop_idle(
    pp: ProgrammeProblem, units: np.ndarray, carried: set[str]
) -> tuple[np.ndarray, list[str], list[dict[str, str]]]:
    """Recognitions of sites that carry no freight in any year, dropped where no rule needs them.

    Recognising a site that carries nothing costs nothing when its award is
    zero, so the solver may keep one within its gap; an official could not
    defend it. Each idle site, latest recognition first, is dropped (its
    recognition and its years open) when every requirement still holds
    without it; otherwise it is kept with the requirement that needs it.
    Returns the units, the sites dropped and the idle sites kept (with why).
    """
    rules = pp.rules
    units = units.copy()
    dropped: list[str] = []
    kept: list[dict[str, str]] = []
    idle = [r for r in recognitions(pp, units) if r[0] not in carried]
    for w, _y, _public in sorted(idle, key=lambda r: (-r[1], r[0])):
        trial = units.copy()
        for table in (pp.rec, pp.pub, pp.use):
            trial[[a for (site, _y), a in table.items() if site == w]] = 0.0
        short = [
            row["name"]
            for row in requirement_rows(rules, _skeleton(pp, trial))
            if row["met"] is False
        ]
        if short:
            kept.append({"site": w, "reason": "needed for " + ", ".join(short)})
        else:
            units = trial
            dropped.append(w)
    return units, sorted(dropped), kept


def saved_awards(pp: ProgrammeProblem, before: np.ndarray, after: np.ndarray) -> float:
    """Discounted awards and support no longer paid after :func:`drop_idle`."""
    cost = pp.core.arcs.unit_cost
    arcs = [*pp.rec.values(), *pp.pub.values(), *pp.use.values()]
    return float(sum(cost[a] * (before[a] - after[a]) for a in arcs))


def _skeleton(pp: ProgrammeProblem, units: np.ndarray) -> dict[str, Any]:
    """The parts of a plan document the requirements read: open sites, area, public ones."""
    rules = pp.rules
    years = []
    for y in rules.years:
        open_ = [w for w in pp.base.use_arcs if units[pp.use[(w, y)]] > 0.5]
        years.append(
            {"year": y, "open": open_, "area_m2": sum(rules.area_m2.get(w, 0.0) for w in open_)}
        )
    schedule = [
        {"site": w, "recognised_year": y, "public": public}
        for w, y, public in recognitions(pp, units)
    ]
    return {"years": years, "schedule": schedule}


def _achieved(rules: Rules, req: Requirement, doc: dict[str, Any]) -> float | None:
    year = next((yd for yd in doc["years"] if yd["year"] == req.year), None)
    if year is None:
        return None
    open_ = year["open"]
    if req.kind == "warehouses":
        return float(len(open_))
    if req.kind == "area_m2":
        return float(year["area_m2"])
    if req.kind == "public":
        return float(
            sum(1 for s in doc["schedule"] if s["public"] and s["recognised_year"] <= req.year)
        )
    members = rules.groups.get(str(req.group), frozenset())
    inside = sum(1 for w in open_ if w in members)
    if req.kind == "group_count":
        return float(inside)
    return inside / len(open_) if open_ else 0.0


def requirement_label(req: Requirement) -> str:
    """A requirement in words: ``at least 10 warehouses open in 2026``."""
    t = req.target
    return {
        "warehouses": f"at least {t:g} warehouses open in {req.year}",
        "area_m2": f"at least {t:,.0f} m2 of warehouses open in {req.year}",
        "public": f"at least {t:g} public warehouses recognised by {req.year}",
        "group_count": f"at least {t:g} warehouses in {req.group} countries in {req.year}",
        "group_share": f"at least {t:.0%} of the warehouses in {req.group} countries in {req.year}",
    }.get(req.kind, req.name)


def requirement_rows(rules: Rules, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each requirement with its target, what the plan achieves, and whether it is met."""
    out = []
    for req in rules.requirements:
        got = _achieved(rules, req, doc)
        out.append(
            {
                "name": req.name,
                "year": req.year,
                "kind": req.kind,
                "group": req.group,
                "target": req.target,
                "achieved": got,
                "met": None if got is None else bool(got >= req.target - 1e-9),
                "source": req.source,
                "unit": {"area_m2": "m2", "group_share": "share"}.get(req.kind, "count"),
                "label": requirement_label(req),
            }
        )
    return out


def check_rules(rules: Rules, doc: dict[str, Any], *, exempt: tuple[str, ...] = ()) -> list[str]:
    """The programme's rules checked again from a plan document (independently of the model)."""
    v: list[str] = []
    years = [yd["year"] for yd in doc["years"]]
    open_by = {yd["year"]: set(yd["open"]) for yd in doc["years"]}
    seen: dict[str, int] = {}
    for s in doc["schedule"]:
        w, y = s["site"], s["recognised_year"]
        if w in seen:
            v.append(f"{w} recognised twice ({seen[w]} and {y})")
        seen[w] = y
        if y not in rules.rounds:
            v.append(f"{w} recognised in {y}, which is not a round")
        if s["public"] and w not in rules.public_sites:
            v.append(f"{w} recognised as public but not eligible")
        for yy in years:
            stays = yy >= y and (yy - y < rules.min_years_open or s["public"])
            if stays and w not in open_by[yy]:
                v.append(f"{w} recognised in {y} but closed in {yy}")
    for yy in years:
        for w in open_by[yy]:
            if w not in exempt and (w not in seen or seen[w] > yy):
                v.append(f"{w} open in {yy} before it is recognised")
    for y, most in rules.rounds.items():
        n = sum(1 for s in doc["schedule"] if s["recognised_year"] == y)
        if most is not None and n > most:
            v.append(f"round {y}: {n} recognitions > {most}")
    for yd in doc["years"]:
        cap = rules.budget_cny.get(yd["year"])
        if cap is not None and yd["subsidy_cny"] > cap * (1 + 1e-9) + 1e-6:
            v.append(
                f"{yd['year']}: awards and support {yd['subsidy_cny']:,.0f} > budget {cap:,.0f}"
            )
    for row in requirement_rows(rules, doc):
        if row["met"] is False:
            v.append(f"{row['name']} ({row['year']}): {row['achieved']} < {row['target']}")
    return v
