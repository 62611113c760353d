"""A warehouse programme's plan as files: plan.md, plan.json, tables, and the map by year.

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
     "schedule": [{"site", "name", "country", "recognised_year", "public", "operating",
                   "tier", "eligible", "missing", "unknown", "operator"}],
     "requirements": [{"name", "year", "kind", "target", "achieved", "met", "source"}],
     "eligibility": [{"site", "operator", "operator_name", "eligible", "possible",
                      "met", "missing", "unknown"}],
     "infeasible": None | {"explanation": [...]},
     "check": None | {"ok", "violations": [...]}}

Every reader here is lenient: a missing key prints ``-``, never an error.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from optimizer.data.network import Network
from optimizer.format import as_number, millions, number, percent
from optimizer.output.charts import MINUS
from optimizer.output.mapping.base import render_map
from optimizer.output.mapping.offline import OfflineAssetError, external_references
from optimizer.output.mapping.plan import plan_map
from optimizer.results.folders import OutputFolder

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
REQUIREMENT_COLUMNS = ("year", "name", "kind", "target", "achieved", "met", "source")
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


def eligibility_text(row: Mapping[str, Any]) -> str:
    """``eligible``, or ``not yet: missing ...; not known: ...`` for a schedule row."""
    eligible = row.get("eligible")
    missing, unknown = _join(row.get("missing")), _join(row.get("unknown"))
    if eligible is True and not missing:
        return "eligible" + (f" (not known: {unknown})" if unknown else "")
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if unknown:
        parts.append(f"not known: {unknown}")
    head = "not eligible" if eligible is False else "eligibility not known"
    return head + (f": {'; '.join(parts)}" if parts else "")


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
        if doc.get("base_year") is not None:
            disc += f" to {doc.get('base_year')}"
    if npc is None:
        return f"No plan: the solve ended {solve}."
    text = f"Net present cost {_m(npc)} M CNY over {span}{disc} (solve: {solve}"
    seconds = as_number(doc.get("seconds"))
    if seconds is not None:
        text += f", {number(seconds, 0)} s"
    text += ")."
    if gap is not None and gap > 0 and as_number(doc.get("bound")) is not None:
        text += (
            f" No plan can cost less than {_m(doc.get('bound'))} M CNY: the plan is within "
            f"{percent(gap, 2)} of the best possible."
        )
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
    header = [
        "round",
        "warehouse",
        "country",
        "public warehouse",
        "operating",
        "tier",
        "operator",
        "eligible",
    ]
    rows = []
    for year, items in rounds(doc):
        for i, r in enumerate(items):
            rows.append(
                [
                    str(year) if i == 0 else "",
                    _site(network, r.get("site"), str(r.get("name") or "")),
                    str(r.get("country") or "-"),
                    "yes" if r.get("public") else "no",
                    str(r.get("operating") or "-"),
                    str(r.get("tier") or "-"),
                    str(r.get("operator") or "-"),
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
        rows.append(
            [
                str(y.get("year", "-")),
                str(len(y.get("open") or [])),
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
                str(r.get("name") or r.get("kind") or "-"),
                _amount(r.get("kind"), r.get("target"), unit),
                _amount(r.get("kind"), r.get("achieved"), unit),
                _met(r.get("met")),
                str(r.get("source") or ""),
            ]
        )
    return header, rows


def eligibility_table(doc: Doc, network: Network | None) -> tuple[list[str], list[list[str]]]:
    header = ["site", "operator", "eligible", "could be", "criteria met", "missing", "not known"]
    rows = []
    for r in doc.get("eligibility") or []:
        rows.append(
            [
                _site(network, r.get("site")),
                str(r.get("operator_name") or r.get("operator") or "-"),
                _yes(r.get("eligible")),
                _yes(r.get("possible")),
                _join(r.get("met")) or "-",
                _join(r.get("missing")) or "-",
                _join(r.get("unknown")) or "-",
            ]
        )
    return header, rows


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> list[str]:
    align = ["---:" if i in numeric else "---" for i in range(len(header))]
    out = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out


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
        basis.append(f"on the scenario {doc['base_scenario']}")
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
        lines += _md_table(header, rows, set())
    else:
        lines.append("No warehouse is recognised in this plan.")
    lines.append("")

    header, rows = years_table(doc, network)
    if rows:
        lines += ["## Year by year", ""]
        lines += [
            "Costs a year, in M CNY (not discounted); on promise: the share of demand "
            "delivered within its promised days.",
            "",
        ]
        lines += _md_table(header, rows, {1, 3, 5, 6, 7, 8, 9, 10, 11})
        lines.append("")

    header, rows = requirements_table(doc)
    if rows:
        lines += ["## Requirements of the programme", ""]
        lines += _md_table(header, rows, {2, 3})
        lines.append("")

    header, rows = eligibility_table(doc, network)
    if rows:
        lines += ["## Recognition criteria by site", ""]
        lines += _md_table(header, rows, set())
        lines.append("")

    if doc.get("source"):
        lines += [f"Source of the programme's rules: {doc['source']}", ""]
    lines += [
        "Files: `schedule.csv`, `years.csv`, `year_sites.csv`, `requirements.csv`, "
        "`eligibility.csv`, `plan.json`, and `plan_map.html` (the map, one year at a time).",
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
    missed = unmet_requirements(doc)
    if missed:
        lines.append(f"  requirements not met: {', '.join(missed)}")
    check = doc.get("check")
    if isinstance(check, Mapping) and not check.get("ok"):
        lines += [f"  check: {v}" for v in check.get("violations") or []]
    return "\n".join(lines)


# -- files ------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV: ``columns`` first, then any other key (``sites`` left out); lists by ``; ``."""
    cols = list(columns)
    for r in rows:
        cols += [k for k in r if k not in cols and k != "sites"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in cols])
    return buf.getvalue()


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
    ``eligibility.csv`` (lists joined by ``; ``), ``plan.md``, ``plan.json``,
    and with a ``network`` the map ``plan_map.html`` (self-contained when
    ``offline``).

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
