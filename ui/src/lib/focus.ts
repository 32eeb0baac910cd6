// Keeps Tab inside a modal (a Svelte attachment: `{@attach trapFocus}`).

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function trapFocus(node: HTMLElement): () => void {
  function onkeydown(e: KeyboardEvent): void {
    if (e.key !== "Tab") return;
    const items = [...node.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (e.shiftKey && (active === first || active === node)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  }
  node.addEventListener("keydown", onkeydown);
  return () => node.removeEventListener("keydown", onkeydown);
}

// Keeps the focus where the person put it while the page is redrawn around it (a Svelte attachment on the board's
// columns, the card's dialog and the side panels: `{@attach keepFocus}`). A teammate's change that moves a column, a
// card or a checklist item moves its element in the page, and an element taken out of the page loses the focus, even
// when it is put back at once: the engine hands the focus to the page without a blur event. The person typing a
// card's title in that column would see their next keys go nowhere, or to the board's shortcuts. So when the focus
// was lost that way (nothing has it), it comes back:
// - to the element itself, with its caret or selection, when it is on the page again;
// - to the element drawn anew with the same `data-focus-key` (a card a teammate moved to another column, a task
//   box in a description's preview drawn with the new description);
// - in a list whose rows carry `data-focus-row`, when the row went (restored, deleted, renamed by a teammate, or
//   by the person's own button in it) or the control was drawn anew in it: to the row that now stands in its
//   place, or the last one, on the control with the same `data-focus-role` (or, without roles, the same kind of
//   control at the same place in the row: never another kind, such as a Delete button); with no row left, to what
//   the list's `data-focus-then` names (a selector, looked up beside the list first), unless what held the list
//   went too (a checklist a teammate deleted: the focus does not jump to another one).
// A focus the person moves away themselves (a click elsewhere, Tab) is left where they moved it.
export function keepFocus(node: HTMLElement): () => void {
  let kept: HTMLElement | null = null;
  let place: Place | null = null;
  function onfocusin(e: FocusEvent): void {
    kept = e.target instanceof HTMLElement ? e.target : null;
    place = kept ? placeOf(kept, node) : null;
  }
  function onfocusout(e: FocusEvent): void {
    // An engine that does send a blur as the element leaves the page sends it while it is still in place:
    // then nothing is kept, as before; the focus only comes back where no blur was sent.
    if (e.target === kept) {
      kept = null;
      place = null;
    }
  }
  const observer = new MutationObserver(() => {
    if (!kept) return;
    const active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) {
      // Still focused: where it stands now, should its row go later.
      if (kept.isConnected && active === kept) place = placeOf(kept, node);
      return;
    }
    if (!kept.isConnected || !node.contains(kept)) {
      const again = drawnAgain(kept, node) ?? (place ? inPlace(place, node) : null);
      kept = again;
      place = again ? placeOf(again, node) : null;
      again?.focus({ preventScroll: true });
      return;
    }
    const field = kept instanceof HTMLInputElement || kept instanceof HTMLTextAreaElement ? kept : null;
    const start = field?.selectionStart ?? null;
    const end = field?.selectionEnd ?? null;
    kept.focus({ preventScroll: true });
    if (field && start !== null && end !== null) field.setSelectionRange(start, end, field.selectionDirection ?? undefined);
  });
  observer.observe(node, { childList: true, subtree: true });
  node.addEventListener("focusin", onfocusin);
  node.addEventListener("focusout", onfocusout);
  return () => {
    observer.disconnect();
    node.removeEventListener("focusin", onfocusin);
    node.removeEventListener("focusout", onfocusout);
  };
}

/** Where a focused element stands in a list of rows (`data-focus-row`), to find its place once its row is gone. */
interface Place {
  list: Element;
  /** The list's parent, where `data-focus-then` is looked up first (the list itself may go with its last row). */
  scope: Element | null;
  then: string | null;
  index: number;
  role: string | null;
  slot: number;
  /** The control's kind ("BUTTON", "INPUT:checkbox"): a control found by its place must be of the same kind. */
  kind: string;
}

function kindOf(el: Element): string {
  return el instanceof HTMLInputElement ? `INPUT:${el.type}` : el.tagName;
}

function rowsOf(list: Element): HTMLElement[] {
  return [...list.children].filter((row): row is HTMLElement => row instanceof HTMLElement && row.hasAttribute("data-focus-row"));
}

function placeOf(el: HTMLElement, node: HTMLElement): Place | null {
  const row = el.closest<HTMLElement>("[data-focus-row]");
  const list = row?.parentElement;
  if (!row || !list || !node.contains(list)) return null;
  return {
    list,
    scope: list.parentElement,
    then: list.getAttribute("data-focus-then"),
    index: rowsOf(list).indexOf(row),
    role: el.dataset.focusRole ?? null,
    slot: controlsOf(row).indexOf(el),
    kind: kindOf(el),
  };
}

/** What can take the focus in a row: the row itself (a chip), or the controls in it. */
function controlsOf(row: HTMLElement): HTMLElement[] {
  const inside = [...row.querySelectorAll<HTMLElement>(FOCUSABLE)];
  return row.matches(FOCUSABLE) ? [row, ...inside] : inside;
}

/** The control in `row` like the one `place` had: the same role, or without roles the same kind at the same place. */
function sameControl(row: HTMLElement, place: Place): HTMLElement | null {
  if (place.role) return row.querySelector<HTMLElement>(`[data-focus-role="${CSS.escape(place.role)}"]`);
  const controls = controlsOf(row);
  const there = controls[Math.min(Math.max(place.slot, 0), controls.length - 1)];
  return there && !there.dataset.focusRole && kindOf(there) === place.kind ? there : null;
}

/** The element with the same focus key, drawn anew. */
function drawnAgain(gone: HTMLElement, node: HTMLElement): HTMLElement | null {
  const key = gone.dataset.focusKey;
  return key ? node.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`) : null;
}

/** The control standing where the gone one stood: in the row now at its place (or the nearest one after it, then
 *  before it, that has such a control), or what the list names after it. */
function inPlace(place: Place, node: HTMLElement): HTMLElement | null {
  const rows = place.list.isConnected ? rowsOf(place.list) : [];
  const at = Math.min(Math.max(place.index, 0), rows.length);
  for (const row of [...rows.slice(at), ...rows.slice(0, at).reverse()]) {
    const same = sameControl(row, place);
    if (same) return same;
  }
  if (!place.then || !place.scope?.isConnected) return null;
  return place.scope.querySelector<HTMLElement>(place.then) ?? node.querySelector<HTMLElement>(place.then);
}
