-- Ids chosen by clients (a card or column created offline is named before the server sees it), and replays that
-- stay safe after their idempotent answers are forgotten: who created each column, and the ids of deleted cards
-- and columns, so that a create sent again is recognised as applied (200), as deleted since (410), or as
-- someone else's id (409).

-- The member who created the column; NULL for a column whose creation the log does not show.
ALTER TABLE columns ADD COLUMN created_by TEXT REFERENCES members(id);

-- A column's creator is the actor of its `column.created` event.
UPDATE columns SET created_by = created.actor
FROM (
    SELECT events.board_id AS board_id,
           json_extract(events.json, '$.data.id') AS id,
           json_extract(events.json, '$.actor') AS actor
    FROM events
    WHERE json_extract(events.json, '$.kind') = 'column.created'
) AS created
WHERE columns.id = created.id
  AND columns.board_id = created.board_id
  AND created.actor IN (SELECT id FROM members WHERE members.board_id = columns.board_id);

-- Every card and column ever deleted, written in the same transaction as the delete (a column's cards with it),
-- kept as long as the board.
CREATE TABLE tombstones (
    id          TEXT PRIMARY KEY,
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('card', 'column')),
    deleted_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX tombstones_by_board ON tombstones(board_id);
