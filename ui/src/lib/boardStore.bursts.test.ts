// The board store under a teammate's burst: a 2,000-card board repaints only the column that changed, many events
// are painted once per frame, and listeners hear each event once the view shows it.

import { describe, expect, it } from "vitest";
import type { Card, SubmitOutcome } from "../bindings";
import { BoardStore, type Result } from "./boardStore";
import { column, card, member, ev, emptySnapshot, opened, storeAt, titles } from "./boardStore.testing";

describe("a large board", () => {
  it("applies events to a 2,000-card board and repaints only the changed column", () => {
    const columns = Array.from({ length: 5 }, (_, i) => column(`c${i}`, `Column ${i}`, `a${i}`));
    const cards: Card[] = [];
    for (const c of columns) {
      for (let i = 0; i < 400; i++) cards.push(card(`${c.id}-k${i}`, c.id, `Card ${i}`, `a${String(i).padStart(4, "0")}`));
    }
    const { store } = storeAt({ ...emptySnapshot(10), columns, cards });
    const first = store.view;
    for (let i = 0; i < 500; i++) {
      const target = cards[(i * 37) % 400];
      store.receive({
        type: "event",
        event: ev(11 + i, { kind: "card.updated", data: { ...target, title: `Edited ${i}`, version: 2 + i } }),
      });
      void store.view;
    }
    expect(store.view.cards.length).toBe(2000);
    // Only column 0 was touched: the others keep the very same arrays.
    for (const c of columns.slice(1)) expect(store.view.byColumn.get(c.id)).toBe(first.byColumn.get(c.id));
    expect(store.view.byColumn.get("c0")).not.toBe(first.byColumn.get("c0"));
  });
});

describe("a burst of events", () => {
  it("is painted once per frame, and its listeners hear each event in order once the view shows it", () => {
    const frames: (() => void)[] = [];
    const todo = column("c-todo", "Todo", "a1");
    const store = new BoardStore(opened({ ...emptySnapshot(10), columns: [todo] }), {
      frame: (repaint) => frames.push(repaint),
      send: () => new Promise<Result<SubmitOutcome>>(() => {}),
    });
    let paints = 0;
    store.subscribe(() => paints++);
    const heard: [number, number][] = [];
    store.onEvent((e) => heard.push([e.seq, store.view.byColumn.get(todo.id)?.length ?? 0]));
    const before = store.view;
    for (let i = 0; i < 50; i++) {
      store.receive({ type: "event", event: ev(11 + i, { kind: "card.created", data: card(`k${i}`, todo.id, `Card ${i}`, `a${String(i).padStart(3, "0")}`) }) });
    }
    // Nothing painted before the frame: one repaint is asked for, whatever the number of events.
    expect(frames.length).toBe(1);
    expect(paints).toBe(0);
    expect(heard).toEqual([]);
    expect(store.view).toBe(before);
    expect(store.confirmed.cards.length).toBe(50);

    frames[0]();
    expect(paints).toBe(1);
    expect(store.view.byColumn.get(todo.id)?.length).toBe(50);
    // Each event once, in order, with the view already showing the whole burst.
    expect(heard.map(([seq]) => seq)).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i));
    expect(heard.every(([, shown]) => shown === 50)).toBe(true);

    // The next event asks for the next frame; a change made meanwhile paints at once, events included.
    store.receive({ type: "event", event: ev(61, { kind: "card.created", data: card("k-late", todo.id, "Late", "b0") }) });
    expect(frames.length).toBe(2);
    void store.submit({ kind: "update_card", card: "k0", patch: { title: "Renamed" }, base: null });
    expect(paints).toBe(2);
    expect(store.view.cardById.get("k0")?.title).toBe("Renamed");
    expect(heard.at(-1)?.[0]).toBe(61);
    expect(store.view.byColumn.get(todo.id)?.length).toBe(51);
    // Its frame then finds nothing left to do.
    frames[1]();
    expect(paints).toBe(2);
  });

  it("may come as one message of several events, applied in order", () => {
    const todo = column("c-todo", "Todo", "a1");
    const { store } = storeAt({ ...emptySnapshot(10), columns: [todo] });
    const heard: number[] = [];
    store.onEvent((e) => heard.push(e.seq));
    const events = [0, 1, 2].map((i) => ev(11 + i, { kind: "card.created", data: card(`k${i}`, todo.id, `Card ${i}`, `a${i}`) }));
    store.receive({ type: "events", events });
    expect(titles(store.view.byColumn.get(todo.id)!)).toEqual(["Card 0", "Card 1", "Card 2"]);
    expect(store.view.seq).toBe(13);
    expect(heard).toEqual([11, 12, 13]);
  });

  it("is dropped with the board when the board is left before its frame", () => {
    const frames: (() => void)[] = [];
    const store = new BoardStore(opened(emptySnapshot(10)), { frame: (repaint) => frames.push(repaint) });
    let paints = 0;
    store.subscribe(() => paints++);
    const heard: number[] = [];
    store.onEvent((e) => heard.push(e.seq));
    store.receive({ type: "event", event: ev(11, { kind: "member.joined", data: member("m-bo", "Bo") }) });
    store.detach();
    frames[0]();
    expect(paints).toBe(0);
    expect(heard).toEqual([]);
  });
});

