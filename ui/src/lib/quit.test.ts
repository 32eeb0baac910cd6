import { describe, expect, it } from "vitest";
import { quitQuestion } from "./quit";

describe("quitQuestion", () => {
  it("says who loses access when teammates are connected", () => {
    expect(quitQuestion(2, 0)).toBe(
      "2 teammates are connected to this board. If you quit, they lose access until you open Lanban again.",
    );
    expect(quitQuestion(1, 0)).toBe(
      "1 teammate is connected to this board. If you quit, they lose access until you open Lanban again.",
    );
  });

  it("says changes not saved yet would be lost", () => {
    expect(quitQuestion(0, 1)).toBe(
      "A change you made is not saved yet, as this computer's disk may be full. " +
        "If you quit, it is lost; once there is room, Lanban saves it by itself.",
    );
    expect(quitQuestion(0, 3)).toBe(
      "3 changes you made are not saved yet, as this computer's disk may be full. " +
        "If you quit, they are lost; once there is room, Lanban saves them by itself.",
    );
  });

  it("says both at once", () => {
    expect(quitQuestion(2, 1)).toBe(
      "2 teammates are connected to this board, and a change you made is not saved yet, as this computer's disk " +
        "may be full. If you quit, they lose access until you open Lanban again, and your change is lost.",
    );
  });
});
