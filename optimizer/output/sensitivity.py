"""A sensitivity as files: sensitivity.csv and .json, sensitivity.md, tornado.html.

The page (``tornado.html``) is rendered from ``sensitivity.html.j2``: one
self-contained HTML file (inline styles and SVG, no script, nothing from a
CDN), readable offline and when printed. The tornado chart
(:func:`optimizer.output.charts.tornado_chart`) has one row per group, from
the widest cost swing down, each bar labelled with the warehouses its side
opens and closes; below it, the table of every group and side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from optimizer.format import millions, number, percent
from optimizer.output.charts import MINUS, TornadoRow, tornado_chart
from optimizer.output.html import render
from optimizer.output.markdown import md_cell
from optimizer.results.folders import OutputFolder, mark_page
from optimizer.studies.moves import WITHIN
from optimizer.studies.sensitivity import (
    CARBON_REFERENCE_EUR_PER_T,
    CARBON_REFERENCE_SOURCE,
    GROUPS,
    SIDES,
    SensitivityResult,
    change_text,
    percent_text,
    side_text,
    write_tables,
)


def write_sensitivity(result: SensitivityResult, folder: OutputFolder) -> dict[str, Path]:
    """Write sensitivity.csv, sensitivity.json, sensitivity.md and tornado.html into ``folder``.

    Every file is written atomically (the variant files are already there).
    """
    files = write_tables(result, folder)
    files["markdown"] = folder.write_text("sensitivity.md", sensitivity_markdown(result))
    files["html"] = folder.write_text("tornado.html", sensitivity_html(result))
    return files


# -- words ---------------------------------------------------------------------------------


def _m(x: Any, sign: bool = False) -> str:
    text = millions(x, 2, sign=sign)
    if text.lstrip("+-") == "0.00":  # no "-0.00" for a difference that rounds to nothing
        return "0.00"
    return text.replace("-", MINUS)


def _site(result: SensitivityResult, w: str, how: str = "") -> str:
    """``Tilburg overseas warehouse (NL_WH_TILBURG, shared)``."""
    name = result.reference.names.get(w, "")
    inner = f"{w}, {how}" if how else w
    return f"{name} ({inner})" if name else inner


def _guesses(items: list[dict[str, Any]]) -> str:
    parts = []
    for g in items:
        text = g["text"]
        if g.get("to"):
            text += f" (as {g['to']})"
        if g["within_tolerance"]:
            text += " (cost within solver tolerance: may be an equal-cost tie)"
        parts.append(text)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _side_change(rec: dict[str, Any], side: str) -> str:
    if rec[f"set_changed_{side}"] is None:
        return f"no solution ({rec[f'status_{side}']})"
    text = change_text(rec[f"opened_{side}"], rec[f"closed_{side}"]) or "no change"
    if rec[f"retiered_{side}"]:
        text += "; " + ", ".join(rec[f"retiered_{side}"])
    return text


def _cost_cell(rec: dict[str, Any], side: str) -> str:
    cost = rec[f"cost_{side}_cny"]
    if cost is None:
        return "-"
    mark = " \u2248" if rec[f"verdict_{side}"] == WITHIN else ""
    return f"{_m(cost)} ({_m(rec[f'delta_{side}_cny'], sign=True)}){mark}"


def findings(result: SensitivityResult) -> dict[str, Any]:
    """The sentences of the report: what holds, what flips, and on which guess."""
    st = result.stability
    ref = result.reference
    n_base = len(ref.warehouses)
    solved = st["solved_sides"]
    models = {w.split(":", 1)[0]: w.split(":", 1)[1] for w in ref.warehouses}
    stable = list(st["stable"])
    held = []
    for e in stable:
        line = _site(result, e["warehouse_id"], models[e["warehouse_id"]])
        if e["retiered_in"]:
            line += f"; as another model or tier when {_guesses(e['retiered_in'])}"
        held.append(line)
    flips = []
    for e in st["flips"]:
        w = e["warehouse_id"]
        if e["base"] is not None:
            text = f"{_site(result, w, e['base'])}, used now, is dropped when " + _guesses(
                e["closes_in"]
            )
            if e["opens_in"]:
                text += "; opened when " + _guesses(e["opens_in"])
        else:
            text = f"{_site(result, w)}, not used now, is used when " + _guesses(e["opens_in"])
        flips.append(text)
    tolerances = sorted(
        float(r[f"tolerance_{side}_cny"])
        for r in result.rows
        for side in SIDES
        if r[f"tolerance_{side}_cny"] is not None
    )
    noise = ""
    if tolerances and flips:
        typical = tolerances[len(tolerances) // 2]
        noise = (
            "A flip is not always an effect: a site worth less to the network than the "
            f"solvers' tolerance (here about {_m(typical)} M CNY a year per comparison) can "
            "be used or left without any real gain. "
            f"`corridor explain {ref.directory}` re-solves the scenario without each site and "
            "says which are marginal."
        )
    if solved:
        head = (
            f"{len(stable)} of the {n_base} sites the scenario uses are used in every one of the "
            f"{solved} solved variants" + (" (the list below)." if stable else ".")
        )
    else:
        head = "No variant has a solution yet."
    return {
        "head": head,
        "held": held,
        "flips": flips,
        "noise": noise,
        "unsolved": st["unsolved_sides"],
    }


def _intro(result: SensitivityResult) -> str:
    plan = result.plan
    absolute = [g for g in plan.groups if GROUPS[g].absolute]
    text = (
        f"Each guess in the data was set {percent_text(plan.factor)} lower and "
        f"{percent_text(plan.factor)} higher in turn"
    )
    if absolute:
        parts = [
            f"{GROUPS[g].label}: {side_text(GROUPS[g], plan.values[g][0])} and "
            f"{side_text(GROUPS[g], plan.values[g][1])}"
            for g in absolute
        ]
        text += f" (absolute values for {', '.join(parts)})"
    text += (
        f", everything else as in {Path(plan.scenario.path).name}, and the network was solved "
        "again, each time starting from the scenario's own answer."
    )
    return text


def _base_line(result: SensitivityResult, *, names: bool = True) -> str:
    ref = result.reference
    gap = f", gap {percent(ref.gap, 2)}" if ref.gap is not None else ""
    head = f"{_m(ref.cost_cny)} M CNY a year ({ref.status}{gap}); "
    if not names:
        models = sorted({w.split(":", 1)[1] for w in ref.warehouses})
        return (
            head
            + f"{len(ref.warehouses)} warehouse site(s) used"
            + (f" ({', '.join(models)})" if models else "")
            + ": "
            + (", ".join(w.split(":", 1)[0] for w in ref.warehouses) or "none")
            + "."
        )
    sites = "; ".join(_site(result, *w.split(":", 1)) for w in ref.warehouses)
    return head + f"{len(ref.warehouses)} warehouse site(s) used: {sites or 'none'}."


def data_warning(result: SensitivityResult) -> str:
    """What to say when the data files changed while the variants were solved."""
    return (
        f"The data changed during the run: {', '.join(result.data_changed)} "
        f"{'was' if len(result.data_changed) == 1 else 'were'} solved on other data than the "
        "scenario's own answer, so their differences mix two versions of the data; run again "
        "when the data is settled."
    )


def sensitivity_markdown(result: SensitivityResult) -> str:
    """The summary an official reads: what holds, what flips on which guess, the costs."""
    plan = result.plan
    f = findings(result)
    lines = [
        f"# Sensitivity of {plan.scenario.name}: one guess at a time",
        "",
        _intro(result),
        "",
        f"**The scenario's own answer:** {_base_line(result)}",
        "",
    ]
    if not result.complete:
        lines += [
            f"**Incomplete:** {len(result.variant_rows)} of {len(plan.variants)} variants "
            f"finished{': ' + result.stopped if result.stopped else ''}.",
            "",
        ]
    if result.data_changed:
        lines += [f"**{data_warning(result)}**", ""]
    lines += ["## What holds whatever the guess", "", f["head"], ""]
    lines += [f"- {x}" for x in f["held"]]
    lines += ["", "## What depends on a guess", ""]
    if f["flips"]:
        lines += [f"- {x}" for x in f["flips"]]
        if f["noise"]:
            lines += ["", f["noise"]]
    else:
        lines.append("No warehouse choice flips: every solved variant uses the same sites.")
    lines += [
        "",
        "## Cost by guess (widest swing first)",
        "",
        "Costs in M CNY a year, the difference from the scenario's answer in brackets; "
        "\u2248: within the two solves' combined tolerance (not an effect).",
        "",
        "| guess | low | high | cost, low | cost, high | swing | warehouses, low | "
        "warehouses, high | status |",
        "|---|---|---|---:|---:|---:|---|---|---|",
    ]
    for rec in result.by_swing():
        g = GROUPS[rec["param"]]
        lines.append(
            "| "
            + " | ".join(
                md_cell(c)
                for c in (
                    g.label,
                    side_text(g, rec["value_low"]),
                    side_text(g, rec["value_high"]),
                    _cost_cell(rec, "low"),
                    _cost_cell(rec, "high"),
                    _m(rec["swing_cny"]),
                    _side_change(rec, "low"),
                    _side_change(rec, "high"),
                    rec["status"],
                )
            )
            + " |"
        )
    failed = [r for r in result.variant_rows if r.get("status") not in ("optimal", "feasible")]
    if plan.skipped or failed or f["unsolved"]:
        lines += ["", "## Not run or not solved", ""]
        lines += [f"- {g}: skipped, {why}" for g, why in plan.skipped.items()]
        lines += [
            f"- {r['param']} {r['side']}: {r.get('status')}"
            + (f" ({r['error']})" if r.get("error") else "")
            for r in failed
        ]
        not_run = {(v.group, v.side) for v in plan.variants} - {
            (str(r["param"]), str(r["side"])) for r in result.variant_rows
        }
        lines += [f"- {g} {s}: not run" for g, s in sorted(not_run)]
    lines += ["", "## What each guess changes", ""]
    lines += [f"- `{g}` ({GROUPS[g].label}): {GROUPS[g].covers}" for g in plan.values]
    lines += [
        "",
        "## Assumptions",
        "",
        f"- The high carbon price is EUR {CARBON_REFERENCE_EUR_PER_T:g}/t CO2e = "
        f"{plan.carbon_reference_cny:,.2f} CNY/t: {CARBON_REFERENCE_SOURCE}.",
        "- A warehouse site counts as used when an owned tier is open there or its shared "
        "space has throughput; a site that changes only its operating model or tier keeps "
        "its place in the set.",
        "",
        "Files: `sensitivity.csv`, `sensitivity.json`, `tornado.html`, and one scenario file "
        "per guess and side in `variants/` (`corridor solve variants/<file>` solves one on "
        "its own).",
        "",
    ]
    return "\n".join(lines)


# -- the page -----------------------------------------------------------------------------


def tornado_rows(result: SensitivityResult) -> list[TornadoRow]:
    """One chart row per group, widest swing first."""
    out = []
    for rec in result.by_swing():
        g = GROUPS[rec["param"]]
        lo, hi = rec["value_low"], rec["value_high"]
        out.append(
            TornadoRow(
                label=g.label,
                sublabel=f"{rec['param']}: {side_text(g, lo)} / {side_text(g, hi)}",
                low=rec["cost_low_cny"],
                high=rec["cost_high_cny"],
                low_text=side_text(g, lo),
                high_text=side_text(g, hi),
                low_note=_side_change(rec, "low"),
                high_note=_side_change(rec, "high"),
                low_faint=rec["verdict_low"] == WITHIN,
                high_faint=rec["verdict_high"] == WITHIN,
                missing=f"no solution ({rec['status_low']}/{rec['status_high']})",
            )
        )
    return out


def _side_table(result: SensitivityResult) -> tuple[list[str], list[list[str]], list[str]]:
    header = [
        "guess",
        "side",
        "value",
        "cost (M CNY)",
        "vs base (M CNY)",
        "verdict",
        "status",
        "gap",
        "opens",
        "closes",
        "other model or tier",
    ]
    rows, classes = [], []
    for rec in result.by_swing():
        g = GROUPS[rec["param"]]
        for side in SIDES:
            solved = rec[f"set_changed_{side}"] is not None
            rows.append(
                [
                    g.label if side == "low" else "",
                    side,
                    side_text(g, rec[f"value_{side}"]),
                    _m(rec[f"cost_{side}_cny"]),
                    _m(rec[f"delta_{side}_cny"], sign=True),
                    rec[f"verdict_{side}"],
                    rec[f"status_{side}"],
                    percent(rec[f"gap_{side}"], 2),
                    ", ".join(rec[f"opened_{side}"]) or ("-" if solved else "?"),
                    ", ".join(rec[f"closed_{side}"]) or ("-" if solved else "?"),
                    ", ".join(rec[f"retiered_{side}"]) or "-",
                ]
            )
            classes.append("" if solved else "closed")
    return header, rows, classes


def sensitivity_html(result: SensitivityResult) -> str:
    """``tornado.html``: the chart, what holds and what flips, and the table of every side."""
    plan, ref = result.plan, result.reference
    f = findings(result)
    solved = result.stability["solved_sides"]
    chart = tornado_chart(
        tornado_rows(result),
        ref.cost_cny,
        title="Total cost a year by guess (M CNY), widest swing first",
        unit="M",
        scale=1e-6,
        digits=2,
        low_name=f"low side (x{1 - plan.factor:g}; carbon price 0)",
        high_name=f"high side (x{1 + plan.factor:g}; carbon price "
        f"{plan.carbon_reference_cny:,.0f} CNY/t)",
        faint_name="pale: within solver tolerance",
    )
    cards = [
        (f"{_m(ref.cost_cny)} M", "cost a year, scenario"),
        (str(len(ref.warehouses)), "warehouse sites used"),
        (f"{len(f['held'])} / {len(ref.warehouses)}", "sites used in every variant"),
        (str(len(f["flips"])), "sites that flip"),
        (f"{solved} / {len(plan.variants)}", "variants solved"),
        (f"{number(result.wall_seconds / 60, 1)} min", f"on {result.workers} worker(s)"),
    ]
    page = render(
        "sensitivity.html.j2",
        title=f"Sensitivity of {plan.scenario.name}",
        name=plan.scenario.name,
        intro=_intro(result),
        base_line=_base_line(result, names=False),
        complete=result.complete,
        data_warning=data_warning(result) if result.data_changed else "",
        progress=f"{len(result.variant_rows)} of {len(plan.variants)} variants finished"
        + (f": {result.stopped}" if result.stopped else ""),
        cards=cards,
        chart=chart,
        findings=f,
        sides=_side_table(result),
        skipped=list(plan.skipped.items()),
        groups=[(g, GROUPS[g].label, GROUPS[g].covers) for g in plan.values],
        carbon=(
            f"EUR {CARBON_REFERENCE_EUR_PER_T:g}/t CO2e = {plan.carbon_reference_cny:,.2f} CNY/t",
            CARBON_REFERENCE_SOURCE,
        ),
    )
    return mark_page(page)


def sensitivity_summary(result: SensitivityResult) -> str:
    """A few lines for the terminal."""
    ref = result.reference
    f = findings(result)
    lines = [
        f"sensitivity {result.plan.scenario.name}: {len(result.variant_rows)} of "
        f"{len(result.plan.variants)} variants, {result.wall_seconds:.0f} s on "
        f"{result.workers} worker(s); base {_m(ref.cost_cny)} M CNY/yr, "
        f"{len(ref.warehouses)} sites",
        f"{'group':<22} {'cost low':>10} {'cost high':>10} {'swing':>8}  warehouses low | high",
    ]
    for rec in result.by_swing():
        lines.append(
            f"{rec['param']:<22} {_m(rec['cost_low_cny']):>10} {_m(rec['cost_high_cny']):>10} "
            f"{_m(rec['swing_cny']):>8}  {_side_change(rec, 'low')} | "
            f"{_side_change(rec, 'high')}"
        )
    lines.append(f["head"])
    if result.data_changed:
        lines.append(f"WARNING: {data_warning(result)}")
    lines += [f"  flips: {x}" for x in f["flips"]]
    lines += [f"  skipped {g}: {why}" for g, why in result.plan.skipped.items()]
    lines += [f"  {r['param']} {r['side']} failed: {r.get('error')}" for r in result.failures[:10]]
    if result.files:
        lines.append(f"report: {result.files.get('html')} (also sensitivity.md, sensitivity.csv)")
    return "\n".join(lines)
