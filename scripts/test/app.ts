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
  const connection = await database.calendarConnection.findFirstOrThrow({ where: { organizationId: person.viewer.organizationId, provider, accountEmail: email } });
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
 */
export async function mirrorDiff(calendarId: string): Promise<MirrorDiff> {
  const { withAccessToken } = await import("@/lib/oauth/tokens");
  const { windowFor } = await import("@/lib/sync/engine");
  const { collapseChanges, inWindow } = await import("@/lib/sync/store");
  const database = await db();
  const calendar = await database.calendar.findUniqueOrThrow({ where: { id: calendarId }, include: { connection: { select: { id: true, provider: true } } } });
  const window = windowFor(new Date());
  const theirs = new Map<string, Record<string, unknown>>();
  let pageToken: string | null = null;
  for (;;) {
    const page = await withAccessToken(calendar.connection, (token, provider) =>
      provider.fetchChanges(token, { providerCalendarId: calendar.providerCalendarId, calendarTimeZone: calendar.timeZone, cursor: null, pageToken, window }),
    );
    for (const event of collapseChanges(page.changes).upserts) {
      if (inWindow(event, window)) theirs.set(event.providerEventId, comparable(event));
    }
    if (!page.nextPageToken) break;
    pageToken = page.nextPageToken;
  }
  const ours = new Map((await database.event.findMany({ where: { calendarId } })).map((event) => [event.providerEventId, comparable({ ...event, startDate: event.startDate?.toISOString().slice(0, 10) ?? null, endDate: event.endDate?.toISOString().slice(0, 10) ?? null })]));
  const diff: MirrorDiff = { missing: [], extra: [], different: [] };
  for (const [id, event] of theirs) {
    const mine = ours.get(id);
    if (!mine) diff.missing.push(id);
    else if (JSON.stringify(mine) !== JSON.stringify(event)) diff.different.push({ id, ours: mine, theirs: event });
  }
  for (const id of ours.keys()) if (!theirs.has(id)) diff.extra.push(id);
  return diff;
}

function comparable(event: { title: string; isAllDay: boolean; startAt: Date; endAt: Date; startDate: string | null; endDate: string | null; status: string; recurringSeriesId: string | null }) {
  return {
    title: event.title,
    isAllDay: event.isAllDay,
    startAt: event.startAt.toISOString(),
    endAt: event.endAt.toISOString(),
    startDate: event.startDate,
    endDate: event.endDate,
    status: event.status,
    recurringSeriesId: event.recurringSeriesId,
  };
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
