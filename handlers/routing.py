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

from bulletins.telegram_render import PAUSE, READ, THEMES
from census.messages import CENSUS, MONTH_AND_SERVICE
from delivery.messages import Callbacks
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
from handlers.broadcast import BROADCAST
from handlers.bulletin_admin import BULLETIN
from handlers.bulletin_member import ARCHIVE
from handlers.context import BotApplication, BotContext
from handlers.feeds import FILE
from handlers.issue_queue import QUEUE, REPORT
from handlers.leaving import TYPED_TEXT, Leaving
from handlers.meeting_admin import MEETING
from handlers.meeting_notes import NOTES
from handlers.meetings import ATTENDEES
from handlers.onboarding import JOIN
from handlers.privacy import FORGET
from handlers.raise_issue import RAISE
from issues.queue import MY_ISSUES
from issues.timers import FOLLOW_UP
from meetings.messages import CALENDAR, RSVP

ON_CONTACT, LEAVING, DEFAULT = -2, -1, 0
"""Groups: every update is first seen by the reachability check, then may end a conversation
it leaves, then gets its one answer."""

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
TEXT = TYPED_TEXT
NOT_TEXT = ~filters.COMMAND & ~filters.TEXT

Callback = Callable[[Update, BotContext], Any]


def button(callback: Callback, family: Callbacks, rest: str = "",
           ) -> CallbackQueryHandler[BotContext, Any]:
    """A button of ``family`` whose data after the prefix matches ``rest`` whole."""
    return CallbackQueryHandler(callback, pattern=family.pattern(rest))


def typed(callback: Callback) -> MessageHandler[BotContext, Any]:
    """The person's typed answer to the step's question."""
    return MessageHandler(TEXT, callback)


def conversations(admins: list[int], leaving: Leaving) -> list[ConversationHandler[BotContext]]:
    officers = PRIVATE & filters.User(user_id=admins)

    def conversation(name: str, entry_points: list[Any], states: dict[object, list[Any]],
                     cancel: Callback, *fallbacks: Any) -> ConversationHandler[BotContext]:
        """Persisted (a restart resumes where the person was); sending the first command again
        starts over. Ends on its own ``/cancel``, or when :class:`Leaving` ends it (right
        after, so ``/cancel`` is never taken for another command)."""
        ending: list[Any] = [CommandHandler("cancel", cancel), leaving.fallback(), *fallbacks]
        return ConversationHandler(entry_points=entry_points, states=states, fallbacks=ending,
                                   allow_reentry=True, name=name, persistent=True)

    return [
        conversation(onboarding.CONVERSATION, [
            CommandHandler("start", onboarding.start, filters=PRIVATE)], {
            onboarding.PRIVACY: [button(onboarding.agree, JOIN, "agree"),
                                 button(onboarding.decline, JOIN, "decline")],
            onboarding.UPDATE_CHOICE: [button(onboarding.agree, JOIN, "update"),
                                       button(onboarding.keep_details, JOIN, "keep")],
            onboarding.ORGANISATION: [typed(onboarding.organisation)],
            onboarding.NAME: [typed(onboarding.name)],
            onboarding.ROLE: [typed(onboarding.role)],
            onboarding.EMAIL: [typed(onboarding.email),
                               button(onboarding.skip_email, JOIN, "skip-email")],
            onboarding.EMAIL_CONSENT: [button(onboarding.email_consent, JOIN, "email-(yes|no)")],
        }, onboarding.cancel, MessageHandler(NOT_TEXT, onboarding.not_text)),

        conversation(raise_issue.CONVERSATION, [
            CommandHandler("raise", raise_issue.start, filters=PRIVATE)], {
            raise_issue.THEME: [button(raise_issue.theme_chosen, RAISE, "theme:[a-z0-9-]+")],
            raise_issue.WHAT_STATE: [typed(raise_issue.what_text)],
            raise_issue.SIMILAR: [button(raise_issue.similar_choice, RAISE, r"join:\d+|new")],
            raise_issue.IMPACT_STATE: [typed(raise_issue.impact_text)],
            raise_issue.WAITING: [typed(raise_issue.waiting_text),
                                  button(raise_issue.skip_waiting, RAISE, "skip"),
                                  button(raise_issue.no_figures, RAISE, "nofig")],
            raise_issue.WEEKS: [typed(raise_issue.weeks_text),
                                button(raise_issue.skip_weeks, RAISE, "skip")],
            raise_issue.AFFECTED: [typed(raise_issue.affected_text),
                                   button(raise_issue.skip_affected, RAISE, "skip")],
            raise_issue.ASK_STATE: [typed(raise_issue.ask_text),
                                    button(raise_issue.skip_ask, RAISE, "skip")],
            raise_issue.SINCE_STATE: [typed(raise_issue.since_text),
                                      button(raise_issue.skip_since, RAISE, "skip")],
            raise_issue.BOARD: [button(raise_issue.board_chosen, RAISE, r"board:(\d+|-)")],
            raise_issue.NAMED: [button(raise_issue.named_chosen, RAISE, "named:(yes|no)")],
            raise_issue.REVIEW: [button(raise_issue.review_button, RAISE, "confirm|change")],
            raise_issue.EDIT: [button(raise_issue.edit_choice, RAISE, "edit:[a-z]+")],
        }, raise_issue.cancel, button(raise_issue.cancel, RAISE, "cancel"),
            MessageHandler(NOT_TEXT, raise_issue.not_text)),

        # Started by a service's "Type figures" button in the monthly census question.
        conversation(census.CONVERSATION, [
            button(census.start_figures, CENSUS, f"fig:{MONTH_AND_SERVICE}")], {
            census.COUNT: [typed(census.count_text),
                           button(census.count_confirmed, CENSUS, r"n:\d+")],
            census.WEEKS: [typed(census.weeks_text), button(census.weeks_button, CENSUS, r"w:\d+")],
            census.CLOSED: [button(census.closed_button, CENSUS, "c:(yes|no)")],
        }, census.cancel),

        # The officer's words for a member: a reason, a reply, or the public summary.
        conversation(issue_queue.CONVERSATION, [
            button(issue_queue.ask_words_button, QUEUE, r"(dec|ref|pub|red):\d+"),
            button(issue_queue.publish_member_words, QUEUE, r"pubw:\d+"),
            CommandHandler("respond", issue_queue.respond_command, filters=PRIVATE)],
            {issue_queue.WAIT_TEXT: [typed(issue_queue.words_received)]}, issue_queue.cancel),

        # Officers only: for members /bulletin is the latest edition (stand-alone below).
        conversation(bulletin_admin.CONVERSATION, [
            CommandHandler("bulletin", bulletin_admin.open_draft, filters=officers)], {
            bulletin_admin.MENU: [button(bulletin_admin.menu_button, BULLETIN, ".+")],
            bulletin_admin.INTRO: [typed(bulletin_admin.receive_intro)],
            bulletin_admin.SCHEDULE: [typed(bulletin_admin.receive_schedule),
                                      button(bulletin_admin.pick_schedule, BULLETIN, r"at:\d+")],
        }, bulletin_admin.cancel),

        conversation(broadcast.CONVERSATION, [
            CommandHandler("broadcast", broadcast.start, filters=PRIVATE)], {
            broadcast.AUDIENCE: [
                button(broadcast.audience_button, BROADCAST, "t:.+|everyone|next")],
            broadcast.TEXT: [typed(broadcast.receive_text)],
            broadcast.PREVIEW: [button(broadcast.preview_button, BROADCAST, "send|edit|cancel")],
        }, broadcast.cancel),

        conversation("meeting", [CommandHandler("meeting", meeting_admin.start, filters=PRIVATE)], {
            meeting_admin.MENU: [typed(meeting_admin.title_at_menu),
                                 button(meeting_admin.new_meeting, MEETING, "new:(network|board)"),
                                 button(meeting_admin.open_meeting, MEETING, r"open:\d+")],
            meeting_admin.ASK: [typed(meeting_admin.answer_text), button(
                meeting_admin.answer_button, MEETING, r"(pick|skip):\w+(:\d+)?")],
            meeting_admin.REVIEW: [button(meeting_admin.edit_field, MEETING, r"edit:\w+"),
                                   button(meeting_admin.more_details, MEETING, "more"),
                                   button(meeting_admin.reschedule, MEETING, "move"),
                                   button(meeting_admin.ask_cancel, MEETING, "kill"),
                                   button(meeting_admin.save, MEETING, "save"),
                                   button(meeting_admin.discard, MEETING, "discard")],
            meeting_admin.CONFIRM_CANCEL: [
                button(meeting_admin.confirm_cancel, MEETING, "kill:(yes|no)")],
        }, meeting_admin.cancel,
            # Text where a button is expected gets "use the buttons", not "not understood".
            typed(meeting_admin.use_buttons)),

        conversation(meeting_notes.CONVERSATION, [
            CommandHandler("notes", meeting_notes.start, filters=PRIVATE)], {
            meeting_notes.PICK: [button(meeting_notes.pick, NOTES, r"m:\d+")],
            meeting_notes.TEXT: [typed(meeting_notes.receive)],
            meeting_notes.CONFIRM: [button(meeting_notes.confirm, NOTES, "send|edit|stop")],
        }, meeting_notes.cancel),
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
    add(button(issue_queue.open_card, QUEUE, r"open:\d+"))
    add(button(issue_queue.back_to_list, QUEUE, "list"))
    add(button(issue_queue.next_card, QUEUE, r"next:\d+"))
    add(button(issue_queue.accept, QUEUE, r"acc:\d+:\d+"))
    add(button(issue_queue.merge_pick, QUEUE, r"mrg:\d+"))
    add(button(issue_queue.merge_into, QUEUE, r"into:\d+:\d+"))
    add(button(issue_queue.close_issue, QUEUE, r"close:\d+:[a-z-]+"))
    add(button(issue_queue.csv_export, QUEUE, "csv"))
    add(button(issue_queue.unpublish, QUEUE, r"unpub:\d+"))
    add(button(issue_queue.report_board, REPORT, r"\d+"))
    add(CommandHandler("myissues", raise_issue.my_issues, filters=PRIVATE))
    add(button(raise_issue.my_issues_button, MY_ISSUES))
    add(button(raise_issue.follow_up_answer, FOLLOW_UP, r"fu:\d+:(yes|partly|no)"))

    # Themes, privacy.
    add(CommandHandler("themes", themes.themes_command, filters=PRIVATE))
    add(button(themes.theme_button, THEMES, ".+"))
    add(CommandHandler("mydata", privacy.mydata, filters=PRIVATE))
    add(CommandHandler("forget", privacy.forget, filters=PRIVATE))
    add(button(privacy.forget_answer, FORGET, "yes|no"))

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
    add(button(bulletin_member.archive_button, ARCHIVE, r"list|\d+"))
    add(button(bulletin_member.read_button, READ, r"\d+:\d+"))
    add(button(bulletin_member.pause_button, PAUSE, "on|off"))

    # Feeds and stats (officer).
    add(CommandHandler("fetch", feeds.fetch_command))
    add(button(feeds.file_button, FILE, r"\d+(:\d+:[a-z0-9-]+)?"))
    add(CommandHandler("stats", stats.stats_command))

    # Meetings: the list, answers and calendar files; attendees (officer).
    add(CommandHandler("meetings", meetings.list_meetings, filters=PRIVATE))
    add(CommandHandler("attendees", meetings.attendees, filters=PRIVATE))
    add(button(meetings.rsvp_button, RSVP, r"\d+:(going|maybe|no)"))
    add(button(meetings.calendar_button, CALENDAR, r"\d+"))
    add(button(meetings.attendees_csv, ATTENDEES, r"\d+"))

    # Census: taking part, one-tap answers; typed figures with no conversation open start one
    # (after the conversations, whose steps take numbers first).
    add(CommandHandler("census", census.census_command, filters=PRIVATE))
    add(button(census.one_tap_answer, CENSUS, rf"(same|none):{MONTH_AND_SERVICE}"))
    add(button(census.taking_part_button, CENSUS, r"join|no|leave|s:[a-z0-9-]+"))
    add(button(census.services_done, CENSUS, r"done"))
    add(button(census.named_button, CENSUS, r"named:(yes|no)"))
    add(button(census.csv_button, CENSUS, r"csv"))
    add(MessageHandler(PRIVATE & filters.Regex(r"^\s*-?\d[\d,]*\s*$") & TEXT,
                       census.figures_first))

    # Last: whatever nothing above took gets a short answer instead of silence.
    add(CommandHandler("cancel", fallback.nothing_to_cancel, filters=PRIVATE))
    # Text first: a text is never a service message, and ruling those out is 40 filter checks.
    add(MessageHandler(PRIVATE & (filters.TEXT | ~filters.StatusUpdate.ALL),
                       fallback.not_understood))
    add(CallbackQueryHandler(fallback.stale_button))
    application.add_error_handler(fallback.on_error)
