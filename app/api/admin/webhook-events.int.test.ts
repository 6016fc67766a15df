import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { addMember, request, signIn, type SignedIn } from "@/scripts/test/app";
import type { AdminWebhookEventDetail, AdminWebhookEventsResponse } from "@/lib/api/types";
import { insertEvents, seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { GET as listEvents } from "@/app/api/admin/webhook-events/route";
import { GET as getEvent } from "@/app/api/admin/webhook-events/[id]/route";

// The webhook event log: filters, search, keyset pages, one event in full with its
// secrets redacted, and who may see it. Rows are written directly.

const database = setupTestDatabase();
const MINUTE = 60_000;
const now = new Date();
const ago = (minutes: number) => new Date(now.getTime() - minutes * MINUTE);

let owner: SignedIn;
let admin: SignedIn;
let member: SignedIn;
let stranger: SignedIn;
let fixture: AdminFixture;
const ids: Record<string, string> = {};

const params = (id: string) => ({ params: Promise.resolve({ id }) });
const none = undefined as never;

async function list(query: string, who: SignedIn = admin): Promise<AdminWebhookEventsResponse> {
  const response = await listEvents(request(`/api/admin/webhook-events${query}`, { cookie: who.cookie }), none);
  expect(response.status).toBe(200);
  return (await response.json()) as AdminWebhookEventsResponse;
}

beforeAll(async () => {
  owner = await signIn("owner@events.test");
  admin = await addMember(owner.viewer.organizationId, "admin@events.test", "admin");
  member = await addMember(owner.viewer.organizationId, "member@events.test", "member");
  stranger = await signIn("stranger@elsewhere.test");
  const db = await database.db();
  fixture = await seedAdminFixture(db, owner.viewer.organizationId, { now });
  const google = {
    organizationId: fixture.organizationId,
    provider: "google" as const,
    subscriptionId: fixture.google.subscriptionId,
    calendarId: fixture.google.calendarId,
  };
  const graph = { organizationId: fixture.organizationId, provider: "microsoft" as const, subscriptionId: fixture.microsoft.subscriptionId, calendarId: null };
  const [processed, failed, dead, replacedChannel, graphProcessed, graphDead, old] = await insertEvents(db, [
    { ...google, externalId: fixture.google.channelId, status: "processed", receivedAt: ago(10), latencyMs: 1_250 },
    {
      ...google,
      externalId: fixture.google.channelId,
      status: "failed",
      receivedAt: ago(20),
      attempts: 2,
      error: "provider answered 503",
      nextAttemptAt: new Date(now.getTime() + 5 * MINUTE),
    },
    {
      ...google,
      externalId: fixture.google.channelId,
      status: "dead",
      receivedAt: ago(30),
      attempts: 6,
      error: "retries exhausted",
      // As an older intake might have stored it: the token header in the clear.
      headers: { "x-goog-channel-id": fixture.google.channelId, "x-goog-channel-token": "tok-secret-value", "x-goog-resource-state": "exists" },
      body: { note: "kept", clientState: "cs-secret-value" },
    },
    { ...google, externalId: fixture.google.replacedChannelId, status: "processed", receivedAt: ago(40), latencyMs: 300 },
    { ...graph, externalId: fixture.microsoft.externalId, status: "processed", receivedAt: ago(50), latencyMs: 800, changeType: "updated" },
    { ...graph, externalId: fixture.microsoft.externalId, status: "dead", receivedAt: ago(60), attempts: 6, error: "gone" },
    { ...google, externalId: fixture.google.channelId, status: "ignored", receivedAt: ago(3 * 24 * 60), changeType: "sync" },
  ]);
  Object.assign(ids, { processed, failed, dead, replacedChannel, graphProcessed, graphDead, old });
  // Three at the same instant: the page boundary must split ties by id, not lose or repeat them.
  const tied = await insertEvents(
    db,
    [0, 1, 2].map(() => ({ ...google, externalId: fixture.google.channelId, status: "duplicate" as const, receivedAt: ago(70) })),
  );
  tied.forEach((id, index) => (ids[`tied${index}`] = id));
  // Another organization's events, with a channel id that would match a search.
  const elsewhere = await seedAdminFixture(db, stranger.viewer.organizationId, { now, tag: "elsewhere" });
  await insertEvents(db, [
    {
      organizationId: elsewhere.organizationId,
      provider: "google",
      subscriptionId: elsewhere.google.subscriptionId,
      calendarId: elsewhere.google.calendarId,
      externalId: `${fixture.google.channelId}-x`,
      status: "dead",
      receivedAt: ago(5),
    },
  ]);
});

describe("GET /api/admin/webhook-events", () => {
  it("lists the organization's events newest first, with calendar names and processing latency", async () => {
    const { events, nextCursor } = await list("");
    expect(nextCursor).toBeNull();
    expect(events).toHaveLength(10);
    const times = events.map((event) => Date.parse(event.receivedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const processed = events.find((event) => event.id === ids.processed)!;
    expect(processed).toMatchObject({ status: "processed", provider: "google", calendarName: expect.stringContaining("Alice"), latencyMs: 1_250, attempts: 0 });
    const failed = events.find((event) => event.id === ids.failed)!;
    expect(failed).toMatchObject({ status: "failed", attempts: 2, error: "provider answered 503", latencyMs: null });
    expect(Date.parse(failed.nextAttemptAt!)).toBeGreaterThan(now.getTime());
  });

  it("filters by provider, status (one or several), and time range", async () => {
    expect((await list("?provider=microsoft")).events.map((event) => event.id).sort()).toEqual([ids.graphProcessed, ids.graphDead].sort());
    expect((await list("?status=dead")).events.map((event) => event.id).sort()).toEqual([ids.dead, ids.graphDead].sort());
    expect((await list("?status=failed,dead&provider=google")).events.map((event) => event.id).sort()).toEqual([ids.failed, ids.dead].sort());
    const range = await list(`?from=${encodeURIComponent(ago(45).toISOString())}&to=${encodeURIComponent(ago(15).toISOString())}`);
    expect(range.events.map((event) => event.id).sort()).toEqual([ids.failed, ids.dead, ids.replacedChannel].sort());
    expect((await list(`?from=${encodeURIComponent(ago(2 * 24 * 60).toISOString())}`)).events.map((event) => event.id)).not.toContain(ids.old);
  });

  it("filters by calendar, counting a Graph notification for every calendar of its mailbox", async () => {
    const google = await list(`?calendarId=${fixture.google.calendarId}`);
    expect(google.events.every((event) => event.calendarId === fixture.google.calendarId)).toBe(true);
    expect(google.events).toHaveLength(8);
    const graph = await list(`?calendarId=${fixture.microsoft.calendarId}`);
    expect(graph.events.map((event) => event.id).sort()).toEqual([ids.graphProcessed, ids.graphDead].sort());
    expect((await list(`?calendarId=${fixture.google.otherCalendarId}`)).events).toEqual([]);
  });

  it("searches channel and subscription ids, including a channel's notifications from before its renewal", async () => {
    const byOldId = await list(`?q=${encodeURIComponent(fixture.google.replacedChannelId.toUpperCase())}`);
    expect(byOldId.events.map((event) => event.id)).toEqual([ids.replacedChannel]);
    // The current channel id also finds what arrived under the replaced one: same subscription.
    const byCurrent = await list(`?q=${encodeURIComponent(fixture.google.channelId)}`);
    expect(byCurrent.events.map((event) => event.id)).toContain(ids.replacedChannel);
    expect(byCurrent.events.every((event) => event.provider === "google")).toBe(true);
    expect((await list(`?q=${encodeURIComponent(fixture.microsoft.externalId)}`)).events).toHaveLength(2);
    expect((await list("?q=no-such-channel")).events).toEqual([]);
  });

  it("pages with an opaque cursor: every event once, in order, ties split by id", async () => {
    const everything = (await list("")).events.map((event) => event.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: AdminWebhookEventsResponse = await list(`?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.events.length).toBeLessThanOrEqual(3);
      seen.push(...page.events.map((event) => event.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(everything);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([ids.tied0, ids.tied1, ids.tied2]));
  });

  it("rejects bad filters with 400 naming the field", async () => {
    for (const query of [
      "?status=exploded",
      "?provider=yahoo",
      "?calendarId=nope",
      "?limit=0",
      "?limit=500",
      "?cursor=garbage",
      "?from=yesterday",
      `?from=${now.toISOString()}&to=${ago(60).toISOString()}`,
    ]) {
      const response = await listEvents(request(`/api/admin/webhook-events${query}`, { cookie: admin.cookie }), none);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { kind: string; fields?: Record<string, string> } };
      expect(body.error.kind).toBe("invalid");
      expect(Object.keys(body.error.fields ?? {})).toHaveLength(1);
    }
  });
});

describe("GET /api/admin/webhook-events/:id", () => {
  it("shows one event in full, secrets redacted even when stored in the clear", async () => {
    const response = await getEvent(request(`/api/admin/webhook-events/${ids.dead}`, { cookie: owner.cookie }), params(ids.dead!));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("tok-secret-value");
    expect(text).not.toContain("cs-secret-value");
    const event = JSON.parse(text) as AdminWebhookEventDetail;
    expect(event).toMatchObject({
      id: ids.dead,
      status: "dead",
      attempts: 6,
      error: "retries exhausted",
      accountEmail: expect.stringContaining("alice-"),
      headers: { "x-goog-channel-id": fixture.google.channelId, "x-goog-channel-token": "[redacted]", "x-goog-resource-state": "exists" },
      body: { note: "kept", clientState: "[redacted]" },
    });
  });

  it("names the account of a Graph event through its subscription", async () => {
    const response = await getEvent(request(`/api/admin/webhook-events/${ids.graphProcessed}`, { cookie: admin.cookie }), params(ids.graphProcessed!));
    expect(await response.json()).toMatchObject({ accountEmail: expect.stringContaining("bob-"), calendarId: null, latencyMs: 800 });
  });

  it("is 400 for a malformed id and 404 for an unknown one", async () => {
    expect((await getEvent(request("/api/admin/webhook-events/x", { cookie: admin.cookie }), params("x"))).status).toBe(400);
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect((await getEvent(request(`/api/admin/webhook-events/${unknown}`, { cookie: admin.cookie }), params(unknown))).status).toBe(404);
  });
});

describe("who may see the webhook log", () => {
  it("members are refused (403) and signed-out callers are asked to sign in (401)", async () => {
    expect((await listEvents(request("/api/admin/webhook-events", { cookie: member.cookie }), none)).status).toBe(403);
    expect((await getEvent(request(`/api/admin/webhook-events/${ids.dead}`, { cookie: member.cookie }), params(ids.dead!))).status).toBe(403);
    expect((await listEvents(request("/api/admin/webhook-events"), none)).status).toBe(401);
    expect((await getEvent(request(`/api/admin/webhook-events/${ids.dead}`), params(ids.dead!))).status).toBe(401);
  });

  it("an admin of another organization sees only their own events and 404 for ours", async () => {
    const theirs = await list(`?q=${encodeURIComponent(fixture.google.channelId)}`, stranger);
    expect(theirs.events).toHaveLength(1);
    expect(theirs.events[0]!.externalId).toBe(`${fixture.google.channelId}-x`);
    expect(JSON.stringify(await list("", stranger))).not.toContain(fixture.google.calendarId);
    expect((await getEvent(request(`/api/admin/webhook-events/${ids.dead}`, { cookie: stranger.cookie }), params(ids.dead!))).status).toBe(404);
    expect((await list(`?calendarId=${fixture.google.calendarId}`, stranger)).events).toEqual([]);
  });
});
