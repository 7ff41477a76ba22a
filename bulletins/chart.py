"""A bar chart of the last bulletins for ``/stats``, drawn off-screen with matplotlib.

Read at a glance in a Telegram photo: every bar carries its value, each bulletin its counts
(reached on Telegram, emailed), the legend sits below the plot where it hides no bar, and the
sector's 20.3% benchmark is drawn across the email open-rate bars only, the one figure it
compares with.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from db.records import SECTOR_OPEN_RATE, BulletinStats
from wording import stats as texts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH = 0.27
SERIES = (
    (texts.CHART_READ, "#1f6f8b", -WIDTH),
    (texts.CHART_CLICKED, "#e07a1f", 0.0),
    (texts.CHART_OPENED, "#f3c89b", WIDTH),
)


def _values(stats: BulletinStats) -> tuple[float, float | None, float | None]:
    email = stats.email
    return (stats.read_rate * 100, email.click_rate * 100 if email else None,
            email.open_rate * 100 if email else None)


def stats_figure(stats: list[BulletinStats]) -> Figure:
    """The chart as a matplotlib figure (oldest bulletin left), for saving or inspecting."""
    # matplotlib takes about a second to import: only /stats pays for it, not every start-up.
    from matplotlib.figure import Figure

    ordered = list(reversed(stats))
    figure = Figure(figsize=(8, 5), dpi=100)  # no pyplot: no global state, no display
    axes = figure.subplots()
    values = [_values(s) for s in ordered]
    for index, (label, colour, offset) in enumerate(SERIES):
        positions = [p + offset for p, v in enumerate(values) if v[index] is not None]
        heights = [v[index] or 0.0 for v in values if v[index] is not None]
        bars = axes.bar(positions, heights, WIDTH, label=label, color=colour)
        axes.bar_label(bars, labels=[f"{h:.0f}%" for h in heights], fontsize="small",
                       padding=2)
    emailed = [p for p, v in enumerate(values) if v[2] is not None]
    for position in emailed:  # the benchmark, across each open-rate bar only
        axes.hlines(SECTOR_OPEN_RATE * 100, position + WIDTH / 2, position + 1.5 * WIDTH,
                    colors="#555555", linestyles="--",
                    label=texts.chart_sector(SECTOR_OPEN_RATE) if position == emailed[0]
                    else "_nolegend_")
    axes.set_xticks(range(len(ordered)), [texts.chart_tick(s) for s in ordered])
    axes.set_ylabel(texts.CHART_AXIS)
    axes.set_ylim(0, max([100.0 / 1.15, *(v for row in values for v in row if v)]) * 1.15)
    axes.set_title(texts.CHART_TITLE)
    figure.legend(loc="lower center", ncols=2, fontsize="small", frameon=False)
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    return figure


def stats_chart(stats: list[BulletinStats]) -> bytes:
    """PNG bytes of :func:`stats_figure`."""
    buffer = io.BytesIO()
    stats_figure(stats).savefig(buffer, format="png")
    return buffer.getvalue()
