"""Assembly of linkedup-bot: configuration, the application, the runtime and the CLI."""

import os

# Opt in to python-telegram-bot's coming behaviour (durations as timedelta) so upgrades do not
# change how we read retry_after; our own code accepts both forms.
os.environ.setdefault("PTB_TIMEDELTA", "1")
