// Moving a card: by the pointer (press and drag; the board and columns scroll near their edges) or by the keyboard
// (Space picks it up, arrows move it, Space or Enter drops, Esc cancels). Either way the move is sent once, on
// the drop, and shows at once (optimistically).

import { tick } from "svelte";
import type { Card, CardId, ColumnId } from "../bindings";
import type { BoardModel } from "./board.svelte";
import type { CardFilter } from "./cardFilter.svelte";
import type { CardFocus } from "./cardFocus.svelte";
import { followPointer } from "./pointerGesture";
import { dropPlaceAt, measureColumns, type MeasuredColumn } from "./dropTargets";
import { scrollNearEdges } from "./autoscroll";
import { dropIndicator } from "./boardDom";

/** What a card move needs from the rest of the board's state (BoardUi). */
export interface CardDragHost {
  readonly model: BoardModel;
  readonly filter: CardFilter;
  readonly focus: CardFocus;
  /** The board's horizontal scroller. */
  readonly scroller: HTMLElement | null;
  /** Text for screen readers. */
  announcement: string;
}

export class CardDrag {
  // `cardId` is read by every card, so it changes only when a move starts or ends.
  cardId = $state<CardId | null>(null);
  mode = $state<"pointer" | "keyboard" | null>(null);
  card = $state.raw<Card | null>(null);
  /** Where the card would land: a column and an index among that column's other (visible) cards. */
  overColumn = $state<ColumnId | null>(null);
  overIndex = $state(0);
  /** The lifted copy under the pointer: its top-left corner and size. */
  ghostX = $state(0);
  ghostY = $state(0);
  ghostWidth = $state(0);
  ghostHeight = $state(0);

  /** A drag just ended: the click that follows the pointerup must not open the card. */
  suppressClick = false;

  private readonly host: CardDragHost;
  private measured: MeasuredColumn[] = [];
  private origin: { column: ColumnId; index: number } | null = null;
  private pointer = { x: 0, y: 0 };
  /** Where the lifted card was grabbed, relative to its top-left corner. */
  private grab = { x: 0, y: 0 };
  private autoScroll = 0;

  constructor(host: CardDragHost) {
    this.host = host;
  }

  // ------------------------------------------------------------------------------------------------------------
  // By the pointer

  /** A press on a card: it becomes a move once the pointer travels. */
  pointerDown(e: PointerEvent, card: Card, el: HTMLElement): void {
    if (e.button !== 0 || this.mode) return;
    followPointer(e, el, {
      start: (startX, startY) => this.lift(card, el, startX, startY),
      move: (ev) => this.follow(ev),
      drop: (ev) => {
        this.follow(ev);
        this.suppressClick = true;
        setTimeout(() => (this.suppressClick = false), 0);
        void this.drop();
      },
      cancel: () => this.end(),
    });
  }

  private lift(card: Card, el: HTMLElement, startX: number, startY: number): void {
    const rect = el.getBoundingClientRect();
    const scroller = this.host.scroller;
    if (scroller) this.measured = measureColumns(scroller, card.id, rect.height);
    this.pick(card);
    this.ghostWidth = rect.width;
    this.ghostHeight = rect.height;
    this.grab = { x: startX - rect.left, y: startY - rect.top };
    this.mode = "pointer";
    this.cardId = card.id;
    document.body.classList.add("dragging");
    this.autoScroll = requestAnimationFrame(this.scrollLoop);
  }

  /** Moves the lifted card with the pointer and works out where it would land. */
  private follow(ev: PointerEvent): void {
    this.pointer = { x: ev.clientX, y: ev.clientY };
    this.track();
  }

  private track(): void {
    const { x, y } = this.pointer;
    this.ghostX = x - this.grab.x;
    this.ghostY = y - this.grab.y;
    const scroller = this.host.scroller;
    const place = scroller ? dropPlaceAt(this.measured, scroller, x, y) : null;
    if (!place) return;
    this.overColumn = place.column.id;
    this.overIndex = place.index;
  }

  /** Scrolls the board or a column while the lifted card is held near an edge. */
  private scrollLoop = (): void => {
    if (this.mode !== "pointer") return;
    const scroller = this.host.scroller;
    const { x, y } = this.pointer;
    const list = this.measured.find((c) => c.id === this.overColumn)?.list ?? null;
    if (scroller && scrollNearEdges(scroller, list, x, y)) this.track();
    this.autoScroll = requestAnimationFrame(this.scrollLoop);
  };

  // ------------------------------------------------------------------------------------------------------------
  // By the keyboard

  /** Space on a focused card picks it up. */
  pickUp(card: Card): void {
    if (this.mode) return;
    this.pick(card);
    this.mode = "keyboard";
    this.cardId = card.id;
    this.host.announcement = `Picked up «${card.title}». Use the arrow keys to move it, Space to drop, Escape to cancel.`;
  }

  /** Handles a key while a card is picked up with the keyboard; answers whether it used the key. */
  keyboardMove(e: KeyboardEvent): boolean {
    if (this.mode !== "keyboard" || !this.overColumn) return false;
    switch (e.key) {
      case "ArrowUp":
        this.overIndex = Math.max(0, this.overIndex - 1);
        break;
      case "ArrowDown":
        this.overIndex = Math.min(this.others(this.overColumn).length, this.overIndex + 1);
        break;
      case "ArrowLeft":
      case "ArrowRight":
        this.stepColumn(e.key === "ArrowLeft" ? -1 : 1);
        break;
      case " ":
      case "Enter":
        void this.drop();
        break;
      case "Escape":
        this.host.announcement = "Move cancelled.";
        this.end();
        break;
      default:
        return false;
    }
    e.preventDefault();
    e.stopPropagation();
    if (this.mode === "keyboard") {
      const column = this.host.model.columns.find((c) => c.id === this.overColumn);
      this.host.announcement = `${column?.title ?? ""}, position ${this.overIndex + 1}.`;
      void tick().then(() => dropIndicator()?.scrollIntoView({ block: "nearest", inline: "nearest" }));
    }
    return true;
  }

  private stepColumn(step: -1 | 1): void {
    const columns = this.host.model.columns;
    const next = columns[columns.findIndex((c) => c.id === this.overColumn) + step];
    if (!next) return;
    this.overColumn = next.id;
    this.overIndex = Math.min(this.overIndex, this.others(next.id).length);
  }

  /** The other visible cards of a column during a move. */
  private others(column: ColumnId): Card[] {
    return this.host.filter.cardsOf(column).filter((c) => c.id !== this.cardId);
  }

  // ------------------------------------------------------------------------------------------------------------

  /** Starts a move where the card is (dropping it there changes nothing). */
  private pick(card: Card): void {
    const at = this.host.filter.cardsOf(card.column_id).findIndex((c) => c.id === card.id);
    this.origin = { column: card.column_id, index: at };
    this.card = card;
    this.overColumn = card.column_id;
    this.overIndex = at;
  }

  /** Sends the move (optimistically) if the card landed somewhere new. */
  private async drop(): Promise<void> {
    const { model, filter, focus } = this.host;
    const card = this.card;
    const column = this.overColumn;
    const index = this.overIndex;
    const origin = this.origin;
    const mode = this.mode;
    this.end();
    if (!card || !column || !origin) return;
    if (column === origin.column && index === origin.index) {
      if (mode === "keyboard") focus.refocus(card.id);
      return;
    }
    const others = filter.cardsOf(column).filter((c) => c.id !== card.id);
    const place =
      index < others.length ? { before: others[index].id } : others.length ? { after: others[others.length - 1].id } : {};
    const target = model.columns.find((c) => c.id === column);
    this.host.announcement = `Moved «${card.title}» to ${target?.title ?? "the column"}.`;
    const moving = model.moveCard(card.id, column, place);
    if (mode === "keyboard") focus.refocus(card.id);
    await moving;
  }

  /** Ends the move without sending anything (also after a drop). */
  end(): void {
    const mode = this.mode;
    const id = this.cardId;
    cancelAnimationFrame(this.autoScroll);
    this.mode = null;
    this.cardId = null;
    this.card = null;
    this.overColumn = null;
    this.measured = [];
    document.body.classList.remove("dragging");
    if (mode === "keyboard" && id) this.host.focus.refocus(id);
  }
}
