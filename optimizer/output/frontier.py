"""A warehouse-count frontier as files: frontier.json and .csv, frontier.md, frontier.html.

The frontier solves one scenario again and again with a limit of at most K
warehouse sites, K = 1, 2, ...; each point says what the best network with
that many sites costs, which sites it uses and what changed from the point
before. The question an official asks of it is where one more warehouse
stops paying: :func:`stops_paying` answers it (the first count after which
every further saving is below a threshold, 1 M CNY a year by default).

A point is a plain dict (the command's JSON contract)::

    {"warehouses": 3, "used": 3, "status": "optimal", "gap": 0.0, "bound": ...,
     "seconds": 12.5, "total_cost_cny": ..., "logistics_cost_cny": ...,
     "co2_tonnes": ..., "on_promise_share": 0.93, "unmet_tonnes": 0.0,
     "open": [...], "added": [...], "dropped": [...], "saving_cny": ...}

The page (``frontier.html``) is self-contained: inline styles and SVG, no
script, nothing from a CDN, readable offline and when printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from optimizer.data.network import Network
from optimizer.format import as_number, millions, number, percent
from optimizer.output.charts import MINUS, line_chart
from optimizer.output.csvtext import records_csv
from optimizer.output.html import environment
from optimizer.output.markdown import md_table
from optimizer.results.folders import OutputFolder, mark_page

#: Below this saving a year (CNY), one more warehouse "stops paying" by default.
THRESHOLD_CNY = 1e6

#: The columns of frontier.csv, in order (any other key of a point follows them).
CSV_COLUMNS = (
    "warehouses",
    "used",
    "status",
    "gap",
    "bound",
    "seconds",
    "total_cost_cny",
    "logistics_cost_cny",
    "co2_tonnes",
    "on_promise_share",
    "unmet_tonnes",
    "saving_cny",
    "open",
    "added",
    "dropped",
)

Point = Mapping[str, Any]


# -- numbers ---------------------------------------------------------------------------------


def _m(x: Any, digits: int = 2, sign: bool = False) -> str:
    """Millions with a real minus sign, and no ``-0.00``."""
    text = millions(x, digits, sign=sign)
    if text == "-":  # missing
        return text
    if text.lstrip("+-") == number(0.0, digits):
        return number(0.0, digits)
    return text.replace("-", MINUS)


def _ordered(points: Sequence[Point]) -> list[Point]:
    return sorted(points, key=lambda p: int(p["warehouses"]))


def savings(points: Sequence[Point]) -> list[float | None]:
    """The saving of each point (in increasing count) against the point before.

    A point's own ``saving_cny`` when given; otherwise the total cost of the
    previous point that has one minus this point's (``None`` for the first
    point and for a point without a cost).
    """
    out: list[float | None] = []
    previous: float | None = None
    for p in _ordered(points):
        cost = as_number(p.get("total_cost_cny"))
        given = as_number(p.get("saving_cny"))
        if given is not None:
            out.append(given)
        elif cost is not None and previous is not None:
            out.append(previous - cost)
        else:
            out.append(None)
        if cost is not None:
            previous = cost
    return out


def stops_paying(points: Sequence[Point], threshold_cny: float = THRESHOLD_CNY) -> int | None:
    """Where the next warehouse stops paying: the first count K after which every saving is small.

    The first count K (of a point with a cost) such that every later point
    saves less than ``threshold_cny`` a year against the point before it.
    Points without a saving (no solution) are left out. ``None`` when the
    savings are still at or above the threshold at the last count tried (the
    curve has not flattened in the range), or with fewer than two solved points.

    >>> pts = [{"warehouses": k, "total_cost_cny": c} for k, c in enumerate([90e6, 60e6, 55e6,
    ...        54.5e6, 54.2e6], start=1)]
    >>> stops_paying(pts)
    3
    >>> stops_paying(pts, threshold_cny=10e6) , stops_paying(pts, threshold_cny=0.1e6)
    (2, None)
    """
    ordered = _ordered(points)
    saved = savings(ordered)
    solved = [
        (int(p["warehouses"]), s)
        for p, s in zip(ordered, saved, strict=True)
        if as_number(p.get("total_cost_cny")) is not None
    ]
    if len(solved) < 2:
        return None
    for i, (k, _s) in enumerate(solved[:-1]):
        later = [s for _k, s in solved[i + 1 :] if s is not None]
        if later and all(s < threshold_cny for s in later):
            return k
    return None


def stops_paying_sentence(points: Sequence[Point], threshold_cny: float = THRESHOLD_CNY) -> str:
    """The sentence of the report: where the next warehouse stops paying, in words."""
    ordered = _ordered(points)
    solved = [p for p in ordered if as_number(p.get("total_cost_cny")) is not None]
    limit = f"{_m(threshold_cny, 1)} M CNY a year"
    if len(solved) < 2:
        return (
            "Too few counts have a solution to say where one more warehouse stops paying "
            f"({len(solved)} of {len(ordered)})."
        )
    k = stops_paying(ordered, threshold_cny)
    last = int(solved[-1]["warehouses"])
    if k is None:
        return (
            f"Every count tried, up to {last} warehouses, still saves at least {limit} "
            "against the one before at some step: the cost has not flattened in this range; "
            "try higher counts."
        )
    by_k = {int(p["warehouses"]): p for p in solved}
    saved = dict(zip([int(p["warehouses"]) for p in ordered], savings(ordered), strict=True))
    after = [kk for kk in by_k if kk > k]
    nxt = saved.get(after[0]) if after else None
    used = by_k[k].get("used")
    text = (
        f"The next warehouse stops paying after {k}: beyond {k} warehouse"
        f"{'s' if k != 1 else ''}, each further one saves less than {limit}"
    )
    if nxt is not None:
        text += f" (the next saves {_m(nxt)} M CNY)"
    text += f". The best network with at most {k} costs {_m(by_k[k].get('total_cost_cny'))} M CNY"
    text += " a year"
    if used is not None and int(used) < k:
        text += f" and uses only {int(used)} site{'s' if int(used) != 1 else ''}"
    return text + "."


def _site(network: Network | None, site: str) -> str:
    """``Tilburg overseas warehouse (NL_WH_TILBURG)``; the id alone when unknown."""
    if network is None:
        return str(site)
    name = network.node_name(str(site))
    return f"{name} ({site})" if name != str(site) else str(site)


def _sites(network: Network | None, sites: Any) -> str:
    items = list(sites or [])
    return ", ".join(_site(network, s) for s in items) if items else "-"


def _status(p: Point) -> str:
    status = str(p.get("status") or "-")
    gap = as_number(p.get("gap"))
    if gap is not None and status in ("optimal", "feasible") and gap > 0:
        return f"{status}, gap {percent(gap, 2)}"
    return status


def _change(network: Network | None, p: Point, first: bool = False) -> str:
    if first:
        return "uses " + _sites(network, p.get("open"))
    parts = [f"+ {_site(network, s)}" for s in p.get("added") or []]
    parts += [f"{MINUS} {_site(network, s)}" for s in p.get("dropped") or []]
    return "; ".join(parts) or "no change"


def _rows(points: Sequence[Point], network: Network | None) -> list[list[str]]:
    ordered = _ordered(points)
    rows = []
    for i, (p, s) in enumerate(zip(ordered, savings(ordered), strict=True)):
        used = p.get("used")
        rows.append(
            [
                str(p["warehouses"]),
                "-" if used is None else str(used),
                _status(p),
                _m(p.get("total_cost_cny")),
                _m(p.get("logistics_cost_cny")),
                number(p.get("co2_tonnes"), 0),
                percent(p.get("on_promise_share"), 1),
                number(p.get("unmet_tonnes"), 0),
                _m(s, sign=True) if s is not None else "-",
                _change(network, p, first=i == 0),
            ]
        )
    return rows


HEADER = [
    "at most",
    "used",
    "status",
    "total cost (M CNY/yr)",
    "logistics (M CNY/yr)",
    "CO2 (t/yr)",
    "on promise",
    "unmet (t/yr)",
    "saving vs previous (M CNY/yr)",
    "sites added (+) and dropped (\u2212)",
]


def _notes(points: Sequence[Point]) -> list[str]:
    """Cautions a reader needs: limits not binding, savings that are negative or noise."""
    ordered = _ordered(points)
    notes = []
    slack = [int(p["warehouses"]) for p in ordered if _int(p.get("used")) < int(p["warehouses"])]
    if slack:
        notes.append(
            f"At {_list(slack)} the best network uses fewer sites than allowed: the limit "
            "does not bind there, one more site would not lower the cost."
        )
    neg = [
        int(p["warehouses"])
        for p, s in zip(ordered, savings(ordered), strict=True)
        if s is not None and s < 0
    ]
    if neg:
        notes.append(
            f"At {_list(neg)} the cost is higher than with fewer sites allowed: that solve "
            "stopped before its optimum (see its gap); the true cost there is at most the one "
            "before."
        )
    failed = [
        f"{p['warehouses']} ({p.get('status')}"
        + (f": {p['message']}" if p.get("message") else "")
        + ")"
        for p in ordered
        if as_number(p.get("total_cost_cny")) is None
    ]
    if failed:
        notes.append(f"No solution at {_list(failed)}.")
    unchecked = [int(p["warehouses"]) for p in ordered if p.get("check_ok") is False]
    if unchecked:
        notes.append(
            f"At {_list(unchecked)} the independent check of the answer found a broken rule: "
            "do not rely on those rows."
        )
    gapped = [p for p in ordered if (as_number(p.get("gap")) or 0.0) > 0]
    if gapped:
        notes.append(
            "A point with a gap is the best network found within the time limit; its cost can "
            "be above the optimum by up to the gap, so a saving smaller than that is not sure."
        )
    return notes


def _int(x: Any) -> int:
    v = as_number(x)
    return 1 << 30 if v is None else int(v)


def _list(items: Sequence[Any]) -> str:
    words = [str(x) for x in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _intro(points: Sequence[Point], scenario: str) -> str:
    ordered = _ordered(points)
    ks = [int(p["warehouses"]) for p in ordered]
    span = f"{ks[0]} to {ks[-1]}" if ks else "no"
    return (
        f"The scenario {scenario} was solved with a limit of at most K warehouse sites, for K "
        f"from {span}, everything else unchanged. Each row is the best network within that "
        "limit: what it costs a year, and which sites it adds or drops against the row before."
    )


def site_matrix(
    points: Sequence[Point], network: Network | None
) -> tuple[list[str], list[list[str]]]:
    """Which site is used at which count: a header and one row per site ever used."""
    ordered = _ordered(points)
    first: dict[str, int] = {}
    for i, p in enumerate(ordered):
        for s in p.get("open") or []:
            first.setdefault(str(s), i)
    sites = sorted(first, key=lambda s: (first[s], s))
    header = ["site"] + [str(p["warehouses"]) for p in ordered]
    rows = []
    for s in sites:
        rows.append(
            [_site(network, s)]
            + ["\u25cf" if s in {str(x) for x in p.get("open") or []} else "" for p in ordered]
        )
    return header, rows


# -- markdown and terminal ---------------------------------------------------------------------


def frontier_markdown(
    points: Sequence[Point],
    *,
    scenario: str,
    network: Network | None,
    threshold_cny: float = THRESHOLD_CNY,
) -> str:
    """The report an official reads: where one more warehouse stops paying, and every count."""
    lines = [
        f"# How many warehouses? {scenario}",
        "",
        _intro(points, scenario),
        "",
        f"**{stops_paying_sentence(points, threshold_cny)}**",
        "",
        "## Cost by number of warehouses",
        "",
        *md_table(HEADER, _rows(points, network), numeric={1, 3, 4, 5, 6, 7, 8}),
    ]
    notes = _notes(points)
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    header, rows = site_matrix(points, network)
    if rows:
        lines += [
            "",
            "## Which sites at which count",
            "",
            *md_table(header, rows),
        ]
    lines += [
        "",
        "Files: `frontier.csv` (one row per count), `frontier.json`, `frontier.html` "
        "(this report with the chart).",
        "",
    ]
    return "\n".join(lines)


def frontier_summary(points: Sequence[Point], threshold_cny: float = THRESHOLD_CNY) -> str:
    """A plain-text table for the terminal: one line per count, then where it stops paying."""
    ordered = _ordered(points)
    lines = [
        f"{'K':>3} {'used':>4} {'status':<18} {'total M':>9} {'logist M':>9} {'saving M':>9} "
        f"{'promise':>8} {'unmet t':>9} {'s':>6}  change"
    ]
    for p, s in zip(ordered, savings(ordered), strict=True):
        used = p.get("used")
        change = " ".join(
            [f"+{x}" for x in p.get("added") or []] + [f"-{x}" for x in p.get("dropped") or []]
        )
        lines.append(
            f"{p['warehouses']!s:>3} {'-' if used is None else str(used):>4} "
            f"{_status(p):<18} {millions(p.get('total_cost_cny'), 2):>9} "
            f"{millions(p.get('logistics_cost_cny'), 2):>9} "
            f"{millions(s, 2, sign=True) if s is not None else '-':>9} "
            f"{percent(p.get('on_promise_share'), 1):>8} {number(p.get('unmet_tonnes'), 0):>9} "
            f"{number(p.get('seconds'), 0):>6}  {change}"
        )
    lines.append(stops_paying_sentence(ordered, threshold_cny))
    return "\n".join(lines)


# -- the page ---------------------------------------------------------------------------------

_PAGE = """{% extends "base.html.j2" %}
{% from "macros.html.j2" import table %}
{% block body %}
<h1>How many warehouses? {{ scenario }}</h1>
<p class="note">{{ intro }} Written by <code>corridor frontier</code>.</p>
<p><b>{{ sentence }}</b></p>
<div class="cards">
{% for v, l in cards %}
<div class="card"><div class="v">{{ v }}</div><div class="l">{{ l }}</div></div>
{% endfor %}
</div>
<h2>Cost by number of warehouses</h2>
<p class="note">Total cost (the objective: logistics plus warehouses, a year) and logistics
cost alone, in M CNY a year, against the number of sites allowed; the dashed line, right axis:
the share of demand delivered within its promised days. The vertical dashed line marks where the
next warehouse saves less than {{ threshold }}.</p>
{{ chart }}
{{ table(header, rows, numeric=[0, 1, 3, 4, 5, 6, 7, 8]) }}
{% if notes %}<ul class="note">
{% for n in notes %}<li>{{ n }}</li>
{% endfor %}
</ul>{% endif %}
{% if matrix[1] %}
<h2>Which sites at which count</h2>
<p class="note">&#9679;: the site is used in the best network with at most that many warehouses.</p>
{{ table(matrix[0], matrix[1], numeric=[]) }}
{% endif %}
<p class="note">Files beside this page: <code>frontier.csv</code> (one row per count),
<code>frontier.json</code>, <code>frontier.md</code>.</p>
{% endblock %}
{% block footer %}Written by corridor frontier.{% endblock %}
"""


def frontier_chart(points: Sequence[Point], threshold_cny: float = THRESHOLD_CNY) -> str:
    """The chart of the page: total and logistics cost (M CNY), on-promise share on the right."""
    ordered = _ordered(points)

    def mcny(key: str) -> list[float | None]:
        vals = [as_number(p.get(key)) for p in ordered]
        return [None if v is None else v / 1e6 for v in vals]

    share = [as_number(p.get("on_promise_share")) for p in ordered]
    right = {"demand on promise": [None if v is None else 100 * v for v in share]}
    k = stops_paying(ordered, threshold_cny)
    marks = []
    if k is not None:
        marks.append((float(k), f"next warehouse saves < {_m(threshold_cny, 1)} M"))
    return line_chart(
        [float(p["warehouses"]) for p in ordered],
        {"total cost": mcny("total_cost_cny"), "logistics cost": mcny("logistics_cost_cny")},
        title="Cost a year by number of warehouses allowed",
        x_label="at most this many warehouse sites",
        unit="M CNY",
        right_series=right if any(v is not None for v in share) else None,
        right_unit="%",
        right_range=(0.0, 100.0),
        marks=marks,
        digits=2,
        right_digits=1,
        point_labels=len(ordered) <= 12,
    )


def frontier_html(
    points: Sequence[Point],
    *,
    scenario: str,
    network: Network | None,
    threshold_cny: float = THRESHOLD_CNY,
) -> str:
    """``frontier.html``: the sentence, the chart, the table of every count, sites by count."""
    ordered = _ordered(points)
    solved = [p for p in ordered if as_number(p.get("total_cost_cny")) is not None]
    k = stops_paying(ordered, threshold_cny)
    cheapest = min(solved, key=lambda p: float(p["total_cost_cny"])) if solved else None
    cards = [
        (
            f"{ordered[0]['warehouses']}\u2013{ordered[-1]['warehouses']}" if ordered else "-",
            "warehouse counts tried",
        ),
        (str(k) if k is not None else "not reached", "next one stops paying after"),
        (
            f"{_m(cheapest['total_cost_cny'])} M" if cheapest else "-",
            f"lowest cost a year (at most {cheapest['warehouses']})" if cheapest else "lowest cost",
        ),
        (f"{len(solved)} / {len(ordered)}", "counts solved"),
    ]
    page = (
        environment()
        .from_string(_PAGE)
        .render(
            title=f"How many warehouses? {scenario}",
            scenario=scenario,
            intro=_intro(ordered, scenario),
            sentence=stops_paying_sentence(ordered, threshold_cny),
            threshold=f"{_m(threshold_cny, 1)} M CNY a year",
            cards=cards,
            chart=frontier_chart(ordered, threshold_cny),
            header=HEADER,
            rows=_rows(ordered, network),
            notes=_notes(ordered),
            matrix=site_matrix(ordered, network),
        )
    )
    return mark_page(page)


# -- files ------------------------------------------------------------------------------------


def frontier_csv(points: Sequence[Point]) -> str:
    """``frontier.csv``: one row per point, lists joined by ``;``."""
    return records_csv(_ordered(points), CSV_COLUMNS, sep=";")


def write_frontier(
    points: Sequence[Point],
    folder: OutputFolder,
    *,
    scenario: str,
    network: Network | None,
    threshold_cny: float = THRESHOLD_CNY,
) -> dict[str, Path]:
    """Write frontier.json, frontier.csv, frontier.md and frontier.html into ``folder``.

    Every file is written atomically through the (entered) output folder.
    """
    ordered = [dict(p) for p in _ordered(points)]
    text = json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
    return {
        "json": folder.write_text("frontier.json", text),
        "csv": folder.write_text("frontier.csv", frontier_csv(ordered)),
        "markdown": folder.write_text(
            "frontier.md",
            frontier_markdown(
                ordered, scenario=scenario, network=network, threshold_cny=threshold_cny
            ),
        ),
        "html": folder.write_text(
            "frontier.html",
            frontier_html(ordered, scenario=scenario, network=network, threshold_cny=threshold_cny),
        ),
    }
