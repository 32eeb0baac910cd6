// The board view's own state, shared by its components through context: which card is open, which panel or input
// is open, and the parts that each have a module of their own: the filter (cardFilter), the keyboard focus
// (cardFocus), moving a card (cardDrag) and moving a column (columnDrag). Keys and presses on a card are routed
// here, because they reach more than one of those parts.

import { getContext, setContext } from "svelte";
import type { Card, CardId, ColumnId } from "../bindings";
import type { BoardModel } from "./board.svelte";
import { ActivityLog } from "./activityLog.svelte";
import { CardFilter } from "./cardFilter.svelte";
import { Notices } from "./notices.svelte";
import { CardFocus } from "./cardFocus.svelte";
import { CardDrag } from "./cardDrag.svelte";
import { ColumnDrag } from "./columnDrag.svelte";

const KEY = Symbol("board-ui");

export class BoardUi {
  readonly model: BoardModel;
  readonly filter: CardFilter;
  readonly focus: CardFocus;
  readonly cardDrag: CardDrag;
  readonly columnDrag: ColumnDrag;

  /** Desktop notifications for this board. */
  readonly notices: Notices;
  /** The board's activity, loaded once someone looks. */
  readonly activity: ActivityLog;
  activityOpen = $state(false);
  /** The archive and trash drawer (it and the activity share the right side: one at a time). */
  archiveOpen = $state(false);
  /** The card whose dialog is open. */
  openCardId = $state<CardId | null>(null);
  shareOpen = $state(false);
  /** The list of changes that could not be applied is open. */
  failedOpen = $state(false);
  /** The column whose "add card" input is open. */
  composerColumn = $state<ColumnId | null>(null);
  addingColumn = $state(false);
  /** Text for screen readers about keyboard moves. */
  announcement = $state("");
  /** The board's horizontal scroller (set by BoardView). */
  scroller: HTMLElement | null = null;

  constructor(model: BoardModel) {
    this.model = model;
    this.filter = new CardFilter(model);
    this.focus = new CardFocus(model, this.filter);
    this.cardDrag = new CardDrag(this);
    this.columnDrag = new ColumnDrag(model, () => this.scroller);
    this.activity = new ActivityLog(model);
    this.notices = new Notices(model);
  }

  static provide(ui: BoardUi): void {
    setContext(KEY, ui);
  }

  static get(): BoardUi {
    return getContext<BoardUi>(KEY);
  }

  /** Keys on a focused card: arrows move the focus, Space picks the card up, Enter opens it, M assigns it to me
   *  (or, if it is mine, to no one). */
  cardKey(e: KeyboardEvent, card: Card): void {
    if (this.cardDrag.mode || e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case "ArrowUp":
      case "ArrowDown":
      case "ArrowLeft":
      case "ArrowRight":
        this.focus.moveFrom(card.id, e.key);
        break;
      case " ":
        this.cardDrag.pickUp(card);
        break;
      case "Enter":
        this.openCard(card.id);
        break;
      case "m":
      case "M":
        this.assignMe(card);
        break;
      case "Delete":
        // To the trash (its toast offers Undo); the focus goes on to a neighbour.
        this.focus.moveFrom(card.id, "ArrowDown");
        void this.model.deleteCard(card.id);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  /** Assigns the card to me, or unassigns it if it was mine, and says so for screen readers. */
  assignMe(card: Card): void {
    const me = this.model.me.id;
    const people = card.assignee_ids ?? [];
    const mine = people.includes(me);
    void this.model.updateCard(card.id, { assignee_ids: mine ? people.filter((m) => m !== me) : [...people, me] });
    this.announcement = mine ? `«${card.title}» unassigned` : `«${card.title}» assigned to you`;
  }

  /** Opens a card's dialog (not for the click that ends a drag). A card not yet synced opens too: its id is its
   *  own from the start, so its edits queue behind its creation. */
  openCard(id: CardId): void {
    if (this.cardDrag.suppressClick) return;
    this.focus.cardId = id;
    this.openCardId = id;
  }

  /** A press on a column's header: moves the column, unless a card is being moved. */
  columnPointerDown(e: PointerEvent, column: ColumnId, el: HTMLElement): void {
    if (this.cardDrag.mode) return;
    this.columnDrag.pointerDown(e, column, el);
  }
}
