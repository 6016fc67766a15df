// When push subscriptions are renewed: the numbers behind calsync_renew_at (migration
// renewal_schedule) and the renewal cron's claim (lib/subscriptions/lifecycle.ts). A
// module of its own, without imports, so the health report can say "late" by the same
// numbers without loading the renewal code.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** A subscription is renewed within this margin before it expires. */
export const RENEWAL_MARGIN_MS = 24 * HOUR_MS;

/**
 * Each subscription's slot sits at its own offset (a hash of its id) in the first
 * RENEWAL_SPREAD_MS of the margin, so subscriptions registered together renew over
 * 12 hours, not in one run. The rest of the margin (12 hours) is the reserve: a backlog
 * drains in it oldest expiry first, and a renewal that fails is retried about 12
 * times before the subscription expires.
 */
export const RENEWAL_SPREAD_MS = 12 * HOUR_MS;

/** Expiring sooner than this, a subscription is past its latest slot: its renewal is late. */
export const RENEWAL_LATE_MS = RENEWAL_MARGIN_MS - RENEWAL_SPREAD_MS;

/**
 * What the claim moves a claimed subscription's slot (or a connection's push check) on
 * by: an overlapping run skips it meanwhile, and a renewal that failed is due again at
 * the next hourly run. Under the hour, so the next run retries it even when this run's
 * claim came a few minutes into its hour; far over a batch's longest step (300 s).
 */
export const RENEWAL_RETRY_MS = 50 * MINUTE_MS;

/**
 * A registration's `pending` row lives for its provider call (a timeout of seconds,
 * retries within a minute). One older than this was left by a process that died
 * half-way: it covers its calendar no longer, and the next registration stops it.
 */
export const PENDING_REGISTRATION_STALE_MS = 10 * MINUTE_MS;
