"""HTML pages from Jinja2 templates (``optimizer/output/templates``), autoescaped.

Every page corridor writes (a solution's report, a comparison) extends
``base.html.j2``: one stylesheet, inline, no external asset, so a page can be
mailed or opened on an intranet. The number formatters of
:mod:`optimizer.format` are filters (``{{ x | millions }}``) and the charts of
:mod:`optimizer.output.charts` are globals.
"""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

import optimizer.format as fmt
from optimizer.output import charts, palette


@functools.cache
def environment() -> Environment:
    """The template environment (autoescaped HTML; an undefined name is an error)."""
    env = Environment(
        loader=PackageLoader("optimizer.output", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        number=fmt.number,
        millions=fmt.millions,
        percent=fmt.percent,
        money=fmt.money,
        yes=fmt.yes,
    )
    env.globals.update(
        bar_chart=charts.bar_chart,
        share_bar=charts.share_bar,
        mode_color=palette.mode_color,
        MODE_LABELS=palette.MODE_LABELS,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Render a template of ``optimizer/output/templates`` with ``context``."""
    return environment().get_template(template).render(**context)
