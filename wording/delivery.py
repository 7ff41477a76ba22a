"""Wording of the officer's live progress message for anything sent to many members."""

from __future__ import annotations

from html import escape

from db.deliveries import DispatchProgress


def progress(p: DispatchProgress) -> str:
    """The message's HTML; the engine sends it and edits it as the numbers change."""
    title = escape(p.title or p.kind)
    counts = f"{p.sent:,} of {p.total:,} sent"
    extras = [f"{n:,} {label}" for n, label in (
        (p.blocked, "blocked the bot"), (p.failed, "failed"), (p.skipped, "skipped"),
    ) if n]
    line = ", ".join([counts, *extras])
    if p.cancelled:
        return f"<b>{title}</b>\nCancelled: {line}."
    if p.done:
        return f"<b>{title}</b>\n✅ Finished: {line}."
    return f"<b>{title}</b>\nSending… {line}."
