// Desktop notifications for the open board, while the app runs: a teammate assigned me a card, mentioned me, or a
// card of mine is due tomorrow (checked at once and every hour, once per card and day). Each kind can be switched
// off; the choices are kept on this computer. The rules are in lib/notices; the app shows them (command notify).

import { commands, type CardId, type Event, type MemberId } from "../bindings";
import type { BoardModel } from "./board.svelte";
import { today } from "./format";
import { type NoticeKind, type NoticePrefs, dueTomorrow, noticeFor } from "./notices";

const PREFS_KEY = "lanban.notices";
const HOUR = 60 * 60 * 1000;

function loadPrefs(): NoticePrefs {
  const all: NoticePrefs = { assigned: true, mentioned: true, due: true };
  try {
    const saved = JSON.parse(localStorage.getItem(PREFS_KEY) ?? "{}") as Partial<NoticePrefs>;
    for (const kind of Object.keys(all) as NoticeKind[]) if (typeof saved[kind] === "boolean") all[kind] = saved[kind];
  } catch {
    // Unreadable or unavailable storage: every kind on.
  }
  return all;
}

export class Notices {
  prefs = $state<NoticePrefs>(loadPrefs());

  private readonly model: BoardModel;
  private readonly assignees = new Map<CardId, MemberId[]>();
  private readonly told = new Set<string>();
  private readonly stop: () => void;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(model: BoardModel) {
    this.model = model;
    for (const card of model.cardById.values()) this.assignees.set(card.id, card.assignee_ids ?? []);
    this.stop = model.store.onEvent((event) => this.heard(event));
    this.timer = setInterval(() => this.checkDue(), HOUR);
    queueMicrotask(() => this.checkDue());
  }

  set(kind: NoticeKind, on: boolean): void {
    this.prefs[kind] = on;
    try {
      localStorage.setItem(PREFS_KEY, JSON.stringify(this.prefs));
    } catch {
      // Kept for this run only.
    }
  }

  private heard(event: Event): void {
    let before: MemberId[] | undefined;
    if (event.kind === "card.created" || event.kind === "card.updated") {
      before = this.assignees.get(event.data.id);
      this.assignees.set(event.data.id, event.data.assignee_ids ?? []);
    } else if (event.kind === "card.deleted") {
      this.assignees.delete(event.data.id);
    }
    const model = this.model;
    const notice = noticeFor(event, model.me.id, before, model.members, (id) => model.cardById.get(id));
    if (notice && this.prefs[notice.kind]) void commands.notify(notice.title, notice.body);
  }

  private checkDue(): void {
    if (!this.prefs.due) return;
    const tomorrow = new Date();
    tomorrow.setDate(tomorrow.getDate() + 1);
    const day = today(tomorrow);
    for (const card of dueTomorrow(this.model.cardById.values(), this.model.me.id, day)) {
      const key = `${card.id}@${day}`;
      if (this.told.has(key)) continue;
      this.told.add(key);
      void commands.notify(`«${card.title}» is due tomorrow`, `On ${this.model.board.name}`);
    }
  }

  dispose(): void {
    this.stop();
    clearInterval(this.timer);
  }
}
