import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { addMember, request, signIn, type SignedIn } from "@/scripts/test/app";
import { insertEvents, seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { installJobSender } from "@/lib/jobs/dispatch";
import { API_KEY_SCOPES, type ApiKeyScope } from "@/lib/api/v1/schemas";
import { createApiKey } from "@/lib/api-keys/keys";
import { createEndpoint } from "@/lib/outbound/endpoints";

// Every route under app/api, called by two people who must get nothing: the admin
// of another organization (403 or 404, or a list without a trace of the data) and a
// plain member of the organization itself on admin routes (403). The table is
// checked against the route files, so a new route without a row here fails.

const database = setupTestDatabase();
let owner: SignedIn;
let stranger: SignedIn;
let member: SignedIn;
let fixture: AdminFixture;
let webhookEventId: string;
let syncRunId: string;
let memberMembershipId: string;
let invitationId: string;
let invitationToken: string;
let apiKeyId: string;
let endpointId: string;
let meetingId: string;
let eventId: string;
/** A calendar the provider no longer lists: the one Dismiss (DELETE /api/calendars/:id) may delete. */
let removedCalendarId: string;
/** API keys by caller: another organization's with every scope; A's own without the route's scope. */
let strangerKey: string;
const scopelessKeys = new Map<ApiKeyScope, string>();
const dispatched: unknown[] = [];

/** Strings only organization A's data contains. */
let markers: string[];

beforeAll(async () => {
  installJobSender(async (items) => {
    dispatched.push(...items);
  });
  owner = await signIn("owner@org-a.test");
  stranger = await signIn("admin@org-b.test");
  member = await addMember(owner.viewer.organizationId, "member@org-a.test", "member");
  const db = await database.db();
  fixture = await seedAdminFixture(db, owner.viewer.organizationId, { tag: "orga" });
  [webhookEventId] = (await insertEvents(db, [
    {
      organizationId: owner.viewer.organizationId,
      provider: "google",
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      externalId: fixture.google.channelId,
      status: "dead",
      receivedAt: new Date(),
      attempts: 5,
      error: "orga failure",
    },
  ])) as [string];
  syncRunId = (
    await db.syncRun.create({
      data: { organizationId: owner.viewer.organizationId, calendarId: fixture.google.calendarId, trigger: "poll", mode: "incremental" },
    })
  ).id;
  const start = new Date(Date.now() + 3_600_000);
  meetingId = (await db.meeting.create({ data: { organizationId: owner.viewer.organizationId, iCalUid: "orga-ical-1", occurrenceKey: "" } })).id;
  eventId = (
    await db.event.create({
      data: {
        organizationId: owner.viewer.organizationId,
        calendarId: fixture.google.calendarId,
        providerEventId: "orga-e1",
        iCalUid: "orga-ical-1",
        meetingId,
        title: "orga board meeting",
        startAt: start,
        endAt: new Date(start.getTime() + 3_600_000),
      },
    })
  ).id;
  removedCalendarId = (
    await db.calendar.create({
      data: {
        organizationId: owner.viewer.organizationId,
        connectionId: fixture.google.connectionId,
        providerCalendarId: "orga-retired",
        name: "orga retired calendar",
        removedAt: new Date(),
      },
    })
  ).id;
  await db.organization.update({ where: { id: owner.viewer.organizationId }, data: { name: "Orga Incorporated" } });
  memberMembershipId = (await db.membership.findFirstOrThrow({ where: { userId: member.viewer.userId } })).id;
  const { createInvitation } = await import("@/lib/organizations/invitations");
  const invited = await createInvitation({ ...owner.viewer, organizationName: "Orga Incorporated" }, { email: "invitee@org-a.test", role: "member" });
  invitationId = invited.invitation.id;
  invitationToken = new URL(invited.link!).pathname.split("/").pop()!;
  apiKeyId = (await createApiKey(owner.viewer.organizationId, { name: "orga key", scopes: [...API_KEY_SCOPES] })).apiKey.id;
  endpointId = (await createEndpoint(owner.viewer.organizationId, { url: "https://orga-hooks.example.com/in", description: "orga endpoint", eventTypes: [] }))
    .endpoint.id;
  strangerKey = (await createApiKey(stranger.viewer.organizationId, { name: "b key", scopes: [...API_KEY_SCOPES] })).key;
  for (const scope of API_KEY_SCOPES) {
    scopelessKeys.set(
      scope,
      (await createApiKey(owner.viewer.organizationId, { name: `without ${scope}`, scopes: API_KEY_SCOPES.filter((other) => other !== scope) })).key,
    );
  }
  markers = [
    "Orga Incorporated",
    "member@org-a.test",
    invitationId,
    "orga key",
    "orga-hooks.example.com",
    "orga endpoint",
    apiKeyId,
    endpointId,
    "alice-orga@example.com",
    "Alice orga",
    "orga board meeting",
    eventId,
    "orga-ical-1",
    meetingId,
    fixture.google.channelId,
    fixture.microsoft.externalId,
    webhookEventId,
    syncRunId,
    "orga failure",
    "orga retired calendar",
    removedCalendarId,
  ];
});

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;
interface RouteCase {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Route path as in app/api (dynamic segments in brackets). */
  route: string;
  /** Who may use it inside the organization: a session's role, or an API key's scope (/api/v1). */
  role: "member" | "admin" | ApiKeyScope;
  load: () => Promise<Record<string, unknown>>;
  url: () => string;
  params?: () => Record<string, string>;
  body?: () => unknown;
  /** An event stream: read for this long, then the caller hangs up (the stream ends on abort). */
  streamMs?: number;
}

const CASES: RouteCase[] = [
  { method: "GET", route: "connections", role: "member", load: () => import("@/app/api/connections/route"), url: () => "/api/connections" },
  {
    method: "DELETE",
    route: "connections/[id]",
    role: "member",
    load: () => import("@/app/api/connections/[id]/route"),
    url: () => `/api/connections/${fixture.google.connectionId}`,
    params: () => ({ id: fixture.google.connectionId }),
  },
  { method: "GET", route: "calendars", role: "member", load: () => import("@/app/api/calendars/route"), url: () => "/api/calendars" },
  {
    method: "GET",
    route: "calendars/[id]",
    role: "member",
    load: () => import("@/app/api/calendars/[id]/route"),
    url: () => `/api/calendars/${fixture.google.calendarId}`,
    params: () => ({ id: fixture.google.calendarId }),
  },
  {
    method: "PATCH",
    route: "calendars/[id]",
    role: "member",
    load: () => import("@/app/api/calendars/[id]/route"),
    url: () => `/api/calendars/${fixture.google.calendarId}`,
    params: () => ({ id: fixture.google.calendarId }),
    body: () => ({ syncEnabled: false }),
  },
  {
    method: "DELETE",
    route: "calendars/[id]",
    role: "member",
    load: () => import("@/app/api/calendars/[id]/route"),
    url: () => `/api/calendars/${removedCalendarId}`,
    params: () => ({ id: removedCalendarId }),
  },
  { method: "GET", route: "events/upcoming", role: "member", load: () => import("@/app/api/events/upcoming/route"), url: () => "/api/events/upcoming" },
  {
    method: "GET",
    route: "events/[id]",
    role: "member",
    load: () => import("@/app/api/events/[id]/route"),
    url: () => `/api/events/${eventId}`,
    params: () => ({ id: eventId }),
  },
  {
    method: "POST",
    route: "calendars/[id]/sync",
    role: "member",
    load: () => import("@/app/api/calendars/[id]/sync/route"),
    url: () => `/api/calendars/${fixture.google.calendarId}/sync`,
    params: () => ({ id: fixture.google.calendarId }),
  },
  // The live stream: the caller's own organization's marks only (a stranger's stream is B's, so no trace of A).
  { method: "GET", route: "live", role: "member", load: () => import("@/app/api/live/route"), url: () => "/api/live", streamMs: 1_000 },
  { method: "GET", route: "organizations", role: "member", load: () => import("@/app/api/organizations/route"), url: () => "/api/organizations" },
  {
    method: "PUT",
    route: "organizations/current",
    role: "member",
    load: () => import("@/app/api/organizations/current/route"),
    url: () => "/api/organizations/current",
    body: () => ({ organizationId: owner.viewer.organizationId }),
  },
  { method: "GET", route: "members", role: "member", load: () => import("@/app/api/members/route"), url: () => "/api/members" },
  {
    method: "PATCH",
    route: "members/[id]",
    role: "admin",
    load: () => import("@/app/api/members/[id]/route"),
    url: () => `/api/members/${memberMembershipId}`,
    params: () => ({ id: memberMembershipId }),
    body: () => ({ role: "admin" }),
  },
  // Members may leave (their own id); removing anyone else is for admins, so the member is not tried here.
  {
    method: "DELETE",
    route: "members/[id]",
    role: "member",
    load: () => import("@/app/api/members/[id]/route"),
    url: () => `/api/members/${memberMembershipId}`,
    params: () => ({ id: memberMembershipId }),
  },
  // A stranger's invitation goes to their own organization (checked below: none in A).
  {
    method: "POST",
    route: "invitations",
    role: "admin",
    load: () => import("@/app/api/invitations/route"),
    url: () => "/api/invitations",
    body: () => ({ email: "newcomer@org-b.test", role: "admin" }),
  },
  {
    method: "DELETE",
    route: "invitations/[id]",
    role: "admin",
    load: () => import("@/app/api/invitations/[id]/route"),
    url: () => `/api/invitations/${invitationId}`,
    params: () => ({ id: invitationId }),
  },
  // Holding A's link is not enough: it is bound to the invited address.
  {
    method: "POST",
    route: "invitations/accept",
    role: "member",
    load: () => import("@/app/api/invitations/accept/route"),
    url: () => "/api/invitations/accept",
    body: () => ({ token: invitationToken }),
  },
  { method: "GET", route: "admin/health", role: "admin", load: () => import("@/app/api/admin/health/route"), url: () => "/api/admin/health" },
  {
    method: "GET",
    route: "admin/subscriptions",
    role: "admin",
    load: () => import("@/app/api/admin/subscriptions/route"),
    url: () => "/api/admin/subscriptions",
  },
  {
    method: "DELETE",
    route: "admin/subscriptions/[id]",
    role: "admin",
    load: () => import("@/app/api/admin/subscriptions/[id]/route"),
    url: () => `/api/admin/subscriptions/${fixture.google.subscriptionId}`,
    params: () => ({ id: fixture.google.subscriptionId }),
  },
  {
    method: "POST",
    route: "admin/subscriptions/[id]/refresh",
    role: "admin",
    load: () => import("@/app/api/admin/subscriptions/[id]/refresh/route"),
    url: () => `/api/admin/subscriptions/${fixture.google.subscriptionId}/refresh`,
    params: () => ({ id: fixture.google.subscriptionId }),
  },
  {
    method: "POST",
    route: "admin/subscriptions/[id]/reregister",
    role: "admin",
    load: () => import("@/app/api/admin/subscriptions/[id]/reregister/route"),
    url: () => `/api/admin/subscriptions/${fixture.google.subscriptionId}/reregister`,
    params: () => ({ id: fixture.google.subscriptionId }),
  },
  {
    method: "POST",
    route: "admin/calendars/[id]/resync",
    role: "admin",
    load: () => import("@/app/api/admin/calendars/[id]/resync/route"),
    url: () => `/api/admin/calendars/${fixture.google.calendarId}/resync`,
    params: () => ({ id: fixture.google.calendarId }),
    body: () => ({ mode: "full" }),
  },
  {
    method: "GET",
    route: "admin/webhook-events",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-events/route"),
    url: () => `/api/admin/webhook-events?q=${fixture.google.channelId}`,
  },
  {
    method: "GET",
    route: "admin/webhook-events/[id]",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-events/[id]/route"),
    url: () => `/api/admin/webhook-events/${webhookEventId}`,
    params: () => ({ id: webhookEventId }),
  },
  {
    method: "POST",
    route: "admin/webhook-events/[id]/replay",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-events/[id]/replay/route"),
    url: () => `/api/admin/webhook-events/${webhookEventId}/replay`,
    params: () => ({ id: webhookEventId }),
  },
  {
    method: "POST",
    route: "admin/webhook-events/replay",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-events/replay/route"),
    url: () => "/api/admin/webhook-events/replay",
    body: () => ({ ids: [webhookEventId] }),
  },
  { method: "GET", route: "admin/privacy", role: "admin", load: () => import("@/app/api/admin/privacy/route"), url: () => "/api/admin/privacy" },
  {
    method: "PATCH",
    route: "admin/privacy",
    role: "admin",
    load: () => import("@/app/api/admin/privacy/route"),
    url: () => "/api/admin/privacy",
    body: () => ({ privateEvents: "everything", keepDeclined: true }),
  },
  {
    method: "GET",
    route: "admin/meeting-hours",
    role: "admin",
    load: () => import("@/app/api/admin/meeting-hours/route"),
    url: () => "/api/admin/meeting-hours?weeks=26",
  },
  { method: "GET", route: "admin/sync-runs", role: "admin", load: () => import("@/app/api/admin/sync-runs/route"), url: () => "/api/admin/sync-runs" },
  // Installation-wide settings, no tenant rows: any organization's admin sees the same report.
  { method: "GET", route: "admin/setup", role: "admin", load: () => import("@/app/api/admin/setup/route"), url: () => "/api/admin/setup" },
  { method: "GET", route: "admin/api-keys", role: "admin", load: () => import("@/app/api/admin/api-keys/route"), url: () => "/api/admin/api-keys" },
  {
    method: "POST",
    route: "admin/api-keys",
    role: "admin",
    load: () => import("@/app/api/admin/api-keys/route"),
    url: () => "/api/admin/api-keys",
    body: () => ({ name: "new", scopes: ["events:read"] }),
  },
  {
    method: "DELETE",
    route: "admin/api-keys/[id]",
    role: "admin",
    load: () => import("@/app/api/admin/api-keys/[id]/route"),
    url: () => `/api/admin/api-keys/${apiKeyId}`,
    params: () => ({ id: apiKeyId }),
  },
  {
    method: "GET",
    route: "admin/webhook-endpoints",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-endpoints/route"),
    url: () => "/api/admin/webhook-endpoints",
  },
  {
    method: "POST",
    route: "admin/webhook-endpoints",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-endpoints/route"),
    url: () => "/api/admin/webhook-endpoints",
    body: () => ({ url: "https://b.example.com/hook" }),
  },
  {
    method: "PATCH",
    route: "admin/webhook-endpoints/[id]",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}`,
    params: () => ({ id: endpointId }),
    body: () => ({ enabled: false }),
  },
  {
    method: "DELETE",
    route: "admin/webhook-endpoints/[id]",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "GET",
    route: "admin/webhook-endpoints/[id]/deliveries",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/deliveries/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}/deliveries`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "admin/webhook-endpoints/[id]/test",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/test/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}/test`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "admin/webhook-endpoints/[id]/replay",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/replay/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}/replay`,
    params: () => ({ id: endpointId }),
    body: () => ({}),
  },
  {
    method: "POST",
    route: "admin/webhook-endpoints/[id]/rotate-secret",
    role: "admin",
    load: () => import("@/app/api/admin/webhook-endpoints/[id]/rotate-secret/route"),
    url: () => `/api/admin/webhook-endpoints/${endpointId}/rotate-secret`,
    params: () => ({ id: endpointId }),
  },
  // /api/v1: API keys instead of sessions. "Another organization" is a key of B with every scope.
  { method: "GET", route: "v1/calendars", role: "events:read", load: () => import("@/app/api/v1/calendars/route"), url: () => "/api/v1/calendars" },
  { method: "GET", route: "v1/events", role: "events:read", load: () => import("@/app/api/v1/events/route"), url: () => "/api/v1/events" },
  { method: "GET", route: "v1/meetings", role: "events:read", load: () => import("@/app/api/v1/meetings/route"), url: () => "/api/v1/meetings" },
  {
    method: "GET",
    route: "v1/meetings/[id]",
    role: "events:read",
    load: () => import("@/app/api/v1/meetings/[id]/route"),
    url: () => `/api/v1/meetings/${meetingId}`,
    params: () => ({ id: meetingId }),
  },
  {
    method: "GET",
    route: "v1/changes",
    role: "changes:read",
    load: () => import("@/app/api/v1/changes/route"),
    url: () => "/api/v1/changes?after=0&limit=1000",
  },
  {
    method: "GET",
    route: "v1/changes/latest",
    role: "changes:read",
    load: () => import("@/app/api/v1/changes/latest/route"),
    url: () => "/api/v1/changes/latest",
  },
  {
    method: "GET",
    route: "v1/webhook-endpoints",
    role: "webhooks:manage",
    load: () => import("@/app/api/v1/webhook-endpoints/route"),
    url: () => "/api/v1/webhook-endpoints",
  },
  {
    method: "POST",
    route: "v1/webhook-endpoints",
    role: "webhooks:manage",
    load: () => import("@/app/api/v1/webhook-endpoints/route"),
    url: () => "/api/v1/webhook-endpoints",
    body: () => ({ url: "https://b.example.com/v1hook" }),
  },
  {
    method: "PATCH",
    route: "v1/webhook-endpoints/[id]",
    role: "webhooks:manage",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}`,
    params: () => ({ id: endpointId }),
    body: () => ({ enabled: false }),
  },
  {
    method: "DELETE",
    route: "v1/webhook-endpoints/[id]",
    role: "webhooks:manage",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "GET",
    route: "v1/webhook-endpoints/[id]/deliveries",
    role: "webhooks:manage",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/deliveries/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}/deliveries`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "v1/webhook-endpoints/[id]/test",
    role: "webhooks:manage",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/test/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}/test`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "POST",
    route: "v1/webhook-endpoints/[id]/replay",
    role: "webhooks:manage",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/replay/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}/replay`,
    params: () => ({ id: endpointId }),
    body: () => ({}),
  },
  {
    method: "POST",
    route: "v1/webhook-endpoints/[id]/rotate-secret",
    role: "webhooks:manage",
    load: () => import("@/app/api/v1/webhook-endpoints/[id]/rotate-secret/route"),
    url: () => `/api/v1/webhook-endpoints/${endpointId}/rotate-secret`,
    params: () => ({ id: endpointId }),
  },
  {
    method: "GET",
    route: "admin/sync-runs/[id]",
    role: "admin",
    load: () => import("@/app/api/admin/sync-runs/[id]/route"),
    url: () => `/api/admin/sync-runs/${syncRunId}`,
    params: () => ({ id: syncRunId }),
  },
  // Unknown API paths: a JSON 404 whoever asks, naming nothing but the path asked for.
  ...(["GET", "POST", "PUT", "PATCH", "DELETE"] as const).map((method): RouteCase => ({
    method,
    route: "[...path]",
    role: "member",
    load: () => import("@/app/api/[...path]/route"),
    url: () => "/api/no-such-route",
    params: () => ({ path: "no-such-route" }),
    body: method === "GET" || method === "DELETE" ? undefined : () => ({}),
  })),
];

// Routes with no tenant data behind a session: sign-in itself, health, the Inngest
// endpoint (signed by Inngest), provider webhooks (verified by per-channel secrets:
// lib/webhooks and lib/proofs prove those), the bench baseline (404 unless
// CALSYNC_BENCH=1), the metrics scrape (its own bearer token, counts only: `metrics`
// below), and the connect flow (its own test checks state is bound to the person
// who started it, and `start` below).
const NOT_SESSION_ROUTES = new Set([
  "GET auth/[...nextauth]",
  "POST auth/[...nextauth]",
  "GET health",
  "GET metrics",
  "GET inngest",
  "POST inngest",
  "PUT inngest",
  "POST webhooks/google",
  "POST webhooks/microsoft",
  "POST webhooks/microsoft/lifecycle",
  "POST webhooks/bench-baseline",
  "GET webhooks/bench-baseline",
  "GET oauth/google/start",
  "GET oauth/google/callback",
  "GET oauth/microsoft/start",
  "GET oauth/microsoft/callback",
  // The API's own description: public, no tenant data (lib/api/v1/openapi.test.ts checks it).
  "GET v1/openapi.json",
]);

function routeFiles(dir = path.join(process.cwd(), "app", "api")): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

const isKeyRoute = (routeCase: RouteCase): routeCase is RouteCase & { role: ApiKeyScope } => (API_KEY_SCOPES as readonly string[]).includes(routeCase.role);

async function call(routeCase: RouteCase, caller: SignedIn): Promise<{ status: number; text: string }> {
  const routeModule = (await routeCase.load()) as Record<string, Handler>;
  const handler = routeModule[routeCase.method]!;
  const headers: Record<string, string> = {};
  // Key routes: the stranger holds B's key; the member stands for A's key without the route's scope.
  if (isKeyRoute(routeCase)) headers.authorization = `Bearer ${caller === stranger ? strangerKey : scopelessKeys.get(routeCase.role)!}`;
  const init: RequestInit & { cookie: string } = { method: routeCase.method, cookie: caller.cookie, headers };
  if (routeCase.body !== undefined) {
    init.body = JSON.stringify(routeCase.body());
    headers["content-type"] = "application/json";
  }
  const response = await handler(request(routeCase.url(), init), { params: Promise.resolve(routeCase.params?.() ?? {}) });
  if (routeCase.streamMs === undefined || !response.body) return { status: response.status, text: await response.text() };
  // A stream is read for streamMs, then cancelled as a client going away does. Not
  // through an AbortSignal.timeout on the request: Node holds such a signal weakly,
  // and once collected under load it never fires, so the stream ran to its lifetime.
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + routeCase.streamMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = await Promise.race([reader.read(), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left)))]);
    clearTimeout(timer);
    if (next === null || next.done) break;
    text += decoder.decode(next.value, { stream: true });
  }
  await reader.cancel();
  return { status: response.status, text };
}

describe("every route under app/api", () => {
  it("is listed here (a new route needs a row and a rule)", async () => {
    const found: string[] = [];
    for (const file of routeFiles()) {
      const route = path
        .relative(path.join(process.cwd(), "app", "api"), path.dirname(file))
        .split(path.sep)
        .join("/");
      const routeModule = (await import(file)) as Record<string, unknown>;
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) if (typeof routeModule[method] === "function") found.push(`${method} ${route}`);
    }
    const listed = new Set([...CASES.map((routeCase) => `${routeCase.method} ${routeCase.route}`), ...NOT_SESSION_ROUTES]);
    expect(found.filter((route) => !listed.has(route))).toEqual([]);
  });

  it.each(CASES.map((routeCase) => [`${routeCase.method} /api/${routeCase.route}`, routeCase] as const))(
    "%s gives another organization's admin nothing",
    async (_name, routeCase) => {
      const { status, text } = await call(routeCase, stranger);
      if (status === 200 || status === 201) {
        // A list, or an invitation: of the caller's own organization, so without a trace of A.
        for (const marker of markers) expect(text).not.toContain(marker);
      } else {
        expect([403, 404]).toContain(status);
      }
      for (const marker of markers) expect(text).not.toContain(marker);
    },
  );

  it.each(CASES.filter((routeCase) => routeCase.role !== "member").map((routeCase) => [`${routeCase.method} /api/${routeCase.route}`, routeCase] as const))(
    "%s is refused to a member who is not an admin (an API key without the scope)",
    async (_name, routeCase) => {
      const { status, text } = await call(routeCase, member);
      expect(status).toBe(403);
      for (const marker of markers) expect(text).not.toContain(marker);
    },
  );

  it("left A's data as it was, and handed off no work for A", async () => {
    const db = await database.db();
    expect((await db.calendarConnection.findUniqueOrThrow({ where: { id: fixture.google.connectionId } })).status).toBe("active");
    expect((await db.calendar.findUniqueOrThrow({ where: { id: fixture.google.calendarId } })).syncEnabled).toBe(true);
    expect(await db.calendar.count({ where: { id: removedCalendarId } })).toBe(1);
    expect((await db.webhookSubscription.findUniqueOrThrow({ where: { id: fixture.google.subscriptionId } })).status).toBe("active");
    expect((await db.webhookEvent.findUniqueOrThrow({ where: { id: webhookEventId } })).status).toBe("dead");
    expect(await db.event.count({ where: { organizationId: owner.viewer.organizationId } })).toBe(1);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKeyId } })).revokedAt).toBeNull();
    const endpoint = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } });
    expect(endpoint.enabled).toBe(true);
    expect(await db.webhookDelivery.count({ where: { endpointId } })).toBe(0);
    expect(JSON.stringify(dispatched)).not.toContain(owner.viewer.organizationId);
    // Membership and invitations of A as they were: the member is still a plain member, the invitation pending and alone.
    expect((await db.membership.findUniqueOrThrow({ where: { id: memberMembershipId } })).role).toBe("member");
    expect(await db.membership.count({ where: { organizationId: owner.viewer.organizationId } })).toBe(2);
    expect(
      await db.invitation.findMany({ where: { organizationId: owner.viewer.organizationId }, select: { id: true, revokedAt: true, acceptedAt: true } }),
    ).toEqual([{ id: invitationId, revokedAt: null, acceptedAt: null }]);
  });

  it("the connect flow's start gives a stranger no hint of A's account", async () => {
    const { startConnect } = await import("@/lib/connections/flow");
    const response = await startConnect(request(`/api/oauth/google/start?connection=${fixture.google.connectionId}`, { cookie: stranger.cookie }), "google");
    expect(response.headers.get("location") ?? "").not.toContain("alice-orga");
  });

  it("the metrics scrape opens to its bearer token only, not to a session, and names no tenant", async () => {
    const { GET } = await import("@/app/api/metrics/route");
    const previous = process.env.METRICS_TOKEN;
    process.env.METRICS_TOKEN = "access-test-metrics-token";
    try {
      for (const caller of [owner, stranger]) expect((await GET(request("/api/metrics", { cookie: caller.cookie }))).status).toBe(401);
      const response = await GET(request("/api/metrics", { cookie: stranger.cookie, headers: { authorization: "Bearer access-test-metrics-token" } }));
      const text = await response.text();
      expect(response.status).toBe(200);
      // A's subscriptions are counted, but nothing says whose they are.
      expect(text).toMatch(/calsync_subscriptions\{provider="google",status="active"\} [1-9]/);
      for (const marker of [...markers, owner.viewer.organizationId, stranger.viewer.organizationId]) expect(text).not.toContain(marker);
    } finally {
      if (previous === undefined) delete process.env.METRICS_TOKEN;
      else process.env.METRICS_TOKEN = previous;
    }
  });

  it("the owner, by contrast, sees the data (the markers are real)", async () => {
    const { text } = await call(
      CASES.find((routeCase) => routeCase.route === "admin/webhook-events/[id]")!,
      owner,
    );
    expect(text).toContain(webhookEventId);
  });
});
