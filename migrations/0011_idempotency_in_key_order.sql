-- Kept answers ordered by their key first. The keys the app and the client library send are UUIDv7, which sort by
-- time, so each new answer is appended at the end of the table instead of landing on a random page: under load
-- every commit wrote one page per change for this table alone (docs/performance.md, issue 14). Lookups name both
-- columns, so either order finds a key; a client sending random keys is answered just the same.
CREATE TABLE idempotency_by_key (
    key          TEXT NOT NULL,
    scope        TEXT NOT NULL,           -- the member id, or 'host' for the host credential
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,        -- unix seconds; rows older than a day are purged
    PRIMARY KEY (key, scope)
) STRICT, WITHOUT ROWID;

INSERT INTO idempotency_by_key (key, scope, request_hash, status, body, created_at)
SELECT key, scope, request_hash, status, body, created_at FROM idempotency;

DROP TABLE idempotency;
ALTER TABLE idempotency_by_key RENAME TO idempotency;
CREATE INDEX idempotency_by_age ON idempotency(created_at);
