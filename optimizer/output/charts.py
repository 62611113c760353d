"""Charts as inline SVG: the one place corridor draws a chart.

Every page (report, comparison, the workspace) embeds these: no script, no
external asset, readable when printed. Three shapes cover the pages:

* :func:`bar_chart`: horizontal bars, one group per label, a bar per series
  (grouped) or the series stacked end to end with a legend;
* :func:`share_bar`: one 100 % bar of shares with a legend;
* :func:`tornado_chart`: per row a low and a high bar from a base value
  (a sensitivity), each with a note beside it.

Colours come from :mod:`optimizer.output.palette` (pass ``colors`` keyed by
series name, e.g. the mode colours, so that charts match the maps).

>>> svg = bar_chart(["a", "b"], {"cost": [1.0, 2.0]}, title="Cost", unit="M")
>>> svg.startswith("<svg") and "Cost" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class TornadoRow:
    """One row of :func:`tornado_chart`: a label, each side's value and its note.

    ``low`` / ``high`` are ``None`` where a side has no value (drawn as
    ``missing``); a ``faint`` side is drawn pale (e.g. a difference within the
    solvers' tolerance); ``*_text`` names the side (``x0.75``) before its note.
    """

    label: str
    low: float | None
    high: float | None
    sublabel: str = ""
    low_text: str = "low"
    high_text: str = "high"
    low_note: str = ""
    high_note: str = ""
    low_faint: bool = False
    high_faint: bool = False
    missing: str = "no solution"


#: The minus sign of printed differences.
MINUS = "\u2212"


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1.0, 2.0, 5.0, 10.0):
        if raw <= m * mag:
            return m * mag
    return 10.0 * mag


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def tornado_chart(
    rows: Sequence[TornadoRow],
    base: float,
    *,
    title: str = "",
    unit: str = "",
    scale: float = 1.0,
    digits: int = 1,
    low_name: str = "low",
    high_name: str = "high",
    faint_name: str = "",
    colors: tuple[str, str] | None = None,
    width: int = 1120,
    notes_width: int = 440,
) -> Markup:
    """A tornado chart as an inline ``<svg>``: per row, bars from ``base`` to each side.

    The rows are drawn in the order given (sort them by swing first). The
    low side is the upper bar of a row and the high side the lower one, each
    with its difference from ``base`` printed at its end and its note (e.g.
    the warehouses it opens and closes) in a column on the right; the axis
    shows absolute values, with a line at ``base``.

    Parameters
    ----------
    rows
        :class:`TornadoRow` per parameter.
    base
        The value every bar starts from.
    title, unit
        Printed above the chart, and after the base value and the differences.
    scale
        Multiplies every value (``1e-6`` for millions).
    digits
        Decimals of the printed values.
    low_name, high_name, faint_name
        The legend's words for the two sides and for a pale bar (no legend
        entry when empty).
    colors
        (low, high) bar colours (default: the first two categorical colours).
    width
        Width in pixels.
    notes_width
        Width of the notes column in pixels; a longer note is cut (the whole
        note is its tooltip and the bar's).

    Returns
    -------
    Markup
        ``<svg>...</svg>``, safe to insert into a page.
    """
    c_low, c_high = colors or (series_color(0), series_color(1))
    left, notes_w, pad = 250, notes_width, 70
    note_chars = max(10, int((notes_w - 34) / 6.8))  # about 6.8 px a character at 12 px
    bar_h, gap = 14, 2
    row_h = 2 * bar_h + gap + 14
    top = (30 if title else 6) + 22
    x0, x1 = left + 8, width - notes_w - 8
    b = float(base) * scale
    values = [b]
    for r in rows:
        values += [float(v) * scale for v in (r.low, r.high) if v is not None]
    lo, hi = min(values), max(values)
    if hi - lo <= 0:
        lo, hi = lo - max(abs(lo), 1.0) * 0.01, hi + max(abs(hi), 1.0) * 0.01
    plot_w = x1 - x0 - 2 * pad

    def x(v: float) -> float:
        return x0 + pad + (v - lo) / (hi - lo) * plot_w

    suffix = f" {unit}" if unit else ""
    n = len(rows)
    axis_y = top + n * row_h + 4
    legend_y = axis_y + 30
    height = legend_y + 22
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart tornado" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="12">'
    ]
    if title:
        out.append(f'<text x="4" y="18" font-size="14" font-weight="bold">{escape(title)}</text>')
    # grid and axis (absolute values)
    lo_plot = lo - pad / plot_w * (hi - lo)
    hi_plot = hi + pad / plot_w * (hi - lo)
    step = _nice_step(hi_plot - lo_plot)
    tick_digits = max(0, -math.floor(math.log10(step)))
    tick = math.ceil(lo_plot / step) * step
    while tick <= hi_plot + 1e-9 * abs(step):
        tx = x(tick)
        out.append(
            f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{axis_y}" stroke="#e4e4e4"/>'
            f'<text x="{tx:.1f}" y="{axis_y + 14}" text-anchor="middle" fill="#555">'
            f"{escape(number(tick, tick_digits))}"
            "</text>"
        )
        tick += step
    for i, r in enumerate(rows):
        y0 = top + i * row_h
        if i % 2 == 0:
            out.append(
                f'<rect x="0" y="{y0 - 2}" width="{width}" height="{row_h}" fill="#f7f7f7"/>'
            )
        out.append(
            f'<text x="{left - 6}" y="{y0 + bar_h + (3 if r.sublabel else 7)}" '
            f'text-anchor="end" font-weight="bold">{escape(r.label)}</text>'
        )
        if r.sublabel:
            out.append(
                f'<text x="{left - 6}" y="{y0 + bar_h + 17}" text-anchor="end" fill="#555" '
                f'font-size="11">{escape(r.sublabel)}</text>'
            )
        for k, (value, color, faint, name, note) in enumerate(
            (
                (r.low, c_low, r.low_faint, r.low_text, r.low_note),
                (r.high, c_high, r.high_faint, r.high_text, r.high_note),
            )
        ):
            y = y0 + k * (bar_h + gap)
            ty = y + bar_h - 3
            if value is None:
                out.append(
                    f'<text x="{x(b) + 4:.1f}" y="{ty}" fill="#b00020">{escape(r.missing)}</text>'
                )
            else:
                v = float(value) * scale
                xa, xb = sorted((x(b), x(v)))
                w = max(xb - xa, 1.5)
                delta = number(v - b, digits, sign=True)
                if delta.lstrip("+-") == number(0.0, digits):  # no "-0.00" for a rounded zero
                    delta = number(0.0, digits)
                delta = delta.replace("-", MINUS) + suffix
                tip = f"{r.label}, {name}: {number(v, digits)}{suffix} ({delta})"
                if note:
                    tip += f"; {note}"
                opacity = ' fill-opacity="0.4"' if faint else ""
                out.append(
                    f'<rect x="{xa:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                    f'fill="{color}"{opacity}><title>{escape(tip)}</title></rect>'
                )
                if v >= b:
                    out.append(f'<text x="{x(v) + 4:.1f}" y="{ty}">{escape(delta)}</text>')
                else:
                    out.append(
                        f'<text x="{x(v) - 4:.1f}" y="{ty}" text-anchor="end">'
                        f"{escape(delta)}</text>"
                    )
            nx = x1 + 16
            label = f"{name}: {note}" if note else name
            out.append(
                f'<rect x="{nx}" y="{y + 2}" width="10" height="10" fill="{color}"/>'
                f'<text x="{nx + 14}" y="{ty}"><title>{escape(label)}</title>'
                f"{escape(_clip(label, note_chars))}</text>"
            )
    # the base line, over the bars
    xb0 = x(b)
    out.append(
        f'<line x1="{xb0:.1f}" y1="{top - 6}" x2="{xb0:.1f}" y2="{axis_y}" stroke="#222" '
        'stroke-width="1.5"/>'
        f'<text x="{xb0:.1f}" y="{top - 10}" text-anchor="middle" font-weight="bold">'
        f"base {escape(number(b, digits))}{escape(suffix)}</text>"
    )
    legend = [(c_low, low_name, ""), (c_high, high_name, "")]
    if faint_name:
        legend.append(("#888888", faint_name, ' fill-opacity="0.4"'))
    lx = float(x0)
    for color, name, opacity in legend:
        out.append(
            f'<rect x="{lx:.1f}" y="{legend_y}" width="12" height="12" fill="{color}"{opacity}/>'
            f'<text x="{lx + 17:.1f}" y="{legend_y + 10}">{escape(name)}</text>'
        )
        lx += 30 + 7.0 * len(name)
    out.append("</svg>")
    return Markup("\n".join(out))
