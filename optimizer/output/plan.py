"""A warehouse programme's plan as files: plan.md, plan.html, plan.json, tables, the map by year.

A plan says, for a programme of several years (which overseas warehouses the
province recognises, in which round, which of them as public overseas
warehouses), what is open each year, what it costs, and whether the
programme's requirements and the recognition criteria are met. The plan
document is a plain dict (the content of ``plan.json``; the command's JSON
contract)::

    {"programme", "programme_file", "base_scenario", "description", "source",
     "status", "objective", "bound", "gap", "seconds", "discount_rate", "base_year",
     "net_present_cost_cny",
     "years": [{"year", "open", "new", "public", "closed", "total_cost_cny",
                "logistics_cost_cny", "unmet_tonnes", "co2_tonnes", "on_promise_share",
                "demand_tonnes", "subsidy_cny", "area_m2", "discount_factor",
                "sites": [{"site", "operating", "tier", "public", "tonnes"}]}],
     "dropped_idle": [site ids], "kept_idle": [{"site", "reason"}],
     "schedule": [{"site", "name", "country", "recognised_year", "public", "operating",
                   "tier", "eligible", "missing", "unknown", "operator"}],
     "requirements": [{"name", "year", "kind", "target", "achieved", "met", "source"}],
     "eligibility": [{"site", "operator", "operator_name", "sourced", "eligible", "possible",
                      "met", "missing", "unknown"}],
     "infeasible": None | {"explanation": [...]},
     "check": None | {"ok", "violations": [...]}}

A site's ``operating`` is ``"idle"`` in a year it is open (recognised) but
carries no freight; ``dropped_idle`` lists recognitions the model made that
carried no freight in any year and were dropped because no requirement needed
them, ``kept_idle`` the idle sites kept because a requirement needs them.

A criterion line ending in ``(priority, not a bar)`` is a layout priority: it
decides nothing, so the reader's tables (plan.md, plan.html) count them and
spell out only the binding criteria missing or not known; ``eligibility.csv``
keeps every line.

Every reader here is lenient: a missing key prints ``-`` (or nothing), never an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from optimizer.data.network import Network
from optimizer.format import as_number, millions, number, percent
from optimizer.output.charts import MINUS, bar_chart, line_chart
from optimizer.output.csvtext import records_csv
from optimizer.output.eligibility import binding, by_site, eligibility_text, is_priority
from optimizer.output.html import render
from optimizer.output.mapping.base import render_map
from optimizer.output.mapping.offline import OfflineAssetError, external_references
from optimizer.output.mapping.plan import plan_map
from optimizer.output.markdown import md_table
from optimizer.results.folders import OutputFolder, mark_page

Doc = Mapping[str, Any]

#: Columns of the CSV tables (any other key of a row follows them; ``sites`` is left out).
SCHEDULE_COLUMNS = (
    "recognised_year",
    "site",
    "name",
    "country",
    "public",
    "operating",
    "tier",
    "operator",
    "eligible",
    "missing",
    "unknown",
)
YEAR_COLUMNS = (
    "year",
    "open",
    "new",
    "public",
    "closed",
    "area_m2",
    "demand_tonnes",
    "total_cost_cny",
    "logistics_cost_cny",
    "subsidy_cny",
    "co2_tonnes",
    "on_promise_share",
    "unmet_tonnes",
    "discount_factor",
)
REQUIREMENT_COLUMNS = ("year", "name", "label", "kind", "target", "achieved", "met", "source")
ELIGIBILITY_COLUMNS = (
    "site",
    "operator",
    "operator_name",
    "eligible",
    "possible",
    "met",
    "missing",
    "unknown",
)
YEAR_SITE_COLUMNS = ("year", "site", "operating", "tier", "public", "tonnes")

#: What the reader sees for a site open but carrying no freight.
IDLE_TEXT = "idle (carries no freight)"
#: The operator of a site whose eligibility row is not ``sourced`` (a typical candidate firm).
ASSUMED_OPERATOR = "typical candidate (assumption)"


# -- words ------------------------------------------------------------------------------------


def _m(x: Any, digits: int = 2) -> str:
    text = millions(x, digits)
    return text.replace("-", MINUS) if text != "-" else text


def _site(network: Network | None, site: Any, name: str = "") -> str:
    """``Tilburg overseas warehouse (NL_WH_TILBURG)``; the id alone when no name is known."""
    sid = str(site)
    if not name and network is not None:
        name = network.node_name(sid)
    return f"{name} ({sid})" if name and name != sid else sid


def _yes(flag: Any) -> str:
    if flag is None:
        return "not known"
    return "yes" if flag else "no"


def _join(items: Any, sep: str = ", ") -> str:
    return sep.join(str(x) for x in items or [])


def operator_text(row: Mapping[str, Any] | None, fallback: Any = None) -> str:
    """An eligibility row's operator for the reader: its name, or that it is an assumption."""
    if not row:
        return str(fallback or "-")
    if row.get("sourced") is False:
        return ASSUMED_OPERATOR
    return str(row.get("operator_name") or row.get("operator") or fallback or "-")


def priorities_text(row: Mapping[str, Any]) -> str:
    """The layout priorities of an eligibility row, counted: ``1 of 2 met, 1 not known``."""
    met = sum(is_priority(x) for x in row.get("met") or [])
    missing = sum(is_priority(x) for x in row.get("missing") or [])
    unknown = sum(is_priority(x) for x in row.get("unknown") or [])
    total = met + missing + unknown
    if not total:
        return "-"
    text = f"{met} of {total} met"
    if unknown:
        text += f", {unknown} not known"
    return text


def operating_text(row: Mapping[str, Any]) -> str:
    """``shared``, ``owned, tier large``, or ``idle (carries no freight)``."""
    operating = str(row.get("operating") or "")
    if operating == "idle":
        return IDLE_TEXT
    tier = str(row.get("tier") or "")
    text = operating or "-"
    return f"{text}, tier {tier}" if tier else text


def _span(years: Sequence[int]) -> str:
    """``2027, 2029–2030``: years as runs."""
    ys = sorted(set(years))
    runs: list[list[int]] = []
    for y in ys:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs)


def idle_years(doc: Doc) -> dict[str, list[int]]:
    """Site -> the years it is open but idle (``operating == "idle"``), in schedule order."""
    out: dict[str, list[int]] = {}
    for y in doc.get("years") or []:
        year = y.get("year")
        for site in y.get("sites") or []:
            if site.get("operating") == "idle" and site.get("site") is not None:
                out.setdefault(str(site["site"]), [])
                if year is not None:
                    out[str(site["site"])].append(int(year))
    return out


def _kept_idle(doc: Doc) -> list[tuple[str, str]]:
    rows = []
    for item in doc.get("kept_idle") or []:
        if isinstance(item, Mapping):
            rows.append((str(item.get("site") or "-"), str(item.get("reason") or "")))
        else:
            rows.append((str(item), ""))
    return rows


def _names(doc: Doc) -> dict[str, str]:
    return {str(r.get("site")): str(r.get("name") or "") for r in doc.get("schedule") or []}


def idle_sentences(doc: Doc, network: Network | None = None) -> list[str]:
    """What the reader should know of idle sites: open idle, kept idle, dropped as idle.

    Empty when the plan has none (or the document predates these keys).
    """
    names = _names(doc)

    def site(s: str) -> str:
        return _site(network, s, names.get(s, ""))

    out = []
    idle = idle_years(doc)
    if idle:
        items = [f"{site(s)} in {_span(ys)}" if ys else site(s) for s, ys in idle.items()]
        out.append("Recognised and open but carrying no freight (idle): " + "; ".join(items) + ".")
    kept = _kept_idle(doc)
    if kept:
        items = [site(s) + (f": {reason}" if reason else "") for s, reason in kept]
        out.append(
            "Kept although idle, because a requirement needs them: " + "; ".join(items) + "."
        )
    dropped = [str(s) for s in doc.get("dropped_idle") or []]
    if dropped:
        out.append(
            "Dropped from the plan: "
            + ", ".join(site(s) for s in dropped)
            + (" was" if len(dropped) == 1 else " were")
            + " also recognised by the model but carried no freight in any year, and no "
            "requirement needed " + ("it" if len(dropped) == 1 else "them") + "."
        )
    return out


def _amount(kind: Any, value: Any, unit: str = "") -> str:
    """A requirement's target or achieved value, by its kind (a share as a percentage)."""
    v = as_number(value)
    if v is None:
        return "-"
    k = str(kind or "").lower()
    if unit == "%" or "share" in k or "percent" in k:
        return percent(v, 1) if abs(v) <= 1.0 else number(v, 1, "%")
    if "cny" in k or "cost" in k or "subsid" in k:
        return f"{_m(v)} M CNY"
    text = number(v, 0 if float(v).is_integer() else 2)
    return f"{text} {unit}".strip()


def _met(flag: Any) -> str:
    if flag is None:
        return "not known"
    return "met" if flag else "NOT MET"


def headline(doc: Doc) -> str:
    """Net present cost, status and gap in one sentence."""
    npc = as_number(doc.get("net_present_cost_cny"))
    if npc is None:
        npc = as_number(doc.get("objective"))
    years = [y.get("year") for y in doc.get("years") or [] if y.get("year") is not None]
    span = f"{min(years)}\u2013{max(years)}" if years else "the programme"
    status = str(doc.get("status") or "-")
    gap = as_number(doc.get("gap"))
    solve = status + (f", gap {percent(gap, 2)}" if gap is not None and gap > 0 else "")
    rate = as_number(doc.get("discount_rate"))
    disc = ""
    if rate is not None:
        disc = f", discounted at {percent(rate, 1)} a year"
        if years:
            disc += f" to {min(years)}"
    if npc is None:
        return f"No plan: the solve ended {solve}."
    text = f"Net present cost {_m(npc)} M CNY over {span}{disc} (solve: {solve}"
    seconds = as_number(doc.get("seconds"))
    if seconds is not None:
        text += f", {number(seconds, 0)} s"
    text += ")."
    if gap is not None and gap > 0 and as_number(doc.get("bound")) is not None:
        text += (
            f" Over the routes in the model no plan costs less than {_m(doc.get('bound'))} M CNY:"
            f" this plan is within {percent(gap, 2)} of the best."
        )
    lp = as_number(doc.get("lp_bound_exact"))
    if lp is not None:
        text += f" Over every route of the network no plan costs less than {_m(lp)} M CNY."
    return text


def rounds(doc: Doc) -> list[tuple[Any, list[Mapping[str, Any]]]]:
    """The schedule by recognition round: ``(year, rows)``, earliest first."""
    by: dict[Any, list[Mapping[str, Any]]] = {}
    for row in doc.get("schedule") or []:
        by.setdefault(row.get("recognised_year"), []).append(row)
    keys = sorted(by, key=lambda y: (y is None, 0 if y is None else int(y)))
    return [
        (y, sorted(by[y], key=lambda r: (not r.get("public"), str(r.get("site"))))) for y in keys
    ]


def schedule_table(doc: Doc, network: Network | None) -> tuple[list[str], list[list[str]]]:
    """The schedule by round: one row per site recognised (idle ones said so)."""
    header = [
        "round",
        "warehouse",
        "country",
        "public warehouse",
        "operating",
        "operator",
        "eligible",
    ]
    eligibility = by_site(doc.get("eligibility"))
    rows = []
    for year, items in rounds(doc):
        for i, r in enumerate(items):
            rows.append(
                [
                    str(year) if i == 0 else "",
                    _site(network, r.get("site"), str(r.get("name") or "")),
                    str(r.get("country") or "-"),
                    "yes" if r.get("public") else "no",
                    operating_text(r),
                    operator_text(eligibility.get(str(r.get("site"))), r.get("operator")),
                    eligibility_text(r),
                ]
            )
    return header, rows


def years_table(doc: Doc, network: Network | None = None) -> tuple[list[str], list[list[str]]]:
    header = [
        "year",
        "open",
        "new",
        "public",
        "closed",
        "area (m\u00b2)",
        "total cost (M CNY)",
        "logistics (M CNY)",
        "subsidy (M CNY)",
        "CO2 (t)",
        "on promise",
        "unmet (t)",
    ]
    rows = []
    for y in doc.get("years") or []:
        idle = sum(1 for s in y.get("sites") or [] if s.get("operating") == "idle")
        rows.append(
            [
                str(y.get("year", "-")),
                str(len(y.get("open") or [])) + (f" ({idle} idle)" if idle else ""),
                ", ".join(_site(network, s) for s in y.get("new") or []) or "-",
                str(len(y.get("public") or [])),
                ", ".join(_site(network, s) for s in y.get("closed") or []) or "-",
                number(y.get("area_m2"), 0),
                _m(y.get("total_cost_cny")),
                _m(y.get("logistics_cost_cny")),
                _m(y.get("subsidy_cny")),
                number(y.get("co2_tonnes"), 0),
                percent(y.get("on_promise_share"), 1),
                number(y.get("unmet_tonnes"), 0),
            ]
        )
    return header, rows


def requirements_table(doc: Doc) -> tuple[list[str], list[list[str]]]:
    header = ["year", "requirement", "target", "achieved", "met?", "source"]
    rows = []
    for r in sorted(
        doc.get("requirements") or [], key=lambda r: (int(r.get("year") or 0), str(r.get("name")))
    ):
        unit = str(r.get("unit") or "")
        rows.append(
            [
                str(r.get("year", "-")),
                str(r.get("label") or r.get("name") or r.get("kind") or "-"),
                _amount(r.get("kind"), r.get("target"), unit),
                _amount(r.get("kind"), r.get("achieved"), unit),
                _met(r.get("met")),
                str(r.get("source") or ""),
            ]
        )
    return header, rows


def eligibility_table(doc: Doc, network: Network | None) -> tuple[list[str], list[list[str]]]:
    """One row per candidate site: eligible, and the binding criteria missing or not known.

    Sites in the plan first (by round), then the others; layout priorities as a count.
    """
    header = [
        "warehouse",
        "recognised",
        "operator",
        "eligible",
        "binding criteria missing",
        "binding criteria not known",
        "layout priorities",
    ]
    names = _names(doc)
    recognised = {str(r.get("site")): r.get("recognised_year") for r in doc.get("schedule") or []}

    def order(r: Mapping[str, Any]) -> tuple[bool, int, str]:
        y = as_number(recognised.get(str(r.get("site"))))
        return (y is None, int(y or 0), str(r.get("site")))

    rows = []
    for r in sorted(doc.get("eligibility") or [], key=order):
        sid = str(r.get("site"))
        eligible = r.get("eligible")
        flag = _yes(eligible)
        if eligible is False and r.get("possible") and not binding(r.get("missing")):
            flag = "no (could be)"
        rows.append(
            [
                _site(network, sid, names.get(sid, "")),
                str(recognised.get(sid) or "-"),
                operator_text(r),
                flag,
                "; ".join(binding(r.get("missing"))) or "-",
                "; ".join(binding(r.get("unknown"))) or "-",
                priorities_text(r),
            ]
        )
    return header, rows


def _explanation(doc: Doc) -> list[str]:
    inf = doc.get("infeasible")
    if not inf:
        return []
    lines = inf.get("explanation") if isinstance(inf, Mapping) else inf
    return [str(x) for x in lines or []]


def unmet_requirements(doc: Doc) -> list[str]:
    """The requirements a plan does not meet, as ``name (year)``."""
    return [
        f"{r.get('name') or r.get('kind')} ({r.get('year')})"
        for r in doc.get("requirements") or []
        if r.get("met") is False
    ]


#: Read before the table of recognition criteria (plan.md and plan.html).
ELIGIBILITY_NOTE = (
    "One row per candidate site. A site is eligible when it meets every binding criterion; "
    "layout priorities (what the notice prefers, such as the country groups) decide nothing "
    "and are only counted. Operator: a typical candidate firm is an assumption until one is "
    "selected. Every criterion with the operator's value is in `eligibility.csv`."
)


def plan_markdown(doc: Doc, *, network: Network | None = None) -> str:
    """The report an official reads: the headline, the schedule by round, years, requirements."""
    name = doc.get("programme") or "warehouse programme"
    lines = [f"# Warehouse programme: {name}", ""]
    if doc.get("description"):
        lines += [str(doc["description"]), ""]
    explanation = _explanation(doc)
    if explanation:
        lines += ["## Why there is no plan", ""]
        lines += [f"- {x}" for x in explanation]
        lines.append("")
    lines += [f"**{headline(doc)}**", ""]
    basis = []
    if doc.get("base_scenario"):
        basis.append(f"on the scenario `{doc['base_scenario']}`")
    if doc.get("programme_file"):
        basis.append(f"programme file `{doc['programme_file']}`")
    if basis:
        lines += ["Solved " + ", ".join(basis) + ".", ""]
    missed = unmet_requirements(doc)
    if missed:
        lines += [f"**Requirements not met:** {', '.join(missed)}.", ""]
    check = doc.get("check")
    if isinstance(check, Mapping):
        if check.get("ok"):
            lines += ["Checked: every rule of the programme holds in this plan.", ""]
        else:
            lines += ["**The check found rules broken:**", ""]
            lines += [f"- {v}" for v in check.get("violations") or []]
            lines.append("")

    header, rows = schedule_table(doc, network)
    lines += ["## Which warehouses to recognise, and when", ""]
    if rows:
        lines += md_table(header, rows, set())
    else:
        lines.append("No warehouse is recognised in this plan.")
    lines.append("")
    idle = idle_sentences(doc, network)
    if idle:
        lines += [" ".join(idle), ""]

    header, rows = years_table(doc, network)
    if rows:
        lines += ["## Year by year", ""]
        lines += [
            "Costs a year, in M CNY (not discounted); on promise: the share of demand "
            "delivered within its promised days.",
            "",
        ]
        lines += md_table(header, rows, {1, 3, 5, 6, 7, 8, 9, 10, 11})
        lines.append("")

    header, rows = requirements_table(doc)
    if rows:
        lines += ["## Requirements of the programme", ""]
        lines += md_table(header, rows, {2, 3})
        lines.append("")

    header, rows = eligibility_table(doc, network)
    if rows:
        lines += ["## Recognition criteria by site", ""]
        lines += [ELIGIBILITY_NOTE, ""]
        lines += md_table(header, rows, set())
        lines.append("")

    if doc.get("source"):
        lines += [f"Source of the programme's rules: {doc['source']}", ""]
    lines += [
        "Files: `plan.html` (this report as a page), `schedule.csv`, `years.csv`, "
        "`year_sites.csv`, `requirements.csv`, `eligibility.csv` (every criterion of every "
        "site), `plan.json`, and `plan_map.html` (the map, one year at a time).",
        "",
    ]
    return "\n".join(lines)


def plan_summary(doc: Doc) -> str:
    """A few lines for the terminal: the headline, the rounds, the years, what is not met."""
    lines = [f"plan {doc.get('programme') or '-'}: {headline(doc)}"]
    lines += [f"  no plan: {x}" for x in _explanation(doc)]
    for year, items in rounds(doc):
        sites = ", ".join(
            f"{r.get('site')}{' (public)' if r.get('public') else ''}"
            + (" [idle]" if r.get("operating") == "idle" else "")
            + ("" if r.get("eligible") is not False else " [not eligible]")
            for r in items
        )
        lines.append(f"  round {year}: {sites}")
    years = doc.get("years") or []
    if years:
        lines.append(
            f"  {'year':>4} {'open':>4} {'new':>3} {'total M':>9} {'logist M':>9} "
            f"{'CO2 t':>9} {'promise':>7} {'unmet t':>8}"
        )
        for y in years:
            lines.append(
                f"  {y.get('year', '-')!s:>4} {len(y.get('open') or []):>4} "
                f"{len(y.get('new') or []):>3} {millions(y.get('total_cost_cny'), 2):>9} "
                f"{millions(y.get('logistics_cost_cny'), 2):>9} "
                f"{number(y.get('co2_tonnes'), 0):>9} {percent(y.get('on_promise_share'), 1):>7} "
                f"{number(y.get('unmet_tonnes'), 0):>8}"
            )
    idle = idle_years(doc)
    if idle:
        lines.append(
            "  idle (open, no freight): "
            + ", ".join(f"{s} {_span(ys)}".strip() for s, ys in idle.items())
        )
    kept = _kept_idle(doc)
    if kept:
        lines.append(
            "  kept idle (a requirement needs them): "
            + ", ".join(f"{s} ({why})" if why else s for s, why in kept)
        )
    dropped = [str(s) for s in doc.get("dropped_idle") or []]
    if dropped:
        lines.append(f"  dropped (idle, not needed): {', '.join(dropped)}")
    missed = unmet_requirements(doc)
    if missed:
        lines.append(f"  requirements not met: {', '.join(missed)}")
    check = doc.get("check")
    if isinstance(check, Mapping) and not check.get("ok"):
        lines += [f"  check: {v}" for v in check.get("violations") or []]
    return "\n".join(lines)


# -- the page -------------------------------------------------------------------------------


def cost_chart(doc: Doc) -> str:
    """Total and logistics cost a year (M CNY, not discounted), on promise on the right axis."""
    years = [y for y in doc.get("years") or [] if as_number(y.get("year")) is not None]

    def mcny(key: str) -> list[float | None]:
        vals = [as_number(y.get(key)) for y in years]
        return [None if v is None else v / 1e6 for v in vals]

    share = [as_number(y.get("on_promise_share")) for y in years]
    svg = line_chart(
        [float(y["year"]) for y in years],
        {"total cost": mcny("total_cost_cny"), "logistics cost": mcny("logistics_cost_cny")},
        title="Cost a year (M CNY, not discounted) and demand on promise (%)",
        x_label="year",
        unit="M CNY",
        right_series=(
            {"demand on promise": [None if v is None else 100 * v for v in share]}
            if any(v is not None for v in share)
            else None
        ),
        right_unit="%",
        right_range=(0.0, 100.0),
        digits=1,
        right_digits=1,
        zero=True,
        x_format=lambda v: f"{v:.0f}",
    )
    return str(svg)


def sites_chart(doc: Doc) -> str:
    """Warehouses open by year: public, other carrying freight, idle (stacked bars)."""
    labels, public, other, idle = [], [], [], []
    for y in doc.get("years") or []:
        sites = {str(s.get("site")): s for s in y.get("sites") or []}
        pub = {str(s) for s in y.get("public") or []}
        n_idle = n_pub = n_other = 0
        for sid in [str(s) for s in y.get("open") or []]:
            if (sites.get(sid) or {}).get("operating") == "idle":
                n_idle += 1
            elif sid in pub or (sites.get(sid) or {}).get("public"):
                n_pub += 1
            else:
                n_other += 1
        labels.append(str(y.get("year", "-")))
        public.append(float(n_pub))
        other.append(float(n_other))
        idle.append(float(n_idle))
    series = {"public warehouses": public, "other warehouses": other}
    if any(idle):
        series["idle (no freight)"] = idle
    return str(
        bar_chart(
            labels,
            series,
            title="Warehouses open by year",
            stacked=True,
            digits=0,
            colors={
                "public warehouses": "#0d47a1",
                "other warehouses": "#2e7d32",
                "idle (no freight)": "#bdbdbd",
            },
        )
    )


def _cards(doc: Doc) -> list[tuple[str, str]]:
    npc = as_number(doc.get("net_present_cost_cny"))
    if npc is None:
        npc = as_number(doc.get("objective"))
    schedule = doc.get("schedule") or []
    years = [y.get("year") for y in doc.get("years") or [] if y.get("year") is not None]
    reqs = doc.get("requirements") or []
    cards = [
        (f"{_m(npc)} M" if npc is not None else "-", "net present cost, CNY"),
        (str(len(schedule)), "warehouses recognised"),
        (str(sum(1 for r in schedule if r.get("public"))), "of them public overseas warehouses"),
        (f"{min(years)}\u2013{max(years)}" if years else "-", "programme years"),
    ]
    if reqs:
        met = sum(1 for r in reqs if r.get("met") is True)
        cards.append((f"{met} / {len(reqs)}", "requirements met"))
    return cards


def plan_html(doc: Doc, *, network: Network | None = None) -> str:
    """``plan.html``: the report of plan.md as one self-contained page, with two charts.

    The headline, the schedule by round (idle sites said so), the charts by year
    (cost and on-promise share; warehouses open), the year table, the
    requirements and the compact table of recognition criteria. With a
    ``network`` (the map is then written beside it) the page links to
    ``plan_map.html``. Inline styles and SVG, no script, nothing fetched.
    """
    name = str(doc.get("programme") or "warehouse programme")
    schedule = schedule_table(doc, network)
    idle_rows = [
        "closed" if r.get("operating") == "idle" else "" for _y, items in rounds(doc) for r in items
    ]
    check = doc.get("check")
    years = doc.get("years") or []
    page = render(
        "plan.html.j2",
        title=f"Warehouse programme: {name}",
        name=name,
        description=str(doc.get("description") or ""),
        explanation=_explanation(doc),
        headline=headline(doc),
        base_scenario=str(doc.get("base_scenario") or ""),
        programme_file=str(doc.get("programme_file") or ""),
        missed=unmet_requirements(doc),
        check_ok=isinstance(check, Mapping) and bool(check.get("ok")),
        violations=[str(v) for v in check.get("violations") or []]
        if isinstance(check, Mapping) and not check.get("ok")
        else [],
        cards=_cards(doc),
        schedule=schedule,
        schedule_classes=idle_rows,
        idle=idle_sentences(doc, network),
        cost_chart=cost_chart(doc) if years else "",
        sites_chart=sites_chart(doc) if years else "",
        years=years_table(doc, network),
        requirements=requirements_table(doc),
        eligibility=eligibility_table(doc, network),
        eligibility_note=ELIGIBILITY_NOTE.replace("`", ""),
        source=str(doc.get("source") or ""),
        map_link="plan_map.html" if network is not None else "",
    )
    return mark_page(page)


# -- files ------------------------------------------------------------------------------------


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV: ``columns`` first, then any other key (``sites`` left out); lists by ``; ``."""
    return records_csv(rows, columns, sep="; ", leave_out=("sites",))


def year_sites(doc: Doc) -> list[dict[str, Any]]:
    """One row per year and open site (the ``sites`` of each year, flattened)."""
    return [
        {"year": y.get("year"), **dict(s)}
        for y in doc.get("years") or []
        for s in y.get("sites") or []
    ]


def write_plan_tables(
    doc: Doc,
    folder: OutputFolder,
    *,
    network: Network | None = None,
    offline: bool = True,
) -> dict[str, Path]:
    """Write the plan's files into ``folder`` (an entered :class:`OutputFolder`), atomically.

    ``schedule.csv``, ``years.csv``, ``year_sites.csv``, ``requirements.csv``,
    ``eligibility.csv`` (lists joined by ``; ``), ``plan.md``, ``plan.html``,
    ``plan.json``, and with a ``network`` the map ``plan_map.html``
    (self-contained when ``offline``).

    Raises
    ------
    OfflineAssetError
        When ``offline`` and the map would still fetch something.
    """
    requirements = sorted(
        doc.get("requirements") or [], key=lambda r: (int(r.get("year") or 0), str(r.get("name")))
    )
    schedule = [r for _y, items in rounds(doc) for r in items]
    files = {
        "schedule": folder.write_text("schedule.csv", csv_text(schedule, SCHEDULE_COLUMNS)),
        "years": folder.write_text("years.csv", csv_text(doc.get("years") or [], YEAR_COLUMNS)),
        "year_sites": folder.write_text(
            "year_sites.csv", csv_text(year_sites(doc), YEAR_SITE_COLUMNS)
        ),
        "requirements": folder.write_text(
            "requirements.csv", csv_text(requirements, REQUIREMENT_COLUMNS)
        ),
        "eligibility": folder.write_text(
            "eligibility.csv", csv_text(doc.get("eligibility") or [], ELIGIBILITY_COLUMNS)
        ),
        "markdown": folder.write_text("plan.md", plan_markdown(doc, network=network)),
        "html": folder.write_text("plan.html", plan_html(doc, network=network)),
        "json": folder.write_text(
            "plan.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        ),
    }
    if network is not None:
        page = render_map(plan_map(network, doc, offline=offline))
        if offline:
            left = external_references(page)
            if left:
                msg = f"offline plan map would still fetch {len(left)} URL(s), e.g. {left[0]}"
                raise OfflineAssetError(msg)
        files["map"] = folder.write_text("plan_map.html", page)
    return files
