-- The event log and the kept answers are appended at the end of their tables, and found through small indexes.
-- Both were tables ordered by their key (an event by its board and seq, an answer by its key) holding rows of
-- ~500 bytes: each new event landed in the middle of the events table (its board's place), and every seventh one
-- split that page and rebalanced its neighbours; answers did the same. A change committed on its own wrote ~12
-- pages, three of them these splits and the answers' index by age (docs/performance.md, session 19). Now a row
-- goes at the end of its table (one page, shared by the changes of a commit) and a ~50-byte entry into its index.
-- The answers' index by age is gone: answers are kept in the order they were given, so the oldest come first.
CREATE TABLE events_appended (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    json        TEXT NOT NULL             -- the event exactly as sent: {"type":"event","seq":…}
) STRICT;

INSERT INTO events_appended (board_id, seq, json) SELECT board_id, seq, json FROM events ORDER BY board_id, seq;

DROP TABLE events;
ALTER TABLE events_appended RENAME TO events;
CREATE UNIQUE INDEX events_by_board ON events(board_id, seq);

CREATE TABLE idempotency_appended (
    key          TEXT NOT NULL,
    scope        TEXT NOT NULL,           -- the member id, or 'host' for the host credential
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL         -- unix seconds; rows older than a day are purged, oldest first
) STRICT;

INSERT INTO idempotency_appended (key, scope, request_hash, status, body, created_at)
SELECT key, scope, request_hash, status, body, created_at FROM idempotency ORDER BY created_at;

DROP TABLE idempotency;
ALTER TABLE idempotency_appended RENAME TO idempotency;
CREATE UNIQUE INDEX idempotency_by_key ON idempotency(key, scope);
