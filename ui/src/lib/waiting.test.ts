import { describe, expect, it } from "vitest";
import { heldReason, stuckNote, waitingNote } from "./waiting";

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

describe("stuckNote", () => {
  it("says why when the host's last answer did", () => {
    const full = { code: "write_failed" as const, message: "the server's disk is full: nothing was changed" };
    expect(stuckNote(1, full)).toBe(
      "The host has not taken this change yet. Its computer could not save it: its disk is full or failing. " +
        "Lanban keeps sending it; it stays on this computer meanwhile, and the card it touches is marked.",
    );
    expect(stuckNote(3, full)).toContain("yet. Its computer could not save them: its disk is full or failing. Lanban");
  });

  it("says what may be the cause when the host said nothing", () => {
    expect(stuckNote(1, null)).toBe(
      "The host has not taken this change yet: it may be busy, or its disk full. " +
        "Lanban keeps sending it; it stays on this computer meanwhile, and the card it touches is marked.",
    );
  });

  it("names each refusal a host makes for now", () => {
    expect(heldReason({ code: "rate_limited", message: "" }, 2)).toBe("It asked this app to send more slowly.");
    expect(heldReason({ code: "unauthorized", message: "" }, 1)).toBe(
      "It is checking this computer's access to the board.",
    );
    expect(heldReason({ code: "unavailable", message: "" }, 2)).toBe(
      "It answered that it could not take them just then.",
    );
    expect(heldReason({ code: null, message: "The host answered 502." }, 1)).toBe(
      "It answered that it could not take it just then.",
    );
  });

  it("tells the host of its own computer, and that it keeps trying while the app is open", () => {
    const full = { code: "write_failed" as const, message: "the server's disk is full: nothing was changed" };
    expect(stuckNote(1, full, true)).toBe(
      "This computer could not save this change: its disk is full or failing. " +
        "Lanban keeps trying while the app is open, and the card it touches is marked.",
    );
    expect(stuckNote(2, null, true)).toBe(
      "This computer's board has not taken these changes yet: it may be busy. " +
        "Lanban keeps trying while the app is open, and the cards they touch are marked.",
    );
  });
});
