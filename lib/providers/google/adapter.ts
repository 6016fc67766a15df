import { CodeChallengeMethod, gaxios, OAuth2Client, type Credentials } from "google-auth-library";
// Only the Calendar API of googleapis: the package's index loads every Google API
// (about 95 MB more resident memory in each process that syncs).
import { calendar, type calendar_v3 } from "googleapis/build/src/apis/calendar";
import type { GoogleSettings } from "../config";
import { ProviderError } from "../errors";
import type {
  AuthorizationRequest,
  CalendarProvider,
  ChangesPage,
  ChangesRequest,
  CodeExchange,
  EventChange,
  ProviderCalendar,
  ProviderIdentity,
  ProviderTokens,
  PushChannel,
  PushHandle,
  PushRequest,
  SeriesRecord,
  SeriesRequest,
} from "../port";
import { PROVIDER_LABELS } from "../port";
import { googleError, googleHttpError } from "./errors";
import { toEventChange, toProviderCalendar, toSeriesRecord } from "./mapping";

// Google Calendar behind the provider port, through googleapis and
// google-auth-library. Every call makes exactly one HTTP attempt: the callers
// retry with their own backoff and honour Retry-After, which gaxios ignores.

const CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly";
const CALENDAR_FULL = "https://www.googleapis.com/auth/calendar";
export const GOOGLE_SCOPES = ["openid", "email", "profile", CALENDAR_READONLY] as const;

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;
/** Google's documented access-token lifetime, for the (undocumented) case of a response without one. */
const DEFAULT_TOKEN_LIFETIME_MS = 60 * 60 * 1000;
/**
 * events.list's largest page (maxResults: default 250, maximum 2,500). A sync asks
 * for the largest, so a 100,000-event calendar is 40 round trips, not 400, and
 * every page and incremental round repeats the same maxResults, as Google asks.
 */
const MAX_PAGE_SIZE = 2500;
const CALENDAR_LIST_PAGE_SIZE = 250;
const REVOKE_TIMEOUT_MS = 10_000;

/**
 * google-auth-library retries token POSTs on 5xx and 429 by itself. A retried code
 * exchange can fail with invalid_grant after the first attempt succeeded unseen,
 * and its backoff ignores Retry-After, so token requests get one attempt too.
 */
function singleAttemptTransporter(): gaxios.Gaxios {
  const transporter = new gaxios.Gaxios();
  transporter.interceptors.request.add({
    resolved: async (config) => {
      config.retry = false;
      config.retryConfig = { ...config.retryConfig, retry: 0, noResponseRetries: 0 };
      return config;
    },
  });
  return transporter;
}

class GoogleOAuthClient extends OAuth2Client {
  /**
   * The refresh grant as Google answered it. `refreshAccessToken()` would put the
   * old refresh token in place of a missing one, hiding whether Google issued a new one.
   */
  refreshGrant(refreshToken: string): Promise<{ tokens: Credentials }> {
    return this.refreshTokenNoCache(refreshToken);
  }
}

function scopesOf(tokens: Credentials): string[] {
  return (tokens.scope ?? "").split(/\s+/).filter(Boolean);
}

function expiryOf(tokens: Credentials): Date {
  if (typeof tokens.expiry_date === "number") return new Date(tokens.expiry_date);
  // The library turns expires_in into expiry_date, except when expires_in is 0.
  const expiresIn = (tokens as Credentials & { expires_in?: unknown }).expires_in;
  if (typeof expiresIn === "number") return new Date(Date.now() + expiresIn * 1000);
  return new Date(Date.now() + DEFAULT_TOKEN_LIFETIME_MS);
}

function toProviderTokens(tokens: Credentials, operation: string): ProviderTokens {
  if (!tokens.access_token) throw new ProviderError("failed", `Google ${operation} returned no access token`);
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? null,
    expiresAt: expiryOf(tokens),
    scopes: scopesOf(tokens),
  };
}

function pageSizeOf(request: ChangesRequest): number {
  const size = Math.floor(request.pageSize ?? MAX_PAGE_SIZE);
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Number.isFinite(size) ? size : MAX_PAGE_SIZE));
}

export function createGoogleProvider(settings: GoogleSettings, options: { fetch?: typeof fetch } = {}): CalendarProvider {
  const oauthClient = (redirectUri?: string) =>
    new GoogleOAuthClient({
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      redirectUri,
      endpoints: { oauth2AuthBaseUrl: settings.authUrl, oauth2TokenUrl: settings.tokenUrl, oauth2RevokeUrl: settings.revokeUrl },
      transporter: singleAttemptTransporter(),
    });

  /**
   * A client holding only this access token: with no refresh token the library
   * cannot refresh behind our back, so an expired token surfaces as "unauthorized"
   * and the token service refreshes it once for everyone (single-flight).
   */
  const calendarApi = (accessToken: string): calendar_v3.Calendar => {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: accessToken });
    return calendar({ version: "v3", rootUrl: settings.apiRootUrl, auth, retry: false });
  };

  async function call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw googleError(error, "api", operation);
    }
  }

  async function identityOf(accessToken: string): Promise<ProviderIdentity> {
    const fetchImpl = options.fetch ?? fetch;
    let response: Response;
    try {
      response = await fetchImpl(settings.userInfoUrl, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } });
    } catch (cause) {
      throw new ProviderError("unavailable", "Google userinfo failed: the endpoint could not be reached", { cause });
    }
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) throw googleHttpError({ status: response.status, body, retryAfter: response.headers.get("retry-after") }, "oauth", "userinfo");
    const info = (body ?? {}) as { sub?: unknown; email?: unknown; name?: unknown };
    if (typeof info.sub !== "string" || info.sub === "") throw new ProviderError("failed", "Google userinfo returned no subject");
    if (typeof info.email !== "string" || info.email === "") throw new ProviderError("failed", "Google userinfo returned no email address");
    return {
      providerAccountId: info.sub,
      email: info.email,
      name: typeof info.name === "string" && info.name !== "" ? info.name : null,
      tenantId: null,
    };
  }

  return {
    name: "google",
    displayName: PROVIDER_LABELS.google.shortName,
    pushScope: "calendar",
    renewal: "replace",
    maxPushLifetimeMs: SEVEN_DAYS_MS,
    revocation: { kind: "endpoint" },

    authorizationUrl(request: AuthorizationRequest): string {
      return oauthClient(request.redirectUri).generateAuthUrl({
        scope: [...GOOGLE_SCOPES],
        access_type: "offline",
        // Google issues a refresh token only with consent; reconnecting must get a new one.
        prompt: "consent",
        include_granted_scopes: true,
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: CodeChallengeMethod.S256,
        ...(request.loginHint ? { login_hint: request.loginHint } : {}),
      });
    },

    async exchangeCode(exchange: CodeExchange): Promise<{ tokens: ProviderTokens; identity: ProviderIdentity }> {
      let credentials: Credentials;
      try {
        ({ tokens: credentials } = await oauthClient(exchange.redirectUri).getToken({
          code: exchange.code,
          codeVerifier: exchange.codeVerifier,
          redirect_uri: exchange.redirectUri,
        }));
      } catch (error) {
        throw googleError(error, "oauth", "token exchange");
      }
      const tokens = toProviderTokens(credentials, "token exchange");
      return { tokens, identity: await identityOf(tokens.accessToken) };
    },

    async refreshTokens(refreshToken: string): Promise<ProviderTokens> {
      let credentials: Credentials;
      try {
        ({ tokens: credentials } = await oauthClient().refreshGrant(refreshToken));
      } catch (error) {
        throw googleError(error, "oauth", "token refresh");
      }
      return toProviderTokens(credentials, "token refresh");
    },

    async revokeGrant(token: string): Promise<"revoked"> {
      // Google's documented form: POST token=<token> as a form body. Not the
      // library's revokeToken(), which puts the token in the URL's query, where
      // proxies and access logs keep it.
      const fetchImpl = options.fetch ?? fetch;
      let response: Response;
      try {
        response = await fetchImpl(settings.revokeUrl, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body: new URLSearchParams({ token }).toString(),
          // Best-effort at disconnect: an unreachable Google must not hold the request.
          signal: AbortSignal.timeout(REVOKE_TIMEOUT_MS),
        });
      } catch (cause) {
        throw new ProviderError("unavailable", "Google revoke failed: the endpoint could not be reached", { cause });
      }
      if (response.ok) return "revoked";
      const body: unknown = await response.json().catch(() => null);
      // 400 invalid_token: already revoked or expired, which is what we wanted.
      if (response.status === 400 && (body as { error?: unknown } | null)?.error === "invalid_token") return "revoked";
      throw googleHttpError({ status: response.status, body, retryAfter: response.headers.get("retry-after") }, "oauth", "revoke");
    },

    missingScopes(granted: string[]): string[] {
      return granted.includes(CALENDAR_READONLY) || granted.includes(CALENDAR_FULL) ? [] : [CALENDAR_READONLY];
    },

    listCalendars(accessToken: string): Promise<ProviderCalendar[]> {
      return call("calendarList.list", async () => {
        const api = calendarApi(accessToken);
        const calendars: ProviderCalendar[] = [];
        let pageToken: string | undefined;
        do {
          const { data } = await api.calendarList.list({ maxResults: CALENDAR_LIST_PAGE_SIZE, pageToken });
          for (const entry of data.items ?? []) {
            if (entry.id) calendars.push(toProviderCalendar({ ...entry, id: entry.id }));
          }
          pageToken = data.nextPageToken ?? undefined;
        } while (pageToken);
        return calendars;
      });
    },

    fetchChanges(accessToken: string, request: ChangesRequest): Promise<ChangesPage> {
      return call("events.list", async () => {
        // Google wants every page and every incremental round to repeat the first
        // call's parameters; only timeMin is left out, as syncToken forbids it.
        const params: calendar_v3.Params$Resource$Events$List = {
          calendarId: request.providerCalendarId,
          singleEvents: true,
          showDeleted: true,
          maxResults: pageSizeOf(request),
          ...(request.cursor === null ? { timeMin: request.window.start.toISOString() } : { syncToken: request.cursor }),
          ...(request.pageToken ? { pageToken: request.pageToken } : {}),
        };
        const { data } = await calendarApi(accessToken).events.list(params);
        const changes = (data.items ?? [])
          .map((item) => toEventChange(item, request.calendarTimeZone))
          .filter((change): change is EventChange => change !== null);
        const nextPageToken = data.nextPageToken ?? null;
        return { changes, nextPageToken, nextCursor: nextPageToken === null ? (data.nextSyncToken ?? null) : null };
      });
    },

    async fetchSeries(accessToken: string, request: SeriesRequest): Promise<SeriesRecord[]> {
      // With singleEvents the list carries instances only; the rule lives on the master.
      const api = calendarApi(accessToken);
      const series: SeriesRecord[] = [];
      for (const eventId of request.providerSeriesIds) {
        try {
          const { data } = await call("events.get", () => api.events.get({ calendarId: request.providerCalendarId, eventId }));
          const record = toSeriesRecord(data);
          if (record) series.push(record);
        } catch (error) {
          // A master deleted since its instances were listed: the next round removes them.
          if (error instanceof ProviderError && (error.kind === "not_found" || error.status === 410)) continue;
          throw error;
        }
      }
      return series;
    },

    createPush(accessToken: string, request: PushRequest): Promise<PushChannel> {
      return call("events.watch", async () => {
        const ttlSeconds = Math.max(1, Math.ceil((request.expiresAt.getTime() - Date.now()) / 1000));
        const { data } = await calendarApi(accessToken).events.watch({
          calendarId: request.providerCalendarId,
          requestBody: {
            id: request.channelId,
            type: "web_hook",
            address: request.notificationUrl,
            token: request.secret,
            params: { ttl: String(ttlSeconds) },
          },
        });
        if (!data.resourceId) throw new ProviderError("failed", "Google events.watch returned no resourceId");
        // An int64 field: the SDK types it as a string, but either form may arrive.
        const expiration = Number(data.expiration as string | number | null | undefined);
        return {
          externalId: data.id ?? request.channelId,
          resourceId: data.resourceId,
          resource: data.resourceUri ?? "",
          expiresAt: Number.isFinite(expiration) && expiration > 0 ? new Date(expiration) : new Date(Date.now() + ttlSeconds * 1000),
        };
      });
    },

    async extendPush(): Promise<{ expiresAt: Date }> {
      throw new ProviderError("rejected", "Google channels cannot be extended; create a new channel");
    },

    async stopPush(accessToken: string, handle: PushHandle): Promise<void> {
      if (!handle.resourceId) throw new ProviderError("rejected", "A Google channel can only be stopped with its resourceId");
      const resourceId = handle.resourceId;
      try {
        await call("channels.stop", () => calendarApi(accessToken).channels.stop({ requestBody: { id: handle.externalId, resourceId } }));
      } catch (error) {
        // Stopped, expired or never created: in every case nothing is delivering any more.
        if (error instanceof ProviderError && error.kind === "not_found") return;
        throw error;
      }
    },
  };
}
