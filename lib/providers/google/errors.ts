import { gaxios } from "google-auth-library";
import { kindForStatus, parseRetryAfter, ProviderError, type ProviderErrorKind } from "../errors";

// Every failure of a Google call becomes a ProviderError here, so the sync engine
// and the token service never look at gaxios or at Google's bodies.

/**
 * Which kind of Google endpoint answered: their error bodies differ, and so does
 * what a 401 means (an API 401 is an expired access token; a token-endpoint 401
 * is a wrong client, which no refresh can fix).
 */
export type GoogleEndpoint = "api" | "oauth";

/** Quota reasons Google sends with 403: waiting helps, so they are not "rejected". */
const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"]);

/** events.watch on a calendar Google offers no push for (holidays, some shared calendars). */
const PUSH_UNSUPPORTED_REASON = "pushNotSupportedForRequestedResource";

/** The parts of an HTTP failure we classify on; tokens and request details stay out. */
export interface GoogleHttpFailure {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

interface ApiErrorBody {
  error: { message?: unknown; status?: unknown; errors?: Array<{ reason?: unknown; message?: unknown }> };
}

interface OAuthErrorBody {
  error: string;
  error_description?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

function isApiErrorBody(body: unknown): body is ApiErrorBody {
  return isObject(body) && isObject(body.error);
}

function isOAuthErrorBody(body: unknown): body is OAuthErrorBody {
  return isObject(body) && typeof body.error === "string";
}

const text = (value: unknown): string | null => (typeof value === "string" && value.trim() !== "" ? value : null);

/** Google's reason code and message from either body shape. */
function reasonAndMessage(body: unknown): { code: string | null; message: string | null } {
  if (isApiErrorBody(body)) {
    const first = Array.isArray(body.error.errors) ? body.error.errors[0] : undefined;
    return { code: text(first?.reason) ?? text(body.error.status), message: text(body.error.message) ?? text(first?.message) };
  }
  if (isOAuthErrorBody(body)) return { code: text(body.error), message: text(body.error_description) };
  return { code: null, message: null };
}

function kindFor(failure: GoogleHttpFailure, code: string | null, endpoint: GoogleEndpoint): ProviderErrorKind {
  const { status } = failure;
  if (endpoint === "oauth") {
    if (code === "invalid_grant") return "reauthorization_required";
    if (status === 429) return "rate_limited";
    if (status >= 500) return "unavailable";
    return status >= 400 ? "rejected" : "failed";
  }
  // Google answers 410 for any dead sync state (fullSyncRequired, updatedMinTooLongAgo, ...): all mean resync.
  if (status === 410) return "cursor_expired";
  if (status === 403 && code !== null && RATE_LIMIT_REASONS.has(code)) return "rate_limited";
  // Holiday and some shared calendars cannot be watched; they are polled instead.
  if (status === 400 && code === PUSH_UNSUPPORTED_REASON) return "push_unsupported";
  return kindForStatus(status);
}

/** Classifies one HTTP failure. `operation` names the call in the message ("events.list"). */
export function googleHttpError(failure: GoogleHttpFailure, endpoint: GoogleEndpoint, operation: string): ProviderError {
  const { code, message } = reasonAndMessage(failure.body);
  const kind = kindFor(failure, code, endpoint);
  const detail = [code, message].filter((part): part is string => part !== null).join(": ");
  return new ProviderError(kind, `Google ${operation} failed with HTTP ${failure.status}${detail ? ` (${detail})` : ""}`, {
    status: failure.status,
    retryAfterMs: parseRetryAfter(failure.retryAfter),
    code,
  });
}

/** gaxios hands back node-fetch's Headers, which is not the global class: read it by shape. */
function headerValue(headers: unknown, name: string): string | null {
  if (isObject(headers) && typeof headers.get === "function") {
    const value: unknown = (headers as { get(key: string): unknown }).get(name);
    return typeof value === "string" ? value : null;
  }
  if (isObject(headers)) {
    const value = headers[name] ?? headers[name.toLowerCase()];
    return typeof value === "string" ? value : null;
  }
  return null;
}

/**
 * Any error thrown while talking to Google, as a ProviderError. ProviderErrors pass
 * through. The GaxiosError is not kept as `cause`: its config is the whole request,
 * and gaxios's redactor leaves the refresh token and the code of token requests in it.
 */
export function googleError(error: unknown, endpoint: GoogleEndpoint, operation: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof gaxios.GaxiosError) {
    const response = error.response;
    if (response && typeof response.status === "number") {
      return googleHttpError({ status: response.status, body: response.data, retryAfter: headerValue(response.headers, "retry-after") }, endpoint, operation);
    }
    const reason = error.code !== undefined ? String(error.code) : "no response";
    return new ProviderError("unavailable", `Google ${operation} failed: ${reason}`, { cause: error.cause });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError("failed", `Google ${operation} failed: ${message}`);
}
