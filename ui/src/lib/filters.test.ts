import { describe, expect, it } from "vitest";
import type { Card } from "../bindings";
import { type Criteria, NOBODY, filtering, passes } from "./filters";

const T = "2026-12-01T09:00:00.000Z";
function card(title: string, extra: Partial<Card> = {}): Card {
  return {
    id: title,
    board_id: "b",
    column_id: "c",
    title,
    description: "",
    labels: [],
    assignee_ids: [],
    due_date: null,
    position: "a0",
    version: 1,
    created_by: "m",
    created_at: T,
    updated_at: T,
    ...extra,
  };
}
const none: Criteria = { text: "", labels: new Set(), people: new Set(), due: null };
const bug = { name: "bug", color: "#ef4444" };
const ux = { name: "ux", color: "#3b82f6" };
const cards = [
  card("Fix login", { labels: [bug], assignee_ids: ["ann"], due_date: "2026-11-30" }),
  card("New icons", { labels: [ux], assignee_ids: ["bea", "ann"], due_date: "2026-12-05", description: "for the login page" }),
  card("Write docs", { due_date: "2026-12-20" }),
  card("Tidy up"),
];
const today = "2026-12-01";
const shown = (c: Partial<Criteria>) => cards.filter((x) => passes(x, { ...none, ...c }, today)).map((x) => x.title);

describe("card filters", () => {
  it("lets everything through until something is chosen", () => {
    expect(filtering(none)).toBe(false);
    expect(shown({})).toHaveLength(4);
  });

  it("matches text in titles and descriptions", () => {
    expect(shown({ text: "login" })).toEqual(["Fix login", "New icons"]);
  });

  it("ors choices within a kind and ands the kinds", () => {
    expect(shown({ labels: new Set(["bug", "ux"]) })).toEqual(["Fix login", "New icons"]);
    expect(shown({ labels: new Set(["bug", "ux"]), people: new Set(["bea"]) })).toEqual(["New icons"]);
    // A card with several people passes for each of them.
    expect(shown({ people: new Set(["ann", NOBODY]) })).toEqual(["Fix login", "New icons", "Write docs", "Tidy up"]);
    expect(shown({ text: "login", people: new Set([NOBODY]) })).toEqual([]);
  });

  it("knows overdue, due within seven days, and no date", () => {
    expect(shown({ due: "overdue" })).toEqual(["Fix login"]);
    expect(shown({ due: "week" })).toEqual(["New icons"]);
    expect(shown({ due: "none" })).toEqual(["Tidy up"]);
    // The seventh day ahead is still this week; the eighth is not.
    expect(passes(card("x", { due_date: "2026-12-07" }), { ...none, due: "week" }, today)).toBe(true);
    expect(passes(card("x", { due_date: "2026-12-08" }), { ...none, due: "week" }, today)).toBe(false);
  });
});
