// Builders shared by the board store's tests: a board, its columns, cards and members, events, and a store opened
// on a snapshot.

import type { Board, Card, Change, Column, CommandError, Event, Member, OpenedBoard, Snapshot } from "../bindings";
import { BoardStore } from "./boardStore";

export const T = "2026-11-26T11:07:30.123Z";
export const BOARD = "board-1";

export function board(name = "Launch"): Board {
  return { id: BOARD, name, room_code: "7KQ2-M9XD", created_at: T, updated_at: T };
}

export function column(id: string, title: string, position: string): Column {
  return { id, board_id: BOARD, title, position };
}

export function card(id: string, columnId: string, title: string, position: string, extra: Partial<Card> = {}): Card {
  return {
    id,
    board_id: BOARD,
    column_id: columnId,
    title,
    description: "",
    labels: [],
    assignee_ids: [],
    due_date: null,
    position,
    version: 1,
    created_by: "m-host",
    created_at: T,
    updated_at: T,
    ...extra,
  };
}

export function member(id: string, name: string, role: Member["role"] = "member"): Member {
  return { id, board_id: BOARD, name, color: "#3b82f6", role, joined_at: T };
}

export function ev(seq: number, change: Change): Event {
  return { seq, actor: "m-host", at: T, ...change } as Event;
}

export const host = member("m-host", "Ana", "host");

export function emptySnapshot(seq = 2): Snapshot {
  return { board: board(), columns: [], cards: [], members: [host], seq };
}

export function opened(snapshot: Snapshot): OpenedBoard {
  return { key: { board_id: snapshot.board.id, host: "local" }, snapshot, me: host, server: "127.0.0.1:7420", hosting: true, presence: [] };
}

/** A store opened at `snapshot`. */
export function storeAt(snapshot: Snapshot) {
  const errors: CommandError[] = [];
  let removed = 0;
  const store = new BoardStore(opened(snapshot), {
    onError: (e) => errors.push(e),
    onRemoved: () => removed++,
  });
  return { store, errors, removedCount: () => removed };
}

/** The cards' titles, in order. */
export const titles = (cards: Card[]) => cards.map((c) => c.title);
