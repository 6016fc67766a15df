import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { addMember, request, signIn, type SignedIn } from "@/scripts/test/app";
import type { FollowUp } from "@/lib/jobs/catalog";
import { installJobSender } from "@/lib/jobs/dispatch";
import { insertEvents, seedAdminFixture, type AdminFixture, type EventSeed } from "@/scripts/test/admin";
import { POST as replayOne } from "@/app/api/admin/webhook-events/[id]/replay/route";
import { POST as replayMany } from "@/app/api/admin/webhook-events/replay/route";
import { REPLAY_BATCH_SIZE } from "@/lib/webhooks/replay";

// Replays from the console: one event, a chosen set, or every dead one, always of
// the caller's organization. What a replay does to an event is lib/webhooks'
// business; here: the right events, the right organization, the right answers.

const database = setupTestDatabase();
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const none = undefined as never;
const dispatched: FollowUp[] = [];
let restoreJobs: () => void;
let owner: SignedIn;
let admin: SignedIn;
let member: SignedIn;
let stranger: SignedIn;
let fixture: AdminFixture;
let theirDeadId: string;

const post = (url: string, who: SignedIn | null, body?: unknown) =>
  request(url, {
    method: "POST",
    cookie: who?.cookie,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

async function seed(statuses: EventSeed["status"][]): Promise<string[]> {
  return insertEvents(
    await database.db(),
    statuses.map((status, index) => ({
      organizationId: fixture.organizationId,
      provider: "google",
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      externalId: fixture.google.channelId,
      status,
      attempts: status === "dead" ? 6 : 1,
      error: "sync failed",
      receivedAt: new Date(Date.now() - (index + 1) * 60_000),
    })),
  );
}

const statusOf = async (id: string) => (await (await database.db()).webhookEvent.findUniqueOrThrow({ where: { id } })).status;

beforeAll(async () => {
  restoreJobs = installJobSender(async (items) => {
    dispatched.push(...items);
  });
  owner = await signIn("owner@replay.test");
  admin = await addMember(owner.viewer.organizationId, "admin@replay.test", "admin");
  member = await addMember(owner.viewer.organizationId, "member@replay.test", "member");
  stranger = await signIn("admin@replay-elsewhere.test");
  const db = await database.db();
  fixture = await seedAdminFixture(db, owner.viewer.organizationId);
  const elsewhere = await seedAdminFixture(db, stranger.viewer.organizationId, { tag: "replay-elsewhere" });
  [theirDeadId] = (await insertEvents(db, [
    {
      organizationId: elsewhere.organizationId,
      provider: "google",
      subscriptionId: elsewhere.google.subscriptionId,
      calendarId: elsewhere.google.calendarId,
      externalId: elsewhere.google.channelId,
      status: "dead",
      receivedAt: new Date(),
    },
  ])) as [string];
});
afterAll(() => restoreJobs?.());

describe("POST /api/admin/webhook-events/:id/replay", () => {
  it("replays one dead event and hands its calendar a sync", async () => {
    const [dead] = await seed(["dead"]);
    dispatched.length = 0;
    const response = await replayOne(post(`/api/admin/webhook-events/${dead}/replay`, admin), params(dead!));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ replayed: 1, remaining: 0 });
    expect(await statusOf(dead!)).toBe("pending");
    expect(dispatched.some((job) => job.name === "calendar/sync.requested" && job.data.calendarId === fixture.google.calendarId)).toBe(true);
  });

  it("is 404 for another organization's event, which stays dead", async () => {
    const response = await replayOne(post(`/api/admin/webhook-events/${theirDeadId}/replay`, admin), params(theirDeadId));
    expect(response.status).toBe(404);
    expect(await statusOf(theirDeadId)).toBe("dead");
  });

  it("refuses members (403), signed-out callers (401) and malformed ids (400)", async () => {
    const [dead] = await seed(["dead"]);
    expect((await replayOne(post(`/api/admin/webhook-events/${dead}/replay`, member), params(dead!))).status).toBe(403);
    expect((await replayOne(post(`/api/admin/webhook-events/${dead}/replay`, null), params(dead!))).status).toBe(401);
    expect(await statusOf(dead!)).toBe("dead");
    expect((await replayOne(post("/api/admin/webhook-events/123/replay", admin), params("123"))).status).toBe(400);
  });
});

describe("POST /api/admin/webhook-events/replay", () => {
  it("replays every dead event of the organization, and only those", async () => {
    const [deadA, deadB, failed, processed] = await seed(["dead", "dead", "failed", "processed"]);
    const response = await replayMany(post("/api/admin/webhook-events/replay", owner, { status: "dead" }), none);
    expect(response.status).toBe(200);
    const { replayed, remaining } = (await response.json()) as { replayed: number; remaining: number };
    // Dead ones left over from the tests above count too; at least these two.
    expect(replayed).toBeGreaterThanOrEqual(2);
    expect(remaining).toBe(0);
    expect(await statusOf(deadA!)).toBe("pending");
    expect(await statusOf(deadB!)).toBe("pending");
    expect(await statusOf(failed!)).toBe("failed");
    expect(await statusOf(processed!)).toBe("processed");
    expect(await statusOf(theirDeadId)).toBe("dead");
    const db = await database.db();
    expect(await db.webhookEvent.count({ where: { organizationId: fixture.organizationId, status: "dead" } })).toBe(0);
  });

  it("replays the named events; another organization's ids among them are left alone", async () => {
    const [failed, dead] = await seed(["failed", "dead"]);
    const response = await replayMany(post("/api/admin/webhook-events/replay", admin, { ids: [failed, theirDeadId] }), none);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ replayed: 1, remaining: 0 });
    expect(await statusOf(failed!)).toBe("pending");
    expect(await statusOf(dead!)).toBe("dead");
    expect(await statusOf(theirDeadId)).toBe("dead");
  });

  it("replays a backlog larger than one batch a batch per request, oldest first, and says how many remain", async () => {
    const db = await database.db();
    await db.webhookEvent.updateMany({ where: { organizationId: fixture.organizationId, status: "failed" }, data: { status: "processed" } });
    const backlog = REPLAY_BATCH_SIZE + 7;
    const ids = await seed(Array.from({ length: backlog }, () => "failed" as const));
    const failedCount = () => db.webhookEvent.count({ where: { organizationId: fixture.organizationId, status: "failed" } });

    const first = await replayMany(post("/api/admin/webhook-events/replay", admin, { status: "failed" }), none);
    expect(await first.json()).toEqual({ replayed: REPLAY_BATCH_SIZE, remaining: 7 });
    expect(await failedCount()).toBe(7);
    // seed() dates its rows newest first: the 7 left are the newest ones.
    for (const id of ids.slice(0, 7)) expect(await statusOf(id)).toBe("failed");
    expect(await statusOf(theirDeadId)).toBe("dead");

    const second = await replayMany(post("/api/admin/webhook-events/replay", admin, { status: "failed" }), none);
    expect(await second.json()).toEqual({ replayed: 7, remaining: 0 });
    expect(await failedCount()).toBe(0);
  });

  it("is 400 without a selection, with a bad one, or with a body that is not JSON; 415 for a form body", async () => {
    const bodies: unknown[] = [{}, { status: "processed" }, { ids: [] }, { ids: ["not-a-uuid"] }, { status: "dead", extra: 1 }];
    for (const body of bodies) {
      expect((await replayMany(post("/api/admin/webhook-events/replay", admin, body), none)).status, JSON.stringify(body)).toBe(400);
    }
    const notJson = request("/api/admin/webhook-events/replay", {
      method: "POST",
      cookie: admin.cookie,
      body: "status=dead",
      headers: { "content-type": "application/json" },
    });
    expect((await replayMany(notJson, none)).status).toBe(400);
    const form = request("/api/admin/webhook-events/replay", {
      method: "POST",
      cookie: admin.cookie,
      body: "status=dead",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect((await replayMany(form, none)).status).toBe(415);
    // Over 64 KiB is cut off while reading (413), whether announced or not.
    const huge = JSON.stringify({ status: "dead", padding: "x".repeat(70 * 1024) });
    expect((await replayMany(post("/api/admin/webhook-events/replay", admin, JSON.parse(huge)), none)).status).toBe(413);
  });

  it("refuses members (403) and signed-out callers (401)", async () => {
    const [dead] = await seed(["dead"]);
    expect((await replayMany(post("/api/admin/webhook-events/replay", member, { status: "dead" }), none)).status).toBe(403);
    expect((await replayMany(post("/api/admin/webhook-events/replay", null, { status: "dead" }), none)).status).toBe(401);
    expect(await statusOf(dead!)).toBe("dead");
  });
});
