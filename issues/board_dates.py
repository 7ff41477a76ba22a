"""When each board meets next, and the cut-off for issues to go in its report.

The meetings feature owns board meetings; the issues feature only needs to ask "what is this
board's next meeting after this moment?". Keeping that question behind :class:`BoardCalendar`
means reports, roll-over and timers are tested against any calendar, and the meetings module
is the one place that knows how meetings are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class BoardMeeting:
    board: str
    starts_at: datetime
    cut_off_at: datetime
    """Issues accepted after this go to the meeting after."""


class BoardCalendar(Protocol):
    async def next_meeting(self, board: str, after: datetime) -> BoardMeeting | None:
        """The board's first meeting starting after ``after``; None if none is planned."""
        ...

