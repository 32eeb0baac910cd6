-- A board's log compacted behind a snapshot (docs/protocol.md §6.22, §11): the board exactly as it was at `seq`,
-- whose events (seq 1 to `seq`) are no longer kept. No row: the board's log is whole from seq 1.

CREATE TABLE log_bases (
    board_id TEXT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    snapshot TEXT NOT NULL                -- the board at `seq`, as GET /api/boards/{board} answers it
) STRICT;
