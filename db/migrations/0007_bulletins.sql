-- The monthly bulletin: a draft the officer edits, then a sent edition kept in the archive.
CREATE TABLE bulletins (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    intro_html    TEXT NOT NULL DEFAULT '',
    period_start  TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled')),
    scheduled_for TEXT,
    created_at    TEXT NOT NULL,
    sent_at       TEXT
);
-- At most one bulletin is being prepared at a time.
CREATE UNIQUE INDEX bulletins_one_draft ON bulletins(status)
    WHERE status IN ('draft', 'scheduled');

CREATE TABLE bulletin_items (
    bulletin_id INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE CASCADE,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    -- Dropped items stay as rows so that refreshing the draft does not bring them back.
    dropped     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bulletin_id, article_id)
);

-- A tap on "Read more": counted before the link is shown. The member link is cut when the
-- member is forgotten; the count stays, because it only says an article was read.
CREATE TABLE article_reads (
    id          INTEGER PRIMARY KEY,
    bulletin_id INTEGER REFERENCES bulletins(id) ON DELETE CASCADE,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    member_id   INTEGER REFERENCES members(id) ON DELETE SET NULL,
    read_at     TEXT NOT NULL
);
CREATE INDEX article_reads_bulletin ON article_reads(bulletin_id, article_id);

-- "Stop these": a member can pause bulletins and theme updates without leaving the network.
ALTER TABLE members ADD COLUMN broadcasts_paused INTEGER NOT NULL DEFAULT 0;
