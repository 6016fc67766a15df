import { describe, expect, it } from "vitest";
import { JSON_BODY_LIMIT, apiRoute, json, readJson } from "@/lib/http/route";

// The wrapper against a handler that records whether it ran: a refused request must
// not reach it (so no session lookup, no database, no effect).

const OWN = "http://localhost:3000";

function recordingRoute() {
  const calls: unknown[] = [];
  const handler = apiRoute("test.echo", async (request: Request) => {
    const body = request.method === "GET" ? null : await readJson(request);
    calls.push(body);
    return json({ ok: true });
  });
  return { calls, handler: (request: Request) => handler(request, undefined) };
}

const post = (init: RequestInit) => new Request(`${OWN}/api/x`, { method: "POST", ...init });

function streamOf(size: number, chunk = 4096): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const part = new Uint8Array(Math.min(chunk, size - sent)).fill(0x20);
      sent += part.byteLength;
      controller.enqueue(part);
    },
  });
}

describe("apiRoute", () => {
  it("refuses a foreign Origin (403) and a cross-site Sec-Fetch-Site (403) before the handler runs", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const route = recordingRoute();
      const foreign = await route.handler(
        new Request(`${OWN}/api/x`, { method, headers: { origin: "https://evil.example.com", "content-type": "application/json" }, body: "{}" }),
      );
      expect(foreign.status, method).toBe(403);
      expect((await foreign.json()).error.kind).toBe("forbidden");
      const crossSite = await route.handler(
        new Request(`${OWN}/api/x`, { method, headers: { "sec-fetch-site": "cross-site", "content-type": "application/json" }, body: "{}" }),
      );
      expect(crossSite.status, method).toBe(403);
      expect(route.calls).toEqual([]);
    }
  });

  it("refuses a text/plain body (415) before the handler runs, even from the app's own origin", async () => {
    const route = recordingRoute();
    const response = await route.handler(post({ headers: { origin: OWN }, body: '{"a":1}' }));
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ error: { kind: "unsupported_media_type", message: "send the body as application/json" } });
    expect(route.calls).toEqual([]);
  });

  it("runs the same request from the app's own origin, and GETs from anywhere (reads change nothing)", async () => {
    const route = recordingRoute();
    expect((await route.handler(post({ headers: { origin: OWN, "content-type": "application/json" }, body: '{"a":1}' }))).status).toBe(200);
    expect((await route.handler(new Request(`${OWN}/api/x`, { headers: { origin: "https://evil.example.com" } }))).status).toBe(200);
    expect(route.calls).toEqual([{ a: 1 }, null]);
  });

  it("cuts a body off at the limit whatever Content-Length says (413), and reads one at the limit", async () => {
    const route = recordingRoute();
    const headers = { "content-type": "application/json" };
    // No Content-Length at all (a stream), and a lying one.
    const unannounced = post({ headers, body: streamOf(10 * JSON_BODY_LIMIT), duplex: "half" } as RequestInit);
    expect((await route.handler(unannounced)).status).toBe(413);
    const lying = post({ headers: { ...headers, "content-length": "2" }, body: streamOf(JSON_BODY_LIMIT + 1), duplex: "half" } as RequestInit);
    expect((await route.handler(lying)).status).toBe(413);
    const declared = post({ headers: { ...headers, "content-length": String(JSON_BODY_LIMIT + 1) }, body: "{}" });
    expect((await route.handler(declared)).status).toBe(413);
    const atLimit = `{"a":"${"x".repeat(JSON_BODY_LIMIT - 8)}"}`;
    expect(atLimit.length).toBe(JSON_BODY_LIMIT);
    expect((await route.handler(post({ headers, body: atLimit }))).status).toBe(200);
    expect(route.calls).toHaveLength(1);
  });

  it("answers 400, not 500, for a body that is not JSON or not UTF-8", async () => {
    const route = recordingRoute();
    const headers = { "content-type": "application/json" };
    expect((await route.handler(post({ headers, body: "{" }))).status).toBe(400);
    expect((await route.handler(post({ headers, body: "" }))).status).toBe(400);
    expect((await route.handler(post({ headers, body: new Uint8Array([0x22, 0xff, 0x22]) }))).status).toBe(400);
  });
});
