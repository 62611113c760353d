"""The one pipeline: a scenario in, a checked solution (and its result folder) out.

Every front end runs a scenario through these functions, in this order::

    load_scenario  ->  network_of  ->  build_problem  ->  solve_problem  ->  verify  ->  save
    (scenario file)    (base data +    (design model)     (MILP)             (check)     (folder)
                        changes)

:func:`prepare` does the first three steps, :func:`solve` the next two and
:func:`run_scenario` all of them; :func:`solve_or_reuse` returns an up-to-date
result folder instead of solving again. ``corridor solve``, ``compare``,
``robust`` and ``sweep``, the quote API and the workspace app all call them,
so a scenario means the same thing everywhere. Progress goes to the
``logging`` logger of this module; nothing here prints.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from optimizer.data.network import Network
from optimizer.data.scenario import Scenario, load_scenario, network_of
from optimizer.engine.solver import SolveOptions
from optimizer.errors import InputError
from optimizer.models.design import DesignOptions, DomainProblem, build_problem, solve_problem
from optimizer.models.incumbent import Incumbent
from optimizer.results.check import CheckReport, summarize, verify
from optimizer.results.files import load_solution, save_solution
from optimizer.results.folders import check_output_folder
from optimizer.results.solution import Solution, solution_from_solve
from optimizer.version import code_version

log = logging.getLogger(__name__)

#: Solver options a scenario or the command line may set.
SOLVE_KEYS = ("solver", "time_limit_s", "rel_gap", "threads", "seed")
#: Statuses that come with a solution.
HAS_SOLUTION = ("optimal", "feasible")
#: Where results go when no folder is named.
RESULTS_DIR = Path("results")
#: The default relative gap of a scenario solve.
DEFAULT_REL_GAP = 1e-3


@dataclass(frozen=True)
class Prepared:
    """A scenario ready to solve: its network, model options and built design problem."""

    scenario: Scenario
    network: Network
    options: DesignOptions
    problem: DomainProblem


@dataclass(frozen=True)
class RunResult:
    """A solved (or reused) scenario: the solution, its check, and where its files are."""

    scenario: Scenario
    solution: Solution
    check: CheckReport | None = None
    directory: Path | None = None
    reused: bool = False
    network: Network | None = None

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def path(self) -> str:
        """The scenario file."""
        return self.scenario.path

    @property
    def description(self) -> str:
        """The scenario's description."""
        return self.scenario.description

    @property
    def source(self) -> str:
        """The scenario's source."""
        return self.scenario.source


# -- options ------------------------------------------------------------------------------


def design_options(scenario: Scenario) -> DesignOptions:
    """The model options of a scenario (after every change and ``options`` block)."""
    return options_from(scenario.options)


def options_from(values: dict[str, Any]) -> DesignOptions:
    """Design options from plain values (a scenario's, or ``options`` in solution.json).

    Keys that are not design options and ``None`` values are left out; lists
    of site ids become tuples.
    """
    keys = DesignOptions.__dataclass_fields__
    kw = {k: v for k, v in values.items() if k in keys and v is not None}
    for k in ("must_open", "never_open", "never_shared"):
        if k in kw:
            kw[k] = tuple(kw[k])
    return DesignOptions(**kw)


def solve_options(scenario: Scenario, **overrides: Any) -> SolveOptions:
    """Solver options: the scenario's, then the overrides that are not ``None``."""
    kw = {k: scenario.options[k] for k in SOLVE_KEYS if scenario.options.get(k) is not None}
    kw.update({k: v for k, v in overrides.items() if v is not None})
    kw.setdefault("rel_gap", DEFAULT_REL_GAP)
    return SolveOptions(**kw)


def as_scenario(scenario: str | Path | Scenario) -> Scenario:
    """A parsed scenario (a path is loaded with :func:`~optimizer.data.scenario.load_scenario`).

    Raises
    ------
    InputError
        When the scenario file is bad.
    """
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


# -- the stages ---------------------------------------------------------------------------


def prepare(
    scenario: str | Path | Scenario,
    *,
    options: DesignOptions | None = None,
    network: Network | None = None,
    strict: bool = False,
) -> Prepared:
    """Load a scenario, apply its changes to its base data and build its design problem.

    ``options`` replaces the scenario's model options (robust siting drops the
    warehouse limits); ``network`` is used instead of the scenario's own (a
    caller that already has it); ``strict`` makes data warnings errors.

    Raises
    ------
    InputError
        On a bad scenario, or options that name unknown warehouses.
    NetworkDataError
        When the base data has problems.
    """
    sc = as_scenario(scenario)
    log.info("scenario %s: %s, %d change(s)", sc.name, sc.data_dir, len(sc.changes))
    net = network if network is not None else network_of(sc, strict=strict)
    opts = options if options is not None else design_options(sc)
    problem = build_problem(net, opts)
    return Prepared(scenario=sc, network=net, options=opts, problem=problem)


def base_start(
    scenario: Scenario, results_dir: str | Path = RESULTS_DIR
) -> tuple[Incumbent, Path] | None:
    """The base scenario's result on disk, as a start for this variant (``None``: none usable).

    A variant (``base: baseline.yaml``) starts from ``results/baseline/``
    when that folder holds a solution: its routes start the route generation
    and its design and flows, repaired to fit, are the MIP start.
    """
    if not scenario.base_file:
        return None
    folder = Path(results_dir) / Path(scenario.base_file).stem
    if not (folder / "solution.json").is_file():
        return None
    try:
        start = Incumbent.from_solution(load_solution(folder))
    except (InputError, OSError, ValueError, KeyError) as exc:
        log.info("not starting from %s/: %s", folder, exc)
        return None
    return (start, folder) if start is not None else None


def solve(
    prepared: Prepared,
    options: SolveOptions,
    *,
    started: float | None = None,
    start: tuple[Incumbent, Path] | None = None,
) -> RunResult:
    """Solve a prepared scenario and check the solution independently (nothing is written).

    ``start``: a related solution and the folder it came from (the base
    scenario's result, :func:`base_start`), the solve's warm start.

    The solution's ``meta`` holds what ``solution.json`` records beside the
    solve: the scenario file, its fingerprint, the code version, the options,
    the pre-check of unservable demand, the independent check and the wall
    time since ``started`` (default: now).
    """
    t0 = time.perf_counter() if started is None else started
    sc, net = prepared.scenario, prepared.network
    log.info(
        "solving with %s (time limit %g s, gap %g)",
        options.solver,
        options.time_limit_s,
        options.rel_gap,
    )
    if start is not None:
        log.info("warm start from %s/ (objective %s)", start[1], start[0].objective)
    solved = solve_problem(prepared.problem, options, start=start[0] if start else None)
    r = solved.result
    log.info(
        "%s: objective %s, bound %s, %.1f s, model %s",
        r.status,
        r.objective,
        r.bound,
        r.seconds,
        r.size,
    )
    sol = solution_from_solve(solved, sc.name)
    report = verify(net, sol, prepared.options) if r.has_solution else None
    if report is not None and not report.ok:
        log.warning("CHECK FAILED: %s", "; ".join(report.violations[:5]))
    meta = {
        "scenario_file": str(sc.path),
        "description": sc.description,
        "data_dir": sc.data_dir,
        "fingerprint": sc.fingerprint(),
        "code_version": code_version(),
        "options": {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(prepared.options).items()
        },
        "solve_options": asdict(options),
        "unserved_precheck": prepared.problem.unserved,
        "route_generation": (
            solved.route_generation.to_json(r.objective)
            if solved.route_generation is not None
            else None
        ),
        "check": summarize(report) if report is not None else None,
        "warm_start": (
            {"from": str(start[1]), "objective": start[0].objective} if start is not None else None
        ),
        "wall_seconds": round(time.perf_counter() - t0, 3),
    }
    return RunResult(
        scenario=sc, solution=replace(sol, meta=meta), check=report, network=prepared.network
    )


def default_result_dir(scenario: Scenario, results_dir: str | Path = RESULTS_DIR) -> Path:
    """``results/<scenario file name without .yaml>/``.

    Named after the file, not the scenario's ``name:``, so that a copy of
    ``baseline.yaml`` saved as ``baseline_v2.yaml`` writes its own folder.
    """
    return Path(results_dir) / Path(scenario.path).stem


def run_scenario(
    scenario: str | Path | Scenario,
    *,
    out: str | Path | None = None,
    save: bool = True,
    force: bool = False,
    strict: bool = False,
    warm: bool = True,
    routes: str | None = None,
    **overrides: Any,
) -> RunResult:
    """Solve a scenario end to end and write its result folder (unless ``save`` is false).

    ``warm``: a variant starts from its base scenario's result when there is
    one (:func:`base_start`); ``False`` solves from scratch. ``routes``
    replaces the scenario's ``routes`` option (``generated``, ``complete`` or
    ``k_shortest``).

    ``out`` defaults to :func:`default_result_dir`; ``force`` writes into a
    folder that holds other files (see :func:`~optimizer.results.files.save_solution`);
    ``strict`` makes data warnings (e.g. demand far from the plan targets) errors.
    ``overrides`` are solver options (``solver``, ``time_limit_s``,
    ``rel_gap``, ``threads``, ``seed``, ``verbose``); ``None`` keeps the
    scenario's.

    Raises
    ------
    InputError
        On a bad scenario or bad options.
    NetworkDataError
        When the base data has problems.
    OutputFolderError
        When the result folder is not corridor's to write (checked before solving).
    """
    started = time.perf_counter()
    sc = as_scenario(scenario)
    sopts = solve_options(sc, **overrides)
    target = Path(out) if out is not None else default_result_dir(sc)
    if save:
        check_output_folder(target, force=force)  # refuse before spending minutes on a solve
    start = base_start(sc) if warm else None
    opts = design_options(sc)
    if routes is not None:
        opts = replace(opts, routes=routes)
    run = solve(prepare(sc, options=opts, strict=strict), sopts, started=started, start=start)
    if not save:
        return run
    save_solution(run.solution, target, force=force)
    log.info("results written to %s/", target)
    return replace(run, directory=target)


# -- reuse --------------------------------------------------------------------------------


def is_up_to_date(
    directory: str | Path, fingerprint: str, overrides: dict[str, Any] | None = None
) -> bool:
    """Whether ``directory`` holds a usable result of a scenario with this fingerprint.

    Usable: ``solution.json`` exists and parses, its ``fingerprint`` and
    ``code_version`` match, its status has a solution, and every solver option
    in ``overrides`` that is not ``None`` equals the stored one.
    """
    path = Path(directory) / "solution.json"
    if not path.is_file():
        return False
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if doc.get("fingerprint") != fingerprint or doc.get("code_version") != code_version():
        return False
    if doc.get("status") not in HAS_SOLUTION:
        return False
    stored = doc.get("solve_options") or {}
    for key, value in (overrides or {}).items():
        if value is not None and stored.get(key) != value:
            return False
    return all((Path(directory) / f).is_file() for f in ("lanes.csv", "warehouses.csv"))


def solve_or_reuse(
    scenario: str | Path | Scenario,
    *,
    results_dir: str | Path = RESULTS_DIR,
    resolve: bool = False,
    force: bool = False,
    **overrides: Any,
) -> RunResult:
    """Solve a scenario into its folder under ``results_dir``, or reuse the result there.

    The folder is :func:`default_result_dir`; its result is reused when up to
    date (:func:`is_up_to_date`) unless ``resolve``. ``force`` writes into a
    folder with other files. ``overrides`` are solver options as for
    :func:`run_scenario`.

    Raises
    ------
    InputError
        When the scenario file is bad.
    OutputFolderError
        When the folder is not corridor's to write.
    """
    sc = as_scenario(scenario)
    target = default_result_dir(sc, results_dir)
    wanted = {k: overrides.get(k) for k in SOLVE_KEYS}
    if not resolve and is_up_to_date(target, sc.fingerprint(), wanted):
        log.info("%s: reusing %s/ (scenario, data and code unchanged)", sc.name, target)
        return RunResult(scenario=sc, solution=load_solution(target), directory=target, reused=True)
    log.info("%s: solving", sc.name)
    return run_scenario(sc, out=target, force=force, **overrides)
