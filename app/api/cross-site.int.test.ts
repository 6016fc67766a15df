import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { insertEvents, seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { appOrigin } from "@/lib/config";
import { MUTATING_METHODS } from "@/lib/http/same-origin";
import { installJobSender } from "@/lib/jobs/dispatch";
import { createApiKey } from "@/lib/api-keys/keys";
import { createEndpoint } from "@/lib/outbound/endpoints";
import { request, signIn, type SignedIn } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";

// Every route under app/api that changes something, called the way a page on a
// sibling subdomain (or any other site) would call it as a signed-in admin: a foreign
// Origin, no Origin but Sec-Fetch-Site: cross-site, and a text/plain body. Each is
// refused (403, 415) before any work: nothing dispatched, no row changed, and not even
// the session looked at (a signed-out caller gets 403 too, not 401). The same request
// from the app's own origin goes through. The table is checked against the route
// files on disk, so a new mutating route fails here until it has a row.

const database = setupTestDatabase();
let admin: SignedIn;
let fixture: AdminFixture;
let deadEventId: string;
let membershipId: string;
let invitationId: string;
let apiKeyId: string;
let endpointId: string;
/** A calendar the provider no longer lists: what a forged Dismiss would delete. */
let removedCalendarId: string;
const dispatched: unknown[] = [];

beforeAll(async () => {
  installJobSender(async (items) => {
    dispatched.push(...items);
  });
  admin = await signIn("admin@cross-site.test");
  const db = await database.db();
  fixture = await seedAdminFixture(db, admin.viewer.organizationId, { tag: "xsite" });
  membershipId = (await db.membership.findFirstOrThrow({ where: { userId: admin.viewer.userId } })).id;
  invitationId = (
    await db.invitation.create({
      data: {
        organizationId: admin.viewer.organizationId,
        email: "xsite-invitee@cross-site.test",
        tokenHash: "xsite-hash",
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    })
  ).id;
  [deadEventId] = (await insertEvents(db, [
    {
      organizationId: admin.viewer.organizationId,
      provider: "google",
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      externalId: fixture.google.channelId,
      status: "dead",
      receivedAt: new Date(),
      attempts: 5,
      error: "gave up",
    },
  ])) as [string];
  removedCalendarId = (
    await db.calendar.create({
      data: {
        organizationId: admin.viewer.organizationId,
        connectionId: fixture.google.connectionId,
        providerCalendarId: "xsite-retired",
        name: "Retired",
        removedAt: new Date(),
      },
    })
  ).id;
  apiKeyId = (await createApiKey(admin.viewer.organizationId, { name: "xsite key", scopes: ["webhooks:manage"] })).apiKey.id;
  endpointId = (await createEndpoint(admin.viewer.organizationId, { url: "https://xsite.example.com/in", description: "", eventTypes: [] })).endpoint.id;
});

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
interface MutatingCase {
  method: "POST" | "PUT" | "PATCH" | "DELETE";
  route: string;
  load: () => Promise<Record<string, unknown>>;
  url: () => string;
  params?: () => Record<string, string>;
  body?: () => unknown;
}

const CASES: MutatingCase[] = [
  {
    method: "PUT",
    route: "organizations/current",
    load: () => import("@/app/api/organizations/current/route"),
    url: () => "/api/organizations/current",
    body: () => ({ organizationId: admin.viewer.organizationId }),
  },
  {
    method: "PATCH",
    route: "members/[id]",
    load: () => import("@/app/api/members/[id]/route"),
    url: () => `/api/members/${membershipId}`,
    params: () => ({ id: membershipId }),
    body: () => ({ role: "member" }),
  },
  {
    method: "DELETE",
    route: "members/[id]",
    load: () => import("@/app/api/members/[id]/route"),
    url: () => `/api/members/${membershipId}`,
    params: () => ({ id: membershipId }),
  },
  {
    method: "POST",
    route: "invitations",
    load: () => import("@/app/api/invitations/route"),
    url: () => "/api/invitations",
    body: () => ({ email: "victim@cross-site.test", role: "owner" }),
  },
  {
    method: "DELETE",
    route: "invitations/[id]",
    load: () => import("@/app/api/invitations/[id]/route"),
    url: () => `/api/invitations/${invitationId}`,
    params: () => ({ id: invitationId }),
  },
  {
    method: "POST",
    route: "invitations/accept",
    load: () => import("@/app/api/invitations/accept/route"),
    url: () => "/api/invitations/accept",
    body: () => ({ token: "A".repeat(43) }),
  },
  {
    method: "DELETE",
    route: "connections/[id]",
    load: () => import("@/app/api/connections/[id]/route"),
    url: () => `/api/connections/${fixture.google.connectionId}`,
    params: () => ({ id: fixture.google.connectionId }),
  },
  {
    method: "PATCH",
    route: "calendars/[id]",
    load: () => import("@/app/api/calendars/[id]/route"),
    url: () => `/api/calendars/${fixture.google.calendarId}`,
    params: () => ({ id: fixture.google.calendarId }),
    body: () => ({ syncEnabled: false }),
  },
  {
    method: "DELETE",
    route: "calendars/[id]",
    load: () => import("@/app/api/calendars/[id]/route"),
    url: () => `/api/calendars/${removedCalendarId}`,
    params: () => ({ id: removedCalendarId }),
  },
  {
    method: "POST",
    route: "calendars/[id]/sync",
    load: () => import("@/app/api/calendars/[id]/sync/route"),
    url: () => `/api/calendars/${fixture.google.calendarId}/sync`,
    params: () => ({ id: fixture.google.calendarId }),
  },
  {
    method: "DELETE",
    route: "admin/subscriptions/[id]",
    load: () => import("@/app/api/admin/subscriptions/[id]/route"),
    url: () => `/api/admin/subscriptions/${fixture.google.subscriptionId}`,
    params: () => ({ id: fixture.google.subscriptionId }),
  },
  {
    method: "POST",
    route: "admin/subscriptions/[id]/refresh",
    load: () => import("@/app/api/admin/subscriptions/[id]/refresh/route"),
    url: () => `/api/admin/subscriptions/${fixture.google.subscriptionId}/refresh`,
    params: () => ({ id: fixture.google.subscriptionId }),
  },
  {
    method: "POST",
    route: "admin/subscriptions/[id]/reregister",
    load: () => import("@/app/api/admin/subscriptions/[id]/reregister/route"),
    url: () => `/api/admin/subscriptions/${fixture.google.subscriptionId}/reregister`,
    params: () => ({ id: fixture.google.subscriptionId }),
  },
  {
    method: "POST",
    route: "admin/calendars/[id]/resync",
    load: () => import("@/app/api/admin/calendars/[id]/resync/route"),
    url: () => `/api/admin/calendars/${fixture.google.calendarId}/resync`,
    params: () => ({ id: fixture.google.calendarId }),
    body: () => ({ mode: "full" }),
  },
  {
    method: "POST",
    route: "admin/webhook-events/[id]/replay",
    load: () => import("@/app/api/admin/webhook-events/[id]/replay/route"),
    url: () => `/api/admin/webhook-events/${deadEventId}/replay`,
    params: () => ({ id: deadEventId }),
  },
  {
    method: "PATCH",
    route: "admin/privacy",
    load: () => import("@/app/api/admin/privacy/route"),
    url: () => "/api/admin/privacy",
    body: () => ({ privateEvents: "busy_only", keepDeclined: false }),
  },
  {
    method: "POST",
    route: "admin/webhook-events/replay",
    load: () => import("@/app/api/admin/webhook-events/replay/route"),
    url: () => "/api/admin/webhook-events/replay",
    body: () => ({ status: "dead" }),
  },
  {
    method: "POST",
    route: "admin/api-keys",
    load: () => import("@/app/api/admin/api-keys/route"),
    url: () => "/api/admin/api-keys",
    body: () => ({ name: "x", scopes: ["events:read"] }),
  },
  {
    method: "DELETE",
    route: "admin/api-keys/[id]",
    load: () => import("@/app/api/admin/api-keys/[id]/route"),
    url: () => `/api/admin/api-keys/${apiKeyId}`,
    params: () => ({ id: apiKeyId }),
  },
  {
    method: "POST",
    route: "admin/webhook-endpoints",
    load: () => import("@/app/api/admin/webhook-endpoints/route"),
    url: () => "/api/admin/webhook-endpoints",
    body: () => ({ url: "https://x.example.com/hook" }),
  },
  {
    method: "PATCH",
    route: "admin/webhook-endpoints/[id]",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}`,
    params: () => ({ id: endpointId }),
    body: () => ({ enabled: false }),
  },
  {
    method: "DELETE",
    route: "admin/webhook-endpoints/[id]",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "admin/webhook-endpoints/[id]/test",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/test/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}/test`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "admin/webhook-endpoints/[id]/replay",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/replay/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}/replay`,
    params: () => ({ id: endpointId }),
    body: () => ({}),
  },
  {
    method: "POST",
    route: "admin/webhook-endpoints/[id]/rotate-secret",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/rotate-secret/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}/rotate-secret`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "v1/webhook-endpoints/[id]/rotate-secret",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/rotate-secret/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}/rotate-secret`,
    params: () => ({ id: endpointId }),
  },
  // /api/v1 is for machines (no Origin), but a browser's cross-site write is refused all the same.
  {
    method: "POST",
    route: "v1/webhook-endpoints",
    load: () => import("@/app/api/v1/webhook-endpoints/route"),
    url: () => "/api/v1/webhook-endpoints",
    body: () => ({ url: "https://x.example.com/v1" }),
  },
  {
    method: "PATCH",
    route: "v1/webhook-endpoints/[id]",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}`,
    params: () => ({ id: endpointId }),
    body: () => ({ enabled: false }),
  },
  {
    method: "DELETE",
    route: "v1/webhook-endpoints/[id]",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "v1/webhook-endpoints/[id]/test",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/test/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}/test`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "v1/webhook-endpoints/[id]/replay",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/replay/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}/replay`,
    params: () => ({ id: endpointId }),
    body: () => ({}),
  },
];

// The catch-all for unknown API paths: no work behind it, yet writes to it pass the
// same guard first (so a probe cannot tell a guarded route from a missing one).
const UNKNOWN_PATH_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;
const UNKNOWN_PATH: MutatingCase[] = UNKNOWN_PATH_METHODS.map((method) => ({
  method,
  route: "[...path]",
  load: () => import("@/app/api/[...path]/route"),
  url: () => "/api/no-such-route",
  body: () => ({}),
}));

// Server-to-server endpoints with verification of their own (and next-auth, which
// checks its own CSRF token): a browser's Origin means nothing to them.
const OWN_VERIFICATION = new Set([
  "POST auth/[...nextauth]",
  "POST inngest",
  "PUT inngest",
  "POST webhooks/google",
  "POST webhooks/microsoft",
  "POST webhooks/microsoft/lifecycle",
  "POST webhooks/bench-baseline",
]);

function routeFiles(dir = path.join(process.cwd(), "app", "api")): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

type Attack = "foreign origin" | "cross-site fetch" | "text/plain body";
const ATTACKS: Array<[Attack, number]> = [
  ["foreign origin", 403],
  ["cross-site fetch", 403],
  ["text/plain body", 415],
];

function headersFor(attack: Attack | "own origin", routeCase: MutatingCase): Record<string, string> {
  const json = { "content-type": "application/json" };
  switch (attack) {
    case "foreign origin":
      return { ...json, origin: "https://sibling.example.com" };
    case "cross-site fetch":
      return { ...json, "sec-fetch-site": "cross-site" };
    case "text/plain body":
      // What a page may send anywhere without a preflight, and from the app's own origin too.
      return { "content-type": "text/plain;charset=UTF-8", origin: appOrigin() };
    case "own origin":
      return routeCase.body ? { ...json, origin: appOrigin(), "sec-fetch-site": "same-origin" } : { origin: appOrigin(), "sec-fetch-site": "same-origin" };
  }
}

async function call(routeCase: MutatingCase, attack: Attack | "own origin", who: SignedIn | null): Promise<Response> {
  const handler = ((await routeCase.load()) as Record<string, Handler>)[routeCase.method]!;
  const body = routeCase.body ? JSON.stringify(routeCase.body()) : attack === "text/plain body" ? "{}" : undefined;
  const init = { method: routeCase.method, cookie: who?.cookie, headers: headersFor(attack, routeCase), body };
  return handler(request(routeCase.url(), init), { params: Promise.resolve(routeCase.params?.() ?? {}) });
}

async function snapshot() {
  const db = await database.db();
  return {
    connection: (await db.calendarConnection.findUniqueOrThrow({ where: { id: fixture.google.connectionId } })).status,
    calendar: (await db.calendar.findUniqueOrThrow({ where: { id: fixture.google.calendarId } })).syncEnabled,
    removedCalendar: await db.calendar.count({ where: { id: removedCalendarId } }),
    subscription: JSON.stringify(await db.webhookSubscription.findUniqueOrThrow({ where: { id: fixture.google.subscriptionId } })),
    event: (await db.webhookEvent.findUniqueOrThrow({ where: { id: deadEventId } })).status,
    syncRuns: await db.syncRun.count({ where: { organizationId: admin.viewer.organizationId } }),
    memberships: JSON.stringify(await db.membership.findMany({ orderBy: { id: "asc" } })),
    invitations: JSON.stringify(await db.invitation.findMany({ orderBy: { id: "asc" } })),
    privacy: JSON.stringify(
      await db.organization.findUniqueOrThrow({ where: { id: admin.viewer.organizationId }, select: { privateEvents: true, keepDeclined: true } }),
    ),
    apiKeys: JSON.stringify(await db.apiKey.findMany({ where: { organizationId: admin.viewer.organizationId }, orderBy: { id: "asc" } })),
    endpoints: JSON.stringify(
      await db.webhookEndpoint.findMany({ where: { organizationId: admin.viewer.organizationId }, orderBy: { id: "asc" } }),
      (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
    ),
    deliveries: await db.webhookDelivery.count({ where: { organizationId: admin.viewer.organizationId } }),
    dispatched: dispatched.length,
  };
}

describe("mutating routes under app/api", () => {
  it("are all listed here, or are server-to-server with their own verification", async () => {
    const found: string[] = [];
    for (const file of routeFiles()) {
      const route = path
        .relative(path.join(process.cwd(), "app", "api"), path.dirname(file))
        .split(path.sep)
        .join("/");
      const routeModule = (await import(file)) as Record<string, unknown>;
      for (const method of MUTATING_METHODS) if (typeof routeModule[method] === "function") found.push(`${method} ${route}`);
    }
    const listed = new Set([...[...CASES, ...UNKNOWN_PATH].map((routeCase) => `${routeCase.method} ${routeCase.route}`), ...OWN_VERIFICATION]);
    expect(found.filter((route) => !listed.has(route))).toEqual([]);
    // The walk really saw the routes (a broken walk would find nothing to miss).
    expect(found).toEqual(expect.arrayContaining(CASES.map((routeCase) => `${routeCase.method} ${routeCase.route}`)));
  });

  it.each(CASES.flatMap((routeCase) => ATTACKS.map(([attack, status]) => [`${routeCase.method} /api/${routeCase.route}`, attack, status, routeCase] as const)))(
    "%s with a %s is %i before any work",
    async (_name, attack, status, routeCase) => {
      const before = await snapshot();
      const response = await call(routeCase, attack, admin);
      expect(response.status).toBe(status);
      // Refused before the session is even read: signed out, it is the same answer, not 401.
      expect((await call(routeCase, attack, null)).status).toBe(status);
      expect(await snapshot()).toEqual(before);
    },
  );

  it.each(CASES.map((routeCase) => [`${routeCase.method} /api/${routeCase.route}`, routeCase] as const))(
    "%s from the app's own origin reaches the handler",
    async (_name, routeCase) => {
      // Signed out, the handler's own authorize answers: the guard let it through.
      expect((await call(routeCase, "own origin", null)).status).toBe(401);
    },
  );

  it.each(UNKNOWN_PATH.map((routeCase) => [routeCase.method, routeCase] as const))(
    "%s to an unknown API path is refused cross-site and a JSON 404 from the app's own origin",
    async (_method, routeCase) => {
      for (const [attack, status] of ATTACKS) expect((await call(routeCase, attack, admin)).status).toBe(status);
      const response = await call(routeCase, "own origin", admin);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ error: { kind: "not_found", message: `no API route ${routeCase.method} /api/no-such-route` } });
    },
  );

  it("from the app's own origin, as the admin, the resync, the replays, the calendar change and the dismissal happen", async () => {
    const db = await database.db();
    const byName = (route: string) => CASES.find((routeCase) => routeCase.route === route)!;
    const runsBefore = dispatched.length;
    expect((await call(byName("admin/calendars/[id]/resync"), "own origin", admin)).status).toBe(202);
    expect(dispatched.length).toBeGreaterThan(runsBefore);
    const beforeSyncNow = dispatched.length;
    expect((await call(byName("calendars/[id]/sync"), "own origin", admin)).status).toBe(202);
    expect(dispatched.length).toBeGreaterThan(beforeSyncNow);
    expect((await call(byName("admin/webhook-events/[id]/replay"), "own origin", admin)).status).toBe(200);
    expect((await db.webhookEvent.findUniqueOrThrow({ where: { id: deadEventId } })).status).toBe("pending");
    await db.webhookEvent.update({ where: { id: deadEventId }, data: { status: "dead" } });
    const bulk = await call(byName("admin/webhook-events/replay"), "own origin", admin);
    expect(bulk.status).toBe(200);
    expect(await bulk.json()).toEqual({ replayed: 1, remaining: 0 });
    expect((await call(byName("calendars/[id]"), "own origin", admin)).status).toBe(200);
    expect((await db.calendar.findUniqueOrThrow({ where: { id: fixture.google.calendarId } })).syncEnabled).toBe(false);
    expect((await call(byName("admin/privacy"), "own origin", admin)).status).toBe(200);
    expect(
      await db.organization.findUniqueOrThrow({ where: { id: admin.viewer.organizationId }, select: { privateEvents: true, keepDeclined: true } }),
    ).toEqual({ privateEvents: "busy_only", keepDeclined: false });
    const dismiss = CASES.find((routeCase) => routeCase.method === "DELETE" && routeCase.route === "calendars/[id]")!;
    expect((await call(dismiss, "own origin", admin)).status).toBe(200);
    expect(await db.calendar.count({ where: { id: removedCalendarId } })).toBe(0);
  });
});
