// The activity panel's list kept current: a teammate's burst arrives as a frame's events one after the other, and
// the list shows every one of them, newest first, once each.

import { describe, expect, it, vi } from "vitest";

vi.mock("../bindings", async (original) => {
  const bindings = await original<typeof import("../bindings")>();
  return {
    ...bindings,
    // The host's log before the burst: empty, the board's first event is seq 1.
    commands: { ...bindings.commands, boardActivity: async () => ({ status: "ok", data: { events: [], first: 1 } }) },
  };
});

import { ActivityLog } from "./activityLog.svelte";
import { BoardModel } from "./board.svelte";
import { BoardStore } from "./boardStore";
import { card, column, emptySnapshot, ev, opened } from "./boardStore.testing";

describe("the activity log", () => {
  it("shows a burst of live events newest first, each once", async () => {
    const frames: (() => void)[] = [];
    const todo = column("c-todo", "Todo", "a1");
    const store = new BoardStore(opened({ ...emptySnapshot(10), columns: [todo] }), {
      frame: (repaint) => frames.push(repaint),
    });
    const log = new ActivityLog(new BoardModel(store));
    await log.start();
    expect(log.entries).toEqual([]);

    for (let i = 0; i < 300; i++) {
      const data = card(`k${i}`, todo.id, `Card ${i}`, `a${String(i).padStart(3, "0")}`);
      store.receive({ type: "event", event: ev(11 + i, { kind: "card.created", data }) });
    }
    frames.splice(0).forEach((repaint) => repaint());
    // Told one after the other, shown together: the list is copied once for the burst, not once per event.
    expect(log.entries.length).toBe(0);
    await Promise.resolve();
    expect(log.entries.length).toBe(300);
    expect(log.entries[0].seq).toBe(310);
    expect(log.entries.at(-1)?.seq).toBe(11);
    expect(new Set(log.entries.map((e) => e.seq)).size).toBe(300);

    // The next event goes on top of them.
    store.receive({ type: "event", event: ev(311, { kind: "card.created", data: card("k300", todo.id, "Late", "b") }) });
    frames.splice(0).forEach((repaint) => repaint());
    await Promise.resolve();
    expect(log.entries.map((e) => e.seq).slice(0, 2)).toEqual([311, 310]);
    log.dispose();
  });
});
