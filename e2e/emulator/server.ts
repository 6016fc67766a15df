// Wires one emulator instance together and runs it: an HTTP listener
// (Google APIs and OAuth, control API, web page) and an HTTPS listener
// (Microsoft identity platform and Graph). Both listeners route every path,
// so either origin works for anything; the URLs handed out follow the split
// above because the Graph SDK only sends tokens over https.

import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createTlsMaterial, writeCaCertificate, type TlsMaterial } from "./certs";
import { stateFile, type PersistedPart } from "./persistence";
import { EmulatorControl } from "./client";
import { consentRoute } from "./consent";
import type { EmulatorServices, EmulatorSettings } from "./context";
import { controlRoutes, ControlError } from "./control";
import { googleErrors, graphError, graphErrors, googleApiError, microsoftIdentityError, oauthFault } from "./errors";
import { eventFieldsFromInput, eventFieldsFromPatch, eventView, parseOriginalStart } from "./event-input";
import { FaultInjector } from "./faults";
import { GoogleChannels } from "./google/channels";
import { googleCalendarRoutes } from "./google/calendar";
import { googleOAuthRoutes, googleAuthorizationProfile, googleIssuer } from "./google/oauth";
import { HttpError, RequestContext, Router, type ErrorFamily } from "./http";
import { createSigningKey } from "./jwt";
import { GraphApi } from "./microsoft/graph";
import { microsoftAuthorizationProfile, microsoftIdentityRoutes } from "./microsoft/identity";
import { GraphSubscriptions, LifecycleUnavailableError } from "./microsoft/subscriptions";
import { OAuthServer } from "./oauth";
import { OpaqueTokenCodec } from "./opaque";
import { DeliveryLog, Deliverer } from "./push";
import { RecurrenceError } from "./recurrence";
import { addSeedAccount, addSeedCalendar, applySeed, DEFAULT_TENANT_ID, defaultSeed } from "./seed";
import { CalendarStore, InvalidInputError, NotFoundError, type Calendar } from "./state";
import type {
  AccountView,
  CalendarView,
  CallCounts,
  EmulatorInfo,
  EventInput,
  EventPatch,
  EventView,
  InstanceChange,
  LifecycleEvent,
  Provider,
  Seed,
  SeedAccount,
  SeedCalendar,
  StateSnapshot,
  SyncInvalidation,
} from "./types";
import type { EmulatorOperations } from "./operations";
import { webRoutes } from "./web";

export const DEFAULT_SETTINGS: EmulatorSettings = {
  accessTokenTtlSeconds: 3600,
  authCodeTtlSeconds: 600,
  retryBaseDelayMs: 1000,
  maxDeliveryAttempts: 5,
  googlePushTimeoutMs: 10_000,
  graphNotificationTimeoutMs: 3_000,
  graphValidationTimeoutMs: 10_000,
  graphBatchWindowMs: 25,
  graphDefaultPageSize: 100,
  maxServedPageSize: null,
  googleChannelDefaultTtlSeconds: 604_800,
  googleChannelMaxTtlSeconds: 604_800,
  requireHttpsWebhooks: false,
  defaultTenantId: DEFAULT_TENANT_ID,
};

export interface StartEmulatorOptions {
  /** HTTP port (Google, control API, web page). 0 = any free port. Default 0. */
  port?: number;
  /** HTTPS port (Microsoft identity + Graph). 0 = any free port. Default 0. */
  httpsPort?: number;
  /** Address to bind. Default 127.0.0.1 (plus ::1 when available, so `localhost` works either way). */
  host?: string;
  /** Host name used in the URLs handed out (must be covered by the certificate). Default `localhost`. */
  publicHost?: string;
  /** Initial data. Default "default". */
  seed?: Seed | "default" | "empty";
  /** Where to write `ca.pem`. Default `<os tmpdir>/calsync-emulator-<http port>`. */
  certDir?: string;
  /**
   * Keep the state in this file (e2e/emulator/persistence.ts): loaded at start
   * (then the seed is not applied), saved shortly after every change and at stop.
   * The TLS material is kept beside it, so the CA an app trusts stays the same.
   * Default: none (in memory only).
   */
  stateFile?: string;
  settings?: Partial<EmulatorSettings>;
}

export interface Emulator {
  info: EmulatorInfo;
  httpOrigin: string;
  httpsOrigin: string;
  google: EmulatorInfo["google"];
  microsoft: EmulatorInfo["microsoft"];
  caCertPath: string;
  caCertPem: string;
  control: EmulatorControl;
  /** Clears all state and loads the seed again (default: the options' seed). */
  reset(seed?: Seed | "default" | "empty"): Promise<void>;
  stop(): Promise<void>;
  /** Direct access for white-box tests; not part of the stable surface. */
  core: EmulatorCore;
}

/** Per-endpoint and per-account API call counts. */
export class CallCounter {
  private byEndpoint: Record<string, number> = {};
  private byAccount: Record<string, Record<string, number>> = {};

  count(endpoint: string, accountEmail: string | undefined): void {
    this.byEndpoint[endpoint] = (this.byEndpoint[endpoint] ?? 0) + 1;
    if (accountEmail) {
      const forAccount = (this.byAccount[accountEmail] ??= {});
      forAccount[endpoint] = (forAccount[endpoint] ?? 0) + 1;
    }
  }

  view(): CallCounts {
    return { byEndpoint: { ...this.byEndpoint }, byAccount: JSON.parse(JSON.stringify(this.byAccount)) as CallCounts["byAccount"] };
  }

  clear(): void {
    this.byEndpoint = {};
    this.byAccount = {};
  }
}

/** One emulator's state and behaviour, independent of the listeners. */
export class EmulatorCore implements EmulatorOperations {
  readonly calls = new CallCounter();
  readonly googleChannels: GoogleChannels;
  readonly graphSubscriptions: GraphSubscriptions;
  readonly graphApi: GraphApi;
  readonly router: Router;
  caCertPath = "";
  private readonly resetListeners: Array<() => void> = [];

  constructor(
    readonly services: EmulatorServices,
    private readonly initialSeed: Seed | "default" | "empty",
  ) {
    this.googleChannels = new GoogleChannels(services);
    this.graphSubscriptions = new GraphSubscriptions(services);
    this.graphApi = new GraphApi(services);
    this.router = new Router(
      (ctx) => fallback(ctx),
      (ctx, family, error) => renderUnexpected(ctx, family, error),
    );
    this.router.before((ctx, route) => this.countAndInjectFaults(ctx, route.endpoint, route.family));
    this.router.add(
      ...googleOAuthRoutes(services),
      ...googleCalendarRoutes(services),
      ...this.googleChannels.routes(),
      ...microsoftIdentityRoutes(services),
      ...this.graphSubscriptions.routes(),
      ...this.graphApi.routes(),
      consentRoute(services.oauth, { google: googleAuthorizationProfile(services), microsoft: microsoftAuthorizationProfile(services) }),
      ...controlRoutes(this),
      ...webRoutes(this),
    );
  }

  private async countAndInjectFaults(ctx: RequestContext, endpoint: string | undefined, family: ErrorFamily): Promise<boolean> {
    if (!endpoint) return false;
    const latency = this.services.faults.latencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const provider: Provider = family.startsWith("google") ? "google" : "microsoft";
    const bearer = this.services.oauth.checkBearer(provider, ctx.header("authorization"));
    const accountEmail = bearer.ok ? bearer.account.email : undefined;
    this.calls.count(endpoint, accountEmail);
    const fault = this.services.faults.takeEndpointFault(endpoint, accountEmail);
    if (!fault) return false;
    const retryAfter: Record<string, string> = fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {};
    const error =
      family === "google-api"
        ? googleErrors.fault(fault.status)
        : family === "graph"
          ? graphErrors.fault(fault.status, fault.retryAfterSeconds)
          : oauthFault(provider, fault.status);
    ctx.sendJson(error.status, error.body, { ...error.headers, ...retryAfter });
    return true;
  }

  async reset(seed: Seed | "default" | "empty" = this.initialSeed): Promise<void> {
    const { services } = this;
    services.deliverer.cancelAll();
    await services.deliverer.idle(1_000);
    services.store.clear();
    services.oauth.reset();
    services.faults.reset();
    services.deliverer.log.clear();
    this.calls.clear();
    this.googleChannels.reset();
    this.graphSubscriptions.reset();
    this.graphApi.reset();
    this.loadSeed(seed);
    for (const listener of this.resetListeners) listener();
  }

  onReset(listener: () => void): void {
    this.resetListeners.push(listener);
  }

  /** What the state file keeps: live objects and the fields of theirs that hold state (everything else is rebuilt at start). */
  persistedParts(): Record<string, PersistedPart> {
    const { services } = this;
    return {
      store: { target: services.store, fields: ["seq", "ordinal", "accounts", "calendars", "eventsByCalendar"] },
      oauth: { target: services.oauth, fields: ["clients", "requests", "codes", "grants", "refreshTokens", "accessTokens", "consentDefaults", "autoConsents"] },
      codec: { target: services.codec, fields: ["secret"] },
      googleChannels: { target: this.googleChannels, fields: ["channels", "resourceIdSalt"] },
      graphSubscriptions: { target: this.graphSubscriptions, fields: ["subscriptions"] },
      graphDelta: { target: this.graphApi, fields: ["baselines", "rounds"] },
    };
  }

  loadSeed(seed: Seed | "default" | "empty"): void {
    const { services } = this;
    const resolved: Seed = seed === "default" ? defaultSeed(services.clock.now()) : seed === "empty" ? { accounts: [] } : seed;
    // Every instance knows the default clients, so an app configured for them works with any seed.
    applySeed({ accounts: [], clients: defaultSeed(0).clients }, services.store, services.oauth, services.settings.defaultTenantId);
    this.guard(() => applySeed(resolved, services.store, services.oauth, services.settings.defaultTenantId));
  }

  /** Maps store/validation errors to control API errors. */
  guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof NotFoundError) throw new ControlError(404, error.message);
      if (error instanceof InvalidInputError || error instanceof RecurrenceError || error instanceof LifecycleUnavailableError)
        throw new ControlError(400, error.message);
      throw error;
    }
  }

  info(): EmulatorInfo {
    const { http: httpOrigin, https: httpsOrigin } = this.services.origins;
    const google = googleIssuer(this.services);
    const tenant = this.services.settings.defaultTenantId;
    return {
      httpOrigin,
      httpsOrigin,
      controlUrl: `${httpOrigin}/_emulator`,
      webUrl: `${httpOrigin}/`,
      caCertPath: this.caCertPath,
      google: {
        origin: httpOrigin,
        rootUrl: `${httpOrigin}/`,
        issuer: google,
        authUrl: `${httpOrigin}/o/oauth2/v2/auth`,
        tokenUrl: `${httpOrigin}/token`,
        revokeUrl: `${httpOrigin}/revoke`,
        tokenInfoUrl: `${httpOrigin}/tokeninfo`,
        userInfoUrl: `${httpOrigin}/oauth2/v3/userinfo`,
        discoveryUrl: `${httpOrigin}/.well-known/openid-configuration`,
        jwksUrl: `${httpOrigin}/oauth2/v3/certs`,
        pemCertsUrl: `${httpOrigin}/oauth2/v1/certs`,
      },
      microsoft: {
        origin: httpsOrigin,
        loginBaseUrl: httpsOrigin,
        graphBaseUrl: httpsOrigin,
        graphHost: new URL(httpsOrigin).hostname,
        defaultTenantId: tenant,
        authorizeUrl: `${httpOrigin}/${tenant}/oauth2/v2.0/authorize`,
        browserLoginBaseUrl: httpOrigin,
        tokenUrl: `${httpsOrigin}/${tenant}/oauth2/v2.0/token`,
        discoveryUrl: `${httpsOrigin}/${tenant}/v2.0/.well-known/openid-configuration`,
        jwksUrl: `${httpsOrigin}/${tenant}/discovery/v2.0/keys`,
      },
      clients: this.services.oauth.listClients(),
    };
  }

  private accountView(accountId: string): AccountView {
    const account = this.services.store.accounts.get(accountId)!;
    return { id: account.id, provider: account.provider, email: account.email, name: account.name, subject: account.subject, tenantId: account.tenantId };
  }

  private calendarView(calendar: Calendar): CalendarView {
    const account = this.services.store.accountOf(calendar);
    return {
      id: calendar.id,
      accountId: account.id,
      accountEmail: account.email,
      provider: account.provider,
      name: calendar.name,
      timeZone: calendar.timeZone,
      primary: calendar.primary,
    };
  }

  snapshot(): StateSnapshot {
    const store = this.services.store;
    const calendars = [...store.calendars.values()];
    return {
      accounts: [...store.accounts.keys()].map((id) => this.accountView(id)),
      calendars: calendars.map((calendar) => this.calendarView(calendar)),
      events: calendars.flatMap((calendar) => this.listEvents(calendar.id)),
      channels: this.googleChannels.list(),
      subscriptions: this.graphSubscriptions.list(),
    };
  }

  seed(seed: Seed): AccountView[] {
    return this.guard(() => applySeed(seed, this.services.store, this.services.oauth, this.services.settings.defaultTenantId)).map((account) =>
      this.accountView(account.id),
    );
  }

  addAccount(input: SeedAccount): AccountView {
    return this.accountView(this.guard(() => addSeedAccount(input, this.services.store, this.services.settings.defaultTenantId)).id);
  }

  addCalendar(input: SeedCalendar & { accountEmail: string; provider?: Provider }): CalendarView {
    return this.guard(() => {
      const account = this.services.store.requireAccount(input.provider, input.accountEmail);
      const before = new Set(this.services.store.calendarsOf(account.id).map((calendar) => calendar.id));
      addSeedCalendar(account, input, this.services.store);
      const created = this.services.store.calendarsOf(account.id).find((calendar) => !before.has(calendar.id))!;
      return this.calendarView(created);
    });
  }

  removeCalendar(calendarId: string): CalendarView {
    return this.guard(() => {
      // The view first: it names the account, which the removed calendar no longer can.
      const view = this.calendarView(this.services.store.requireCalendar(calendarId));
      this.services.store.removeCalendar(calendarId);
      return view;
    });
  }

  listEvents(calendarId: string): EventView[] {
    return this.guard(() => {
      const calendar = this.services.store.requireCalendar(calendarId);
      const provider = this.services.store.accountOf(calendar).provider;
      return this.services.store.storedEvents(calendar.id).map((event) => eventView(event, provider));
    });
  }

  createEvent(calendarId: string, input: EventInput & { exceptions?: InstanceChange[] }): EventView {
    return this.guard(() => {
      const calendar = this.services.store.requireCalendar(calendarId);
      const provider = this.services.store.accountOf(calendar).provider;
      const event = this.services.store.createEvent(calendar, eventFieldsFromInput(input, calendar), { id: input.id, iCalUID: input.iCalUID });
      for (const change of input.exceptions ?? []) this.changeInstance(calendarId, event.id, change);
      return eventView(event, provider);
    });
  }

  updateEvent(calendarId: string, eventId: string, patch: EventPatch): EventView {
    return this.guard(() => {
      const store = this.services.store;
      const calendar = store.requireCalendar(calendarId);
      const event = store.findEventOrInstance(calendar.id, eventId);
      if (!event) throw new NotFoundError(`No event ${eventId}`);
      const updated = store.updateEvent(calendar, event, eventFieldsFromPatch(patch, event, calendar));
      return eventView(updated, store.accountOf(calendar).provider);
    });
  }

  deleteEvent(calendarId: string, eventId: string): void {
    this.guard(() => {
      const store = this.services.store;
      const calendar = store.requireCalendar(calendarId);
      const event = store.findEventOrInstance(calendar.id, eventId);
      if (!event || event.deleted) throw new NotFoundError(`No live event ${eventId}`);
      store.deleteEvent(calendar, event);
    });
  }

  changeInstance(calendarId: string, seriesId: string, change: InstanceChange): EventView {
    return this.guard(() => {
      const store = this.services.store;
      const calendar = store.requireCalendar(calendarId);
      const master = store.getStoredEvent(calendar.id, seriesId);
      if (!master?.rule) throw new NotFoundError(`No recurring event ${seriesId}`);
      const originalStart = parseOriginalStart(change.originalStart, master);
      const exception = store.upsertException(calendar, master.id, originalStart, eventFieldsFromPatch(change, master, calendar), { cancel: change.cancelled });
      return eventView(exception, store.accountOf(calendar).provider);
    });
  }

  faultsView(): { endpoints: ReturnType<FaultInjector["pendingEndpointFaults"]>; notifications: FaultInjector["notification"]; latencyMs: number } {
    return {
      endpoints: this.services.faults.pendingEndpointFaults(),
      notifications: this.services.faults.notification,
      latencyMs: this.services.faults.latencyMs,
    };
  }

  clearFaults(): void {
    this.services.faults.clearEndpointFaults();
    this.services.faults.latencyMs = 0;
    this.services.faults.setNotificationFaults({});
  }

  invalidateSync(request: SyncInvalidation): number {
    return this.guard(() => {
      const store = this.services.store;
      const calendars = [...store.calendars.values()].filter((calendar) => {
        const account = store.accountOf(calendar);
        return (
          account.provider === request.provider &&
          (!request.accountEmail || account.email === request.accountEmail.toLowerCase()) &&
          (!request.calendarId || calendar.id === request.calendarId)
        );
      });
      for (const calendar of calendars)
        store.invalidateTokens(calendar, request.provider === "microsoft" ? (request.reason ?? "syncStateNotFound") : undefined);
      return calendars.length;
    });
  }

  revoke(request: { refreshToken: string } | { provider: Provider; email: string; clientId?: string }): number {
    return this.guard(() => {
      if ("refreshToken" in request) return this.services.oauth.revokeToken(request.refreshToken, { wholeGrant: false }) ? 1 : 0;
      const account = this.services.store.requireAccount(request.provider, request.email);
      return this.services.oauth.revokeGrants(account.id, request.clientId);
    });
  }

  expireAccessTokens(request: { email?: string; provider?: Provider }): number {
    return this.guard(() => {
      const account = request.email ? this.services.store.requireAccount(request.provider, request.email) : undefined;
      return this.services.oauth.expireAccessTokens(account?.id);
    });
  }

  sendLifecycle(subscriptionId: string, event: LifecycleEvent, options: { pauseDelivery?: boolean }): boolean {
    return this.guard(() => this.graphSubscriptions.sendLifecycle(subscriptionId, event, options));
  }
}

function fallback(ctx: RequestContext): void {
  const pathname = ctx.url.pathname;
  if (pathname.startsWith("/calendar/v3")) {
    const error = googleErrors.notFound();
    ctx.sendJson(error.status, error.body);
  } else if (pathname.startsWith("/v1.0") || pathname.startsWith("/beta")) {
    const segment = pathname.split("/").filter(Boolean).pop() ?? "";
    const error = graphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);
    ctx.sendJson(error.status, error.body, error.headers);
  } else if (pathname.startsWith("/_emulator")) {
    ctx.sendJson(404, { error: `No control endpoint ${ctx.method} ${pathname}` });
  } else {
    ctx.send(404, "Not Found", { "content-type": "text/plain" });
  }
}

function renderUnexpected(ctx: RequestContext, family: ErrorFamily, error: unknown): void {
  if (error instanceof ControlError) {
    ctx.sendJson(error.status, { error: error.message });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof NotFoundError || error instanceof InvalidInputError)) console.error("[emulator] unexpected error", error);
  const rendered: HttpError =
    family === "google-api"
      ? googleApiError(500, "Backend Error", { reason: "backendError", message })
      : family === "graph"
        ? graphError(500, "generalException", message)
        : family === "microsoft-identity"
          ? microsoftIdentityError(500, "server_error", 50000, message)
          : new HttpError(500, { error: message });
  ctx.sendJson(rendered.status, rendered.body, rendered.headers);
}

/** The TLS material kept in `file`, made (and kept) when there is none yet. */
async function keptTlsMaterial(file: string): Promise<TlsMaterial> {
  try {
    const kept = JSON.parse(readFileSync(file, "utf8")) as Partial<TlsMaterial>;
    if (kept.caCertPem && kept.keyPem && kept.certPem) return kept as TlsMaterial;
  } catch {
    // None yet, or unreadable: make new material.
  }
  const material = await createTlsMaterial();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(material), { mode: 0o600 });
  return material;
}

/** A clock that can be moved forward (token and channel expiry tests). */
function adjustableClock(): EmulatorServices["clock"] {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
  };
}

async function listen(server: http.Server, port: number, host: string): Promise<number> {
  server.listen(port, host);
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** Also listen on ::1 with the same port, so `localhost` works whichever family it resolves to. */
async function listenOnLoopbackV6(server: http.Server, port: number): Promise<http.Server | undefined> {
  try {
    server.listen(port, "::1");
    await once(server, "listening");
    return server;
  } catch {
    return undefined;
  }
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const settings: EmulatorSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const host = options.host ?? "127.0.0.1";
  const publicHost = options.publicHost ?? "localhost";
  const [tls, googleKey, microsoftKey] = await Promise.all([
    options.stateFile ? keptTlsMaterial(path.join(path.dirname(options.stateFile), "tls.json")) : createTlsMaterial(),
    createSigningKey("calsync emulator google"),
    createSigningKey("calsync emulator microsoft"),
  ]);

  const clock = adjustableClock();
  const store = new CalendarStore(clock);
  const faults = new FaultInjector();
  const services: EmulatorServices = {
    settings,
    store,
    clock,
    oauth: new OAuthServer(store, clock, { accessTokenTtlSeconds: settings.accessTokenTtlSeconds, authCodeTtlSeconds: settings.authCodeTtlSeconds }),
    codec: new OpaqueTokenCodec(),
    faults,
    deliverer: new Deliverer(new DeliveryLog(), { retryBaseDelayMs: settings.retryBaseDelayMs, maxAttempts: settings.maxDeliveryAttempts }, faults),
    keys: { google: googleKey, microsoft: microsoftKey },
    origins: { http: "", https: "" },
  };
  const seed = options.seed ?? "default";
  const core = new EmulatorCore(services, seed);

  const servers: http.Server[] = [];
  const handler = (origin: () => string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    void core.router.handle(new RequestContext(req, res, origin()));
  };
  const httpHandler = handler(() => services.origins.http);
  const httpsHandler = handler(() => services.origins.https);
  const httpServer = http.createServer(httpHandler);
  const httpsServer = https.createServer({ key: tls.keyPem, cert: tls.certPem }, httpsHandler);
  servers.push(httpServer, httpsServer);
  const httpPort = await listen(httpServer, options.port ?? 0, host);
  const httpsPort = await listen(httpsServer, options.httpsPort ?? 0, host);
  if (host === "127.0.0.1" && publicHost === "localhost") {
    for (const [server, port] of [
      [http.createServer(httpHandler), httpPort],
      [https.createServer({ key: tls.keyPem, cert: tls.certPem }, httpsHandler), httpsPort],
    ] as const) {
      const extra = await listenOnLoopbackV6(server, port);
      if (extra) servers.push(extra);
    }
  }
  services.origins.http = `http://${publicHost}:${httpPort}`;
  services.origins.https = `https://${publicHost}:${httpsPort}`;
  const certDir = options.certDir ?? path.join(os.tmpdir(), `calsync-emulator-${httpPort}`);
  core.caCertPath = writeCaCertificate(tls, certDir);
  const persistence = options.stateFile ? stateFile(options.stateFile, () => core.persistedParts()) : null;
  if (!persistence?.load()) core.loadSeed(seed);
  if (persistence) {
    // Any request may change state (tokens, consents, channels); so may a push delivery or a reset.
    core.router.before(() => {
      persistence.changed();
      return false;
    });
    store.onChange(() => persistence.changed());
    core.onReset(() => persistence.changed());
    persistence.changed();
  }

  const info = core.info();
  let stopped = false;
  return {
    info,
    httpOrigin: info.httpOrigin,
    httpsOrigin: info.httpsOrigin,
    google: info.google,
    microsoft: info.microsoft,
    caCertPath: core.caCertPath,
    caCertPem: tls.caCertPem,
    control: new EmulatorControl(info.httpOrigin),
    core,
    reset: (nextSeed) => core.reset(nextSeed),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      services.deliverer.shutdown();
      persistence?.flush();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      if (!options.certDir) rmSync(certDir, { recursive: true, force: true });
    },
  };
}
