// Toasts: short messages bottom-right (errors in the server's words, and notices), gone after ~5 s.

export type ToastKind = "error" | "notice";

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

let next = 1;

export const toasts = $state<{ list: Toast[] }>({ list: [] });

export function dismiss(id: number): void {
  toasts.list = toasts.list.filter((t) => t.id !== id);
}

export function toast(message: string, kind: ToastKind = "notice", ms = 5000): void {
  const id = next++;
  // The same message twice in a row is shown once.
  if (toasts.list.some((t) => t.message === message)) return;
  toasts.list = [...toasts.list.slice(-3), { id, kind, message }];
  setTimeout(() => dismiss(id), ms);
}

export function toastError(error: { message: string }): void {
  toast(error.message, "error");
}
