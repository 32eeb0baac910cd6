-- Comments on cards (docs/protocol.md §6.23–§6.25): Markdown by a member, kept in the order they were written
-- (rowid order, which is their events' order). A comment goes with its card.

CREATE TABLE comments (
    id          TEXT PRIMARY KEY,
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    card_id     TEXT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES members(id),
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX comments_by_card ON comments(card_id);
CREATE INDEX comments_by_board ON comments(board_id);

-- A deleted comment leaves a tombstone like a card or a column, so a create sent again is `410 gone`: the table is
-- made again with the new kind allowed.
CREATE TABLE tombstones_next (
    id          TEXT PRIMARY KEY,
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('card', 'column', 'comment')),
    deleted_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO tombstones_next (id, board_id, kind, deleted_at)
    SELECT id, board_id, kind, deleted_at FROM tombstones;
DROP TABLE tombstones;
ALTER TABLE tombstones_next RENAME TO tombstones;
CREATE INDEX tombstones_by_board ON tombstones(board_id);
