// Watching the network for hosts while the Join form shows: discovery's state as the app reports it, and whether
// discovery has had a fair chance to find one (an announcement takes about a second to resolve).

import { Channel } from "@tauri-apps/api/core";
import { commands, type LanHost, type LanStatus } from "../bindings";
import { toastError } from "./toasts.svelte";

/** How long (ms) to look before saying no host was found. */
const PATIENCE = 4000;

export class LanWatch {
  /** Discovery's state, once the app answered. */
  status = $state<LanStatus | null>(null);
  /** The app could not start watching. */
  failed = $state(false);
  /** Discovery had a fair chance: "no host found" may be said. */
  searchedLong = $state(false);

  /** The hosts seen (none while discovery is off). */
  hosts: LanHost[] = $derived(this.status?.enabled ? this.status.hosts : []);
  /** Discovery is on and working. */
  searching = $derived(this.status !== null && this.status.enabled && this.status.error === null);

  private patience: ReturnType<typeof setTimeout> | undefined;

  /** Starts watching; answers the function that stops (for `onMount`). */
  start(): () => void {
    const channel = new Channel<LanStatus>();
    let heard = false;
    channel.onmessage = (status) => {
      heard = true;
      this.status = status;
    };
    let stopped = false;
    void commands.lanWatch(channel).then((result) => {
      if (stopped) return;
      if (result.status === "error") this.failed = true;
      // A host may have been announced before this answer arrived: the channel's news is newer.
      else if (!heard) this.status = result.data;
    });
    this.waitPatiently();
    return () => {
      stopped = true;
      clearTimeout(this.patience);
      void commands.lanUnwatch().catch(() => {});
    };
  }

  /** Turns discovery on or off (the person's switch). */
  async setEnabled(enabled: boolean): Promise<void> {
    const result = await commands.setDiscovery(enabled);
    if (result.status === "error") {
      toastError(result.error);
      return;
    }
    this.status = result.data;
    this.searchedLong = false;
    if (enabled) this.waitPatiently();
  }

  private waitPatiently(): void {
    clearTimeout(this.patience);
    this.patience = setTimeout(() => (this.searchedLong = true), PATIENCE);
  }
}
