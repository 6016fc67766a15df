import { describe, expect, it } from "vitest";
import { bindSocketAddress, parseAllowlist, SourceConfigError, sourceAllowed, sourceSettings, webhookSource } from "@/lib/webhooks/source";

const post = (headers: Record<string, string> = {}, socket?: string) => {
  const request = new Request("https://app.example/api/webhooks/google", { method: "POST", headers });
  bindSocketAddress(request, socket);
  return request;
};

describe("source of a request", () => {
  it("is the socket by default: a client's X-Forwarded-For and X-Real-IP are not believed", () => {
    const settings = sourceSettings({});
    expect(settings).toMatchObject({ header: null, hops: 1 });
    expect(webhookSource(post({ "x-forwarded-for": "74.125.0.10", "x-real-ip": "74.125.0.11" }, "203.0.113.9"), settings)).toBe("203.0.113.9");
    expect(webhookSource(post({}, "::ffff:203.0.113.9"), settings)).toBe("203.0.113.9");
    // No socket handed over (Next's own server): unknown, whatever the headers say.
    expect(webhookSource(post({ "x-forwarded-for": "74.125.0.10" }), settings)).toBeNull();
  });

  it("is the header a trusted proxy sets, when configured, and never the socket then", () => {
    const vercel = sourceSettings({ WEBHOOK_CLIENT_IP_HEADER: "X-Vercel-Forwarded-For" });
    expect(vercel).toMatchObject({ header: "x-vercel-forwarded-for", hops: 1 });
    expect(webhookSource(post({ "x-vercel-forwarded-for": "2001:DB8::7", "x-forwarded-for": "74.125.0.10" }, "10.0.0.1"), vercel)).toBe("2001:db8::7");
    expect(webhookSource(post({ "x-forwarded-for": "74.125.0.10" }, "10.0.0.1"), vercel)).toBeNull();
  });

  it("behind N appending proxies is the Nth X-Forwarded-For entry from the right: a spoofed prefix changes nothing", () => {
    const two = sourceSettings({ WEBHOOK_TRUSTED_PROXY_HOPS: "2" });
    expect(two).toMatchObject({ header: "x-forwarded-for", hops: 2 });
    // The client sent "74.125.0.10, 1.2.3.4"; the CDN appended the client's real address, the balancer the CDN's.
    expect(webhookSource(post({ "x-forwarded-for": "74.125.0.10, 1.2.3.4, 198.51.100.7:5511, 10.0.0.3" }), two)).toBe("198.51.100.7");
    expect(webhookSource(post({ "x-forwarded-for": "10.0.0.3" }), two)).toBeNull();
    expect(webhookSource(post({ "x-forwarded-for": "not-an-address, 10.0.0.3" }), two)).toBeNull();
    const one = sourceSettings({ WEBHOOK_TRUSTED_PROXY_HOPS: "1" });
    expect(webhookSource(post({ "x-forwarded-for": "74.125.0.10, [2001:db8::9]:443" }), one)).toBe("2001:db8::9");
  });

  it("refuses settings that are not what they claim, naming the value", () => {
    expect(() => sourceSettings({ WEBHOOK_TRUSTED_PROXY_HOPS: "0" })).toThrow(/WEBHOOK_TRUSTED_PROXY_HOPS: "0"/);
    expect(() => sourceSettings({ WEBHOOK_TRUSTED_PROXY_HOPS: "two" })).toThrow(SourceConfigError);
    expect(() => sourceSettings({ WEBHOOK_CLIENT_IP_HEADER: "x forwarded" })).toThrow(/WEBHOOK_CLIENT_IP_HEADER/);
  });
});

describe("allowlists", () => {
  it("are off unless set", () => {
    const settings = sourceSettings({ WEBHOOK_ALLOWED_SOURCES_GOOGLE: " " });
    expect(settings.allowed).toEqual({ google: null, microsoft: null });
    expect(sourceAllowed("google", null, settings)).toBe(true);
    expect(sourceAllowed("microsoft", "203.0.113.1", settings)).toBe(true);
  });

  it("admit IPv4 and IPv6 ranges and single addresses, per provider, and nothing unknown", () => {
    const settings = sourceSettings({
      WEBHOOK_ALLOWED_SOURCES_GOOGLE: "66.102.0.0/20, 2001:4860::/32 192.0.2.10",
      WEBHOOK_ALLOWED_SOURCES_MICROSOFT: "52.96.0.0/14",
    });
    expect(sourceAllowed("google", "66.102.15.255", settings)).toBe(true);
    expect(sourceAllowed("google", "66.102.16.0", settings)).toBe(false);
    expect(sourceAllowed("google", "2001:4860:4801::5", settings)).toBe(true);
    expect(sourceAllowed("google", "2001:4861::1", settings)).toBe(false);
    expect(sourceAllowed("google", "192.0.2.10", settings)).toBe(true);
    expect(sourceAllowed("google", "192.0.2.11", settings)).toBe(false);
    expect(sourceAllowed("google", "52.96.0.1", settings)).toBe(false);
    expect(sourceAllowed("microsoft", "52.99.255.255", settings)).toBe(true);
    expect(sourceAllowed("microsoft", "66.102.0.1", settings)).toBe(false);
    expect(sourceAllowed("microsoft", null, settings)).toBe(false);
  });

  it("name the bad entry when one does not parse", () => {
    for (const bad of ["66.102.0.0/33", "2001:4860::/129", "66.102.0/20", "example.com", "10.0.0.0/8/1", "10.0.0.0/x"]) {
      expect(() => parseAllowlist("WEBHOOK_ALLOWED_SOURCES_GOOGLE", `192.0.2.0/24,${bad}`)).toThrow(`WEBHOOK_ALLOWED_SOURCES_GOOGLE: "${bad}"`);
    }
    expect(() => sourceSettings({ WEBHOOK_ALLOWED_SOURCES_MICROSOFT: "52.96.0.0/14 nonsense" })).toThrow(/WEBHOOK_ALLOWED_SOURCES_MICROSOFT: "nonsense"/);
  });
});
