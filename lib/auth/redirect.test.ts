import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_SIGN_IN, MAX_REDIRECT_TARGET_LENGTH, sameOriginPath } from "./redirect";

const ORIGIN = "http://localhost:3000";

/** Where a browser on ORIGIN ends up when it follows `Location: <path>`. */
const followed = (path: string) => new URL(path, `${ORIGIN}/signin?callbackUrl=x`);

describe("sameOriginPath", () => {
  it("keeps paths, queries and fragments on our origin", () => {
    expect(sameOriginPath("/onboarding/connect-calendar?result=connected", ORIGIN)).toBe("/onboarding/connect-calendar?result=connected");
    expect(sameOriginPath("/events#today", ORIGIN)).toBe("/events#today");
    expect(sameOriginPath(["/calendars", "/x"], ORIGIN)).toBe("/calendars");
    expect(sameOriginPath("http://localhost:3000/onboarding/connect-calendar", ORIGIN)).toBe("/onboarding/connect-calendar");
    expect(sameOriginPath("/", ORIGIN)).toBe("/");
    expect(sameOriginPath("calendars", ORIGIN)).toBe("/calendars");
  });

  // Each would reach another host if followed as written (or crash the redirect).
  const hostile = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "/\r\n/evil.example/x",
    "\t//evil.example",
    " //evil.example",
    "\u0000//evil.example",
    "\u001f//evil.example",
    "https:evil.example",
    "http:/\\evil.example",
    "https://localhost:3000@evil.example/",
    "http://localhost:3000.evil.example/x",
    "https://localhost:3000/",
    "http://localhost:3001/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:x",
    "http://[::1",
    "http://%zz/",
    "https://evil.example\u3002com/",
    "https://ｅｖｉｌ.example/",
  ];

  it.each(hostile)("refuses %j", (raw) => {
    expect(sameOriginPath(raw, ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  // Odd but harmless: they stay on our origin, encoded so the Location header is valid.
  const strange = [
    "/.//evil.example",
    "/..//evil.example",
    "/%2e//evil.example",
    "/%09/evil.example/x",
    "/%0A/x",
    "/%0d%0aSet-Cookie:x=1",
    "/a\u0001b",
    '/\u00e9v\u00e9nements?q=<x>#"f"',
    "/x?next=//evil.example",
    "/%5Cevil.example",
  ];

  it.each(strange)("keeps %j on our origin with only safe characters", (raw) => {
    const path = sameOriginPath(raw, ORIGIN);
    expect(path.startsWith("/") && !path.startsWith("//")).toBe(true);
    expect(path).toMatch(/^[\x21-\x7e]+$/);
    expect(followed(path).origin).toBe(ORIGIN);
  });

  it("every answer, hostile or not, stays on our origin when a browser follows it", () => {
    for (const raw of [...hostile, ...strange]) expect(followed(sameOriginPath(raw, ORIGIN)).origin).toBe(ORIGIN);
  });

  it("refuses very long targets and missing ones", () => {
    expect(sameOriginPath(`/${"a".repeat(MAX_REDIRECT_TARGET_LENGTH)}`, ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(sameOriginPath(`/${"é".repeat(MAX_REDIRECT_TARGET_LENGTH - 10)}`, ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(sameOriginPath("", ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(sameOriginPath(null, ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(sameOriginPath(undefined, ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(sameOriginPath([], ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  it("never sends people back to the sign-in page", () => {
    expect(sameOriginPath("/signin?error=x", ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(sameOriginPath("/signin", ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(sameOriginPath("/x/../signin", ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(sameOriginPath("http://localhost:3000/signin/", ORIGIN)).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  it("uses the fallback it is given, and refuses everything when the origin itself is unusable", () => {
    expect(sameOriginPath("//evil.example", ORIGIN, "/")).toBe("/");
    expect(sameOriginPath("/dashboard", "not a url")).toBe(DEFAULT_AFTER_SIGN_IN);
  });
});
