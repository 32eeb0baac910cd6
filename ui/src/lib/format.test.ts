import { describe, expect, it } from "vitest";
import { shortFingerprint } from "./format";

describe("shortFingerprint", () => {
  it("shows the first 16 characters in groups of four", () => {
    expect(shortFingerprint("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0")).toBe("ungW v48B z-pB QUDe");
  });
});
