-- Lanban's first schema. Migrations are append-only: change the schema with a new numbered file.
-- Ids are UUIDv7 text, times RFC 3339 UTC text, positions fractional-index keys (compared bytewise).

CREATE TABLE boards (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    room_code   TEXT NOT NULL UNIQUE,     -- canonical form: 8 characters, no dash
    seq         INTEGER NOT NULL DEFAULT 0, -- seq of the board's last event
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE members (
    id          TEXT PRIMARY KEY,
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    color       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('host', 'member')),
    joined_at   TEXT NOT NULL,
    removed_at  TEXT                      -- removed members stay as authors of their cards
) STRICT;
CREATE INDEX members_by_board ON members(board_id, joined_at);

CREATE TABLE tokens (
    hash        BLOB PRIMARY KEY,         -- SHA-256 of the member token; the token itself is never stored
    member_id   TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE columns (
    id          TEXT PRIMARY KEY,
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    position    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX columns_by_position ON columns(board_id, position);

CREATE TABLE cards (
    id          TEXT PRIMARY KEY,
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    column_id   TEXT NOT NULL REFERENCES columns(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    labels      TEXT NOT NULL,            -- JSON array of {name, color}
    assignee_id TEXT REFERENCES members(id),
    due_date    TEXT,
    position    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_by  TEXT NOT NULL REFERENCES members(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX cards_by_position ON cards(column_id, position);
CREATE INDEX cards_by_board ON cards(board_id);
CREATE INDEX cards_by_assignee ON cards(assignee_id) WHERE assignee_id IS NOT NULL;

CREATE TABLE events (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    json        TEXT NOT NULL,            -- the event exactly as sent: {"type":"event","seq":…}
    PRIMARY KEY (board_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE idempotency (
    scope        TEXT NOT NULL,           -- the member id, or 'host' for the host credential
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,        -- unix seconds; rows older than a day are purged
    PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_by_age ON idempotency(created_at);
