// The UI applies events by the same rules as `Snapshot::apply` in Rust: core's test writes seeded board histories,
// with the state `Snapshot::apply` reached after every step, to fixtures/apply-histories.json; this replays them
// through `applyEvent` and must reach the same states. A rule changed on one side only fails one of the two tests.

import { describe, expect, it } from "vitest";
import type { Event, Snapshot } from "../bindings";
import { applyEvent } from "./applyEvent";
import fixture from "./fixtures/apply-histories.json";

interface Digest {
  seq: number;
  board: string;
  columns: string[];
  cards: string[];
  members: string[];
  comments: string[];
  checklists: string[];
}

interface History {
  start: Snapshot;
  steps: { event: Event; after: Digest }[];
  end: Snapshot;
}

/** The last four characters of an id, as core's test writes them. */
const short = (id: string) => id.slice(-4);

/** The state as core's test digests it (crates/lanban-core/src/state/tests.rs, `digest`). */
function digest(state: Snapshot): Digest {
  return {
    seq: state.seq,
    board: `${state.board.name}|${state.board.room_code}`,
    columns: state.columns.map((c) => `${short(c.id)}@${c.position}:${c.title}`),
    cards: state.cards.map(
      (c) =>
        `${short(c.id)}@${short(c.column_id)}/${c.position}:${c.title}:${c.assignee_ids?.length ? c.assignee_ids.map(short).join(",") : "-"}`,
    ),
    members: state.members.map((m) => `${short(m.id)}:${m.name}`),
    comments: (state.comments ?? []).map((c) => `${short(c.id)}@${short(c.card_id)}:${c.body}`),
    checklists: (state.checklists ?? []).map(
      (c) =>
        `${short(c.id)}@${short(c.card_id)}/${c.position}:${c.title}:${c.items.filter((i) => i.done).length}/${c.items.length}`,
    ),
  };
}

const histories = (fixture as unknown as { histories: History[] }).histories;

describe("applyEvent agrees with Snapshot::apply", () => {
  it("has histories to replay", () => {
    expect(histories.length).toBeGreaterThan(0);
    const kinds = new Set(histories.flatMap((h) => h.steps.map((s) => s.event.kind)));
    // Every kind of event the mirror handles appears somewhere.
    for (const kind of [
      "board.updated",
      "room_code.rotated",
      "board.handoff_offered",
      "board.moved",
      "column.updated",
      "column.deleted",
      "card.created",
      "card.updated",
      "card.deleted",
      "member.joined",
      "member.removed",
      "comment.created",
      "comment.updated",
      "comment.deleted",
      "checklist.created",
      "checklist.updated",
      "checklist.deleted",
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  histories.forEach((history, h) => {
    it(`history ${h}: the same state after every step, and the same board at the end`, () => {
      let state = history.start;
      history.steps.forEach((step, i) => {
        state = applyEvent(state, step.event);
        expect(digest(state), `history ${h}, after step ${i} (${step.event.kind})`).toEqual(step.after);
      });
      expect(state).toEqual(history.end);
    });
  });
});
