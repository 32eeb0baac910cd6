import { describe, expect, it } from "vitest";
import type { Card, Change, Checklist, Event } from "../bindings";
import { Story } from "./activity";

const T = "2026-12-01T09:00:00.000Z";
let seq = 0;
const ev = (change: Change, actor = "ada"): Event => ({ seq: ++seq, actor, at: T, ...change }) as Event;
const card = (id: string, title: string, column: string): Card => ({
  id,
  board_id: "b",
  column_id: column,
  title,
  description: "",
  labels: [],
  assignee_ids: [],
  due_date: null,
  position: "a0",
  version: 1,
  created_by: "ada",
  created_at: T,
  updated_at: T,
});
const list = (items: [string, string, boolean][]): Checklist => ({
  id: "l1",
  board_id: "b",
  card_id: "k1",
  title: "Steps",
  position: "a0",
  items: items.map(([id, text, done]) => ({ id, text, done, position: id })),
});

describe("activity sentences", () => {
  it("tell moves with the column left, renames, deletes and checklist ticks", () => {
    const story = new Story({ card: () => undefined, column: () => undefined, member: (id) => (id === "ada" ? "Ada" : undefined) });
    const told = (change: Change) => story.tell(ev(change))!.text;
    expect(told({ kind: "column.created", data: { id: "c1", board_id: "b", title: "Todo", position: "a0" } })).toBe("added the column «Todo»");
    told({ kind: "column.created", data: { id: "c2", board_id: "b", title: "Doing", position: "a1" } });
    expect(told({ kind: "card.created", data: card("k1", "Ship it", "c1") })).toBe("added «Ship it» to «Todo»");
    expect(told({ kind: "card.updated", data: card("k1", "Ship it", "c2") })).toBe("moved «Ship it» from «Todo» to «Doing»");
    expect(told({ kind: "card.updated", data: card("k1", "Ship it now", "c2") })).toBe("renamed «Ship it» to «Ship it now»");
    expect(told({ kind: "checklist.created", data: list([]) })).toBe("added the checklist «Steps» to «Ship it now»");
    expect(told({ kind: "checklist.updated", data: list([["i1", "Book", false]]) })).toBe("added «Book» to «Steps» on «Ship it now»");
    expect(told({ kind: "checklist.updated", data: list([["i1", "Book", true]]) })).toBe("ticked «Book» on «Ship it now»");
    expect(told({ kind: "card.updated", data: { ...card("k1", "Ship it now", "c2"), assignee_ids: ["ada", "bea"] } })).toBe(
      "assigned themself and A former member to «Ship it now»",
    );
    expect(told({ kind: "card.updated", data: { ...card("k1", "Ship it now", "c2"), assignee_ids: ["ada"] } })).toBe(
      "unassigned A former member from «Ship it now»",
    );
    expect(told({ kind: "card.updated", data: { ...card("k1", "Ship it now", "c2"), assignee_ids: ["ada"], labels: [{ name: "bug", color: "#e5484d" }] } })).toBe(
      "put the label «bug» on «Ship it now»",
    );
    expect(told({ kind: "card.updated", data: { ...card("k1", "Ship it now", "c2"), assignee_ids: ["ada"] } })).toBe(
      "took the label «bug» off «Ship it now»",
    );
    const board = (labels: { name: string; color: string }[]) => ({
      id: "b",
      name: "Launch",
      room_code: "7KQ2-M9XD",
      created_at: T,
      updated_at: T,
      labels,
    });
    told({ kind: "board.updated", data: board([]) });
    expect(told({ kind: "board.updated", data: board([{ name: "bug", color: "#e5484d" }]) })).toBe("added the label «bug»");
    expect(told({ kind: "board.updated", data: board([{ name: "defect", color: "#e5484d" }]) })).toBe(
      "renamed the label «bug» to «defect»",
    );
    expect(told({ kind: "board.updated", data: board([]) })).toBe("removed the label «defect»");
    const at = "2026-12-05T10:00:00.000Z";
    expect(told({ kind: "card.updated", data: { ...card("k1", "Ship it now", "c2"), archived_at: at } })).toBe("archived «Ship it now»");
    expect(told({ kind: "card.updated", data: card("k1", "Ship it now", "c2") })).toBe("took «Ship it now» out of the archive");
    expect(told({ kind: "card.updated", data: { ...card("k1", "Ship it now", "c2"), trashed_at: at } })).toBe(
      "moved «Ship it now» to the trash",
    );
    expect(told({ kind: "card.updated", data: card("k1", "Ship it now", "c2") })).toBe("restored «Ship it now» from the trash");
    expect(told({ kind: "column.updated", data: { id: "c1", board_id: "b", title: "Todo", position: "a0", trashed_at: at } })).toBe(
      "moved the column «Todo» to the trash",
    );
    expect(told({ kind: "card.deleted", data: { id: "k1" } })).toBe("deleted «Ship it now» for good");
    expect(story.name("ada")).toBe("Ada");
    expect(story.name("gone")).toBe("A former member");
  });

  it("know a card from the board when the log does not show its creation", () => {
    const story = new Story({ card: () => ({ title: "Old card", column_id: "c1" }), column: () => "Todo", member: () => "Bea" });
    const entry = story.tell(ev({ kind: "comment.created", data: { id: "n1", board_id: "b", card_id: "k9", author_id: "bea", body: "Looks good\nmore", created_at: T, updated_at: T } }, "bea"))!;
    expect(entry.text).toBe("commented on «Old card»: “Looks good”");
    expect(entry.card).toBe("k9");
  });
});
