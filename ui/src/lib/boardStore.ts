// The board store: the confirmed board (a Snapshot kept current by applying the bridge's events in seq order,
// exactly like `Snapshot::apply` in crates/lanban-core/src/state.rs), plus optimistic overlays for changes this
// person made whose events have not arrived yet.
//
// Framework-free on purpose: the Svelte wrapper (board.svelte.ts) subscribes to it, and the unit tests drive it
// with plain messages. It never calls a command itself: the resync is injected.
//
// Immutability: every change produces new arrays for what changed and keeps the identity of everything else, so
// keyed `{#each}` blocks repaint only the items that changed.

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
  /** Fetches the whole board (wraps `commands.boardSnapshot`); called when a seq is missed. */
  resync: () => Promise<Snapshot>;
  /** A change was refused (optimistic change rolled back) or a resync failed. */
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
// Applying events: the TypeScript twin of `Snapshot::apply`.

/** Where a card sorts: by its column's index (unknown columns last), then by its position (bytewise). */
function cardBefore(order: Map<ColumnId, number>, a: Card, b: Card): boolean {
  const oa = order.get(a.column_id) ?? Number.MAX_SAFE_INTEGER;
  const ob = order.get(b.column_id) ?? Number.MAX_SAFE_INTEGER;
  return oa < ob || (oa === ob && a.position < b.position);
}

function columnOrder(columns: Column[]): Map<ColumnId, number> {
  const order = new Map<ColumnId, number>();
  columns.forEach((c, i) => order.set(c.id, i));
  return order;
}

/** The first index whose item is not before `pivot` (Rust's `partition_point`). */
function partitionPoint<T>(items: T[], isBefore: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isBefore(items[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Re-sorts cards by (column order, position), returning the same array when the order did not change. */
function sortCards(cards: Card[], columns: Column[]): Card[] {
  const order = columnOrder(columns);
  const sorted = [...cards].sort((a, b) => (cardBefore(order, a, b) ? -1 : cardBefore(order, b, a) ? 1 : 0));
  return sorted.every((c, i) => c === cards[i]) ? cards : sorted;
}

function insertColumn(columns: Column[], column: Column): Column[] {
  const rest = columns.filter((c) => c.id !== column.id);
  const at = partitionPoint(rest, (c) => c.position < column.position);
  rest.splice(at, 0, column);
  return rest;
}

function insertCard(cards: Card[], columns: Column[], card: Card): Card[] {
  const rest = cards.filter((c) => c.id !== card.id);
  const order = columnOrder(columns);
  const at = partitionPoint(rest, (c) => cardBefore(order, c, card));
  rest.splice(at, 0, card);
  return rest;
}

/**
 * Applies the next event to `state`, returning the new state (unchanged parts keep their identity). The caller
 * checks the seq: this function applies whatever it is given and sets `seq` to the event's.
 */
export function applyEvent(state: Snapshot, event: Event): Snapshot {
  const next: Snapshot = { ...state, seq: event.seq };
  switch (event.kind) {
    case "board.created":
    case "board.updated":
      next.board = event.data;
      break;
    case "room_code.rotated":
      next.board = { ...state.board, room_code: event.data.room_code };
      break;
    case "column.created":
    case "column.updated":
      next.columns = insertColumn(state.columns, event.data);
      next.cards = sortCards(state.cards, next.columns);
      break;
    case "column.deleted": {
      const id = event.data.id;
      next.columns = state.columns.filter((c) => c.id !== id);
      if (state.cards.some((c) => c.column_id === id)) next.cards = state.cards.filter((c) => c.column_id !== id);
      break;
    }
    case "card.created":
    case "card.updated":
      next.cards = insertCard(state.cards, state.columns, event.data);
      break;
    case "card.deleted": {
      const id = event.data.id;
      if (state.cards.some((c) => c.id === id)) next.cards = state.cards.filter((c) => c.id !== id);
      break;
    }
    case "member.joined":
      next.members = [...state.members.filter((m) => m.id !== event.data.id), event.data];
      break;
    case "member.removed": {
      const id = event.data.id;
      next.members = state.members.filter((m) => m.id !== id);
      if (state.cards.some((c) => c.assignee_id === id)) {
        next.cards = state.cards.map((c) => (c.assignee_id === id ? { ...c, assignee_id: null } : c));
      }
      break;
    }
  }
  return next;
}

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

function errorOf(thrown: unknown): CommandError {
  if (thrown && typeof thrown === "object" && "message" in thrown && "code" in thrown) {
    return thrown as CommandError;
  }
  return { code: "internal", message: thrown instanceof Error ? thrown.message : String(thrown) };
}

let tempIds = 0;

export class BoardStore {
  private state: Snapshot | null = null;
  private options: StoreOptions;
  /** Messages that arrived before `load` (the bridge starts before the open command answers). */
  private early: BridgeMessage[] = [];
  /** Events held while a resync runs. */
  private held: Event[] = [];
  private resyncing = false;
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
  me: Member | null = null;
  /** `host:port` of the board's server. */
  server = "";
  /** This computer hosts the board. */
  hosting = false;
  presence: PresenceEntry[] = [];
  connection: ConnectionView = { status: "connecting" };
  /** When the last event was committed (`Event.at`), for the connection popover. */
  lastEventAt: string | null = null;
  /** When a message last came over the bridge (local clock, ms). */
  lastMessageAt: number | null = null;

  constructor(options: StoreOptions) {
    this.options = options;
  }

  get loaded(): boolean {
    return this.state !== null;
  }

  get boardId(): BoardId | null {
    return this.state?.board.id ?? null;
  }

  /** The confirmed state (no optimistic changes). */
  get confirmed(): Snapshot {
    if (!this.state) throw new Error("the board is not loaded");
    return this.state;
  }

  /** Number of optimistic changes not yet confirmed. */
  get pendingCount(): number {
    return this.ops.length;
  }

  /** Starts from the board an open command returned, then replays what the bridge sent meanwhile. */
  load(opened: OpenedBoard): void {
    this.state = opened.snapshot;
    this.me = opened.me;
    this.server = opened.server;
    this.hosting = opened.hosting;
    this.presence = opened.presence;
    const early = this.early;
    this.early = [];
    this.changed();
    for (const message of early) this.receive(message);
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
    if (!this.state) {
      this.early.push(message);
      return;
    }
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
      .catch((thrown): Result<T> => ({ status: "error", error: errorOf(thrown) }))
      .then((result) => {
        if (this.detached || !this.ops.includes(op)) return result;
        if (result.status === "error") {
          this.drop(op);
          this.options.onError?.(result.error);
          return result;
        }
        op.answered = true;
        op.data = result.data;
        if (this.state && confirmed(this.state, result.data)) {
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

  private event(event: Event): void {
    const state = this.state!;
    if (this.resyncing) {
      this.held.push(event);
      return;
    }
    if (event.seq <= state.seq) return;
    if (event.seq !== state.seq + 1) {
      this.held.push(event);
      void this.resync();
      return;
    }
    this.apply(event);
    this.settle();
    this.changed();
  }

  private apply(event: Event): void {
    this.state = applyEvent(this.state!, event);
    this.lastEventAt = event.at;
    for (const listener of this.eventListeners) listener(event);
  }

  private async resync(): Promise<void> {
    this.resyncing = true;
    let snapshot: Snapshot;
    try {
      snapshot = await this.options.resync();
    } catch (thrown) {
      this.resyncing = false;
      if (!this.detached) this.options.onError?.(errorOf(thrown));
      return;
    }
    this.resyncing = false;
    if (this.detached) return;
    this.replace(snapshot);
  }

  /** Replaces the confirmed state with a snapshot, then applies held events that follow it. */
  private replace(snapshot: Snapshot): void {
    const state = this.state!;
    if (snapshot.seq >= state.seq) this.state = snapshot;
    const held = this.held.sort((a, b) => a.seq - b.seq);
    this.held = [];
    let gap = false;
    for (const event of held) {
      if (event.seq <= this.state!.seq) continue;
      if (event.seq !== this.state!.seq + 1) {
        gap = true;
        this.held.push(event);
        continue;
      }
      this.apply(event);
    }
    this.settle();
    this.changed();
    if (gap && !this.resyncing) void this.resync();
  }

  /** Drops answered changes that the confirmed state now contains. */
  private settle(): void {
    const state = this.state!;
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
