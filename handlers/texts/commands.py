"""The command menus shown by Telegram and by /help: (command, description)."""

from __future__ import annotations

MEMBER_COMMANDS: list[tuple[str, str]] = [
    ("start", "Join the network or update your details"),
    ("themes", "Choose the themes you follow"),
    ("bulletin", "The latest bulletin and older ones"),
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
]
