"""The command menus shown by Telegram and by /help: (command, description)."""

from __future__ import annotations

MEMBER_COMMANDS: list[tuple[str, str]] = [
    ("start", "Join the network or update your details"),
    ("themes", "Choose the themes you follow"),
    ("mydata", "See everything stored about you"),
    ("forget", "Erase everything stored about you"),
    ("cancel", "Stop what you are doing"),
    ("help", "What this bot can do"),
]

ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("members", "Membership figures"),
    ("export", "Members as a CSV file"),
]
