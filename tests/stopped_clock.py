"""``python -m tests.stopped_clock 2026-11-02T09:00:00+00:00 run --config config.toml``: the
bot's command line as a process of its own whose clock stands at the time given, so a test that
kills and restarts it has the census month (or meeting) it set up, not today's."""

from __future__ import annotations

import sys
from datetime import datetime

from bot.cli import main
from bot.cli_options import CliContext
from tests.harness import FakeClock

if __name__ == "__main__":
    main(args=sys.argv[2:], obj=CliContext(clock=FakeClock(datetime.fromisoformat(sys.argv[1]))))
