"""The /stats chart as the officer reads it: values on the bars, counts under each bulletin, the
legend clear of the bars, the sector line on the email open-rate bar only; and article titles,
not addresses, for the email's most-clicked links."""

from __future__ import annotations

from datetime import UTC, datetime

from matplotlib.collections import LineCollection

from bulletins.chart import WIDTH, stats_chart, stats_figure
from db.bulletins import BulletinRecord
from db.records import BulletinStats, EmailFigures
from wording.stats import bulletin_stats

ARTICLE = "https://anytown.example/holiday-fund/"


def stats(month: int, reached: int, readers: int, email: EmailFigures | None) -> BulletinStats:
    moment = datetime(2026, month, 1, tzinfo=UTC)
    record = BulletinRecord(month, f"Linked-up bulletin {month}", "", moment, "sent", None,
                            moment, moment)
    return BulletinStats(record, reached, readers, [], email,
                         titles_by_link={ARTICLE: "Holiday fund for youth clubs"})


def figures() -> list[BulletinStats]:
    """Newest first, as /stats lists them; October went out on Telegram only."""
    return [stats(11, 30, 12, EmailFigures(8, 0.375, 0.125, {ARTICLE: 3})),
            stats(10, 25, 5, None)]


def test_every_bar_says_its_value_and_every_bulletin_its_counts() -> None:
    figure = stats_figure(figures())
    [axes] = figure.axes
    labels = sorted(t.get_text() for t in axes.texts)
    assert labels == sorted(["20%", "40%", "12%", "38%"])  # read Oct, Nov; clicked, opened Nov
    ticks = [t.get_text() for t in axes.get_xticklabels()]
    assert ticks == ["Oct 2026\nreached 25", "Nov 2026\nreached 30 · emailed 8"]


def test_the_legend_is_outside_the_bars_and_the_sector_line_only_on_open_rates() -> None:
    figure = stats_figure(figures())
    figure.canvas.draw()
    [axes] = figure.axes
    legend = figure.legends[0].get_window_extent()
    assert legend.y1 <= axes.get_window_extent().y0  # below the plot, covering no bar
    [line] = [c for c in axes.collections if isinstance(c, LineCollection)]
    [segment] = line.get_segments()  # one open-rate bar, so one short line
    (x0, y0), (x1, y1) = segment
    assert y0 == y1 == 20.3
    assert (x0, x1) == (1 + WIDTH / 2, 1 + 1.5 * WIDTH)  # November's open-rate bar
    assert stats_chart(figures()).startswith(b"\x89PNG")


def test_most_clicked_links_are_named_by_their_article() -> None:
    text = bulletin_stats(figures()[0])
    assert "Holiday fund for youth clubs (3)" in text and ARTICLE not in text
