import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { addMember, request, signIn, type SignedIn } from "@/scripts/test/app";
import type { HealthReport } from "@/lib/api/types";
import { insertEvents, seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { GET as health } from "@/app/api/admin/health/route";

// GET /api/admin/health: the caller's organization only, admins only. The figures
// themselves are tested in lib/health/organization.int.test.ts.

const database = setupTestDatabase();
const none = undefined as never;
let owner: SignedIn;
let admin: SignedIn;
let member: SignedIn;
let stranger: SignedIn;
let fixture: AdminFixture;

beforeAll(async () => {
  owner = await signIn("owner@health-route.test");
  admin = await addMember(owner.viewer.organizationId, "admin@health-route.test", "admin");
  member = await addMember(owner.viewer.organizationId, "member@health-route.test", "member");
  stranger = await signIn("owner@health-elsewhere.test");
  const db = await database.db();
  fixture = await seedAdminFixture(db, owner.viewer.organizationId);
  await insertEvents(db, [
    {
      organizationId: fixture.organizationId,
      provider: "google",
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      externalId: fixture.google.channelId,
      status: "processed",
      receivedAt: new Date(Date.now() - 60_000),
      latencyMs: 250,
    },
    {
      organizationId: fixture.organizationId,
      provider: "google",
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      externalId: fixture.google.channelId,
      status: "dead",
      receivedAt: new Date(Date.now() - 120_000),
      attempts: 6,
    },
  ]);
});

async function report(who: SignedIn): Promise<HealthReport> {
  const response = await health(request("/api/admin/health", { cookie: who.cookie }), none);
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return (await response.json()) as HealthReport;
}

describe("GET /api/admin/health", () => {
  it("reports the organization's health with its charts' series and whether it needs attention", async () => {
    for (const who of [owner, admin]) {
      const body = await report(who);
      expect(body).toMatchObject({ status: "unhealthy", attention: true, organizationId: fixture.organizationId, notifications24h: 2, successRate: 0.5 });
      expect(body.hourly).toHaveLength(24);
      expect(body.hourly.reduce((sum, hour) => sum + hour.notifications, 0)).toBe(2);
      expect(body.connections.map((connection) => connection.id).sort()).toEqual([fixture.google.connectionId, fixture.microsoft.connectionId].sort());
      expect(body.problems[0]).toMatch(/exhausted/);
    }
  });

  it("shows another organization nothing of ours", async () => {
    const theirs = await report(stranger);
    expect(theirs).toMatchObject({
      status: "ok",
      attention: false,
      organizationId: stranger.viewer.organizationId,
      notifications24h: 0,
      connections: [],
      problems: [],
    });
    expect(JSON.stringify(theirs)).not.toContain(fixture.google.connectionId);
  });

  it("refuses members (403) and signed-out callers (401)", async () => {
    expect((await health(request("/api/admin/health", { cookie: member.cookie }), none)).status).toBe(403);
    expect((await health(request("/api/admin/health"), none)).status).toBe(401);
  });
});
