"""A quote as text for the terminal (and for a mail to a shipper)."""

from __future__ import annotations

from optimizer.pricing.quote import Quote
from optimizer.pricing.types import Alternative, ChargeLine


def days_range(alt: Alternative) -> str:
    """An alternative's range of days: p10-p90 of its distribution (e.g. ``14.2-19.8``),
    else from no wait at mean times to the stacked maxima."""
    if alt.timing is not None:
        return f"{alt.timing.days_p10:.1f}-{alt.timing.days_p90:.1f}"
    return f"{alt.hours_min / 24:.1f}-{alt.hours_max / 24:.1f}"


def dates_text(alt: Alternative) -> str:
    """``etd 2026-12-10 -> eta 2026-12-27 (main leg departs; valid until ...)``, or ""."""
    t = alt.timing
    if t is None or t.etd is None or t.eta is None:
        return ""
    main = alt.legs[t.main_leg]
    valid = (
        f"; rates valid until {t.valid_until.isoformat()}"
        + (" (EXPIRED: reprice)" if t.expired else "")
        if t.valid_until
        else ""
    )
    return (
        f"{main.mode} {main.service_id} departs {t.etd:%a %Y-%m-%d %H:%M}, arrives "
        f"{t.eta:%a %Y-%m-%d} (China time, median){valid}"
    )


def breakdown_text(alt: Alternative) -> str:
    """An alternative's cost as its parts, e.g. ``freight 14,997 + ... = 16,197 CNY``."""
    b = alt.breakdown
    text = (
        f"freight {b.freight:,.0f} + handling {b.handling:,.0f} + border "
        f"{b.border:,.0f} + fees {b.fees:,.0f} + inventory {b.inventory:,.0f} = "
        f"{alt.total_cost_cny:,.0f} CNY"
    )
    if alt.sell_cny is not None:
        text += f" buy; sell {alt.sell_cny:,.0f} CNY"
    if alt.landed_cost_cny is not None:
        text += f"; landed (with import duty and VAT) {alt.landed_cost_cny:,.0f} CNY"
    return text


def charge_text(c: ChargeLine) -> str:
    """One fee line: ``Origin THC 40' 1 box x 1,750 CNY = 1,750 CNY (proxy)``."""
    if c.unit in ("of value", "of freight"):
        qty = f"{c.rate * 100:g} % {c.unit}"
    else:
        qty = f"{c.quantity:,.4g} {c.unit} x {c.rate:,.4g} {c.currency}"
    return f"{c.name} at {c.where}: {qty} = {c.amount_cny:,.0f} CNY ({c.kind})"


def quote_text(q: Quote) -> str:
    """A readable quote: one line per alternative, then its legs, then the assumptions."""
    cur = q.currency
    c = q.cargo
    lines = [
        f"Quote {q.origin_name} ({q.origin}) -> {q.destination_name} ({q.destination})",
        f"Cargo: {c.tonnes:g} t, {c.cbm:g} cbm"
        + (f", {c.product}" if c.product else "")
        + (f", value {c.value_cny:,.0f} CNY" if c.value_cny else "")
        + f"   network: {q.network_name}   rates of {', '.join(map(str, q.price_years))}"
        + (f"   {cur} at {q.cny_per_unit:g} CNY ({q.fx_date})" if cur != "CNY" else ""),
        f"{q.pareto_count} Pareto-optimal route(s); showing {len(q.alternatives)}.",
        "",
    ]
    dated = q.ready is not None
    if dated:
        lines.insert(3, f"Ready {q.ready:%a %Y-%m-%d}; dates are medians, in China time.")
    head = (
        f"{'#':>2}  {'cost ' + cur:>14} {'days':>6} {'p10-p90':>11} {'CO2 kg':>9} {'tr':>3}"
        + (f"  {'etd':<10} {'eta':<10}" if dated else "")
        + f"  {'tags':<26} route"
    )
    lines += [head, "-" * (len(head) + 50)]
    for i, alt in enumerate(q.alternatives, start=1):
        rng = days_range(alt)
        t = alt.timing
        days = t.days_p50 if t is not None else alt.days
        when = (
            f"  {t.etd:%Y-%m-%d} {t.eta:%Y-%m-%d}"
            if dated and t is not None and t.etd is not None and t.eta is not None
            else ""
        )
        lines.append(
            f"{i:>2}  {alt.total_cost_cny / q.cny_per_unit:>14,.0f} {days:>6.1f} {rng:>11} "
            f"{alt.co2_kg:>9,.0f} {alt.transshipments:>3}{when}  {', '.join(alt.tags):<26} "
            f"{alt.summary}"
        )
    for i, alt in enumerate(q.alternatives, start=1):
        lines += [
            "",
            f"[{i}] {alt.summary}",
            f"    {breakdown_text(alt)}; {_days(alt)};"
            f" {alt.co2_kg:,.0f} kg CO2e; rates of "
            f"{', '.join(map(str, alt.price_years))}",
        ]
        if dates_text(alt):
            lines.append(f"    {dates_text(alt)}")
        for v in alt.variants:
            lines.append(f"    variant (same modes and transfer cities, within 2 %): {v}")
        for k, leg in enumerate(alt.legs):
            lines.append(
                f"    {leg.days:5.1f} d {leg.cost_cny:>10,.0f} CNY  {leg.mode:<10} "
                f"{leg.from_node} -> {leg.to_node}  [{leg.service_id}; {leg.load.description}; "
                f"freight {leg.breakdown.freight:,.0f}]"
            )
            lines += [f"{'':27}+ {charge_text(c)}" for c in alt.charges if c.leg == k]
        shipment = [c for c in alt.charges if c.leg is None]
        if shipment:
            lines.append(f"    {'':19}per shipment:")
            lines += [f"{'':27}+ {charge_text(c)}" for c in shipment]
    lines += ["", "Assumptions:"] + [f"  - {a}" for a in q.assumptions]
    return "\n".join(lines)


def _days(alt: Alternative) -> str:
    t = alt.timing
    if t is None:
        return f"{alt.days:.1f} days ({days_range(alt)})"
    return f"{t.days_p50:.1f} days median, p10-p90 {days_range(alt)}"
