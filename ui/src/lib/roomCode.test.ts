// The join field's room code formatting.

import { describe, expect, it } from "vitest";
import { codeChars, formatCode, reformat } from "./roomCode";

describe("room code field", () => {
  it("formats as XXXX-XXXX-XXXX while typing", () => {
    expect(formatCode("7kq")).toBe("7KQ");
    expect(formatCode("7kq2")).toBe("7KQ2");
    expect(formatCode("7kq2m")).toBe("7KQ2-M");
    expect(formatCode("7kq2m9xd")).toBe("7KQ2-M9XD");
    expect(formatCode("7kq2m9xd4")).toBe("7KQ2-M9XD-4");
    expect(formatCode("7kq2m9xd4hrt")).toBe("7KQ2-M9XD-4HRT");
  });

  it("accepts pasted codes with spaces, dashes and look-alike letters", () => {
    expect(formatCode("  7kq2 - m9xd \n")).toBe("7KQ2-M9XD");
    expect(formatCode("OIL0-abcd")).toBe("0110-ABCD");
    expect(codeChars("7KQ2-M9XD-4HRT-EXTRA")).toBe("7KQ2M9XD4HRT");
  });

  it("keeps the caret after the same characters", () => {
    // Typing a fifth character at the end jumps over the inserted dash.
    expect(reformat("7KQ2M", 5)).toEqual({ value: "7KQ2-M", caret: 6 });
    // Editing in the middle keeps the caret in place.
    expect(reformat("7KxQ2-M9XD", 3)).toEqual({ value: "7KXQ-2M9X-D", caret: 3 });
    // Typing a ninth character jumps over the second dash.
    expect(reformat("7KQ2-M9XD4", 10)).toEqual({ value: "7KQ2-M9XD-4", caret: 11 });
  });
});
