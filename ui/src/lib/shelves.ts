// The archive and the trash of a board, as the Archive panel lists them.

import type { Card, Column, ColumnId } from "../bindings";

/** A card or a column in the archive or the trash (a column with how many cards it holds). */
export type Shelved =
  | { kind: "card"; card: Card; column: Column | undefined; at: string }
  | { kind: "column"; column: Column; cards: number; at: string };

/** The archive and the trash of a board: cards archived (or in the trash) themselves, and columns with their cards.
 *  A card in a column that is itself archived or in the trash is listed with its column, not on its own. */
export function shelves(columns: Column[], cards: Card[]): { archived: Shelved[]; trashed: Shelved[] } {
  const archived: Shelved[] = [];
  const trashed: Shelved[] = [];
  const columnById = new Map(columns.map((c) => [c.id, c]));
  const count = new Map<ColumnId, number>();
  for (const card of cards) count.set(card.column_id, (count.get(card.column_id) ?? 0) + 1);
  for (const column of columns) {
    const cardsIn = count.get(column.id) ?? 0;
    if (column.trashed_at) trashed.push({ kind: "column", column, cards: cardsIn, at: column.trashed_at });
    else if (column.archived_at) archived.push({ kind: "column", column, cards: cardsIn, at: column.archived_at });
  }
  for (const card of cards) {
    const column = columnById.get(card.column_id);
    if (card.trashed_at) trashed.push({ kind: "card", card, column, at: card.trashed_at });
    else if (card.archived_at && column && !column.trashed_at) archived.push({ kind: "card", card, column, at: card.archived_at });
  }
  const newestFirst = (a: Shelved, b: Shelved) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0);
  return { archived: archived.sort(newestFirst), trashed: trashed.sort(newestFirst) };
}
