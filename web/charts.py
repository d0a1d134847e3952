"""Charts drawn on the server as inline SVG: no JavaScript library, no outside asset, and no
inline style (colours come from classes in kho.css), so the strict CSP holds."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from markupsafe import escape

GROUPS = (
    ("read", _l("Xem"), ("read", "view", "preview")),
    ("download", _l("Tải"), ("download", "download_original")),
    ("search", _l("Tìm, liệt kê"), ("search", "list")),
    ("other", _l("Khác"), ()),
)
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 760, 260, 44, 36, 12


def _group(action: str) -> str:
    return next((key for key, _label, actions in GROUPS if action in actions), "other")


def day_range(days: int, today: date | None = None) -> list[str]:
    """The last ``days`` days (UTC) as ISO dates, oldest first, so empty days show as gaps."""
    today = today or datetime.now(UTC).date()
    return [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def activity_svg(per_day: dict[str, Counter], days: list[str] | None = None) -> str:
    """Stacked bars, one per day, of the audit entries by kind of action."""
    days = sorted(set(days or []) | set(per_day))
    stacks = []
    for day in days:
        sums: Counter = Counter()
        for action, n in per_day.get(day, Counter()).items():
            sums[_group(action)] += n
        stacks.append(sums)
    peak = max((sum(s.values()) for s in stacks), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(days), 1)
    bar = min(36.0, max(2.0, slot * 0.7))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(_l("Hoạt động theo ngày"))}" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" '
        f'x2="{WIDTH - 8}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{peak}</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for i, (day, sums) in enumerate(zip(days, stacks, strict=True)):
        x = LEFT + i * slot + (slot - bar) / 2
        y = TOP + plot_h
        for key, label, _actions in GROUPS:
            n = sums.get(key, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            parts.append(
                f'<rect class="s-{key}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{escape(day)} · {escape(label)}: {n}</title></rect>'
            )
        if len(days) <= 12 or i % max(1, len(days) // 10) == 0:
            parts.append(
                f'<text class="tick" x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(day[5:])}</text>'
            )
    legend_x = LEFT
    for key, label, _actions in GROUPS:
        parts.append(
            f'<rect class="s-{key}" x="{legend_x}" y="{HEIGHT - 12}" width="10" height="10"/>'
            f'<text class="tick" x="{legend_x + 14}" y="{HEIGHT - 3}">{escape(label)}</text>'
        )
        legend_x += 130
    parts.append("</svg>")
    return "".join(parts)
