"""The census chart: people waiting per service type over twelve months, drawn with matplotlib
off-screen (as the bulletin chart is), each point labelled with how many organisations reported.

The newest month is the point a board looks at first, so it must not sit on the frame: the
months have half a step of room either side and the top has room for the highest point's label.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

HEADROOM = 1.15
"""The y axis reaches this much above the highest point, so its label stays inside."""


@dataclass(frozen=True)
class Line:
    title: str
    points: Sequence[tuple[int | None, int | None]]
    """(waiting, organisations) per month; None where nothing can be shown."""


def trend_figure(month_labels: Sequence[str], lines: Sequence[Line], title: str,
                 y_label: str, note: str) -> Figure:
    """The chart as a matplotlib figure, for saving or inspecting; a gap in a line is a month
    with no figure to show."""
    # matplotlib takes about a second to import: only a chart pays for it, not every start-up.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4.8), dpi=100)
    axes = figure.subplots()
    positions = list(range(len(month_labels)))
    for line in lines:
        values = [float("nan") if w is None else w for w, _ in line.points]
        drawn = axes.plot(positions, values, marker="o", label=line.title)[0]
        for x, (waiting, organisations) in zip(positions, line.points, strict=True):
            if waiting is not None and organisations is not None:
                axes.annotate(str(organisations), (x, waiting), textcoords="offset points",
                              xytext=(0, 6), ha="center", fontsize="x-small",
                              color=drawn.get_color(), annotation_clip=False)
    axes.set_xticks(positions, month_labels, rotation=45, ha="right")
    axes.set_xlim(-0.5, len(month_labels) - 0.5)
    highest = max((w for line in lines for w, _ in line.points if w is not None), default=0)
    axes.set_ylim(0, max(highest * HEADROOM, 1))
    axes.set_ylabel(y_label)
    axes.set_title(title)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.text(0.01, 0.01, note, fontsize="x-small", color="#555555")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    return figure


def trend_chart(month_labels: Sequence[str], lines: Sequence[Line], title: str,
                y_label: str, note: str) -> bytes:
    """PNG bytes of :func:`trend_figure`."""
    buffer = io.BytesIO()
    trend_figure(month_labels, lines, title, y_label, note).savefig(buffer, format="png")
    return buffer.getvalue()
