// Where a room code goes when the person presses Join: to every address an invite link lists, to the host
// discovery found by the code's tag, or to the address typed. A pure answer: the Join form applies it (showing
// the address field when the answer asks for an address).

import type { Invite } from "../bindings";
import type { HostMatch } from "./lanJoin";

export interface JoinInput {
  /** The invite link the code came from, if the person kept its code. */
  invite: Invite | null;
  /** The address field's text while the field shows, else "". */
  typed: string;
  /** The person typed that address on this screen (a remembered one does not count): it wins over discovery. */
  typedNow: boolean;
  /** The code's host among the hosts discovery sees. */
  match: HostMatch;
  /** How many hosts discovery sees. */
  hostsSeen: number;
}

export type Destination =
  /** Send the code to these addresses in order (the first that answers wins), trusting `fingerprint` (an invite
   *  carries one); `discovered`: the address came from discovery, so the host must prove the code's tag. */
  | { kind: "go"; addresses: string[]; fingerprint: string | null; discovered: boolean }
  /** Nowhere to send it: tell the person `message`; `needsAddress`: the address field must show. */
  | { kind: "ask"; message: string; needsAddress: boolean };

const TYPE_ADDRESS = "Type the host's address, like 192.168.1.20:7420.";

export function joinDestination({ invite, typed, typedNow, match, hostsSeen }: JoinInput): Destination {
  if (invite) return { kind: "go", addresses: invite.addresses, fingerprint: invite.fingerprint, discovered: false };
  const address = typed.trim();
  // A host found by the code's tag wins over an address the person did not type just now.
  if (match.kind === "found" && !(address && typedNow)) {
    return { kind: "go", addresses: [match.host.address], fingerprint: null, discovered: true };
  }
  if (address) return { kind: "go", addresses: [address], fingerprint: null, discovered: false };
  switch (match.kind) {
    case "ambiguous":
      return ask(`Several computers here give out codes starting with ${match.tag}: pick yours in the list below.`, false);
    case "incompatible":
      return ask(
        `${match.host.name} gives out codes starting with ${match.tag} but runs another version of Lanban: update one of you.`,
        true,
      );
    case "none":
      return ask(
        hostsSeen
          ? `No host on this network gives out codes starting with ${match.tag}. Check the code, or type the host's address.`
          : `No host found on this network. ${TYPE_ADDRESS}`,
        true,
      );
    case "incomplete":
    case "found": // (only with an address typed just now, answered above)
      return ask(TYPE_ADDRESS, false);
  }
}

function ask(message: string, needsAddress: boolean): Destination {
  return { kind: "ask", message, needsAddress };
}
