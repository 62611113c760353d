"""corridor: logistics and overseas-warehouse network optimizer.

The public API, one object per pipeline stage (see ``docs/architecture.md``).
"""

from __future__ import annotations

__version__ = "0.1.0"


def code_version() -> str:
    """Version plus a hash of the package's source files (changes with every code change)."""
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


from optimizer.check import verify as verify
from optimizer.data import load_network as load_network
from optimizer.design import DesignOptions as DesignOptions
from optimizer.design import build_problem as build_problem
from optimizer.design import solve_problem as solve_problem
from optimizer.mapping import map_solution as map_solution
from optimizer.network import Network as Network
from optimizer.pricing import Cargo as Cargo
from optimizer.pricing import Quote as Quote
from optimizer.pricing import quote as quote
from optimizer.scenario import apply_changes as apply_changes
from optimizer.scenario import load_scenario as load_scenario
from optimizer.scenario import network_for_scenario as network_for_scenario
from optimizer.solution import Solution as Solution
from optimizer.solution import load_solution as load_solution
from optimizer.solution import save_solution as save_solution
from optimizer.solver import SolveOptions as SolveOptions
