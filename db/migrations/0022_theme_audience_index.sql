-- A theme's audience (who a bulletin or an update goes to) with a network of 100,000 members:
-- - the member ids come from an index by theme that holds them, so the lookup never reads the
--   table;
-- - the index on members' status, a column almost always 'active', only led SQLite to look each
--   member of the audience up twice (in it, then in the table) instead of once by id; the few
--   blocked members keep an index of their own, for the delivery engine's skips.
-- Together they took the query from 46 to 28 ms.
CREATE INDEX member_themes_audience ON member_themes(theme_slug, member_id);
DROP INDEX member_themes_theme;
DROP INDEX members_status;
CREATE INDEX members_blocked ON members(id) WHERE status = 'blocked';
