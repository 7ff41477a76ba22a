"""The officer's side of issues: ``/queue`` to triage, ``/respond REF``, ``/report``, CSV.

Each issue card carries the steps its status allows; a step needing words (a decline reason, a
referral, a board's response) asks for them in a small persistent conversation.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import InputFile, Update
from telegram.error import BadRequest

from db.issues import Actor, Issue
from delivery.messages import CallbackData, Callbacks
from handlers.access import admin_only
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import (
    cancelling,
    close_buttons,
    end,
    problem_text,
    reply,
    reply_in_parts,
    split_for_telegram,
)
from handlers.steps import ask
from issues.publication import PUBLISHABLE
from issues.queue import (
    ACCEPT_FROM,
    CLOSE_FROM,
    DECLINE_FROM,
    MERGE_FROM,
    OUTCOMES,
    REFER_FROM,
    RESPOND_FROM,
)
from issues.raising import REASON, check_length
from wording import issues as texts

log = logging.getLogger(__name__)
WAIT_TEXT = 0
CONVERSATION = "issue_officer_words"
PENDING = "issue_step"
CARD = "issue_card"  # the issue whose card was last shown, so a step refreshes that card
MAX_ISSUE_BUTTONS = 90
QUEUE, REPORT = Callbacks("iq"), Callbacks("rp")
Rows = list[list[tuple[str, CallbackData]]]


def _officer_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def _issue_from(update: Update, context: BotContext, index: int = 1) -> Issue | None:
    """The issue named by the pressed button's data (``iq:<step>:<id>...``)."""
    assert update.callback_query is not None and update.callback_query.data is not None
    issue_id = int(QUEUE.parts(update.callback_query.data)[index])
    return await context.services.issues.queue.find(issue_id)


# --- the queue and a card -----------------------------------------------------------------------

@admin_only("queue")
async def queue_command(update: Update, context: BotContext) -> None:
    groups = await context.services.issues.queue.overview()
    if not groups:
        await reply(update, texts.QUEUE_EMPTY, inline([[(texts.BUTTON_CSV, QUEUE.data("csv"))]]))
        return
    summary = texts.queue_summary([(g.theme_title, g.organisations, g.summaries) for g in groups])
    issues = [s.issue for g in groups for s in g.summaries][:MAX_ISSUE_BUTTONS]
    buttons = [(issue.ref, QUEUE.data("open", issue.id)) for issue in issues]
    rows: Rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    await reply_in_parts(update, summary, inline([*rows, [(texts.BUTTON_CSV, QUEUE.data("csv"))]]))


def _card_buttons(issue: Issue, boards: list[str], published: bool) -> Rows:
    rows: Rows = []
    if issue.status in ACCEPT_FROM:
        rows += [[(texts.BUTTON_ACCEPT.format(board=board), QUEUE.data("acc", issue.id, i))]
                 for i, board in enumerate(boards)]
    steps = [(MERGE_FROM, texts.BUTTON_MERGE, "mrg"), (DECLINE_FROM, texts.BUTTON_DECLINE, "dec"),
             (REFER_FROM, texts.BUTTON_REFER, "ref")]
    rows.append([(label, QUEUE.data(step, issue.id)) for allowed, label, step in steps
                 if issue.status in allowed])
    if issue.status in CLOSE_FROM:
        rows += [[(texts.BUTTON_CLOSE.format(outcome=texts.OUTCOME_WORDS[o]),
                   QUEUE.data("close", issue.id, o))] for o in OUTCOMES]
    rows += _web_page_buttons(issue, published)
    rows.append([(texts.BUTTON_REDACT, QUEUE.data("red", issue.id))])
    rows.append(_ways_on(issue))
    return [row for row in rows if row]


def _web_page_buttons(issue: Issue, published: bool) -> Rows:
    """One tap publishes: the organisation's words as written, straight from the card; writing
    a summary of her own is the officer's other choice, and takes the words she sends."""
    take_off = [[(texts.BUTTON_UNPUBLISH, QUEUE.data("unpub", issue.id))]] if published else []
    if issue.status not in PUBLISHABLE:
        return take_off
    if published:
        return [[(texts.BUTTON_REPUBLISH, QUEUE.data("pub", issue.id))], *take_off]
    return [[(texts.BUTTON_MEMBER_WORDS, QUEUE.data("pubw", issue.id))],
            [(texts.BUTTON_WRITE_SUMMARY, QUEUE.data("pub", issue.id))]]


def _ways_on(issue: Issue) -> list[tuple[str, CallbackData]]:
    return [(texts.BUTTON_NEXT_ISSUE, QUEUE.data("next", issue.id)),
            (texts.BUTTON_BACK, QUEUE.data("list"))]


async def _card(context: BotContext, issue: Issue) -> str:
    services = context.services
    summary = await services.issues.queue.summary(issue)
    titles = await services.members.theme_titles()
    history = await services.issues.queue.history(issue)
    duplicates = await services.issues.queue.possible_duplicates(issue)
    card = texts.issue_card(summary, titles.get(issue.theme_slug, issue.theme_slug), history,
                            services.config.tz, [d.ref for d in duplicates])
    publication = await services.issues.publishing.current(issue)
    return card + "\n\n" + texts.web_status(publication.summary if publication else None)


async def _send_card(update: Update, context: BotContext, issue: Issue) -> None:
    assert context.user_data is not None
    card = await _card(context, issue)
    publication = await context.services.issues.publishing.current(issue)
    buttons = _card_buttons(issue, context.services.issues.boards, publication is not None)
    sent = await reply_in_parts(update, card, inline(buttons))
    context.user_data[CARD] = {"issue": issue.id, "message": sent.message_id,
                               "whole": len(split_for_telegram(card)) == 1}


@admin_only("queue")
async def open_card(update: Update, context: BotContext) -> None:
    """The queue's list keeps its buttons: the officer may open several in turn."""
    issue = await _issue_from(update, context)
    assert update.callback_query is not None
    await update.callback_query.answer()
    if issue is not None:
        await _send_card(update, context, issue)


@admin_only("queue")
async def next_card(update: Update, context: BotContext) -> None:
    issue = await _issue_from(update, context)
    await close_buttons(update)
    following = await context.services.issues.queue.next_after(issue) if issue else None
    if following is None:
        await reply(update, texts.QUEUE_END, inline([[(texts.BUTTON_BACK, QUEUE.data("list"))]]))
        return
    await _send_card(update, context, following)


@admin_only("queue")
async def back_to_list(update: Update, context: BotContext) -> None:
    await close_buttons(update)
    await queue_command(update, context)


async def _done(update: Update, context: BotContext, before: Issue,
                changed: Issue | None) -> None:
    """Say what happened, or that the issue had moved on before this step."""
    if changed is None:
        current = await context.services.issues.queue.find(before.id) or before
        await reply(update, texts.NOT_NOW.format(ref=current.ref,
                                                 status=texts.status_words(current)))
        return
    queue = context.services.issues.queue
    told = await queue.audience(changed)
    into = await queue.find(changed.merged_into) if changed.merged_into else None
    await _refresh_card(update, context, changed)
    await reply(update, texts.done(changed, told, into.ref if into else None),
                inline([_ways_on(changed)]))


async def _refresh_card(update: Update, context: BotContext, issue: Issue) -> None:
    """The card the step was taken on shows the issue as it is now, not "waiting"."""
    shown = (context.user_data or {}).get(CARD) or {}
    if shown.get("issue") != issue.id or not shown.get("whole") or update.effective_chat is None:
        return  # a card in parts keeps its old first part; the reply below says the news
    card = await _card(context, issue)
    try:
        await context.bot.edit_message_text(card, update.effective_chat.id, shown["message"],
                                            reply_markup=None)
    except BadRequest:  # deleted, or too long now
        log.debug("card of %s not refreshed", issue.ref)


@admin_only("queue")
async def accept(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    issue = await _issue_from(update, context)
    await close_buttons(update)
    boards = context.services.issues.boards
    index = int(QUEUE.parts(update.callback_query.data)[2])
    if issue is None or index >= len(boards):
        return
    queue = context.services.issues.queue
    await _done(update, context, issue,
                await queue.accept(issue, boards[index], _officer_id(update)))


@admin_only("queue")
async def merge_pick(update: Update, context: BotContext) -> None:
    issue = await _issue_from(update, context)
    await close_buttons(update)
    if issue is None:
        return
    candidates = await context.services.issues.queue.merge_candidates(issue)
    if not candidates:
        await reply(update, texts.MERGE_NONE)
        return
    rows: Rows = [[(f"{c.ref}: {texts.snippet(c.what_happening, 40)}",
                    QUEUE.data("into", issue.id, c.id))] for c in candidates[:20]]
    await reply(update, texts.MERGE_PICK.format(ref=issue.ref), inline(rows))


@admin_only("queue")
async def merge_into(update: Update, context: BotContext) -> None:
    issue = await _issue_from(update, context)
    target = await _issue_from(update, context, index=2)
    await close_buttons(update)
    if issue is None or target is None:
        return
    queue = context.services.issues.queue
    await _done(update, context, issue, await queue.merge(issue, target, _officer_id(update)))


@admin_only("queue")
async def close_issue(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    issue = await _issue_from(update, context)
    await close_buttons(update)
    if issue is None:
        return
    outcome = QUEUE.parts(update.callback_query.data)[2]
    queue = context.services.issues.queue
    await _done(update, context, issue,
                await queue.close(issue, outcome, Actor("officer", _officer_id(update))))


@admin_only("queue")
async def csv_export(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    await close_buttons(update)
    services = context.services
    export = await services.issues.csv()
    stamp = services.clock().astimezone(services.config.tz).strftime("%Y-%m-%d")
    await update.effective_chat.send_document(
        InputFile(export.content, filename=f"linkedup-issues-{stamp}.csv"),
        caption=texts.CSV_CAPTION.format(count=export.rows),
    )


# --- steps that need words: decline, refer, respond ---------------------------------------------

ASKS = {"dec": texts.ASK_DECLINE, "ref": texts.ASK_REFER, "rsp": texts.ASK_RESPONSE,
        "red": texts.ASK_REDACT}


async def _ask_words(update: Update, context: BotContext, step: str, issue: Issue) -> int:
    assert context.user_data is not None
    context.user_data[PENDING] = {"step": step, "issue": issue.id}
    if step == "pub":
        question = texts.ask_public_summary(issue)
        markup = inline([[(texts.BUTTON_MEMBER_WORDS, QUEUE.data("pubw", issue.id))]])
    else:
        question, markup = ASKS[step].format(ref=escape(issue.ref)), None
    return await ask(update, context, CONVERSATION, WAIT_TEXT, question, markup)


@admin_only("queue")
async def ask_words_button(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    issue = await _issue_from(update, context)
    await close_buttons(update)
    if issue is None:
        return await end(update)
    step = QUEUE.parts(update.callback_query.data)[0]
    if step == "pub" and issue.status not in PUBLISHABLE:
        await reply(update, texts.NOT_PUBLISHABLE.format(ref=escape(issue.ref),
                                                         status=texts.status_words(issue)))
        return await end(update)
    return await _ask_words(update, context, step, issue)


@admin_only("respond")
async def respond_command(update: Update, context: BotContext) -> int:
    args = context.args or []
    if not args:
        await reply(update, texts.RESPOND_USAGE)
        return await end(update)
    issue = await context.services.issues.queue.find(args[0])
    if issue is None:
        await reply(update, texts.UNKNOWN_REF.format(ref=escape(args[0])))
        return await end(update)
    if issue.status not in RESPOND_FROM:
        await _done(update, context, issue, None)
        return await end(update)
    return await _ask_words(update, context, "rsp", issue)


async def words_received(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    assert context.user_data is not None
    pending = context.user_data.get(PENDING)
    if pending is not None and pending["step"] == "pub":
        return await _summary_received(update, context, update.message.text)
    if pending is not None and pending["step"] == "red":
        return await _redaction_received(update, context, update.message.text.strip())
    checked = check_length(update.message.text, REASON)
    if not isinstance(checked, str):
        await reply(update, problem_text(checked))
        return WAIT_TEXT
    pending = context.user_data.pop(PENDING, None)
    queue = context.services.issues.queue
    issue = await queue.find(pending["issue"]) if pending else None
    if pending is None or issue is None:
        return await end(update)
    step = {"dec": queue.decline, "ref": queue.refer, "rsp": queue.respond}[pending["step"]]
    await _done(update, context, issue, await step(issue, checked, _officer_id(update)))
    return await end(update)


async def _redaction_received(update: Update, context: BotContext, words: str) -> int:
    assert context.user_data is not None
    pending = context.user_data.pop(PENDING)
    queue = context.services.issues.queue
    issue = await queue.find(pending["issue"])
    if issue is None or not words:
        return await end(update)
    count = await queue.redact(issue, words, _officer_id(update))
    if not count:
        await reply(update, texts.REDACT_NONE.format(ref=escape(issue.ref)))
        return await end(update)
    changed = await queue.find(issue.id) or issue
    await _refresh_card(update, context, changed)
    await reply(update, texts.REDACT_DONE.format(ref=escape(issue.ref), count=count),
                inline([_ways_on(changed)]))
    return await end(update)


async def _summary_received(update: Update, context: BotContext, text: str) -> int:
    """The officer's public summary: checked like a member's text before it can be public."""
    assert context.user_data is not None
    publishing = context.services.issues.publishing
    checked = await publishing.check(text)
    if isinstance(checked, list):
        await reply(update, texts.public_details(checked))
        return WAIT_TEXT
    if not isinstance(checked, str):
        await reply(update, problem_text(checked))
        return WAIT_TEXT
    pending = context.user_data.pop(PENDING)
    issue = await context.services.issues.queue.find(pending["issue"])
    if issue is not None:
        await _published(update, context, issue,
                         await publishing.approve(issue, checked, _officer_id(update)))
    return await end(update)


async def _published(update: Update, context: BotContext, issue: Issue, done: bool) -> None:
    if done:
        await reply(update, texts.published(issue))
        return
    current = await context.services.issues.queue.find(issue.id) or issue
    await reply(update, texts.NOT_PUBLISHABLE.format(ref=escape(current.ref),
                                                     status=texts.status_words(current)))


@admin_only("queue")
async def publish_member_words(update: Update, context: BotContext) -> int:
    """"Publish their words as written": the organisation's text, approved by this tap."""
    assert context.user_data is not None
    issue = await _issue_from(update, context)
    await close_buttons(update)
    context.user_data.pop(PENDING, None)
    if issue is not None:
        publishing = context.services.issues.publishing
        await _published(update, context, issue,
                         await publishing.approve_member_words(issue, _officer_id(update)))
    return await end(update)


@admin_only("queue")
async def unpublish(update: Update, context: BotContext) -> None:
    issue = await _issue_from(update, context)
    await close_buttons(update)
    if issue is not None:
        await context.services.issues.publishing.withdraw(issue, _officer_id(update))
        await reply(update, texts.unpublished(issue.ref))


cancel = cancelling(PENDING, texts.OFFICER_CANCELLED)


# --- /report ------------------------------------------------------------------------------------

@admin_only("report")
async def report_command(update: Update, context: BotContext) -> None:
    boards = context.services.issues.boards
    await reply(update, texts.REPORT_PICK_BOARD,
                inline([[(board, REPORT.data(i))] for i, board in enumerate(boards)]))


@admin_only("report")
async def report_board(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    assert update.effective_chat is not None
    await close_buttons(update)
    services = context.services
    boards = services.issues.boards
    index = int(REPORT.parts(update.callback_query.data)[0])
    if index >= len(boards):
        return
    files = await services.issues.board_report(boards[index])
    if files is None:
        await reply(update, texts.REPORT_NO_MEETING.format(board=escape(boards[index])))
        return
    report = files.report
    name = report_filename(report.board, report.meeting.starts_at.astimezone(
        services.config.tz).strftime("%Y-%m-%d"))
    caption = texts.report_caption(report.board, report.meeting.starts_at, len(report.issues),
                                   services.config.tz)
    chat = update.effective_chat
    await chat.send_document(InputFile(files.docx, filename=f"{name}.docx"), caption=caption)
    await chat.send_document(InputFile(files.html.encode("utf-8"), filename=f"{name}.html"),
                             caption=texts.REPORT_HTML_CAPTION)


def report_filename(board: str, day: str) -> str:
    slug = "-".join("".join(c if c.isalnum() else " " for c in board.lower()).split())
    return f"issues-{slug}-{day}"
