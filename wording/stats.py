"""Wording for ``/stats``."""

from __future__ import annotations

from html import escape

from db.records import SECTOR_OPEN_RATE, BulletinStats

NO_STATS = "No bulletin has been sent yet, so there is nothing to show."
CHART_CAPTION = "Reads and clicks for the last {count} bulletin(s)."


def _email(stats: BulletinStats) -> str:
    email = stats.email
    if email is None:
        return "Email: not sent by email."
    versus = "above" if email.open_rate >= SECTOR_OPEN_RATE else "below"
    top = sorted(email.clicks_per_url.items(), key=lambda pair: -pair[1])[:3]
    links = "".join(f"\n  • {escape(_short(url))} ({clicks})" for url, clicks in top)
    return (
        f"Email: {email.click_rate:.1%} clicked (of {email.recipients:,}); "
        f"opened {email.open_rate:.1%}, {versus} the {SECTOR_OPEN_RATE:.1%} sector average "
        f"(opens are inflated by mail privacy protection).{links}"
    )


def _short(title: str, width: int = 70) -> str:
    return title if len(title) <= width else title[: width - 1] + "…"


def _top(stats: BulletinStats) -> str:
    lines = []
    for theme, articles in stats.top_by_theme:
        reads = ", ".join(f"{escape(_short(a.title))} ({a.readers})" for a in articles)
        lines.append(f"• {escape(theme)}: {reads}")
    return "\n".join(lines) or "No reads yet."


def bulletin_stats(stats: BulletinStats) -> str:
    return (
        f"<b>{escape(stats.bulletin.title)}</b>\n"
        f"Telegram: reached {stats.reached:,}; {stats.readers:,} read at least one article "
        f"({stats.read_rate:.1%}).\n"
        f"{_email(stats)}\n"
        f"Most read by theme:\n{_top(stats)}"
    )
