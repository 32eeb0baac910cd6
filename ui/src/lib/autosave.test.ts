// Saving as the person types: what is sent when, and what the form says about it.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Autosave, type Prepared } from "./autosave.svelte";

type Field = "title" | "description";
type Patch = Partial<Record<Field, string>>;

/** A form with a title (which may not be empty) and a description, saved as `saved` is; `answers` says how each
 *  send ends (true: saved), in order; a send waits for `release()` when `hold` is set. */
function form(options: { answers?: boolean[]; hold?: boolean } = {}) {
  const values: Record<Field, string> = { title: "Buy milk", description: "" };
  const saved: Record<Field, string> = { ...values };
  const sent: Patch[] = [];
  const waiting: (() => void)[] = [];
  const answers = [...(options.answers ?? [])];
  const autosave = new Autosave<Field, Patch>({
    delay: 400,
    prepare: (field): Prepared<Patch> => {
      const value = field === "title" ? values.title.trim() : values.description;
      if (!value && field === "title") return { kind: "invalid", message: "A card needs a title." };
      return value === saved[field] ? { kind: "unchanged" } : { kind: "send", patch: { [field]: value } };
    },
    send: async (patch) => {
      sent.push(patch);
      if (options.hold) await new Promise<void>((resolve) => waiting.push(resolve));
      const ok = answers.shift() ?? true;
      if (ok) Object.assign(saved, patch);
      return ok;
    },
  });
  const type = (field: Field, value: string) => {
    values[field] = value;
    autosave.edited(field);
  };
  const release = async () => {
    waiting.shift()?.();
    // Lets the answer arrive without letting any time pass.
    await vi.advanceTimersByTimeAsync(0);
  };
  return { autosave, type, sent, release };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("autosave", () => {
  it("sends a typed field once the person pauses, and says Saved", async () => {
    const { autosave, type, sent } = form();
    type("title", "Buy oat");
    await vi.advanceTimersByTimeAsync(300);
    type("title", "Buy oat milk");
    expect(autosave.state).toBe("saving");
    await vi.advanceTimersByTimeAsync(399);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([{ title: "Buy oat milk" }]);
    expect(autosave.state).toBe("saved");
    expect(autosave.isUnsent("title")).toBe(false);
  });

  it("sends at once when the person leaves the field, and only once", async () => {
    const { autosave, type, sent } = form();
    type("description", "Two litres");
    autosave.flush("description");
    autosave.flush("description");
    await vi.runAllTimersAsync();
    expect(sent).toEqual([{ description: "Two litres" }]);
  });

  it("sends nothing when the field is back to what is saved", async () => {
    const { autosave, type, sent } = form();
    type("title", "Buy milk!");
    type("title", "Buy milk");
    await vi.runAllTimersAsync();
    expect(sent).toEqual([]);
    expect(autosave.state).toBe("saved");
  });

  it("keeps an invalid value unsent and says why, until the form puts the saved value back", async () => {
    const { autosave, type, sent } = form();
    type("title", "  ");
    await vi.runAllTimersAsync();
    expect(sent).toEqual([]);
    expect(autosave.state).toBe("failed");
    expect(autosave.error("title")).toBe("A card needs a title.");
    expect(autosave.isUnsent("title")).toBe(true);
    autosave.revert("title");
    expect(autosave.state).toBe("idle");
    expect(autosave.error("title")).toBe("");
    expect(autosave.isUnsent("title")).toBe(false);
  });

  it("says Saved only when nothing is left to send or on its way", async () => {
    const { autosave, type, sent, release } = form({ hold: true });
    type("title", "Buy oat milk");
    await vi.advanceTimersByTimeAsync(400);
    type("description", "Two litres");
    await release();
    // The title is saved, but the description is still typed and not sent.
    expect(sent).toEqual([{ title: "Buy oat milk" }]);
    expect(autosave.state).toBe("saving");
    await vi.advanceTimersByTimeAsync(400);
    void autosave.save({ title: "Buy oat milk, now" });
    await release();
    expect(autosave.state).toBe("saving");
    await release();
    expect(sent).toEqual([{ title: "Buy oat milk" }, { description: "Two litres" }, { title: "Buy oat milk, now" }]);
    expect(autosave.state).toBe("saved");
  });

  it("says Not saved when the save fails", async () => {
    const { autosave } = form({ answers: [false] });
    await autosave.save({ description: "x" });
    expect(autosave.state).toBe("failed");
  });

  it("sends every unsent field when the form closes, and nothing after it is discarded", async () => {
    const closing = form();
    closing.type("title", "Buy oat milk");
    closing.type("description", "Two litres");
    closing.autosave.flushAll();
    expect(closing.sent).toEqual([{ title: "Buy oat milk" }, { description: "Two litres" }]);

    const deleting = form();
    deleting.type("title", "Buy oat milk");
    deleting.autosave.discardAll();
    await vi.runAllTimersAsync();
    deleting.autosave.flushAll();
    expect(deleting.sent).toEqual([]);
  });
});
