"""corridor: logistics and overseas-warehouse network optimizer.

The public API, one object per pipeline stage (see ``docs/architecture.md``).
"""

from __future__ import annotations

__version__ = "0.1.0"


def code_version() -> str:
    """Version plus a hash of every source file of the package (changes with every code change).

    Every file below the package folder counts (modules of every subpackage,
    templates and static assets), so a reused result is never older than the
    code that would write it.
    """
    import hashlib
    from pathlib import Path

    root = Path(__file__).parent
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


from optimizer.data.loader import load_network as load_network
from optimizer.data.network import Network as Network
from optimizer.data.scenario import apply_changes as apply_changes
from optimizer.data.scenario import load_scenario as load_scenario
from optimizer.data.scenario import network_for_scenario as network_for_scenario
from optimizer.engine.solver import SolveOptions as SolveOptions
from optimizer.models.design import DesignOptions as DesignOptions
from optimizer.models.design import build_problem as build_problem
from optimizer.models.design import solve_problem as solve_problem
from optimizer.output.mapping import map_solution as map_solution
from optimizer.pricing.quote import Cargo as Cargo
from optimizer.pricing.quote import Quote as Quote
from optimizer.pricing.quote import quote as quote
from optimizer.results.check import verify as verify
from optimizer.results.files import load_solution as load_solution
from optimizer.results.files import save_solution as save_solution
from optimizer.results.solution import Solution as Solution
from optimizer.studies.pipeline import run_scenario as run_scenario
from optimizer.studies.pipeline import solve_or_reuse as solve_or_reuse
