"""Charts as inline SVG: the one place corridor draws a chart.

Every page (report, comparison, the workspace) embeds these: no script, no
external asset, readable when printed. Two shapes cover the pages:

* :func:`bar_chart`: horizontal bars, one group per label, a bar per series
  (grouped) or the series stacked end to end with a legend;
* :func:`share_bar`: one 100 % bar of shares with a legend.

Colours come from :mod:`optimizer.output.palette` (pass ``colors`` keyed by
series name, e.g. the mode colours, so that charts match the maps).

>>> svg = bar_chart(["a", "b"], {"cost": [1.0, 2.0]}, title="Cost", unit="M")
>>> svg.startswith("<svg") and "Cost" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from optimizer.format import number, percent
from optimizer.output.palette import series_color


def _color(name: str, index: int, colors: Mapping[str, str] | None) -> str:
    if colors is not None and name in colors:
        return colors[name]
    return series_color(index)


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str = "",
    unit: str = "",
    stacked: bool = False,
    scale: float = 1.0,
    digits: int = 1,
    colors: Mapping[str, str] | None = None,
    bar_colors: Sequence[str] | None = None,
    width: int = 760,
) -> Markup:
    """A horizontal bar chart as an inline ``<svg>``.

    Parameters
    ----------
    labels
        One group of bars per label (a scenario, a corridor, a cost part).
    series
        Name -> one value per label. Several series are drawn side by side,
        or end to end with ``stacked``; a legend names them.
    title, unit
        Printed above the chart and after each value.
    stacked
        Stack the series of a label into one bar (its total printed after it).
    scale
        Multiplies every value (``1e-6`` for millions).
    digits
        Decimals of the printed values.
    colors
        Colour per series name (default: the categorical palette in order).
    bar_colors
        One colour per label instead, for a single series (e.g. cost parts).
    width
        Width in pixels.

    Returns
    -------
    Markup
        ``<svg>...</svg>``, safe to insert into a page.
    """
    names = list(series)
    n_lab = len(labels)
    many = len(names) > 1
    bar_h = 18 if (stacked or not many) else 12
    group_h = bar_h + 10 if (stacked or not many) else bar_h * len(names) + 10
    left, right, top = 230, 110, 34 if title else 8
    legend_h = 20 * math.ceil(len(names) / 4) if many else 0
    height = top + n_lab * group_h + legend_h + 12
    vals = {k: [max(0.0, float(v) * scale) for v in s] for k, s in series.items()}
    if stacked:
        vmax = max((sum(vals[k][i] for k in names) for i in range(n_lab)), default=0.0)
    else:
        vmax = max((max(v, default=0.0) for v in vals.values()), default=0.0)
    vmax = vmax or 1.0
    plot_w = width - left - right
    suffix = f" {unit}" if unit else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="12">'
    ]
    if title:
        out.append(f'<text x="4" y="18" font-size="14" font-weight="bold">{escape(title)}</text>')
    for i, lab in enumerate(labels):
        y0 = top + i * group_h
        out.append(
            f'<text x="{left - 6}" y="{y0 + (group_h - 10) / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(str(lab))}</text>"
        )
        x = float(left)
        for j, k in enumerate(names):
            v = vals[k][i]
            w = plot_w * v / vmax
            color = bar_colors[i % len(bar_colors)] if bar_colors else _color(k, j, colors)
            y = y0 if (stacked or not many) else y0 + j * bar_h
            text = f"{number(v, digits)}{suffix}"
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{color}"><title>{escape(k)}: {escape(text)}</title></rect>'
            )
            if stacked:
                x += w
            else:
                out.append(
                    f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 4:.1f}">{escape(text)}</text>'
                )
        if stacked:
            total = sum(vals[k][i] for k in names)
            out.append(
                f'<text x="{x + 4:.1f}" y="{y0 + bar_h - 4:.1f}">'
                f"{escape(number(total, digits) + suffix)}</text>"
            )
    if legend_h:
        ly = top + n_lab * group_h + 8
        for j, k in enumerate(names):
            lx = left + (j % 4) * 130
            yy = ly + 20 * (j // 4)
            out.append(
                f'<rect x="{lx}" y="{yy}" width="10" height="10" fill="{_color(k, j, colors)}"/>'
                f'<text x="{lx + 14}" y="{yy + 9}">{escape(k)}</text>'
            )
    out.append("</svg>")
    return Markup("\n".join(out))


def share_bar(
    labels: Sequence[str],
    shares: Sequence[float],
    *,
    colors: Mapping[str, str] | None = None,
    width: int = 640,
    height: int = 28,
) -> Markup:
    """One 100 % stacked bar of ``shares`` (summing to 1) with a legend below.

    Returns
    -------
    Markup
        ``<svg>...</svg>``.
    """
    legend_rows = math.ceil(len(labels) / 2) if labels else 0
    total_h = height + 10 + legend_rows * 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{total_h}" role="img" font-family="sans-serif" font-size="12">'
    ]
    x = 0.0
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        w = width * max(float(share), 0.0)
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
            f'fill="{_color(label, i, colors)}"><title>{escape(label)}: '
            f"{percent(share)}</title></rect>"
        )
        x += w
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        lx = (i % 2) * (width / 2)
        ly = height + 10 + (i // 2) * 20
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="12" height="12" '
            f'fill="{_color(label, i, colors)}"/>'
            f'<text x="{lx + 17:.1f}" y="{ly + 11}">{escape(label)} {percent(share)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
