"""Board meetings as the issues feature sees them: each board's next meeting and its cut-off.

The issues feature asks only "when does this board meet next, and until when do issues count
for it?" (:class:`issues.board_dates.BoardCalendar`); this answers from the meetings table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db import meetings as repo
from db.database import Database
from issues.board_dates import BoardCalendar, BoardMeeting


@dataclass
class BoardMeetings:
    db: Database

    async def next_meeting(self, board: str, after: datetime) -> BoardMeeting | None:
        meeting = await repo.next_board_meeting(self.db, board, after)
        if meeting is None:
            return None
        assert meeting.issue_cutoff_at is not None, "board meetings always have a cut-off"
        return BoardMeeting(board, meeting.starts_at, meeting.issue_cutoff_at)


def board_calendar(db: Database) -> BoardCalendar:
    """The calendar the running bot gives the issues feature (tests may swap it)."""
    return BoardMeetings(db)
