// Small pure formatting helpers shared by components: initials, readable text on a colour, times and due dates.

/** Up to two initials of a name ("Ana Lima" → "AL", "bo" → "B"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const first = [...words[0]][0] ?? "";
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? "") : "";
  return (first + last).toUpperCase();
}

/** Black or white, whichever reads better on `hex` (`#rrggbb`). */
export function textOn(hex: string): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return "#fff";
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with white is (1.05)/(lum+0.05), with black (lum+0.05)/0.05: pick the larger.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 ? "#fff" : "#111";
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `HH:MM` in local time. */
export function clock(timestamp: string | number | Date): string {
  const d = new Date(timestamp);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `HH:MM:SS` in local time. */
export function clockSeconds(timestamp: string | number | Date): string {
  const d = new Date(timestamp);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Today as `YYYY-MM-DD` in local time. */
export function today(now = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A due date's state relative to today. */
export function dueState(due: string, now = new Date()): "overdue" | "today" | "later" {
  const t = today(now);
  return due < t ? "overdue" : due === t ? "today" : "later";
}

/** `26 Nov`, with the year when it is not this year. */
export function shortDate(date: string, now = new Date()): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const label = `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]}`;
  return Number(m[1]) === now.getFullYear() ? label : `${label} ${m[1]}`;
}

/** A timestamp as the recent list shows it: "Today 14:32", "Yesterday 09:10", "12 Nov", "12 Nov 2025". */
export function when(timestamp: string, now = new Date()): string {
  const d = new Date(timestamp);
  const day = today(d);
  if (day === today(now)) return `Today ${clock(d)}`;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (day === today(yesterday)) return `Yesterday ${clock(d)}`;
  return shortDate(day, now);
}

/** "1 card", "3 cards". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A host certificate fingerprint as people compare it: its first 16 characters in groups of four
 *  ("ungW v48B z-pB QUDe"), 96 bits, enough that no other certificate matches by chance or by effort. */
export function shortFingerprint(fingerprint: string): string {
  return (fingerprint.slice(0, 16).match(/.{1,4}/g) ?? []).join(" ");
}

/** A moment as a comment shows it: "just now", "5 min ago", "3 h ago", then as `when` does. */
export function ago(timestamp: string, now = new Date()): string {
  const seconds = (now.getTime() - new Date(timestamp).getTime()) / 1000;
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 6 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return when(timestamp, now);
}
