// Provider failures, classified once in each adapter so the sync engine, the token
// service and the jobs can decide without knowing which provider spoke.

export type ProviderErrorKind =
  | "cursor_expired" // sync token / delta link no longer valid (Google 410, Graph syncStateNotFound/resyncRequired/410): full resync
  | "rate_limited" // 429 or 403 rateLimitExceeded: wait retryAfterMs (or back off) and retry
  | "unavailable" // 5xx / network: retry with backoff
  | "unauthorized" // 401 on an API call: refresh the access token once, then retry
  | "reauthorization_required" // invalid_grant / interaction_required: the person must reconnect
  | "not_found" // 404 (a stopped channel, a deleted subscription or calendar)
  | "push_unsupported" // the calendar cannot be watched (Google pushNotSupportedForRequestedResource): poll it
  | "rejected" // any other 4xx: our request is wrong; retrying will not help
  | "failed"; // anything else

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  readonly kind: ProviderErrorKind;
  readonly status: number | null;
  /** From Retry-After, when the provider sent one. */
  readonly retryAfterMs: number | null;
  /** Provider error code (e.g. "fullSyncRequired", "syncStateNotFound", "invalid_grant"). */
  readonly code: string | null;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { status?: number | null; retryAfterMs?: number | null; code?: string | null; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.code = options.code ?? null;
  }

  /** Worth retrying later without anyone's help. */
  get transient(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable";
  }
}

export function isProviderError(err: unknown, kind?: ProviderErrorKind): err is ProviderError {
  return err instanceof ProviderError && (kind === undefined || err.kind === kind);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. Null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Classify an HTTP status (for adapters; they add provider-specific codes first). */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 410) return "cursor_expired";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "unavailable";
  if (status >= 400) return "rejected";
  return "failed";
}
