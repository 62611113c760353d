"""One guess at a time: ``corridor sensitivity SCENARIO``.

Each **parameter group** (a guess in the data: a family of freight rates,
warehouse costs, the demand of one city, the dwell at the borders, the
carbon price) is set low and high in turn, everything else as in the
scenario, and the network is solved again. With the factor ``F`` (default
0.25) the low side multiplies the group by ``1 - F`` and the high side by
``1 + F``; the carbon price, 0 in the baseline, takes **absolute** values
instead: 0 and :data:`CARBON_REFERENCE_EUR_PER_T` converted with the
scenario's ``fx.csv`` (the group's ``basis`` is ``absolute`` and its
``factor_low``/``factor_high`` are null).

Groups (:data:`GROUPS`); the five rate groups cover every mode of
:data:`optimizer.data.schema.MODES` once:

========================= ==========================================================
``sea_rates``             ``scale_rates`` of modes ``sea`` and ``river`` (the one river
                          service feeds a seaport)
``cr_express_rates``      ``scale_rates`` of mode ``cr_express``
``rail_sea_rates``        ``scale_rates`` of modes ``rail_sea`` and ``rail`` (the other
                          rail services: to the seaports, to Laos and Vietnam, the
                          Deyang-Chengdu and Rhine shuttles)
``air_rates``             ``scale_rates`` of mode ``air``
``road_rates``            ``scale_rates`` of modes ``road`` and ``last_mile`` (feeders,
                          drayage, B2B trucking and the delivery from gateways and
                          warehouses, which runs by road)
``warehouse_fixed_costs`` ``scale_warehouse_fixed`` at every site (every owned tier)
``shared_fees``           ``scale_shared_fees`` at every site (storage, per-order
                          handling, inbound)
``handling``              ``scale_handling`` at every node (transshipment) and owned
                          warehouse space
``demand_deyang``         ``scale_demand`` of the Deyang origins
``demand_mianyang``       ``scale_demand`` of the Mianyang origins
``border_dwell``          ``scale_dwell`` at the ``border_crossing`` nodes
``carbon_price``          ``carbon_price``: 0 and the reference price (absolute)
========================= ==========================================================

Every (group, side) is written as an ordinary scenario file
(``variants/<scenario>_<group>_<side>.yaml``, based on the scenario) that
``corridor solve`` solves on its own; a group whose changes match nothing in
the scenario's data (no rail-sea service, say), or change nothing, is
skipped and listed with the reason. The scenario itself is solved first
into its own result folder, or that result is reused when up to date
(:func:`~optimizer.studies.pipeline.solve_or_reuse`); every variant is then
solved by :func:`~optimizer.studies.pipeline.run_scenario` and so starts from
that result (``warm_start``). The variants run on the sweep's dask cluster
(:func:`optimizer.studies.sweep.solve_cases`).

The warehouse set of a solution is the set of sites it uses: an owned tier
open, or shared space with throughput; ``warehouses_low`` /
``warehouses_high`` list them as ``ID:operating_model[:tier]``
(``US_WH_LA:shared``, ``DE_WH_DUISBURG:owned:M``), sorted by id.
``set_changed_*`` says whether the set of site ids differs from the
scenario's own answer (``opened_*`` and ``closed_*`` say how; a site kept
with another operating model or tier is in ``retiered_*`` and does not by
itself change the set); it is null when that side has no solution.
``status`` is the worse of the two sides' statuses (``optimal`` <
``feasible`` < ``no_solution`` < ``infeasible`` < ``unbounded`` < ``error`` <
``not_run``), ``status_low`` and ``status_high`` each side's; ``verdict_*``
compares the side's cost with the scenario's within the two solves' combined
tolerance (:func:`optimizer.studies.moves.verdict`).
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from optimizer.data.network import Network
from optimizer.data.scenario import (
    Scenario,
    apply_changes,
    data_fingerprint,
    load_scenario,
    network_of,
)
from optimizer.errors import CorridorError, InputError
from optimizer.results.files import dumps
from optimizer.results.folders import OutputFolder
from optimizer.results.solution import Solution
from optimizer.studies.moves import WITHIN, slack_of, verdict
from optimizer.studies.pipeline import HAS_SOLUTION, RESULTS_DIR, as_scenario, run_scenario
from optimizer.studies.pipeline import solve_or_reuse as _solve_or_reuse
from optimizer.studies.sweep import NO_WORKER_TIMEOUT_S, SweepCase, case_row, solve_cases

log = logging.getLogger(__name__)

#: The default factor: low = 1 - F, high = 1 + F.
DEFAULT_FACTOR = 0.25
#: The high carbon price, EUR per tonne CO2e (the low one is 0).
CARBON_REFERENCE_EUR_PER_T = 75.0
#: Where :data:`CARBON_REFERENCE_EUR_PER_T` comes from.
CARBON_REFERENCE_SOURCE = (
    "EU ETS allowances (EUAs) traded in 2025 at EUR 75/t on average (year low about EUR 60/t "
    "in April): Veyt, 2025 EU ETS year in review, "
    "https://veyt.com/2025-eu-ets-year-in-review-turnover-reaches-all-time-high; converted "
    "to CNY with the EUR rate of the scenario's fx.csv (assumption: the EU price as the "
    "reference for a carbon price on this network)"
)
SIDES = ("low", "high")
#: Solver statuses from best to worst (``not_run``: a side that has not finished).
STATUS_ORDER = ("optimal", "feasible", "no_solution", "infeasible", "unbounded", "error", "not_run")
#: The keys of every row, the contract ones first (issue 17), in this order.
COLUMNS = [
    "param",
    "factor_low",
    "factor_high",
    "cost_low_cny",
    "cost_high_cny",
    "warehouses_low",
    "warehouses_high",
    "set_changed_low",
    "set_changed_high",
    "status",
    "base_cost_cny",
    "opened_low",
    "closed_low",
    "opened_high",
    "closed_high",
    "gap_low",
    "gap_high",
    "verdict_low",
    "verdict_high",
    "label",
    "basis",
    "unit",
    "value_low",
    "value_high",
    "delta_low_cny",
    "delta_high_cny",
    "swing_cny",
    "retiered_low",
    "retiered_high",
    "status_low",
    "status_high",
    "tolerance_low_cny",
    "tolerance_high_cny",
    "check_ok_low",
    "check_ok_high",
    "scenario_low",
    "scenario_high",
    "error_low",
    "error_high",
]
#: Row keys that hold lists (joined with ``;`` in the CSV).
LIST_COLUMNS = (
    "warehouses_low",
    "warehouses_high",
    "opened_low",
    "closed_low",
    "opened_high",
    "closed_high",
    "retiered_low",
    "retiered_high",
)
#: Throughput above which a site counts as used (the same as the KPI ``sites_used``).
USED_TONNES = 1e-6


# -- the groups ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One parameter group: what it changes and the scenario changes for a value."""

    name: str
    label: str  # words for a reader: "sea and river freight rates"
    covers: str  # what the change touches, for the report
    make: Callable[[float], list[dict[str, Any]]] = field(repr=False)
    basis: str = "factor"  # or "absolute"
    unit: str = "x"

    @property
    def absolute(self) -> bool:
        """Whether the group takes absolute values (not factors)."""
        return self.basis == "absolute"


def _rates(modes: Sequence[str]) -> Callable[[float], list[dict[str, Any]]]:
    return lambda v: [{"scale_rates": {"mode": list(modes), "factor": v}}]


def _one(change: str, **selector: Any) -> Callable[[float], list[dict[str, Any]]]:
    return lambda v: [{change: {**selector, "factor": v}}]


#: The modes of each rate group (together: every mode, once).
RATE_GROUP_MODES: dict[str, tuple[str, ...]] = {
    "sea_rates": ("sea", "river"),
    "cr_express_rates": ("cr_express",),
    "rail_sea_rates": ("rail_sea", "rail"),
    "air_rates": ("air",),
    "road_rates": ("road", "last_mile"),
}

_GROUPS = (
    Group(
        "sea_rates",
        "sea and river freight rates",
        "scale_rates of modes sea and river (full-unit and LCL rates)",
        _rates(RATE_GROUP_MODES["sea_rates"]),
    ),
    Group(
        "cr_express_rates",
        "China-Europe Railway Express rates",
        "scale_rates of mode cr_express",
        _rates(RATE_GROUP_MODES["cr_express_rates"]),
    ),
    Group(
        "rail_sea_rates",
        "rail-sea and other rail rates",
        "scale_rates of modes rail_sea (Western Land-Sea Corridor) and rail (to the seaports, "
        "to Laos and Vietnam, the Deyang-Chengdu and Rhine shuttles)",
        _rates(RATE_GROUP_MODES["rail_sea_rates"]),
    ),
    Group(
        "air_rates",
        "air freight rates",
        "scale_rates of mode air",
        _rates(RATE_GROUP_MODES["air_rates"]),
    ),
    Group(
        "road_rates",
        "road and last-mile rates",
        "scale_rates of modes road (feeders, drayage, B2B trucking) and last_mile (delivery "
        "from gateways and warehouses, by road)",
        _rates(RATE_GROUP_MODES["road_rates"]),
    ),
    Group(
        "warehouse_fixed_costs",
        "owned warehouse fixed costs",
        "scale_warehouse_fixed at every site: the annual fixed cost of every owned tier",
        _one("scale_warehouse_fixed"),
    ),
    Group(
        "shared_fees",
        "shared warehouse fees",
        "scale_shared_fees at every site: storage per cbm-month, handling per order, inbound "
        "per cbm of the shared (pay-per-use) option",
        _one("scale_shared_fees"),
    ),
    Group(
        "handling",
        "handling per tonne",
        "scale_handling at every node: transshipment handling per tonne at ports, terminals, "
        "airports and the bonded zone, and the owned warehouse space's handling per tonne",
        _one("scale_handling"),
    ),
    Group(
        "demand_deyang",
        "Deyang demand",
        "scale_demand of the rows whose origin is in Deyang",
        _one("scale_demand", city="Deyang"),
    ),
    Group(
        "demand_mianyang",
        "Mianyang demand",
        "scale_demand of the rows whose origin is in Mianyang",
        _one("scale_demand", city="Mianyang"),
    ),
    Group(
        "border_dwell",
        "dwell at the border crossings",
        "scale_dwell at the border_crossing nodes (dwell_h and dwell_h_max)",
        _one("scale_dwell", kind="border_crossing"),
    ),
    Group(
        "carbon_price",
        "carbon price",
        "carbon_price on every leg: 0 and the reference price (absolute values, not factors)",
        lambda v: [{"carbon_price": v}],
        basis="absolute",
        unit="CNY/t CO2e",
    ),
)
#: Every group by name, in the order of the report.
GROUPS: dict[str, Group] = {g.name: g for g in _GROUPS}


def check_factor(factor: float) -> float:
    """``factor`` when ``0 < factor < 1``.

    Raises
    ------
    InputError
        Otherwise (low = 1 - F must stay above 0, and F = 0 changes nothing).
    """
    if isinstance(factor, bool) or not isinstance(factor, int | float):
        msg = f"--factor must be a number between 0 and 1, got {factor!r}"
        raise InputError(msg, field="factor")
    if not (math.isfinite(factor) and 0.0 < factor < 1.0):
        msg = (
            f"--factor must lie strictly between 0 and 1 (low = 1 - F, high = 1 + F), "
            f"got {factor:g}"
        )
        raise InputError(msg, field="factor")
    return float(factor)


def parse_groups(names: Iterable[str] | None) -> list[str]:
    """The groups asked for (all when none), in the report's order.

    Names may be repeated or joined by commas (``sea_rates,air_rates``).

    Raises
    ------
    InputError
        On an unknown name: the message lists the valid ones.
    """
    wanted: list[str] = []
    for item in names or ():
        wanted += [p.strip() for p in str(item).split(",") if p.strip()]
    if not wanted:
        return list(GROUPS)
    for name in wanted:
        if name not in GROUPS:
            hint = difflib.get_close_matches(name, list(GROUPS), n=1)
            msg = (
                f"unknown parameter group {name!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; valid groups: {', '.join(GROUPS)}"
            )
            raise InputError(msg, field="params")
    return [g for g in GROUPS if g in wanted]


def carbon_reference_cny(network: Network) -> float:
    """The high carbon price in CNY per tonne CO2e (the EUR price at the data's EUR rate).

    Raises
    ------
    InputError
        When fx.csv has no EUR rate.
    """
    fx = network.fx["cny_per_unit"]
    if "EUR" not in fx.index:
        msg = "fx.csv has no EUR rate: the carbon price group's reference price is in EUR"
        raise InputError(msg, file="fx.csv")
    return round(CARBON_REFERENCE_EUR_PER_T * float(fx["EUR"]), 2)


def side_values(group: Group, factor: float, carbon_cny: float) -> tuple[float, float]:
    """The (low, high) value of a group: factors, or absolute values (carbon price)."""
    if group.name == "carbon_price":
        return 0.0, carbon_cny
    return round(1.0 - factor, 6), round(1.0 + factor, 6)


def side_text(group: Group, value: float) -> str:
    """A side in short: ``x0.75`` or ``559 CNY/t CO2e``."""
    if group.absolute:
        return f"{value:,.0f} {group.unit}"
    return f"x{value:g}"


def guess_words(group: Group, value: float) -> str:
    """A side in words: ``sea and river freight rates 25 % lower``, ``carbon price at 559 ...``."""
    if group.absolute:
        return f"{group.label} at {value:,.0f} {group.unit}"
    change = value - 1.0
    if abs(change) < 1e-12:
        return f"{group.label} as now"
    return f"{group.label} {percent_text(abs(change))} {'higher' if change > 0 else 'lower'}"


def percent_text(share: float) -> str:
    """``0.25`` as ``25%``, ``0.125`` as ``12.5%``."""
    return f"{share * 100:.4g}%"


# -- planning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One (group, side) and its scenario file."""

    group: str
    side: str
    value: float
    case: SweepCase

    @property
    def file(self) -> str:
        """The scenario file, relative to the output folder."""
        return f"variants/{Path(self.case.path).name}"


@dataclass(frozen=True)
class SensitivityPlan:
    """The groups to run, their values, the variant files, and the groups skipped (and why)."""

    scenario: Scenario
    factor: float
    carbon_reference_cny: float
    groups: tuple[str, ...]
    values: dict[str, tuple[float, float]]
    variants: tuple[Variant, ...]
    skipped: dict[str, str]
    directory: Path

    def variant(self, group: str, side: str) -> Variant | None:
        """The variant of a group and side (``None``: skipped)."""
        return next((v for v in self.variants if v.group == group and v.side == side), None)


def default_sensitivity_dir(scenario: Scenario | str | Path) -> Path:
    """``results/<scenario file name>_sensitivity/``."""
    path = scenario.path if isinstance(scenario, Scenario) else str(scenario)
    return RESULTS_DIR / f"{Path(path).stem}_sensitivity"


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two tables hold the same values (dtypes aside; NaN equals NaN)."""
    if a.shape != b.shape or list(a.columns) != list(b.columns) or not a.index.equals(b.index):
        return False
    for col in a.columns:
        if col == "geometry":
            continue
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            if not np.array_equal(x.to_numpy(float), y.to_numpy(float), equal_nan=True):
                return False
        elif not x.astype(object).equals(y.astype(object)):
            return False
    return True


def _changes_anything(net: Network, changed: Network) -> bool:
    return not all(
        _same_frame(getattr(net, t), getattr(changed, t))
        for t in ("nodes", "services", "warehouses", "demand")
    )


def plan_sensitivity(
    scenario: str | Path | Scenario,
    folder: OutputFolder,
    *,
    factor: float = DEFAULT_FACTOR,
    params: Iterable[str] | None = None,
    network: Network | None = None,
) -> SensitivityPlan:
    """Write one scenario file per (group, side) into ``folder/variants/`` and return the plan.

    Each file is parsed again and its changes applied to the scenario's
    network, so that a malformed change fails here, before any solve; a
    group whose changes match nothing in the data, or leave it as it was on
    both sides, is skipped (its files removed) and listed with the reason.

    Raises
    ------
    InputError
        On a bad factor or group name, or a bad scenario.
    """
    factor = check_factor(factor)
    names = parse_groups(params)
    sc = as_scenario(scenario)
    if not sc.path:
        msg = "a sensitivity needs a scenario file (the variants are based on it)"
        raise InputError(msg)
    base_path = Path(sc.path).resolve()
    net = network if network is not None else network_of(sc)
    carbon = carbon_reference_cny(net)
    stem = base_path.stem
    variants: list[Variant] = []
    skipped: dict[str, str] = {}
    values: dict[str, tuple[float, float]] = {}
    run = 0
    for name in names:
        group = GROUPS[name]
        lo_hi = side_values(group, factor, carbon)
        values[name] = lo_hi
        planned: list[Variant] = []
        effect = False
        problem = ""
        for side, value in zip(SIDES, lo_hi, strict=True):
            changes = group.make(value)
            vname = f"{stem}_{name}_{side}"
            doc = {
                "name": vname,
                "description": f"sensitivity of {sc.name}: {group.label} {side_text(group, value)} "
                f"({name}, {side} side; everything else as in {base_path.name})",
                "source": CARBON_REFERENCE_SOURCE if group.absolute and value else sc.source,
                "base": str(base_path),
                "changes": changes,
            }
            rel = f"variants/{vname}.yaml"
            path = folder.write_text(
                rel, yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
            )
            try:
                parsed = load_scenario(path)
            except InputError as exc:  # pragma: no cover - the groups write valid changes
                msg = f"sensitivity of {sc.path}: {name} {side}: {exc}"
                raise InputError(msg, file=str(path)) from None
            try:
                changed = apply_changes(net, parsed.changes[-len(changes) :], name=vname)
            except InputError as exc:
                problem = str(exc).replace(str(path), rel)
                break
            effect |= _changes_anything(net, changed) or parsed.options != sc.options
            run += 1
            case = SweepCase(
                run=run,
                name=vname,
                path=str(path.resolve()),
                values={"param": name, "side": side, "value": value},
            )
            planned.append(Variant(group=name, side=side, value=value, case=case))
        if problem or not effect:
            skipped[name] = problem or f"changes nothing in the data of {sc.name}"
            for side in SIDES:
                folder.remove(f"variants/{stem}_{name}_{side}.yaml")
            run -= len(planned)
            log.warning("sensitivity: %s skipped: %s", name, skipped[name])
            continue
        variants += planned
    if not variants:
        msg = f"{sc.path}: no parameter group applies to this scenario ({'; '.join(skipped)})"
        raise InputError(msg)
    return SensitivityPlan(
        scenario=sc,
        factor=factor,
        carbon_reference_cny=carbon,
        groups=tuple(g for g in names if g not in skipped),
        values=values,
        variants=tuple(variants),
        skipped=skipped,
        directory=folder.target,
    )


# -- one variant (runs on a worker) -------------------------------------------------------


def site_labels(solution: Solution) -> list[str]:
    """The sites a solution uses, as ``ID:operating_model[:tier]``, sorted by id.

    A site is used when an owned tier is open there or its throughput is above
    :data:`USED_TONNES` (shared space).
    """
    wh = solution.warehouses
    if not len(wh):
        return []
    out = []
    for r in wh.itertuples(index=False):
        tonnes = float(getattr(r, "throughput_tonnes", 0.0) or 0.0)
        is_open = bool(getattr(r, "open", False))
        if not (is_open or tonnes > USED_TONNES):
            continue
        model = getattr(r, "operating_model", "")
        tier = getattr(r, "tier", "")
        model = model if isinstance(model, str) and model else ("owned" if is_open else "shared")
        tier = str(tier) if isinstance(tier, str) and tier else ""
        out.append(f"{r.warehouse_id}:{model}" + (f":{tier}" if tier else ""))
    return sorted(out, key=lambda s: s.split(":", 1)[0])


def site_id(label: str) -> str:
    """The site id of a :func:`site_labels` entry."""
    return label.split(":", 1)[0]


def _empty_row(case: SweepCase) -> dict[str, Any]:
    return {
        "run": case.run,
        "scenario": case.name,
        "param": case.values.get("param"),
        "side": case.values.get("side"),
        "value": case.values.get("value"),
        "status": None,
        "objective": None,
        "bound": None,
        "gap": None,
        "total_cost_cny": None,
        "warehouses": None,
        "check_ok": None,
        "warm_start": None,
        "data": None,
        "error": "",
    }


def failed_variant(case: SweepCase, error: str) -> dict[str, Any]:
    """The row of a variant that did not finish (``status = error``, the reason in ``error``)."""
    row = _empty_row(case)
    row.update(status="error", error=error, _seconds=float("nan"), _worker="")
    return row


def solve_variant(case: SweepCase) -> dict[str, Any]:
    """Solve one variant file the ordinary way and return its row (never raises).

    :func:`~optimizer.studies.pipeline.run_scenario` with its warm start from
    the base scenario's result (nothing is written).
    """

    def fill(row: dict[str, Any]) -> None:
        # the data this solve reads (compared with the reference's: the files may change)
        row["data"] = data_fingerprint(load_scenario(case.path).data_dir)
        sol = run_scenario(case.path, save=False).solution
        check = sol.meta.get("check") or {}
        row.update(
            status=sol.status,
            objective=sol.objective,
            bound=sol.bound,
            gap=sol.gap,
            total_cost_cny=(sol.kpis or {}).get("total_cost_cny"),
            warehouses=site_labels(sol) if sol.kpis else None,
            check_ok=check.get("ok"),
            warm_start=(sol.meta.get("warm_start") or {}).get("from"),
        )
        if not sol.kpis:
            row["error"] = sol.message or f"no solution ({sol.status})"

    return case_row(case, _empty_row(case), fill)


# -- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The scenario's own answer: what every side is compared with."""

    status: str
    cost_cny: float
    objective: float | None
    bound: float | None
    gap: float | None
    warehouses: tuple[str, ...]
    names: dict[str, str]
    directory: str
    reused: bool
    data: str = ""  # data_fingerprint of the files it was solved on

    @classmethod
    def of(
        cls, solution: Solution, directory: str | Path, *, reused: bool, data: str = ""
    ) -> Reference:
        """The reference from the scenario's solution.

        Raises
        ------
        CorridorError
            When the solution has no cost (the solve found no solution).
        """
        cost = (solution.kpis or {}).get("total_cost_cny")
        if solution.status not in HAS_SOLUTION or cost is None:
            msg = (
                f"{solution.scenario}: the scenario itself has no solution "
                f"({solution.status}{': ' + solution.message if solution.message else ''}); "
                "a sensitivity needs it as the reference"
            )
            raise CorridorError(msg)
        wh = solution.warehouses
        names = (
            {str(w): str(n) for w, n in zip(wh["warehouse_id"], wh["name"], strict=True)}
            if len(wh) and "name" in wh
            else {}
        )
        return cls(
            status=solution.status,
            cost_cny=float(cost),
            objective=solution.objective,
            bound=solution.bound,
            gap=solution.gap,
            warehouses=tuple(site_labels(solution)),
            names=names,
            directory=str(directory),
            reused=reused,
            data=data,
        )


def worst_status(statuses: Iterable[str | None]) -> str:
    """The worst of some statuses (:data:`STATUS_ORDER`; missing counts as ``not_run``)."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    items = [s if s in rank else ("not_run" if s is None else "error") for s in statuses]
    return max(items, key=lambda s: rank[s]) if items else "not_run"


def set_change(
    base: Sequence[str], side: Sequence[str] | None
) -> tuple[bool | None, list[str], list[str], list[str]]:
    """(set changed, opened ids, closed ids, retiered) of a side's sites against the base's.

    ``base`` and ``side`` are :func:`site_labels` lists; ``side`` is ``None``
    when the side has no solution (all unknown: ``None`` and empty lists).
    ``retiered`` lists the sites in both with another operating model or tier
    (``US_WH_LA: shared -> owned:M``); they do not change the set.
    """
    if side is None:
        return None, [], [], []
    a = {site_id(x): x for x in base}
    b = {site_id(x): x for x in side}
    opened = sorted(set(b) - set(a))
    closed = sorted(set(a) - set(b))
    retiered = [
        f"{w}: {a[w].split(':', 1)[1]} -> {b[w].split(':', 1)[1]}"
        for w in sorted(set(a) & set(b))
        if a[w] != b[w]
    ]
    return bool(opened or closed), opened, closed, retiered


def change_text(opened: Sequence[str], closed: Sequence[str], *, sep: str = " / ") -> str:
    """``+DE_WH_DUISBURG / −US_WH_LA`` (empty when nothing opens or closes)."""
    return sep.join([*(f"+{w}" for w in opened), *(f"\u2212{w}" for w in closed)])


def _side(ref: Reference, row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"status": "not_run", "error": ""}
    status = str(row.get("status") or "error")
    cost: Any = row.get("total_cost_cny")
    solved = status in HAS_SOLUTION and cost is not None and math.isfinite(float(cost))
    labels = list(row["warehouses"]) if solved and row.get("warehouses") is not None else None
    changed, opened, closed, retiered = set_change(ref.warehouses, labels)
    out: dict[str, Any] = {
        "status": status,
        "gap": row.get("gap"),
        "warehouses": labels,
        "set_changed": changed,
        "opened": opened,
        "closed": closed,
        "retiered": retiered,
        "check_ok": row.get("check_ok"),
        "error": row.get("error") or "",
    }
    if solved:
        diff = float(cost) - ref.cost_cny
        tol = slack_of(ref.objective, ref.bound) + slack_of(row.get("objective"), row.get("bound"))
        out.update(
            cost=float(cost),
            delta=diff,
            tolerance=tol if math.isfinite(tol) else None,
            verdict=verdict(diff, tol),
        )
    return out


def group_row(
    plan: SensitivityPlan, ref: Reference, group: str, rows: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    """One group's record (:data:`COLUMNS`) from the rows of its two sides."""
    g = GROUPS[group]
    lo, hi = plan.values[group]
    sides = {s: _side(ref, rows.get((group, s))) for s in SIDES}
    costs = [ref.cost_cny] + [sides[s]["cost"] for s in SIDES if sides[s].get("cost") is not None]
    rec: dict[str, Any] = {
        "param": group,
        "factor_low": None if g.absolute else lo,
        "factor_high": None if g.absolute else hi,
        "status": worst_status(sides[s]["status"] for s in SIDES),
        "base_cost_cny": ref.cost_cny,
        "label": g.label,
        "basis": g.basis,
        "unit": g.unit,
        "value_low": lo,
        "value_high": hi,
        "swing_cny": max(costs) - min(costs) if len(costs) > 1 else None,
    }
    for s in SIDES:
        v = sides[s]
        variant = plan.variant(group, s)
        rec.update(
            {
                f"cost_{s}_cny": v.get("cost"),
                f"warehouses_{s}": v.get("warehouses"),
                f"set_changed_{s}": v.get("set_changed"),
                f"opened_{s}": v.get("opened", []),
                f"closed_{s}": v.get("closed", []),
                f"gap_{s}": v.get("gap"),
                f"verdict_{s}": v.get("verdict", "unknown"),
                f"delta_{s}_cny": v.get("delta"),
                f"retiered_{s}": v.get("retiered", []),
                f"status_{s}": v["status"],
                f"tolerance_{s}_cny": v.get("tolerance"),
                f"check_ok_{s}": v.get("check_ok"),
                f"scenario_{s}": variant.file if variant is not None else None,
                f"error_{s}": v.get("error", ""),
            }
        )
    return {k: rec[k] for k in COLUMNS}


def sensitivity_rows(
    plan: SensitivityPlan, ref: Reference, rows: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One record per group run, in the report's order (:data:`COLUMNS`)."""
    by_side = {(str(r["param"]), str(r["side"])): r for r in rows}
    return [group_row(plan, ref, g, by_side) for g in plan.groups]


def csv_table(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The records as the ``sensitivity.csv`` table (lists joined with ``;``)."""
    frame = pd.DataFrame(list(records), columns=COLUMNS)
    for col in LIST_COLUMNS:
        frame[col] = [";".join(v) if isinstance(v, list) else "" for v in frame[col]]
    return frame


# -- which warehouse choices hold -----------------------------------------------------------


def _guess(rec: dict[str, Any], side: str) -> dict[str, Any]:
    g = GROUPS[str(rec["param"])]
    return {
        "param": rec["param"],
        "side": side,
        "value": rec[f"value_{side}"],
        "text": guess_words(g, float(rec[f"value_{side}"])),
        "within_tolerance": rec[f"verdict_{side}"] == WITHIN,
    }


def warehouse_stability(ref: Reference, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Which sites hold across every solved side and which flip, and on which guess.

    Returns ``{"solved_sides", "unsolved_sides", "stable", "flips"}``:
    ``stable`` lists the scenario's sites used in every solved side (with
    ``retiered_in``: the sides where their operating model or tier differs);
    ``flips`` every site that some side opens or closes, with ``opens_in`` /
    ``closes_in`` (each a guess: group, side, value, words, and whether that
    side's cost is within the solvers' tolerance of the scenario's, where a
    flip may be an equal-cost tie).
    """
    base = {site_id(x): x for x in ref.warehouses}
    solved = [(r, s) for r in records for s in SIDES if r[f"set_changed_{s}"] is not None]
    unsolved = [
        f"{r['param']} {s}" for r in records for s in SIDES if r[f"set_changed_{s}"] is None
    ]
    every = set(base)
    for r, s in solved:
        every |= {site_id(x) for x in r[f"warehouses_{s}"]}
    stable, flips = [], []
    for w in sorted(every):
        opens, closes, retiered = [], [], []
        for r, s in solved:
            labels = {site_id(x): x for x in r[f"warehouses_{s}"]}
            if w in base and w not in labels:
                closes.append(_guess(r, s))
            elif w not in base and w in labels:
                opens.append({**_guess(r, s), "to": labels[w].split(":", 1)[1]})
            elif w in base and labels[w] != base[w]:
                retiered.append({**_guess(r, s), "to": labels[w].split(":", 1)[1]})
        entry = {
            "warehouse_id": w,
            "name": ref.names.get(w, ""),
            "base": base[w].split(":", 1)[1] if w in base else None,
            "opens_in": opens,
            "closes_in": closes,
            "retiered_in": retiered,
        }
        if opens or closes:
            flips.append(entry)
        elif w in base:
            stable.append(entry)
    return {
        "solved_sides": len(solved),
        "unsolved_sides": unsolved,
        "stable": stable,
        "flips": flips,
    }


# -- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityResult:
    """The plan, the reference, one record per group, and the run's bookkeeping."""

    plan: SensitivityPlan
    reference: Reference
    rows: tuple[dict[str, Any], ...]
    variant_rows: tuple[dict[str, Any], ...]
    wall_seconds: float
    workers: int
    complete: bool = True
    stopped: str = ""
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def stability(self) -> dict[str, Any]:
        """:func:`warehouse_stability` of the records."""
        return warehouse_stability(self.reference, self.rows)

    @property
    def data_changed(self) -> list[str]:
        """The variants solved on other data than the reference (the files changed meanwhile)."""
        ref = self.reference.data
        return [
            f"{r['param']} {r['side']}"
            for r in self.variant_rows
            if ref and r.get("data") and r["data"] != ref
        ]

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The variants that failed (status ``error``), with their reasons."""
        return [r for r in self.variant_rows if r.get("status") == "error"]

    def by_swing(self) -> list[dict[str, Any]]:
        """The records from the widest cost swing to the narrowest (unknown swings last)."""
        return sorted(
            self.rows,
            key=lambda r: (r["swing_cny"] is None, -(r["swing_cny"] or 0.0), r["param"]),
        )

    def to_json(self) -> dict[str, Any]:
        """The ``sensitivity.json`` document."""
        sc = self.plan.scenario
        done = {(str(r["param"]), str(r["side"])): r for r in self.variant_rows}
        return {
            "scenario": sc.name,
            "scenario_file": sc.path,
            "factor": self.plan.factor,
            "complete": self.complete,
            "stopped": self.stopped,
            "base": {
                "status": self.reference.status,
                "cost_cny": self.reference.cost_cny,
                "objective": self.reference.objective,
                "bound": self.reference.bound,
                "gap": self.reference.gap,
                "warehouses": list(self.reference.warehouses),
                "result_dir": self.reference.directory,
                "reused": self.reference.reused,
            },
            "groups": {
                name: {
                    "label": GROUPS[name].label,
                    "changes": GROUPS[name].covers,
                    "basis": GROUPS[name].basis,
                    "unit": GROUPS[name].unit,
                    "low": self.plan.values[name][0],
                    "high": self.plan.values[name][1],
                    "skipped": self.plan.skipped.get(name),
                }
                for name in self.plan.values
            },
            "absolute_groups": [g for g in self.plan.values if GROUPS[g].absolute],
            "assumptions": {
                "carbon_price_high_cny_per_t": self.plan.carbon_reference_cny,
                "carbon_price_high_eur_per_t": CARBON_REFERENCE_EUR_PER_T,
                "carbon_price_source": CARBON_REFERENCE_SOURCE,
            },
            "skipped": dict(self.plan.skipped),
            "data_fingerprint": self.reference.data,
            "data_changed": self.data_changed,
            "rows": list(self.rows),
            "stability": self.stability,
            "variants": [
                {
                    "param": v.group,
                    "side": v.side,
                    "value": v.value,
                    "file": v.file,
                    "status": (done.get((v.group, v.side)) or {}).get("status", "not_run"),
                    "seconds": (done.get((v.group, v.side)) or {}).get("_seconds"),
                    "worker": (done.get((v.group, v.side)) or {}).get("_worker"),
                    "warm_start": (done.get((v.group, v.side)) or {}).get("warm_start"),
                    "data_fingerprint": (done.get((v.group, v.side)) or {}).get("data"),
                }
                for v in self.plan.variants
            ],
            "workers": self.workers,
            "wall_seconds": round(self.wall_seconds, 3),
        }


def write_tables(result: SensitivityResult, folder: OutputFolder) -> dict[str, Path]:
    """Write ``sensitivity.csv`` and ``sensitivity.json`` (atomically) into the folder."""
    return {
        "csv": folder.write_text("sensitivity.csv", csv_table(result.rows).to_csv(index=False)),
        "json": folder.write_text("sensitivity.json", dumps(result.to_json()) + "\n"),
    }


Writer = Callable[[SensitivityResult, OutputFolder], dict[str, Path]]


class SensitivityRun:
    """A sensitivity under way: iterate it to receive each variant's row as it finishes.

    The iteration first solves the scenario itself (or reuses its result), then
    the variants on the sweep's dask cluster. The files are rewritten as
    variants finish, so a stopped run keeps every finished one; at the end
    :attr:`result` holds the records. The folder is held, locked, until the
    iteration ends.
    """

    def __init__(
        self,
        plan: SensitivityPlan,
        folder: OutputFolder,
        *,
        workers: int | None = None,
        no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S,
        writer: Writer | None = None,
        task: Callable[[SweepCase], dict[str, Any]] | None = None,
    ) -> None:
        self.plan = plan
        self.folder = folder
        self.workers = workers
        self.no_worker_timeout_s = no_worker_timeout_s
        self.writer = writer or write_tables
        self.task = task or solve_variant
        self.reference: Reference | None = None
        self.result: SensitivityResult | None = None

    @property
    def total(self) -> int:
        """How many variants there are to solve."""
        return len(self.plan.variants)

    def close(self) -> None:
        """Release the folder (when the iteration was never run)."""
        self.folder.__exit__(None, None, None)

    def solve_base(self) -> Reference:
        """Solve the scenario itself into its result folder, or reuse it (the reference).

        Raises
        ------
        CorridorError
            When the scenario has no solution.
        """
        sc = self.plan.scenario
        data = data_fingerprint(sc.data_dir)
        run = _solve_or_reuse(sc)
        how = "reused" if run.reused else "solved"
        log.info(
            "sensitivity %s: base %s (%s/), %s, total cost %s CNY",
            sc.name,
            how,
            run.directory,
            run.solution.status,
            (run.solution.kpis or {}).get("total_cost_cny"),
        )
        return Reference.of(run.solution, run.directory or "", reused=run.reused, data=data)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            started = time.perf_counter()
            self.reference = self.solve_base()
            yield from solve_cases(
                [v.case for v in self.plan.variants],
                self.task,
                workers=self.workers,
                no_worker_timeout_s=self.no_worker_timeout_s,
                failed=failed_variant,
                checkpoint=lambda rows, _t, n, complete, stopped: self._write(
                    rows, started, n, complete=complete, stopped=stopped
                ),
                name=f"sensitivity {self.plan.scenario.name}",
            )
            if self.result is not None and self.result.data_changed:
                log.warning(
                    "sensitivity %s: the data in %s changed during the run: %s were solved on "
                    "other data than the scenario's answer; run again when the data is settled",
                    self.plan.scenario.name,
                    self.plan.scenario.data_dir,
                    ", ".join(self.result.data_changed),
                )
        finally:
            self.folder.__exit__(None, None, None)

    def _write(
        self,
        rows: list[dict[str, Any]],
        started: float,
        n_workers: int,
        *,
        complete: bool,
        stopped: str = "",
    ) -> None:
        assert self.reference is not None
        result = SensitivityResult(
            plan=self.plan,
            reference=self.reference,
            rows=tuple(sensitivity_rows(self.plan, self.reference, rows)),
            variant_rows=tuple(sorted(rows, key=lambda r: int(r["run"]))),
            wall_seconds=time.perf_counter() - started,
            workers=n_workers,
            complete=complete and len(rows) == len(self.plan.variants),
            stopped=stopped,
        )
        self.result = dataclasses.replace(result, files=self.writer(result, self.folder))


def start_sensitivity(
    scenario: str | Path,
    *,
    factor: float = DEFAULT_FACTOR,
    params: Iterable[str] | None = None,
    out: str | Path | None = None,
    force: bool = False,
    workers: int | None = None,
    no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S,
    writer: Writer | None = None,
    task: Callable[[SweepCase], dict[str, Any]] | None = None,
) -> SensitivityRun:
    """Check the arguments, write the variant files and return the study ready to run.

    ``out`` defaults to ``results/<scenario file name>_sensitivity/``; the
    folder is corridor's (:class:`~optimizer.results.folders.OutputFolder`:
    never a folder with files corridor did not write, unless ``force``, which
    still removes none of them). ``workers``: dask worker processes (default:
    CPU count, at most 8). ``writer`` writes the files (default: the CSV and
    JSON, :func:`write_tables`; the CLI passes
    :func:`optimizer.output.sensitivity.write_sensitivity`, which adds the Markdown and the
    tornado page).

    Raises
    ------
    InputError
        On a bad factor, an unknown group, ``workers < 1``, or a bad scenario.
    OutputFolderError
        When the folder is not corridor's to write.
    """
    check_factor(factor)
    parse_groups(params)
    if workers is not None and workers < 1:
        msg = f"--workers must be at least 1, got {workers}"
        raise InputError(msg, field="workers")
    sc = load_scenario(scenario)
    target = Path(out) if out is not None else default_sensitivity_dir(sc)
    folder = OutputFolder(target, kind="sensitivity", force=force, atomic=False).__enter__()
    try:
        plan = plan_sensitivity(sc, folder, factor=factor, params=params)
    except BaseException:
        folder.__exit__(None, None, None)
        raise
    log.info(
        "sensitivity %s: %d variants of %d groups written to %s/variants/",
        sc.name,
        len(plan.variants),
        len(plan.groups),
        plan.directory,
    )
    return SensitivityRun(
        plan,
        folder,
        workers=workers,
        no_worker_timeout_s=no_worker_timeout_s,
        writer=writer,
        task=task,
    )


def run_sensitivity(scenario: str | Path, **kwargs: Any) -> SensitivityResult:
    """:func:`start_sensitivity` and run it to the end (the same keyword arguments).

    Raises
    ------
    InputError, OutputFolderError, CorridorError
        As :func:`start_sensitivity`, or when the scenario itself has no solution.
    """
    job = start_sensitivity(scenario, **kwargs)
    for _row in job:
        pass
    assert job.result is not None
    return job.result


def progress_line(row: dict[str, Any], done: int, total: int) -> str:
    """One line for a finished variant: status, objective, gap and time."""
    obj = row.get("objective")
    gap = row.get("gap")
    secs = row.get("_seconds")
    group = GROUPS.get(str(row.get("param")))
    value = row.get("value")
    what = f"{row.get('param')} {row.get('side')}"
    if group is not None and value is not None:
        what += f" ({side_text(group, float(value))})"
    parts = [
        f"[{done}/{total}] {what}: {row.get('status')}",
        f"objective {obj / 1e6:,.2f} M CNY" if isinstance(obj, int | float) else "objective -",
        f"gap {gap:.3%}" if isinstance(gap, int | float) and math.isfinite(gap) else "gap -",
        f"{secs:.0f} s" if isinstance(secs, int | float) and math.isfinite(secs) else "- s",
    ]
    line = ", ".join(parts)
    if row.get("error"):
        line += f" ({row['error']})"
    return line
