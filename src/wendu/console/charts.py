"""Inline SVG charts rendered on the server, so the console needs no chart library or CDN."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#c2410c", "#0f766e", "#1d4ed8", "#a16207", "#7e22ce", "#be123c", "#4d7c0f")


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    width: int = 560,
    height: int = 220,
    unit: str = "",
) -> str:
    """Return an SVG bar chart with one labelled bar per value."""
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    pad_left, pad_bottom, pad_top = 40, 40, 24
    plot_w, plot_h = width - pad_left - 10, height - pad_bottom - pad_top
    top = max([*values, 1.0])
    n = max(len(values), 1)
    slot = plot_w / n
    bar_w = slot * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f'<text x="{pad_left}" y="16" class="chart-title">{escape(title)}</text>',
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 10}" '
        f'y2="{pad_top + plot_h}" stroke="#999"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * (value / top)
        x = pad_left + i * slot + (slot - bar_w) / 2
        y = pad_top + plot_h - h
        color = PALETTE[i % len(PALETTE)]
        shown = f"{value:g}{unit}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
            f'class="chart-value">{escape(shown)}</text>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - pad_bottom + 16}" '
            f'text-anchor="middle" class="chart-label">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str = "",
    width: int = 560,
    height: int = 220,
) -> str:
    """Return an SVG line chart with one polyline per named series."""
    pad_left, pad_bottom, pad_top = 40, 40, 24
    plot_w, plot_h = width - pad_left - 10, height - pad_bottom - pad_top
    all_values = [v for values in series.values() for v in values]
    top = max([*all_values, 1.0])
    n = max(len(labels) - 1, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f'<text x="{pad_left}" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for k, (name, values) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        points = " ".join(
            f"{pad_left + i * plot_w / n:.1f},{pad_top + plot_h - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        parts.append(
            f'<text x="{width - 10}" y="{pad_top + 14 * (k + 1)}" text-anchor="end" '
            f'fill="{color}" class="chart-legend">{escape(name)}</text>'
        )
    step = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % step == 0:
            parts.append(
                f'<text x="{pad_left + i * plot_w / n:.1f}" y="{height - pad_bottom + 16}" '
                f'text-anchor="middle" class="chart-label">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
