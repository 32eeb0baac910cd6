// The keyboard focus on the board: one card holds the board's single Tab stop (roving tabindex), arrow keys move
// the focus to a neighbouring card, and a focused card is painted even deep in a long column.

import { tick } from "svelte";
import type { CardId, ColumnId } from "../bindings";
import type { BoardModel } from "./board.svelte";
import type { CardFilter } from "./cardFilter.svelte";
import { cardElement, columnOf } from "./boardDom";

export type ArrowKey = "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight";

export class CardFocus {
  /** The card that holds the board's single Tab stop. */
  cardId = $state<CardId | null>(null);
  /** A card to render even if its column only paints its first cards (see ColumnView). */
  revealId = $state<CardId | null>(null);

  private readonly model: BoardModel;
  private readonly filter: CardFilter;

  constructor(model: BoardModel, filter: CardFilter) {
    this.model = model;
    this.filter = filter;
  }

  /** The card that is the Tab stop: the focused one, else the first visible card. */
  tabStop: CardId | null = $derived.by(() => {
    const focused = this.cardId;
    if (focused && this.model.cardById.has(focused)) return focused;
    for (const column of this.model.columns) {
      const first = this.filter.cardsOf(column.id)[0];
      if (first) return first.id;
    }
    return null;
  });

  /** Focuses a card and scrolls it into view (once it is painted). */
  focusCard(id: CardId): void {
    this.cardId = id;
    this.revealId = id;
    const focus = () => {
      const el = cardElement(id);
      if (!el) return false;
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: "nearest", inline: "nearest" });
      return true;
    };
    if (!focus()) void tick().then(focus);
  }

  /** Focuses the card after the next update (a moved card is painted anew). */
  refocus(id: CardId): void {
    void tick().then(() => this.focusCard(id));
  }

  /** Moves the keyboard focus from a card to its neighbour. */
  moveFrom(from: CardId, key: ArrowKey): void {
    const card = this.model.cardById.get(from);
    if (!card) return;
    const columns = this.model.columns;
    const ci = columns.findIndex((c) => c.id === card.column_id);
    const list = this.filter.cardsOf(card.column_id);
    const i = list.findIndex((c) => c.id === from);
    if (key === "ArrowUp" && i > 0) this.focusCard(list[i - 1].id);
    else if (key === "ArrowDown" && i < list.length - 1) this.focusCard(list[i + 1].id);
    else if (key === "ArrowLeft" || key === "ArrowRight") {
      const step = key === "ArrowLeft" ? -1 : 1;
      for (let j = ci + step; j >= 0 && j < columns.length; j += step) {
        const other = this.filter.cardsOf(columns[j].id);
        if (other.length) {
          this.focusCard(other[Math.min(i, other.length - 1)].id);
          return;
        }
      }
    }
  }

  /** The column holding the focus, else the focused card's column, else the first column. */
  column(): ColumnId | null {
    const id = columnOf(document.activeElement)?.dataset.columnId;
    if (id && this.model.columns.some((c) => c.id === id)) return id;
    const focused = this.cardId ? this.model.cardById.get(this.cardId) : undefined;
    return focused?.column_id ?? this.model.columns[0]?.id ?? null;
  }
}
