"""``/census`` and the census buttons: taking part, answering the monthly questions, the
officer's response rate, trends, chart and CSV.

One-tap answers ("Same as last month", "No waiting list now") are plain button handlers; typing
the figures is a short persistent conversation (how many, how long, closed?), so a restart in
the middle resumes it and typed numbers never land in another conversation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, InputFile, Update

from census import figures as reading
from census.messages import (
    CENSUS,
    WEEK_CHOICES,
    answer_data,
    parse_answer,
)
from census.service import AnswerOutcome, MonthClosed, Refused, Saved
from db.census import Figures
from db.members import Member
from handlers.access import admin_only, is_admin
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import cancelling, close_buttons, end, reply
from handlers.steps import ask
from wording import census as texts
from wording import members as member_texts

COUNT, WEEKS, CLOSED = range(3)
DRAFT = "census"
CONVERSATION = "census_figures"


def _draft(context: BotContext) -> dict[str, Any]:
    return context.answers(DRAFT)


async def _member(update: Update, context: BotContext) -> Member | None:
    return await context.member(update)


# --- taking part ----------------------------------------------------------------------------------

def with_census_invite(context: BotContext, html: str,
                       ) -> tuple[str, InlineKeyboardMarkup | None]:
    """``html`` followed by the census invitation and its buttons (joining ends with it, in
    the same message, and /census shows it to anyone not taking part yet); without census
    services configured, ``html`` alone."""
    if not context.services.census.services:
        return html, None
    return f"{html}\n\n{texts.INVITE}", inline([[(texts.BUTTON_JOIN, CENSUS.data("join"))],
                                               [(texts.BUTTON_NOT_FOR_US, CENSUS.data("no"))]])


async def _picker(update: Update, context: BotContext, member: Member) -> None:
    census = context.services.census
    participant = await census.participant(member)
    chosen = set(participant.services) if participant else set()
    rows = [[(f"{'✅' if s.slug in chosen else '⬜'} {s.title}", CENSUS.data("s", s.slug))]
            for s in census.services]
    rows.append([(texts.BUTTON_DONE, CENSUS.data("done"))])
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(texts.PICK_SERVICES, reply_markup=inline(rows))
    else:
        await reply(update, texts.PICK_SERVICES, inline(rows))


async def _pressed_by_member(update: Update, context: BotContext,
                            ) -> tuple[CallbackQuery, str, Member] | None:
    """The button press, its data and the member who pressed it; None (and the answer "send
    /start") for someone who is not a member."""
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await _member(update, context)
    if member is None:
        await query.answer(texts.NOT_A_MEMBER, show_alert=True)
        return None
    return query, query.data, member


async def taking_part_button(update: Update, context: BotContext) -> None:
    pressed = await _pressed_by_member(update, context)
    if pressed is None:
        return
    query, data, member = pressed
    census = context.services.census
    action = ":".join(CENSUS.parts(data))
    if action == "no":
        await close_buttons(update, texts.NOT_FOR_US)
        return
    if action == "leave":
        await census.leave(member)
        await close_buttons(update, texts.LEFT)
        return
    if action.startswith("s:") and census.service(action.removeprefix("s:")) is not None:
        await census.toggle_service(member, action.removeprefix("s:"))
    await query.answer()
    await _picker(update, context, member)


async def services_done(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    member = await _member(update, context)
    participant = await context.services.census.participant(member) if member else None
    if participant is None or not participant.services:
        await close_buttons(update, texts.NONE_CHOSEN)
        return
    await query.answer()
    await query.edit_message_text(texts.ASK_NAMED, reply_markup=inline([[
        (texts.BUTTON_NAME_US, CENSUS.data("named", "yes")),
        (texts.BUTTON_ANONYMOUS, CENSUS.data("named", "no")),
    ]]))


async def named_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await _member(update, context)
    census = context.services.census
    participant = await census.participant(member) if member else None
    if member is None or participant is None:
        await close_buttons(update, texts.NONE_CHOSEN)
        return
    named = query.data.endswith(":yes")
    await census.set_named(member, named)
    settings = census.settings
    titles = [s.title for s in census.services if s.slug in participant.services]
    await close_buttons(update, texts.joined(titles, named, settings.day,
                                             settings.time.strftime("%H:%M")))


# --- one-tap answers ------------------------------------------------------------------------------

async def _show_outcome(update: Update, context: BotContext, outcome: AnswerOutcome) -> None:
    match outcome:
        case Saved(month, service, figures):
            await close_buttons(update, texts.saved(month, service, figures))
        case MonthClosed(month, next_opens_at):
            await close_buttons(update, texts.month_closed(month, next_opens_at,
                                                           context.services.census.tz))
        case Refused(reason):
            assert update.callback_query is not None
            await update.callback_query.answer(reason, show_alert=True)


async def one_tap_answer(update: Update, context: BotContext) -> None:
    pressed = await _pressed_by_member(update, context)
    if pressed is None:
        return
    _, data, member = pressed
    action, month, slug = parse_answer(data)
    census = context.services.census
    outcome = (await census.same_as_last_month(member, month, slug) if action == "same"
               else await census.answer(member, month, slug, Figures(0, None, False)))
    await _show_outcome(update, context, outcome)


# --- typing the figures ---------------------------------------------------------------------------

async def start_figures(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, month, slug = parse_answer(query.data)
    service = context.services.census.service(slug)
    if service is None or await _member(update, context) is None:
        await query.answer(texts.NOT_TAKING_PART, show_alert=True)
        return await end(update)
    await close_buttons(update)
    draft = _draft(context)
    draft.clear()
    draft.update(month=month, slug=slug)
    return await ask(update, context, CONVERSATION, COUNT, texts.ask_count(service))


async def _ask_weeks(update: Update, context: BotContext, waiting: int) -> int:
    draft = _draft(context)
    draft["waiting"] = waiting
    if waiting == 0:
        draft["weeks"] = None
        return await _ask_closed(update, context)
    service = context.services.census.service(draft["slug"])
    assert service is not None
    return await ask(update, context, CONVERSATION, WEEKS, texts.ask_weeks(service), inline([
        [(str(w), CENSUS.data("w", w)) for w in WEEK_CHOICES[:4]],
        [(str(w), CENSUS.data("w", w)) for w in WEEK_CHOICES[4:]],
    ]))


async def _ask_closed(update: Update, context: BotContext) -> int:
    service = context.services.census.service(_draft(context)["slug"])
    assert service is not None
    return await ask(update, context, CONVERSATION, CLOSED, texts.ask_closed(service), inline([[
        (texts.BUTTON_CLOSED, CENSUS.data("c", "yes")), (texts.BUTTON_OPEN, CENSUS.data("c", "no")),
    ]]))


async def _typed(update: Update, context: BotContext, question: str, state: int,
                 accept: Callable[[Update, BotContext, int], Awaitable[int]]) -> int:
    """Read a typed count or wait; anything that cannot be right gets its question back."""
    assert update.message is not None and update.message.text is not None
    read = reading.read_count if question == reading.COUNT else reading.read_weeks
    result = read(update.message.text)
    if isinstance(result, reading.Accepted):
        return await accept(update, context, result.value)
    confirm = None
    if result.code == reading.UNLIKELY and result.value is not None:
        confirm = inline([[(texts.BUTTON_THAT_IS_RIGHT.format(count=result.value),
                            CENSUS.data("n", result.value))]])
    await reply(update, texts.problem(question, result.code, result.value), confirm)
    return state


async def _weeks_given(update: Update, context: BotContext, weeks: int) -> int:
    _draft(context)["weeks"] = weeks
    return await _ask_closed(update, context)


async def count_text(update: Update, context: BotContext) -> int:
    return await _typed(update, context, reading.COUNT, COUNT, _ask_weeks)


async def weeks_text(update: Update, context: BotContext) -> int:
    return await _typed(update, context, reading.WEEKS, WEEKS, _weeks_given)


async def count_confirmed(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    await close_buttons(update)
    return await _ask_weeks(update, context, int(update.callback_query.data.rsplit(":", 1)[1]))


async def weeks_button(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    await close_buttons(update)
    return await _weeks_given(update, context, int(update.callback_query.data.rsplit(":", 1)[1]))


async def closed_button(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(context)
    member = await _member(update, context)
    if member is None:
        return await end(update, texts.NOT_A_MEMBER)
    figures = Figures(draft["waiting"], draft["weeks"], query.data.endswith(":yes"))
    outcome = await context.services.census.answer(member, draft["month"], draft["slug"],
                                                   figures)
    draft.clear()
    await _show_outcome(update, context, outcome)
    return await end(update)


async def figures_first(update: Update, context: BotContext) -> None:
    await reply(update, texts.FIGURES_FIRST)


cancel = cancelling(DRAFT, member_texts.CANCELLED)


# --- /census --------------------------------------------------------------------------------------

async def census_command(update: Update, context: BotContext) -> None:
    if is_admin(update, context):
        await officer_view(update, context)
        return
    member = await _member(update, context)
    if member is None:
        await reply(update, texts.NOT_A_MEMBER)
        return
    census = context.services.census
    mine = await census.my_month(member)
    if mine is None:
        html, markup = with_census_invite(context, texts.NOT_TAKING_PART_YET)
        await reply(update, html, markup)
        return
    state = mine.state
    services = [s for s in census.services if s.slug in mine.participant.services]
    month = state.month.month
    rows = [[(texts.button_answer(s.title, s.slug in mine.answers),
              answer_data("fig", month, s.slug))] for s in services] if state.open else []
    rows += [[(texts.BUTTON_MY_SERVICES, CENSUS.data("join")),
              (texts.BUTTON_NAMING, CENSUS.data("done"))],
             [(texts.BUTTON_LEAVE, CENSUS.data("leave"))]]
    await reply(update, texts.my_month(month, state.open, state.closes_at, census.tz,
                                       services, mine.answers, mine.participant.named),
                inline(rows))


@admin_only("census")
async def officer_view(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    census = context.services.census
    board = await census.dashboard()
    state = board.state
    await reply(update, texts.dashboard(state.month.month, state.open, state.closes_at,
                                        census.tz, board.answered, board.not_answered,
                                        board.rows),
                inline([[(texts.BUTTON_CSV, CENSUS.data("csv"))]]))
    await update.effective_chat.send_photo(
        InputFile(await census.chart(), filename="waiting-lists.png"),
        caption=texts.CHART_CAPTION_OFFICER)


@admin_only("census")
async def csv_button(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None and update.effective_chat is not None
    await update.callback_query.answer()
    content, rows = await context.services.census.csv()
    await update.effective_chat.send_document(
        InputFile(content, filename="waiting-list-census.csv"), caption=texts.csv_caption(rows))
