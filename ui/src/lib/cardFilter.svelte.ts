// The header's filter: which cards' title or description contain the text typed, and so which cards each column
// shows. It applies after a short pause in typing, so a long board does not re-filter on every keystroke.

import type { Card, CardId, ColumnId } from "../bindings";
import type { BoardModel } from "./board.svelte";
import { NO_CARDS } from "./boardStore";

/** Pause (ms) after the last keystroke before the filter applies. */
const PAUSE = 120;

export class CardFilter {
  /** What the filter field shows. */
  text = $state("");
  /** The filter in effect: follows `text` after a short pause in typing. */
  applied = $state("");

  private readonly model: BoardModel;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(model: BoardModel) {
    this.model = model;
  }

  /** Sets the filter text; it applies after a pause in typing (at once when cleared). */
  set(text: string): void {
    this.text = text;
    clearTimeout(this.timer);
    if (!text.trim()) this.applied = "";
    else this.timer = setTimeout(() => (this.applied = text), PAUSE);
  }

  /** The ids of the cards whose title or description contains the filter text, or null when not filtering. */
  matches: Set<CardId> | null = $derived.by(() => {
    const q = this.applied.trim().toLowerCase();
    if (!q) return null;
    const ids = new Set<CardId>();
    for (const cards of this.model.byColumn.values()) {
      for (const c of cards) {
        if (c.title.toLowerCase().includes(q) || c.description.toLowerCase().includes(q)) ids.add(c.id);
      }
    }
    return ids;
  });

  /** Each column's visible cards, or null when not filtering. */
  private visible: Map<ColumnId, Card[]> | null = $derived.by(() => {
    const matches = this.matches;
    if (!matches) return null;
    const map = new Map<ColumnId, Card[]>();
    for (const [id, cards] of this.model.byColumn) map.set(id, cards.filter((c) => matches.has(c.id)));
    return map;
  });

  /** The cards of `column` the filter lets through (all of them when not filtering). */
  cardsOf(column: ColumnId): Card[] {
    const visible = this.visible;
    return visible ? (visible.get(column) ?? NO_CARDS) : this.model.cardsOf(column);
  }
}
