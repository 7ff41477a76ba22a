-- One story is one article, however many feeds carry it (see db/story.py for what a story is).
-- The story_* functions are Python's, registered on the connection by db/migrate.py.

-- The story's identity: its canonical link (NULL when the link names no page of its own) and its
-- title compared loosely. Two articles never share both; without a link, the title and the date
-- decide (checked by the repository, since "within a few days" is no index).
ALTER TABLE articles ADD COLUMN link_key TEXT;
ALTER TABLE articles ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
UPDATE articles SET link_key = story_link_key(link), title_key = story_title_key(title);
CREATE INDEX articles_title_key ON articles(title_key, published_at);

-- The body of the feed as last stored, so a server that ignores conditional GETs costs no
-- parsing when nothing changed.
ALTER TABLE feeds ADD COLUMN body_sha256 TEXT;

-- Every feed item an article was read from, by GUID, with the content last seen from that item:
-- an edit on either feed is noticed against its own last copy, and two feeds that word a story
-- differently do not overwrite each other on every fetch.
CREATE TABLE article_sources (
    guid         TEXT PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL
);
CREATE INDEX article_sources_article ON article_sources(article_id);

-- An article merged into another, so that a "read" button or counted link sent before the merge
-- still opens the story.
CREATE TABLE article_merges (
    merged_id  INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);

-- Copies stored before this migration: each article points at the earliest article of its story
-- (same key, or without a link the same title within three days), then chains are followed to
-- their first article, which is the one kept.
CREATE TEMP TABLE story_parent AS
SELECT d.id AS id, (
    SELECT MIN(k.id) FROM articles k
    WHERE k.id < d.id AND k.title_key = d.title_key AND (
        k.link_key = d.link_key
        OR ((k.link_key IS NULL OR d.link_key IS NULL)
            AND ABS(julianday(k.published_at) - julianday(d.published_at)) <= 3))
) AS up
FROM articles d;

INSERT INTO article_merges (merged_id, article_id)
WITH RECURSIVE story_root(id, root) AS (
    SELECT id, id FROM story_parent WHERE up IS NULL
    UNION ALL
    SELECT p.id, r.root FROM story_parent p JOIN story_root r ON p.up = r.id
)
SELECT id, root FROM story_root WHERE id != root;

-- A bulletin that carried several copies keeps one item: at the earliest copy's place, and kept
-- if any copy was kept.
CREATE TEMP TABLE merged_items AS
SELECT i.bulletin_id, COALESCE(m.article_id, i.article_id) AS article_id,
       MIN(i.position) AS position, MIN(i.dropped) AS dropped
FROM bulletin_items i LEFT JOIN article_merges m ON m.merged_id = i.article_id
WHERE i.article_id IN (SELECT merged_id FROM article_merges UNION SELECT article_id FROM article_merges)
GROUP BY 1, 2;
DELETE FROM bulletin_items
WHERE article_id IN (SELECT merged_id FROM article_merges UNION SELECT article_id FROM article_merges);
INSERT INTO bulletin_items (bulletin_id, article_id, position, dropped)
SELECT bulletin_id, article_id, position, dropped FROM merged_items;

UPDATE article_reads
SET article_id = (SELECT m.article_id FROM article_merges m WHERE m.merged_id = article_reads.article_id)
WHERE article_id IN (SELECT merged_id FROM article_merges);

INSERT OR IGNORE INTO article_themes (article_id, theme_slug)
SELECT m.article_id, t.theme_slug FROM article_themes t JOIN article_merges m ON m.merged_id = t.article_id;

INSERT INTO article_sources (guid, article_id, content_hash)
SELECT a.guid, COALESCE(m.article_id, a.id), a.content_hash
FROM articles a LEFT JOIN article_merges m ON m.merged_id = a.id;

DELETE FROM articles WHERE id IN (SELECT merged_id FROM article_merges);
DROP TABLE story_parent;
DROP TABLE merged_items;

-- Tracking parameters are the mailing tool's, not the reader's.
UPDATE articles SET link = story_clean_link(link) WHERE link IS NOT NULL;

CREATE UNIQUE INDEX articles_story ON articles(link_key, title_key) WHERE link_key IS NOT NULL;
