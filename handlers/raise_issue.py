"""``/raise`` and ``/myissues``: a member raising an issue for the boards, or joining one.

The answers live in ``user_data`` (persisted, so a restart resumes the conversation) until the
member confirms. Free text is checked for length and by the safeguarding check before it is put
there: text that seems to identify a person is shown back to the member and never kept.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Update

from db.issues import Figures
from db.members import Member
from delivery.messages import Callbacks
from handlers.context import BotContext
from handlers.keyboards import Key, inline
from handlers.replies import cancelling, close_buttons, end, problem_text, reply, reply_in_parts
from handlers.steps import ask
from issues.raising import ASK, IMPACT, MAX_WAITING, MAX_WEEKS, SINCE, WHAT, Draft, check_length
from issues.raising import parse_count as parse_number
from issues.timers import FOLLOW_UP
from members.details import TextRule
from wording import issues as texts

THEME, WHAT_STATE, SIMILAR, IMPACT_STATE, WAITING, WEEKS, SINCE_STATE, BOARD, NAMED, REVIEW, \
    EDIT, ASK_STATE, AFFECTED = range(13)  # new states at the end: saved conversations resume
DRAFT = "raise"
CONVERSATION = "raise_issue"
RAISE = Callbacks("ri")
Step = Callable[[Update, BotContext], Coroutine[Any, Any, int]]
NEW_STEPS = ("theme", "what", "similar", "impact", "ask", "waiting", "weeks", "affected", "since",
             "board", "named", "review")
JOIN_STEPS = ("waiting", "weeks", "affected", "since", "named", "review")
FIGURE_STEPS = ("waiting", "weeks", "affected", "since")
JOIN_EDITABLE = ("figures", "named")
"""Joining an issue adds figures and a naming choice; the issue's own words are not ours."""


def _draft(context: BotContext) -> dict[str, Any]:
    return context.answers(DRAFT)


async def _member(update: Update, context: BotContext) -> Member | None:
    return await context.member(update)


# --- asking each question -----------------------------------------------------------------------

async def _ask_theme(update: Update, context: BotContext) -> int:
    themes = await context.services.members.themes()
    rows = [[(t.title, RAISE.data("theme", t.slug))] for t in themes]
    return await ask(update, context, CONVERSATION, THEME, texts.ASK_THEME,
                     inline([*rows, [(texts.BUTTON_CANCEL, RAISE.data("cancel"))]]))


SKIP = [[(texts.BUTTON_SKIP, RAISE.data("skip"))]]
SKIP_FIGURES = [[(texts.BUTTON_SKIP, RAISE.data("skip")),
                 (texts.BUTTON_SKIP_FIGURES, RAISE.data("nofig"))]]


def _ask_text(html: str, state: int, buttons: Sequence[Sequence[Key]] = ()) -> Step:
    async def question(update: Update, context: BotContext) -> int:
        return await ask(update, context, CONVERSATION, state, html, inline(buttons))

    return question


async def _ask_similar(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    service = context.services.issues
    matches = await service.raising.similar(draft["theme"], draft["what"])
    if not matches:
        return await _ask(update, context, "impact")
    summaries = [(m.issue, await service.queue.summary(m.issue)) for m in matches]
    rows = [[(texts.BUTTON_US_TOO.format(ref=m.issue.ref), RAISE.data("join", m.issue.id))]
            for m in matches]
    return await ask(update, context, CONVERSATION, SIMILAR, texts.similar_issues(summaries),
                     inline([*rows, [(texts.BUTTON_DIFFERENT, RAISE.data("new"))]]))


async def _ask_board(update: Update, context: BotContext) -> int:
    boards = context.services.config.issues.boards
    rows = [[(board, RAISE.data("board", i))] for i, board in enumerate(boards)]
    return await ask(update, context, CONVERSATION, BOARD, texts.ASK_BOARD,
                     inline([*rows, [(texts.BUTTON_OFFICER_DECIDES, RAISE.data("board", "-"))]]))


async def _ask_named(update: Update, context: BotContext) -> int:
    member = await _member(update, context)
    organisation = member.organisation if member else ""
    return await ask(update, context, CONVERSATION, NAMED, texts.ask_named(organisation), inline([
        [(texts.BUTTON_NAMED, RAISE.data("named", "yes")),
         (texts.BUTTON_ANONYMOUS, RAISE.data("named", "no"))],
    ]))


async def _ask_review(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    draft["editing"] = False
    services = context.services
    member = await _member(update, context)
    if member is None:
        return await _not_a_member(update, context)
    joining = await services.issues.raising.joinable(draft["join"]) if draft.get("join") else None
    if draft.get("join") and joining is None:
        draft.pop("join")
        await reply(update, texts.JOIN_GONE)
        return await _ask(update, context, "impact")  # what a new issue needs that joining did not
    titles = await services.members.theme_titles()
    return await ask(update, context, CONVERSATION, REVIEW, texts.review(texts.Review(
        titles.get(draft["theme"], draft["theme"]), draft.get("what", ""),
        draft.get("impact", ""), _figures(draft), draft.get("board"), member.organisation,
        bool(draft.get("named")), joining, draft.get("ask"),
    )), inline([[(texts.BUTTON_CONFIRM, RAISE.data("confirm"))],
                [(texts.BUTTON_CHANGE, RAISE.data("change")),
                 (texts.BUTTON_CANCEL, RAISE.data("cancel"))]]))


QUESTIONS: dict[str, Step] = {
    "theme": _ask_theme,
    "what": _ask_text(texts.ASK_WHAT.format(minimum=WHAT.minimum, maximum=WHAT.maximum),
                      WHAT_STATE),
    "similar": _ask_similar,
    "impact": _ask_text(texts.ASK_IMPACT.format(minimum=IMPACT.minimum, maximum=IMPACT.maximum),
                        IMPACT_STATE),
    "ask": _ask_text(texts.ASK_BOARD_ASK.format(minimum=ASK.minimum, maximum=ASK.maximum),
                     ASK_STATE, [[(texts.BUTTON_OFFICER_WORDS, RAISE.data("skip"))]]),
    "waiting": _ask_text(texts.ASK_WAITING, WAITING, SKIP_FIGURES),
    "weeks": _ask_text(texts.ASK_WEEKS, WEEKS, SKIP),
    "affected": _ask_text(texts.ASK_AFFECTED, AFFECTED, SKIP),
    "since": _ask_text(texts.ASK_SINCE, SINCE_STATE, SKIP),
    "board": _ask_board,
    "named": _ask_named,
    "review": _ask_review,
}


async def _ask(update: Update, context: BotContext, step: str) -> int:
    return await QUESTIONS[step](update, context)


async def _after(update: Update, context: BotContext, step: str) -> int:
    """Ask the question after ``step``; when changing one answer, go back to the review
    (figures being several questions, changing them asks them all). Nobody waiting: no
    question about how long."""
    draft = _draft(context)
    if draft.get("editing") and step not in FIGURE_STEPS[:-1]:
        return await _ask(update, context, "review")
    steps = JOIN_STEPS if draft.get("join") else NEW_STEPS
    following = steps[steps.index(step) + 1]
    if following == "weeks" and not draft.get("waiting"):
        draft.pop("weeks", None)
        following = "affected"
    return await _ask(update, context, following)


# --- the answers --------------------------------------------------------------------------------

async def start(update: Update, context: BotContext) -> int:
    if await _member(update, context) is None:
        return await _not_a_member(update, context)
    _draft(context).clear()
    return await _ask(update, context, "theme")


async def _not_a_member(update: Update, context: BotContext) -> int:
    _draft(context).clear()
    await reply(update, texts.NOT_A_MEMBER)
    return await end(update)


async def theme_chosen(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    _draft(context)["theme"] = RAISE.parts(update.callback_query.data)[1]
    await close_buttons(update)
    return await _after(update, context, "theme")


async def _checked_text(update: Update, context: BotContext, rule: TextRule,
                        field: str) -> str | None:
    """The member's text if it is the right length and identifies nobody; else say why (which
    answer, what was found, quoted) and keep nothing."""
    assert update.message is not None and update.message.text is not None
    checked = check_length(update.message.text, rule)
    if not isinstance(checked, str):
        await reply(update, problem_text(checked))
        return None
    member = await _member(update, context)
    assert member is not None
    findings = await context.services.issues.raising.safeguarding_check(checked, member)
    if findings:
        await reply(update, texts.found_details(findings, field))
        return None
    return checked


def _text_answer(field: str, rule: TextRule, state: int, step: str) -> Step:
    async def answer(update: Update, context: BotContext) -> int:
        checked = await _checked_text(update, context, rule, field)
        if checked is None:
            return state
        _draft(context)[field] = checked
        return await _after(update, context, step)

    return answer


what_text = _text_answer("what", WHAT, WHAT_STATE, "what")
impact_text = _text_answer("impact", IMPACT, IMPACT_STATE, "impact")
since_text = _text_answer("since", SINCE, SINCE_STATE, "since")
ask_text = _text_answer("ask", ASK, ASK_STATE, "ask")


def _number_answer(field: str, maximum: int, state: int, step: str) -> Step:
    async def answer(update: Update, context: BotContext) -> int:
        assert update.message is not None and update.message.text is not None
        number = parse_number(update.message.text, maximum)
        if number is None:
            await reply(update, texts.BAD_NUMBER.format(maximum=maximum), inline(SKIP))
            return state
        _draft(context)[field] = number
        return await _after(update, context, step)

    return answer


waiting_text = _number_answer("waiting", MAX_WAITING, WAITING, "waiting")
weeks_text = _number_answer("weeks", MAX_WEEKS, WEEKS, "weeks")
affected_text = _number_answer("affected", MAX_WAITING, AFFECTED, "affected")


def _skip(field: str, step: str) -> Step:
    async def skip(update: Update, context: BotContext) -> int:
        await close_buttons(update)
        _draft(context).pop(field, None)
        return await _after(update, context, step)

    return skip


skip_waiting = _skip("waiting", "waiting")
skip_weeks = _skip("weeks", "weeks")
skip_since = _skip("since", "since")
skip_ask = _skip("ask", "ask")
skip_affected = _skip("affected", "affected")


async def no_figures(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    draft = _draft(context)
    for field in FIGURE_STEPS:
        draft.pop(field, None)
    return await _after(update, context, "since")


def _figures(draft: dict[str, Any]) -> Figures:
    return Figures(draft.get("waiting"), draft.get("weeks"), draft.get("since"),
                   draft.get("affected"))


async def similar_choice(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    await close_buttons(update)
    data = update.callback_query.data
    choice, *issue = RAISE.parts(data)
    if choice == "join":
        _draft(context)["join"] = int(issue[0])
        return await _ask(update, context, "waiting")
    return await _after(update, context, "similar")


async def board_chosen(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    await close_buttons(update)
    choice = RAISE.parts(update.callback_query.data)[1]
    boards = context.services.config.issues.boards
    chosen = int(choice) if choice.isdigit() else len(boards)
    _draft(context)["board"] = boards[chosen] if chosen < len(boards) else None
    return await _after(update, context, "board")


async def named_chosen(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None
    await close_buttons(update)
    _draft(context)["named"] = update.callback_query.data == RAISE.data("named", "yes")
    return await _after(update, context, "named")


async def review_button(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None
    if update.callback_query.data == RAISE.data("change"):
        await close_buttons(update)
        joining = bool(_draft(context).get("join"))
        fields = [(field, label) for field, label in texts.EDIT_FIELDS
                  if not joining or field in JOIN_EDITABLE]
        return await ask(update, context, CONVERSATION, EDIT, texts.ASK_EDIT, inline(
            [[(label, RAISE.data("edit", field))] for field, label in fields]))
    return await _confirm(update, context)


async def edit_choice(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    await close_buttons(update)
    field = RAISE.parts(update.callback_query.data)[1]
    _draft(context)["editing"] = True
    return await _ask(update, context, "waiting" if field == "figures" else field)


async def _confirm(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    member = await _member(update, context)
    if member is None:
        return await _not_a_member(update, context)
    issue = await context.services.issues.raising.submit(member, Draft(
        theme_slug=draft["theme"], what_happening=draft.get("what", ""),
        impact=draft.get("impact", ""), figures=_figures(draft), board=draft.get("board"),
        named=bool(draft.get("named")), join_issue_id=draft.get("join"),
        board_ask=draft.get("ask"),
    ))
    await close_buttons(update)
    if issue is None:  # the issue it joins closed meanwhile: review it as a new one
        return await _ask_review(update, context)
    joined = draft.get("join") == issue.id
    draft.clear()
    await reply(update, texts.joined(issue, member.organisation) if joined
                else texts.submitted(issue))
    return await end(update)


cancel = cancelling(DRAFT, texts.RAISE_CANCELLED)


async def not_text(update: Update, context: BotContext) -> None:
    await reply(update, texts.NOT_TEXT)


# --- /myissues and the follow-up answer ----------------------------------------------------------

async def my_issues(update: Update, context: BotContext) -> None:
    member = await _member(update, context)
    if member is None:
        await reply(update, texts.NOT_A_MEMBER)
        return
    services = context.services
    titles = await services.members.theme_titles()
    entries = []
    for issue, _ in await services.issues.raising.of_member(member):
        merged_into = await services.issues.queue.find(issue.merged_into) \
            if issue.merged_into else None
        entries.append(texts.my_issue(issue, titles.get(issue.theme_slug, issue.theme_slug),
                                      merged_into))
    await reply_in_parts(update, texts.my_issues(entries) if entries else texts.MY_ISSUES_NONE)


async def my_issues_button(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await my_issues(update, context)


async def follow_up_answer(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, issue_id, answer = FOLLOW_UP.parts(query.data)
    member = await _member(update, context)
    queue = context.services.issues.queue
    issue = await queue.find(int(issue_id))
    recorded = member is not None and issue is not None and await queue.answer_follow_up(
        issue, member, answer)
    thanks = texts.FOLLOW_UP_GONE if not recorded else (
        texts.FOLLOW_UP_REOPENED if answer == "no" else texts.FOLLOW_UP_THANKS)
    await close_buttons(update)
    await reply(update, thanks)
