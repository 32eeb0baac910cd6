-- Several members on a card (docs/protocol.md §3): `assignees` is a JSON array of member ids, in the order they were
-- assigned. A card's one assignee so far becomes its list; `assignee_id` is no longer written (left NULL).

ALTER TABLE cards ADD COLUMN assignees TEXT NOT NULL DEFAULT '[]';
UPDATE cards SET assignees = json_array(assignee_id), assignee_id = NULL WHERE assignee_id IS NOT NULL;
DROP INDEX cards_by_assignee;
