-- Board labels (docs/protocol.md §3, §6.33–§6.35): a board defines its labels (name and colour, in order) as a JSON
-- array; a card carries only these. Boards made before keep their cards' labels: the server gathers them into the
-- board's set when it next opens the database (`labels_gathered` = 0 until then), with a `board.updated` event.

ALTER TABLE boards ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';
ALTER TABLE boards ADD COLUMN labels_gathered INTEGER NOT NULL DEFAULT 1;
UPDATE boards SET labels_gathered = 0;
