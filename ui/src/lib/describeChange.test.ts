// The "could not apply" list in words: Ana made changes while the host was away, a teammate changed the board
// meanwhile, and the list tells her what she tried, what the board has now, and why, as sentences.

import { describe, expect, it } from "vitest";
import type { Card, Column, Mutation } from "../bindings";
import { describeChange, fieldRows, namesOf, NOT_ON_BOARD, reasonOf, type FieldRow } from "./describeChange";
import { BOARD, card as cardAt, column as columnAt, member } from "./boardStore.testing";

/** "Today" for the dates: 24 Dec of the same year reads without the year. */
const NOW = new Date(2026, 10, 26, 12, 0);

function column(id: string, title: string): Column {
  return columnAt(id, title, id);
}

function card(id: string, columnId: string, title: string, extra: Partial<Card> = {}): Card {
  return cardAt(id, columnId, title, "a0", { created_by: "m-ana", ...extra });
}

const todo = column("col-todo", "Todo");
const done = column("col-done", "Done");
const later = column("col-later", "Later");
const milk = card("card-milk", todo.id, "Buy soy milk");
const plan = card("card-plan", todo.id, "Plan", { due_date: "2026-12-20" });
const ana = member("m-ana", "Ana");
const bo = member("m-bo", "Bo");

const board = {
  board: { name: "Launch" },
  cardById: new Map([milk, plan].map((c) => [c.id, c])),
  columns: [todo, done, later],
  memberById: new Map([ana, bo].map((m) => [m.id, m])),
};
const names = namesOf(board);

/** A card edit made on `base` (the card as Ana saw it). */
function edit(base: Card, patch: Extract<Mutation, { kind: "update_card" }>["patch"]): Mutation {
  return { kind: "update_card", card: base.id, patch, base };
}

function says(mutation: Mutation, sentence: string) {
  expect(describeChange(mutation, names, NOW)).toBe(sentence);
}

function rows(mutation: Mutation, current: Card | null, expected: FieldRow[]) {
  expect(fieldRows(mutation, current, names, NOW)).toEqual(expected);
}

describe("describeChange", () => {
  it("renames the board", () => {
    says({ kind: "rename_board", board: BOARD, name: "Launch 2" }, "Rename the board to «Launch 2»");
  });

  it("adds a column", () => {
    says({ kind: "create_column", board: BOARD, column: { id: "col-new", title: "Someday" } }, "Add the column «Someday»");
  });

  it("renames and moves a column", () => {
    says({ kind: "update_column", column: later.id, patch: { title: "Someday" } }, "Rename the column «Later» to «Someday»");
    says({ kind: "update_column", column: later.id, patch: { before: todo.id } }, "Move the column «Later» before «Todo»");
    says({ kind: "update_column", column: later.id, patch: { after: done.id } }, "Move the column «Later» after «Done»");
    says(
      { kind: "update_column", column: later.id, patch: { title: "Someday", after: done.id } },
      "Rename the column «Later» to «Someday» and move it after «Done»",
    );
  });

  it("deletes a column", () => {
    says({ kind: "delete_column", column: later.id }, "Delete the column «Later»");
  });

  it("adds a card to a column", () => {
    says({ kind: "create_card", column: todo.id, card: { id: "card-new", title: "Badges" } }, "Add the card «Badges» to Todo");
  });

  it("edits one field of a card", () => {
    says(edit(milk, { title: "Buy oat milk" }), "Rename «Buy soy milk» to «Buy oat milk»");
    says(edit(plan, { description: "Steps:\n1. Draft" }), "Edit the description of «Plan»");
    says(edit(plan, { description: "" }), "Clear the description of «Plan»");
    says(edit(plan, { assignee_ids: [bo.id] }), "Assign Bo to «Plan»");
    says(edit(plan, { assignee_ids: [] }), "Unassign everyone from «Plan»");
    const both = { ...plan, assignee_ids: [ana.id, bo.id] };
    says(edit(both, { assignee_ids: [ana.id] }), "Unassign Bo from «Plan»");
    says(edit(both, { assignee_ids: [bo.id, ana.id, "m-left"] }), "Assign someone who left the board to «Plan»");
    says(edit(plan, { due_date: "2026-12-24" }), "Set the due date of «Plan» to 24 Dec");
    says(edit(plan, { due_date: "2027-01-05" }), "Set the due date of «Plan» to 5 Jan 2027");
    says(edit(plan, { due_date: null }), "Clear the due date of «Plan»");
  });

  it("names the label added or removed, else the labels set", () => {
    const urgent = { name: "Urgent", color: "#e5484d" };
    const design = { name: "Design", color: "#6e56cf" };
    const labelled = card("card-plan", todo.id, "Plan", { labels: [urgent] });
    says(edit(labelled, { labels: [urgent, design] }), "Add the label «Design» to «Plan»");
    says(edit({ ...labelled, labels: [urgent, design] }, { labels: [urgent] }), "Remove the label «Design» from «Plan»");
    says(edit(labelled, { labels: [design] }), "Set the labels of «Plan» to Design");
    says(edit(labelled, { labels: [] }), "Remove every label from «Plan»");
  });

  it("moves a card to another column, or within its own", () => {
    says(edit(plan, { column_id: done.id, before: null, after: null }), "Move «Plan» to Done");
    says(edit(plan, { column_id: todo.id, before: milk.id, after: null }), "Move «Plan» within its column");
    says(edit(plan, { title: "Plan v2", column_id: done.id }), "Rename «Plan» to «Plan v2» and move it to Done");
  });

  it("lists the fields of an edit that sets several", () => {
    says(edit(plan, { title: "Plan v2", due_date: "2026-12-24" }), "Change the title and due date of «Plan»");
    says(
      edit(plan, { title: "Plan v2", labels: [], assignee_ids: [] }),
      "Change the title, labels and assignees of «Plan»",
    );
  });

  it("deletes a card", () => {
    says({ kind: "delete_card", card: milk.id }, "Delete the card «Buy soy milk»");
  });

  it("says plainly when what a change names is no longer on the board", () => {
    says({ kind: "delete_card", card: "card-gone" }, "Delete a card that is no longer on the board");
    says(edit(plan, { column_id: "col-gone" }), "Move «Plan» to a column that is no longer on the board");
    says({ kind: "delete_column", column: "col-gone" }, "Delete a column that is no longer on the board");
    says(
      { kind: "create_card", column: "col-gone", card: { id: "card-new", title: "Badges" } },
      "Add the card «Badges» to a column that is no longer on the board",
    );
    says(edit(plan, { assignee_ids: ["m-left"] }), "Assign someone who left the board to «Plan»");
  });

  it("names a column made offline whose creation failed too", () => {
    const created: Mutation = { kind: "create_column", board: BOARD, column: { id: "col-new", title: "Someday" } };
    const named = namesOf(board, [created]);
    expect(describeChange({ kind: "delete_column", column: "col-new" }, named, NOW)).toBe(
      "Delete the column «Someday»",
    );
  });
});

describe("fieldRows", () => {
  it("puts my title next to the teammate's", () => {
    const theirs = { ...milk, title: "Buy soy milk (2 l)", version: 2 };
    rows(edit(milk, { title: "Buy oat milk" }), theirs, [{ field: "Title", mine: "Buy oat milk", now: "Buy soy milk (2 l)" }]);
  });

  it("reads every card field as a person does", () => {
    const now = card("card-plan", done.id, "Plan", {
      description: "A long\n\ndescription   that goes on",
      labels: [{ name: "Urgent", color: "#e5484d" }],
      assignee_ids: [ana.id],
      due_date: "2026-12-20",
    });
    rows(
      edit(plan, {
        description: "",
        labels: [],
        assignee_ids: [bo.id, ana.id],
        due_date: "2026-12-24",
        column_id: later.id,
      }),
      now,
      [
        { field: "Description", mine: "No description", now: "A long description that goes on" },
        { field: "Labels", mine: "No labels", now: "Urgent" },
        { field: "Assignees", mine: "Bo and Ana", now: "Ana" },
        { field: "Due date", mine: "24 Dec", now: "20 Dec" },
        { field: "Column", mine: "Later", now: "Done" },
      ],
    );
    rows(edit(now, { assignee_ids: null, due_date: null }), plan, [
      { field: "Assignees", mine: "Nobody", now: "Nobody" },
      { field: "Due date", mine: "No due date", now: "20 Dec" },
    ]);
  });

  it("shortens a long description to one line", () => {
    const [row] = fieldRows(edit(plan, { description: "x".repeat(200) }), plan, names, NOW);
    expect(row.mine).toHaveLength(80);
    expect(row.mine.endsWith("…")).toBe(true);
  });

  it("leaves out a move within the card's own column", () => {
    rows(edit(plan, { column_id: todo.id, before: milk.id }), plan, []);
  });

  it("says when the card is no longer on the board", () => {
    rows(edit(plan, { title: "Plan v2" }), null, [{ field: "Title", mine: "Plan v2", now: NOT_ON_BOARD }]);
  });

  it("compares names of the board and of columns", () => {
    rows({ kind: "rename_board", board: BOARD, name: "Launch 2" }, null, [
      { field: "Board name", mine: "Launch 2", now: "Launch" },
    ]);
    rows({ kind: "update_column", column: later.id, patch: { title: "Someday" } }, null, [
      { field: "Column title", mine: "Someday", now: "Later" },
    ]);
    rows({ kind: "update_column", column: later.id, patch: { after: done.id } }, null, []);
  });

  it("has nothing to compare for creates and deletes", () => {
    const createsAndDeletes: Mutation[] = [
      { kind: "create_column", board: BOARD, column: { title: "Someday" } },
      { kind: "delete_column", column: later.id },
      { kind: "create_card", column: todo.id, card: { title: "Badges" } },
      { kind: "delete_card", card: milk.id },
    ];
    for (const m of createsAndDeletes) expect(fieldRows(m, milk, names, NOW)).toEqual([]);
  });
});

describe("reasonOf", () => {
  it("gives the host's message as a sentence", () => {
    expect(reasonOf({ code: "version_conflict", message: "A teammate changed this card in the same place meanwhile." })).toBe(
      "A teammate changed this card in the same place meanwhile.",
    );
    expect(reasonOf({ code: "not_found", message: "card not found" })).toBe("Card not found.");
  });

  it("never shows a status line, a body or an address", () => {
    expect(reasonOf({ code: null, message: "The host answered 422." })).toBe("The host could not apply it.");
    expect(reasonOf({ code: "validation_failed", message: "The host answered 422." })).toBe(
      "The board changed under it, so the host could not apply it.",
    );
    expect(reasonOf({ code: "gone", message: '{"error":{}}' })).toBe("It is no longer on the board: a teammate deleted it.");
    expect(reasonOf({ code: "network", message: "error sending request for url (http://10.0.0.2:7420/api)" })).toBe(
      "The host could not take it just then.",
    );
    expect(reasonOf({ code: "version_conflict", message: "  " })).toBe("A teammate changed the same thing meanwhile.");
    expect(reasonOf({ code: "write_failed", message: "The host answered 507." })).toBe(
      "The host's computer could not save it: its disk is full or failing.",
    );
  });

  it("gives the host's own words for a disk that refused the change", () => {
    expect(
      reasonOf({
        code: "write_failed",
        message: "the server's disk is full: nothing was changed; try again once it has room",
      }),
    ).toBe("The server's disk is full: nothing was changed; try again once it has room.");
  });
});
