// One press-and-drag of the pointer, shared by moving cards and moving columns: a press becomes a drag once the
// pointer travels a few pixels; releasing it drops, and an interrupted gesture (`pointercancel`: the system took
// the pointer, a touch became a scroll) cancels and commits nothing. Pointer events with capture, never HTML5
// drag and drop, so WebDriver can drive it.

/** Pointer travel (px) below which a press is a click, not a drag. */
export const DRAG_THRESHOLD = 4;

/** What a drag does at each stage; none is called for a press that never travels (it stays a click). */
export interface DragHandlers {
  /** The pointer travelled past the threshold from where it was pressed: the drag begins. */
  start(startX: number, startY: number): void;
  /** The pointer moved during the drag. */
  move(ev: PointerEvent): void;
  /** The pointer was released during the drag: commit. */
  drop(ev: PointerEvent): void;
  /** The drag was interrupted: undo what `start` did and commit nothing. */
  cancel(): void;
}

/** Follows the pointer pressed in `down` until it is released or the gesture is interrupted. `el` captures the
 *  pointer, so the drag goes on outside the window. */
export function followPointer(down: PointerEvent, el: Element, handlers: DragHandlers): void {
  const startX = down.clientX;
  const startY = down.clientY;
  let dragging = false;
  const move = (ev: PointerEvent) => {
    if (!dragging) {
      if (Math.hypot(ev.clientX - startX, ev.clientY - startY) < DRAG_THRESHOLD) return;
      dragging = true;
      handlers.start(startX, startY);
    }
    ev.preventDefault();
    handlers.move(ev);
  };
  const up = (ev: PointerEvent) => {
    stop();
    if (dragging) handlers.drop(ev);
  };
  const cancel = () => {
    stop();
    if (dragging) handlers.cancel();
  };
  const stop = () => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", up);
    window.removeEventListener("pointercancel", cancel);
    try {
      el.releasePointerCapture(down.pointerId);
    } catch {
      // Already released.
    }
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", up);
  window.addEventListener("pointercancel", cancel);
  try {
    el.setPointerCapture(down.pointerId);
  } catch {
    // The window listeners follow the pointer anyway.
  }
}
