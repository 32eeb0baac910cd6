// Moving a column by dragging its header: the column fades, a label follows the pointer, a line shows where it
// would land, and the move is sent once, when the pointer is released. An interrupted drag moves nothing.

import type { ColumnId } from "../bindings";
import type { BoardModel } from "./board.svelte";
import { followPointer } from "./pointerGesture";
import { scrollBoardNearEdge } from "./autoscroll";
import { columnElements } from "./boardDom";

/** Where a column can be put: before another column, or at the end. */
export type ColumnSlot = ColumnId | "end";

export class ColumnDrag {
  /** The column being moved. */
  columnId = $state<ColumnId | null>(null);
  /** The column the moved one would land before, or "end". */
  dropBefore = $state<ColumnSlot | null>(null);
  /** The pointer, where the label follows it. */
  ghostX = $state(0);
  ghostY = $state(0);

  private readonly model: Pick<BoardModel, "columns" | "moveColumn">;
  private readonly scroller: () => HTMLElement | null;

  /** `scroller`: the board's horizontal scroller, which holds the columns. */
  constructor(model: Pick<BoardModel, "columns" | "moveColumn">, scroller: () => HTMLElement | null) {
    this.model = model;
    this.scroller = scroller;
  }

  /** A press on the header of `column` (not on one of its buttons or fields). */
  pointerDown(e: PointerEvent, column: ColumnId, el: HTMLElement): void {
    const scroller = this.scroller();
    if (e.button !== 0 || this.columnId || !scroller) return;
    if ((e.target as HTMLElement).closest("button, input, textarea, select, a")) return;
    /** The other columns' horizontal midpoints in the board's scroll coordinates. */
    let mids: { id: ColumnId; mid: number }[] = [];
    followPointer(e, el, {
      start: () => {
        mids = midpoints(scroller, column);
        this.columnId = column;
        document.body.classList.add("dragging");
      },
      move: (ev) => {
        this.ghostX = ev.clientX;
        this.ghostY = ev.clientY;
        const sr = scroller.getBoundingClientRect();
        const bx = ev.clientX - sr.left + scroller.scrollLeft;
        this.dropBefore = mids.find((m) => m.mid > bx)?.id ?? "end";
        scrollBoardNearEdge(scroller, ev.clientX);
      },
      drop: () => {
        const before = this.dropBefore;
        this.end();
        const place = before ? columnPlace(this.model.columns.map((c) => c.id), column, before) : null;
        if (place) void this.model.moveColumn(column, place);
      },
      cancel: () => this.end(),
    });
  }

  private end(): void {
    this.columnId = null;
    this.dropBefore = null;
    document.body.classList.remove("dragging");
  }
}

function midpoints(scroller: HTMLElement, moving: ColumnId): { id: ColumnId; mid: number }[] {
  const sr = scroller.getBoundingClientRect();
  return columnElements(scroller)
    .filter((c) => c.dataset.columnId !== moving)
    .map((c) => {
      const r = c.getBoundingClientRect();
      return { id: c.dataset.columnId!, mid: r.left - sr.left + scroller.scrollLeft + r.width / 2 };
    });
}

/** The move that puts `column` before `before` among `order` (the columns' ids, left to right), or null when it
 *  would stay where it is. */
export function columnPlace(
  order: ColumnId[],
  column: ColumnId,
  before: ColumnSlot,
): { before: ColumnId } | { after: ColumnId } | null {
  const nextNow = order[order.indexOf(column) + 1] ?? "end";
  if (before === nextNow || before === column) return null;
  if (before !== "end") return { before };
  const last = order.filter((id) => id !== column).at(-1);
  return last ? { after: last } : null;
}
