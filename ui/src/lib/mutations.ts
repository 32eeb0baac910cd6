// The changes a person makes, as the UI shows them before the board does: each is a `Mutation` (the same value
// the Rust outbox keeps and sends), drawn on a draft of the board by `applyMutation`. Creates carry an id chosen
// here (a UUIDv7), so a card made while the host is away can be edited and moved before it syncs.

import type { Card, CardId, Checklist, ChecklistId, Column, ColumnId, Mutation, Snapshot } from "../bindings";

/** A UUIDv7: 48 bits of milliseconds, then random bits (ids sort by creation time, as the server's do). */
export function uuidv7(now = Date.now()): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(now / 2 ** (8 * (5 - i))) & 0xff;
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Drafts: the edits pending changes make to the view. Each takes a draft (fresh arrays) and replaces elements.

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

  /** Replaces a checklist by what `change` makes of it (fresh array only when it changed). */
  patchChecklist(d: Snapshot, id: ChecklistId, change: (c: Checklist) => Checklist): void {
    const lists = d.checklists ?? [];
    const at = lists.findIndex((c) => c.id === id);
    if (at < 0) return;
    const next = change(lists[at]);
    if (next !== lists[at]) d.checklists = lists.map((c, i) => (i === at ? next : c));
  },

  /** Moves a checklist just before `before` or just after `after` (checklists of one card). */
  moveChecklist(d: Snapshot, id: ChecklistId, before?: ChecklistId | null, after?: ChecklistId | null): void {
    const lists = d.checklists ?? [];
    const moving = lists.find((c) => c.id === id);
    if (moving) d.checklists = placed(lists.filter((c) => c !== moving), moving, before, after);
  },

  /** Archives or restores a card, or moves it to the trash, as an edit says (a shelf already set keeps its time). */
  shelveCard(d: Snapshot, id: CardId, edit: Shelving, now: string): void {
    const card = d.cards.find((c) => c.id === id);
    const patch = card && shelved(card, edit, now);
    if (patch && Object.keys(patch).length) draft.patchCard(d, id, patch);
  },

  /** The same for a column (its cards go and come back with it). */
  shelveColumn(d: Snapshot, id: ColumnId, edit: Shelving, now: string): void {
    const column = d.columns.find((c) => c.id === id);
    const patch = column && shelved(column, edit, now);
    if (patch && Object.keys(patch).length) draft.patchColumn(d, id, patch);
  },

  removeColumn(d: Snapshot, id: ColumnId): void {
    d.columns = d.columns.filter((c) => c.id !== id);
    d.cards = d.cards.filter((c) => c.column_id !== id);
  },
};


/** Draws a change on a draft of the board (fresh arrays; elements replaced, never mutated). */
export function applyMutation(d: Snapshot, m: Mutation, by: string, now: string): void {
  switch (m.kind) {
    case "rename_board":
      d.board = { ...d.board, name: m.name };
      break;
    case "create_column": {
      if (!m.column.id || d.columns.some((c) => c.id === m.column.id)) break;
      const column: Column = { id: m.column.id, board_id: d.board.id, title: m.column.title, position: "~" };
      d.columns.push(column);
      draft.moveColumn(d, column.id, m.column.before, m.column.after);
      break;
    }
    case "update_column":
      if (m.patch.title != null) draft.patchColumn(d, m.column, { title: m.patch.title });
      if (m.patch.before || m.patch.after) draft.moveColumn(d, m.column, m.patch.before, m.patch.after);
      draft.shelveColumn(d, m.column, m.patch, now);
      break;
    case "delete_column":
      draft.shelveColumn(d, m.column, { trashed: true }, now);
      break;
    case "create_label": {
      const labels = d.board.labels ?? [];
      if (!labels.some((l) => sameLabel(l.name, m.label.name))) d.board = { ...d.board, labels: [...labels, m.label] };
      break;
    }
    case "update_label": {
      const old = (d.board.labels ?? []).find((l) => sameLabel(l.name, m.name));
      if (!old) break;
      const next = { name: m.patch.name?.trim() || old.name, color: m.patch.color ?? old.color };
      d.board = { ...d.board, labels: (d.board.labels ?? []).map((l) => (l === old ? next : l)) };
      d.cards = d.cards.map((c) =>
        c.labels.some((l) => sameLabel(l.name, old.name))
          ? { ...c, labels: c.labels.map((l) => (sameLabel(l.name, old.name) ? next : l)) }
          : c,
      );
      break;
    }
    case "delete_label":
      d.board = { ...d.board, labels: (d.board.labels ?? []).filter((l) => !sameLabel(l.name, m.name)) };
      d.cards = d.cards.map((c) =>
        c.labels.some((l) => sameLabel(l.name, m.name)) ? { ...c, labels: c.labels.filter((l) => !sameLabel(l.name, m.name)) } : c,
      );
      break;
    case "empty_trash":
      for (const column of d.columns) if (column.trashed_at) draft.removeColumn(d, column.id);
      d.cards = d.cards.filter((c) => !c.trashed_at);
      break;
    case "create_card": {
      const c = m.card;
      if (!c.id || d.cards.some((x) => x.id === c.id)) break;
      const card: Card = {
        id: c.id,
        board_id: d.board.id,
        column_id: m.column,
        title: c.title,
        description: c.description ?? "",
        labels: c.labels ?? [],
        assignee_ids: c.assignee_ids ?? [],
        due_date: c.due_date ?? null,
        position: "~",
        version: 0,
        created_by: by,
        created_at: now,
        updated_at: now,
      };
      draft.placeCard(d, card, c.before, c.after);
      break;
    }
    case "update_card": {
      const p = m.patch;
      const shown: Partial<Card> = {};
      if (p.title != null) shown.title = p.title;
      if ("description" in p) shown.description = p.description ?? "";
      if ("labels" in p) shown.labels = p.labels ?? [];
      if ("assignee_ids" in p) shown.assignee_ids = p.assignee_ids ?? [];
      if ("due_date" in p) shown.due_date = p.due_date ?? null;
      draft.patchCard(d, m.card, shown);
      draft.shelveCard(d, m.card, p, now);
      if (p.column_id || p.before || p.after) {
        const card = d.cards.find((x) => x.id === m.card);
        if (card) draft.moveCard(d, m.card, p.column_id ?? card.column_id, p.before, p.after);
      }
      break;
    }
    case "delete_card":
      draft.shelveCard(d, m.card, { trashed: true }, now);
      break;
    case "create_comment": {
      const id = m.comment.id;
      const comments = d.comments ?? [];
      if (!id || comments.some((c) => c.id === id)) break;
      d.comments = [
        ...comments,
        {
          id,
          board_id: d.board.id,
          card_id: m.card,
          author_id: by,
          body: m.comment.body.trim(),
          created_at: now,
          updated_at: now,
        },
      ];
      break;
    }
    case "update_comment": {
      const comments = d.comments ?? [];
      const at = comments.findIndex((c) => c.id === m.comment);
      if (at >= 0 && comments[at].body !== m.patch.body.trim()) {
        d.comments = comments.map((c, i) => (i === at ? { ...c, body: m.patch.body.trim(), updated_at: now } : c));
      }
      break;
    }
    case "delete_comment":
      if (d.comments?.some((c) => c.id === m.comment)) d.comments = d.comments.filter((c) => c.id !== m.comment);
      break;
    case "create_checklist": {
      const id = m.checklist.id;
      const lists = d.checklists ?? [];
      if (!id || lists.some((c) => c.id === id)) break;
      d.checklists = [
        ...lists,
        { id, board_id: d.board.id, card_id: m.card, title: m.checklist.title.trim(), position: "~", items: [] },
      ];
      break;
    }
    case "update_checklist": {
      const title = m.patch.title?.trim();
      if (title) draft.patchChecklist(d, m.checklist, (c) => ({ ...c, title }));
      if (m.patch.before || m.patch.after) draft.moveChecklist(d, m.checklist, m.patch.before, m.patch.after);
      break;
    }
    case "delete_checklist":
      if (d.checklists?.some((c) => c.id === m.checklist)) d.checklists = d.checklists.filter((c) => c.id !== m.checklist);
      break;
    case "create_item": {
      const id = m.item.id;
      if (!id) break;
      const item = { id, text: m.item.text.trim(), done: false, position: "~" };
      draft.patchChecklist(d, m.checklist, (c) =>
        c.items.some((i) => i.id === id) ? c : { ...c, items: placed(c.items, item, m.item.before, m.item.after) },
      );
      break;
    }
    case "update_item": {
      const p = m.patch;
      draft.patchChecklist(d, m.checklist, (c) => {
        let items = c.items.map((i) =>
          i.id === m.item ? { ...i, text: p.text?.trim() || i.text, done: p.done ?? i.done } : i,
        );
        const moving = items.find((i) => i.id === m.item);
        if (moving && (p.before || p.after)) {
          items = placed(
            items.filter((i) => i !== moving),
            moving,
            p.before,
            p.after,
          );
        }
        return { ...c, items };
      });
      break;
    }
    case "delete_item":
      draft.patchChecklist(d, m.checklist, (c) =>
        c.items.some((i) => i.id === m.item) ? { ...c, items: c.items.filter((i) => i.id !== m.item) } : c,
      );
      break;
  }
}

/** What an edit says about a card's or column's shelves: archive (true) or take out (false), trash or restore. */
type Shelving = { archived?: boolean | null; trashed?: boolean | null };

type Shelves = { archived_at?: string | null; trashed_at?: string | null };

/** The shelf fields an edit gives an entity; none when it changes nothing. */
function shelved(entity: Shelves, edit: Shelving, now: string): Shelves {
  const next: Shelves = {};
  if (edit.archived != null && !!entity.archived_at !== edit.archived) next.archived_at = edit.archived ? now : null;
  if (edit.trashed != null && !!entity.trashed_at !== edit.trashed) next.trashed_at = edit.trashed ? now : null;
  return next;
}

/** Whether two label names are the same label (a board's label names are unique ignoring case). */
export function sameLabel(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Shown on the board: neither archived nor in the trash. */
export function isLive(entity: Shelves): boolean {
  return !entity.archived_at && !entity.trashed_at;
}

/** `item` in `items` just before `before` or just after `after` (neither, or an anchor not there: at the end). */
function placed<T extends { id: string }>(items: T[], item: T, before?: string | null, after?: string | null): T[] {
  const next = [...items];
  let at = next.length;
  if (before) {
    const i = next.findIndex((x) => x.id === before);
    if (i >= 0) at = i;
  } else if (after) {
    const i = next.findIndex((x) => x.id === after);
    if (i >= 0) at = i + 1;
  }
  next.splice(at, 0, item);
  return next;
}

/** The card a change is about, if any (for the "not yet synced" mark). */
export function cardOf(m: Mutation): CardId | null {
  switch (m.kind) {
    case "create_card":
      return m.card.id ?? null;
    case "update_card":
    case "delete_card":
      return m.card;
    default:
      return null;
  }
}

/** The column a change is about, if any. */
export function columnOf(m: Mutation): ColumnId | null {
  switch (m.kind) {
    case "create_column":
      return m.column.id ?? null;
    case "update_column":
    case "delete_column":
      return m.column;
    default:
      return null;
  }
}
