-- The monthly waiting-list census (issue 12).
--
-- A participant is a member whose organisation runs services that can have a waiting list; it
-- says which service types (slugs from the config's [census] services) and whether reports may
-- name it. A month is a row with its due times: it opens at the configured day and time,
-- reminds some days later, and closes at the next month's opening, or earlier at a board
-- meeting's cut-off (closed_at), so a report's figures never change once sent. An ask is the
-- schedule's memory: one per member per month, written once the month's messages are queued.
-- An answer is one service's figures for one month; /forget cuts member_id and the
-- organisation's name, and the anonymous figures stay in the totals.
CREATE TABLE census_participants (
    member_id       INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    named           INTEGER,                          -- may reports name it? NULL: not answered
    named_at        TEXT,                             -- yet, so not asked yet either; when it was
    joined_at       TEXT NOT NULL
);

CREATE TABLE census_member_services (
    member_id       INTEGER NOT NULL REFERENCES census_participants(member_id) ON DELETE CASCADE,
    service_slug    TEXT NOT NULL,                    -- no FK: the config owns service types
    PRIMARY KEY (member_id, service_slug)
);

CREATE TABLE census_months (
    month           TEXT PRIMARY KEY,                 -- '2026-12', in the network's time zone
    opens_at        TEXT NOT NULL,
    remind_at       TEXT NOT NULL,
    closes_at       TEXT NOT NULL,                    -- the next month's opening
    closed_at       TEXT                              -- when answers stopped being taken
);

CREATE TABLE census_asks (
    month           TEXT NOT NULL REFERENCES census_months(month),
    member_id       INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    asked_at        TEXT NOT NULL,
    reminded_at     TEXT,
    PRIMARY KEY (month, member_id)
);

CREATE TABLE census_answers (
    id              INTEGER PRIMARY KEY,
    month           TEXT NOT NULL REFERENCES census_months(month),
    service_slug    TEXT NOT NULL,
    member_id       INTEGER REFERENCES members(id) ON DELETE SET NULL,
    organisation    TEXT,                             -- NULL once the member is forgotten
    named           INTEGER NOT NULL DEFAULT 0,
    waiting         INTEGER NOT NULL CHECK (waiting >= 0),
    wait_weeks      INTEGER CHECK (wait_weeks IS NULL OR wait_weeks BETWEEN 0 AND 520),
    closed_to_referrals INTEGER NOT NULL DEFAULT 0,
    answered_at     TEXT NOT NULL,
    UNIQUE (month, service_slug, member_id)
);
CREATE INDEX census_answers_member ON census_answers(member_id);
CREATE INDEX census_answers_month ON census_answers(month, service_slug);
