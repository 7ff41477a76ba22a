-- Network meetings and board meetings, members' answers, and what was sent about them.
--
-- Times are UTC; they were computed from the local wall time the officer typed (config
-- timezone), so a 10:00 meeting stays 10:00 on either side of a clock change. scheduled_at is
-- when the current time was set: reminders that fell due before it (a meeting made or moved at
-- short notice) never apply. sequence counts reschedules, for the calendar file's SEQUENCE.
CREATE TABLE meetings (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('network', 'board')),
    title            TEXT NOT NULL,
    board            TEXT,                           -- board meetings: which board
    theme_slug       TEXT,                           -- no FK: retired themes keep meetings
    followers_only   INTEGER NOT NULL DEFAULT 0,     -- remind only the theme's followers
    speaker          TEXT NOT NULL DEFAULT '',
    venue            TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    map_url          TEXT,
    online_url       TEXT,
    agenda           TEXT NOT NULL DEFAULT '',
    capacity         INTEGER CHECK (capacity IS NULL OR capacity > 0),
    starts_at        TEXT NOT NULL,
    ends_at          TEXT NOT NULL,
    issue_cutoff_at  TEXT,                           -- board meetings
    reminder_offsets TEXT,                           -- JSON list; NULL: the config's
    reminder_note    TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'cancelled')),
    sequence         INTEGER NOT NULL DEFAULT 0,
    scheduled_at     TEXT NOT NULL,
    notes            TEXT,
    notes_sent_at    TEXT,
    source_uid       TEXT UNIQUE,                    -- imported: the file's UID, so re-import adds nothing
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK ((kind = 'board') = (board IS NOT NULL AND issue_cutoff_at IS NOT NULL))
);
CREATE INDEX meetings_upcoming ON meetings(status, starts_at);
CREATE INDEX meetings_board ON meetings(board, status, starts_at);

-- One answer per member per meeting. 'waiting' is "going" on a full meeting; the earliest
-- answered_at is promoted first. Rows go with the member (/forget) or the meeting.
CREATE TABLE meeting_rsvps (
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    answer      TEXT NOT NULL CHECK (answer IN ('going', 'maybe', 'no', 'waiting')),
    answered_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meeting_rsvps_member ON meeting_rsvps(member_id);
CREATE INDEX meeting_rsvps_answer ON meeting_rsvps(meeting_id, answer, answered_at);

-- Timed messages about a meeting that have been dealt with: a reminder at an offset, or a
-- nudge to the officer to post the notes. anchor is the meeting's start when it was due, so a
-- reschedule makes every reminder due afresh. 'skipped': superseded by a later one after
-- downtime, so members get one late reminder instead of a pile.
CREATE TABLE meeting_sends (
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    what        TEXT NOT NULL,
    anchor      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sent', 'skipped')),
    at          TEXT NOT NULL,
    PRIMARY KEY (meeting_id, what, anchor)
);
