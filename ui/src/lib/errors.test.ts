// Thrown values and command errors, as the UI turns and places them.

import { describe, expect, it } from "vitest";
import type { CommandError } from "../bindings";
import { fieldErrors, recoveryFor, toCommandError } from "./errors";

describe("errors", () => {
  it("keeps a command error as it is, and makes anything else thrown an internal one with its message", () => {
    const refused: CommandError = { code: "validation_failed", message: "Too long.", field: "title" };
    expect(toCommandError(refused)).toBe(refused);
    expect(toCommandError(new Error("IPC closed"))).toEqual({ code: "internal", message: "IPC closed" });
    expect(toCommandError("no such command")).toEqual({ code: "internal", message: "no such command" });
    expect(toCommandError({ message: "odd" })).toEqual({ code: "internal", message: "odd" });
    expect(toCommandError(undefined)).toEqual({ code: "internal", message: "undefined" });
  });

  it("tries the next address only when the last one led nowhere", () => {
    const error = (code: CommandError["code"]): CommandError => ({ code, message: "" });
    expect(recoveryFor(error("network"))).toBe("next_address");
    expect(recoveryFor(error("identity_changed"))).toBe("next_address");
    expect(recoveryFor(error("confirm_host"))).toBe("confirm_host");
    expect(recoveryFor(error("room_not_found"))).toBe("tell");
    expect(recoveryFor(error("internal"))).toBe("tell");
  });

  it("puts an error next to its field, or under general", () => {
    const fields = { member_name: "memberName" };
    const error = { code: "validation_failed", message: "Too long." } as const;
    expect(fieldErrors({ ...error, field: "member_name" }, fields)).toEqual({ memberName: "Too long." });
    expect(fieldErrors({ ...error, field: "colour" }, fields)).toEqual({ general: "Too long." });
    expect(fieldErrors(error, fields)).toEqual({ general: "Too long." });
  });
});
