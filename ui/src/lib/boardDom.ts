// Finding the board's elements by their `data-*` hooks, never by the end-to-end tests' `data-testid`s: a card on
// the board is `[data-card-id]` (the lifted copy under the pointer has none), a column `[data-column-id]`, its
// scrolling list of cards `[data-card-list]`, the place a moved card would land `[data-drop-indicator]`.

import type { CardId } from "../bindings";

/** The card `id` as painted on the board, if it is painted. */
export function cardElement(id: CardId): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-card-id="${CSS.escape(id)}"]`);
}

/** The columns inside `root`, left to right. */
export function columnElements(root: ParentNode): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>("[data-column-id]")];
}

/** A column's scrolling list of cards. */
export function cardListOf(column: HTMLElement): HTMLElement | null {
  return column.querySelector<HTMLElement>("[data-card-list]");
}

/** The cards painted in a list, top to bottom. */
export function cardElements(list: ParentNode): HTMLElement[] {
  return [...list.querySelectorAll<HTMLElement>("[data-card-id]")];
}

/** The column holding `el` (a card, a button in its header…). */
export function columnOf(el: Element | null): HTMLElement | null {
  return el?.closest<HTMLElement>("[data-column-id]") ?? null;
}

/** Where a card moved with the keyboard would land. */
export function dropIndicator(): HTMLElement | null {
  return document.querySelector<HTMLElement>("[data-drop-indicator]");
}
