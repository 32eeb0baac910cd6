-- A board's cards are found through its columns (`columns_by_position`, then `cards_by_position`), as the snapshot
-- already reads them: the index of cards by board repeated that, and under load it cost every change a page of its
-- own (one per board per commit; saturation +12 % without it, docs/performance.md). A board deleted whole (one
-- coming back to this computer) now scans the cards table once for its cards; that is rare.
DROP INDEX cards_by_board;
