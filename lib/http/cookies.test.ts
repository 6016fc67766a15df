import { describe, expect, it } from "vitest";
import { parseCookieHeader, readCookie, requestCookies } from "./cookies";

describe("parseCookieHeader", () => {
  it("reads names and percent-decoded values", () => {
    expect(Object.fromEntries(parseCookieHeader("a=1; b=hello%20world;c=x=y"))).toEqual({ a: "1", b: "hello world", c: "x=y" });
  });

  it("ignores malformed percent-encoding instead of throwing, and keeps the cookies beside it", () => {
    for (const bad of ["%E0%A4%A", "%", "%zz", "%C0%80", "%ED%A0%80"]) {
      const cookies = parseCookieHeader(`theme=${bad}; next-auth.session-token=abc.def`);
      expect(cookies.has("theme")).toBe(false);
      expect(cookies.get("next-auth.session-token")).toBe("abc.def");
    }
  });

  it("skips parts without a name or an equals sign, and unquotes quoted values", () => {
    expect(Object.fromEntries(parseCookieHeader(' ; =v; flag; q="quoted"; '))).toEqual({ q: "quoted" });
    expect(parseCookieHeader(null).size).toBe(0);
  });

  it("keeps the first of a repeated name", () => {
    expect(parseCookieHeader("s=first; s=second").get("s")).toBe("first");
  });
});

describe("readCookie / requestCookies", () => {
  const request = new Request("http://localhost/", { headers: { cookie: "theme=%E0%A4%A; calsync_oauth_google=st%3D1" } });

  it("read one cookie or all of them from a request", () => {
    expect(readCookie(request, "calsync_oauth_google")).toBe("st=1");
    expect(readCookie(request, "theme")).toBeNull();
    expect(readCookie(new Request("http://localhost/"), "x")).toBeNull();
    expect(requestCookies(request)).toEqual({ calsync_oauth_google: "st=1" });
  });

  it("does not let a cookie named like an Object property reach the prototype", () => {
    const cookies = requestCookies(new Request("http://localhost/", { headers: { cookie: "__proto__=x; constructor=y" } }));
    expect(Object.getPrototypeOf(cookies)).toBe(Object.prototype);
    expect(Object.hasOwn(cookies, "constructor")).toBe(true);
  });
});
