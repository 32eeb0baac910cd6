// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import type { Member } from "../bindings";
import { candidates, complete, markMentions, mentionAt, mentioned } from "./mentions";

const member = (id: string, name: string): Member => ({
  id,
  board_id: "b",
  name,
  color: "#3b82f6",
  role: "member",
  joined_at: "2026-12-01T09:00:00.000Z",
});
const ann = member("a", "Ann");
const annLee = member("al", "Ann Lee");
const bea = member("b", "Bea Smith");
const team = [ann, annLee, bea];

describe("mentions", () => {
  it("finds the mention being typed at the caret", () => {
    expect(mentionAt("Hi @Be", 6)).toEqual({ start: 3, query: "Be" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("mail me@home", 12)).toBeNull();
    expect(mentionAt("Hi @Bea done", 12)).toBeNull();
  });

  it("offers members by name or by a word of it, best first", () => {
    expect(candidates(team, "an").map((m) => m.name)).toEqual(["Ann", "Ann Lee"]);
    expect(candidates(team, "smi").map((m) => m.name)).toEqual(["Bea Smith"]);
    expect(candidates(team, "")).toHaveLength(3);
  });

  it("completes the name with a space after it", () => {
    const at = mentionAt("Thanks @be", 10)!;
    expect(complete("Thanks @be", at, bea)).toEqual({ text: "Thanks @Bea Smith ", caret: 18 });
  });

  it("tells whom a comment mentions, the longest name first", () => {
    expect(mentioned("@Ann Lee and @Bea Smith, not email@Ann", team)).toEqual([annLee, bea]);
    expect(mentioned("(@ann) thanks", team)).toEqual([ann]);
    expect(mentioned("@Annabel", team)).toEqual([]);
  });

  it("marks mentions in rendered text, not in code", () => {
    const root = document.createElement("div");
    root.innerHTML = "<p>Hi @Ann Lee and @Bea Smith!</p><p><code>@Ann</code></p>";
    markMentions(root, team, "b");
    const marks = [...root.querySelectorAll(".mention")].map((m) => [m.textContent, m.className]);
    expect(marks).toEqual([
      ["@Ann Lee", "mention"],
      ["@Bea Smith", "mention me"],
    ]);
    expect(root.textContent).toBe("Hi @Ann Lee and @Bea Smith!@Ann");
  });
});
