import { describe, expect, it } from "vitest";
import { waitingNote } from "./waiting";

describe("waitingNote", () => {
  it("counts the changes kept while the host is out of reach", () => {
    expect(waitingNote("offline", 3, false)).toBe(" · 3 changes waiting");
    expect(waitingNote("reconnecting", 1, false)).toBe(" · 1 change waiting");
  });

  it("says nothing while connected changes are on their way", () => {
    expect(waitingNote("connected", 2, false)).toBe("");
  });

  it("counts them once they have waited a while with the host there", () => {
    expect(waitingNote("connected", 2, true)).toBe(" · 2 changes waiting");
  });

  it("says nothing when nothing waits", () => {
    expect(waitingNote("offline", 0, false)).toBe("");
    expect(waitingNote("connected", 0, true)).toBe("");
  });
});
