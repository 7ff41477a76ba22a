-- Contacts the bot archived in the audience when a member changed their address. Archiving keeps
-- the old contact (and its history) in Mailchimp, so /forget must erase these too; the hash is
-- all that is kept here (the old address itself is gone from members).
CREATE TABLE mailchimp_archived_contacts (
    member_id       INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    subscriber_hash TEXT NOT NULL,
    archived_at     TEXT NOT NULL,
    PRIMARY KEY (member_id, subscriber_hash)
);
