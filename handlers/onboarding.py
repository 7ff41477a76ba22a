"""``/start``: joining the network, or updating one's details, as a persistent conversation.

Nothing is stored in the members table until the member has seen the privacy notice, agreed,
and answered every question; until then the answers live in ``user_data`` (persisted, so a
restart of the bot resumes the conversation where the member was).
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from db.members import MemberDetails
from delivery.messages import Callbacks
from handlers.census import with_census_invite
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import cancelling, close_buttons, end, problem_text, reply
from handlers.steps import ask
from handlers.themes import send_theme_picker
from members import details as rules
from wording import members as texts

PRIVACY, ORGANISATION, NAME, ROLE, EMAIL, EMAIL_CONSENT, UPDATE_CHOICE = range(7)
ANSWERS = "join"
JOIN = Callbacks("join")
SKIP_EMAIL = [[(texts.BUTTON_SKIP, JOIN.data("skip-email"))]]
CONVERSATION = "onboarding"


def _answers(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    answers: dict[str, Any] = context.user_data.setdefault(ANSWERS, {})
    return answers


async def start(update: Update, context: BotContext) -> int:
    assert update.effective_user is not None
    _answers(context).clear()
    member = await context.services.members.find(update.effective_user.id)
    if member is not None:
        return await ask(update, context, CONVERSATION, UPDATE_CHOICE,
                         texts.already_registered(member), inline([[
                             (texts.BUTTON_UPDATE_DETAILS, JOIN.data("update")),
                             (texts.BUTTON_KEEP_DETAILS, JOIN.data("keep"))]]))
    return await ask(update, context, CONVERSATION, PRIVACY,
                     f"{texts.WELCOME}\n\n{texts.PRIVACY_NOTICE}", inline([[
                         (texts.BUTTON_AGREE, JOIN.data("agree")),
                         (texts.BUTTON_DECLINE, JOIN.data("decline"))]]))


async def agree(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    return await ask(update, context, CONVERSATION, ORGANISATION, texts.ASK_ORGANISATION)


async def decline(update: Update, context: BotContext) -> int:
    return await end(update, texts.DECLINED)


async def keep_details(update: Update, context: BotContext) -> int:
    return await end(update, texts.KEPT)


async def _ask_text(update: Update, context: BotContext, field: str, rule: rules.TextRule,
                    states: tuple[int, int], next_question: str) -> int:
    """Store one answer if it passes its rule, else say what is wrong and ask again."""
    assert update.message is not None and update.message.text is not None
    this_state, next_state = states
    checked = rules.check_text(update.message.text, rule)
    if not isinstance(checked, str):
        await reply(update, problem_text(checked))
        return this_state
    _answers(context)[field] = checked
    return await ask(update, context, CONVERSATION, next_state, next_question,
                     inline(SKIP_EMAIL) if next_state == EMAIL
                     else None)


async def organisation(update: Update, context: BotContext) -> int:
    return await _ask_text(update, context, "organisation", rules.ORGANISATION,
                           (ORGANISATION, NAME), texts.ASK_NAME)


async def name(update: Update, context: BotContext) -> int:
    return await _ask_text(update, context, "contact_name", rules.CONTACT_NAME, (NAME, ROLE),
                           texts.ASK_ROLE)


async def role(update: Update, context: BotContext) -> int:
    return await _ask_text(update, context, "role", rules.ROLE, (ROLE, EMAIL), texts.ASK_EMAIL)


async def email(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    address = rules.normalise_email(update.message.text)
    if address is None:
        await reply(update, texts.BAD_EMAIL, inline(SKIP_EMAIL))
        return EMAIL
    _answers(context)["email"] = address
    return await ask(update, context, CONVERSATION, EMAIL_CONSENT,
                     texts.ASK_EMAIL_CONSENT.format(email=address), inline([[
                         (texts.BUTTON_EMAIL_YES, JOIN.data("email-yes")),
                         (texts.BUTTON_EMAIL_NO, JOIN.data("email-no")),
                     ]]))


async def skip_email(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    return await _finish(update, context, email_consent=False)


async def email_consent(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None
    await close_buttons(update)
    consent = update.callback_query.data == JOIN.data("email-yes")
    return await _finish(update, context, email_consent=consent)


async def _finish(update: Update, context: BotContext, *, email_consent: bool) -> int:
    assert update.effective_user is not None and update.effective_chat is not None
    answers = _answers(context)
    details = MemberDetails(
        organisation=answers["organisation"],
        contact_name=answers["contact_name"],
        role=answers["role"],
        email=answers.get("email"),
    )
    registration = await context.services.members.register(
        update.effective_user.id, update.effective_chat.id, details, email_consent=email_consent
    )
    answers.clear()
    member = registration.member
    if registration.created:
        await reply(update, *with_census_invite(context, texts.registered(member)))
    else:
        await reply(update, texts.UPDATED)
    await send_theme_picker(update, context, member)
    return await end(update)


cancel = cancelling(ANSWERS, texts.CANCELLED)


async def not_text(update: Update, context: BotContext) -> None:
    await reply(update, texts.NOT_TEXT)
