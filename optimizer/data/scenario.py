"""Scenario files: a base, a list of changes, and model options.

A scenario YAML names its ``base`` (a network data directory, or another
scenario file whose changes are applied first) and lists ``changes``; each
change is a mapping with one key naming its kind. :func:`apply_changes`
never mutates a network: it builds a new one with :meth:`Network.replace`.

Example::

    name: red_sea_closure
    description: Suez and Bab-el-Mandeb closed; Asia-Europe ships go round the Cape.
    source: https://...
    base: baseline.yaml
    changes:
      - close_nodes: [EG_SUEZ]
      - open_services: {via: ZA_CAPE}
      - scale_rates: {mode: sea, via: ZA_CAPE, factor: 1.3}
    options:
      max_warehouses: 8

Change kinds: ``close_nodes``, ``open_nodes``, ``close_services``,
``open_services``, ``scale_rates``, ``scale_transit``, ``set_dwell``,
``scale_dwell``, ``scale_handling``, ``scale_warehouse_fixed``,
``scale_shared_fees``, ``add_service``, ``scale_demand``, ``set_demand``,
``carbon_price``, ``subsidy``, ``warehouses``, ``options``. See
``docs/scenarios.md``.

The four cost and time factors choose nodes or warehouse sites with a
selector (every given field must match; an empty one matches all)::

    - scale_dwell: {kind: border_crossing, factor: 1.25}      # dwell_h and dwell_h_max
    - scale_handling: {factor: 0.75}                          # every node and owned warehouse
    - scale_warehouse_fixed: {ids: [DE_WH_DUISBURG], factor: 1.25}   # every owned tier
    - scale_shared_fees: {country: [US], factor: 1.25}        # the shared rate card

``scale_handling`` scales ``handling_cny_per_t`` of the chosen nodes
(transshipment) and, for those that are warehouse sites, the owned space's
``handling_cny_per_t`` of warehouses.csv (the shared space's handling is per
order, on its rate card: ``scale_shared_fees``). ``scale_warehouse_fixed``
multiplies the annual fixed cost of every owned size tier at the chosen
sites (rent, staff, systems and other costs alike); it is kept as the
column ``fixed_cost_factor`` of ``Network.warehouses`` (absent: 1), which
:func:`optimizer.models.warehouses.owned_tiers` and the independent check
apply. ``scale_shared_fees`` scales the shared option's storage per
cbm-month, handling per order and inbound per cbm.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from shapely.geometry import LineString

from optimizer.data.loader import DEFAULT_DATA_DIR, load_base_network
from optimizer.data.network import Network
from optimizer.data.schema import (
    CUSTOMS_MODES,
    MODES,
    NODE_KINDS,
    Count,
    Number,
    ServiceRow,
    plain_message,
)
from optimizer.data.yamlio import load_yaml
from optimizer.errors import InputError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ServiceSelector(_Strict):
    """Which services a change applies to: every given field must match."""

    ids: list[str] | None = None
    mode: list[str] | str | None = None
    corridor: str | None = Field(default=None, description="substring of the corridor name")
    via: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


#: Highest carbon price a scenario may set, CNY per tonne CO2e (the EU ETS was about
#: 500-700 CNY in 2024-25; 10,000 is far beyond any proposal).
MAX_CARBON_PRICE = 10_000.0
#: Largest factor a scale change may apply (a factor of 1,000 is a typo, not a scenario).
MAX_FACTOR = 100.0
#: Most hours a change may add to or take from a transit or a dwell.
MAX_ADD_H = 24.0 * 90


class ScaleRates(ServiceSelector):
    factor: Number = Field(gt=0, le=MAX_FACTOR)


class ScaleTransit(ServiceSelector):
    factor: Number = Field(default=1.0, gt=0, le=MAX_FACTOR)
    add_h: Number = Field(default=0.0, ge=-MAX_ADD_H, le=MAX_ADD_H)


class Subsidy(ServiceSelector):
    cny_per_container: Number | None = Field(default=None, ge=0, le=1e6)
    cny_per_train: Number | None = Field(default=None, ge=0, le=1e8)

    @model_validator(mode="after")
    def _one(self) -> Subsidy:
        if (self.cny_per_container is None) == (self.cny_per_train is None):
            msg = "give exactly one of cny_per_container and cny_per_train"
            raise ValueError(msg)
        return self


class SetDwell(_Strict):
    nodes: list[str]
    dwell_h: Number | None = Field(default=None, ge=0, le=MAX_ADD_H)
    dwell_h_max: Number | None = Field(default=None, ge=0, le=MAX_ADD_H)
    add_h: Number = Field(default=0.0, ge=-MAX_ADD_H, le=MAX_ADD_H)


class NodeSelector(_Strict):
    """Which nodes a change applies to: every given field must match (empty: every node)."""

    ids: list[str] | None = None
    kind: list[str] | str | None = Field(default=None, description="node kind(s) of nodes.csv")
    country: list[str] | str | None = None


class ScaleDwell(NodeSelector):
    """Dwell at the chosen nodes x factor (``dwell_h`` and ``dwell_h_max``)."""

    factor: Number = Field(ge=0, le=MAX_FACTOR)


class ScaleHandling(NodeSelector):
    """Handling per tonne at the chosen nodes (and owned warehouse space) x factor."""

    factor: Number = Field(ge=0, le=MAX_FACTOR)


class WarehouseSelector(_Strict):
    """Which warehouse sites a change applies to: every given field must match (empty: all)."""

    ids: list[str] | None = None
    country: list[str] | str | None = None


class ScaleWarehouseFixed(WarehouseSelector):
    """The annual fixed cost of every owned tier at the chosen sites x factor."""

    factor: Number = Field(ge=0, le=MAX_FACTOR)


class ScaleSharedFees(WarehouseSelector):
    """The shared (pay-per-use) rate card at the chosen sites x factor."""

    factor: Number = Field(ge=0, le=MAX_FACTOR)


class DemandSelector(_Strict):
    ids: list[str] | None = None
    origin: list[str] | str | None = None
    city: Literal["Deyang", "Mianyang"] | None = None
    market: list[str] | str | None = None
    product: list[str] | str | None = None
    customs_mode: list[str] | str | None = None
    trade: Literal["cbec", "ordinary"] | None = Field(
        default=None, description="cbec (cross-border e-commerce) or ordinary (general trade)"
    )


class ScaleDemand(DemandSelector):
    factor: Number = Field(ge=0, le=MAX_FACTOR)


class SetDemand(DemandSelector):
    tonnes_per_year: Number | None = Field(default=None, gt=0, le=1e6)
    required_days: Number | None = Field(default=None, gt=0, le=365)
    customs_mode_to: str | None = Field(
        default=None, description="the channels allowed from now on, e.g. 9810 or 9710;9810"
    )

    @model_validator(mode="after")
    def _modes(self) -> SetDemand:
        if self.customs_mode_to is not None:
            parts = [p.strip() for p in self.customs_mode_to.split(";") if p.strip()]
            if not parts or any(p not in CUSTOMS_MODES for p in parts):
                msg = f"customs_mode_to: customs modes are {', '.join(CUSTOMS_MODES)}"
                raise ValueError(msg)
            canonical = ";".join(m for m in CUSTOMS_MODES if m in parts)
            object.__setattr__(self, "customs_mode_to", canonical)
        return self


class Warehouses(_Strict):
    force_open: list[str] = []
    force_closed: list[str] = []
    max: Count | None = Field(default=None, ge=0, le=1000)
    min: Count | None = Field(default=None, ge=0, le=1000)
    exact: Count | None = Field(default=None, ge=0, le=1000)
    budget_cny: Number | None = Field(default=None, ge=0, le=1e11)
    single_sourcing: bool | None = None


class Options(_Strict):
    """Model and solver options."""

    max_warehouses: Count | None = Field(default=None, ge=0, le=1000)
    min_warehouses: Count | None = Field(default=None, ge=0, le=1000)
    exact_warehouses: Count | None = Field(default=None, ge=0, le=1000)
    max_sites: Count | None = Field(
        default=None, ge=0, le=1000, description="most sites used, owned or shared space"
    )
    min_sites: Count | None = Field(
        default=None, ge=0, le=1000, description="fewest sites used, owned or shared space"
    )
    budget_cny: Number | None = Field(default=None, ge=0, le=1e11)
    must_open: list[str] | None = None
    never_open: list[str] | None = None
    never_shared: list[str] | None = None
    single_sourcing: bool | None = None
    carbon_price_cny_per_t: Number | None = Field(default=None, ge=0, le=MAX_CARBON_PRICE)
    paths_per_weight: Count | None = Field(default=None, ge=1, le=50)
    max_replenishment_days: Number | None = Field(default=None, gt=0, le=365)
    dispatch_days: Number | None = Field(default=None, ge=0, le=60)
    unmet_penalty_cny_per_t: Number | None = Field(default=None, ge=0, le=1e8)
    require_full_service: bool | None = None
    allow_shared: bool | None = None
    routes: Literal["generated", "complete", "k_shortest"] | None = None
    solver: Literal["highs", "highspy", "scip", "cpsat"] | None = None
    time_limit_s: Number | None = Field(default=None, gt=0, le=7 * 86400)
    rel_gap: Number | None = Field(default=None, ge=0, lt=1)
    threads: Count | None = Field(default=None, ge=1, le=256)
    seed: Count | None = Field(default=None, ge=0, le=2**31 - 1)


_CARBON_PRICE: TypeAdapter[float] = TypeAdapter(Annotated[Number, Field(ge=0, le=MAX_CARBON_PRICE)])

CHANGE_KINDS: dict[str, Any] = {
    "close_nodes": list[str],
    "open_nodes": list[str],
    "close_services": ServiceSelector,
    "open_services": ServiceSelector,
    "scale_rates": ScaleRates,
    "scale_transit": ScaleTransit,
    "set_dwell": SetDwell,
    "scale_dwell": ScaleDwell,
    "scale_handling": ScaleHandling,
    "scale_warehouse_fixed": ScaleWarehouseFixed,
    "scale_shared_fees": ScaleSharedFees,
    "add_service": dict,
    "scale_demand": ScaleDemand,
    "set_demand": SetDemand,
    "carbon_price": float,
    "subsidy": Subsidy,
    "warehouses": Warehouses,
    "options": Options,
}


class ScenarioFile(_Strict):
    name: str | None = None
    description: str = ""
    source: str = ""
    base: str | None = None
    changes: list[dict[str, Any]] = []
    options: Options = Options()


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario with its base chain resolved."""

    name: str
    path: str
    description: str
    source: str
    data_dir: str
    changes: tuple[tuple[str, Any, str], ...]  # (kind, parsed value, where)
    options: dict[str, Any] = field(default_factory=dict)
    chain: tuple[str, ...] = ()
    base_file: str = ""  # the base scenario file, when the base is one

    def fingerprint(self) -> str:
        """Hash of everything that determines the result (changes, options, data files)."""
        h = hashlib.sha256()
        h.update(
            json.dumps(
                [(k, _dump(v)) for k, v, _ in self.changes], sort_keys=True, default=str
            ).encode()
        )
        h.update(json.dumps(self.options, sort_keys=True, default=str).encode())
        _hash_files(h, Path(self.data_dir))
        return h.hexdigest()


def _hash_files(h: Any, data: Path) -> None:
    for f in sorted(data.glob("*")):
        if f.is_file():
            h.update(f.name.encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())


def data_fingerprint(data_dir: str | Path) -> str:
    """Hash of the files of a data directory (their names and contents), as read now.

    Two solves whose data fingerprints differ did not see the same data (the
    files changed in between).
    """
    h = hashlib.sha256()
    _hash_files(h, Path(data_dir))
    return h.hexdigest()


def _dump(v: Any) -> Any:
    return v.model_dump(by_alias=True) if isinstance(v, BaseModel) else v


def _loc(err: Mapping[str, Any]) -> str:
    return ".".join(str(x) for x in err.get("loc", ()))


#: The keys that mark a programme file (``corridor plan``), which sits beside scenarios.
PROGRAMME_KEYS = ("rounds", "base_year")


def is_programme(raw: object) -> bool:
    """Whether a parsed YAML document is a programme, not a scenario."""
    return isinstance(raw, dict) and all(k in raw for k in PROGRAMME_KEYS)


def load_scenario(path: str | Path, _seen: tuple[str, ...] = ()) -> Scenario:
    """Parse a scenario file and its bases.

    Raises
    ------
    InputError
        On unreadable YAML, unknown keys or change kinds (with close matches),
        wrong types (with the key path), or a cycle of bases.
    """
    p = Path(path)
    where = str(p)
    if not p.exists():
        msg = f"{where}: scenario file not found"
        raise InputError(msg)
    key = str(p.resolve())
    if key in _seen:
        msg = f"{where}: scenario bases form a cycle: {' -> '.join([*_seen, key])}"
        raise InputError(msg)
    raw = load_yaml(p) or {}
    if not isinstance(raw, dict):
        msg = f"{where}: a scenario must be a mapping of keys"
        raise InputError(msg)
    unknown = [k for k in raw if k not in ScenarioFile.model_fields]
    if unknown and is_programme(raw):
        msg = f"{where}: a programme file (it has rounds and base_year): run it with corridor plan"
        raise InputError(msg, file=where, field="rounds")
    if unknown:
        k = unknown[0]
        hint = difflib.get_close_matches(str(k), list(ScenarioFile.model_fields), n=1)
        msg = f"{where}: unknown key {k!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
        raise InputError(msg, file=where, field=str(k))
    try:
        spec = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        e = exc.errors()[0]
        msg = f"{where}: {_loc(e)}: {plain_message(e['msg'])}"
        if e.get("type") == "extra_forbidden" and len(e["loc"]) == 2 and e["loc"][0] == "options":
            hint = difflib.get_close_matches(str(e["loc"][1]), list(Options.model_fields), n=1)
            msg = f"{where}: {_loc(e)}: unknown option" + (
                f"; did you mean {hint[0]!r}?"
                if hint
                else f"; known: {', '.join(Options.model_fields)}"
            )
        raise InputError(msg, file=where, field=_loc(e)) from None

    # base
    if spec.base is None:
        base_changes: tuple[tuple[str, Any, str], ...] = ()
        base_options: dict[str, Any] = {}
        data_dir = str(DEFAULT_DATA_DIR)
        chain: tuple[str, ...] = ()
    else:
        b = (p.parent / spec.base).resolve()
        if b.is_dir():
            base_changes, base_options, data_dir, chain = (), {}, str(b), ()
        elif b.suffix in (".yaml", ".yml"):
            parent = load_scenario(b, (*_seen, key))
            base_changes, base_options = parent.changes, dict(parent.options)
            data_dir, chain = parent.data_dir, (*parent.chain, parent.name)
        else:
            msg = f"{where}: base {spec.base!r} is neither a data directory nor a scenario file"
            raise InputError(msg)

    changes: list[tuple[str, Any, str]] = []
    for i, change in enumerate(spec.changes):
        loc = f"{where}: changes[{i}]"
        path = f"changes[{i}]"
        if not isinstance(change, dict) or len(change) != 1:
            msg = f"{loc}: each change is a mapping with exactly one key (its kind)"
            raise InputError(msg, file=where, field=path)
        ((kind, value),) = change.items()
        if kind not in CHANGE_KINDS:
            hint = difflib.get_close_matches(str(kind), list(CHANGE_KINDS), n=2)
            msg = f"{loc}: unknown change {kind!r}" + (
                f"; did you mean {' or '.join(repr(h) for h in hint)}?"
                if hint
                else f"; known: {', '.join(CHANGE_KINDS)}"
            )
            raise InputError(msg, file=where, field=path)
        typ = CHANGE_KINDS[kind]
        path = f"{path}.{kind}"
        parsed: Any
        try:
            if isinstance(typ, type) and issubclass(typ, BaseModel):
                parsed = typ.model_validate(value if value is not None else {})
            elif typ is dict:
                if not isinstance(value, dict):
                    msg = f"{loc}.{kind}: must be a mapping of service columns"
                    raise InputError(msg, file=where, field=path)
                parsed = value
            elif typ is float:
                parsed = _CARBON_PRICE.validate_python(value)
            else:
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                    msg = f"{loc}.{kind}: must be a list of ids"
                    raise InputError(msg, file=where, field=path)
                parsed = list(value)
        except ValidationError as exc:
            e = exc.errors()[0]
            field_path = _loc(e)
            msg = (
                f"{loc}.{kind}"
                + (f".{field_path}" if field_path else "")
                + f": {plain_message(e['msg'])}"
            )
            full = f"{path}.{field_path}" if field_path else path
            if (
                e.get("type") == "extra_forbidden"
                and isinstance(typ, type)
                and issubclass(typ, BaseModel)
            ):
                fields = [f.alias or n for n, f in typ.model_fields.items()]
                hint = difflib.get_close_matches(str(e["loc"][-1]), fields, n=1)
                msg = f"{loc}.{kind}: unknown key {e['loc'][-1]!r}" + (
                    f"; did you mean {hint[0]!r}?" if hint else f"; known: {', '.join(fields)}"
                )
            raise InputError(msg, file=where, field=full) from None
        except (TypeError, ValueError) as exc:
            msg = f"{loc}.{kind}: {exc}"
            raise InputError(msg, file=where, field=path) from None
        changes.append((kind, parsed, loc))

    options = dict(base_options)
    for kind, parsed, _ in changes:
        options.update(_options_from_change(kind, parsed, options))
    options.update({k: v for k, v in spec.options.model_dump().items() if v is not None})
    return Scenario(
        name=spec.name or p.stem,
        path=str(p),
        description=spec.description,
        source=spec.source,
        data_dir=data_dir,
        changes=(*base_changes, *changes),
        options=options,
        chain=chain,
        base_file=str(b) if spec.base is not None and not b.is_dir() else "",
    )


def _options_from_change(kind: str, value: Any, current: dict[str, Any]) -> dict[str, Any]:
    if kind == "carbon_price":
        return {"carbon_price_cny_per_t": value}
    if kind == "options":
        return {k: v for k, v in value.model_dump().items() if v is not None}
    if kind == "warehouses":
        out: dict[str, Any] = {}
        if value.force_open:
            out["must_open"] = sorted(set(current.get("must_open") or []) | set(value.force_open))
        if value.force_closed:
            out["never_open"] = sorted(
                set(current.get("never_open") or []) | set(value.force_closed)
            )
        for src, dst in (
            ("max", "max_warehouses"),
            ("min", "min_warehouses"),
            ("exact", "exact_warehouses"),
            ("budget_cny", "budget_cny"),
            ("single_sourcing", "single_sourcing"),
        ):
            if getattr(value, src) is not None:
                out[dst] = getattr(value, src)
        return out
    return {}


# -- applying changes -------------------------------------------------------------------------


def _unknown(kind: str, ids: Iterable[str], known: Iterable[str], where: str) -> None:
    known = list(known)
    bad = [i for i in ids if i not in known]
    if bad:
        hint = difflib.get_close_matches(bad[0], known, n=3)
        msg = f"{where}: unknown {kind} {bad[0]!r}" + (
            f"; close matches: {', '.join(hint)}" if hint else ""
        )
        raise InputError(msg)


def select_services(net: Network, sel: ServiceSelector, where: str) -> pd.Index:
    """Ids of the services (active or not) a selector matches.

    Raises
    ------
    InputError
        On unknown ids, modes or nodes, or when nothing matches.
    """
    s = net.services
    mask = pd.Series(True, index=s.index)
    if sel.ids is not None:
        _unknown("service", sel.ids, s.index, where)
        mask &= s.index.isin(sel.ids)
    if sel.mode is not None:
        modes = [sel.mode] if isinstance(sel.mode, str) else sel.mode
        _unknown("mode", modes, MODES, where)
        mask &= s["mode"].isin(modes)
    if sel.corridor is not None:
        mask &= s["corridor"].str.contains(sel.corridor, case=False, regex=False)
    for fld, col in (("via", None), ("from_", "from"), ("to", "to")):
        node = getattr(sel, fld)
        if node is None:
            continue
        _unknown("node", [node], net.nodes.index, where)
        if col is None:
            mask &= s["via"].apply(lambda v, n=node: n in v)
        else:
            mask &= s[col] == node
    ids = s.index[mask]
    if len(ids) == 0:
        msg = f"{where}: the selector matches no service"
        raise InputError(msg)
    return ids


def _many(v: str | list[str]) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


def select_nodes(net: Network, sel: NodeSelector, where: str) -> pd.Index:
    """Ids of the nodes a selector matches (open or closed).

    Raises
    ------
    InputError
        On unknown ids or node kinds, or when nothing matches.
    """
    n = net.nodes
    mask = pd.Series(True, index=n.index)
    if sel.ids is not None:
        _unknown("node", sel.ids, n.index, where)
        mask &= n.index.isin(sel.ids)
    if sel.kind is not None:
        kinds = _many(sel.kind)
        bad = [k for k in kinds if k not in NODE_KINDS]
        if bad:
            hint = difflib.get_close_matches(bad[0], NODE_KINDS, n=1, cutoff=0.5) or [
                k for k in NODE_KINDS if bad[0] in k
            ]
            msg = (
                f"{where}: unknown node kind {bad[0]!r}"
                + (f"; did you mean {hint[0]!r}?" if hint else "")
                + f" (node kinds: {', '.join(NODE_KINDS)})"
            )
            raise InputError(msg)
        mask &= n["kind"].isin(kinds)
    if sel.country is not None:
        mask &= n["country"].astype(str).isin(_many(sel.country))
    ids = n.index[mask]
    if len(ids) == 0:
        msg = f"{where}: the selector matches no node"
        raise InputError(msg)
    return ids


def select_warehouses(net: Network, sel: WarehouseSelector, where: str) -> pd.Index:
    """Ids of the warehouse sites (warehouses.csv) a selector matches.

    Raises
    ------
    InputError
        On unknown ids, or when nothing matches.
    """
    w = net.warehouses
    mask = pd.Series(True, index=w.index)
    if sel.ids is not None:
        _unknown("warehouse", sel.ids, w.index, where)
        mask &= w.index.isin(sel.ids)
    if sel.country is not None:
        country = pd.Series(w.index, index=w.index).map(net.nodes["country"]).astype(str)
        mask &= country.isin(_many(sel.country))
    ids = w.index[mask]
    if len(ids) == 0:
        msg = f"{where}: the selector matches no warehouse"
        raise InputError(msg)
    return ids


#: The shared rate card of a site (warehouses.csv), scaled by ``scale_shared_fees``.
SHARED_FEE_COLUMNS = (
    "shared_storage_cny_per_cbm_month",
    "shared_handling_cny_per_order",
    "shared_inbound_cny_per_cbm",
)
#: The column of ``Network.warehouses`` that ``scale_warehouse_fixed`` sets (absent: 1).
FIXED_COST_FACTOR = "fixed_cost_factor"


def select_demand(net: Network, sel: DemandSelector, where: str) -> pd.Index:
    """Ids of the demand rows a selector matches.

    Raises
    ------
    InputError
        On unknown ids or values, or when nothing matches.
    """
    d = net.demand
    mask = pd.Series(True, index=d.index)
    many = _many

    if sel.ids is not None:
        _unknown("demand row", sel.ids, d.index, where)
        mask &= d.index.isin(sel.ids)
    for fld, known in (
        ("origin", net.nodes.index),
        ("market", net.nodes.index),
        ("product", net.products.index),
    ):
        val = getattr(sel, fld)
        if val is not None:
            vals = many(val)
            _unknown(fld.replace("_", " "), vals, known, where)
            mask &= d[fld].astype(str).isin(vals)
    if sel.customs_mode is not None:
        vals = many(sel.customs_mode)
        _unknown("customs mode", vals, CUSTOMS_MODES, where)
        allowed = d["customs_mode"].astype(str).str.split(";")
        mask &= allowed.apply(lambda modes: any(m in modes for m in vals))
    if sel.city is not None:
        mask &= d["origin"].map(net.nodes["city"]) == sel.city
    if sel.trade is not None:
        trade = d["trade"].fillna("cbec") if "trade" in d else pd.Series("cbec", index=d.index)
        mask &= trade == sel.trade
    ids = d.index[mask]
    if len(ids) == 0:
        msg = f"{where}: the selector matches no demand row"
        raise InputError(msg)
    return ids


def _change_field(where: str, kind: str, name: str) -> str:
    """The key path of a change's field, e.g. ``changes[2].scale_transit.add_h``."""
    return f"{where.rsplit(': ', 1)[-1]}.{kind}.{name}"


def _scale(frame: pd.DataFrame, ids: pd.Index, columns: Iterable[str], factor: float) -> None:
    """Multiply ``columns`` of the rows ``ids`` by ``factor`` (the columns made float)."""
    for col in columns:
        frame[col] = frame[col].astype(float)
        frame.loc[ids, col] = frame.loc[ids, col] * factor


def apply_changes(net: Network, changes: Iterable[tuple[str, Any, str]], name: str = "") -> Network:
    """Apply parsed changes in order; return a new :class:`Network`.

    Raises
    ------
    InputError
        When a change names an unknown node, service, warehouse or demand row.
    """
    nodes = net.nodes.copy()
    services = net.services.copy()
    demand = net.demand.copy()
    warehouses = net.warehouses.copy()
    fx = net.fx["cny_per_unit"]
    for kind, v, where in changes:
        loc = f"{where}.{kind}"
        if kind in ("close_nodes", "open_nodes"):
            _unknown("node", v, nodes.index, loc)
            nodes.loc[v, "open"] = kind == "open_nodes"
        elif kind in ("close_services", "open_services"):
            ids = select_services(net.replace(services=services, nodes=nodes), v, loc)
            services.loc[ids, "active"] = 1 if kind == "open_services" else 0
        elif kind == "scale_rates":
            ids = select_services(net.replace(services=services, nodes=nodes), v, loc)
            services.loc[ids, "rate"] = services.loc[ids, "rate"].astype(float) * v.factor
            services.loc[ids, "lcl_rate"] = services.loc[ids, "lcl_rate"].astype(float) * v.factor
        elif kind == "scale_transit":
            ids = select_services(net.replace(services=services, nodes=nodes), v, loc)
            for col in ("transit_h", "transit_h_max"):
                services.loc[ids, col] = services.loc[ids, col].astype(float) * v.factor + v.add_h
            short = services.loc[ids, "transit_h"] <= 0
            if short.any():
                sid = str(services.index[services.index.isin(ids)][short.to_numpy()][0])
                msg = f"{loc}: leaves service {sid} with no transit time (add_h {v.add_h:g} h)"
                raise InputError(msg, field=_change_field(where, kind, "add_h"))
        elif kind == "set_dwell":
            _unknown("node", v.nodes, nodes.index, loc)
            if v.dwell_h is not None:
                nodes.loc[v.nodes, "dwell_h"] = v.dwell_h
            if v.dwell_h_max is not None:
                nodes.loc[v.nodes, "dwell_h_max"] = v.dwell_h_max
            if v.add_h:
                if (nodes.loc[v.nodes, "dwell_h"] + v.add_h < 0).any():
                    msg = f"{loc}: add_h {v.add_h:g} h would make a dwell negative"
                    raise InputError(msg, field=_change_field(where, kind, "add_h"))
                nodes.loc[v.nodes, "dwell_h"] = nodes.loc[v.nodes, "dwell_h"] + v.add_h
                nodes.loc[v.nodes, "dwell_h_max"] = (
                    nodes.loc[v.nodes, "dwell_h_max"].fillna(
                        nodes.loc[v.nodes, "dwell_h"] - v.add_h
                    )
                    + v.add_h
                )
        elif kind in ("scale_dwell", "scale_handling"):
            ids = select_nodes(net.replace(nodes=nodes), v, loc)
            cols = ("dwell_h", "dwell_h_max") if kind == "scale_dwell" else ("handling_cny_per_t",)
            _scale(nodes, ids, cols, v.factor)
            sites = ids[ids.isin(warehouses.index)]
            if kind == "scale_handling" and len(sites):
                _scale(warehouses, sites, ("handling_cny_per_t",), v.factor)
        elif kind == "scale_warehouse_fixed":
            ids = select_warehouses(net.replace(warehouses=warehouses, nodes=nodes), v, loc)
            if FIXED_COST_FACTOR not in warehouses.columns:
                warehouses[FIXED_COST_FACTOR] = 1.0
            _scale(warehouses, ids, (FIXED_COST_FACTOR,), v.factor)
        elif kind == "scale_shared_fees":
            ids = select_warehouses(net.replace(warehouses=warehouses, nodes=nodes), v, loc)
            present = [c for c in SHARED_FEE_COLUMNS if c in warehouses.columns]
            _scale(warehouses, ids, present, v.factor)
        elif kind == "subsidy":
            ids = select_services(net.replace(services=services, nodes=nodes), v, loc)
            for sid in ids:
                row = services.loc[sid]
                if row["rate_basis"] not in ("FEU", "TEU", "truck"):
                    msg = f"{loc}: service {sid} is not priced per container"
                    raise InputError(msg)
                per_box = v.cny_per_container
                if per_box is None:
                    upd = row["units_per_departure"]
                    if pd.isna(upd):
                        msg = f"{loc}: service {sid} has no units_per_departure (per-train subsidy)"
                        raise InputError(msg)
                    per_box = float(v.cny_per_train) / float(upd)
                cut = per_box / float(fx[row["currency"]])
                services.at[sid, "rate"] = max(0.0, float(row["rate"]) - cut)
        elif kind == "add_service":
            try:
                added = ServiceRow.model_validate(v)
            except ValidationError as exc:
                e = exc.errors()[0]
                msg = f"{loc}.{_loc(e)}: {plain_message(e['msg'])}"
                raise InputError(msg, field=_change_field(where, kind, _loc(e))) from None
            if added.id in services.index:
                msg = f"{loc}: service id {added.id!r} already exists"
                raise InputError(msg, field=_change_field(where, kind, "id"))
            _unknown("node", [added.from_, added.to, *added.via_nodes], nodes.index, loc)
            data = added.model_dump(by_alias=True)
            data["via"] = added.via_nodes
            pts = [added.from_, *added.via_nodes, added.to]
            lon, lat = nodes["lon"].astype(float), nodes["lat"].astype(float)
            geom = LineString([(float(lon[n]), float(lat[n])) for n in pts])
            new = gpd.GeoDataFrame(
                pd.DataFrame([data]).set_index(pd.Index([added.id])),
                geometry=[geom],
                crs=net.services.crs,
            )
            services = gpd.GeoDataFrame(
                pd.concat([services, new[services.columns]]),
                geometry="geometry",
                crs=net.services.crs,
            )
            # a field left out is missing (NaN) in a numeric column, as in the CSV
            for col in net.services.columns:
                if col != "geometry" and pd.api.types.is_numeric_dtype(net.services[col]):
                    services[col] = pd.to_numeric(services[col], errors="coerce")
        elif kind == "scale_demand":
            ids = select_demand(net.replace(demand=demand, nodes=nodes), v, loc)
            demand.loc[ids, "tonnes_per_year"] = demand.loc[ids, "tonnes_per_year"] * v.factor
        elif kind == "set_demand":
            ids = select_demand(net.replace(demand=demand, nodes=nodes), v, loc)
            if v.tonnes_per_year is not None:
                demand.loc[ids, "tonnes_per_year"] = v.tonnes_per_year
            if v.required_days is not None:
                demand.loc[ids, "required_days"] = v.required_days
            if v.customs_mode_to is not None:
                demand.loc[ids, "customs_mode"] = v.customs_mode_to
        elif kind == "warehouses":
            for w in (*v.force_open, *v.force_closed):
                _unknown("warehouse", [w], warehouses.index, loc)
        elif kind in ("carbon_price", "options"):
            if kind == "options":
                for w in (*(v.must_open or []), *(v.never_open or []), *(v.never_shared or [])):
                    _unknown("warehouse", [w], warehouses.index, loc)
        else:  # pragma: no cover - CHANGE_KINDS and this function move together
            msg = f"{loc}: change kind not implemented"
            raise InputError(msg)
    demand = demand[demand["tonnes_per_year"] > 0]
    return net.replace(
        nodes=nodes,
        services=services,
        demand=demand,
        warehouses=warehouses,
        name=name or net.name,
    )


def network_for_scenario(path: str | Path, *, data_dir: str | Path | None = None) -> Network:
    """Load the base data of a scenario and apply its changes.

    ``data_dir`` replaces the scenario's base data directory (the scenario's
    changes applied to other data).

    Raises
    ------
    InputError
        On a bad scenario, or a change that names something the data lacks.
    NetworkDataError
        When the base data has problems.
    """
    sc = load_scenario(path)
    if data_dir is None:
        return network_of(sc)
    return apply_changes(load_base_network(data_dir), sc.changes, name=sc.name)


def network_of(scenario: Scenario, *, strict: bool = False) -> Network:
    """The network of a parsed scenario: its base data with its changes applied.

    ``strict``: data warnings are errors.

    Raises
    ------
    InputError
        When a change names something the data lacks.
    NetworkDataError
        When the base data has problems.
    """
    base = load_base_network(scenario.data_dir, strict=strict)
    return apply_changes(base, scenario.changes, name=scenario.name)
