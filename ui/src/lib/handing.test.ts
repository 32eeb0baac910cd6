import { describe, expect, it } from "vitest";
import type { CommandError, Mutation, SubmitOutcome } from "../bindings";
import { inOrder } from "./handing";

type Answered<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

const rename = (name: string): Mutation => ({ kind: "rename_board", board: "b", name });
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A session whose hand command takes longer for earlier changes (as concurrent commands may), logging what it gets. */
function session(refuse: string[] = []) {
  const log: string[] = [];
  let waiting = 30;
  const hand = async (key: string): Promise<Answered<null>> => {
    log.push(`hand ${key}`);
    await later((waiting = Math.max(0, waiting - 10)));
    if (refuse.includes(key)) {
      return { status: "error", error: { code: "validation_failed", message: `no ${key}`, field: null } };
    }
    log.push(`queued ${key}`);
    return { status: "ok", data: null };
  };
  const answer = async (key: string): Promise<Answered<SubmitOutcome>> => {
    log.push(`answer ${key}`);
    return { status: "ok", data: "done" };
  };
  return { log, hand, answer };
}

describe("inOrder", () => {
  it("hands each change only once the one before is queued, whatever each takes", async () => {
    const s = session();
    const send = inOrder(s.hand, s.answer);
    const answers = await Promise.all(["a", "b", "c"].map((key) => send(key, rename(key))));
    expect(answers.every((a) => a.status === "ok" && a.data === "done")).toBe(true);
    const handing = s.log.filter((l) => !l.startsWith("answer"));
    expect(handing).toEqual(["hand a", "queued a", "hand b", "queued b", "hand c", "queued c"]);
    // Each answer is asked for after its own change is queued.
    for (const key of ["a", "b", "c"]) expect(s.log.indexOf(`answer ${key}`)).toBeGreaterThan(s.log.indexOf(`queued ${key}`));
  });

  it("answers a change that could not be handed with its error, and goes on with the next", async () => {
    const s = session(["b"]);
    const send = inOrder(s.hand, s.answer);
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((key) => send(key, rename(key))));
    expect(a.status).toBe("ok");
    expect(b).toMatchObject({ status: "error", error: { message: "no b" } });
    expect(c.status).toBe("ok");
    expect(s.log).not.toContain("answer b");
    expect(s.log.indexOf("hand c")).toBeGreaterThan(s.log.indexOf("hand b"));
  });

  it("goes on after a hand command that throws", async () => {
    const s = session();
    let first = true;
    const hand = (key: string) => {
      if (first) {
        first = false;
        return Promise.reject(new Error("ipc down"));
      }
      return s.hand(key);
    };
    const send = inOrder(hand, s.answer);
    const broken = send("a", rename("a"));
    const next = send("b", rename("b"));
    await expect(broken).rejects.toThrow("ipc down");
    expect(await next).toEqual({ status: "ok", data: "done" });
  });
});
