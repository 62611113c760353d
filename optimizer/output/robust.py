"""Robust siting as files and text: robust.json, the CSV tables, robust.md, robust.html,
the printable one-page brief (brief.html) and a summary for the terminal.

The brief is for the official who has to defend the choice: which warehouses (names in
English and Chinese), why each one (in how many scenarios' own optimum it is open, the
cargo it handles and the markets it serves, its fixed cost), how robust the set is (its
cost and regret in every scenario, with the solver-tolerance verdict), the runners-up,
and a map of the plan. A chosen warehouse that handles (almost) no cargo in every
scenario is said to be there only to make up the count P: a brief must not present it
as a finding.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.format import millions, number, percent
from optimizer.output.html import render
from optimizer.output.mapping import map_solution, render_map
from optimizer.results.files import dumps
from optimizer.results.folders import OutputFolder
from optimizer.studies.moves import WITHIN
from optimizer.studies.robust import RobustResult

log = logging.getLogger(__name__)

_m2 = partial(millions, digits=2)

#: Below this many tonnes a year in every scenario a chosen warehouse "handles no cargo".
IDLE_TONNES = 1.0


@dataclass(frozen=True)
class ChosenWarehouse:
    """One warehouse of the robust set, with the reasons a brief gives for it."""

    warehouse_id: str
    name: str
    name_zh: str
    country: str
    tier: str
    public_service: bool
    fixed_cost_cny: float
    in_optimum: int  # in how many scenarios' own optimum it is open
    tonnes_min: float
    tonnes_max: float
    utilisation_max: float | None
    markets: tuple[str, ...]
    reasons: tuple[str, ...]
    idle: bool  # no cargo in any scenario: it only makes up the count


def chosen_warehouses(result: RobustResult) -> list[ChosenWarehouse]:
    """The chosen warehouses in the order of the candidate table, each with its reasons."""
    names = list(result.scenarios["scenario"]) if len(result.scenarios) else []
    n = len(names)
    net = next(iter(result.networks.values()), None)
    out = []
    for _, r in result.candidates[result.candidates["chosen"]].iterrows():
        w = str(r["warehouse_id"])
        tonnes = [float(r[f"tonnes_{s}"]) for s in names]
        utils: list[float] = []
        markets: set[str] = set()
        for s in names:
            wh = result.solutions[s].warehouses if s in result.solutions else pd.DataFrame()
            hit = wh[wh["warehouse_id"] == w] if len(wh) else wh
            if len(hit):
                u = pd.to_numeric(hit["utilization"], errors="coerce").max()
                if pd.notna(u):
                    utils.append(float(u))
                for m in hit["markets_served"].fillna("").astype(str):
                    markets.update(x for x in m.split(";") if x)
        lo, hi = (min(tonnes), max(tonnes)) if tonnes else (0.0, 0.0)
        zh = net.node_name(w, "zh") if net is not None else ""
        idle = hi < IDLE_TONNES
        reasons = [f"open in the own optimum of {int(r['in_optimum_count'])} of {n} scenarios"]
        if idle:
            reasons.append(
                "handles no cargo in any scenario: it is in the set only to make up the "
                f"count of {result.warehouses}; the scenarios do not justify it"
            )
        else:
            span = number(lo) if abs(hi - lo) < 0.5 else f"{number(lo)} to {number(hi)}"
            util = f", at most {percent(max(utils))} of its capacity" if utils else ""
            reasons.append(f"handles {span} t a year{util}")
        if markets:
            shown = sorted(net.node_name(m) if net is not None else m for m in markets)
            reasons.append("serves " + ", ".join(shown))
        if bool(r["public_service"]):
            reasons.append("a public-service warehouse (space for small exporters)")
        reasons.append(f"fixed cost {_m2(float(r['fixed_cost_cny']))} M CNY a year")
        out.append(
            ChosenWarehouse(
                warehouse_id=w,
                name=str(r["name"]),
                name_zh=zh if zh != r["name"] else "",
                country=str(r["country"]),
                tier=str(r["tier"]),
                public_service=bool(r["public_service"]),
                fixed_cost_cny=float(r["fixed_cost_cny"]),
                in_optimum=int(r["in_optimum_count"]),
                tonnes_min=lo,
                tonnes_max=hi,
                utilisation_max=max(utils) if utils else None,
                markets=tuple(sorted(markets)),
                reasons=tuple(reasons),
                idle=idle,
            )
        )
    return out


def robust_map(result: RobustResult) -> str | None:
    """The offline map of the robust plan in the first scenario (``None`` when it cannot be
    drawn: the rest of a page does not depend on it)."""
    if not len(result.scenarios):
        return None
    first = str(result.scenarios["scenario"].iloc[0])
    if first not in result.solutions or first not in result.networks:
        return None
    try:
        fmap = map_solution(result.solutions[first], result.networks[first], offline=True)
        return render_map(fmap)
    except Exception as exc:  # a map is a bonus: never lose the brief for it
        log.warning("map of the robust plan skipped: %s: %s", type(exc).__name__, exc)
        return None


def _context(result: RobustResult, map_html: str | None) -> dict[str, Any]:
    names = list(result.scenarios["scenario"]) if len(result.scenarios) else []
    chosen = chosen_warehouses(result)
    regret_rows = []
    worst: tuple[float, str] = (0.0, "")
    for _, r in result.scenarios.iterrows():
        share = float(r["regret_share"])
        within = r["regret_verdict"] == WITHIN
        if not within and share > worst[0]:
            worst = (share, str(r["scenario"]))
        regret_rows.append(
            [
                str(r["scenario"]),
                _m2(float(r["robust_cost_cny"])),
                _m2(float(r["optimum_cost_cny"])),
                _m2(float(r["regret_cny"])),
                f"{share:.2%}",
                "within solver tolerance" if within else "regret",
                number(float(r["robust_unmet_tonnes"])),
                "ok" if r["check_ok"] else "FAILED",
            ]
        )
    others = result.candidates[~result.candidates["chosen"]]
    runners = others[others["in_optimum_count"] > 0].head(5)
    runner_rows = [
        [
            f"{r['name']} ({r['warehouse_id']})",
            str(r["country"]),
            f"{int(r['in_optimum_count'])} of {len(names)}",
            _m2(float(r["fixed_cost_cny"])),
        ]
        for _, r in runners.iterrows()
    ]
    cand_rows = [
        [
            f"{r['name']} ({r['warehouse_id']})",
            str(r["country"]),
            "yes" if r["chosen"] else "",
            str(r["tier"]),
            "yes" if r["public_service"] else "",
            f"{int(r['in_optimum_count'])}/{len(names)}",
            _m2(float(r["fixed_cost_cny"])),
            *[number(float(r[f"tonnes_{s}"])) for s in names],
        ]
        for _, r in result.candidates.iterrows()
        if r["chosen"]
        or r["in_optimum_count"] > 0
        or max((float(r[f"tonnes_{s}"]) for s in names), default=0.0) > IDLE_TONNES
    ]
    return {
        "result": result,
        "names": names,
        "chosen": chosen,
        "idle": [c for c in chosen if c.idle],
        "regret_header": [
            "scenario",
            "cost with the set (M CNY/yr)",
            "own optimum (M CNY/yr)",
            "regret (M CNY/yr)",
            "regret %",
            "verdict",
            "unmet t/yr",
            "check",
        ],
        "regret_rows": regret_rows,
        "brief_rows": [row[:6] for row in regret_rows],
        "worst": worst,
        "runner_header": ["warehouse", "country", "in own optima", "fixed cost (M CNY/yr)"],
        "runner_rows": runner_rows,
        "cand_header": [
            "warehouse",
            "country",
            "chosen",
            "tier",
            "public",
            "in optima",
            "fixed cost (M CNY/yr)",
            *[f"t/yr {s}" for s in names],
        ],
        "cand_rows": cand_rows,
        "objective": _m2(result.objective),
        "gap": None if result.gap is None else f"{result.gap:.3%}",
        "map_html": map_html,
        "today": dt.date.today().isoformat(),
    }


def robust_html(result: RobustResult, map_html: str | None = None) -> str:
    """The robust choice as one self-contained HTML page (tables, reasons, the map)."""
    return render(
        "robust.html.j2",
        title=f"corridor robust: P = {result.warehouses}",
        **_context(result, map_html),
    )


def brief_html(result: RobustResult, map_html: str | None = None) -> str:
    """The printable one-page brief (A4) for officials: the set, the reasons, the regret."""
    return render(
        "brief.html.j2",
        title=f"Demonstration overseas warehouses: {result.warehouses} recommended",
        **_context(result, map_html),
    )


def write_robust(
    result: RobustResult, out: str | Path, *, force: bool = False, maps: bool = True
) -> dict[str, Path]:
    """Write robust.json, robust_scenarios.csv, robust_candidates.csv, robust_moved_flows.csv,
    robust.md, robust.html and brief.html (``maps=False`` leaves the map out of both pages).

    The folder is corridor's (see :class:`~optimizer.results.folders.OutputFolder`).

    Raises
    ------
    OutputFolderError
        When ``out`` is not corridor's to write.
    """
    map_html = robust_map(result) if maps and result.chosen else None
    with OutputFolder(out, kind="robust", force=force) as folder:
        pages = (
            {
                "html": folder.write_text("robust.html", robust_html(result, map_html)),
                "brief": folder.write_text("brief.html", brief_html(result, map_html)),
            }
            if result.chosen
            else {}
        )
        return {
            **pages,
            "json": folder.write_text("robust.json", dumps(result.to_json()) + "\n"),
            "scenarios": folder.write_text(
                "robust_scenarios.csv", result.scenarios.to_csv(index=False)
            ),
            "candidates": folder.write_text(
                "robust_candidates.csv", result.candidates.to_csv(index=False)
            ),
            "moves": folder.write_text("robust_moved_flows.csv", result.moves.to_csv(index=False)),
            "markdown": folder.write_text("robust.md", robust_markdown(result)),
        }


def robust_markdown(result: RobustResult) -> str:
    """The robust choice as a short Markdown report."""
    lines = [
        f"# Robust demonstration warehouses ({result.criterion}, P = {result.warehouses})",
        "",
        f"Status {result.status}, objective {_m2(result.objective)} M CNY/yr"
        + (f", gap {result.gap:.3%}" if result.gap is not None else "")
        + f", {result.seconds:.1f} s.",
        "",
        "**Chosen:** " + (", ".join(result.chosen) or "-"),
        "",
        "## Cost and regret per scenario (M CNY/yr)",
        "",
        "| scenario | robust set | own optimum | regret | regret % | unmet t/yr | "
        "own optimum's set | check |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for _, r in result.scenarios.iterrows():
        lines.append(
            f"| {r['scenario']} | {_m2(r['robust_cost_cny'])} | {_m2(r['optimum_cost_cny'])} | "
            f"{_m2(r['regret_cny'])} | {r['regret_share']:.2%} | "
            f"{r['robust_unmet_tonnes']:,.0f} | "
            f"{r['optimum_warehouses'].replace(';', ', ')} | "
            f"{'ok' if r['check_ok'] else 'FAILED'} |"
        )
    names = list(result.scenarios["scenario"]) if len(result.scenarios) else []
    if len(result.scenarios):
        gap = result.scenarios["optimum_gap"].fillna(0).max()
        lines += [
            "",
            f"Own optima are solved to a relative gap of at most {gap:.2%}: a regret within "
            "that share of the cost (even a slightly negative one) is zero. Unmet demand is "
            "costed at the penalty of parameters.csv; with few warehouses, 9810 demand whose "
            "market no chosen warehouse reaches is unmet.",
        ]
    lines += [
        "",
        "## Candidates",
        "",
        "Cost = fixed cost + handling and storage of its throughput in the robust plan (M CNY/yr); "
        "'in optima' = in how many scenarios' own optimum it is open.",
        "",
        "| warehouse | chosen | public | in optima | "
        + " | ".join(f"cost {n}" for n in names)
        + " |",
        "|---|---|---|---:|" + "---:|" * len(names),
    ]
    for _, r in result.candidates.iterrows():
        if not r["chosen"] and r["in_optimum_count"] == 0:
            continue
        lines.append(
            f"| {r['warehouse_id']} | {'yes' if r['chosen'] else ''} | "
            f"{'yes' if r['public_service'] else ''} | {r['in_optimum_count']}/{len(names)} | "
            + " | ".join(_m2(r[f"cost_{n}"]) for n in names)
            + " |"
        )
    lines.append("")
    lines.append("Candidates neither chosen nor in any optimum are in robust_candidates.csv.")
    return "\n".join(lines) + "\n"


def robust_summary(result: RobustResult) -> str:
    """A short text summary for the terminal."""
    lines = [
        f"robust set ({result.criterion}, P={result.warehouses}): "
        + (", ".join(result.chosen) or "-"),
        f"status {result.status}, objective {_m2(result.objective)} M CNY/yr, "
        f"{result.seconds:.1f} s",
    ]
    for _, r in result.scenarios.iterrows():
        lines.append(
            f"  {r['scenario']:<28} cost {_m2(r['robust_cost_cny']):>10} M  "
            f"own optimum {_m2(r['optimum_cost_cny']):>10} M  regret {_m2(r['regret_cny']):>8} M "
            f"({r['regret_share']:.2%})  check {'ok' if r['check_ok'] else 'FAILED'}"
        )
    return "\n".join(lines)
