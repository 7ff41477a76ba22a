-- Members are organisations' contacts; themes come from config and are mirrored here so that
-- subscriptions survive a theme being retired from the config file.
CREATE TABLE themes (
    slug        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE members (
    id                  INTEGER PRIMARY KEY,
    telegram_id         INTEGER NOT NULL UNIQUE,
    chat_id             INTEGER NOT NULL,
    organisation        TEXT NOT NULL,
    contact_name        TEXT NOT NULL,
    role                TEXT NOT NULL DEFAULT '',
    email               TEXT,
    only_my_themes      INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    joined_at           TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    blocked_at          TEXT
);
CREATE INDEX members_status ON members(status);

CREATE TABLE member_themes (
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    theme_slug TEXT NOT NULL REFERENCES themes(slug) ON DELETE CASCADE,
    PRIMARY KEY (member_id, theme_slug)
);
CREATE INDEX member_themes_theme ON member_themes(theme_slug);

-- What a member agreed to and when (UK GDPR accountability). Rows go when the member is forgotten.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('privacy_notice', 'email_bulletin')),
    granted     INTEGER NOT NULL,
    notice_version TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX consents_member ON consents(member_id);

-- Conversation state and per-user data for python-telegram-bot's persistence, as JSON.
CREATE TABLE conversation_states (
    conversation TEXT NOT NULL,
    state_key    TEXT NOT NULL,
    state        TEXT NOT NULL,
    PRIMARY KEY (conversation, state_key)
);

CREATE TABLE persisted_data (
    scope    TEXT NOT NULL CHECK (scope IN ('user', 'chat', 'bot')),
    owner_id INTEGER NOT NULL,
    data     TEXT NOT NULL,
    PRIMARY KEY (scope, owner_id)
);
