"""The command menus shown by Telegram and by /help: (command, description)."""

from __future__ import annotations

MEMBER_COMMANDS: list[tuple[str, str]] = [
    ("start", "Join the network or update your details"),
    ("themes", "Choose the themes you follow"),
    ("bulletin", "The latest bulletin and older ones"),
    ("raise", "Raise an issue for the boards"),
    ("myissues", "Your issues and what became of them"),
    ("meetings", "Meetings coming up: say if you are going"),
    ("census", "Your waiting lists: the monthly census"),
    ("mydata", "See everything stored about you"),
    ("forget", "Erase everything stored about you"),
    ("cancel", "Stop what you are doing"),
    ("help", "What this bot can do"),
]

ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("bulletin", "This month's bulletin draft: preview, test, send"),
    ("broadcast", "Send an urgent update to members"),
    ("fetch", "Read the website's feed now"),
    ("stats", "What members read, bulletin by bulletin"),
    ("members", "Membership figures"),
    ("export", "Members as a CSV file"),
    ("queue", "Members' issues: triage, merge, refer"),
    ("respond", "Record a board's response to an issue"),
    ("report", "The issues report for a board's next meeting"),
    ("meeting", "Create, change, move or cancel a meeting"),
    ("attendees", "Who is going to each meeting, and a CSV"),
    ("notes", "Send a meeting's notes and actions"),
    ("census", "Waiting lists: response rate, trends, chart, CSV"),
]
