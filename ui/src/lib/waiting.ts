// What the connection pill says of the changes kept on this computer. Out of reach of the host, they are counted
// at once ("Host offline · 3 changes waiting"). Connected, a change normally goes within moments, so the count
// shows only once changes have waited `STUCK_AFTER_MS` with the host there: it is not taking them (busy, its disk
// full, refusing for now), and the person should know that their changes are not on the board yet.

import type { ConnectionView } from "../bindings";
import { plural } from "./format";

/** How long changes may wait while connected before the pill says so. */
export const STUCK_AFTER_MS = 5_000;

/** The pill's note on waiting changes ("" for none): " · 3 changes waiting". */
export function waitingNote(status: ConnectionView["status"], waiting: number, stuck: boolean): string {
  if (!waiting || (status === "connected" && !stuck)) return "";
  return ` · ${plural(waiting, "change")} waiting`;
}
