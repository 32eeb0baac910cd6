// What the start screen remembers between runs to prefill its forms: the person's name and the last address typed.
// Storage may be unavailable; prefilling is only a convenience, so failures are ignored.

export const NAME_KEY = "lanban.memberName";
export const ADDRESS_KEY = "lanban.lastAddress";

/** The text remembered under `key`, or "". */
export function recall(key: string): string {
  try {
    return localStorage.getItem(key) ?? "";
  } catch {
    return "";
  }
}

export function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage may be unavailable; prefilling is only a convenience.
  }
}
