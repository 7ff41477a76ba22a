-- The officer's approval to show an issue on the public "You said, we did" page.
--
-- A row means: this public summary may be shown once the board has heard the issue (the page
-- also needs issues.reported_at). The summary is the officer's own words, or the organisation's
-- "what is happening" when the officer chose to approve those (member_words = 1); nothing else
-- a member typed is ever shown. Who approved and when is the issue_events row 'published'.
-- Deleting the row takes the issue off the page.
CREATE TABLE issue_publications (
    issue_id     INTEGER PRIMARY KEY REFERENCES issues(id) ON DELETE CASCADE,
    summary      TEXT NOT NULL,
    member_words INTEGER NOT NULL DEFAULT 0,
    approved_at  TEXT NOT NULL
);
