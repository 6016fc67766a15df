import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GET, POST, PUT } from "@/app/api/inngest/route";

// The Inngest endpoint under each configuration, through the real serve handler.

const KEYS = ["NODE_ENV", "INNGEST_DEV", "INNGEST_BASE_URL", "INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY"] as const;
const env = process.env as Record<string, string | undefined>;
let saved: Record<string, string | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((key) => [key, env[key]]));
  for (const key of KEYS) if (key !== "NODE_ENV") delete env[key];
});
afterEach(() => {
  for (const key of KEYS) {
    if (saved[key] === undefined) delete env[key];
    else env[key] = saved[key];
  }
});

const URL_ = "http://localhost:3000/api/inngest";
// What Inngest sends to run a function step, minus the signature.
const unsignedRun = () =>
  new Request(`${URL_}?fnId=calsync-sync-calendar&stepId=step`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      event: { name: "calendar/sync.requested", data: {} },
      events: [],
      steps: {},
      ctx: { run_id: "r1", attempt: 0, stack: { stack: [], current: 0 } },
      version: 2,
    }),
  });

describe("/api/inngest", () => {
  it("is 404 for every method while jobs run inline (nothing to register)", async () => {
    for (const handler of [GET, POST, PUT]) {
      const response = await handler(new Request(URL_, { method: handler === GET ? "GET" : handler === POST ? "POST" : "PUT" }), undefined);
      expect(response.status).toBe(404);
      expect((await response.json()).error.kind).toBe("not_found");
    }
  });

  it("refuses everything in production in dev mode or without a signing key (503), signed or not", async () => {
    env.NODE_ENV = "production";
    env.INNGEST_DEV = "1";
    env.INNGEST_SIGNING_KEY = "signkey-prod-0123456789abcdef";
    expect((await POST(unsignedRun(), undefined)).status).toBe(503);
    expect((await PUT(new Request(URL_, { method: "PUT" }), undefined)).status).toBe(503);
    env.INNGEST_DEV = "http://localhost:8288";
    expect((await GET(new Request(URL_), undefined)).status).toBe(503);
    delete env.INNGEST_DEV;
    delete env.INNGEST_SIGNING_KEY;
    env.INNGEST_BASE_URL = "https://inngest.internal.example.com";
    expect((await POST(unsignedRun(), undefined)).status).toBe(503);
  });

  it("in production with a signing key, leaves the SDK to refuse an unsigned call", async () => {
    env.NODE_ENV = "production";
    env.INNGEST_SIGNING_KEY = "signkey-prod-0123456789abcdef";
    env.INNGEST_EVENT_KEY = "event-key";
    const response = await POST(unsignedRun(), undefined);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: "Unauthorized" });
  });

  it("outside production, dev mode serves the dev server unsigned (the local setup)", async () => {
    env.INNGEST_DEV = "1";
    const response = await GET(new Request(URL_), undefined);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ mode: "dev" });
  });
});
