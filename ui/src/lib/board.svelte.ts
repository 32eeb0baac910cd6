// The open board for Svelte components: mirrors the BoardStore's view into `$state.raw` fields (so only what
// changed re-renders), and offers every change a person can make, each sent through `commands` and shown
// optimistically where that is safe.

import {
  commands,
  type Board,
  type Card,
  type CardId,
  type Column,
  type ColumnId,
  type ConnectionView,
  type Member,
  type MemberId,
  type PresenceEntry,
  type UpdateCard,
} from "../bindings";
import { BoardStore, NO_CARDS, confirmedBy, draft, type Result } from "./boardStore";

/** Who (other than me) has each card open. */
export type Viewers = Map<CardId, Member[]>;

export class BoardModel {
  readonly store: BoardStore;

  board = $state.raw<Board>(undefined as unknown as Board);
  columns = $state.raw<Column[]>([]);
  byColumn = $state.raw<Map<ColumnId, Card[]>>(new Map());
  cardById = $state.raw<Map<CardId, Card>>(new Map());
  members = $state.raw<Member[]>([]);
  memberById = $state.raw<Map<MemberId, Member>>(new Map());
  pendingCards = $state.raw<ReadonlySet<CardId>>(new Set());
  presence = $state.raw<PresenceEntry[]>([]);
  connection = $state.raw<ConnectionView>({ status: "connecting" });
  lastEventAt = $state.raw<string | null>(null);

  /** Members with an open connection. */
  online = $derived(new Set(this.presence.map((p) => p.member_id)));
  /** Teammates viewing each card (not me). */
  viewers: Viewers = $derived.by(() => {
    const map: Viewers = new Map();
    for (const p of this.presence) {
      if (!p.viewing_card || p.member_id === this.me.id) continue;
      const m = this.memberById.get(p.member_id);
      if (!m) continue;
      const list = map.get(p.viewing_card);
      if (list) list.push(m);
      else map.set(p.viewing_card, [m]);
    }
    return map;
  });
  host = $derived(this.members.find((m) => m.role === "host") ?? null);

  readonly me: Member;
  readonly server: string;
  readonly hosting: boolean;
  private unsubscribe: () => void;

  constructor(store: BoardStore) {
    this.store = store;
    this.me = store.me!;
    this.server = store.server;
    this.hosting = store.hosting;
    this.sync();
    this.unsubscribe = store.subscribe(() => this.sync());
  }

  /** Copies the store's view; assigning an unchanged reference to `$state.raw` does not re-render anything. */
  private sync(): void {
    const v = this.store.view;
    this.board = v.board;
    this.columns = v.columns;
    this.byColumn = v.byColumn;
    this.cardById = v.cardById;
    this.members = v.members;
    this.memberById = v.memberById;
    this.pendingCards = v.pendingCards;
    this.presence = this.store.presence;
    this.connection = this.store.connection;
    this.lastEventAt = this.store.lastEventAt;
  }

  dispose(): void {
    this.unsubscribe();
    this.store.detach();
  }

  cardsOf(column: ColumnId): Card[] {
    return this.byColumn.get(column) ?? NO_CARDS;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Changes. Each answers the command's Result; failures are already reported by the store's onError.

  renameBoard(name: string): Promise<Result<Board>> {
    return this.store.optimistic(
      (d) => (d.board = { ...d.board, name }),
      confirmedBy.board,
      commands.renameBoard(name),
    );
  }

  createColumn(title: string): Promise<Result<Column>> {
    return commands.createColumn({ title });
  }

  renameColumn(id: ColumnId, title: string): Promise<Result<Column>> {
    return this.store.optimistic(
      (d) => draft.patchColumn(d, id, { title }),
      confirmedBy.column(id),
      commands.updateColumn(id, { title }),
    );
  }

  /** Moves a column just before `before` or just after `after`. */
  moveColumn(id: ColumnId, place: { before?: ColumnId; after?: ColumnId }): Promise<Result<Column>> {
    return this.store.optimistic(
      (d) => draft.moveColumn(d, id, place.before, place.after),
      confirmedBy.column(id),
      commands.updateColumn(id, { before: place.before ?? null, after: place.after ?? null }),
    );
  }

  deleteColumn(id: ColumnId): Promise<Result<null>> {
    return this.store.optimistic((d) => draft.removeColumn(d, id), confirmedBy.columnGone(id), commands.deleteColumn(id));
  }

  /** Adds a card at the end of a column, shown at once as pending. */
  createCard(column: ColumnId, title: string): Promise<Result<Card>> {
    const temp = BoardStore.tempCardId();
    const now = new Date().toISOString();
    const pending: Card = {
      id: temp,
      board_id: this.board.id,
      column_id: column,
      title,
      description: "",
      labels: [],
      assignee_id: null,
      due_date: null,
      position: "~",
      version: 0,
      created_by: this.me.id,
      created_at: now,
      updated_at: now,
    };
    return this.store.optimistic(
      (d) => draft.placeCard(d, pending),
      confirmedBy.cardExists,
      commands.createCard(column, { title }),
      temp,
    );
  }

  /** Moves a card to a column, just before/after a sibling (neither: at the end). */
  moveCard(id: CardId, column: ColumnId, place: { before?: CardId; after?: CardId }): Promise<Result<Card>> {
    return this.store.optimistic(
      (d) => draft.moveCard(d, id, column, place.before, place.after),
      confirmedBy.cardVersion(id),
      commands.updateCard(id, { column_id: column, before: place.before ?? null, after: place.after ?? null }),
    );
  }

  /** Edits fields of a card (title, description, labels, assignee, due date). */
  updateCard(id: CardId, patch: UpdateCard): Promise<Result<Card>> {
    const shown: Partial<Card> = {};
    if (patch.title != null) shown.title = patch.title;
    if ("description" in patch) shown.description = patch.description ?? "";
    if ("labels" in patch) shown.labels = patch.labels ?? [];
    if ("assignee_id" in patch) shown.assignee_id = patch.assignee_id ?? null;
    if ("due_date" in patch) shown.due_date = patch.due_date ?? null;
    return this.store.optimistic(
      (d) => draft.patchCard(d, id, shown),
      confirmedBy.cardVersion(id),
      commands.updateCard(id, patch),
    );
  }

  deleteCard(id: CardId): Promise<Result<null>> {
    return this.store.optimistic((d) => draft.removeCard(d, id), confirmedBy.cardGone(id), commands.deleteCard(id));
  }
}
