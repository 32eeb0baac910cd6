// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { dismissable } from "./dismiss";

describe("dismissable popovers", () => {
  it("close on a press outside or Escape inside, only while open", () => {
    const root = document.createElement("div");
    const inside = document.createElement("button");
    const outside = document.createElement("button");
    root.append(inside);
    document.body.append(root, outside);
    let open = true;
    let closed = 0;
    const detach = dismissable(() => open, () => ((open = false), closed++))(root);

    inside.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
    expect(closed).toBe(0);
    outside.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
    expect(closed).toBe(1);

    open = true;
    let reachedWindow = false;
    window.addEventListener("keydown", () => (reachedWindow = true), { once: true });
    inside.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(closed).toBe(2);
    expect(reachedWindow).toBe(false);

    // Closed: presses and keys pass by; detached: nothing listens.
    outside.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
    expect(closed).toBe(2);
    open = true;
    detach();
    outside.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
    expect(closed).toBe(2);
  });
});
