"""A small SVG line chart on logarithmic axes, written by hand (no plotting library): cost
against data size, one line per series, with a dotted line of what growing in proportion to
the size would look like from each series' first point."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 190, 40, 50
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _ticks(low: float, high: float) -> list[float]:
    """Powers of ten (and 2 and 5 between them when the range is short) within [low, high]."""
    ticks = []
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        steps = (1, 2, 5) if math.log10(high / low) < 3 else (1,)
        for step in steps:
            value = step * 10.0**power
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _label(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:g}"
    return f"{value:.2g}"


def line_chart(
    path: Path,
    title: str,
    x_label: str,
    y_label: str,
    series: dict[str, list[tuple[float, float]]],
) -> Path:
    """Write the chart to ``path``; ``series`` maps a name to its (size, cost) points."""
    points = [point for values in series.values() for point in values if point[1] > 0]
    if not points:
        path.write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg"><text>{escape(title)}</text></svg>'
        )
        return path
    x_low, x_high = min(p[0] for p in points), max(p[0] for p in points)
    y_low, y_high = min(p[1] for p in points), max(p[1] for p in points)
    x_low, x_high = 10 ** math.floor(math.log10(x_low)), 10 ** math.ceil(math.log10(x_high))
    # Room above for the proportional lines, but not beyond 10x the highest cost.
    y_low = 10 ** math.floor(math.log10(y_low))
    y_high = 10 ** math.ceil(math.log10(y_high))
    if y_high / y_low < 100:
        y_high = y_low * 100
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(value: float) -> float:
        return LEFT + plot_w * math.log(value / x_low) / math.log(x_high / x_low)

    def y_at(value: float) -> float:
        clipped = min(max(value, y_low), y_high)
        return TOP + plot_h * (1 - math.log(clipped / y_low) / math.log(y_high / y_low))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2 - RIGHT / 2}" y="20" text-anchor="middle" font-size="14">'
        f"{escape(title)}</text>",
    ]
    for tick in _ticks(x_low, x_high):
        x = x_at(tick)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#e5e5e5"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 15}" text-anchor="middle">{_label(tick)}</text>'
        )
    for tick in _ticks(y_low, y_high):
        y = y_at(tick)
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e5e5e5"/>'
        )
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_label(tick)}</text>')
    out += [
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#333"/>',
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
        f"{escape(x_label)} (log scale)</text>",
        f'<text x="16" y="{TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {TOP + plot_h / 2})">{escape(y_label)} (log scale)</text>',
    ]
    legend_y = TOP + 10
    for number, (name, values) in enumerate(series.items()):
        colour = COLOURS[number % len(COLOURS)]
        kept = sorted(point for point in values if point[1] > 0)
        if not kept:
            continue
        first_x, first_y = kept[0]
        # In proportion to the size from the first point, up to the top of the plot.
        last_x = min(kept[-1][0], first_x * y_high / first_y)
        out.append(
            f'<line x1="{x_at(first_x):.1f}" y1="{y_at(first_y):.1f}" x2="{x_at(last_x):.1f}" '
            f'y2="{y_at(first_y * last_x / first_x):.1f}" stroke="{colour}" '
            'stroke-dasharray="2 4" opacity="0.6"/>'
        )
        line = " ".join(f"{x_at(x):.1f},{y_at(y):.1f}" for x, y in kept)
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in kept:
            out.append(
                f'<circle cx="{x_at(x):.1f}" cy="{y_at(y):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)}: {_label(x)} → {y:.2f} ms</title></circle>"
            )
        out.append(
            f'<line x1="{LEFT + plot_w + 12}" y1="{legend_y}" x2="{LEFT + plot_w + 32}" '
            f'y2="{legend_y}" stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{LEFT + plot_w + 36}" y="{legend_y + 4}">{escape(name)}</text>')
        legend_y += 18
    out.append(
        f'<line x1="{LEFT + plot_w + 12}" y1="{legend_y}" x2="{LEFT + plot_w + 32}" '
        f'y2="{legend_y}" stroke="#555" stroke-dasharray="2 4"/>'
    )
    out.append(f'<text x="{LEFT + plot_w + 36}" y="{legend_y + 4}">in proportion to size</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")
    return path


def growth_exponent(points: list[tuple[float, float]]) -> float:
    """The slope of cost against size on log–log axes between the first and the last point:
    0 is flat, 1 grows in proportion to the size."""
    kept = sorted(point for point in points if point[1] > 0)
    if len(kept) < 2 or kept[0][0] == kept[-1][0]:
        return 0.0
    (x0, y0), (x1, y1) = kept[0], kept[-1]
    return math.log(y1 / y0) / math.log(x1 / x0)


def describe(exponent: float) -> str:
    if exponent < 0.15:
        return "flat"
    if exponent < 0.75:
        return "grows slower than the data"
    return "grows with the data"
