"""Charts as inline SVG: the one place corridor draws a chart.

Every page (report, comparison, the workspace) embeds these: no script, no
external asset, readable when printed. Four shapes cover the pages:

* :func:`bar_chart`: horizontal bars, one group per label, a bar per series
  (grouped) or the series stacked end to end with a legend;
* :func:`share_bar`: one 100 % bar of shares with a legend;
* :func:`tornado_chart`: per row a low and a high bar from a base value
  (a sensitivity), each with a note beside it.
* :func:`line_chart`: lines with points against a shared x (a frontier by
  number of warehouses), an optional right axis for a second unit, and
  dashed marker lines.

Colours come from :mod:`optimizer.output.palette` (pass ``colors`` keyed by
series name, e.g. the mode colours, so that charts match the maps).

>>> svg = bar_chart(["a", "b"], {"cost": [1.0, 2.0]}, title="Cost", unit="M")
>>> svg.startswith("<svg") and "Cost" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
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


def _axis(lo: float, hi: float, ticks: int = 5) -> tuple[float, float, float]:
    """A nice axis ``(start, end, step)`` covering ``lo`` .. ``hi``."""
    if hi - lo <= 0:
        pad = max(abs(hi), 1.0) * 0.05
        lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo, ticks)
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step, step


def _tick_digits(step: float) -> int:
    return max(0, -math.floor(math.log10(step))) if step > 0 else 0


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def line_chart(
    x: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str = "",
    x_label: str = "",
    unit: str = "",
    right_series: Mapping[str, Sequence[float | None]] | None = None,
    right_unit: str = "",
    marks: Sequence[tuple[float, str]] = (),
    digits: int = 1,
    right_digits: int = 0,
    point_labels: bool = False,
    zero: bool = False,
    right_range: tuple[float, float] | None = None,
    colors: Mapping[str, str] | None = None,
    width: int = 760,
    height: int = 340,
    x_format: Callable[[float], str] | None = None,
) -> Markup:
    """A line chart as an inline ``<svg>``: one line with points per series.

    The series of ``series`` are read on the left axis (in ``unit``); those of
    ``right_series`` (another unit, e.g. a share in %) on a right axis, drawn
    dashed with square points. A missing value (``None``) breaks its line.
    Every point has a tooltip with its value; ``point_labels`` also prints it
    beside the point. ``marks`` are vertical dashed lines at an ``x`` with a
    label (e.g. where the next warehouse stops paying). A legend names the
    series below the chart.

    Parameters
    ----------
    x
        The x values, shared by every series (e.g. a number of warehouses).
    series, right_series
        Name -> one value (or ``None``) per ``x``, on the left or right axis.
    title, x_label, unit, right_unit
        Printed above the chart, under the x axis, and on the two axes.
    marks
        ``(x, label)`` per vertical marker line.
    digits, right_digits
        Decimals of the values in tooltips and point labels.
    point_labels
        Print each value beside its point.
    zero
        Start the left axis at zero (otherwise it spans the values).
    right_range
        Fixed ``(low, high)`` of the right axis (e.g. ``(0, 100)`` for %).
    colors
        Colour per series name (default: the categorical palette in order,
        left series first).
    x_format
        How an x value is written (default: a number; e.g. ``str`` of an int for years).
    width, height
        Size in pixels.

    Returns
    -------
    Markup
        ``<svg>...</svg>``, safe to insert into a page.

    >>> svg = line_chart([1, 2, 3], {"cost": [3.0, 2.0, None]}, title="Cost", unit="M")
    >>> svg.startswith("<svg") and "polyline" in svg
    True
    """
    xs = [float(v) for v in x]
    right = dict(right_series or {})
    left_names, right_names = list(series), list(right)
    names = left_names + right_names
    legend_rows = math.ceil(len(names) / 3) if names else 0
    top = (34 if title else 12) + 6
    left_m, right_m = 72, (72 if right else 24)
    bottom = 30 + (18 if x_label else 0) + 20 * legend_rows
    plot_h = max(height - top - bottom, 60)
    x0, x1 = float(left_m), float(width - right_m)
    y0, y1 = float(top + plot_h), float(top)
    suffix = f" {unit}" if unit else ""
    r_suffix = (right_unit if right_unit == "%" else f" {right_unit}") if right_unit else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart line" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="12">'
    ]
    if title:
        out.append(f'<text x="4" y="18" font-size="14" font-weight="bold">{escape(title)}</text>')
    left_vals = [v for k in left_names for v in _finite(series[k])]
    right_vals = [v for k in right_names for v in _finite(right[k])]
    if not xs or not (left_vals or right_vals):
        out.append(f'<text x="{x0}" y="{top + 20}" fill="#555">no values to draw</text>')
        out.append("</svg>")
        return Markup("\n".join(out))

    # x axis: the x values themselves when few, otherwise nice ticks
    xa, xb = min(xs), max(xs)
    if xb - xa <= 0:
        xa, xb = xa - 1.0, xb + 1.0
    pad_x = 0.04 * (xb - xa)

    def px(v: float) -> float:
        return x0 + (v - xa + pad_x) / (xb - xa + 2 * pad_x) * (x1 - x0)

    distinct = sorted(set(xs))
    if len(distinct) <= 16:
        x_ticks = distinct
        x_digits = 0 if all(float(v).is_integer() for v in distinct) else 2
    else:
        start, end, step = _axis(xa, xb, 8)
        x_ticks = [start + i * step for i in range(round((end - start) / step) + 1)]
        x_ticks = [t for t in x_ticks if xa - 1e-9 <= t <= xb + 1e-9]
        x_digits = _tick_digits(step)

    def x_text(v: float) -> str:
        return x_format(v) if x_format is not None else number(v, x_digits)

    def scale(
        vals: list[float], fixed: tuple[float, float] | None, with_zero: bool
    ) -> tuple[float, float, float, Callable[[float], float]]:
        if fixed is not None:
            lo, hi = float(fixed[0]), float(fixed[1])
            step = _nice_step(hi - lo) if hi > lo else 1.0
        else:
            lo, hi = min(vals), max(vals)
            if with_zero:
                lo, hi = min(lo, 0.0), max(hi, 0.0)
            lo, hi, step = _axis(lo, hi)

        def py(v: float) -> float:
            return y0 - (v - lo) / ((hi - lo) or 1.0) * (y0 - y1)

        return lo, hi, step, py

    # left axis and grid
    py_left = None
    if left_vals:
        lo, hi, step, py_left = scale(left_vals, None, zero)
        d = _tick_digits(step)
        tick = lo
        while tick <= hi + 1e-9 * step:
            ty = py_left(tick)
            out.append(
                f'<line x1="{x0}" y1="{ty:.1f}" x2="{x1}" y2="{ty:.1f}" stroke="#e4e4e4"/>'
                f'<text x="{x0 - 6}" y="{ty + 4:.1f}" text-anchor="end" fill="#555">'
                f"{escape(number(tick, d))}</text>"
            )
            tick += step
        if unit:
            out.append(
                f'<text x="{x0 - 6}" y="{y1 - 8}" text-anchor="end" fill="#555">'
                f"{escape(unit)}</text>"
            )
    py_right = None
    if right_vals:
        lo, hi, step, py_right = scale(right_vals, right_range, False)
        d = _tick_digits(step)
        tick = lo
        while tick <= hi + 1e-9 * step:
            ty = py_right(tick)
            if py_left is None:
                out.append(
                    f'<line x1="{x0}" y1="{ty:.1f}" x2="{x1}" y2="{ty:.1f}" stroke="#e4e4e4"/>'
                )
            out.append(
                f'<text x="{x1 + 6}" y="{ty + 4:.1f}" fill="#555">{escape(number(tick, d))}</text>'
            )
            tick += step
        if right_unit:
            out.append(f'<text x="{x1 + 6}" y="{y1 - 8}" fill="#555">{escape(right_unit)}</text>')
    # frame and x axis
    out.append(
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#888"/>'
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#888"/>'
    )
    if right_vals:
        out.append(f'<line x1="{x1}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#888"/>')
    for t in x_ticks:
        tx = px(t)
        out.append(
            f'<line x1="{tx:.1f}" y1="{y0}" x2="{tx:.1f}" y2="{y0 + 4}" stroke="#888"/>'
            f'<text x="{tx:.1f}" y="{y0 + 17}" text-anchor="middle" fill="#555">'
            f"{escape(x_text(t))}</text>"
        )
    if x_label:
        out.append(
            f'<text x="{(x0 + x1) / 2:.1f}" y="{y0 + 34}" text-anchor="middle">'
            f"{escape(x_label)}</text>"
        )
    # marks, under the lines
    for mx, label in marks:
        tx = px(float(mx))
        if not x0 - 1 <= tx <= x1 + 1:
            continue
        anchor, lx = ("end", tx - 4) if tx > (x0 + x1) / 2 else ("start", tx + 4)
        out.append(
            f'<line x1="{tx:.1f}" y1="{y0}" x2="{tx:.1f}" y2="{y1}" stroke="#555" '
            f'stroke-dasharray="5 4"><title>{escape(label)}</title></line>'
            f'<text x="{lx:.1f}" y="{y1 + 12}" text-anchor="{anchor}" fill="#333" '
            f'font-size="11">{escape(label)}</text>'
        )

    # lines and points
    def draw(
        name: str,
        values: Sequence[float | None],
        index: int,
        py: Callable[[float], float],
        is_right: bool,
    ) -> None:
        color = _color(name, index, colors)
        dash = ' stroke-dasharray="6 4"' if is_right else ""
        sfx, dig = (r_suffix, right_digits) if is_right else (suffix, digits)
        pts: list[tuple[float, float, float, float]] = []
        runs: list[list[tuple[float, float]]] = [[]]
        for xv, v in zip(xs, values, strict=True):
            if v is None or not math.isfinite(float(v)):
                runs.append([])
                continue
            cx, cy = px(xv), py(float(v))
            runs[-1].append((cx, cy))
            pts.append((xv, float(v), cx, cy))
        for run in runs:
            if len(run) > 1:
                coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
                out.append(
                    f'<polyline points="{coords}" fill="none" stroke="{color}" '
                    f'stroke-width="2"{dash}/>'
                )
        for xv, v, cx, cy in pts:
            tip = f"{name}, {x_text(xv)}: {number(v, dig)}{sfx}"
            if is_right:
                shape = (
                    f'<rect x="{cx - 3.5:.1f}" y="{cy - 3.5:.1f}" width="7" height="7" '
                    f'fill="{color}">'
                )
                close = "</rect>"
            else:
                shape = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{color}">'
                close = "</circle>"
            out.append(f"{shape}<title>{escape(tip)}</title>{close}")
            if point_labels:
                out.append(
                    f'<text x="{cx:.1f}" y="{cy - 7:.1f}" text-anchor="middle" '
                    f'font-size="10" fill="{color}" stroke="#ffffff" stroke-width="3" '
                    f'paint-order="stroke">{escape(number(v, dig))}</text>'
                )

    for j, k in enumerate(left_names):
        if py_left is not None:
            draw(k, series[k], j, py_left, False)
    for j, k in enumerate(right_names):
        if py_right is not None:
            draw(k, right[k], len(left_names) + j, py_right, True)

    # legend
    ly = y0 + 30 + (18 if x_label else 0)
    for j, k in enumerate(names):
        lx = x0 + (j % 3) * 220
        yy = ly + 20 * (j // 3)
        color = _color(k, j, colors)
        is_right = j >= len(left_names)
        dash = ' stroke-dasharray="6 4"' if is_right else ""
        axis = f" ({right_unit or 'right'} axis)" if is_right else ""
        out.append(
            f'<line x1="{lx:.1f}" y1="{yy - 4}" x2="{lx + 22:.1f}" y2="{yy - 4}" '
            f'stroke="{color}" stroke-width="2"{dash}/>'
            f'<text x="{lx + 28:.1f}" y="{yy}">{escape(k + axis)}</text>'
        )
    out.append("</svg>")
    return Markup("\n".join(out))
