"""Wording for issues and challenges: /raise, /myissues, the officer's queue, the messages
organisations get as their issue moves on, and the board report.

Telegram texts are HTML: whatever a member or the officer typed is escaped here. The board
report's wording is plain text; its renderers escape it for their format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from db.issues import Event, Figures, Issue
from db.records import Finding, IssueSummary

SNIPPET = 90


def day(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%B %Y}"


def snippet(text: str, limit: int = SNIPPET) -> str:
    """The start of a member's text on one line, for lists (not escaped)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# --- /raise -------------------------------------------------------------------------------------

NOT_A_MEMBER = "Only members can raise issues. Send /start to join the network first."
ASK_THEME = (
    "<b>Raise an issue or challenge</b>\n"
    "Tell the officer about a problem your organisation sees, so she can take it to the boards "
    "she sits on. Describe the problem, never a person: no names, addresses or anything else "
    "that could identify a child, young person or family.\n\n"
    "Which theme is it about? (/cancel stops at any time)"
)
ASK_WHAT = (
    "<b>What is happening?</b> Describe the problem in your own words "
    "({minimum} to {maximum} characters)."
)
ASK_IMPACT = (
    "<b>What is the impact</b> on children, young people or families? "
    "({minimum} to {maximum} characters)"
)
ASK_BOARD_ASK = (
    "<b>What would you like the board to do?</b> For example \u201cfund two more early help "
    "workers\u201d or \u201creview how referrals are prioritised\u201d ({minimum} to {maximum} "
    "characters). Or leave it to the officer to word."
)
ASK_WAITING = (
    "Figures help a board act. <b>How many</b> children, young people or families are "
    "<b>waiting</b> for a service? Send a number, or skip."
)
ASK_AFFECTED = (
    "How many <b>more are affected</b> without being on a waiting list (for example because a "
    "service closed)? The report gives them apart from those waiting. Send a number, or skip."
)
ASK_WEEKS = "What is the <b>typical wait, in weeks</b>? Send a number, or skip."
ASK_SINCE = (
    "<b>Since when</b> has this been happening? (for example “since September 2025”), or skip."
)
ASK_BOARD = "Which <b>board</b> should hear about it?"
BAD_NUMBER = "Please send a whole number up to {maximum:,} (for example 45), or skip."
NOT_TEXT = "Please answer with text, or send /cancel to stop."
BUTTON_SKIP = "Skip"
BUTTON_SKIP_FIGURES = "No figures"
BUTTON_OFFICER_DECIDES = "Let the officer decide"
BUTTON_OFFICER_WORDS = "Let the officer word it"
BUTTON_NAMED = "Yes, name us"
BUTTON_ANONYMOUS = "No, keep us anonymous"
BUTTON_CONFIRM = "Confirm"
BUTTON_CHANGE = "Change something"
BUTTON_CANCEL = "Cancel"
BUTTON_DIFFERENT = "Mine is different, continue"
BUTTON_US_TOO = "Us too: {ref}"
BUTTON_MY_ISSUES = "My issues"
EDIT_FIELDS = (
    ("theme", "Theme"), ("what", "What is happening"), ("impact", "Impact"),
    ("ask", "What we ask the board"), ("figures", "Figures"), ("board", "Board"),
    ("named", "Naming"),
)
ASK_EDIT = "What would you like to change?"
RAISE_CANCELLED = "Stopped: nothing was saved. Send /raise to start again."
JOIN_GONE = (
    "That issue has just been closed, so it takes no more organisations. Your answers are "
    "kept: check them below to raise yours as a new issue."
)

KIND_WORDS = {
    "name": "a person's name",
    "age or school year next to a name": "a name with an age or school year",
    "date of birth": "a date of birth",
    "address": "an address",
    "postcode": "a postcode",
    "phone number": "a phone number",
    "email address": "an email address",
    "NHS number": "an NHS number",
    "social media handle": "a social media handle",
}
ANSWER_NAMES = {
    "what": "What is happening", "impact": "What is the impact", "since": "Since when",
    "ask": "What would you like the board to do",
}
"""The question each checked answer was given to, so the member knows which one to fix."""


def ask_named(organisation: str) -> str:
    return (
        f"May the report to the board <b>name {escape(organisation)}</b> as one of the "
        "organisations raising this? If not, it counts you as an organisation that asked not "
        "to be named."
    )


def finding_lines(findings: Sequence[Finding]) -> str:
    """Each personal detail found: its kind and the member's own words, quoted."""
    return "\n".join(f"• {KIND_WORDS[f.kind.value]}: “{escape(f.text)}”" for f in findings)


def found_details(findings: Sequence[Finding], answer: str) -> str:
    lines = finding_lines(findings)
    return (
        "⚠️ <b>Please take out personal details</b>\n"
        "Issues go into board papers, so they must not identify a child, young person or "
        f"family. In your answer to “{escape(ANSWER_NAMES[answer])}” there is:\n{lines}\n\n"
        "Nothing has been saved. Please send that answer again without them (for example "
        "“a girl of 14” instead of her name and age, “in Seacombe” instead of an address)."
    )


def similar_issues(matches: Sequence[tuple[Issue, IssueSummary]]) -> str:
    lines = "\n".join(
        f"• <b>{escape(issue.ref)}</b>: {escape(issue_title(issue))} "
        f"({organisations(summary.organisations)})"
        for issue, summary in matches
    )
    return (
        "<b>Is it one of these?</b> These open issues look similar. If one is your problem too, "
        "add your organisation to it with your own figures: a board takes more notice of "
        f"several organisations behind one issue than of several issues.\n\n{lines}"
    )


def organisations(count: int) -> str:
    return f"{count} organisation{'s' if count != 1 else ''}"


def figures_line(figures: Figures) -> str:
    parts = []
    if figures.waiting_count is not None:
        parts.append(f"{figures.waiting_count:,} waiting")
    if figures.wait_weeks is not None:
        parts.append(f"typical wait {figures.wait_weeks} weeks")
    if figures.affected_count is not None:
        parts.append(f"{figures.affected_count:,} more affected, not waiting")
    if figures.waiting_since:
        parts.append(f"since: {escape(figures.waiting_since)}")
    return "; ".join(parts) or "none given"


@dataclass(frozen=True)
class Review:
    theme_title: str
    what_happening: str
    impact: str
    figures: Figures
    board: str | None
    organisation: str
    named: bool
    joining: Issue | None
    board_ask: str | None = None


def review(r: Review) -> str:
    naming = (f"named as {escape(r.organisation)}" if r.named
              else "not named (counted as an organisation that asked not to be named)")
    head = (f"<b>Check before you confirm: adding {escape(r.organisation)} to "
            f"{escape(r.joining.ref)}</b>\n\n<b>The issue:</b> "
            f"{escape(issue_title(r.joining))}\n"
            if r.joining else
            f"<b>Check before you confirm</b>\n\n<b>Theme:</b> {escape(r.theme_title)}\n"
            f"<b>What is happening:</b> {escape(r.what_happening)}\n"
            f"<b>Impact:</b> {escape(r.impact)}\n"
            f"<b>What we ask the board:</b> {escape(r.board_ask or ASK_LEFT_TO_OFFICER)}\n"
            f"<b>Board:</b> {escape(r.board) if r.board else 'the officer decides'}\n")
    return (
        f"{head}<b>Your figures:</b> {figures_line(r.figures)}\n"
        f"<b>In the report:</b> {naming}\n\n"
        "If you later use /forget, your link to this issue is removed and your organisation is "
        "no longer named; the issue itself stays for the board."
    )


def submitted(issue: Issue) -> str:
    return (
        f"Thank you. Your issue is <b>{escape(issue.ref)}</b>. The officer will look at it, and "
        "you will be told of each step. /myissues shows your issues."
    )


def joined(issue: Issue, organisation: str) -> str:
    return (
        f"Thank you: {escape(organisation)} is now behind <b>{escape(issue.ref)}</b>, and will "
        "be told of each step. /myissues shows your issues."
    )


# --- status words -------------------------------------------------------------------------------

OUTCOME_WORDS = {
    "resolved": "resolved",
    "partly-resolved": "partly resolved",
    "no-further-action": "no further action (not resolved)",
}
STATUS_WORDS = {
    "submitted": "waiting for the officer",
    "accepted": "accepted for the next report",
    "merged": "combined with another issue",
    "declined": "not taken forward",
    "referred": "passed on",
    "reported": "reported to the board, waiting for a response",
    "responded": "answered by the board",
    "closed": "closed",
}


def status_words(issue: Issue) -> str:
    if issue.status == "closed" and issue.outcome:
        return f"closed: {OUTCOME_WORDS[issue.outcome]}"
    return STATUS_WORDS[issue.status]


# --- /myissues ----------------------------------------------------------------------------------

MY_ISSUES_NONE = "Your organisation is not behind any issue yet. Send /raise to raise one."


def my_issue(issue: Issue, theme_title: str, merged_into: Issue | None) -> str:
    lines = [f"<b>{escape(issue.ref)}</b> ({escape(theme_title)}): {status_words(issue)}",
             escape(issue_title(issue))]
    if issue.board and issue.status not in ("merged", "declined"):
        lines.append(f"Board: {escape(issue.board)}")
    if issue.status_note and issue.status in ("declined", "referred"):
        label = "Reason" if issue.status == "declined" else "Passed to"
        lines.append(f"{label}: {escape(issue.status_note)}")
    if merged_into is not None:
        lines.append(f"Now part of <b>{escape(merged_into.ref)}</b>: "
                     f"{status_words(merged_into)}")
        issue = merged_into
    if issue.response:
        lines.append(f"Response: {escape(issue.response)}")
    return "\n".join(lines)


def my_issues(entries: Sequence[str]) -> str:
    return "<b>Your issues</b>\n\n" + "\n\n".join(entries)


# --- messages as an issue moves on --------------------------------------------------------------

REOPENED_NOTE = "reopened: an organisation said the response did not address the problem"


@dataclass(frozen=True)
class IssueNews:
    issue: Issue
    theme_title: str
    tz: ZoneInfo
    meeting_at: datetime | None
    merged_into_ref: str | None


def _news_body(n: IssueNews) -> str:
    issue = n.issue
    note = escape(issue.status_note or "")
    board = escape(issue.board or "the board")
    # Accepted with a response already: only a follow-up "no" brings an issue back like that.
    if issue.status == "accepted" and issue.response:
        return (f"is back on the list for the next report to the {board}: an organisation told "
                "us the response did not address the problem.")
    bodies = {
        "accepted": f"has been accepted. It goes in the officer's report to the <b>{board}</b>"
                    + (f" for its meeting on {day(n.meeting_at, n.tz)}." if n.meeting_at
                       else " for its next meeting."),
        "merged": f"is the same problem as <b>{escape(n.merged_into_ref or '')}</b>, so the "
                  "officer has combined them: the organisations behind both are counted "
                  "together, and you will hear about that issue from now on.",
        "declined": f"will not be taken to a board. The officer's reason: {note}",
        "referred": f"has been passed to <b>{note}</b>, who is better placed to act on it. "
                    "You will be told of any response.",
        "reported": f"went to the {board}"
                    + (f" meeting on {day(issue.reported_at, n.tz)}" if issue.reported_at
                       else "")
                    + ". You will be told when there is a response.",
        "responded": f"has a response:\n\n{escape(issue.response or '')}",
        "closed": f"is now closed: {OUTCOME_WORDS.get(issue.outcome or '', 'closed')}.",
    }
    return bodies[issue.status]


def status_news(n: IssueNews) -> str:
    """Reference and title only: whatever slipped into the text stays out of members' chats."""
    return (f"<b>{escape(n.issue.ref)}</b> ({escape(n.theme_title)}: "
            f"“{escape(issue_title(n.issue))}”) {_news_body(n)}")


FOLLOW_UP_BUTTONS = (("yes", "Yes"), ("partly", "Partly"), ("no", "No"))
FOLLOW_UP_THANKS = "Thank you, your answer is recorded."
FOLLOW_UP_REOPENED = (
    "Thank you. The issue goes back on the list for the board's next report."
)
FOLLOW_UP_GONE = "Thank you; this question no longer applies, so nothing changed."


def follow_up_question(issue: Issue, theme_title: str) -> str:
    return (
        f"<b>{escape(issue.ref)}</b> ({escape(theme_title)}): some weeks ago the response was:"
        f"\n\n{escape(issue.response or '')}\n\n"
        "<b>Has it addressed the problem for your organisation?</b>"
    )


def officer_new_issue(issue: Issue, theme_title: str, organisation: str) -> str:
    return (f"🆕 New issue <b>{escape(issue.ref)}</b> ({escape(theme_title)}) from "
            f"{escape(organisation)}: {escape(snippet(issue.what_happening))}\n/queue to triage.")


def officer_us_too(issue: Issue, theme_title: str, organisation: str) -> str:
    return (f"➕ {escape(organisation)} added “us too” to <b>{escape(issue.ref)}</b> "
            f"({escape(theme_title)}).")


def overdue(issue: Issue, weeks: int, tz: ZoneInfo) -> str:
    reported = day(issue.reported_at, tz) if issue.reported_at else "its meeting"
    return (
        f"⏰ <b>Overdue:</b> {escape(issue.ref)} went to the {escape(issue.board or 'board')} "
        f"on {reported}, over {weeks} weeks ago, and has no response yet.\n"
        f"When it comes: /respond {escape(issue.ref)}"
    )


# --- the officer's queue ------------------------------------------------------------------------

QUEUE_EMPTY = "No open issues. New ones appear here as members raise them."
BUTTON_CSV = "CSV of all issues"
BUTTON_BACK = "Back to the queue"
BUTTON_ACCEPT = "Accept for {board}"
BUTTON_MERGE = "Merge into…"
BUTTON_DECLINE = "Decline…"
BUTTON_REFER = "Refer…"
BUTTON_CLOSE = "Close: {outcome}"
MERGE_NONE = "There is no other open issue in this theme to merge it into."
MERGE_PICK = "Merge <b>{ref}</b> into which issue? Its organisations will be counted there."
ASK_DECLINE = "Why is <b>{ref}</b> declined? The organisations behind it will see your reason."
ASK_REFER = "Who is <b>{ref}</b> referred to? (a person, a team or a group)"
ASK_RESPONSE = (
    "Send the response to <b>{ref}</b>. Every organisation behind it, merged issues included, "
    "will get it."
)
RESPOND_USAGE = "Send /respond followed by the reference, for example /respond LU-2026-014."
UNKNOWN_REF = "There is no issue {ref}. /queue lists the open ones."
NOT_NOW = "{ref} is {status} now, so that step does not apply."
CSV_CAPTION = "All issues ({count}). Organisation names are only in it where they may be shown."
OFFICER_CANCELLED = "Stopped: nothing changed."


def queue_summary(groups: Sequence[tuple[str, int, Sequence[IssueSummary]]]) -> str:
    """(theme title, organisations in the theme, its open issues)."""
    parts = ["<b>Open issues</b>"]
    for title, orgs, summaries in groups:
        parts.append(f"\n<b>{escape(title)}</b>: {len(summaries)} issue"
                     f"{'s' if len(summaries) != 1 else ''}, {organisations(orgs)}")
        parts += [queue_line(s) for s in summaries]
    return "\n".join(parts)


def queue_line(s: IssueSummary) -> str:
    figures = []
    if s.waiting is not None:
        figures.append(f"{s.waiting:,} waiting")
    if s.longest_wait_weeks is not None:
        figures.append(f"up to {s.longest_wait_weeks} weeks")
    extra = f", {', '.join(figures)}" if figures else ""
    return (f"• <b>{escape(s.issue.ref)}</b> [{STATUS_WORDS[s.issue.status]}] "
            f"{escape(snippet(s.issue.what_happening, 60))} "
            f"({organisations(s.organisations)}{extra})")


def _history_line(event: Event, tz: ZoneInfo) -> str:
    who = {"officer": f"officer {event.actor.officer_id or ''}".strip(),
           "member": "an organisation", "system": "the bot"}[event.actor.kind]
    note = f": {escape(snippet(event.note, 80))}" if event.note else ""
    return f"{event.at.astimezone(tz):%d %b %Y %H:%M} {escape(event.action)} by {who}{note}"


def issue_card(s: IssueSummary, theme_title: str, events: Sequence[Event], tz: ZoneInfo,
               duplicates: Sequence[str] = ()) -> str:
    issue = s.issue
    named = ", ".join(escape(n) for n in s.named) or "none"
    lines = [
        f"<b>{escape(issue.ref)}</b> ({escape(theme_title)}): {status_words(issue)}",
        *([POSSIBLE_DUPLICATE.format(refs=escape(", ".join(duplicates)))] if duplicates else []),
        f"<b>Board:</b> {escape(issue.board) if issue.board else 'for you to decide'}",
        f"<b>Organisations:</b> {s.organisations} (may be named: {named})",
        f"<b>Waiting:</b> {s.waiting if s.waiting is not None else 'not given'}; "
        f"<b>longest typical wait:</b> "
        f"{f'{s.longest_wait_weeks} weeks' if s.longest_wait_weeks is not None else 'not given'}"
        f"{f'; <b>affected, not waiting:</b> {s.affected:,}' if s.affected else ''}",
        f"\n<b>What is happening:</b> {escape(issue.what_happening)}",
        f"<b>Impact:</b> {escape(issue.impact)}",
        f"<b>What we ask the board:</b> {escape(issue.board_ask or ASK_LEFT_TO_OFFICER)}",
    ]
    if issue.response:
        lines.append(f"<b>Response:</b> {escape(issue.response)}")
    if s.answers:
        lines.append("<b>Follow-up answers:</b> " + ", ".join(
            f"{answer} {count}" for answer, count in sorted(s.answers.items())))
    lines.append("\n<b>History</b>\n" + "\n".join(_history_line(e, tz) for e in events[-8:]))
    return "\n".join(lines)


# --- the public web page ------------------------------------------------------------------------

BUTTON_WRITE_SUMMARY = "Write a public summary"
BUTTON_REPUBLISH = "Change the web page summary"
BUTTON_UNPUBLISH = "Take off the web page"
BUTTON_MEMBER_WORDS = "Publish their words as written"


def ask_public_summary(issue: Issue) -> str:
    return (
        f"Send the <b>public summary</b> of <b>{escape(issue.ref)}</b> for the web page "
        "“You said, we did”: one or two sentences in plain words, describing the problem, "
        "never a person. The page shows it with the board, the date it was heard, the response "
        "and its status, how many organisations raised it (naming only those who agreed) and "
        "their answers to “did it help?”. It appears once the board has heard the issue.\n\n"
        f"Or publish what the organisation wrote:\n“{escape(issue.what_happening)}”\n\n"
        "/cancel leaves it unpublished."
    )


def web_status(summary: str | None) -> str:
    """The card's line saying whether, and with what words, the issue is on the web page."""
    if summary is None:
        return ("<b>Web page:</b> not published. “Publish their words as written” puts "
                "“What is happening” above on the page once the board has heard it.")
    return f"<b>Web page:</b> approved: “{escape(summary)}”"


def public_details(findings: Sequence[Finding]) -> str:
    lines = finding_lines(findings)
    return (
        "⚠️ The summary would be public, and this looks like personal details:\n"
        f"{lines}\n\nNothing was published. Please send it again without them."
    )


def published(issue: Issue) -> str:
    when = ("It is on the web page now." if issue.reported_at is not None
            else "It appears on the web page once the board has heard it.")
    return f"The public summary of <b>{escape(issue.ref)}</b> is approved. {when}"


def unpublished(ref: str) -> str:
    return f"<b>{escape(ref)}</b> is no longer on the web page."


NOT_PUBLISHABLE = (
    "{ref} is {status}, so it is not going to a board and cannot be on the web page."
)


def done(issue: Issue, told: int | None = None, merged_into_ref: str | None = None) -> str:
    tail = f" The organisations behind it ({told}) are being told." if told else ""
    now = (f"combined with <b>{escape(merged_into_ref)}</b>" if merged_into_ref
           else status_words(issue))
    return f"<b>{escape(issue.ref)}</b> is now {now}.{tail}"


REDACTED = "[removed]"
REDACTION_NOTE = "{count} place(s) in the text replaced by [removed]"
BUTTON_REDACT = "Redact…"
ASK_REDACT = (
    "Send the words to take out of <b>{ref}</b>'s text (a name, an address…), exactly as they "
    "appear. They become [removed] wherever they occur; the history records that you did it, "
    "not the words. /cancel to stop."
)
REDACT_NONE = "Those words are not in {ref}'s text, so nothing changed."
REDACT_DONE = "<b>{ref}</b>: {count} place(s) now read [removed]."
POSSIBLE_DUPLICATE = "⚠️ <b>Possible duplicate of {refs}</b>: compare them, and merge if so."
BUTTON_NEXT_ISSUE = "Next issue"
QUEUE_END = "That was the last open issue in the queue."
REPORT_HTML_CAPTION = (
    "The same report as a web page, to open in a browser or attach to the board's papers."
)


# --- /report ------------------------------------------------------------------------------------

REPORT_PICK_BOARD = "Which board's report?"
REPORT_NO_MEETING = (
    "No meeting of the {board} is planned, so there is no report to prepare. Add the meeting "
    "first."
)


def report_caption(board: str, meeting_at: datetime, issues: int, tz: ZoneInfo) -> str:
    return (f"Report for the {escape(board)} meeting on {day(meeting_at, tz)}: "
            f"{issues} issue{'s' if issues != 1 else ''}.")


# The report document itself: plain text, escaped by each renderer.
REPORT_TITLE = "Issues from the Linked-up network"
REPORT_SUMMARY = "Summary"
REPORT_ISSUES = "The issues"
REPORT_YOU_SAID = "You said, we did"
REPORT_TABLE_HEADER = ("Theme", "Issues", "Organisations", "Waiting", "Longest typical wait",
                       "Affected, not waiting")
REPORT_TOTAL = "Total"
REPORT_NO_ISSUES = "No issues were accepted for this board by the cut-off."
REPORT_FIRST = "There is no earlier report to this board."
REPORT_WHAT = "What is happening"
REPORT_IMPACT = "Impact on children, young people and families"
REPORT_FIGURES = "Figures"
REPORT_ASK = "What we ask the board"
ASK_LEFT_TO_OFFICER = "left to the officer to word"
REPORT_ASK_DEFAULT = (
    "To note the problem and say, by its next meeting, what it will do about it."
)
REPORT_WHO = "Organisations"
REPORT_THEME = "Theme"
REPORT_YOU_SAID_HEADER = ("Issue", "You said", "We did")
NOT_GIVEN = "–"


REPORT_NOTHING_NEW = "Nothing was reported at the meeting on {day}, so there is nothing new."
REPORT_AUTHOR_UNNAMED = "the network's development officer"
REPORT_PAGE = "Page "
REPORT_ANSWERED = "Answered before the meeting"
TITLE_WORDS = 12


def report_intro(board: str, meeting_at: datetime, cut_off: datetime, tz: ZoneInfo) -> str:
    return (f"For the {board} meeting on {day(meeting_at, tz)}: issues raised by member "
            f"organisations and accepted by {day(cut_off, tz)}.")


def report_prepared(generated_at: datetime, tz: ZoneInfo, name: str | None,
                    contact: str | None) -> str:
    """Who wrote the report and how to reach her, and when: a board paper names its author."""
    author = name or REPORT_AUTHOR_UNNAMED
    reach = f" ({contact})" if contact else ""
    return f"Prepared by {author}{reach}, Linked-up network, on {day(generated_at, tz)}."


def issue_title(issue: Issue) -> str:
    """A short title from the issue's own first sentence, for headings and member messages."""
    first = issue.what_happening.strip().split("\n")[0]
    for stop in (". ", "; ", ": "):
        first = first.split(stop)[0]
    words = first.rstrip(".;:").split()
    return " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")


def report_overview(issues: int, orgs: int, waiting: int | None, affected: int | None) -> str:
    """Those waiting and those affected otherwise are two numbers, never one sum."""
    counts = [*([f"{waiting:,} waiting"] if waiting else []),
              *([f"{affected:,} affected without being on a waiting list"] if affected else [])]
    figures = (f" Between them they report {' and '.join(counts)} (children, young people or "
               "families, as each organisation counts them)." if counts else "")
    return f"{issues} issue{'s' if issues != 1 else ''} from {organisations(orgs)}.{figures}"


def report_who(s: IssueSummary) -> str:
    named = ", ".join(s.named)
    if not s.unnamed:
        return f"{organisations(s.organisations)}: {named}"
    if not named:  # "1 organisation, 1 not named" read as two
        return (f"{organisations(s.organisations)}, not named at its request"
                if s.organisations == 1 else
                f"{organisations(s.organisations)}, none named at their request")
    more = ("1 more, not named at its request" if s.unnamed == 1
            else f"{s.unnamed} more, not named at their request")
    return f"{organisations(s.organisations)}: {named}; {more}"


def report_figures(s: IssueSummary) -> str:
    parts = []
    if s.waiting is not None:
        parts.append(f"{s.waiting:,} waiting")
    if s.longest_wait_weeks is not None:
        parts.append(f"typical waits up to {s.longest_wait_weeks} weeks")
    if s.affected is not None:
        parts.append(f"{s.affected:,} more affected, not waiting")
    if s.since:  # members type "since September 2025" as often as "September 2025"
        parts.append("since " + ", ".join(_since(value) for value in s.since))
    return "; ".join(parts) or "none given"


def _since(value: str) -> str:
    text = value.strip()
    return text[6:].lstrip() if text.casefold().startswith("since ") else text


def report_you_said(s: IssueSummary, theme_title: str) -> tuple[str, str]:
    """The "Issue" and "You said" cells: reference, title, theme, organisations and figures."""
    issue = (f"{s.issue.ref}: {issue_title(s.issue)}\n{theme_title}\n"
             f"{organisations(s.organisations)}")
    return issue, f"{snippet(s.issue.what_happening, 300)}\n{REPORT_FIGURES}: {report_figures(s)}"


def report_we_did(issue: Issue) -> str:
    if issue.response:
        return f"{issue.response} ({status_words(issue)})"
    return status_words(issue).capitalize()


def report_you_said_intro(previous_meeting_at: datetime, tz: ZoneInfo) -> str:
    return f"What became of the issues reported at the meeting on {day(previous_meeting_at, tz)}."
