-- Two things a board report must say apart from the rest (issue 11):
--
-- affected_count: children, young people or families affected in another way than waiting
-- (a club that closed, say). It used to be typed into the waiting count, so a report added
-- 120 young people affected by closures to 59 actually waiting.
--
-- board_ask: what the organisation asks the board to do, in its own words (checked by the
-- safeguarding check like the rest); NULL when it left that to the officer.
ALTER TABLE issue_supporters ADD COLUMN affected_count INTEGER;
ALTER TABLE issues ADD COLUMN board_ask TEXT;
