"""The census chart as a board reads it: the newest month's point and every organisations
label inside the plot, not on or over its frame, when the census began only recently."""

from __future__ import annotations

from census.chart import Line, trend_chart, trend_figure

MONTHS = [f"M{n}" for n in range(12)]


def test_the_newest_point_and_every_label_sit_inside_the_plot() -> None:
    counselling = Line("Counselling", [(None, None)] * 10 + [(58, 4), (74, 4)])
    parenting = Line("Parenting", [(None, None)] * 10 + [(5, 3), (5, 3)])
    figure = trend_figure(MONTHS, [counselling, parenting], "Waiting lists", "Waiting", "note")
    figure.canvas.draw()
    [axes] = figure.axes
    frame = axes.get_window_extent()
    labels = [text.get_window_extent() for text in axes.texts]
    assert [t.get_text() for t in axes.texts] == ["4", "4", "3", "3"]
    for label in labels:
        assert frame.x0 < label.x0 and label.x1 < frame.x1, "a label crosses the side"
        assert label.y1 < frame.y1, "a label crosses the top"
    newest = axes.transData.transform((11, 74))
    assert newest[0] < frame.x1 - 10  # clear of the right-hand frame
    assert trend_chart(MONTHS, [counselling], "t", "y", "n").startswith(b"\x89PNG")


def test_a_chart_with_nothing_to_show_still_draws() -> None:
    empty = Line("Youth work", [(None, None)] * 12)
    assert trend_chart(MONTHS, [empty], "t", "y", "n").startswith(b"\x89PNG")
