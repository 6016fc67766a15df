import http from "node:http";
import https from "node:https";
import type { WebhookEndpoint } from "@/lib/db/generated/client";
import { db } from "@/lib/db/client";
import type { ApiDelivery, ApiChange } from "@/lib/api/v1/schemas";
import { changesAfter, sequenceOf, toApiChange } from "@/lib/changes/log";
import { errorMessage } from "@/lib/format";
import type { FollowUp, HandlerResult, JobPayloads } from "@/lib/jobs/catalog";
import { dispatch } from "@/lib/jobs/dispatch";
import { notFound } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { deliverySummary, findEndpoint } from "./endpoints";
import { signedHeaders } from "./signing";
import { checkUrl, guardedLookup, strictDestinations } from "./ssrf";

// Outbound deliveries: each endpoint receives its organization's changes in seq
// order (so in order per calendar), at least once. A delivery job sends what
// follows the endpoint's `delivered_through` until one fails; that failure backs
// the endpoint off (BACKOFF_MS, with jitter: about a day in all) and the sweep cron
// starts it again when due; after the last step the endpoint is disabled, and
// enabling it (or a replay) resumes exactly where it stopped. A message keeps its
// webhook-id on every attempt, so receivers dedupe by it.

/** Waits between consecutive failures of an endpoint; past the last one it is disabled. */
export const BACKOFF_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];
const REQUEST_TIMEOUT_MS = 10_000;
const BATCH = 100;
/** Deliveries one job sends at most before handing the rest to a follow-up job. */
const MAX_PER_JOB = 1_000;
const MAX_RECORDED_ERROR = 500;
/** How long a delivery job holds its endpoint without renewing (renewed after every delivery; a request times out in 10 s). */
const LEASE_MS = 60_000;

export const messageIdFor = (endpointId: string, seq: bigint) => `msg_${endpointId.replaceAll("-", "")}_${seq}`;

export interface SendResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

/** One POST: the socket's lookup checks every address (ssrf.ts), no redirect is followed, 2xx is success. */
export async function send(url: string, headers: Record<string, string>, body: string, strict = strictDestinations()): Promise<SendResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const target = checkUrl(url, strict);
    const client = target.protocol === "https:" ? https : http;
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = client.request(
        target,
        {
          method: "POST",
          headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "calsync-webhooks/1" },
          lookup: guardedLookup(strict) as never,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          // The answer's body is not ours to keep; read it off so the socket is freed.
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
          response.on("error", reject);
        },
      );
      outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      outgoing.on("error", reject);
      outgoing.end(body);
    });
    const ok = status >= 200 && status < 300;
    return {
      ok,
      status,
      latencyMs: latency(),
      error: ok ? null : status >= 300 && status < 400 ? `answered ${status} (redirects are not followed)` : `answered ${status}`,
    };
  } catch (err) {
    return { ok: false, status: null, latencyMs: latency(), error: errorMessage(err).slice(0, MAX_RECORDED_ERROR) };
  }
}

function secretsOf(endpoint: Pick<WebhookEndpoint, "secret" | "previousSecret" | "previousSecretUntil">, now: Date): string[] {
  return endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil > now
    ? [endpoint.secret, endpoint.previousSecret]
    : [endpoint.secret];
}

export function payloadFor(change: ApiChange, now: Date): string {
  return JSON.stringify({ type: change.type, timestamp: now.toISOString(), data: change });
}

type Endpoint = WebhookEndpoint;

async function attempt(endpoint: Endpoint, delivery: { id: string; messageId: string }, body: string, now: Date): Promise<SendResult> {
  const headers = signedHeaders(secretsOf(endpoint, now), delivery.messageId, Math.floor(now.getTime() / 1000), body);
  const result = await send(endpoint.url, headers, body);
  const database = await db();
  await database.webhookDelivery.update({
    where: { id: delivery.id },
    data: {
      status: result.ok ? "succeeded" : "failed",
      attempts: { increment: 1 },
      responseStatus: result.status,
      latencyMs: result.latencyMs,
      error: result.error,
      lastAttemptAt: now,
      ...(result.ok ? { deliveredAt: now } : {}),
    },
  });
  return result;
}

/** One attempt of a change's delivery, recorded after it in one statement (the row is made by the first attempt). */
async function attemptChange(endpoint: Endpoint, change: ApiChange, at: Date): Promise<SendResult> {
  const seq = BigInt(change.cursor);
  const messageId = messageIdFor(endpoint.id, seq);
  const body = payloadFor(change, at);
  const result = await send(endpoint.url, signedHeaders(secretsOf(endpoint, at), messageId, Math.floor(at.getTime() / 1000), body), body);
  const outcome = {
    status: result.ok ? ("succeeded" as const) : ("failed" as const),
    responseStatus: result.status,
    latencyMs: result.latencyMs,
    error: result.error,
    lastAttemptAt: at,
    ...(result.ok ? { deliveredAt: at } : {}),
  };
  const database = await db();
  await database.webhookDelivery.upsert({
    where: { messageId },
    create: { organizationId: endpoint.organizationId, endpointId: endpoint.id, messageId, eventType: change.type, changeSeq: seq, attempts: 1, ...outcome },
    update: { attempts: { increment: 1 }, ...outcome },
  });
  return result;
}

const wants = (endpoint: Endpoint, type: string) => endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type);

export interface DeliverOptions {
  now?: () => Date;
  random?: () => number;
}

/**
 * The delivery job of one endpoint: sends what follows its cursor, in order, until
 * a failure (then backs off, or disables after the last step) or the end.
 */
export async function deliverEndpoint(
  organizationId: string,
  endpointId: string,
  options: DeliverOptions = {},
): Promise<{ sent: number; failed: boolean; disabled: boolean; more: boolean }> {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const database = await db();
  const idle = { sent: 0, failed: false, disabled: false, more: false };
  const endpoint = await database.webhookEndpoint.findFirst({ where: { id: endpointId, organizationId } });
  if (!endpoint || !endpoint.enabled) return { ...idle, disabled: true };
  if (endpoint.nextAttemptAt && endpoint.nextAttemptAt > now()) return idle;
  // Another job (another process) is sending to it: what it does not reach, the sweep does.
  const claimed = await database.webhookEndpoint.updateMany({
    where: { id: endpointId, organizationId, OR: [{ leasedUntil: null }, { leasedUntil: { lt: new Date() } }] },
    data: { leasedUntil: new Date(Date.now() + LEASE_MS) },
  });
  if (claimed.count === 0) return idle;
  try {
    // Read again under the lease: a job that just finished may have moved the cursor.
    return await deliverClaimed(await database.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } }), now, random);
  } finally {
    await database.webhookEndpoint.updateMany({ where: { id: endpointId }, data: { leasedUntil: null } });
  }
}

async function deliverClaimed(
  claimed: Endpoint,
  now: () => Date,
  random: () => number,
): Promise<{ sent: number; failed: boolean; disabled: boolean; more: boolean }> {
  const database = await db();
  const organizationId = claimed.organizationId;
  let endpoint = claimed;
  let sent = 0;
  const lease = () => new Date(Date.now() + LEASE_MS);
  while (sent < MAX_PER_JOB) {
    const rows = await changesAfter(database, organizationId, endpoint.deliveredThrough, BATCH);
    if (rows.length === 0) return { sent, failed: false, disabled: false, more: false };
    for (const row of rows) {
      if (!wants(endpoint, row.type)) {
        endpoint = await database.webhookEndpoint.update({ where: { id: endpoint.id }, data: { deliveredThrough: row.seq, leasedUntil: lease() } });
        continue;
      }
      const change = toApiChange(row);
      const at = now();
      const result = await attemptChange(endpoint, change, at);
      if (!result.ok) {
        const failures = endpoint.consecutiveFailures + 1;
        const wait = BACKOFF_MS[failures - 1];
        const disabled = wait === undefined;
        await database.webhookEndpoint.update({
          where: { id: endpoint.id },
          data: {
            consecutiveFailures: failures,
            failingSince: endpoint.failingSince ?? at,
            nextAttemptAt: disabled ? null : new Date(at.getTime() + Math.round(wait * (0.8 + 0.4 * random()))),
            ...(disabled
              ? {
                  enabled: false,
                  disabledAt: at,
                  disabledReason: `disabled after ${failures} failed attempts: ${result.error ?? "failed"}`.slice(0, MAX_RECORDED_ERROR),
                }
              : {}),
          },
        });
        if (disabled) logger.warn("outbound.endpoint_disabled", { endpointId: endpoint.id, failures });
        return { sent, failed: true, disabled, more: false };
      }
      sent += 1;
      endpoint = await database.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: { deliveredThrough: row.seq, consecutiveFailures: 0, failingSince: null, nextAttemptAt: null, leasedUntil: lease() },
      });
    }
  }
  return { sent, failed: false, disabled: false, more: true };
}

/** The job: one endpoint's pass; a long backlog continues in a follow-up job. */
export async function deliverEndpointJob(data: JobPayloads["outbound/deliver.requested"]): Promise<HandlerResult> {
  const outcome = await deliverEndpoint(data.organizationId, data.endpointId);
  const followUps: FollowUp[] = outcome.more
    ? [{ name: "outbound/deliver.requested", data: { organizationId: data.organizationId, endpointId: data.endpointId } }]
    : [];
  return { followUps, summary: { ...outcome } };
}

/** Delivery jobs for the endpoints that have something due: after new changes, or a backoff that ended. */
export async function dueDeliveries(filter: { organizationId?: string } = {}, now = new Date()): Promise<FollowUp[]> {
  const database = await db();
  const endpoints = await database.webhookEndpoint.findMany({
    where: {
      enabled: true,
      ...(filter.organizationId ? { organizationId: filter.organizationId } : {}),
      OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }],
    },
    select: { id: true, organizationId: true, deliveredThrough: true },
  });
  const latest = new Map<string, bigint>();
  const jobs: FollowUp[] = [];
  for (const endpoint of endpoints) {
    if (!latest.has(endpoint.organizationId)) latest.set(endpoint.organizationId, (await sequenceOf(database, endpoint.organizationId)).lastSeq);
    if (latest.get(endpoint.organizationId)! > endpoint.deliveredThrough)
      jobs.push({ name: "outbound/deliver.requested", data: { organizationId: endpoint.organizationId, endpointId: endpoint.id } });
  }
  return jobs;
}

/** After a sync that changed something: the organization's endpoints get their delivery jobs. */
export async function changesAppendedJob(data: JobPayloads["outbound/changes.appended"]): Promise<HandlerResult> {
  return { followUps: await dueDeliveries({ organizationId: data.organizationId }) };
}

/** The sweep cron: retries whose backoff ended, and changes no sync announced (a disconnect, a calendar turned off). */
export async function sweepDeliveriesJob(): Promise<HandlerResult> {
  const followUps = await dueDeliveries();
  return { followUps, summary: { endpoints: followUps.length } };
}

/** "Send test event": one signed message now, recorded in the delivery log. */
export async function sendTestEvent(organizationId: string, endpointId: string, now = new Date()): Promise<ApiDelivery> {
  const endpoint = await findEndpoint(organizationId, endpointId);
  const database = await db();
  const messageId = `msg_test_${crypto.randomUUID().replaceAll("-", "")}`;
  const delivery = await database.webhookDelivery.create({
    data: { organizationId, endpointId, messageId, eventType: "webhook.test" },
    select: { id: true, messageId: true },
  });
  await attempt(endpoint, delivery, JSON.stringify({ type: "webhook.test", timestamp: now.toISOString(), data: { test: true } }), now);
  return deliverySummary(await database.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } }));
}

/**
 * Replay: one delivery is sent again now (same webhook-id); without one, the
 * endpoint is re-enabled with its failure state cleared and every failed delivery
 * is sent again, in order, by its delivery job from where it stopped.
 */
export async function replayDeliveries(organizationId: string, endpointId: string, deliveryId?: string, now = new Date()): Promise<{ replayed: number }> {
  const endpoint = await findEndpoint(organizationId, endpointId);
  const database = await db();
  if (deliveryId) {
    const delivery = await database.webhookDelivery.findFirst({ where: { id: deliveryId, endpointId, organizationId } });
    if (!delivery) throw notFound("no such delivery");
    const change = delivery.changeSeq === null ? null : (await changesAfter(database, organizationId, delivery.changeSeq - 1n, 1))[0];
    const body =
      change && change.seq === delivery.changeSeq
        ? payloadFor(toApiChange(change), now)
        : JSON.stringify({ type: delivery.eventType, timestamp: now.toISOString(), data: { test: true } });
    await attempt(endpoint, delivery, body, now);
    return { replayed: 1 };
  }
  const failed = await database.webhookDelivery.count({
    where: { organizationId, endpointId, status: "failed", changeSeq: { gt: endpoint.deliveredThrough } },
  });
  await database.webhookEndpoint.update({
    where: { id: endpoint.id },
    data: { enabled: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0, failingSince: null, nextAttemptAt: null },
  });
  await dispatch("outbound/deliver.requested", { organizationId, endpointId });
  return { replayed: failed };
}
