// Where a room code goes when the person presses Join.

import { describe, expect, it } from "vitest";
import type { Invite, LanHost } from "../bindings";
import { joinDestination, type JoinInput } from "./joinDestination";
import { matchHost } from "./lanJoin";

const studio: LanHost = {
  name: "studio-pc",
  server_id: "id-studio",
  tag: "7K",
  boards: 1,
  address: "10.0.0.9:7420",
  fingerprint: "f".repeat(43),
  compatible: true,
  took: [],
};

function input(extra: Partial<JoinInput>): JoinInput {
  return { invite: null, typed: "", typedNow: false, match: matchHost("7KQ2M9XD", [studio]), hostsSeen: 1, ...extra };
}

describe("where the code goes", () => {
  it("goes to every address of an invite, trusting its fingerprint", () => {
    const invite: Invite = { code: "7KQ2-M9XD", addresses: ["10.0.0.9:7420", "10.0.1.9:7420"], fingerprint: "A".repeat(43) };
    expect(joinDestination(input({ invite, typed: "10.9.9.9:7420", typedNow: true }))).toEqual({
      kind: "go",
      addresses: invite.addresses,
      fingerprint: invite.fingerprint,
      discovered: false,
    });
  });

  it("goes to the host found by the code's tag, unless the person just typed an address", () => {
    const found = { kind: "go", addresses: [studio.address], fingerprint: null, discovered: true };
    expect(joinDestination(input({}))).toEqual(found);
    // A remembered address does not beat discovery.
    expect(joinDestination(input({ typed: "192.168.1.20:7420" }))).toEqual(found);
    expect(joinDestination(input({ typed: " 192.168.1.20:7420 ", typedNow: true }))).toEqual({
      kind: "go",
      addresses: ["192.168.1.20:7420"],
      fingerprint: null,
      discovered: false,
    });
  });

  it("goes to a typed address when discovery found nothing", () => {
    const none = matchHost("ZZQ2M9XD", [studio]);
    expect(joinDestination(input({ match: none, typed: "192.168.1.20:7420" }))).toMatchObject({
      kind: "go",
      addresses: ["192.168.1.20:7420"],
    });
  });

  it("asks for the address when no host has the code's tag", () => {
    expect(joinDestination(input({ match: matchHost("ZZQ2M9XD", [studio]) }))).toEqual({
      kind: "ask",
      message: "No host on this network gives out codes starting with ZZ. Check the code, or type the host's address.",
      needsAddress: true,
    });
    expect(joinDestination(input({ match: matchHost("ZZQ2M9XD", []), hostsSeen: 0 }))).toEqual({
      kind: "ask",
      message: "No host found on this network. Type the host's address, like 192.168.1.20:7420.",
      needsAddress: true,
    });
    const old = { ...studio, compatible: false };
    expect(joinDestination(input({ match: matchHost("7KQ2M9XD", [old]) }))).toMatchObject({ needsAddress: true });
  });

  it("asks the person to pick when two hosts share the tag, without asking for an address", () => {
    const twin = { ...studio, name: "twin", address: "10.0.0.10:7420" };
    expect(joinDestination(input({ match: matchHost("7KQ2M9XD", [studio, twin]), hostsSeen: 2 }))).toEqual({
      kind: "ask",
      message: "Several computers here give out codes starting with 7K: pick yours in the list below.",
      needsAddress: false,
    });
  });
});
