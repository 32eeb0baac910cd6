-- Moving a board to another host (a planned handoff): the member the host offered the board to, and, once the board
-- has moved, where it went. A moved board is kept here read-only, so members who were away learn of the move from
-- its log.

-- The member the host offered to host the board (`board.handoff_offered`); NULL when there is no offer.
ALTER TABLE boards ADD COLUMN handoff_to TEXT REFERENCES members(id);

-- The `board.moved` payload as JSON ({"fingerprint","addresses","host","previous_host"}) once the board has moved to
-- another computer; NULL while this server hosts it. Every change to a moved board is refused (`board_moved`).
ALTER TABLE boards ADD COLUMN moved_to TEXT;
