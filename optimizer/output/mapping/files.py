"""Writing maps to files: a result folder's map, the network map, a comparison map."""

from __future__ import annotations

from pathlib import Path

from optimizer.data.network import Network
from optimizer.output.mapping.base import save_map
from optimizer.output.mapping.comparison import map_comparison
from optimizer.output.mapping.network import map_network
from optimizer.output.mapping.solution import map_solution
from optimizer.results.files import load_result

#: Default folder for maps.
MAPS_DIR = Path("maps")


def default_map_path(name: str, offline: bool) -> Path:
    return MAPS_DIR / f"{name}{'_offline' if offline else ''}.html"


def write_solution_map(
    result_dir: str | Path, *, offline: bool = False, out: str | Path | None = None
) -> Path:
    """Load a result directory and its network, and write the solution map.

    Parameters
    ----------
    result_dir
        A directory written by ``corridor solve``.
    offline
        A single self-contained file: no tiles, JavaScript and CSS inlined.
    out
        Target file (default ``maps/<result directory name>.html``, with
        ``_offline`` before the suffix when offline).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        When the result or its network cannot be read.
    OfflineAssetError
        When ``offline`` and an asset cannot be inlined.
    """
    solution, network = load_result(result_dir)
    fmap = map_solution(solution, network, offline=offline)
    name = Path(result_dir).resolve().name or solution.scenario
    return save_map(fmap, out or default_map_path(name, offline), offline=offline)


def write_network_map(
    network: Network, *, offline: bool = False, out: str | Path | None = None
) -> Path:
    """Write the network map (default ``maps/network.html``).

    Parameters
    ----------
    network
        The network.
    offline
        A single self-contained file.
    out
        Target file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OfflineAssetError
        When ``offline`` and an asset cannot be inlined.
    """
    fmap = map_network(network, offline=offline)
    return save_map(fmap, out or default_map_path("network", offline), offline=offline)


def write_comparison_map(
    result_a: str | Path,
    result_b: str | Path,
    *,
    offline: bool = False,
    out: str | Path | None = None,
) -> Path:
    """Load two result directories and write their side-by-side map.

    Parameters
    ----------
    result_a, result_b
        Result directories (A left, B right).
    offline
        A single self-contained file.
    out
        Target file (default ``maps/compare_<A>_<B>.html``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        When a result or its network cannot be read.
    OfflineAssetError
        When ``offline`` and an asset cannot be inlined.
    """
    sol_a, net_a = load_result(result_a)
    sol_b, net_b = load_result(result_b)
    dual = map_comparison(sol_a, sol_b, net_a, network_b=net_b, offline=offline)
    name = f"compare_{Path(result_a).resolve().name}_{Path(result_b).resolve().name}"
    return save_map(dual, out or default_map_path(name, offline), offline=offline)
