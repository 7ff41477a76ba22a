"""Wording for ``/broadcast``: urgent updates from the officer."""

from __future__ import annotations

from html import escape

ASK_AUDIENCE = (
    "<b>New update</b>\nWho should get it? Tick themes to send only to their followers, "
    "or choose Everyone."
)
BUTTON_EVERYONE = "Everyone"
BUTTON_NEXT = "Next: write the message"
ASK_TEXT = "Now send the message (plain text, up to {limit} characters), or /cancel."
TOO_LONG = "That is {length} characters; an update can be up to {limit}. Please shorten it."
PREVIEW = "<i>Preview: this goes to {count} member(s).</i>"
CONFIRM = "Send this update to {count} member(s)?"
BUTTON_SEND = "Send to {count}"
BUTTON_EDIT = "Change the text"
BUTTON_CANCEL = "Cancel"
NOBODY = "No member would receive this yet. Choose other themes, or /cancel."
QUEUED = "Sending. This message shows the progress."
CANCELLED = "Cancelled: nothing was sent."
NEED_THEME_OR_EVERYONE = "Tick at least one theme, or choose Everyone."


def update_message(text_html: str, theme_titles: list[str]) -> str:
    about = f" on {', '.join(escape(t) for t in theme_titles)}" if theme_titles else ""
    return f"<b>Update from the Linked-up network{about}</b>\n\n{text_html}"


def progress_title(theme_titles: list[str]) -> str:
    return "Update" + (f" on {', '.join(theme_titles)}" if theme_titles else " to everyone")
