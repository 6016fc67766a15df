import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as googleWebhook } from "@/app/api/webhooks/google/route";
import { POST as microsoftLifecycle } from "@/app/api/webhooks/microsoft/lifecycle/route";
import { POST as microsoftWebhook } from "@/app/api/webhooks/microsoft/route";
import type { Emulator } from "@/e2e/emulator/server";
import { adoptPglite, closeSharedPglite, sharedPglite } from "@/lib/db/adapter";
import { closeDb } from "@/lib/db/client";
import { closeRawPool } from "@/lib/db/raw";
import { recoverPendingWork } from "@/lib/jobs/recovery";
import { createBreakers, replaceProviderBreakers } from "@/lib/providers/breaker";
import { connectAccount, mirrorDiff, serveRoutes, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { JobPump, sleep, startTcpProxy, type TcpProxy } from "@/scripts/test/proofs";

// The database goes away in the middle of a burst of notifications and comes back.
// While it is away the routes must not acknowledge anything (a 2xx for a row that
// was never written is a notification lost for good); they answer 5xx, and the
// providers retry (Google on 500/502/503/504, Graph on anything but a 2xx). Once it
// is back, every notification that did get a 2xx is in webhook_events, start-up
// recovery and the syncs process all of them, and the changes are in the database.
//
// The burst is the emulator's own deliveries to the real route handlers over HTTP,
// with its real retry behaviour (slowed down so that retries outlast the outage).
//
// How the database goes away:
// - PostgreSQL (TEST_DATABASE_URL): a TCP proxy sits between the app and the server
//   from the start; the cut drops every open connection and refuses new ones, as a
//   server crash or a network partition does. In-flight statements fail mid-way.
// - Embedded PGlite: it lives inside the process, so "unreachable" can only mean
//   the instance is gone. It is closed (gracefully: statements already queued
//   finish, every later one fails with "PGlite is closed") and later opened again
//   from the same data directory, which holds everything that was committed. This
//   file runs on a file-backed copy of its database for that reason: an in-memory
//   one could only come back from a dump taken before the close, and a statement
//   committed between dump and close would be lost by the test, not by the app. The
//   app gets its database back the only way an embedded database comes back, with a
//   fresh client (a restart), after which it runs start-up recovery.

const database = setupTestDatabase();
const pump = new JobPump({ maxAttempts: 40, maxRetryDelayMs: 500 });
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveRoutes>>;
const previousPublicUrl = process.env.CALSYNC_PUBLIC_URL;

interface Outage {
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

let outage: Outage;

async function postgresOutage(url: string): Promise<Outage> {
  const target = new URL(url);
  const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  // Before the app opens its pools: every connection it ever makes goes through the proxy.
  await closeDb();
  await closeRawPool();
  process.env.DATABASE_URL = proxy.rewrite(url);
  return {
    cut: () => proxy.cut(),
    restore: () => proxy.restore(),
    close: async () => {
      await closeDb();
      await closeRawPool();
      await proxy.close();
      process.env.DATABASE_URL = url;
    },
  };
}

async function pgliteOutage(): Promise<Outage> {
  const memoryName = process.env.PGLITE_DATA_DIR!;
  const dump = await (await sharedPglite(memoryName)).dumpDataDir("none");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "calsync-outage-"));
  await closeDb();
  let current = new PGlite(dir, { loadDataDir: dump });
  await current.waitReady;
  adoptPglite(dir, current);
  process.env.PGLITE_DATA_DIR = dir;
  return {
    // The closed instance stays registered: nothing may quietly open a new one meanwhile.
    cut: () => current.close(),
    restore: async () => {
      current = new PGlite(dir);
      await current.waitReady;
      adoptPglite(dir, current);
      // The old client is bound to the closed instance; its disconnect may fail, which changes nothing.
      await closeDb().catch(() => {});
    },
    close: async () => {
      await closeDb().catch(() => {});
      await closeSharedPglite(dir);
      process.env.PGLITE_DATA_DIR = memoryName;
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

interface Answered {
  path: string;
  startedAt: number;
  finishedAt: number;
  status: number;
  headers: Headers;
  body: string;
}

const answered: Answered[] = [];

type RouteHandler = (request: Request) => Promise<Response>;
const recorded =
  (routePath: string, handler: RouteHandler): RouteHandler =>
  async (request) => {
    const copy = request.clone();
    const startedAt = performance.now();
    const response = await handler(request);
    answered.push({ path: routePath, startedAt, finishedAt: performance.now(), status: response.status, headers: copy.headers, body: await copy.text() });
    return response;
  };

beforeAll(async () => {
  outage = database.kind === "postgres" ? await postgresOutage(database.url!) : await pgliteOutage();
  // Retries outlast the outage: 0.1, 0.2, 0.4, 0.8, 1.6, 3.2 s after each failure.
  emu = await startAppEmulator({ settings: { retryBaseDelayMs: 100, maxDeliveryAttempts: 7 } });
  app = await serveRoutes({
    "/api/webhooks/google": recorded("/api/webhooks/google", googleWebhook),
    "/api/webhooks/microsoft": recorded("/api/webhooks/microsoft", microsoftWebhook),
    "/api/webhooks/microsoft/lifecycle": recorded("/api/webhooks/microsoft/lifecycle", microsoftLifecycle),
  });
  process.env.CALSYNC_PUBLIC_URL = app.url;
  pump.capture();
  // Syncs failing on the database are not the provider's fault; short cooldowns in case a provider call fails with it.
  replaceProviderBreakers(createBreakers({ cooldownMs: 200, maxCooldownMs: 1_000 }));
});

afterAll(async () => {
  await pump.idle().catch(() => {});
  pump.release();
  replaceProviderBreakers(null);
  if (previousPublicUrl === undefined) delete process.env.CALSYNC_PUBLIC_URL;
  else process.env.CALSYNC_PUBLIC_URL = previousPublicUrl;
  await app?.close();
  await stopAppEmulator(emu);
  await outage?.close();
});

async function settle(): Promise<void> {
  await emu.control.waitForIdle(30_000);
  await pump.idle();
  await emu.control.waitForIdle(30_000);
  await pump.idle();
}

describe(`the database stops during a burst of notifications (${database.kind === "postgres" ? "PostgreSQL behind a TCP proxy" : "embedded PGlite, closed and reopened"})`, () => {
  let organizationId: string;
  const calendars: Array<{ provider: "google" | "microsoft"; calendarId: string; providerCalendarId: string }> = [];

  beforeAll(async () => {
    const person = await signIn("outage@calsync.test");
    organizationId = person.viewer.organizationId;
    const db = await database.db();
    for (const [provider, email] of [
      ["google", "alice@example.com"],
      ["microsoft", "bob@contoso.example"],
    ] as const) {
      const connectionId = await connectAccount(emu, person, provider, email);
      const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
      calendars.push({ provider, calendarId: calendar.id, providerCalendarId: calendar.providerCalendarId });
    }
    await settle();
    answered.length = 0;
  });

  it("acknowledges nothing while it is down, and loses nothing it acknowledged", async () => {
    const titles: string[] = [];
    const BURST = 24;
    let downFrom = Number.POSITIVE_INFINITY;
    let downUntil = Number.POSITIVE_INFINITY;
    for (let index = 0; index < BURST; index += 1) {
      for (const calendar of calendars) {
        const title = `burst ${calendar.provider} ${index}`;
        const start = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + (2 + index) * 24 * 3_600_000);
        await emu.control.createEvent(calendar.providerCalendarId, {
          summary: title,
          start: start.toISOString(),
          end: new Date(start.getTime() + 3_600_000).toISOString(),
        });
        titles.push(title);
      }
      if (index === 6) {
        await outage.cut();
        downFrom = performance.now();
      }
      if (index === 16) {
        downUntil = performance.now();
        await outage.restore();
      }
      await sleep(30);
    }
    await emu.control.waitForIdle(30_000);

    // Down: every answer to a request that began and ended within the outage was a 5xx.
    const whileDown = answered.filter((answer) => answer.startedAt >= downFrom && answer.finishedAt <= downUntil);
    expect(whileDown.length, "the outage saw no notifications").toBeGreaterThan(0);
    expect(whileDown.filter((answer) => answer.status < 500).map((answer) => `${answer.path} ${answer.status}`)).toEqual([]);
    expect(
      answered.some((answer) => answer.startedAt > downUntil && answer.status >= 200 && answer.status < 300),
      "nothing was acknowledged after the outage",
    ).toBe(true);

    // Back: start-up recovery, then whatever it and the routes handed off.
    await recoverPendingWork();
    await settle();
    expect(pump.failures).toEqual([]);

    const db = await database.db();
    const rows = await db.webhookEvent.findMany({
      where: { organizationId },
      select: { externalId: true, messageNumber: true, resource: true, changeType: true, status: true },
    });
    // Every acknowledged notification is stored and accounted for.
    const missing: string[] = [];
    for (const answer of answered.filter((candidate) => candidate.status >= 200 && candidate.status < 300)) {
      if (answer.path === "/api/webhooks/google") {
        const channelId = answer.headers.get("x-goog-channel-id");
        const messageNumber = answer.headers.get("x-goog-message-number");
        const stored = rows.filter((row) => row.externalId === channelId && String(row.messageNumber) === messageNumber);
        if (stored.length === 0) missing.push(`google ${channelId} #${messageNumber}`);
      } else {
        for (const item of (
          JSON.parse(answer.body) as { value: Array<{ subscriptionId: string; resource?: string; changeType?: string; lifecycleEvent?: string }> }
        ).value) {
          const stored = rows.filter(
            (row) =>
              row.externalId === item.subscriptionId && row.resource === (item.resource ?? null) && row.changeType === (item.changeType ?? item.lifecycleEvent),
          );
          if (stored.length === 0) missing.push(`graph ${item.subscriptionId} ${item.changeType ?? item.lifecycleEvent} ${item.resource}`);
        }
      }
    }
    expect(missing, "acknowledged but not stored").toEqual([]);
    expect(rows.filter((row) => !["processed", "duplicate", "ignored"].includes(row.status)).map((row) => `${row.externalId} ${row.status}`)).toEqual([]);

    // And the changes themselves arrived.
    for (const calendar of calendars) expect(await mirrorDiff(calendar.calendarId), calendar.provider).toEqual({ missing: [], extra: [], different: [] });
    const stored = new Set(
      (await db.event.findMany({ where: { organizationId, title: { startsWith: "burst " } }, select: { title: true } })).map((event) => event.title),
    );
    expect(titles.filter((title) => !stored.has(title))).toEqual([]);
  }, 120_000);
});
