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

// Keeps the focus where the person put it while the board is redrawn around it (a Svelte attachment on the board's
// columns and on the card's dialog: `{@attach keepFocus}`). A teammate's change that moves a column, a card or a
// checklist item moves its element in the page,
// and an element taken out of the page loses the focus, even when it is put back at once: the engine hands the focus
// to the page without a blur event. The person typing a card's title in that column would see their next keys go
// nowhere, or to the board's shortcuts. So when the focus was lost that way (nothing has it, and the element is on
// the page again), the element gets it back, with its caret or selection. A focus the person moves away themselves
// (a click elsewhere, Tab) is left where they moved it.
export function keepFocus(node: HTMLElement): () => void {
  let kept: HTMLElement | null = null;
  function onfocusin(e: FocusEvent): void {
    kept = e.target instanceof HTMLElement ? e.target : null;
  }
  function onfocusout(e: FocusEvent): void {
    // An engine that does send a blur as the element leaves the page sends it while it is still in place:
    // then nothing is kept, as before; the focus only comes back where no blur was sent.
    if (e.target === kept) kept = null;
  }
  const observer = new MutationObserver(() => {
    if (!kept) return;
    const active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    if (!kept.isConnected || !node.contains(kept)) {
      // A card a teammate moved to another column is drawn there anew: the focus follows the card.
      const card = kept.dataset.cardId;
      const again = card ? node.querySelector<HTMLElement>(`[data-card-id="${CSS.escape(card)}"]`) : null;
      kept = again;
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
