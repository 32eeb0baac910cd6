// A popover's way out: a press anywhere outside it, or Escape inside it (which then goes no further, so the board
// or dialog behind keeps its own Escape). Attached to the element that holds the popover and its button.

/** An attachment that calls `close` while `isOpen()`, on a press outside the element or Escape within it. */
export function dismissable(isOpen: () => boolean, close: () => void): (root: HTMLElement) => () => void {
  return (root) => {
    const pressed = (e: PointerEvent) => {
      if (isOpen() && !root.contains(e.target as Node)) close();
    };
    const key = (e: KeyboardEvent) => {
      if (isOpen() && e.key === "Escape") {
        e.stopPropagation();
        close();
      }
    };
    window.addEventListener("pointerdown", pressed);
    root.addEventListener("keydown", key);
    return () => {
      window.removeEventListener("pointerdown", pressed);
      root.removeEventListener("keydown", key);
    };
  };
}
