-- A large dispatch (a bulletin to thousands) is written to the ledger in short batches, so the
-- bot's replies get the database between them instead of waiting behind one long transaction.
-- Until its last batch is in, a dispatch is hidden from sending and settling (planned_seq is
-- NULL): a crash mid-way leaves nothing sent, and a repeat with the same key carries on. A
-- finished plan takes the next number, so a delivery engine in another process sees that rows
-- it skipped as hidden are now to be sent.
ALTER TABLE dispatches ADD COLUMN planned_seq INTEGER;
UPDATE dispatches SET planned_seq = id;
