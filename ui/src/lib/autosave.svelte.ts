// Saving as the person types, with no Save button to forget: a text field is sent after a short pause in typing
// (or at once when the person leaves it, presses Enter, or closes the form), other fields are sent as soon as they
// change, and one state says what happened to it all ("Saving…", "Saved", "Not saved").

/** What the person is told: nothing yet, changes on their way, all of them saved, or one failed. */
export type SaveState = "idle" | "saving" | "saved" | "failed";

/** What to do with a typed field when its pause ends. */
export type Prepared<P> =
  /** Send this. */
  | { kind: "send"; patch: P }
  /** Nothing to send: the value is what is saved already. */
  | { kind: "unchanged" }
  /** The value cannot be saved as it is (the message says why): keep it unsent. */
  | { kind: "invalid"; message: string };

export interface AutosaveOptions<F extends string, P> {
  /** Pause (ms) after the last keystroke in a field before it is sent. */
  delay: number;
  /** What to send for `field`, read when its pause ends. */
  prepare: (field: F) => Prepared<P>;
  /** Sends a patch; answers whether it was saved. */
  send: (patch: P) => Promise<boolean>;
}

/** Autosave for a form with typed fields `F` whose changes are sent as patches `P`. */
export class Autosave<F extends string, P> {
  state = $state<SaveState>("idle");
  /** Fields typed into but not sent yet. */
  private unsent = $state<Partial<Record<F, boolean>>>({});
  /** Why a field's value was not sent (see `Prepared`). */
  private errors = $state<Partial<Record<F, string>>>({});
  private inFlight = 0;
  private timers = new Map<F, ReturnType<typeof setTimeout>>();
  private readonly options: AutosaveOptions<F, P>;

  constructor(options: AutosaveOptions<F, P>) {
    this.options = options;
  }

  /** Whether `field` has typed changes not sent yet. */
  isUnsent(field: F): boolean {
    return this.unsent[field] ?? false;
  }

  /** Why `field`'s value was not sent, or "". */
  error(field: F): string {
    return this.errors[field] ?? "";
  }

  /** The person typed into `field`: it is sent after a pause in typing. */
  edited(field: F): void {
    this.unsent[field] = true;
    this.state = "saving";
    clearTimeout(this.timers.get(field));
    this.timers.set(
      field,
      setTimeout(() => this.flush(field), this.options.delay),
    );
  }

  /** Sends `field` now if it has unsent changes (the person left it, pressed Enter, or closed the form). */
  flush(field: F): void {
    this.cancelTimer(field);
    if (!this.unsent[field]) return;
    const prepared = this.options.prepare(field);
    if (prepared.kind === "invalid") {
      this.errors[field] = prepared.message;
      this.state = "failed";
      return;
    }
    this.errors[field] = "";
    this.unsent[field] = false;
    if (prepared.kind === "send") void this.save(prepared.patch);
    else if (this.settled()) this.state = "saved";
  }

  /** Sends every field with unsent changes. */
  flushAll(): void {
    for (const field of Object.keys(this.unsent) as F[]) this.flush(field);
  }

  /** Sends a change at once (a field that saves when it changes, not as the person types). */
  async save(patch: P): Promise<void> {
    this.inFlight += 1;
    this.state = "saving";
    const saved = await this.options.send(patch);
    this.inFlight -= 1;
    if (!saved) this.state = "failed";
    else if (this.settled()) this.state = "saved";
  }

  /** Forgets `field`'s unsent changes and its error (the form put the saved value back). */
  revert(field: F): void {
    this.cancelTimer(field);
    this.unsent[field] = false;
    this.errors[field] = "";
    if (this.state === "failed" && this.inFlight === 0) this.state = "idle";
  }

  /** Forgets every unsent change (the thing edited is being deleted). */
  discardAll(): void {
    for (const field of this.timers.keys()) this.cancelTimer(field);
    this.unsent = {};
  }

  /** Nothing is waiting to be sent or on its way. */
  private settled(): boolean {
    return this.inFlight === 0 && !Object.values(this.unsent).some(Boolean);
  }

  private cancelTimer(field: F): void {
    clearTimeout(this.timers.get(field));
    this.timers.delete(field);
  }
}
