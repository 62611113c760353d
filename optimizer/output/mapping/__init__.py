"""Maps of the network, of a solution, of two solutions side by side, and of a quote.

Every builder takes plain results and a :class:`~optimizer.data.network.Network`,
never solves anything, and returns a folium map (``fmap=`` draws on a map you
already have, as PyVRP's plotting takes ``ax=``):

* :func:`map_network`: nodes by kind with English and Chinese names, services
  by mode as toggleable layers, a legend.
* :func:`map_solution`: lanes drawn along their real geometry, width by tonnes
  and colour by mode, with containers and fill rate in their popups; open
  warehouses sized by throughput, closed candidates hollow; markets sized by
  demand, with how they are served and any unmet demand flagged; a KPI box.
* :func:`map_comparison`: two solutions side by side on synchronised maps,
  with what changed (warehouses opened or closed, flows that moved).
* :func:`map_quote`: each alternative of a quote as a layer.

Longitudes: the maps are centred on Asia. Places west of
:data:`WRAP_WEST_OF` (the Americas) are drawn 360 degrees east, beside the
Pacific, and every line is unwrapped so that it runs continuously (Qinzhou to
Los Angeles crosses the Pacific instead of the whole map).

Offline: with ``offline=True`` the map has no tile layer but the Natural Earth
country outlines bundled in ``network_data/ne_countries.geojson``, and
:func:`save_map` writes one self-contained file (see :mod:`optimizer.output.mapping.offline`).
"""

from optimizer.output.mapping.base import ALTERNATIVE_COLORS as ALTERNATIVE_COLORS
from optimizer.output.mapping.base import COUNTRIES_FILE as COUNTRIES_FILE
from optimizer.output.mapping.base import KIND_GROUPS as KIND_GROUPS
from optimizer.output.mapping.base import render_map as render_map
from optimizer.output.mapping.base import save_map as save_map
from optimizer.output.mapping.comparison import map_comparison as map_comparison
from optimizer.output.mapping.files import MAPS_DIR as MAPS_DIR
from optimizer.output.mapping.files import write_comparison_map as write_comparison_map
from optimizer.output.mapping.files import write_network_map as write_network_map
from optimizer.output.mapping.files import write_solution_map as write_solution_map
from optimizer.output.mapping.geometry import WRAP_WEST_OF as WRAP_WEST_OF
from optimizer.output.mapping.geometry import display_lon as display_lon
from optimizer.output.mapping.geometry import display_path as display_path
from optimizer.output.mapping.geometry import service_path as service_path
from optimizer.output.mapping.network import map_network as map_network
from optimizer.output.mapping.quote import map_quote as map_quote
from optimizer.output.mapping.solution import map_solution as map_solution
from optimizer.output.palette import MODE_COLORS as MODE_COLORS
from optimizer.results.files import load_result as load_result
