// When to tell a person with a desktop notification, decided from the board's events (pure, so it is tested on its
// own): a teammate assigned them a card, mentioned them in a comment, or a card of theirs is due tomorrow. Their
// own changes never notify them.

import type { Card, CardId, Event, Member, MemberId } from "../bindings";
import { mentioned } from "./mentions";

export type NoticeKind = "assigned" | "mentioned" | "due";

export interface Notice {
  kind: NoticeKind;
  title: string;
  body: string;
}

const quote = (text: string) => `«${text}»`;

/**
 * The notice an event gives `me`, if any. `assigneesBefore` is who the card was assigned to before the event;
 * `names` are the board's members; `card` finds a card's title.
 */
export function noticeFor(
  event: Event,
  me: MemberId,
  assigneesBefore: MemberId[] | undefined,
  members: readonly Member[],
  card: (id: CardId) => Card | undefined,
): Notice | null {
  if (event.actor === me) return null;
  const who = members.find((m) => m.id === event.actor)?.name ?? "A teammate";
  switch (event.kind) {
    case "card.created":
    case "card.updated":
      if (event.data.assignee_ids?.includes(me) && !assigneesBefore?.includes(me)) {
        return { kind: "assigned", title: `${who} assigned you a card`, body: quote(event.data.title) };
      }
      return null;
    case "comment.created": {
      if (!mentioned(event.data.body, members).some((m) => m.id === me)) return null;
      const title = card(event.data.card_id)?.title;
      const line = event.data.body.trim().split("\n")[0] ?? "";
      return {
        kind: "mentioned",
        title: `${who} mentioned you${title ? ` on ${quote(title)}` : ""}`,
        body: line.length > 120 ? `${line.slice(0, 119)}…` : line,
      };
    }
    default:
      return null;
  }
}

/** The cards assigned to `me` that are due on `tomorrow` (`YYYY-MM-DD`). */
export function dueTomorrow(cards: Iterable<Card>, me: MemberId, tomorrow: string): Card[] {
  return [...cards].filter((c) => c.assignee_ids?.includes(me) && c.due_date === tomorrow);
}

/** Which kinds of notice a person wants; all by default. */
export type NoticePrefs = Record<NoticeKind, boolean>;
