-- Archive and trash (docs/protocol.md §6.11, §6.12, §6.14, §6.15, §6.32): a card or a column can be archived
-- (hidden from the board, kept to restore) or moved to the trash (restorable for 30 days, then removed for good). A
-- column in the archive or the trash keeps its cards, which come back with it.

ALTER TABLE columns ADD COLUMN archived_at TEXT;
ALTER TABLE columns ADD COLUMN trashed_at TEXT;
ALTER TABLE cards ADD COLUMN archived_at TEXT;
ALTER TABLE cards ADD COLUMN trashed_at TEXT;

-- The trash is emptied by age, board by board.
CREATE INDEX columns_in_trash ON columns(board_id, trashed_at) WHERE trashed_at IS NOT NULL;
CREATE INDEX cards_in_trash ON cards(board_id, trashed_at) WHERE trashed_at IS NOT NULL;
