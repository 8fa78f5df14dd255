"""Inline SVG pictures of a page's CPU: no scripts, no external references, only numbers.

The per-second timeline counts the page's whole renderer (main thread and workers together);
the split below it is the dwell's totals, main thread versus workers, as the profile stores it.
Nothing page-controlled goes into these pictures, so they need no escaping.
"""

from __future__ import annotations

import math

from model.observations import CpuProfile

WIDTH, HEIGHT, PAD = 520, 140, 28
MAIN_COLOUR, WORKER_COLOUR, OTHER_COLOUR, BAR_COLOUR = "#3b6ea8", "#c0392b", "#9aa3ad", "#d35400"


def timeline_svg(cpu: CpuProfile) -> str:
    """Bars of cores used per second of the dwell, a dashed line at one core, and the split."""
    samples = list(cpu.timeline)
    top = max([1.0, *samples])
    top = math.ceil(top * 2) / 2
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="cpu" width="{WIDTH}" '
            f'height="{HEIGHT + 46}" viewBox="0 0 {WIDTH} {HEIGHT + 46}" role="img">'
        ),
        "<title>CPU cores used per second of the dwell</title>",
        (
            f'<rect x="{PAD}" y="{PAD}" width="{plot_w}" height="{plot_h}" fill="#fbfbfb" '
            'stroke="#ccc"/>'
        ),
    ]
    if samples:
        step = plot_w / len(samples)
        for i, value in enumerate(samples):
            h = plot_h * max(value, 0.0) / top
            parts.append(
                f'<rect x="{PAD + i * step + 1:.1f}" y="{PAD + plot_h - h:.1f}" '
                f'width="{max(step - 2, 1):.1f}" height="{h:.1f}" fill="{BAR_COLOUR}">'
                f"<title>second {i + 1}: {value:.2f} cores</title></rect>"
            )
    else:
        parts.append(
            f'<text x="{WIDTH / 2:.0f}" y="{PAD + plot_h / 2:.0f}" text-anchor="middle" '
            'font-size="12">no per-second samples were recorded</text>'
        )
    one = PAD + plot_h - plot_h / top
    parts += [
        (
            f'<line x1="{PAD}" y1="{one:.1f}" x2="{PAD + plot_w}" y2="{one:.1f}" stroke="#555" '
            'stroke-dasharray="4 3"/>'
        ),
        f'<text x="{PAD - 4}" y="{one + 4:.1f}" text-anchor="end" font-size="10">1</text>',
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end" font-size="10">{top:g}</text>',
        f'<text x="{PAD - 4}" y="{PAD + plot_h + 4}" text-anchor="end" font-size="10">0</text>',
        (
            f'<text x="{PAD}" y="{PAD - 8}" font-size="11">cores per second, whole renderer '
            f"({len(samples)} s)</text>"
        ),
    ]
    parts.append(_split(cpu, PAD, HEIGHT + 4, plot_w))
    parts.append("</svg>")
    return "".join(parts)


def _split(cpu: CpuProfile, x: float, y: float, width: float) -> str:
    main = max(cpu.main_thread_seconds, 0.0)
    workers = max(cpu.worker_seconds, 0.0)
    other = max(cpu.process_seconds - main - workers, 0.0)
    total = main + workers + other
    out = []
    pos = x
    for seconds, colour, label in (
        (main, MAIN_COLOUR, "main thread"),
        (workers, WORKER_COLOUR, "workers"),
        (other, OTHER_COLOUR, "other"),
    ):
        w = width * seconds / total if total > 0 else 0.0
        if w > 0:
            out.append(
                f'<rect x="{pos:.1f}" y="{y}" width="{w:.1f}" height="14" fill="{colour}">'
                f"<title>{label}: {seconds:.2f} s</title></rect>"
            )
        pos += w
    out.append(
        f'<text x="{x}" y="{y + 30}" font-size="11">'
        f'<tspan fill="{MAIN_COLOUR}">■</tspan> main thread {main:.2f} s  '
        f'<tspan fill="{WORKER_COLOUR}">■</tspan> workers {workers:.2f} s  '
        f'<tspan fill="{OTHER_COLOUR}">■</tspan> other {other:.2f} s  '
        f"(dwell {cpu.dwell_seconds:.1f} s)</text>"
    )
    return "".join(out)
