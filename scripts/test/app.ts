// Integration-test support for the app's own flows: an emulator the app's provider
// adapters are pointed at (in this process, trusting its CA), people signed in with
// real next-auth session cookies, and the app's route handlers served over real HTTP
// so the emulator can deliver webhooks to them.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "next-auth/jwt";
import { authSecret } from "@/lib/auth/options";
import { loadViewer, recordSignIn, type Viewer } from "@/lib/auth/organizations";
import { db } from "@/lib/db/client";
import { overrideProviderSettings, sandboxGoogle, sandboxMicrosoft } from "@/lib/providers/config";
import type { Emulator, StartEmulatorOptions } from "@/e2e/emulator/server";
import type { EventRecord } from "@/lib/providers/port";
import { fetchTrustingCa } from "@/e2e/emulator/trust";
import { bindSocketAddress } from "@/lib/webhooks/source";

export async function startAppEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  // Imported here: test-support loads both SDKs, which processes that only connect
  // (the benchmarks' sync workers, measured for memory) must not pay for.
  const { startTestEmulator } = await import("@/e2e/emulator/test-support");
  const emu = await startTestEmulator(options);
  overrideProviderSettings({
    sandbox: true,
    google: sandboxGoogle(emu.google.origin),
    microsoft: { ...sandboxMicrosoft(emu.microsoft.origin, emu.microsoft.browserLoginBaseUrl), tenant: emu.microsoft.defaultTenantId },
    fetch: fetchTrustingCa(emu.caCertPem),
  });
  return emu;
}

export async function stopAppEmulator(emu: Emulator | undefined): Promise<void> {
  overrideProviderSettings(null);
  await emu?.stop();
}

export interface SignedIn {
  viewer: Viewer;
  /** `Cookie` header value carrying a real next-auth session token. */
  cookie: string;
}

/** Signs a person in as the sign-in callback would, and mints their session cookie. */
export async function signIn(email: string, provider: "google" | "microsoft" = "google"): Promise<SignedIn> {
  const database = await db();
  const { userId } = await recordSignIn(database, {
    provider,
    providerAccountId: `sub-${email}`,
    email,
    name: email.split("@")[0] ?? null,
    image: null,
    emailVerified: provider === "google",
  });
  const viewer = await loadViewer(database, userId);
  if (!viewer) throw new Error("sign-in created no membership");
  const token = await encode({ token: { uid: userId, email }, secret: authSecret() });
  return { viewer, cookie: `next-auth.session-token=${token}` };
}

/** Adds `email` to `organizationId` with `role` and returns their session. */
export async function addMember(organizationId: string, email: string, role: "owner" | "admin" | "member"): Promise<SignedIn> {
  const person = await signIn(email);
  const database = await db();
  await database.membership.deleteMany({ where: { userId: person.viewer.userId } });
  await database.membership.create({ data: { organizationId, userId: person.viewer.userId, role } });
  const viewer = await loadViewer(database, person.viewer.userId);
  return { viewer: viewer!, cookie: person.cookie };
}

export function request(url: string, init: RequestInit & { cookie?: string } = {}): Request {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  return new Request(new URL(url, "http://127.0.0.1:3999"), { ...init, headers });
}

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;

/**
 * Serves route handlers over HTTP: `routes` maps a path to a handler. Used so the
 * emulator's webhook deliveries reach the real handlers through a real socket.
 */
export async function serveRoutes(routes: Record<string, Handler>): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      state.requests += 1;
      const url = new URL(incoming.url ?? "/", "http://127.0.0.1");
      const handler = routes[url.pathname];
      if (!handler) {
        outgoing.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === "string") headers.set(name, value);
      const body = chunks.length > 0 && incoming.method !== "GET" && incoming.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
      const forwarded = new Request(url, { method: incoming.method, headers, body });
      // What the route handlers take as the sender when no proxy header is configured.
      bindSocketAddress(forwarded, incoming.socket.remoteAddress);
      Promise.resolve(handler(forwarded, { params: Promise.resolve({}) }))
        .then(async (response) => {
          const responseHeaders: Record<string, string> = {};
          response.headers.forEach((value, name) => (responseHeaders[name] = value));
          outgoing.writeHead(response.status, responseHeaders);
          outgoing.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch((err: unknown) => {
          outgoing.writeHead(500).end(String(err));
        });
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Connects `email`'s calendar account for `person` through the real connect flow
 * (start, the emulator's consent page, callback). Returns the connection id.
 */
export async function connectAccount(emu: Emulator, person: SignedIn, provider: "google" | "microsoft", email: string): Promise<string> {
  const { startConnect, finishConnect } = await import("@/lib/connections/flow");
  const { stateCookieName } = await import("@/lib/oauth/state");
  const { consent } = await import("@/e2e/emulator/consent-client");
  const started = await startConnect(request(`/api/oauth/${provider}/start`, { cookie: person.cookie }), provider);
  const stateCookie = new RegExp(`${stateCookieName(provider)}=([^;]+)`).exec(started.headers.get("set-cookie") ?? "")?.[1];
  const back = await consent(started.headers.get("location")!, { email }, provider === "microsoft" ? fetchTrustingCa(emu.caCertPem) : fetch);
  const finished = await finishConnect(
    request(`/api/oauth/${provider}/callback${back.search}`, { cookie: `${person.cookie}; ${stateCookieName(provider)}=${stateCookie}` }),
    provider,
  );
  const result = new URL(finished.headers.get("location")!).searchParams.get("result");
  if (result !== "connected" && result !== "reconnected") throw new Error(`connect ended with ${result}`);
  const database = await db();
  const connection = await database.calendarConnection.findFirstOrThrow({
    where: { organizationId: person.viewer.organizationId, provider, accountEmail: email },
  });
  return connection.id;
}

export interface MirrorDiff {
  missing: string[];
  extra: string[];
  different: Array<{ id: string; ours: unknown; theirs: unknown }>;
}

/**
 * Compares what we stored for a calendar with a fresh full listing from the provider
 * (through the same adapter, no cursor): the oracle for "incremental sync converged".
 * Every field of the event record is compared (attendees as rows, the raw item
 * included), and each series' rule against its master. A series' difference is
 * reported under `series:<id>`.
 */
export async function mirrorDiff(calendarId: string): Promise<MirrorDiff> {
  const { withAccessToken } = await import("@/lib/oauth/tokens");
  const { windowFor } = await import("@/lib/sync/engine");
  const { collapseChanges, inWindow } = await import("@/lib/sync/store");
  const database = await db();
  const calendar = await database.calendar.findUniqueOrThrow({
    where: { id: calendarId },
    include: { connection: { select: { id: true, provider: true, accountEmail: true } } },
  });
  const window = windowFor(new Date());
  const { applyPrivacy } = await import("@/lib/privacy/policy");
  const privacy = await (await import("@/lib/privacy/settings")).privacySettings(calendar.organizationId);
  const theirs = new Map<string, Record<string, unknown>>();
  let pageToken: string | null = null;
  for (;;) {
    const page = await withAccessToken(calendar.connection, (token, provider) =>
      provider.fetchChanges(token, {
        providerCalendarId: calendar.providerCalendarId,
        calendarTimeZone: calendar.timeZone,
        ownerEmail: calendar.connection.accountEmail,
        cursor: null,
        pageToken,
        window,
      }),
    );
    for (const listed of collapseChanges(page.changes).upserts) {
      // As the organization keeps it (lib/privacy/policy.ts).
      const event = applyPrivacy(listed, privacy);
      if (event && inWindow(event, window)) theirs.set(event.providerEventId, comparable(event));
    }
    if (!page.nextPageToken) break;
    pageToken = page.nextPageToken;
  }
  const rows = await database.event.findMany({ where: { calendarId }, include: { attendeeRows: { orderBy: { position: "asc" } } } });
  const ours = new Map(rows.map((row) => [row.providerEventId, comparable(storedRecord(row))]));
  const diff: MirrorDiff = { missing: [], extra: [], different: [] };
  for (const [id, event] of theirs) {
    const mine = ours.get(id);
    if (!mine) diff.missing.push(id);
    else if (JSON.stringify(mine) !== JSON.stringify(event)) diff.different.push({ id, ours: mine, theirs: event });
  }
  for (const id of ours.keys()) if (!theirs.has(id)) diff.extra.push(id);

  const seriesIds = [...new Set([...theirs.values()].map((event) => event.recurringSeriesId).filter((id): id is string => typeof id === "string"))];
  const theirSeries = new Map(
    (
      await withAccessToken(calendar.connection, (token, provider) =>
        provider.fetchSeries(token, { providerCalendarId: calendar.providerCalendarId, providerSeriesIds: seriesIds }),
      )
    ).map((series) => [series.providerSeriesId, JSON.stringify({ rrule: series.rrule, timeZone: series.timeZone, rule: canonicalJson(series.rule ?? null) })]),
  );
  const ourSeries = new Map(
    (await database.eventSeries.findMany({ where: { calendarId } })).map((series) => [
      series.providerSeriesId,
      JSON.stringify({ rrule: series.rrule, timeZone: series.timeZone, rule: canonicalJson(series.rule ?? null) }),
    ]),
  );
  for (const [id, rule] of theirSeries) {
    const mine = ourSeries.get(id);
    if (mine === undefined) diff.missing.push(`series:${id}`);
    else if (mine !== rule) diff.different.push({ id: `series:${id}`, ours: JSON.parse(mine), theirs: JSON.parse(rule) });
  }
  for (const id of ourSeries.keys()) if (!theirSeries.has(id)) diff.extra.push(`series:${id}`);
  return diff;
}

type StoredEventRow = Awaited<ReturnType<Awaited<ReturnType<typeof db>>["event"]["findMany"]>>[number] & {
  attendeeRows: Array<{ email: string; name: string | null; response: string; optional: boolean; organizer: boolean; resource: boolean; self: boolean }>;
};

/** A stored row read back as the port's record (the shape the adapters produce). */
function storedRecord(row: StoredEventRow): EventRecord {
  return {
    providerEventId: row.providerEventId,
    iCalUid: row.iCalUid,
    title: row.title,
    descriptionText: row.descriptionText,
    descriptionHtml: row.descriptionHtml,
    location: row.location,
    locationAddress: row.locationAddress,
    locationLatitude: row.locationLatitude,
    locationLongitude: row.locationLongitude,
    webLink: row.webLink,
    isAllDay: row.isAllDay,
    startAt: row.startAt,
    endAt: row.endAt,
    startDate: row.startDate?.toISOString().slice(0, 10) ?? null,
    endDate: row.endDate?.toISOString().slice(0, 10) ?? null,
    startTimeZone: row.startTimeZone,
    endTimeZone: row.endTimeZone,
    status: row.status as EventRecord["status"],
    busyStatus: row.busyStatus,
    visibility: row.visibility,
    eventType: row.eventType,
    organizerEmail: row.organizerEmail,
    organizerName: row.organizerName,
    attendeeCount: row.attendeeCount,
    attendees: row.attendeeRows.map((a) => ({
      email: a.email,
      name: a.name,
      response: a.response as EventRecord["attendees"][number]["response"],
      optional: a.optional,
      organizer: a.organizer,
      resource: a.resource,
      self: a.self,
    })),
    selfResponse: row.selfResponse as EventRecord["selfResponse"],
    conference:
      row.conferenceUrl && row.conferenceProvider ? { provider: row.conferenceProvider, joinUrl: row.conferenceUrl, dialIn: row.conferenceDialIn } : null,
    providerCreatedAt: row.providerCreatedAt,
    providerUpdatedAt: row.providerUpdatedAt,
    recurringSeriesId: row.recurringSeriesId,
    originalStartAt: row.originalStartAt,
    rawJson: row.raw === null ? null : JSON.stringify(row.raw),
  };
}

/** Every field but the id, in a fixed order, with instants as ISO strings. */
function comparable(event: EventRecord): Record<string, unknown> {
  const { providerEventId: _id, ...fields } = event;
  void _id;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields).sort()) {
    const value = (fields as Record<string, unknown>)[key];
    out[key] = value instanceof Date ? value.toISOString() : key === "rawJson" ? canonicalJson(value === null ? null : JSON.parse(value as string)) : value;
  }
  return out;
}

/** jsonb does not keep key order: compare raw items with sorted keys. */
function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonicalJson((value as Record<string, unknown>)[key])]),
    );
  return value;
}

/**
 * The app's three webhook routes served over HTTP, with CALSYNC_PUBLIC_URL pointing
 * at them (push is registered to that address, and Graph validates it while the
 * subscription is created). `close()` restores the previous address.
 */
export async function serveWebhookRoutes(): Promise<Awaited<ReturnType<typeof serveRoutes>>> {
  const [google, microsoft, lifecycle] = await Promise.all([
    import("@/app/api/webhooks/google/route"),
    import("@/app/api/webhooks/microsoft/route"),
    import("@/app/api/webhooks/microsoft/lifecycle/route"),
  ]);
  const served = await serveRoutes({
    "/api/webhooks/google": google.POST,
    "/api/webhooks/microsoft": microsoft.POST,
    "/api/webhooks/microsoft/lifecycle": lifecycle.POST,
  });
  const previous = process.env.CALSYNC_PUBLIC_URL;
  process.env.CALSYNC_PUBLIC_URL = served.url;
  const close = served.close;
  served.close = async () => {
    process.env.CALSYNC_PUBLIC_URL = previous;
    await close();
  };
  return served;
}
