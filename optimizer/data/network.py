"""The immutable :class:`Network`: nodes, services, warehouses, products, demand.

A ``Network`` knows its data and graph and nothing of solvers. Scenarios
change it only through :meth:`Network.replace`, which returns a new object.
"""

from __future__ import annotations

import dataclasses
import difflib
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimizer.errors import InputError

HOURS_PER_WEEK = 168.0


@dataclass(frozen=True, eq=False)
class Network:
    """A validated multimodal network (EPSG:4326).

    Attributes
    ----------
    nodes
        GeoDataFrame indexed by node id (``docs/data_model.md``, nodes.csv).
    services
        GeoDataFrame indexed by service id; ``via`` holds a tuple of node ids;
        geometry is the service's drawn line.
    warehouses, products, demand, fx
        DataFrames indexed by their key column; a demand's ``customs_mode``
        holds the channels it may use, joined by ``;`` (``9610;9810``).
    warehouse_tiers
        The owned size tiers offered at every site priced from its rent and
        wages (warehouse_tiers.csv; empty: each site has its one size).
    charges
        A forwarder's fees and surcharges by mode, place and basis (charges.csv, indexed
        by id; empty: quotes carry freight, handling and border fees only), see
        :mod:`optimizer.pricing.charges`.
    duties
        Import duty and VAT by destination, product class and customs channel (duties.csv,
        indexed by id; empty when the file is absent), see :mod:`optimizer.pricing.duties`.
    criteria
        Recognition criteria of public overseas-warehouse schemes (criteria.csv, indexed by
        id; empty when the file is absent), see :mod:`optimizer.models.criteria`.
    operators
        Candidate operators of the warehouse sites and their attributes (operators.csv,
        indexed by id; ``sourced`` 1 a real firm, 0 a typical candidate labelled an
        assumption; empty when the file is absent).
    parameters
        Global figures from parameters.csv.
    sources
        One row per data row: ``file, key, source, assumption``.
    provenance
        One row per figure (provenance.csv: ``file, id, field, kind, source, date, note``;
        empty when the directory has none), see :mod:`optimizer.data.provenance`.
    """

    nodes: gpd.GeoDataFrame
    services: gpd.GeoDataFrame
    warehouses: pd.DataFrame
    products: pd.DataFrame
    demand: pd.DataFrame
    fx: pd.DataFrame
    parameters: dict[str, float]
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)
    warehouse_tiers: pd.DataFrame = field(default_factory=pd.DataFrame)
    charges: pd.DataFrame = field(default_factory=pd.DataFrame)
    duties: pd.DataFrame = field(default_factory=pd.DataFrame)
    criteria: pd.DataFrame = field(default_factory=pd.DataFrame)
    operators: pd.DataFrame = field(default_factory=pd.DataFrame)
    data_dir: str = ""
    name: str = "base"

    def replace(self, **changes: Any) -> Network:
        """A copy with some fields replaced (cached views are rebuilt)."""
        return dataclasses.replace(self, **changes)

    # -- lookups ------------------------------------------------------------
    def param(self, name: str) -> float:
        """A global parameter by name.

        Raises
        ------
        InputError
            When the parameter is missing.
        """
        try:
            return float(self.parameters[name])
        except KeyError:
            msg = f"parameter {name!r} is missing from parameters.csv"
            raise InputError(msg) from None

    def cny(self, amount: float | np.ndarray, currency: str | pd.Series) -> Any:
        """Convert an amount in ``currency`` to CNY."""
        rate = self.fx["cny_per_unit"]
        if isinstance(currency, pd.Series):
            return amount * currency.map(rate).to_numpy()
        return amount * float(rate[currency])

    @cached_property
    def active_services(self) -> gpd.GeoDataFrame:
        """Services that run: active, and every node they touch open."""
        s = self.services
        closed_nodes = set(self.nodes.index[~self.nodes["open"]]) if "open" in self.nodes else set()
        touches_closed = (
            s.apply(
                lambda r: (
                    r["from"] in closed_nodes
                    or r["to"] in closed_nodes
                    or any(v in closed_nodes for v in r["via"])
                ),
                axis=1,
            )
            if closed_nodes
            else pd.Series(False, index=s.index)
        )
        return s[(s["active"] == 1) & ~touches_closed.astype(bool)]

    @cached_property
    def service_table(self) -> pd.DataFrame:
        """Active services with derived columns in CNY and hours.

        ``rate_cny``, ``lcl_rate_cny``: rates converted to CNY;
        ``via_dwell_h`` / ``via_dwell_h_max``: dwell at the via nodes;
        ``via_fee_cny_per_t``: border fees at the via nodes;
        ``wait_h``: expected wait for the next departure (half the headway);
        ``leg_h`` / ``leg_h_max``: running time + via dwell (no wait).
        """
        s = pd.DataFrame(self.active_services.drop(columns="geometry"))
        dwell = self.nodes["dwell_h"]
        dwell_max = self.nodes["dwell_h_max"].fillna(self.nodes["dwell_h"])
        fee = self.nodes["border_fee_cny_per_t"]
        s["via_dwell_h"] = [float(sum(dwell[v] for v in via)) for via in s["via"]]
        s["via_dwell_h_max"] = [float(sum(dwell_max[v] for v in via)) for via in s["via"]]
        s["via_fee_cny_per_t"] = [float(sum(fee[v] for v in via)) for via in s["via"]]
        dep = s["departures_per_week"].astype(float)
        s["wait_h"] = np.where(dep.notna(), HOURS_PER_WEEK / (2.0 * dep.fillna(1.0)), 0.0)
        s["leg_h"] = s["transit_h"] + s["via_dwell_h"]
        s["leg_h_max"] = s["transit_h_max"].fillna(s["transit_h"]) + s["via_dwell_h_max"]
        fx = self.fx["cny_per_unit"]
        s["rate_cny"] = s["rate"].astype(float) * s["currency"].map(fx).astype(float)
        s["lcl_rate_cny"] = s["lcl_rate"].astype(float) * s["currency"].map(fx).astype(float)
        return s

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Directed multigraph of the active services (edge key = service id)."""
        g: nx.MultiDiGraph = nx.MultiDiGraph()
        for node_id, row in self.nodes.iterrows():
            g.add_node(node_id, kind=row["kind"], name=row["name"])
        for sid, row in self.service_table.iterrows():
            g.add_edge(row["from"], row["to"], key=sid, mode=row["mode"], hours=row["leg_h"])
        return g

    def nodes_of_kind(self, *kinds: str) -> list[str]:
        return sorted(self.nodes.index[self.nodes["kind"].isin(kinds)])

    # -- names -------------------------------------------------------------
    def node_name(self, node_id: str, lang: str = "en") -> str:
        """A node's name in English (``lang="en"``) or Chinese (``"zh"``, from
        ``name_zh``; the English name where the data has none); the id when unknown."""
        names = self._names.get(node_id)
        if names is None:
            return str(node_id)
        return names[1] if lang == "zh" and names[1] else names[0]

    @cached_property
    def _names(self) -> dict[str, tuple[str, str]]:
        """Node id -> (English name, Chinese name or "")."""
        zh = self.nodes["name_zh"] if "name_zh" in self.nodes else [None] * len(self.nodes)
        return {
            str(i): (str(n), z if isinstance(z, str) else "")
            for i, n, z in zip(self.nodes.index, self.nodes["name"], zh, strict=True)
        }

    @cached_property
    def _name_index(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Folded node labels (id, English and Chinese names) and city names (English,
        and Chinese for the Sichuan cities) to the node ids they name."""
        exact: dict[str, set[str]] = {}
        cities: dict[str, set[str]] = {}
        for node, row in self.nodes.iterrows():
            node_id = str(node)
            for label in (node_id, row["name"], row["name_zh"]):
                if isinstance(label, str) and label:
                    exact.setdefault(_fold(label), set()).add(node_id)
            city = row.get("city")
            if isinstance(city, str) and city:
                cities.setdefault(_fold(city), set()).add(node_id)
                if city in _CITY_ZH:
                    cities.setdefault(_fold(_CITY_ZH[city]), set()).add(node_id)
        return exact, cities

    def names_node(self, text: str, node_id: str) -> bool:
        """Whether ``text`` is the node's id or its English or Chinese name (folded as
        :meth:`resolve_place` folds it)."""
        if text == node_id:
            return True
        if node_id not in self.nodes.index:
            return False
        want = _fold(text)
        return any(
            isinstance(label, str) and label and _fold(label) == want
            for label in (self.nodes.at[node_id, "name"], self.nodes.at[node_id, "name_zh"])
        )

    def resolve_place(self, text: str, role: str) -> tuple[str, ...]:
        """The nodes a place stands for as the ``origin`` or ``destination`` of a shipment.

        A node id, or a node's full English or Chinese name, is that node. A city (its
        English or Chinese name) stands for the door in it: as an origin its economic zone
        (the one nearest the centre when it has several: a shipper in another zone names
        it), as a destination its market; a city without one stands for all its nodes (the
        airport, port, rail terminal and warehouse), and the quote starts or ends at
        whichever serves best. Matching folds case and accents; ``经开区`` and
        ``高新区`` stand for the full ``经济技术开发区`` and ``高新技术产业开发区``.

        Raises
        ------
        InputError
            When nothing matches, or a name matches nodes of several cities: the message
            lists the candidates with their kinds.
        """
        if role not in PLACE_ROLES:
            msg = f"role must be one of {', '.join(PLACE_ROLES)}, got {role!r}"
            raise ValueError(msg)
        if text in self.nodes.index:
            return (text,)
        # a city's ends take pandas look-ups (1.5-6 ms); a network is immutable, so the
        # answers are kept (a bounded number of them: the texts come from requests)
        memo = self._places
        hit = memo.get((text, role))
        if hit is None:
            if len(memo) >= 4096:
                memo.clear()
            hit = memo[(text, role)] = self._resolve_place(text, role)
        return hit

    @cached_property
    def _places(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """The places :meth:`resolve_place` resolved (text, role) -> node ids."""
        return {}

    def _resolve_place(self, text: str, role: str) -> tuple[str, ...]:
        want = _fold(text)
        labels, cities = self._name_index
        exact = set(labels.get(want, ()))
        city_hits = set(cities.get(want, ()))
        if len(exact) == 1:
            return (exact.pop(),)
        hits = exact or city_hits
        if not hits:
            return (self.resolve_node(text),)
        if len({str(self.nodes.at[h, "city"]) for h in hits}) > 1:
            raise InputError(self._ambiguous(text, hits))
        return self._city_ends(sorted(hits), role)

    def _city_ends(self, nodes: list[str], role: str) -> tuple[str, ...]:
        kinds = self.nodes.loc[nodes, "kind"]
        ends = list(kinds.index[kinds == _ENDS[role]])
        if role == "origin" and len(ends) > 1:
            pts = self.nodes.loc[ends, ["lat", "lon"]].astype(float)
            centre = pts.mean()
            ends = [str(((pts - centre) ** 2).sum(axis=1).idxmin())]
        if ends:
            return tuple(sorted(ends))
        return tuple(n for n in nodes if kinds[n] != _NEVER[role])

    def _ambiguous(self, text: str, hits: set[str]) -> str:
        listing = "; ".join(
            f"{h} ({self.nodes.at[h, 'name']!s}, {self.nodes.at[h, 'kind']!s}, "
            f"{self.nodes.at[h, 'city']!s})"
            for h in sorted(hits)[:10]
        )
        return f"{text!r} matches nodes in several places: {listing}; give a node id or city"

    def resolve_node(self, text: str) -> str:
        """Resolve a node id or an English or Chinese name to a node id.

        Matching is case- and accent-insensitive; a unique prefix or substring
        of a name is accepted.

        Raises
        ------
        InputError
            When nothing or several nodes match; the message lists close matches.
        """
        if text in self.nodes.index:
            return text
        want = _fold(text)
        exact, cities = self._name_index
        if want in exact and len(exact[want]) == 1:
            return next(iter(exact[want]))
        hits = set(exact.get(want, set())) | set(cities.get(want, set()))
        if not hits:
            tokens = want.split()
            hits = {
                nid
                for label, ids in {**cities, **exact}.items()
                if tokens and all(t in label for t in tokens)
                for nid in ids
            }
        if len(hits) == 1:
            return next(iter(hits))
        if hits:
            # A city or partial name: prefer the hub a shipper means by it.
            kinds = self.nodes.loc[sorted(hits), "kind"]
            for kind in _PREFERRED_KINDS:
                chosen = list(kinds.index[kinds == kind])
                if len(chosen) == 1:
                    return chosen[0]
                if kind == "origin" and chosen:
                    # several zones of one city: the one nearest their centre
                    pts = self.nodes.loc[chosen, ["lat", "lon"]].astype(float)
                    centre = pts.mean()
                    dist = ((pts - centre) ** 2).sum(axis=1)
                    return str(dist.idxmin())
            listing = ", ".join(
                f"{h} ({self.nodes.at[h, 'name']!s}, {self.nodes.at[h, 'kind']!s})"
                for h in sorted(hits)[:8]
            )
            msg = f"{text!r} matches several nodes: {listing}; give a node id"
            raise InputError(msg)
        labels = {**cities, **exact}
        close = difflib.get_close_matches(want, list(labels), n=8, cutoff=0.5)
        seen: list[str] = []
        for c in close:
            for nid in sorted(labels[c]):
                if nid not in seen:
                    seen.append(nid)
        hint = ", ".join(f"{n} ({self.nodes.at[n, 'name']!s})" for n in seen[:5])
        msg = f"unknown node {text!r}" + (f"; close matches: {hint}" if hint else "")
        raise InputError(msg)


_CITY_ZH = {"Deyang": "德阳", "Mianyang": "绵阳", "Chengdu": "成都", "Chongqing": "重庆"}

#: Where a shipment starts or ends when a place is a city: the kinds of node a city's
#: name stands for, by role (an origin zone is the shipper's door, a market the buyer's).
PLACE_ROLES = ("origin", "destination")
_ENDS = {"origin": "origin", "destination": "market"}
_NEVER = {"origin": "market", "destination": "origin"}

_PREFERRED_KINDS = (
    "rail_port",
    "origin",
    "rail_terminal",
    "seaport",
    "airport",
    "warehouse",
    "market",
    "border_crossing",
    "hub",
    "bonded_zone",
    "river_port",
    "chokepoint",
)


_LETTERS = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss"})


#: Chinese abbreviations of zone names, folded to one spelling.
_ZH_SHORT = (("经济技术开发区", "经开区"), ("高新技术产业开发区", "高新区"))


def _fold(text: str) -> str:
    text = str(text)
    for full, short in _ZH_SHORT:
        text = text.replace(full, short)
    norm = unicodedata.normalize("NFKD", text.translate(_LETTERS)).casefold()
    norm = "".join(ch for ch in norm if not unicodedata.combining(ch))
    return " ".join(norm.replace("_", " ").replace("-", " ").split())
