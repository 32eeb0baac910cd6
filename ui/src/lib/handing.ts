// Changes go to the session in the order the person made them. The window's commands run concurrently on the app's
// side, so two changes sent at once could be queued the other way round (a card created and at once moved, the
// lines of a checklist typed quickly); each is therefore handed only once the one before is handed (a moment: the
// change is kept and queued, not yet sent), and its answer is waited for apart.

import type { CommandError, Mutation, SubmitOutcome } from "../bindings";

type Answered<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

/** Sends a change and answers what became of it. */
export type Send = (key: string, mutation: Mutation) => Promise<Answered<SubmitOutcome>>;

/** A `Send` that hands each change after the one before is handed (`hand`), then waits for its answer (`answer`). */
export function inOrder(
  hand: (key: string, mutation: Mutation) => Promise<Answered<null>>,
  answer: (key: string) => Promise<Answered<SubmitOutcome>>,
): Send {
  let last: Promise<unknown> = Promise.resolve();
  return (key, mutation) => {
    const handed = last.then(() => hand(key, mutation));
    // A change that could not be handed (refused, or the command failed) does not hold up the next.
    last = handed.catch(() => undefined);
    return handed.then((result) => (result.status === "error" ? result : answer(key)));
  };
}
