-- One meaning per word: the delivery ledger's unit ("everything sent to many members at once")
-- is a dispatch; "campaign" is left to Mailchimp's campaigns. Renames keep every row.
ALTER TABLE campaigns RENAME TO dispatches;
ALTER TABLE deliveries RENAME COLUMN campaign_id TO dispatch_id;
