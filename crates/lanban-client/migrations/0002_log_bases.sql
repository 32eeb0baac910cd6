-- Where a board's stored log starts when its host compacted the log (docs/protocol.md §6.22): the board as it was
-- at `seq`, fetched from the host's `log-base`; the stored events are those after it.

CREATE TABLE log_bases (
    host     TEXT NOT NULL,
    board_id TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    snapshot TEXT NOT NULL,                  -- the JSON of lanban_core::api::Snapshot
    PRIMARY KEY (host, board_id),
    FOREIGN KEY (host, board_id) REFERENCES boards(host, board_id) ON DELETE CASCADE
) STRICT;
