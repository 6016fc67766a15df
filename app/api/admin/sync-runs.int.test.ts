import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { addMember, request, signIn, type SignedIn } from "@/scripts/test/app";
import type { AdminSyncRun, AdminSyncRunsResponse } from "@/lib/api/types";
import type { Prisma } from "@/lib/db/generated/client";
import { seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { GET as listRuns } from "@/app/api/admin/sync-runs/route";
import { GET as getRun } from "@/app/api/admin/sync-runs/[id]/route";

// Sync runs, newest first in cursor pages, filtered by calendar and status, one
// run in full, and who may see them. Rows are written directly.

const database = setupTestDatabase();
const MINUTE = 60_000;
const now = new Date();
const ago = (minutes: number) => new Date(now.getTime() - minutes * MINUTE);
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const none = undefined as never;

let owner: SignedIn;
let member: SignedIn;
let stranger: SignedIn;
let fixture: AdminFixture;
let failedRunId: string;
let runCount: number;

async function list(query: string, who: SignedIn = owner): Promise<AdminSyncRunsResponse> {
  const response = await listRuns(request(`/api/admin/sync-runs${query}`, { cookie: who.cookie }), none);
  expect(response.status).toBe(200);
  return (await response.json()) as AdminSyncRunsResponse;
}

beforeAll(async () => {
  owner = await signIn("owner@runs.test");
  member = await addMember(owner.viewer.organizationId, "member@runs.test", "member");
  stranger = await signIn("admin@other-runs.test");
  const db = await database.db();
  fixture = await seedAdminFixture(db, owner.viewer.organizationId, { now });
  const base = { organizationId: fixture.organizationId, mode: "incremental" as const };
  const rows: Prisma.SyncRunUncheckedCreateInput[] = [
    {
      ...base,
      calendarId: fixture.google.calendarId,
      trigger: "webhook" as const,
      status: "succeeded" as const,
      created: 2,
      updated: 1,
      pages: 1,
      providerCalls: 2,
      durationMs: 340,
      startedAt: ago(5),
      finishedAt: ago(5),
    },
    {
      ...base,
      calendarId: fixture.google.calendarId,
      trigger: "poll" as const,
      status: "failed" as const,
      error: "HTTP 503 from provider",
      pages: 0,
      providerCalls: 3,
      durationMs: 9_000,
      startedAt: ago(15),
      finishedAt: ago(15),
    },
    {
      ...base,
      calendarId: fixture.microsoft.calendarId,
      trigger: "initial" as const,
      mode: "full" as const,
      status: "succeeded" as const,
      created: 40,
      pages: 3,
      providerCalls: 4,
      durationMs: 2_100,
      startedAt: ago(25),
      finishedAt: ago(24),
    },
    { ...base, calendarId: fixture.google.otherCalendarId, trigger: "manual" as const, status: "running" as const, startedAt: ago(1) },
  ];
  // Same instant for two runs: the page boundary between them must hold.
  rows.push({ ...rows[0]!, startedAt: ago(35), finishedAt: ago(35) }, { ...rows[0]!, startedAt: ago(35), finishedAt: ago(35) });
  for (const row of rows) {
    const created = await db.syncRun.create({ data: row });
    if (row.status === "failed") failedRunId = created.id;
  }
  runCount = rows.length;
  const elsewhere = await seedAdminFixture(db, stranger.viewer.organizationId, { now, tag: "runs-elsewhere" });
  await db.syncRun.create({
    data: {
      organizationId: elsewhere.organizationId,
      calendarId: elsewhere.google.calendarId,
      trigger: "poll",
      mode: "incremental",
      status: "failed",
      error: "theirs",
      startedAt: ago(2),
    },
  });
});

describe("GET /api/admin/sync-runs", () => {
  it("lists runs newest first with their calendar, account and counters", async () => {
    const { runs, nextCursor } = await list("");
    expect(nextCursor).toBeNull();
    expect(runs).toHaveLength(runCount);
    const starts = runs.map((run) => Date.parse(run.startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    expect(runs[0]).toMatchObject({ status: "running", trigger: "manual", finishedAt: null, calendarName: expect.stringContaining("Team") });
    expect(runs.find((run) => run.mode === "full")).toMatchObject({
      provider: "microsoft",
      created: 40,
      pages: 3,
      providerCalls: 4,
      accountEmail: expect.stringContaining("bob-"),
    });
  });

  it("filters by calendar and by status", async () => {
    const google = await list(`?calendarId=${fixture.google.calendarId}`);
    expect(google.runs).toHaveLength(4);
    expect(google.runs.every((run) => run.calendarId === fixture.google.calendarId)).toBe(true);
    expect((await list("?status=failed")).runs.map((run) => run.id)).toEqual([failedRunId]);
    expect((await list("?status=failed,running")).runs).toHaveLength(2);
    expect((await list(`?calendarId=${fixture.microsoft.calendarId}&status=failed`)).runs).toEqual([]);
  });

  it("pages with a cursor, every run exactly once", async () => {
    const all = (await list("")).runs.map((run) => run.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const answer: AdminSyncRunsResponse = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      seen.push(...answer.runs.map((run) => run.id));
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(all);
  });

  it("is 400 for bad filters", async () => {
    for (const query of ["?status=done", "?calendarId=1", "?limit=abc", "?cursor=%%%"]) {
      expect((await listRuns(request(`/api/admin/sync-runs${query}`, { cookie: owner.cookie }), none)).status, query).toBe(400);
    }
  });
});

describe("GET /api/admin/sync-runs/:id", () => {
  it("shows one run with its error", async () => {
    const response = await getRun(request(`/api/admin/sync-runs/${failedRunId}`, { cookie: owner.cookie }), params(failedRunId));
    expect(response.status).toBe(200);
    const run = (await response.json()) as AdminSyncRun;
    expect(run).toMatchObject({ id: failedRunId, status: "failed", error: "HTTP 503 from provider", durationMs: 9_000, providerCalls: 3 });
  });

  it("is 400 for a malformed id", async () => {
    expect((await getRun(request("/api/admin/sync-runs/abc", { cookie: owner.cookie }), params("abc"))).status).toBe(400);
  });
});

describe("who may see sync runs", () => {
  it("members get 403, signed-out callers 401", async () => {
    expect((await listRuns(request("/api/admin/sync-runs", { cookie: member.cookie }), none)).status).toBe(403);
    expect((await getRun(request(`/api/admin/sync-runs/${failedRunId}`, { cookie: member.cookie }), params(failedRunId))).status).toBe(403);
    expect((await listRuns(request("/api/admin/sync-runs"), none)).status).toBe(401);
    expect((await getRun(request(`/api/admin/sync-runs/${failedRunId}`), params(failedRunId))).status).toBe(401);
  });

  it("an admin of another organization sees only their runs and 404 for ours", async () => {
    const theirs = await list("", stranger);
    expect(theirs.runs.map((run) => run.error)).toEqual(["theirs"]);
    expect((await list(`?calendarId=${fixture.google.calendarId}`, stranger)).runs).toEqual([]);
    expect((await getRun(request(`/api/admin/sync-runs/${failedRunId}`, { cookie: stranger.cookie }), params(failedRunId))).status).toBe(404);
  });
});
