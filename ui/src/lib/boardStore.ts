// The board store: the confirmed board (a Snapshot kept current by applying the bridge's events with `applyEvent`,
// the twin of `Snapshot::apply`), with the person's pending changes drawn on top. The overlay lives here and only
// here: ordering, dedupe and resync live in the Rust session, whose bridge hands this store each next event (or a
// whole snapshot after a resync) and the list of changes the board does not show yet (kept, sent or failed), which
// the session's outbox decides. A change this window just made is drawn at once, until that list names it.
//
// Framework-free on purpose: the Svelte wrapper (board.svelte.ts) subscribes to it, and the unit tests drive it
// with plain messages. It sends changes through the injected `send` (by default the `handChange` command, one change
// after another, then `changeAnswer`).
//
// Immutability: every change produces new arrays for what changed and keeps the identity of everything else, so
// keyed `{#each}` blocks repaint only the items that changed.

import { applyEvent } from "./applyEvent";
import { inOrder, type Send } from "./handing";
import { toCommandError } from "./errors";
import { applyMutation, cardOf, isLive, uuidv7 } from "./mutations";
import { shelves, type Shelved } from "./shelves";
import {
  commands,
  type BoardId,
  type BridgeMessage,
  type Card,
  type CardId,
  type Checklist,
  type Comment,
  type CommentId,
  type Column,
  type ColumnId,
  type CommandError,
  type ConnectionView,
  type Event,
  type HeldView,
  type Member,
  type MemberId,
  type Mutation,
  type OpenedBoard,
  type PendingChangeView,
  type PresenceEntry,
  type RecentKey,
  type Snapshot,
  type SubmitOutcome,
} from "../bindings";

export type { Shelved } from "./shelves";

/** What every command of bindings.ts answers. */
export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

/** A change the host refused, or that collides with a teammate's, waiting for the person to decide. */
export type FailedChange = PendingChangeView & { state: { state: "failed" } };

/** The board as the view paints it: confirmed state with pending changes on top, and per-column card lists. */
export interface BoardView {
  board: Snapshot["board"];
  /** The columns on the board (neither archived nor in the trash). */
  columns: Column[];
  /** Every card, archived and in the trash too. */
  cards: Card[];
  /** Every column, archived and in the trash too (to name a card's column wherever it is). */
  allColumns: Column[];
  /** What is archived and what is in the trash, newest first. */
  archived: Shelved[];
  trashed: Shelved[];
  members: Member[];
  seq: number;
  /** Each column's cards on the board in order; a column's array keeps its identity while none of its cards
   *  changed. */
  byColumn: Map<ColumnId, Card[]>;
  cardById: Map<CardId, Card>;
  memberById: Map<MemberId, Member>;
  /** Each card's comments, oldest first; a card's array keeps its identity while none of its comments changed. */
  commentsByCard: Map<CardId, Comment[]>;
  /** Each card's checklists in order; a card's array keeps its identity while none of them changed. */
  checklistsByCard: Map<CardId, Checklist[]>;
  /** Comments drawn from this person's changes that the host has not confirmed yet ("Sending…"). */
  pendingComments: ReadonlySet<CommentId>;
  /** Cards with a change kept on this computer that the host does not have yet ("not yet synced"). */
  pendingCards: ReadonlySet<CardId>;
  /** How many changes wait for the host. */
  waiting: number;
  /** Why the host did not run the first waiting change it answered (busy, its disk full), if it said. */
  held: HeldView | null;
  /** Changes that could not be applied, in the order they were made. */
  failed: FailedChange[];
}

const NO_PENDING: ReadonlySet<CardId> = new Set();
const NO_FAILED: FailedChange[] = [];

/** The shared empty list, so an empty column's cards compare equal from one render to the next. */
export const NO_CARDS: Card[] = Object.freeze([]) as unknown as Card[];

export interface StoreOptions {
  /** A change was refused while the person waited (it is no longer drawn). */
  onError?: (error: CommandError) => void;
  /** This member was removed from the board. Called once. */
  onRemoved?: () => void;
  /** The board moved to another computer, hosted now by `host`. */
  onMoved?: (host: MemberId) => void;
  /** Sends a change ([`inOrder`] over the `handChange` and `changeAnswer` commands; tests inject their own). */
  send?: Send;
  /** Runs `repaint` once before the next frame is painted ([`nextFrame`] by default; tests inject their own). */
  frame?: (repaint: () => void) => void;
}

/** How long a repaint waits for a frame that does not come (the window is hidden, and paints no frames): the
 * board's listeners (notices, an open card) still hear of its events while no one looks. */
const HIDDEN_REPAINT_MS = 250;

/**
 * Runs `repaint` once, before the window's next frame (or after [`HIDDEN_REPAINT_MS`] if no frame comes); at
 * once where there are no frames at all (the unit tests, in Node).
 */
export function nextFrame(repaint: () => void): void {
  if (typeof requestAnimationFrame !== "function") {
    repaint();
    return;
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    repaint();
  };
  requestAnimationFrame(once);
  setTimeout(once, HIDDEN_REPAINT_MS);
}

/** A change this window made that the session's list does not name yet. */
interface LocalChange {
  key: string;
  mutation: Mutation;
  /** The command answered: the session has it, and its next list says what became of it. */
  handed: boolean;
}

type Listener = () => void;
type EventListener = (event: Event) => void;

export class BoardStore {
  private state: Snapshot;
  private options: StoreOptions;
  private send: Send;
  /** The session's list of changes the board does not show yet. */
  private listed: PendingChangeView[] = [];
  private local: LocalChange[] = [];
  private cached: BoardView | null = null;
  /** The last view built, kept after invalidation so unchanged parts keep their identity. */
  private cached0: BoardView | null = null;
  private previousByColumn = new Map<ColumnId, Card[]>();
  private listeners = new Set<Listener>();
  private eventListeners = new Set<EventListener>();
  /** Events applied since the view was last built: told to the event listeners once it is. */
  private unheard: Event[] = [];
  /** A repaint is asked for the next frame. */
  private repaintAsked = false;
  private removedReported = false;
  private detached = false;
  private releasers: (() => void)[] = [];

  /** This person on the board. */
  readonly me: Member;
  /** `host:port` of the board's server. */
  readonly server: string;
  /** The board's entry in recent boards. */
  readonly key: RecentKey;
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
    this.send = options.send ?? inOrder(commands.handChange, commands.changeAnswer);
    this.state = opened.snapshot;
    this.me = opened.me;
    this.server = opened.server;
    this.key = opened.key;
    this.hosting = opened.hosting;
    this.presence = opened.presence;
  }

  get boardId(): BoardId {
    return this.state.board.id;
  }

  /** The confirmed state (no pending changes). */
  get confirmed(): Snapshot {
    return this.state;
  }

  /** Number of changes drawn on top of the confirmed state. */
  get pendingCount(): number {
    return this.listed.filter((c) => c.state.state !== "failed").length + this.local.length;
  }

  /** Stops reacting to the bridge (after leaving the board). */
  detach(): void {
    this.detached = true;
    this.local = [];
    this.unheard = [];
    this.listeners.clear();
    this.eventListeners.clear();
    for (const release of this.releasers.splice(0)) release();
  }

  /** Runs `release` when the store is detached: whatever feeds it lets go of it, so a board left is collected. */
  onDetach(release: () => void): void {
    if (this.detached) release();
    else this.releasers.push(release);
  }

  /** Handles one message of the bridge channel. */
  receive = (message: BridgeMessage): void => {
    if (this.detached) return;
    this.lastMessageAt = Date.now();
    switch (message.type) {
      case "event":
        this.event(message.event);
        break;
      case "events":
        for (const event of message.events) this.event(event);
        break;
      case "resynced":
        this.state = message.snapshot;
        this.changed();
        break;
      case "changes":
        this.listed = message.changes;
        // The list names this window's changes from now on (or they are already done).
        this.local = this.local.filter((l) => !l.handed && !message.changes.some((c) => c.key === l.key));
        this.changed();
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
      case "moved":
        this.options.onMoved?.(message.host);
        break;
    }
  };

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with every event applied to the confirmed state, in order, once the view shows it. */
  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** The board to paint: confirmed state plus pending changes. */
  get view(): BoardView {
    if (this.cached) return this.cached;
    const { shown, pendingCards, waiting, held, failed } = this.overlay();
    const byColumn = new Map<ColumnId, Card[]>();
    const cardById = new Map<CardId, Card>();
    const previous0 = this.cached0;
    const columns =
      previous0 && previous0.allColumns === shown.columns ? previous0.columns : shown.columns.filter(isLive);
    const live = new Set(columns.map((c) => c.id));
    for (const card of shown.cards) {
      cardById.set(card.id, card);
      if (!isLive(card) || !live.has(card.column_id)) continue;
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
    const commentsByCard = new Map<CardId, Comment[]>();
    for (const comment of shown.comments ?? []) {
      let list = commentsByCard.get(comment.card_id);
      if (!list) commentsByCard.set(comment.card_id, (list = []));
      list.push(comment);
    }
    for (const [id, list] of commentsByCard) {
      const before = this.cached0?.commentsByCard.get(id);
      if (before && sameItems(before, list)) commentsByCard.set(id, before);
    }
    const checklistsByCard = new Map<CardId, Checklist[]>();
    for (const list of shown.checklists ?? []) {
      let lists = checklistsByCard.get(list.card_id);
      if (!lists) checklistsByCard.set(list.card_id, (lists = []));
      lists.push(list);
    }
    for (const [id, lists] of checklistsByCard) {
      const before = this.cached0?.checklistsByCard.get(id);
      if (before && sameItems(before, lists)) checklistsByCard.set(id, before);
    }
    const confirmed = this.state.comments ?? [];
    const pendingComments = new Set<CommentId>();
    if (shown.comments !== this.state.comments) {
      const kept = new Map(confirmed.map((c) => [c.id, c]));
      for (const c of shown.comments ?? []) if (kept.get(c.id) !== c) pendingComments.add(c.id);
    }
    const previous = this.cached0;
    const shelf =
      previous0 && previous0.allColumns === shown.columns && previous0.cards === shown.cards
        ? previous0
        : shelves(shown.columns, shown.cards);
    this.cached = {
      board: shown.board,
      columns,
      allColumns: shown.columns,
      archived: shelf.archived,
      trashed: shelf.trashed,
      cards: shown.cards,
      members: shown.members,
      seq: shown.seq,
      byColumn,
      cardById,
      memberById,
      commentsByCard,
      checklistsByCard,
      pendingComments:
        previous && sameSet(previous.pendingComments, pendingComments) ? previous.pendingComments : pendingComments,
      pendingCards: previous && sameSet(previous.pendingCards, pendingCards) ? previous.pendingCards : pendingCards,
      waiting,
      held: previous && sameHeld(previous.held, held) ? previous.held : held,
      failed: previous && sameItems(previous.failed, failed) ? previous.failed : failed,
    };
    this.cached0 = this.cached;
    return this.cached;
  }

  /**
   * Makes a change: drawn at once, then handed to the session, which keeps it and sends it. A refusal while the
   * host answers comes back as the error (and `onError`); otherwise the session's list says what becomes of it.
   */
  submit(mutation: Mutation): Promise<Result<SubmitOutcome>> {
    const change: LocalChange = { key: uuidv7(), mutation, handed: false };
    this.local.push(change);
    this.changed();
    return this.send(change.key, mutation)
      .catch((thrown): Result<SubmitOutcome> => ({ status: "error", error: toCommandError(thrown) }))
      .then((result): Result<SubmitOutcome> => {
        // A refusal by the IPC layer itself (not the command) arrives as a bare string: give it the error's shape.
        if (result.status === "error") result = { status: "error", error: toCommandError(result.error) };
        if (this.detached) return result;
        if (result.status === "error") {
          this.local = this.local.filter((l) => l !== change);
          this.changed();
          this.options.onError?.(result.error);
        } else {
          change.handed = true;
        }
        return result;
      });
  }

  // -------------------------------------------------------------------------------------------------------------

  /** The confirmed state with the pending changes drawn on it. */
  private overlay(): {
    shown: Snapshot;
    pendingCards: ReadonlySet<CardId>;
    waiting: number;
    held: HeldView | null;
    failed: FailedChange[];
  } {
    const state = this.state;
    const drawn: Mutation[] = [];
    const pendingCards = new Set<CardId>();
    const failed: FailedChange[] = [];
    let waiting = 0;
    let held: HeldView | null = null;
    for (const change of this.listed) {
      if (change.state.state === "failed") {
        failed.push(change as FailedChange);
        continue;
      }
      drawn.push(change.mutation);
      if (change.state.state === "queued") {
        waiting += 1;
        held ??= change.held;
        const card = cardOf(change.mutation);
        if (card) pendingCards.add(card);
      }
    }
    for (const change of this.local) drawn.push(change.mutation);
    if (!drawn.length) {
      return { shown: state, pendingCards: NO_PENDING, waiting, held, failed: failed.length ? failed : NO_FAILED };
    }
    const d: Snapshot = {
      ...state,
      columns: [...state.columns],
      cards: [...state.cards],
      comments: state.comments,
      checklists: state.checklists,
    };
    const now = new Date().toISOString();
    for (const mutation of drawn) applyMutation(d, mutation, this.me.id, now);
    // Keep the confirmed arrays when the pending changes left them as they were.
    if (sameItems(d.columns, state.columns)) d.columns = state.columns;
    if (sameItems(d.cards, state.cards)) d.cards = state.cards;
    return {
      shown: d,
      pendingCards: pendingCards.size ? pendingCards : NO_PENDING,
      waiting,
      held,
      failed: failed.length ? failed : NO_FAILED,
    };
  }

  /** Applies the next event (the bridge sends them in seq order, each once). */
  private event(event: Event): void {
    if (event.seq !== this.state.seq + 1) {
      // The session never sends this; say so loudly rather than paint a board that skipped a change.
      console.error(`board store: event ${event.seq} after ${this.state.seq}`);
    }
    this.state = applyEvent(this.state, event);
    this.lastEventAt = event.at;
    this.unheard.push(event);
    // A teammate's burst (an import, a bulk move) brings many events within one frame: the view (every card of
    // the board in maps and lists) is built, and the board repainted, once for all of them.
    if (this.repaintAsked) return;
    this.repaintAsked = true;
    (this.options.frame ?? nextFrame)(() => {
      if (this.repaintAsked && !this.detached) this.changed();
    });
  }

  private removed(): void {
    if (this.removedReported) return;
    this.removedReported = true;
    this.options.onRemoved?.();
  }

  /** The board changed: the view is built anew, then whoever listens for events hears those applied since. */
  private changed(): void {
    this.repaintAsked = false;
    this.cached = null;
    this.notify();
    if (!this.unheard.length) return;
    const heard = this.unheard;
    this.unheard = [];
    for (const event of heard) for (const listener of this.eventListeners) listener(event);
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

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function sameHeld(a: HeldView | null, b: HeldView | null): boolean {
  return a === b || (a !== null && b !== null && a.code === b.code && a.message === b.message);
}
