"""Robust siting as files and text: robust.json, the CSV tables, robust.md, a summary."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from optimizer.format import millions
from optimizer.results.files import dumps
from optimizer.results.folders import OutputFolder
from optimizer.studies.robust import RobustResult

_m2 = partial(millions, digits=2)


def write_robust(result: RobustResult, out: str | Path, *, force: bool = False) -> dict[str, Path]:
    """Write robust.json, robust_scenarios.csv, robust_candidates.csv, robust_moved_flows.csv
    and robust.md.

    The folder is corridor's (see :class:`~optimizer.results.folders.OutputFolder`).

    Raises
    ------
    OutputFolderError
        When ``out`` is not corridor's to write.
    """
    with OutputFolder(out, kind="robust", force=force) as folder:
        return {
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
