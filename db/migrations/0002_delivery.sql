-- The delivery ledger: one campaign per thing sent to many members, one row per member per
-- message part. A unique key per campaign makes enqueueing idempotent; the row's status makes
-- sending resumable after a crash without resending what was delivered.
CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'sending'
                  CHECK (status IN ('sending', 'done', 'cancelled')),
    report_chat_id    INTEGER,
    report_message_id INTEGER,
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    member_id       INTEGER REFERENCES members(id) ON DELETE CASCADE,
    chat_id         INTEGER NOT NULL,
    part            INTEGER NOT NULL DEFAULT 0,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Microsecond ISO-8601 UTC, unlike other columns: backoffs and tests need sub-second waits,
    -- and one fixed width keeps text comparison in time order.
    not_before      TEXT,
    telegram_message_id INTEGER,
    error           TEXT,
    sent_at         TEXT,
    UNIQUE (campaign_id, chat_id, part)
);
CREATE INDEX deliveries_queue ON deliveries(status, campaign_id, id);
-- The earliest backoff to wake up for, without scanning every pending row.
CREATE INDEX deliveries_backoff ON deliveries(status, not_before);
-- Skipping or re-addressing one member's or one chat's rows, and erasing a member (cascade).
CREATE INDEX deliveries_member ON deliveries(member_id, status);
CREATE INDEX deliveries_chat ON deliveries(chat_id, status);
