"""Wording for the bulletin, broadcasts, reads and the officer's draft screens.

Domain code renders messages for the delivery engine with these too: they are plain strings.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from db.records import FeedReport

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
DRAFT_ALSO = " (also under {themes})"
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
INTRO_SAVED = "Intro saved: the draft above shows it."
INTRO_TOO_LONG = "That is {length} characters; the intro can be up to {limit}. Please shorten it."
ASK_SCHEDULE = (
    "When should it go? Send a date and time in {tz} time, e.g. <code>1 December 09:00</code>, "
    "<code>1/12/2026 09:00</code> (day first) or <code>2026-12-01 09:00</code>, or /cancel."
)
BAD_TIME = "I could not read that as a date and time. Try e.g. <code>1 December 09:00</code>."
WHICH_TIME = "That could mean more than one time. Which did you mean?"
SCHEDULED = (
    "Scheduled for {when}. It will go to every member then. To stop it, open /bulletin and "
    "cancel this draft."
)
ROUNDED_TO_SLOT = "\n(Mailchimp sends only on the quarter hour, so the time was rounded up.)"
CONFIRM_SEND = "Send <b>{title}</b> now?\n• Telegram: {count} members"
CONFIRM_EMAIL = "\n• Email: {count} addresses on the Mailchimp list"
CONFIRM_EMAIL_UNKNOWN = "\n• Email: the Mailchimp list, whose size could not be read just now"
SENDING = "Sending. This message shows the progress."
TEST_OUTCOME = "<b>Test sent</b>\n• Telegram: the {count} message(s) above, as a member gets them"
TEST_EMAIL_SENT = "A test email of the same edition is on its way to {address}."
EMAIL_REFUSED = "⚠️ The test email could not be sent: {reason}"
TEST_NO_EMAIL = "Email is not set up, so there is no email edition."
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
FETCH_HEADER = "<b>Feeds read</b>"
FETCH_REPORT_LINE = "{feed}: {outcome}"
FETCH_OK = "{new} new, {updated} updated, {unchanged} unchanged"
FETCH_NOT_MODIFIED = "nothing new since it was last read"
FETCH_FAILED = "⚠️ {error} (nothing stored was lost)"
FETCH_WARNINGS = " ⚠️ {count} problem(s): {first}"
FETCH_DRAFT = "\n<b>{title}</b> (the draft) now holds {count} article(s)."
FETCH_UNCATEGORISED = (
    " {count} of them have no theme and would go under “Other news”: tap below to file them."
)
BUTTON_FILE = "File the {count} without a theme"
FILE_ASK = (
    "<b>{title}</b>\n{summary}\n\nWhich theme should this article go under? "
    "({position} of {count} without a theme)"
)
FILE_DONE = "Every article in the draft has a theme now."
FILE_FILED = "Filed “{title}” under {theme}."
BUTTON_LEAVE_UNFILED = "Leave it under Other news"
FEED_PROBLEM_ALERT = "<b>Feed problem</b>\n{lines}"


def draft_summary(title: str, status: str, intro: str,
                  sections: list[tuple[str, list[tuple[str, list[str]]]]]) -> str:
    """Each section's numbered headlines, each naming the article's other themes: an article
    on several themes is listed once, under the first."""
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
        for item_title, also_under in items[: DRAFT_MAX_LISTED - number]:
            number += 1
            short = item_title if len(item_title) <= 80 else item_title[:79] + "…"
            also = DRAFT_ALSO.format(themes=", ".join(also_under)) if also_under else ""
            lines.append(f"\n{number}. {escape(short)}{escape(also)}")
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


def test_email_outcome(address: str | None, refusal: str | None) -> str:
    if refusal is not None:
        return EMAIL_REFUSED.format(reason=escape(refusal))
    if address is None:
        return TEST_NO_EMAIL
    return TEST_EMAIL_SENT.format(address=escape(address))


def test_outcome(messages: int, email: str) -> str:
    return f"{TEST_OUTCOME.format(count=messages)}\n• Email: {email}"


def confirm_send(title: str, members: int, emails: int | None, email_on: bool) -> str:
    """Both channels and how many each reaches, so "6 members" never hides the emails."""
    text = CONFIRM_SEND.format(title=escape(title), count=members)
    if not email_on:
        return text
    return text + (CONFIRM_EMAIL.format(count=emails) if emails is not None
                   else CONFIRM_EMAIL_UNKNOWN)


def preview_email_commands(commands: list[str], bot: str) -> str:
    return PREVIEW_EMAIL_COMMANDS.format(commands=escape(" and ".join(commands)),
                                         bot=escape(bot))


def intro_preview(intro_html: str, plain: str) -> str:
    if not intro_html:
        return DRAFT_NO_INTRO
    return escape(plain if len(plain) <= 80 else plain[:79] + "…")


def feed_name(feed: FeedReport) -> str:
    """The feed as people call it: its own title, else its address without the scheme."""
    if feed.title:
        return feed.title
    parts = urlsplit(feed.url)
    return f"{parts.netloc.removeprefix('www.')}{parts.path}" or feed.url


def _feed_line(feed: FeedReport) -> str:
    if feed.error:
        outcome = FETCH_FAILED.format(error=escape(feed.error))
    elif feed.status == "not-modified":
        outcome = FETCH_NOT_MODIFIED
    else:
        outcome = FETCH_OK.format(new=feed.new, updated=feed.updated, unchanged=feed.unchanged)
    if feed.warnings:
        outcome += FETCH_WARNINGS.format(count=len(feed.warnings), first=escape(feed.warnings[0]))
    return FETCH_REPORT_LINE.format(feed=escape(feed_name(feed)), outcome=outcome)


def fetch_report(feeds: list[FeedReport], draft_title: str, in_draft: int,
                 uncategorised: int) -> str:
    """What each feed gave, then what the draft holds: a feed with nothing new is no news when
    33 articles wait to be sent."""
    lines = [FETCH_HEADER, *feed_lines(feeds),
             FETCH_DRAFT.format(title=escape(draft_title), count=in_draft)]
    if uncategorised:
        lines[-1] += FETCH_UNCATEGORISED.format(count=uncategorised)
    return "\n".join(lines)


def file_ask(title: str, summary: str, position: int, count: int) -> str:
    return FILE_ASK.format(title=escape(title), summary=escape(summary), position=position,
                           count=count)


def feed_lines(feeds: list[FeedReport]) -> list[str]:
    return [_feed_line(feed) for feed in feeds]


def feed_problem_lines(feeds: list[FeedReport]) -> list[str]:
    return [_feed_line(feed) for feed in feeds if feed.error or feed.warnings]
