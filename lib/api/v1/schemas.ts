import { z } from "zod";
import { ATTENDEE_RESPONSES, BUSY_STATUSES, CONFERENCE_PROVIDERS, EVENT_VISIBILITIES } from "@/lib/providers/port";

// The shapes of /api/v1, declared once: route handlers parse and build with them,
// lib/ fills them, and lib/api/v1/openapi.ts generates the OpenAPI document from
// them (`.meta({ id })` names a component). Stable: add fields, never rename one.

export const API_KEY_SCOPES = ["events:read", "changes:read", "webhooks:manage"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const CHANGE_TYPES = [
  "event.created",
  "event.updated",
  "event.deleted",
  "meeting.created",
  "meeting.updated",
  "meeting.deleted",
  "calendar.added",
  "calendar.updated",
  "calendar.removed",
  "connection.connected",
  "connection.needs_reconnect",
  "connection.disconnected",
  "connection.error",
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

const instant = z.iso.datetime({ offset: true }).meta({ description: "ISO 8601 instant" });
const day = z.iso.date().meta({ description: "YYYY-MM-DD" });
const uuid = z.uuid();

export const ErrorBodySchema = z
  .object({
    error: z.object({
      kind: z.string().meta({ description: "invalid, unauthorized, forbidden, not_found, conflict, gone, too_large, rate_limited, unavailable, failed" }),
      message: z.string(),
      fields: z.record(z.string(), z.string()).optional(),
    }),
  })
  .meta({ id: "Error", description: "Every error answer has this shape." });

export const AttendeeSchema = z
  .object({
    email: z.string().meta({ description: "Lower-cased" }),
    name: z.string().nullable(),
    response: z.enum(ATTENDEE_RESPONSES),
    optional: z.boolean(),
    organizer: z.boolean(),
    resource: z.boolean().meta({ description: "A room or equipment" }),
    self: z.boolean().meta({ description: "The owner of the calendar this copy is in" }),
  })
  .meta({ id: "Attendee" });
export type ApiAttendee = z.infer<typeof AttendeeSchema>;

export const EventSchema = z
  .object({
    id: uuid,
    calendarId: uuid,
    providerEventId: z.string(),
    iCalUid: z.string().nullable(),
    title: z.string(),
    descriptionText: z.string().nullable().meta({ description: "Plain text" }),
    descriptionHtml: z.string().nullable().meta({ description: "The provider's HTML body as given: sanitise before rendering it" }),
    location: z.string().nullable(),
    locationAddress: z.string().nullable(),
    locationLatitude: z.number().nullable(),
    locationLongitude: z.number().nullable(),
    webLink: z.string().nullable().meta({ description: "The event in the provider's calendar (Google htmlLink, Graph webLink)" }),
    isAllDay: z.boolean(),
    startAt: instant,
    endAt: instant,
    startDate: day.nullable().meta({ description: "All-day events: the first day" }),
    endDate: day.nullable().meta({ description: "All-day events: the day after the last (exclusive)" }),
    startTimeZone: z.string().nullable(),
    endTimeZone: z.string().nullable(),
    status: z.enum(["confirmed", "tentative", "cancelled"]),
    busyStatus: z.enum(BUSY_STATUSES),
    visibility: z.enum(EVENT_VISIBILITIES),
    eventType: z.string().nullable().meta({ description: "Google eventType, Graph type" }),
    organizerEmail: z.string().nullable(),
    organizerName: z.string().nullable(),
    attendeeCount: z.number().int(),
    attendees: z.array(AttendeeSchema).meta({ description: "In the provider's order" }),
    selfResponse: z
      .enum([...ATTENDEE_RESPONSES, "organizer"])
      .nullable()
      .meta({ description: "The calendar owner's own answer; null when they are not invited" }),
    conferenceProvider: z.enum(CONFERENCE_PROVIDERS).nullable(),
    conferenceUrl: z.string().nullable().meta({ description: "The join link" }),
    conferenceDialIn: z.string().nullable(),
    meetingId: uuid.nullable().meta({ description: "The meeting this is a copy of (GET /api/v1/meetings/{id}); null without an iCalUID" }),
    recurringSeriesId: z.string().nullable(),
    originalStartAt: instant.nullable(),
    providerCreatedAt: instant.nullable(),
    providerUpdatedAt: instant.nullable(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: "Event" });
export type ApiEvent = z.infer<typeof EventSchema>;

export const CalendarSchema = z
  .object({
    id: uuid,
    connectionId: uuid,
    providerCalendarId: z.string(),
    name: z.string(),
    isPrimary: z.boolean(),
    timeZone: z.string(),
    syncEnabled: z.boolean(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: "Calendar" });
export type ApiCalendar = z.infer<typeof CalendarSchema>;

export const ConnectionSchema = z
  .object({
    id: uuid,
    provider: z.enum(["google", "microsoft"]),
    accountEmail: z.string(),
    status: z.enum(["active", "needs_reconnect", "revoked", "error"]),
    lastError: z.string().nullable(),
    createdAt: instant,
  })
  .meta({ id: "Connection" });

export const MeetingSchema = z
  .object({
    id: uuid,
    iCalUid: z.string(),
    originalStartAt: instant.nullable().meta({ description: "An instance of a series: its original start" }),
    title: z.string(),
    isAllDay: z.boolean(),
    status: z.enum(["confirmed", "tentative", "cancelled"]),
    startAt: instant,
    endAt: instant,
    organizerEmail: z.string().nullable(),
    organizerName: z.string().nullable(),
    attendees: z
      .array(AttendeeSchema.omit({ self: true }))
      .meta({ description: "The union over the copies; each attendee's response as their own calendar has it, where it is mirrored" }),
    copies: z.array(z.object({ eventId: uuid, calendarId: uuid })).meta({ description: "The mirrored calendars that hold it" }),
  })
  .meta({ id: "Meeting", description: "One meeting per organization: the copies of one invitation across its mirrored calendars" });
export type ApiMeeting = z.infer<typeof MeetingSchema>;

export const ChangeSchema = z
  .object({
    cursor: z.string().meta({ description: "This change's position; pass it as `after` to read what follows" }),
    type: z.enum(CHANGE_TYPES),
    occurredAt: instant,
    resourceId: uuid,
    calendarId: uuid.nullable(),
    changedFields: z.array(z.string()).meta({ description: "event.updated, calendar.updated: the fields that changed" }),
    event: EventSchema.nullable().meta({ description: "event.*: the event after the change (as it was, for event.deleted)" }),
    meeting: MeetingSchema.nullable().meta({ description: "meeting.*: the meeting after the change (as it was, for meeting.deleted)" }),
    calendar: CalendarSchema.nullable(),
    connection: ConnectionSchema.nullable(),
  })
  .meta({ id: "Change" });
export type ApiChange = z.infer<typeof ChangeSchema>;

export const ChangesPageSchema = z
  .object({
    changes: z.array(ChangeSchema),
    nextCursor: z.string().meta({ description: "Pass as `after` next time (the last change's cursor, or `after` itself when there was none)" }),
    hasMore: z.boolean(),
  })
  .meta({ id: "ChangesPage" });
export type ChangesPage = z.infer<typeof ChangesPageSchema>;

const cursorParam = z.string().regex(/^\d{1,18}$/, "a cursor is a change's position, digits only");

export const ChangesQuerySchema = z.object({
  after: cursorParam.default("0").meta({ description: "Read changes after this cursor; 0 reads from the oldest retained" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  wait: z.coerce.number().int().min(0).max(30).default(0).meta({ description: "Seconds to wait for a change when there is none yet (long poll)" }),
});

export const EventsQuerySchema = z.object({
  calendarId: uuid.optional(),
  from: instant.optional().meta({ description: "Events ending after this instant" }),
  to: instant.optional().meta({ description: "Events starting before this instant" }),
  updatedSince: instant.optional(),
  cursor: z.string().max(200).optional().meta({ description: "nextCursor of the previous page" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const EventsPageSchema = z.object({ events: z.array(EventSchema), nextCursor: z.string().nullable() }).meta({ id: "EventsPage" });
export type EventsPage = z.infer<typeof EventsPageSchema>;

export const MeetingsQuerySchema = z.object({
  from: instant.optional().meta({ description: "Meetings ending after this instant" }),
  to: instant.optional().meta({ description: "Meetings starting before this instant" }),
  cursor: z.string().max(200).optional().meta({ description: "nextCursor of the previous page" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const MeetingsPageSchema = z.object({ meetings: z.array(MeetingSchema), nextCursor: z.string().nullable() }).meta({ id: "MeetingsPage" });
export type MeetingsPage = z.infer<typeof MeetingsPageSchema>;
export const MeetingResponseSchema = z.object({ meeting: MeetingSchema }).meta({ id: "MeetingResponse" });

export const CalendarsResponseSchema = z.object({ calendars: z.array(CalendarSchema) }).meta({ id: "CalendarList" });

export const IdParamsSchema = z.object({ id: uuid });

// --- Outbound webhook endpoints -------------------------------------------------

export const EndpointSchema = z
  .object({
    id: uuid,
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.enum(CHANGE_TYPES)).meta({ description: "Empty: every type" }),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    consecutiveFailures: z.number().int(),
    deliveredThrough: z.string().meta({ description: "Cursor of the last change delivered" }),
    createdAt: instant,
  })
  .meta({ id: "WebhookEndpoint" });
export type ApiEndpoint = z.infer<typeof EndpointSchema>;

export const EndpointCreateSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    description: z.string().max(500).default(""),
    eventTypes: z.array(z.enum(CHANGE_TYPES)).max(CHANGE_TYPES.length).default([]),
  })
  .meta({ id: "WebhookEndpointCreate" });

export const EndpointCreatedSchema = z
  .object({ endpoint: EndpointSchema, secret: z.string().meta({ description: "whsec_...: shown once" }) })
  .meta({ id: "WebhookEndpointCreated" });

export const EndpointPatchSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    description: z.string().max(500).optional(),
    eventTypes: z.array(z.enum(CHANGE_TYPES)).max(CHANGE_TYPES.length).optional(),
    enabled: z.boolean().optional(),
  })
  .meta({ id: "WebhookEndpointPatch" });

export const EndpointsResponseSchema = z.object({ endpoints: z.array(EndpointSchema) }).meta({ id: "WebhookEndpointList" });

export const DeliverySchema = z
  .object({
    id: uuid,
    messageId: z.string().meta({ description: "The webhook-id header" }),
    eventType: z.string(),
    cursor: z.string().nullable(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    responseStatus: z.number().int().nullable(),
    latencyMs: z.number().int().nullable(),
    error: z.string().nullable(),
    createdAt: instant,
    lastAttemptAt: instant.nullable(),
    deliveredAt: instant.nullable(),
  })
  .meta({ id: "WebhookDelivery" });
export type ApiDelivery = z.infer<typeof DeliverySchema>;

export const DeliveriesResponseSchema = z.object({ deliveries: z.array(DeliverySchema) }).meta({ id: "WebhookDeliveryList" });

export const ReplayRequestSchema = z
  .object({ deliveryId: uuid.optional().meta({ description: "One delivery; without it, every failed one" }) })
  .meta({ id: "WebhookReplayRequest" });
export const ReplayResponseSchema = z.object({ replayed: z.number().int() }).meta({ id: "WebhookReplayResponse" });
export const RotatedSecretSchema = z
  .object({ secret: z.string().meta({ description: "The new whsec_... secret, shown once; the previous one keeps signing for 24 h beside it" }) })
  .meta({ id: "WebhookSecretRotated" });
export const TestResponseSchema = z.object({ delivery: DeliverySchema }).meta({ id: "WebhookTestResponse" });

/** The body of every outbound webhook: the change, with the resource and its cursor ("fat" payload). */
export const WebhookPayloadSchema = z
  .object({ type: z.string(), timestamp: instant, data: ChangeSchema.or(z.object({ test: z.literal(true) })) })
  .meta({ id: "WebhookPayload" });

// --- API keys (console and CLI, not /api/v1) --------------------------------------

export const ApiKeySchema = z.object({
  id: uuid,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  createdAt: instant,
  lastUsedAt: instant.nullable(),
  revokedAt: instant.nullable(),
});
export type ApiKeySummary = z.infer<typeof ApiKeySchema>;

export const ApiKeyCreateSchema = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length),
});

export const LatestCursorSchema = z
  .object({ cursor: z.string().meta({ description: "The newest change's cursor: read it before re-reading state, then continue from it" }) })
  .meta({ id: "LatestCursor" });
