// Scrolling while something is dragged near an edge: the board sideways, and a column's list of cards up or down.

/** Distance (px) from an edge of the board or a column within which a drag scrolls. */
export const EDGE = 56;

/** One frame of scrolling for a card held at (`x`, `y`): the board near its left or right edge, `list` (the
 *  column under the card) near its top or bottom. Answers whether anything scrolled. */
export function scrollNearEdges(scroller: HTMLElement, list: HTMLElement | null, x: number, y: number): boolean {
  let moved = false;
  const sr = scroller.getBoundingClientRect();
  const dx = x < sr.left + EDGE ? -(sr.left + EDGE - x) : x > sr.right - EDGE ? x - (sr.right - EDGE) : 0;
  if (dx) {
    const before = scroller.scrollLeft;
    scroller.scrollLeft += Math.round(dx / 4);
    moved ||= scroller.scrollLeft !== before;
  }
  if (list) {
    const lr = list.getBoundingClientRect();
    const dy = y < lr.top + EDGE / 2 ? -(lr.top + EDGE / 2 - y) : y > lr.bottom - EDGE ? y - (lr.bottom - EDGE) : 0;
    if (dy && x >= lr.left && x <= lr.right) {
      const before = list.scrollTop;
      list.scrollTop += Math.round(dy / 3);
      moved ||= list.scrollTop !== before;
    }
  }
  return moved;
}

/** Scrolls the board a step sideways while a column is held near its left or right edge. */
export function scrollBoardNearEdge(scroller: HTMLElement, x: number): void {
  const sr = scroller.getBoundingClientRect();
  if (x > sr.right - EDGE) scroller.scrollLeft += 12;
  else if (x < sr.left + EDGE) scroller.scrollLeft -= 12;
}
