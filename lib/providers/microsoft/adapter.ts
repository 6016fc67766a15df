import type { Client } from "@microsoft/microsoft-graph-client";
import type { MicrosoftSettings } from "../config";
import { isProviderError, ProviderError } from "../errors";
import {
  PROVIDER_LABELS,
  type CalendarProvider,
  type ChangesPage,
  type ChangesRequest,
  type EventChange,
  type ProviderCalendar,
  type PushChannel,
  type SeriesRecord,
} from "../port";
import { graphFailure } from "./errors";
import { createGraphClient } from "./graph-client";
import { graphItemToChange, graphSeriesRecord, ianaZoneOf, parseGraphInstant, type GraphEvent } from "./mapping";
import { microsoftAuthorizationUrl, missingMicrosoftScopes, requestTokens, tenantIdFromIdToken } from "./oauth";

// The Microsoft Graph adapter of the provider port.

const MINUTE_MS = 60_000;
/**
 * The page a delta round asks for (`Prefer: odata.maxpagesize`). Graph documents
 * no maximum for calendarView delta and may serve fewer items than asked (a page
 * can even be empty with a nextLink; the round follows it). 1,000 is the ceiling
 * Outlook collections honour for `$top`, and what the emulator serves at most.
 */
const DELTA_PAGE_SIZE = 1000;
/**
 * Graph allows Outlook event subscriptions 10,080 minutes. We ask for a little
 * less so our clock running ahead of Graph's never turns a request into a 400.
 */
const MAX_PUSH_LIFETIME_MS = 10_000 * MINUTE_MS;

/** A subscription on the mailbox's events covers every calendar in it. */
const PUSH_RESOURCE = "me/events";

interface GraphCollection<T> {
  value?: T[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

interface GraphCalendar {
  id: string;
  name?: string | null;
  isDefaultCalendar?: boolean;
}

interface GraphUser {
  id?: string;
  mail?: string | null;
  userPrincipalName?: string | null;
  displayName?: string | null;
}

interface GraphSubscription {
  id?: string;
  resource?: string;
  expirationDateTime?: string;
}

/** Stored links must be absolute https URLs: the SDK reads anything else as a path under /v1.0. */
function isAbsoluteHttps(link: string): boolean {
  return link.startsWith("https://");
}

/**
 * Graph calendars carry no zone; the mailbox's does (GET /me/mailboxSettings, with
 * the optional MailboxSettings.Read scope). It is usually a Windows name ("Pacific
 * Standard Time"), mapped to IANA by windows-iana (CLDR's table). Without the
 * scope, or for a name nobody maps, the calendar stays in UTC, which the port allows.
 */
async function mailboxTimeZone(client: Client): Promise<string> {
  let settings: { timeZone?: string | null };
  try {
    settings = (await client.api("/me/mailboxSettings").get()) as { timeZone?: string | null };
  } catch (error) {
    const failure = graphFailure(error, "GET /me/mailboxSettings");
    if (failure.kind === "rejected" || failure.kind === "not_found") return "UTC";
    throw failure;
  }
  return ianaZoneOf(settings.timeZone) ?? "UTC";
}

export function createMicrosoftProvider(settings: MicrosoftSettings, options: { fetch?: typeof fetch } = {}): CalendarProvider {
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const graph = (accessToken: string): Client => createGraphClient(settings, accessToken, options.fetch);

  async function call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw graphFailure(error, action);
    }
  }

  /** Follows @odata.nextLink to the end of a (small) collection. */
  async function collect<T>(client: Client, path: string, action: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const target: string = next;
      const page = await call(action, () => client.api(target).get() as Promise<GraphCollection<T>>);
      items.push(...(page.value ?? []));
      next = page["@odata.nextLink"];
    }
    return items;
  }

  function clampExpiry(expiresAt: Date): string {
    return new Date(Math.min(expiresAt.getTime(), Date.now() + MAX_PUSH_LIFETIME_MS)).toISOString();
  }

  function grantedExpiry(subscription: GraphSubscription, requested: string): Date {
    return parseGraphInstant(subscription.expirationDateTime) ?? new Date(requested);
  }

  return {
    name: "microsoft",
    displayName: PROVIDER_LABELS.microsoft.shortName,
    pushScope: "account",
    renewal: "extend",
    maxPushLifetimeMs: MAX_PUSH_LIFETIME_MS,
    // The identity platform has no endpoint that revokes one app's delegated grant
    // for the user (revokeSignInSessions ends every session of the user, and needs
    // User.ReadWrite.All); the person removes the app's access themselves.
    revocation: {
      kind: "self_service",
      places: [
        { label: "work or school account: My Apps", url: "https://myapps.microsoft.com" },
        { label: "personal account: privacy settings", url: "https://account.microsoft.com/privacy" },
      ],
    },

    authorizationUrl(request) {
      return microsoftAuthorizationUrl(settings, request);
    },

    async exchangeCode(exchange) {
      const { tokens, idToken } = await requestTokens(
        settings,
        { grant_type: "authorization_code", code: exchange.code, code_verifier: exchange.codeVerifier, redirect_uri: exchange.redirectUri },
        fetchImpl,
        "code exchange",
      );
      const me = await call("GET /me", () => graph(tokens.accessToken).api("/me").get() as Promise<GraphUser>);
      const email = me.mail ?? me.userPrincipalName;
      if (!me.id || !email) throw new ProviderError("failed", "Microsoft Graph GET /me: no id or email in the profile");
      return {
        tokens,
        identity: { providerAccountId: me.id, email, name: me.displayName ?? null, tenantId: tenantIdFromIdToken(idToken) },
      };
    },

    async refreshTokens(refreshToken) {
      // Microsoft rotates refresh tokens: the response carries a new one to store.
      const { tokens } = await requestTokens(settings, { grant_type: "refresh_token", refresh_token: refreshToken }, fetchImpl, "token refresh");
      return tokens;
    },

    async revokeGrant() {
      return "unsupported" as const;
    },

    missingScopes(granted) {
      return missingMicrosoftScopes(granted);
    },

    async listCalendars(accessToken) {
      const client = graph(accessToken);
      const calendars = await collect<GraphCalendar>(client, "/me/calendars", "GET /me/calendars");
      const timeZone = await mailboxTimeZone(client);
      return calendars.map((calendar): ProviderCalendar => ({
        providerCalendarId: calendar.id,
        name: calendar.name ?? "",
        isPrimary: calendar.isDefaultCalendar === true,
        timeZone,
      }));
    },

    async fetchChanges(accessToken, request: ChangesRequest): Promise<ChangesPage> {
      let target: string;
      if (request.pageToken !== null || request.cursor !== null) {
        target = (request.pageToken ?? request.cursor) as string;
        // A link we cannot follow is as good as expired: start a full round.
        if (!isAbsoluteHttps(target)) throw new ProviderError("cursor_expired", "Microsoft delta link is not an absolute https URL");
      } else {
        const start = encodeURIComponent(request.window.start.toISOString());
        const end = encodeURIComponent(request.window.end.toISOString());
        target = `/me/calendars/${encodeURIComponent(request.providerCalendarId)}/calendarView/delta?startDateTime=${start}&endDateTime=${end}`;
      }
      // UTC makes every timed start/end an unambiguous wall time (IANA, unlike the
      // Windows names Graph uses by default). The page size rides on every page.
      const prefer = ['outlook.timezone="UTC"'];
      const pageSize = request.pageSize !== undefined && request.pageSize > 0 ? Math.floor(request.pageSize) : DELTA_PAGE_SIZE;
      prefer.push(`odata.maxpagesize=${pageSize}`);
      const page = await call(
        "calendarView delta",
        () => graph(accessToken).api(target).header("Prefer", prefer.join(", ")).get() as Promise<GraphCollection<GraphEvent>>,
      );
      const changes: EventChange[] = [];
      for (const item of page.value ?? []) {
        const change = graphItemToChange(item, { calendarTimeZone: request.calendarTimeZone, ownerEmail: request.ownerEmail ?? null });
        if (change) changes.push(change);
      }
      const nextLink = page["@odata.nextLink"] ?? null;
      const deltaLink = page["@odata.deltaLink"] ?? null;
      if (nextLink === null && deltaLink === null) throw new ProviderError("failed", "Microsoft delta page carried neither a nextLink nor a deltaLink");
      return { changes, nextPageToken: nextLink, nextCursor: nextLink === null ? deltaLink : null };
    },

    async fetchSeries(accessToken, request): Promise<SeriesRecord[]> {
      // calendarView lists occurrences only; the rule lives on the series master.
      const client = graph(accessToken);
      const series: SeriesRecord[] = [];
      for (const id of request.providerSeriesIds) {
        try {
          const master = await call(
            "GET /me/events/{id}",
            () =>
              client
                .api(`/me/events/${encodeURIComponent(id)}`)
                .header("Prefer", 'outlook.timezone="UTC"')
                .get() as Promise<GraphEvent>,
          );
          const record = graphSeriesRecord(master);
          if (record) series.push(record);
        } catch (error) {
          if (isProviderError(error, "not_found")) continue;
          throw error;
        }
      }
      return series;
    },

    async createPush(accessToken, request): Promise<PushChannel> {
      const expirationDateTime = clampExpiry(request.expiresAt);
      // Graph validates both URLs with a handshake before it answers, so our
      // endpoints must already be serving; a failed handshake is a 400 ("rejected").
      const subscription = await call(
        "POST /subscriptions",
        () =>
          graph(accessToken).api("/subscriptions").post({
            changeType: "created,updated,deleted",
            notificationUrl: request.notificationUrl,
            lifecycleNotificationUrl: request.lifecycleUrl,
            resource: PUSH_RESOURCE,
            expirationDateTime,
            clientState: request.secret,
          }) as Promise<GraphSubscription>,
      );
      if (!subscription.id) throw new ProviderError("failed", "Microsoft Graph POST /subscriptions: no subscription id in the answer");
      return {
        externalId: subscription.id,
        resourceId: null,
        resource: subscription.resource ?? PUSH_RESOURCE,
        expiresAt: grantedExpiry(subscription, expirationDateTime),
      };
    },

    async extendPush(accessToken, handle, expiresAt) {
      const expirationDateTime = clampExpiry(expiresAt);
      const subscription = await call(
        "PATCH /subscriptions",
        () =>
          graph(accessToken)
            .api(`/subscriptions/${encodeURIComponent(handle.externalId)}`)
            .patch({ expirationDateTime }) as Promise<GraphSubscription>,
      );
      return { expiresAt: grantedExpiry(subscription, expirationDateTime) };
    },

    async stopPush(accessToken, handle) {
      try {
        await call(
          "DELETE /subscriptions",
          () =>
            graph(accessToken)
              .api(`/subscriptions/${encodeURIComponent(handle.externalId)}`)
              .delete() as Promise<unknown>,
        );
      } catch (error) {
        if (isProviderError(error, "not_found")) return;
        throw error;
      }
    },
  };
}
