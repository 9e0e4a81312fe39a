"""Server-side SVG charts (no build step, no JavaScript): bars, lines, funnel, Pareto, heat grid.

Each function takes plain numbers and labels and returns safe SVG markup; every label is escaped.
Bars and points can carry a link to the records behind them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

W, H = 640, 260
PAD_L, PAD_R, PAD_T, PAD_B = 64, 16, 16, 48
PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]


def _num(value: float | None) -> float:
    return 0.0 if value is None or not math.isfinite(value) else float(value)


def short(value: float) -> str:
    """A compact number for axis labels (1.2k, 3.4M)."""
    value = _num(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}".replace(".0", "")
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _frame(body: str, title: str, width: int = W, height: int = H) -> SafeString:
    return mark_safe(  # noqa: S308 - every dynamic part is escaped by the builders
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>{body}</svg>')


def _y_axis(top: float, fmt: str = "{}", percent: bool = False) -> str:
    parts = []
    for i in range(5):
        value = top * i / 4
        y = H - PAD_B - (H - PAD_T - PAD_B) * i / 4
        label = f"{value:.0%}" if percent else short(value)
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{escape(label)}</text>')
    return "".join(parts)


def bar_chart(labels: Sequence[str], values: Sequence[float | None], *, title: str,
              links: Sequence[str | None] | None = None, percent: bool = False, color: str = PALETTE[0],
              colors: Sequence[str] | None = None) -> SafeString:
    """Vertical bars with value labels; a bar with a link opens the records behind it."""
    if not values:
        return empty_chart(title)
    top = _nice_max(max(_num(v) for v in values)) if not percent else max(1.0, max(_num(v) for v in values))
    n = len(values)
    plot_w = W - PAD_L - PAD_R
    slot = plot_w / n
    bar_w = max(4.0, slot * 0.7)
    body = [_y_axis(top, percent=percent)]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        v = _num(value)
        h = (H - PAD_T - PAD_B) * v / top
        x = PAD_L + slot * i + (slot - bar_w) / 2
        y = H - PAD_B - h
        fill = colors[i] if colors else color
        shown = "–" if value is None else (f"{v:.0%}" if percent else short(v))
        bar = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(h, 0.5):.1f}" fill="{escape(fill)}" '
               f'rx="2"><title>{escape(label)}: {escape(shown)}</title></rect>'
               f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" class="value" text-anchor="middle">{escape(shown)}</text>')
        link = links[i] if links else None
        body.append(f'<a href="{escape(link)}">{bar}</a>' if link else bar)
        every = max(1, math.ceil(n / 12))
        if i % every == 0:
            body.append(f'<text x="{x + bar_w / 2:.1f}" y="{H - PAD_B + 16}" class="axis" text-anchor="middle">'
                        f'{escape(_clip(label, int(max(6, slot * every / 7))))}</text>')
    return _frame("".join(body), title)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: max(1, n - 1)] + "…"


def line_chart(labels: Sequence[str], series: dict[str, Sequence[float | None]], *, title: str,
               percent: bool = False, links: Sequence[str | None] | None = None) -> SafeString:
    """One or more lines over shared x labels, with a legend."""
    values = [_num(v) for s in series.values() for v in s]
    if not values or not labels:
        return empty_chart(title)
    top = _nice_max(max(values)) if not percent else 1.0
    n = len(labels)
    step = (W - PAD_L - PAD_R) / max(1, n - 1)
    body = [_y_axis(top, percent=percent)]
    for k, (name, points) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        coords = [(PAD_L + step * i, H - PAD_B - (H - PAD_T - PAD_B) * _num(v) / top) for i, v in enumerate(points)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        radius = 3.5 if n <= 40 else 1.8
        for i, (x, y) in enumerate(coords):
            shown = f"{_num(points[i]):.0%}" if percent else short(_num(points[i]))
            dot = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{color}"><title>{escape(name)} '
                   f'{escape(labels[i])}: {escape(shown)}</title></circle>')
            link = links[i] if links and k == 0 else None
            body.append(f'<a href="{escape(link)}">{dot}</a>' if link else dot)
        body.append(f'<rect x="{PAD_L + 8 + 150 * k}" y="{PAD_T}" width="12" height="12" fill="{color}"/>'
                    f'<text x="{PAD_L + 24 + 150 * k}" y="{PAD_T + 10}" class="axis">{escape(name)}</text>')
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            body.append(f'<text x="{PAD_L + step * i:.1f}" y="{H - PAD_B + 16}" class="axis" '
                        f'text-anchor="middle">{escape(label)}</text>')
    return _frame("".join(body), title)


def funnel_chart(labels: Sequence[str], values: Sequence[int], *, title: str,
                 links: Sequence[str | None] | None = None) -> SafeString:
    """Horizontal funnel: each step's width is its share of the first step, with the step-to-step rate."""
    if not values:
        return empty_chart(title)
    top = max(max(values), 1)
    row_h = 44
    height = row_h * len(values) + 8
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        width = max(2.0, (W - 220) * value / top)
        x = 110 + (W - 220 - width) / 2
        y = 4 + row_h * i
        rate = "" if i == 0 or not values[i - 1] else f" ({value / values[i - 1]:.0%} of previous)"
        block = (f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{row_h - 8}" rx="3" '
                 f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {value}</title></rect>'
                 f'<text x="8" y="{y + row_h / 2}" class="axis">{escape(label)}</text>'
                 f'<text x="{W - 8}" y="{y + row_h / 2}" class="value" text-anchor="end">{value:,}{escape(rate)}</text>')
        link = links[i] if links else None
        body.append(f'<a href="{escape(link)}">{block}</a>' if link else block)
    return _frame("".join(body), title, height=height)


def pareto_chart(points: Sequence[Sequence[float]], *, title: str, a_share: float = 80, b_share: float = 15,
                 link: str | None = None) -> SafeString:
    """Cumulative revenue share against cumulative customer share, with the A/B thresholds marked."""
    if len(points) < 2:
        return empty_chart(title)
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def xy(cx: float, cy: float) -> tuple[float, float]:
        return PAD_L + pw * cx, H - PAD_B - ph * cy

    body = [_y_axis(1.0, percent=True)]
    for share, name in ((a_share / 100, "A"), ((a_share + b_share) / 100, "B")):
        _, y = xy(0, share)
        body.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" class="threshold"/>'
                    f'<text x="{W - PAD_R - 4}" y="{y - 4:.1f}" class="axis" text-anchor="end">'
                    f'{escape(name)} up to {share:.0%}</text>')
    coords = " ".join("{:.1f},{:.1f}".format(*xy(float(cx), float(cy))) for cx, cy in points)
    area = f"{PAD_L},{H - PAD_B} {coords} {W - PAD_R},{H - PAD_B}"
    body.append(f'<polygon points="{area}" fill="#2563eb" fill-opacity="0.12"/>'
                f'<polyline points="{coords}" fill="none" stroke="#2563eb" stroke-width="2.5"/>')
    for i in range(0, 5):
        x, _ = xy(i / 4, 0)
        body.append(f'<text x="{x:.1f}" y="{H - PAD_B + 16}" class="axis" text-anchor="middle">{i / 4:.0%}</text>')
    body.append(f'<text x="{PAD_L + pw / 2}" y="{H - 8}" class="axis" text-anchor="middle">share of customers, '
                f'biggest first</text>')
    svg = "".join(body)
    if link:
        svg = f'<a href="{escape(link)}">{svg}</a>'
    return _frame(svg, title)


def heat_grid(grid: Sequence[Sequence[int]], *, title: str, names: dict[tuple[int, int], str] | None = None,
              links: dict[tuple[int, int], str] | None = None) -> SafeString:
    """The 5 x 5 R x F grid (recency up, frequency right), shaded by customer count."""
    top = max((max(row) for row in grid), default=0) or 1
    cell, left, bottom = 96, 40, 30
    width, height = left + cell * 5 + 8, cell * 5 + bottom + 8
    body = []
    for r in range(5, 0, -1):
        for f in range(1, 6):
            count = grid[r - 1][f - 1]
            x, y = left + (f - 1) * cell, (5 - r) * cell + 4
            alpha = 0.08 + 0.85 * count / top
            label = (names or {}).get((r, f), "")
            block = (f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" rx="4" fill="#2563eb" '
                     f'fill-opacity="{alpha:.2f}"><title>R{r} F{f} {escape(label)}: {count}</title></rect>'
                     f'<text x="{x + cell / 2}" y="{y + cell / 2}" class="value" text-anchor="middle">{count:,}</text>'
                     f'<text x="{x + cell / 2}" y="{y + cell / 2 + 16}" class="axis small" text-anchor="middle">'
                     f'{escape(_clip(label, 16))}</text>')
            link = (links or {}).get((r, f))
            body.append(f'<a href="{escape(link)}">{block}</a>' if link else block)
        body.append(f'<text x="{left - 8}" y="{(5 - r) * cell + 4 + cell / 2}" class="axis" '
                    f'text-anchor="end">R{r}</text>')
    for f in range(1, 6):
        body.append(f'<text x="{left + (f - 1) * cell + cell / 2}" y="{cell * 5 + 24}" class="axis" '
                    f'text-anchor="middle">F{f}</text>')
    return _frame("".join(body), title, width=width, height=height)


def empty_chart(title: str) -> SafeString:
    return _frame(f'<text x="{W / 2}" y="{H / 2}" class="axis" text-anchor="middle">No data yet for this chart'
                  f'</text>', title, height=120)
