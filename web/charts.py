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


# -- the office's statistics: documents in (đến) and out (đi) ------------------------------------
SERIES = ("incoming", "outgoing")


def _legend(parts: list[str], labels: tuple[str, str], y: float, x: float = LEFT) -> None:
    for key, label in zip(SERIES, labels, strict=True):
        parts.append(
            f'<rect class="s-{key}" x="{x}" y="{y - 9}" width="10" height="10"/>'
            f'<text class="tick" x="{x + 14}" y="{y}">{escape(label)}</text>'
        )
        x += 150


def monthly_svg(months: list[Counter], labels: tuple[str, str]) -> str:
    """Twelve pairs of bars: documents in and out each month of the year."""
    peak = max((c[k] for c in months for k in SERIES), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / 12
    bar = slot * 0.36
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(_l("Văn bản đến và đi theo tháng"))}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" '
        f'x2="{WIDTH - 8}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{peak}</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for month, counts in enumerate(months, start=1):
        x0 = LEFT + (month - 1) * slot + slot * 0.14
        for i, (key, label) in enumerate(zip(SERIES, labels, strict=True)):
            n = counts.get(key, 0)
            h = plot_h * n / peak
            x = x0 + i * bar
            parts.append(
                f'<rect class="s-{key}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"><title>{month:02d} · {escape(label)}: '
                f"{n}</title></rect>"
            )
        parts.append(
            f'<text class="tick" x="{x0 + bar:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{month:02d}</text>'
        )
    _legend(parts, labels, HEIGHT - 3)
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(items: list[tuple[str, Counter]], labels: tuple[str, str]) -> str:
    """Horizontal pairs of bars, one pair per value (a type, a level, a unit)."""
    row, label_w = 26, 150
    height = TOP + row * max(len(items), 1) + 24
    peak = max((c.get(k, 0) for _, c in items for k in SERIES), default=0) or 1
    plot_w = WIDTH - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(_l("Văn bản đến và đi"))}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (name, counts) in enumerate(items):
        y = TOP + i * row
        parts.append(
            f'<text class="tick" x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
            f"{escape(str(name)[:24])}</text>"
        )
        for j, (key, label) in enumerate(zip(SERIES, labels, strict=True)):
            n = counts.get(key, 0)
            w = plot_w * n / peak
            parts.append(
                f'<rect class="s-{key}" x="{label_w}" y="{y + j * 10:.1f}" width="{w:.1f}" '
                f'height="9"><title>{escape(str(name))} · {escape(label)}: {n}</title></rect>'
                f'<text class="tick" x="{label_w + w + 4:.1f}" y="{y + j * 10 + 8:.1f}">{n}'
                "</text>"
            )
    _legend(parts, labels, height - 3, label_w)
    parts.append("</svg>")
    return "".join(parts)
