// The board's activity, told from its event log: one sentence per event ("Ada moved «Ship it» from Todo to
// Doing"), written with what the events before it said, so a move names the column it left and a deleted card its
// title. `Story` reads events in seq order (a loaded page, then live ones) and keeps what it needs to remember.

import type { CardId, Checklist, ChecklistId, ColumnId, Event, Label, MemberId } from "../bindings";

export interface Entry {
  seq: number;
  at: string;
  actor: MemberId;
  /** What the actor did, after their name: "moved «Ship it» from Todo to Doing". */
  text: string;
  /** The card it is about, for a card's own activity. */
  card: CardId | null;
}

const quote = (text: string) => `«${text}»`;

type Shelf = "" | "archived" | "trashed";

/** What changed in a board's labels: "added the label «bug»", "renamed the label «bug» to «defect»". */
function labelChange(before: Label[], after: Label[]): string | null {
  const key = (l: Label) => l.name.toLowerCase();
  const added = after.filter((l) => !before.some((b) => key(b) === key(l)));
  const removed = before.filter((l) => !after.some((a) => key(a) === key(l)));
  if (added.length === 1 && removed.length === 1) return `renamed the label ${quote(removed[0].name)} to ${quote(added[0].name)}`;
  if (added.length === 1 && !removed.length) return `added the label ${quote(added[0].name)}`;
  if (removed.length === 1 && !added.length) return `removed the label ${quote(removed[0].name)}`;
  const recoloured = after.find((l) => before.some((b) => key(b) === key(l) && b.color !== l.color));
  if (recoloured && !added.length && !removed.length) return `changed the colour of the label ${quote(recoloured.name)}`;
  if (added.length || removed.length) return "changed the board's labels";
  return null;
}

/** "archived «Plan»", "moved «Plan» to the trash", "restored «Plan»". */
function shelfSentence([before, after]: [Shelf, Shelf], what: string): string {
  if (after === "trashed") return `moved ${what} to the trash`;
  if (after === "archived") return `archived ${what}`;
  return before === "trashed" ? `restored ${what} from the trash` : `took ${what} out of the archive`;
}

function excerpt(text: string, max = 60): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Remembers, event after event, what the sentences need: titles, columns, checklists, member names. */
export class Story {
  private cards = new Map<CardId, { title: string; column: ColumnId; people: MemberId[]; labels: string[] }>();
  private columns = new Map<ColumnId, string>();
  private lists = new Map<ChecklistId, Checklist>();
  private members = new Map<MemberId, string>();
  /** The board's name and labels, once an event told them. */
  private board: { name: string; labels: Label[] } | null = null;
  /** Where each card and column was: "" on the board, "archived" or "trashed". */
  private shelf = new Map<string, Shelf>();

  /** Names known before the first event read (the board as it is now), used when the events do not say. */
  constructor(
    private readonly now: {
      card(id: CardId): { title: string; column_id: ColumnId } | undefined;
      column(id: ColumnId): string | undefined;
      member(id: MemberId): string | undefined;
    },
  ) {}

  /** A member's name, as the events or the board know it. */
  name(id: MemberId): string {
    return this.members.get(id) ?? this.now.member(id) ?? "A former member";
  }

  private cardTitle(id: CardId): string {
    return quote(this.cards.get(id)?.title ?? this.now.card(id)?.title ?? "a card");
  }

  private columnTitle(id: ColumnId): string {
    return quote(this.columns.get(id) ?? this.now.column(id) ?? "a column");
  }

  /** Notes where a card or column is now; answers how it moved between the board, the archive and the trash (null
   *  if it did not, or if this is the first the story hears of it and it is on the board). */
  private shelved(id: string, now: { archived_at?: string | null; trashed_at?: string | null }): [Shelf, Shelf] | null {
    const after: Shelf = now.trashed_at ? "trashed" : now.archived_at ? "archived" : "";
    const before = this.shelf.get(id) ?? "";
    this.shelf.set(id, after);
    return before === after ? null : [before, after];
  }

  /** The entry for the next event (in seq order), or null for one that tells nothing worth a line. */
  tell(e: Event): Entry | null {
    const entry = (text: string, card: CardId | null = null): Entry => ({ seq: e.seq, at: e.at, actor: e.actor, text, card });
    switch (e.kind) {
      case "board.created":
        this.board = { name: e.data.name, labels: e.data.labels ?? [] };
        return entry("created the board");
      case "board.updated": {
        const before = this.board;
        const labels = e.data.labels ?? [];
        this.board = { name: e.data.name, labels };
        if (before && before.name === e.data.name) {
          const said = labelChange(before.labels, labels);
          if (said) return entry(said);
        }
        return entry(`renamed the board to ${quote(e.data.name)}`);
      }
      case "room_code.rotated":
        return entry("changed the room code");
      case "board.handoff_offered":
        return entry(e.data.member_id ? `offered to hand the board to ${this.name(e.data.member_id)}` : "withdrew the handoff offer");
      case "board.moved":
        return entry(`handed the board to ${this.name(e.data.host)}'s computer`);
      case "board.rehosted":
        return entry("hosted the board from their copy");
      case "column.created":
        this.columns.set(e.data.id, e.data.title);
        return entry(`added the column ${quote(e.data.title)}`);
      case "column.updated": {
        const before = this.columns.get(e.data.id);
        this.columns.set(e.data.id, e.data.title);
        const moved = this.shelved(e.data.id, e.data);
        if (moved) return entry(shelfSentence(moved, `the column ${quote(e.data.title)}`));
        return entry(
          before !== undefined && before !== e.data.title
            ? `renamed the column ${quote(before)} to ${quote(e.data.title)}`
            : `moved the column ${quote(e.data.title)}`,
        );
      }
      case "column.deleted":
        return entry(`deleted the column ${this.columnTitle(e.data.id)} and its cards for good`);
      case "card.created":
        this.cards.set(e.data.id, {
          title: e.data.title,
          column: e.data.column_id,
          people: e.data.assignee_ids ?? [],
          labels: e.data.labels.map((l) => l.name),
        });
        return entry(`added ${quote(e.data.title)} to ${this.columnTitle(e.data.column_id)}`, e.data.id);
      case "card.updated": {
        const before = this.cards.get(e.data.id);
        const people = e.data.assignee_ids ?? [];
        const labels = e.data.labels.map((l) => l.name);
        this.cards.set(e.data.id, { title: e.data.title, column: e.data.column_id, people, labels });
        const card = quote(e.data.title);
        const moved = this.shelved(e.data.id, e.data);
        if (moved) return entry(shelfSentence(moved, card), e.data.id);
        if (before && before.column !== e.data.column_id) {
          return entry(`moved ${card} from ${this.columnTitle(before.column)} to ${this.columnTitle(e.data.column_id)}`, e.data.id);
        }
        if (before && before.title !== e.data.title) return entry(`renamed ${quote(before.title)} to ${card}`, e.data.id);
        if (before) {
          const added = people.filter((m) => !before.people.includes(m));
          const removed = before.people.filter((m) => !people.includes(m));
          const names = (ids: MemberId[]) => ids.map((m) => (m === e.actor ? "themself" : this.name(m))).join(" and ");
          if (added.length && !removed.length) return entry(`assigned ${names(added)} to ${card}`, e.data.id);
          if (removed.length && !added.length) return entry(`unassigned ${names(removed)} from ${card}`, e.data.id);
          const put = labels.filter((l) => !before.labels.includes(l));
          const taken = before.labels.filter((l) => !labels.includes(l));
          if (put.length === 1 && !taken.length) return entry(`put the label ${quote(put[0])} on ${card}`, e.data.id);
          if (taken.length === 1 && !put.length) return entry(`took the label ${quote(taken[0])} off ${card}`, e.data.id);
        }
        return entry(`edited ${card}`, e.data.id);
      }
      case "card.deleted":
        return entry(`deleted ${this.cardTitle(e.data.id)} for good`, e.data.id);
      case "member.joined":
        this.members.set(e.data.id, e.data.name);
        return entry("joined the board");
      case "member.removed":
        return entry(`removed ${this.name(e.data.id)} from the board`);
      case "comment.created":
        return entry(`commented on ${this.cardTitle(e.data.card_id)}: “${excerpt(e.data.body)}”`, e.data.card_id);
      case "comment.updated":
        return entry(`edited a comment on ${this.cardTitle(e.data.card_id)}`, e.data.card_id);
      case "comment.deleted":
        return entry("deleted a comment");
      case "checklist.created":
        this.lists.set(e.data.id, e.data);
        return entry(`added the checklist ${quote(e.data.title)} to ${this.cardTitle(e.data.card_id)}`, e.data.card_id);
      case "checklist.updated": {
        const before = this.lists.get(e.data.id);
        this.lists.set(e.data.id, e.data);
        return entry(checklistChange(before, e.data, this.cardTitle(e.data.card_id)), e.data.card_id);
      }
      case "checklist.deleted": {
        const before = this.lists.get(e.data.id);
        return entry(before ? `deleted the checklist ${quote(before.title)}` : "deleted a checklist", before?.card_id ?? null);
      }
    }
  }
}

/** What changed in a checklist, in words. */
function checklistChange(before: Checklist | undefined, after: Checklist, card: string): string {
  const on = `on ${card}`;
  if (!before) return `changed the checklist ${quote(after.title)} ${on}`;
  if (before.title !== after.title) return `renamed the checklist ${quote(before.title)} to ${quote(after.title)}`;
  const old = new Map(before.items.map((i) => [i.id, i]));
  for (const item of after.items) {
    const was = old.get(item.id);
    if (!was) return `added ${quote(item.text)} to ${quote(after.title)} ${on}`;
    if (was.done !== item.done) return `${item.done ? "ticked" : "unticked"} ${quote(item.text)} ${on}`;
    if (was.text !== item.text) return `changed ${quote(was.text)} to ${quote(item.text)} ${on}`;
  }
  const gone = before.items.find((i) => !after.items.some((a) => a.id === i.id));
  if (gone) return `removed ${quote(gone.text)} from ${quote(after.title)} ${on}`;
  return `reordered ${quote(after.title)} ${on}`;
}
