// @vitest-environment happy-dom
// One press-and-drag: a press that travels becomes a drag; releasing drops it, an interruption cancels it.

import { describe, expect, it, vi } from "vitest";
import { followPointer } from "./pointerGesture";

function press(x = 10, y = 10) {
  const el = document.createElement("div");
  document.body.append(el);
  const handlers = { start: vi.fn(), move: vi.fn(), drop: vi.fn(), cancel: vi.fn() };
  followPointer(new PointerEvent("pointerdown", { clientX: x, clientY: y, pointerId: 1 }), el, handlers);
  const send = (type: string, clientX = x, clientY = y) =>
    window.dispatchEvent(new PointerEvent(type, { clientX, clientY, pointerId: 1, cancelable: true }));
  return { handlers, send };
}

describe("a pointer gesture", () => {
  it("stays a click while the pointer travels less than the threshold", () => {
    const { handlers, send } = press();
    send("pointermove", 12, 11);
    send("pointerup", 12, 11);
    expect(handlers.start).not.toHaveBeenCalled();
    expect(handlers.drop).not.toHaveBeenCalled();
  });

  it("starts a drag from where the pointer was pressed, follows it, and drops where it is released", () => {
    const { handlers, send } = press();
    send("pointermove", 30, 10);
    expect(handlers.start).toHaveBeenCalledWith(10, 10);
    send("pointermove", 50, 20);
    expect(handlers.move).toHaveBeenCalledTimes(2);
    send("pointerup", 60, 20);
    expect(handlers.drop).toHaveBeenCalledTimes(1);
    expect(handlers.drop.mock.calls[0][0].clientX).toBe(60);
    expect(handlers.cancel).not.toHaveBeenCalled();
  });

  it("cancels, never drops, when the system interrupts the drag", () => {
    const { handlers, send } = press();
    send("pointermove", 30, 10);
    send("pointercancel");
    expect(handlers.cancel).toHaveBeenCalledTimes(1);
    expect(handlers.drop).not.toHaveBeenCalled();
    // The gesture is over: a later release is someone else's.
    send("pointerup", 40, 10);
    expect(handlers.drop).not.toHaveBeenCalled();
  });

  it("has nothing to cancel when interrupted before it travelled", () => {
    const { handlers, send } = press();
    send("pointercancel");
    expect(handlers.cancel).not.toHaveBeenCalled();
  });
});
