// The board store, told as what a teammate's window sees: the bridge's events arrive in order, or a fresh snapshot
// after a resync; the person's own changes show at once and are reconciled with the server's events.

import { describe, expect, it } from "vitest";
import type {
  Change,
  CommandError,
  Mutation,
  PendingChangeView,
  Snapshot,
  SubmitOutcome,
} from "../bindings";
import { applyEvent } from "./applyEvent";
import { BoardStore, type Result } from "./boardStore";
import { T, BOARD, board, column, card, member, ev, host, emptySnapshot, opened, storeAt, titles } from "./boardStore.testing";

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A request the test answers by hand. */
function deferred<T>() {
  let resolve!: (r: Result<T>) => void;
  const promise = new Promise<Result<T>>((r) => (resolve = r));
  return { promise, resolve };
}

describe("applying events", () => {
  it("applies events of several kinds in order and keeps cards sorted column by column", () => {
    const { store } = storeAt(emptySnapshot());
    const todo = column("c-todo", "Todo", "a1");
    const done = column("c-done", "Done", "a2");
    const steps: Change[] = [
      { kind: "column.created", data: done },
      { kind: "column.created", data: todo },
      { kind: "card.created", data: card("k-ship", done.id, "shipped", "a0") },
      { kind: "card.created", data: card("k-write", todo.id, "write", "a1") },
      { kind: "card.created", data: card("k-plan", todo.id, "plan", "a0") },
      { kind: "board.updated", data: { ...board("Launch v2"), updated_at: "2026-11-26T12:00:00.000Z" } },
      { kind: "member.joined", data: member("m-bo", "Bo") },
      { kind: "room_code.rotated", data: { room_code: "ABCD-EFGH" } },
    ];
    steps.forEach((change, i) => store.receive({ type: "event", event: ev(3 + i, change) }));

    const view = store.view;
    expect(view.seq).toBe(10);
    expect(view.columns.map((c) => c.title)).toEqual(["Todo", "Done"]);
    expect(titles(view.cards)).toEqual(["plan", "write", "shipped"]);
    expect(titles(view.byColumn.get(todo.id)!)).toEqual(["plan", "write"]);
    expect(view.board.name).toBe("Launch v2");
    expect(view.board.room_code).toBe("ABCD-EFGH");
    expect(view.members.map((m) => m.name)).toEqual(["Ana", "Bo"]);

    // Moving Done before Todo re-sorts the cards too.
    store.receive({ type: "event", event: ev(11, { kind: "column.updated", data: { ...done, position: "a0" } }) });
    expect(titles(store.view.cards)).toEqual(["shipped", "plan", "write"]);

    // A card moved to another column lands by position there.
    const moved = card("k-plan", done.id, "plan", "a1", { version: 2 });
    store.receive({ type: "event", event: ev(12, { kind: "card.updated", data: moved }) });
    expect(titles(store.view.byColumn.get(done.id)!)).toEqual(["shipped", "plan"]);
    expect(titles(store.view.byColumn.get(todo.id)!)).toEqual(["write"]);
  });

  it("deleting a column drops its cards", () => {
    const todo = column("c-todo", "Todo", "a0");
    const done = column("c-done", "Done", "a1");
    const snap: Snapshot = {
      ...emptySnapshot(5),
      columns: [todo, done],
      cards: [card("k1", todo.id, "one", "a0"), card("k2", todo.id, "two", "a1"), card("k3", done.id, "three", "a0")],
    };
    const { store } = storeAt(snap);
    store.receive({ type: "event", event: ev(6, { kind: "column.deleted", data: { id: todo.id } }) });
    expect(store.view.columns.map((c) => c.id)).toEqual([done.id]);
    expect(titles(store.view.cards)).toEqual(["three"]);
    expect(store.view.byColumn.has(todo.id)).toBe(false);
  });

  it("removing a member unassigns their cards and keeps other cards as they were", () => {
    const todo = column("c-todo", "Todo", "a0");
    const bo = member("m-bo", "Bo");
    const theirs = card("k1", todo.id, "theirs", "a0", { assignee_ids: [bo.id, host.id] });
    const other = card("k2", todo.id, "other", "a1", { assignee_ids: [host.id] });
    const snap: Snapshot = { ...emptySnapshot(5), columns: [todo], cards: [theirs, other], members: [host, bo] };
    const { store } = storeAt(snap);
    store.receive({ type: "event", event: ev(6, { kind: "member.removed", data: { id: bo.id } }) });
    expect(store.view.members.map((m) => m.id)).toEqual([host.id]);
    expect(store.view.cardById.get("k1")!.assignee_ids).toEqual([host.id]);
    expect(store.view.cardById.get("k2")).toBe(other);
  });

  it("keeps the identity of columns whose cards did not change", () => {
    const todo = column("c-todo", "Todo", "a0");
    const done = column("c-done", "Done", "a1");
    const snap: Snapshot = {
      ...emptySnapshot(5),
      columns: [todo, done],
      cards: [card("k1", todo.id, "one", "a0"), card("k2", done.id, "two", "a0")],
    };
    const { store } = storeAt(snap);
    const doneCards = store.view.byColumn.get(done.id);
    store.receive({ type: "event", event: ev(6, { kind: "card.created", data: card("k3", todo.id, "new", "a1") }) });
    expect(store.view.byColumn.get(done.id)).toBe(doneCards);
    expect(titles(store.view.byColumn.get(todo.id)!)).toEqual(["one", "new"]);
  });

  it("applyEvent matches the mirror's rules for a card whose column is unknown (sorted last)", () => {
    const todo = column("c-todo", "Todo", "a0");
    const s = applyEvent(
      { ...emptySnapshot(2), columns: [todo], cards: [card("k1", todo.id, "one", "a0")] },
      ev(3, { kind: "card.created", data: card("k0", "c-gone", "orphan", "0") }),
    );
    expect(titles(s.cards)).toEqual(["one", "orphan"]);
  });
});

describe("a resync", () => {
  it("a resynced message replaces the state", () => {
    const { store } = storeAt(emptySnapshot(2));
    const todo = column("c-todo", "Todo", "a0");
    store.receive({
      type: "resynced",
      snapshot: { ...emptySnapshot(40), board: board("Renamed"), columns: [todo], cards: [card("k", todo.id, "x", "a")] },
    });
    expect(store.view.seq).toBe(40);
    expect(store.view.board.name).toBe("Renamed");
    expect(titles(store.view.cards)).toEqual(["x"]);
    // Events continue from the snapshot's seq.
    store.receive({ type: "event", event: ev(41, { kind: "card.deleted", data: { id: "k" } }) });
    expect(store.view.cards).toEqual([]);
  });
});

describe("pending changes", () => {
  const todo = column("c-todo", "Todo", "a0");
  const done = column("c-done", "Done", "a1");
  const one = card("k1", todo.id, "one", "a0");
  const two = card("k2", todo.id, "two", "a1");
  const base = (): Snapshot => ({ ...emptySnapshot(5), columns: [todo, done], cards: [one, two] });

  /** A store whose `send` the test answers by hand; `sent` holds each change's key and mutation. */
  function storeWithSend() {
    const errors: CommandError[] = [];
    const sent: { key: string; mutation: Mutation; answer: ReturnType<typeof deferred<SubmitOutcome>> }[] = [];
    const store = new BoardStore(opened(base()), {
      onError: (e) => errors.push(e),
      send: (key, mutation) => {
        const answer = deferred<SubmitOutcome>();
        sent.push({ key, mutation, answer });
        return answer.promise;
      },
    });
    return { store, errors, sent };
  }

  const listed = (
    key: string,
    mutation: Mutation,
    state: PendingChangeView["state"],
    held: PendingChangeView["held"] = null,
  ): PendingChangeView => ({ key, mutation, state, queued_at: T, held });

  it("a move shows at once, then as the session lists it, until its event arrives", async () => {
    const { store, sent } = storeWithSend();
    void store.submit({ kind: "update_card", card: one.id, patch: { column_id: done.id }, base: null });
    expect(titles(store.view.byColumn.get(done.id)!)).toEqual(["one"]);
    expect(titles(store.view.byColumn.get(todo.id)!)).toEqual(["two"]);

    // The session lists it as sent (the host has it); the command answers; still drawn.
    const { key, mutation } = sent[0];
    store.receive({ type: "changes", changes: [listed(key, mutation, { state: "sent" })] });
    sent[0].answer.resolve({ status: "ok", data: "done" });
    await flush();
    expect(store.pendingCount).toBe(1);
    expect(store.view.cardById.get(one.id)!.column_id).toBe(done.id);

    // Its event arrives and the session's list empties: the confirmed card is shown.
    const moved = { ...one, column_id: done.id, position: "b0", version: 2 };
    store.receive({ type: "event", event: ev(6, { kind: "card.updated", data: moved }) });
    store.receive({ type: "changes", changes: [] });
    expect(store.pendingCount).toBe(0);
    expect(store.view.byColumn.get(done.id)).toEqual([moved]);
    expect(store.view.cardById.get(one.id)).toBe(moved);
  });

  it("a refused change slides back and reports the server's message", async () => {
    const { store, errors, sent } = storeWithSend();
    const answer = store.submit({ kind: "update_card", card: two.id, patch: { column_id: done.id }, base: null });
    expect(titles(store.view.byColumn.get(done.id)!)).toEqual(["two"]);
    const error: CommandError = { code: "not_found", message: "That column was deleted." };
    sent[0].answer.resolve({ status: "error", error });
    expect((await answer).status).toBe("error");
    expect(store.pendingCount).toBe(0);
    expect(store.view.byColumn.get(done.id)).toBeUndefined();
    expect(store.view.byColumn.get(todo.id)).toEqual([one, two]);
    expect(errors).toEqual([error]);
  });

  it("a card made while the host is away has its own id, can be edited, and carries the not-synced mark", async () => {
    const { store, sent } = storeWithSend();
    void store.submit({ kind: "create_card", column: todo.id, card: { id: "k3", title: "three" } });
    void store.submit({ kind: "update_card", card: "k3", patch: { title: "three, edited" }, base: null });
    expect(titles(store.view.byColumn.get(todo.id)!)).toEqual(["one", "two", "three, edited"]);
    // The session keeps both for the host (queued): the card is marked, two changes wait.
    store.receive({
      type: "changes",
      changes: sent.map((s) => listed(s.key, s.mutation, { state: "queued" })),
    });
    for (const s of sent) s.answer.resolve({ status: "ok", data: "queued" });
    await flush();
    expect(store.view.pendingCards.has("k3")).toBe(true);
    expect(store.view.waiting).toBe(2);

    // The host is back: the card arrives, the list empties, the mark goes.
    const created = card("k3", todo.id, "three, edited", "a2", { version: 2 });
    store.receive({ type: "event", event: ev(6, { kind: "card.created", data: created }) });
    store.receive({ type: "changes", changes: [] });
    expect(store.view.pendingCards.size).toBe(0);
    expect(store.view.waiting).toBe(0);
    expect(store.view.byColumn.get(todo.id)!.map((c) => c.id)).toEqual(["k1", "k2", "k3"]);
  });

  it("a change the connected host did not run says why, and the reason goes once the host takes it", async () => {
    const { store, sent } = storeWithSend();
    void store.submit({ kind: "create_card", column: todo.id, card: { id: "k3", title: "three" } });
    void store.submit({ kind: "create_card", column: todo.id, card: { id: "k4", title: "four" } });
    const full = { code: "write_failed" as const, message: "the server's disk is full: nothing was changed" };
    // The host answered the first with 507 and keeps it waiting; the second waits behind it.
    store.receive({
      type: "changes",
      changes: [
        listed(sent[0].key, sent[0].mutation, { state: "queued" }, full),
        listed(sent[1].key, sent[1].mutation, { state: "queued" }),
      ],
    });
    expect(store.view.waiting).toBe(2);
    expect(store.view.held).toEqual(full);
    const before = store.view.held;
    // The same answer again (the next try) keeps the view's reason as it was.
    store.receive({
      type: "changes",
      changes: [
        listed(sent[0].key, sent[0].mutation, { state: "queued" }, { ...full }),
        listed(sent[1].key, sent[1].mutation, { state: "queued" }),
      ],
    });
    expect(store.view.held).toBe(before);
    // The host has room again: both are sent, nothing waits, no reason.
    store.receive({ type: "changes", changes: sent.map((s) => listed(s.key, s.mutation, { state: "sent" })) });
    expect(store.view.waiting).toBe(0);
    expect(store.view.held).toBeNull();
  });

  it("a comment shows at once, marked as sending, until its event arrives; a teammate's arrives in place", async () => {
    const { store, sent } = storeWithSend();
    void store.submit({ kind: "create_comment", card: one.id, comment: { id: "n1", body: "  Looks good  " } });
    const drawn = store.view.commentsByCard.get(one.id)!;
    expect(drawn.map((c) => [c.id, c.body, c.author_id])).toEqual([["n1", "Looks good", host.id]]);
    expect(store.view.pendingComments.has("n1")).toBe(true);
    expect(store.view.commentsByCard.get(two.id)).toBeUndefined();

    // The host confirms it; a teammate's comment follows; both in the order written, mine no longer pending.
    const mine = { id: "n1", board_id: BOARD, card_id: one.id, author_id: host.id, body: "Looks good", created_at: T, updated_at: T };
    const theirs = { ...mine, id: "n2", author_id: "m-bo", body: "Agreed" };
    store.receive({ type: "changes", changes: [listed(sent[0].key, sent[0].mutation, { state: "sent" })] });
    store.receive({ type: "event", event: ev(6, { kind: "comment.created", data: mine }) });
    store.receive({ type: "changes", changes: [] });
    store.receive({ type: "event", event: ev(7, { kind: "comment.created", data: theirs }) });
    expect(store.view.commentsByCard.get(one.id)).toEqual([mine, theirs]);
    expect(store.view.pendingComments.size).toBe(0);

    // An edit shows at once; deleting the card takes its comments.
    void store.submit({ kind: "update_comment", comment: "n1", patch: { body: "Looks great" } });
    expect(store.view.commentsByCard.get(one.id)!.map((c) => c.body)).toEqual(["Looks great", "Agreed"]);
    expect(store.view.pendingComments.has("n1")).toBe(true);
    store.receive({ type: "event", event: ev(8, { kind: "card.deleted", data: { id: one.id } }) });
    expect(store.view.commentsByCard.get(one.id)).toBeUndefined();
  });

  it("a change that could not be applied is listed for the person, not drawn", () => {
    const { store } = storeWithSend();
    const mine: Mutation = { kind: "update_card", card: one.id, patch: { title: "mine" }, base: one };
    const theirs = { ...one, title: "theirs", version: 2 };
    store.receive({
      type: "changes",
      changes: [
        listed("f1", mine, {
          state: "failed",
          code: "version_conflict",
          message: "A teammate changed this card in the same place meanwhile.",
          current: theirs,
        }),
      ],
    });
    expect(store.view.failed.map((f) => f.key)).toEqual(["f1"]);
    expect(store.view.cardById.get(one.id)!.title).toBe("one");
    expect(store.pendingCount).toBe(0);
  });

  it("a delete moves the card to the trash at once, a column rename and a move show at once", () => {
    const { store } = storeWithSend();
    void store.submit({ kind: "delete_card", card: one.id });
    void store.submit({ kind: "update_column", column: todo.id, patch: { title: "Later" } });
    void store.submit({ kind: "update_column", column: done.id, patch: { before: todo.id } });
    expect([...store.view.byColumn.values()].flat().some((c) => c.id === one.id)).toBe(false);
    expect(store.view.trashed.map((s) => (s.kind === "card" ? s.card.id : null))).toEqual([one.id]);
    expect(store.view.columns.map((c) => c.title)).toEqual(["Done", "Later"]);
  });

  it("a label defined, renamed and removed shows on the board and on its cards at once", () => {
    const { store } = storeWithSend();
    const bug = { name: "bug", color: "#e5484d" };
    void store.submit({ kind: "create_label", board: BOARD, label: bug });
    void store.submit({ kind: "update_card", card: one.id, patch: { labels: [bug] }, base: null });
    expect(store.view.board.labels).toEqual([bug]);
    void store.submit({ kind: "update_label", board: BOARD, name: "BUG", patch: { name: "defect", color: "#30a46c" } });
    expect(store.view.board.labels).toEqual([{ name: "defect", color: "#30a46c" }]);
    expect(store.view.cardById.get(one.id)!.labels).toEqual([{ name: "defect", color: "#30a46c" }]);
    void store.submit({ kind: "delete_label", board: BOARD, name: "defect" });
    expect(store.view.board.labels).toEqual([]);
    expect(store.view.cardById.get(one.id)!.labels).toEqual([]);
  });

  it("a column deleted or archived leaves the board with its cards, restored it brings them back", () => {
    const { store } = storeWithSend();
    const onBoard = () => store.view.columns.map((c) => `${c.title}:${store.view.byColumn.get(c.id)?.length ?? 0}`);
    const before = onBoard();
    void store.submit({ kind: "delete_column", column: todo.id });
    expect(onBoard()).not.toContain(before[0]);
    const [shelved] = store.view.trashed;
    expect(shelved.kind === "column" && shelved.column.id === todo.id && shelved.cards > 0).toBe(true);
    void store.submit({ kind: "update_column", column: todo.id, patch: { trashed: false } });
    expect(onBoard()).toEqual(before);
    void store.submit({ kind: "update_column", column: todo.id, patch: { archived: true } });
    expect(store.view.archived.map((s) => s.kind)).toEqual(["column"]);
    void store.submit({ kind: "empty_trash", board: BOARD });
    expect(store.view.allColumns.some((c) => c.id === todo.id)).toBe(true);
  });

  it("a change the session has taken goes with the next list that does not name it", async () => {
    const { store, sent } = storeWithSend();
    void store.submit({ kind: "rename_board", board: BOARD, name: "Launch v2" });
    sent[0].answer.resolve({ status: "ok", data: "done" });
    await flush();
    expect(store.view.board.name).toBe("Launch v2");
    store.receive({ type: "event", event: ev(6, { kind: "board.updated", data: board("Launch v2") }) });
    store.receive({ type: "changes", changes: [] });
    expect(store.pendingCount).toBe(0);
    expect(store.view.board.name).toBe("Launch v2");
  });
});

describe("presence, connection and removal", () => {
  it("keeps presence and connection, and reports removal once", () => {
    const { store, removedCount } = storeAt(emptySnapshot());
    const seen: number[] = [];
    store.subscribe(() => seen.push(1));
    store.receive({ type: "presence", members: [{ member_id: host.id, viewing_card: "k1" }] });
    store.receive({ type: "connection", state: { status: "reconnecting", since: T, attempt: 2, last_synced: T } });
    expect(store.presence[0].viewing_card).toBe("k1");
    expect(store.connection.status).toBe("reconnecting");
    expect(seen.length).toBe(2);
    store.receive({ type: "removed" });
    store.receive({ type: "connection", state: { status: "removed" } });
    expect(removedCount()).toBe(1);
  });
});

describe("a board left", () => {
  it("lets go of whatever fed it, once, and at once for a late comer", () => {
    const { store } = storeAt(emptySnapshot());
    const released: string[] = [];
    store.onDetach(() => released.push("bridge"));
    expect(released).toEqual([]);
    store.detach();
    expect(released).toEqual(["bridge"]);
    store.detach();
    expect(released).toEqual(["bridge"]);
    store.onDetach(() => released.push("late"));
    expect(released).toEqual(["bridge", "late"]);
  });
});
