r"""A recognition programme over several years: the design model stacked by year.

``corridor plan`` decides which warehouse sites a province recognises in
which round, and how the network then ships, year by year. It is one MILP on
the generic core of :mod:`optimizer.engine.core`, built from the one-year
design problem of :mod:`optimizer.models.design` with every site switched
(``DesignOptions.site_switches``: a used-or-not binary :math:`u_w`).

Formulation
-----------
Sets
    :math:`T` the programme's years (:math:`t_0` the first); :math:`R \subseteq T`
    the recognition rounds; :math:`W` the sites; :math:`W^P \subseteq W` the
    sites whose operator is eligible for public recognition; one copy of the
    one-year problem per year (arcs, demands, routes): every symbol of
    :mod:`optimizer.models.design` gains an index :math:`t`.
Data
    :math:`\gamma_{dt}` demand growth of row :math:`d` to year :math:`t`
    (volumes :math:`v_{dt} = \gamma_{dt} v_d`); :math:`\delta_t = (1 + r)^{-(t - t_0)}`
    the discount factor; :math:`a_w`, :math:`a^P_w` the one-off award of a
    demonstration or public recognition, :math:`s` the annual support per open
    recognised site, :math:`B_t` the budget of year :math:`t`;
    :math:`\bar{n}_t` most recognitions in round :math:`t`; :math:`m` the years
    a recognised site stays open; :math:`A_w` a site's area (m², warehouses.csv).
Variables
    per year, those of the one-year model, with :math:`u_{wt}` the site's
    switch; :math:`x_{wt}, x^P_{wt} \in \{0,1\}` site :math:`w` recognised in
    round :math:`t \in R` as a demonstration or a public warehouse (each a
    design arc ``REC:<site>:<year>`` / ``PUB:<site>:<year>`` with no flow).
Objective
    the net present cost :math:`\sum_t \delta_t (z_t + s \sum_w u_{wt})
    + \sum_{t \in R} \delta_t \sum_w (a_w x_{wt} + a^P_w x^P_{wt})`,
    with :math:`z_t` the one-year objective of year :math:`t` (transport,
    handling, stock, owned fixed costs, unmet demand at its lost margin).
Constraints
    * each year's one-year constraints;
    * once: :math:`\sum_{t \in R} (x_{wt} + x^P_{wt}) \le 1`;
    * used only once recognised: :math:`u_{wt} \le \sum_{s \le t} (x_{ws} + x^P_{ws})`
      (a site open before the programme, or forced open, is exempt);
    * stays open :math:`m` years: :math:`u_{wt} \ge \sum_{t - m < s \le t} (x_{ws} + x^P_{ws})`,
      and a public warehouse for the rest of the programme:
      :math:`u_{wt} \ge \sum_{s \le t} x^P_{ws}`;
    * rounds: :math:`\sum_w (x_{wt} + x^P_{wt}) \le \bar{n}_t`; no recognition outside
      a round;
    * budget: :math:`\sum_w (a_w x_{wt} + a^P_w x^P_{wt}) + s \sum_w u_{wt} \le B_t`;
    * requirements in a year :math:`t`: at least :math:`N` sites open
      (:math:`\sum_w u_{wt} \ge N`), at least :math:`M` m² open
      (:math:`\sum_w A_w u_{wt} \ge M`), at least :math:`K` public warehouses
      recognised by then (:math:`\sum_{s \le t} \sum_w x^P_{ws} \ge K`), at least
      :math:`n` sites or a share :math:`\sigma` of the open sites in a country
      group :math:`G` (:math:`\sum_{w \in G} u_{wt} \ge \sigma \sum_w u_{wt}`);
    * owned space grows, never shrinks (unless allowed):
      :math:`\sum_{\tau} U_\tau y_{\tau t} \ge \sum_\tau U_\tau y_{\tau, t-1}` over a site's tiers.

The routes are the one-year catalogue's in every year (demand growth changes
volumes, not which routes exist), priced by column generation over the
whole stacked catalogue (price-and-branch), so the bound holds for the
generated routes and the LP bound for every route, as in ``corridor solve``.
:func:`split_years` turns the stacked solution back into one solution per
year, which the independent check of :mod:`optimizer.results.check` then
verifies year by year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from optimizer.engine.core import (
    Arcs,
    Commodities,
    DesignConstraint,
    DesignProblem,
    DesignResult,
    Paths,
    objective_of,
)
from optimizer.models.design import DomainProblem, restricted

#: Requirement kinds (``Requirement.kind``).
REQUIREMENT_KINDS = ("warehouses", "area_m2", "public", "group_count", "group_share")
#: What one unit of an elastic requirement's shortfall stands for (m2 of area, a share in sites).
SLACK_UNIT = {"area_m2": 1000.0, "group_share": 1.0}
#: Cost of one unit of shortfall in an elastic programme (far above any plan's cost).
SLACK_PENALTY_CNY = 1e11


@dataclass(frozen=True)
class Requirement:
    """A policy requirement in one year (see the module docstring)."""

    name: str
    year: int
    kind: str  # one of REQUIREMENT_KINDS
    target: float
    group: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Rules:
    """The programme's rules in model terms (what :func:`build_programme` needs)."""

    years: tuple[int, ...]
    factors: np.ndarray  # years x demand rows: demand relative to the base data
    discount_rate: float
    rounds: dict[int, int | None]  # round year -> most recognitions (None: any number)
    award_cny: float = 0.0
    public_award_cny: float = 0.0
    annual_cny: float = 0.0
    budget_cny: dict[int, float] = field(default_factory=dict)
    min_years_open: int = 1000
    allow_shrink: bool = False
    public_sites: tuple[str, ...] = ()  # sites eligible for public recognition
    area_m2: dict[str, float] = field(default_factory=dict)
    groups: dict[str, frozenset[str]] = field(default_factory=dict)  # group -> sites
    requirements: tuple[Requirement, ...] = ()
    elastic: bool = False  # requirements may fall short, at a penalty (to explain infeasibility)

    @property
    def discount(self) -> np.ndarray:
        """:math:`\\delta_t` per year."""
        t0 = self.years[0]
        return np.array([(1.0 + self.discount_rate) ** -(y - t0) for y in self.years])


@dataclass(frozen=True)
class ProgrammeProblem:
    """The stacked core problem and where each year's copy and each recognition sit."""

    base: DomainProblem
    rules: Rules
    core: DesignProblem
    n_arcs: int  # arcs of one year
    n_com: int  # demand rows of one year
    n_paths: int  # routes of one year
    use: dict[tuple[str, int], int]  # (site, year) -> switch arc
    rec: dict[tuple[str, int], int]  # (site, round year) -> demonstration recognition arc
    pub: dict[tuple[str, int], int]  # (site, round year) -> public recognition arc
    exempt: tuple[str, ...] = ()  # sites open without recognition (existing, forced)
    slack: dict[str, int] = field(default_factory=dict)  # requirement -> its shortfall arc

    def shortfalls(self, units: np.ndarray) -> dict[str, float]:
        """How far an elastic solution falls short of each requirement (in its unit)."""
        out = {}
        for req in self.rules.requirements:
            a = self.slack.get(req.name)
            if a is not None and units[a] > 0.5:
                out[req.name] = float(units[a]) * SLACK_UNIT.get(req.kind, 1.0)
        return out


def _stack_arcs(
    base: Arcs,
    discount: np.ndarray,
    extra_ids: list[str],
    extra_cost: list[float],
    extra_max: list[float],
) -> Arcs:
    """One copy of ``base`` per year (costs discounted), then the programme's own design
    arcs (no flow, capacity 1): recognitions and shortfalls."""
    a, n_years, extra, c = base.count, len(discount), len(extra_ids), base.classes
    return Arcs(
        ids=tuple(f"{t}|{i}" for t in range(n_years) for i in base.ids) + tuple(extra_ids),
        flow_cost=np.vstack([*(base.flow_cost * dt for dt in discount), np.zeros((extra, c))]),
        unit_capacity=np.r_[np.tile(base.unit_capacity, n_years), np.ones(extra)],
        unit_cost=np.r_[(base.unit_cost[None, :] * discount[:, None]).ravel(), extra_cost],
        max_units=np.r_[np.tile(base.max_units, n_years), extra_max],
        min_units=np.r_[np.tile(base.min_units, n_years), np.zeros(extra)],
        loose_cost=np.vstack(
            [*(base.loose_cost * dt for dt in discount), np.full((extra, c), np.inf)]
        ),
        usage=np.vstack([np.tile(base.usage, (n_years, 1)), np.ones((extra, c))]),
        capacity_for=np.r_[
            np.concatenate([base.capacity_for + t * a for t in range(n_years)]),
            a * n_years + np.arange(extra),
        ],
    )


def _stack_paths(base: Paths, n_years: int, n_arcs: int, n_com: int, discount: np.ndarray) -> Paths:
    lengths = np.diff(base.arc_ptr)
    n_choice = int(base.choice.max(initial=-1)) + 1
    return Paths(
        commodity=np.concatenate([base.commodity + t * n_com for t in range(n_years)]),
        arc_ptr=np.r_[0, np.cumsum(np.tile(lengths, n_years))],
        arc_idx=np.concatenate([base.arc_idx + t * n_arcs for t in range(n_years)]),
        cost=np.concatenate([base.cost * dt for dt in discount]),
        choice=np.concatenate(
            [np.where(base.choice >= 0, base.choice + t * n_choice, -1) for t in range(n_years)]
        ),
    )


def build_programme(base: DomainProblem, rules: Rules) -> ProgrammeProblem:
    """Stack the one-year problem by year and add the recognition rules (module docstring).

    ``base`` must be built with switched sites (``DesignOptions(site_switches=True)``).
    """
    if not base.use_arcs:
        msg = "a programme needs a design problem with switched sites (site_switches)"
        raise ValueError(msg)
    core = base.core
    assert core.paths is not None
    years = rules.years
    n_y = len(years)
    disc = rules.discount
    a_n, k_n, p_n = core.arcs.count, core.commodities.count, core.paths.count
    sites = list(base.use_arcs)
    exempt = tuple(w for w, a in base.use_arcs.items() if core.arcs.min_units[a] >= 1)
    candidates = [w for w in sites if w not in exempt]
    rec_years = [y for y in years if y in rules.rounds]
    extra_ids: list[str] = []
    rec: dict[tuple[str, int], int] = {}
    pub: dict[tuple[str, int], int] = {}
    award: list[float] = []
    for y in rec_years:
        t = years.index(y)
        for w in candidates:
            rec[(w, y)] = a_n * n_y + len(extra_ids)
            extra_ids.append(f"REC:{w}:{y}")
            award.append(rules.award_cny * disc[t])
            if w in rules.public_sites:
                pub[(w, y)] = a_n * n_y + len(extra_ids)
                extra_ids.append(f"PUB:{w}:{y}")
                award.append(rules.public_award_cny * disc[t])
    slack: dict[str, int] = {}
    if rules.elastic:
        for req in rules.requirements:
            slack[req.name] = a_n * n_y + len(extra_ids)
            extra_ids.append(f"SLACK:{req.name}")
            award.append(SLACK_PENALTY_CNY)
    arcs = _stack_arcs(
        core.arcs,
        disc,
        extra_ids,
        award,
        [1.0] * (len(extra_ids) - len(slack)) + [np.inf] * len(slack),
    )
    use = {(w, y): t * a_n + a for t, y in enumerate(years) for w, a in base.use_arcs.items()}
    if rules.annual_cny:
        unit_cost = arcs.unit_cost.copy()
        for (_w, y), a in use.items():
            unit_cost[a] += rules.annual_cny * disc[years.index(y)]
        arcs = replace(arcs, unit_cost=unit_cost)

    com = core.commodities
    factors = np.asarray(rules.factors, dtype=float)
    commodities = Commodities(
        ids=tuple(f"{y}|{i}" for y in years for i in com.ids),
        volume=np.concatenate([com.volume * factors[t] for t in range(n_y)]),
        unmet_cost=np.concatenate([com.unmet_cost * disc[t] for t in range(n_y)]),
        cls=np.tile(com.cls, n_y),
    )
    paths = _stack_paths(core.paths, n_y, a_n, k_n, disc)
    groups = None
    if core.choice_group is not None:
        n_g = int(core.choice_group.max(initial=-1)) + 1
        groups = np.concatenate([core.choice_group + t * n_g for t in range(n_y)])
    cons = [
        replace(c, name=f"{y}|{c.name}", arcs=np.asarray(c.arcs) + t * a_n)
        for t, y in enumerate(years)
        for c in core.constraints
    ]
    cons += _rules(base, rules, use, rec, pub, candidates, a_n, slack)
    stacked = DesignProblem(
        arcs=arcs,
        commodities=commodities,
        paths=paths,
        constraints=tuple(cons),
        choice_group=groups,
        choice_exact=core.choice_exact,
        strong_linking=core.strong_linking,
        name=f"{core.name}-programme",
    )
    return ProgrammeProblem(
        base=base,
        rules=rules,
        core=stacked,
        n_arcs=a_n,
        n_com=k_n,
        n_paths=p_n,
        use=use,
        rec=rec,
        pub=pub,
        exempt=exempt,
        slack=slack,
    )


def _row(
    name: str, terms: list[tuple[int, float]], lo: float = -np.inf, hi: float = np.inf
) -> DesignConstraint:
    arcs = np.array([a for a, _ in terms], dtype=np.int64)
    coef = np.array([c for _, c in terms], dtype=float)
    return DesignConstraint(name, arcs, coef, lo=lo, hi=hi)


def _rules(
    base: DomainProblem,
    rules: Rules,
    use: dict[tuple[str, int], int],
    rec: dict[tuple[str, int], int],
    pub: dict[tuple[str, int], int],
    candidates: list[str],
    a_n: int,
    slack: dict[str, int],
) -> list[DesignConstraint]:
    years = rules.years
    out: list[DesignConstraint] = []
    sites = list(base.use_arcs)

    def recognised(w: str, upto: int, since: int | None = None) -> list[tuple[int, float]]:
        lo = since if since is not None else years[0] - 1
        return [
            (a, 1.0) for (ww, y), a in (*rec.items(), *pub.items()) if ww == w and lo < y <= upto
        ]

    for w in candidates:
        every = recognised(w, years[-1])
        if len(every) > 1:
            out.append(_row(f"recognised_once[{w}]", every, hi=1.0))
        for y in years:
            u = use[(w, y)]
            out.append(
                _row(
                    f"open_if_recognised[{w},{y}]",
                    [(u, 1.0)] + [(a, -1.0) for a, _ in recognised(w, y)],
                    hi=0.0,
                )
            )
            recent = recognised(w, y, since=y - rules.min_years_open)
            if recent:
                out.append(
                    _row(
                        f"stays_open[{w},{y}]", [(u, 1.0)] + [(a, -1.0) for a, _ in recent], lo=0.0
                    )
                )
            public = [(a, -1.0) for (ww, yy), a in pub.items() if ww == w and yy <= y]
            if public:
                out.append(_row(f"public_stays_open[{w},{y}]", [(u, 1.0), *public], lo=0.0))
    for y, most in rules.rounds.items():
        if y not in years:
            continue
        new = [(a, 1.0) for (_w, yy), a in (*rec.items(), *pub.items()) if yy == y]
        if most is not None and new:
            out.append(_row(f"round[{y}]", new, hi=float(most)))
    for y in years:
        if y not in rules.budget_cny:
            continue
        terms = [(a, rules.award_cny) for (_w, yy), a in rec.items() if yy == y]
        terms += [(a, rules.public_award_cny) for (_w, yy), a in pub.items() if yy == y]
        terms += [(use[(w, y)], rules.annual_cny) for w in sites]
        terms = [(a, c) for a, c in terms if c]
        if terms:
            out.append(_row(f"budget[{y}]", terms, hi=rules.budget_cny[y]))
    for req in rules.requirements:
        y = req.year
        extra = []
        if req.name in slack:
            extra = [(slack[req.name], SLACK_UNIT.get(req.kind, 1.0))]
        if req.kind == "warehouses":
            terms = [(use[(w, y)], 1.0) for w in sites]
            target = req.target
        elif req.kind == "area_m2":
            terms = [(use[(w, y)], rules.area_m2.get(w, 0.0)) for w in sites]
            target = req.target
        elif req.kind == "public":
            terms = [(a, 1.0) for (_w, yy), a in pub.items() if yy <= y]
            target = req.target
        elif req.kind == "group_count":
            members = rules.groups.get(str(req.group), frozenset())
            terms = [(use[(w, y)], 1.0) for w in sites if w in members]
            target = req.target
        else:  # group_share
            members = rules.groups.get(str(req.group), frozenset())
            terms = [(use[(w, y)], (1.0 if w in members else 0.0) - req.target) for w in sites]
            target = 0.0
        terms = terms + extra
        if not terms:
            terms = [(use[(sites[0], y)], 0.0)]
        out.append(_row(req.name, terms, lo=target))
    if not rules.allow_shrink:
        for w, site in base.sites.items():
            if not site.tier_arcs or base.core.arcs.max_units[list(site.tier_arcs)].max() <= 0:
                continue  # no owned space to grow or shrink
            for t in range(1, len(years)):
                terms = [
                    (t * a_n + a, tier.capacity_t_per_year)
                    for tier, a in zip(site.tiers, site.tier_arcs, strict=True)
                ]
                terms += [
                    ((t - 1) * a_n + a, -tier.capacity_t_per_year)
                    for tier, a in zip(site.tiers, site.tier_arcs, strict=True)
                ]
                out.append(_row(f"no_shrink[{w},{years[t]}]", terms, lo=0.0))
    return out


@dataclass(frozen=True)
class YearSolve:
    """One year of a solved programme, as a one-year problem and its solution arrays."""

    year: int
    problem: DomainProblem  # the base problem with the year's demand, over the year's routes
    result: DesignResult  # its objective: the year's undiscounted cost (one-year objective)

    @property
    def objective(self) -> float:
        """The year's undiscounted cost."""
        assert self.result.objective is not None
        return float(self.result.objective)


def year_problem(base: DomainProblem, factor: np.ndarray) -> DomainProblem:
    """The one-year problem with demand scaled by ``factor`` (per demand row)."""
    core = base.core
    com = core.commodities
    demand = base.demand.copy()  # its rows are the commodities, in order
    demand["tonnes_per_year"] = demand["tonnes_per_year"].astype(float) * factor
    network = base.network.replace(demand=demand)
    commodities = Commodities(
        ids=com.ids, volume=com.volume * factor, unmet_cost=com.unmet_cost, cls=com.cls
    )
    return replace(
        base, network=network, demand=demand, core=replace(core, commodities=commodities)
    )


def split_years(
    programme: ProgrammeProblem, active: np.ndarray, result: DesignResult
) -> list[YearSolve]:
    """The stacked solution as one solution per year (undiscounted), over each year's routes.

    ``active`` (bool over the stacked catalogue) marks the routes of the solved
    (restricted) stacked problem, in order; ``result`` is its solution.
    """
    assert result.share is not None and result.units is not None
    assert result.unmet_share is not None and result.class_flow is not None
    assert result.loose_flow is not None
    years = programme.rules.years
    a_n, k_n, p_n = programme.n_arcs, programme.n_com, programme.n_paths
    counts = [int(active[t * p_n : (t + 1) * p_n].sum()) for t in range(len(years))]
    offsets = np.r_[0, np.cumsum(counts)]
    out = []
    for t, y in enumerate(years):
        keep = np.asarray(active[t * p_n : (t + 1) * p_n], dtype=bool)
        yp = restricted(year_problem(programme.base, programme.rules.factors[t]), keep)
        res = replace(
            result,
            share=result.share[offsets[t] : offsets[t + 1]],
            unmet_share=result.unmet_share[t * k_n : (t + 1) * k_n],
            units=result.units[t * a_n : (t + 1) * a_n],
            class_flow=result.class_flow[t * a_n : (t + 1) * a_n],
            loose_flow=result.loose_flow[t * a_n : (t + 1) * a_n],
        )
        res = replace(res, objective=objective_of(yp.core, res))
        out.append(YearSolve(year=y, problem=yp, result=res))
    return out


def recognitions(programme: ProgrammeProblem, units: np.ndarray) -> list[tuple[str, int, bool]]:
    """(site, round year, public) of every recognition a solution makes."""
    out = [(w, y, False) for (w, y), a in programme.rec.items() if units[a] > 0.5]
    out += [(w, y, True) for (w, y), a in programme.pub.items() if units[a] > 0.5]
    return sorted(out, key=lambda r: (r[1], r[0]))
