import { db } from "@/lib/db/client";
import type { ApiDelivery, ApiEndpoint, ChangeType } from "@/lib/api/v1/schemas";
import { invalid, notFound } from "@/lib/http/errors";
import { sequenceOf } from "@/lib/changes/log";
import { newWebhookSecret } from "./signing";
import { checkUrl, DestinationRefused } from "./ssrf";

// An organization's webhook endpoints and their delivery log. Every query takes the
// organization id; another organization's endpoint is "not found".

/** How long the previous secret keeps signing after a rotation. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60_000;
const DELIVERY_LIST_LIMIT = 100;

type EndpointRow = {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  deliveredThrough: bigint;
  createdAt: Date;
};

const ENDPOINT_FIELDS = {
  id: true,
  url: true,
  description: true,
  eventTypes: true,
  enabled: true,
  disabledReason: true,
  consecutiveFailures: true,
  deliveredThrough: true,
  createdAt: true,
} as const;

export const endpointSummary = (row: EndpointRow): ApiEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  eventTypes: row.eventTypes as ChangeType[],
  enabled: row.enabled,
  disabledReason: row.disabledReason,
  consecutiveFailures: row.consecutiveFailures,
  deliveredThrough: row.deliveredThrough.toString(),
  createdAt: row.createdAt.toISOString(),
});

type DeliveryRow = {
  id: string;
  messageId: string;
  eventType: string;
  changeSeq: bigint | null;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
};

export const deliverySummary = (row: DeliveryRow): ApiDelivery => ({
  id: row.id,
  messageId: row.messageId,
  eventType: row.eventType,
  cursor: row.changeSeq?.toString() ?? null,
  status: row.status,
  attempts: row.attempts,
  responseStatus: row.responseStatus,
  latencyMs: row.latencyMs,
  error: row.error,
  createdAt: row.createdAt.toISOString(),
  lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
  deliveredAt: row.deliveredAt?.toISOString() ?? null,
});

function validUrl(url: string): string {
  try {
    return checkUrl(url).toString();
  } catch (err) {
    if (err instanceof DestinationRefused) throw invalid("the endpoint URL is not allowed", { url: err.message });
    throw err;
  }
}

/** A new endpoint; it receives the changes from now on. The secret is shown once. */
export async function createEndpoint(
  organizationId: string,
  input: { url: string; description: string; eventTypes: ChangeType[] },
): Promise<{ endpoint: ApiEndpoint; secret: string }> {
  const database = await db();
  const secret = newWebhookSecret();
  const { lastSeq } = await sequenceOf(database, organizationId);
  const row = await database.webhookEndpoint.create({
    data: {
      organizationId,
      url: validUrl(input.url),
      description: input.description,
      eventTypes: [...new Set(input.eventTypes)],
      secret,
      deliveredThrough: lastSeq,
    },
    select: ENDPOINT_FIELDS,
  });
  return { endpoint: endpointSummary(row), secret };
}

export async function listEndpoints(organizationId: string): Promise<ApiEndpoint[]> {
  const database = await db();
  return (await database.webhookEndpoint.findMany({ where: { organizationId }, orderBy: { createdAt: "asc" }, select: ENDPOINT_FIELDS })).map(endpointSummary);
}

export async function findEndpoint(organizationId: string, id: string) {
  const database = await db();
  const endpoint = await database.webhookEndpoint.findFirst({ where: { id, organizationId } });
  if (!endpoint) throw notFound("no such webhook endpoint");
  return endpoint;
}

/** Changes what is given; enabling an endpoint clears its failure state, so delivery resumes where it stopped. */
export async function updateEndpoint(
  organizationId: string,
  id: string,
  patch: { url?: string; description?: string; eventTypes?: ChangeType[]; enabled?: boolean },
): Promise<ApiEndpoint> {
  await findEndpoint(organizationId, id);
  const database = await db();
  await database.webhookEndpoint.updateMany({
    where: { id, organizationId },
    data: {
      ...(patch.url !== undefined ? { url: validUrl(patch.url) } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.eventTypes !== undefined ? { eventTypes: [...new Set(patch.eventTypes)] } : {}),
      ...(patch.enabled === true
        ? { enabled: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0, failingSince: null, nextAttemptAt: null }
        : {}),
      ...(patch.enabled === false ? { enabled: false } : {}),
    },
  });
  return endpointSummary(await database.webhookEndpoint.findFirstOrThrow({ where: { id, organizationId }, select: ENDPOINT_FIELDS }));
}

export async function deleteEndpoint(organizationId: string, id: string): Promise<void> {
  await findEndpoint(organizationId, id);
  const database = await db();
  await database.webhookEndpoint.deleteMany({ where: { id, organizationId } });
}

/** A new secret; the old one keeps signing for SECRET_OVERLAP_MS so receivers can switch without a gap. */
export async function rotateEndpointSecret(organizationId: string, id: string, now = new Date()): Promise<{ secret: string }> {
  const endpoint = await findEndpoint(organizationId, id);
  const database = await db();
  const secret = newWebhookSecret();
  await database.webhookEndpoint.updateMany({
    where: { id: endpoint.id, organizationId },
    data: { secret, previousSecret: endpoint.secret, previousSecretUntil: new Date(now.getTime() + SECRET_OVERLAP_MS) },
  });
  return { secret };
}

export async function listDeliveries(
  organizationId: string,
  endpointId: string,
  filter: { status?: "pending" | "succeeded" | "failed" } = {},
): Promise<ApiDelivery[]> {
  await findEndpoint(organizationId, endpointId);
  const database = await db();
  const rows = await database.webhookDelivery.findMany({
    where: { organizationId, endpointId, ...(filter.status ? { status: filter.status } : {}) },
    orderBy: [{ createdAt: "desc" }, { changeSeq: "desc" }],
    take: DELIVERY_LIST_LIMIT,
  });
  return rows.map(deliverySummary);
}
