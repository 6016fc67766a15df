import { randomBytes, randomInt } from "node:crypto";
import { db } from "@/lib/db/client";
import { invalid, notFound } from "@/lib/http/errors";
import { errorMessage } from "@/lib/format";

/**
 * Notifications as Google and Microsoft send them, for one of our own
 * subscriptions, signed with its real secret (or a wrong one): what the operators'
 * `calsync test-webhook` sends to check that a deployment's webhook endpoint is
 * reachable, verifies, and stores. Built from the same facts the providers use
 * (/work/shared/provider-protocols.md A.2, B.4) so the request takes the path a
 * real one would, dedup included.
 */

export const SIMULATED_CHANGE_TYPES = ["created", "updated", "deleted"] as const;
export type SimulatedChangeType = (typeof SIMULATED_CHANGE_TYPES)[number];

/** Marks simulated requests in the stored (redacted) headers of webhook_events. */
export const SIMULATION_HEADER = "X-Calsync-Simulated";

export interface SimulationTarget {
  subscriptionId: string;
  organizationId: string;
  provider: "google" | "microsoft";
  externalId: string;
  /** Google resourceId; null for Graph, or a Google channel whose watch never answered. */
  resourceId: string | null;
  /** Google resourceUri or the Graph subscription's resource path. */
  resource: string | null;
  status: string;
  expiresAt: Date | null;
  accountEmail: string;
  /** Google `sub` / Microsoft `oid`: Graph names the user by it in resource paths. */
  providerAccountId: string;
  tenantId: string | null;
  providerCalendarId: string | null;
}

export interface SimulatedRequest {
  method: "POST";
  headers: Record<string, string>;
  body: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The subscription named by our id or by the provider's (channel or subscription
 * id), and its secret. The secret is for signing only: callers never print it.
 * Operators' lookup across organizations: `reference` is what they copied from a
 * log line or the admin pages, and both kinds of id are unique installation-wide.
 */
export async function loadSimulationTarget(reference: string): Promise<{ target: SimulationTarget; secret: string | null }> {
  const database = await db();
  const subscription = await database.webhookSubscription.findFirst({
    where: UUID.test(reference) ? { OR: [{ id: reference.toLowerCase() }, { externalId: reference }] } : { externalId: reference },
    include: {
      connection: { select: { accountEmail: true, providerAccountId: true, providerTenantId: true } },
      calendar: { select: { providerCalendarId: true } },
    },
  });
  if (!subscription) {
    const replaced = await database.replacedSubscriptionId.findUnique({ where: { externalId: reference }, select: { subscriptionId: true } });
    throw notFound(
      replaced
        ? `${reference} is a replaced id (its secret is not kept); use subscription ${replaced.subscriptionId}`
        : `no subscription has the id or external id ${reference}`,
    );
  }
  return {
    target: {
      subscriptionId: subscription.id,
      organizationId: subscription.organizationId,
      provider: subscription.provider,
      externalId: subscription.externalId,
      resourceId: subscription.resourceId,
      resource: subscription.resource,
      status: subscription.status,
      expiresAt: subscription.expiresAt,
      accountEmail: subscription.connection.accountEmail,
      providerAccountId: subscription.connection.providerAccountId,
      tenantId: subscription.connection.providerTenantId,
      providerCalendarId: subscription.calendar?.providerCalendarId ?? null,
    },
    secret: subscription.secret,
  };
}

/** `base` as given when it has a path; otherwise the provider's notification route on that origin. */
export function webhookUrl(base: string, provider: SimulationTarget["provider"]): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw invalid(`not a URL: ${base}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(`expected an http(s) URL, got ${url.protocol}`);
  if (url.pathname === "/" || url.pathname === "") url.pathname = `/api/webhooks/${provider}`;
  return url.toString();
}

let lastMessageNumber = 0;

/**
 * Google numbers a channel's messages upwards from 1 (the `sync`) with gaps. Ours
 * start from the clock, so they sit above anything a real channel has sent and a
 * second run is never a (channel, number) duplicate, and 16 digits stay within the
 * route's 18-digit limit.
 */
export function nextMessageNumber(now = Date.now()): string {
  const candidate = now * 1000 + randomInt(1000);
  lastMessageNumber = Math.max(candidate, lastMessageNumber + 1);
  return String(lastMessageNumber);
}

/** A secret of the same shape as real ones, so only its value gives it away. */
export function forgedSecret(): string {
  return randomBytes(32).toString("base64url");
}

export interface BuildOptions {
  secret: string;
  changeType?: SimulatedChangeType;
  messageNumber?: string;
}

export function buildNotification(target: SimulationTarget, options: BuildOptions): SimulatedRequest {
  return target.provider === "google" ? googleNotification(target, options) : graphNotification(target, options);
}

function googleNotification(target: SimulationTarget, options: BuildOptions): SimulatedRequest {
  const calendar = encodeURIComponent(target.providerCalendarId ?? "primary");
  const headers: Record<string, string> = {
    "X-Goog-Channel-ID": target.externalId,
    "X-Goog-Message-Number": options.messageNumber ?? nextMessageNumber(),
    // A channel whose watch never answered has no resource id yet; the route then
    // verifies on the token alone, so any opaque value does.
    "X-Goog-Resource-ID": target.resourceId ?? randomBytes(20).toString("base64url"),
    // Calendar says `exists` for every create, update and delete: the change type
    // cannot be told from a Google notification, only from the sync that follows.
    "X-Goog-Resource-State": "exists",
    "X-Goog-Resource-URI": target.resource ?? `https://www.googleapis.com/calendar/v3/calendars/${calendar}/events?alt=json`,
    "X-Goog-Channel-Token": options.secret,
    "User-Agent": "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
    [SIMULATION_HEADER]: "test-webhook",
  };
  if (target.expiresAt) headers["X-Goog-Channel-Expiration"] = target.expiresAt.toUTCString();
  return { method: "POST", headers, body: null };
}

function graphNotification(target: SimulationTarget, options: BuildOptions): SimulatedRequest {
  // Outlook ids are long opaque base64; a fresh one per notification, and a fresh
  // etag, so each is a new change to dedup rather than a redelivery.
  const eventId = `AAMkA${randomBytes(48).toString("base64url")}`;
  const resource = `Users/${target.providerAccountId}/Events/${eventId}`;
  const item = {
    subscriptionId: target.externalId,
    ...(target.expiresAt ? { subscriptionExpirationDateTime: target.expiresAt.toISOString() } : {}),
    changeType: options.changeType ?? "updated",
    resource,
    resourceData: {
      "@odata.type": "#Microsoft.Graph.Event",
      "@odata.id": resource,
      "@odata.etag": `W/"${randomBytes(12).toString("base64")}"`,
      id: eventId,
    },
    clientState: options.secret,
    ...(target.tenantId ? { tenantId: target.tenantId } : {}),
  };
  return {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8", [SIMULATION_HEADER]: "test-webhook" },
    body: JSON.stringify({ value: [item] }),
  };
}

export interface DeliveryResult {
  status: number;
  statusText: string;
  /** From sending to the last byte of the answer: what the provider's timeout measures. */
  latencyMs: number;
  body: string;
  /** X-Request-Id: the id stored with the webhook_events row and the route's log line. */
  requestId: string | null;
}

/** The endpoint could not be reached or did not answer in time. */
export class DeliveryError extends Error {
  override readonly name = "DeliveryError";
}

export async function deliver(url: string, request: SimulatedRequest, options: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<DeliveryResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const send = options.fetch ?? fetch;
  const started = performance.now();
  try {
    const response = await send(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    return {
      status: response.status,
      statusText: response.statusText,
      latencyMs: performance.now() - started,
      body,
      requestId: response.headers.get("x-request-id"),
    };
  } catch (err) {
    const origin = new URL(url).origin;
    if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))
      throw new DeliveryError(`no answer from ${origin} within ${timeoutMs / 1000} s`);
    throw new DeliveryError(`cannot reach ${origin}: ${networkCause(err)}`);
  }
}

function networkCause(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return errorMessage(err);
}

/**
 * What a route answers a forged notification: Google 401; Graph 202 like any
 * batch (Microsoft's advice: a forger learns nothing), with nothing stored.
 */
export function forgedAnswer(provider: SimulationTarget["provider"]): number {
  return provider === "google" ? 401 : 202;
}

/** What the route must answer: 2xx for a genuine notification, `forgedAnswer` for a forged one. */
export function isExpectedAnswer(status: number, forged: boolean, provider: SimulationTarget["provider"]): boolean {
  return forged ? status === forgedAnswer(provider) : status >= 200 && status < 300;
}
