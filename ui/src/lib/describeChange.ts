// Changes in words, for the "could not apply" list: the sentence for what the person tried (`describeChange`), the
// fields it sets as theirs next to what the board has now (`fieldRows`), and why the host did not apply it
// (`reasonOf`). Pure: names come in through `Names`, so the tests need no board.

import type {
  AppErrorCode,
  Card,
  CardId,
  Column,
  ColumnId,
  Label,
  Member,
  MemberId,
  Mutation,
  UpdateCard,
  UpdateColumn,
} from "../bindings";
import { shortDate } from "./format";

/** How the sentences name what a change is about: titles and names as the board has them now. */
export interface Names {
  board(): string | undefined;
  card(id: CardId): string | undefined;
  column(id: ColumnId): string | undefined;
  member(id: MemberId): string | undefined;
}

/** The board's parts that give names: the model's own maps, read as they are. */
export interface NamedBoard {
  board: { name: string };
  cardById: ReadonlyMap<CardId, Card>;
  columns: readonly Column[];
  memberById: ReadonlyMap<MemberId, Member>;
}

/** Names from the board, and from `changes` for what they create (a column made offline whose creation failed is
 *  on no board, yet the changes after it name it). */
export function namesOf(board: NamedBoard, changes: readonly Mutation[] = []): Names {
  const createdCards = new Map<CardId, string>();
  const createdColumns = new Map<ColumnId, string>();
  for (const m of changes) {
    if (m.kind === "create_card" && m.card.id) createdCards.set(m.card.id, m.card.title);
    if (m.kind === "create_column" && m.column.id) createdColumns.set(m.column.id, m.column.title);
  }
  return {
    board: () => board.board.name,
    card: (id) => board.cardById.get(id)?.title ?? createdCards.get(id),
    column: (id) => board.columns.find((c) => c.id === id)?.title ?? createdColumns.get(id),
    member: (id) => board.memberById.get(id)?.name,
  };
}

const GONE_CARD = "a card that is no longer on the board";
const GONE_COLUMN = "a column that is no longer on the board";
const GONE_MEMBER = "someone who left the board";

/** «Title», the way every sentence quotes what a person typed. */
function quote(text: string): string {
  return `«${text}»`;
}

function cardName(id: CardId, names: Names, seen?: Card | null): string {
  const title = seen?.title ?? names.card(id);
  return title === undefined ? GONE_CARD : quote(title);
}

/** The sentence for what the person tried: "Rename «Buy milk» to «Buy oat milk»", "Move «Plan» to Done". `now`
 *  dates say "24 Dec" (with the year when it is another year). */
export function describeChange(mutation: Mutation, names: Names, now = new Date()): string {
  switch (mutation.kind) {
    case "rename_board":
      return `Rename the board to ${quote(mutation.name)}`;
    case "create_column":
      return `Add the column ${quote(mutation.column.title)}`;
    case "update_column":
      return describeColumnEdit(mutation.column, mutation.patch, names);
    case "delete_column": {
      const title = names.column(mutation.column);
      return title === undefined ? `Delete ${GONE_COLUMN}` : `Delete the column ${quote(title)}`;
    }
    case "create_card":
      return `Add the card ${quote(mutation.card.title)} to ${names.column(mutation.column) ?? GONE_COLUMN}`;
    case "update_card":
      return describeCardEdit(mutation.card, mutation.patch, mutation.base, names, now);
    case "delete_card": {
      const title = names.card(mutation.card);
      return title === undefined ? `Delete ${GONE_CARD}` : `Delete the card ${quote(title)}`;
    }
    case "create_comment":
      return `Comment ${quote(excerpt(mutation.comment.body))} on ${cardName(mutation.card, names)}`;
    case "update_comment":
      return `Edit a comment to ${quote(excerpt(mutation.patch.body))}`;
    case "delete_comment":
      return "Delete a comment";
    case "create_checklist":
      return `Add the checklist ${quote(mutation.checklist.title)} to ${cardName(mutation.card, names)}`;
    case "update_checklist":
      return mutation.patch.title ? `Rename a checklist to ${quote(mutation.patch.title)}` : "Move a checklist";
    case "delete_checklist":
      return "Delete a checklist";
    case "create_item":
      return `Add ${quote(excerpt(mutation.item.text))} to a checklist`;
    case "update_item": {
      const p = mutation.patch;
      if (p.text) return `Change a checklist item to ${quote(excerpt(p.text))}`;
      if (p.done != null) return p.done ? "Tick a checklist item" : "Untick a checklist item";
      return "Move a checklist item";
    }
    case "delete_item":
      return "Delete a checklist item";
    case "empty_trash":
      return "Empty the trash";
    case "create_label":
      return `Add the label ${quote(mutation.label.name)}`;
    case "update_label": {
      const p = mutation.patch;
      if (p.name && p.name !== mutation.name) return `Rename the label ${quote(mutation.name)} to ${quote(p.name)}`;
      return `Change the colour of the label ${quote(mutation.name)}`;
    }
    case "delete_label":
      return `Remove the label ${quote(mutation.name)}`;
    default: {
      const unplaced: never = mutation;
      return unplaced;
    }
  }
}

/** A comment's first line, cut to fit a sentence. */
function excerpt(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

function describeColumnEdit(id: ColumnId, patch: UpdateColumn, names: Names): string {
  const title = names.column(id);
  const it = title === undefined ? GONE_COLUMN : `the column ${quote(title)}`;
  const moves = !!(patch.before || patch.after);
  const neighbour = (other: ColumnId) => {
    const title = names.column(other);
    return title === undefined ? GONE_COLUMN : quote(title);
  };
  const where = patch.before
    ? `before ${neighbour(patch.before)}`
    : patch.after
      ? `after ${neighbour(patch.after)}`
      : "";
  if (patch.title != null) {
    const rename = `Rename ${it} to ${quote(patch.title)}`;
    return moves ? `${rename} and move it ${where}` : rename;
  }
  if (moves) return `Move ${it} ${where}`;
  const shelf = shelfChange(patch);
  if (shelf) return `${shelf} ${it}`;
  return `Change ${it}`;
}

/** The verb of an edit that archives, restores or moves to the trash ("Archive", "Restore"), if it does. */
function shelfChange(patch: { archived?: boolean | null; trashed?: boolean | null }): string | null {
  if (patch.trashed === true) return "Delete";
  if (patch.trashed === false) return "Restore";
  if (patch.archived === true) return "Archive";
  if (patch.archived === false) return "Take out of the archive";
  return null;
}

/** The fields of a card an edit sets, in the order the card dialog shows them. */
type CardField = "title" | "description" | "labels" | "assignees" | "due date";

function fieldsOf(patch: UpdateCard): CardField[] {
  const fields: CardField[] = [];
  if (patch.title != null) fields.push("title");
  if (patch.description !== undefined) fields.push("description");
  if (patch.labels !== undefined) fields.push("labels");
  if (patch.assignee_ids !== undefined) fields.push("assignees");
  if (patch.due_date !== undefined) fields.push("due date");
  return fields;
}

/** "title", "title and due date", "title, labels and due date". */
function listOf(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function describeCardEdit(id: CardId, patch: UpdateCard, base: Card | null, names: Names, now: Date): string {
  const card = cardName(id, names, base);
  const fields = fieldsOf(patch);
  const target = patch.column_id ?? null;
  const moves = target !== null || !!patch.before || !!patch.after;
  // Where it goes: another column by name, or a new place in the column it is in.
  const within = target === null || (base !== null && base.column_id === target);
  const place = within ? "within its column" : `to ${names.column(target) ?? GONE_COLUMN}`;

  const shelf = shelfChange(patch);
  if (fields.length === 0 && shelf && !moves) return `${shelf} ${card}`;
  if (fields.length === 0) return moves ? `Move ${card} ${place}` : `Change ${card}`;
  const edit =
    fields.length === 1
      ? oneField(fields[0], card, patch, base, names, now)
      : `Change the ${listOf(fields)} of ${card}`;
  return moves ? `${edit} and move it ${place}` : edit;
}

function oneField(
  field: CardField,
  card: string,
  patch: UpdateCard,
  base: Card | null,
  names: Names,
  now: Date,
): string {
  switch (field) {
    case "title":
      return `Rename ${card} to ${quote(patch.title!)}`;
    case "description":
      return patch.description ? `Edit the description of ${card}` : `Clear the description of ${card}`;
    case "labels":
      return describeLabels(card, patch.labels ?? [], base?.labels ?? null);
    case "assignees":
      return describeAssignees(card, patch.assignee_ids ?? [], base?.assignee_ids ?? null, names);
    case "due date":
      return patch.due_date
        ? `Set the due date of ${card} to ${shortDate(patch.due_date, now)}`
        : `Clear the due date of ${card}`;
  }
}

/** One person added or removed when that is all that changed from what the person saw; else the new list. */
function describeAssignees(card: string, mine: MemberId[], before: MemberId[] | null, names: Names): string {
  const name = (id: MemberId) => names.member(id) ?? GONE_MEMBER;
  if (mine.length === 0) return `Unassign everyone from ${card}`;
  if (before) {
    const added = mine.filter((m) => !before.includes(m));
    const removed = before.filter((m) => !mine.includes(m));
    if (added.length === 1 && removed.length === 0) return `Assign ${name(added[0])} to ${card}`;
    if (removed.length === 1 && added.length === 0) return `Unassign ${name(removed[0])} from ${card}`;
  }
  return `Assign ${card} to ${listOf(mine.map(name))}`;
}

/** A label added or removed by name when that is all that changed from what the person saw; else the new set. */
function describeLabels(card: string, mine: Label[], before: Label[] | null): string {
  if (mine.length === 0) return `Remove every label from ${card}`;
  if (before) {
    const key = (l: Label) => `${l.name}\u0000${l.color}`;
    const had = new Set(before.map(key));
    const has = new Set(mine.map(key));
    const added = mine.filter((l) => !had.has(key(l)));
    const removed = before.filter((l) => !has.has(key(l)));
    if (added.length === 1 && removed.length === 0) return `Add the label ${quote(added[0].name)} to ${card}`;
    if (removed.length === 1 && added.length === 0) return `Remove the label ${quote(removed[0].name)} from ${card}`;
  }
  return `Set the labels of ${card} to ${labelNames(mine)}`;
}

function labelNames(labels: Label[]): string {
  return labels.map((l) => l.name).join(", ");
}

// ----------------------------------------------------------------------------------------------------------------
// Mine next to now.

/** One field a change sets: my value next to the board's, both as a person reads them. */
export interface FieldRow {
  field: string;
  mine: string;
  now: string;
}

/** What "now" says when the card or column is no longer on the board. */
export const NOT_ON_BOARD = "No longer on the board";

const DESCRIPTION_LENGTH = 80;

function descriptionText(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (!line) return "No description";
  return line.length > DESCRIPTION_LENGTH ? `${line.slice(0, DESCRIPTION_LENGTH - 1)}…` : line;
}

/** The fields a change sets, mine next to now. For a card edit `current` is the card as the board has it now
 *  (null: it is gone); other changes read the board through `names`. Creates and deletes set nothing to compare. */
export function fieldRows(mutation: Mutation, current: Card | null, names: Names, now = new Date()): FieldRow[] {
  switch (mutation.kind) {
    case "rename_board":
      return [{ field: "Board name", mine: mutation.name, now: names.board() ?? NOT_ON_BOARD }];
    case "update_column": {
      if (mutation.patch.title == null) return [];
      const title = names.column(mutation.column) ?? NOT_ON_BOARD;
      return [{ field: "Column title", mine: mutation.patch.title, now: title }];
    }
    case "update_card":
      return cardRows(mutation.patch, mutation.base, current, names, now);
    case "create_column":
    case "delete_column":
    case "create_card":
    case "delete_card":
    case "create_comment":
    case "update_comment":
    case "delete_comment":
    case "create_checklist":
    case "update_checklist":
    case "delete_checklist":
    case "create_item":
    case "update_item":
    case "delete_item":
    case "empty_trash":
    case "create_label":
    case "update_label":
    case "delete_label":
      return [];
    default: {
      const unplaced: never = mutation;
      return unplaced;
    }
  }
}

function cardRows(patch: UpdateCard, base: Card | null, current: Card | null, names: Names, now: Date): FieldRow[] {
  const rows: FieldRow[] = [];
  const add = (field: string, mine: string, read: (card: Card) => string) =>
    rows.push({ field, mine, now: current ? read(current) : NOT_ON_BOARD });
  const people = (ids: MemberId[] | null | undefined) =>
    ids?.length ? listOf(ids.map((id) => names.member(id) ?? GONE_MEMBER)) : "Nobody";
  const date = (due: string | null) => (due ? shortDate(due, now) : "No due date");
  const labels = (list: Label[]) => (list.length ? labelNames(list) : "No labels");

  if (patch.title != null) add("Title", patch.title, (c) => c.title);
  if (patch.description !== undefined) {
    add("Description", descriptionText(patch.description ?? ""), (c) => descriptionText(c.description));
  }
  if (patch.labels !== undefined) add("Labels", labels(patch.labels ?? []), (c) => labels(c.labels));
  if (patch.assignee_ids !== undefined) add("Assignees", people(patch.assignee_ids), (c) => people(c.assignee_ids));
  if (patch.due_date !== undefined) add("Due date", date(patch.due_date), (c) => date(c.due_date));
  if (patch.column_id != null && (base === null || base.column_id !== patch.column_id)) {
    add("Column", names.column(patch.column_id) ?? NOT_ON_BOARD, (c) => names.column(c.column_id) ?? NOT_ON_BOARD);
  }
  return rows;
}

// ----------------------------------------------------------------------------------------------------------------
// Why.

/** Why the host did not apply a change, as a sentence: the host's message, or (when it sent none a person can
 *  read) a sentence for its code. */
export function reasonOf(failure: { code: AppErrorCode | null; message: string }): string {
  const message = failure.message.trim();
  if (message && !looksRaw(message)) return asSentence(message);
  return failure.code ? reasonForCode(failure.code) : "The host could not apply it.";
}

/** A status line, a JSON body or an address is not something to show a person. */
function looksRaw(message: string): boolean {
  return /^the host answered \d{3}\b/i.test(message) || /^[[{]/.test(message) || /\bhttps?:\/\//.test(message);
}

/** "card not found" → "Card not found." */
function asSentence(text: string): string {
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

function reasonForCode(code: AppErrorCode): string {
  switch (code) {
    case "version_conflict":
      return "A teammate changed the same thing meanwhile.";
    case "not_found":
    case "gone":
      return "It is no longer on the board: a teammate deleted it.";
    case "validation_failed":
    case "malformed_json":
    case "payload_too_large":
    case "unsupported_media_type":
      return "The board changed under it, so the host could not apply it.";
    case "id_taken":
      return "Something else on the board already has its id.";
    case "board_moved":
      return "The board moved to another computer before it got there.";
    case "limit_reached":
      return "The board is full: it reached its limit of columns, cards or description text.";
    case "unauthorized":
    case "forbidden":
      return "The host did not allow it.";
    case "network":
    case "unavailable":
    case "rate_limited":
      return "The host could not take it just then.";
    case "write_failed":
      return "The host's computer could not save it: its disk is full or failing.";
    case "room_not_found":
    case "method_not_allowed":
    case "idempotency_key_reused":
    case "upgrade_required":
    case "tls_required":
    case "internal":
    case "not_open":
    case "not_hosting":
    case "not_sharing":
    case "storage":
    case "protocol":
    case "server_start":
    case "identity_changed":
    case "confirm_host":
    case "wrong_host":
    case "discovery_locked":
    case "cancelled":
    case "copy_incomplete":
    case "history_compacted":
    case "changes_failed":
      return "The host could not apply it.";
    default: {
      const unplaced: never = code;
      return unplaced;
    }
  }
}
