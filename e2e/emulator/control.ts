// The control API (JSON under /_emulator): seed and mutate data, inject
// faults, inspect deliveries, channels, subscriptions and call counts.
// Inputs are validated with zod; errors are `{ "error": "<message>" }`.

import { z } from "zod";
import type { RequestContext, RouteDefinition } from "./http";
import type { EmulatorOperations } from "./operations";

const eventTimeString = z.string().min(1);
const attendee = z.object({
  email: z.string().email(),
  name: z.string().optional(),
  responseStatus: z.enum(["needsAction", "accepted", "declined", "tentative"]).optional(),
  optional: z.boolean().optional(),
  resource: z.boolean().optional(),
});
const eventPatchFields = {
  summary: z.string().optional(),
  description: z.string().optional(),
  location: z.string().optional(),
  start: eventTimeString.optional(),
  end: eventTimeString.optional(),
  allDay: z.boolean().optional(),
  timeZone: z.string().optional(),
  status: z.enum(["confirmed", "tentative", "cancelled"]).optional(),
  attendees: z.array(attendee).optional(),
  locationAddress: z
    .object({
      street: z.string().optional(),
      city: z.string().optional(),
      state: z.string().optional(),
      countryOrRegion: z.string().optional(),
      postalCode: z.string().optional(),
    })
    .optional(),
  locationCoordinates: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).optional(),
  organizer: z.object({ email: z.string().email(), name: z.string().optional() }).optional(),
  conference: z
    .object({
      type: z.enum(["meet", "teams", "zoom"]),
      joinUrl: z.string().url().startsWith("https://"),
      phone: z.string().optional(),
      pin: z.string().optional(),
    })
    .optional(),
  showAs: z.enum(["free", "tentative", "busy", "oof", "workingElsewhere"]).optional(),
  visibility: z.enum(["default", "public", "private", "confidential"]).optional(),
  eventType: z.enum(["default", "focusTime", "outOfOffice", "workingLocation"]).optional(),
};
const eventPatch = z.object({ ...eventPatchFields, recurrence: z.array(z.string()).nullable().optional() });
const instanceChange = z.object({ ...eventPatchFields, originalStart: z.string().min(1), cancelled: z.boolean().optional() });
const eventInput = z.object({
  ...eventPatchFields,
  id: z.string().optional(),
  iCalUID: z.string().min(1).max(1024).optional(),
  summary: z.string(),
  start: eventTimeString,
  end: eventTimeString,
  recurrence: z.array(z.string()).optional(),
});
const seedEvent = eventInput.extend({ exceptions: z.array(instanceChange).optional() });
const seedCalendar = z.object({
  id: z.string().optional(),
  name: z.string().min(1),
  timeZone: z.string().optional(),
  primary: z.boolean().optional(),
  events: z.array(seedEvent).optional(),
});
const provider = z.enum(["google", "microsoft"]);
const seedAccount = z.object({
  provider,
  email: z.string().email(),
  name: z.string().min(1),
  tenantId: z.string().optional(),
  timeZone: z.string().optional(),
  calendars: z.array(seedCalendar).optional(),
});
const oauthClient = z.object({ provider, clientId: z.string().min(1), clientSecret: z.string().min(1), redirectUris: z.array(z.string()).optional() });
export const seedSchema = z.object({ accounts: z.array(seedAccount), clients: z.array(oauthClient).optional() });
const seedChoice = z.union([z.literal("default"), z.literal("empty"), seedSchema]);

const schemas = {
  reset: z.object({ seed: seedChoice.optional() }),
  calendar: seedCalendar.extend({ accountEmail: z.string().email(), provider: provider.optional() }),
  createEvent: eventInput.extend({ exceptions: z.array(instanceChange).optional() }),
  notificationFaults: z.object({
    dropRate: z.number().min(0).max(1).optional(),
    delayMs: z.number().int().min(0).optional(),
    duplicateRate: z.number().min(0).max(1).optional(),
    reorderWindowMs: z.number().int().min(0).optional(),
    seed: z.number().int().optional(),
  }),
  latency: z.object({ ms: z.number().int().min(0).max(60_000) }),
  endpointFault: z.object({
    endpoint: z.string().min(1),
    status: z.union([z.literal(403), z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
    count: z.number().int().min(1).optional(),
    afterCalls: z.number().int().min(0).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    accountEmail: z.string().optional(),
  }),
  invalidate: z.object({
    provider,
    accountEmail: z.string().optional(),
    calendarId: z.string().optional(),
    reason: z.enum(["syncStateNotFound", "resyncRequired"]).optional(),
  }),
  revoke: z.union([z.object({ refreshToken: z.string().min(1) }), z.object({ provider, email: z.string().min(1), clientId: z.string().optional() })]),
  expireTokens: z.object({ email: z.string().optional(), provider: provider.optional() }),
  autoConsent: z.object({
    rule: z
      .object({
        provider,
        email: z.string().min(1),
        withholdScopes: z.array(z.string()).optional(),
        deny: z.boolean().optional(),
        times: z.number().int().min(1).optional(),
      })
      .nullable(),
  }),
  consentDefaults: z.object({ provider, withholdScopes: z.array(z.string()) }),
  lifecycle: z.object({ event: z.enum(["reauthorizationRequired", "subscriptionRemoved", "missed"]), pauseDelivery: z.boolean().optional() }),
  idle: z.object({ timeoutMs: z.number().int().min(0).optional() }),
  advance: z.object({ seconds: z.number() }),
};

/** An error the control API reports as `{ error }` with a status. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(ctx: RequestContext, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = (await ctx.json()) ?? {};
  } catch {
    throw new ControlError(400, "Body is not JSON");
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ControlError(400, result.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`).join("; "));
  }
  return result.data;
}

export function controlRoutes(core: EmulatorOperations): RouteDefinition[] {
  const route = (method: RouteDefinition["method"], path: string, handler: (ctx: RequestContext) => unknown | Promise<unknown>): RouteDefinition => ({
    method,
    path: `/_emulator${path}`,
    family: "emulator",
    handler: async (ctx) => {
      const result = await handler(ctx);
      if (result === undefined) ctx.send(204);
      else ctx.sendJson(200, result);
    },
  });
  const param = (ctx: RequestContext, name: string) => ctx.params[name] ?? "";
  return [
    route("GET", "/info", () => core.info()),
    route("GET", "/state", () => core.snapshot()),
    route("POST", "/reset", async (ctx) => {
      const body = await parse(ctx, schemas.reset);
      await core.reset(body.seed ?? "default");
    }),
    route("POST", "/seed", async (ctx) => core.seed(await parse(ctx, seedSchema))),
    route("POST", "/accounts", async (ctx) => core.addAccount(await parse(ctx, seedAccount))),
    route("POST", "/calendars", async (ctx) => core.addCalendar(await parse(ctx, schemas.calendar))),
    route("DELETE", "/calendars/:calendarId", (ctx) => core.removeCalendar(param(ctx, "calendarId"))),
    route("GET", "/calendars/:calendarId/events", (ctx) => core.listEvents(param(ctx, "calendarId"))),
    route("POST", "/calendars/:calendarId/events", async (ctx) => core.createEvent(param(ctx, "calendarId"), await parse(ctx, schemas.createEvent))),
    route("PATCH", "/calendars/:calendarId/events/:eventId", async (ctx) =>
      core.updateEvent(param(ctx, "calendarId"), param(ctx, "eventId"), await parse(ctx, eventPatch)),
    ),
    route("DELETE", "/calendars/:calendarId/events/:eventId", (ctx) => {
      core.deleteEvent(param(ctx, "calendarId"), param(ctx, "eventId"));
    }),
    route("POST", "/calendars/:calendarId/events/:eventId/instances", async (ctx) =>
      core.changeInstance(param(ctx, "calendarId"), param(ctx, "eventId"), await parse(ctx, instanceChange)),
    ),
    route("GET", "/faults", () => core.faultsView()),
    route("DELETE", "/faults", () => {
      core.clearFaults();
    }),
    route("POST", "/faults/notifications", async (ctx) => {
      core.services.faults.setNotificationFaults(await parse(ctx, schemas.notificationFaults));
    }),
    route("POST", "/faults/latency", async (ctx) => {
      core.services.faults.latencyMs = (await parse(ctx, schemas.latency)).ms;
    }),
    route("POST", "/faults/endpoints", async (ctx) => {
      core.services.faults.addEndpointFault(await parse(ctx, schemas.endpointFault));
    }),
    route("POST", "/sync/invalidate", async (ctx) => ({ calendars: core.invalidateSync(await parse(ctx, schemas.invalidate)) })),
    route("POST", "/oauth/revoke", async (ctx) => ({ revoked: core.revoke(await parse(ctx, schemas.revoke)) })),
    route("POST", "/oauth/expire-access-tokens", async (ctx) => ({ expired: core.expireAccessTokens(await parse(ctx, schemas.expireTokens)) })),
    route("POST", "/oauth/auto-consent", async (ctx) => {
      core.services.oauth.setAutoConsent((await parse(ctx, schemas.autoConsent)).rule);
    }),
    route("POST", "/oauth/consent-defaults", async (ctx) => {
      const body = await parse(ctx, schemas.consentDefaults);
      core.services.oauth.setConsentDefaults(body.provider, body.withholdScopes);
    }),
    route("GET", "/channels", () => core.googleChannels.list()),
    route("POST", "/channels/:id/expire", (ctx) => {
      if (!core.googleChannels.expire(param(ctx, "id"))) throw new ControlError(404, "No live channel with that id");
    }),
    route("GET", "/subscriptions", () => core.graphSubscriptions.list()),
    route("POST", "/subscriptions/:id/expire", (ctx) => {
      if (!core.graphSubscriptions.expire(param(ctx, "id"))) throw new ControlError(404, "No live subscription with that id");
    }),
    route("POST", "/subscriptions/:id/lifecycle", async (ctx) => {
      const body = await parse(ctx, schemas.lifecycle);
      if (!core.sendLifecycle(param(ctx, "id"), body.event, { pauseDelivery: body.pauseDelivery }))
        throw new ControlError(404, "No live subscription with that id");
    }),
    route("GET", "/deliveries", (ctx) =>
      core.services.deliverer.log.list().filter((record) => {
        const kind = ctx.query("kind");
        const url = ctx.query("url");
        return (!kind || record.kind === kind) && (!url || record.url.startsWith(url));
      }),
    ),
    route("DELETE", "/deliveries", () => {
      core.services.deliverer.log.clear();
    }),
    route("POST", "/deliveries/idle", async (ctx) => ({ idle: await core.services.deliverer.idle((await parse(ctx, schemas.idle)).timeoutMs) })),
    route("GET", "/calls", () => core.calls.view()),
    route("DELETE", "/calls", () => {
      core.calls.clear();
    }),
    route("POST", "/clock/advance", async (ctx) => {
      core.services.clock.advance((await parse(ctx, schemas.advance)).seconds * 1000);
      return { now: new Date(core.services.clock.now()).toISOString() };
    }),
  ];
}
