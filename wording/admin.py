"""Wording for the officer's commands."""

from __future__ import annotations

from html import escape

from db.records import MembershipCounts

NOT_ADMIN = (
    "Sorry, /{command} is for the network officer. Send /help to see what you can do."
)
PRIVATE_ONLY = "/{command} works only in a private chat with me: its answers hold personal data."
MEMBERS_EXPORT_CAPTION = (
    "Members export ({count} members). This file holds personal data: keep it safe."
)


def membership(counts: MembershipCounts) -> str:
    themes = "\n".join(f"• {escape(title)}: {count}" for title, count in counts.per_theme)
    return (
        "<b>Members</b>\n"
        f"Total: {counts.total}\nActive: {counts.active}\n"
        f"Blocked the bot: {counts.blocked}\nJoined this month: {counts.joined_this_month}\n\n"
        f"<b>Followers per theme</b>\n{themes or 'No themes configured.'}"
    )
