// Applying events: the TypeScript twin of `Snapshot::apply` (crates/lanban-core/src/state.rs), used by the board
// store on the confirmed state. The session in Rust orders, deduplicates and resyncs; this only applies the next
// event. Its agreement with the Rust rules is checked by applyEvent.test.ts, which replays the histories that
// core's test writes to fixtures/apply-histories.json.
//
// Immutability: every change produces new arrays for what changed and keeps the identity of everything else, so
// keyed `{#each}` blocks repaint only the items that changed.

import type { Board, Card, CardId, Checklist, Column, ColumnId, Comment, Event, Member, MemberId, Snapshot } from "../bindings";

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

/** The board with `handoff_to` set, or without the field when there is no offer (as Rust serialises `None`). */
function withHandoff(board: Board, to: MemberId | null): Board {
  if ((board.handoff_to ?? null) === to) return board;
  const { handoff_to: _dropped, ...rest } = board;
  return to === null ? rest : { ...rest, handoff_to: to };
}

/** `board.moved` and `board.rehosted`: the new host takes the role `host`, the previous one `member`; everyone keeps their place. */
function swapHosts(members: Member[], host: MemberId, previous: MemberId): Member[] {
  const role = (m: Member) => (m.id === host ? "host" : m.id === previous ? "member" : m.role);
  return members.some((m) => role(m) !== m.role)
    ? members.map((m) => (role(m) === m.role ? m : { ...m, role: role(m) }))
    : members;
}

/** Checklists are kept card by card (by card id), each card's by position, both bytewise as in Rust. */
function insertChecklist(checklists: Checklist[], checklist: Checklist): Checklist[] {
  const rest = checklists.filter((c) => c.id !== checklist.id);
  const before = (c: Checklist) =>
    c.card_id < checklist.card_id || (c.card_id === checklist.card_id && c.position < checklist.position);
  rest.splice(partitionPoint(rest, before), 0, checklist);
  return rest;
}

/** The comments whose card is still on the board (the same array when none went). */
function withoutCommentsOf(comments: Comment[] | undefined, cards: Set<CardId>): Comment[] | undefined {
  if (!comments || comments.every((c) => cards.has(c.card_id))) return comments;
  return comments.filter((c) => cards.has(c.card_id));
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
    case "board.handoff_offered":
      next.board = withHandoff(state.board, event.data.member_id);
      break;
    case "board.moved":
    case "board.rehosted":
      next.board = withHandoff(state.board, null);
      next.members = swapHosts(state.members, event.data.host, event.data.previous_host);
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
      // As in Rust: only comments and checklists whose card is still on the board stay.
      const cards = new Set(next.cards.map((c) => c.id));
      next.comments = withoutCommentsOf(state.comments, cards);
      if (state.checklists?.some((c) => !cards.has(c.card_id))) {
        next.checklists = (state.checklists ?? []).filter((c) => cards.has(c.card_id));
      }
      break;
    }
    case "card.created":
    case "card.updated":
      next.cards = insertCard(state.cards, state.columns, event.data);
      break;
    case "card.deleted": {
      const id = event.data.id;
      if (state.cards.some((c) => c.id === id)) next.cards = state.cards.filter((c) => c.id !== id);
      if (state.comments?.some((c) => c.card_id === id)) {
        next.comments = (state.comments ?? []).filter((c) => c.card_id !== id);
      }
      if (state.checklists?.some((c) => c.card_id === id)) {
        next.checklists = (state.checklists ?? []).filter((c) => c.card_id !== id);
      }
      break;
    }
    case "comment.created":
    case "comment.updated": {
      const comments = state.comments ?? [];
      const at = comments.findIndex((c) => c.id === event.data.id);
      next.comments = at < 0 ? [...comments, event.data] : comments.map((c, i) => (i === at ? event.data : c));
      break;
    }
    case "checklist.created":
    case "checklist.updated":
      next.checklists = insertChecklist(state.checklists ?? [], event.data);
      break;
    case "checklist.deleted": {
      const id = event.data.id;
      if (state.checklists?.some((c) => c.id === id)) next.checklists = (state.checklists ?? []).filter((c) => c.id !== id);
      break;
    }
    case "comment.deleted": {
      const id = event.data.id;
      if (state.comments?.some((c) => c.id === id)) next.comments = (state.comments ?? []).filter((c) => c.id !== id);
      break;
    }
    case "member.joined":
      next.members = [...state.members.filter((m) => m.id !== event.data.id), event.data];
      break;
    case "member.removed": {
      const id = event.data.id;
      next.members = state.members.filter((m) => m.id !== id);
      if (state.cards.some((c) => c.assignee_ids?.includes(id))) {
        next.cards = state.cards.map((c) =>
          c.assignee_ids?.includes(id) ? { ...c, assignee_ids: c.assignee_ids.filter((m) => m !== id) } : c,
        );
      }
      break;
    }
  }
  return next;
}

