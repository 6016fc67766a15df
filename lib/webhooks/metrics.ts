/**
 * Per-process counters of what the webhook routes did with each notification.
 * Forged and unknown deliveries are never written to the database (anyone can send
 * them, and storing them would let a flood fill the table), so these counters are
 * where they show up. Read by the health page; reset when the process restarts.
 */
export type WebhookProvider = "google" | "microsoft";

export type WebhookOutcome =
  /** Verified and recorded `pending`, handed off (or left for recovery). */
  | "accepted"
  | "duplicate"
  /** Verified and recorded `ignored` (Google `sync`, calendar not synced). */
  | "ignored"
  /** Names a known subscription but fails verification (secret or resource id). */
  | "forged"
  | "unknown"
  /**
   * Verified against a channel or subscription we stopped or replaced (past its
   * grace period): acknowledged 2xx, not stored, no budget spent. The provider is
   * still delivering on something we ended.
   */
  | "retired"
  /** Did not verify, from a source past its failure budget: refused without telling forged from unknown. */
  | "throttled"
  /** From a source the provider's allowlist does not admit: 403 before any database work. */
  | "disallowed"
  | "malformed"
  | "tooLarge"
  /** Graph validation handshakes answered. */
  | "validation"
  /** Verified but not stored (database down): answered 5xx for a retry. */
  | "failed"
  /** Recorded, but the job hand-off failed: the row waits for recovery. */
  | "handoffFailed";

export type WebhookCounters = Record<WebhookOutcome, number>;

export const WEBHOOK_OUTCOMES: readonly WebhookOutcome[] = [
  "accepted",
  "duplicate",
  "ignored",
  "forged",
  "unknown",
  "retired",
  "throttled",
  "disallowed",
  "malformed",
  "tooLarge",
  "validation",
  "failed",
  "handoffFailed",
];

function zero(): WebhookCounters {
  return Object.fromEntries(WEBHOOK_OUTCOMES.map((outcome) => [outcome, 0])) as WebhookCounters;
}

// On globalThis so a dev-server hot reload of this module keeps counting.
const holder = globalThis as unknown as { __calsyncWebhookMetrics?: Record<WebhookProvider, WebhookCounters> };
const counters = (holder.__calsyncWebhookMetrics ??= { google: zero(), microsoft: zero() });

export function countWebhook(provider: WebhookProvider, outcome: WebhookOutcome, by = 1): void {
  counters[provider][outcome] += by;
}

/** A copy, safe to serialize. */
export function webhookMetrics(): Record<WebhookProvider, WebhookCounters> {
  return { google: { ...counters.google }, microsoft: { ...counters.microsoft } };
}

export function resetWebhookMetrics(): void {
  counters.google = zero();
  counters.microsoft = zero();
}
