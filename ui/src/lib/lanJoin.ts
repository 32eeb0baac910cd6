// Joining by code alone: the first two characters of a room code are its host's tag, and the code goes only to
// the host on the network that announces that tag.

import type { LanHost } from "../bindings";
import { codeChars } from "./roomCode";

export type HostMatch =
  /** Too little typed to tell. */
  | { kind: "incomplete" }
  /** Exactly one host gives out codes with this tag. */
  | { kind: "found"; host: LanHost }
  /** No host seen gives out codes with this tag. */
  | { kind: "none"; tag: string }
  /** Several do (1 in 1024 per pair of hosts): the person picks one. */
  | { kind: "ambiguous"; tag: string; hosts: LanHost[] };

/** The host the code names among `hosts`; `chosen` (a server id the person picked) settles a tie. */
export function matchHost(code: string, hosts: LanHost[], chosen: string | null = null): HostMatch {
  const chars = codeChars(code);
  if (chars.length < 2) return { kind: "incomplete" };
  const tag = chars.slice(0, 2);
  const matching = hosts.filter((h) => h.tag === tag && h.compatible);
  if (matching.length === 0) return { kind: "none", tag };
  if (matching.length === 1) return { kind: "found", host: matching[0] };
  const picked = matching.find((h) => h.server_id === chosen);
  return picked ? { kind: "found", host: picked } : { kind: "ambiguous", tag, hosts: matching };
}

/** "studio-pc · 2 boards" */
export function hostLabel(host: LanHost): string {
  return `${host.name} · ${host.boards} ${host.boards === 1 ? "board" : "boards"}`;
}
