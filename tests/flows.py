"""Member journeys reused across tests, written as a member would go through them."""

from __future__ import annotations

from tests.fakes.telegram_users import BotMessage, SimUser


async def begin_joining(user: SimUser) -> None:
    """/start and agree to the privacy notice, up to the first question."""
    await user.send("/start")
    await user.wait_for_text("Your data")
    await user.press("I agree, continue")
    # Not just "organisation": the privacy notice, its buttons closed by an edit, has it too.
    await user.wait_for_text("organisation called")


async def join(user: SimUser, organisation: str = "Riverside Youth Trust",
               name: str = "Sam Patel", role: str = "Manager", email: str | None = None,
               email_consent: bool = True) -> None:
    """Go through /start to the theme picker."""
    await begin_joining(user)
    await user.send(organisation)
    await user.wait_for_text("your name")
    await user.send(name)
    await user.wait_for_text("role")
    await user.send(role)
    await user.wait_for_text("by email")
    if email is None:
        await user.press("Skip")
    else:
        await user.send(email)
        await user.wait_for_text("mailing list")
        await user.press("Yes, email me" if email_consent else "No, Telegram only")
    await user.wait_for_text("Your themes")


async def fetch(admin: SimUser) -> str:
    """/fetch, after which the feed's articles are stored (the start-up fetch may have been
    first: then it reports the feed not modified)."""
    await admin.send("/fetch")
    return (await admin.wait_for_text("Feeds read")).content or ""


async def open_fetched_draft(admin: SimUser, articles: int) -> BotMessage:
    """/fetch, then /bulletin: the draft's summary, once it holds ``articles``."""
    await fetch(admin)
    await admin.send("/bulletin")
    return await admin.wait_for_text(f"{articles} articles")


async def broadcast_to_everyone(admin: SimUser, text: str, members: int) -> None:
    """/broadcast to every member, written and sent: the send starts."""
    await admin.send("/broadcast")
    await admin.wait_for_text("Who should get it?")
    await admin.press("Everyone")
    await admin.wait_for_text("Now send the message")
    await admin.send(text)
    await admin.wait_for_text(f"Send this update to {members} member(s)?")
    await admin.press(f"Send to {members}")
