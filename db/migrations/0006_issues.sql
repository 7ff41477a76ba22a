-- Issues and challenges that members raise for the boards the officer sits on.
--
-- An issue is the problem; the organisations behind it are issue_supporters rows (the one that
-- raised it, and every "us too"), so reports count organisations, not messages. Merged issues
-- keep their own rows and point at the issue they were merged into; everything that reaches
-- "the organisations behind an issue" follows merged_into. Every status change is an
-- issue_events row saying who and when.
CREATE TABLE issues (
    id              INTEGER PRIMARY KEY,
    ref             TEXT NOT NULL UNIQUE,             -- LU-2026-014
    theme_slug      TEXT NOT NULL,                    -- no FK: retired themes keep their issues
    what_happening  TEXT NOT NULL,
    impact          TEXT NOT NULL,
    board           TEXT,                             -- NULL: the officer decides
    status          TEXT NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('submitted', 'accepted', 'merged', 'declined', 'referred',
                                      'reported', 'responded', 'closed')),
    status_note     TEXT,                             -- decline reason, referred to whom
    outcome         TEXT CHECK (outcome IN ('resolved', 'partly-resolved',
                                            'no-further-action')),
    merged_into     INTEGER REFERENCES issues(id),
    accepted_at     TEXT,                             -- decides which report it goes in
    reported_at     TEXT,                             -- when the board met with it on its agenda
    response        TEXT,
    responded_at    TEXT,
    overdue_flagged_at  TEXT,
    follow_up_sent_at   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    anonymised_at   TEXT
);
CREATE INDEX issues_status ON issues(status, theme_slug);
CREATE INDEX issues_merged_into ON issues(merged_into);
CREATE INDEX issues_updated ON issues(anonymised_at, updated_at);

-- One organisation behind an issue. member_id is the personal link: cut when the member is
-- forgotten or the issue is anonymised; the row (and so the count and the figures) stays.
CREATE TABLE issue_supporters (
    id              INTEGER PRIMARY KEY,
    issue_id        INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    member_id       INTEGER REFERENCES members(id) ON DELETE SET NULL,
    organisation    TEXT,                             -- NULL once anonymised
    named           INTEGER NOT NULL DEFAULT 0,       -- may the report name the organisation?
    raised          INTEGER NOT NULL DEFAULT 0,       -- 1: raised it; 0: "us too"
    waiting_count   INTEGER,
    wait_weeks      INTEGER,
    waiting_since   TEXT,
    follow_up_answer TEXT CHECK (follow_up_answer IN ('yes', 'partly', 'no')),
    joined_at       TEXT NOT NULL
);
CREATE INDEX issue_supporters_issue ON issue_supporters(issue_id);
CREATE INDEX issue_supporters_member ON issue_supporters(member_id);

CREATE TABLE issue_events (
    id              INTEGER PRIMARY KEY,
    issue_id        INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL CHECK (actor IN ('officer', 'member', 'system')),
    officer_id      INTEGER,                          -- the officer's Telegram user id
    member_id       INTEGER REFERENCES members(id) ON DELETE SET NULL,
    action          TEXT NOT NULL,                    -- a status, or 'us-too', 'follow-up'...
    note            TEXT
);
CREATE INDEX issue_events_issue ON issue_events(issue_id, id);

-- The pack that went to a board meeting: regenerating it before the meeting replaces the list,
-- and once the meeting has happened its issues become 'reported'.
CREATE TABLE board_reports (
    id              INTEGER PRIMARY KEY,
    board           TEXT NOT NULL,
    meeting_at      TEXT NOT NULL,
    cut_off_at      TEXT NOT NULL,
    generated_at    TEXT NOT NULL,
    settled_at      TEXT,                             -- issues marked reported after the meeting
    UNIQUE (board, meeting_at)
);

CREATE TABLE board_report_issues (
    report_id       INTEGER NOT NULL REFERENCES board_reports(id) ON DELETE CASCADE,
    issue_id        INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, issue_id)
);
CREATE INDEX board_report_issues_issue ON board_report_issues(issue_id);
