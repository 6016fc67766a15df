// Each provider's error bodies, in one place so handlers, faults and fallbacks
// answer the same way. Shapes follow the providers' documented and observed
// responses: Google's Calendar API v3 error format ({error:{code,message,errors,status}})
// and Graph's error resource ({error:{code,message,innerError}}); README.md beside
// this file lists where the emulator deliberately differs.

import { randomUUID } from "node:crypto";
import { HttpError } from "./http";

// ---- Google APIs (Calendar v3): {error:{code,message,errors:[{domain,reason,message,...}],status?}} ----

export interface GoogleErrorDetail {
  domain?: string;
  reason: string;
  message?: string;
  locationType?: string;
  location?: string;
}

export function googleApiError(status: number, message: string, detail: GoogleErrorDetail, statusText?: string): HttpError {
  const error: Record<string, unknown> = {
    code: status,
    message,
    errors: [{ domain: detail.domain ?? "global", reason: detail.reason, message: detail.message ?? message, ...pickLocation(detail) }],
  };
  if (statusText) error.status = statusText;
  return new HttpError(status, { error });
}

function pickLocation(detail: GoogleErrorDetail): Record<string, string> {
  const location: Record<string, string> = {};
  if (detail.locationType) location.locationType = detail.locationType;
  if (detail.location) location.location = detail.location;
  return location;
}

export const googleErrors = {
  notFound: () => googleApiError(404, "Not Found", { reason: "notFound" }),
  badRequest: (message: string, location?: string) =>
    googleApiError(400, message, { reason: location ? "invalidParameter" : "badRequest", ...(location ? { locationType: "parameter", location } : {}) }),
  required: (message: string, location?: string) =>
    googleApiError(400, message, { reason: "required", ...(location ? { locationType: "parameter", location } : {}) }),
  invalid: (message: string) => googleApiError(400, message, { reason: "invalid" }),
  /** The exact body Google sends when a sync token is dead. */
  fullSyncRequired: () =>
    googleApiError(410, "Sync token is no longer valid, a full sync is required.", {
      domain: "calendar",
      reason: "fullSyncRequired",
      locationType: "parameter",
      location: "syncToken",
    }),
  deleted: () => googleApiError(410, "Resource has been deleted", { reason: "deleted" }),
  duplicate: () => googleApiError(409, "The requested identifier already exists.", { reason: "duplicate" }),
  loginRequired: () =>
    withAuthenticate(
      googleApiError(
        401,
        "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        { reason: "required", message: "Login Required.", locationType: "header", location: "Authorization" },
        "UNAUTHENTICATED",
      ),
    ),
  invalidCredentials: () =>
    withAuthenticate(
      googleApiError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        { reason: "authError", message: "Invalid Credentials", locationType: "header", location: "Authorization" },
        "UNAUTHENTICATED",
      ),
    ),
  insufficientScopes: () =>
    googleApiError(
      403,
      "Request had insufficient authentication scopes.",
      { reason: "insufficientPermissions", message: "Insufficient Permission" },
      "PERMISSION_DENIED",
    ),
  /** Answers of the endpoint fault injector. */
  fault: (status: number): HttpError => {
    switch (status) {
      case 403:
        return googleApiError(403, "Rate Limit Exceeded", { domain: "usageLimits", reason: "rateLimitExceeded" });
      case 429:
        return googleApiError(429, "Rate Limit Exceeded", { domain: "usageLimits", reason: "rateLimitExceeded" }, "RESOURCE_EXHAUSTED");
      case 503:
        return googleApiError(503, "The service is currently unavailable.", { reason: "backendError" }, "UNAVAILABLE");
      default:
        return googleApiError(status, "Backend Error", { reason: "backendError" });
    }
  },
};

function withAuthenticate(error: HttpError): HttpError {
  return new HttpError(error.status, error.body, { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' });
}

// ---- OAuth token endpoints: {error, error_description} (+ Microsoft's AADSTS extras) ----

export function googleOAuthError(status: number, error: string, description: string): HttpError {
  return new HttpError(status, { error, error_description: description });
}

export function microsoftIdentityError(status: number, error: string, aadsts: number, text: string): HttpError {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return new HttpError(status, {
    error,
    error_description: `AADSTS${aadsts}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  });
}

export function oauthFault(provider: "google" | "microsoft", status: number): HttpError {
  if (provider === "google") return googleOAuthError(status, status === 429 ? "rate_limit_exceeded" : "internal_failure", "Backend Error");
  return microsoftIdentityError(status, "temporarily_unavailable", 50196, "The server is temporarily unavailable.");
}

// ---- Microsoft Graph: {error:{code,message,innerError}} ----

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpError {
  const requestId = randomUUID();
  return new HttpError(
    status,
    {
      error: { code, message, innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ""), "request-id": requestId, "client-request-id": requestId } },
    },
    { "request-id": requestId, ...headers },
  );
}

export const graphErrors = {
  invalidToken: (message = "Access token is empty.") =>
    graphError(401, "InvalidAuthenticationToken", message, {
      "www-authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
    }),
  accessDenied: () => graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
  itemNotFound: () => graphError(404, "ErrorItemNotFound", "The specified object was not found in the store."),
  subscriptionNotFound: (id: string) => graphError(404, "ResourceNotFound", `The object was not found. Subscription '${id}' does not exist.`),
  invalidRequest: (message: string) => graphError(400, "InvalidRequest", message),
  badRequest: (message: string) => graphError(400, "BadRequest", message),
  fault: (status: number, retryAfterSeconds?: number): HttpError => {
    const headers: Record<string, string> = retryAfterSeconds !== undefined ? { "retry-after": String(retryAfterSeconds) } : {};
    switch (status) {
      case 429:
        return graphError(429, "TooManyRequests", "Too many requests. Application is over its MailboxConcurrency limit.", headers);
      case 503:
        return graphError(503, "ServiceNotAvailable", "The service is temporarily unavailable.", headers);
      case 504:
        return graphError(504, "GatewayTimeout", "The gateway timed out.", headers);
      case 403:
        return graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", headers);
      default:
        return graphError(status, "generalException", "An internal server error occurred.", headers);
    }
  },
};
