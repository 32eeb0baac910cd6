// The board view's own state, shared by its components through context: the filter, which card is open or has
// the keyboard focus, which column's "add card" input is open, and moving cards and columns with the pointer or
// the keyboard (pointer events with capture, never HTML5 drag and drop, so WebDriver can drive it).

import { getContext, setContext, tick } from "svelte";
import type { Card, CardId, ColumnId } from "../bindings";
import type { BoardModel } from "./board.svelte";
import { NO_CARDS } from "./boardStore";

const KEY = Symbol("board-ui");

/** Pointer travel (px) below which a press is a click, not a drag. */
const DRAG_THRESHOLD = 4;
/** Distance (px) from an edge of the board or a column within which a drag scrolls. */
const EDGE = 56;
const GAP = 8;

interface MeasuredColumn {
  id: ColumnId;
  /** Left and right edges in the board's scroll coordinates. */
  left: number;
  right: number;
  list: HTMLElement | null;
  /** The other cards' vertical midpoints in the list's scroll coordinates, as if the moved card were gone. */
  cards: { id: CardId; mid: number }[];
}

export class BoardUi {
  readonly model: BoardModel;

  /** What the filter field shows. */
  filterText = $state("");
  /** The filter in effect: follows `filterText` after a short pause in typing. */
  filter = $state("");
  openCardId = $state<CardId | null>(null);
  shareOpen = $state(false);
  composerColumn = $state<ColumnId | null>(null);
  addingColumn = $state(false);
  /** A card to render even if its column only paints its first cards (see ColumnView). */
  revealCardId = $state<CardId | null>(null);
  /** The card that holds the board's single Tab stop (roving tabindex). */
  focusedCardId = $state<CardId | null>(null);

  // Moving a card. `dragCardId` is read by every card, so it changes only when a move starts or ends.
  dragCardId = $state<CardId | null>(null);
  dragMode = $state<"pointer" | "keyboard" | null>(null);
  dragCard = $state.raw<Card | null>(null);
  /** Where the card would land: a column and an index among that column's other (visible) cards. */
  overColumn = $state<ColumnId | null>(null);
  overIndex = $state(0);
  ghostX = $state(0);
  ghostY = $state(0);
  ghostWidth = $state(0);
  ghostHeight = $state(0);

  // Moving a column with its header.
  dragColumnId = $state<ColumnId | null>(null);
  /** The column the moved one would land before, or "end". */
  columnDropBefore = $state<ColumnId | "end" | null>(null);
  columnGhostX = $state(0);
  columnGhostY = $state(0);

  /** Text for screen readers about keyboard moves. */
  announcement = $state("");

  /** The board's horizontal scroller (set by BoardView). */
  scroller: HTMLElement | null = null;

  /** A drag just ended: the click that follows the pointerup must not open the card. */
  private suppressClick = false;
  private measured: MeasuredColumn[] = [];
  private origin: { column: ColumnId; index: number } | null = null;
  private pointer = { x: 0, y: 0 };
  /** Where the lifted card was grabbed, relative to its top-left corner. */
  private grab = { x: 0, y: 0 };
  private autoScroll = 0;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(model: BoardModel) {
    this.model = model;
  }

  /** Sets the filter text; it applies ~120 ms after the last keystroke (at once when cleared). */
  setFilter(text: string): void {
    this.filterText = text;
    clearTimeout(this.filterTimer);
    if (!text.trim()) this.filter = "";
    else this.filterTimer = setTimeout(() => (this.filter = text), 120);
  }

  /** The ids of the cards whose title or description contains the filter text, or null when not filtering. */
  matches: Set<CardId> | null = $derived.by(() => {
    const q = this.filter.trim().toLowerCase();
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
  visible: Map<ColumnId, Card[]> | null = $derived.by(() => {
    const matches = this.matches;
    if (!matches) return null;
    const map = new Map<ColumnId, Card[]>();
    for (const [id, cards] of this.model.byColumn) map.set(id, cards.filter((c) => matches.has(c.id)));
    return map;
  });

  cardsOf(column: ColumnId): Card[] {
    const visible = this.visible;
    return visible ? (visible.get(column) ?? NO_CARDS) : this.model.cardsOf(column);
  }

  /** The card that is the Tab stop: the focused one, else the first visible card. */
  tabStop: CardId | null = $derived.by(() => {
    const focused = this.focusedCardId;
    if (focused && this.model.cardById.has(focused)) return focused;
    for (const column of this.model.columns) {
      const first = this.cardsOf(column.id)[0];
      if (first) return first.id;
    }
    return null;
  });

  static provide(ui: BoardUi): void {
    setContext(KEY, ui);
  }

  static get(): BoardUi {
    return getContext<BoardUi>(KEY);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Focus

  cardElement(id: CardId): HTMLElement | null {
    return document.querySelector<HTMLElement>(`[data-testid="card"][data-card-id="${CSS.escape(id)}"]`);
  }

  focusCard(id: CardId): void {
    this.focusedCardId = id;
    this.revealCardId = id;
    const focus = () => {
      const el = this.cardElement(id);
      if (!el) return false;
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: "nearest", inline: "nearest" });
      return true;
    };
    if (!focus()) void tick().then(focus);
  }

  /** Moves the keyboard focus from a card to its neighbour. */
  moveFocus(from: CardId, key: "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight"): void {
    const card = this.model.cardById.get(from);
    if (!card) return;
    const columns = this.model.columns;
    const ci = columns.findIndex((c) => c.id === card.column_id);
    const list = this.cardsOf(card.column_id);
    const i = list.findIndex((c) => c.id === from);
    if (key === "ArrowUp" && i > 0) this.focusCard(list[i - 1].id);
    else if (key === "ArrowDown" && i < list.length - 1) this.focusCard(list[i + 1].id);
    else if (key === "ArrowLeft" || key === "ArrowRight") {
      const step = key === "ArrowLeft" ? -1 : 1;
      for (let j = ci + step; j >= 0 && j < columns.length; j += step) {
        const other = this.cardsOf(columns[j].id);
        if (other.length) {
          this.focusCard(other[Math.min(i, other.length - 1)].id);
          return;
        }
      }
    }
  }

  /** Keys on a focused card: arrows move the focus, Space picks the card up, Enter opens it. */
  cardKey(e: KeyboardEvent, card: Card): void {
    if (this.dragMode || e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case "ArrowUp":
      case "ArrowDown":
      case "ArrowLeft":
      case "ArrowRight":
        this.moveFocus(card.id, e.key);
        break;
      case " ":
        this.pickUp(card);
        break;
      case "Enter":
        this.openCard(card.id);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  /** The column of the focused card, else the first column. */
  focusedColumn(): ColumnId | null {
    const active = document.activeElement?.closest<HTMLElement>("[data-column-id]");
    const id = active?.dataset.columnId;
    if (id && this.model.columns.some((c) => c.id === id)) return id;
    const focused = this.focusedCardId ? this.model.cardById.get(this.focusedCardId) : undefined;
    return focused?.column_id ?? this.model.columns[0]?.id ?? null;
  }

  openCard(id: CardId): void {
    if (this.suppressClick || this.model.pendingCards.has(id)) return;
    this.focusedCardId = id;
    this.openCardId = id;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Moving a card with the pointer

  cardPointerDown(e: PointerEvent, card: Card, el: HTMLElement): void {
    if (e.button !== 0 || this.dragMode || this.model.pendingCards.has(card.id)) return;
    const startX = e.clientX;
    const startY = e.clientY;
    let dragging = false;
    const move = (ev: PointerEvent) => {
      if (!dragging) {
        if (Math.hypot(ev.clientX - startX, ev.clientY - startY) < DRAG_THRESHOLD) return;
        dragging = true;
        this.beginPointerDrag(card, el, startX, startY);
      }
      ev.preventDefault();
      this.pointer = { x: ev.clientX, y: ev.clientY };
      this.track();
    };
    const up = (ev: PointerEvent) => {
      stop();
      if (!dragging) return;
      this.pointer = { x: ev.clientX, y: ev.clientY };
      this.track();
      this.suppressClick = true;
      setTimeout(() => (this.suppressClick = false), 0);
      void this.drop();
    };
    const cancel = () => {
      stop();
      if (dragging) this.endDrag();
    };
    const stop = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", cancel);
      try {
        el.releasePointerCapture(e.pointerId);
      } catch {
        // Already released.
      }
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", cancel);
    try {
      el.setPointerCapture(e.pointerId);
    } catch {
      // The window listeners follow the pointer anyway.
    }
  }

  private beginPointerDrag(card: Card, el: HTMLElement, startX: number, startY: number): void {
    const rect = el.getBoundingClientRect();
    this.measure(card.id, rect.height);
    // Where the card was, as an index among the column's other cards (dropping it there changes nothing).
    const at = this.cardsOf(card.column_id).findIndex((c) => c.id === card.id);
    this.origin = { column: card.column_id, index: at };
    this.ghostWidth = rect.width;
    this.ghostHeight = rect.height;
    this.grab = { x: startX - rect.left, y: startY - rect.top };
    this.dragCard = card;
    this.overColumn = card.column_id;
    this.overIndex = at;
    this.dragMode = "pointer";
    this.dragCardId = card.id;
    document.body.classList.add("dragging");
    this.autoScroll = requestAnimationFrame(this.scrollLoop);
  }

  /** Records where every column and card is, so hit-testing during the drag reads no layout. */
  private measure(moving: CardId | null, movingHeight: number): void {
    const scroller = this.scroller;
    if (!scroller) return;
    const sr = scroller.getBoundingClientRect();
    const columns = scroller.querySelectorAll<HTMLElement>('[data-testid="column"]');
    this.measured = [...columns].map((col) => {
      const r = col.getBoundingClientRect();
      const list = col.querySelector<HTMLElement>("[data-card-list]");
      const cards: { id: CardId; mid: number }[] = [];
      if (list) {
        const lr = list.getBoundingClientRect();
        let shift = 0;
        for (const el of list.querySelectorAll<HTMLElement>('[data-testid="card"]')) {
          const id = el.dataset.cardId!;
          if (id === moving) {
            shift = movingHeight + GAP;
            continue;
          }
          if (el.dataset.pending !== undefined) continue;
          const cr = el.getBoundingClientRect();
          cards.push({ id, mid: cr.top - lr.top + list.scrollTop + cr.height / 2 - shift });
        }
      }
      return {
        id: col.dataset.columnId!,
        left: r.left - sr.left + scroller.scrollLeft,
        right: r.right - sr.left + scroller.scrollLeft,
        list,
        cards,
      };
    });
  }

  /** Follows the pointer: moves the lifted card and works out where it would land. */
  private track(): void {
    const { x, y } = this.pointer;
    this.ghostX = x - this.grab.x;
    this.ghostY = y - this.grab.y;
    const scroller = this.scroller;
    if (!scroller || this.measured.length === 0) return;
    const sr = scroller.getBoundingClientRect();
    const bx = x - sr.left + scroller.scrollLeft;
    let best = this.measured[0];
    let bestDistance = Infinity;
    for (const col of this.measured) {
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
    this.overColumn = best.id;
    this.overIndex = index;
  }

  /** Scrolls the board or a column while the lifted card is held near an edge. */
  private scrollLoop = (): void => {
    if (this.dragMode !== "pointer") return;
    const scroller = this.scroller;
    const { x, y } = this.pointer;
    let moved = false;
    if (scroller) {
      const sr = scroller.getBoundingClientRect();
      const dx = x < sr.left + EDGE ? -(sr.left + EDGE - x) : x > sr.right - EDGE ? x - (sr.right - EDGE) : 0;
      if (dx) {
        const before = scroller.scrollLeft;
        scroller.scrollLeft += Math.round(dx / 4);
        moved ||= scroller.scrollLeft !== before;
      }
      const col = this.measured.find((c) => c.id === this.overColumn);
      if (col?.list) {
        const lr = col.list.getBoundingClientRect();
        const dy = y < lr.top + EDGE / 2 ? -(lr.top + EDGE / 2 - y) : y > lr.bottom - EDGE ? y - (lr.bottom - EDGE) : 0;
        if (dy && x >= lr.left && x <= lr.right) {
          const before = col.list.scrollTop;
          col.list.scrollTop += Math.round(dy / 3);
          moved ||= col.list.scrollTop !== before;
        }
      }
    }
    if (moved) this.track();
    this.autoScroll = requestAnimationFrame(this.scrollLoop);
  };

  // ------------------------------------------------------------------------------------------------------------
  // Moving a card with the keyboard: Space picks it up, arrows move it, Space drops, Esc cancels.

  pickUp(card: Card): void {
    if (this.dragMode || this.model.pendingCards.has(card.id)) return;
    const list = this.cardsOf(card.column_id);
    const at = list.findIndex((c) => c.id === card.id);
    this.origin = { column: card.column_id, index: at };
    this.dragCard = card;
    this.overColumn = card.column_id;
    this.overIndex = at;
    this.dragMode = "keyboard";
    this.dragCardId = card.id;
    this.announcement = `Picked up «${card.title}». Use the arrow keys to move it, Space to drop, Escape to cancel.`;
  }

  /** The other visible cards of a column during a move. */
  private others(column: ColumnId): Card[] {
    return this.cardsOf(column).filter((c) => c.id !== this.dragCardId);
  }

  /** Handles a key while a card is picked up with the keyboard; answers whether it used the key. */
  keyboardMove(e: KeyboardEvent): boolean {
    if (this.dragMode !== "keyboard" || !this.overColumn) return false;
    const columns = this.model.columns;
    switch (e.key) {
      case "ArrowUp":
        this.overIndex = Math.max(0, this.overIndex - 1);
        break;
      case "ArrowDown":
        this.overIndex = Math.min(this.others(this.overColumn).length, this.overIndex + 1);
        break;
      case "ArrowLeft":
      case "ArrowRight": {
        const ci = columns.findIndex((c) => c.id === this.overColumn);
        const next = columns[ci + (e.key === "ArrowLeft" ? -1 : 1)];
        if (next) {
          this.overColumn = next.id;
          this.overIndex = Math.min(this.overIndex, this.others(next.id).length);
        }
        break;
      }
      case " ":
      case "Enter":
        void this.drop();
        break;
      case "Escape":
        this.announcement = "Move cancelled.";
        this.endDrag();
        break;
      default:
        return false;
    }
    e.preventDefault();
    e.stopPropagation();
    if (this.dragMode === "keyboard") {
      const column = columns.find((c) => c.id === this.overColumn);
      this.announcement = `${column?.title ?? ""}, position ${this.overIndex + 1}.`;
      void tick().then(() => {
        document.querySelector("[data-drop-indicator]")?.scrollIntoView({ block: "nearest", inline: "nearest" });
      });
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------------------------

  /** Sends the move (optimistically) if the card landed somewhere new. */
  private async drop(): Promise<void> {
    const card = this.dragCard;
    const column = this.overColumn;
    const index = this.overIndex;
    const origin = this.origin;
    const mode = this.dragMode;
    this.endDrag();
    if (!card || !column || !origin) return;
    if (column === origin.column && index === origin.index) {
      if (mode === "keyboard") this.refocus(card.id);
      return;
    }
    const others = this.cardsOf(column).filter((c) => c.id !== card.id && !this.model.pendingCards.has(c.id));
    const place = index < others.length ? { before: others[index].id } : others.length ? { after: others[others.length - 1].id } : {};
    const target = this.model.columns.find((c) => c.id === column);
    this.announcement = `Moved «${card.title}» to ${target?.title ?? "the column"}.`;
    const moving = this.model.moveCard(card.id, column, place);
    if (mode === "keyboard") this.refocus(card.id);
    await moving;
  }

  private refocus(id: CardId): void {
    void tick().then(() => this.focusCard(id));
  }

  endDrag(): void {
    const mode = this.dragMode;
    const id = this.dragCardId;
    cancelAnimationFrame(this.autoScroll);
    this.dragMode = null;
    this.dragCardId = null;
    this.dragCard = null;
    this.overColumn = null;
    this.measured = [];
    document.body.classList.remove("dragging");
    if (mode === "keyboard" && id) this.refocus(id);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Moving a column by its header

  columnPointerDown(e: PointerEvent, column: ColumnId, el: HTMLElement): void {
    if (e.button !== 0 || this.dragMode || this.dragColumnId) return;
    const target = e.target as HTMLElement;
    if (target.closest("button, input, textarea, select, a")) return;
    const startX = e.clientX;
    const startY = e.clientY;
    let dragging = false;
    let mids: { id: ColumnId; mid: number }[] = [];
    const scroller = this.scroller;
    const move = (ev: PointerEvent) => {
      if (!scroller) return;
      if (!dragging) {
        if (Math.hypot(ev.clientX - startX, ev.clientY - startY) < DRAG_THRESHOLD) return;
        dragging = true;
        const sr = scroller.getBoundingClientRect();
        mids = [...scroller.querySelectorAll<HTMLElement>('[data-testid="column"]')]
          .filter((c) => c.dataset.columnId !== column)
          .map((c) => {
            const r = c.getBoundingClientRect();
            return { id: c.dataset.columnId!, mid: r.left - sr.left + scroller.scrollLeft + r.width / 2 };
          });
        this.dragColumnId = column;
        document.body.classList.add("dragging");
      }
      ev.preventDefault();
      this.columnGhostX = ev.clientX;
      this.columnGhostY = ev.clientY;
      const sr = scroller.getBoundingClientRect();
      const bx = ev.clientX - sr.left + scroller.scrollLeft;
      const next = mids.find((m) => m.mid > bx);
      this.columnDropBefore = next ? next.id : "end";
      if (ev.clientX > sr.right - EDGE) scroller.scrollLeft += 12;
      else if (ev.clientX < sr.left + EDGE) scroller.scrollLeft -= 12;
    };
    const up = () => {
      stop();
      if (!dragging) return;
      const before = this.columnDropBefore;
      this.dragColumnId = null;
      this.columnDropBefore = null;
      document.body.classList.remove("dragging");
      const columns = this.model.columns;
      const i = columns.findIndex((c) => c.id === column);
      const nextNow = columns[i + 1]?.id ?? "end";
      if (!before || before === nextNow || before === column) return;
      if (before === "end") {
        const last = columns.filter((c) => c.id !== column).at(-1);
        if (last) void this.model.moveColumn(column, { after: last.id });
      } else void this.model.moveColumn(column, { before });
    };
    const stop = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
    try {
      el.setPointerCapture(e.pointerId);
    } catch {
      // The window listeners follow the pointer anyway.
    }
  }
}
