import { describe, expect, it } from "vitest";
import type { Card, Change, Event, Member } from "../bindings";
import { dueTomorrow, noticeFor } from "./notices";

const T = "2026-12-01T09:00:00.000Z";
const member = (id: string, name: string): Member => ({ id, board_id: "b", name, color: "#3b82f6", role: "member", joined_at: T });
const members = [member("ann", "Ann"), member("bea", "Bea")];
const card = (assignee: string | null, due: string | null = null): Card => ({
  id: "k1",
  board_id: "b",
  column_id: "c",
  title: "Ship it",
  description: "",
  labels: [],
  assignee_ids: assignee ? [assignee] : [],
  due_date: due,
  position: "a0",
  version: 1,
  created_by: "bea",
  created_at: T,
  updated_at: T,
});
const ev = (change: Change, actor = "bea"): Event => ({ seq: 5, actor, at: T, ...change }) as Event;
const find = () => card(null);

describe("notices", () => {
  it("tell me when a teammate assigns me a card, once", () => {
    expect(noticeFor(ev({ kind: "card.updated", data: card("ann") }), "ann", [], members, find)).toEqual({
      kind: "assigned",
      title: "Bea assigned you a card",
      body: "«Ship it»",
    });
    expect(noticeFor(ev({ kind: "card.updated", data: card("ann") }), "ann", ["ann"], members, find)).toBeNull();
    expect(noticeFor(ev({ kind: "card.updated", data: card("ann") }, "ann"), "ann", [], members, find)).toBeNull();
    expect(noticeFor(ev({ kind: "card.updated", data: card("bea") }), "ann", [], members, find)).toBeNull();
    // Added beside a teammate already on the card: told too.
    const both = { ...card("bea"), assignee_ids: ["bea", "ann"] };
    expect(noticeFor(ev({ kind: "card.updated", data: both }), "ann", ["bea"], members, find)?.kind).toBe("assigned");
  });

  it("tell me when a teammate mentions me, not someone else", () => {
    const comment = (body: string): Change => ({
      kind: "comment.created",
      data: { id: "n1", board_id: "b", card_id: "k1", author_id: "bea", body, created_at: T, updated_at: T },
    });
    const notice = noticeFor(ev(comment("@Ann can you check?\nthanks")), "ann", undefined, members, find);
    expect(notice).toEqual({ kind: "mentioned", title: "Bea mentioned you on «Ship it»", body: "@Ann can you check?" });
    expect(noticeFor(ev(comment("@Bea note to self")), "ann", undefined, members, find)).toBeNull();
  });

  it("find my cards due tomorrow", () => {
    const cards = [card("ann", "2026-12-02"), { ...card("bea", "2026-12-02"), id: "k2" }, { ...card("ann", "2026-12-03"), id: "k3" }];
    expect(dueTomorrow(cards, "ann", "2026-12-02").map((c) => c.id)).toEqual(["k1"]);
  });
});
