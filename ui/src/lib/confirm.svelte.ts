// One confirmation dialog for every destructive action: `await ask({...})` answers true when confirmed.

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  /** Red confirm button. */
  danger?: boolean;
}

interface Open extends ConfirmRequest {
  resolve: (ok: boolean) => void;
}

export const confirmation = $state<{ open: Open | null }>({ open: null });

export function ask(request: ConfirmRequest): Promise<boolean> {
  confirmation.open?.resolve(false);
  return new Promise((resolve) => {
    confirmation.open = { ...request, resolve };
  });
}

export function answer(ok: boolean): void {
  const open = confirmation.open;
  confirmation.open = null;
  open?.resolve(ok);
}
