-- The replica's first schema: the boards this app has opened, the events applied to them, and the outbox of
-- mutations waiting for their host. Migrations are append-only: change the schema with a new numbered file.
-- A board is keyed by its host as well as its id, so that one host can never overwrite another host's board that
-- happens to have the same id. Ids are UUID text, times RFC 3339 UTC text.

CREATE TABLE boards (
    host                   TEXT NOT NULL,    -- the caller's name for the host: its pinned fingerprint, or 'local'
    board_id               TEXT NOT NULL,
    name                   TEXT NOT NULL,    -- the snapshot's board name, to list boards without decoding them
    seq                    INTEGER NOT NULL, -- the seq the snapshot stands at
    snapshot               TEXT NOT NULL,    -- the whole board at seq, as the JSON of lanban_core::api::Snapshot
    synced_at              TEXT,             -- when the replica was last known current with the host
    host_unreachable_since TEXT,             -- when the host stopped answering; null while it answers
    PRIMARY KEY (host, board_id)
) STRICT;

CREATE TABLE events (
    host        TEXT NOT NULL,
    board_id    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    json        TEXT NOT NULL,               -- the JSON of lanban_core::event::Event
    PRIMARY KEY (host, board_id, seq),
    FOREIGN KEY (host, board_id) REFERENCES boards(host, board_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT, -- the order entries are sent in; never reused
    host            TEXT NOT NULL,
    board_id        TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    body            BLOB,                    -- the exact request body; null when the request has none
    created_at      TEXT NOT NULL,
    creates         TEXT,                    -- the client-chosen id of the card or column the request creates
    mutation        TEXT,                    -- the change as the JSON of lanban_core::mutation::Mutation
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    answer_status   INTEGER,                 -- with 'failed': the server's HTTP status
    answer_body     TEXT,                    -- with 'failed': the server's answer, JSON
    answered_at     TEXT,                    -- with 'failed': when the answer was recorded
    CHECK ((state = 'failed') = (answer_status IS NOT NULL AND answer_body IS NOT NULL AND answered_at IS NOT NULL)),
    FOREIGN KEY (host, board_id) REFERENCES boards(host, board_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX outbox_by_board ON outbox(host, board_id, state, id);
CREATE UNIQUE INDEX outbox_by_key ON outbox(host, board_id, idempotency_key);
