// The board's activity as the panel and a card's dialog show it: loaded from the host's log a page at a time
// (newest first, "Show earlier" for more) once someone looks, then kept current with every event the board applies.
// Sentences come from lib/activity; they are told again from the start whenever an earlier page arrives, so each
// one is written with what the events before it said.

import { commands, type Event } from "../bindings";
import { type Entry, Story } from "./activity";
import type { BoardModel } from "./board.svelte";

/** Events asked for per page. */
const PAGE = 100;

export class ActivityLog {
  /** Newest first. */
  entries = $state.raw<Entry[]>([]);
  loading = $state(false);
  /** Nothing earlier to load (the board's first event, or where the host compacted its log). */
  complete = $state(false);
  error = $state<string | null>(null);

  private readonly model: BoardModel;
  private events: Event[] = [];
  private story: Story;
  private started = false;
  private stop: (() => void) | null = null;

  constructor(model: BoardModel) {
    this.model = model;
    this.story = this.newStory();
  }

  private newStory(): Story {
    const model = this.model;
    return new Story({
      card: (id) => model.cardById.get(id),
      column: (id) => model.allColumns.find((c) => c.id === id)?.title,
      member: (id) => model.memberById.get(id)?.name,
    });
  }

  /** A member's name as the activity knows it. */
  name(id: string): string {
    return this.story.name(id);
  }

  /** Loads the newest page and follows the board from then on (once). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stop = this.model.store.onEvent((event) => this.live(event));
    await this.earlier();
  }

  /** Loads the page before the oldest event loaded. */
  async earlier(): Promise<void> {
    if (this.loading || this.complete) return;
    this.loading = true;
    this.error = null;
    const before = this.events[0]?.seq ?? null;
    const page = await commands.boardActivity(before, PAGE);
    this.loading = false;
    if (page.status === "error") {
      this.error = page.error.message;
      return;
    }
    const known = new Set(this.events.map((e) => e.seq));
    const fresh = page.data.events.filter((e) => !known.has(e.seq));
    this.events = [...fresh, ...this.events].sort((a, b) => a.seq - b.seq);
    const oldest = this.events[0]?.seq ?? page.data.first;
    this.complete = fresh.length === 0 || oldest <= page.data.first;
    this.retell();
  }

  /** Entries told since the list was last replaced, oldest first: a burst of events (the board store hands on a
   *  frame's events one after the other) goes into the list in one copy, not one copy of the whole list each. */
  private told: Entry[] = [];

  private live(event: Event): void {
    const last = this.events[this.events.length - 1];
    if (last && event.seq <= last.seq) return;
    this.events.push(event);
    const entry = this.story.tell(event);
    if (!entry) return;
    if (!this.told.length) queueMicrotask(() => this.showTold());
    this.told.push(entry);
  }

  private showTold(): void {
    if (!this.told.length) return;
    const told = this.told.reverse();
    this.told = [];
    this.entries = [...told, ...this.entries];
  }

  private retell(): void {
    // Told again below from every event, the ones waiting to be shown included.
    this.told = [];
    this.story = this.newStory();
    const entries: Entry[] = [];
    for (const e of this.events) {
      const entry = this.story.tell(e);
      if (entry) entries.push(entry);
    }
    this.entries = entries.reverse();
  }

  dispose(): void {
    this.stop?.();
  }
}
