// Graph change-notification subscriptions: create (with the validation
// handshake against notificationUrl and lifecycleNotificationUrl before the
// 201), renew, reauthorize, delete; change notifications batched in value[];
// lifecycle notifications on demand.

import { randomBytes, randomUUID } from "node:crypto";
import type { EmulatorServices } from "../context";
import { graphError, graphErrors } from "../errors";
import type { RequestContext, RouteDefinition } from "../http";
import type { OutgoingRequest } from "../push";
import type { ChangeNotice, ChangeType } from "../state";
import { formatGraphUtc, formatIsoUtc, parseLocalDateTime, parseRfc3339, instantOfWallTime } from "../time";
import type { LifecycleEvent, SubscriptionView } from "../types";
import { graphChangeKey } from "./format";
import { requireGraphCaller, type GraphCaller } from "./graph";

const MINUTE_MS = 60_000;
const MIN_LIFETIME_MS = 45 * MINUTE_MS;
/** Outlook event subscriptions (basic notifications) live at most 10,080 minutes. */
const MAX_LIFETIME_MINUTES = 10_080;
const CHANGE_TYPES = new Set(["created", "updated", "deleted"]);
const CALENDAR_READ = ["calendars.read", "calendars.readwrite", "calendars.read.shared", "calendars.readwrite.shared"];

interface Subscription {
  id: string;
  accountId: string;
  accountEmail: string;
  tenantId: string;
  applicationId: string;
  resource: string;
  changeTypes: Set<string>;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expiration: number;
  state: "live" | "deleted" | "expired" | "removed";
  needsReauthorization: boolean;
  deliveryPaused: boolean;
  createdAt: number;
  endedAt?: number;
  latestSupportedTlsVersion: string;
}

interface NotificationItem {
  subscription: Subscription;
  payload: Record<string, unknown>;
}

export class LifecycleUnavailableError extends Error {}

/**
 * A validation token with the characters that trip naive handlers: spaces, `:`,
 * `+`, `/`, `=` and a literal `%` (so a token that is decoded twice or not at all
 * no longer matches).
 */
export function newValidationToken(): string {
  return `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()} ${randomBytes(12).toString("base64")}+/=%2B%25`;
}

export class GraphSubscriptions {
  private subscriptions: Subscription[] = [];
  private batches = new Map<string, NotificationItem[]>();

  constructor(private readonly services: EmulatorServices) {
    services.store.onChange((notice) => this.onChange(notice));
  }

  routes(): RouteDefinition[] {
    const route = (method: RouteDefinition["method"], path: string, endpoint: string, handler: RouteDefinition["handler"]): RouteDefinition => ({
      method,
      path,
      endpoint,
      family: "graph",
      handler,
    });
    return [
      route("POST", "/v1.0/subscriptions", "graph.subscriptions.create", (ctx) => this.create(ctx)),
      route("GET", "/v1.0/subscriptions", "graph.subscriptions.list", (ctx) => this.listForCaller(ctx)),
      route("GET", "/v1.0/subscriptions/:id", "graph.subscriptions.get", (ctx) => this.get(ctx)),
      route("PATCH", "/v1.0/subscriptions/:id", "graph.subscriptions.update", (ctx) => this.update(ctx)),
      route("DELETE", "/v1.0/subscriptions/:id", "graph.subscriptions.delete", (ctx) => this.remove(ctx)),
      route("POST", "/v1.0/subscriptions/:id/reauthorize", "graph.subscriptions.reauthorize", (ctx) => this.reauthorize(ctx)),
    ];
  }

  reset(): void {
    this.subscriptions = [];
    this.batches.clear();
  }

  list(): SubscriptionView[] {
    return this.subscriptions.map((subscription) => {
      this.refreshState(subscription);
      return {
        id: subscription.id,
        resource: subscription.resource,
        changeType: subscription.changeType,
        notificationUrl: subscription.notificationUrl,
        lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
        clientState: subscription.clientState,
        expirationDateTime: formatGraphUtc(subscription.expiration),
        accountEmail: subscription.accountEmail,
        applicationId: subscription.applicationId,
        state: subscription.state,
        needsReauthorization: subscription.needsReauthorization,
        deliveryPaused: subscription.deliveryPaused,
        createdAt: formatIsoUtc(subscription.createdAt),
        endedAt: subscription.endedAt !== undefined ? formatIsoUtc(subscription.endedAt) : undefined,
      };
    });
  }

  /** Control API: the subscription expires now (Graph then deletes it). */
  expire(id: string): boolean {
    const subscription = this.liveById(id);
    if (!subscription) return false;
    subscription.expiration = this.services.clock.now();
    this.refreshState(subscription);
    return true;
  }

  /** Control API: send a lifecycle notification (and apply its effect). */
  sendLifecycle(id: string, lifecycleEvent: LifecycleEvent, options: { pauseDelivery?: boolean } = {}): boolean {
    const subscription = this.liveById(id);
    if (!subscription) return false;
    if (!subscription.lifecycleNotificationUrl) throw new LifecycleUnavailableError(`Subscription ${id} has no lifecycleNotificationUrl`);
    const payload = {
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: formatGraphUtc(subscription.expiration),
      tenantId: subscription.tenantId,
      clientState: subscription.clientState ?? null,
      lifecycleEvent,
    };
    if (lifecycleEvent === "reauthorizationRequired") {
      subscription.needsReauthorization = true;
      if (options.pauseDelivery) subscription.deliveryPaused = true;
    }
    if (lifecycleEvent === "subscriptionRemoved") {
      subscription.state = "removed";
      subscription.endedAt = this.services.clock.now();
    }
    this.services.deliverer.send(this.notificationRequest("graph.lifecycle", subscription.lifecycleNotificationUrl, [subscription], [payload], () => true));
    return true;
  }

  private refreshState(subscription: Subscription): void {
    if (subscription.state === "live" && subscription.expiration <= this.services.clock.now()) {
      subscription.state = "expired";
      subscription.endedAt = subscription.expiration;
    }
  }

  private isLive(subscription: Subscription): boolean {
    this.refreshState(subscription);
    return subscription.state === "live";
  }

  private liveById(id: string): Subscription | undefined {
    return this.subscriptions.find((subscription) => subscription.id === id && this.isLive(subscription));
  }

  private ownedLive(ctx: RequestContext, caller: GraphCaller): Subscription {
    const subscription = this.liveById(ctx.params.id ?? "");
    if (!subscription || subscription.accountId !== caller.account.id || subscription.applicationId !== caller.clientId) {
      throw graphErrors.subscriptionNotFound(ctx.params.id ?? "");
    }
    return subscription;
  }

  private json(subscription: Subscription): Record<string, unknown> {
    return {
      "@odata.context": `${this.services.origins.https}/v1.0/$metadata#subscriptions/$entity`,
      id: subscription.id,
      resource: subscription.resource,
      applicationId: subscription.applicationId,
      changeType: subscription.changeType,
      clientState: subscription.clientState ?? null,
      notificationUrl: subscription.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: subscription.lifecycleNotificationUrl ?? null,
      expirationDateTime: formatGraphUtc(subscription.expiration),
      creatorId: subscription.accountId === "" ? null : (this.services.store.accounts.get(subscription.accountId)?.subject ?? null),
      includeResourceData: false,
      latestSupportedTlsVersion: subscription.latestSupportedTlsVersion,
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  private async readBody(ctx: RequestContext): Promise<Record<string, unknown>> {
    let body: unknown;
    try {
      body = await ctx.json();
    } catch {
      throw graphErrors.badRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) throw graphErrors.badRequest("Empty Payload. JSON content expected.");
    return body as Record<string, unknown>;
  }

  /** Raises short lifetimes to 45 minutes; refuses more than 10,080 minutes. */
  private expirationFrom(value: unknown): number {
    if (typeof value !== "string") throw graphErrors.invalidRequest("expirationDateTime is a required property for subscription creation.");
    const wall = parseLocalDateTime(value);
    const instant = parseRfc3339(value) ?? (wall ? instantOfWallTime(wall, "UTC") : undefined);
    if (instant === undefined) throw graphErrors.badRequest(`Cannot convert the literal '${value}' to the expected type 'Edm.DateTimeOffset'.`);
    const now = this.services.clock.now();
    if (instant > now + MAX_LIFETIME_MINUTES * MINUTE_MS) {
      throw graphErrors.invalidRequest(`Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`);
    }
    return Math.max(instant, now + MIN_LIFETIME_MS);
  }

  private checkUrl(name: string, value: unknown): string {
    if (typeof value !== "string" || value === "") throw graphErrors.invalidRequest(`${name} is a required property for subscription creation.`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw graphErrors.invalidRequest(`The ${name} '${value}' is not a valid absolute URL.`);
    }
    const allowed = url.protocol === "https:" || (url.protocol === "http:" && !this.services.settings.requireHttpsWebhooks);
    if (!allowed) throw graphError(400, "ValidationError", `${name} must use the https scheme.`);
    return value;
  }

  private async create(ctx: RequestContext): Promise<void> {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    const body = await this.readBody(ctx);
    const changeType = body.changeType;
    if (typeof changeType !== "string" || changeType === "") throw graphErrors.invalidRequest("changeType is a required property for subscription creation.");
    const changeTypes = changeType.split(",").map((part) => part.trim());
    if (changeTypes.some((part) => !CHANGE_TYPES.has(part))) throw graphErrors.invalidRequest(`Invalid changeType '${changeType}'.`);
    const notificationUrl = this.checkUrl("notificationUrl", body.notificationUrl);
    const lifecycleNotificationUrl =
      body.lifecycleNotificationUrl === undefined || body.lifecycleNotificationUrl === null
        ? undefined
        : this.checkUrl("lifecycleNotificationUrl", body.lifecycleNotificationUrl);
    const resource = this.checkResource(body.resource, caller);
    const expiration = this.expirationFrom(body.expirationDateTime);
    const clientState = body.clientState;
    if (clientState !== undefined && clientState !== null && (typeof clientState !== "string" || clientState.length > 128)) {
      throw graphErrors.invalidRequest("clientState must be a string of at most 128 characters.");
    }
    if (body.includeResourceData === true) throw graphErrors.invalidRequest("Rich notifications (includeResourceData) are not emulated.");

    // The handshake happens before Graph answers the create call.
    for (const url of [notificationUrl, lifecycleNotificationUrl].filter((value): value is string => value !== undefined)) {
      const failure = await this.validateEndpoint(url);
      if (failure) throw graphError(400, "ValidationError", failure);
    }
    const subscription: Subscription = {
      id: randomUUID(),
      accountId: caller.account.id,
      accountEmail: caller.account.email,
      tenantId: caller.account.tenantId ?? this.services.settings.defaultTenantId,
      applicationId: caller.clientId,
      resource,
      changeTypes: new Set(changeTypes),
      changeType,
      notificationUrl,
      lifecycleNotificationUrl,
      clientState: typeof clientState === "string" ? clientState : undefined,
      expiration,
      state: "live",
      needsReauthorization: false,
      deliveryPaused: false,
      createdAt: this.services.clock.now(),
      latestSupportedTlsVersion: typeof body.latestSupportedTlsVersion === "string" ? body.latestSupportedTlsVersion : "v1_2",
    };
    this.subscriptions.push(subscription);
    ctx.sendJson(201, this.json(subscription));
  }

  /** Supported event resources: `me/events` and `users/{id or UPN}/events` of the signed-in user. */
  private checkResource(value: unknown, caller: GraphCaller): string {
    if (typeof value !== "string" || value === "") throw graphErrors.invalidRequest("resource is a required property for subscription creation.");
    const normalized = value.replace(/^\//, "");
    const match = /^(?:me|users\/([^/]+))\/events$/i.exec(normalized);
    if (!match)
      throw graphError(
        400,
        "ExtensionError",
        `Operation: Create; Exception: [Status Code: BadRequest; Reason: The resource '${value}' is not supported by the emulator (use me/events or users/{id}/events).]`,
      );
    const user = match[1]?.toLowerCase();
    if (user && user !== caller.account.subject && user !== caller.account.email) throw graphErrors.accessDenied();
    return value;
  }

  /** The validation handshake; returns an error message, or undefined when the app answered correctly. */
  private async validateEndpoint(url: string): Promise<string | undefined> {
    const token = newValidationToken();
    const target = new URL(url);
    target.searchParams.append("validationToken", token);
    const record = await this.services.deliverer.sendOnce({
      kind: "graph.validation",
      url: target.toString(),
      headers: { "Content-Type": "text/plain; charset=utf-8" },
      body: "",
      subscriptionIds: [],
      timeoutMs: this.services.settings.graphValidationTimeoutMs,
      retryOn: () => false,
      stillWanted: () => true,
    });
    if (record.outcome === "timeout") return "Subscription validation request timed out.";
    if (record.status !== 200) return "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.";
    if (!(record.responseContentType ?? "").toLowerCase().startsWith("text/plain")) {
      return "Subscription validation request failed. Response must have Content-Type text/plain.";
    }
    if (record.responseBody !== token) return "Subscription validation request failed. Response must exactly match validationToken query parameter.";
    return undefined;
  }

  private listForCaller(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    const mine = this.subscriptions.filter(
      (subscription) => this.isLive(subscription) && subscription.accountId === caller.account.id && subscription.applicationId === caller.clientId,
    );
    ctx.sendJson(200, {
      "@odata.context": `${this.services.origins.https}/v1.0/$metadata#subscriptions`,
      value: mine.map((subscription) => this.json(subscription)),
    });
  }

  private get(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    ctx.sendJson(200, this.json(this.ownedLive(ctx, caller)));
  }

  private async update(ctx: RequestContext): Promise<void> {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    const subscription = this.ownedLive(ctx, caller);
    const body = await this.readBody(ctx);
    if (body.expirationDateTime !== undefined) subscription.expiration = this.expirationFrom(body.expirationDateTime);
    if (body.notificationUrl !== undefined) subscription.notificationUrl = this.checkUrl("notificationUrl", body.notificationUrl);
    // Renewing also reauthorizes.
    subscription.needsReauthorization = false;
    subscription.deliveryPaused = false;
    ctx.sendJson(200, this.json(subscription));
  }

  private remove(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    const subscription = this.ownedLive(ctx, caller);
    subscription.state = "deleted";
    subscription.endedAt = this.services.clock.now();
    ctx.send(204);
  }

  private reauthorize(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    const subscription = this.ownedLive(ctx, caller);
    subscription.needsReauthorization = false;
    subscription.deliveryPaused = false;
    ctx.send(204);
  }

  // ---- change notifications -------------------------------------------------------

  private onChange(notice: ChangeNotice): void {
    if (notice.account.provider !== "microsoft") return;
    for (const subscription of this.subscriptions) {
      if (subscription.accountId !== notice.account.id || !this.isLive(subscription)) continue;
      for (const change of notice.changes) {
        if (!subscription.changeTypes.has(change.changeType)) continue;
        const payload = this.changePayload(subscription, change.event.id, change.changeType, graphChangeKey(change.event));
        const item: NotificationItem = { subscription, payload };
        if (subscription.deliveryPaused) {
          this.services.deliverer.recordUnsent(
            this.notificationRequest("graph.notification", subscription.notificationUrl, [subscription], [payload], () => false),
            "paused",
          );
          continue;
        }
        this.services.deliverer.submitChangeNotification(
          (duplicate) => this.enqueue(item, duplicate),
          () => this.notificationRequest("graph.notification", subscription.notificationUrl, [subscription], [payload], () => false),
        );
      }
    }
  }

  private changePayload(subscription: Subscription, eventId: string, changeType: ChangeType, changeKey: string): Record<string, unknown> {
    const account = this.services.store.accounts.get(subscription.accountId);
    const resource = `Users/${account?.subject ?? subscription.accountId}/Events/${eventId}`;
    return {
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: formatGraphUtc(subscription.expiration),
      changeType,
      resource,
      resourceData: {
        "@odata.type": "#Microsoft.Graph.Event",
        "@odata.id": resource,
        ...(changeType === "deleted" ? {} : { "@odata.etag": `W/"${changeKey}"` }),
        id: eventId,
      },
      clientState: subscription.clientState ?? null,
      tenantId: subscription.tenantId,
    };
  }

  /** Items for the same URL within the batch window go out in one POST. */
  private enqueue(item: NotificationItem, duplicate: boolean): void {
    const url = item.subscription.notificationUrl;
    const key = `${url}\u0000${duplicate ? "dup" : ""}`;
    const pending = this.batches.get(key);
    if (pending) {
      pending.push(item);
      return;
    }
    this.batches.set(key, [item]);
    this.services.deliverer.schedule(this.services.settings.graphBatchWindowMs, () => {
      const items = this.batches.get(key) ?? [];
      this.batches.delete(key);
      const subscriptions = [...new Set(items.map((entry) => entry.subscription))];
      const request = this.notificationRequest(
        "graph.notification",
        url,
        subscriptions,
        items.map((entry) => entry.payload),
        () => subscriptions.some((subscription) => this.isLive(subscription) && !subscription.deliveryPaused),
      );
      this.services.deliverer.send({ ...request, duplicate });
    });
  }

  private notificationRequest(
    kind: "graph.notification" | "graph.lifecycle",
    url: string,
    subscriptions: Subscription[],
    value: Array<Record<string, unknown>>,
    stillWanted: () => boolean,
  ): OutgoingRequest {
    return {
      kind,
      url,
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify({ value }),
      subscriptionIds: subscriptions.map((subscription) => subscription.id),
      timeoutMs: this.services.settings.graphNotificationTimeoutMs,
      // Graph retries anything that is not a timely 2xx.
      retryOn: () => true,
      stillWanted,
    };
  }
}
