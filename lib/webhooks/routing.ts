import { rawQuery } from "@/lib/db/raw";
import { REPLACED_ID_GRACE_MS } from "@/lib/subscriptions/identity";
import type { WebhookProvider } from "@/lib/webhooks/metrics";

/**
 * What a verified notification was stored as, or `retired`: it verified against a
 * channel or subscription we ended (see `retiredMatch`) and was acknowledged
 * without being stored.
 */
export type RecordedStatus = "pending" | "ignored" | "duplicate" | "retired";

/**
 * The grace period in the unit SQL compares in: how long after
 * `replaced_subscription_ids.stopped_at` a replaced channel or subscription id still
 * routes. Google keeps delivering on an old channel for a moment after
 * `channels.stop`, and a retry of a notification sent before the stop can arrive
 * later still.
 */
export const REPLACED_ID_GRACE_SECONDS = REPLACED_ID_GRACE_MS / 1000;

/**
 * SQL condition: replaced-id row `alias` still routes ($grace = seconds). Shared
 * by the hot statements and the failure-path lookup so both agree on "known".
 */
export function replacedIdRoutes(alias: string, graceParam: string): string {
  return `(${alias}.stopped_at IS NULL OR ${alias}.stopped_at > now() - ${graceParam}::int * interval '1 second')`;
}

/**
 * SQL condition: current subscription row `alias` still routes ($grace = seconds).
 * A stopped one does for the grace period after it was stopped, like a replaced id:
 * stopping at the provider is best-effort, and without an end a channel the
 * provider kept would verify for ever. A stopped row is not updated again, so its
 * updated_at is when it was stopped.
 */
export function subscriptionRoutes(alias: string, graceParam: string): string {
  return `(${alias}.status <> 'stopped' OR ${alias}.updated_at > now() - ${graceParam}::int * interval '1 second')`;
}

/**
 * SQL condition: id `idSql` with secret digest `hashSql` names a subscription of
 * `provider` that we ended and that no longer routes: a row we stopped (Google
 * `channels.stop`, a Graph subscription we deleted or Graph removed) past its
 * grace period, or an id a renewal replaced, past its own. Providers keep
 * delivering on such channels for days (stopping is best-effort, and Google
 * does not stop a channel it cannot match): those deliveries are ours and
 * genuine, so they are acknowledged as ignored, never stored and never counted
 * against the sender's failure budget (Google shares its sending addresses
 * across every customer). The secret must match: an id alone is not proof.
 * Used inside the hot statements, for items that did not verify only, so the
 * verified path pays no extra round trip.
 */
export function retiredMatch(provider: WebhookProvider, idSql: string, hashSql: string, graceParam: string): string {
  return `(EXISTS (SELECT 1 FROM webhook_subscriptions rs
                  WHERE rs.external_id = ${idSql} AND rs.provider = '${provider}' AND rs.secret_hash = ${hashSql}
                    AND NOT ${subscriptionRoutes("rs", graceParam)})
       OR EXISTS (SELECT 1 FROM replaced_subscription_ids rr
                    JOIN webhook_subscriptions rs ON rs.id = rr.subscription_id AND rs.provider = '${provider}'
                   WHERE rr.external_id = ${idSql} AND rr.secret_hash = ${hashSql}
                     AND NOT ${replacedIdRoutes("rr", graceParam)}))`;
}

/**
 * The failure path only: which of these ids name a subscription of ours (current or
 * replaced within grace). A delivery that failed verification is "forged" (401)
 * when its id is known and "unknown" (404) otherwise. Kept out of the hot statement,
 * which only ever sees verified deliveries.
 */
export async function knownExternalIds(provider: WebhookProvider, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await rawQuery<{ external_id: string }>({
    name: "webhooks.known-external-ids",
    text: `SELECT s.external_id FROM webhook_subscriptions s
            WHERE s.external_id = ANY($1::text[]) AND s.provider = $2::"Provider" AND ${subscriptionRoutes("s", "$3")}
           UNION
           SELECT r.external_id FROM replaced_subscription_ids r
             JOIN webhook_subscriptions s ON s.id = r.subscription_id AND s.provider = $2::"Provider"
            WHERE r.external_id = ANY($1::text[]) AND ${replacedIdRoutes("r", "$3")}`,
    values: [ids, provider, REPLACED_ID_GRACE_SECONDS],
  });
  return new Set(rows.map((row) => row.external_id));
}
