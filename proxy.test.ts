import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { config, proxy } from "@/proxy";

// The proxy as Next.js runs it: which paths it sees, and the headers it puts on the
// answer and on the request (where Next.js reads the nonce back while rendering).

const cspOf = (response: Response) => response.headers.get("content-security-policy") ?? "";
/** The request header Next.js passes on to the page or route (NextResponse.next's override). */
const forwarded = (response: Response, name: string) => response.headers.get(`x-middleware-request-${name}`);

describe("proxy", () => {
  it("runs for pages and for every API route, webhooks included, but not for static build files", () => {
    for (const url of ["/", "/signin", "/admin/webhooks", "/api/health", "/api/admin/webhook-events/replay", "/api/webhooks/microsoft"]) {
      expect(unstable_doesMiddlewareMatch({ config, url }), url).toBe(true);
    }
    for (const url of ["/_next/static/chunks/main.js", "/_next/image?url=x", "/favicon.ico"])
      expect(unstable_doesMiddlewareMatch({ config, url }), url).toBe(false);
  });

  it("gives a page a CSP with a fresh nonce, no framing, no eval outside development, and the other headers", () => {
    const first = proxy(new NextRequest("http://localhost:3000/signin"));
    const second = proxy(new NextRequest("http://localhost:3000/signin"));
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(cspOf(first))?.[1];
    expect(nonce).toBeDefined();
    expect(nonce!.length).toBeGreaterThanOrEqual(22);
    expect(cspOf(second)).not.toContain(nonce);
    expect(cspOf(first)).toContain("frame-ancestors 'none'");
    expect(cspOf(first)).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(cspOf(first)).not.toContain("unsafe-eval");
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(first.headers.get("x-frame-options")).toBe("DENY");
    // Plain HTTP: no HSTS (browsers ignore it there) and nothing upgraded.
    expect(first.headers.get("strict-transport-security")).toBeNull();
    expect(cspOf(first)).not.toContain("upgrade-insecure-requests");
    // Next.js finds the nonce in the request's CSP header; the page is rendered with it.
    expect(forwarded(first, "content-security-policy")).toBe(cspOf(first));
    expect(forwarded(first, "x-nonce")).toBe(nonce);
    expect(first.headers.get("x-middleware-next")).toBe("1");
  });

  it("allows eval in development only, as React's dev tooling needs", () => {
    const previous = process.env.NODE_ENV;
    (process.env as Record<string, string>).NODE_ENV = "development";
    try {
      expect(cspOf(proxy(new NextRequest("http://localhost:3000/")))).toContain("'unsafe-eval'");
    } finally {
      (process.env as Record<string, string | undefined>).NODE_ENV = previous;
    }
  });

  it("adds HSTS over HTTPS, directly or behind a TLS-terminating proxy", () => {
    const direct = proxy(new NextRequest("https://calsync.example.com/api/health"));
    expect(direct.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(cspOf(direct)).toContain("upgrade-insecure-requests");
    const behind = proxy(new NextRequest("http://10.0.0.5:3000/", { headers: { "x-forwarded-proto": "https" } }));
    expect(behind.headers.get("strict-transport-security")).not.toBeNull();
  });

  it("leaves the request itself alone: method, body and the other headers reach the route", () => {
    const response = proxy(
      new NextRequest("http://localhost:3000/api/webhooks/microsoft?validationToken=abc", {
        method: "POST",
        headers: { "content-type": "application/json", "client-state": "x" },
        body: "{}",
      }),
    );
    expect(forwarded(response, "content-type")).toBe("application/json");
    expect(forwarded(response, "client-state")).toBe("x");
    expect(response.headers.get("location")).toBeNull();
    expect(response.status).toBe(200);
  });
});
