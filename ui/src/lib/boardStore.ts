// The board store: the confirmed board (a Snapshot kept current by applying the bridge's events with `applyEvent`,
// the twin of `Snapshot::apply`), plus optimistic overlays for changes this person made whose events have not
// arrived yet. The overlay lives here and only here; ordering, dedupe and resync live in the Rust session, whose
// bridge hands this store each next event, or a whole snapshot after a resync.
//
// Framework-free on purpose: the Svelte wrapper (board.svelte.ts) subscribes to it, and the unit tests drive it
// with plain messages. It never calls a command itself.
//
// Immutability: every change produces new arrays for what changed and keeps the identity of everything else, so
// keyed `{#each}` blocks repaint only the items that changed.

import { applyEvent } from "./applyEvent";
import { toCommandError } from "./errors";
import type {
  BoardId,
  BridgeMessage,
  Card,
  CardId,
  Column,
  ColumnId,
  CommandError,
  ConnectionView,
  Event,
  Member,
  MemberId,
  OpenedBoard,
  PresenceEntry,
  Snapshot,
} from "../bindings";

/** What every command of bindings.ts answers. */
export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

/** The board as the view paints it: confirmed state with pending changes on top, and per-column card lists. */
export interface BoardView {
  board: Snapshot["board"];
  columns: Column[];
  cards: Card[];
  members: Member[];
  seq: number;
  /** Each column's cards in order; a column's array keeps its identity while none of its cards changed. */
  byColumn: Map<ColumnId, Card[]>;
  cardById: Map<CardId, Card>;
  memberById: Map<MemberId, Member>;
  /** Cards shown optimistically that the server has not created yet (temporary ids). */
  pendingCards: ReadonlySet<CardId>;
}

const NO_PENDING: ReadonlySet<CardId> = new Set();

/** The shared empty list, so an empty column's cards compare equal from one render to the next. */
export const NO_CARDS: Card[] = Object.freeze([]) as unknown as Card[];

export interface StoreOptions {
  /** A change was refused (the optimistic change was rolled back). */
  onError?: (error: CommandError) => void;
  /** This member was removed from the board. Called once. */
  onRemoved?: () => void;
  /** How long an answered change may wait for its event before the overlay is dropped anyway (ms). */
  settleTimeoutMs?: number;
}

/**
 * A pending change: `apply` edits a draft (fresh arrays, shared elements: replace elements, never mutate them);
 * `confirmed` says whether the confirmed state already contains the change, given the command's answer.
 */
interface PendingOp {
  id: number;
  apply: (draft: Snapshot) => void;
  confirmed: (state: Snapshot, data: any) => boolean;
  answered: boolean;
  data?: unknown;
  timer?: ReturnType<typeof setTimeout>;
  /** The temporary card id this op shows, if it creates a card. */
  tempCard?: CardId;
}

type Listener = () => void;
type EventListener = (event: Event) => void;

// ---------------------------------------------------------------------------------------------------------------
// Drafts: the edits optimistic changes make to the view. Each takes a draft (fresh arrays) and replaces elements.

export const draft = {
  /** Sets fields of a card. */
  patchCard(d: Snapshot, id: CardId, patch: Partial<Card>): void {
    const i = d.cards.findIndex((c) => c.id === id);
    if (i >= 0) d.cards[i] = { ...d.cards[i], ...patch };
  },

  /** Moves a card to `columnId`, just before `before` or just after `after` (neither: at the column's end). */
  moveCard(d: Snapshot, id: CardId, columnId: ColumnId, before?: CardId | null, after?: CardId | null): void {
    const from = d.cards.findIndex((c) => c.id === id);
    if (from < 0) return;
    const card = { ...d.cards[from], column_id: columnId };
    d.cards.splice(from, 1);
    draft.placeCard(d, card, before, after);
  },

  /** Inserts `card` into its column before/after a sibling, or at the end of the column. */
  placeCard(d: Snapshot, card: Card, before?: CardId | null, after?: CardId | null): void {
    let at = -1;
    if (before) at = d.cards.findIndex((c) => c.id === before);
    if (at < 0 && after) {
      const i = d.cards.findIndex((c) => c.id === after);
      if (i >= 0) at = i + 1;
    }
    if (at < 0) {
      // The end of the column: after its last card (the view groups cards by column, so only the order within a
      // column matters here).
      let last = -1;
      for (let i = d.cards.length - 1; i >= 0; i--) {
        if (d.cards[i].column_id === card.column_id) {
          last = i;
          break;
        }
      }
      at = last >= 0 ? last + 1 : d.cards.length;
    }
    d.cards.splice(at, 0, card);
  },

  removeCard(d: Snapshot, id: CardId): void {
    d.cards = d.cards.filter((c) => c.id !== id);
  },

  patchColumn(d: Snapshot, id: ColumnId, patch: Partial<Column>): void {
    const i = d.columns.findIndex((c) => c.id === id);
    if (i >= 0) d.columns[i] = { ...d.columns[i], ...patch };
  },

  /** Moves a column just before `before` or just after `after`. */
  moveColumn(d: Snapshot, id: ColumnId, before?: ColumnId | null, after?: ColumnId | null): void {
    const from = d.columns.findIndex((c) => c.id === id);
    if (from < 0) return;
    const [column] = d.columns.splice(from, 1);
    let at = d.columns.length;
    if (before) {
      const i = d.columns.findIndex((c) => c.id === before);
      if (i >= 0) at = i;
    } else if (after) {
      const i = d.columns.findIndex((c) => c.id === after);
      if (i >= 0) at = i + 1;
    }
    d.columns.splice(at, 0, column);
  },

  removeColumn(d: Snapshot, id: ColumnId): void {
    d.columns = d.columns.filter((c) => c.id !== id);
    d.cards = d.cards.filter((c) => c.column_id !== id);
  },
};

/** Confirmation tests for the common optimistic changes. */
export const confirmedBy = {
  /** The card's answered version (or a later one) is in the state, or the card is gone. */
  cardVersion: (id: CardId) => (s: Snapshot, card: Card) => {
    const now = s.cards.find((c) => c.id === id);
    return !now || now.version >= card.version;
  },
  /** The created card is in the state. */
  cardExists: (s: Snapshot, card: Card) => s.cards.some((c) => c.id === card.id),
  cardGone: (id: CardId) => (s: Snapshot) => !s.cards.some((c) => c.id === id),
  /** The column as answered is in the state (or the column is gone). */
  column: (id: ColumnId) => (s: Snapshot, column: Column) => {
    const now = s.columns.find((c) => c.id === id);
    return !now || (now.title === column.title && now.position === column.position);
  },
  columnGone: (id: ColumnId) => (s: Snapshot) => !s.columns.some((c) => c.id === id),
  /** The board's answered update (or a later one) is in the state. */
  board: (s: Snapshot, board: Snapshot["board"]) => s.board.updated_at >= board.updated_at,
};

// ---------------------------------------------------------------------------------------------------------------

let tempIds = 0;

export class BoardStore {
  private state: Snapshot;
  private options: StoreOptions;
  private ops: PendingOp[] = [];
  private nextOp = 1;
  private cached: BoardView | null = null;
  /** The last view built, kept after invalidation so unchanged parts keep their identity. */
  private cached0: BoardView | null = null;
  private previousByColumn = new Map<ColumnId, Card[]>();
  private listeners = new Set<Listener>();
  private eventListeners = new Set<EventListener>();
  private removedReported = false;
  private detached = false;

  /** This person on the board. */
  readonly me: Member;
  /** `host:port` of the board's server. */
  readonly server: string;
  /** This computer hosts the board. */
  readonly hosting: boolean;
  presence: PresenceEntry[];
  connection: ConnectionView = { status: "connecting" };
  /** When the last event was committed (`Event.at`), for the connection popover. */
  lastEventAt: string | null = null;
  /** When a message last came over the bridge (local clock, ms). */
  lastMessageAt: number | null = null;

  /** Starts from the board an open command answered; the bridge's messages follow on from its seq. */
  constructor(opened: OpenedBoard, options: StoreOptions = {}) {
    this.options = options;
    this.state = opened.snapshot;
    this.me = opened.me;
    this.server = opened.server;
    this.hosting = opened.hosting;
    this.presence = opened.presence;
  }

  get boardId(): BoardId {
    return this.state.board.id;
  }

  /** The confirmed state (no optimistic changes). */
  get confirmed(): Snapshot {
    return this.state;
  }

  /** Number of optimistic changes not yet confirmed. */
  get pendingCount(): number {
    return this.ops.length;
  }

  /** Stops reacting to the bridge (after leaving the board). */
  detach(): void {
    this.detached = true;
    for (const op of this.ops) clearTimeout(op.timer);
    this.ops = [];
    this.listeners.clear();
    this.eventListeners.clear();
  }

  /** Handles one message of the bridge channel. */
  receive = (message: BridgeMessage): void => {
    if (this.detached) return;
    this.lastMessageAt = Date.now();
    switch (message.type) {
      case "event":
        this.event(message.event);
        break;
      case "resynced":
        this.replace(message.snapshot);
        break;
      case "presence":
        this.presence = message.members;
        this.notify();
        break;
      case "connection":
        this.connection = message.state;
        this.notify();
        if (message.state.status === "removed") this.removed();
        break;
      case "removed":
        this.removed();
        break;
    }
  };

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with every event applied to the confirmed state, after it was applied. */
  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** The board to paint: confirmed state plus pending changes. */
  get view(): BoardView {
    if (this.cached) return this.cached;
    const state = this.confirmed;
    let shown = state;
    const pendingCards = new Set<CardId>();
    if (this.ops.length) {
      const d: Snapshot = { ...state, columns: [...state.columns], cards: [...state.cards] };
      for (const op of this.ops) {
        op.apply(d);
        if (op.tempCard) pendingCards.add(op.tempCard);
      }
      // Keep the confirmed arrays when the pending changes left them as they were.
      if (sameItems(d.columns, state.columns)) d.columns = state.columns;
      if (sameItems(d.cards, state.cards)) d.cards = state.cards;
      shown = d;
    }
    const byColumn = new Map<ColumnId, Card[]>();
    const cardById = new Map<CardId, Card>();
    for (const card of shown.cards) {
      cardById.set(card.id, card);
      let list = byColumn.get(card.column_id);
      if (!list) byColumn.set(card.column_id, (list = []));
      list.push(card);
    }
    for (const [id, list] of byColumn) {
      const before = this.previousByColumn.get(id);
      if (before && sameItems(before, list)) byColumn.set(id, before);
    }
    this.previousByColumn = byColumn;
    let memberById = this.cached0?.members === shown.members ? this.cached0.memberById : null;
    if (!memberById) {
      memberById = new Map<MemberId, Member>();
      for (const m of shown.members) memberById.set(m.id, m);
    }
    this.cached = {
      board: shown.board,
      columns: shown.columns,
      cards: shown.cards,
      members: shown.members,
      seq: shown.seq,
      byColumn,
      cardById,
      memberById,
      pendingCards: pendingCards.size ? pendingCards : NO_PENDING,
    };
    this.cached0 = this.cached;
    return this.cached;
  }

  /**
   * Shows a change at once and sends it. The change stays on top of the confirmed state until the request
   * answers ok and `confirmed(state, answer)` holds (checked then and after each event); if the request fails,
   * the change is dropped (the view slides back) and `onError` reports the server's message.
   */
  optimistic<T>(
    apply: (draft: Snapshot) => void,
    confirmed: (state: Snapshot, data: T) => boolean,
    request: Promise<Result<T>>,
    tempCard?: CardId,
  ): Promise<Result<T>> {
    const op: PendingOp = { id: this.nextOp++, apply, confirmed, answered: false, tempCard };
    this.ops.push(op);
    this.changed();
    return request
      .catch((thrown): Result<T> => ({ status: "error", error: toCommandError(thrown) }))
      .then((result) => {
        if (this.detached || !this.ops.includes(op)) return result;
        if (result.status === "error") {
          this.drop(op);
          this.options.onError?.(result.error);
          return result;
        }
        op.answered = true;
        op.data = result.data;
        if (confirmed(this.state, result.data)) {
          this.drop(op);
        } else {
          // Events can stall (reconnecting): never let an overlay hide the confirmed state for long.
          op.timer = setTimeout(() => this.drop(op), this.options.settleTimeoutMs ?? 10_000);
        }
        return result;
      });
  }

  /** A temporary id for a card created optimistically. */
  static tempCardId(): CardId {
    tempIds += 1;
    return `pending-${tempIds}`;
  }

  // -------------------------------------------------------------------------------------------------------------

  /** Applies the next event (the bridge sends them in seq order, each once). */
  private event(event: Event): void {
    if (event.seq !== this.state.seq + 1) {
      // The session never sends this; say so loudly rather than paint a board that skipped a change.
      console.error(`board store: event ${event.seq} after ${this.state.seq}`);
    }
    this.state = applyEvent(this.state, event);
    this.lastEventAt = event.at;
    for (const listener of this.eventListeners) listener(event);
    this.settle();
    this.changed();
  }

  /** Replaces the confirmed state with the session's fresh snapshot. */
  private replace(snapshot: Snapshot): void {
    this.state = snapshot;
    this.settle();
    this.changed();
  }

  /** Drops answered changes that the confirmed state now contains. */
  private settle(): void {
    const state = this.state;
    const done = this.ops.filter((op) => op.answered && op.confirmed(state, op.data));
    for (const op of done) clearTimeout(op.timer);
    if (done.length) this.ops = this.ops.filter((op) => !done.includes(op));
  }

  private drop(op: PendingOp): void {
    clearTimeout(op.timer);
    const before = this.ops.length;
    this.ops = this.ops.filter((o) => o !== op);
    if (this.ops.length !== before) this.changed();
  }

  private removed(): void {
    if (this.removedReported) return;
    this.removedReported = true;
    this.options.onRemoved?.();
  }

  private changed(): void {
    this.cached = null;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
