-- Checklists on cards (docs/protocol.md §6.26–§6.31): named lists of items to tick, ordered on their card, their
-- items ordered in the list. A checklist goes with its card, an item with its checklist.

CREATE TABLE checklists (
    id          TEXT PRIMARY KEY,
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    card_id     TEXT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    position    TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES members(id)
) STRICT;
CREATE UNIQUE INDEX checklists_by_position ON checklists(card_id, position);
CREATE INDEX checklists_by_board ON checklists(board_id);

CREATE TABLE checklist_items (
    id            TEXT PRIMARY KEY,
    checklist_id  TEXT NOT NULL REFERENCES checklists(id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    done          INTEGER NOT NULL CHECK (done IN (0, 1)),
    position      TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES members(id)
) STRICT;
CREATE UNIQUE INDEX checklist_items_by_position ON checklist_items(checklist_id, position);

-- Deleted checklists and items leave tombstones too, so a create sent again is `410 gone`.
CREATE TABLE tombstones_next (
    id          TEXT PRIMARY KEY,
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('card', 'column', 'comment', 'checklist', 'item')),
    deleted_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO tombstones_next (id, board_id, kind, deleted_at)
    SELECT id, board_id, kind, deleted_at FROM tombstones;
DROP TABLE tombstones;
ALTER TABLE tombstones_next RENAME TO tombstones;
CREATE INDEX tombstones_by_board ON tombstones(board_id);
