import { GraphClientError, GraphError } from "@microsoft/microsoft-graph-client";
import { kindForStatus, parseRetryAfter, ProviderError, type ProviderErrorKind } from "../errors";

// Every Microsoft failure becomes a ProviderError here, so the adapter has one
// place that knows Graph's and the identity platform's error shapes. Messages
// carry statuses and error codes only: never tokens, secrets or the delta links
// (their $deltatoken is a credential-like state handle).

/** Graph codes meaning the delta link is dead and a full round must start over. */
const CURSOR_CODES = new Set(["syncstatenotfound", "resyncrequired"]);

/** Token-endpoint errors only the person can fix by signing in again. */
const REAUTHORIZE_CODES = new Set(["invalid_grant", "interaction_required", "consent_required"]);

type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined | null;

function headerValue(headers: HeaderSource, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/**
 * A failed Graph call (the SDK throws GraphError; statusCode -1 means no response
 * arrived, i.e. the network failed) as a ProviderError. `action` names what we
 * were doing, for the message.
 */
export function graphFailure(error: unknown, action: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof GraphClientError) {
    return new ProviderError("failed", `Microsoft Graph ${action}: client error`, { cause: error });
  }
  if (error instanceof GraphError) {
    const status = error.statusCode > 0 ? error.statusCode : null;
    const code = error.code ?? null;
    if (status === null) {
      return new ProviderError("unavailable", `Microsoft Graph ${action}: no response (network)`, { code, cause: error });
    }
    const retryAfterMs = parseRetryAfter(headerValue(error.headers, "retry-after"));
    let kind: ProviderErrorKind;
    if (code !== null && CURSOR_CODES.has(code.toLowerCase())) kind = "cursor_expired";
    else kind = kindForStatus(status);
    const transient = kind === "rate_limited" || kind === "unavailable";
    return new ProviderError(kind, `Microsoft Graph ${action}: HTTP ${status}${code ? ` ${code}` : ""}`, {
      status,
      code,
      retryAfterMs: transient ? retryAfterMs : null,
      cause: error,
    });
  }
  return new ProviderError("failed", `Microsoft Graph ${action}: unexpected failure`, { cause: error });
}

/** The identity platform's error body (`error`, `error_description`, `error_codes`). */
export interface TokenErrorBody {
  error?: unknown;
  error_codes?: unknown;
}

/**
 * A non-2xx answer of the token endpoint. `invalid_grant` (expired, revoked or
 * redeemed code or refresh token, missing consent) and `interaction_required`
 * need the person; 429/5xx and `temporarily_unavailable` are worth retrying;
 * anything else (bad client secret, bad request) is our configuration.
 */
export function tokenFailure(status: number, body: TokenErrorBody | null, headers: HeaderSource, action: string): ProviderError {
  const code = typeof body?.error === "string" ? body.error : null;
  const aadsts = Array.isArray(body?.error_codes) && typeof body.error_codes[0] === "number" ? ` (AADSTS${body.error_codes[0]})` : "";
  const message = `Microsoft ${action}: HTTP ${status}${code ? ` ${code}` : ""}${aadsts}`;
  const retryAfterMs = parseRetryAfter(headerValue(headers, "retry-after"));
  let kind: ProviderErrorKind;
  if (code !== null && REAUTHORIZE_CODES.has(code)) kind = "reauthorization_required";
  else if (status === 429) kind = "rate_limited";
  else if (status >= 500 || code === "temporarily_unavailable") kind = "unavailable";
  else kind = "rejected";
  const transient = kind === "rate_limited" || kind === "unavailable";
  return new ProviderError(kind, message, { status, code, retryAfterMs: transient ? retryAfterMs : null });
}
