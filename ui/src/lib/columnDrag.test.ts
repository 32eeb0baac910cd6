// @vitest-environment happy-dom
// Moving a column by its header: released, it moves; interrupted (pointercancel), it stays where it was.

import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Column } from "../bindings";
import { ColumnDrag, columnPlace } from "./columnDrag.svelte";

function box(el: HTMLElement, left: number, width: number): void {
  el.getBoundingClientRect = () =>
    ({ left, right: left + width, top: 0, bottom: 600, width, height: 600, x: left, y: 0, toJSON() {} }) as DOMRect;
}

/** A board of three columns, 280 px wide with 12 px gaps: To do, Doing, Done. */
function board() {
  document.body.innerHTML = "";
  const scroller = document.createElement("div");
  box(scroller, 0, 1000);
  const headers = new Map<string, HTMLElement>();
  ["todo", "doing", "done"].forEach((id, i) => {
    const column = document.createElement("section");
    column.dataset.columnId = id;
    box(column, i * 292, 280);
    const header = document.createElement("header");
    column.append(header);
    scroller.append(column);
    headers.set(id, header);
  });
  document.body.append(scroller);
  const model = {
    columns: [{ id: "todo" }, { id: "doing" }, { id: "done" }] as Column[],
    moveColumn: vi.fn(async () => ({ status: "ok" as const, data: "done" as const })),
  };
  const drag = new ColumnDrag(model, () => scroller);
  /** Presses To do's header and drags it to x = 700, past Doing's middle. */
  const grabTodoPastDoing = () => {
    const header = headers.get("todo")!;
    header.addEventListener("pointerdown", (e) => drag.pointerDown(e, "todo", header), { once: true });
    header.dispatchEvent(new PointerEvent("pointerdown", { clientX: 100, clientY: 20, button: 0, pointerId: 1, bubbles: true }));
    window.dispatchEvent(new PointerEvent("pointermove", { clientX: 700, clientY: 20, pointerId: 1, cancelable: true }));
  };
  return { model, drag, grabTodoPastDoing };
}

describe("moving a column", () => {
  beforeEach(() => document.body.classList.remove("dragging"));

  it("moves it where it is released", () => {
    const { model, drag, grabTodoPastDoing } = board();
    grabTodoPastDoing();
    expect(drag.columnId).toBe("todo");
    expect(drag.dropBefore).toBe("done");
    window.dispatchEvent(new PointerEvent("pointerup", { clientX: 700, clientY: 20, pointerId: 1 }));
    expect(model.moveColumn).toHaveBeenCalledWith("todo", { before: "done" });
    expect(drag.columnId).toBeNull();
  });

  it("moves nothing when the drag is interrupted (pointercancel)", () => {
    const { model, drag, grabTodoPastDoing } = board();
    grabTodoPastDoing();
    expect(document.body.classList.contains("dragging")).toBe(true);
    window.dispatchEvent(new PointerEvent("pointercancel", { pointerId: 1 }));
    expect(model.moveColumn).not.toHaveBeenCalled();
    expect(drag.columnId).toBeNull();
    expect(drag.dropBefore).toBeNull();
    expect(document.body.classList.contains("dragging")).toBe(false);
    // Nothing is left listening: a later release moves nothing either.
    window.dispatchEvent(new PointerEvent("pointerup", { clientX: 700, clientY: 20, pointerId: 1 }));
    expect(model.moveColumn).not.toHaveBeenCalled();
  });

  it("is not started from the header's buttons", () => {
    const { model, drag } = board();
    const header = document.querySelector<HTMLElement>('[data-column-id="todo"] header')!;
    const menu = document.createElement("button");
    header.append(menu);
    header.addEventListener("pointerdown", (e) => drag.pointerDown(e, "todo", header), { once: true });
    menu.dispatchEvent(new PointerEvent("pointerdown", { clientX: 100, clientY: 20, button: 0, pointerId: 1, bubbles: true }));
    window.dispatchEvent(new PointerEvent("pointermove", { clientX: 700, clientY: 20, pointerId: 1 }));
    window.dispatchEvent(new PointerEvent("pointerup", { clientX: 700, clientY: 20, pointerId: 1 }));
    expect(drag.columnId).toBeNull();
    expect(model.moveColumn).not.toHaveBeenCalled();
  });
});

describe("where a dropped column goes", () => {
  const order = ["todo", "doing", "done"];

  it("goes before the column it was dropped in front of, or after the last one at the end", () => {
    expect(columnPlace(order, "todo", "done")).toEqual({ before: "done" });
    expect(columnPlace(order, "done", "todo")).toEqual({ before: "todo" });
    expect(columnPlace(order, "todo", "end")).toEqual({ after: "done" });
  });

  it("stays when dropped where it already is", () => {
    expect(columnPlace(order, "todo", "doing")).toBeNull();
    expect(columnPlace(order, "doing", "doing")).toBeNull();
    expect(columnPlace(order, "done", "end")).toBeNull();
  });
});
