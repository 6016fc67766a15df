import { ProviderError, type ProviderErrorKind } from "@/lib/providers/errors";

// Which failures are worth another attempt, for both drivers: the inline driver stops
// retrying, and the Inngest functions throw NonRetriableError.

/** Provider answers that the same request will get again: retrying costs quota and changes nothing. */
const FINAL_PROVIDER_KINDS: ReadonlySet<ProviderErrorKind> = new Set(["rejected", "push_unsupported", "reauthorization_required", "not_found"]);

export function isRetryable(err: unknown): boolean {
  return !(err instanceof ProviderError && !err.transient && FINAL_PROVIDER_KINDS.has(err.kind));
}
