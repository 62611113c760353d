"""Load and validate a network data directory into a :class:`~optimizer.data.network.Network`.

Every problem in every file is collected first, then reported at once as a
:class:`~optimizer.errors.NetworkDataError` whose issues name the file, the
row (spreadsheet numbering: the header is row 1) and the field. Warnings
(rows without a real source, geometry for unknown services) are returned by
:func:`validate_network_dir` and raised as errors with ``strict=True``.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import networkx as nx
import pandas as pd
from pydantic import ValidationError
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from optimizer.data.info import PLAN_TARGETS_CNY
from optimizer.data.network import Network
from optimizer.data.provenance import read_provenance, row_id
from optimizer.data.schema import (
    OPTIONAL_TABLES,
    PARAMETER_RANGES,
    REQUIRED_PARAMETERS,
    TABLES,
    ChargeRow,
    CriterionRow,
    DemandRow,
    NodeRow,
    OperatorRow,
    ParameterRow,
    ProductRow,
    Row,
    ServiceRow,
    WarehouseRow,
    columns_of,
    plain_message,
    required_columns,
)
from optimizer.errors import Issue, NetworkDataError

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "network_data"
GEOMETRY_FILE = "geometry.geojson"


class DataWarning(UserWarning):
    """A data problem that does not stop loading (e.g. a row without a source)."""


def read_table(path: Path, model: type[Row]) -> tuple[list[tuple[int, Row]], list[Issue]]:
    """Read one CSV file into validated rows.

    Returns the rows that validated, each with its spreadsheet row number,
    and the issues found (encoding, header, cell values).
    """
    name = path.name
    issues: list[Issue] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [Issue(name, None, None, f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [
            Issue(
                name,
                line,
                None,
                f"file is not UTF-8 (byte {exc.start} on row {line} cannot be decoded); "
                "save it as UTF-8 (e.g. from GBK)",
            )
        ]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [Issue(name, None, None, "file is empty (no header row)")]
    except csv.Error as exc:
        return [], [Issue(name, 1, None, f"CSV error: {exc}")]
    header = [h.strip() for h in header]
    known = columns_of(model)
    unknown = [h for h in header if h not in known]
    for h in unknown:
        hint = _close(h, known)
        issues.append(
            Issue(name, 1, h, "unknown column" + (f"; did you mean {hint!r}?" if hint else ""))
        )
    missing = [c for c in required_columns(model) if c not in header]
    for c in missing:
        issues.append(Issue(name, 1, c, "required column is missing"))
    dupes = [h for h, n in Counter(header).items() if n > 1]
    for h in dupes:
        issues.append(Issue(name, 1, h, "column appears more than once"))
    if missing or dupes:
        return [], issues
    rows: list[tuple[int, Row]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                issues.append(
                    Issue(name, number, None, f"has {len(cells)} cells, header has {len(header)}")
                )
                continue
            record = {h: c for h, c in zip(header, cells, strict=True) if h in known}
            try:
                rows.append((number, model.model_validate(record)))
            except ValidationError as exc:
                for err in exc.errors():
                    loc = err.get("loc") or ()
                    fld = str(loc[0]) if loc else None
                    if fld == "from_":
                        fld = "from"
                    value = record.get(fld) if fld else None
                    text_msg = plain_message(err.get("msg", "invalid"))
                    if value not in (None, ""):
                        text_msg += f" (got {value!r})"
                    issues.append(Issue(name, number, fld, text_msg))
    except csv.Error as exc:
        issues.append(Issue(name, reader.line_num, None, f"CSV error: {exc}"))
    return rows, issues


def _close(word: str, choices: Iterable[str]) -> str | None:
    import difflib

    hit = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return hit[0] if hit else None


R = TypeVar("R", bound=Row)


def _typed(rows: list[tuple[int, Row]], model: type[R]) -> list[tuple[int, R]]:
    """The rows of one table as their own row type (they are, once read with ``model``)."""
    return [(n, r) for n, r in rows if isinstance(r, model)]


def _duplicates(
    file: str, rows: list[tuple[int, Row]], key: str, issues: list[Issue]
) -> dict[str, tuple[int, Row]]:
    seen: dict[str, tuple[int, Row]] = {}
    for number, row in rows:
        value = getattr(row, key)
        if value in seen:
            issues.append(
                Issue(
                    file, number, key, f"duplicate {key} {value!r} (first on row {seen[value][0]})"
                )
            )
        else:
            seen[value] = (number, row)
    return seen


def load_network(
    directory: str | Path | None = None, *, strict: bool = False, check_reach: bool = True
) -> Network:
    """Load a network data directory.

    Parameters
    ----------
    directory
        Folder holding the CSV files (default: the bundled ``network_data``).
    strict
        Treat warnings (e.g. rows without a source) as errors.
    check_reach
        Check that every demand's market can be reached from its origin.

    Raises
    ------
    NetworkDataError
        Listing every problem found, each with file, row and field.
    """
    network, problems = _load(directory, check_reach=check_reach)
    errors = [p for p in problems if p.severity == "error"]
    warns = [p for p in problems if p.severity == "warning"]
    if strict:
        errors += warns
    if errors or network is None:
        raise NetworkDataError(errors, str(directory or DEFAULT_DATA_DIR))
    for w in warns:
        warnings.warn(str(w), DataWarning, stacklevel=2)
    return network


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of every file of a data directory."""
    return tuple(
        (f.name, st.st_size, st.st_mtime_ns)
        for f in sorted(directory.iterdir())
        if f.is_file() and (st := f.stat())
    )


@functools.lru_cache(maxsize=8)
def _load_cached(
    directory: str, signature: tuple[tuple[str, int, int], ...], strict: bool
) -> Network:
    del signature  # part of the cache key only
    return load_network(directory, strict=strict)


def load_base_network(directory: str | Path | None = None, *, strict: bool = False) -> Network:
    """Load a data directory once, reusing it while its files are unchanged.

    For scenarios, studies and long-running front ends that load the same base
    data many times: the network is cached by the directory's path and the
    size and modification time of each of its files, so an edited file is
    read again. Data warnings are issued on the first load only; ``strict``
    makes them errors.

    Raises
    ------
    NetworkDataError
        Listing every problem found, each with file, row and field.
    """
    base = Path(directory or DEFAULT_DATA_DIR).resolve()
    if not base.is_dir():
        return load_network(base)  # raises with the reason
    return _load_cached(str(base), _signature(base), strict)


def validate_network_dir(
    directory: str | Path | None = None, *, strict: bool = False
) -> tuple[Network | None, list[Issue]]:
    """Load a directory and return ``(network or None, every issue)`` without raising."""
    network, problems = _load(directory, check_reach=True)
    if strict:
        problems = [dataclass_replace(p, severity="error") for p in problems]
    if any(p.severity == "error" for p in problems):
        network = None
    return network, problems


def dataclass_replace(issue: Issue, **kw: Any) -> Issue:
    """A copy of ``issue`` with some fields changed."""
    return dataclasses.replace(issue, **kw)


def _load(directory: str | Path | None, *, check_reach: bool) -> tuple[Network | None, list[Issue]]:
    base = Path(directory) if directory is not None else DEFAULT_DATA_DIR
    issues: list[Issue] = []
    if not base.is_dir():
        return None, [Issue(str(base), None, None, "network data directory not found")]
    tables: dict[str, list[tuple[int, Row]]] = {}
    for stem, model in {**TABLES, **OPTIONAL_TABLES}.items():
        path = base / f"{stem}.csv"
        if not path.exists():
            if stem in TABLES:
                issues.append(Issue(path.name, None, None, "required file is missing"))
            tables[stem] = []
            continue
        rows, found = read_table(path, model)
        issues.extend(found)
        tables[stem] = rows

    # -- keys and sources ---------------------------------------------------
    keyed: dict[str, dict[str, tuple[int, Row]]] = {}
    for stem, model in {**TABLES, **OPTIONAL_TABLES}.items():
        if model.key:
            keyed[stem] = _duplicates(model.file, tables[stem], model.key, issues)
    for stem, rows in tables.items():
        for number, row in rows:
            if row.is_assumption and len(row.source.split(":", 1)[-1].strip()) < 3:
                issues.append(
                    Issue(
                        f"{stem}.csv",
                        number,
                        "source",
                        "an assumption needs a one-line reason ('assumption: ...')",
                        "warning",
                    )
                )

    service_rows = _typed(tables["services"], ServiceRow)
    warehouse_rows = _typed(tables["warehouses"], WarehouseRow)
    demand_rows = _typed(tables["demand"], DemandRow)
    nodes = {str(r.id): (n, r) for n, r in _typed(list(keyed.get("nodes", {}).values()), NodeRow)}
    products = {
        str(r.id): (n, r) for n, r in _typed(list(keyed.get("products", {}).values()), ProductRow)
    }
    warehouses = {
        str(r.node_id): (n, r)
        for n, r in _typed(list(keyed.get("warehouses", {}).values()), WarehouseRow)
    }

    def ref(file: str, number: int, fld: str, value: str, kinds: tuple[str, ...] = ()) -> bool:
        if value not in nodes:
            hint = _close(value, nodes)
            issues.append(
                Issue(
                    file,
                    number,
                    fld,
                    f"unknown node {value!r}" + (f"; did you mean {hint!r}?" if hint else ""),
                )
            )
            return False
        kind = nodes[value][1].kind
        if kinds and kind not in kinds:
            issues.append(
                Issue(
                    file, number, fld, f"node {value!r} is a {kind}, expected {' or '.join(kinds)}"
                )
            )
            return False
        return True

    for number, svc in service_rows:
        ref("services.csv", number, "from", svc.from_)
        ref("services.csv", number, "to", svc.to)
        for v in svc.via_nodes:
            ref("services.csv", number, "via", v)
        if svc.rate_basis in ("FEU", "TEU", "truck") and svc.mode in ("air", "last_mile"):
            issues.append(
                Issue(
                    "services.csv",
                    number,
                    "rate_basis",
                    f"{svc.mode} services are priced by weight, not per {svc.rate_basis}",
                )
            )
        if svc.mode == "last_mile" and svc.to in nodes and nodes[svc.to][1].kind != "market":
            issues.append(
                Issue("services.csv", number, "to", "a last_mile service must end at a market")
            )
    for number, wh in warehouse_rows:
        ref("warehouses.csv", number, "node_id", wh.node_id, ("warehouse",))
        if wh.has_tiers and not tables["warehouse_tiers"]:
            issues.append(
                Issue(
                    "warehouses.csv",
                    number,
                    "rent_cny_per_m2_year",
                    "owned tiers are priced from rent and wages, but warehouse_tiers.csv "
                    "is missing or empty",
                )
            )
    wh_clean = not any(i.file == "warehouses.csv" for i in issues)
    for node_id, (number, node) in nodes.items():
        if wh_clean and node.kind == "warehouse" and node_id not in warehouses:
            issues.append(
                Issue(
                    "nodes.csv",
                    number,
                    "id",
                    f"warehouse node {node_id!r} has no row in warehouses.csv",
                )
            )
    for number, dem in demand_rows:
        ref("demand.csv", number, "origin", dem.origin, ("origin",))
        ref("demand.csv", number, "market", dem.market, ("market",))
        if dem.product not in products:
            hint = _close(dem.product, products)
            issues.append(
                Issue(
                    "demand.csv",
                    number,
                    "product",
                    f"unknown product {dem.product!r}"
                    + (f"; did you mean {hint!r}?" if hint else ""),
                )
            )
    fx = keyed.get("fx", {})
    for number, svc in service_rows:
        if svc.currency not in fx:
            issues.append(
                Issue(
                    "services.csv",
                    number,
                    "currency",
                    f"no exchange rate for {svc.currency} in fx.csv",
                )
            )
    for number, charge in _typed(tables["charges"], ChargeRow):
        if charge.currency not in fx:
            issues.append(
                Issue(
                    "charges.csv",
                    number,
                    "currency",
                    f"no exchange rate for {charge.currency} in fx.csv",
                )
            )
    for number, op in _typed(tables["operators"], OperatorRow):
        ref("operators.csv", number, "site", op.site, ("warehouse",))
    scheme_date: dict[str, tuple[int, Any]] = {}
    for number, crit in _typed(tables["criteria"], CriterionRow):
        first = scheme_date.setdefault(crit.scheme, (number, crit.as_of))
        if first[1] != crit.as_of:
            issues.append(
                Issue(
                    "criteria.csv",
                    number,
                    "as_of",
                    f"scheme {crit.scheme!r} is dated {first[1]} in row {first[0]}: "
                    "every criterion of a scheme has the same as_of",
                )
            )
    params: dict[str, float] = {}
    for name, (number, row) in keyed.get("parameters", {}).items():
        assert isinstance(row, ParameterRow)
        params[name] = row.value
        bounds = PARAMETER_RANGES.get(name)
        if bounds is not None and not bounds[0] <= row.value <= bounds[1]:
            issues.append(
                Issue(
                    "parameters.csv",
                    number,
                    "value",
                    f"{name} = {row.value:g} is outside its plausible range "
                    f"{bounds[0]:g} to {bounds[1]:g}" + (f" {row.unit}" if row.unit else ""),
                )
            )
    bad_parameters = any(i.file == "parameters.csv" for i in issues)
    for name in REQUIRED_PARAMETERS:
        if tables["parameters"] and name not in params and not bad_parameters:
            issues.append(
                Issue("parameters.csv", None, "name", f"required parameter {name!r} is missing")
            )
    if (
        (base / "demand.csv").exists()
        and not tables["demand"]
        and not any(i.file == "demand.csv" for i in issues)
    ):
        issues.append(
            Issue("demand.csv", None, None, "no demand rows: there is nothing to route", "warning")
        )
    issues.extend(_demand_scale_issues(demand_rows, nodes, products))

    # Warehouses must reach a market by last mile.
    last_mile_from = {
        svc.from_ for _, svc in service_rows if svc.mode == "last_mile" and svc.active == 1
    }
    for node_id, (number, _wh) in warehouses.items():
        if node_id in nodes and node_id not in last_mile_from:
            issues.append(
                Issue(
                    "warehouses.csv",
                    number,
                    "node_id",
                    f"warehouse {node_id!r} has no active last_mile service to any market",
                )
            )

    if any(i.severity == "error" for i in issues):
        return None, issues

    provenance, found = read_provenance(base, *_ids_and_fields(tables))
    issues.extend(found)
    if any(i.severity == "error" for i in issues):
        return None, issues

    network = _assemble(base, tables, params, provenance)

    # Geometry problems are warnings: a service without a feature is drawn straight.
    issues.extend(_geometry_issues(base, network))

    if check_reach:
        g = network.graph
        reach_cache: dict[str, set[str]] = {}
        for number, dem in demand_rows:
            o, m = dem.origin, dem.market
            if o not in reach_cache:
                reach_cache[o] = set(nx.descendants(g, o)) if o in g else set()
            if m not in reach_cache[o]:
                issues.append(
                    Issue(
                        "demand.csv",
                        number,
                        "market",
                        f"market {m!r} cannot be reached from origin {o!r} by any active service",
                    )
                )
    if any(i.severity == "error" for i in issues):
        return None, issues
    return network, issues


#: Demand worth more than this multiple of a city's plan target, or less than
#: :data:`TARGET_LOW` of it, is flagged (kg typed as t is a factor of 1,000).
TARGET_HIGH = 5.0
TARGET_LOW = 1e-3


def _demand_scale_issues(
    demand: list[tuple[int, DemandRow]],
    nodes: dict[str, tuple[int, NodeRow]],
    products: dict[str, tuple[int, ProductRow]],
) -> list[Issue]:
    """Warnings when a city's demand value is far from its plan target (a unit mix-up)."""
    value: dict[str, float] = {}
    for _number, row in demand:
        node, product = nodes.get(row.origin), products.get(row.product)
        if node is None or product is None or node[1].city is None:
            continue
        city = node[1].city
        value[city] = value.get(city, 0.0) + row.tonnes_per_year * product[1].value_cny_per_t
    out = []
    for city, target in PLAN_TARGETS_CNY.items():
        v = value.get(city)
        if v is None:
            continue
        ratio = v / target
        if ratio > TARGET_HIGH or ratio < TARGET_LOW:
            out.append(
                Issue(
                    "demand.csv",
                    None,
                    "tonnes_per_year",
                    f"{city}'s demand is worth {v / 1e9:,.3g} bn CNY a year, {ratio:,.3g} times "
                    f"its plan target of {target / 1e9:g} bn: a unit mix-up (kg typed as t, "
                    "or t as kg)?",
                    "warning",
                )
            )
    return out


def _frame(rows: list[tuple[int, Row]], model: type[Row], key: str | None) -> pd.DataFrame:
    cols = columns_of(model)
    records = []
    for _, row in rows:
        data = row.model_dump(by_alias=True)
        records.append({c: data.get(c) for c in cols})
    frame = pd.DataFrame.from_records(records, columns=cols)
    if key:
        frame = frame.set_index(key, drop=False)
        frame.index.name = None
    return frame


def _ids_and_fields(
    tables: dict[str, list[tuple[int, Row]]],
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per data file, its row ids (as provenance.csv names them) and its columns."""
    ids: dict[str, set[str]] = {}
    fields: dict[str, set[str]] = {}
    for stem, model in {**TABLES, **OPTIONAL_TABLES}.items():
        file = f"{stem}.csv"
        fields[file] = set(columns_of(model))
        ids[file] = {
            row_id(file, row.model_dump(by_alias=True), model.key) for _, row in tables[stem]
        }
    return ids, fields


def _assemble(
    base: Path,
    tables: dict[str, list[tuple[int, Row]]],
    params: dict[str, float],
    provenance: pd.DataFrame,
) -> Network:
    nodes = _frame(tables["nodes"], TABLES["nodes"], "id")
    nodes["open"] = True
    nodes_gdf = gpd.GeoDataFrame(
        nodes,
        geometry=[Point(lon, lat) for lon, lat in zip(nodes["lon"], nodes["lat"], strict=True)],
        crs="EPSG:4326",
    )
    services = _frame(tables["services"], TABLES["services"], "id")
    services["via"] = [row.via_nodes for _, row in _typed(tables["services"], ServiceRow)]
    for col in ("transit_h_max", "departures_per_week", "lcl_rate", "units_per_departure"):
        services[col] = services[col].astype(float)
    geoms = _read_geometry(base)
    lonlat = {
        str(k): (float(x), float(y))
        for k, x, y in zip(
            nodes.index, nodes["lon"].astype(float), nodes["lat"].astype(float), strict=True
        )
    }
    lines: list[BaseGeometry] = []
    for sid, svc in services.iterrows():
        geom = geoms.get(str(sid))
        if geom is None:
            pts = [svc["from"], *svc["via"], svc["to"]]
            geom = LineString([lonlat[str(p)] for p in pts])
        lines.append(geom)
    services_gdf = gpd.GeoDataFrame(services, geometry=lines, crs="EPSG:4326")
    sources = []
    for stem, table in tables.items():
        key = {**TABLES, **OPTIONAL_TABLES}[stem].key
        for number, row in table:
            sources.append(
                {
                    "file": f"{stem}.csv",
                    "row": number,
                    "key": getattr(row, key) if key else str(number),
                    "source": row.source,
                    "assumption": row.is_assumption,
                }
            )
    return Network(
        nodes=nodes_gdf,
        services=services_gdf,
        warehouses=_frame(tables["warehouses"], TABLES["warehouses"], "node_id"),
        products=_frame(tables["products"], TABLES["products"], "id"),
        demand=_frame(tables["demand"], TABLES["demand"], "id"),
        fx=_frame(tables["fx"], TABLES["fx"], "currency"),
        parameters=dict(params),
        sources=pd.DataFrame(sources, columns=["file", "row", "key", "source", "assumption"]),
        provenance=provenance,
        warehouse_tiers=_frame(
            tables["warehouse_tiers"], OPTIONAL_TABLES["warehouse_tiers"], "tier"
        ),
        duties=_frame(tables["duties"], OPTIONAL_TABLES["duties"], "id"),
        charges=_frame(tables["charges"], OPTIONAL_TABLES["charges"], "id"),
        criteria=_frame(tables["criteria"], OPTIONAL_TABLES["criteria"], "id"),
        operators=_frame(tables["operators"], OPTIONAL_TABLES["operators"], "id"),
        data_dir=str(base),
    )


def _read_geometry(base: Path) -> dict[str, BaseGeometry]:
    path = base / GEOMETRY_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    out: dict[str, BaseGeometry] = {}
    for feature in _features(data):
        sid = (feature.get("properties") or {}).get("service_id")
        if sid and feature.get("geometry"):
            try:
                out[str(sid)] = shape(feature["geometry"])
            except (ValueError, TypeError, AttributeError):
                continue
    return out


def _features(data: Any) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection (none when it is not one)."""
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        return []
    return [f for f in data["features"] if isinstance(f, dict)]


def _geometry_issues(base: Path, network: Network) -> list[Issue]:
    path = base / GEOMETRY_FILE
    if not path.exists():
        return []  # documented: services without geometry are drawn straight
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return [Issue(GEOMETRY_FILE, None, None, "file is not UTF-8")]
    except json.JSONDecodeError as exc:
        return [Issue(GEOMETRY_FILE, exc.lineno, None, f"invalid JSON: {exc.msg}")]
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        return [
            Issue(
                GEOMETRY_FILE,
                None,
                None,
                "not a GeoJSON FeatureCollection (an object with a 'features' list)",
            )
        ]
    issues = []
    for i, feature in enumerate(data["features"]):
        if not isinstance(feature, dict):
            issues.append(
                Issue(GEOMETRY_FILE, None, f"features[{i}]", "not a GeoJSON feature object")
            )
            continue
        sid = (feature.get("properties") or {}).get("service_id")
        if sid not in network.services.index:
            issues.append(
                Issue(
                    GEOMETRY_FILE,
                    None,
                    f"features[{i}].properties.service_id",
                    f"geometry for unknown service {sid!r}",
                    "warning",
                )
            )
    return issues
