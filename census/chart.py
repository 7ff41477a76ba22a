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
                 y_label: str, note: str, *, narrow: bool = False) -> Figure:
    """The chart as a matplotlib figure, for saving or inspecting; a gap in a line is a month
    with no figure to show. ``narrow``: for a phone's width (the web page), with the legend
    under the chart and no note (the page's caption says it); else a Word page's width."""
    # matplotlib takes about a second to import: only a chart pays for it, not every start-up.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.8, 4.6) if narrow else (9, 4.8), dpi=100,
                    layout="constrained" if narrow else None)
    axes = figure.subplots()
    positions = list(range(len(month_labels)))
    for n, line in enumerate(lines):
        values = [float("nan") if w is None else w for w, _ in line.points]
        # The id names the line in an SVG: its points can be found (and checked) there.
        drawn = axes.plot(positions, values, marker="o", label=line.title, gid=f"series-{n}")[0]
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
    if narrow:
        figure.legend(fontsize="small", loc="outside lower center", frameon=False)
        return figure
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.text(0.01, 0.01, note, fontsize="x-small", color="#555555")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    return figure


def trend_chart(month_labels: Sequence[str], lines: Sequence[Line], title: str,
                y_label: str, note: str, image_format: str = "png") -> bytes:
    """:func:`trend_figure` as PNG (for a Word report) or SVG (for a web page: sharp at any
    size, a few kilobytes). No date in the SVG's metadata, so the same figures give the same
    file, and an exported site changes only when its figures do."""
    from matplotlib import rc_context

    buffer = io.BytesIO()
    metadata = {"Date": None} if image_format == "svg" else None
    # Text stays text in an SVG (not outlines): a tenth of the size, and it can be selected;
    # a fixed salt for its ids, so the same figures draw the same file.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "linkedup"}):
        trend_figure(month_labels, lines, title, y_label, note,
                     narrow=image_format == "svg").savefig(
            buffer, format=image_format, metadata=metadata)
    return buffer.getvalue()
