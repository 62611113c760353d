"""Saved scenarios: checked like the CLI checks them, written only into the data folder.

:func:`save_scenario` is what ``POST /api/scenarios`` and the scenario form both call;
:func:`form_yaml` turns the form's common changes into the YAML text a user could have
written (and can download, and run with ``corridor solve``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from optimizer.data.programme import is_programme_file
from optimizer.data.scenario import load_scenario, network_of
from optimizer.errors import CorridorError
from optimizer.results.atomic import write_text_atomic
from optimizer.workspace.store import ScenarioRecord, Store

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
#: The bundled scenarios a saved scenario's ``base`` may name.
SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"
#: The modes a form may scale (as the scenario files name them).
FORM_MODES = ("sea", "cr_express", "rail_sea", "rail", "road", "air", "last_mile")


class ScenarioSaveError(ValueError):
    """A scenario that cannot be saved: ``field`` is the form field or JSON key at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _absolute_base(text: str, scenarios_dir: Path) -> str:
    """The YAML with a relative ``base`` resolved against the scenarios folder."""
    return re.sub(
        r"^base:\s*(?![/'\"])([^\s#]+)",
        lambda m: f"base: {(scenarios_dir / m[1]).resolve()}",
        text,
        count=1,
        flags=re.M,
    )


def save_scenario(
    store: Store, folder: Path, name: str, text: str, scenarios_dir: Path = SCENARIOS_DIR
) -> ScenarioRecord:
    """Check a scenario YAML and save it as ``folder/NAME.yaml`` (and in the database);
    a relative ``base`` names a file of ``scenarios_dir`` (the bundled scenarios).

    Raises
    ------
    ScenarioSaveError
        When the name is not a plain file name or taken, or the scenario does not load
        (the message is the CLI's, naming the key path).
    """
    if not NAME.match(name):
        raise ScenarioSaveError("name", "a name is letters, digits, '_' and '-' (at most 80)")
    target = folder / f"{name}.yaml"
    if target.exists():
        raise ScenarioSaveError("name", f"a saved scenario named {name!r} exists")
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".{name}.check.yaml"
    try:
        write_text_atomic(staging, _absolute_base(text, scenarios_dir))
        scenario = load_scenario(staging)
        network_of(scenario)  # the changes applied: unknown ids are found here
    except CorridorError as exc:
        staging.unlink(missing_ok=True)
        raise ScenarioSaveError("yaml", str(exc).replace(str(staging), f"{name}.yaml")) from None
    staging.replace(target)
    return store.add_scenario(name, str(target), scenario.description)


def _ids(text: str) -> list[str]:
    return [x for x in re.split(r"[\s,;]+", text.strip()) if x]


def _number(form: dict[str, str], key: str) -> float | None:
    raw = form.get(key, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ScenarioSaveError(key, f"{raw!r} is not a number") from None


#: How the form names uploaded network data as a base (``network:NAME``).
NETWORK_BASE = "network:"


def form_yaml(
    form: dict[str, str], scenarios_dir: Path = SCENARIOS_DIR, networks_dir: Path | None = None
) -> str:
    """The scenario YAML of the form's fields (empty fields change nothing).

    Fields: ``name``, ``description``, ``base`` (a bundled scenario file name),
    ``close_nodes`` (ids), ``rate_mode`` + ``rate_factor``, ``carbon_price``,
    ``demand_city`` + ``demand_factor``, ``max_warehouses``, ``must_open``,
    ``never_open`` (ids). A ``base`` of ``network:NAME`` is network data uploaded to
    ``networks_dir`` (the scenario then changes that data).
    """
    base = form.get("base", "baseline.yaml")
    if base.startswith(NETWORK_BASE) and networks_dir is not None:
        name = base.removeprefix(NETWORK_BASE)
        folder = networks_dir / name
        if not NAME.match(name) or not (folder / "nodes.csv").is_file():
            raise ScenarioSaveError("base", f"{name!r} is not uploaded network data")
        base = str(folder.resolve())
    elif not (scenarios_dir / base).is_file() or "/" in base:
        raise ScenarioSaveError("base", f"{base!r} is not a bundled scenario")
    changes: list[dict[str, Any]] = []
    if nodes := _ids(form.get("close_nodes", "")):
        changes.append({"close_nodes": nodes})
    factor = _number(form, "rate_factor")
    if factor is not None:
        mode = form.get("rate_mode", "")
        if mode not in FORM_MODES:
            raise ScenarioSaveError("rate_mode", f"mode is one of {', '.join(FORM_MODES)}")
        changes.append({"scale_rates": {"mode": mode, "factor": factor}})
    carbon = _number(form, "carbon_price")
    if carbon is not None:
        changes.append({"carbon_price": carbon})
    growth = _number(form, "demand_factor")
    if growth is not None:
        sel: dict[str, Any] = {"factor": growth}
        if city := form.get("demand_city", ""):
            sel["city"] = city
        changes.append({"scale_demand": sel})
    options: dict[str, Any] = {}
    top = _number(form, "max_warehouses")
    if top is not None:
        options["max_warehouses"] = int(top)
    if must := _ids(form.get("must_open", "")):
        options["must_open"] = must
    if never := _ids(form.get("never_open", "")):
        options["never_open"] = never
    doc: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "description": form.get("description", "").strip() or "made in the workspace",
        "base": base,
        "changes": changes,
    }
    if options:
        doc["options"] = options
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def scenario_files(scenarios_dir: Path = SCENARIOS_DIR) -> list[Path]:
    """The scenario files of a folder (programme files, for ``corridor plan``, left out)."""
    return [p for p in sorted(scenarios_dir.glob("*.yaml")) if not is_programme_file(p)]


def scenario_list(store: Store, scenarios_dir: Path = SCENARIOS_DIR) -> list[dict[str, Any]]:
    """The bundled scenarios, then the saved ones: ``id`` (None when bundled), ``name``,
    ``path``, ``description``, ``bundled`` and ``key`` (what the pages' Run form sends)."""
    out: list[dict[str, Any]] = []
    for p in scenario_files(scenarios_dir):
        try:
            description = load_scenario(p).description
        except CorridorError:
            description = ""
        out.append(
            {
                "id": None,
                "name": p.stem,
                "path": str(p),
                "description": description,
                "bundled": True,
                "key": p.name,
            }
        )
    with store.session() as s:
        for r in s.query(ScenarioRecord).order_by(ScenarioRecord.id):
            out.append(
                {
                    "id": r.id,
                    "name": r.name,
                    "path": r.path,
                    "description": r.description,
                    "bundled": False,
                    "key": f"#{r.id}",
                }
            )
    return out


#: The most scenarios one robust run may hold across (each is a full solve first).
MAX_ROBUST_SCENARIOS = 8
#: Bounds on the count of warehouses and on a robust run's time limit per solve (s).
ROBUST_COUNT = (1, 50)
ROBUST_TIME_LIMIT = (1.0, 3600.0)


def robust_params(
    paths: list[str], warehouses: Any, criterion: str = "expected", time_limit_s: Any = None
) -> dict[str, Any]:
    """The parameters of a robust run, checked as ``corridor robust`` checks its arguments
    (the scenarios are loaded; the form and ``POST /api/runs`` both call this).

    Raises
    ------
    ScenarioSaveError
        With the field at fault: ``scenarios``, ``warehouses``, ``criterion`` or
        ``time_limit_s``.
    """
    from optimizer.studies.robust import CRITERIA

    if not paths:
        raise ScenarioSaveError("scenarios", "tick at least one scenario")
    if len(paths) > MAX_ROBUST_SCENARIOS:
        msg = f"at most {MAX_ROBUST_SCENARIOS} scenarios, got {len(paths)}"
        raise ScenarioSaveError("scenarios", msg)
    if len(set(paths)) < len(paths):
        raise ScenarioSaveError("scenarios", "a scenario is listed twice")
    for p in paths:
        try:
            load_scenario(p)
        except CorridorError as exc:
            raise ScenarioSaveError("scenarios", f"{Path(p).name}: {exc}") from None
    try:
        count = int(str(warehouses).strip())
    except ValueError:
        raise ScenarioSaveError("warehouses", f"{warehouses!r} is not a whole number") from None
    lo, hi = ROBUST_COUNT
    if not lo <= count <= hi:
        raise ScenarioSaveError("warehouses", f"must be between {lo} and {hi}, got {count}")
    if criterion not in CRITERIA:
        msg = f"must be one of {', '.join(CRITERIA)}, got {criterion!r}"
        raise ScenarioSaveError("criterion", msg)
    params: dict[str, Any] = {"scenarios": paths, "warehouses": count, "criterion": criterion}
    if time_limit_s not in (None, ""):
        try:
            limit = float(str(time_limit_s).strip())
        except ValueError:
            msg = f"{time_limit_s!r} is not a number of seconds"
            raise ScenarioSaveError("time_limit_s", msg) from None
        tlo, thi = ROBUST_TIME_LIMIT
        if not tlo <= limit <= thi:  # also refuses nan
            msg = f"must be between {tlo:g} and {thi:g} s, got {limit:g}"
            raise ScenarioSaveError("time_limit_s", msg)
        params["time_limit_s"] = limit
    return params
