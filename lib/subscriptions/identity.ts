import { createHash } from "node:crypto";

// How a push subscription is recognised, shared by the code that creates and renews
// subscriptions (lifecycle.ts) and the webhook routes that verify notifications
// (lib/webhooks). Kept apart from lifecycle.ts so the routes need no provider SDK.

/**
 * What a subscription stores instead of its secret (channel token, clientState):
 * lowercase hex SHA-256, the form `webhook_subscriptions.secret_hash` holds. Written
 * at registration and compared at every notification: one function, or every
 * notification is refused the day the two disagree.
 */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * How long a replaced channel or subscription id still routes notifications:
 * providers deliver on the old one for a while after the new one exists.
 */
export const REPLACED_ID_GRACE_MS = 10 * 60_000;
