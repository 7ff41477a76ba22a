"""Keeping a member's reachability true: blocked when Telegram says so, active when they write."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update

from handlers.context import BotContext

GONE = {ChatMember.BANNED, ChatMember.LEFT}


def _left(change: ChatMemberUpdated) -> bool | None:
    """True if the bot lost the chat, False if it came back, None if nothing relevant changed."""
    was_gone = change.old_chat_member.status in GONE
    is_gone = change.new_chat_member.status in GONE
    return None if was_gone == is_gone else is_gone


async def bot_membership_changed(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    left = _left(change)
    if left is None:
        return
    directory = context.services.members
    if left:
        await directory.mark_blocked(change.from_user.id)
    else:
        await directory.mark_active(change.from_user.id)


async def reactivate_on_contact(update: Update, context: BotContext) -> None:
    """A blocked member who writes again has unblocked us: they are reachable once more."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != "private" or update.my_chat_member:
        return
    member = await context.services.members.reachable_again(user.id)
    if member is not None:
        context.remember_member(user.id, member)
