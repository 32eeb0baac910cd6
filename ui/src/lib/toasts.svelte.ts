// Toasts: short messages bottom-right (errors in the server's words, and notices), gone after ~5 s; a toast may
// carry one action (Undo), pressed within its time.

export type ToastKind = "error" | "notice";

/** A button on a toast (e.g. Undo); pressing it runs `run` and dismisses the toast. */
export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  action?: ToastAction;
}

let next = 1;

export const toasts = $state<{ list: Toast[] }>({ list: [] });

export function dismiss(id: number): void {
  toasts.list = toasts.list.filter((t) => t.id !== id);
}

/** Shows a toast; answers its id (to dismiss it early). */
export function toast(message: string, kind: ToastKind = "notice", ms = 5000, action?: ToastAction): number {
  const id = next++;
  // The same message twice in a row is shown once (a toast with an action replaces its twin: its action is newer).
  const twin = toasts.list.find((t) => t.message === message);
  if (twin && !action) return twin.id;
  const rest = twin ? toasts.list.filter((t) => t !== twin) : toasts.list;
  toasts.list = [...rest.slice(-3), { id, kind, message, action }];
  setTimeout(() => dismiss(id), ms);
  return id;
}

export function toastError(error: { message: string }): void {
  toast(error.message, "error");
}
