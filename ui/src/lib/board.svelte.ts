// The open board for Svelte components: mirrors the BoardStore's view into `$state.raw` fields (so only what
// changed re-renders), and offers every change a person can make, each a `Mutation` drawn at once and kept by the
// session until the host has it.

import {
  commands,
  type Board,
  type Card,
  type CardId,
  type Column,
  type ColumnId,
  type Checklist,
  type ChecklistId,
  type Comment,
  type CommentId,
  type ItemId,
  type ConnectionView,
  type Member,
  type MemberId,
  type PresenceEntry,
  type SubmitOutcome,
  type UpdateCard,
  type UpdateChecklist,
  type UpdateItem,
} from "../bindings";
import { BoardStore, NO_CARDS, type FailedChange, type Result } from "./boardStore";
import { uuidv7 } from "./mutations";
import { toast } from "./toasts.svelte";

/** The shared empty list of comments, so a card without any compares equal from one render to the next. */
const NO_COMMENTS: Comment[] = Object.freeze([]) as unknown as Comment[];
const NO_CHECKLISTS: Checklist[] = Object.freeze([]) as unknown as Checklist[];

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
  /** Each card's comments, oldest first. */
  commentsByCard = $state.raw<Map<CardId, Comment[]>>(new Map());
  /** Each card's checklists, in order. */
  checklistsByCard = $state.raw<Map<CardId, Checklist[]>>(new Map());
  /** My comments the host has not confirmed yet. */
  pendingComments = $state.raw<ReadonlySet<CommentId>>(new Set());
  /** Cards with a change the host does not have yet (the "not yet synced" mark). */
  pendingCards = $state.raw<ReadonlySet<CardId>>(new Set());
  /** How many changes wait for the host. */
  waiting = $state.raw(0);
  /** Changes that could not be applied, for the person to apply again or discard. */
  failed = $state.raw<FailedChange[]>([]);
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
    this.commentsByCard = v.commentsByCard;
    this.checklistsByCard = v.checklistsByCard;
    this.pendingComments = v.pendingComments;
    this.pendingCards = v.pendingCards;
    this.waiting = v.waiting;
    this.failed = v.failed;
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

  commentsOf(card: CardId): Comment[] {
    return this.commentsByCard.get(card) ?? NO_COMMENTS;
  }

  checklistsOf(card: CardId): Checklist[] {
    return this.checklistsByCard.get(card) ?? NO_CHECKLISTS;
  }

  /** Items done, of how many, over a card's checklists; undefined when it has no items. */
  checklistProgress(card: CardId): { done: number; all: number } | undefined {
    let done = 0;
    let all = 0;
    for (const list of this.checklistsOf(card)) {
      all += list.items.length;
      for (const item of list.items) if (item.done) done += 1;
    }
    return all ? { done, all } : undefined;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Changes. Each is drawn at once and kept by the session before it is sent, so it survives the host being away;
  // each answers the command's Result (a refusal is already reported by the store's onError).

  renameBoard(name: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "rename_board", board: this.board.id, name });
  }

  createColumn(title: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_column", board: this.board.id, column: { id: uuidv7(), title } });
  }

  renameColumn(id: ColumnId, title: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_column", column: id, patch: { title } });
  }

  /** Moves a column just before `before` or just after `after`. */
  moveColumn(id: ColumnId, place: { before?: ColumnId; after?: ColumnId }): Promise<Result<SubmitOutcome>> {
    return this.store.submit({
      kind: "update_column",
      column: id,
      patch: { before: place.before ?? null, after: place.after ?? null },
    });
  }

  deleteColumn(id: ColumnId): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "delete_column", column: id });
  }

  /** Adds a card at the end of a column (its id chosen here, so it can be opened and edited at once). */
  createCard(column: ColumnId, title: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_card", column, card: { id: uuidv7(), title } });
  }

  /** Moves a card to a column, just before/after a sibling (neither: at the end). The move can be undone: for
   *  10 s from its toast, and with Ctrl/Cmd+Z until the next move. */
  async moveCard(id: CardId, column: ColumnId, place: { before?: CardId; after?: CardId }): Promise<Result<SubmitOutcome>> {
    const back = this.placeOf(id);
    const result = await this.submitMove(id, column, place);
    const card = this.cardById.get(id);
    const to = this.columns.find((c) => c.id === column)?.title;
    if (result.status === "ok" && back && card && to && (back.column !== column || !back.unchanged(place))) {
      const from = this.columns.find((c) => c.id === back.column)?.title ?? "its column";
      const undo = () => {
        if (this.undoMove !== undo) return;
        this.undoMove = null;
        void this.submitMove(id, back.column, back.place);
        toast(`«${card.title}» is back in ${from}`);
      };
      this.undoMove = undo;
      toast(`Moved «${card.title}» to ${to}`, "notice", 10_000, { label: "Undo", run: undo });
    }
    return result;
  }

  private submitMove(id: CardId, column: ColumnId, place: { before?: CardId; after?: CardId }): Promise<Result<SubmitOutcome>> {
    return this.store.submit({
      kind: "update_card",
      card: id,
      patch: { column_id: column, before: place.before ?? null, after: place.after ?? null },
      base: null,
    });
  }

  /** Undoes my last card move (Ctrl/Cmd+Z), if there is one to undo. */
  undoMove: (() => void) | null = null;

  /** Where a card is now, as a move's target: its column and a neighbour to go back next to. */
  private placeOf(id: CardId): { column: ColumnId; place: { before?: CardId; after?: CardId }; unchanged: (p: { before?: CardId; after?: CardId }) => boolean } | null {
    const card = this.cardById.get(id);
    if (!card) return null;
    const siblings = this.cardsOf(card.column_id);
    const at = siblings.findIndex((c) => c.id === id);
    const above = siblings[at - 1]?.id;
    const below = siblings[at + 1]?.id;
    return {
      column: card.column_id,
      place: above ? { after: above } : below ? { before: below } : {},
      // The same place: just after the card above it, or just before the card below it.
      unchanged: (p) => (!!above && p.after === above) || (!!below && p.before === below),
    };
  }

  /** Edits fields of a card (title, description, labels, assignee, due date). */
  updateCard(id: CardId, patch: UpdateCard): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_card", card: id, patch, base: null });
  }

  deleteCard(id: CardId): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "delete_card", card: id });
  }

  /** Writes a comment on a card (its id chosen here, so it can be edited before the host has it). */
  addComment(card: CardId, body: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_comment", card, comment: { id: uuidv7(), body } });
  }

  editComment(id: CommentId, body: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_comment", comment: id, patch: { body } });
  }

  deleteComment(id: CommentId): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "delete_comment", comment: id });
  }

  /** Adds a checklist at the end of a card's (its id chosen here, so items can be added at once). */
  addChecklist(card: CardId, title: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_checklist", card, checklist: { id: uuidv7(), title } });
  }

  updateChecklist(id: ChecklistId, patch: UpdateChecklist): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_checklist", checklist: id, patch });
  }

  deleteChecklist(id: ChecklistId): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "delete_checklist", checklist: id });
  }

  /** Adds an item (at the end unless placed). */
  addItem(checklist: ChecklistId, text: string, place: { before?: ItemId; after?: ItemId } = {}): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_item", checklist, item: { id: uuidv7(), text, ...place } });
  }

  /** Edits, ticks or moves an item. */
  updateItem(checklist: ChecklistId, item: ItemId, patch: UpdateItem): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_item", checklist, item, patch });
  }

  deleteItem(checklist: ChecklistId, item: ItemId): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "delete_item", checklist, item });
  }

  /** Sends a change that could not be applied again, on top of the board as it is now. */
  applyAgain(key: string): Promise<Result<SubmitOutcome>> {
    return commands.applyChangeAgain(key);
  }

  /** Drops a change that could not be applied. */
  discard(key: string): Promise<Result<null>> {
    return commands.discardChange(key);
  }
}
