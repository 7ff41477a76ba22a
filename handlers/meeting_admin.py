"""``/meeting``: the officer creates, edits, reschedules or cancels a meeting, as a persistent
conversation.

The draft is a set of answers per field (normalised text, see :mod:`meetings.schedule`) kept in
``user_data``, so a restart resumes where the officer was; each step is saved before its
question goes out (:func:`handlers.steps.ask`). A new meeting asks only what it cannot go
without (for a network meeting: title, date, time, place; typing the title at the menu starts
one), then a review offers Save and one "More details" button that opens every field, as the
review of an existing meeting does. "Reschedule" asks the date and times again. Each answer is
checked as it comes, and the whole plan once more before the review, re-asking the field a
problem is about.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from db.meetings import MeetingPlan
from delivery.messages import CallbackData, Callbacks
from handlers.access import admin_only
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import cancelling, close_buttons, end, reply
from handlers.steps import ask
from meetings.schedule import (
    FROM_A_TITLE,
    OPTIONAL,
    Invalid,
    PlanRules,
    answers_of,
    asked_as,
    fields_of,
    parse_answers,
    plan_from_answers,
    quick_fields,
    summary_answer,
)
from wording import meetings as texts

MENU, ASK, REVIEW, CONFIRM_CANCEL = range(4)
NAME_OF_CONVERSATION = "meeting"
MEETING = Callbacks("mtg")
DRAFT = "meeting"
MENU_SHOWN = 20
RESCHEDULE_FIELDS = ["date", "start", "end"]
FOLLOW_UPS = {"theme": ["theme", "audience"]}
"""Editing the theme also asks who gets the reminders (asked only when there is a theme)."""


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def _clear(context: BotContext) -> None:
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)


def _query_data(update: Update) -> str:
    assert update.callback_query is not None and update.callback_query.data is not None
    return update.callback_query.data


async def _ask(update: Update, context: BotContext, step: int, html: str,
               rows: list[list[tuple[str, CallbackData]]] | None = None) -> int:
    markup: InlineKeyboardMarkup | None = inline(rows) if rows else None
    return await ask(update, context, NAME_OF_CONVERSATION, step, html, markup)


@admin_only("meeting")
async def start(update: Update, context: BotContext) -> int:
    _clear(context)
    service = context.services.meetings
    rows = [[(texts.BUTTON_NEW_NETWORK, MEETING.data("new", "network"))],
            [(texts.BUTTON_NEW_BOARD, MEETING.data("new", "board"))]]
    rows += [[(texts.menu_button(m, service.tz), MEETING.data("open", m.id))]
             for m in (await service.upcoming())[:MENU_SHOWN]]
    return await _ask(update, context, MENU, texts.MENU, rows)


def _begin(context: BotContext, kind: str) -> None:
    _draft(context).update(kind=kind, id=None, answers={}, queue=list(quick_fields(kind)),
                           details=False)


async def new_meeting(update: Update, context: BotContext) -> int:
    _begin(context, MEETING.parts(_query_data(update))[1])
    await close_buttons(update)
    return await _ask_next(update, context)


async def title_at_menu(update: Update, context: BotContext) -> int:
    """A title typed at the menu: the quickest way to a new network meeting."""
    _begin(context, FROM_A_TITLE)
    return await answer_text(update, context)


async def open_meeting(update: Update, context: BotContext) -> int:
    service = context.services.meetings
    meeting = await service.get(int(MEETING.parts(_query_data(update))[1]))
    if meeting is None or meeting.cancelled:
        return await end(update, texts.MEETING_NOT_FOUND)
    _draft(context).update(kind=meeting.kind, id=meeting.id,
                           answers=answers_of(meeting, service.tz), queue=[], details=True)
    await close_buttons(update)
    return await _review(update, context)


# --- asking one field at a time --------------------------------------------------------------


def _choices(field: str, rules: PlanRules) -> list[tuple[str, str]]:
    """(label, answer) for fields answered with a button."""
    if field == "theme":
        return [(title, slug) for slug, title in rules.themes.items()]
    if field == "board":
        return [(board, board) for board in rules.boards]
    if field == "audience":
        return [(label, value) for value, label in texts.AUDIENCE_LABELS.items()]
    return []


def _question(field: str, context: BotContext, rules: PlanRules) -> str:
    """The question, with the current answer (as its button says it) when there is one."""
    settings = context.services.config.meetings
    answers = _draft(context)["answers"]
    labels = {value: label for label, value in _choices(field, rules)}
    current = summary_answer(field, answers)
    current = labels.get(current, current)
    question = texts.QUESTIONS[field].format(
        days=settings.issue_cutoff_days, morning=settings.morning_time.strftime("%H:%M"),
        default=", ".join(settings.reminder_offsets), day=texts.on_day(answers.get("date")))
    return texts.with_current(question, current)


async def _ask_next(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    while draft["queue"] and not _applies(draft["queue"][0], draft["answers"]):
        draft["answers"].pop(draft["queue"].pop(0), None)
    if not draft["queue"]:
        return await _review(update, context)
    field = draft["queue"][0]
    rules = await context.services.meetings.rules()
    rows = [[(label, MEETING.data("pick", field, i))]
            for i, (label, _) in enumerate(_choices(field, rules))]
    if field in OPTIONAL and field != "audience":
        rows.append([(texts.BUTTON_NO_THEME if field == "theme" else texts.BUTTON_SKIP,
                      MEETING.data("skip", field))])
    return await _ask(update, context, ASK, _question(field, context, rules), rows)


def _applies(field: str, answers: dict[str, str]) -> bool:
    """Who gets the reminders is only a question for a meeting with a theme (and its answer
    goes if the theme does)."""
    return field != "audience" or bool(answers.get("theme"))


async def _store(update: Update, context: BotContext, values: dict[str, str]) -> int:
    """The answers one reply gave; none (a skip) clears the field asked."""
    draft = _draft(context)
    field = draft["queue"].pop(0)
    if values:
        draft["answers"].update(values)
    else:
        draft["answers"].pop(field, None)
    return await _ask_next(update, context)


async def answer_text(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    field = _draft(context)["queue"][0]
    try:
        values = parse_answers(field, update.message.text,
                               await context.services.meetings.rules())
    except Invalid as problem:
        await reply(update, problem.message)
        return await _ask_next(update, context)
    return await _store(update, context, values)


async def answer_button(update: Update, context: BotContext) -> int:
    """A choice or "Skip", taken only if it belongs to the question being asked."""
    action, field, *index = MEETING.parts(_query_data(update))
    await close_buttons(update)
    if field != _draft(context)["queue"][0]:
        return ASK
    if action == "skip":
        return await _store(update, context, {})
    choices = _choices(field, await context.services.meetings.rules())
    if not index or int(index[0]) >= len(choices):  # the list changed since it was shown
        return await _ask_next(update, context)
    return await _store(update, context, {field: choices[int(index[0])][1]})


# --- the review, saving, rescheduling and cancelling ------------------------------------------


async def _plan(context: BotContext) -> MeetingPlan:
    """The draft as a plan; raises :class:`Invalid` naming the field to ask again."""
    draft = _draft(context)
    service = context.services.meetings
    original = await service.get(draft["id"]) if draft["id"] is not None else None
    return plan_from_answers(draft["kind"], draft["answers"], await service.rules(), original)


def _shown_fields(draft: dict[str, Any]) -> tuple[str, ...]:
    return fields_of(draft["kind"]) if draft.get("details", True) else quick_fields(draft["kind"])


async def _review(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    try:
        plan = await _plan(context)
    except Invalid as problem:
        draft["queue"] = [asked_as(problem.field, quick=not draft.get("details", True))]
        await reply(update, problem.message)
        return await _ask_next(update, context)
    rules = await context.services.meetings.rules()
    lines = [(texts.FIELD_LABELS[f], texts.shown_answer(f, summary_answer(f, draft["answers"]),
                                                        plan, rules.themes, rules.tz))
             for f in _shown_fields(draft)]
    more = None if draft.get("details", True) else texts.MORE_DETAILS[draft["kind"]]
    return await _ask(update, context, REVIEW, texts.review(lines, more), _review_rows(draft))


def _review_rows(draft: dict[str, Any]) -> list[list[tuple[str, CallbackData]]]:
    edits = [(texts.FIELD_LABELS[f], MEETING.data("edit", f)) for f in _shown_fields(draft)]
    rows = [edits[i:i + 3] for i in range(0, len(edits), 3)]
    if not draft.get("details", True):
        rows.append([(texts.BUTTON_MORE, MEETING.data("more"))])
    if draft["id"] is not None:
        rows.append([(texts.BUTTON_RESCHEDULE, MEETING.data("move")),
                     (texts.BUTTON_CANCEL_MEETING, MEETING.data("kill"))])
    rows.append([(texts.BUTTON_SAVE, MEETING.data("save")),
                 (texts.BUTTON_DISCARD, MEETING.data("discard"))])
    return rows


async def more_details(update: Update, context: BotContext) -> int:
    """Every field, each with its button, before saving."""
    _draft(context)["details"] = True
    await close_buttons(update)
    return await _review(update, context)


async def edit_field(update: Update, context: BotContext) -> int:
    field = MEETING.parts(_query_data(update))[1]
    _draft(context)["queue"] = list(FOLLOW_UPS.get(field, [field]))
    await close_buttons(update)
    return await _ask_next(update, context)


async def reschedule(update: Update, context: BotContext) -> int:
    _draft(context)["queue"] = list(RESCHEDULE_FIELDS)
    await close_buttons(update)
    return await _ask_next(update, context)


async def save(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    service = context.services.meetings
    try:
        plan = await _plan(context)
    except Invalid:  # time passed while the review was open
        await close_buttons(update)
        return await _review(update, context)
    original = await service.get(draft["id"]) if draft["id"] is not None else None
    if original is None:
        meeting = await service.create(plan)
        done = texts.saved_new(meeting, service.tz, await service.announce(meeting))
    elif original.cancelled:
        done = texts.MEETING_NOT_FOUND
    else:
        meeting, told = await service.update(original, plan)
        done = texts.saved_edit(meeting, original, told, service.tz)
    _clear(context)
    return await end(update, done)


async def discard(update: Update, context: BotContext) -> int:
    _clear(context)
    return await end(update, texts.DISCARDED)


async def ask_cancel(update: Update, context: BotContext) -> int:
    service = context.services.meetings
    meeting = await service.get(_draft(context)["id"])
    if meeting is None:  # a stale button from another meeting's review
        await close_buttons(update, texts.MEETING_NOT_FOUND)
        return REVIEW
    count = len(await service.affected(meeting))
    await close_buttons(update)
    return await _ask(update, context, CONFIRM_CANCEL,
                      texts.confirm_cancel(meeting, count, service.tz),
                      [[(texts.BUTTON_YES_CANCEL, MEETING.data("kill", "yes")),
                        (texts.BUTTON_NO_KEEP, MEETING.data("kill", "no"))]])


async def confirm_cancel(update: Update, context: BotContext) -> int:
    service = context.services.meetings
    meeting = await service.get(_draft(context)["id"])
    _clear(context)
    if _query_data(update) == MEETING.data("kill", "no") or meeting is None or meeting.cancelled:
        return await end(update, texts.KEPT)
    told = await service.cancel(meeting)
    return await end(update, texts.meeting_cancelled(meeting, told))


cancel = cancelling(DRAFT, texts.STOPPED)


async def use_buttons(update: Update, context: BotContext) -> None:
    await reply(update, texts.USE_BUTTONS)
