-- Feed ingestion for the monthly bulletin. One row per configured feed URL keeps what the next
-- conditional GET needs (ETag, Last-Modified, both verbatim as the server sent them) and how the
-- last fetch went, so an officer can see a broken feed without reading logs.
CREATE TABLE feeds (
    url             TEXT PRIMARY KEY,
    etag            TEXT,
    last_modified   TEXT,
    last_fetched_at TEXT,
    last_status     TEXT
                    CHECK (last_status IN ('ok', 'not-modified', 'not-a-feed', 'error')),
    last_error      TEXT
);

-- guid is the item's own id (scoped to its feed when it is not a URI), else its link, else a
-- hash of its text: whatever stays the same when the website edits the item. feed_url is not a
-- foreign key: an article outlives its feed being removed from the config.
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    guid         TEXT NOT NULL UNIQUE,
    link         TEXT,
    title        TEXT NOT NULL,
    summary_html TEXT NOT NULL DEFAULT '',
    published_at TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    feed_url     TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX articles_published ON articles(published_at);
CREATE INDEX articles_link ON articles(link);

-- No foreign key to themes: articles are themed from the config's list, which may be ahead of
-- the mirrored themes table, and a retired theme must not lose its history.
CREATE TABLE article_themes (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    theme_slug TEXT NOT NULL,
    PRIMARY KEY (article_id, theme_slug)
);
CREATE INDEX article_themes_theme ON article_themes(theme_slug);

-- Warnings (a malformed feed that still gave items, an item skipped) and errors (timeouts, an
-- HTML page instead of a feed) per fetch, for the admin's feed report.
CREATE TABLE feed_problems (
    id          INTEGER PRIMARY KEY,
    feed_url    TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('warning', 'error')),
    detail      TEXT NOT NULL
);
CREATE INDEX feed_problems_feed ON feed_problems(feed_url, occurred_at);
