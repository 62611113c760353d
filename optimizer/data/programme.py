"""Programme files: a recognition programme over several years (``corridor plan``).

A programme YAML names a base scenario and the years, how demand grows,
the recognition rounds, awards and budgets, the discount rate and the
policy requirements::

    name: programme_2025_2030
    base: baseline.yaml            # a scenario file (its data, changes and options)
    base_year: 2025                # the year the base scenario's demand describes
    years: [2025, 2030]            # first and last year (every year between is planned)
    discount_rate: 0.08
    growth:                        # per year; the first rule that matches a row applies
      - {city: Mianyang, rate: 0.10, source: ...}
      - {rate: 0.06, source: ...}
    targets:                       # or: calibrate a group's growth to a value in a year
      - {city: Deyang, year: 2027, value_cny: 1.5e9, source: ...}
    rounds:                        # recognition rounds and most recognitions in each
      - {year: 2025, max_new: 5}
    awards: {demonstration_cny: 0, public_cny: 0, annual_cny: 0, source: ...}
    budget_cny: {2025: 5.0e6}      # cap on awards and support paid in a year
    min_years_open: 3              # a recognised site stays open at least this long
    allow_shrink: false            # owned space may grow, never shrink
    public: {scheme: sichuan_public_2024, require_eligible: true}
    requirements:
      - {year: 2026, min_warehouses: 10, min_area_m2: 50000, min_public: 5, source: ...}
      - {year: 2026, group: belt_and_road, min_share: 0.5}
    options: {time_limit_s: 300, rel_gap: 0.01}

Growth and target selectors are those of a scenario's demand changes
(``ids``, ``origin``, ``city``, ``market``, ``product``, ``customs_mode``,
``trade``). Every error names the file and the key path, as scenario errors do.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationError, model_validator

from optimizer.data.network import Network
from optimizer.data.scenario import (
    DemandSelector,
    Options,
    Scenario,
    _Strict,
    is_programme,
    load_scenario,
    select_demand,
)
from optimizer.data.schema import COUNTRY_GROUPS, Count, Number, plain_message
from optimizer.data.yamlio import load_yaml
from optimizer.errors import InputError

#: Years a programme may cover (a guard against typos such as 20300).
YEAR_RANGE = (2000, 2100)
#: Most years in one programme (each year is a copy of the one-year model).
MAX_YEARS = 15


class Growth(DemandSelector):
    """Annual growth of the demand rows a selector matches (the first matching rule applies)."""

    rate: Number = Field(ge=-0.5, le=2.0, description="growth a year, e.g. 0.06 for 6 %")
    source: str = ""


class Target(DemandSelector):
    """Calibrate the growth of the matching rows to a trade value (CNY) in a year."""

    year: int = Field(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])
    value_cny: Number = Field(gt=0, le=1e13)
    source: str = ""


class Round(_Strict):
    year: int = Field(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])
    max_new: Count | None = Field(default=None, ge=0, le=1000)
    source: str = ""


class Awards(_Strict):
    demonstration_cny: Number = Field(default=0.0, ge=0, le=1e10)
    public_cny: Number = Field(default=0.0, ge=0, le=1e10)
    annual_cny: Number = Field(default=0.0, ge=0, le=1e10)
    source: str = ""


class Public(_Strict):
    scheme: str
    require_eligible: bool = True


class RequirementSpec(_Strict):
    year: int = Field(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])
    min_warehouses: Count | None = Field(default=None, ge=0, le=1000)
    min_area_m2: Number | None = Field(default=None, ge=0, le=1e8)
    min_public: Count | None = Field(default=None, ge=0, le=1000)
    group: str | None = None
    min_share: Number | None = Field(default=None, ge=0, le=1)
    min_in_group: Count | None = Field(default=None, ge=0, le=1000)
    source: str = ""

    @model_validator(mode="after")
    def _group(self) -> RequirementSpec:
        if (self.min_share is not None or self.min_in_group is not None) and self.group is None:
            msg = "min_share and min_in_group need a group"
            raise ValueError(msg)
        if self.group is not None and self.group not in COUNTRY_GROUPS:
            msg = f"group must be one of {', '.join(COUNTRY_GROUPS)}"
            raise ValueError(msg)
        return self


class ProgrammeFile(_Strict):
    name: str | None = None
    description: str = ""
    source: str = ""
    base: str
    base_year: int = Field(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])
    years: list[int] = Field(min_length=2, max_length=2)
    discount_rate: Number = Field(default=0.0, ge=0, le=0.5)
    growth: list[Growth] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    rounds: list[Round] = Field(min_length=1)
    awards: Awards = Awards()
    budget_cny: dict[int, Number] = Field(default_factory=dict)
    min_years_open: Count = Field(default=1000, ge=1, le=1000)
    allow_shrink: bool = False
    public: Public | None = None
    requirements: list[RequirementSpec] = Field(default_factory=list)
    options: Options = Options()


@dataclass(frozen=True)
class Programme:
    """A parsed programme file (its base scenario loaded)."""

    name: str
    path: str
    description: str
    source: str
    scenario: Scenario
    spec: ProgrammeFile

    @property
    def years(self) -> tuple[int, ...]:
        """Every year planned, first to last."""
        first, last = self.spec.years
        return tuple(range(first, last + 1))


def is_programme_file(path: str | Path) -> bool:
    """Whether a YAML file is a programme (:func:`~optimizer.data.scenario.is_programme`).

    Programmes sit beside scenarios in ``scenarios/``; lists of scenarios leave them out.
    """
    try:
        return is_programme(load_yaml(Path(path)))
    except (InputError, OSError):
        return False


def _loc(err: Any) -> str:
    return ".".join(str(x) for x in err.get("loc", ()))


def load_programme(path: str | Path) -> Programme:
    """Parse a programme file and its base scenario.

    Raises
    ------
    InputError
        On unreadable YAML, unknown keys (with close matches), wrong types or
        values (with the key path), years out of order, rounds or requirements
        outside the years, or a bad base scenario.
    """
    p = Path(path)
    where = str(p)
    if not p.is_file():
        msg = f"{where}: programme file not found"
        raise InputError(msg, file=where)
    raw = load_yaml(p) or {}
    if not isinstance(raw, dict):
        msg = f"{where}: a programme must be a mapping of keys"
        raise InputError(msg, file=where)
    unknown = [k for k in raw if k not in ProgrammeFile.model_fields]
    if unknown:
        k = str(unknown[0])
        hint = difflib.get_close_matches(k, list(ProgrammeFile.model_fields), n=1)
        msg = f"{where}: unknown key {k!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
        raise InputError(msg, file=where, field=k)
    try:
        spec = ProgrammeFile.model_validate(raw)
    except ValidationError as exc:
        e = exc.errors()[0]
        msg = f"{where}: {_loc(e)}: {plain_message(e['msg'])}"
        raise InputError(msg, file=where, field=_loc(e)) from None
    first, last = spec.years
    if last < first or last - first + 1 > MAX_YEARS:
        msg = f"{where}: years: [{first}, {last}] must run forward over at most {MAX_YEARS} years"
        raise InputError(msg, file=where, field="years")
    if spec.base_year > first:
        msg = f"{where}: base_year {spec.base_year} is after the first year {first}"
        raise InputError(msg, file=where, field="base_year")
    span = range(first, last + 1)
    dated = [("rounds", i, r.year) for i, r in enumerate(spec.rounds)]
    dated += [("requirements", i, r.year) for i, r in enumerate(spec.requirements)]
    for key, i, year in dated:
        if year not in span:
            msg = f"{where}: {key}[{i}].year: {year} is outside the years {first}-{last}"
            raise InputError(msg, file=where, field=f"{key}[{i}].year")
    for i, t in enumerate(spec.targets):
        if t.year <= spec.base_year:
            msg = f"{where}: targets[{i}].year: {t.year} must be after base_year {spec.base_year}"
            raise InputError(msg, file=where, field=f"targets[{i}].year")
    for y in spec.budget_cny:
        if y not in span:
            msg = f"{where}: budget_cny.{y}: the year is outside the years {first}-{last}"
            raise InputError(msg, file=where, field=f"budget_cny.{y}")
    base = (p.parent / spec.base).resolve()
    scenario = load_scenario(base)
    return Programme(
        name=spec.name or p.stem,
        path=where,
        description=spec.description,
        source=spec.source,
        scenario=scenario,
        spec=spec,
    )


def growth_rates(programme: Programme, network: Network) -> np.ndarray:
    """Each demand row's growth a year (targets first, then the growth rules; else 0).

    A target's rate is the one that takes its rows' trade value (tonnes x the
    product's value per tonne) from the base year to ``value_cny`` in its year.

    Raises
    ------
    InputError
        When a selector matches nothing, names unknown ids, or a target's rows
        have no trade value.
    """
    spec = programme.spec
    demand = network.demand
    rate = np.full(len(demand), np.nan)
    pos = {d: i for i, d in enumerate(demand.index)}
    value = demand["product"].map(network.products["value_cny_per_t"]).astype(float)
    tonnes = demand["tonnes_per_year"].astype(float)
    for i, t in enumerate(spec.targets):
        where = f"{programme.path}: targets[{i}]"
        ids = select_demand(network, t, where)
        now = float((tonnes.loc[ids] * value.loc[ids]).sum())
        if now <= 0:
            msg = f"{where}: the matching demand has no trade value to grow"
            raise InputError(msg, file=programme.path, field=f"targets[{i}]")
        r = (t.value_cny / now) ** (1.0 / (t.year - spec.base_year)) - 1.0
        for d in ids:
            if np.isnan(rate[pos[d]]):
                rate[pos[d]] = r
    for i, g in enumerate(spec.growth):
        ids = select_demand(network, g, f"{programme.path}: growth[{i}]")
        for d in ids:
            if np.isnan(rate[pos[d]]):
                rate[pos[d]] = g.rate
    return np.nan_to_num(rate, nan=0.0)


def demand_factors(programme: Programme, network: Network) -> np.ndarray:
    """Demand of each year relative to the base data (years x demand rows)."""
    rate = growth_rates(programme, network)
    steps = np.array([y - programme.spec.base_year for y in programme.years], dtype=float)
    return np.power(1.0 + rate[None, :], steps[:, None])
