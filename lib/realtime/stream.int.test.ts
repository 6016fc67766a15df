import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { signIn, type SignedIn } from "@/scripts/test/app";
import { seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { organizationStream } from "./stream";

// A stream opened for organization A hears A's changes within a short bound and
// nothing of B's, against the real database (PostgreSQL or PGlite).

const database = setupTestDatabase();
let a: SignedIn;
let b: SignedIn;
let fixtureA: AdminFixture;
let fixtureB: AdminFixture;
const aborts: AbortController[] = [];

beforeAll(async () => {
  a = await signIn("owner@stream-a.test");
  b = await signIn("owner@stream-b.test");
  const db = await database.db();
  fixtureA = await seedAdminFixture(db, a.viewer.organizationId, { tag: "sa" });
  fixtureB = await seedAdminFixture(db, b.viewer.organizationId, { tag: "sb" });
});
afterEach(() => aborts.splice(0).forEach((controller) => controller.abort()));

/** Collects the stream's text as it arrives. */
function open(organizationId: string) {
  const controller = new AbortController();
  aborts.push(controller);
  const reader = organizationStream({ organizationId, since: null, signal: controller.signal }).getReader();
  const received = { text: "" };
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      received.text += decoder.decode(value);
    }
  })();
  return received;
}

const changedOf = (text: string) => [...text.matchAll(/event: changed\ndata: (.*)\n/g)].map((match) => JSON.parse(match[1]!) as { kind: string; seq: number });

async function until(check: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe("organizationStream", () => {
  it("tells A of A's new event and sync run within 2 s, and nothing of B's", async () => {
    const streamA = open(a.viewer.organizationId);
    await until(() => streamA.text.includes("event: ready"), 5_000);
    const db = await database.db();

    // B changes first: A must stay silent.
    await db.syncRun.create({
      data: { organizationId: b.viewer.organizationId, calendarId: fixtureB.google.calendarId, trigger: "poll", mode: "incremental" },
    });
    await db.event.create({
      data: {
        organizationId: b.viewer.organizationId,
        calendarId: fixtureB.google.calendarId,
        providerEventId: "stream-b-1",
        title: "b only",
        startAt: new Date(),
        endAt: new Date(Date.now() + 3_600_000),
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(changedOf(streamA.text)).toEqual([]);

    await db.event.create({
      data: {
        organizationId: a.viewer.organizationId,
        calendarId: fixtureA.google.calendarId,
        providerEventId: "stream-a-1",
        title: "a only",
        startAt: new Date(),
        endAt: new Date(Date.now() + 3_600_000),
      },
    });
    const eventMs = await until(() => changedOf(streamA.text).some((change) => change.kind === "events"), 2_000);
    await db.syncRun.create({
      data: { organizationId: a.viewer.organizationId, calendarId: fixtureA.google.calendarId, trigger: "poll", mode: "incremental" },
    });
    const syncMs = await until(() => changedOf(streamA.text).some((change) => change.kind === "sync"), 2_000);
    console.log(`stream: event change after ${eventMs} ms, sync run after ${syncMs} ms`);
    expect(changedOf(streamA.text).every((change) => change.kind !== "webhooks")).toBe(true);
  });

  it("sends what moved since Last-Event-ID at once, and ends on abort", async () => {
    const controller = new AbortController();
    const reader = organizationStream({
      organizationId: a.viewer.organizationId,
      since: { events: 0, sync: 0, webhooks: 0 },
      signal: controller.signal,
    }).getReader();
    let text = "";
    while (!text.includes("event: changed")) text += new TextDecoder().decode((await reader.read()).value);
    expect(changedOf(text).map((change) => change.kind)).toContain("events");
    controller.abort();
    for (;;) if ((await reader.read()).done) break;
  });

  it("beats its heart and ends itself after its lifetime, telling EventSource when to come back", async () => {
    const reader = organizationStream({
      organizationId: a.viewer.organizationId,
      since: null,
      signal: new AbortController().signal,
      heartbeatMs: 100,
      lifetimeMs: 450,
    }).getReader();
    let text = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    expect(text.startsWith("retry: 1000\n\n")).toBe(true);
    expect(text).toContain("event: ready");
    expect(text.match(/^: heartbeat$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });
});
