// What the app asks before it quits: teammates connected to this computer lose the board until it is open again,
// and changes made here that its own server has not saved yet (its disk full) would be lost.

import { plural } from "./format";

/** The question's text, for `connected` teammates and `unsaved` changes (at least one of them not 0). */
export function quitQuestion(connected: number, unsaved: number): string {
  const teammates = `${plural(connected, "teammate")} ${connected === 1 ? "is" : "are"} connected to this board`;
  const changes =
    unsaved === 1
      ? "a change you made is not saved yet, as this computer's disk may be full"
      : `${plural(unsaved, "change")} you made are not saved yet, as this computer's disk may be full`;
  if (connected && unsaved) {
    return `${teammates}, and ${changes}. If you quit, they lose access until you open Lanban again, and ${
      unsaved === 1 ? "your change is" : "your changes are"
    } lost.`;
  }
  if (unsaved) {
    const first = changes.charAt(0).toUpperCase() + changes.slice(1);
    return `${first}. If you quit, ${unsaved === 1 ? "it is" : "they are"} lost; once there is room, Lanban saves ${
      unsaved === 1 ? "it" : "them"
    } by itself.`;
  }
  return `${teammates}. If you quit, they lose access until you open Lanban again.`;
}
