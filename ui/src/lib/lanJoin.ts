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
  /** Only hosts running another version of Lanban have it. */
  | { kind: "incompatible"; tag: string; host: LanHost }
  /** Several do (1 in 1024 per pair of hosts, or someone copying a host's announcement): the person picks. */
  | { kind: "ambiguous"; tag: string; hosts: LanHost[] };

/** A host as listed: announcements are unauthenticated, so two entries may claim one server; fingerprint and
 *  address tell them apart. */
export function hostKey(host: LanHost): string {
  return `${host.fingerprint}@${host.address}`;
}

/** The host the code names among `hosts`; `chosen` (a `hostKey` the person picked) settles a tie. */
export function matchHost(code: string, hosts: LanHost[], chosen: string | null = null): HostMatch {
  const chars = codeChars(code);
  if (chars.length < 2) return { kind: "incomplete" };
  const tag = chars.slice(0, 2);
  const tagged = hosts.filter((h) => h.tag === tag);
  const matching = tagged.filter((h) => h.compatible);
  if (matching.length === 0) return tagged.length ? { kind: "incompatible", tag, host: tagged[0] } : { kind: "none", tag };
  if (matching.length === 1) return { kind: "found", host: matching[0] };
  const picked = matching.find((h) => hostKey(h) === chosen);
  return picked ? { kind: "found", host: picked } : { kind: "ambiguous", tag, hosts: matching };
}

/** "studio-pc · 2 boards" */
export function hostLabel(host: LanHost): string {
  return `${host.name} · ${host.boards} ${host.boards === 1 ? "board" : "boards"}`;
}
