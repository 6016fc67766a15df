// Google push: events.watch, channels.stop, and the POSTs to channel
// addresses after every change (sync message first, then `exists`).

import { createHash, randomBytes } from "node:crypto";
import type { EmulatorServices } from "../context";
import { googleApiError, googleErrors } from "../errors";
import type { RequestContext, RouteDefinition } from "../http";
import { SeededRandom } from "../faults";
import type { OutgoingRequest } from "../push";
import type { ChangeNotice } from "../state";
import { formatIsoUtc, formatRfc1123 } from "../time";
import type { ChannelView } from "../types";
import { callerCalendar, GOOGLE_SCOPES, requireGoogleCaller } from "./auth";

/** The domain of Google's public read-only calendars, which cannot be watched. */
export const PUSHLESS_CALENDAR_SUFFIX = "@group.v.calendar.google.com";

interface Channel {
  id: string;
  resourceId: string;
  resourceUri: string;
  calendarId: string;
  accountId: string;
  accountEmail: string;
  clientId: string;
  address: string;
  token?: string;
  expiration: number;
  state: "live" | "stopped" | "expired";
  createdAt: number;
  endedAt?: number;
  messageNumber: number;
}

const CHANNEL_ID = /^[A-Za-z0-9\-_+/=]{1,64}$/;
/** Google retries these answers with exponential backoff; anything else non-2xx is a failure. */
const RETRYABLE = new Set([500, 502, 503, 504]);
export const GOOGLE_PUSH_USER_AGENT = "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)";

export class GoogleChannels {
  private channels: Channel[] = [];
  /** Message numbers increase but skip values, as Google's do. */
  private readonly numbering = new SeededRandom(7);
  private readonly resourceIdSalt = randomBytes(16).toString("hex");

  constructor(private readonly services: EmulatorServices) {
    services.store.onChange((notice) => this.onChange(notice));
  }

  routes(): RouteDefinition[] {
    return [
      {
        method: "POST",
        path: "/calendar/v3/calendars/:calendarId/events/watch",
        endpoint: "google.events.watch",
        family: "google-api",
        handler: (ctx) => this.watch(ctx),
      },
      { method: "POST", path: "/calendar/v3/channels/stop", endpoint: "google.channels.stop", family: "google-api", handler: (ctx) => this.stop(ctx) },
    ];
  }

  reset(): void {
    this.channels = [];
  }

  list(): ChannelView[] {
    return this.channels.map((channel) => {
      this.refreshState(channel);
      return {
        id: channel.id,
        resourceId: channel.resourceId,
        resourceUri: channel.resourceUri,
        calendarId: channel.calendarId,
        accountEmail: channel.accountEmail,
        address: channel.address,
        token: channel.token,
        expiration: channel.expiration,
        state: channel.state,
        createdAt: formatIsoUtc(channel.createdAt),
        endedAt: channel.endedAt !== undefined ? formatIsoUtc(channel.endedAt) : undefined,
        lastMessageNumber: channel.messageNumber,
      };
    });
  }

  /** Control API: the channel expires now (no more messages). */
  expire(channelId: string): boolean {
    const channel = this.channels.find((candidate) => candidate.id === channelId && this.isLive(candidate));
    if (!channel) return false;
    channel.expiration = this.services.clock.now();
    this.refreshState(channel);
    return true;
  }

  private refreshState(channel: Channel): void {
    if (channel.state === "live" && channel.expiration <= this.services.clock.now()) {
      channel.state = "expired";
      channel.endedAt = channel.expiration;
    }
  }

  private isLive(channel: Channel): boolean {
    this.refreshState(channel);
    return channel.state === "live";
  }

  /** Opaque and stable per calendar (and per emulator instance). */
  private resourceIdFor(calendarId: string): string {
    return createHash("sha256")
      .update(this.resourceIdSalt + calendarId)
      .digest("base64url")
      .slice(0, 27);
  }

  private async watch(ctx: RequestContext): Promise<void> {
    const caller = requireGoogleCaller(ctx, this.services, GOOGLE_SCOPES.eventsRead);
    const calendarIdParam = ctx.params.calendarId ?? "";
    const calendar = callerCalendar(this.services, caller, calendarIdParam);
    // Google's read-only public calendars (holidays "en.usa#holiday@group.v.calendar.google.com",
    // contacts' birthdays) live under group.v.calendar.google.com and refuse watch with a
    // 400 pushNotSupportedForRequestedResource: they can only be polled.
    if (calendar.id.endsWith(PUSHLESS_CALENDAR_SUFFIX)) {
      throw googleApiError(400, "Push notifications are not supported by this resource.", { reason: "pushNotSupportedForRequestedResource" });
    }
    let body: Record<string, unknown>;
    try {
      body = ((await ctx.json()) ?? {}) as Record<string, unknown>;
    } catch {
      throw googleApiError(400, "Parse Error", { reason: "parseError" });
    }
    const { id, type, address, token } = body;
    if (typeof id !== "string" || id === "") throw googleErrors.required("Required channel id.", "id");
    if (!CHANNEL_ID.test(id)) throw googleErrors.invalid("Channel id must be at most 64 characters from [A-Za-z0-9-_+/=].");
    if (type !== "web_hook" && type !== "webhook") throw googleErrors.invalid(`Invalid channel type: ${String(type)}.`);
    if (typeof address !== "string" || address === "") throw googleErrors.required("Required channel address.", "address");
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw googleErrors.invalid(`Invalid channel address: ${address}`);
    }
    if (url.protocol !== "https:" && (this.services.settings.requireHttpsWebhooks || url.protocol !== "http:")) {
      throw googleApiError(400, `WebHook callback must be HTTPS: ${address}`, { domain: "global", reason: "push.webhookUrlNotHttps" });
    }
    if (token !== undefined && (typeof token !== "string" || token.length > 256)) throw googleErrors.invalid("Channel token must be at most 256 characters.");
    if (this.channels.some((channel) => channel.id === id && this.isLive(channel))) {
      throw googleApiError(400, `Channel id ${id} not unique`, { reason: "channelIdNotUnique" });
    }
    const expiration = this.grantedExpiration(body);
    const channel: Channel = {
      id,
      resourceId: this.resourceIdFor(calendar.id),
      resourceUri: `${ctx.origin}/calendar/v3/calendars/${encodeURIComponent(calendarIdParam)}/events?alt=json`,
      calendarId: calendar.id,
      accountId: caller.account.id,
      accountEmail: caller.account.email,
      clientId: caller.token.clientId,
      address,
      token: typeof token === "string" ? token : undefined,
      expiration,
      state: "live",
      createdAt: this.services.clock.now(),
      messageNumber: 0,
    };
    this.channels.push(channel);
    // The sync message goes out right away and may overtake the watch response, as Google's does.
    channel.messageNumber = 1;
    this.services.deliverer.send(this.pushRequest(channel, "sync", 1));
    ctx.sendJson(200, {
      kind: "api#channel",
      id: channel.id,
      resourceId: channel.resourceId,
      resourceUri: channel.resourceUri,
      ...(channel.token !== undefined ? { token: channel.token } : {}),
      expiration: String(channel.expiration),
    });
  }

  /** The tighter of the requested expiration (ms) and ttl (s), capped by the emulator's maximum. */
  private grantedExpiration(body: Record<string, unknown>): number {
    const now = this.services.clock.now();
    const settings = this.services.settings;
    const limits = [now + settings.googleChannelMaxTtlSeconds * 1000];
    const params = body.params as Record<string, unknown> | undefined;
    const ttl = params?.ttl;
    if (ttl !== undefined) {
      const seconds = Number(ttl);
      if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(seconds)) throw googleErrors.invalid(`Invalid ttl value: ${String(ttl)}.`);
      limits.push(now + seconds * 1000);
    }
    if (body.expiration !== undefined) {
      const requested = Number(body.expiration);
      if (!Number.isFinite(requested)) throw googleErrors.invalid(`Invalid expiration value: ${String(body.expiration)}.`);
      if (requested <= now) throw googleErrors.invalid("Channel expiration must be in the future.");
      limits.push(requested);
    }
    if (ttl === undefined && body.expiration === undefined) limits.push(now + settings.googleChannelDefaultTtlSeconds * 1000);
    return Math.min(...limits);
  }

  private async stop(ctx: RequestContext): Promise<void> {
    const caller = requireGoogleCaller(ctx, this.services, GOOGLE_SCOPES.eventsRead);
    let body: Record<string, unknown>;
    try {
      body = ((await ctx.json()) ?? {}) as Record<string, unknown>;
    } catch {
      throw googleApiError(400, "Parse Error", { reason: "parseError" });
    }
    if (typeof body.id !== "string" || body.id === "") throw googleErrors.required("Required channel id.", "id");
    if (typeof body.resourceId !== "string" || body.resourceId === "") throw googleErrors.required("Required resourceId.", "resourceId");
    const channel = this.channels.find(
      (candidate) =>
        candidate.id === body.id &&
        candidate.resourceId === body.resourceId &&
        candidate.accountId === caller.account.id &&
        candidate.clientId === caller.token.clientId &&
        this.isLive(candidate),
    );
    if (!channel) throw googleApiError(404, `Channel '${body.id}' not found for project 'calsync-emulator'`, { reason: "notFound" });
    channel.state = "stopped";
    channel.endedAt = this.services.clock.now();
    ctx.send(204);
  }

  private onChange(notice: ChangeNotice): void {
    for (const channel of this.channels) {
      if (channel.calendarId !== notice.calendar.id || !this.isLive(channel)) continue;
      channel.messageNumber += this.numbering.int(1, 3);
      const request = this.pushRequest(channel, "exists", channel.messageNumber);
      this.services.deliverer.submitChangeNotification(
        (duplicate) => this.services.deliverer.send({ ...request, duplicate }),
        () => request,
      );
    }
  }

  private pushRequest(channel: Channel, state: "sync" | "exists" | "not_exists", messageNumber: number): OutgoingRequest {
    const headers: Record<string, string> = {
      "X-Goog-Channel-ID": channel.id,
      "X-Goog-Channel-Expiration": formatRfc1123(channel.expiration),
      "X-Goog-Message-Number": String(messageNumber),
      "X-Goog-Resource-ID": channel.resourceId,
      "X-Goog-Resource-State": state,
      "X-Goog-Resource-URI": channel.resourceUri,
      "Content-Type": "application/json; utf-8",
      "User-Agent": GOOGLE_PUSH_USER_AGENT,
    };
    if (channel.token !== undefined) headers["X-Goog-Channel-Token"] = channel.token;
    return {
      kind: "google.push",
      url: channel.address,
      headers,
      body: "",
      channelId: channel.id,
      subscriptionIds: [],
      timeoutMs: this.services.settings.googlePushTimeoutMs,
      retryOn: (status) => status !== null && RETRYABLE.has(status),
      stillWanted: () => this.isLive(channel),
    };
  }
}
