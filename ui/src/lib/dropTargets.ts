// Where a card held by the pointer would land. Every column and card is measured once when the drag starts, so
// following the pointer reads no layout.

import type { CardId, ColumnId } from "../bindings";
import { cardElements, cardListOf, columnElements } from "./boardDom";

/** Vertical gap (px) between cards in a column. */
const GAP = 8;

export interface MeasuredColumn {
  id: ColumnId;
  /** Left and right edges in the board's scroll coordinates. */
  left: number;
  right: number;
  list: HTMLElement | null;
  /** The other cards' vertical midpoints in the list's scroll coordinates, as if the moved card were gone. */
  cards: { id: CardId; mid: number }[];
}

/** Measures the columns of the board `scroller` while the card `moving` (`movingHeight` px tall) is lifted. */
export function measureColumns(scroller: HTMLElement, moving: CardId | null, movingHeight: number): MeasuredColumn[] {
  const sr = scroller.getBoundingClientRect();
  return columnElements(scroller).map((col) => {
    const r = col.getBoundingClientRect();
    const list = cardListOf(col);
    return {
      id: col.dataset.columnId!,
      left: r.left - sr.left + scroller.scrollLeft,
      right: r.right - sr.left + scroller.scrollLeft,
      list,
      cards: list ? measureCards(list, moving, movingHeight) : [],
    };
  });
}

function measureCards(list: HTMLElement, moving: CardId | null, movingHeight: number): MeasuredColumn["cards"] {
  const lr = list.getBoundingClientRect();
  const cards: MeasuredColumn["cards"] = [];
  let shift = 0;
  for (const el of cardElements(list)) {
    const id = el.dataset.cardId!;
    if (id === moving) {
      shift = movingHeight + GAP;
      continue;
    }
    if (el.dataset.pending !== undefined) continue;
    const cr = el.getBoundingClientRect();
    cards.push({ id, mid: cr.top - lr.top + list.scrollTop + cr.height / 2 - shift });
  }
  return cards;
}

/** The column nearest the pointer at (`x`, `y`) and the index among its other cards where the card would land. */
export function dropPlaceAt(
  measured: MeasuredColumn[],
  scroller: HTMLElement,
  x: number,
  y: number,
): { column: MeasuredColumn; index: number } | null {
  if (measured.length === 0) return null;
  const sr = scroller.getBoundingClientRect();
  const bx = x - sr.left + scroller.scrollLeft;
  let best = measured[0];
  let bestDistance = Infinity;
  for (const col of measured) {
    const d = bx < col.left ? col.left - bx : bx > col.right ? bx - col.right : 0;
    if (d < bestDistance) {
      best = col;
      bestDistance = d;
    }
  }
  let index = best.cards.length;
  if (best.list) {
    const lr = best.list.getBoundingClientRect();
    const ly = y - lr.top + best.list.scrollTop;
    index = 0;
    while (index < best.cards.length && best.cards[index].mid < ly) index++;
  }
  return { column: best, index };
}
