-- Each board's number of cards, kept by SQLite itself: checking the limit of cards on every card created counted
-- the board's cards (a scan of its index, up to 10,000 entries) and was a fifth of the writer's time under load
-- (docs/performance.md, issue 14). Triggers keep the count on every path that adds or removes a card, including a
-- rolled-back savepoint, a cascade and an import.
ALTER TABLE boards ADD COLUMN card_count INTEGER NOT NULL DEFAULT 0;
UPDATE boards SET card_count = (SELECT COUNT(*) FROM cards WHERE cards.board_id = boards.id);

CREATE TRIGGER card_counted AFTER INSERT ON cards
BEGIN
    UPDATE boards SET card_count = card_count + 1 WHERE id = NEW.board_id;
END;

CREATE TRIGGER card_uncounted AFTER DELETE ON cards
BEGIN
    UPDATE boards SET card_count = card_count - 1 WHERE id = OLD.board_id;
END;

CREATE TRIGGER card_counted_elsewhere AFTER UPDATE OF board_id ON cards
WHEN NEW.board_id IS NOT OLD.board_id
BEGIN
    UPDATE boards SET card_count = card_count - 1 WHERE id = OLD.board_id;
    UPDATE boards SET card_count = card_count + 1 WHERE id = NEW.board_id;
END;
