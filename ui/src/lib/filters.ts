// Which cards the board shows: the filter's rules, kept pure so they are tested on their own. A card passes when it
// matches the text (title or description) and every kind of facet chosen: one of the chosen labels, one of the
// chosen people ("nobody" for an unassigned card), and the chosen due window. Within a kind the choices are "or";
// across kinds, "and".

import type { Card } from "../bindings";

/** Due windows: past due, due in the next seven days (today included), or no due date. */
export type DueWindow = "overdue" | "week" | "none";

/** The id the people facet uses for unassigned cards. */
export const NOBODY = "nobody";

export interface Criteria {
  /** Lower-cased, trimmed text; "" for none. */
  text: string;
  /** Label names. */
  labels: ReadonlySet<string>;
  /** Member ids, and NOBODY. */
  people: ReadonlySet<string>;
  due: DueWindow | null;
}

/** Whether the criteria filter anything. */
export function filtering(c: Criteria): boolean {
  return c.text !== "" || c.labels.size > 0 || c.people.size > 0 || c.due !== null;
}

/** `YYYY-MM-DD` of `day` plus `days`, in local time. */
function plusDays(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(y, m - 1, d + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Whether `card` passes `criteria` on `today` (`YYYY-MM-DD`). */
export function passes(card: Card, criteria: Criteria, today: string): boolean {
  const q = criteria.text;
  if (q && !card.title.toLowerCase().includes(q) && !card.description.toLowerCase().includes(q)) return false;
  if (criteria.labels.size && !card.labels.some((l) => criteria.labels.has(l.name))) return false;
  if (criteria.people.size) {
    const people = card.assignee_ids?.length ? card.assignee_ids : [NOBODY];
    if (!people.some((p) => criteria.people.has(p))) return false;
  }
  switch (criteria.due) {
    case null:
      return true;
    case "none":
      return !card.due_date;
    case "overdue":
      return !!card.due_date && card.due_date < today;
    case "week":
      return !!card.due_date && card.due_date >= today && card.due_date <= plusDays(today, 6);
  }
}
