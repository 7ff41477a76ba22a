-- The email channel through Mailchimp.
--
-- One Mailchimp campaign per bulletin. The row is written before each call that changes the
-- campaign, so a crash or an ambiguous failure (a timeout, a 5xx) is followed by reading the
-- campaign's status back instead of creating or sending it a second time. bulletin_id is not a
-- foreign key: the bulletins table comes in a later migration, and the record of what was
-- emailed must outlive any tidying of drafts. segment is a JSON list of the theme slugs whose
-- followers get the email (empty: the whole audience); content_hash is of the content last
-- uploaded, and uploading changed content clears test_sent_at.
CREATE TABLE mailchimp_campaigns (
    bulletin_id   INTEGER PRIMARY KEY,
    campaign_id   TEXT UNIQUE,
    state         TEXT NOT NULL DEFAULT 'creating'
                  CHECK (state IN ('creating', 'draft', 'sending', 'sent',
                                   'scheduling', 'scheduled')),
    segment       TEXT NOT NULL DEFAULT '[]',
    content_hash  TEXT,
    test_sent_at  TEXT,
    sent_at       TEXT,
    scheduled_for TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- What the audience holds for each member who gave an email address: the subscriber hash (md5
-- of the lowercased address; the address itself stays in members), the contact's status as
-- last seen, and the theme tags the bot set (JSON). needs_sync/not_before is the retry queue: a
-- change is recorded here first and pushed to Mailchimp afterwards, so an outage never loses it.
CREATE TABLE mailchimp_members (
    member_id       INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    subscriber_hash TEXT,
    status          TEXT,
    tags            TEXT NOT NULL DEFAULT '[]',
    needs_sync      INTEGER NOT NULL DEFAULT 1,
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT,
    last_error      TEXT,
    synced_at       TEXT
);
CREATE INDEX mailchimp_members_due ON mailchimp_members(needs_sync, not_before);

-- Contacts to delete permanently because their member used /forget. Only the hash is kept (the
-- member row is gone), and only until Mailchimp has confirmed the erasure.
CREATE TABLE mailchimp_erasures (
    subscriber_hash TEXT PRIMARY KEY,
    requested_at    TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT,
    last_error      TEXT
);
