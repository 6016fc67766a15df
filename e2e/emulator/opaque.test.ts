import { describe, expect, it } from "vitest";
import { OpaqueTokenCodec } from "./opaque";
import { newValidationToken } from "./microsoft/subscriptions";

describe("opaque tokens", () => {
  it("round-trips a payload and rejects tampering, other kinds and other instances", () => {
    const codec = new OpaqueTokenCodec();
    const token = codec.encode("google.events.sync", { c: "cal", s: 42, e: 0 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode("google.events.sync", token)).toEqual({ c: "cal", s: 42, e: 0 });
    expect(codec.decode("graph.delta", token)).toBeUndefined();
    const [body, signature] = token.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ k: "google.events.sync", p: { c: "cal", s: 0, e: 0 } })).toString("base64url");
    expect(codec.decode("google.events.sync", `${forged}.${signature}`)).toBeUndefined();
    expect(codec.decode("google.events.sync", `${body}.x`)).toBeUndefined();
    expect(codec.decode("google.events.sync", "garbage")).toBeUndefined();
    expect(new OpaqueTokenCodec().decode("google.events.sync", token)).toBeUndefined();
  });

  it("makes Graph validation tokens that need exactly one URL decoding", () => {
    const token = newValidationToken();
    for (const char of ["+", "/", "=", "%", " "]) expect(token).toContain(char);
    const url = new URL("http://app.test/notify");
    url.searchParams.append("validationToken", token);
    expect(url.searchParams.get("validationToken")).toBe(token);
    expect(decodeURIComponent(url.search.slice("?validationToken=".length).replace(/\+/g, " "))).toBe(token);
    expect(newValidationToken()).not.toBe(token);
  });
});
