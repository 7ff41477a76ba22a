"""A bar chart of the last bulletins for ``/stats``, drawn off-screen with matplotlib."""

from __future__ import annotations

import io

from db.records import SECTOR_OPEN_RATE, BulletinStats


def stats_chart(stats: list[BulletinStats]) -> bytes:
    """PNG bytes: Telegram read rate and email click rate per bulletin (oldest left), email
    open rate as a fainter bar, and the sector's open-rate benchmark as a line."""
    # matplotlib takes about a second to import: only /stats pays for it, not every start-up.
    from matplotlib.figure import Figure
    ordered = list(reversed(stats))
    labels = [s.bulletin.created_at.strftime("%b %Y") for s in ordered]
    positions = range(len(ordered))
    width = 0.27
    # Figure without pyplot: no global state and no display needed on the server.
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
    axes.bar([p - width for p in positions], [s.read_rate * 100 for s in ordered], width,
             label="Telegram: members who read an article", color="#1f6f8b")
    axes.bar(list(positions), [s.email.click_rate * 100 if s.email else 0 for s in ordered],
             width, label="Email: click rate", color="#e07a1f")
    axes.bar([p + width for p in positions],
             [s.email.open_rate * 100 if s.email else 0 for s in ordered], width,
             label="Email: open rate (inflated by privacy protection)", color="#f3c89b")
    axes.axhline(SECTOR_OPEN_RATE * 100, color="#888888", linestyle="--",
                 label=f"Sector average open rate ({SECTOR_OPEN_RATE:.1%})")
    axes.set_xticks(list(positions), labels)
    axes.set_ylabel("% of recipients")
    axes.set_title("Linked-up bulletins: what members read")
    axes.legend(fontsize="small", loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
