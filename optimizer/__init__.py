"""corridor: logistics and overseas-warehouse network optimizer.

The public API, one object per pipeline stage (see ``docs/architecture.md``).
"""

from __future__ import annotations

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
from optimizer.version import __version__ as __version__
from optimizer.version import code_version as code_version
