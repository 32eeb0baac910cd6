// @vitest-environment happy-dom
// Moving a card with the pointer: released over another column, it moves there; interrupted, it stays.

import { describe, expect, it, vi } from "vitest";
import type { Card } from "../bindings";
import { CardDrag, type CardDragHost } from "./cardDrag.svelte";

function box(el: HTMLElement, left: number, top: number, width: number, height: number): void {
  el.getBoundingClientRect = () =>
    ({ left, top, width, height, right: left + width, bottom: top + height, x: left, y: top, toJSON() {} }) as DOMRect;
}

/** A board with "Buy milk" in To do and an empty Done, 280 px columns 12 px apart. */
function board() {
  document.body.innerHTML = "";
  const scroller = document.createElement("div");
  box(scroller, 0, 0, 1000, 600);
  const lists = ["todo", "done"].map((id, i) => {
    const column = document.createElement("section");
    column.dataset.columnId = id;
    box(column, i * 292, 0, 280, 600);
    const list = document.createElement("div");
    list.dataset.cardList = "";
    box(list, i * 292, 44, 280, 500);
    column.append(list);
    scroller.append(column);
    return list;
  });
  document.body.append(scroller);
  const milk = { id: "milk", column_id: "todo", title: "Buy milk" } as Card;
  const face = document.createElement("div");
  face.dataset.cardId = milk.id;
  box(face, 8, 50, 264, 60);
  lists[0].append(face);
  const host = {
    model: {
      pendingCards: new Set(),
      columns: [
        { id: "todo", title: "To do" },
        { id: "done", title: "Done" },
      ],
      moveCard: vi.fn(async () => ({ status: "ok" })),
    },
    filter: { cardsOf: (column: string) => (column === "todo" ? [milk] : []) },
    focus: { refocus: vi.fn() },
    scroller,
    announcement: "",
  };
  const drag = new CardDrag(host as unknown as CardDragHost);
  /** Presses "Buy milk" and carries it over Done. */
  const carryToDone = () => {
    face.addEventListener("pointerdown", (e) => drag.pointerDown(e, milk, face), { once: true });
    face.dispatchEvent(new PointerEvent("pointerdown", { clientX: 100, clientY: 70, button: 0, pointerId: 1, bubbles: true }));
    window.dispatchEvent(new PointerEvent("pointermove", { clientX: 400, clientY: 100, pointerId: 1, cancelable: true }));
  };
  return { host, drag, carryToDone };
}

describe("moving a card with the pointer", () => {
  it("moves it to the column where it is released", async () => {
    const { host, drag, carryToDone } = board();
    carryToDone();
    expect(drag.mode).toBe("pointer");
    expect(drag.overColumn).toBe("done");
    window.dispatchEvent(new PointerEvent("pointerup", { clientX: 400, clientY: 100, pointerId: 1 }));
    await Promise.resolve();
    expect(host.model.moveCard).toHaveBeenCalledWith("milk", "done", {});
    expect(host.announcement).toBe("Moved «Buy milk» to Done.");
    expect(drag.mode).toBeNull();
  });

  it("moves nothing when the drag is interrupted (pointercancel)", () => {
    const { host, drag, carryToDone } = board();
    carryToDone();
    window.dispatchEvent(new PointerEvent("pointercancel", { pointerId: 1 }));
    expect(host.model.moveCard).not.toHaveBeenCalled();
    expect(drag.mode).toBeNull();
    expect(drag.cardId).toBeNull();
    expect(document.body.classList.contains("dragging")).toBe(false);
  });
});
