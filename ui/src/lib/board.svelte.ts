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
  type ChecklistItem,
  type Comment,
  type CommentId,
  type ItemId,
  type ConnectionView,
  type HeldView,
  type Member,
  type MemberId,
  type PresenceEntry,
  type SubmitOutcome,
  type UpdateCard,
  type UpdateChecklist,
  type UpdateItem,
  type UpdateLabel,
  type Label,
} from "../bindings";
import { BoardStore, NO_CARDS, type FailedChange, type Result, type Shelved } from "./boardStore";
import { uuidv7 } from "./mutations";
import { dismiss, toast } from "./toasts.svelte";

/** The shared empty list of comments, so a card without any compares equal from one render to the next. */
const NO_COMMENTS: Comment[] = Object.freeze([]) as unknown as Comment[];
const NO_CHECKLISTS: Checklist[] = Object.freeze([]) as unknown as Checklist[];

/** Who (other than me) has each card open. */
export type Viewers = Map<CardId, Member[]>;

export class BoardModel {
  readonly store: BoardStore;

  board = $state.raw<Board>(undefined as unknown as Board);
  /** The columns on the board. */
  columns = $state.raw<Column[]>([]);
  /** Every column, archived and in the trash too. */
  allColumns = $state.raw<Column[]>([]);
  /** The archive and the trash, newest first. */
  archived = $state.raw<Shelved[]>([]);
  trashed = $state.raw<Shelved[]>([]);
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
  /** Why the host did not run a waiting change, if it said (its disk full, busy). */
  held = $state.raw<HeldView | null>(null);
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
    this.allColumns = v.allColumns;
    this.archived = v.archived;
    this.trashed = v.trashed;
    this.byColumn = v.byColumn;
    this.cardById = v.cardById;
    this.members = v.members;
    this.memberById = v.memberById;
    this.commentsByCard = v.commentsByCard;
    this.checklistsByCard = v.checklistsByCard;
    this.pendingComments = v.pendingComments;
    this.pendingCards = v.pendingCards;
    this.waiting = v.waiting;
    this.held = v.held;
    this.failed = v.failed;
    this.presence = this.store.presence;
    this.connection = this.store.connection;
    this.lastEventAt = this.store.lastEventAt;
  }

  dispose(): void {
    this.unsubscribe();
    this.store.detach();
  }

  /** What to call the member who made a change, in a sentence about it ("A teammate" if the board does not know them). */
  nameOf(member: MemberId): string {
    return this.memberById.get(member)?.name ?? "A teammate";
  }

  /** The members on a card (an id of someone no longer on the board is left out). */
  peopleOf(card: Card): Member[] {
    const people: Member[] = [];
    for (const id of card.assignee_ids ?? []) {
      const m = this.memberById.get(id);
      if (m) people.push(m);
    }
    return people;
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

  /** Moves a column to the trash with its cards; Undo (the toast's, or Ctrl/Cmd+Z) brings them all back. */
  async deleteColumn(id: ColumnId): Promise<Result<SubmitOutcome>> {
    const column = this.allColumns.find((c) => c.id === id);
    const cards = this.cardsOf(id).length;
    const result = await this.store.submit({ kind: "delete_column", column: id });
    if (result.status === "ok" && column) {
      const what = cards ? `«${column.title}» and its ${cards === 1 ? "card" : `${cards} cards`}` : `«${column.title}»`;
      this.undoable(`Moved ${what} to the trash`, () => {
        void this.restoreColumn(id);
        toast(`«${column.title}» is back${cards ? " with its cards" : ""}`);
      });
    }
    return result;
  }

  /** Archives a column with its cards (they leave the board until it is taken out of the archive). */
  async archiveColumn(id: ColumnId): Promise<Result<SubmitOutcome>> {
    const column = this.allColumns.find((c) => c.id === id);
    const result = await this.shelveColumn(id, { archived: true });
    if (result.status === "ok" && column) {
      this.undoable(`Archived «${column.title}»`, () => {
        void this.shelveColumn(id, { archived: false });
        toast(`«${column.title}» is back on the board`);
      });
    }
    return result;
  }

  /** Brings a column back from the trash and the archive, with its cards. */
  restoreColumn(id: ColumnId): Promise<Result<SubmitOutcome>> {
    const column = this.allColumns.find((c) => c.id === id);
    const patch = { trashed: column?.trashed_at ? false : null, archived: column?.archived_at ? false : null };
    return this.shelveColumn(id, patch);
  }

  private shelveColumn(id: ColumnId, patch: { archived?: boolean | null; trashed?: boolean | null }): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_column", column: id, patch });
  }

  /** Defines a label on the board. */
  createLabel(label: Label): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_label", board: this.board.id, label });
  }

  /** Renames and/or recolours one of the board's labels (every card carrying it follows). */
  updateLabel(name: string, patch: UpdateLabel): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_label", board: this.board.id, name, patch });
  }

  /** Removes one of the board's labels (from every card too). */
  deleteLabel(name: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "delete_label", board: this.board.id, name });
  }

  /** Deletes for good everything in the trash (the host only; the window asks first). */
  emptyTrash(): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "empty_trash", board: this.board.id });
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
      this.undoable(`Moved «${card.title}» to ${to}`, () => {
        void this.submitMove(id, back.column, back.place);
        toast(`«${card.title}» is back in ${from}`);
      });
    }
    return result;
  }

  /** Offers `undo`: the toast saying `done` for 10 s, and Ctrl/Cmd+Z until my next undoable change. Each undo
   *  runs once, from either. */
  private undoable(done: string, undo: () => void): void {
    let ran = false;
    const run = () => {
      if (this.undoLast === run) this.undoLast = null;
      dismiss(shown);
      if (ran) return;
      ran = true;
      undo();
    };
    this.undoLast = run;
    const shown = toast(done, "notice", 10_000, { label: "Undo", run });
  }

  private submitMove(id: CardId, column: ColumnId, place: { before?: CardId; after?: CardId }): Promise<Result<SubmitOutcome>> {
    return this.store.submit({
      kind: "update_card",
      card: id,
      patch: { column_id: column, before: place.before ?? null, after: place.after ?? null },
      base: null,
    });
  }

  /** Undoes my last move, edit, archive or delete (Ctrl/Cmd+Z), if there is one to undo. */
  undoLast: (() => void) | null = null;

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

  /** Edits fields of a card (title, description, labels, assignees, due date). `base` is the card as the person
   *  saw it (by default as this window has it now): a teammate's change meanwhile to a field the edit sets is
   *  refused as `version_conflict`, with the card as it is. Ctrl/Cmd+Z (outside a text field) puts back what the
   *  fields were. */
  async updateCard(id: CardId, patch: UpdateCard, base: Card | null = null): Promise<Result<SubmitOutcome>> {
    const before = this.cardById.get(id);
    const result = await this.store.submit({ kind: "update_card", card: id, patch, base });
    if (result.status === "ok" && before) {
      const back = inverse(before, patch);
      const run = () => {
        if (this.undoLast !== run) return;
        this.undoLast = null;
        void this.store.submit({ kind: "update_card", card: id, patch: back, base: null });
        toast(`Undid the change to «${before.title}»`);
      };
      this.undoLast = run;
    }
    return result;
  }

  /** Moves a card to the trash; Undo (the toast's, or Ctrl/Cmd+Z) brings it back. */
  async deleteCard(id: CardId): Promise<Result<SubmitOutcome>> {
    const card = this.cardById.get(id);
    const result = await this.store.submit({ kind: "delete_card", card: id });
    if (result.status === "ok" && card) {
      this.undoable(`Moved «${card.title}» to the trash`, () => {
        void this.shelveCard(id, { trashed: false });
        toast(`«${card.title}» is back`);
      });
    }
    return result;
  }

  /** Archives a card: it leaves the board, kept in the archive; Undo brings it back. */
  async archiveCard(id: CardId): Promise<Result<SubmitOutcome>> {
    const card = this.cardById.get(id);
    const result = await this.shelveCard(id, { archived: true });
    if (result.status === "ok" && card) {
      this.undoable(`Archived «${card.title}»`, () => {
        void this.shelveCard(id, { archived: false });
        toast(`«${card.title}» is back on the board`);
      });
    }
    return result;
  }

  /** Brings a card back from the trash and the archive (to the first column if its own is not on the board). */
  restoreCard(id: CardId): Promise<Result<SubmitOutcome>> {
    const card = this.cardById.get(id);
    return this.shelveCard(id, { trashed: card?.trashed_at ? false : null, archived: card?.archived_at ? false : null });
  }

  private shelveCard(id: CardId, patch: { archived?: boolean | null; trashed?: boolean | null }): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_card", card: id, patch, base: null });
  }

  /** Writes a comment on a card (its id chosen here, so it can be edited before the host has it). */
  addComment(card: CardId, body: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_comment", card, comment: { id: uuidv7(), body } });
  }

  editComment(id: CommentId, body: string): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_comment", comment: id, patch: { body } });
  }

  /** Deletes a comment. One's own can be undone (the toast's Undo, or Ctrl/Cmd+Z): it is written again. */
  async deleteComment(id: CommentId): Promise<Result<SubmitOutcome>> {
    const comment = [...this.commentsByCard.values()].flat().find((c) => c.id === id);
    const result = await this.store.submit({ kind: "delete_comment", comment: id });
    if (result.status === "ok" && comment && comment.author_id === this.me.id) {
      this.undoable("Deleted your comment", () => void this.addComment(comment.card_id, comment.body));
    }
    return result;
  }

  /** Adds a checklist at the end of a card's (its id chosen here, so items can be added at once). */
  addChecklist(card: CardId, title: string, id: ChecklistId = uuidv7()): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_checklist", card, checklist: { id, title } });
  }

  updateChecklist(id: ChecklistId, patch: UpdateChecklist): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_checklist", checklist: id, patch });
  }

  /** Deletes a checklist with its items; Undo makes it again, items and ticks included (at the card's end). */
  async deleteChecklist(id: ChecklistId): Promise<Result<SubmitOutcome>> {
    const list = [...this.checklistsByCard.values()].flat().find((c) => c.id === id);
    const result = await this.store.submit({ kind: "delete_checklist", checklist: id });
    if (result.status === "ok" && list) {
      this.undoable(`Deleted the checklist «${list.title}»`, () => {
        // Handed in order: the checklist first, then its items in their order, each ticked if it was.
        const again = uuidv7();
        void this.store.submit({ kind: "create_checklist", card: list.card_id, checklist: { id: again, title: list.title } });
        for (const item of list.items) this.restoreItem(again, item, {});
      });
    }
    return result;
  }

  /** Makes `item` again on `checklist` at `place`, ticked if it was. */
  private restoreItem(checklist: ChecklistId, item: ChecklistItem, place: { before?: ItemId; after?: ItemId }): void {
    const id = uuidv7();
    void this.store.submit({ kind: "create_item", checklist, item: { id, text: item.text, ...place } });
    if (item.done) void this.store.submit({ kind: "update_item", checklist, item: id, patch: { done: true } });
  }

  /** Adds an item (at the end unless placed). */
  addItem(checklist: ChecklistId, text: string, place: { before?: ItemId; after?: ItemId } = {}): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "create_item", checklist, item: { id: uuidv7(), text, ...place } });
  }

  /** Edits, ticks or moves an item. */
  updateItem(checklist: ChecklistId, item: ItemId, patch: UpdateItem): Promise<Result<SubmitOutcome>> {
    return this.store.submit({ kind: "update_item", checklist, item, patch });
  }

  /** Deletes a checklist item; Undo puts it back where it was. */
  async deleteItem(checklist: ChecklistId, item: ItemId): Promise<Result<SubmitOutcome>> {
    const items = [...this.checklistsByCard.values()].flat().find((c) => c.id === checklist)?.items ?? [];
    const at = items.findIndex((i) => i.id === item);
    const gone = items[at];
    const above = items[at - 1]?.id;
    const below = items[at + 1]?.id;
    const result = await this.store.submit({ kind: "delete_item", checklist, item });
    if (result.status === "ok" && gone) {
      this.undoable(`Deleted «${gone.text}»`, () => {
        this.restoreItem(checklist, gone, above ? { after: above } : below ? { before: below } : {});
      });
    }
    return result;
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

/** The edit that puts back what `patch` changes on `card`. */
function inverse(card: Card, patch: UpdateCard): UpdateCard {
  const back: UpdateCard = {};
  if (patch.title != null) back.title = card.title;
  if (patch.description !== undefined) back.description = card.description;
  if (patch.labels !== undefined) back.labels = card.labels;
  if (patch.assignee_ids !== undefined) back.assignee_ids = card.assignee_ids ?? [];
  if (patch.due_date !== undefined) back.due_date = card.due_date;
  return back;
}
