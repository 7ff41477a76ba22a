"""Wording for joining, themes, privacy and help."""

from __future__ import annotations

from html import escape

from db.members import Member

WELCOME = (
    "Welcome to the <b>Linked-up network</b> bot.\n\n"
    "The network brings together voluntary organisations working with children, young people "
    "and families. Here you can get the monthly bulletin, meeting reminders and urgent updates "
    "on the themes you choose, and raise issues for the boards the network reports to.\n\n"
    "Joining takes about a minute."
)

PRIVACY_NOTICE = (
    "<b>Your data</b>\n"
    "We store your organisation's name, your name and role, your Telegram user id, the themes "
    "you follow, what we send you, and, only if you agree, an email address for the emailed "
    "bulletin. We use them to run the network: bulletins, meeting reminders, updates, and "
    "carrying the issues you raise to the boards. The network's development officer at the "
    "council for voluntary service looks after it and does not share it. You can see everything "
    "with /mydata and erase it with /forget at any time."
)

BUTTON_AGREE = "I agree, continue"
BUTTON_DECLINE = "No thanks"
DECLINED = (
    "No problem: nothing has been stored. If you change your mind, send /start."
)
ASK_ORGANISATION = "What is your <b>organisation</b> called?"
ASK_NAME = "And <b>your name</b>?"
ASK_ROLE = "What is your <b>role</b> there? (for example: manager, youth worker, trustee)"
ASK_EMAIL = (
    "Would you also like the bulletin <b>by email</b>? Send your email address, or press Skip."
)
BUTTON_SKIP = "Skip"
ASK_EMAIL_CONSENT = (
    "May we add <b>{email}</b> to the network's Mailchimp mailing list for the monthly bulletin "
    "and network news? You can unsubscribe from any email or here with /forget."
)
BUTTON_EMAIL_YES = "Yes, email me"
BUTTON_EMAIL_NO = "No, Telegram only"
BAD_EMAIL = "That does not look like an email address. Try again, or press Skip."
TOO_SHORT = "Please type at least {minimum} characters."
TOO_LONG = "Please keep it under {maximum} characters (that was {length})."
NOT_TEXT = "Please answer with text, or send /cancel to stop."

REGISTERED = (
    "Thank you, you have joined the network as <b>{name}</b> of <b>{organisation}</b>.\n\n"
    "Now choose the themes you want to hear about."
)
UPDATED = "Your details are updated. Here are your themes:"

ALREADY_REGISTERED = (
    "You are registered as <b>{name}</b> ({role}) of <b>{organisation}</b>.\n"
    "Email bulletin: {email}.\n\nWould you like to update your details?"
)
BUTTON_UPDATE_DETAILS = "Update my details"
BUTTON_KEEP_DETAILS = "Keep them"
KEPT = "Nothing changed. /themes chooses what you hear about, /help lists everything."
CANCELLED = "Stopped. Nothing more was saved. Send /help to see what you can do."
NOTHING_TO_CANCEL = "There is nothing to cancel. Send /help to see what you can do."

THEMES_HEADER = (
    "<b>Your themes</b>\nTap a theme to follow or unfollow it. You get urgent updates and "
    "meeting reminders on the themes you follow, and they come first in your bulletin."
)
THEMES_NOTHING = "\n\nYou follow no themes yet: you will still get the bulletin."
BUTTON_ALL = "All"
BUTTON_NONE = "None"
BUTTON_DONE = "Done"
BUTTON_ONLY_MINE_ON = "Bulletin: only my themes"
BUTTON_ONLY_MINE_OFF = "Bulletin: everything, mine first"
THEMES_SAVED = "Saved. You follow: {themes}.\n\nSend /help to see what else you can do."
THEMES_SAVED_NONE = (
    "Saved. You follow no themes: you will get the bulletin but no theme updates.\n"
    "Change this any time with /themes."
)
NOT_REGISTERED = "You have not joined yet. Send /start to join the network."

FORGET_CONFIRM = (
    "This erases everything stored about you: your details, themes, consents and what was "
    "sent to you{email}. Issues you raised for the boards stay, no longer linked to you or "
    "naming your organisation. It cannot be undone. Erase it?"
)
FORGET_EMAIL = ", and removes {email} from the mailing list"
BUTTON_FORGET_YES = "Yes, erase everything"
BUTTON_FORGET_NO = "No, keep me"
FORGOTTEN = "Done: everything about you has been erased. Send /start if you want to join again."
FORGET_KEPT = "Nothing was erased."
MYDATA_SUMMARY = (
    "<b>What we store about you</b>\n"
    "Organisation: {organisation}\nName: {name}\nRole: {role}\nEmail: {email}\n"
    "Themes: {themes}\nStatus: {status}\nJoined: {joined}\n\n"
    "The attached file has everything, including your consents and what we sent you."
)
MYDATA_NOTHING = "We store nothing about you. (Send /start to join.)"

UNKNOWN = (
    "Sorry, I did not understand that. Send /help to see what I can do, or /cancel to stop "
    "what you were doing."
)
GROUP_HELP = (
    "I am the Linked-up network bot. To join, choose themes or raise an issue, "
    "message me privately: {link}"
)
GROUP_ONLY_PRIVATE = "Please use this command in a private chat with me: {link}"
STALE_BUTTON = "That button has expired. Send /help to see what you can do."
ERROR = "Sorry, something went wrong on our side. Please try again in a minute."

HELP_HEADER = "<b>What you can do</b>"
HELP_ADMIN_HEADER = "<b>For the network officer</b>"


EMAIL_RECONFIRM = (
    "📧 You had unsubscribed from the email bulletin, so Mailchimp must ask you first: it has "
    "sent a confirmation email to <b>{email}</b>. Press the button in that email and the "
    "bulletin comes by email again; until then it comes here only."
)


def email_reconfirm(email: str) -> str:
    return EMAIL_RECONFIRM.format(email=escape(email))


def registered(member: Member) -> str:
    return REGISTERED.format(
        name=escape(member.contact_name), organisation=escape(member.organisation)
    )


def already_registered(member: Member) -> str:
    return ALREADY_REGISTERED.format(
        name=escape(member.contact_name),
        role=escape(member.role or "no role given"),
        organisation=escape(member.organisation),
        email=escape(member.email) if member.email else "no",
    )


def themes_saved(titles: list[str]) -> str:
    if not titles:
        return THEMES_SAVED_NONE
    return THEMES_SAVED.format(themes=", ".join(escape(title) for title in titles))


def forget_confirm(member: Member) -> str:
    email = FORGET_EMAIL.format(email=escape(member.email)) if member.email else ""
    return FORGET_CONFIRM.format(email=email)


def mydata_summary(member: Member, theme_titles: list[str], joined: str) -> str:
    return MYDATA_SUMMARY.format(
        organisation=escape(member.organisation),
        name=escape(member.contact_name),
        role=escape(member.role or "-"),
        email=escape(member.email) if member.email else "none",
        themes=", ".join(escape(t) for t in theme_titles) or "none",
        status=member.status,
        joined=joined,
    )


def help_lines(commands: list[tuple[str, str]]) -> str:
    return "\n".join(f"/{name} - {escape(description)}" for name, description in commands)
