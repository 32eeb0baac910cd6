// Finding a code's host among the hosts discovery sees.

import { describe, expect, it } from "vitest";
import type { LanHost } from "../bindings";
import { hostKey, hostLabel, matchHost } from "./lanJoin";

function host(name: string, tag: string, extra: Partial<LanHost> = {}): LanHost {
  return {
    name,
    server_id: `id-${name}`,
    tag,
    boards: 2,
    address: `10.0.0.${name.length}:7420`,
    fingerprint: "f".repeat(43),
    compatible: true,
    took: [],
    ...extra,
  };
}

describe("joining by code alone", () => {
  const studio = host("studio-pc", "7K");
  const laptop = host("laptop", "M9");

  it("needs the tag's two characters first", () => {
    expect(matchHost("", [studio]).kind).toBe("incomplete");
    expect(matchHost("7", [studio]).kind).toBe("incomplete");
  });

  it("finds the one host whose tag starts the code, however it was typed", () => {
    expect(matchHost("7kq2-m9xd", [laptop, studio])).toEqual({ kind: "found", host: studio });
    expect(matchHost("M9", [laptop, studio])).toEqual({ kind: "found", host: laptop });
  });

  it("says when no host has the tag, or only one speaking another protocol", () => {
    expect(matchHost("ZZQ2M9XD", [laptop, studio])).toEqual({ kind: "none", tag: "ZZ" });
    const old = host("old", "7K", { compatible: false });
    expect(matchHost("7KQ2M9XD", [old])).toEqual({ kind: "incompatible", tag: "7K", host: old });
    expect(matchHost("7KQ2M9XD", [old, studio])).toEqual({ kind: "found", host: studio });
  });

  it("asks the person to pick when two hosts share a tag, and never picks for them", () => {
    const twin = host("twin", "7K");
    expect(matchHost("7KQ2M9XD", [studio, twin])).toEqual({ kind: "ambiguous", tag: "7K", hosts: [studio, twin] });
    expect(matchHost("7KQ2M9XD", [studio, twin], hostKey(twin))).toEqual({ kind: "found", host: twin });
    expect(matchHost("7KQ2M9XD", [studio, twin], hostKey(laptop)).kind).toBe("ambiguous");
    // Someone copying studio's announcement from another address is a second entry, never a silent replacement.
    const copy = { ...studio, address: "10.0.0.99:7420" };
    expect(matchHost("7KQ2M9XD", [studio, copy]).kind).toBe("ambiguous");
  });

  it("labels a host with its board count", () => {
    expect(hostLabel(studio)).toBe("studio-pc · 2 boards");
    expect(hostLabel(host("solo", "AB", { boards: 1 }))).toBe("solo · 1 board");
  });
});
