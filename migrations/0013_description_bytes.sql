-- Each board's bytes of card descriptions, kept by SQLite itself beside its card count (0012): checking the limit on
-- descriptions summed every description of the board whenever a card was created with one or one was edited, a
-- read of all the board's cards (docs/performance.md). The card count's triggers now keep both in one update; a
-- new trigger follows a description edited in place.
ALTER TABLE boards ADD COLUMN description_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE boards SET description_bytes = (
    SELECT COALESCE(SUM(length(CAST(description AS BLOB))), 0) FROM cards WHERE cards.board_id = boards.id
);

DROP TRIGGER card_counted;
CREATE TRIGGER card_counted AFTER INSERT ON cards
BEGIN
    UPDATE boards SET card_count = card_count + 1,
                      description_bytes = description_bytes + length(CAST(NEW.description AS BLOB))
     WHERE id = NEW.board_id;
END;

DROP TRIGGER card_uncounted;
CREATE TRIGGER card_uncounted AFTER DELETE ON cards
BEGIN
    UPDATE boards SET card_count = card_count - 1,
                      description_bytes = description_bytes - length(CAST(OLD.description AS BLOB))
     WHERE id = OLD.board_id;
END;

DROP TRIGGER card_counted_elsewhere;
CREATE TRIGGER card_counted_elsewhere AFTER UPDATE OF board_id ON cards
WHEN NEW.board_id IS NOT OLD.board_id
BEGIN
    UPDATE boards SET card_count = card_count - 1,
                      description_bytes = description_bytes - length(CAST(OLD.description AS BLOB))
     WHERE id = OLD.board_id;
    UPDATE boards SET card_count = card_count + 1,
                      description_bytes = description_bytes + length(CAST(NEW.description AS BLOB))
     WHERE id = NEW.board_id;
END;

CREATE TRIGGER description_counted AFTER UPDATE OF description ON cards
WHEN NEW.board_id IS OLD.board_id AND NEW.description IS NOT OLD.description
BEGIN
    UPDATE boards SET description_bytes = description_bytes - length(CAST(OLD.description AS BLOB))
                                                            + length(CAST(NEW.description AS BLOB))
     WHERE id = NEW.board_id;
END;
