"""Row schemas of the network data files (see ``docs/data_model.md``).

One pydantic model per CSV file. Empty cells arrive as ``None``; each model
declares which columns are required, their types and ranges. Cross-row
checks (duplicate ids, references, reachability) live in :mod:`optimizer.data.loader`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

NODE_KINDS = (
    "origin",
    "rail_port",
    "airport",
    "seaport",
    "river_port",
    "border_crossing",
    "rail_terminal",
    "hub",
    "bonded_zone",
    "chokepoint",
    "warehouse",
    "market",
)
MODES = ("road", "rail", "cr_express", "rail_sea", "sea", "river", "air", "last_mile")
UNIT_BASES = ("FEU", "TEU", "truck")
WEIGHT_BASES = ("tonne", "kg", "cbm", "wm")
RATE_BASES = UNIT_BASES + WEIGHT_BASES
CUSTOMS_MODES = ("9610", "9710", "9810", "1210")
CURRENCIES = ("CNY", "USD", "EUR")

NodeKind = Literal[
    "origin",
    "rail_port",
    "airport",
    "seaport",
    "river_port",
    "border_crossing",
    "rail_terminal",
    "hub",
    "bonded_zone",
    "chokepoint",
    "warehouse",
    "market",
]
Mode = Literal["road", "rail", "cr_express", "rail_sea", "sea", "river", "air", "last_mile"]
RateBasis = Literal["FEU", "TEU", "truck", "tonne", "kg", "cbm", "wm"]
WeightBasis = Literal["tonne", "kg", "cbm", "wm"]
CustomsMode = Literal["9610", "9710", "9810", "1210"]
Currency = Literal["CNY", "USD", "EUR"]

_ID = re.compile(r"^[A-Z]{2}_[A-Z0-9_]+$")


def plain_message(msg: str) -> str:
    """A pydantic error message in plain words (``should be ...``, no ``Value error,``)."""
    return msg.replace("Value error, ", "").replace("Input should be", "should be")


def _not_bool(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number is due (YAML and JSON would take them as 1/0)."""
    if isinstance(value, bool):
        msg = "must be a number, not true/false"
        raise ValueError(msg)
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        msg = "must be a finite number"
        raise ValueError(msg)
    return value


#: Upper bounds of plausible values (a figure beyond them is a unit mix-up or a typo).
MAX_CNY_PER_T = 1e5
MAX_HOURS = 24.0 * 150
MAX_DISTANCE_KM = 45_000.0
#: Osmium, the densest element, is 22,590 kg/cbm: no cargo is denser.
MAX_DENSITY_KG_PER_CBM = 22_600.0
#: Highest freight rate per rate basis, in the rate's currency.
MAX_RATE: dict[str, float] = {
    "FEU": 1e6,
    "TEU": 1e6,
    "truck": 1e6,
    "tonne": 1e5,
    "kg": 1e3,
    "cbm": 1e5,
    "wm": 1e5,
}

#: A finite number that is not a boolean (every number of a data file, scenario or request).
Number = Annotated[float, BeforeValidator(_not_bool), AfterValidator(_finite)]
#: A whole number that is not a boolean.
Count = Annotated[int, BeforeValidator(_not_bool)]


class Row(BaseModel):
    """Base: strict columns, blank cells are ``None``, text is stripped."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, frozen=True, allow_inf_nan=False
    )
    file: ClassVar[str] = ""
    key: ClassVar[str] = "id"

    @model_validator(mode="before")
    @classmethod
    def _blank_to_none(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: (None if isinstance(v, str) and v.strip() == "" else v) for k, v in data.items()
            }
        return data

    source: str = Field(min_length=1)

    @property
    def is_assumption(self) -> bool:
        return self.source.lower().startswith("assumption")


class NodeRow(Row):
    file: ClassVar[str] = "nodes.csv"
    id: str
    name: str
    name_zh: str
    kind: NodeKind
    country: str = Field(pattern=r"^[A-Z]{2}$")
    city: str | None = None
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    handling_cny_per_t: float = Field(default=0.0, ge=0, le=MAX_CNY_PER_T)
    border_fee_cny_per_t: float = Field(default=0.0, ge=0, le=MAX_CNY_PER_T)
    dwell_h: float = Field(default=0.0, ge=0, le=MAX_HOURS)
    dwell_h_max: float | None = Field(default=None, ge=0, le=MAX_HOURS)

    @field_validator("id")
    @classmethod
    def _id_format(cls, v: str) -> str:
        if not _ID.match(v):
            msg = "must look like CC_NAME (country prefix, capitals, digits, underscores)"
            raise ValueError(msg)
        return v

    @model_validator(mode="after")
    def _checks(self) -> NodeRow:
        if self.dwell_h_max is not None and self.dwell_h_max < self.dwell_h:
            msg = "dwell_h_max is below dwell_h"
            raise ValueError(msg)
        if self.kind == "origin" and self.city not in ("Deyang", "Mianyang"):
            msg = "an origin's city must be Deyang or Mianyang"
            raise ValueError(msg)
        return self


class ServiceRow(Row):
    file: ClassVar[str] = "services.csv"
    id: str
    from_: str = Field(alias="from")
    to: str
    via: str | None = None
    mode: Mode
    corridor: str
    operator: str | None = None
    distance_km: float = Field(gt=0, le=MAX_DISTANCE_KM)
    transit_h: float = Field(gt=0, le=MAX_HOURS)
    transit_h_max: float | None = Field(default=None, gt=0, le=MAX_HOURS)
    departures_per_week: float | None = Field(default=None, gt=0, le=500)
    rate_basis: RateBasis
    rate: float = Field(ge=0)
    lcl_basis: WeightBasis | None = None
    lcl_rate: float | None = Field(default=None, ge=0)
    units_per_departure: float | None = Field(default=None, gt=0, le=1000)
    order_rate: float | None = Field(default=None, ge=0, le=1e4)
    currency: Currency
    price_year: int = Field(ge=1990, le=2100)
    co2_g_per_tkm: float = Field(ge=0, le=5000)
    co2_source: str = Field(min_length=1)
    active: int = Field(default=1, ge=0, le=1)

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _checks(self) -> ServiceRow:
        if self.from_ == self.to:
            msg = "from and to are the same node"
            raise ValueError(msg)
        if self.transit_h_max is not None and self.transit_h_max < self.transit_h:
            msg = "transit_h_max is below transit_h"
            raise ValueError(msg)
        if (self.lcl_basis is None) != (self.lcl_rate is None):
            msg = "lcl_basis and lcl_rate go together"
            raise ValueError(msg)
        return self

    @field_validator("rate", "lcl_rate")
    @classmethod
    def _rate_plausible(cls, value: float | None, info: ValidationInfo) -> float | None:
        basis = info.data.get("rate_basis" if info.field_name == "rate" else "lcl_basis")
        if basis is not None and value is not None and value > MAX_RATE[basis]:
            msg = (
                f"{value:g} per {basis} is beyond any freight rate (at most {MAX_RATE[basis]:g} "
                "in the rate's currency); check the unit"
            )
            raise ValueError(msg)
        return value

    @property
    def via_nodes(self) -> tuple[str, ...]:
        if not self.via:
            return ()
        return tuple(v.strip() for v in self.via.split(";") if v.strip())


class WarehouseRow(Row):
    file: ClassVar[str] = "warehouses.csv"
    key: ClassVar[str] = "node_id"
    node_id: str
    operator: str
    status: Literal["existing", "candidate"]
    public_service: int = Field(default=0, ge=0, le=1)
    area_m2: float = Field(gt=0, le=1e6)
    fixed_cost_cny_per_year: float = Field(ge=0, le=1e10)
    capacity_t_per_year: float = Field(gt=0, le=1e7)
    handling_cny_per_t: float = Field(ge=0, le=MAX_CNY_PER_T)
    storage_cny_per_cbm_month: float = Field(ge=0, le=1e4)
    stock_days: float = Field(ge=0, le=365)
    # Design model v2: owned size tiers priced from the city's costs (warehouse_tiers.csv)
    rent_cny_per_m2_year: float | None = Field(default=None, gt=0, le=2e4)
    staff_cny_per_fte_year: float | None = Field(default=None, gt=0, le=2e6)
    # ... and the shared (public or third-party) option, pay per use
    shared_storage_cny_per_cbm_month: float | None = Field(default=None, ge=0, le=1e4)
    shared_handling_cny_per_order: float | None = Field(default=None, ge=0, le=1e4)
    shared_inbound_cny_per_cbm: float | None = Field(default=None, ge=0, le=1e4)
    shared_capacity_t_per_year: float | None = Field(default=None, gt=0, le=1e7)

    @model_validator(mode="after")
    def _v2(self) -> WarehouseRow:
        if (self.rent_cny_per_m2_year is None) != (self.staff_cny_per_fte_year is None):
            msg = "rent_cny_per_m2_year and staff_cny_per_fte_year go together (owned tiers)"
            raise ValueError(msg)
        shared = (self.shared_storage_cny_per_cbm_month, self.shared_handling_cny_per_order)
        if (shared[0] is None) != (shared[1] is None):
            msg = (
                "shared_storage_cny_per_cbm_month and shared_handling_cny_per_order go "
                "together (the shared option)"
            )
            raise ValueError(msg)
        return self

    @property
    def has_tiers(self) -> bool:
        """Owned size tiers are priced from the city's rent and wages."""
        return self.rent_cny_per_m2_year is not None

    @property
    def has_shared(self) -> bool:
        """A shared (public or third-party) pay-per-use option exists at the site."""
        return self.shared_storage_cny_per_cbm_month is not None


class ProductRow(Row):
    file: ClassVar[str] = "products.csv"
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_zh: str
    density_kg_per_cbm: float = Field(gt=0, le=MAX_DENSITY_KG_PER_CBM)
    value_cny_per_t: float = Field(gt=0, le=1e9)
    # Design model v2: lost margin of unmet demand, demand variability, order size
    margin_share: float | None = Field(default=None, gt=0, le=1)
    weekly_cv: float | None = Field(default=None, ge=0, le=3)
    order_kg: float | None = Field(default=None, gt=0, le=1e5)
    notes: str | None = None


class DemandRow(Row):
    file: ClassVar[str] = "demand.csv"
    id: str
    origin: str
    market: str
    product: str
    tonnes_per_year: float = Field(gt=0, le=1e6)
    customs_mode: str
    required_days: float = Field(gt=0, le=365)
    #: cross-border e-commerce (counts towards the plans' targets) or ordinary trade
    trade: Literal["cbec", "ordinary"] = "cbec"

    @field_validator("customs_mode", mode="before")
    @classmethod
    def _modes(cls, v: Any) -> Any:
        """One customs mode, or several allowed ones separated by ``;`` (e.g. ``9610;9810``)."""
        if v is None:
            return v
        parts = [p.strip() for p in str(v).split(";") if p.strip()]
        bad = [p for p in parts if p not in CUSTOMS_MODES]
        if not parts or bad:
            msg = f"customs modes are {', '.join(CUSTOMS_MODES)}, one or several joined by ';'" + (
                f" (not {bad[0]!r})" if bad else ""
            )
            raise ValueError(msg)
        if len(set(parts)) != len(parts):
            msg = "a customs mode is listed twice"
            raise ValueError(msg)
        return ";".join(m for m in CUSTOMS_MODES if m in parts)

    @property
    def modes(self) -> tuple[str, ...]:
        """The customs modes (channels) this demand may use."""
        return tuple(self.customs_mode.split(";"))


class WarehouseTierRow(Row):
    """An owned size tier offered at every candidate site (warehouse_tiers.csv)."""

    file: ClassVar[str] = "warehouse_tiers.csv"
    key: ClassVar[str] = "tier"
    tier: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    area_m2: float = Field(gt=0, le=1e6)
    fte_per_1000_m2: float = Field(ge=0, le=100)
    systems_cny_per_year: float = Field(ge=0, le=1e8)
    other_cny_per_m2_year: float = Field(ge=0, le=1e4)
    throughput_t_per_m2_year: float = Field(gt=0, le=100)


class FxRow(Row):
    file: ClassVar[str] = "fx.csv"
    key: ClassVar[str] = "currency"
    currency: Currency
    cny_per_unit: float = Field(gt=0, le=1000)
    date: str


class ParameterRow(Row):
    file: ClassVar[str] = "parameters.csv"
    key: ClassVar[str] = "name"
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    value: float
    unit: str | None = None


class WaypointRow(Row):
    file: ClassVar[str] = "waypoints.csv"
    key: ClassVar[str] = ""
    corridor: str
    seq: int = Field(ge=0)
    name: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


#: Where a charge applies: at the node a leg boards (origin), at the node it reaches
#: (destination), or once per shipment.
ChargeAt = Literal["origin", "destination", "shipment"]
#: What a charge is per: a box (FCL unit), a bill of lading / air waybill (a leg), the
#: shipment, a chargeable kg, a gross tonne, a cbm, a w/m (revenue tonne), a share of the
#: cargo's value or of the leg's freight.
ChargeBasis = Literal[
    "box", "bl", "shipment", "kg", "t", "cbm", "wm", "value_share", "freight_share"
]
ChargeCategory = Literal[
    "thc_origin",
    "thc_destination",
    "documentation",
    "security",
    "fuel",
    "peak",
    "war_risk",
    "dg",
    "oog",
    "customs_export",
    "customs_import",
    "insurance",
]


class ChargeRow(Row):
    """A forwarder's fee or surcharge (charges.csv): a line of a quote's breakdown."""

    file: ClassVar[str] = "charges.csv"
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str
    category: ChargeCategory
    mode: Literal["*"] | Mode
    at: ChargeAt
    country: str = Field(pattern=r"^(\*|[A-Z]{2})$")
    load: Literal["any", "FCL", "LCL", "weight"]
    unit: str = "*"
    basis: ChargeBasis
    amount: float = Field(ge=0, le=1e6)
    currency: Currency
    minimum: float | None = Field(None, ge=0, le=1e6)
    dg: Literal["any", "dg", "non_dg"] = "any"
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ChargeRow:
        if self.basis in ("value_share", "freight_share") and self.amount > 1:
            msg = f"a {self.basis} is a share between 0 and 1 (got {self.amount:g})"
            raise ValueError(msg)
        if (self.at == "shipment") != (self.mode == "*"):
            msg = (
                "a charge per shipment has mode '*'; a charge at a leg's origin or "
                "destination names its mode"
            )
            raise ValueError(msg)
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            msg = "valid_to is before valid_from"
            raise ValueError(msg)
        return self


#: A duties.csv rate is a share of the customs value; above 5 (500 %) it is a typo.
MAX_DUTY_RATE = 5.0
#: ``date`` is also a column of duties.csv, which shadows the type inside the class
_Day = date


class DutyRow(Row):
    """Import duty and VAT of a destination for a product class (duties.csv).

    A ``base`` row gives the MFN duty (with any product-specific extra duty such as US
    Section 301), the import VAT and the thresholds; an ``add`` row stacks a further
    ad valorem duty (IEEPA, Section 122) on the base row valid on the same day.
    Thresholds are "at or below": a consignment worth no more than ``duty_free_below``
    (``threshold_currency``) pays no ad valorem duty (``flat_duty_per_item`` if given).
    """

    file: ClassVar[str] = "duties.csv"
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    country: str = Field(pattern=r"^[A-Z]{2}$")
    union: str | None = Field(default=None, pattern=r"^[A-Z]{2,4}$")
    product: str = Field(pattern=r"^(\*|[a-z][a-z0-9_]*)$")
    channel: Literal["*", "9610", "9710", "9810", "1210"] = "*"
    layer: Literal["base", "add"] = "base"
    hs: str | None = None
    duty_rate: float | None = Field(default=None, ge=0, le=MAX_DUTY_RATE)
    extra_duty_rate: float | None = Field(default=None, ge=0, le=MAX_DUTY_RATE)
    extra_duty_name: str | None = None
    vat_rate: float | None = Field(default=None, ge=0, le=MAX_DUTY_RATE)
    duty_free_below: float | None = Field(default=None, ge=0, le=1e9)
    vat_free_below: float | None = Field(default=None, ge=0, le=1e9)
    threshold_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    threshold_cny_per_unit: float | None = Field(default=None, gt=0, le=1000)
    flat_duty_per_item: float | None = Field(default=None, ge=0, le=1e6)
    duty_on_excess: int | None = Field(default=None, ge=0, le=1)
    value_basis: Literal["CIF", "FOB"] | None = None
    valid_from: _Day | None = None
    valid_to: _Day | None = None
    kind: Literal["cited", "proxy", "assumed"]
    date: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DutyRow:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            msg = "valid_to is before valid_from"
            raise ValueError(msg)
        if self.layer == "base" and (self.duty_rate is None or self.vat_rate is None):
            msg = "a base row needs duty_rate and vat_rate"
            raise ValueError(msg)
        if self.layer == "add" and self.extra_duty_rate is None:
            msg = "an add row needs extra_duty_rate"
            raise ValueError(msg)
        thresholds = (self.duty_free_below, self.vat_free_below, self.flat_duty_per_item)
        if any(v is not None for v in thresholds) and self.threshold_currency is None:
            msg = "a threshold or flat duty needs threshold_currency"
            raise ValueError(msg)
        return self


#: The attributes a recognition criterion tests (criteria.csv), by kind of value.
CriterionNumber = Literal[
    "years_registered",
    "years_abroad",
    "area_m2",
    "overseas_share",
    "odi_certificate",
    "wms",
    "firms_served",
]
CriterionText = Literal["local_registration", "registered_city"]
CriterionList = Literal["services", "country_groups"]
CriterionAttribute = Literal[CriterionNumber, CriterionText, CriterionList]
CRITERION_NUMBERS: tuple[str, ...] = get_args(CriterionNumber)
CRITERION_TEXTS: tuple[str, ...] = get_args(CriterionText)
CRITERION_LISTS: tuple[str, ...] = get_args(CriterionList)
#: The services of the public-warehouse definition and the others an operator may offer.
OPERATOR_SERVICES = (
    "consolidation",
    "export_tax_rebate",
    "international_transport",
    "customs_clearance",
    "warehousing",
    "last_mile",
    "returns",
    "display",
    "repair",
)
#: The country groups of a site (the Sichuan plan's layout priority).
COUNTRY_GROUPS = ("belt_and_road", "rcep", "rongou_node")
_SCHEME = r"^[a-z][a-z0-9_]*$"


def _items(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    """A ';'-separated list whose items are all in ``allowed`` (``None`` stays ``None``)."""
    if value is None:
        return None
    items = [x.strip() for x in value.split(";") if x.strip()]
    unknown = [x for x in items if x not in allowed]
    if unknown:
        msg = f"unknown {what} {', '.join(map(repr, unknown))} (known: {', '.join(allowed)})"
        raise ValueError(msg)
    if not items:
        msg = f"an empty list of {what}"
        raise ValueError(msg)
    return ";".join(items)


class CriterionRow(Row):
    """One recognition criterion of a public overseas-warehouse scheme (criteria.csv).

    ``threshold`` is empty where the notice's threshold was not seen; ``binding`` 0 marks a
    priority or scored factor that is reported but does not decide eligibility. ``as_of`` is
    the scheme's reference date: years (registered, abroad) are counted to its year. Equality
    is ``is`` (a cell beginning with ``=`` would be a formula in a spreadsheet).
    """

    file: ClassVar[str] = "criteria.csv"
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    scheme: str = Field(pattern=_SCHEME)
    scheme_name: str | None = None
    attribute: CriterionAttribute
    operator: Literal[">=", ">", "is", "includes", "any"]
    threshold: str | None = None
    unit: str | None = None
    binding: int = Field(default=1, ge=0, le=1)
    as_of: dt.date
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CriterionRow:
        a, op = self.attribute, self.operator
        if a in CRITERION_NUMBERS:
            if op not in (">=", ">", "is"):
                msg = f"{a} is a number: compare it with >=, > or is, not {op!r}"
                raise ValueError(msg)
            if self.threshold is not None:
                try:
                    value = float(self.threshold)
                except ValueError:
                    msg = f"the threshold of {a} must be a number, not {self.threshold!r}"
                    raise ValueError(msg) from None
                if not math.isfinite(value) or value < 0:
                    msg = f"the threshold of {a} must be a finite number >= 0"
                    raise ValueError(msg)
                if a == "overseas_share" and value > 1:
                    msg = f"overseas_share is a share between 0 and 1 (got {value:g})"
                    raise ValueError(msg)
        elif a in CRITERION_TEXTS:
            if op != "is":
                msg = f"{a} is a text: compare it with is, not {op!r}"
                raise ValueError(msg)
        else:
            if op not in ("includes", "any"):
                msg = f"{a} is a list: test it with includes or any, not {op!r}"
                raise ValueError(msg)
            allowed = OPERATOR_SERVICES if a == "services" else COUNTRY_GROUPS
            _items(self.threshold, allowed, a.replace("_", " "))
        return self


class OperatorRow(Row):
    """A candidate operator of a warehouse site (operators.csv) and its attributes.

    Empty cells are unknown. ``sourced`` 1 is a real firm a public source names; 0 a typical
    candidate, whose source must be labelled an assumption. Years are kept as the year the
    firm was registered (``registered_since``) and began operating the warehouse abroad
    (``abroad_since``), so that a criterion counts them to its scheme's date.
    """

    file: ClassVar[str] = "operators.csv"
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    site: str
    name: str
    name_zh: str | None = None
    sourced: int = Field(ge=0, le=1)
    registered_in: str | None = Field(default=None, pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
    registered_city: str | None = None
    registered_since: int | None = Field(default=None, ge=1900, le=2100)
    abroad_since: int | None = Field(default=None, ge=1900, le=2100)
    area_m2: float | None = Field(default=None, ge=0, le=1e7)
    overseas_share: float | None = Field(default=None, ge=0, le=1)
    odi_certificate: int | None = Field(default=None, ge=0, le=1)
    wms: int | None = Field(default=None, ge=0, le=1)
    firms_served: int | None = Field(default=None, ge=0, le=1_000_000)
    services: str | None = None
    country_groups: str | None = None

    @field_validator("services")
    @classmethod
    def _services(cls, v: str | None) -> str | None:
        return _items(v, OPERATOR_SERVICES, "services")

    @field_validator("country_groups")
    @classmethod
    def _groups(cls, v: str | None) -> str | None:
        return _items(v, COUNTRY_GROUPS, "country groups")

    @model_validator(mode="after")
    def _labelled(self) -> OperatorRow:
        if self.sourced == 0 and not self.is_assumption:
            msg = "a candidate that is not sourced (sourced 0) needs an 'assumption: ...' source"
            raise ValueError(msg)
        if self.sourced == 1 and self.is_assumption:
            msg = "a sourced operator (sourced 1) cannot have an assumption as its source"
            raise ValueError(msg)
        return self


TABLES: dict[str, type[Row]] = {
    "nodes": NodeRow,
    "services": ServiceRow,
    "warehouses": WarehouseRow,
    "products": ProductRow,
    "demand": DemandRow,
    "fx": FxRow,
    "parameters": ParameterRow,
}
OPTIONAL_TABLES: dict[str, type[Row]] = {
    "waypoints": WaypointRow,
    "warehouse_tiers": WarehouseTierRow,
    "duties": DutyRow,
    "charges": ChargeRow,
    "criteria": CriterionRow,
    "operators": OperatorRow,
}

#: Plausible range ``(low, high)`` of each parameter of parameters.csv (inclusive).
PARAMETER_RANGES: dict[str, tuple[float, float]] = {
    "feu_payload_t": (10.0, 32.0),
    "feu_volume_cbm": (40.0, 80.0),
    "teu_payload_t": (10.0, 30.0),
    "teu_volume_cbm": (20.0, 40.0),
    "truck_payload_t": (1.0, 45.0),
    "truck_volume_cbm": (10.0, 130.0),
    "fehc_payload_t": (10.0, 32.0),
    "fehc_volume_cbm": (40.0, 90.0),
    "air_volumetric_kg_per_cbm": (100.0, 400.0),
    "inventory_carrying_rate_per_year": (0.0, 1.0),
    "weeks_per_year": (48.0, 53.0),
    "unmet_penalty_cny_per_t": (0.0, 1e8),
    "teu_share_of_feu_rate": (0.3, 1.0),
    "service_level_z": (0.0, 4.0),
    "replenishment_review_days": (0.0, 60.0),
    "air_min_charge_cny": (0.0, 10_000.0),
    "air_break_n_factor": (1.0, 5.0),
    "air_break_45_factor": (0.5, 3.0),
    "air_break_100_factor": (0.5, 3.0),
    "air_break_300_factor": (0.5, 3.0),
    "air_break_500_factor": (0.3, 3.0),
    "air_break_1000_factor": (0.3, 3.0),
    "flat_rack_rate_factor": (1.0, 5.0),
    "oog_max_length_m": (5.0, 13.0),
    "oog_max_width_m": (2.0, 2.6),
    "oog_max_height_m": (2.0, 3.0),
    "flat_rack_max_t": (10.0, 60.0),
    "air_max_piece_height_m": (1.0, 3.2),
}

REQUIRED_PARAMETERS = (
    "feu_payload_t",
    "feu_volume_cbm",
    "teu_payload_t",
    "teu_volume_cbm",
    "truck_payload_t",
    "truck_volume_cbm",
    "air_volumetric_kg_per_cbm",
    "inventory_carrying_rate_per_year",
    "weeks_per_year",
    "unmet_penalty_cny_per_t",
)


def columns_of(model: type[Row]) -> list[str]:
    """CSV column names of a row model (aliases where set)."""
    out = []
    for name, info in model.model_fields.items():
        out.append(info.alias or name)
    return out


def required_columns(model: type[Row]) -> list[str]:
    """Columns that must be present in the header."""
    return [info.alias or name for name, info in model.model_fields.items() if info.is_required()]
