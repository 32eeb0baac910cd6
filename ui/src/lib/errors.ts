// Errors as the UI handles them: every failure a command can report is a CommandError with a code from the
// generated union in bindings.ts. A thrown value becomes one here (`toCommandError`), the few codes the UI acts
// on are decided here (`recoveryFor`), and a form puts an error next to its field with `fieldErrors`.

import type { CommandError } from "../bindings";

/** A thrown value (a rejected command, an exception) as a CommandError: a CommandError passes through as it is;
 *  anything else is `internal`, with its message. */
export function toCommandError(thrown: unknown): CommandError {
  if (thrown && typeof thrown === "object" && "message" in thrown && "code" in thrown) {
    return thrown as CommandError;
  }
  return { code: "internal", message: messageOf(thrown) };
}

function messageOf(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (thrown && typeof thrown === "object" && "message" in thrown && typeof thrown.message === "string") {
    return thrown.message;
  }
  return String(thrown);
}

/** What opening a board does about a failure before (or instead of) telling the person. */
export type Recovery =
  /** The address led nowhere (unreachable, or another computer answered and nothing was sent): try the host's
   *  next address, if it has one. */
  | "next_address"
  /** First time on this host: the person compares the words it presented before anything is sent to it. */
  | "confirm_host"
  /** Nothing to try: tell the person. */
  | "tell";

/** The one place the UI decides what to do by an error's code; every code is listed, so a new one does not
 *  compile until it is placed. */
export function recoveryFor(error: CommandError): Recovery {
  const code = error.code;
  switch (code) {
    case "network":
    case "identity_changed":
      return "next_address";
    case "confirm_host":
      return "confirm_host";
    case "malformed_json":
    case "unauthorized":
    case "forbidden":
    case "not_found":
    case "room_not_found":
    case "method_not_allowed":
    case "version_conflict":
    case "id_taken":
    case "board_moved":
    case "limit_reached":
    case "gone":
    case "history_compacted":
    case "payload_too_large":
    case "unsupported_media_type":
    case "validation_failed":
    case "idempotency_key_reused":
    case "upgrade_required":
    case "tls_required":
    case "rate_limited":
    case "internal":
    case "unavailable":
    case "write_failed":
    case "not_open":
    case "not_hosting":
    case "not_sharing":
    case "storage":
    case "protocol":
    case "server_start":
    // Found by discovery but not the code's host: its only address, so nothing else to try.
    case "wrong_host":
    case "discovery_locked":
    case "cancelled":
    case "copy_incomplete":
    case "changes_failed":
      return "tell";
    default: {
      const unplaced: never = code;
      return unplaced;
    }
  }
}

/** A command error placed in a form: next to its field (`fields` maps the error's `field` to the form's name for
 *  it), else under `general`. */
export function fieldErrors(error: CommandError, fields: Record<string, string>): Record<string, string> {
  const key = error.field ? fields[error.field] : undefined;
  return { [key ?? "general"]: error.message };
}
