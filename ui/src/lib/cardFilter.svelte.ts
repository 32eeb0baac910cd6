// The header's filter: the text typed (title or description) and the facets chosen in the Filters menu (labels,
// people, due), and so which cards each column shows and counts. Text applies after a short pause in typing, so a
// long board does not re-filter on every keystroke; facets apply at once. The rules are in lib/filters.

import type { Card, CardId, ColumnId, Label } from "../bindings";
import type { BoardModel } from "./board.svelte";
import { NO_CARDS } from "./boardStore";
import { type Criteria, type DueWindow, filtering, passes } from "./filters";
import { today } from "./format";

/** Pause (ms) after the last keystroke before the filter applies. */
const PAUSE = 120;

export class CardFilter {
  /** What the filter field shows. */
  text = $state("");
  /** The text in effect: follows `text` after a short pause in typing. */
  applied = $state("");
  /** Label names chosen. */
  labels = $state.raw<ReadonlySet<string>>(new Set());
  /** Member ids chosen, and NOBODY. */
  people = $state.raw<ReadonlySet<string>>(new Set());
  due = $state<DueWindow | null>(null);

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

  /** Adds or removes a label name, member id or NOBODY. */
  toggle(kind: "labels" | "people", value: string): void {
    const next = new Set(this[kind]);
    if (!next.delete(value)) next.add(value);
    this[kind] = next;
  }

  setDue(due: DueWindow | null): void {
    this.due = this.due === due ? null : due;
  }

  /** How many facets are chosen (the text aside). */
  facets = $derived(this.labels.size + this.people.size + (this.due ? 1 : 0));

  /** Clears the text and every facet. */
  clear(): void {
    this.set("");
    this.labels = new Set();
    this.people = new Set();
    this.due = null;
  }

  /** The board's labels in its order, then any other a card on the board carries (one per name). */
  boardLabels: Label[] = $derived.by(() => {
    const byName = new Map<string, Label>();
    for (const l of this.model.board.labels ?? []) byName.set(l.name.toLowerCase(), l);
    for (const cards of this.model.byColumn.values()) {
      for (const c of cards) for (const l of c.labels) if (!byName.has(l.name.toLowerCase())) byName.set(l.name.toLowerCase(), l);
    }
    return [...byName.values()];
  });

  private criteria: Criteria = $derived({
    text: this.applied.trim().toLowerCase(),
    labels: this.labels,
    people: this.people,
    due: this.due,
  });

  /** The ids of the cards the filter lets through, or null when not filtering. */
  matches: Set<CardId> | null = $derived.by(() => {
    const criteria = this.criteria;
    if (!filtering(criteria)) return null;
    const day = today();
    const ids = new Set<CardId>();
    for (const cards of this.model.byColumn.values()) {
      for (const c of cards) if (passes(c, criteria, day)) ids.add(c.id);
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
