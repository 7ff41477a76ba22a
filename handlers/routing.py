"""The routing table: every handler, its pattern and its group, in the order PTB tries them.

PTB offers each update to the groups in ascending order and, within a group, runs only the
first handler that matches, so order matters wherever two handlers could take the same update;
the comments say where. Each conversation is one ``states`` dict: its steps, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from census.messages import FIGURES_PATTERN, ONE_TAP_PATTERN
from census.messages import PREFIX as CENSUS
from handlers import (
    admin,
    broadcast,
    bulletin_admin,
    bulletin_member,
    census,
    fallback,
    feeds,
    help,
    issue_queue,
    meeting_admin,
    meeting_notes,
    meetings,
    membership,
    onboarding,
    privacy,
    raise_issue,
    stats,
    themes,
)
from handlers.context import BotApplication, BotContext
from handlers.leaving import TYPED_TEXT, Leaving
from meetings.messages import CALENDAR_PREFIX, RSVP_PREFIX

ON_CONTACT, LEAVING, DEFAULT = -2, -1, 0
"""Groups: every update is first seen by the reachability check, then may end a conversation
it leaves, then gets its one answer."""

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
TEXT = TYPED_TEXT
NOT_TEXT = ~filters.COMMAND & ~filters.TEXT

Callback = Callable[[Update, BotContext], Any]


def button(callback: Callback, pattern: str) -> CallbackQueryHandler[BotContext, Any]:
    """A button whose callback data matches ``pattern`` whole."""
    return CallbackQueryHandler(callback, pattern=f"^{pattern}$")


def conversation(name: str, entry_points: list[Any], states: dict[object, list[Any]],
                 fallbacks: list[Any]) -> ConversationHandler[BotContext]:
    """Persisted (a restart resumes where the person was); sending the first command again
    starts over."""
    return ConversationHandler(entry_points=entry_points, states=states, fallbacks=fallbacks,
                               allow_reentry=True, name=name, persistent=True)


def conversations(admins: list[int], leaving: Leaving) -> list[ConversationHandler[BotContext]]:
    """Each ends on its own ``/cancel`` or when :class:`Leaving` ends it (put right after)."""
    leave = leaving.fallback()
    officers = PRIVATE & filters.User(user_id=admins)
    return [
        conversation(
            "onboarding",
            [CommandHandler("start", onboarding.start, filters=PRIVATE)],
            {
                onboarding.PRIVACY: [button(onboarding.agree, "join:agree"),
                                     button(onboarding.decline, "join:decline")],
                onboarding.UPDATE_CHOICE: [button(onboarding.agree, "join:update"),
                                           button(onboarding.keep_details, "join:keep")],
                onboarding.ORGANISATION: [MessageHandler(TEXT, onboarding.organisation)],
                onboarding.NAME: [MessageHandler(TEXT, onboarding.name)],
                onboarding.ROLE: [MessageHandler(TEXT, onboarding.role)],
                onboarding.EMAIL: [MessageHandler(TEXT, onboarding.email),
                                   button(onboarding.skip_email, "join:skip-email")],
                onboarding.EMAIL_CONSENT: [button(onboarding.email_consent,
                                                  "join:email-(yes|no)")],
            },
            [CommandHandler("cancel", onboarding.cancel), leave,
             MessageHandler(NOT_TEXT, onboarding.not_text)],
        ),
        conversation(
            "raise_issue",
            [CommandHandler("raise", raise_issue.start, filters=PRIVATE)],
            {
                raise_issue.THEME: [button(raise_issue.theme_chosen, r"ri:theme:[a-z0-9-]+")],
                raise_issue.WHAT_STATE: [MessageHandler(TEXT, raise_issue.what_text)],
                raise_issue.SIMILAR: [button(raise_issue.similar_choice, r"ri:(join:\d+|new)")],
                raise_issue.IMPACT_STATE: [MessageHandler(TEXT, raise_issue.impact_text)],
                raise_issue.WAITING: [MessageHandler(TEXT, raise_issue.waiting_text),
                                      button(raise_issue.skip_waiting, "ri:skip"),
                                      button(raise_issue.no_figures, "ri:nofig")],
                raise_issue.WEEKS: [MessageHandler(TEXT, raise_issue.weeks_text),
                                    button(raise_issue.skip_weeks, "ri:skip")],
                raise_issue.AFFECTED: [MessageHandler(TEXT, raise_issue.affected_text),
                                       button(raise_issue.skip_affected, "ri:skip")],
                raise_issue.ASK_STATE: [MessageHandler(TEXT, raise_issue.ask_text),
                                        button(raise_issue.skip_ask, "ri:skip")],
                raise_issue.SINCE_STATE: [MessageHandler(TEXT, raise_issue.since_text),
                                          button(raise_issue.skip_since, "ri:skip")],
                raise_issue.BOARD: [button(raise_issue.board_chosen, r"ri:board:(\d+|-)")],
                raise_issue.NAMED: [button(raise_issue.named_chosen, "ri:named:(yes|no)")],
                raise_issue.REVIEW: [button(raise_issue.review_button, "ri:(confirm|change)")],
                raise_issue.EDIT: [button(raise_issue.edit_choice, r"ri:edit:[a-z]+")],
            },
            [CommandHandler("cancel", raise_issue.cancel), leave,
             button(raise_issue.cancel, "ri:cancel"),
             MessageHandler(NOT_TEXT, raise_issue.not_text)],
        ),
        conversation(
            "census_figures",
            # Started by a service's "Type figures" button in the monthly census question.
            [CallbackQueryHandler(census.start_figures, pattern=FIGURES_PATTERN)],
            {
                census.COUNT: [MessageHandler(TEXT, census.count_text),
                               button(census.count_confirmed, rf"{CENSUS}:n:\d+")],
                census.WEEKS: [MessageHandler(TEXT, census.weeks_text),
                               button(census.weeks_button, rf"{CENSUS}:w:\d+")],
                census.CLOSED: [button(census.closed_button, f"{CENSUS}:c:(yes|no)")],
            },
            [CommandHandler("cancel", census.cancel), leave],
        ),
        conversation(
            "issue_officer_words",
            # The officer's words for a member: a reason, a reply, or the public summary.
            [button(issue_queue.ask_words_button, r"iq:(dec|ref|pub|red):\d+"),
             button(issue_queue.publish_member_words, r"iq:pubw:\d+"),
             CommandHandler("respond", issue_queue.respond_command, filters=PRIVATE)],
            {issue_queue.WAIT_TEXT: [MessageHandler(TEXT, issue_queue.words_received)]},
            [CommandHandler("cancel", issue_queue.cancel_words), leave],
        ),
        conversation(
            "bulletin-draft",
            # Officers only: for members /bulletin is the latest edition (stand-alone below).
            [CommandHandler("bulletin", bulletin_admin.open_draft, filters=officers)],
            {
                bulletin_admin.MENU: [CallbackQueryHandler(bulletin_admin.menu_button,
                                                           pattern="^bl:")],
                bulletin_admin.INTRO: [MessageHandler(TEXT, bulletin_admin.receive_intro)],
                bulletin_admin.SCHEDULE: [
                    MessageHandler(TEXT, bulletin_admin.receive_schedule),
                    button(bulletin_admin.pick_schedule, r"bl:at:\d+")],
            },
            [CommandHandler("cancel", bulletin_admin.leave), leave],
        ),
        conversation(
            "broadcast",
            [CommandHandler("broadcast", broadcast.start, filters=PRIVATE)],
            {
                broadcast.AUDIENCE: [button(broadcast.audience_button,
                                            "bc:(t:.+|everyone|next)")],
                broadcast.TEXT: [MessageHandler(TEXT, broadcast.receive_text)],
                broadcast.PREVIEW: [button(broadcast.preview_button, "bc:(send|edit|cancel)")],
            },
            [CommandHandler("cancel", broadcast.leave), leave],
        ),
        conversation(
            "meeting",
            [CommandHandler("meeting", meeting_admin.start, filters=PRIVATE)],
            {
                meeting_admin.MENU: [
                    MessageHandler(TEXT, meeting_admin.title_at_menu),
                    button(meeting_admin.new_meeting, "mtg:new:(network|board)"),
                    button(meeting_admin.open_meeting, r"mtg:open:\d+")],
                meeting_admin.ASK: [
                    MessageHandler(TEXT, meeting_admin.answer_text),
                    button(meeting_admin.answer_button, r"mtg:(pick|skip):\w+(:\d+)?")],
                meeting_admin.REVIEW: [
                    button(meeting_admin.edit_field, r"mtg:edit:\w+"),
                    button(meeting_admin.more_details, "mtg:more"),
                    button(meeting_admin.reschedule, "mtg:move"),
                    button(meeting_admin.ask_cancel, "mtg:kill"),
                    button(meeting_admin.save, "mtg:save"),
                    button(meeting_admin.discard, "mtg:discard")],
                meeting_admin.CONFIRM_CANCEL: [
                    button(meeting_admin.confirm_cancel, "mtg:kill:(yes|no)")],
            },
            # Text where a button is expected gets "use the buttons", not "not understood".
            [CommandHandler("cancel", meeting_admin.stop), leave,
             MessageHandler(TEXT, meeting_admin.use_buttons)],
        ),
        conversation(
            "meeting_notes",
            [CommandHandler("notes", meeting_notes.start, filters=PRIVATE)],
            {
                meeting_notes.PICK: [button(meeting_notes.pick, r"notes:m:\d+")],
                meeting_notes.TEXT: [MessageHandler(TEXT, meeting_notes.receive)],
                meeting_notes.CONFIRM: [button(meeting_notes.confirm, "notes:(send|edit|stop)")],
            },
            [CommandHandler("cancel", meeting_notes.stop), leave],
        ),
    ]


def register_handlers(application: BotApplication, admins: list[int]) -> None:
    add = application.add_handler

    # Every update from a private chat: a member who blocked the bot and writes again is
    # reachable again. Its own group, so it never keeps an update from its answer.
    add(TypeHandler(Update, membership.reactivate_on_contact), group=ON_CONTACT)

    # A command, or a button that starts a conversation, first ends any other conversation.
    leaving = Leaving()
    leaving.conversations = conversations(admins, leaving)
    add(leaving, group=LEAVING)

    # Conversations first, so their steps take a person's typed text before the stand-alone
    # text handlers below (census figures, "not understood") can.
    for handler in leaving.conversations:
        add(handler)

    # Issues: the officer's queue and board report; a member's own issues and follow-ups.
    add(CommandHandler("queue", issue_queue.queue_command))
    add(CommandHandler("report", issue_queue.report_command))
    add(button(issue_queue.open_card, r"iq:open:\d+"))
    add(button(issue_queue.back_to_list, "iq:list"))
    add(button(issue_queue.next_card, r"iq:next:\d+"))
    add(button(issue_queue.accept, r"iq:acc:\d+:\d+"))
    add(button(issue_queue.merge_pick, r"iq:mrg:\d+"))
    add(button(issue_queue.merge_into, r"iq:into:\d+:\d+"))
    add(button(issue_queue.close_issue, r"iq:close:\d+:[a-z-]+"))
    add(button(issue_queue.csv_export, "iq:csv"))
    add(button(issue_queue.unpublish, r"iq:unpub:\d+"))
    add(button(issue_queue.report_board, r"rp:\d+"))
    add(CommandHandler("myissues", raise_issue.my_issues, filters=PRIVATE))
    add(button(raise_issue.my_issues_button, "myissues"))
    add(button(raise_issue.follow_up_answer, r"iss:fu:\d+:(yes|partly|no)"))

    # Themes, privacy.
    add(CommandHandler("themes", themes.themes_command, filters=PRIVATE))
    add(CallbackQueryHandler(themes.theme_button, pattern=f"^{themes.PREFIX}"))
    add(CommandHandler("mydata", privacy.mydata, filters=PRIVATE))
    add(CommandHandler("forget", privacy.forget, filters=PRIVATE))
    add(button(privacy.forget_answer, "forget:(yes|no)"))

    # /help in a group points to the private chat, as does any member command sent there;
    # both before the private handlers of the same commands.
    add(CommandHandler("help", help.group_help, filters=GROUPS))
    add(CommandHandler("help", help.help_command, filters=PRIVATE))
    add(CommandHandler([name for name, _ in help.MEMBER_COMMANDS if name != "help"],
                       help.group_private_only, filters=GROUPS))

    # Officer: members and export.
    add(CommandHandler("members", admin.members_command))
    add(CommandHandler("export", admin.export_command))

    # Telegram telling us the bot was blocked or unblocked.
    add(ChatMemberHandler(membership.bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))

    # Bulletins: a member's latest edition (the officer's /bulletin was taken by the draft
    # conversation above), the archive, reads and pausing.
    add(CommandHandler("bulletin", bulletin_member.send_latest, filters=PRIVATE))
    add(button(bulletin_member.archive_button, r"arch:(list|\d+)"))
    add(button(bulletin_member.read_button, r"read:\d+:\d+"))
    add(button(bulletin_member.pause_button, "pause:(on|off)"))

    # Feeds and stats (officer).
    add(CommandHandler("fetch", feeds.fetch_command))
    add(button(feeds.file_button, rf"{feeds.FILE_PREFIX}\d+(:\d+:[a-z0-9-]+)?"))
    add(CommandHandler("stats", stats.stats_command))

    # Meetings: the list, answers and calendar files; attendees (officer).
    add(CommandHandler("meetings", meetings.list_meetings, filters=PRIVATE))
    add(CommandHandler("attendees", meetings.attendees, filters=PRIVATE))
    add(button(meetings.rsvp_button, rf"{RSVP_PREFIX}:\d+:(going|maybe|no)"))
    add(button(meetings.calendar_button, rf"{CALENDAR_PREFIX}:\d+"))
    add(button(meetings.attendees_csv, r"att:\d+"))

    # Census: taking part, one-tap answers; typed figures with no conversation open start one
    # (after the conversations, whose steps take numbers first).
    add(CommandHandler("census", census.census_command, filters=PRIVATE))
    add(CallbackQueryHandler(census.one_tap_answer, pattern=ONE_TAP_PATTERN))
    add(button(census.taking_part_button, rf"{CENSUS}:(join|no|leave|s:[a-z0-9-]+)"))
    add(button(census.services_done, rf"{CENSUS}:done"))
    add(button(census.named_button, rf"{CENSUS}:named:(yes|no)"))
    add(button(census.csv_button, rf"{CENSUS}:csv"))
    add(MessageHandler(PRIVATE & filters.Regex(r"^\s*-?\d[\d,]*\s*$") & TEXT,
                       census.figures_first))

    # Last: whatever nothing above took gets a short answer instead of silence.
    add(CommandHandler("cancel", fallback.nothing_to_cancel, filters=PRIVATE))
    add(MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, fallback.not_understood))
    add(CallbackQueryHandler(fallback.stale_button))
    application.add_error_handler(fallback.on_error)
