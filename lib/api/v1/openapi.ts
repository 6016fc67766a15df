import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import {
  CalendarsResponseSchema,
  ChangesPageSchema,
  ChangesQuerySchema,
  DeliveriesResponseSchema,
  EndpointCreatedSchema,
  EndpointCreateSchema,
  EndpointPatchSchema,
  EndpointSchema,
  EndpointsResponseSchema,
  ErrorBodySchema,
  EventsPageSchema,
  EventsQuerySchema,
  IdParamsSchema,
  LatestCursorSchema,
  MeetingResponseSchema,
  MeetingsPageSchema,
  MeetingsQuerySchema,
  ReplayRequestSchema,
  ReplayResponseSchema,
  RotatedSecretSchema,
  TestResponseSchema,
  WebhookPayloadSchema,
  type ApiKeyScope,
} from "./schemas";

// The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the handlers
// use (lib/api/v1/schemas.ts). Every route under app/api/v1 is registered here; a
// test walks the route files and fails on one that is missing.

type Method = "get" | "post" | "patch" | "delete";

interface Operation {
  method: Method;
  /** OpenAPI path under /api/v1, `{id}` for a dynamic segment. */
  path: string;
  summary: string;
  /** null: no key needed. */
  scope: ApiKeyScope | null;
  query?: z.ZodObject;
  body?: z.ZodType;
  response: z.ZodType;
  status?: 200 | 201;
  extra?: Record<number, string>;
}

const idParams = IdParamsSchema;

export const OPERATIONS: Operation[] = [
  { method: "get", path: "/calendars", summary: "The organization's mirrored calendars", scope: "events:read", response: CalendarsResponseSchema },
  {
    method: "get",
    path: "/events",
    summary: "Events by range, calendar or update time, in start order, a page at a time",
    scope: "events:read",
    query: EventsQuerySchema,
    response: EventsPageSchema,
  },
  {
    method: "get",
    path: "/meetings",
    summary: "Meetings (one per invitation across the organization's calendars) by range, in start order, a page at a time",
    scope: "events:read",
    query: MeetingsQuerySchema,
    response: MeetingsPageSchema,
  },
  { method: "get", path: "/meetings/{id}", summary: "One meeting with its attendees and copies", scope: "events:read", response: MeetingResponseSchema },
  {
    method: "get",
    path: "/changes",
    summary: "Changes after a cursor, oldest first; `wait` long-polls up to 30 s",
    scope: "changes:read",
    query: ChangesQuerySchema,
    response: ChangesPageSchema,
    extra: { 410: "The cursor is behind retention: re-read the state (GET /events) after reading GET /changes/latest, then continue from that cursor" },
  },
  { method: "get", path: "/changes/latest", summary: "The newest cursor", scope: "changes:read", response: LatestCursorSchema },
  { method: "get", path: "/webhook-endpoints", summary: "Webhook endpoints", scope: "webhooks:manage", response: EndpointsResponseSchema },
  {
    method: "post",
    path: "/webhook-endpoints",
    summary: "Add a webhook endpoint (its secret is in this answer only)",
    scope: "webhooks:manage",
    body: EndpointCreateSchema,
    response: EndpointCreatedSchema,
    status: 201,
  },
  {
    method: "patch",
    path: "/webhook-endpoints/{id}",
    summary: "Change an endpoint; enabling it resumes delivery where it stopped",
    scope: "webhooks:manage",
    body: EndpointPatchSchema,
    response: z.object({ endpoint: EndpointSchema }),
  },
  {
    method: "delete",
    path: "/webhook-endpoints/{id}",
    summary: "Delete an endpoint",
    scope: "webhooks:manage",
    response: z.object({ deleted: z.literal(true) }),
  },
  {
    method: "get",
    path: "/webhook-endpoints/{id}/deliveries",
    summary: "The endpoint's delivery log, newest first",
    scope: "webhooks:manage",
    response: DeliveriesResponseSchema,
  },
  { method: "post", path: "/webhook-endpoints/{id}/test", summary: "Send a signed test event now", scope: "webhooks:manage", response: TestResponseSchema },
  {
    method: "post",
    path: "/webhook-endpoints/{id}/replay",
    summary: "Send one delivery again, or every failed one (re-enabling the endpoint)",
    scope: "webhooks:manage",
    body: ReplayRequestSchema,
    response: ReplayResponseSchema,
  },
  {
    method: "post",
    path: "/webhook-endpoints/{id}/rotate-secret",
    summary: "A new signing secret; both sign for 24 h so receivers switch without a gap",
    scope: "webhooks:manage",
    response: RotatedSecretSchema,
  },
  { method: "get", path: "/openapi.json", summary: "This document", scope: null, response: z.object({}).passthrough() },
];

export const API_V1_BASE = "/api/v1";

let cached: object | null = null;

export function openApiDocument(): object {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key (csk_...) from the admin console or `calsync api-keys create`",
  });
  const errors = (codes: number[]) =>
    Object.fromEntries(codes.map((code) => [code, { description: `Error (${code})`, content: { "application/json": { schema: ErrorBodySchema } } }]));
  for (const operation of OPERATIONS) {
    const secured = operation.scope !== null;
    registry.registerPath({
      method: operation.method,
      path: operation.path,
      summary: operation.summary,
      ...(secured
        ? {
            security: [{ [bearer.name]: [] }],
            description: `Needs an API key with the \`${operation.scope}\` scope. Rate limited per key (RateLimit and RateLimit-Policy headers).`,
          }
        : {}),
      request: {
        ...(operation.path.includes("{id}") ? { params: idParams } : {}),
        ...(operation.query ? { query: operation.query } : {}),
        ...(operation.body ? { body: { content: { "application/json": { schema: operation.body } } } } : {}),
      },
      responses: {
        [operation.status ?? 200]: { description: "OK", content: { "application/json": { schema: operation.response } } },
        ...(secured ? errors([400, 401, 403, 404, 429, 503]) : {}),
        ...Object.fromEntries(
          Object.entries(operation.extra ?? {}).map(([code, description]) => [
            code,
            { description, content: { "application/json": { schema: ErrorBodySchema } } },
          ]),
        ),
      },
    });
  }
  registry.registerWebhook({
    method: "post",
    path: "change",
    summary: "A change, pushed to a webhook endpoint: signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)",
    request: { body: { content: { "application/json": { schema: WebhookPayloadSchema } } } },
    responses: { 200: { description: "Any 2xx acknowledges; anything else is retried with backoff" } },
  });
  cached = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "calsync API", version: "1.0.0", description: "The mirrored calendars of an organization, its change log and its outbound webhooks." },
    servers: [{ url: API_V1_BASE }],
  });
  return cached;
}
