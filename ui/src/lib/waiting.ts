// What the connection pill says of the changes kept on this computer. Out of reach of the host, they are counted
// at once ("Host offline · 3 changes waiting"). Connected, a change normally goes within moments, so the count
// shows only once changes have waited `STUCK_AFTER_MS` with the host there: it is not taking them (busy, its disk
// full, refusing for now), and the person should know that their changes are not on the board yet; its details
// then say why, when the host's last answer said (`stuckNote`).

import type { ConnectionView, HeldView } from "../bindings";
import { plural } from "./format";

/** How long changes may wait while connected before the pill says so. */
export const STUCK_AFTER_MS = 5_000;

/** The pill's note on waiting changes ("" for none): " · 3 changes waiting". */
export function waitingNote(status: ConnectionView["status"], waiting: number, stuck: boolean): string {
  if (!waiting || (status === "connected" && !stuck)) return "";
  return ` · ${plural(waiting, "change")} waiting`;
}

/** Why the host has not run the waiting changes, from its last answer, as a sentence (null: it gave no answer that
 *  says, e.g. it did not answer at all). */
export function heldReason(held: HeldView | null, count: number): string | null {
  if (!held) return null;
  const them = count === 1 ? "it" : "them";
  switch (held.code) {
    case "write_failed":
      return `Its computer could not save ${them}: its disk is full or failing.`;
    case "rate_limited":
      return "It asked this app to send more slowly.";
    case "unauthorized":
      return "It is checking this computer's access to the board.";
    default:
      return `It answered that it could not take ${them} just then.`;
  }
}

/** The pill's details once changes have waited with the host there: what is happening, why if the host said,
 *  and what becomes of them. `hosting`: this computer is the host (its own server did not take them; it keeps
 *  them only while the app runs, as a host keeps no copy besides its board). */
export function stuckNote(count: number, held: HeldView | null, hosting = false): string {
  const one = count === 1;
  if (hosting) {
    const what = one ? "this change" : "these changes";
    const why =
      held?.code === "write_failed"
        ? `This computer could not save ${what}: its disk is full or failing.`
        : `This computer's board has not taken ${what} yet: it may be busy.`;
    const rest = one
      ? "Lanban keeps trying while the app is open, and the card it touches is marked."
      : "Lanban keeps trying while the app is open, and the cards they touch are marked.";
    return `${why} ${rest}`;
  }
  const reason = heldReason(held, count);
  const start = one ? "The host has not taken this change yet" : "The host has not taken these changes yet";
  const why = reason ? `. ${reason}` : ": it may be busy, or its disk full.";
  const rest = one
    ? "Lanban keeps sending it; it stays on this computer meanwhile, and the card it touches is marked."
    : "Lanban keeps sending them; they stay on this computer meanwhile, and the cards they touch are marked.";
  return `${start}${why} ${rest}`;
}
