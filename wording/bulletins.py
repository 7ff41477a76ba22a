"""Wording for the bulletin, broadcasts, reads and the officer's draft screens.

Domain code renders messages for the delivery engine with these too: they are plain strings.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feeds.ingest import FeedReport

YOUR_THEMES = "Your themes"
ALSO_THIS_MONTH = "Also this month"
READ_BUTTON = "📖 {number}"
ALSO_UNDER = "Also under {themes}"
BUTTON_CHANGE_THEMES = "Change my themes"
BUTTON_STOP = "Stop these"
CONTINUED = "<i>(continued)</i>"
EMPTY_FOR_MEMBER = "Nothing was published on your themes this month."

READ_LINK = "<b>{title}</b>\n{link}"
BUTTON_OPEN = "Open the article"
READ_GONE = "That article is no longer available."

PAUSED = (
    "You will get no more bulletins or updates. Meeting answers and replies to issues you raised "
    "still reach you. Send /themes to turn them back on."
)
RESUMED = "Bulletins and updates are back on."
BUTTON_PAUSED = "Bulletins and updates: off (tap to turn on)"
BUTTON_ACTIVE = "Bulletins and updates: on"


def heading(title: str) -> str:
    return f"<b>{escape(title)}</b>"


def section_heading(title: str) -> str:
    return f"<b>▸ {escape(title)}</b>"


def continued(section_heading_html: str | None) -> str:
    """The first line of a message that carries on a theme the previous one began."""
    return f"{section_heading_html} {CONTINUED}" if section_heading_html else CONTINUED


def item(number: int, title: str, summary_html: str, url: str | None = None,
         also_under: list[str] | None = None) -> str:
    """A numbered headline (a link when reads are counted through the web), its summary, and
    the article's other themes."""
    headline = (f'<a href="{escape(url)}">{escape(title)}</a>' if url else escape(title))
    lines = [f"<b>{number}. {headline}</b>"]
    if summary_html:
        lines.append(summary_html)
    if also_under:
        lines.append(f"<i>{escape(ALSO_UNDER.format(themes=', '.join(also_under)))}</i>")
    return "\n".join(lines)


def read_button(number: int) -> str:
    return READ_BUTTON.format(number=number)


def read_link(title: str, link: str) -> str:
    return READ_LINK.format(title=escape(title), link=escape(link))

DRAFT_HEADER = "<b>Draft: {title}</b>\n{status}\nIntro: {intro}\n"
DRAFT_STATUS_DRAFT = "Not sent yet."
DRAFT_STATUS_SCHEDULED = "Scheduled for {when}."
DRAFT_NO_INTRO = "none (tap Intro to add one)"
DRAFT_EMPTY = "\nNo articles since the last bulletin. Use /fetch to read the website's feed."
DRAFT_COUNT = "\n{count} articles:"
DRAFT_MAX_LISTED = 40  # keeps the summary well inside one Telegram message
DRAFT_MORE = "\n… and {count} more (see Preview)."
BUTTON_INTRO = "Intro"
BUTTON_PREVIEW = "Preview"
BUTTON_TEST = "Send a test to me"
BUTTON_ITEMS = "Drop or move items"
BUTTON_SEND = "Send now"
BUTTON_SCHEDULE = "Schedule"
BUTTON_CANCEL_DRAFT = "Cancel this draft"
BUTTON_BACK = "Back"
BUTTON_YES_SEND = "Yes, send it"
BUTTON_NO = "No"
BUTTON_LATEST = "Latest sent bulletin"
ASK_INTRO = (
    "Send the introduction as a message (up to {limit} characters), or /cancel. "
    "Send a single dash (-) to remove it."
)
INTRO_TOO_LONG = "That is {length} characters; the intro can be up to {limit}. Please shorten it."
ASK_SCHEDULE = (
    "When should it go? Send a date and time in {tz} time, e.g. <code>1 December 09:00</code> "
    "or <code>2026-12-01 09:00</code>, or /cancel."
)
BAD_TIME = "I could not read that as a date and time. Try e.g. <code>1 December 09:00</code>."
SCHEDULED = (
    "Scheduled for {when}. It will go to every member then. To stop it, open /bulletin and "
    "cancel this draft."
)
ROUNDED_TO_SLOT = "\n(Mailchimp sends only on the quarter hour, so the time was rounded up.)"
CONFIRM_SEND = "Send <b>{title}</b> to {count} members now?"
SENDING = "Sending. This message shows the progress."
TEST_SENT = "A test copy is on its way to you."
TEST_EMAIL_SENT = "A test email of the same edition is on its way to {address}."
EMAIL_REFUSED = "⚠️ The test email could not be sent: {reason}"
NOT_SENT = (
    "⚠️ Not sent, on either channel: {reason}\nNothing went out; fix this and press Send now "
    "again."
)
DRAFT_CANCELLED = "The draft is cancelled. /bulletin starts a new one."
PREVIEW_INTRO = "<i>Preview: exactly what {who} will receive.</i>"
PREVIEW_EMAIL_COMMANDS = (
    "\n<i>In the email, {commands} cannot be typed: they become links that open the bot's chat"
    " (@{bot}), where the reader sends them.</i>"
)
PREVIEW_YOU = "you"
PREVIEW_NON_MEMBER = "a member following no themes"
ITEMS_HEADER = "<b>Items</b>: ↑ ↓ move an item within its theme, ✕ drops it.\n\n"
BUTTON_PAGE_BACK = "◀ Items {first}–{last}"
BUTTON_PAGE_ON = "Items {first}–{last} ▶"
BUTTON_OLDER = "Older articles left out ({count})"
OLDER_HEADER = (
    "<b>Older articles</b>, published before this bulletin's period (from {since}) and never "
    "sent. Tap + and its number to bring one back into this bulletin."
)
OLDER_NONE = "<b>Older articles</b>: there are none waiting."

NO_BULLETIN_YET = "No bulletin has been sent yet. The next one comes at the start of the month."
ARCHIVE_HEADER = "<b>Past bulletins</b>"
BUTTON_ARCHIVE = "Older bulletins"
ARCHIVE_EMPTY = "There are no older bulletins yet."

FETCHING = "Reading the website's feed…"
FETCH_NO_FEEDS = "No feeds are configured: add <code>[feed] urls</code> to the config file."
FETCH_REPORT_LINE = "{url}: {outcome}"
FETCH_OK = "{new} new, {updated} updated, {unchanged} unchanged"
FETCH_NOT_MODIFIED = "no change since the last fetch"
FETCH_FAILED = "⚠️ {error} (nothing stored was lost)"
FETCH_WARNINGS = " ⚠️ {count} problem(s): {first}"
FETCH_UNCATEGORISED = "\n{count} article(s) have no theme: add keywords in the config to file them."
FEED_PROBLEM_ALERT = "<b>Feed problem</b>\n{lines}"


def draft_summary(title: str, status: str, intro: str, sections: list[tuple[str, list[str]]]
                  ) -> str:
    lines = [DRAFT_HEADER.format(title=escape(title), status=status, intro=intro)]
    count = sum(len(items) for _, items in sections)
    if not count:
        lines.append(DRAFT_EMPTY)
        return "".join(lines)
    lines.append(DRAFT_COUNT.format(count=count))
    number = 0
    for theme, items in sections:
        if number >= DRAFT_MAX_LISTED:
            break
        lines.append(f"\n{section_heading(theme)}")
        for item_title in items[: DRAFT_MAX_LISTED - number]:
            number += 1
            short = item_title if len(item_title) <= 80 else item_title[:79] + "…"
            lines.append(f"\n{number}. {escape(short)}")
    if count > number:
        lines.append(DRAFT_MORE.format(count=count - number))
    return "".join(lines)


def older_articles(articles: list[tuple[str, str]], since: str) -> str:
    """(title, date published) of the articles the officer may bring back."""
    if not articles:
        return OLDER_NONE
    lines = [OLDER_HEADER.format(since=escape(since)), ""]
    lines += [f"{n}. {escape(title)} ({escape(date)})" for n, (title, date) in
              enumerate(articles, start=1)]
    return "\n".join(lines)


def preview_email_commands(commands: list[str], bot: str) -> str:
    return PREVIEW_EMAIL_COMMANDS.format(commands=escape(" and ".join(commands)),
                                         bot=escape(bot))


def intro_preview(intro_html: str, plain: str) -> str:
    if not intro_html:
        return DRAFT_NO_INTRO
    return escape(plain if len(plain) <= 80 else plain[:79] + "…")


def _feed_line(feed: FeedReport) -> str:
    url = escape(feed.url)
    if feed.error:
        outcome = FETCH_FAILED.format(error=escape(feed.error))
    elif feed.status == "not-modified":
        outcome = FETCH_NOT_MODIFIED
    else:
        outcome = FETCH_OK.format(new=feed.new, updated=feed.updated, unchanged=feed.unchanged)
    if feed.warnings:
        outcome += FETCH_WARNINGS.format(count=len(feed.warnings), first=escape(feed.warnings[0]))
    return FETCH_REPORT_LINE.format(url=url, outcome=outcome)


def fetch_report(feeds: list[FeedReport], uncategorised: int) -> str:
    lines = "\n".join(_feed_line(feed) for feed in feeds)
    return lines + (FETCH_UNCATEGORISED.format(count=uncategorised) if uncategorised else "")


def feed_problem_lines(feeds: list[FeedReport]) -> list[str]:
    return [_feed_line(feed) for feed in feeds if feed.error or feed.warnings]
